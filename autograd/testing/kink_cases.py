"""Kinks and ties: the documented subgradient of each rule that has them, and cases on them.

Where an op has no derivative (relu, abs and leaky_relu at 0, clip at its
bounds, ``maximum``/``minimum`` of equal inputs, a max or min reached by
several elements), what the engine returns is a choice, documented at the top
of :mod:`autograd.ops`. Central differences straddle the kink there and
cannot judge it. Each function below writes the documented gradient in
NumPy, apart from the VJP it checks, with a VJP's signature
``(g, ans, *inputs, **params)``; ``SUBGRADIENTS`` maps the rule's name to it.
The cases land on the kinks and ties on purpose; the rule-table tests compare
the engine with these functions on them (in float64, float32, and on Values
where the op has them), and :func:`~autograd.testing.find_bad_gradient` uses
them on a node that sits on a kink.

>>> import numpy as np
>>> from autograd.testing import SUBGRADIENTS
>>> SUBGRADIENTS["relu"](np.ones(3), None, np.array([-1.0, 0.0, 2.0]))
(array([0., 0., 1.]),)
>>> SUBGRADIENTS["max"](np.float64(1.0), None, np.array([2.0, 2.0, 1.0]), axis=None,
...                     keepdims=False)
(array([0.5, 0.5, 0. ]),)
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from ..node import apply
from ..tensor import maximum, minimum
from .cases import Case, rule_case, subgradient, torch, torch_dim
from .strategies import (arrays, axes, broadcastable_shapes, grid, kink_floats, shapes,
                         tie_arrays)


@subgradient("relu")
def relu_subgradient(g: Any, ans: Any, x: Any) -> tuple[Any]:
    """relu'(x) = 1 for x > 0, else 0: relu'(0) = 0."""
    return (g * (np.asarray(x) > 0),)


@subgradient("leaky_relu")
def leaky_relu_subgradient(g: Any, ans: Any, x: Any, *, slope: float) -> tuple[Any]:
    """leaky_relu'(x) = 1 for x > 0, else slope: leaky_relu'(0) = slope."""
    return (g * np.where(np.asarray(x) > 0, 1.0, slope),)


@subgradient("abs")
def abs_subgradient(g: Any, ans: Any, x: Any) -> tuple[Any]:
    """|x|' = sign(x): |x|'(0) = 0."""
    return (g * np.sign(x),)


@subgradient("maximum")
def maximum_subgradient(g: Any, ans: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """To the larger input; half to each on a tie."""
    to_x = (np.asarray(x) > y) + 0.5 * (np.asarray(x) == y)
    return g * to_x, g * (1 - to_x)


@subgradient("minimum")
def minimum_subgradient(g: Any, ans: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """To the smaller input; half to each on a tie."""
    to_x = (np.asarray(x) < y) + 0.5 * (np.asarray(x) == y)
    return g * to_x, g * (1 - to_x)


@subgradient("clip")
def clip_subgradient(g: Any, ans: Any, x: Any, *, lo: Any, hi: Any) -> tuple[Any]:
    """1 where lo <= x <= hi (the bounds included), else 0; 0 everywhere when lo == hi
    (clipping to one value is a constant)."""
    x = np.asarray(x)
    inside = np.ones(x.shape, dtype=bool)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    if lo is not None and hi is not None and lo >= hi:
        inside[...] = False
    return (g * inside,)


def _extreme(reduce: Callable[..., Any]) -> Callable[..., Any]:
    def documented(g: Any, ans: Any, x: Any, *, axis: Any, keepdims: bool) -> tuple[Any]:
        x = np.asarray(x)
        hit = x == reduce(x, axis=axis, keepdims=True)
        if not keepdims and axis is not None:
            g = np.expand_dims(g, axis)
        return (g * hit / hit.sum(axis=axis, keepdims=True),)

    documented.__doc__ = ("1/k for each of the k elements that reach the extreme along axis, "
                          "0 for the others.")
    return documented


max_subgradient = subgradient("max")(_extreme(np.max))
min_subgradient = subgradient("min")(_extreme(np.min))


@subgradient("binary_cross_entropy")
def bce_subgradient(g: Any, ans: Any, p: Any, *, target: Any) -> tuple[Any]:
    """(p - y) / max(p (1 - p), 1e-12): finite at p = 0 and p = 1, as PyTorch's."""
    p = np.asarray(p)
    return (g * (p - target) / np.maximum(p * (1 - p), 1e-12),)


# ------------------------------------------------------------------ cases on kinks and ties

def _bind(documented: Callable[..., Any], **params: Any) -> Callable[..., Any]:
    return lambda g, ans, *xs: documented(g, ans, *xs, **params)


def _on_zero(shape: Any) -> st.SearchStrategy[np.ndarray]:
    return arrays(shape, elements=kink_floats((0.0,)))


def _elementwise(name: str, documented: Callable[..., Any]) -> None:
    def body(draw: Any) -> Case:
        x = draw(_on_zero(shapes()))
        return Case(lambda t: getattr(t, name)(), (x,), lambda t: getattr(t, name)(),
                    f"{name}(x) on 0", subgradient=_bind(documented), values=True)

    rule_case(name, kinks=True)(body)


_elementwise("relu", relu_subgradient)
_elementwise("abs", abs_subgradient)


@rule_case("leaky_relu", kinks=True)
def _leaky_relu(draw: Any) -> Case:
    slope = draw(st.sampled_from([0.01, 0.5, 2.0]))
    x = draw(_on_zero(shapes()))
    return Case(lambda t: t.leaky_relu(slope), (x,),
                lambda t: torch().nn.functional.leaky_relu(t, slope),
                f"leaky_relu(x, {slope}) on 0",
                subgradient=_bind(leaky_relu_subgradient, slope=slope), values=True)


def _pairwise(name: str, op: Callable[..., Any], documented: Callable[..., Any]) -> None:
    def body(draw: Any) -> Case:
        sa, sb = draw(broadcastable_shapes(2))
        x, y = draw(tie_arrays(sa)), draw(tie_arrays(sb))
        return Case(op, (x, y), lambda a, b: getattr(torch(), name)(a, b),
                    f"{name}(x, y) with ties", subgradient=_bind(documented))

    rule_case(name, kinks=True)(body)


_pairwise("maximum", maximum, maximum_subgradient)
_pairwise("minimum", minimum, minimum_subgradient)


@rule_case("clip", kinks=True)
def _clip(draw: Any) -> Case:
    lo = draw(grid(0.5, bound=1.0))
    hi = lo + draw(st.integers(0, 2)) * 0.5
    lo, hi = draw(st.sampled_from([(lo, hi), (lo, None), (None, hi)]))
    # A grid of the bounds' own step: elements sit exactly on the bounds.
    x = draw(tie_arrays(shapes(), levels=(-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)))

    def reference(t: Any) -> Any:
        # Clipping to one value is the constant lo: PyTorch's clamp passes the gradient at
        # x == lo == hi, where chainrule gives the constant's 0; the reference is the constant.
        if lo is not None and lo == hi:
            return t * 0 + lo
        return torch().clamp(t, min=lo, max=hi)

    return Case(lambda t: t.clip(lo, hi), (x,), reference,
                f"clip(x, {lo}, {hi}) on its bounds",
                subgradient=_bind(clip_subgradient, lo=lo, hi=hi))


def _reduction(name: str, documented: Callable[..., Any], torch_name: str) -> None:
    def body(draw: Any) -> Case:
        shape = draw(shapes())
        axis, keepdims = draw(axes(shape)), draw(st.booleans())
        x = draw(tie_arrays(shape))
        return Case(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), (x,),
                    lambda t: getattr(torch(), torch_name)(t, dim=torch_dim(axis, t.ndim),
                                                           keepdim=keepdims),
                    f"{name}(axis={axis}, keepdims={keepdims}) with ties",
                    subgradient=_bind(documented, axis=axis, keepdims=keepdims))

    rule_case(name, kinks=True)(body)


_reduction("max", max_subgradient, "amax")
_reduction("min", min_subgradient, "amin")


@rule_case("binary_cross_entropy", kinks=True)
def _bce(draw: Any) -> Case:
    import nn  # noqa: F401 - registers the rule
    from autograd.ops import RULES

    shape = draw(shapes())
    p = draw(tie_arrays(shape, levels=(0.0, 0.25, 1.0)))
    target = draw(tie_arrays(shape, levels=(0.0, 0.5, 1.0)))

    def bce(t: Any) -> Any:
        # The rule itself: nn.functional checks 0 <= p <= 1, and the differences step past 0.
        return apply(RULES["binary_cross_entropy"], (t,), {"target": target.astype(t.dtype)})

    return Case(bce, (p,),
                lambda t: torch().nn.functional.binary_cross_entropy(
                    t, torch().as_tensor(target), reduction="none"),
                f"binary_cross_entropy(p, {target!r}) at p = 0 and 1",
                subgradient=_bind(bce_subgradient, target=target))
