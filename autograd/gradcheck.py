"""Finite-difference gradient checks in float64.

``compare_gradients`` is the one mechanism: it evaluates ``fn`` on float64
copies of the inputs, projects a non-scalar output onto fixed random weights
(one backward pass checks the whole Jacobian with probability 1), and
compares the engine's gradient with central differences element by element.
``gradcheck`` and :mod:`autograd.testing`'s assertions are built on it.

>>> from autograd import Tensor, gradcheck
>>> gradcheck(lambda x: (x * x).sum(), [Tensor([1.0, 2.0], requires_grad=True)])
True
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .engine import grad
from .node import Node
from .tensor import Tensor
from .value import Value


class GradcheckWarning(UserWarning):
    """gradcheck found a gradient that disagrees with finite differences."""


@dataclass
class Mismatch:
    """One input whose gradient disagrees, at its worst element."""

    input: int
    index: tuple[int, ...]
    analytic: float
    numeric: float
    count: int

    def __str__(self) -> str:
        where = f"[{', '.join(map(str, self.index))}]" if self.index else ""
        return (f"input {self.input}{where}: autograd {self.analytic:.10g} vs numeric "
                f"{self.numeric:.10g} (|diff| {abs(self.analytic - self.numeric):.3g}; "
                f"{self.count} element(s) off)")


@dataclass
class GradReport:
    """The outcome of a comparison: ``ok`` and a readable ``text``."""

    analytic: list[np.ndarray]
    numeric: list[np.ndarray]
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    @property
    def text(self) -> str:
        if self.ok:
            return "gradients match finite differences"
        return "gradient mismatch:\n  " + "\n  ".join(str(m) for m in self.mismatches)


def to_float64(x: Any) -> Node:
    """A float64 leaf copy of a Tensor, Value, array or number that requires grad."""
    if isinstance(x, Value):
        return Value(x.data)
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor(np.array(data, dtype=np.float64), requires_grad=True)


def _data(x: Any) -> Any:
    return x._data if isinstance(x, Node) else x


def projection(out: Any, seed: int) -> Any:
    """Fixed random weights of the output's shape (1.0 for a scalar)."""
    data = _data(out)
    if isinstance(data, float) or np.ndim(data) == 0:
        return 1.0
    return np.random.default_rng(seed).standard_normal(np.shape(data))


def _scalar(out: Any, w: Any) -> float:
    return float(np.sum(np.asarray(_data(out), dtype=np.float64) * w))


def numeric_gradient(fn: Callable[..., Any], inputs: Sequence[Node], w: Any,
                     eps: float) -> list[np.ndarray]:
    """Central differences of sum(fn(*inputs) * w) for every element of every input."""
    out = []
    # Grad mode stays on: fn may itself call autograd.grad (second-order checks).
    for x in inputs:
        if isinstance(x, Value):
            x0 = x.data
            x.data = x0 + eps
            hi = _scalar(fn(*inputs), w)
            x.data = x0 - eps
            lo = _scalar(fn(*inputs), w)
            x.data = x0
            out.append(np.array((hi - lo) / (2 * eps)))
            continue
        flat = x._data.reshape(-1)
        g = np.zeros(flat.shape, dtype=np.float64)
        for j in range(flat.size):
            x0 = flat[j]
            flat[j] = x0 + eps
            hi = _scalar(fn(*inputs), w)
            flat[j] = x0 - eps
            lo = _scalar(fn(*inputs), w)
            flat[j] = x0
            g[j] = (hi - lo) / (2 * eps)
        out.append(g.reshape(x.shape))
    return out


def analytic_gradient(fn: Callable[..., Any], inputs: Sequence[Node], w: Any) -> list[np.ndarray]:
    """The engine's gradient of sum(fn(*inputs) * w) with respect to each input."""
    out = fn(*inputs)
    if not isinstance(out, Node):
        raise TypeError(f"fn must return a Tensor or Value, got {type(out).__name__}")
    s = (out * w).sum() if isinstance(out, Tensor) else out * w
    if not s.requires_grad:
        return [np.zeros(np.shape(_data(x))) for x in inputs]
    gs = grad(s, list(inputs), allow_unused=True)
    return [np.zeros(np.shape(_data(x))) if g is None else np.asarray(_data(g), dtype=np.float64)
            for x, g in zip(inputs, gs)]


def compare(analytic: list[np.ndarray], numeric: list[np.ndarray], atol: float,
            rtol: float) -> GradReport:
    """Element-wise |a - n| <= atol + rtol |n| for every input."""
    report = GradReport(analytic, numeric)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
        bad = ~(np.abs(a - n) <= atol + rtol * np.abs(n))
        if bad.any():
            err = np.where(bad, np.abs(a - n), -1.0)
            idx = np.unravel_index(int(np.nanargmax(np.nan_to_num(err, nan=np.inf))), a.shape)
            report.mismatches.append(
                Mismatch(i, tuple(int(k) for k in idx), float(a[idx]), float(n[idx]),
                         int(bad.sum())))
    return report


def compare_gradients(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
                      atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0) -> GradReport:
    """Compare the engine's gradient of ``fn`` with central differences, in float64."""
    xs = [to_float64(x) for x in inputs]
    w = projection(fn(*xs), seed)
    return compare(analytic_gradient(fn, xs, w), numeric_gradient(fn, xs, w, eps), atol, rtol)


def gradcheck(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = False) -> bool:
    """True when ``fn``'s gradients match finite differences in float64.

    On a mismatch, returns False and warns with a report naming the input, the
    element and both numbers (or raises AssertionError with
    ``raise_exception=True``).
    """
    report = compare_gradients(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if not report.ok:
        if raise_exception:
            raise AssertionError(report.text)
        warnings.warn(report.text, GradcheckWarning, stacklevel=2)
    return report.ok
