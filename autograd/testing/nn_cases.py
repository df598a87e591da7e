"""Cases for the rules that the ``nn`` package adds to the table.

``nn`` is imported when a case is drawn, not when this module is, so the
engine's kit does not depend on it.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from .cases import Case, rule_case, torch
from .strategies import (arrays, floats, positive_floats, probabilities, saturating_floats,
                         shapes)

_REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def _tf() -> Any:
    return torch().nn.functional


def _maybe(draw: Any, strategy: st.SearchStrategy[Any]) -> Any:
    return draw(strategy) if draw(st.booleans()) else None


def _t(a: Any) -> Any:
    return None if a is None else torch().as_tensor(a)


@rule_case("weighted_sum")
def _weighted_sum(draw: Any) -> Case:
    from autograd.node import apply
    from nn.scalar import weighted_sum

    n = draw(st.integers(1, 3))
    shape = draw(shapes(max_dims=2))
    parts = tuple(draw(arrays(shape)) for _ in range(2 * n + 1))

    def torch_fn(*ts: Any) -> Any:
        return sum((w * x for w, x in zip(ts[:n], ts[n:2 * n])), ts[-1])

    return Case(lambda *ts: apply(weighted_sum, ts), parts, torch_fn,
                f"weighted_sum of {n} pair(s) and a bias")


@rule_case("cross_entropy")
def _cross_entropy(draw: Any) -> Case:
    from nn.functional import cross_entropy

    c, n, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    layout = draw(st.sampled_from(["(N, C)", "(C,)", "(N, C, d)"]))
    shape = {"(N, C)": (n, c), "(C,)": (c,), "(N, C, d)": (n, c, d)}[layout]
    class_axis = 0 if layout == "(C,)" else 1
    # Logits into saturation, sometimes all shifted by 10^4 (large, yet close together).
    x = draw(arrays(shape, elements=saturating_floats())) + draw(st.sampled_from([0.0, 1e4]))
    reduction = draw(_REDUCTIONS)
    weight = _maybe(draw, arrays((c,), elements=positive_floats(0.5, 2.0)))
    if draw(st.booleans()):
        raw = draw(arrays(shape, elements=positive_floats(0.1, 1.0)))
        target: Any = raw / raw.sum(axis=class_axis, keepdims=True)
    else:
        target = draw(arrays(shape[:class_axis] + shape[class_axis + 1:],
                             elements=st.integers(0, c - 1).map(float))).astype(np.int64)
    return Case(lambda t: cross_entropy(t, target, weight=weight, reduction=reduction), (x,),
                lambda t: _tf().cross_entropy(t, _t(target), weight=_t(weight),
                                              reduction=reduction),
                f"cross_entropy(x, {target!r}, weight={weight!r}, reduction={reduction!r})")


@rule_case("binary_cross_entropy")
def _bce(draw: Any) -> Case:
    from nn.functional import binary_cross_entropy

    shape = draw(shapes())
    p = draw(arrays(shape, elements=probabilities(saturating=True)))
    target = draw(arrays(shape, elements=floats(0.0, 1.0)))
    weight = _maybe(draw, arrays(shape, elements=positive_floats(0.5, 2.0)))
    reduction = draw(_REDUCTIONS)
    return Case(lambda t: binary_cross_entropy(t, target, weight=weight, reduction=reduction),
                (p,), lambda t: _tf().binary_cross_entropy(t, _t(target), weight=_t(weight),
                                                           reduction=reduction),
                f"binary_cross_entropy(p, {target!r}, reduction={reduction!r})")


@rule_case("binary_cross_entropy_with_logits")
def _bce_logits(draw: Any) -> Case:
    from nn.functional import binary_cross_entropy_with_logits as bce_logits

    shape = draw(shapes(min_dims=1))
    x = draw(arrays(shape, elements=saturating_floats()))
    target = draw(arrays(shape, elements=floats(0.0, 1.0)))
    pos_weight = _maybe(draw, arrays(shape[-1:], elements=positive_floats(0.5, 3.0)))
    reduction = draw(_REDUCTIONS)
    return Case(lambda t: bce_logits(t, target, reduction=reduction, pos_weight=pos_weight),
                (x,), lambda t: _tf().binary_cross_entropy_with_logits(
                    t, _t(target), reduction=reduction, pos_weight=_t(pos_weight)),
                f"binary_cross_entropy_with_logits(x, {target!r}, pos_weight={pos_weight!r}, "
                f"reduction={reduction!r})")


@rule_case("nn.functional.linear", derived=True)
def _nn_linear(draw: Any) -> Case:
    from nn.functional import linear

    n_in, n_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = draw(arrays(draw(shapes(max_dims=2)) + (n_in,)))
    w = draw(arrays((n_out, n_in)))
    if draw(st.booleans()):
        b = draw(arrays((n_out,)))
        return Case(lambda *ts: linear(*ts), (x, w, b), lambda *ts: _tf().linear(*ts),
                    "nn.functional.linear(x, w, b)")
    return Case(lambda *ts: linear(*ts), (x, w), lambda *ts: _tf().linear(*ts),
                "nn.functional.linear(x, w)")
