"""The rule table: every primitive operation, its forward beside its VJP and its JVP.

Each rule's docstring gives the derivative. A VJP receives ``g`` (the
gradient of the result), ``ans`` (the result), the inputs ``x``, ``y``... and
the operation's parameters, and returns one gradient per input, shaped like
the result: the engine sums broadcast axes back to each input's shape and
casts to its dtype. VJPs use only operators that floats, arrays, ``Value`` and
``Tensor`` share (plus :mod:`autograd.backend`), so the same line computes a
first derivative on raw data and records a graph for a second one.

A JVP (forward mode) receives ``ts``, one tangent per input, then ``ans``,
the inputs and the parameters, and returns the result's tangent: the same
derivative applied the other way, e.g. ``d tanh = (1 - ans^2) dx`` beside the
VJP ``g (1 - ans^2)``. An input without a tangent passes ``ZERO``, which
vanishes from sums and absorbs products, so ``mul``'s JVP reads
``dx * y + x * dy``. Tangents broadcast with the result, so a JVP needs no
unbroadcast: the engine only broadcasts its answer to the result's shape.
Why explicit JVPs rather than JVPs derived from the VJPs: see
:mod:`autograd.forward`.

Subgradient choices: relu'(0) = 0, |x|'(0) = 0, leaky_relu'(0) = slope; where
several elements tie for a max or min, the gradient is split evenly among them
(as ``torch.amax`` does); ``maximum``/``minimum`` give half to each side on a
tie; ``clip`` passes the gradient where lo <= x <= hi.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import backend as B
from .backend import ZERO
from .node import Rule

RULES: dict[str, Rule] = {}


def primitive(name: str, symbol: str | None = None, uses_inputs: bool = True,
              uses_ans: bool = False, needs: bool = False, view: bool = False,
              formula: Any = None, local: Any = None, native: Any = None) -> Any:
    """Declare ``forward`` as the primitive ``name``; attach its VJP with ``.defvjp`` and
    its JVP with ``.defjvp``.

    ``view=True`` marks a result that may share its input's memory (see Rule).
    ``formula`` and ``local`` are how the stepper writes the result and each
    input's derivative with the user's names (see :mod:`autograd.explain`).
    ``native`` is the builtin that is the forward's one operator (see Rule).
    """

    def register(forward: Any) -> Rule:
        rule = Rule(name, forward, symbol, uses_inputs=uses_inputs, uses_ans=uses_ans,
                    needs=needs, view=view, formula=formula, local=local, native=native)
        RULES[name] = rule
        return rule

    return register


# How the stepper writes some derivatives (see autograd.explain): functions of the parameters.

def _power_local(p: Any, **_: Any) -> str:
    if not isinstance(p, (int, float)):
        return "{p}·{x}^({p} - 1)"
    if p == 0:
        return "0"
    if p == 1:
        return "1"
    q = p - 1
    return f"{p:g}·{{x}}" if q == 1 else f"{p:g}·{{x}}^{q:g}"


def _clip_local(lo: Any, hi: Any, **_: Any) -> str:
    if lo is None:
        return "1 where {x} ≤ {hi}, else 0"
    if hi is None:
        return "1 where {x} ≥ {lo}, else 0"
    if np.all(np.asarray(lo) >= np.asarray(hi)):
        return "0: every x is clipped to {hi}, a constant"
    return "1 where {lo} ≤ {x} ≤ {hi}, else 0"


def _linear_formula(n: int, **_: Any) -> str:
    return "{x} · {w}ᵀ + {b}" if n == 3 else "{x} · {w}ᵀ"


def _transpose_formula(axes: Any, **_: Any) -> str:
    return "{x}ᵀ" if tuple(axes) == (1, 0) else "transpose({x}, axes={axes})"


def _sum_local(axis: Any, **_: Any) -> str:
    if axis is None:
        return "{g} copied to every element of {x}"
    return "{g} copied along axis {axis} to {x}'s shape"


# ---------------------------------------------------------------- arithmetic

@primitive("add", "+", uses_inputs=False, local=("1", "1"), native=operator.add)
def add(x, y):
    """x + y.  d/dx = 1, d/dy = 1."""
    return x + y


@add.defvjp
def add_vjp(g, ans, x, y):
    return g, g


@add.defjvp
def add_jvp(ts, ans, x, y):
    dx, dy = ts
    return dx + dy


@primitive("sub", "-", uses_inputs=False, local=("1", "-1"), native=operator.sub)
def sub(x, y):
    """x - y.  d/dx = 1, d/dy = -1."""
    return x - y


@sub.defvjp
def sub_vjp(g, ans, x, y):
    return g, -g


@sub.defjvp
def sub_jvp(ts, ans, x, y):
    dx, dy = ts
    return dx - dy


@primitive("mul", "*", local=("{y}", "{x}"), native=operator.mul)
def mul(x, y):
    """x * y.  d/dx = y, d/dy = x."""
    return x * y


@mul.defvjp
def mul_vjp(g, ans, x, y):
    return g * y, g * x


@mul.defjvp
def mul_jvp(ts, ans, x, y):
    dx, dy = ts
    return dx * y + x * dy


@primitive("div", "/", uses_ans=True, local=("1/{y}", "-{x}/{y}²"))
def div(x, y):
    """x / y.  d/dx = 1/y, d/dy = -x/y^2 = -ans/y."""
    if type(y) is float and y == 0.0:
        raise ZeroDivisionError(f"div: {x!r} / 0.0 is undefined (division by zero)")
    return x / y


@div.defvjp
def div_vjp(g, ans, x, y):
    gx = g / y
    return gx, -gx * ans


@div.defjvp
def div_jvp(ts, ans, x, y):
    dx, dy = ts
    return (dx - ans * dy) / y


@primitive("neg", "neg", uses_inputs=False, formula="-{x}", local=("-1",),
           native=operator.neg)
def neg(x):
    """-x.  d/dx = -1."""
    return -x


@neg.defvjp
def neg_vjp(g, ans, x):
    return (-g,)


@neg.defjvp
def neg_jvp(ts, ans, x):
    return -ts[0]


@primitive("pow", "**", uses_ans=True, local=("{y}·{x}^({y} - 1)", "{out}·ln {x}"))
def pow(x, y):  # noqa: A001 - the rule's name
    """x ** y, both differentiable.  d/dx = y x^(y-1), d/dy = x^y log(x) (x > 0)."""
    return B.power(x, y)


def _arrays(x: Any) -> bool:
    """True for Tensor data or a Tensor (arrays), False for Value data or a Value (floats)."""
    return isinstance(x, np.ndarray) or getattr(x, "_broadcasts", False)


def _raw(x: Any) -> Any:
    return x if B.is_raw(x) else x._data


@pow.defvjp
def pow_vjp(g, ans, x, y):
    if not _arrays(x):  # floats: math's errors say where the derivative is undefined
        return g * y * B.power(x, y - 1), g * ans * B.log(x)
    # PyTorch's values at x = 0: d/dx is 0 where y == 0 too (not 0 * 0^-1) and d/dy is 0
    # where y >= 0 (not 0 * log 0); x < 0 gives NaN for d/dy, as log does on arrays.
    xr, yr = _raw(x), _raw(y)
    at0 = xr == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        gx = g * B.where(at0 & (yr == 0), 0.0, y * B.power(x, y - 1))
        gy = g * B.where(at0 & (yr >= 0), 0.0, ans * B.log(x))
    return gx, gy


@pow.defjvp
def pow_jvp(ts, ans, x, y):
    # log(x) only where y moves: x ** 2.0 at x < 0 has a derivative in x.
    dx, dy = ts
    tx = ZERO if dx is ZERO else dx * (y * B.power(x, y - 1))
    return tx + (ZERO if dy is ZERO else dy * (ans * B.log(x)))


@primitive("powc", "**", formula="{x} ** {p}", local=(_power_local,))
def powc(x, *, p):
    """x ** p for a constant exponent p.  d/dx = p x^(p-1)."""
    return B.power(x, p)


def _powc_slope(x, p):
    """d x^p / dx = p x^(p-1), without a power where p is 0 or 2."""
    if isinstance(p, (int, float)):
        if p == 0:
            return x * 0.0
        if p == 2:
            return 2 * x
    return p * B.power(x, p - 1)


@powc.defvjp
def powc_vjp(g, ans, x, *, p):
    return (g * _powc_slope(x, p),)


@powc.defjvp
def powc_jvp(ts, ans, x, *, p):
    return ts[0] * _powc_slope(x, p)


@primitive("rpowc", "**", uses_inputs=False, uses_ans=True, formula="{base} ** {y}",
           local=("{base}^{y}·ln {base}",))
def rpowc(y, *, base):
    """base ** y for a constant base > 0.  d/dy = base^y log(base) = ans log(base)."""
    return B.power(base, y)


def _rpowc_slope(ans, base):
    """d base^y / dy = base^y log(base) = ans log(base).

    For arrays, PyTorch's values: NaN for a negative base (log's value there), and
    for a base of 0, 0 where y >= 0 and -inf where y < 0 (ans = inf).
    """
    if isinstance(base, np.ndarray) or (_arrays(ans) and base <= 0):
        b = np.asarray(base, dtype=_raw(ans).dtype)
        zero = b == 0
        with np.errstate(invalid="ignore"):
            log_b = np.log(np.where(zero, 1, b))  # 0 at a zero base: no inf to leak into a
        # second derivative through the other branch of where
        return B.where(zero & (_raw(ans) == np.inf), -np.inf, ans * log_b)
    if base == 0:
        return ans * 0.0
    return ans * B.log(float(base))


@rpowc.defvjp
def rpowc_vjp(g, ans, y, *, base):
    return (g * _rpowc_slope(ans, base),)


@rpowc.defjvp
def rpowc_jvp(ts, ans, y, *, base):
    return ts[0] * _rpowc_slope(ans, base)


# --------------------------------------------------------------- elementwise

@primitive("exp", uses_inputs=False, uses_ans=True, local=("e^{x}",))
def exp(x):
    """e^x.  d/dx = e^x, which is the output: g * ans."""
    return B.exp(x)


@exp.defvjp
def exp_vjp(g, ans, x):
    return (g * ans,)


@exp.defjvp
def exp_jvp(ts, ans, x):
    return ts[0] * ans


@primitive("log", local=("1/{x}",))
def log(x):
    """Natural logarithm.  d/dx = 1/x."""
    return B.log(x)


@log.defvjp
def log_vjp(g, ans, x):
    return (g / x,)


@log.defjvp
def log_jvp(ts, ans, x):
    return ts[0] / x


@primitive("sqrt", uses_inputs=False, uses_ans=True, local=("1/(2·√{x})",))
def sqrt(x):
    """Square root.  d/dx = 1 / (2 sqrt(x)) = 1 / (2 ans); infinite at 0."""
    return B.sqrt(x)


@sqrt.defvjp
def sqrt_vjp(g, ans, x):
    return (g / (2 * ans),)


@sqrt.defjvp
def sqrt_jvp(ts, ans, x):
    return ts[0] / (2 * ans)


@primitive("sin", local=("cos {x}",))
def sin(x):
    """Sine.  d/dx = cos(x)."""
    return B.sin(x)


@sin.defvjp
def sin_vjp(g, ans, x):
    return (g * B.cos(x),)


@sin.defjvp
def sin_jvp(ts, ans, x):
    return ts[0] * B.cos(x)


@primitive("cos", local=("-sin {x}",))
def cos(x):
    """Cosine.  d/dx = -sin(x)."""
    return B.cos(x)


@cos.defvjp
def cos_vjp(g, ans, x):
    return (-g * B.sin(x),)


@cos.defjvp
def cos_jvp(ts, ans, x):
    return -ts[0] * B.sin(x)


@primitive("tanh", uses_inputs=False, uses_ans=True, local=("1 - {out}²",))
def tanh(x):
    """Hyperbolic tangent.  d/dx = 1 - tanh(x)^2 = 1 - ans^2."""
    return B.tanh(x)


@tanh.defvjp
def tanh_vjp(g, ans, x):
    return (g * (1 - ans * ans),)


@tanh.defjvp
def tanh_jvp(ts, ans, x):
    return ts[0] * (1 - ans * ans)


@primitive("sigmoid", uses_inputs=False, uses_ans=True, local=("{out}·(1 - {out})",))
def sigmoid(x):
    """1 / (1 + e^-x), computed without overflow.  d/dx = ans (1 - ans)."""
    return B.sigmoid(x)


@sigmoid.defvjp
def sigmoid_vjp(g, ans, x):
    return (g * (ans * (1 - ans)),)


@sigmoid.defjvp
def sigmoid_jvp(ts, ans, x):
    return ts[0] * (ans * (1 - ans))


def _relu_array(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def _relu_float(x: float) -> float:
    return x if x > 0.0 else 0.0


@primitive("relu", uses_inputs=False, uses_ans=True, local=("1 if {x} > 0, else 0",))
def relu(x):
    """max(x, 0).  d/dx = 1 for x > 0, else 0 (relu'(0) = 0)."""
    return _relu_float(x) if type(x) is float else _relu_array(x)


@relu.defvjp
def relu_vjp(g, ans, x):
    return (g * (ans > 0),)


@relu.defjvp
def relu_jvp(ts, ans, x):
    return ts[0] * (ans > 0)


@primitive("leaky_relu", local=("1 if {x} > 0, else {slope}",))
def leaky_relu(x, *, slope):
    """x for x > 0, else slope * x.  d/dx = 1 for x > 0, else slope."""
    if type(x) is float:
        return x if x > 0.0 else slope * x
    return np.where(x > 0, x, x * slope)


@leaky_relu.defvjp
def leaky_relu_vjp(g, ans, x, *, slope):
    return (g * (x > 0) + (g * slope) * (x <= 0),)


@leaky_relu.defjvp
def leaky_relu_jvp(ts, ans, x, *, slope):
    return leaky_relu_vjp(ts[0], ans, x, slope=slope)[0]


@primitive("abs", "abs", formula="|{x}|", local=("sign({x})",))
def absolute(x):
    """|x|.  d/dx = sign(x), with |x|'(0) = 0."""
    return abs(x)


@absolute.defvjp
def abs_vjp(g, ans, x):
    return (g * B.sign(x),)


@absolute.defjvp
def abs_jvp(ts, ans, x):
    return ts[0] * B.sign(x)


@primitive("astype", "cast", uses_inputs=False, local=("{g} cast back to {x}'s dtype",))
def astype(x, *, dtype):
    """Convert to another float dtype.  The gradient is cast back."""
    return x.astype(dtype)


@astype.defvjp
def astype_vjp(g, ans, x, *, dtype):
    return (g.astype(x.dtype),)


@astype.defjvp
def astype_jvp(ts, ans, x, *, dtype):
    return ts[0].astype(dtype)


@primitive("maximum", local=("1 where {x} > {y}, ½ where equal, else 0",
                               "1 where {y} > {x}, ½ where equal, else 0"))
def maximum(x, y):
    """Elementwise max.  The gradient goes to the larger input; half to each on a tie."""
    return np.maximum(x, y)


def _share(x, y, dtype):
    """How much of a change flows from x (the rest from y): 1, 0, or 1/2 on a tie."""
    return (x > y).astype(dtype) + (x == y).astype(dtype) * 0.5


@maximum.defvjp
def maximum_vjp(g, ans, x, y):
    w = _share(x, y, g.dtype)
    return g * w, g * (1 - w)


@maximum.defjvp
def maximum_jvp(ts, ans, x, y):
    dx, dy = ts
    w = _share(x, y, ans.dtype)
    return dx * w + dy * (1 - w)


@primitive("minimum", local=("1 where {x} < {y}, ½ where equal, else 0",
                               "1 where {y} < {x}, ½ where equal, else 0"))
def minimum(x, y):
    """Elementwise min.  The gradient goes to the smaller input; half to each on a tie."""
    return np.minimum(x, y)


@minimum.defvjp
def minimum_vjp(g, ans, x, y):
    w = _share(y, x, g.dtype)
    return g * w, g * (1 - w)


@minimum.defjvp
def minimum_jvp(ts, ans, x, y):
    dx, dy = ts
    w = _share(y, x, ans.dtype)
    return dx * w + dy * (1 - w)


@primitive("clip", local=(_clip_local,))
def clip(x, *, lo, hi):
    """Clamp into [lo, hi].  d/dx = 1 where lo <= x <= hi and lo < hi, else 0.

    The bounds themselves pass the gradient, as PyTorch's ``clamp`` does. Where
    lo >= hi every x is clipped to hi, a constant, so the gradient is 0 even at
    x == lo == hi (where PyTorch passes it through).
    """
    return np.clip(x, lo, hi)


def _inside(x, lo, hi):
    inside = (x == x) if lo is None else (x >= lo)
    if hi is not None:
        inside = inside * (x <= hi)
        if lo is not None:
            inside = inside * (np.asarray(lo) < np.asarray(hi))
    return inside


@clip.defvjp
def clip_vjp(g, ans, x, *, lo, hi):
    return (B.where(_inside(x, lo, hi), g, 0.0),)


@clip.defjvp
def clip_jvp(ts, ans, x, *, lo, hi):
    return B.where(_inside(x, lo, hi), ts[0], 0.0)


@primitive("where", uses_inputs=False, formula="where(cond, {x}, {y})",
           local=("1 where cond holds, else 0", "0 where cond holds, else 1"))
def where(x, y, *, cond):
    """cond ? x : y.  The gradient flows to x where cond holds, to y elsewhere."""
    return np.where(cond, x, y)


@where.defvjp
def where_vjp(g, ans, x, y, *, cond):
    return B.where(cond, g, 0.0), B.where(cond, 0.0, g)


@where.defjvp
def where_jvp(ts, ans, x, y, *, cond):
    dx, dy = ts
    return B.where(cond, 0.0 if dx is ZERO else dx, 0.0 if dy is ZERO else dy)


# ------------------------------------------------------------------- linear algebra

@primitive("matmul", "@", needs=True, local=("{g} · {y}ᵀ", "{x}ᵀ · {g}"))
def matmul(x, y):
    """x @ y (1-D, 2-D or batched).  For matrices: dx = g y^T, dy = x^T g.

    A 1-D operand is treated as a row (left) or a column (right) vector; batch
    axes broadcast, and the engine sums them back.
    """
    return np.matmul(x, y)


@matmul.defvjp
def matmul_vjp(g, ans, x, y, *, needs=(True, True)):
    if x.ndim == 1 and y.ndim == 1:
        return g * y, g * x
    if x.ndim == 1:
        g2 = g.reshape(g.shape[:-1] + (1, g.shape[-1]))
        gx = g2 @ B.swap_last(y) if needs[0] else None
        gx = None if gx is None else gx.reshape(gx.shape[:-2] + gx.shape[-1:])
        return gx, x.reshape(x.shape + (1,)) * g2 if needs[1] else None
    if y.ndim == 1:
        g2 = g.reshape(g.shape + (1,))
        gy = B.swap_last(x) @ g2 if needs[1] else None
        return g2 * y if needs[0] else None, None if gy is None else gy.reshape(gy.shape[:-1])
    return (g @ B.swap_last(y) if needs[0] else None,
            B.swap_last(x) @ g if needs[1] else None)


@matmul.defjvp
def matmul_jvp(ts, ans, x, y):
    dx, dy = ts
    return dx @ y + x @ dy


@primitive("linear", "linear", needs=True, formula=_linear_formula,
           local=("{g} · {w}", "{g}ᵀ · {x}", "{g} summed over its rows"))
def linear(x, w, b=None):
    """x @ w^T + b with w of shape (out, in), as a dense layer (PyTorch's layout).

    With G = g and X = x flattened to rows: dx = g w, dw = G^T X, db = sum of G's rows.
    One fused rule: no transpose or broadcast nodes, and dw comes out contiguous.
    """
    out = x @ w.T
    return out if b is None else add_bias(out, b)


def add_bias(out: np.ndarray, b: Any) -> np.ndarray:
    """``out + b``, written into ``out`` (a fresh product) when that keeps NumPy's dtype."""
    if out.dtype == np.result_type(out, b):
        out += b
        return out
    return out + b


@linear.defvjp
def linear_vjp(g, ans, x, w, b=None, *, needs=(True, True, True)):
    g2 = g.reshape((-1, g.shape[-1]))
    gx = g @ w if needs[0] else None
    gw = g2.T @ x.reshape((-1, x.shape[-1])) if needs[1] else None
    if b is None:
        return gx, gw
    return gx, gw, g2.sum(axis=0) if needs[2] else None


@linear.defjvp
def linear_jvp(ts, ans, x, w, b=None):
    dx, dw = ts[0], ts[1]
    t = dx @ w.T + x @ dw.T
    return t if b is None else t + ts[2]


# ------------------------------------------------------------------- reductions

def kept_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _keep(a: Any, x: Any, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    """A reduced result or gradient reshaped as with keepdims=True."""
    return a if keepdims else a.reshape(kept_shape(x.shape, axis))


@primitive("sum", "sum", uses_inputs=False, local=(_sum_local,))
def sum_(x, *, axis, keepdims):
    """Sum over axis.  d/dx_i = 1: the gradient is broadcast back over the summed axes."""
    return x.sum(axis=axis, keepdims=keepdims)


@sum_.defvjp
def sum_vjp(g, ans, x, *, axis, keepdims):
    return (B.broadcast_to(_keep(g, x, axis, keepdims), x.shape),)


@sum_.defjvp
def sum_jvp(ts, ans, x, *, axis, keepdims):
    return ts[0].sum(axis=axis, keepdims=keepdims)


def _hits(x, ans, axis, keepdims, dtype):
    """1/k at the k elements equal to the extreme over axis, 0 elsewhere."""
    hit = (x == _keep(ans, x, axis, keepdims)).astype(dtype)
    return hit / hit.sum(axis=axis, keepdims=True)


def _extreme_vjp(g, ans, x, *, axis, keepdims):
    return (_keep(g, x, axis, keepdims) * _hits(x, ans, axis, keepdims, g.dtype),)


def _extreme_jvp(ts, ans, x, *, axis, keepdims):
    return (ts[0] * _hits(x, ans, axis, keepdims, ans.dtype)).sum(axis=axis, keepdims=keepdims)


@primitive("max", "max", uses_ans=True,
           local=("{g} to the largest entries of {x} (shared on ties), 0 elsewhere",))
def amax(x, *, axis, keepdims):
    """Largest element over axis.  d/dx_i = 1/k for the k elements equal to the max, else 0."""
    return x.max(axis=axis, keepdims=keepdims)


@primitive("min", "min", uses_ans=True,
           local=("{g} to the smallest entries of {x} (shared on ties), 0 elsewhere",))
def amin(x, *, axis, keepdims):
    """Smallest element over axis.  d/dx_i = 1/k for the k elements equal to the min, else 0."""
    return x.min(axis=axis, keepdims=keepdims)


amax.defvjp(_extreme_vjp)
amin.defvjp(_extreme_vjp)
amax.defjvp(_extreme_jvp)
amin.defjvp(_extreme_jvp)


def _stable_max(x: np.ndarray, axis: Any) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)


@primitive("logsumexp", "logsumexp", uses_ans=True, local=("{g} · softmax({x})",))
def logsumexp(x, *, axis, keepdims):
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m = max(x), so it never overflows.

    d/dx_i = exp(x_i - ans): the softmax of x.
    """
    m = _stable_max(x, axis)
    s = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return s if keepdims else s.reshape(np.sum(x, axis=axis, keepdims=False).shape)


@logsumexp.defvjp
def logsumexp_vjp(g, ans, x, *, axis, keepdims):
    return (_keep(g, x, axis, keepdims) * B.exp(x - _keep(ans, x, axis, keepdims)),)


@logsumexp.defjvp
def logsumexp_jvp(ts, ans, x, *, axis, keepdims):
    return (ts[0] * B.exp(x - _keep(ans, x, axis, keepdims))).sum(axis=axis, keepdims=keepdims)


@primitive("softmax", "softmax", uses_inputs=False, uses_ans=True,
           local=("{out} ⊙ ({g} - Σ {g} ⊙ {out})",))
def softmax(x, *, axis):
    """exp(x - max) / sum(exp(x - max)) (shifting by the max avoids overflow).

    VJP: ans * (g - sum(g * ans)) over axis.
    """
    e = np.exp(x - _stable_max(x, axis))
    return e / e.sum(axis=axis, keepdims=True)


@softmax.defvjp
def softmax_vjp(g, ans, x, *, axis):
    return (ans * (g - (g * ans).sum(axis=axis, keepdims=True)),)


@softmax.defjvp
def softmax_jvp(ts, ans, x, *, axis):
    # The Jacobian diag(s) - s s^T is symmetric: J t has the VJP's form.
    return softmax_vjp(ts[0], ans, x, axis=axis)[0]


@primitive("log_softmax", "log_softmax", uses_inputs=False, uses_ans=True,
           local=("{g} - softmax({x}) · Σ {g}",))
def log_softmax(x, *, axis):
    """x - logsumexp(x), stable for large inputs.  VJP: g - softmax(x) * sum(g) over axis."""
    m = _stable_max(x, axis)
    shifted = x - m
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@log_softmax.defvjp
def log_softmax_vjp(g, ans, x, *, axis):
    return (g - B.exp(ans) * g.sum(axis=axis, keepdims=True),)


@log_softmax.defjvp
def log_softmax_jvp(ts, ans, x, *, axis):
    dx = ts[0]
    return dx - (B.exp(ans) * dx).sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------------- shape

@primitive("reshape", "reshape", uses_inputs=False, view=True,
           local=("{g} reshaped to {x}'s shape",))
def reshape(x, *, shape):
    """Same elements, new shape.  The gradient is reshaped back."""
    return x.reshape(shape)


@reshape.defvjp
def reshape_vjp(g, ans, x, *, shape):
    return (g.reshape(x.shape),)


@reshape.defjvp
def reshape_jvp(ts, ans, x, *, shape):
    return ts[0].reshape(shape)


@primitive("transpose", "transpose", uses_inputs=False, formula=_transpose_formula,
           local=("{g} with its axes put back",), view=True)
def transpose(x, *, axes):
    """Permute axes.  The gradient is permuted back by the inverse permutation."""
    return x.transpose(axes)


@transpose.defvjp
def transpose_vjp(g, ans, x, *, axes):
    return (g.transpose(tuple(np.argsort(axes))),)


@transpose.defjvp
def transpose_jvp(ts, ans, x, *, axes):
    return ts[0].transpose(axes)


@primitive("broadcast_to", "broadcast", uses_inputs=False,
           local=("{g} summed back to {x}'s shape",), view=True)
def broadcast_to(x, *, shape):
    """Repeat along broadcast axes.  The engine sums the gradient back to x's shape."""
    return np.broadcast_to(x, shape)


@broadcast_to.defvjp
def broadcast_to_vjp(g, ans, x, *, shape):
    return (g,)


@broadcast_to.defjvp
def broadcast_to_jvp(ts, ans, x, *, shape):
    return B.broadcast_to(ts[0], shape)


def is_basic_index(index: Any) -> bool:
    """True when an index selects each element at most once (no integer arrays)."""
    items = index if isinstance(index, tuple) else (index,)
    for item in items:
        if isinstance(item, np.ndarray) and item.dtype != np.bool_:
            return False
        if isinstance(item, (list, tuple)):
            return False
    return True


@primitive("getitem", "[]", uses_inputs=False, formula="{x}[…]",
           local=("{g} put back where {x} was indexed, 0 elsewhere",), view=True)
def getitem(x, *, index):
    """x[index].  The gradient is scattered back, adding where an index repeats."""
    return x[index]


@getitem.defvjp
def getitem_vjp(g, ans, x, *, index):
    if isinstance(g, np.ndarray) or isinstance(g, np.generic):
        return (scatter_add.forward(g, index=index, shape=x.shape),)
    return (g.scatter_add(index, x.shape),)


@getitem.defjvp
def getitem_jvp(ts, ans, x, *, index):
    return ts[0][index]


@primitive("scatter_add", "scatter", uses_inputs=False,
           local=("{g} at the scattered positions",))
def scatter_add(g, *, index, shape):
    """zeros(shape) with g added at index (repeated indices add up).  VJP: g[index]."""
    out = np.zeros(shape, dtype=g.dtype)
    if is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


@scatter_add.defvjp
def scatter_add_vjp(g, ans, x, *, index, shape):
    return (g[index],)


@scatter_add.defjvp
def scatter_add_jvp(ts, ans, x, *, index, shape):
    return scatter_add.forward(ts[0], index=index, shape=shape)


@primitive("cat", "cat", uses_inputs=False, local=("{input}'s slice of {g} along axis {axis}",))
def cat(*xs, axis):
    """Join along axis.  Each input gets its slice of the gradient."""
    return np.concatenate(xs, axis=axis)


@cat.defvjp
def cat_vjp(g, ans, *xs, axis):
    lead = (slice(None),) * axis
    grads = []
    start = 0
    for x in xs:
        stop = start + x.shape[axis]
        grads.append(g[lead + (slice(start, stop),)])
        start = stop
    return tuple(grads)


@cat.defjvp
def cat_jvp(ts, ans, *xs, axis):
    return cat.forward(*[B.instantiate(t, x) for t, x in zip(ts, xs)], axis=axis)


@primitive("stack", "stack", uses_inputs=False, local=("{g} at index {i} of axis {axis}",))
def stack(*xs, axis):
    """Join along a new axis.  Input i gets the gradient's slice i along that axis."""
    return np.stack(xs, axis=axis)


@stack.defvjp
def stack_vjp(g, ans, *xs, axis):
    lead = (slice(None),) * axis
    return tuple(g[lead + (i,)] for i in range(len(xs)))


@stack.defjvp
def stack_jvp(ts, ans, *xs, axis):
    return stack.forward(*[B.instantiate(t, x) for t, x in zip(ts, xs)], axis=axis)

