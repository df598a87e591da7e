"""Deliberately wrong VJPs that the testing kit must catch, one or more per kind of mistake.

Each mutant replaces one rule's VJP with a mistake students make: wrong
only in float32, wrong only on a kink or a tie, a gradient of the wrong shape
(a lost ``keepdims``, a ``g.T``), an incoming gradient ignored only on
Values, a backward that is right but not differentiable. Three tools must
each catch it: ``check_op`` (drawing shapes, values and parameters),
``assert_grad_matches_numeric`` or ``gradcheck`` (on inputs that show the
mistake), and ``find_bad_gradient``, which must name the mutated rule and
must not crash.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st

from autograd import Function, Tensor, Value, gradcheck
from autograd import backend as B
from autograd.node import Node
from autograd.ops import RULES, _keep
from autograd.testing import (SUBGRADIENTS, assert_grad_matches_numeric,
                              assert_hessian_matches_numeric, axes, check_op,
                              find_bad_gradient, kink_floats, tie_arrays)
from autograd.testing.cases import case_for  # noqa: F401 - the built-in cases are loaded

RNG = np.random.default_rng(7)
MATRIX = RNG.standard_normal((3, 4))
SQUARE = RNG.standard_normal((3, 3))


def _f32(ans: Any) -> bool:
    return getattr(ans, "dtype", None) == np.float32


def _with(name: str, **params: Any) -> Callable[..., Any]:
    documented = SUBGRADIENTS[name]
    return lambda g, ans, *xs: documented(g, ans, *xs, **params)


@dataclass
class Mutant:
    """A wrong VJP for one rule, and how each tool is pointed at it."""

    kind: str
    rule: str
    vjp: Callable[..., Any]
    check: dict[str, Any]                       # check_op's arguments
    numeric: Callable[[], Any]                  # a gradcheck call that must fail
    graph: Callable[[], Node]                   # a loss whose graph holds the rule
    localise: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"{self.rule}: {self.kind}"


def _tensor(data: Any, dtype: Any = np.float64) -> Tensor:
    return Tensor(np.array(data, dtype=dtype), requires_grad=True)


AXIS = {"axis": lambda x: axes(x.shape), "keepdims": st.booleans()}

MUTANTS = [
    # -------- 1. wrong in float32 only
    Mutant("1% off in float32 only", "tanh",
           lambda g, ans, x: (g * (1 - ans * ans) * (1.01 if _f32(ans) else 1.0),),
           dict(fn=lambda x: x.tanh(), reference=np.tanh),
           lambda: assert_grad_matches_numeric(lambda t: t.tanh(), MATRIX, float32=True),
           lambda: (_tensor(MATRIX, np.float32).tanh() * 2.0).sum()),
    Mutant("50% off in float32 only", "exp",
           lambda g, ans, x: (g * ans * (1.5 if _f32(ans) else 1.0),),
           dict(fn=lambda x: x.exp(), reference=np.exp),
           lambda: gradcheck(lambda t: t.exp(), [MATRIX], float32=True, raise_exception=True),
           lambda: _tensor(MATRIX, np.float32).exp().mean()),
    # -------- 2. kinks and ties
    Mutant("relu'(0) = 1", "relu",
           lambda g, ans, x: (g * (x >= 0),),
           dict(fn=lambda x: x.relu(), reference=lambda x: np.maximum(x, 0),
                elements=kink_floats(), subgradient=SUBGRADIENTS["relu"]),
           lambda: assert_grad_matches_numeric(lambda t: t.relu(), np.array([-1.0, 0.0, 2.0]),
                                               subgradient=SUBGRADIENTS["relu"]),
           lambda: (_tensor([-1.0, 0.0, 2.0]).relu() * 3.0).sum()),
    Mutant("leaky_relu'(0) = 0", "leaky_relu",
           lambda g, ans, x, *, slope: (g * (x > 0) + (g * slope) * (x < 0),),
           dict(fn=lambda x: x.leaky_relu(0.5), reference=lambda x: np.where(x > 0, x, 0.5 * x),
                elements=kink_floats(), subgradient=_with("leaky_relu", slope=0.5)),
           lambda: assert_grad_matches_numeric(lambda t: t.leaky_relu(0.5), np.zeros(2),
                                               subgradient=_with("leaky_relu", slope=0.5)),
           lambda: _tensor([0.0, 1.0]).leaky_relu(0.5).sum()),
    Mutant("|x|'(0) = 1", "abs",
           lambda g, ans, x: (g * (B.sign(x) + (x == 0)),),
           dict(fn=lambda x: abs(x), reference=np.abs, elements=kink_floats(),
                subgradient=SUBGRADIENTS["abs"]),
           lambda: assert_grad_matches_numeric(lambda t: abs(t), np.array([0.0, -1.0]),
                                               subgradient=SUBGRADIENTS["abs"]),
           lambda: (abs(_tensor([0.0, -1.0])) * 2.0).sum()),
    Mutant("maximum ties give 1.5 and -0.5", "maximum",
           lambda g, ans, x, y: (g * ((x >= y) + (x == y) * 0.5),
                                 g * (1 - (x >= y) - (x == y) * 0.5)),
           dict(fn=lambda x, y: x.maximum(y), reference=np.maximum,
                inputs=st.tuples(tie_arrays((2, 2)), tie_arrays((2,))),
                subgradient=SUBGRADIENTS["maximum"]),
           lambda: assert_grad_matches_numeric(lambda a, b: a.maximum(b), np.zeros(2), np.zeros(2),
                                               subgradient=SUBGRADIENTS["maximum"]),
           lambda: _tensor([1.0, 0.0]).maximum(_tensor([0.0, 0.0])).sum()),
    Mutant("max ties not split", "max",
           lambda g, ans, x, *, axis, keepdims: (
               _keep(g, x, axis, keepdims) * (x == _keep(ans, x, axis, keepdims)),),
           dict(fn=lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims),
                reference=lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims),
                inputs=st.tuples(tie_arrays(st.sampled_from([(2, 3), (4,)]))), params=AXIS,
                subgradient=SUBGRADIENTS["max"]),
           lambda: assert_grad_matches_numeric(
               lambda t: t.max(axis=1), np.array([[1.0, 1.0, 0.0]]),
               subgradient=_with("max", axis=1, keepdims=False)),
           lambda: _tensor([[1.0, 1.0, 0.0], [2.0, 0.0, 2.0]]).max(axis=1).sum()),
    Mutant("clip passes no gradient at its bounds", "clip",
           lambda g, ans, x, *, lo, hi: (B.where((x > lo) * (x < hi), g, 0.0),),
           dict(fn=lambda x: x.clip(-0.5, 0.5), reference=lambda x: np.clip(x, -0.5, 0.5),
                elements=kink_floats((-0.5, 0.5)), subgradient=_with("clip", lo=-0.5, hi=0.5)),
           lambda: assert_grad_matches_numeric(lambda t: t.clip(-0.5, 0.5), np.array([0.5, 0.0]),
                                               subgradient=_with("clip", lo=-0.5, hi=0.5)),
           lambda: _tensor([0.5, 0.0, -0.5]).clip(-0.5, 0.5).sum()),
    # -------- 3. wrong-shaped gradients (a lost keepdims)
    Mutant("sum forgets keepdims", "sum",
           lambda g, ans, x, *, axis, keepdims: (B.broadcast_to(g, x.shape),),
           dict(fn=lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
                reference=lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
                params=AXIS),
           lambda: assert_grad_matches_numeric(lambda t: t.sum(axis=1), SQUARE),
           lambda: (_tensor(MATRIX).sum(axis=1) ** 2).sum()),
    Mutant("softmax forgets keepdims", "softmax",
           lambda g, ans, x, *, axis: (ans * (g - (g * ans).sum(axis=axis)),),
           dict(fn=lambda x, axis: x.softmax(axis=axis), params={
               "axis": lambda x: st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1)},
                inputs=st.tuples(tie_arrays(st.sampled_from([(2, 3), (3, 2, 2)]),
                                            levels=(0.0, 0.5, 1.0, 2.0)))),
           lambda: assert_grad_matches_numeric(lambda t: t.softmax(axis=-1), MATRIX),
           lambda: (_tensor(MATRIX).softmax(axis=-1) * MATRIX).sum()),
    Mutant("logsumexp forgets keepdims", "logsumexp",
           lambda g, ans, x, *, axis, keepdims: (g * B.exp(x - ans),),
           dict(fn=lambda x, axis, keepdims: x.logsumexp(axis=axis, keepdims=keepdims),
                reference=lambda x, axis, keepdims: np.log(np.exp(x).sum(axis=axis,
                                                                          keepdims=keepdims)),
                params=AXIS),
           lambda: assert_grad_matches_numeric(lambda t: t.logsumexp(axis=1), SQUARE),
           lambda: (_tensor(MATRIX).logsumexp(axis=1) * 2.0).sum()),
    Mutant("mul returns g.T (the same size)", "mul",
           lambda g, ans, x, y: ((g * y).T, g * x),
           dict(fn=lambda x, y: x * y, reference=np.multiply, broadcast=False),
           lambda: assert_grad_matches_numeric(lambda a, b: a * b, MATRIX, MATRIX),
           lambda: (_tensor(SQUARE) * _tensor(SQUARE.T)).sum()),
    # -------- 4. ignores the incoming gradient, on Values only
    Mutant("forgets g for Values", "sin",
           lambda g, ans, x: ((B.cos(x) if type(g) is float else g * B.cos(x)),),
           dict(fn=lambda x: x.sin(), reference=np.sin),
           lambda: assert_grad_matches_numeric(lambda v: v.sin() * 3.0, Value(0.5)),
           lambda: Value(0.5).sin()),
    # -------- 5. right on arrays, not differentiable: second order only
    Mutant("backward leaves the graph", "cos",
           lambda g, ans, x: (-g * np.sin(np.asarray(x)),),
           dict(fn=lambda x: x.cos(), reference=np.cos),
           lambda: assert_hessian_matches_numeric(lambda t: t.cos().sum(), MATRIX),
           lambda: _tensor(MATRIX).cos().sum(), {"order": 2}),
    # -------- 6. a parameter: off-by-one exponent, only where p is drawn
    Mutant("off-by-one exponent", "powc",
           lambda g, ans, x, *, p: (g * (p * B.power(x, p)),) if p == 3 else
           (g * (p * B.power(x, p - 1)),),
           dict(fn=lambda x, p: x ** p, reference=lambda x, p: x ** p,
                params={"p": st.sampled_from([2, 3, 0.5])},
                elements=st.floats(0.25, 2.0)),
           lambda: assert_grad_matches_numeric(lambda t: t ** 3, MATRIX),
           lambda: (_tensor(MATRIX) ** 3).sum()),
]


def _caught(mutant: Mutant, exc: BaseException) -> bool:
    """An assertion of the kit, or an error of the engine that names the mutated rule."""
    if isinstance(exc, BaseExceptionGroup):   # hypothesis found several distinct failures
        return all(_caught(mutant, e) for e in exc.exceptions)
    return isinstance(exc, AssertionError) or f"'{mutant.rule}'" in str(exc)


@pytest.fixture(autouse=True)
def _no_shrinking():
    # Whether each mistake is caught is the question here; shrinking every failure to its
    # smallest example would take most of the time and prove nothing more.
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    settings.register_profile("kit-mutants", settings.get_profile(profile),
                              phases=[Phase.explicit, Phase.reuse, Phase.generate])
    settings.load_profile("kit-mutants")
    yield
    settings.load_profile(profile)


@pytest.fixture
def mutated(request, monkeypatch):
    mutant = request.param
    monkeypatch.setattr(RULES[mutant.rule], "vjp", mutant.vjp)
    return mutant


@pytest.mark.parametrize("mutated", MUTANTS, ids=repr, indirect=True)
def test_check_op_catches_the_mutant(mutated):
    # A lost keepdims shows in a few percent of draws (keepdims=False, an axis past the
    # first): with random seeds, 100 examples missed it in 7 runs of 80 (sum and
    # logsumexp), 300 in none. A caught mutant stops at its first failing example.
    with pytest.raises(Exception) as info:
        check_op(**mutated.check, max_examples=300)
    assert _caught(mutated, info.value), f"check_op failed for another reason: {info.value!r}"


@pytest.mark.parametrize("mutated", MUTANTS, ids=repr, indirect=True)
def test_gradcheck_catches_the_mutant(mutated):
    with pytest.raises(Exception) as info:
        mutated.numeric()
    assert _caught(mutated, info.value), f"the check failed for another reason: {info.value!r}"


@pytest.mark.parametrize("mutated", MUTANTS, ids=repr, indirect=True)
def test_find_bad_gradient_names_the_mutated_rule(mutated):
    bad = find_bad_gradient(mutated.graph(), **mutated.localise)
    assert bad is not None, "no node was blamed"
    assert bad.op == mutated.rule, f"blamed {bad.op!r}: {bad}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=repr)
def test_the_unmutated_rules_pass_the_same_checks(mutant):
    # The same probes on the real VJPs: each catch above is the mutant's doing.
    check_op(**mutant.check, max_examples=10)
    try:
        mutant.numeric()
    except AssertionError:
        pytest.fail(f"the gradient check fails on the correct rule {mutant.rule!r}")
    assert find_bad_gradient(mutant.graph(), **mutant.localise) is None


class ForwardDifference(Function):
    """softplus with a backward by forward difference: fine in float64, ~10% off in float32."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (1 + x.exp()).log()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        h = 1e-6
        return g * (((1 + (x + h).exp()).log() - (1 + x.exp()).log()) / h)


def test_a_backward_by_forward_difference_is_caught_in_float32():
    x = np.linspace(-2.0, 2.0, 5)
    assert_grad_matches_numeric(ForwardDifference.apply, x)         # float64 alone: passes
    with pytest.raises(AssertionError, match="float32"):
        assert_grad_matches_numeric(ForwardDifference.apply, x, float32=True)
    with pytest.raises(AssertionError, match="float32"):
        check_op(ForwardDifference.apply, lambda a: np.logaddexp(0.0, a), order=1,
                 max_examples=20)
    bad = find_bad_gradient(ForwardDifference.apply(_tensor(x, np.float32)).sum())
    assert (bad.op, bad.kind) == ("ForwardDifference", "float32")
