"""Forward mode: dual numbers, levels, forward-over-reverse, user Functions, rule counts,
the forward stepper's data, and clear errors."""
from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

from autograd import ForwardStepper, Tensor, Value, grad, no_grad, toposort
from autograd.forward import ForwardModeError
from autograd.functional import (count_rule_calls, grad as grad_of, hessian, hvp, jacobian, jvp,
                                 value_and_grad, vjp)
from autograd.grad_mode import STATE
from autograd.tensor import ShapeError
from numerics import APPROX, close
from custom_ops import Cube

# ---------------------------------------------------------------- dual numbers


def test_a_dual_value_prints_its_value_and_derivative_side_by_side():
    x = Value(3.0, tangent=1.0)
    assert repr(x).startswith("Value(data=3.0, tangent=1.0")
    y = x * x + 2 * x                     # dy/dx = 2x + 2 = 8
    assert (y.data, y.tangent) == (15.0, 8.0)   # exact: small integers
    assert "tangent=8.0" in repr(y)
    assert Value(3.0).tangent is None and "tangent" not in repr(Value(3.0))


def test_dual_numbers_carry_tangents_under_no_grad_and_on_tensors():
    x = Value(0.7, tangent=1.0)
    with no_grad():
        y = (x.sin() * x).exp()
    assert y.op == ""                      # no graph was recorded...
    expected = np.exp(0.7 * np.sin(0.7)) * (np.sin(0.7) + 0.7 * np.cos(0.7))
    assert y.tangent == pytest.approx(expected, **APPROX)   # ...but the tangent came along
    t = Tensor(np.array([1.0, 2.0, 3.0]), tangent=[1.0, 0.0, -1.0])
    with no_grad():
        s = (t * t).sum()
    assert s.tangent == pytest.approx(2 * 1.0 - 2 * 3.0, **APPROX)
    assert "tangent=" in repr(t) and t.tangent.dtype == t.dtype


def test_the_dual_level_closes_itself_once_its_tangents_are_gone():
    gc.collect()
    Value(1.0) + 1.0                       # closes a level other tests' duals left empty
    assert STATE.forward is None and not STATE.hooks
    x = Value(2.0, tangent=1.0)
    assert STATE.hooks                     # apply() now pushes tangents
    y = x * 3.0
    assert y.tangent == 3.0
    del x, y
    gc.collect()
    Value(1.0) + 1.0                       # the next operation sees the empty table
    assert STATE.forward is None and not STATE.hooks


def test_tangents_are_per_thread():
    x = Value(2.0, tangent=1.0)
    seen = {}

    def other() -> None:
        seen["tangent"] = (x * 2.0).tangent
        seen["hooks"] = STATE.hooks

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == {"tangent": None, "hooks": False}
    assert (x * 2.0).tangent == 2.0


def test_forward_over_reverse_with_the_engine_grad():
    # A dual x through grad(create_graph=True): the gradient's tangent is f''(x) dx.
    x = Value(2.0, tangent=1.0)
    (dy,) = grad(x ** 3, x, create_graph=True)
    assert (dy.data, dy.tangent) == (12.0, 12.0)   # 3x^2 and 6x, exact in floats


def test_a_tensor_with_a_tangent_refuses_in_place_changes():
    t = Tensor(np.ones(2), tangent=np.ones(2))
    with pytest.raises(RuntimeError, match="tangent"):
        t.mul_(2.0)


def test_bad_tangents_say_what_was_expected():
    with pytest.raises(ForwardModeError, match=r"shape \(3,\).*shape \(2,\)"):
        Tensor(np.ones(2), tangent=np.ones(3))
    with pytest.raises(ForwardModeError, match="number"):
        Value(1.0, tangent="one")


# ---------------------------------------------------------------- functional: errors


def test_functional_errors_are_clear():
    x = Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"scalar.*\(3,\)"):
        grad_of(lambda t: t * 2)(x)
    with pytest.raises(ShapeError, match=r"shape \(2,\).*shape \(3,\)"):
        jvp(lambda t: t * 2, x, Tensor(np.ones(2)))
    with pytest.raises(ValueError, match="v is needed"):
        jvp(lambda t: t * 2, x)
    with pytest.raises(ValueError, match="structure"):
        vjp(lambda a, b: a * b, (x, x), (Tensor(np.ones(3)), Tensor(np.ones(3))))
    with pytest.raises(TypeError, match="input 0 is a list"):
        jacobian(lambda t: t, [[1.0, 2.0]])
    with pytest.raises(TypeError, match="int64"):
        jacobian(lambda t: t, Tensor(np.arange(3)))
    with pytest.raises(TypeError, match="returned a float"):
        vjp(lambda t: 1.0, x)
    with pytest.raises(ValueError, match="mode must be"):
        jacobian(lambda t: t, x, mode="forward")
    with pytest.raises(ValueError, match="argnums"):
        grad_of(lambda t: t.sum(), argnums=2)(x)


def test_forward_passes_do_not_nest():
    x = Tensor(np.ones(2))
    with pytest.raises(ForwardModeError, match="not supported"):
        jvp(lambda t: jvp(lambda u: u * u, t, t)[1], x, x)
    with pytest.raises(ForwardModeError, match="hvp"):
        jvp(lambda t: jacobian(lambda u: u * u, t), x, x)


# ---------------------------------------------------------------- composition


def test_hvp_is_the_hessian_times_v_and_jvp_of_grad():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))

    def f(x):
        return ((Tensor(a) @ x).tanh() * x).sum() + (x ** 4).sum()

    x, v = Tensor(rng.standard_normal(4)), rng.standard_normal(4)
    value, hv = hvp(f, x, Tensor(v))
    h = hessian(f, x)
    np.testing.assert_allclose(hv.data, h.data @ v, **close())
    np.testing.assert_allclose(jvp(grad_of(f), x, Tensor(v))[1].data, hv.data, **close())
    assert value.item() == pytest.approx(f(x).item(), **APPROX)
    np.testing.assert_allclose(h.data, h.data.T, **close())   # symmetric, as it must be
    rev = jacobian(grad_of(f), x, mode="rev")                  # reverse over reverse
    np.testing.assert_allclose(rev.data, h.data, **close())


def test_value_and_grad_returns_the_value_and_the_gradient():
    value, g = value_and_grad(lambda x: (x * x).sum())(Tensor(np.array([1.0, -2.0])))
    assert value.item() == 5.0 and g.tolist() == [2.0, -4.0]   # exact: small integers


class CubeWithJvp(Cube):
    calls = 0

    @staticmethod
    def jvp(ctx, t):
        CubeWithJvp.calls += 1
        (x,) = ctx.saved_tensors
        return t * 3 * x * x


class CubeOnData(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g.data * 3 * x.data ** 2   # plain NumPy: no graph to differentiate


def test_functions_use_their_jvp_or_the_double_vjp_construction():
    x, t = Tensor(np.array([0.5, -2.0])), Tensor(np.array([1.0, 3.0]))
    expected = 3 * x.data ** 2 * t.data
    _, own = jvp(CubeWithJvp.apply, x, t)
    assert CubeWithJvp.calls == 1
    _, derived = jvp(Cube.apply, x, t)
    np.testing.assert_allclose(own.data, expected, **close())
    np.testing.assert_allclose(derived.data, expected, **close())
    with pytest.raises(ForwardModeError, match="jvp"):
        jvp(CubeOnData.apply, x, t)


def test_the_operations_inside_a_function_carry_no_tangents_of_their_own():
    x = Value(2.0, label="x")
    s = ForwardStepper(lambda x: Cube.apply(x) * 1.0, x, 1.0)
    assert [step.op for step in s] == ["Cube", "mul"]     # not Cube's own x * x * x
    assert s[0].partials == [pytest.approx(12.0, **APPROX)]  # 3 x^2, by the double VJP
    fwd = count_rule_calls(lambda t: Cube.apply(t) * 1.0, Tensor(np.array([2.0])), "fwd")
    rev = count_rule_calls(lambda t: Cube.apply(t) * 1.0, Tensor(np.array([2.0])), "rev")
    assert fwd.calls == rev.calls == 2                     # one rule call per operation


# ---------------------------------------------------------------- cost of a Jacobian


def _ops(f, x):
    """Operations in one evaluation of f (its recorded graph, constants aside)."""
    x = Tensor(x.data, requires_grad=True)
    return sum(1 for n in toposort([f(x)]) if n.rule is not None)


def test_rule_counts_for_one_input_and_many_outputs():
    c = Tensor(np.linspace(-1.0, 1.0, 1000))

    def f(x):                              # R^1 -> R^1000
        return (x * c).tanh()

    x = Tensor(np.array([0.3]))
    k = _ops(f, x)
    assert count_rule_calls(f, x, "fwd") == ("fwd", 1, k)          # one forward pass
    assert count_rule_calls(f, x, "rev") == ("rev", 1000, 1000 * k)  # a backward per output


def test_rule_counts_for_many_inputs_and_one_output():
    c = Tensor(np.linspace(-1.0, 1.0, 1000))

    def f(x):                              # R^1000 -> R^1
        return (x.tanh() * c).sum()

    x = Tensor(np.linspace(0.0, 1.0, 1000))
    k = _ops(f, x)
    assert count_rule_calls(f, x, "rev") == ("rev", 1, k)           # one backward pass
    assert count_rule_calls(f, x, "fwd") == ("fwd", 1000, 1000 * k)  # a forward per input


# ---------------------------------------------------------------- the forward stepper's data


def test_forward_steps_follow_the_chain_rule_and_end_at_the_jvp():
    w, x, b = Value(1.5, label="w"), Value(-0.5, label="x"), Value(0.25, label="b")

    def f(w, x, b):
        return ((w * x + b).tanh() - 1.0) ** 2

    s = ForwardStepper(f, (w, x, b), (0.0, 1.0, 0.0))       # d/dx
    assert [step.op for step in s] == ["mul", "add", "tanh", "sub", "powc"]
    assert s.output.op == "**"                             # the graph is there to draw
    # each step's tangent is the sum of its partials times its inputs' tangents
    for step in s:
        moving = [t for _, t in step.inputs if t is not None]
        assert step.tangent == pytest.approx(sum(d * t for d, t in zip(step.partials, moving)),
                                             **APPROX)
    (dx,) = grad(f(w, x, b), x)
    assert s.tangent(s.output) == pytest.approx(dx.data, **APPROX)
    assert "d" + s.name(s.output) in s.explain(len(s) - 1)
    assert s[0].parents == (w, x) and s[1].parents[0] is s[0].node   # the graph, step by step
    before, after = s.tangents_at(-1), s.tangents_at(len(s) - 1)
    assert id(s.output) not in before and after[id(s.output)] == s.tangent(s.output)
