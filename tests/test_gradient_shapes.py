"""A VJP's gradient must fit its input: the engine names the rule when it does not.

A gradient may have the input's shape, or a shape the input broadcasts to
(the engine sums the broadcast axes back). Anything else, a reduction that
lost its ``keepdims`` or a ``g.T``, used to end in a bare NumPy error deep in
the engine, or, for a same-size shape, be reshaped silently into wrong values.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograd import Function, Tensor, Value, grad
from autograd import backend as B
from autograd.engine import GradientShapeError, check_gradient_shape, unbroadcast
from autograd.ops import RULES
from autograd.viz import BackpropStepper

X = np.arange(12.0).reshape(3, 4) / 10
W = np.linspace(-1.0, 1.0, 12).reshape(3, 4)


@pytest.mark.parametrize("gshape, shape, ok", [
    ((3, 4), (3, 4), True),
    ((2, 3, 4), (3, 4), True),        # a prepended axis, summed back
    ((3, 4), (1, 4), True),           # a stretched axis, summed back
    ((3, 4), (4,), True),
    ((4, 3), (3, 4), False),          # g.T
    ((12,), (3, 4), False),           # the same size, flattened
    ((3,), (3, 4), False),            # a reduction without keepdims
    ((), (3, 4), False),
    ((3, 1), (3, 4), False),
])
def test_which_gradient_shapes_an_input_can_receive(gshape, shape, ok):
    if ok:
        check_gradient_shape("op", 0, gshape, shape)
        assert unbroadcast(np.ones(gshape), shape).shape == shape
    else:
        with pytest.raises(GradientShapeError, match=r"input 0 of shape"):
            check_gradient_shape("op", 0, gshape, shape)
        with pytest.raises(GradientShapeError):
            unbroadcast(np.ones(gshape), shape)


def test_a_transposed_gradient_is_named_not_reshaped(monkeypatch):
    monkeypatch.setattr(RULES["tanh"], "vjp", lambda g, ans, x: ((g * (1 - ans * ans)).T,))
    x = Tensor(X, requires_grad=True)
    with pytest.raises(GradientShapeError) as info:
        (x.tanh() * W).sum().backward()
    msg = str(info.value)
    assert "'tanh'" in msg and "input 0" in msg and "(4, 3)" in msg and "(3, 4)" in msg
    # With create_graph the gradient is a Tensor; the same check applies.
    with pytest.raises(GradientShapeError, match="'tanh'"):
        grad((x.tanh() * W).sum(), x, create_graph=True)


def test_a_lost_keepdims_is_named_with_the_input(monkeypatch):
    monkeypatch.setattr(RULES["sum"], "vjp", lambda g, ans, x, *, axis, keepdims: (g,))
    x = Tensor(X, requires_grad=True)
    with pytest.raises(GradientShapeError, match=r"'sum' returned a gradient of shape \(3,\) "
                                                 r"for input 0 of shape \(3, 4\)"):
        x.sum(axis=1).backward(np.ones(3))


def test_a_float_returned_for_a_tensor_is_named(monkeypatch):
    monkeypatch.setattr(RULES["exp"], "vjp", lambda g, ans, x: (0.0,))
    x = Tensor(X, requires_grad=True)
    with pytest.raises(GradientShapeError, match=r"'exp' returned a float for input 0 of shape "
                                                 r"\(3, 4\)"):
        (x.exp() * W).sum().backward()


def test_a_numpy_error_inside_a_vjp_names_the_rule_and_the_shapes(monkeypatch):
    monkeypatch.setattr(RULES["softmax"], "vjp",
                        lambda g, ans, x, *, axis: (ans * (g - (g * ans).sum(axis=axis)),))
    x = Tensor(X, requires_grad=True)
    with pytest.raises(ValueError) as info:
        (x.softmax(axis=-1) * W).sum().backward()
    msg = str(info.value)
    assert msg.startswith("backward of 'softmax' failed") and "(3, 4)" in msg
    assert "could not be broadcast" in msg            # NumPy's own words are kept


def test_a_gradient_the_engine_sums_back_is_still_accepted():
    class Spread(Function):
        """x -> x, with a backward that returns the gradient of a broadcast input."""

        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return B.broadcast_to(g.data, (2,) + g.shape) * 0.5   # sums back to g

    x = Tensor(X, requires_grad=True)
    (Spread.apply(x) * W).sum().backward()
    np.testing.assert_array_equal(x.grad, W)   # 0.5 + 0.5 of each weight: exact in binary


def test_the_stepper_names_the_rule_too(monkeypatch):
    monkeypatch.setattr(RULES["tanh"], "vjp", lambda g, ans, x: ((g * (1 - ans * ans)).T,))
    x = Tensor(X, requires_grad=True)
    with pytest.raises(GradientShapeError, match="'tanh'"):
        BackpropStepper((x.tanh() * W).sum())


def test_values_are_not_shape_checked():
    v = Value(0.5)
    (v.tanh() * 2.0).backward()
    assert v.grad == pytest.approx(2.0 * (1 - np.tanh(0.5) ** 2))
