"""Forward mode: tangents pushed through the rules beside the values.

Reverse mode carries one output's gradient back to every input; forward mode
carries one input direction (a tangent ``t``) forward to every output: each
operation's result gets the tangent ``J t``, computed by its rule's JVP as the
operation runs. A student's dual number is a value with a tangent:

>>> from autograd import Value
>>> x = Value(3.0, tangent=1.0)           # x, and dx = 1
>>> y = x * x + 2 * x
>>> y                                      # y = 15 and dy/dx = 2x + 2 = 8
Value(data=15.0, tangent=8.0, grad=0.0, op='+')

Why one explicit JVP per rule (``@rule.defjvp`` beside ``@rule.defvjp`` in
:mod:`autograd.ops`): a student reads ``d tanh = (1 - tanh^2) dx`` next to the
VJP ``g (1 - tanh^2)`` and sees the one derivative used in both directions;
and forward mode then costs one rule evaluation per node, as reverse mode
does. The other construction, the double VJP, is here too as the fallback for
a rule without a JVP (a user's ``Function``): the VJP ``u -> J^T u`` is linear
in ``u``, so differentiating ``<J^T u, t>`` with respect to ``u`` gives ``J t``.
It costs a small graph and a backward pass per node (:func:`jvp_by_double_vjp`).

Where tangents live: not on the nodes (a slot would cost every node of every
graph 8 bytes), but in a table owned by a *level*, keyed by node. The
innermost level is the thread's ``STATE.forward``; ``apply()`` reaches it
through the flag it already reads for anomaly mode, so with no level open,
forward mode costs nothing. ``autograd.functional.jvp`` opens a level for one
pass and closes it after; a ``Value(3.0, tangent=1.0)`` made outside any pass
opens the thread's dual-number level, which holds its tangents weakly and
closes by itself once the last of them is gone.

Tangents are raw data (floats for Values, arrays for Tensors), computed from
raw data, under ``no_grad`` as well. Operations recorded for a second
derivative (``grad(..., create_graph=True)``) go through ``apply()`` too, so
their results get tangents: that is forward-over-reverse, the Hessian-vector
product of :func:`autograd.functional.hvp`. Levels do not nest: a pass inside
another pass's function (forward-over-forward) raises an error.
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .backend import ZERO
from .grad_mode import STATE
from .node import Node, Rule


class ForwardModeError(RuntimeError):
    """Forward mode was asked for something it cannot do (a nested pass, a bad tangent)."""


def _fit(t: Any, ans: Any) -> Any:
    """A rule's tangent as a tangent of ``ans``: its shape (broadcast) and dtype, or None."""
    if t is ZERO or t is None:
        return None
    if type(ans) is float:
        return t if type(t) is float else float(t)
    if type(t) is not np.ndarray:
        t = np.asarray(t)
    if t.shape != ans.shape:
        # Broadcasting an input repeats its tangent: the one counterpart of unbroadcast.
        t = np.broadcast_to(t, ans.shape)
    if t.dtype != ans.dtype:
        t = t.astype(ans.dtype)
    return t


def _jvp_error(rule: Rule, args: tuple[Node, ...], exc: Exception) -> Exception:
    values = ", ".join(repr(a._data) for a in args)
    return type(exc)(f"forward-mode derivative of '{rule.name}' at input(s) {values}: the "
                     f"derivative is not a finite real number there ({exc})")


class ForwardLevel:
    """One forward-mode pass: the tangents of its nodes, and what it did.

    Used as a context manager, it becomes the thread's innermost level. It
    counts the JVP evaluations it makes (``calls``) and, given ``record``,
    keeps one ``(node, rule, args, params, input tangents)`` entry per
    operation that got a tangent (``steps``), in the order they ran.
    """

    def __init__(self, record: bool = False) -> None:
        self._tangents: dict[Node, Any] = {}
        self.calls = 0
        self.steps: list[tuple[Any, ...]] | None = [] if record else None
        self._prev: Any = None

    def get(self, node: Node) -> Any:
        """The tangent of ``node`` in this level, or None."""
        return self._tangents.get(node)

    def set(self, node: Node, t: Any) -> None:
        self._tangents[node] = t

    def __enter__(self) -> "ForwardLevel":
        prev = STATE.forward
        if prev is not None and not isinstance(prev, DualLevel):
            raise ForwardModeError(
                "forward mode inside another forward-mode pass (a jvp of a function that "
                "runs jvp, jacobian(mode='fwd'), hessian or hvp) is not supported: tangents "
                "are data, not graph nodes. For second derivatives use hvp or hessian "
                "(forward-over-reverse) or reverse mode over grad(..., create_graph=True)")
        self._prev = prev
        STATE.forward = self
        return self

    def __exit__(self, *exc: object) -> None:
        STATE.forward = self._prev
        self._prev = None

    def push(self, out: Node, rule: Rule, args: tuple[Node, ...], params: Any) -> None:
        """Give ``out`` (just made by ``rule`` from ``args``) its tangent, if an input has one."""
        get = self.get
        ts = [get(a) for a in args]
        if all(t is None for t in ts):
            return
        ts = tuple(ZERO if t is None else t for t in ts)
        jvp = rule.jvp
        try:
            if jvp is None:
                t = jvp_by_double_vjp(rule, ts, out, args, params or {})
            elif params is None:
                t = jvp(ts, out._data, *[a._data for a in args])
            else:
                t = jvp(ts, out._data, *[a._data for a in args], **params)
        except (ArithmeticError, ValueError) as exc:
            if type(out._data) is float:
                raise _jvp_error(rule, args, exc) from None
            raise
        self.calls += 1
        t = _fit(t, out._data)
        if t is not None:
            self.set(out, t)
            if self.steps is not None:
                self.steps.append((out, rule, args, params, ts))


class DualLevel(ForwardLevel):
    """The thread's level for dual numbers made outside any pass.

    Its table holds nodes weakly (keyed by id, with an identity check: Tensors
    compare elementwise with ``==``), so it frees a tangent with its node, and
    the level closes itself once empty: ``apply()`` is back to no extra work.
    """

    def __init__(self) -> None:
        super().__init__()
        self._weak: dict[int, tuple[weakref.ref[Any], Any]] = {}

    def get(self, node: Node) -> Any:
        entry = self._weak.get(id(node))
        return entry[1] if entry is not None and entry[0]() is node else None

    def set(self, node: Node, t: Any) -> None:
        key = id(node)
        table = self._weak

        def forget(ref: Any) -> None:
            entry = table.get(key)
            if entry is not None and entry[0] is ref:
                del table[key]

        table[key] = (weakref.ref(node, forget), t)

    def push(self, out: Node, rule: Rule, args: tuple[Node, ...], params: Any) -> None:
        if not self._weak:
            if STATE.forward is self:
                STATE.forward = None
            return
        super().push(out, rule, args, params)


def as_tangent(node: Node, t: Any, what: str = "tangent") -> Any:
    """``t`` as raw data fit to be ``node``'s tangent (a float, or an array of its shape)."""
    if isinstance(t, Node):
        t = t._data
    data = node._data
    if type(data) is float:
        try:
            return float(t)
        except (TypeError, ValueError):
            raise ForwardModeError(f"{what}: a Value's tangent is a number, got "
                                   f"{type(t).__name__} {t!r}") from None
    arr = np.asarray(t)
    if arr.dtype.kind not in "fiub":
        raise ForwardModeError(f"{what}: expected numbers, got dtype {arr.dtype}")
    if arr.shape != data.shape:
        raise ForwardModeError(f"{what}: has shape {arr.shape} but the tensor it goes with has "
                               f"shape {data.shape}; give one of the same shape")
    if data.dtype.kind != "f":
        raise ForwardModeError(f"{what}: only floating-point tensors carry tangents, got "
                               f"dtype {data.dtype}")
    return arr.astype(data.dtype, copy=True)


def set_tangent(node: Node, t: Any) -> None:
    """Make ``node`` carry tangent ``t`` in the innermost level (opening the dual level)."""
    t = as_tangent(node, t)
    level = STATE.forward
    if level is None:
        level = DualLevel()
        STATE.forward = level
    level.set(node, t)


def jvp_by_double_vjp(rule: Rule, ts: tuple[Any, ...], out: Node, args: tuple[Node, ...],
                      params: dict[str, Any]) -> Any:
    """J t from a rule's VJP alone: d/du <J^T u, t> = J t, as the VJP is linear in u.

    The VJP runs on graph nodes from a leaf ``u`` (any value: zeros), as for
    a second derivative, so it must be written in differentiable operations
    (a ``Function``'s backward in Tensor or Value operations is).
    """
    from .engine import _fit as fit_gradient
    from .engine import grad

    front = type(out)
    prev_level, prev_mode = STATE.forward, STATE.enabled
    STATE.forward, STATE.enabled = None, True
    try:
        u = front._new(out._data * 0.0)
        u.requires_grad = True
        xs = [front._constant(a._data) for a in args]
        ws = rule.vjp(u, front._constant(out._data), *xs, **params)
        total: Any = None
        for w, t, x in zip(ws, ts, xs):
            if w is None or t is ZERO:
                continue
            if not isinstance(w, Node):
                raise ForwardModeError(
                    f"forward mode through '{rule.name}': it has no JVP, and its backward "
                    "returned data rather than a graph, so no JVP can be derived from it. "
                    f"Give {rule.name} a static jvp(ctx, *tangents), or write its backward "
                    "in Tensor/Value operations")
            w = fit_gradient(w, x)
            term = (w * t).sum() if front._broadcasts else w * t
            total = term if total is None else total + term
        if total is None or not total.requires_grad:
            return ZERO
        (jt,) = grad(total, u, allow_unused=True)
        return ZERO if jt is None else jt._data
    finally:
        STATE.forward, STATE.enabled = prev_level, prev_mode
