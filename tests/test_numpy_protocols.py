"""NumPy functions on Tensors: those with a rule record the graph (the same rule as the
Tensor method), others run on the data or raise when a gradient would be lost."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import Tensor, no_grad

POSITIVE = st.floats(0.1, 5.0)

# (NumPy's call, the Tensor method it must equal); each applied to x (and a constant c).
UNARY = {
    "exp": (np.exp, lambda t: t.exp()), "log": (np.log, lambda t: t.log()),
    "sqrt": (np.sqrt, lambda t: t.sqrt()), "tanh": (np.tanh, lambda t: t.tanh()),
    "sin": (np.sin, lambda t: t.sin()), "cos": (np.cos, lambda t: t.cos()),
    "abs": (np.abs, lambda t: t.abs()), "negative": (np.negative, lambda t: -t),
    "square": (np.square, lambda t: t * t),
    "sum": (np.sum, lambda t: t.sum()), "sum0": (lambda a: np.sum(a, axis=0),
                                                 lambda t: t.sum(axis=0)),
    "mean": (lambda a: np.mean(a, axis=-1, keepdims=True),
             lambda t: t.mean(axis=-1, keepdims=True)),
    "max": (lambda a: np.max(a, axis=0), lambda t: t.max(axis=0)),
    "amin": (lambda a: np.amin(a), lambda t: t.min()),
    "var": (lambda a: np.var(a, axis=-1), lambda t: t.var(axis=-1)),
    "reshape": (lambda a: np.reshape(a, (-1,)), lambda t: t.reshape(-1)),
    "transpose": (np.transpose, lambda t: t.T),
    "clip": (lambda a: np.clip(a, 0.5, 2.0), lambda t: t.clip(0.5, 2.0)),
    "maximum": (lambda a: np.maximum(a, 1.0), lambda t: t.maximum(1.0)),
    "minimum": (lambda a: np.minimum(2.0, a), lambda t: t.minimum(2.0)),
    "concatenate": (lambda a: np.concatenate([a, a * 2]), lambda t: Tensor.cat([t, t * 2])),
    "stack": (lambda a: np.stack([a, a], axis=-1), lambda t: Tensor.stack([t, t], axis=-1)),
    "where": (lambda a: np.where(a > 1, a, a * a), lambda t: Tensor.where(t > 1, t, t * t)),
    "expand_dims": (lambda a: np.expand_dims(a, 0), lambda t: t.unsqueeze(0)),
    "squeeze": (lambda a: np.squeeze(np.expand_dims(a, 0), axis=0), lambda t: t),
    "power": (lambda a: np.power(a, 3), lambda t: t ** 3),
    "rpower": (lambda a: np.power(2.0, a), lambda t: 2.0 ** t),
    "dot": (lambda a: np.dot(a.reshape(-1), a.reshape(-1)), lambda t: (t * t).sum()),
    "outer": (lambda a: np.outer(a, a), lambda t: t.reshape(-1, 1) * t.reshape(1, -1)),
    "flip": (lambda a: np.flip(a, 0), lambda t: t[::-1]),
    "exp2": (np.exp2, lambda t: 2.0 ** t),
    "matmul_left": (lambda a: np.ones((3, a.shape[0]), np.float64) @ a,
                    lambda t: Tensor(np.ones((3, t.shape[0]))) @ t),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
                    elements=POSITIVE))
def test_numpy_functions_with_a_rule_record_the_graph(name, x):
    np_fn, method = UNARY[name]
    a = Tensor(x, requires_grad=True)
    b = Tensor(x, requires_grad=True)
    out = np_fn(a)
    ref = method(b)
    assert isinstance(out, Tensor) and out.requires_grad
    assert out.shape == ref.shape and out.dtype == ref.dtype
    # The same rules on the same float64 data (matmul: the same BLAS call): equal results.
    np.testing.assert_array_equal(out.data, ref.data)
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(g)
    ref.backward(g)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-12, atol=1e-12)


@given(x=hnp.arrays(np.float64, (2, 3), elements=POSITIVE),
       c=hnp.arrays(np.float64, (3,), elements=POSITIVE))
def test_arrays_on_the_left_dispatch_to_the_tensor(x, c):
    t = Tensor(x, requires_grad=True)
    for out, ref in ((c + t, t + c), (c - t, -(t - c)), (c * t, t * c), (c / t, c * t ** -1)):
        assert isinstance(out, Tensor)
        np.testing.assert_allclose(out.data, ref.data, rtol=1e-12)
    (c * t).sum().backward()
    np.testing.assert_allclose(t.grad, np.broadcast_to(c, x.shape))  # copies of c
    assert isinstance(c == Tensor(c), Tensor)  # comparisons give Tensors, as t == c does


def test_functions_without_a_rule_run_on_the_data_when_no_gradient_is_lost():
    x = Tensor([[0.5, 2.0], [1.0, -1.0]], requires_grad=True)
    assert np.allclose(x, [[0.5, 2.0], [1.0, -1.0]]) and np.isfinite(x).all()
    assert np.argmax(x) == 1 and np.shape(x) == (2, 2) and np.ndim(x) == 2
    assert np.array_equal(np.sign(Tensor([-2.0, 3.0])), [-1.0, 1.0])  # no grad: NumPy's
    with no_grad():
        assert np.round(x).tolist() == [[0.0, 2.0], [1.0, -1.0]]
    np.testing.assert_allclose(x, x.data)
    assert np.asarray(x) is x._data and np.array(x).tolist() == x.tolist()
    acc = np.zeros((2, 2), dtype=np.float32)
    acc += x  # NumPy's in-place add into an array of the caller's: NumPy's result
    assert acc.tolist() == x.tolist()


def test_functions_without_a_rule_refuse_to_drop_a_gradient():
    x = Tensor([0.5, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy.round .*no rule.*detach\(\)"):
        np.round(x)
    with pytest.raises(TypeError, match=r"numpy.copy .*t.clone\(\)"):
        np.copy(x)
    with pytest.raises(TypeError, match=r"numpy.cumsum .*no rule"):
        np.cumsum(x)
    with pytest.raises(TypeError, match="out=tensor"):
        np.add(x, 1, out=x)
    with pytest.raises(TypeError, match="keyword dtype="):
        np.sum(x, dtype=np.float64)
