"""Layers and activation modules against PyTorch with copied weights, forward and backward."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Tensor, grad
from autograd.tensor import ShapeError
from nn import BatchNorm1d, Dropout, Flatten, Identity, Linear
from numerics import CLOSE

torch = pytest.importorskip("torch")

# CLOSE (tests/numerics.py) in float64; float32 layers sum a few dozen products, so 2e-5
TOL = {np.float64: CLOSE[np.dtype(np.float64)], np.float32: dict(rtol=2e-5, atol=2e-5)}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
dtypes = st.sampled_from([np.float64, np.float32])
batch_shapes = st.lists(st.integers(1, 4), min_size=0, max_size=2).map(tuple)


def close(ours, theirs, dtype, **kw):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(np.asarray(ours), theirs, **{**TOL[dtype], **kw})


def pair(x, dtype):
    """The same data as a chainrule Tensor and a torch tensor, both requiring grad."""
    x = np.asarray(x, dtype=dtype)
    return Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)


def copy_linear(ours: Linear, dtype) -> "torch.nn.Linear":
    ref = torch.nn.Linear(ours.in_features, ours.out_features, bias=ours.bias is not None,
                          dtype=TORCH_DTYPE[dtype])
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(ours.weight.data))
        if ours.bias is not None:
            ref.bias.copy_(torch.from_numpy(ours.bias.data))
    return ref


# ---------------------------------------------------------------- Linear

@given(n_in=st.integers(1, 6), n_out=st.integers(1, 6), batch=batch_shapes, bias=st.booleans(),
       dtype=dtypes, seed=st.integers(0, 2**16))
def test_linear_matches_torch(n_in, n_out, batch, bias, dtype, seed):
    rng = np.random.default_rng(seed)
    layer = Linear(n_in, n_out, bias=bias, rng=rng, dtype=dtype)
    ref = copy_linear(layer, dtype)
    x, xt = pair(rng.standard_normal(batch + (n_in,)), dtype)
    w = rng.standard_normal(batch + (n_out,)).astype(dtype)
    out, out_t = layer(x), ref(xt)
    assert out.shape == tuple(out_t.shape) and out.dtype == dtype
    close(out.data, out_t, dtype)
    (out * w).sum().backward()
    (out_t * torch.from_numpy(w)).sum().backward()
    close(x.grad, xt.grad, dtype)
    close(layer.weight.grad, ref.weight.grad, dtype)
    if bias:
        close(layer.bias.grad, ref.bias.grad, dtype)


def test_linear_input_without_grad_still_gives_weight_grads():
    layer = Linear(3, 2, rng=0, dtype=np.float64)
    ref = copy_linear(layer, np.float64)
    x = np.random.default_rng(1).standard_normal((5, 3))
    layer(Tensor(x)).sum().backward()
    ref(torch.from_numpy(x)).sum().backward()
    close(layer.weight.grad, ref.weight.grad, np.float64)
    close(layer.bias.grad, ref.bias.grad, np.float64)


def test_linear_second_derivative_matches_torch():
    layer = Linear(3, 2, rng=0, dtype=np.float64)
    ref = copy_linear(layer, np.float64)
    x, xt = pair(np.random.default_rng(2).standard_normal((4, 3)), np.float64)
    (gx,) = grad(layer(x).tanh().sum(), x, create_graph=True)
    (gw,) = grad((gx * gx).sum(), layer.weight)
    (gxt,) = torch.autograd.grad(ref(xt).tanh().sum(), xt, create_graph=True)
    (gwt,) = torch.autograd.grad((gxt * gxt).sum(), ref.weight)
    close(gx.data, gxt, np.float64)
    close(gw.data, gwt, np.float64)


def test_linear_wrong_width_names_both_widths():
    with pytest.raises(ShapeError, match=r"expected input with 3 features.*\(5, 4\) \(4\)"):
        Linear(3, 2, rng=0)(Tensor(np.zeros((5, 4), dtype=np.float32)))


def test_linear_default_init_is_pytorchs_bound_and_seedable():
    a, b = Linear(50, 40, rng=3), Linear(50, 40, rng=3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)  # exact: the same random stream
    bound = 1 / np.sqrt(50)
    for p in (a.weight, a.bias):
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.9 * bound
    he = Linear(50, 40, init="he_uniform", rng=0)
    assert np.all(he.bias.data == 0) and np.abs(he.weight.data).max() > bound
    with pytest.raises(ValueError, match="unknown initialiser 'nope'"):
        Linear(2, 2, init="nope")


def test_linear_accepts_arrays_and_integer_inputs():
    layer = Linear(2, 1, rng=0)
    out = layer(np.array([[1, 2]]))
    assert out.dtype == np.float32 and out.shape == (1, 1)


# ---------------------------------------------------------------- MLP and Sequential

ACTS = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
        "leaky_relu": torch.nn.LeakyReLU}


@given(act=st.sampled_from(sorted(ACTS)), sizes=st.lists(st.integers(1, 5), min_size=1,
       max_size=3), n_in=st.integers(1, 4), batch=st.integers(1, 5), dtype=dtypes,
       seed=st.integers(0, 2**16))
def test_mlp_matches_torch_sequential(act, sizes, n_in, batch, dtype, seed):
    model = nn.MLP(n_in, sizes, activation=act, rng=seed, dtype=dtype)
    layers = []
    for i, m in enumerate(model):
        layers.append(copy_linear(m, dtype) if isinstance(m, Linear) else ACTS[act]())
    ref = torch.nn.Sequential(*layers)
    assert list(model.state_dict()) == list(ref.state_dict())
    rng = np.random.default_rng(seed)
    x, xt = pair(rng.standard_normal((batch, n_in)), dtype)
    out, out_t = model(x), ref(xt)
    close(out.data, out_t, dtype)
    out.sum().backward()
    out_t.sum().backward()
    close(x.grad, xt.grad, dtype)
    for (name, p), q in zip(model.named_parameters(), ref.parameters()):
        close(p.grad, q.grad, dtype, err_msg=name)


def test_mlp_options():
    m = nn.MLP(3, [4, 2], activation=nn.LeakyReLU(0.2), output_activation="log_softmax", rng=0)
    assert isinstance(m[1], nn.LeakyReLU) and m[1].negative_slope == 0.2
    assert isinstance(m[3], nn.LogSoftmax)
    shared = nn.Tanh()
    m = nn.MLP(3, [4, 4, 2], activation=shared, rng=0)
    assert m[1] is not m[3] and m[1] is not shared
    assert isinstance(nn.MLP(3, [2], activation=nn.Sigmoid, rng=0)[0], Linear)
    a, b = nn.MLP(3, [8, 2], init="glorot_normal", rng=5), nn.MLP(3, [8, 2], init="glorot_normal",
                                                                 rng=5)
    np.testing.assert_array_equal(a[2].weight.data, b[2].weight.data)  # exact: same stream
    assert not np.array_equal(a[0].weight.data[:2, :2], a[2].weight.data[:2, :2])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP(3, [2, 2], activation="swish")


def test_sequential_indexing_and_append():
    seq = nn.Sequential(Linear(2, 3, rng=0), nn.ReLU())
    seq.append(Linear(3, 1, rng=0))
    assert len(seq) == 3 and isinstance(seq[-1], Linear)
    assert isinstance(seq[:2], nn.Sequential) and len(seq[:2]) == 2
    assert seq[2].weight.name == "2.weight"
    with pytest.raises(TypeError, match="expected a Module"):
        nn.Sequential(Linear(2, 2), "relu")


# ---------------------------------------------------------------- BatchNorm1d

def copy_bn(ours: BatchNorm1d, dtype) -> "torch.nn.BatchNorm1d":
    ref = torch.nn.BatchNorm1d(ours.num_features, eps=ours.eps, momentum=ours.momentum,
                               affine=ours.affine, track_running_stats=ours.track_running_stats,
                               dtype=TORCH_DTYPE[dtype])
    if ours.affine:
        with torch.no_grad():
            ref.weight.copy_(torch.from_numpy(ours.weight.data))
            ref.bias.copy_(torch.from_numpy(ours.bias.data))
    return ref


@given(c=st.integers(1, 4), n=st.integers(2, 6), length=st.sampled_from([None, 1, 3]),
       affine=st.booleans(), track=st.booleans(), momentum=st.sampled_from([0.1, 0.5, None]),
       dtype=dtypes, seed=st.integers(0, 2**16))
def test_batchnorm1d_matches_torch_in_train_and_eval(c, n, length, affine, track, momentum,
                                                      dtype, seed):
    rng = np.random.default_rng(seed)
    bn = BatchNorm1d(c, momentum=momentum, affine=affine, track_running_stats=track, dtype=dtype)
    if affine:
        bn.weight.data = rng.uniform(0.5, 2, c).astype(dtype)
        bn.bias.data = rng.standard_normal(c).astype(dtype)
    ref = copy_bn(bn, dtype)
    shape = (n, c) if length is None else (n, c, length)

    def near(ours, theirs):
        # The input gradient is a difference of terms of size |g| / sigma, so float32 rounding
        # error scales with the largest of them (large when a channel's values nearly coincide).
        theirs = theirs.detach().numpy()
        scale = 1.0 + np.abs(theirs).max() if theirs.size else 1.0
        tol = dict(rtol=1e-4, atol=1e-4 * scale) if dtype == np.float32 else dict(atol=1e-9)
        close(ours, theirs, dtype, **tol)

    for step in range(3):   # training steps move the running statistics
        x, xt = pair(rng.standard_normal(shape) * 3 + 1, dtype)
        w = rng.standard_normal(shape).astype(dtype)
        out, out_t = bn(x), ref(xt)
        near(out.data, out_t)
        (out * w).sum().backward()
        (out_t * torch.from_numpy(w)).sum().backward()
        near(x.grad, xt.grad)
        if affine:
            near(bn.weight.grad, ref.weight.grad)
            near(bn.bias.grad, ref.bias.grad)
    for name, theirs in ref.state_dict().items():
        close(bn.state_dict()[name], theirs, dtype, err_msg=name)
    bn.eval()
    ref.eval()
    x, xt = pair(rng.standard_normal(shape), dtype)
    out, out_t = bn(x), ref(xt)
    near(out.data, out_t)
    out.sum().backward()
    out_t.sum().backward()
    near(x.grad, xt.grad)


def test_batchnorm1d_errors():
    bn = BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(Tensor(np.zeros((1, 3), dtype=np.float32)))
    with pytest.raises(ShapeError, match=r"\(N, 3\).*\(4, 2\)"):
        bn(Tensor(np.zeros((4, 2), dtype=np.float32)))
    bn.eval()
    assert bn(Tensor(np.zeros((1, 3), dtype=np.float32))).shape == (1, 3)


# ---------------------------------------------------------------- Dropout

def test_dropout_is_inverted_seeded_and_train_only():
    x = Tensor(np.ones(200_000, dtype=np.float32), requires_grad=True)
    drop = Dropout(0.3, rng=0)
    y = drop(x)
    kept = y.data != 0
    # The kept fraction is a mean of 200000 Bernoulli(0.7): its std is 0.001, so 0.005 is 5 sigma.
    assert abs(kept.mean() - 0.7) < 0.005
    np.testing.assert_allclose(y.data[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)   # the gradient is the same scaled mask
    again = Dropout(0.3, rng=0)(Tensor(np.ones(200_000, dtype=np.float32)))
    np.testing.assert_array_equal(again.data, y.data)  # exact: the same seed, the same mask
    drop.eval()
    assert drop(x) is x
    assert np.all(Dropout(1.0, rng=0)(x).data == 0)
    assert Dropout(0.0)(x) is x
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Dropout(1.5)


# ---------------------------------------------------------------- small layers and activations

@given(shape=st.lists(st.integers(1, 3), min_size=2, max_size=4).map(tuple),
       start=st.integers(0, 1), seed=st.integers(0, 1000))
def test_flatten_matches_torch(shape, start, seed):
    x, xt = pair(np.random.default_rng(seed).standard_normal(shape), np.float64)
    out, out_t = Flatten(start)(x), torch.nn.Flatten(start)(xt)
    assert out.shape == tuple(out_t.shape)
    close(out.data, out_t, np.float64)
    assert Identity()(x) is x


ACTIVATION_PAIRS = [
    (nn.ReLU(), torch.nn.ReLU()), (nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()),
    (nn.LeakyReLU(0.1), torch.nn.LeakyReLU(0.1)), (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
]


@pytest.mark.parametrize("ours,theirs", ACTIVATION_PAIRS, ids=lambda m: type(m).__name__)
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=3).map(tuple), dtype=dtypes,
       scale=st.sampled_from([1.0, 30.0, 1e4]), seed=st.integers(0, 2**16))
def test_activation_modules_match_torch(ours, theirs, shape, dtype, scale, seed):
    rng = np.random.default_rng(seed)
    x, xt = pair(rng.standard_normal(shape) * scale, dtype)
    w = rng.standard_normal(shape).astype(dtype)
    out, out_t = ours(x), theirs(xt)
    assert np.all(np.isfinite(out.data))
    close(out.data, out_t, dtype)
    (out * w).sum().backward()
    (out_t * torch.from_numpy(w)).sum().backward()
    assert np.all(np.isfinite(x.grad))
    close(x.grad, xt.grad, dtype, atol=1e-4 if dtype == np.float32 else 1e-12)


def test_activation_modules_work_on_values():
    from autograd import Value

    assert nn.ReLU()(Value(-2.0)).data == 0.0
    assert nn.LeakyReLU(0.5)(Value(-2.0)).data == -1.0
    assert repr(nn.LeakyReLU(0.5)).startswith("LeakyReLU(negative_slope=0.5)")
