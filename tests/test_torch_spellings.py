"""PyTorch's spellings on Tensor: max/min(dim) as (values, indices), size(), dim(), numel(),
t(), clone(), to(), long()..., arithmetic methods, register_hook, grad_fn, inference_mode."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nn
from autograd import Tensor, inference_mode, no_grad

torch = pytest.importorskip("torch")


def _pair(shape: tuple[int, ...], seed: int = 0) -> tuple[Tensor, "torch.Tensor"]:
    x = np.random.default_rng(seed).standard_normal(shape)
    return Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data(),
       name=st.sampled_from(["max", "min"]), keepdim=st.booleans(),
       ties=st.booleans())
def test_max_min_with_a_dim_return_values_and_indices_as_pytorch(shape, data, name, keepdim,
                                                                 ties):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.integers(-2, 2).map(float)
                             if ties else st.floats(-10, 10)))
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    res = getattr(ours, name)(dim, keepdim=keepdim)
    ref = getattr(theirs, name)(dim, keepdim=keepdim)
    values, indices = res  # unpacks as a tuple, like torch.return_types
    assert res.values is values and res.indices is indices
    np.testing.assert_array_equal(values.data, ref.values.detach().numpy())  # copies
    # PyTorch picks one of tied extremes (its choice is not documented); each index
    # must point at an extreme, and ours picks the first, as NumPy's argmax.
    picked = np.take_along_axis(x, np.expand_dims(indices.data, dim) if not keepdim
                                else indices.data, axis=dim)
    np.testing.assert_array_equal(picked.reshape(values.shape), values.data)
    assert indices.dtype == np.int64
    g = np.random.default_rng(1).standard_normal(values.shape)
    values.backward(g)
    if not ties:  # with distinct elements the gradient goes to the one extreme in both
        ref.values.backward(torch.tensor(g))
        np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())  # copies of g and 0
    else:  # the gradient goes to the picked element only: its sum is g's sum
        assert ours.grad.sum() == pytest.approx(g.sum())
        assert np.count_nonzero(ours.grad) <= g.size


def test_max_without_dim_or_with_axis_keeps_numpys_values():
    x = Tensor([[1.0, 5.0], [7.0, 3.0]])
    assert x.max().item() == 7.0 and x.min().item() == 1.0
    assert x.max(axis=1).tolist() == [5.0, 7.0] and x.min(axis=0).tolist() == [1.0, 3.0]
    assert x.max(dim=(0, 1)).item() == 7.0  # several dims: values, as amax
    _, pred = x.max(1)  # the accuracy idiom
    assert pred.tolist() == [1, 0]
    assert x.max(Tensor([[2.0, 2.0], [2.0, 9.0]])).tolist() == [[2.0, 5.0], [7.0, 9.0]]
    v, i = Tensor(3.0).max(0)
    assert v.item() == 3.0 and i.item() == 0


def test_size_is_an_int_and_pytorchs_method():
    x = Tensor(np.zeros((2, 3, 4)))
    assert x.size == 24 and isinstance(x.size, int) and x.size + 1 == 25
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.numel() == 24 and x.dim() == 3 and x.ndim == 3
    assert pickle.loads(pickle.dumps(x.size)) == 24
    with pytest.raises(ValueError, match="size: axis 3 is out of range"):
        x.size(3)
    model = nn.Linear(3, 2)
    assert model.num_parameters() == 8  # Module counts with .size as an int


def test_t_clone_and_conversions():
    x, tx = _pair((2, 3))
    assert x.t().shape == (3, 2) and Tensor([1.0, 2.0]).t().shape == (2,)
    with pytest.raises(ValueError, match="at most 2 dimensions"):
        Tensor(np.zeros((2, 2, 2))).t()
    c = x.clone()
    assert c is not x and not np.shares_memory(c.data, x.data) and c.requires_grad
    (c * c).sum().backward()
    (tx.clone() * tx.clone()).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)  # 2x in float64
    assert x.long().dtype == np.int64 and x.int().dtype == np.int32
    assert x.float().dtype == np.float32 and x.double().dtype == np.float64
    assert x.bool().dtype == np.bool_ and x.half().dtype == np.float16
    assert int(Tensor(3.7)) == 3 and float(Tensor(2.5)) == 2.5  # the dunders still work
    assert x.to("cpu") is x and x.to(device="cpu") is x and x.device == "cpu"
    assert x.to(np.float32).dtype == np.float32 and x.to("float32").dtype == np.float32
    assert x.to(dtype=np.float32).dtype == np.float32
    assert x.to(Tensor(np.zeros(1, dtype=np.float32))).dtype == np.float32
    with pytest.raises(ValueError, match="no device but 'cpu'"):
        x.to("cuda")
    with pytest.raises(TypeError, match="neither a device"):
        x.to("gpu")


def test_module_to_cpu_and_dtype():
    model = nn.Linear(2, 2)
    assert model.to("cpu") is model and model.weight.dtype == np.float32
    model.to(np.float64)
    assert model.weight.dtype == np.float64 and model.bias.dtype == np.float64
    model.to(dtype="float32")
    assert model.weight.dtype == np.float32
    with pytest.raises(ValueError, match="no device but 'cpu'"):
        model.to("cuda:0")


@pytest.mark.parametrize("method,args,torch_args", [
    ("add", (2.0,), (2.0,)), ("add", ("y",), ("y",)), ("sub", ("y",), ("y",)),
    ("mul", ("y",), ("y",)), ("div", ("y",), ("y",)), ("neg", (), ()),
    ("pow", (3,), (3,)), ("exp", (), ()), ("square", (), ()), ("reciprocal", (), ()),
    ("subtract", ("y",), ("y",)), ("multiply", ("y",), ("y",)), ("divide", ("y",), ("y",)),
])
def test_arithmetic_methods_match_pytorch(method, args, torch_args):
    x, tx = _pair((3,), seed=2)
    y, ty = _pair((3,), seed=3)
    a = [y if v == "y" else v for v in args]
    ta = [ty if v == "y" else v for v in torch_args]
    out = getattr(x, method)(*a)
    ref = getattr(tx, method)(*ta)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    # float64 through one elementwise op: the results agree to rounding.
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    if "y" in args:
        np.testing.assert_allclose(y.grad, ty.grad.numpy(), rtol=1e-12)


def test_add_and_sub_take_alpha():
    x = Tensor([1.0, 2.0])
    assert x.add(Tensor([1.0, 1.0]), alpha=3).tolist() == [4.0, 5.0]
    assert x.sub(1.0, alpha=2).tolist() == [-1.0, 0.0]


def test_register_hook_sees_and_replaces_the_gradient_as_pytorch():
    seen = []
    x, tx = _pair((3,), seed=4)
    h = x * 3
    th = tx * 3
    h.register_hook(lambda g: seen.append(g.data.copy()))
    th.register_hook(lambda g: None)
    handle = x.register_hook(lambda g: g * 2)
    tx.register_hook(lambda g: g * 2)
    (h * h).sum().backward()
    (th * th).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * h.data, rtol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)  # 2 * 3 * 2h
    handle.remove()
    x.grad = None
    (x * 1.0).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]  # the hook is off
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_hook(print)


def test_a_hook_on_an_intermediate_result_changes_what_flows_on():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    h.register_hook(lambda g: g * 0)
    (h * x).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0]  # only the direct path: d(h x)/dx with h fixed
    y = Tensor([1.0, 2.0], requires_grad=True)
    y.register_hook(lambda g: np.ones(3))
    with pytest.raises(ValueError, match="hook .* shape"):
        (y * 1.0).sum().backward()


def test_grad_fn_is_the_rule_with_a_readable_repr():
    x = Tensor([1.0], requires_grad=True)
    assert x.grad_fn is None
    y = (x * 2).exp()
    assert y.grad_fn.name == "exp" and repr(y.grad_fn) == "<rule exp>"
    assert "e^x" in y.grad_fn.doc
    with no_grad():
        assert (x * 2).grad_fn is None


def test_inference_mode_records_nothing():
    x = Tensor([1.0], requires_grad=True)
    with inference_mode():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    with inference_mode(False):
        assert (x * 2).requires_grad

    @inference_mode()
    def f(t):
        return t * 2

    assert not f(x).requires_grad


@pytest.mark.parametrize("name,ours,theirs", [
    ("amax", lambda t: t.amax(1, keepdim=True), lambda t: t.amax(1, keepdim=True)),
    ("amin", lambda t: t.amin(), lambda t: t.amin()),
    ("contiguous", lambda t: t.contiguous() * 2, lambda t: t.contiguous() * 2),
    ("dot", lambda t: t[0].dot(t[1]), lambda t: t[0].dot(t[1])),
    ("outer", lambda t: t[0].outer(t[1]), lambda t: t[0].outer(t[1])),
    ("masked_fill", lambda t: t.masked_fill(t > 0, 0.5), lambda t: t.masked_fill(t > 0, 0.5)),
    ("norm", lambda t: t.norm(), lambda t: t.norm()),
    ("norm_dim", lambda t: t.norm(dim=1, keepdim=True), lambda t: t.norm(dim=1, keepdim=True)),
    ("norm1", lambda t: t.norm(p=1), lambda t: t.norm(p=1)),
    ("flip", lambda t: t.flip(0) * t, lambda t: t.flip(0) * t),
    ("flip2", lambda t: t.flip((0, 1)), lambda t: t.flip((0, 1))),
    ("exp2", lambda t: t.exp2(), lambda t: t.exp2()),
    ("log2", lambda t: t.abs().log2(), lambda t: t.abs().log2()),
    ("relu6", lambda t: (t * 4).relu6(), lambda t: torch.nn.functional.relu6(t * 4)),
    ("softplus", lambda t: (t * 30).softplus(), lambda t: torch.nn.functional.softplus(t * 30)),
    ("silu", lambda t: t.silu(), lambda t: torch.nn.functional.silu(t)),
])
def test_small_ops_under_pytorchs_names_match_pytorch(name, ours, theirs):
    x, tx = _pair((2, 3), seed=5)
    out, ref = ours(x), theirs(tx)
    # float64 compositions of a few elementwise ops and sums: agreement to rounding
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
