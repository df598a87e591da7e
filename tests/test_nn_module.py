"""Module and Parameter: registration, names, traversal, modes, repr, weights on disk."""
from __future__ import annotations

import copy
import sys

import numpy as np
import pytest

import nn
from autograd import Tensor, no_grad
from nn import (BatchNorm1d, Linear, Module, ModuleList, Parameter, ReLU, Sequential,
                StateDictError, WeightsFileError)

torch = pytest.importorskip("torch")


class Net(Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = Sequential(Linear(2, 3, rng=0), BatchNorm1d(3))
        self.layers = [Linear(3, 3, rng=1), Linear(3, 1, rng=2)]
        self.scale = Parameter(np.ones(1, dtype=np.float32))

    def forward(self, x):
        h = self.body(x).relu()
        for layer in self.layers:
            h = layer(h)
        return h * self.scale


# ---------------------------------------------------------------- Parameter

def test_parameter_is_a_tensor_subclass_that_requires_grad():
    p = Parameter([[1.0, 2.0]])
    assert isinstance(p, Tensor) and p.requires_grad and p.dtype == np.float32
    assert p.is_leaf and p.grad is None


@pytest.mark.parametrize("make", [
    lambda p: p * 2, lambda p: p.T, lambda p: p + p, lambda p: p.relu(), lambda p: p[0],
    lambda p: p.sum(), lambda p: -p, lambda p: p ** 2, lambda p: p.detach(),
    lambda p: p ** Tensor(2.0), lambda p: Tensor(2.0) ** p, lambda p: p.reshape(2, 1),
])
def test_operations_on_a_parameter_give_plain_tensors(make):
    p = Parameter([[1.0, 2.0]])
    out = make(p)
    assert type(out) is Tensor


def test_parameter_gradients_flow_and_pow_mixes_with_tensors():
    p = Parameter([1.0, 2.0])
    e = Tensor([2.0, 3.0], requires_grad=True)
    (p ** e).sum().backward()
    np.testing.assert_allclose(p.grad, [2.0, 12.0])
    np.testing.assert_allclose(e.grad, [0.0, 8 * np.log(2.0)], rtol=1e-6)


def test_parameter_rejects_integer_data_and_keeps_float64():
    with pytest.raises(TypeError, match="floating-point"):
        Parameter(np.array([1, 2]))
    assert Parameter(np.zeros(2)).dtype == np.float64


def test_parameter_slots_and_deepcopy():
    p = Parameter([1.0], name="w")
    assert not hasattr(p, "__dict__")
    q = copy.deepcopy(p)
    assert type(q) is Parameter and q.name == "w" and q.data is not p.data


# ---------------------------------------------------------------- registration and names

def test_named_parameters_are_dotted_and_set_on_the_parameters():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    # a module's own parameters come before its children's, as in PyTorch
    assert names == ["scale", "body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias",
                     "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    for name, p in net.named_parameters():
        assert p.name == name
    assert isinstance(net.layers, ModuleList) and len(net.layers) == 2
    assert len(list(net.parameters())) == 9


def test_names_follow_nesting_done_after_construction():
    inner = Sequential(Linear(2, 2, rng=0))
    outer = Sequential(Linear(2, 2, rng=0))
    outer.append(inner)
    assert inner[0].weight.name == "1.0.weight"
    holder = ModuleList([outer])
    holder.append(Linear(2, 1, rng=0))
    assert inner[0].weight.name == "0.1.0.weight" and holder[1].bias.name == "1.bias"


def test_modules_and_named_modules_preorder_each_once():
    net = Net()
    names = [n for n, _ in net.named_modules()]
    assert names == ["", "body", "body.0", "body.1", "layers", "layers.0", "layers.1"]
    shared = Linear(1, 1, rng=0)
    seq = Sequential(shared, shared)
    assert len(list(seq.modules())) == 2 and len(list(seq.parameters())) == 2


def test_reassigning_and_deleting_attributes_updates_registration():
    net = Net()
    net.scale = Parameter(np.full(1, 2.0, dtype=np.float32))
    assert net.scale.name == "scale" and float(net.scale.data[0]) == 2.0
    with pytest.raises(TypeError, match="Parameter or None"):
        net.scale = Tensor([1.0])
    del net.scale
    assert "scale" not in dict(net.named_parameters())
    net.layers = None
    assert not any(n.startswith("layers") for n, _ in net.named_parameters())


def test_assignment_before_init_is_a_clear_error():
    class Bad(Module):
        def __init__(self):
            self.w = Parameter([1.0])

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_a_module_cannot_contain_itself():
    seq = Sequential(Linear(1, 1))
    with pytest.raises(ValueError, match="inside itself"):
        seq[0].loop = seq


def test_deep_nesting_uses_no_recursion():
    depth = sys.getrecursionlimit() + 200
    root = Sequential(Linear(1, 1, rng=0))
    for _ in range(depth):
        root = Sequential(root)
    assert len(list(root.modules())) == depth + 2
    names = [name for name, _ in root.named_parameters()]
    assert names == ["0." * (depth + 1) + "weight", "0." * (depth + 1) + "bias"]
    text = repr(root)
    assert text.count("Sequential(") == depth + 1
    assert len(root.state_dict()) == 2
    root.eval()
    assert not any(m.training for m in root.modules())


# ---------------------------------------------------------------- call, modes, grads

def test_call_runs_forward_and_zero_grad_resets():
    net = Net()
    x = Tensor(np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32))
    net(x).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net(x).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad == 0) for p in net.parameters())


def test_train_and_eval_reach_every_module():
    net = Net()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_repr_shows_architecture_and_parameter_count():
    text = repr(Net())
    assert "(body): Sequential(" in text and "(0): Linear(in_features=2, out_features=3" in text
    assert "(layers): ModuleList(" in text and "BatchNorm1d(3, eps=1e-05" in text
    n = sum(p.size for p in Net().parameters())
    assert text.endswith(f"# {n} parameters")
    assert repr(ReLU()) == "ReLU()  # 0 parameters"


def test_to_double_converts_parameters_and_buffers():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.body[1].running_mean.dtype == np.float64
    assert net.body[1].num_batches_tracked.dtype == np.int64


def test_requires_grad_false_freezes():
    net = Net().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    assert net.num_parameters(trainable_only=True) == 0


# ---------------------------------------------------------------- state dicts

def test_state_dict_has_parameters_and_buffers_in_pytorch_order():
    sd = Net().state_dict()
    assert list(sd)[:8] == ["scale", "body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias",
                            "body.1.running_mean", "body.1.running_var",
                            "body.1.num_batches_tracked"]
    assert sd["body.1.num_batches_tracked"].dtype == np.int64
    sd["body.0.weight"][...] = 123.0   # a copy, not a view
    assert not np.any(Net().body[0].weight.data == 123.0)


def test_state_dict_keys_match_torch_batchnorm():
    ours = list(BatchNorm1d(4).state_dict())
    theirs = list(torch.nn.BatchNorm1d(4).state_dict())
    assert ours == theirs


def test_load_state_dict_round_trip():
    a, b = Net(), Net()
    for p in b.parameters():
        with no_grad():
            p.fill_(0.5)
    b.load_state_dict(a.state_dict())
    for (n1, t1), (n2, t2) in zip(a.state_dict().items(), b.state_dict().items()):
        assert n1 == n2
        np.testing.assert_array_equal(t1, t2)  # exact: copies


def test_load_state_dict_wrong_shape_names_key_and_both_shapes():
    net = Net()
    sd = net.state_dict()
    sd["layers.0.weight"] = np.zeros((4, 3), dtype=np.float32)
    before = net.body[0].weight.data.copy()
    with pytest.raises(StateDictError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "layers.0.weight" in msg and "(4, 3)" in msg and "(3, 3)" in msg
    np.testing.assert_array_equal(net.body[0].weight.data, before)   # nothing changed: exact
    with pytest.raises(StateDictError, match="layers.0.weight"):
        net.load_state_dict(sd, strict=False)


def test_load_state_dict_missing_and_unexpected_keys():
    net = Net()
    sd = net.state_dict()
    del sd["scale"]
    sd["extra.weight"] = np.zeros(2)
    with pytest.raises(StateDictError) as info:
        net.load_state_dict(sd)
    assert "missing key(s): scale" in str(info.value)
    assert "unexpected key(s): extra.weight" in str(info.value)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["scale"] and result.unexpected_keys == ["extra.weight"]


def test_state_dict_to_torch_and_back():
    model = nn.MLP(5, [7, 6, 3], activation="tanh", rng=0)
    ref = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 6),
                              torch.nn.Tanh(), torch.nn.Linear(6, 3))
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_allclose(model(Tensor(x)).data, ref(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    # and back: torch's initial weights, straight from its state dict (torch tensors accepted)
    fresh = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 6),
                                torch.nn.Tanh(), torch.nn.Linear(6, 3))
    model.load_state_dict(fresh.state_dict())
    np.testing.assert_allclose(model(Tensor(x)).data,
                               fresh(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- files

def test_save_load_round_trip(tmp_path):
    a, b = Net(), Net()
    a.train()(Tensor(np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)))
    path = tmp_path / "weights.npz"
    a.save(path)
    assert b.load(path) is b
    for (k, v), (_, w) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(v, w, err_msg=k)  # exact: saved and loaded bytes
        assert v.dtype == w.dtype
    with np.load(path, allow_pickle=False) as data:   # a plain npz archive
        assert sorted(data.files) == sorted(a.state_dict())


def test_load_of_a_corrupted_file_is_a_clear_error(tmp_path):
    good = tmp_path / "good.npz"
    Net().save(good)
    raw = good.read_bytes()
    cases = {
        "truncated.npz": raw[: len(raw) // 2],
        "garbage.npz": b"this is not a weights file at all" * 10,
        "empty.npz": b"",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(WeightsFileError, match="not a readable .npz"):
            Net().load(path)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(WeightsFileError, match="single array"):
        Net().load(single)
    with pytest.raises(FileNotFoundError, match="no weights file"):
        Net().load(tmp_path / "missing.npz")


def test_load_of_a_file_for_another_model_names_the_mismatch(tmp_path):
    path = tmp_path / "w.npz"
    nn.MLP(2, [4, 1], rng=0).save(path)
    with pytest.raises(StateDictError, match=r"0.weight: shape \(4, 2\) .* \(5, 2\)"):
        nn.MLP(2, [5, 1], rng=0).load(path)
