"""One step of backpropagation: what a node sends its inputs, and the step in words.

A step is one node passing its gradient on: its rule's VJP gives one
gradient per input (:func:`engine.node_vjp`), :func:`contributions` fits each
to its input's shape (summing broadcast axes, as the engine does), and
:func:`write` adds them to the inputs' ``.grad``. The stepper records the
engine's own pass and writes the recorded steps as it walks;
``Value._backward()`` (micrograd's manual backprop) is :func:`backprop_node`,
the same two functions on the node's current ``.grad``.

>>> from autograd import Value
>>> a = Value(2.0, label="a"); b = Value(-3.0, label="b"); c = a * b
>>> c.grad = 1.0
>>> backprop_node(c, c.grad)
>>> a.grad, b.grad
(-3.0, 2.0)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .engine import _fit, node_vjp, unbroadcast_axes
from .explain import operand
from .node import Node
from .viz import num, value_text


class Contribution:
    """What one step sends one input: ``∂L/∂input += ∂L/∂node · ∂node/∂input``.

    ``value`` is the gradient added to the input (shaped like it; None when
    none flows), ``raw_shape`` its shape before broadcast axes were summed
    (``summed_axes``). The stepper fills in the rest: the local derivative as
    a number (``local``, scalars only) and in the user's names (``form``,
    ``substituted``, ``shapes``), the input's running sum (``sources``,
    ``total``), and ``dead``: a gradient the local derivative stopped.
    """

    __slots__ = ("dead", "form", "gradient_form", "local", "name", "parent", "position",
                 "raw_shape", "shapes", "sources", "stopped", "substituted", "summed_axes",
                 "total", "uses", "value")

    def __init__(self, parent: Node, position: int) -> None:
        self.parent = parent
        self.position = position
        self.name = ""
        self.value: Any = None
        self.raw_shape: tuple[int, ...] = ()
        self.summed_axes: tuple[int, ...] = ()
        self.local: float | None = None
        self.form: str | None = None
        self.gradient_form = False
        self.substituted: str | None = None
        self.shapes: str | None = None
        self.sources: list[tuple[str, Any]] = []
        self.total: Any = None
        self.uses = 0             # contributions the input gets in the whole pass
        self.dead = False
        self.stopped = 0

    def __repr__(self) -> str:
        return f"<Contribution to {self.name or 'input'} {self.position}: {self.value!r}>"


def contributions(node: Node, g: Any, pgrads: Sequence[Any]) -> list[Contribution]:
    """What ``node`` sends each input, given ``g`` = d root/d node and its VJP's ``pgrads``."""
    out = []
    alive = np.asarray(g) != 0
    for j, (p, gp) in enumerate(zip(node.parents, pgrads)):
        c = Contribution(p, j)
        if gp is not None and p.requires_grad:
            c.raw_shape = tuple(np.shape(gp))
            stopped = alive & (np.asarray(gp) == 0) if np.shape(gp) == alive.shape else None
            if stopped is not None:
                c.stopped = int(np.count_nonzero(stopped))
                c.dead = c.stopped > 0 and c.stopped == np.count_nonzero(alive)
            c.value = _fit(gp, p, node)  # first: a wrong shape is an error naming the rule
            if p._broadcasts and gp.shape != p._data.shape:
                c.summed_axes = unbroadcast_axes(gp.shape, p._data.shape)
        out.append(c)
    return out


def write(sent: Sequence[Contribution]) -> None:
    """Add each contribution to its input's ``.grad``, where ``backward`` would keep it
    (leaves, and nodes that retain their gradient: every ``Value``)."""
    for c in sent:
        p = c.parent
        if c.value is not None and (p._rule is None or p.retains_grad):
            p._accumulate_grad(c.value, False)


def backprop_node(node: Node, g: Any) -> None:
    """Run ``node``'s rule once with ``g`` = d root/d node and add what it sends to its
    inputs' ``.grad`` (nothing for a leaf)."""
    if node._rule is not None:
        write(contributions(node, g, node_vjp(node, g)))


class Step:
    """One node's share of the backward pass: the gradient that reached it and what it sent."""

    __slots__ = ("contributions", "count", "expression", "fallback", "grad", "index", "name",
                 "node", "root_name", "sources", "unit_seed")

    def __init__(self, index: int, node: Node, name: str, root_name: str, expression: str,
                 grad: Any, sources: list[tuple[str, Any]],
                 sent: list[Contribution], fallback: str = "") -> None:
        self.index = index
        self.count = 0
        self.node = node
        self.name = name
        self.root_name = root_name
        self.expression = expression
        self.grad = grad
        self.sources = sources      # (from, part) of the gradient that reached the node
        self.contributions = sent
        self.fallback = fallback    # the rule's own words, for a rule without templates
        # At the loss with the usual seed 1, ∂L/∂input is the local derivative itself.
        self.unit_seed = not sources and np.size(grad) == 1 and float(np.sum(grad)) == 1.0

    @property
    def op(self) -> str:
        """The rule's name (``mul``, ``relu``...)."""
        return self.node._rule.name

    def explain(self) -> str:
        """The step in words and numbers, in the chain rule's form and the user's names."""
        return step_text(self)

    def __repr__(self) -> str:
        return f"<Step {self.index + 1}: {self.name} = {self.expression}>"


# ------------------------------------------------------------------ words

def d(top: str, bottom: str) -> str:
    """``∂top/∂bottom`` with compound names in parentheses."""
    return f"∂{operand(top)}/∂{operand(bottom)}"


def chain_text(*parts: str | None) -> str:
    """``a = b = c`` without repeats or blanks."""
    kept: list[str] = []
    for p in parts:
        if p and (not kept or kept[-1] != p):
            kept.append(p)
    return " = ".join(kept)


def _scalar(step: Step) -> bool:
    return type(step.grad) is float or (np.size(step.grad) == 1 and all(
        c.local is not None or c.value is None for c in step.contributions))


def _no_gradient(step: Step, c: Contribution) -> str:
    p = c.parent
    if not p.requires_grad:
        if p._rule is None and not p.name and np.size(p._data) == 1:
            return f"  {c.name} is a constant: it needs no gradient"
        return f"  {c.name} needs no gradient (requires_grad=False)"
    return f"  {c.name} gets no gradient from {step.name}"


def _scalar_lines(step: Step, c: Contribution) -> list[str]:
    r, n, p = step.root_name, step.name, c.name
    local = num(c.local) if c.local is not None else None
    note = "" if c.form is not None else f"   ({step.fallback})"
    stop = "   ← the gradient stops here: the local derivative is 0" if c.dead else ""
    if step.unit_seed:
        # At the loss the chain has one link: ∂L/∂e is the local derivative itself.
        op = "=" if c.uses == 1 else "+="
        lines = [f"  {d(r, p)} {op} " + chain_text(c.form, c.substituted, value_text(c.value))
                 + note + stop]
    else:
        # A gradient form (∂L/∂C · Bᵀ) is the whole product, not the local derivative.
        form = c.form if not c.gradient_form else None
        via = f" = {c.form}" if c.gradient_form and c.form else ""
        lines = [f"  {d(n, p)} = " + chain_text(form, c.substituted, local) + note]
        product = f"{value_text(step.grad)} × {local} = " if local is not None else ""
        lines.append(f"  {d(r, p)} += {d(r, n)} · {d(n, p)}{via} = {product}"
                     f"{value_text(c.value)}{stop}")
    return lines


def _tensor_lines(step: Step, c: Contribution) -> list[str]:
    r, n, p = step.root_name, step.name, c.name
    g = d(r, n)
    if c.gradient_form and c.form:
        rhs = c.form
    elif c.form == "1":
        rhs = g
    elif c.form == "-1":
        rhs = f"-{g}"
    elif c.form is not None:
        rhs = f"{g} ⊙ {operand(c.form)}"
    else:
        rhs = f"{step.node._rule.name}'s VJP applied to {g}   ({step.fallback})"
    lines = [f"  {d(r, p)} += {rhs}"]
    pad = "      "
    if c.shapes:
        lines.append(f"{pad}{c.raw_shape} = {c.shapes}")
    elif c.form not in (None, "1", "-1") and not c.gradient_form:
        lines.append(f"{pad}{c.raw_shape} = {tuple(np.shape(step.grad))} ⊙ {c.raw_shape}")
    if c.summed_axes:
        word = "axis" if len(c.summed_axes) == 1 else "axes"
        axes = ", ".join(str(a) for a in c.summed_axes)
        lines.append(f"{pad}summed over {word} {axes}, where {p} was broadcast: "
                     f"{c.raw_shape} -> {tuple(np.shape(c.value))}")
    lines.append(f"{pad}= {value_text(c.value)}")
    if c.dead:
        lines.append(f"{pad}← the gradient stops here: the local derivative is 0 everywhere")
    elif c.stopped:
        lines.append(f"{pad}the local derivative is 0 at {c.stopped} of {np.size(c.value)} "
                     "entries: no gradient passes there")
    return lines


def step_text(step: Step) -> str:
    """The step in words and numbers, in the chain rule's form and the user's names."""
    r, n = step.root_name, step.name
    lines = [f"Step {step.index + 1} of {step.count}: {n} = {step.expression}"]
    scalar = _scalar(step)
    shape = "" if scalar or not np.ndim(step.grad) else f" {tuple(np.shape(step.grad))}"
    if not step.sources:
        lines.append(f"  {d(r, n)}{shape} = {value_text(step.grad)}   "
                     "(backpropagation starts at the loss)")
    elif len(step.sources) == 1:
        lines.append(f"  {d(r, n)}{shape} = {value_text(step.grad)}   "
                     f"(from {step.sources[0][0]})")
    elif scalar:
        parts = " + ".join(f"{value_text(v)} (from {s})" for s, v in step.sources)
        lines.append(f"  {d(r, n)} = {parts} = {value_text(step.grad)}   ({n} is used "
                     f"{len(step.sources)} times: the parts add up)")
    else:
        froms = ", ".join(s for s, _ in step.sources)
        lines.append(f"  {d(r, n)}{shape} = the sum of {len(step.sources)} parts (from "
                     f"{froms}) = {value_text(step.grad)}")
    for c in step.contributions:
        if c.value is None:
            lines.append(_no_gradient(step, c))
            continue
        lines += _scalar_lines(step, c) if scalar else _tensor_lines(step, c)
        if len(c.sources) > 1:
            parts = " + ".join(f"{value_text(v)} (from {s})" for s, v in c.sources)
            lines.append(f"    running sum: {d(r, c.name)} = {parts} = {value_text(c.total)}")
    return "\n".join(lines)
