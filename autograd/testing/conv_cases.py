"""Cases for the convolution and pooling rules (``autograd.conv_ops``, ``autograd.pool_ops``).

Each case reaches its rule through ``nn.functional`` (imported when a case
is drawn, so the engine's kit does not depend on ``nn``) and compares with
``torch.nn.functional``. The window geometry is drawn per axis: kernel,
stride, padding and dilation, with windows that overlap (stride < kernel),
skip elements (stride > kernel), are dilated, and, for pooling and
im2col, leave the last rows or columns unread (a convolution must fit
exactly, so its sizes are chosen to fit). Max pooling is drawn on distinct
values, where its derivative exists.

>>> from hypothesis import find
>>> find(axis_geometry(exact=True), lambda g: g["s"] > 1 and g["p"] > 0)
{'n': 1, 'k': 1, 's': 2, 'p': 1, 'd': 1}
>>> find(axis_geometry(exact=False), lambda g: g["n"] % g["s"] and g["d"] > 1)
{'n': 3, 'k': 2, 's': 2, 'p': 0, 'd': 2}
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from .cases import Case, rule_case, torch
from .strategies import arrays, grid


def _tf() -> Any:
    return torch().nn.functional


def _nnf() -> Any:
    from nn import functional

    return functional


@st.composite
def axis_geometry(draw: Any, exact: bool, dilate: bool = True,
                  max_out: int = 2) -> dict[str, int]:
    """One axis of a window op: input length n, kernel k, stride s, padding p, dilation d.

    ``exact``: every element is read by some window (what a convolution needs);
    otherwise up to stride - 1 trailing elements are left over, and padding is
    at most half the kernel, as PyTorch's pooling requires, with no dilated
    window reading padding only.
    """
    k = draw(st.integers(1, 3))
    d = draw(st.integers(1, 2)) if dilate and k > 1 else 1
    s = draw(st.integers(1, 3))
    out = draw(st.integers(1, max_out))
    span = d * (k - 1) + 1
    p = draw(st.integers(0, 2 if exact else min(2, k // 2)))
    extra = 0 if exact else draw(st.integers(0, s - 1))
    n = s * (out - 1) + span - 2 * p + extra
    if n < 1 or (not exact and _padding_only(n, k, s, p, d)):
        n, p = n + 2 * p, 0
    return {"n": n, "k": k, "s": s, "p": p, "d": d}


def _padding_only(n: int, k: int, s: int, p: int, d: int) -> bool:
    """Whether a dilated window steps over the whole input and reads padding only."""
    out = (n + 2 * p - d * (k - 1) - 1) // s + 1
    return any(not any(p <= o * s + t * d < p + n for t in range(k)) for o in range(out))


def _pairs(h: dict[str, int], w: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {key: (h[key], w[key]) for key in ("k", "s", "p", "d")}


@rule_case("conv2d")
def _conv2d(draw: Any) -> Case:
    h, w = draw(axis_geometry(exact=True)), draw(axis_geometry(exact=True))
    g = _pairs(h, w)
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    n = draw(st.integers(1, 2))
    x = draw(arrays((n, c_in, h["n"], w["n"])))
    weight = draw(arrays((c_out, c_in // groups) + g["k"]))
    kw = dict(stride=g["s"], padding=g["p"], dilation=g["d"], groups=groups)
    inputs = (x, weight, draw(arrays((c_out,)))) if draw(st.booleans()) else (x, weight)
    return Case(lambda *ts: _nnf().conv2d(*ts, **kw), inputs,
                lambda *ts: _tf().conv2d(*ts, **kw),
                f"conv2d(x, w{', b' if len(inputs) == 3 else ''}, {kw})")


@rule_case("max_pool2d")
def _max_pool2d(draw: Any) -> Case:
    h, w = draw(axis_geometry(exact=False)), draw(axis_geometry(exact=False))
    g = _pairs(h, w)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h["n"], w["n"])
    # Distinct values: where two elements of a window tie, the max has no derivative.
    x = draw(arrays(shape, elements=grid(0.125, bound=100.0), unique=True))
    kw = dict(kernel_size=g["k"], stride=g["s"], padding=g["p"], dilation=g["d"])
    return Case(lambda t: _nnf().max_pool2d(t, **kw), (x,),
                lambda t: _tf().max_pool2d(t, **kw), f"max_pool2d(x, {kw})")


@rule_case("avg_pool2d")
def _avg_pool2d(draw: Any) -> Case:
    h = draw(axis_geometry(exact=False, dilate=False))
    w = draw(axis_geometry(exact=False, dilate=False))
    g = _pairs(h, w)
    x = draw(arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2)), h["n"], w["n"])))
    kw = dict(kernel_size=g["k"], stride=g["s"], padding=g["p"],
              count_include_pad=draw(st.booleans()),
              divisor_override=draw(st.sampled_from([None, 1, 5])))
    return Case(lambda t: _nnf().avg_pool2d(t, **kw), (x,),
                lambda t: _tf().avg_pool2d(t, **kw), f"avg_pool2d(x, {kw})")


@rule_case("unfold")
def _unfold(draw: Any) -> Case:
    h, w = draw(axis_geometry(exact=False)), draw(axis_geometry(exact=False))
    g = _pairs(h, w)
    x = draw(arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2)), h["n"], w["n"])))
    kw = dict(kernel_size=g["k"], stride=g["s"], padding=g["p"], dilation=g["d"])
    return Case(lambda t: _nnf().unfold(t, **kw), (x,), lambda t: _tf().unfold(t, **kw),
                f"unfold(x, {kw})")


@rule_case("fold")
def _fold(draw: Any) -> Case:
    h, w = draw(axis_geometry(exact=False)), draw(axis_geometry(exact=False))
    g = _pairs(h, w)
    size = (h["n"], w["n"])
    blocks = [(n + 2 * p - d * (k - 1) - 1) // s + 1
              for n, k, s, p, d in ((h["n"], h["k"], h["s"], h["p"], h["d"]),
                                    (w["n"], w["k"], w["s"], w["p"], w["d"]))]
    c = draw(st.integers(1, 2))
    cols = draw(arrays((draw(st.integers(1, 2)), c * h["k"] * w["k"],
                        int(np.prod(blocks)))))
    kw = dict(kernel_size=g["k"], stride=g["s"], padding=g["p"], dilation=g["d"])
    return Case(lambda t: _nnf().fold(t, size, **kw), (cols,),
                lambda t: _tf().fold(t, size, **kw), f"fold(cols, {size}, {kw})")
