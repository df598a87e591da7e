"""Assertions that compare the engine's derivatives with an independent answer.

They run in float64 (the float32 one compares float32 with float64) and
build on :mod:`autograd.gradcheck` (the one finite-difference mechanism): a
non-scalar output is projected onto fixed random weights, so one backward
pass checks the whole Jacobian, and a failure names the input, the element
and both numbers.

>>> from autograd import Tensor
>>> from autograd.testing import assert_grad_matches_numeric, assert_hessian_matches_numeric
>>> x = Tensor([0.5, -1.0, 2.0])
>>> assert_grad_matches_numeric(lambda t: (t.sin() * t).sum(), x)
>>> assert_hessian_matches_numeric(lambda t: (t.sin() * t).sum(), x)
>>> assert_grad_matches_numeric(lambda t: t.abs() * 2, Tensor([1.0, -2.0]), atol=1e-8)
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..engine import grad
from ..grad_mode import no_grad
from ..gradcheck import (GradReport, analytic_gradient, compare, compare_float32,
                         compare_gradients, numeric_gradient, projection, to_float64)
from ..node import Node
from ..tensor import Tensor


def skip(reason: str) -> None:
    """Skip the running test (pytest's skip, or unittest's outside pytest)."""
    try:
        import pytest
    except ImportError:  # pragma: no cover - the kit is used under pytest
        import unittest

        raise unittest.SkipTest(reason) from None
    pytest.skip(reason)


def require_torch() -> Any:
    """The ``torch`` module, or a skipped test that says PyTorch is missing."""
    try:
        import torch
    except ImportError:
        skip("PyTorch is not installed, so the comparison with PyTorch was skipped "
             "(install torch to run it)")
    return torch


def data_of(x: Any) -> Any:
    """The raw data of a node, or ``x`` itself."""
    return x._data if isinstance(x, Node) else x


def fn_name(fn: Callable[..., Any]) -> str:
    """A readable name for ``fn`` (``Cube.apply`` for a Function's apply)."""
    owner = getattr(fn, "__self__", None)
    name = getattr(fn, "__name__", None) or repr(fn)
    if isinstance(owner, type):
        return f"{owner.__name__}.{name}"
    return getattr(fn, "__qualname__", name)


def describe_inputs(inputs: Sequence[Any]) -> str:
    """One line per input: its type, shape, dtype and (abbreviated) values."""
    lines = []
    for i, x in enumerate(inputs):
        arr = np.asarray(data_of(x))
        kind = type(x).__name__
        if arr.ndim == 0:
            lines.append(f"input {i}: {kind} {arr.item()!r}")
        else:
            body = np.array2string(arr, precision=6, threshold=30, separator=", ")
            lines.append(f"input {i}: {kind} of shape {arr.shape} {arr.dtype} = {body}")
    return "\n  ".join(lines)


def assert_same_output(ours: np.ndarray, ref: np.ndarray, subject: str, ref_name: str,
                       labels: tuple[str, str], context: str, atol: float, rtol: float) -> None:
    """Raise unless an output has the reference's shape and agrees with it element-wise."""
    if ours.shape != ref.shape:
        raise AssertionError(f"{subject}: output shape {ours.shape} but {ref_name} is "
                             f"{ref.shape}{context}")
    report = compare([ours], [ref], atol, rtol)
    if not report.ok:
        raise AssertionError(f"{subject}: outputs differ from {ref_name}: "
                             f"{describe(report, *labels, 'output')}{context}")


def describe(report: GradReport, ours: str, theirs: str, what: str = "input") -> str:
    """The mismatches of ``report``, labelled with the two sources compared."""
    lines = []
    for m in report.mismatches:
        where = f"[{', '.join(map(str, m.index))}]" if m.index else ""
        lines.append(f"{what} {m.input}{where}: {ours} {m.analytic:.10g} vs {theirs} "
                     f"{m.numeric:.10g} (|diff| {abs(m.analytic - m.numeric):.3g}; "
                     f"{m.count} element(s) off)")
    return "\n  ".join(lines)


def assert_grad_matches_numeric(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6,
                                atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0,
                                float32: bool = False,
                                subgradient: Callable[..., Any] | None = None,
                                weigh_scalars: bool = False) -> None:
    """Assert ``fn``'s gradient matches central differences, in float64.

    ``fn`` takes the inputs (Tensors, Values, arrays or numbers; each becomes
    a float64 leaf) and returns a Tensor or Value. Raises AssertionError with
    gradcheck's report: the input, the element, the engine's number and the
    numeric one. ``float32=True`` also compares the gradient computed in
    float32 with the float64 one (:func:`autograd.gradcheck.compare_float32`);
    ``subgradient`` gives the documented gradient at kinks and ties (see
    :func:`autograd.gradcheck.compare_gradients`); ``weigh_scalars`` weighs
    a scalar output by a random number instead of 1.
    """
    report = compare_gradients(fn, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed,
                               subgradient=subgradient, weigh_scalars=weigh_scalars)
    raise_gradient_failure(fn, inputs, report, eps, atol, rtol, seed, subgradient is not None,
                           weigh_scalars)
    if float32:
        assert_float32_matches(fn, *inputs, atol=atol, rtol=rtol, seed=seed)


def raise_gradient_failure(fn: Callable[..., Any], inputs: Sequence[Any], report: GradReport,
                           eps: float, atol: float, rtol: float, seed: int,
                           documented: bool = False, weigh_scalars: bool = False) -> None:
    """Raise the AssertionError for a failed :func:`compare_gradients` report (if it failed)."""
    if not report.ok:
        raise AssertionError(
            f"the gradient of {fn_name(fn)} does not match "
            f"{'its references' if documented else 'central differences'} "
            f"(float64, eps={eps:g}, atol={atol:g}, rtol={rtol:g}): {report.text}"
            f"{_projection_note(fn, inputs, seed, weigh_scalars)}\nwith\n  "
            f"{describe_inputs(inputs)}")


def assert_float32_matches(fn: Callable[..., Any], *inputs: Any, atol: float = 1e-5,
                           rtol: float = 1e-3, seed: int = 0) -> None:
    """Assert the gradient ``fn`` computes in float32 matches the float64 one.

    See :func:`autograd.gradcheck.compare_float32` for the tolerance (float32's
    epsilon and the op's conditioning, relative to the gradient's norm).

    >>> from autograd.testing import assert_float32_matches
    >>> assert_float32_matches(lambda t: t.softmax(axis=-1), [[1e4, 1e4 + 1.0, 1e4 - 2.0]])
    """
    report = compare_float32(fn, inputs, atol=atol, rtol=rtol, seed=seed)
    if not report.ok:
        raise AssertionError(
            f"the gradient of {fn_name(fn)} computed in float32 does not match the float64 "
            f"one (same inputs, rounded to float32): {report.text}\nwith\n  "
            f"{describe_inputs(inputs)}")


def _projection_note(fn: Callable[..., Any], inputs: Sequence[Any], seed: int,
                     weigh_scalars: bool = False) -> str:
    """Why the numbers are not plain partial derivatives, when the output is not a scalar."""
    with no_grad():
        out = fn(*[to_float64(x) for x in inputs])
    # gradcheck.projection weights every output that is not 0-d, shape (1,) included.
    if np.ndim(data_of(out)) == 0:
        if not weigh_scalars:
            return ""
        return (f"\n(these are gradients of w * output for a fixed random weight "
                f"w = {projection(out, seed, True):.6g}, seed {seed}, so that the backward "
                "sees an incoming gradient other than 1)")
    return (f"\n(the output has shape {np.shape(data_of(out))}: these are gradients of "
            f"sum(w * output) for fixed random weights w, seed {seed})")


def to_torch(x: Any, requires_grad: bool = True) -> Any:
    """A float64 torch leaf with the data of a Tensor, Value, array or number."""
    torch = require_torch()
    data = np.array(data_of(x), dtype=np.float64)
    return torch.tensor(data, dtype=torch.float64, requires_grad=requires_grad)


def assert_grad_matches_torch(fn: Callable[..., Any], torch_fn: Callable[..., Any], *inputs: Any,
                              atol: float = 1e-8, rtol: float = 1e-6, seed: int = 0) -> None:
    """Assert ``fn`` on chainrule and ``torch_fn`` on PyTorch agree, values and gradients.

    Both run in float64 on copies of ``inputs``: ``fn`` on Tensors (Values
    stay Values), ``torch_fn`` on torch tensors that require grad. The outputs
    must have the same shape and values; then the gradients of
    sum(output * w), for fixed random weights w, must agree for every input.
    Skips the test when PyTorch is not installed.
    """
    torch = require_torch()
    xs = [to_float64(x) for x in inputs]
    ts = [to_torch(x) for x in xs]
    out = fn(*xs)
    if not isinstance(out, Node):
        raise TypeError(f"fn must return a Tensor or Value, got {type(out).__name__}")
    tout = torch_fn(*ts)
    ours = np.asarray(data_of(out), dtype=np.float64)
    theirs = tout.detach().numpy().astype(np.float64)
    context = f"\nwith\n  {describe_inputs(inputs)}"
    assert_same_output(ours, theirs, fn_name(fn), "PyTorch's", ("chainrule", "torch"), context,
                       atol, rtol)
    w = projection(out, seed)
    analytic = analytic_gradient(fn, xs, w)
    if tout.requires_grad:
        s = (tout * torch.as_tensor(w, dtype=torch.float64)).sum()
        tgrads = torch.autograd.grad(s, ts, allow_unused=True)
    else:
        tgrads = (None,) * len(ts)
    reference = [np.zeros(t.shape) if g is None else g.numpy() for t, g in zip(ts, tgrads)]
    report = compare(analytic, reference, atol, rtol)
    if not report.ok:
        raise AssertionError(f"the gradient of {fn_name(fn)} does not match PyTorch's: "
                             f"{describe(report, 'chainrule', 'torch')}{context}")


def _directions(xs: Sequence[Any], seed: int, full: bool) -> Iterator[tuple[str, list[Any]]]:
    """Directions v for Hessian-vector products: one random, or every basis vector."""
    shapes = [np.shape(data_of(x)) for x in xs]
    if not full:
        rng = np.random.default_rng(seed + 1)
        yield f"a random direction (seed {seed})", [rng.standard_normal(s) for s in shapes]
        return
    for i, shape in enumerate(shapes):
        for j in np.ndindex(shape):
            v = [np.zeros(s) for s in shapes]
            v[i][j] = 1.0
            yield f"input {i}{list(j) if j else ''}", v


def directional_gradient(fn: Callable[..., Any], v: Sequence[Any], create_graph: bool = True,
                         terms: bool = False) -> Callable[..., Any]:
    """x -> <grad fn(x), v>: its gradient is the Hessian-vector product H v.

    With ``create_graph=True`` the inner gradient records a graph, so the
    engine differentiates its own VJPs; the finite-difference passes only
    need its value. With ``terms=True`` (Tensor inputs) it returns the
    products grad_i * v_i, flattened side by side, instead of their sum:
    differences of the terms keep the digits that a large sum would round
    away.
    """
    def gv(*xs: Any) -> Any:
        y = fn(*xs)
        if not isinstance(y, Node) or np.size(y._data) != 1:
            raise TypeError("assert_hessian_matches_numeric needs a scalar fn (a Value or a "
                            "one-element Tensor); reduce it first, e.g. (f(x) * w).sum()")
        if not y.requires_grad:
            return _zero(xs[0])
        gs = grad(y, list(xs), create_graph=create_graph, allow_unused=True)
        parts = []
        for g, d in zip(gs, v):
            if g is None:
                continue
            if isinstance(g, Tensor):
                parts.append((g * d).reshape(-1) if terms else (g * d).sum())
            else:
                parts.append(g * float(d))
        if not parts:
            return _zero(xs[0])
        if terms and isinstance(parts[0], Tensor):
            return Tensor.cat(parts)
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total

    return gv


def _zero(x: Any) -> Any:
    return (x * 0.0).sum() if isinstance(x, Tensor) else x * 0.0


def compare_hessian(fn: Callable[..., Any], xs: Sequence[Any], eps: float = 1e-5,
                    atol: float = 1e-4, rtol: float = 1e-3, seed: int = 0,
                    full: bool = False) -> tuple[str, GradReport]:
    """Hessian-vector products of a scalar ``fn`` against differences of its gradient.

    Returns the direction and the report of the first direction that fails
    (or of the last one). ``xs`` are float64 leaves. Elements where the
    gradient itself jumps (a kink within ``eps``) are left out: no second
    derivative exists there.
    """
    label, report = "", GradReport([], [])
    for label, v in _directions(xs, seed, full):
        analytic = analytic_gradient(directional_gradient(fn, v, True, terms=True), xs, 1.0)
        numeric = numeric_gradient(directional_gradient(fn, v, False, terms=True), xs, 1.0, eps)
        report = compare(analytic, numeric, atol, rtol, skip=numeric.kinks)
        if not report.ok:
            break
    return label, report


def assert_hessian_matches_numeric(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-5,
                                   atol: float = 1e-4, rtol: float = 1e-3, seed: int = 0,
                                   full: bool = False) -> None:
    """Assert second derivatives of a scalar ``fn`` match finite differences of its gradient.

    The engine's Hessian-vector product (``grad(..., create_graph=True)``,
    then a second ``grad``) is compared with central differences of the
    gradient along the same direction: one random direction, or with
    ``full=True`` every basis direction (the whole Hessian, column by column).
    Both sides use :mod:`autograd.gradcheck`'s analytic and numeric gradients.
    """
    xs = [to_float64(x) for x in inputs]
    label, report = compare_hessian(fn, xs, eps, atol, rtol, seed, full)
    if not report.ok:
        raise AssertionError(
            f"second derivatives of {fn_name(fn)} do not match finite differences of its "
            f"gradient: the Hessian times {label} (engine vs numeric) is off at\n  "
            f"{describe(report, 'autograd', 'numeric')}\nwith\n  {describe_inputs(inputs)}")


def scalarize(fn: Callable[..., Any], seed: int = 0) -> Callable[..., Any]:
    """x -> sum(w * fn(x) ** 2) with fixed random w: a scalar whose Hessian involves fn's
    VJP run on recording tensors, even when fn is linear.

    >>> from autograd import Tensor
    >>> from autograd.testing import assert_hessian_matches_numeric, scalarize
    >>> assert_hessian_matches_numeric(scalarize(lambda t: t.sum(axis=0)), Tensor([[1.0, 2.0]]))
    """
    def h(*xs: Any) -> Any:
        y = fn(*xs)
        w = np.random.default_rng(seed).standard_normal(np.shape(data_of(y)))
        if isinstance(y, Tensor):
            return (y * y * w).sum()
        return y * y * float(w)

    h.__name__ = f"sum(w * {fn_name(fn)}(...) ** 2)"
    return h


def assert_jvp_matches_numeric(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6,
                               atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0,
                               identity_rtol: float = 1e-9) -> None:
    """Assert forward mode's J t matches central differences and reverse mode's J^T v.

    With fixed random tangents t (one per input) and weights v (the output's
    shape), in float64: ``jvp`` must equal (f(x + eps t) - f(x - eps t)) / 2 eps
    element by element, and <v, J t> must equal <J^T v, t> from ``vjp``: the
    same derivative, pushed forward and pulled back. Both sides of that identity
    are exact sums of the same products, so they agree to rounding:
    ``identity_rtol`` of the sum of the terms' magnitudes.

    >>> from autograd import Tensor
    >>> assert_jvp_matches_numeric(lambda t: t.exp() * t, Tensor([0.5, -1.0]))
    """
    from ..functional import jvp, vjp

    xs = [to_float64(x) for x in inputs]
    rng = np.random.default_rng(seed + 2)
    ts = [rng.standard_normal(np.shape(data_of(x))) for x in xs]
    tangents = [t if isinstance(x, Tensor) else float(t) for x, t in zip(xs, ts)]
    out, jt = jvp(fn, tuple(xs), tuple(tangents))
    jt = np.asarray(data_of(jt), dtype=np.float64)
    with no_grad():
        def moved(sign: float) -> np.ndarray:
            shifted = [type(x)._constant(data_of(x) + sign * eps * t) for x, t in zip(xs, ts)]
            return np.asarray(data_of(fn(*shifted)), dtype=np.float64)

        numeric = (moved(1.0) - moved(-1.0)) / (2 * eps)
    context = f"\nwith\n  {describe_inputs(inputs)}"
    assert_same_output(jt, numeric, f"the forward-mode derivative (J t) of {fn_name(fn)}",
                       "central differences", ("jvp", "numeric"), context, atol, rtol)
    v = projection(out, seed)
    _, jtv = vjp(fn, tuple(xs), v if isinstance(out, Tensor) else float(v))
    pulled = [np.asarray(data_of(g), dtype=np.float64) for g in jtv]
    left = np.asarray(v) * jt
    right = [g * t for g, t in zip(pulled, ts)]
    scale = np.abs(left).sum() + sum(np.abs(r).sum() for r in right)
    lhs, rhs = left.sum(), sum(r.sum() for r in right)
    # A tangent is rounded to its output's dtype: a float32 output (a cast) keeps 7 digits.
    out_dtype = np.asarray(data_of(out)).dtype
    if out_dtype.kind == "f":
        identity_rtol = max(identity_rtol, 8 * float(np.finfo(out_dtype).eps))
    # Where J is tiny beside what it is computed from (a saturated softmax: J t is a
    # difference of products of size |t|), rounding is of the order of eps |v| |t|, not of
    # the tiny terms; a wrong rule is off by the size of the terms themselves.
    size = float(np.linalg.norm(np.ravel(v))) * float(np.sqrt(sum((t * t).sum() for t in ts)))
    if not abs(lhs - rhs) <= identity_rtol * scale + 1e-13 * size + 1e-300:
        raise AssertionError(
            f"forward and reverse mode disagree for {fn_name(fn)}: <v, J t> = {lhs!r} but "
            f"<J^T v, t> = {rhs!r} (terms of size {scale:.3g}){context}")


__all__ = [
    "assert_float32_matches", "assert_grad_matches_numeric", "assert_grad_matches_torch",
    "assert_hessian_matches_numeric", "assert_jvp_matches_numeric", "compare_hessian",
    "describe", "describe_inputs", "directional_gradient", "require_torch", "scalarize", "skip",
    "to_torch",
]
