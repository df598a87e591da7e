"""``Function``: user-defined operations with their own backward, as in PyTorch.

>>> from autograd import Function, Tensor
>>> class Cube(Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x * x * x
...     @staticmethod
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         return g * 3 * x * x
>>> x = Tensor([1.0, 2.0], requires_grad=True)
>>> Cube.apply(x).sum().backward(); x.grad
array([ 3., 12.], dtype=float32)

``forward`` receives the inputs as they were passed (Tensors or Values) and
runs without recording a graph; ``backward`` receives the gradient of the
output as the same type and returns one gradient (or None) per input. Written
with Tensor/Value operations, ``backward`` is itself differentiable, so
higher-order derivatives work through a Function too. A Function becomes a
rule like any built-in one: the engine, the stepper and the drawings treat it
the same way.

Forward mode (:mod:`autograd.forward`) uses an optional static
``jvp(ctx, *tangents)``, returning the output's tangent given one tangent per
input (zeros for an input without one). Without it, forward mode derives
the JVP from ``backward`` (the double-VJP construction), which needs a
``backward`` written in Tensor or Value operations, as above.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .backend import instantiate
from .engine import check_gradient_shape
from .grad_mode import STATE
from .node import Node, Rule, apply
from .versions import InPlaceError, hold


class FunctionCtx:
    """Per-call storage shared by a Function's forward and backward."""

    def __init__(self, needs_input_grad: tuple[bool, ...], name: str = "Function") -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Any, ...] = ()
        self._versions: tuple[Any, ...] = ()
        self._name = name

    def save_for_backward(self, *values: Any) -> None:
        """Keep values (usually inputs or outputs) for ``backward``."""
        self._saved = values
        # Tensors count in-place changes; one made before backward reads them
        # would make the gradient silently wrong, as for built-in rules. The hold
        # hands their data out read-only until backward frees this context.
        self._versions = tuple(getattr(v, "_version", None) for v in values)
        hold(self, tuple(v for v in values if hasattr(v, "_vc")))

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What ``save_for_backward`` kept, checked for in-place changes made since."""
        for i, (v, saved) in enumerate(zip(self._saved, self._versions)):
            if saved is not None and v._version != saved:
                raise InPlaceError(
                    f"{self._name}.backward: saved tensor {i} (shape {v.shape}) was changed in "
                    f"place after save_for_backward (version {v._version}, saved at {saved}), "
                    "so the gradient would be wrong. Change a copy, or make the change after "
                    "backward."
                )
        return self._saved

    saved_values = saved_tensors


def _raw(out: Any, front: type) -> Any:
    if isinstance(out, Node):
        return out._data
    if front._broadcasts:
        return np.asarray(out)
    return float(out)


class Function:
    """Subclass with static ``forward(ctx, *inputs)`` and ``backward(ctx, g)``; call ``.apply``."""

    _rule: Rule | None = None
    # A subclass may define a static ``jvp(ctx, *tangents)`` for forward mode.
    jvp: Any = None

    @staticmethod
    def forward(ctx: FunctionCtx, *inputs: Any) -> Any:
        """The result, from the inputs as they were passed; runs with grad mode off."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: FunctionCtx, grad: Any) -> Any:
        """One gradient (or None) per input of ``forward``, given ``grad`` of the result."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def rule(cls) -> Rule:
        """The engine rule for this Function (made once per subclass)."""
        if cls.__dict__.get("_rule") is None:
            cls._rule = _make_rule(cls)
        return cls._rule

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run forward and record this Function's node in the graph."""
        nodes = tuple(a for a in args if isinstance(a, Node))
        if not nodes:
            raise TypeError(f"{cls.__name__}.apply: needs at least one Tensor or Value input")
        # Subclasses (nn.Parameter) belong to their front end: only Value vs Tensor is a mix.
        if len({n._broadcasts for n in nodes}) > 1:
            raise TypeError(f"{cls.__name__}.apply: inputs mix Values and Tensors; use one kind")
        ctx = FunctionCtx(tuple(isinstance(a, Node) and a.requires_grad for a in args),
                          cls.__name__)
        return apply(cls.rule(), nodes, {"ctx": ctx, "args": args})


def _make_rule(cls: type[Function]) -> Rule:
    def forward(*data: Any, ctx: FunctionCtx, args: tuple[Any, ...]) -> Any:
        front = next(type(a) for a in args if isinstance(a, Node))
        # The operations inside run as one: no graph of their own, and no tangents either
        # (the Function's JVP, or its double VJP, gives its result's tangent).
        prev, level = STATE.enabled, STATE.forward
        STATE.enabled, STATE.forward = False, None
        try:
            out = cls.forward(ctx, *args)
        finally:
            STATE.enabled, STATE.forward = prev, level
        return _raw(out, front)

    def vjp(g: Any, ans: Any, *xs: Any, ctx: FunctionCtx, args: tuple[Any, ...]) -> Any:
        nodes = [a for a in args if isinstance(a, Node)]
        front = type(nodes[0])
        graph = isinstance(g, Node)
        grads = cls.backward(ctx, g if graph else front._constant(g))
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(args):
            raise ValueError(
                f"{cls.__name__}.backward returned {len(grads)} gradient(s) for "
                f"{len(args)} input(s); return one per input (None where there is none)"
            )
        out = []
        for i, (a, gi) in enumerate(zip(args, grads)):
            if not isinstance(a, Node):
                continue
            if gi is None:
                out.append(None)
                continue
            if not graph:
                gi = _raw(gi, front)
            check_gradient_shape(f"{cls.__name__}.backward", i,
                                 np.shape(gi._data if isinstance(gi, Node) else gi),
                                 np.shape(a._data))
            out.append(gi)
        return tuple(out)

    def jvp(ts: tuple[Any, ...], ans: Any, *xs: Any, ctx: FunctionCtx,
            args: tuple[Any, ...]) -> Any:
        nodes = [a for a in args if isinstance(a, Node)]
        front = type(nodes[0])
        tangents = []
        it = iter(zip(ts, xs))
        for a in args:
            if not isinstance(a, Node):
                tangents.append(None)
                continue
            t, x = next(it)
            tangents.append(front._constant(instantiate(t, x)))
        out = cls.jvp(ctx, *tangents)
        return _raw(out, front)

    doc = (cls.__doc__ or f"User-defined Function {cls.__name__}.").strip()
    forward.__doc__ = doc
    rule = Rule(cls.__name__, forward, symbol=cls.__name__, uses_inputs=False)
    rule.defvjp(vjp)
    if getattr(cls, "jvp", None) is not None:
        rule.defjvp(jvp)
    return rule
