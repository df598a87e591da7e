"""Built-in cases for every rule of ``autograd.ops.RULES``.

Each case keeps its inputs where the derivative exists and finite
differences are meaningful: positive inputs for log and sqrt, denominators
away from 0, no element on the kink of relu or abs, and grids that never tie
for ``max``, ``maximum`` and ``clip`` (the kinks and ties themselves have
cases of their own, in :mod:`autograd.testing.kink_cases`). Ops that
saturate (tanh, sigmoid, exp, the softmax family) are drawn far into
saturation too, and the softmax family at logits shifted by 10^4.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from ..tensor import Tensor, cat, linear, maximum, minimum, stack, where
from .cases import Case, rule_case, torch, torch_dim, torch_index
from .strategies import (arrays, axes, basic_indices, broadcastable_shapes, floats, grid, indices,
                         integer_array_indices, matmul_shapes, nonzero_floats, positive_floats,
                         saturating_floats, shapes)

Elements = Callable[[], st.SearchStrategy[float]]


def _unary(name: str, fn: Callable[..., Any], torch_fn: Callable[..., Any],
           elements: Elements = floats) -> None:
    def body(draw: Any) -> Case:
        x = draw(arrays(shapes(), elements=elements()))
        return Case(fn, (x,), torch_fn, f"{name}(x)", values=True)

    rule_case(name)(body)


def _binary(name: str, symbol: str, fn: Callable[..., Any], torch_fn: Callable[..., Any],
            left: Elements = floats, right: Elements = floats, values: bool = True) -> None:
    def body(draw: Any) -> Case:
        sa, sb = draw(broadcastable_shapes(2))
        x, y = draw(arrays(sa, elements=left())), draw(arrays(sb, elements=right()))
        return Case(fn, (x, y), torch_fn, f"x {symbol} y", values=values)

    rule_case(name)(body)


def _shifted(draw: Any, shape: Any) -> np.ndarray:
    """Logits into saturation, sometimes all shifted by 10^4 (large, yet close together)."""
    x = draw(arrays(shape, elements=saturating_floats()))
    return x + draw(st.sampled_from([0.0, 1e4, -1e4]))


def _moderate(x: np.ndarray) -> bool:
    """Whether second derivatives of sum(w * f(x)^2) can be checked by differences here.

    With outputs near 10^4 that square is near 10^8, and differences of its
    gradient keep about two digits: the second-order check takes the unshifted draws.
    """
    return bool(np.all(np.abs(x) < 1e3))


def _no_zero() -> st.SearchStrategy[float]:
    return floats(avoid=(0.0,))


_unary("neg", lambda x: -x, lambda x: -x)
_unary("exp", lambda x: x.exp(), lambda x: x.exp(), lambda: saturating_floats(20.0))
_unary("log", lambda x: x.log(), lambda x: x.log(), positive_floats)
_unary("sqrt", lambda x: x.sqrt(), lambda x: x.sqrt(), positive_floats)
_unary("sin", lambda x: x.sin(), lambda x: x.sin())
_unary("cos", lambda x: x.cos(), lambda x: x.cos())
_unary("tanh", lambda x: x.tanh(), lambda x: x.tanh(), saturating_floats)
_unary("sigmoid", lambda x: x.sigmoid(), lambda x: x.sigmoid(), saturating_floats)
_unary("relu", lambda x: x.relu(), lambda x: x.relu(), _no_zero)
_unary("abs", lambda x: abs(x), lambda x: x.abs(), _no_zero)

_binary("add", "+", lambda x, y: x + y, lambda x, y: x + y)
_binary("sub", "-", lambda x, y: x - y, lambda x, y: x - y)
_binary("mul", "*", lambda x, y: x * y, lambda x, y: x * y)
_binary("div", "/", lambda x, y: x / y, lambda x, y: x / y, right=nonzero_floats)
_binary("pow", "**", lambda x, y: x ** y, lambda x, y: x ** y,
        left=lambda: positive_floats(0.25, 3.0), right=lambda: floats(-2.0, 2.0))
# Grids offset by a quarter never meet: no ties, where the derivative is a choice.
_binary("maximum", "max", maximum, lambda x, y: torch().maximum(x, y),
        left=lambda: grid(0.5), right=lambda: grid(0.5, offset=0.25), values=False)
_binary("minimum", "min", minimum, lambda x, y: torch().minimum(x, y),
        left=lambda: grid(0.5), right=lambda: grid(0.5, offset=0.25), values=False)


@rule_case("leaky_relu")
def _leaky_relu(draw: Any) -> Case:
    slope = draw(st.sampled_from([0.01, 0.5, 2.0]))
    x = draw(arrays(shapes(), elements=_no_zero()))
    return Case(lambda t: t.leaky_relu(slope), (x,),
                lambda t: torch().nn.functional.leaky_relu(t, slope), f"leaky_relu(x, {slope})",
                values=True)


@rule_case("powc")
def _powc(draw: Any) -> Case:
    p = draw(st.sampled_from([2, 3, 0, 1, -1, -2, 0.5, -0.5, 1.5]))
    if isinstance(p, float):
        elements = positive_floats()
    elif p < 0:
        elements = nonzero_floats()
    else:
        elements = floats()
    x = draw(arrays(shapes(), elements=elements))
    return Case(lambda t: t ** p, (x,), lambda t: t ** p, f"x ** {p}", values=True)


@rule_case("rpowc")
def _rpowc(draw: Any) -> Case:
    sy, sb = draw(broadcastable_shapes(2))
    y = draw(arrays(sy, elements=floats(-2.0, 2.0)))
    if draw(st.booleans()):
        base: Any = draw(st.sampled_from([2.0, 0.5, 3.0, float(np.e), 0.0]))
        if base == 0.0:   # 0 ** y = 0 for y > 0: the VJP's own branch, derivative 0
            y = draw(arrays(sy, elements=positive_floats(0.25, 2.0)))
        return Case(lambda t: base ** t, (y,), lambda t: base ** t, f"{base} ** y", values=True)
    # A constant tensor base: Tensor ** Tensor with only the exponent requiring grad.
    base = draw(arrays(sb, elements=positive_floats(0.25, 3.0)))
    return Case(lambda t: Tensor(base.astype(t.dtype)) ** t, (y,),
                lambda t: torch().as_tensor(base) ** t, f"constant {base!r} ** y")


@rule_case("astype")
def _astype(draw: Any) -> Case:
    x = draw(arrays(shapes()))
    # The cast rounds to float32: a wide step keeps rounding out of the differences.
    return Case(lambda t: t.astype(np.float32), (x,), lambda t: t.to(torch().float32),
                "x.astype(float32)", second_order=False, out_dtype=np.float32, eps=1e-2,
                atol=1e-4)


@rule_case("clip")
def _clip(draw: Any) -> Case:
    lo = draw(grid(0.5))
    hi = lo + draw(st.integers(0, 6)) * 0.5
    lo, hi = draw(st.sampled_from([(lo, hi), (lo, None), (None, hi)]))
    x = draw(arrays(shapes(), elements=grid(0.5, offset=0.25)))
    return Case(lambda t: t.clip(lo, hi), (x,), lambda t: torch().clamp(t, min=lo, max=hi),
                f"clip(x, {lo}, {hi})")


@rule_case("where")
def _where(draw: Any) -> Case:
    sc, sx, sy = draw(broadcastable_shapes(3))
    cond = draw(arrays(sc, elements=st.sampled_from([0.0, 1.0]))).astype(bool)
    x, y = draw(arrays(sx)), draw(arrays(sy))
    return Case(lambda a, b: where(cond, a, b), (x, y),
                lambda a, b: torch().where(torch().as_tensor(cond), a, b), f"where({cond!r}, x, y)")


@rule_case("matmul")
def _matmul(draw: Any) -> Case:
    sa, sb = draw(matmul_shapes())
    a, b = draw(arrays(sa)), draw(arrays(sb))
    return Case(lambda x, y: x @ y, (a, b), lambda x, y: x @ y, "x @ y")


@rule_case("linear")
def _linear(draw: Any) -> Case:
    n_in, n_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = draw(arrays(draw(shapes(max_dims=2)) + (n_in,)))
    w = draw(arrays((n_out, n_in)))

    def tlinear(*ts: Any) -> Any:
        return torch().nn.functional.linear(*ts)

    if draw(st.booleans()):
        b = draw(arrays((n_out,)))
        return Case(lambda *ts: linear(*ts), (x, w, b), tlinear, "linear(x, w, b)")
    return Case(lambda *ts: linear(*ts), (x, w), tlinear, "linear(x, w)")


def _reduction(name: str, method: str, torch_fn: Callable[..., Any], unique: bool = False,
               shifted: bool = False) -> None:
    def body(draw: Any) -> Case:
        shape = draw(shapes())
        axis, keepdims = draw(axes(shape)), draw(st.booleans())
        # Distinct grid values: a max over tied elements has no derivative.
        if unique:
            x = draw(arrays(shape, elements=grid(0.125), unique=True))
        else:
            x = _shifted(draw, shape) if shifted else draw(arrays(shape))
        return Case(lambda t: getattr(t, method)(axis=axis, keepdims=keepdims), (x,),
                    lambda t: torch_fn(t, torch_dim(axis, t.ndim), keepdims),
                    f"{method}(axis={axis}, keepdims={keepdims})", second_order=_moderate(x))

    rule_case(name)(body)


_reduction("sum", "sum", lambda t, d, k: t.sum(dim=d, keepdim=k))
_reduction("max", "max", lambda t, d, k: torch().amax(t, dim=d, keepdim=k), unique=True)
_reduction("min", "min", lambda t, d, k: torch().amin(t, dim=d, keepdim=k), unique=True)
_reduction("logsumexp", "logsumexp", lambda t, d, k: torch().logsumexp(t, dim=d, keepdim=k),
           shifted=True)


def _along_axis(name: str) -> None:
    def body(draw: Any) -> Case:
        shape = draw(shapes(min_dims=1))
        axis = draw(st.integers(-len(shape), len(shape) - 1))
        x = _shifted(draw, shape)
        return Case(lambda t: getattr(t, name)(axis=axis), (x,),
                    lambda t: getattr(torch(), name)(t, dim=axis), f"{name}(axis={axis})")

    rule_case(name)(body)


_along_axis("softmax")
_along_axis("log_softmax")


@rule_case("reshape")
def _reshape(draw: Any) -> Case:
    shape = draw(shapes(min_dims=1))
    target = tuple(draw(st.permutations(shape)))
    if len(target) > 1 and draw(st.booleans()):
        target = (target[0] * target[1],) + target[2:]
    if target == shape:
        target = target + (1,)
    if draw(st.booleans()):
        target = tuple(-1 if i == 0 else n for i, n in enumerate(target))
    x = draw(arrays(shape))
    return Case(lambda t: t.reshape(target), (x,), lambda t: t.reshape(target),
                f"reshape{target}")


@rule_case("transpose")
def _transpose(draw: Any) -> Case:
    shape = draw(shapes(min_dims=2))
    perm = tuple(draw(st.permutations(range(len(shape)))))
    if perm == tuple(range(len(shape))):
        perm = perm[::-1]
    x = draw(arrays(shape))
    return Case(lambda t: t.permute(*perm), (x,), lambda t: t.permute(*perm), f"permute{perm}")


@rule_case("broadcast_to")
def _broadcast_to(draw: Any) -> Case:
    shape = draw(shapes())
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    target = lead + tuple(draw(st.integers(1, 3)) if n == 1 else n for n in shape)
    x = draw(arrays(shape))
    return Case(lambda t: t.broadcast_to(target), (x,), lambda t: t.broadcast_to(target),
                f"broadcast_to{target}")


@rule_case("getitem")
def _getitem(draw: Any) -> Case:
    shape = draw(shapes())
    index = draw(indices(shape))
    x = draw(arrays(shape))
    return Case(lambda t: t[index], (x,), lambda t: t[torch_index(index)], f"x[{index!r}]")


@rule_case("scatter_add")
def _scatter_add(draw: Any) -> Case:
    shape = draw(shapes(min_dims=1))
    index = draw(st.one_of(integer_array_indices(shape), basic_indices(shape)))
    # Where each element of g lands, as flat positions: repeats must add up.
    flat = np.arange(int(np.prod(shape))).reshape(shape)[index]
    g = draw(arrays(np.shape(flat)))

    def torch_fn(t: Any) -> Any:
        tc = torch()
        out = tc.zeros(int(np.prod(shape)), dtype=t.dtype)
        pos = tc.as_tensor(np.asarray(flat).reshape(-1))
        return out.index_add(0, pos, t.reshape(-1)).reshape(shape)

    return Case(lambda t: t.scatter_add(index, shape), (g,), torch_fn,
                f"scatter_add(g, {index!r}, {shape})")


@rule_case("cat")
def _cat(draw: Any) -> Case:
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        s = list(shape)
        s[axis] = draw(st.integers(1, 3))
        parts.append(draw(arrays(tuple(s))))
    return Case(lambda *ts: cat(ts, axis), tuple(parts),
                lambda *ts: torch().cat(ts, dim=axis), f"cat(xs, axis={axis})")


@rule_case("stack")
def _stack(draw: Any) -> Case:
    shape = draw(shapes())
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    parts = tuple(draw(arrays(shape)) for _ in range(draw(st.integers(1, 3))))
    return Case(lambda *ts: stack(ts, axis), parts,
                lambda *ts: torch().stack(ts, dim=axis), f"stack(xs, axis={axis})")
