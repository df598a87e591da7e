"""Math on raw data and on graph nodes alike.

Derivative rules are written once, in operators that Python floats (``Value``
data), NumPy arrays (``Tensor`` data) and the graph-recording front ends all
understand. Arithmetic operators need no help; the functions here supply the
rest (``exp``, ``cos``, ``where``, ...) by dispatching on the argument's type:
a float goes to :mod:`math` (with a clear error where the result is not a real
number), an array to NumPy, and a ``Value`` or ``Tensor`` to its own method, so
that the same rule records a graph when a higher-order derivative is asked for.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np


class DomainError(ValueError):
    """An operation was asked for a value outside its domain (log of -1, ...)."""


def _domain(op: str, x: float, expected: str) -> DomainError:
    return DomainError(f"{op}: got {x!r}, expected {expected}")


def is_raw(x: Any) -> bool:
    """True for data (float, int, ndarray, NumPy scalar), False for graph nodes."""
    return isinstance(x, (float, int, np.ndarray, np.generic))


def _f_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(
            f"exp: exp({x!r}) overflows a float (largest is about 1.8e308); "
            "rescale the input or use a stable form such as logsumexp"
        ) from None


def _f_log(x: float) -> float:
    if x <= 0.0:
        raise _domain("log", x, "a positive number (log is undefined at 0 and below)")
    return math.log(x)


def _f_sqrt(x: float) -> float:
    if x < 0.0:
        raise _domain("sqrt", x, "a number >= 0")
    return math.sqrt(x)


def _f_sign(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0 * x)


def _dispatch(name: str, on_float: Any, on_array: Any) -> Any:
    def fn(x: Any) -> Any:
        if type(x) is float:
            return on_float(x)
        if isinstance(x, (np.ndarray, np.generic)):
            return on_array(x)
        if type(x) is int:
            return on_float(float(x))
        return getattr(x, name)()

    fn.__name__ = name
    fn.__doc__ = f"{name}(x) for a float, an ndarray, a Value or a Tensor."
    return fn


exp = _dispatch("exp", _f_exp, np.exp)
log = _dispatch("log", _f_log, np.log)
sqrt = _dispatch("sqrt", _f_sqrt, np.sqrt)
sin = _dispatch("sin", math.sin, np.sin)
cos = _dispatch("cos", math.cos, np.cos)
tanh = _dispatch("tanh", math.tanh, np.tanh)
sign = _dispatch("sign", _f_sign, np.sign)


def sigmoid_float(x: float) -> float:
    """1 / (1 + e^-x), evaluated without overflow for large |x|."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def sigmoid_array(x: np.ndarray) -> np.ndarray:
    """sigmoid(x) = exp(min(x, 0)) / (1 + exp(-|x|)).

    That is 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below: no overflow,
    keeps the dtype, and keeps full relative precision for very negative x
    (the tanh form (1 + tanh(x/2)) / 2 rounds to exactly 0 there, from
    x < -17 in float32, which turns log(sigmoid(x)) into -inf).
    """
    if type(x) is not np.ndarray or not x.ndim or x.dtype.kind != "f":
        # A 0-d array, a NumPy scalar, integers, a subclass: as a plain float array of
        # one dimension at least (ufuncs give scalars for 0-d inputs, which have no out=).
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        return sigmoid_array(np.array(x, dtype=dtype, ndmin=1)).reshape(x.shape)
    # Seven ufuncs, five of them in place on the two arrays the first ones make.
    num = np.minimum(x, 0)
    np.exp(num, out=num)
    den = np.abs(x)
    np.negative(den, out=den)
    np.exp(den, out=den)
    den += 1
    num /= den
    return num


sigmoid = _dispatch("sigmoid", sigmoid_float, sigmoid_array)


def power(x: Any, p: Any) -> Any:
    """x ** p with a clear error where a float result would not be real."""
    if type(x) is float and not isinstance(p, np.ndarray):
        if x == 0.0 and p < 0:
            raise ZeroDivisionError(f"pow: 0.0 ** {p!r} is infinite (0 to a negative power)")
        if x < 0.0 and p != int(p):
            raise _domain("pow", x, f"a base >= 0 for the fractional exponent {p!r}")
        return x**p
    return x**p


def where(cond: Any, a: Any, b: Any) -> Any:
    """Elementwise choice: ``a`` where ``cond`` holds, else ``b``."""
    if isinstance(a, (np.ndarray, np.generic, float, int)) and isinstance(
        b, (np.ndarray, np.generic, float, int)
    ):
        # The scalar shortcut is for floats only: next to a NumPy scalar (a 0-d
        # tensor's gradient) it could return a bare Python float, which has no shape.
        if isinstance(cond, (bool, np.bool_)) and not isinstance(
            a, (np.ndarray, np.generic)
        ) and not isinstance(b, (np.ndarray, np.generic)):
            return a if cond else b
        return np.where(cond, a, b)
    node = a if not is_raw(a) else b
    return type(node).where(cond, a, b)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast ``x`` to ``shape`` (a read-only view for arrays)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return np.broadcast_to(x, shape)
    return x.broadcast_to(shape)


def swap_last(x: Any) -> Any:
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    return x.swapaxes(-1, -2)


class Zero:
    """The tangent of an input that carries none: a zero known without an array.

    Forward-mode rules (``Rule.jvp``) receive it for inputs that have no
    tangent, so ``d(x y) = dx y + x dy`` can be written as it reads, with no
    zeros allocated or multiplied: ``ZERO`` absorbs products and vanishes from
    sums. A rule that needs an array in its place (``cat``, ``where``) calls
    :func:`instantiate`.

    >>> ZERO * 3.0 + 2.0, -ZERO, ZERO @ np.ones(2)
    (2.0, ZERO, ZERO)
    """

    __slots__ = ()
    # NumPy operators defer to this class, so ``array * ZERO`` is ZERO.__rmul__.
    __array_ufunc__ = None

    def __repr__(self) -> str:
        return "ZERO"

    def __add__(self, other: Any) -> Any:
        return other

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        return -other

    def __rsub__(self, other: Any) -> Any:
        return other

    def __mul__(self, other: Any) -> "Zero":
        return self

    __rmul__ = __truediv__ = __matmul__ = __rmatmul__ = __mul__

    def __neg__(self) -> "Zero":
        return self

    def _same(self, *args: Any, **kwargs: Any) -> "Zero":
        return self

    reshape = transpose = swapaxes = sum = astype = broadcast_to = __getitem__ = _same

    @property
    def T(self) -> "Zero":
        return self


ZERO = Zero()


def instantiate(t: Any, like: Any) -> Any:
    """``t``, or zeros shaped like ``like`` where ``t`` is ``ZERO``."""
    if t is not ZERO:
        return t
    return np.zeros_like(like) if isinstance(like, (np.ndarray, np.generic)) else 0.0 * like
