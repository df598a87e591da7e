"""One step of forward mode: the tangents a node gets from its inputs, and the step in words.

A forward step is one node getting its tangent: each input that carries a
tangent brings a term, ``∂node/∂input · d input`` (:class:`ForwardTerm`), and
the node's tangent is their sum, which its rule's JVP computes
(:class:`ForwardStep`). :class:`autograd.ForwardStepper` records a pass as
such steps, and draws them.

Notation: the tangent of a node ``z`` is written ``dz``, its differential, and
each step is the total-derivative formula ``dz = ∂z/∂w · dw + ∂z/∂x · dx``.
The local derivatives ``∂z/∂w`` are the backward stepper's, in the same words
and numbers: backpropagation multiplies them into the gradient flowing back
(``∂L/∂w += ∂L/∂z · ∂z/∂w``), forward mode into the tangents flowing forward.
Seeding ``dw = 1`` and every other input's tangent 0 makes each ``dz`` the
partial derivative ``∂z/∂w``. (A ``d`` rather than a dot, ``ż``, because it
reads on any name, ``d(x1·w1)`` included, in any font.) Tensors whose local
derivative is elementwise read ``dH = (1 - H²) ⊙ dn``; other operations (a
matrix product, a sum) are written as Jacobians applied to the tangents,
followed by the numbers.

>>> from autograd import ForwardStepper, Value
>>> a = Value(3.0, label="a"); c = Value(2.0, label="c")
>>> step = ForwardStepper(lambda a, c: a * c, (a, c), (1.0, 0.0))[0]
>>> [(t.name, t.form, t.partial, t.value) for t in step.terms]
[('a', 'c', 2.0, 2.0), ('c', 'a', 3.0, 0.0)]
>>> print(step.explain())
Step 1 of 1: out = a * c
  (forward mode starts at the inputs: da = 1, dc = 0)
  ∂out/∂a = c = 2
  ∂out/∂c = a = 3
  dout = ∂out/∂a · da + ∂out/∂c · dc = 2 × 1 + 3 × 0 = 2
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import explain
from .backend import ZERO
from .engine import unbroadcast_axes
from .forward import jvp_by_double_vjp
from .node import Node, Rule
from .steps import chain_text, d
from .viz import num, value_text

__all__ = ["ForwardStep", "ForwardTerm", "dt", "forward_step"]


def dt(name: str) -> str:
    """The tangent of ``name`` as its differential: ``dz1``, ``d(x1·w1)``."""
    return f"d{explain.operand(name)}"


class OpView:
    """A step's operation in the shape :mod:`autograd.explain` reads from a recorded node
    (rule, inputs, parameters, result): forward mode records no graph of its own."""

    __slots__ = ("_data", "_params", "_parents", "_rule")

    def __init__(self, node: Node, rule: Rule, parents: tuple[Node, ...],
                 params: dict[str, Any]) -> None:
        self._data = node._data
        self._rule = rule
        self._parents = parents
        self._params = params


class ForwardTerm:
    """What one input brings a forward step: ``∂node/∂input · d input``.

    ``tangent`` is the input's tangent (None: it carries none, a constant of
    the pass). For scalars ``partial`` is the local derivative as a number and
    ``value`` the term; ``form`` is the local derivative in the user's names
    (``x`` for the w of ``w * x``; None for a rule that has no such words, such
    as a matrix product), ``substituted`` the form with values, and ``dead`` a
    tangent stopped by a local derivative of 0. ``broadcast`` lists the axes
    along which an input's tangent is repeated, where the input was broadcast.
    """

    __slots__ = ("broadcast", "dead", "form", "name", "parent", "partial", "position",
                 "substituted", "tangent", "value")

    def __init__(self, parent: Node, position: int, name: str, tangent: Any) -> None:
        self.parent = parent
        self.position = position
        self.name = name
        self.tangent = tangent
        self.partial: float | None = None
        self.value: Any = None
        self.form: str | None = None
        self.substituted: str | None = None
        self.dead = False
        self.broadcast: tuple[int, ...] = ()

    def __repr__(self) -> str:
        return f"<ForwardTerm from {self.name}: {self.value!r}>"


class ForwardStep:
    """One node's share of the forward pass: d node = sum of ∂node/∂input · d input."""

    __slots__ = ("count", "expression", "index", "name", "node", "op_view", "params", "parents",
                 "rule", "seeds", "tangent", "terms")

    def __init__(self, index: int, node: Node, rule: Rule, name: str, expression: str,
                 parents: tuple[Node, ...], terms: list[ForwardTerm], tangent: Any,
                 op_view: OpView) -> None:
        self.index = index
        self.count = 0
        self.node = node
        self.rule = rule              # the operation's rule (also when no graph was recorded)
        self.parents = parents        # the operation's inputs (also when no graph was recorded)
        self.name = name
        self.expression = expression
        self.terms = terms            # one per input, in order
        self.tangent = tangent        # the node's tangent: the rule's JVP of the inputs'
        self.op_view = op_view        # the operation as the explain templates read it
        self.params = op_view._params  # the operation's parameters (an axis, an exponent...)
        self.seeds = ""               # the direction, written on the first step

    @property
    def op(self) -> str:
        """The rule's name (``mul``, ``tanh``...)."""
        return self.rule.name

    @property
    def inputs(self) -> list[tuple[str, Any]]:
        """(name, tangent or None) per input, in order."""
        return [(t.name, t.tangent) for t in self.terms]

    @property
    def partials(self) -> list[Any] | None:
        """∂node/∂input per input that carries a tangent (scalars only, else None)."""
        moving = [t for t in self.terms if t.tangent is not None]
        if any(t.partial is None for t in moving):
            return None
        return [t.partial for t in moving]

    @property
    def scalar(self) -> bool:
        return self.partials is not None

    def explain(self) -> str:
        """The step in words and numbers: the chain rule, pushed forward."""
        n = self.name
        lines = [f"Step {self.index + 1} of {self.count}: {n} = {self.expression}"]
        if self.seeds:
            lines.append(f"  (forward mode starts at the inputs: {self.seeds})")
        moving = [t for t in self.terms if t.tangent is not None]
        chain = " + ".join(f"{d(n, t.name)} · {dt(t.name)}" for t in moving)
        if self.scalar:
            for t in moving:
                stop = (f"   ← {dt(t.name)} stops here: the local derivative is 0"
                        if t.dead else "")
                lines.append(f"  {d(n, t.name)} = "
                             + chain_text(t.form, t.substituted, num(t.partial)) + stop)
            nums = " + ".join(f"{_factor(t.partial)} × {_factor(t.tangent)}" for t in moving)
            lines.append(f"  {dt(n)} = {chain} = {nums} = {value_text(self.tangent)}")
        else:
            pad = "    "
            shape = f" {np.shape(self.tangent)}" if np.ndim(self.tangent) else ""
            lines.append(f"  {dt(n)}{shape} = {chain}")
            forms = [tensor_term(t) for t in moving]
            if all(f is not None for f in forms):
                lines.append(f"  {pad}= {' + '.join(forms)}".replace("+ -", "- "))
            else:
                lines.append(f"  {pad}(by the JVP of {self.op}: each input's Jacobian applied "
                             "to its tangent)")
            for t in moving:
                if t.broadcast:
                    word = "axis" if len(t.broadcast) == 1 else "axes"
                    axes = ", ".join(str(a) for a in t.broadcast)
                    lines.append(f"  {pad}{dt(t.name)} repeated along {word} {axes}, where "
                                 f"{t.name} was broadcast: {np.shape(t.tangent)} -> "
                                 f"{np.shape(self.tangent)}")
            lines.append(f"  {pad}= {value_text(self.tangent)}")
        for t in self.terms:
            if t.tangent is None:
                lines.append(f"  {t.name} is a constant: it carries no tangent"
                             if _is_literal(t.parent) else
                             f"  {t.name} carries no tangent: a constant in this direction")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ForwardStep {self.index + 1}: {self.name} = {self.expression}>"


def _factor(x: Any) -> str:
    s = value_text(x)
    return f"({s})" if s.startswith("-") else s


def tensor_term(t: ForwardTerm) -> str | None:
    """A tensor input's term with an elementwise local derivative: ``(1 - H²) ⊙ dn2``."""
    if t.form is None:
        return None
    if t.form == "1":
        return dt(t.name)
    if t.form == "-1":
        return f"-{dt(t.name)}"
    return f"{explain.operand(t.form)} ⊙ {dt(t.name)}"


def _is_literal(node: Node) -> bool:
    return not node.name and not node.requires_grad and np.size(node._data) == 1


def is_scalar(x: Any) -> bool:
    """A float, or an array of one element."""
    return type(x) is float or np.size(x) == 1


def _partial(rule: Rule, j: int, ts: tuple[Any, ...], node: Node, args: tuple[Node, ...],
             params: dict[str, Any]) -> float | None:
    """∂node/∂input ``j`` as a number, for scalars: the JVP of a unit tangent on input j."""
    unit = tuple(ZERO if i != j else t * 0 + 1 for i, t in enumerate(ts))
    try:
        if rule.jvp is None:
            p = jvp_by_double_vjp(rule, unit, node, args, params)
        else:
            p = rule.jvp(unit, node._data, *[a._data for a in args], **params)
    # The number is an extra: a rule that cannot take this probe must not stop the pass.
    except (ArithmeticError, ValueError, TypeError, AttributeError, IndexError):
        return None
    return 0.0 if p is ZERO else float(np.sum(p))


def forward_step(index: int, node: Node, rule: Rule, args: tuple[Node, ...],
                 params: dict[str, Any], arg_ts: tuple[Any, ...], tangent: Any,
                 names: dict[int, str]) -> ForwardStep:
    """Step ``index``: ``node``, made by ``rule`` from ``args`` (whose tangents are ``arg_ts``,
    ``ZERO`` for none), got ``tangent``; ``names`` names every node by ``id``."""
    view = OpView(node, rule, args, params)
    names[id(view)] = names[id(node)]      # the explain templates name the result by id
    terms = [ForwardTerm(a, j, names[id(a)], None if t is ZERO else t)
             for j, (a, t) in enumerate(zip(args, arg_ts))]
    scalar = is_scalar(node._data) and all(is_scalar(a._data) for a in args)
    for t in terms:
        template = explain.local_template(view, t.position)
        if template is not None and not explain.is_gradient_form(template):
            t.form = explain.local_form(view, t.position, names)
        if t.tangent is None:
            continue
        if scalar:
            t.partial = _partial(rule, t.position, arg_ts, node, args, params)
        if t.partial is not None:
            t.value = t.partial * float(np.sum(t.tangent))
            t.substituted = explain.substituted(view, t.position)
            t.dead = t.partial == 0 and float(np.sum(t.tangent)) != 0
        elif t.form is not None and np.shape(t.tangent) != np.shape(node._data):
            t.broadcast = unbroadcast_axes(np.shape(node._data), np.shape(t.tangent))
    return ForwardStep(index, node, rule, names[id(node)], explain.formula(view, names), args,
                       terms, tangent, view)


def __getattr__(name: str) -> Any:
    # The stepper lives in autograd.forward_stepper, which imports this module.
    if name == "ForwardStepper":
        from .forward_stepper import ForwardStepper

        return ForwardStepper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
