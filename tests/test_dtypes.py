"""Dtypes: float32 by default, NumPy promotion, and .grad in the parameter's dtype."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from autograd import Tensor, cat, grad, maximum, minimum, stack, where

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)


def leaf(shape: tuple[int, ...], dtype: Any, seed: int = 0) -> Tensor:
    data = np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(dtype)
    return Tensor(data, requires_grad=True)


# ------------------------------------------------------------- construction

@pytest.mark.parametrize("data", [1.5, 2, [1.0, 2.0], [1, 2, 3], [[1, 2], [3, 4.5]], (1.0, 2.0)],
                         ids=repr)
def test_python_numbers_and_lists_default_to_float32(data):
    assert Tensor(data).dtype == F32
    assert Tensor(data, requires_grad=True).dtype == F32


@pytest.mark.parametrize("dtype", [F16, F32, F64])
def test_float_ndarrays_keep_their_dtype(dtype):
    a = np.ones((2, 3), dtype=dtype)
    assert Tensor(a).dtype == dtype
    assert Tensor(a, requires_grad=True).dtype == dtype
    assert Tensor(a.astype(dtype)[0, 0]).dtype == dtype  # a NumPy scalar too


def test_explicit_dtype_wins():
    assert Tensor([1, 2], dtype=np.float64).dtype == F64
    assert Tensor(np.ones(3, dtype=np.float64), dtype=np.float32).dtype == F32
    assert Tensor(np.arange(3), dtype=np.float32).dtype == F32


def test_integer_and_bool_arrays_keep_their_dtype_without_grad():
    assert Tensor(np.arange(3)).dtype.kind == "i"
    assert Tensor(np.array([True, False])).dtype == np.bool_
    assert not Tensor(np.arange(3)).requires_grad


@pytest.mark.parametrize("data", [np.arange(3), np.arange(3, dtype=np.int32),
                                  np.array([1, 2], dtype=np.uint8), np.array([True, False])],
                         ids=lambda a: str(a.dtype))
def test_integer_or_bool_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError, match=str(data.dtype)) as info:
        Tensor(data, requires_grad=True)
    assert "floating" in str(info.value)
    t = Tensor(data)
    with pytest.raises(TypeError, match=str(data.dtype)):
        t.requires_grad_()
    assert not t.requires_grad
    with pytest.raises(TypeError, match="int64"):
        Tensor([1, 2], dtype=np.int64, requires_grad=True)


# ----------------------------------------------------------------- promotion

OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "maximum": maximum,
    "minimum": minimum,
}


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("scalar", [2, 2.5, True, np.float64(2.5), np.int64(2), np.float32(2.5)],
                         ids=lambda s: f"{type(s).__name__}({s})")
@pytest.mark.parametrize("dtype", [F16, F32, F64])
def test_scalar_operands_take_the_tensor_dtype(op, scalar, dtype):
    x = leaf((3,), dtype)
    f = OPS[op]
    for out in (f(x, scalar), f(scalar, x)):
        assert isinstance(out, Tensor)
        assert out.dtype == dtype, (op, scalar, out.dtype)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_arrays_follow_numpy_promotion(op):
    f = OPS[op]
    x32 = leaf((2, 3), F32)
    for other, expected in [
        (np.ones(3, dtype=np.float64), F64),
        (np.ones((2, 3), dtype=np.float32), F32),
        (np.ones(3, dtype=np.float16), F32),
        (np.array(2.0), F64),  # a 0-d array is an array, not a scalar (PyTorch agrees)
        (Tensor(np.ones(3, dtype=np.float64)), F64),
        (Tensor(np.ones(3, dtype=np.float16)), F32),
    ]:
        for out in (f(x32, other), f(other, x32)):
            assert out.dtype == expected, (op, other, out.dtype)
            ref = np.result_type(x32.data, np.asarray(other))
            assert out.dtype == ref


def test_matmul_cat_stack_where_follow_promotion():
    a32, a64 = leaf((2, 2), F32), leaf((2, 2), F64, seed=1)
    assert (a32 @ a32).dtype == F32
    assert (a32 @ a64).dtype == F64 and (a64 @ a32).dtype == F64
    assert (a32 @ np.ones(2)).dtype == F64
    assert cat([a32, a32]).dtype == F32 and cat([a32, a64]).dtype == F64
    assert stack([a32, a64]).dtype == F64
    cond = np.array([True, False])
    assert where(cond, a32, 0.0).dtype == F32
    assert where(cond, 1.0, a32).dtype == F32
    assert where(cond, a32, a64).dtype == F64


@pytest.mark.parametrize("dtype", [F16, F32, F64])
def test_unary_ops_and_reductions_keep_the_dtype(dtype):
    x = leaf((2, 3), dtype)
    for name in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sin", "cos",
                 "leaky_relu", "neg"):
        out = -x if name == "neg" else getattr(x, name)()
        assert out.dtype == dtype, name
    for name in ("sum", "mean", "max", "min", "var", "logsumexp"):
        assert getattr(x, name)().dtype == dtype, name
        assert getattr(x, name)(axis=1).dtype == dtype, name
    for name in ("softmax", "log_softmax"):
        assert getattr(x, name)(axis=1).dtype == dtype, name
    assert x.clip(0.7, 1.2).dtype == dtype
    assert (x ** 2).dtype == dtype and (x ** 0.5).dtype == dtype and (2 ** x).dtype == dtype


# ------------------------------------------------------------- .grad dtype

def _graphs() -> dict[str, Callable[[], tuple[Any, list[Tensor]]]]:
    def broadcast_mixed():
        w = leaf((3, 1), F32)
        b = leaf((4,), F64, seed=1)
        return ((w * b).exp().sum() + (w / 3.0).sum()), [w, b]

    def constant_float64_array():
        w = leaf((1, 4), F32)
        return (w * np.ones((3, 4))).sum(), [w]

    def half_precision():
        w = leaf((2, 3), F16)
        return (w * w * 2.5).sum(), [w]

    def cast_round_trip():
        w = leaf((2, 3), F32)
        return (w.double() ** 2).float().sum() + w.astype(np.float64).sum(), [w]

    def matmul_mixed():
        a = leaf((5, 2, 3), F32)
        b = leaf((3, 4), F64, seed=2)
        return (a @ b).tanh().mean(), [a, b]

    def zero_dim_parameter():
        s = leaf((), F32)
        x = leaf((4, 5), F64, seed=3)
        return (s * x + s).sum(), [s, x]

    def indexing_and_join():
        a = leaf((4, 3), F32)
        b = leaf((2, 3), F64, seed=4)
        y = cat([a[np.array([0, 0, 3])], b])
        return (y * y).sum() + stack([a[1], b[0]]).sum(), [a, b]

    def reductions_and_softmax():
        a = leaf((3, 4), F32)
        c = leaf((4,), F16, seed=5)
        y = (a + c).log_softmax(axis=1).sum() + (a * c).max(axis=0).sum() + a.var()
        return y, [a, c]

    def where_and_maximum():
        a = leaf((3, 4), F32)
        b = leaf((4,), F64, seed=6)
        y = where(a.data > 1.0, a, b) + maximum(a, b) + minimum(b, 1.0)
        return y.sum(), [a, b]

    def expand_and_reshape():
        a = leaf((3, 1), F32)
        y = a.expand(2, 3, 4).reshape(6, 4).transpose() @ np.ones(6)
        return y.sum(), [a]

    return {k: v for k, v in locals().items() if callable(v)}


GRAPHS = _graphs()


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_grad_has_the_parameter_dtype_and_shape(name):
    loss, params = GRAPHS[name]()
    loss.backward()
    for p in params:
        assert isinstance(p.grad, np.ndarray)
        assert p.grad.dtype == p.dtype, (p.grad.dtype, p.dtype)
        assert p.grad.shape == p.shape
        assert np.isfinite(p.grad).all()


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_grad_function_results_have_the_input_dtype_and_shape(name):
    loss, params = GRAPHS[name]()
    gs = grad(loss, params, create_graph=True)
    for p, g in zip(params, gs):
        assert isinstance(g, Tensor)
        assert g.dtype == p.dtype and g.shape == p.shape


def test_gradient_accumulates_in_the_parameter_dtype():
    w = leaf((3,), F32)
    (w * np.ones(3)).sum().backward()              # float64 graph
    (w * np.ones(3, dtype=np.float16)).sum().backward()
    assert w.grad.dtype == F32
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])  # exact: sums of ones


def test_backward_casts_a_given_gradient_to_the_output_dtype():
    w = leaf((2, 2), F32)
    y = w * 2
    y.backward(np.full((2, 2), 0.5, dtype=np.float64))
    assert w.grad.dtype == F32
    np.testing.assert_array_equal(w.grad, np.ones((2, 2)))  # exact: 0.5 * 2


def test_float32_values_match_float64_closely():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5))
    x32, x64 = Tensor(a.astype(np.float32), requires_grad=True), Tensor(a, requires_grad=True)
    for x in (x32, x64):
        ((x.tanh() @ x.T).softmax(axis=1).log().sum() + x.logsumexp()).backward()
    np.testing.assert_allclose(x32.grad, x64.grad, rtol=1e-4, atol=1e-5)
