"""Every scalar ``Value`` op, property-tested through autograd.testing.

Each op's gradient is checked against central differences and against
PyTorch float64 (on 0-d tensors), and its second derivative against
differences of the gradient. Outside an op's domain the answer is a clear
error, never a silent nan; comparisons return bool.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import DomainError, Value
from autograd.testing import (Case, assert_grad_matches_numeric, assert_grad_matches_torch,
                              assert_hessian_matches_numeric, floats, grid, nonzero_floats,
                              positive_floats, values)

NO_KINK = floats(avoid=(0.0,))
CONSTANTS = st.sampled_from([2.0, -1.5, 0.5, 3])
POWERS = st.sampled_from([2, 3, 0, 1, -1, 0.5, -0.5, 1.5, 2.0])
BASES = st.sampled_from([2.0, 0.5, math.e, 3])


def _torch():
    import torch

    return torch


def _one(name, fn, torch_fn, elements=None):
    return st.builds(lambda x: Case(fn, (x,), torch_fn, name), values(elements=elements))


def _two(name, fn, left=None, right=None):
    return st.builds(lambda a, b: Case(fn, (a, b), fn, name),
                     values(elements=left), values(elements=right))


@st.composite
def _pow_number(draw):
    p = draw(POWERS)
    elements = (positive_floats() if isinstance(p, float) and p != int(p)
                else nonzero_floats() if p < 0 else floats())
    return Case(lambda a: a ** p, (draw(values(elements=elements)),), lambda a: a ** p,
                f"x ** {p!r}")


@st.composite
def _reflected(draw, name, make):
    c = draw(CONSTANTS)
    elements = nonzero_floats() if name == "rtruediv" else floats()
    fn = make(c)
    return Case(fn, (draw(values(elements=elements)),), fn, f"{name} with {c!r}")


@st.composite
def _rpow(draw):
    c = draw(BASES)
    return Case(lambda a: c ** a, (draw(values(-2.0, 2.0)),), lambda a: c ** a, f"{c!r} ** x")


@st.composite
def _pow_constant_value(draw):
    # A Value exponent or base that needs no gradient takes the one-sided rules.
    if draw(st.booleans()):
        c = draw(BASES)
        return Case(lambda a: Value(c, requires_grad=False) ** a, (draw(values(-2.0, 2.0)),),
                    lambda a: float(c) ** a, f"Value({c!r}, requires_grad=False) ** x")
    p = draw(st.sampled_from([2.0, -1.0, 0.5]))
    return Case(lambda a: a ** Value(p, requires_grad=False),
                (draw(values(elements=positive_floats())),), lambda a: a ** p,
                f"x ** Value({p!r}, requires_grad=False)")


@st.composite
def _leaky_relu(draw):
    slope = draw(st.sampled_from([0.01, 0.2, 2.0]))
    return Case(lambda a: a.leaky_relu(slope), (draw(values(elements=NO_KINK)),),
                lambda a: _torch().nn.functional.leaky_relu(a, slope), f"leaky_relu({slope})")


VALUE_OPS = {
    "add": _two("a + b", lambda a, b: a + b),
    "sub": _two("a - b", lambda a, b: a - b),
    "mul": _two("a * b", lambda a, b: a * b),
    "truediv": _two("a / b", lambda a, b: a / b, right=nonzero_floats()),
    "pow (number exponent)": _pow_number(),
    "pow (Value exponent)": _two("a ** b", lambda a, b: a ** b,
                                 left=positive_floats(0.25, 3.0), right=floats(-2.0, 2.0)),
    "pow (constant Value)": _pow_constant_value(),
    "neg": _one("-x", lambda a: -a, lambda a: -a),
    "radd": _reflected("radd", lambda c: lambda a: c + a),
    "rsub": _reflected("rsub", lambda c: lambda a: c - a),
    "rmul": _reflected("rmul", lambda c: lambda a: c * a),
    "rtruediv": _reflected("rtruediv", lambda c: lambda a: c / a),
    "rpow": _rpow(),
    "exp": _one("exp", lambda a: a.exp(), lambda a: a.exp()),
    "log": _one("log", lambda a: a.log(), lambda a: a.log(), positive_floats()),
    "tanh": _one("tanh", lambda a: a.tanh(), lambda a: a.tanh()),
    "sigmoid": _one("sigmoid", lambda a: a.sigmoid(), lambda a: a.sigmoid()),
    "relu": _one("relu", lambda a: a.relu(), lambda a: a.relu(), NO_KINK),
    "leaky_relu": _leaky_relu(),
    "abs": _one("abs", lambda a: abs(a), lambda a: a.abs(), NO_KINK),
    "sqrt": _one("sqrt", lambda a: a.sqrt(), lambda a: a.sqrt(), positive_floats()),
    "sin": _one("sin", lambda a: a.sin(), lambda a: a.sin()),
    "cos": _one("cos", lambda a: a.cos(), lambda a: a.cos()),
    "micrograd expression": _two("(a * b + a ** 2).tanh() * exp(relu(b))",
                                 lambda a, b: (a * b + a ** 2).tanh() * b.relu().exp(),
                                 right=NO_KINK),
}


@pytest.mark.parametrize("name", sorted(VALUE_OPS))
@given(data=st.data())
def test_value_gradient_matches_finite_differences(name, data):
    case = data.draw(VALUE_OPS[name], label=name)
    out = case.fn(*case.inputs)
    assert isinstance(out, Value) and isinstance(out.data, float)
    assert_grad_matches_numeric(case.fn, *case.inputs)


@pytest.mark.parametrize("name", sorted(VALUE_OPS))
@given(data=st.data())
def test_value_gradient_matches_torch(name, data):
    case = data.draw(VALUE_OPS[name], label=name)
    assert_grad_matches_torch(case.fn, case.torch_fn, *case.inputs)


@pytest.mark.parametrize("name", sorted(VALUE_OPS))
@settings(max_examples=20)
@given(data=st.data())
def test_value_second_derivative_matches_finite_differences(name, data):
    case = data.draw(VALUE_OPS[name], label=name)

    def squared(*vs):
        y = case.fn(*vs)
        return y * y

    assert_hessian_matches_numeric(squared, *case.inputs)


# ---------------------------------------------------------------- domains

@pytest.mark.parametrize("make, error, words", [
    (lambda: Value(-1.0).log(), DomainError, "log: got -1.0"),
    (lambda: Value(0.0).log(), DomainError, "log: got 0.0"),
    (lambda: Value(-4.0).sqrt(), DomainError, "sqrt: got -4.0"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, "0 to a negative power"),
    (lambda: Value(0.0) ** -0.5, ZeroDivisionError, "0 to a negative power"),
    (lambda: Value(0.0) ** Value(-2.0), ZeroDivisionError, "0 to a negative power"),
    (lambda: 0.0 ** Value(-1.0), ZeroDivisionError, "0 to a negative power"),
    (lambda: Value(-8.0) ** (1 / 3), DomainError, "fractional exponent"),
    (lambda: (-2.0) ** Value(0.5), DomainError, "fractional exponent"),
    (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, "division by zero"),
    (lambda: Value(1.0) / 0, ZeroDivisionError, "division by zero"),
    (lambda: 1 / Value(0.0), ZeroDivisionError, "division by zero"),
    (lambda: Value(1000.0).exp(), OverflowError, "overflows"),
])
def test_domain_errors_are_clear(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.parametrize("make", [
    lambda x: x.sqrt(),
    lambda x: x ** 0.5,
])
def test_infinite_derivative_at_zero_is_a_clear_error(make):
    x = Value(0.0)
    y = make(x)
    assert y.data == 0.0
    with pytest.raises(ArithmeticError, match="not a finite real number"):
        y.backward()


SCALAR_GRID = grid(0.5, bound=4.0)
DOMAIN_OPS = {
    "log": lambda a, b: a.log(),
    "sqrt": lambda a, b: a.sqrt(),
    "div": lambda a, b: a / b,
    "rtruediv": lambda a, b: 1.0 / b,
    "pow": lambda a, b: a ** b,
    "powc": lambda a, b: a ** -1.5,
    "rpowc": lambda a, b: (a.data - 2.0) ** b,
}


@pytest.mark.parametrize("name", sorted(DOMAIN_OPS))
@given(a=SCALAR_GRID, b=SCALAR_GRID)
def test_domain_ops_never_return_a_silent_nan(name, a, b):
    x, y = Value(a), Value(b)
    try:
        out = DOMAIN_OPS[name](x, y)
    except (ArithmeticError, ValueError) as exc:
        assert str(exc), "the error must say what was wrong"
        return
    assert math.isfinite(out.data), f"{name}({a}, {b}) gave {out.data} without an error"
    try:
        out.backward()
    except (ArithmeticError, ValueError) as exc:
        assert "backward of" in str(exc)
        return
    for v in (x, y):
        assert math.isfinite(v.grad), f"{name}({a}, {b}) gave the gradient {v.grad}"


# ---------------------------------------------------------------- comparisons

@given(a=floats(), b=floats())
def test_comparisons_return_bool(a, b):
    x, y = Value(a), Value(b)
    for got, want in [(x < y, a < b), (x <= y, a <= b), (x > y, a > b), (x >= y, a >= b),
                      (x < b, a < b), (x >= b, a >= b), (a < y, a < b), (a >= y, a >= b)]:
        assert type(got) is bool and got == want
    assert (x == x) is True and (x == Value(a)) is False   # identity, so Values key dicts
    assert type(x != y) is bool
    assert len({x, y, x}) == 2
