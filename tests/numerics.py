"""Last-bit noise, to show that a test checks behaviour rather than bits.

BLAS kernels differ by CPU, thread count and library version: the same
matrix product may come out one unit in the last place (ulp) apart on two
machines, and a long computation can carry such a difference far. A test
that passes here but would fail there tests bits, not behaviour.

``nudge`` moves every element of an array by one ulp; ``blas_noise`` makes
the matrix products of the rule table (``matmul`` and the fused ``linear``)
do so while it is active, as another machine's BLAS might. The suite reruns
its numerics-sensitive checks (optimizer trajectories, layers against
PyTorch, the real-data accuracies, the teaching notebooks) under this noise:
they must stay green.

Setting ``CHAINRULE_BLAS_NOISE=<seed>`` in the environment of a Python
process that imports this module's ``install_from_env`` (the notebook test
does, through a ``sitecustomize`` in the kernel's path) turns the noise on
for the whole process.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

ENV = "CHAINRULE_BLAS_NOISE"


def nudge(a: Any, rng: np.random.Generator | int = 0) -> np.ndarray:
    """``a`` with each element moved one ulp up or down, at random (floats only)."""
    a = np.asarray(a)
    if a.dtype.kind != "f":
        return a
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    direction = np.where(rng.random(a.shape) < 0.5, -np.inf, np.inf).astype(a.dtype)
    return np.nextafter(a, direction)


def _noisy(forward: Any, rng: np.random.Generator) -> Any:
    def noisy_forward(*args: Any, **kwargs: Any) -> Any:
        out = forward(*args, **kwargs)
        return nudge(out, rng)

    noisy_forward.__doc__ = forward.__doc__
    return noisy_forward


@contextlib.contextmanager
def blas_noise(seed: int = 0) -> Iterator[None]:
    """While active, every ``matmul`` and ``linear`` result is off by one ulp per element."""
    from autograd import ops

    rng = np.random.default_rng(seed)
    rules = (ops.matmul, ops.linear)
    saved = [r.forward for r in rules]
    try:
        for r in rules:
            r.forward = _noisy(r.forward, rng)
        yield
    finally:
        for r, f in zip(rules, saved):
            r.forward = f


def install_from_env() -> None:
    """Turn ``blas_noise`` on for this process when ``CHAINRULE_BLAS_NOISE`` is set."""
    seed = os.environ.get(ENV)
    if seed:
        _ACTIVE.append(blas_noise(int(seed)))  # kept, or closing it would undo the noise
        _ACTIVE[-1].__enter__()


_ACTIVE: list[Any] = []


# Tolerances for one computation done two ways (chainrule and PyTorch, or chainrule and
# a NumPy formula), a few operations deep, on values of about 1. Each operation is
# correctly rounded or within a few ulps of it, but libraries round differently (fused
# multiply-adds, SIMD math functions, the order of a sum), and a short sum that cancels
# magnifies that: results may differ by some hundreds of ulps. CLOSE allows about 10^6
# ulps in float64 (eps 2.2e-16) and 100 in float32 (eps 1.2e-7), and still fails any
# wrong derivative, which is off by 1e-3 or more of the gradient's size.
CLOSE = {np.dtype(np.float64): dict(rtol=1e-9, atol=1e-12),
         np.dtype(np.float32): dict(rtol=1e-5, atol=1e-6)}
# Deeper computations in float64 (second derivatives through a network, Hessian-vector
# products, a sum over a whole batch): ten times more room for rounding to add up.
CLOSE_DEEP = dict(rtol=1e-8, atol=1e-10)
# CLOSE in float64, spelled for pytest.approx.
APPROX = dict(rel=1e-9, abs=1e-12)


def to_scale(tol: dict[str, float], *desired: Any) -> dict[str, float]:
    """``tol`` with its atol raised to rtol times the largest magnitude in ``desired``.

    For results whose elements share rounding error: the Hessian of y^2 holds
    grad y grad y^T, so every element of a Hessian-vector product carries the
    absolute error of the product's largest terms, and a small element may be
    off by many of its own ulps. A wrong derivative is off by 1e-3 of the
    result's size or more, far beyond rtol of it.
    """
    big = max((float(np.max(np.abs(d))) for d in map(np.asarray, desired) if d.size),
              default=0.0)
    return dict(rtol=tol["rtol"], atol=max(tol["atol"], tol["rtol"] * big))


def close(dtype: Any = np.float64) -> dict[str, float]:
    """``CLOSE`` for ``dtype`` (float64 or float32), as keyword arguments of assert_allclose."""
    return CLOSE[np.dtype(dtype)]


def perturb(a: Any, rng: np.random.Generator, rel: float = 1e-15) -> np.ndarray:
    """``a`` with each element scaled by 1 + rel or 1 - rel, at random (a few ulps in float64)."""
    a = np.asarray(a, dtype=np.float64)
    return a * (1 + rel * rng.choice([-1.0, 1.0], size=a.shape))


# The tolerance for two float64 runs of one iterative method (an optimizer's 50 steps
# computed by chainrule and by PyTorch or a NumPy transcription). One step of the same
# rule, computed by two programs, differs by a few ulps (2.2e-16 each) of the
# parameters' size; a stable run adds these up step by step, and a run that oscillates
# (RMSprop's sign-like steps around a minimum, a condition number of 1000) magnifies
# them: up to 1e-10 after 50 steps in the suite's grid, here and under `perturb`. The
# budget, 2e-9 per step (1e-7 after 50), is 1000 times that, while a wrong rule is off by
# 1e-4 or more within a few steps (tests/test_optim.py shows two such mutants failing).
STEP_RTOL = 2e-9


def assert_trajectories_close(ours: Any, theirs: Any, err_msg: str = "",
                              step_rtol: float = STEP_RTOL) -> None:
    """Row k of two trajectories (parameters after step k + 1) agree to within
    ``step_rtol * (k + 1)`` of that row's largest magnitude (or of 1, if larger)."""
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape, f"{err_msg}: shapes {ours.shape} and {theirs.shape}"
    rows = theirs.reshape(len(theirs), -1)
    scale = np.maximum(np.abs(rows).max(axis=1), 1.0)
    bound = step_rtol * np.arange(1, len(rows) + 1) * scale
    diff = np.abs(ours.reshape(len(ours), -1) - rows).max(axis=1)
    bad = np.flatnonzero(~(diff <= bound))  # NaN counts as a miss
    if bad.size:
        k = int(bad[0])
        raise AssertionError(
            f"{err_msg}: the trajectories part at step {k + 1}: largest difference "
            f"{diff[k]:.3g}, allowed {bound[k]:.3g} ({step_rtol:g} per step of a scale of "
            f"{scale[k]:.3g})\n ours:   {ours[k].ravel()[:6]}\n theirs: {rows[k][:6]}")
