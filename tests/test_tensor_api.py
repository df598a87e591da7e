"""The Tensor API of the contract: values against NumPy, gradients against PyTorch.

Each case builds the same expression on chainrule tensors and on torch tensors
(float64), checks the forward value, then backpropagates fixed random weights
of the output's shape and compares every input's gradient.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
from autograd import (
    Tensor,
    arange,
    cat,
    eye,
    maximum,
    minimum,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    stack,
    where,
    zeros,
    zeros_like,
)
from numerics import close

torch = pytest.importorskip("torch")
CLOSE64 = close()

RNG = np.random.default_rng(1234)


def arr(*shape: int, low: float | None = None) -> np.ndarray:
    """A float64 array of distinct random values (positive when ``low`` is given)."""
    a = RNG.standard_normal(shape)
    return np.abs(a) + low if low is not None else a


def check(fn: Callable[..., Any], *arrays: np.ndarray, torch_fn: Callable[..., Any] | None = None,
          rtol: float = CLOSE64["rtol"], atol: float = CLOSE64["atol"]) -> Tensor:
    """Compare value and gradients of ``fn`` on chainrule and on torch (or ``torch_fn``)."""
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ours)
    ref = (torch_fn or fn)(*theirs)
    assert isinstance(out, Tensor)
    assert out.shape == tuple(ref.shape), (out.shape, tuple(ref.shape))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol)
    w = RNG.standard_normal(out.shape)
    (out * w).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        expected = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad
        assert got.shape == a.shape and got.dtype == a.dtype
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=f"input {i}")
    return out


# ---------------------------------------------------------------- arithmetic

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
}

BROADCAST_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((4,), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 1, 4), (3, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((5, 1, 1), (1, 4, 2)),
]


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_binary_arithmetic_broadcasts_on_both_sides(op, shapes):
    # positive bases keep pow's d/dy = x^y log x real
    a, b = arr(*shapes[0], low=0.5), arr(*shapes[1], low=0.5)
    check(BINARY[op], a, b)


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2 ** 16))
def test_binary_arithmetic_on_any_broadcastable_shapes(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a, b = (np.abs(rng.standard_normal(s)) + 0.5 for s in shapes.input_shapes)
    out = check(BINARY[op], a, b)
    assert out.shape == shapes.result_shape


@pytest.mark.parametrize("op", sorted(BINARY))
def test_python_scalars_on_either_side(op):
    f = BINARY[op]
    check(lambda x: f(x, 1.5), arr(2, 3, low=0.5))
    check(lambda x: f(2.5, x), arr(2, 3, low=0.5))
    check(lambda x: f(x, 2), arr(2, 3, low=0.5))
    check(lambda x: f(3, x), arr(2, 3, low=0.5))


@pytest.mark.parametrize("op", sorted(BINARY) + ["matmul"])
def test_ndarray_on_the_left_gives_a_tensor(op):
    f = BINARY.get(op, lambda a, b: a @ b)
    x = Tensor(arr(3, 3, low=0.5), requires_grad=True)
    c = arr(3, 3, low=0.5)
    out = f(c, x)
    assert isinstance(out, Tensor) and out.requires_grad
    np.testing.assert_allclose(out.data, f(c, x.data))
    ref = torch.tensor(x.data, requires_grad=True)
    out.sum().backward()
    f(torch.tensor(c), ref).sum().backward()
    np.testing.assert_allclose(x.grad, ref.grad.numpy())
    # and on the right; with broadcasting (or other shapes for @) both ways
    assert isinstance(f(x, c[0]), Tensor)
    assert isinstance(f(c[:2], x) if op == "matmul" else f(c[:, :1], x), Tensor)


def test_numpy_scalar_on_the_left_gives_a_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    for s in (np.float64(2.0), np.float32(2.0), np.int64(2)):
        for out in (s * x, s + x, s - x, s / x, s ** x):
            assert isinstance(out, Tensor), type(out)
            assert out.requires_grad


def test_unary_minus_and_plus():
    check(lambda x: -x, arr(2, 3))
    x = Tensor([1.0])
    assert +x is x


def test_mixed_expression_with_reuse():
    check(lambda x, y: (x * y + x / (y * y + 1.0) - 2.0 * x) ** 2, arr(3, 4), arr(4))


# -------------------------------------------------------------------- matmul

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((2, 1, 4, 3), (5, 3, 2)),
    ((1, 2, 3), (6, 1, 3, 2)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_1d_2d_and_batched(shapes):
    check(lambda a, b: a @ b, arr(*shapes[0]), arr(*shapes[1]))
    check(lambda a, b: a.matmul(b), arr(*shapes[0]), arr(*shapes[1]), torch_fn=torch.matmul)


# --------------------------------------------------------------- elementwise

UNARY = {
    "exp": (lambda x: x.exp(), None),
    "log": (lambda x: x.log(), 0.1),
    "sqrt": (lambda x: x.sqrt(), 0.1),
    "abs": (lambda x: x.abs(), None),
    "builtin_abs": (abs, None),
    "tanh": (lambda x: x.tanh(), None),
    "sigmoid": (lambda x: x.sigmoid(), None),
    "relu": (lambda x: x.relu(), None),
    "sin": (lambda x: x.sin(), None),
    "cos": (lambda x: x.cos(), None),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_elementwise_math(name):
    f, low = UNARY[name]
    check(f, arr(3, 4, low=low))


def test_leaky_relu_matches_torch():
    check(lambda x: x.leaky_relu(0.2), arr(4, 5),
          torch_fn=lambda x: torch.nn.functional.leaky_relu(x, 0.2))
    check(lambda x: x.leaky_relu(), arr(4, 5),
          torch_fn=lambda x: torch.nn.functional.leaky_relu(x))


def test_sigmoid_is_stable_at_extremes():
    for dtype in (np.float32, np.float64):
        data = np.array([-1e4, -80.0, -50.0, -20.0, 0.0, 20.0, 50.0, 1e4], dtype=dtype)
        x = Tensor(data, requires_grad=True)
        y = x.sigmoid()
        assert y.dtype == dtype and np.isfinite(y.data).all()
        y.sum().backward()
        assert np.isfinite(x.grad).all()
        ref = torch.sigmoid(torch.tensor(data)).numpy()
        # relative precision in the far negative tail, where log(sigmoid) needs it
        np.testing.assert_allclose(y.data, ref, rtol=1e-6, atol=0)
        np.testing.assert_allclose(y[1:4].log().data, data[1:4], rtol=1e-6)


def test_sigmoid_of_every_kind_of_array_keeps_shape_and_dtype():
    from autograd.arrays import python_number
    from autograd.backend import sigmoid

    cases = [(np.array(2.0, dtype=np.float32), (), np.float32),
             (np.float16(-3.0), (), np.float16),
             (np.arange(-2, 4).reshape(2, 3), (2, 3), np.float64),    # integers
             (np.array([True, False]), (2,), np.float64),
             (python_number(1, np.dtype(np.int64)), (), np.float64),  # an ndarray subclass
             (np.ones((3, 0), dtype=np.float32), (3, 0), np.float32)]
    for x, shape, dtype in cases:
        y = sigmoid(x)
        assert type(y) is np.ndarray and y.shape == shape and y.dtype == dtype, (x, y)
        ref = 1 / (1 + np.exp(-np.asarray(x, dtype=np.float64)))
        np.testing.assert_allclose(y, ref, rtol=2 * np.finfo(dtype).eps)


@pytest.mark.parametrize("p", [2, 3, 0.5, -1.5, 0])
def test_power_with_constant_exponent(p):
    check(lambda x: x ** p, arr(3, 4, low=0.2))


def test_power_with_array_exponent_and_constant_base():
    e = arr(4)
    check(lambda x: x ** e, arr(3, 4, low=0.2), torch_fn=lambda x: x ** torch.tensor(e))
    check(lambda y: 2.0 ** y, arr(3, 4))
    base = arr(3, 4, low=0.5)
    check(lambda y: base ** y, arr(3, 4), torch_fn=lambda y: torch.tensor(base) ** y)


# ---------------------------------------------------------------- reductions

AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]


def _torch_dims(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


TORCH_REDUCE = {
    "sum": lambda t, d, k: t.sum(dim=d, keepdim=k),
    "mean": lambda t, d, k: t.mean(dim=d, keepdim=k),
    "max": lambda t, d, k: torch.amax(t, dim=d, keepdim=k),
    "min": lambda t, d, k: torch.amin(t, dim=d, keepdim=k),
    "var": lambda t, d, k: torch.var(t, dim=d, keepdim=k, correction=0),
    "logsumexp": lambda t, d, k: torch.logsumexp(t, dim=d, keepdim=k),
}


@pytest.mark.parametrize("name", sorted(TORCH_REDUCE))
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_over_axis_none_int_tuple(name, axis, keepdims):
    x = arr(2, 3, 4)
    tf = TORCH_REDUCE[name]
    check(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), x,
          torch_fn=lambda t: tf(t, _torch_dims(axis, 3), keepdims))
    # NumPy's names for the value (by name: PyTorch's max(dim) by position returns indices too)
    ours = getattr(Tensor(x), name)(axis=axis, keepdims=keepdims)
    if name == "logsumexp":
        m = x.max(axis=axis, keepdims=True)
        ref = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
        ref = ref if keepdims else ref.reshape(np.sum(x, axis=axis).shape)
    else:
        ref = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(ours.data, ref, **CLOSE64)


@pytest.mark.parametrize("name", sorted(TORCH_REDUCE))
def test_reductions_accept_pytorch_dim_and_keepdim(name):
    x = Tensor(arr(2, 3, 4))
    a = getattr(x, name)(dim=1, keepdim=True)
    if name in ("max", "min"):  # PyTorch's (values, indices)
        a = a.values
    b = getattr(x, name)(axis=1, keepdims=True)
    assert a.shape == (2, 1, 4)
    np.testing.assert_array_equal(a.data, b.data)
    assert getattr(x, name)(dim=(0, 2)).shape == (3,)


def test_var_ddof():
    x = arr(3, 5)
    check(lambda t: t.var(axis=1, ddof=1), x, torch_fn=lambda t: torch.var(t, dim=1))


def test_reductions_of_a_scalar_and_to_a_scalar():
    x = Tensor(np.float64(3.0), requires_grad=True)
    for name in ("sum", "mean", "max", "min", "logsumexp"):
        y = getattr(x, name)()
        assert y.shape == ()
        np.testing.assert_allclose(y.data, 3.0)
    y = Tensor(arr(2, 3), requires_grad=True).sum()
    assert y.shape == () and y.ndim == 0 and y.size == 1


@pytest.mark.parametrize("name,tfn", [("max", torch.amax), ("min", torch.amin)])
def test_max_min_ties_split_the_gradient_evenly_like_amax(name, tfn):
    x = np.array([[1.0, 3.0, 3.0, 2.0],
                  [5.0, 5.0, 5.0, 5.0],
                  [-1.0, 0.0, -1.0, -1.0]])
    for axis in (None, 0, 1, (0, 1)):
        dims = _torch_dims(axis, 2)
        check(lambda t: getattr(t, name)(axis=axis), x, torch_fn=lambda t: tfn(t, dim=dims))
    t = Tensor(np.array([2.0, 7.0, 7.0, 7.0]), requires_grad=True)
    getattr(t, name)().backward()
    if name == "max":
        np.testing.assert_allclose(t.grad, [0.0, 1 / 3, 1 / 3, 1 / 3])
    else:
        np.testing.assert_allclose(t.grad, [1.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax_match_torch(axis):
    x = arr(3, 4, 2)
    check(lambda t: t.softmax(axis), x, torch_fn=lambda t: torch.softmax(t, dim=axis))
    check(lambda t: t.log_softmax(axis), x, torch_fn=lambda t: torch.log_softmax(t, dim=axis))
    check(lambda t: t.softmax(dim=axis), x, torch_fn=lambda t: torch.softmax(t, dim=axis))
    check(lambda t: t.log_softmax(dim=axis), x,
          torch_fn=lambda t: torch.log_softmax(t, dim=axis))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_log_softmax_logsumexp_stable_for_large_inputs(dtype):
    x = np.array([[1e4, 0.0, -1e4], [1e4, 1e4 - 1.0, 1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    for name in ("softmax", "log_softmax", "logsumexp"):
        t = Tensor(x.copy(), requires_grad=True)
        y = getattr(t, name)(axis=1)
        assert np.isfinite(y.data).all(), name
        assert y.dtype == dtype
        ref = getattr(torch, name)(torch.tensor(x.astype(np.float64)), dim=1).numpy()
        np.testing.assert_allclose(y.data, ref, rtol=1e-6)
        (y * Tensor(np.arange(y.size, dtype=dtype).reshape(y.shape))).sum().backward()
        assert np.isfinite(t.grad).all(), name
    y = Tensor(x).softmax(axis=1)
    np.testing.assert_allclose(y.data.sum(axis=1), 1.0, rtol=1e-6)


# --------------------------------------------------------------------- shape

SHAPE_OPS = {
    "reshape": (lambda t: t.reshape(4, 6), lambda t: t.reshape(4, 6)),
    "reshape_tuple": (lambda t: t.reshape((3, -1)), lambda t: t.reshape((3, -1))),
    "view": (lambda t: t.view(-1), lambda t: t.view(-1)),
    "transpose_all": (lambda t: t.transpose(), lambda t: t.permute(2, 1, 0)),
    "transpose_two": (lambda t: t.transpose(0, 2), lambda t: t.transpose(0, 2)),
    "transpose_perm": (lambda t: t.transpose((1, 2, 0)), lambda t: t.permute(1, 2, 0)),
    "permute": (lambda t: t.permute(2, 0, 1), lambda t: t.permute(2, 0, 1)),
    "permute_tuple": (lambda t: t.permute((1, 0, 2)), lambda t: t.permute(1, 0, 2)),
    "T": (lambda t: t.T, lambda t: t.permute(2, 1, 0)),
    "swapaxes": (lambda t: t.swapaxes(0, -1), lambda t: t.swapaxes(0, -1)),
    "flatten": (lambda t: t.flatten(), lambda t: t.flatten()),
    "flatten_from": (lambda t: t.flatten(1), lambda t: t.flatten(1)),
    "flatten_range": (lambda t: t.flatten(0, 1), lambda t: t.flatten(0, 1)),
    "unsqueeze": (lambda t: t.unsqueeze(1), lambda t: t.unsqueeze(1)),
    "unsqueeze_neg": (lambda t: t.unsqueeze(-1), lambda t: t.unsqueeze(-1)),
    "unsqueeze_dim": (lambda t: t.unsqueeze(dim=2), lambda t: t.unsqueeze(dim=2)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_ops(name):
    ours, theirs = SHAPE_OPS[name]
    check(ours, arr(2, 3, 4), torch_fn=theirs)


def test_matrix_transpose_two_ints_swaps_like_pytorch():
    x = arr(2, 3)
    check(lambda t: t.transpose(0, 1), x, torch_fn=lambda t: t.transpose(0, 1))
    check(lambda t: t.transpose(1, 0), x, torch_fn=lambda t: t.transpose(1, 0))
    check(lambda t: t.T, x, torch_fn=lambda t: t.T)
    # one tuple is a NumPy permutation
    assert Tensor(x).transpose((0, 1)).shape == (2, 3)
    assert Tensor(x).transpose((1, 0)).shape == (3, 2)


def test_squeeze():
    x = arr(1, 3, 1, 2)
    check(lambda t: t.squeeze(), x, torch_fn=lambda t: t.squeeze())
    check(lambda t: t.squeeze(0), x, torch_fn=lambda t: t.squeeze(0))
    check(lambda t: t.squeeze(dim=-2), x, torch_fn=lambda t: t.squeeze(-2))
    check(lambda t: t.squeeze((0, 2)), x, torch_fn=lambda t: t.squeeze((0, 2)))


def test_expand_and_broadcast_to_sum_the_gradient_back():
    x = arr(3, 1)
    check(lambda t: t.expand(3, 4), x, torch_fn=lambda t: t.expand(3, 4))
    check(lambda t: t.expand(-1, 4), x, torch_fn=lambda t: t.expand(-1, 4))
    check(lambda t: t.expand(2, 3, 5), x, torch_fn=lambda t: t.expand(2, 3, 5))
    check(lambda t: t.broadcast_to((2, 3, 4)), x, torch_fn=lambda t: t.broadcast_to((2, 3, 4)))
    check(lambda t: t.broadcast_to(2, 3, 4), x, torch_fn=lambda t: t.broadcast_to((2, 3, 4)))


def test_shape_attributes():
    x = Tensor(np.zeros((2, 3, 4), dtype=np.float32))
    assert x.shape == (2, 3, 4) and x.ndim == 3 and x.size == 24 and x.dtype == np.float32
    assert len(x) == 2
    assert x.T.shape == (4, 3, 2)
    assert isinstance(x.numpy(), np.ndarray) and x.numpy() is x.data
    assert Tensor([[1.0, 2.0]]).tolist() == [[1.0, 2.0]]
    assert Tensor([[5.0]]).item() == 5.0 and isinstance(Tensor([[5.0]]).item(), float)


# ------------------------------------------------------------------ indexing

INDEXES = {
    "int": lambda: 1,
    "negative_int": lambda: -1,
    "slice": lambda: slice(1, None),
    "step_slice": lambda: (slice(None, None, 2), slice(1, None, 2)),
    "negative_slice": lambda: (slice(-2, None), slice(None, -1)),
    "none": lambda: (None, 0, None),
    "ellipsis": lambda: (Ellipsis, 1),
    "ellipsis_none": lambda: (0, Ellipsis, None),
    "int_and_slice": lambda: (-1, slice(0, 2), 3),
    "int_array_repeats": lambda: np.array([0, 0, 2, 0]),
    "int_list_repeats": lambda: [2, 2, -1],
    "int_arrays_pairs": lambda: (np.array([0, 1, 1, 0]), np.array([2, 0, 0, 2])),
    "int_array_and_slice": lambda: (slice(None), np.array([3, 3, 1])),
    "int_array_2d": lambda: np.array([[0, 1], [1, 1]]),
    "bool_mask": lambda: np.array([True, False, True]),
    "bool_mask_2d": lambda: np.array([[True, False, True, True], [False] * 4, [True] * 4]),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_getitem_matches_torch_and_scatters_with_accumulation(name):
    index = INDEXES[name]()

    def torch_index(i):
        if isinstance(i, tuple):
            return tuple(torch_index(j) for j in i)
        if isinstance(i, np.ndarray):
            return torch.tensor(i)
        return i

    check(lambda t: t[index], arr(3, 4, 5), torch_fn=lambda t: t[torch_index(index)])


def test_negative_step_slice_reverses_the_gradient_too():
    # torch has no negative steps: the reference is the reversal itself
    x = Tensor(arr(3, 4), requires_grad=True)
    w = arr(3, 4)
    y = x[::-1, ::-2]
    np.testing.assert_array_equal(y.data, x.data[::-1, ::-2])
    (y * w[::-1, ::-2]).sum().backward()
    expected = np.zeros((3, 4))
    expected[:, 3::-2] = w[:, 3::-2]
    np.testing.assert_array_equal(x.grad, expected)


def test_boolean_mask_from_the_data():
    x = arr(4, 5)
    mask = x > 0
    check(lambda t: t[t > 0], x, torch_fn=lambda t: t[torch.tensor(mask)])
    check(lambda t: t[mask], x, torch_fn=lambda t: t[torch.tensor(mask)])
    check(lambda t: t[mask[:, 0]], x, torch_fn=lambda t: t[torch.tensor(mask[:, 0])])
    rows = [bool(r) for r in mask[:, 0]]
    check(lambda t: t[rows], x, torch_fn=lambda t: t[torch.tensor(rows)])


@given(data=st.data())
def test_integer_array_indexing_on_random_shapes(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), label="shape")
    n_axes = data.draw(st.integers(1, len(shape)), label="indexed axes")
    length = data.draw(st.integers(1, 6), label="index length")
    index = tuple(
        np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=length, max_size=length)))
        for n in shape[:n_axes]
    )
    x = RNG.standard_normal(shape)
    check(lambda t: t[index], x, torch_fn=lambda t: t[tuple(torch.tensor(i) for i in index)])


def test_repeated_indices_accumulate_exactly():
    x = Tensor(np.zeros(4), requires_grad=True)
    x[np.array([1, 1, 1, 3])].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 3.0, 0.0, 1.0])
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    y = x[[0, 0, 1], [2, 2, 2]]
    (y * Tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 11.0], [0, 0, 100.0]])


def test_integer_index_tensor():
    idx = Tensor(np.array([2, 0, 2]))
    check(lambda t: t[idx], arr(3, 2), torch_fn=lambda t: t[torch.tensor([2, 0, 2])])


def test_iterating_a_tensor_yields_rows_with_gradient():
    x = Tensor(arr(3, 2), requires_grad=True)
    total = None
    for row in x:
        total = row.sum() if total is None else total + row.sum() * 2
    total.backward()
    np.testing.assert_array_equal(x.grad, [[1, 1], [2, 2], [2, 2]])


# ------------------------------------------------------------- join and choose

@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cat_all_spellings(axis):
    a, b, c = arr(2, 3), arr(2, 3), arr(2, 3)
    ref = lambda *ts: torch.cat(ts, dim=axis)  # noqa: E731
    check(lambda *ts: cat(ts, axis), a, b, c, torch_fn=ref)
    check(lambda *ts: autograd.cat(list(ts), axis=axis), a, b, c, torch_fn=ref)
    check(lambda *ts: Tensor.cat(ts, axis), a, b, c, torch_fn=ref)
    check(lambda *ts: Tensor.cat(ts, dim=axis), a, b, c, torch_fn=ref)


def test_cat_of_different_lengths_and_with_arrays():
    check(lambda a, b: cat([a, b], axis=1), arr(2, 3), arr(2, 5),
          torch_fn=lambda a, b: torch.cat([a, b], dim=1))
    const = arr(1, 3)
    check(lambda a: cat([a, const, a]), arr(2, 3),
          torch_fn=lambda a: torch.cat([a, torch.tensor(const), a]))


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack_all_spellings(axis):
    a, b = arr(2, 3), arr(2, 3)
    ref = lambda *ts: torch.stack(ts, dim=axis)  # noqa: E731
    check(lambda *ts: stack(ts, axis), a, b, torch_fn=ref)
    check(lambda *ts: autograd.stack(list(ts), axis=axis), a, b, torch_fn=ref)
    check(lambda *ts: Tensor.stack(ts, axis), a, b, torch_fn=ref)
    check(lambda *ts: Tensor.stack(ts, dim=axis), a, b, torch_fn=ref)


def test_where_with_broadcasting_and_scalars():
    cond = RNG.random((3, 4)) > 0.5
    tc = torch.tensor(cond)
    check(lambda a, b: where(cond, a, b), arr(3, 4), arr(4),
          torch_fn=lambda a, b: torch.where(tc, a, b))
    check(lambda a: where(cond, a, 0.0), arr(3, 1),
          torch_fn=lambda a: torch.where(tc, a, torch.zeros((), dtype=torch.float64)))
    check(lambda b: where(cond, 2.0, b), arr(3, 4),
          torch_fn=lambda b: torch.where(tc, torch.tensor(2.0, dtype=torch.float64), b))
    check(lambda a, b: Tensor.where(Tensor(cond), a, b), arr(3, 4), arr(3, 4),
          torch_fn=lambda a, b: torch.where(tc, a, b))
    x = Tensor(arr(3, 4))
    check(lambda a: where(x > 0, a, -a), x.data, torch_fn=lambda a: torch.where(a > 0, a, -a))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum(name):
    fn = {"maximum": maximum, "minimum": minimum}[name]
    tfn = getattr(torch, name)
    check(lambda a, b: fn(a, b), arr(3, 4), arr(4), torch_fn=tfn)
    check(lambda a, b: getattr(a, name)(b), arr(3, 1), arr(1, 4), torch_fn=tfn)
    check(lambda a: fn(a, 0.0), arr(3, 4),
          torch_fn=lambda a: tfn(a, torch.zeros((), dtype=torch.float64)))
    # ties split the gradient in half, as torch does
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 0.0, 3.0])
    check(lambda a, b: fn(a, b), x, y, torch_fn=tfn)


def test_clip_and_clamp():
    x = np.array([[-2.0, -1.0, -0.5], [0.0, 0.5, 1.0], [1.5, 2.0, 3.0]])
    check(lambda t: t.clip(-1.0, 1.0), x, torch_fn=lambda t: t.clamp(-1.0, 1.0))
    check(lambda t: t.clamp(min=0.0), x, torch_fn=lambda t: t.clamp(min=0.0))
    check(lambda t: t.clip(max=0.5), x, torch_fn=lambda t: t.clamp(max=0.5))


def test_comparisons_and_argmax_carry_no_gradient():
    x = Tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]]), requires_grad=True)
    y = Tensor(np.array([1.0, 4.0, 3.0]))
    for r, ref in [
        (x < y, x.data < y.data), (x <= 2, x.data <= 2), (x > y, x.data > y.data),
        (x >= 5.0, x.data >= 5), (x == y, x.data == y.data), (x != 7.0, x.data != 7),
    ]:
        assert isinstance(r, Tensor) and r.dtype == np.bool_ and not r.requires_grad
        np.testing.assert_array_equal(r.data, ref)
    am = x.argmax()
    assert not am.requires_grad and am.item() == 3
    np.testing.assert_array_equal(x.argmax(axis=1).data, [1, 0])  # first of a tie
    np.testing.assert_array_equal(x.argmax(dim=0).data, [1, 0, 1])
    np.testing.assert_array_equal(x.argmin(axis=1, keepdims=True).data, [[0], [1]])
    assert x.argmax(axis=-1).dtype.kind == "i"


# -------------------------------------------------------------- constructors

def test_constructors_shapes_dtypes_and_values():
    assert zeros(2, 3).shape == (2, 3) and zeros((2, 3)).dtype == np.float32
    assert (zeros(2).data == 0).all() and (ones(2, 2).data == 1).all()
    assert ones(3, dtype=np.float64).dtype == np.float64
    assert zeros(2, requires_grad=True).requires_grad
    np.testing.assert_array_equal(arange(5).data, np.arange(5))
    np.testing.assert_allclose(arange(1.0, 2.0, 0.25).data, [1.0, 1.25, 1.5, 1.75])
    assert arange(1.0, 2.0, 0.25).dtype == np.float32
    assert arange(4, dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(eye(3).data, np.eye(3))
    assert eye(2, 3).shape == (2, 3)
    assert randn(2, 3).shape == (2, 3) and randn(2, 3).dtype == np.float32
    r = rand(1000, rng=0).data
    assert r.min() >= 0 and r.max() < 1


def test_like_constructors_follow_the_template():
    t = Tensor(np.ones((2, 5), dtype=np.float64))
    for f in (zeros_like, ones_like, randn_like, rand_like):
        out = f(t)
        assert out.shape == (2, 5) and out.dtype == np.float64 and not out.requires_grad
    assert zeros_like(t, dtype=np.float32).dtype == np.float32
    assert ones_like(np.zeros((3,), dtype=np.float32)).shape == (3,)
    assert (zeros_like(t).data == 0).all() and (ones_like(t).data == 1).all()
    assert ones_like(t, requires_grad=True).requires_grad


def test_random_constructors_are_seedable():
    assert np.array_equal(randn(3, 4, rng=7).data, randn(3, 4, rng=7).data)
    assert not np.array_equal(randn(3, 4, rng=7).data, randn(3, 4, rng=8).data)
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert np.array_equal(rand(6, rng=g1).data, rand(6, rng=g2).data)
    # one generator gives a reproducible stream
    g = np.random.default_rng(3)
    a, b = randn(4, rng=g).data, randn(4, rng=g).data
    assert not np.array_equal(a, b)
    g = np.random.default_rng(3)
    assert np.array_equal(randn(4, rng=g).data, a)
    t = Tensor(np.zeros((2, 2)))
    assert np.array_equal(randn_like(t, rng=1).data, randn_like(t, rng=1).data)
    assert np.array_equal(rand_like(t, rng=1).data, rand_like(t, rng=1).data)


def test_detach_and_requires_grad_():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.data is x.data
    y = Tensor([1.0, 2.0]).requires_grad_()
    assert y.requires_grad
    (y * 3).sum().backward()
    np.testing.assert_array_equal(y.grad, [3.0, 3.0])


# ------------------------------------------------------------------ backward

def test_backward_signature_and_implicit_gradient_for_one_element():
    import inspect

    params = inspect.signature(Tensor.backward).parameters
    assert list(params)[1:] == ["grad", "retain_graph"]
    assert params["grad"].default is None and params["retain_graph"].default is False
    x = Tensor(np.array([[3.0]]), requires_grad=True)
    (x * 2).backward()   # one element: the gradient 1 is implied, as in PyTorch
    np.testing.assert_array_equal(x.grad, [[2.0]])


def test_backward_with_an_explicit_gradient():
    x = Tensor(arr(2, 3), requires_grad=True)
    g = arr(2, 3)
    (x * 3).backward(g)
    np.testing.assert_allclose(x.grad, 3 * g)
    x.grad = None
    (x * 3).backward(Tensor(g))
    np.testing.assert_allclose(x.grad, 3 * g)
    x.grad = None
    (x * 3).backward(g.tolist())
    np.testing.assert_allclose(x.grad, 3 * g)


def test_gradients_accumulate_across_backward_calls_until_zeroed():
    a = np.array([1.0, 2.0])
    x, tx = Tensor(a.copy(), requires_grad=True), torch.tensor(a, requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()
        (tx * tx).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    np.testing.assert_allclose(x.grad, 3 * 2 * a)
    x.grad = None                      # zeroing by dropping, like optimizer.zero_grad()
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad, [5.0, 5.0])
    x.grad[...] = 0.0                  # zeroing in place
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad, [5.0, 5.0])
    y = (x ** 3).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, [5.0, 5.0] + 2 * 3 * a ** 2)


def test_non_leaf_gradients_only_when_retained():
    x = Tensor(arr(3), requires_grad=True)
    h = x * 2
    k = h.exp()
    k.retain_grad()
    k.sum().backward()
    assert h.grad is None
    np.testing.assert_allclose(k.grad, np.ones(3))


def _alias_cases():
    def add():
        a, b = Tensor(arr(2, 3), requires_grad=True), Tensor(arr(2, 3), requires_grad=True)
        return [a, b], (a + b).sum()

    def add_with_seed():
        a, b = Tensor(arr(2, 3), requires_grad=True), Tensor(arr(2, 3), requires_grad=True)
        return [a, b], a + b

    def sub_broadcast():
        a, b = Tensor(arr(2, 3), requires_grad=True), Tensor(arr(3), requires_grad=True)
        return [a, b], (a - b).sum()

    def shared_data():
        data = arr(4)
        a, b = Tensor(data, requires_grad=True), Tensor(data, requires_grad=True)
        return [a, b], (a + b).sum()

    def reshaped():
        a, b = Tensor(arr(6), requires_grad=True), Tensor(arr(2, 3), requires_grad=True)
        return [a, b], (a.reshape(2, 3) + b.T.T).sum()

    def join():
        a, b = Tensor(arr(2, 3), requires_grad=True), Tensor(arr(2, 3), requires_grad=True)
        return [a, b], (cat([a, b]).sum() + stack([a, b]).sum())

    def where_both():
        a, b = Tensor(arr(4), requires_grad=True), Tensor(arr(4), requires_grad=True)
        return [a, b], where(np.array([True, False, True, False]), a, b).sum()

    def three_way_with_retained():
        a, b = Tensor(arr(3), requires_grad=True), Tensor(arr(3), requires_grad=True)
        c = Tensor(arr(3), requires_grad=True)
        h = a + b
        h.retain_grad()
        return [a, b, c, h], (h + c).sum()

    return {k: v for k, v in locals().items() if callable(v)}


ALIAS_CASES = _alias_cases()


@pytest.mark.parametrize("name", sorted(ALIAS_CASES))
def test_grad_arrays_of_two_leaves_never_alias(name):
    nodes, out = ALIAS_CASES[name]()
    seed = None if out.size == 1 else np.ones(out.shape)
    out.backward(seed)
    grads = [n.grad for n in nodes]
    before = [g.copy() for g in grads]
    for i, g in enumerate(grads):
        assert g.flags.writeable
        for j in range(i):
            assert not np.shares_memory(g, grads[j]), (i, j)
        for n in nodes:
            assert not np.shares_memory(g, n.data)
        if seed is not None:
            assert not np.shares_memory(g, seed)
    grads[0] += 100.0          # an in-place change of one gradient...
    if seed is not None:
        seed += 7.0
    for g, b in zip(grads[1:], before[1:]):
        np.testing.assert_array_equal(g, b)   # ...changes no other
