"""One catalogue of expressions on three engines: Tensor, Values element by element, PyTorch.

Each expression is written once with names that ``Tensor``, the kit's
``ValueArray`` (an object array of ``Value``s) and ``torch.Tensor`` share.
The scalar engine shares no op code with the Tensor ops beyond the
elementwise rules (no broadcasting rule, no reductions, no matmul), so its
agreement is a PyTorch-free check of the Tensor gradients; PyTorch is a third
opinion.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tensor
from autograd.ops import RULES, sum_vjp
from autograd.testing import (arrays, assert_grad_matches_torch, assert_matches_scalar_oracle,
                              broadcastable_shapes, matmul_shapes, nonzero_floats,
                              positive_floats, shapes, to_values, uses)


def _pair(left=None, right=None, **shape_kw):
    return broadcastable_shapes(2, **shape_kw).flatmap(
        lambda ss: st.tuples(arrays(ss[0], elements=left), arrays(ss[1], elements=right)))


def _matrices():
    return st.tuples(*(st.integers(1, 3) for _ in range(3))).flatmap(
        lambda d: st.tuples(arrays((d[0], d[1])), arrays((d[1], d[2]))))


def _matmul_operands():
    return matmul_shapes(max_batch_dims=1).flatmap(
        lambda ss: st.tuples(arrays(ss[0]), arrays(ss[1])))


def _two_layer():
    return st.tuples(*(st.integers(1, 3) for _ in range(4))).flatmap(
        lambda d: st.tuples(arrays((d[0], d[1])), arrays((d[1], d[2])), arrays((d[2], d[3]))))


def _row_softmax(x: Any) -> Any:
    e = (x - 1.0).exp()
    return e / e.sum(axis=-1, keepdims=True)


# name -> (expression, inputs)
CATALOGUE: dict[str, tuple[Callable[..., Any], st.SearchStrategy[tuple[np.ndarray, ...]]]] = {
    "broadcast tanh(x * y + x)": (lambda x, y: (x * y + x).tanh(), _pair()),
    "broadcast x / (y * y + 1)": (lambda x, y: x / (y * y + 1.0), _pair()),
    "broadcast x - y, squared mean": (lambda x, y: ((x - y) ** 2).mean(), _pair()),
    "reflected 2 - x, 1 / y, 2 ** x": (lambda x, y: (2.0 - x) * (1.0 / y) + 2.0 ** x,
                                       _pair(right=nonzero_floats())),
    "sqrt and log of positives": (lambda x, y: (x.sqrt() + x.log()) * y,
                                  _pair(left=positive_floats())),
    "|x| ** 1.5 and sigmoid": (lambda x, y: abs(x) ** 1.5 + y.sigmoid() * x,
                               _pair(left=nonzero_floats())),
    "sin(x) cos(y) summed over the last axis": (
        lambda x, y: (x.sin() * y.cos()).sum(axis=-1), _pair(min_dims=1)),
    "exp(x) y summed over axis 0, keepdims": (
        lambda x, y: (x.exp() * y).sum(axis=0, keepdims=True), _pair(min_dims=1)),
    "mean over the first axis": (lambda x, y: (x * y).mean(axis=0), _pair(min_dims=1)),
    "rows normalised to sum 1": (lambda x: x / x.sum(axis=1, keepdims=True),
                                 arrays(shapes(2, 2), elements=positive_floats()).map(
                                     lambda a: (a,))),
    "softmax by hand": (_row_softmax, arrays(shapes(1, 3)).map(lambda a: (a,))),
    "matmul then tanh": (lambda a, b: (a @ b).tanh(), _matrices()),
    "matmul of vectors, matrices and stacks": (lambda a, b: a @ b, _matmul_operands()),
    "x.T @ x summed over axis 0": (lambda x: (x.T @ x).sum(axis=0),
                                   arrays(shapes(2, 2)).map(lambda a: (a,))),
    "two-layer network": (lambda x, w1, w2: ((x @ w1).tanh() @ w2).sum(), _two_layer()),
    "reshape(-1) then weighted sum": (lambda x, y: (x.reshape(-1) * y.reshape(-1)).sum(),
                                      shapes(1, 3).flatmap(
                                          lambda s: st.tuples(arrays(s), arrays(s)))),
}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
@settings(max_examples=25)
@given(data=st.data())
def test_tensor_and_scalar_engines_agree(name, data):
    fn, inputs = CATALOGUE[name]
    assert_matches_scalar_oracle(fn, *data.draw(inputs, label=name))


@pytest.mark.parametrize("name", sorted(CATALOGUE))
@settings(max_examples=25)
@given(data=st.data())
def test_tensor_and_torch_agree(name, data):
    fn, inputs = CATALOGUE[name]
    assert_grad_matches_torch(fn, fn, *data.draw(inputs, label=name))


@given(shapes_=broadcastable_shapes(2))
def test_broadcast_reuse_is_visible_as_edges_and_summed_gradients(shapes_):
    sx, sy = shapes_
    x, y = to_values(np.arange(np.prod(sx), dtype=float).reshape(sx) + 1), to_values(
        np.ones(sy))
    z = x * y
    # Each element of x meets every element of the broadcast axes: one edge, one term each.
    reuse = z.size // max(x.size, 1)
    assert (uses(x, z) == reuse).all()
    z.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(sx, float(reuse)))  # exact: a count of ones


def test_uses_shows_where_broadcasting_sums_gradients():
    x = to_values([1.0, 2.0, 3.0])
    y = to_values([[10.0], [20.0]])
    z = (x * y).sum()
    assert uses(x, z).tolist() == [2, 2, 2]
    assert uses(y, z).tolist() == [[3], [3]]
    z.backward()
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (t * Tensor([[10.0], [20.0]])).sum().backward()
    np.testing.assert_allclose(x.grad, [30.0, 30.0, 30.0])
    np.testing.assert_allclose(t.grad, x.grad)


def test_a_wrong_tensor_rule_is_caught_without_pytorch(monkeypatch):
    def doubled(g, ans, x, *, axis, keepdims):
        return (sum_vjp(g, ans, x, axis=axis, keepdims=keepdims)[0] * 2,)

    monkeypatch.setattr(RULES["sum"], "vjp", doubled)
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(AssertionError, match=r"differs from the scalar oracle's: input 0\["):
        assert_matches_scalar_oracle(lambda t: (t * t).sum(axis=0), x)


def test_value_array_matmul_is_explicit_sums():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([5.0, 6.0])
    for left, right in [(a, b), (b, a), (b, b), (a, a), (np.stack([a, a]), a)]:
        got = (to_values(left) @ to_values(right)).data
        np.testing.assert_allclose(got, left @ right)
