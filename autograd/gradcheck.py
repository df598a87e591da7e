"""Finite-difference gradient checks in float64, and the float32 check beside them.

``compare_gradients`` is the one mechanism: it evaluates ``fn`` on float64
copies of the inputs, projects a non-scalar output onto fixed random weights
(one backward pass checks the whole Jacobian with probability 1), and
compares the engine's gradient with central differences element by element.
``gradcheck`` and :mod:`autograd.testing`'s assertions are built on it.

Central differences are meaningless where the function has a kink or a tie
(relu at 0, ``maximum`` of equal inputs): there the two one-sided
differences disagree. Such elements are marked, and given a ``subgradient``
(the documented derivative, written in NumPy with a VJP's signature) the
engine is compared with it there instead.

``float32=True`` also runs ``fn`` in float32 and compares that gradient with
the float64 one (see :func:`compare_float32`): a backward that is only wrong
in single precision passes every float64 check.

>>> from autograd import Tensor, gradcheck
>>> gradcheck(lambda x: (x * x).sum(), [Tensor([1.0, 2.0], requires_grad=True)])
True
>>> gradcheck(lambda x: x.exp().sum(), [Tensor([1.0, 2.0])], float32=True)
True
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .engine import grad, unbroadcast
from .node import Node
from .tensor import Tensor
from .value import Value

#: Machine epsilon of float32: the unit of the float32 check's tolerance.
EPS32 = float(np.finfo(np.float32).eps)


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
    labels: tuple[str, str] = ("autograd", "numeric")
    note: str = ""

    def __str__(self) -> str:
        where = f"[{', '.join(map(str, self.index))}]" if self.index else ""
        ours, theirs = self.labels
        note = f"; {self.note}" if self.note else ""
        return (f"input {self.input}{where}: {ours} {self.analytic + 0.0:.10g} vs {theirs} "
                f"{self.numeric + 0.0:.10g} (|diff| {abs(self.analytic - self.numeric):.3g}; "
                f"{self.count} element(s) off{note})")


@dataclass
class GradReport:
    """The outcome of a comparison: ``ok`` and a readable ``text``."""

    analytic: list[np.ndarray]
    numeric: list[np.ndarray]
    mismatches: list[Mismatch] = field(default_factory=list)
    title: str = "gradient mismatch"
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.error

    @property
    def on_kinks(self) -> bool:
        """Whether an element sat on a kink or a tie (central differences meant nothing there)."""
        return any(np.any(k) for k in getattr(self.numeric, "kinks", ()))

    @property
    def text(self) -> str:
        if self.error:
            return self.error
        if self.ok:
            return "gradients match finite differences"
        return f"{self.title}:\n  " + "\n  ".join(str(m) for m in self.mismatches)

    def merge(self, other: "GradReport") -> "GradReport":
        """This report with ``other``'s mismatches appended (and its title if this one is ok)."""
        if other.ok:
            return self
        title = other.title if self.ok else f"{self.title}; {other.title}"
        return GradReport(self.analytic, self.numeric, self.mismatches + other.mismatches, title)


def to_float64(x: Any) -> Node:
    """A float64 leaf copy of a Tensor, Value, array or number that requires grad.

    The copy keeps the memory layout (a transposed input stays transposed), so
    the function sees what it was given; :func:`numeric_gradient` perturbs a
    contiguous copy of its own.
    """
    if isinstance(x, Value):
        return Value(x.data)
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor(np.array(data, dtype=np.float64), requires_grad=True)


def _data(x: Any) -> Any:
    return x._data if isinstance(x, Node) else x


def projection(out: Any, seed: int, scalars: bool = False) -> Any:
    """Fixed random weights of the output's shape.

    A scalar output gets 1.0, so the numbers are its plain partial
    derivatives, unless ``scalars=True``: then it gets a random weight too,
    and a backward that ignores its incoming gradient cannot pass by luck.
    """
    data = _data(out)
    rng = np.random.default_rng(seed)
    if isinstance(data, float) or np.ndim(data) == 0:
        # Away from 1 and 0 (a weight near either would hide a dropped factor).
        return float(rng.uniform(0.5, 0.9) * rng.choice([-1.0, 1.0])) if scalars else 1.0
    return rng.standard_normal(np.shape(data))


def _values(out: Any) -> np.ndarray:
    """A float64 copy of an output (a view would follow the input's later perturbations)."""
    return np.array(_data(out), dtype=np.float64)


class Differences(list):
    """Central differences, one array per input; ``kinks`` marks where they mean nothing.

    ``kinks[i]`` is True where the forward and backward one-sided differences
    of input ``i`` disagree: the element sits on a kink or a tie (or within
    ``eps`` of one), where the function has no derivative.
    """

    kinks: list[np.ndarray]


def _difference(hi: np.ndarray, mid: np.ndarray, lo: np.ndarray, w: Any,
                eps: float) -> tuple[float, bool]:
    """The central difference of sum(w * out), and whether the one-sided ones disagree.

    Differences are taken output by output before the weighted sum, so outputs
    the perturbation did not move cancel exactly instead of leaving the
    rounding error of a large total.
    """
    up, down = float(np.sum((hi - mid) * w)), float(np.sum((mid - lo) * w))
    central = (up + down) / (2 * eps)
    if not (np.isfinite(up) and np.isfinite(down)):
        return central, True   # a boundary of the domain (log of -eps): nothing to judge
    fwd, bwd = up / eps, down / eps
    # Smooth functions give a gap of about eps * f''; rounding adds ~1e-16 |out| / eps for
    # each output that moved.
    moved = (hi != mid) | (lo != mid)
    noise = 64 * np.finfo(np.float64).eps * float(
        np.sum(np.where(moved, np.abs(w) * (np.abs(hi) + np.abs(lo)), 0.0))) / eps
    return central, bool(abs(fwd - bwd) > 0.01 * max(abs(fwd), abs(bwd)) + noise)


def numeric_gradient(fn: Callable[..., Any], inputs: Sequence[Node], w: Any,
                     eps: float) -> Differences:
    """Central differences of sum(fn(*inputs) * w) for every element of every input.

    Each Tensor input is perturbed in a contiguous float64 copy of its data
    (a view of a transposed or broadcast array would perturb a copy the
    function never sees), which is swapped back afterwards.
    """
    with np.errstate(all="ignore"):   # a step past a domain's edge is marked, not warned of
        return _differences(fn, inputs, w, eps)


def _differences(fn: Callable[..., Any], inputs: Sequence[Node], w: Any,
                 eps: float) -> Differences:
    out = Differences()
    out.kinks = []
    # Grad mode stays on: fn may itself call autograd.grad (second-order checks).
    mid = _values(fn(*inputs))
    for x in inputs:
        if isinstance(x, Value):
            x0 = x.data
            x.data = x0 + eps
            hi = _values(fn(*inputs))
            x.data = x0 - eps
            lo = _values(fn(*inputs))
            x.data = x0
            central, kink = _difference(hi, mid, lo, w, eps)
            out.append(np.array(central))
            out.kinks.append(np.array(kink))
            continue
        original = x._data
        work = np.array(original, dtype=np.float64, order="C")
        x._data = work
        flat = work.reshape(-1)
        g = np.zeros(flat.shape, dtype=np.float64)
        kinks = np.zeros(flat.shape, dtype=bool)
        try:
            for j in range(flat.size):
                x0 = flat[j]
                flat[j] = x0 + eps
                hi = _values(fn(*inputs))
                flat[j] = x0 - eps
                lo = _values(fn(*inputs))
                flat[j] = x0
                g[j], kinks[j] = _difference(hi, mid, lo, w, eps)
        finally:
            x._data = original
        out.append(g.reshape(work.shape))
        out.kinks.append(kinks.reshape(work.shape))
    return out


def analytic_gradient(fn: Callable[..., Any], inputs: Sequence[Node], w: Any) -> list[np.ndarray]:
    """The engine's gradient of sum(fn(*inputs) * w) with respect to each input.

    The backward starts at fn's output with ``w`` as its gradient, so no rule
    but fn's own takes part: a broken product or sum cannot hide, or fake, a
    mistake of the rules under test.
    """
    out = fn(*inputs)
    if not isinstance(out, Node):
        raise TypeError(f"fn must return a Tensor or Value, got {type(out).__name__}")
    if not out.requires_grad:
        return [np.zeros(np.shape(_data(x))) for x in inputs]
    seed = np.broadcast_to(w, out.shape).copy() if isinstance(out, Tensor) else float(w)
    gs = grad(out, list(inputs), grad_outputs=seed, allow_unused=True)
    return [np.zeros(np.shape(_data(x))) if g is None else np.asarray(_data(g), dtype=np.float64)
            for x, g in zip(inputs, gs)]


def compare(analytic: list[np.ndarray], numeric: list[np.ndarray], atol: float,
            rtol: float, norm: bool = False, skip: Sequence[Any] | None = None,
            labels: tuple[str, str] = ("autograd", "numeric"),
            notes: Sequence[Any] | None = None) -> GradReport:
    """Element-wise |a - n| <= atol + rtol |n| for every input.

    With ``norm=True`` the relative part is measured against the largest
    |n| of that input (the gradient's norm) rather than each element's own.
    ``skip[i]`` masks elements of input ``i`` out of the comparison; where
    ``notes[i]`` (a mask) holds at the worst element, the mismatch says that
    the element sits on a kink or a tie.
    """
    report = GradReport(analytic, numeric)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
        scale = np.max(np.abs(n), initial=0.0) if norm else np.abs(n)
        bad = ~(np.abs(a - n) <= atol + rtol * scale)
        if skip is not None and skip[i] is not None:
            bad &= ~np.asarray(skip[i], dtype=bool)
        if bad.any():
            err = np.where(bad, np.abs(a - n), -1.0)
            idx = np.unravel_index(int(np.nanargmax(np.nan_to_num(err, nan=np.inf))), a.shape)
            note = ""
            if notes is not None and notes[i] is not None and np.asarray(notes[i])[idx]:
                note = ("this element sits on a kink or a tie, where finite differences are "
                        "meaningless; pass subgradient= to compare with the documented value")
            report.mismatches.append(
                Mismatch(i, tuple(int(k) for k in idx), float(a[idx]), float(n[idx]),
                         int(bad.sum()), labels, note))
    return report


def expected_subgradient(subgradient: Callable[..., Any], w: Any, out: Any,
                         inputs: Sequence[Node]) -> list[np.ndarray]:
    """``subgradient(g, ans, *xs)`` (NumPy, a VJP's signature) summed to each input's shape."""
    xs = [np.asarray(_data(x), dtype=np.float64) for x in inputs]
    ans = np.asarray(_data(out), dtype=np.float64)
    g = w if np.ndim(w) == 0 else np.broadcast_to(np.asarray(w, dtype=np.float64), ans.shape)
    grads = subgradient(g, ans, *xs)
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    if len(grads) != len(xs):
        raise ValueError(f"subgradient returned {len(grads)} gradient(s) for {len(xs)} input(s)")
    out_grads = []
    for x, gi in zip(xs, grads):
        gi = np.zeros(x.shape) if gi is None else np.asarray(gi, dtype=np.float64)
        out_grads.append(unbroadcast(gi, x.shape) if gi.shape != x.shape else gi)
    return out_grads


def compare_gradients(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
                      atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0,
                      subgradient: Callable[..., Any] | None = None,
                      weigh_scalars: bool = False, judge_kinks: bool = True) -> GradReport:
    """Compare the engine's gradient of ``fn`` with central differences, in float64.

    Given ``subgradient`` (the documented gradient of sum(g * fn), a NumPy
    function with a VJP's signature ``(g, ans, *xs)``), the engine is compared
    with it at every element, and with finite differences only away from
    kinks and ties. Without one, an element on a kink is compared with the
    differences all the same (a mismatch there says it sits on a kink), or,
    with ``judge_kinks=False``, left out. ``weigh_scalars`` gives a scalar
    output a random weight too (see :func:`projection`).
    """
    xs = [to_float64(x) for x in inputs]
    out = fn(*xs)
    w = projection(out, seed, weigh_scalars)
    analytic = analytic_gradient(fn, xs, w)
    numeric = numeric_gradient(fn, xs, w, eps)
    if subgradient is None and judge_kinks:
        return compare(analytic, numeric, atol, rtol, notes=numeric.kinks)
    if subgradient is None:
        return compare(analytic, numeric, atol, rtol, skip=numeric.kinks)
    report = compare(analytic, numeric, atol, rtol, skip=numeric.kinks)
    documented = compare(analytic, expected_subgradient(subgradient, w, out, xs), atol, rtol,
                         labels=("autograd", "documented"))
    documented.title = ("gradient differs from the documented subgradient (at a kink or tie "
                        "finite differences are meaningless, so the documented value is the "
                        "reference)")
    return report.merge(documented)


def _float32_copy(x: Any) -> Node:
    if isinstance(x, Value):
        return Value(x.data)
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor(np.array(data, dtype=np.float32), requires_grad=True)


def _wobble(x: Any, sign: float) -> Any:
    """x scaled by 1 + sign EPS32 r(x), r a fixed pseudo-random function of the value.

    Equal values move together, so ties and zeros (kinks) are kept.
    """
    return x * (1 + sign * EPS32 * np.cos(977.0 * x + 0.3))


def _moved(xs: Sequence[Node], sign: float) -> list[Node]:
    return [Value(float(_wobble(np.float64(x.data), sign))) if isinstance(x, Value) else
            Tensor(_wobble(x._data, sign), requires_grad=True) for x in xs]


def compare_float32(fn: Callable[..., Any], inputs: Sequence[Any], atol: float = 1e-5,
                    rtol: float = 1e-3, seed: int = 0, spread: float = 16.0) -> GradReport:
    """Compare the gradient ``fn`` computes in float32 with the float64 one.

    Both runs take the same inputs (rounded to float32 first) and the same
    output weights, so they differ only by float32's rounding inside ``fn``.
    The tolerance for input i is atol + rtol * max|g64_i| + spread * max|dg_i|,
    where dg is how much the float64 gradient moves when the inputs move by
    one float32 epsilon (relative): the op's conditioning (the smaller move of
    two opposite ones, element by element, so that an input sitting on a clip
    bound does not count the jump across it). On well-conditioned
    draws that leaves rtol (1e-3 by default, thousands of float32 epsilons)
    relative to the gradient's norm, so a backward 1% off in float32 shows.
    Value inputs have no float32: they are compared in float64 only.
    """
    x32 = [_float32_copy(x) for x in inputs]
    x64 = [Value(x.data) if isinstance(x, Value) else
           Tensor(x._data.astype(np.float64), requires_grad=True) for x in x32]
    w = projection(fn(*x64), seed, scalars=True)
    w = float(np.float32(w)) if np.ndim(w) == 0 else w.astype(np.float32).astype(np.float64)
    g64 = analytic_gradient(fn, x64, w)
    g32 = analytic_gradient(fn, x32, w)
    with np.errstate(all="ignore"):   # a move may step past a domain's edge (p > 1)
        up = analytic_gradient(fn, _moved(x64, 1.0), w)
        down = analytic_gradient(fn, _moved(x64, -1.0), w)
    report = GradReport(g32, g64, title="float32 gradient differs from the float64 one")
    for i, (a, n) in enumerate(zip(g32, g64)):
        # fmin skips a side that left the domain (nan); both gone: nothing learnt, 0.
        moves = np.nan_to_num(np.fmin(np.abs(up[i] - n), np.abs(down[i] - n)), nan=0.0)
        tol = (atol + rtol * np.max(np.abs(n), initial=0.0)
               + spread * np.max(moves, initial=0.0))
        bad = ~(np.abs(a - n) <= tol)
        if bad.any():
            err = np.where(bad, np.abs(a - n), -1.0)
            idx = np.unravel_index(int(np.nanargmax(np.nan_to_num(err, nan=np.inf))), a.shape)
            report.mismatches.append(Mismatch(
                i, tuple(int(k) for k in idx), float(a[idx]), float(n[idx]), int(bad.sum()),
                ("float32", "float64"), f"tolerance {float(tol):.3g} (atol + rtol * norm + "
                f"conditioning)"))
    return report


def gradcheck(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = False,
              float32: bool = False) -> bool:
    """True when ``fn``'s gradients match finite differences in float64.

    On a mismatch, returns False and warns with a report naming the input, the
    element and both numbers (or raises AssertionError with
    ``raise_exception=True``). With ``float32=True`` the gradient computed in
    float32 must also match the float64 one (:func:`compare_float32`).
    """
    report = compare_gradients(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if float32:
        report = report.merge(compare_float32(fn, inputs, atol=atol, rtol=rtol))
    if not report.ok:
        if raise_exception:
            raise AssertionError(report.text)
        warnings.warn(report.text, GradcheckWarning, stacklevel=2)
    return report.ok
