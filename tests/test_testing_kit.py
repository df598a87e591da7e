"""The property-testing kit itself: strategies, assertions, check_op, fault finding."""
from __future__ import annotations

import doctest
import importlib
import pkgutil
import sys

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import autograd.testing
from autograd import Function, Tensor, Value, gradcheck
from autograd.engine import GraphReleasedError
from autograd.node import apply
from autograd.ops import RULES, primitive, tanh_vjp
from autograd.tensor import normalize_axis
from autograd.gradcheck import compare_float32
from autograd.testing import (SUBGRADIENTS, assert_grad_matches_numeric,
                              assert_grad_matches_torch, assert_hessian_matches_numeric, axes,
                              broadcastable_shapes, case_for, check_op, find_bad_gradient,
                              floats, indices, kink_floats, matmul_shapes, missing_cases,
                              nonzero_tensors, positive_floats, positive_tensors, shapes,
                              tensors, tie_arrays, values, well_conditioned)
from custom_ops import Cube, Square

# ---------------------------------------------------------------- functions under test


class ForgotTheTwo(Square):
    """The classic slip: d(x^2)/dx written as x."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x


class SumsTheGradient(Square):
    """Wrong only when there are two or more elements: g is summed across them."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return (g * 2 * x).sum() + x * 0


class Detached(Square):
    """Right first derivative, but computed from raw data: no second derivative."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * type(x)(2 * x.data)


# ---------------------------------------------------------------- strategies

@given(s=shapes(min_dims=1, max_dims=2, max_side=4))
def test_shapes_respect_their_bounds(s):
    assert 1 <= len(s) <= 2 and all(1 <= n <= 4 for n in s)


@given(ss=broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(ss):
    assert len(ss) == 3
    np.broadcast_shapes(*ss)


@given(pair=matmul_shapes())
def test_matmul_shapes_multiply(pair):
    np.matmul(np.ones(pair[0]), np.ones(pair[1]))


@given(data=st.data())
def test_axes_are_valid_for_their_shape(data):
    shape = data.draw(shapes())
    axis = data.draw(axes(shape))
    normalize_axis(axis, len(shape), "test")
    np.sum(np.ones(shape), axis=axis)
    if isinstance(axis, tuple):
        assert axis and len({a % len(shape) for a in axis}) == len(axis)


@given(data=st.data())
def test_indices_are_accepted_by_numpy(data):
    shape = data.draw(shapes())
    np.ones(shape)[data.draw(indices(shape))]


@given(t=tensors(dtype=np.float32), p=positive_tensors(), n=nonzero_tensors(), v=values())
def test_tensor_and_value_strategies(t, p, n, v):
    assert t.dtype == np.float32 and t.requires_grad
    assert p.dtype == np.float64 and (p.data >= 0.1).all()
    assert (np.abs(n.data) >= 0.25).all()
    assert isinstance(v, Value) and -3 <= v.data <= 3


@given(x=floats(avoid=(0.0, 1.0), margin=0.1), y=well_conditioned("log"))
def test_element_strategies_keep_away_from_kinks_and_domains(x, y):
    assert abs(x) >= 0.1 and abs(x - 1.0) >= 0.1
    assert y > 0


@pytest.mark.parametrize("kink,margin", [(1.0, 0.1), (-1.0, 0.3), (2.0, 1e-3), (0.5, 0.2)])
def test_floats_keep_the_margin_at_their_interval_ends(kink, margin):
    # The ends are drawn first; kink - margin rounds to a float nearer than margin.
    from hypothesis.errors import NoSuchExample

    with pytest.raises(NoSuchExample):
        find(floats(avoid=(kink,), margin=margin), lambda x: abs(x - kink) < margin,
             settings=settings(max_examples=500, database=None))


def test_strategies_shrink_to_small_readable_examples():
    assert find(shapes(), lambda s: len(s) >= 2) == (1, 1)
    t = find(tensors(), lambda t: t.size >= 3)
    assert t.shape == (3,) and (t.data == 0).all()
    assert find(broadcastable_shapes(2), lambda ss: ss[0] != ss[1]) in {((1,), ()), ((), (1,))}
    assert find(values(), lambda v: v.data >= 1).data == 1.0
    assert find(positive_floats(), lambda x: True) == 1.0


# ---------------------------------------------------------------- assertions

def test_numeric_assertion_passes_and_names_input_element_and_numbers():
    assert_grad_matches_numeric(lambda x, y: (x * y.exp()).sum(), Tensor([1.0, 2.0]),
                                Tensor([[0.5], [-1.0]]))
    assert_grad_matches_numeric(Square.apply, Value(3.0))
    with pytest.raises(AssertionError) as err:
        assert_grad_matches_numeric(lambda x: ForgotTheTwo.apply(x).sum(),
                                    Tensor([1.0, 2.0, 3.0]))
    text = str(err.value)
    assert "input 0[2]: autograd 3 vs numeric 6" in text
    assert "input 0: Tensor of shape (3,)" in text


def test_numeric_assertion_explains_the_projection_of_non_scalar_outputs():
    with pytest.raises(AssertionError, match=r"sum\(w \* output\) for fixed random weights"):
        assert_grad_matches_numeric(ForgotTheTwo.apply, Tensor([1.0, 2.0]))


def test_gradcheck_and_the_kit_share_one_mechanism(monkeypatch):
    gc = sys.modules["autograd.gradcheck"]   # the package's name is the function
    calls = []
    real = gc.numeric_gradient

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(gc, "numeric_gradient", counting)
    assert gradcheck(lambda x: x.tanh().sum(), [Tensor([0.5])])
    assert_grad_matches_numeric(lambda x: x.tanh().sum(), Tensor([0.5]))
    assert len(calls) == 2


def test_torch_assertion_compares_values_and_gradients():
    assert_grad_matches_torch(lambda x, y: (x @ y).tanh(), lambda x, y: (x @ y).tanh(),
                              np.ones((2, 3)), np.arange(3.0))
    assert_grad_matches_torch(lambda a: a.sigmoid(), lambda a: a.sigmoid(), Value(0.3))
    with pytest.raises(AssertionError, match="outputs differ from PyTorch's: output 0"):
        assert_grad_matches_torch(lambda x: x * 2, lambda x: x * 3, np.ones(2))
    with pytest.raises(AssertionError, match="output shape"):
        assert_grad_matches_torch(lambda x: x.sum(), lambda x: x, np.ones(2))
    with pytest.raises(AssertionError, match=r"input 0\[1\]: chainrule .* vs torch"):
        assert_grad_matches_torch(lambda x: ForgotTheTwo.apply(x).sum(),
                                  lambda x: (x * x).sum(), np.array([1.0, 2.0]))


def test_torch_assertion_skips_with_a_message_when_torch_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(pytest.skip.Exception, match="PyTorch is not installed"):
        assert_grad_matches_torch(lambda x: x, lambda x: x, np.ones(2))


def test_hessian_assertion_checks_second_derivatives():
    fn = lambda x, y: (x.sin() * y * y).sum() + (x * x).sum() * y.sum()  # noqa: E731
    assert_hessian_matches_numeric(fn, Tensor([0.5, -1.0]), Tensor([2.0, 0.3]))
    assert_hessian_matches_numeric(fn, Tensor([0.5, -1.0]), Tensor([2.0, 0.3]), full=True)
    assert_hessian_matches_numeric(lambda a, b: (a * b).exp() / b, Value(0.4), Value(1.5),
                                   full=True)
    x = Tensor([1.0, 2.0])
    # The detached backward passes a first-order check and fails the second-order one.
    assert_grad_matches_numeric(lambda t: Detached.apply(t).sum(), x)
    with pytest.raises(AssertionError, match="second derivatives .* Hessian times"):
        assert_hessian_matches_numeric(lambda t: Detached.apply(t).sum(), x)
    with pytest.raises(TypeError, match="scalar fn"):
        assert_hessian_matches_numeric(lambda t: t * t, x)


# ---------------------------------------------------------------- check_op

def test_check_op_passes_a_correct_op():
    check_op(lambda x, y: (x * y).exp() / (1.0 + y * y),
             lambda x, y: np.exp(x * y) / (1 + y * y), max_examples=15)
    check_op(lambda x, y: x / y, np.divide, elements=[None, well_conditioned("div")],
             torch_fn=lambda x, y: x / y, max_examples=10)
    check_op(lambda x: x.sum(axis=0), lambda x: x.sum(axis=0),
             inputs=shapes(1, 2).flatmap(lambda s: st.tuples(st.just(np.ones(s)))),
             max_examples=5)


def test_check_op_catches_a_wrong_forward():
    with pytest.raises(AssertionError, match="outputs differ from the reference"):
        check_op(lambda x: x.tanh(), lambda x: np.tanh(x) + (x > 1), order=1)


def test_check_op_catches_a_wrong_backward_and_a_missing_second_derivative():
    with pytest.raises(AssertionError, match="does not match central differences"):
        check_op(ForgotTheTwo.apply, lambda x: x * x, order=1)
    with pytest.raises(AssertionError, match="second derivatives"):
        check_op(Detached.apply, lambda x: x * x)


# ---------------------------------------------------------------- a wrong backward shrinks

def _minimal_failure(fn, strategy):
    """Run a failing property; return the example hypothesis reports and the error text."""
    seen = []

    @settings(database=None, max_examples=200)
    @given(strategy)
    def prop(x):
        seen.append(x)
        assert_grad_matches_numeric(lambda t: fn(t).sum(), x)

    with pytest.raises(AssertionError) as err:
        prop()
    return seen[-1], str(err.value)   # hypothesis replays the shrunk example last


def test_a_wrong_custom_backward_is_caught_and_shrinks_to_a_small_example():
    x, text = _minimal_failure(ForgotTheTwo.apply, tensors())
    assert x.size == 1 and x.ndim <= 1
    assert "input 0" in text and "autograd" in text and "numeric" in text
    x, text = _minimal_failure(SumsTheGradient.apply, tensors())
    # This bug needs two elements, and that is all the shrunk example has.
    assert x.shape == (2,)
    assert "input 0[" in text


# ---------------------------------------------------------------- fault localisation

def test_find_bad_gradient_passes_a_correct_graph():
    x = Tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]]), requires_grad=True)
    w = Tensor(np.ones((3, 2)) * 0.5, requires_grad=True)
    c = np.array([0.0, 1.0])
    loss = ((x @ w).tanh() * c + x[:, :2].exp()).mean(axis=0).sum() + Square.apply(x).max()
    assert find_bad_gradient(loss) is None
    v = Value(0.7)
    assert find_bad_gradient((v * v).sin() / (v + 2.0)) is None


def test_find_bad_gradient_names_the_wrong_node_not_just_the_input():
    x = Tensor([0.5, 1.0, -2.0], requires_grad=True)
    loss = (ForgotTheTwo.apply(x.exp()) * 0.3).tanh().sum()
    # End to end, all a gradient check can say is that input 0 is off...
    with pytest.raises(AssertionError, match=r"input 0\["):
        assert_grad_matches_numeric(lambda t: (ForgotTheTwo.apply(t.exp()) * 0.3).tanh().sum(),
                                    x)
    # ...while the graph walk names the node whose backward is wrong.
    bad = find_bad_gradient(loss)
    assert (bad.op, bad.input, bad.step, bad.steps) == ("ForgotTheTwo", 0, 4, 5)
    assert bad.numeric == pytest.approx(2 * bad.analytic, rel=1e-4)
    assert "backward of 'ForgotTheTwo' is wrong" in str(bad)
    assert bad.node.parents[0].op == "exp"


def test_find_bad_gradient_localises_a_broken_rule_and_its_input(monkeypatch):
    def wrong_mul(g, ans, x, y):
        return g * y, g * y          # d(xy)/dy should be x

    monkeypatch.setattr(RULES["mul"], "vjp", wrong_mul)
    a = Value(2.0)
    b = Value(-3.0)
    bad = find_bad_gradient((a * b).tanh())
    # Both numbers carry the random incoming gradient: the VJP's y = -3 against the true x = 2.
    assert (bad.op, bad.input) == ("mul", 1)
    assert bad.analytic / bad.numeric == pytest.approx(-3.0 / 2.0)


def test_find_bad_gradient_checks_rules_with_partial_needs(monkeypatch):
    monkeypatch.setattr(RULES["tanh"], "vjp", lambda g, ans, x: (g * (1 - ans),))
    w = Tensor([[1.0, 2.0], [0.5, -1.0]], requires_grad=True)
    x = Tensor([[0.3, 0.2]])                  # data: no gradient wanted
    bad = find_bad_gradient((x @ w).tanh().sum())
    assert bad.op == "tanh"
    monkeypatch.setattr(RULES["tanh"], "vjp", tanh_vjp)
    assert find_bad_gradient((x @ w).tanh().sum()) is None


def test_find_bad_gradient_needs_the_graph_kept():
    x = Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    assert find_bad_gradient(loss) is None
    loss.backward()
    with pytest.raises(GraphReleasedError, match="retain_graph=True"):
        find_bad_gradient(loss)


def test_find_bad_gradient_leaves_what_a_node_saved_untouched():
    # cross_entropy's forward writes its softmax into the node's parameters for the VJP; the
    # checks rerun that forward (in float64, on shifted inputs) and must write into a copy.
    import nn.functional as F

    def build():
        x = Tensor(np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]], dtype=np.float32),
                   requires_grad=True)
        return x, F.cross_entropy(x * 1.5, np.array([0, 2]))

    x, loss = build()
    node = next(n for n in autograd.toposort([loss]) if n.op == "cross_entropy")
    saved = node.params["saved"]
    softmax = saved["softmax"].copy()
    assert find_bad_gradient(loss, order=2) is None
    assert saved["softmax"].dtype == np.float32
    np.testing.assert_array_equal(saved["softmax"], softmax)
    loss.backward(retain_graph=True)
    twin_x, twin = build()
    twin.backward()
    # The same operations on the same float32 data in one process: the same bits.
    np.testing.assert_array_equal(x.grad, twin_x.grad)


# ---------------------------------------------------------------- the op registry

def test_a_new_rule_without_a_case_is_reported(monkeypatch):
    @primitive("cube_for_registry_test")
    def cube(x):
        """x ** 3.  d/dx = 3 x^2."""
        return x * x * x

    @cube.defvjp
    def cube_vjp(g, ans, x):
        return (g * 3 * x * x,)

    try:
        assert "cube_for_registry_test" in missing_cases()
        with pytest.raises(KeyError, match="rule_case"):
            case_for("cube_for_registry_test")

        @autograd.testing.rule_case("cube_for_registry_test")
        def _case(draw):
            x = draw(autograd.testing.arrays(shapes()))
            return autograd.testing.Case(lambda t: apply(cube, (t,)), (x,), lambda t: t ** 3,
                                         "cube(x)")

        assert "cube_for_registry_test" not in missing_cases()
        case = find(case_for("cube_for_registry_test"), lambda c: c.inputs[0].size >= 2)
        assert case.rules_used() == {"cube_for_registry_test"}
        assert_grad_matches_numeric(case.fn, *case.inputs)
    finally:
        RULES.pop("cube_for_registry_test", None)
        autograd.testing.RULE_CASES.pop("cube_for_registry_test", None)


# ---------------------------------------------------------------- documentation

@pytest.mark.parametrize("name", sorted(
    info.name for info in pkgutil.iter_modules(autograd.testing.__path__, "autograd.testing.")))
def test_docstring_examples_of_the_kit(name):
    module = importlib.import_module(name)
    with np.printoptions(legacy=False):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS |
                                 doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


# ---------------------------------------------------------------- any memory layout

def test_numeric_gradients_of_transposed_and_fortran_inputs():
    # Perturbing a reshape(-1) copy of such an input moved nothing: numeric gradients were 0.
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3) / 4)
    assert gradcheck(lambda a: (a.exp() * a).sum(), [fortran])
    assert gradcheck(lambda a: (a.exp() * a).sum(), [Tensor(fortran.T.copy()).T])
    assert_grad_matches_numeric(lambda a: a.tanh(), Tensor(np.ones((2, 3))).T)


def test_find_bad_gradient_trusts_a_correct_layer_with_a_transposed_weight():
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal(2), requires_grad=True)
    assert find_bad_gradient((x @ w.T + b).tanh().sum()) is None
    assert find_bad_gradient((x @ w.T + b).tanh().sum(), order=2) is None


# ---------------------------------------------------------------- what the localiser reports

def test_find_bad_gradient_names_a_rule_whose_backward_raises(monkeypatch):
    # A lost keepdims: the gradient cannot be summed back; the culprit is named, not a crash.
    monkeypatch.setattr(RULES["softmax"], "vjp",
                        lambda g, ans, x, *, axis: (ans * (g - (g * ans).sum(axis=axis)),))
    x = Tensor(np.arange(12.0).reshape(3, 4) / 10, requires_grad=True)
    bad = find_bad_gradient((x.softmax(axis=-1) * x).sum())
    assert (bad.op, bad.kind) == ("softmax", "error")
    assert "softmax" in bad.error and "(3, 4)" in bad.error and "it raised" in str(bad)


def test_find_bad_gradient_judges_kinks_by_the_documented_choice_only():
    # relu at 0 and a tie of maximum: finite differences are meaningless there, so the
    # correct rules are not blamed; the documented choices are the reference.
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    y = Tensor([0.0, 0.0, 1.0], requires_grad=True)
    assert find_bad_gradient((x.relu().maximum(y) * 3.0).sum()) is None

    class MyRelu(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.relu()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (x >= 0)          # relu'(0) = 1: a choice, but not a documented one

    # A user's Function has no documented choice: on a kink it is not judged, elsewhere it is.
    assert find_bad_gradient((MyRelu.apply(x) * 3.0).sum()) is None


# ---------------------------------------------------------------- float32, kinks, params, Values

def test_float32_check_passes_correct_ops_far_into_saturation():
    logits = np.array([[1e4, 1e4 + 1.0, 1e4 - 2.0], [0.0, -30.0, 30.0]])
    assert compare_float32(lambda t: t.exp(), [np.array([-30.0, 0.5, 30.0, 80.0])]).ok
    for fn in (lambda t: t.softmax(axis=-1), lambda t: t.log_softmax(axis=1),
               lambda t: t.logsumexp(axis=1), lambda t: t.tanh(), lambda t: t.sigmoid()):
        report = compare_float32(fn, [logits])
        assert report.ok, report.text
    from nn.functional import cross_entropy
    report = compare_float32(lambda t: cross_entropy(t, np.array([1, 2])), [logits])
    assert report.ok, report.text


def test_float32_check_catches_a_one_percent_error():
    class OnePercentOff(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x.exp() * (1.01 if x.dtype == np.float32 else 1.0)

    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    assert_grad_matches_numeric(OnePercentOff.apply, x)      # float64 sees nothing
    with pytest.raises(AssertionError, match=r"float32 .* vs float64"):
        assert_grad_matches_numeric(OnePercentOff.apply, x, float32=True)
    assert not compare_float32(OnePercentOff.apply, [x]).ok


def test_kink_strategies_land_on_kinks_and_ties():
    assert find(kink_floats((0.0, 1.5)), lambda v: v == 1.5) == 1.5
    t = find(tie_arrays((2, 3)), lambda a: (a == a.max(axis=1, keepdims=True)).sum() > 2)
    assert (t == t.max(axis=1, keepdims=True)).sum(axis=1).max() >= 2


def test_a_kink_mismatch_says_finite_differences_mean_nothing_there(monkeypatch):
    monkeypatch.setattr(RULES["relu"], "vjp", lambda g, ans, x: (g * (x >= 0),))
    with pytest.raises(AssertionError) as err:
        assert_grad_matches_numeric(lambda t: t.relu(), np.array([0.0, 1.0]),
                                    subgradient=SUBGRADIENTS["relu"])
    assert "documented subgradient" in str(err.value)
    assert "finite differences are meaningless" in str(err.value)
    # Without the documented value, the failure says where the differences cannot judge.
    with pytest.raises(AssertionError, match="sits on a kink or a tie"):
        assert_grad_matches_numeric(lambda t: t.relu(), np.array([0.0, 1.0]))


def test_check_op_draws_parameters_and_passes_a_correct_reduction():
    seen = set()

    def mean(x, axis, keepdims):
        seen.add((x.ndim, axis if not isinstance(axis, tuple) else "tuple", keepdims))
        return x.mean(axis=axis, keepdims=keepdims)

    check_op(mean, lambda x, axis, keepdims: x.mean(axis=axis, keepdims=keepdims),
             params={"axis": lambda x: axes(x.shape), "keepdims": st.booleans()},
             max_examples=120)  # enough that every kind below is drawn under any seed
    assert {k for _, _, k in seen} == {True, False}
    assert any(a == "tuple" for _, a, _ in seen) and any(a is None for _, a, _ in seen)
    assert any(isinstance(a, int) and a < 0 for _, a, _ in seen)


def test_check_op_runs_scalar_examples_on_values():
    calls = []

    def cube(x):
        calls.append(type(x).__name__)
        return x * x * x

    check_op(cube, lambda x: x ** 3, max_examples=20)
    assert "Value" in calls and "Tensor" in calls
    # A Tensor-only function: Values are skipped unless asked for.
    check_op(lambda x: x.sum(axis=None), np.sum, max_examples=5)
    with pytest.raises(AttributeError):
        check_op(lambda x: x.sum(axis=None), np.sum, values=True, max_examples=5,
                 inputs=st.just((np.array(1.0),)))


# ---------------------------------------------------------------- the pytest entry point

def test_from_type_draws_tensors_and_values():
    t = find(st.from_type(Tensor), lambda t: True)
    assert isinstance(t, Tensor) and t.requires_grad and t.dtype == np.float64
    assert isinstance(find(st.from_type(Value), lambda v: True), Value)


STUDENT_TESTS = '''
import numpy as np
from hypothesis import given
from autograd import Function, Tensor


class Softplus(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (1 + x.exp()).log()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sigmoid() * FACTOR


def test_softplus(check_op):
    check_op(Softplus.apply, lambda x: np.logaddexp(0.0, x), max_examples=10)


@given(x=...)
def test_softplus_is_positive(x: Tensor):
    assert (Softplus.apply(x).data > 0).all()
'''


@pytest.mark.parametrize("factor, outcome", [("1.0", {"passed": 2}),
                                             ("0.9", {"passed": 1, "failed": 1})])
def test_a_students_three_line_test_needs_only_the_plugin(pytester, factor, outcome):
    pytester.makepyfile(test_student=STUDENT_TESTS.replace("FACTOR", factor))
    result = pytester.runpytest("-p", "autograd.pytest_plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(**outcome)


def test_check_op_leaves_kinks_to_the_documented_choices(monkeypatch):
    # Hypothesis draws 0.0 at once: a correct relu must pass there...
    check_op(lambda x: x.relu() * 2.0, lambda x: np.maximum(x, 0.0) * 2.0, max_examples=20)
    # ...and a relu'(0) = 1 is still caught there, by relu's documented subgradient.
    monkeypatch.setattr(RULES["relu"], "vjp", lambda g, ans, x: (g * (x >= 0),))
    with pytest.raises(AssertionError, match="documented subgradient"):
        check_op(lambda x: x.relu() * 2.0, lambda x: np.maximum(x, 0.0) * 2.0, max_examples=20)


def test_without_hypothesis_the_plugin_skips_and_says_why(pytester, monkeypatch):
    # chainrule does not require hypothesis; an installed plugin must not break other suites.
    monkeypatch.setitem(sys.modules, "autograd.testing", None)   # as if it could not import
    pytester.makepyfile(test_other="def test_op(check_op):\n    check_op(None)\n")
    result = pytester.runpytest("-p", "autograd.pytest_plugin", "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*testing kit: off*", "*needs hypothesis*"])


# ---------------------------------------------------------------- forward mode

class _Cube(Cube):
    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return t * 3 * x * x


class _CubeWithWrongJvp(_Cube):
    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return t * 2 * x * x     # a wrong factor, in forward mode only


def test_check_op_checks_forward_mode():
    check_op(_Cube.apply, lambda x: x ** 3, max_examples=15)
    with pytest.raises(AssertionError, match="forward-mode derivative|forward and reverse"):
        check_op(_CubeWithWrongJvp.apply, lambda x: x ** 3, max_examples=15)
    check_op(_CubeWithWrongJvp.apply, lambda x: x ** 3, max_examples=5, forward_mode=False)


def test_find_bad_gradient_names_a_wrong_jvp():
    x = Tensor([0.5, -1.5, 2.0], requires_grad=True)
    loss = (_CubeWithWrongJvp.apply(x.tanh()) * 2.0).sum()
    bad = find_bad_gradient(loss)
    assert bad is not None and bad.op == "_CubeWithWrongJvp" and bad.kind == "forward mode"
    assert "the JVP (forward mode) gives" in str(bad)
    assert find_bad_gradient((_Cube.apply(x.tanh()) * 2.0).sum()) is None
    assert find_bad_gradient(loss, forward_mode=False) is None
