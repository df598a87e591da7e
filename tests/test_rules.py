"""Every rule of the table, and the Tensor ops derived from them, through autograd.testing.

The tests are parametrised over ``autograd.ops.RULES`` itself (after the
packages that add rules are imported), so a new rule without an input
strategy in ``autograd.testing.RULE_CASES`` fails here the day it is added.
Each op is checked over drawn shapes, broadcasting, axes and keepdims:
gradient against central differences and against PyTorch (float64), second
derivative against differences of the gradient, dtypes (float32 in,
float32 out and float32 gradients), and the gradient computed in float32
against the float64 one. Elementwise cases also run on ``Value`` inputs, whose
data are floats with code paths of their own. Every documented subgradient
choice (kinks and ties) is checked on cases that land on it. Forward mode: every
rule has a JVP, which matches central differences along a tangent and the
rule's own VJP (<v, J t> = <J^T v, t>), and equals the JVP derived from the VJP
alone.
"""
from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Rule, Tensor, Value, toposort
from autograd import backend as B
from autograd.forward import ForwardLevel, jvp_by_double_vjp
from autograd.gradcheck import compare_float32, to_float64
from autograd.ops import RULES
from autograd.testing import (DERIVED_CASES, KINK_CASES, RULE_CASES, SUBGRADIENTS, Case,
                              assert_grad_matches_numeric, assert_grad_matches_torch,
                              assert_hessian_matches_numeric, assert_jvp_matches_numeric,
                              case_for, missing_cases, scalarize)
from numerics import close


def _import_rule_providers() -> None:
    """Packages beyond autograd that register rules of their own."""
    for name in ("nn", "nn.functional"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


_import_rule_providers()
RULE_NAMES = sorted(RULES)
OPS = RULE_NAMES + sorted(DERIVED_CASES)


def draw_case(data: st.DataObject, name: str) -> Case:
    try:
        strategy = case_for(name)
    except KeyError as exc:
        pytest.fail(str(exc))
    return data.draw(strategy, label=name)


def test_every_rule_has_an_input_strategy():
    missing = missing_cases()
    assert not missing, (
        f"rules without an input strategy: {missing}. Register one with "
        "@autograd.testing.rule_case(name) so the rule is property-tested")


def test_every_rule_case_names_a_rule():
    assert not sorted(set(RULE_CASES) - set(RULES)), "a case is registered for an unknown rule"


def test_rule_names_are_unique():
    # A second rule with a taken name silently replaces the first in RULES,
    # and that first rule is then never parametrised over.
    seen: dict[str, set[str]] = {}
    for mod_name, module in list(sys.modules.items()):
        if mod_name.split(".")[0] not in ("autograd", "nn", "optim"):
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, Rule) and RULES.get(obj.name) is not obj:
                seen.setdefault(obj.name, set()).add(mod_name)
    assert not seen, f"rules shadowed by another rule of the same name: {seen}"


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_gradient_matches_finite_differences(name, data):
    case = draw_case(data, name)
    if name in RULES:
        assert name in case.rules_used(), f"the case for {name!r} does not reach its rule"
    assert_grad_matches_numeric(case.fn, *case.inputs, eps=case.eps, atol=case.atol,
                                rtol=case.rtol)


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_value_and_gradient_match_torch(name, data):
    case = draw_case(data, name)
    assert_grad_matches_torch(case.fn, case.torch_fn, *case.inputs)


@pytest.mark.parametrize("name", OPS)
@settings(max_examples=15)
@given(data=st.data())
def test_second_derivative_matches_finite_differences(name, data):
    case = draw_case(data, name)
    if not case.second_order:
        return
    assert_hessian_matches_numeric(scalarize(case.fn), *case.inputs)


@pytest.mark.parametrize("name", OPS)
@settings(max_examples=15)
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64]))
def test_dtype_is_kept_in_forward_and_gradients(name, data, dtype):
    case = draw_case(data, name)
    ts = [Tensor(np.asarray(x, dtype=dtype), requires_grad=True) for x in case.inputs]
    out = case.fn(*ts)
    expected = dtype if case.out_dtype is None else case.out_dtype
    assert out.dtype == expected, f"{case.label}: {np.dtype(dtype)} inputs gave {out.dtype}"
    # The same inputs in float64 (already rounded to dtype): only rounding inside fn differs.
    exact = case.fn(*[Tensor(t.data.astype(np.float64)) for t in ts])
    np.testing.assert_allclose(out.data, exact.data, rtol=1e-4, atol=1e-5)
    out.sum().backward()
    for i, t in enumerate(ts):
        assert t.grad is not None, f"{case.label}: input {i} got no gradient"
        assert t.grad.dtype == dtype and t.grad.shape == t.shape, (
            f"{case.label}: input {i} ({t.dtype}, {t.shape}) got a gradient "
            f"{t.grad.dtype} {t.grad.shape}")


@pytest.mark.parametrize("name", OPS)
@settings(max_examples=15)
@given(data=st.data())
def test_float32_gradient_matches_float64(name, data):
    case = draw_case(data, name)
    if case.out_dtype is not None:
        return   # a cast to float32 is the same computation in either dtype
    report = compare_float32(case.fn, case.inputs)
    assert report.ok, f"{case.label}: {report.text}"


@pytest.mark.parametrize("name", sorted(n for n in OPS if n in RULE_CASES))
@settings(max_examples=15)
@given(data=st.data())
def test_value_inputs_take_their_own_path_to_the_same_answer(name, data):
    case = draw_case(data, name)
    if not case.values:
        return
    # Value data are Python floats: the rules' float branches (math, not NumPy) run here.
    scalars = [float(np.asarray(x).reshape(-1)[0]) for x in case.inputs]
    out = case.fn(*[Value(v) for v in scalars])
    exact = case.fn(*[Tensor(np.float64(v)) for v in scalars])
    assert isinstance(out, Value), f"{case.label} on Values gave {type(out).__name__}"
    assert out.data == pytest.approx(float(exact.data), rel=1e-12, abs=1e-12)
    assert_grad_matches_numeric(case.fn, *[Value(v) for v in scalars], eps=case.eps,
                                atol=case.atol, rtol=case.rtol, weigh_scalars=True)


@pytest.mark.parametrize("name", sorted(n for n in RULE_NAMES if RULES[n].native is not None))
@settings(max_examples=30)
@given(data=st.data())
def test_a_native_builtin_computes_what_its_forward_does(name, data):
    rule = RULES[name]
    floats = st.floats(-1e100, 1e100)
    n = len(rule.vjp.__code__.co_varnames[:rule.vjp.__code__.co_argcount]) - 2
    xs = [data.draw(floats) for _ in range(n)]
    assert repr(rule.native(*xs)) == repr(rule.forward(*xs))
    arrays = [np.array([x, -x, 0.5]) for x in xs]
    assert np.array_equal(rule.native(*arrays), rule.forward(*arrays))


# ---------------------------------------------------------------- kinks and ties

#: The choices autograd.ops documents where a derivative does not exist.
DOCUMENTED_CHOICES = {"relu", "abs", "leaky_relu", "maximum", "minimum", "clip", "max", "min",
                      "binary_cross_entropy"}


def test_every_documented_choice_has_a_reference_and_a_case():
    assert DOCUMENTED_CHOICES <= set(SUBGRADIENTS), sorted(DOCUMENTED_CHOICES - set(SUBGRADIENTS))
    assert set(KINK_CASES) == set(SUBGRADIENTS)
    assert set(SUBGRADIENTS) <= set(RULES)


@pytest.mark.parametrize("name", sorted(KINK_CASES))
@given(data=st.data())
def test_documented_subgradient_on_kinks_and_ties(name, data):
    case = data.draw(KINK_CASES[name], label=name)
    assert name in case.rules_used(), f"the kink case for {name!r} does not reach its rule"
    # Finite differences only judge elements away from the kinks; on them the reference is
    # the documented subgradient (a random weight even for a scalar output, so g matters).
    assert_grad_matches_numeric(case.fn, *case.inputs, subgradient=case.subgradient,
                                weigh_scalars=True, float32=True)
    if case.values:
        scalars = [Value(float(np.asarray(x).reshape(-1)[0])) for x in case.inputs]
        assert_grad_matches_numeric(case.fn, *scalars, subgradient=case.subgradient,
                                    weigh_scalars=True)


@pytest.mark.parametrize("name", sorted(KINK_CASES))
@settings(max_examples=15)
@given(data=st.data())
def test_documented_subgradients_are_pytorchs(name, data):
    # PyTorch makes the same choices, so it is a second, independent reference on kinks.
    case = data.draw(KINK_CASES[name], label=name)
    assert_grad_matches_torch(case.fn, case.torch_fn, *case.inputs)


def _require_jvp(name: str) -> None:
    if name in RULES and RULES[name].jvp is None:
        pytest.fail(
            f"the rule {name!r} has no JVP (forward mode). Add one beside its VJP, on the "
            "Rule that @primitive returned:\n"
            f"    @<rule>.defjvp\n    def {name}_jvp(ts, ans, x, ...):\n"
            "        return <the result's tangent, J t, given ts: one tangent per input, "
            "backend.ZERO for none>\n(see autograd.ops, e.g. mul_jvp: dx * y + x * dy)")


@pytest.mark.parametrize("name", RULE_NAMES)
def test_every_rule_has_a_jvp(name):
    _require_jvp(name)


@pytest.mark.parametrize("name", OPS)
@settings(max_examples=15)
@given(data=st.data())
def test_jvp_matches_finite_differences_and_the_vjp(name, data):
    _require_jvp(name)
    case = draw_case(data, name)
    assert_jvp_matches_numeric(case.fn, *case.inputs, eps=case.eps, atol=case.atol,
                               rtol=case.rtol)


@pytest.mark.parametrize("name", RULE_NAMES)
@settings(max_examples=5)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_jvp_equals_the_double_vjp_construction(name, data, seed):
    # The rule's own JVP and the one derived from its VJP alone (d/du <J^T u, t>) are two
    # computations of J t from the same formulas: they agree to rounding (CLOSE).
    _require_jvp(name)
    case = draw_case(data, name)
    xs = [to_float64(x) for x in case.inputs]
    out = case.fn(*xs)
    node = next(n for n in reversed(toposort([out])) if n.rule is RULES[name])
    parents = node.parents
    rng = np.random.default_rng(seed)
    ts = tuple(rng.standard_normal(p.shape) for p in parents)
    explicit = RULES[name].jvp(ts, node.data, *[p.data for p in parents], **node.params)
    with ForwardLevel():
        derived = jvp_by_double_vjp(RULES[name], ts, node, parents, node.params)
    np.testing.assert_allclose(np.broadcast_to(explicit, node.shape), derived, **close(),
                               err_msg=f"{case.label}: the JVP and the double VJP differ")


# ---------------------------------------------------------------- regressions found by the cases

def test_clip_of_a_0d_tensor_backpropagates():
    # clip's VJP saw a NumPy scalar gradient, and where() returned a bare float for it.
    t = Tensor(np.float64(0.25), requires_grad=True)
    (t.clip(0.0, 0.0) * 2.0).sum().backward()
    assert t.grad.shape == () and t.grad == 0.0
    t = Tensor(np.float32(0.25), requires_grad=True)
    (t.clip(-1.0, 1.0) * 2.0).sum().backward()
    assert t.grad.dtype == np.float32 and t.grad == 2.0
    for a, b in [(np.float32(2.0), 0.0), (0.0, np.float32(2.0))]:
        for cond in (np.bool_(True), np.bool_(False)):
            assert np.shape(B.where(cond, a, b)) == ()
            assert isinstance(B.where(cond, a, b), (np.ndarray, np.generic))


def test_permute_with_the_identity_order_keeps_a_matrix():
    # permute passed its axes to transpose as two ints, which transpose reads as a swap.
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.permute(0, 1).shape == (2, 3)
    assert x.permute(1, 0).shape == (3, 2)
    assert x.permute((1, 0)).shape == (3, 2)
    w = np.arange(6.0).reshape(2, 3)
    assert_grad_matches_torch(lambda t: t.permute(0, 1) * w,
                              lambda t: t.permute(0, 1) * t.new_tensor(w), x)
