"""Anomaly mode: stop at the first NaN or inf and say where it came from.

Inside ``detect_anomaly()`` every operation remembers the source line that
made it, and the first non-finite number produced in forward or backward
raises ``AnomalyError`` naming the operation, that line, and the usual cause
with its fix (log of a value <= 0, sqrt at 0, exp overflow, division by zero,
NaN leaking through the unselected branch of ``where``).

>>> from autograd import Tensor, detect_anomaly
>>> x = Tensor([1.0, -1.0], requires_grad=True)
>>> with detect_anomaly():
...     x.log()  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
AnomalyError: forward of 'log' produced nan ...
"""
from __future__ import annotations

import functools
import linecache
import math
import os
import sys
import weakref
from typing import Any, Callable

import numpy as np

from .grad_mode import STATE

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# Keyed by id with an identity check: a WeakKeyDictionary would compare keys
# with ==, which on Tensors is elementwise and has no truth value.
_TRACES: dict[int, tuple["weakref.ref[Any]", str]] = {}


def _remember(node: Any, where: str) -> None:
    key = id(node)

    def forget(ref: Any) -> None:
        entry = _TRACES.get(key)
        if entry is not None and entry[0] is ref:
            del _TRACES[key]

    _TRACES[key] = (weakref.ref(node, forget), where)


def trace_of(node: Any) -> str | None:
    """The source line that made ``node`` inside ``detect_anomaly()``, if any."""
    entry = _TRACES.get(id(node))
    return entry[1] if entry is not None and entry[0]() is node else None

DOUBLE_WHERE = (
    "If this value sits in the branch of where() that is not selected, the NaN still "
    "reaches the gradient (0 * inf = nan): make that input safe too, the 'double where' "
    "fix: where(c, f(where(c, x, safe_x)), other)."
)


class AnomalyError(FloatingPointError):
    """A NaN or inf appeared inside ``detect_anomaly()``."""


class detect_anomaly:
    """Context manager and decorator that turns on anomaly mode (thread-local)."""

    def __enter__(self) -> "detect_anomaly":
        self._prev = STATE.anomaly
        STATE.anomaly = True
        return self

    def __exit__(self, *exc: object) -> None:
        STATE.anomaly = self._prev

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper


def caller_line() -> str:
    """``file:line in function: code`` of the innermost frame outside autograd/."""
    frame = sys._getframe(1)
    while frame is not None and os.path.dirname(
        os.path.abspath(frame.f_code.co_filename)
    ) == _PACKAGE_DIR:
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    where = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
    return f"{where}: {code}" if code else where


def _finite(x: Any) -> bool:
    if x is None:
        return True
    data = getattr(x, "_data", x)
    if isinstance(data, float):
        return math.isfinite(data)
    arr = np.asarray(data)
    return arr.dtype.kind not in "fc" or bool(np.isfinite(arr).all())


def _bad_word(x: Any) -> str:
    arr = np.asarray(getattr(x, "_data", x))
    return "nan" if np.isnan(arr).any() else "inf"


def _min(x: Any) -> float:
    return float(np.min(np.asarray(x._data)))


def _forward_hint(rule_name: str, args: tuple[Any, ...]) -> str:
    if rule_name == "log" and _min(args[0]) <= 0:
        return (f"log of a value <= 0 (smallest input {_min(args[0]):.4g}): keep the input "
                "positive, e.g. log(x.clip(1e-12)) or log(x + eps). " + DOUBLE_WHERE)
    if rule_name == "sqrt" and _min(args[0]) < 0:
        return f"sqrt of a negative value (smallest input {_min(args[0]):.4g}). " + DOUBLE_WHERE
    if rule_name == "exp":
        return (f"exp overflowed (largest input {float(np.max(np.asarray(args[0]._data))):.4g}): "
                "subtract the max first, or use logsumexp / log_softmax / sigmoid.")
    if rule_name == "div" and not bool(np.all(np.asarray(args[1]._data) != 0)):
        return "division by zero: add a small epsilon to the denominator. " + DOUBLE_WHERE
    if rule_name in ("pow", "powc"):
        return "power of 0 to a negative exponent, or of a negative base to a fractional one."
    return "the inputs were finite, so this operation made the first non-finite value."


def check_forward(out: Any, rule: Any, args: tuple[Any, ...], params: Any) -> None:
    """Record where ``out`` was made; raise if it is the first non-finite value."""
    where = caller_line()
    _remember(out, where)
    if _finite(out) or not all(_finite(a) for a in args):
        return
    raise AnomalyError(
        f"forward of '{rule.name}' produced {_bad_word(out)}, made at {where}. "
        + _forward_hint(rule.name, args)
    )


_BACKWARD_HINTS = {
    "sqrt": ("the derivative of sqrt, 1/(2 sqrt(x)), is infinite at x = 0 (a norm "
             "sqrt(sum(x**2)) of a zero vector hits this): use sqrt(x + eps)."),
    "log": "the derivative of log, 1/x, is infinite at x = 0: keep the input positive.",
    "div": "d(x/y) divides by y, which is 0 somewhere: add an epsilon to the denominator.",
    "pow": "d(x**y) needs log(x) or x**(y-1), infinite or undefined at x <= 0.",
    "powc": ("d(x**p) = p x**(p-1) is infinite at x = 0 when p < 1 (a norm "
             "sum(x**2) ** 0.5 of a zero vector hits this): use (x + eps) ** p."),
}


def check_backward(node: Any, g: Any, grads: Any) -> None:
    """Raise if a VJP turned a finite gradient into NaN or inf."""
    if not _finite(g):
        return
    for i, gi in enumerate(grads):
        if _finite(gi):
            continue
        name = node._rule.name
        made = trace_of(node) or "<made outside detect_anomaly()>"
        hint = _BACKWARD_HINTS.get(name, "the local derivative is not finite at this input.")
        g_arr = np.asarray(getattr(g, "_data", g))
        if g_arr.dtype.kind == "f" and (g_arr == 0).any():
            hint += " " + DOUBLE_WHERE
        raise AnomalyError(
            f"backward of '{name}' (the forward op made at {made}) produced "
            f"{_bad_word(gi)} in the gradient of its input {i} from a finite incoming "
            f"gradient. {hint}"
        )
