"""A forward-mode pass one step at a time: explained with the chain rule, and drawn.

``ForwardStepper(f, inputs, tangents)`` runs ``f`` once in a forward-mode
level that records each operation as it gets its tangent, in the order they
ran (a topological order: parents first). Each step is one node: each local
derivative, the tangents arriving from its inputs and the chain-rule sum
that gives its own tangent, in the user's names and in numbers, the mirror
image of :class:`autograd.BackpropStepper`'s steps. ``tangents_at(i)`` gives
every tangent known after step ``i``.

The steps write the tangent of ``z`` as its differential ``dz``, with the
backward stepper's local derivatives ``∂z/∂w`` (see :mod:`autograd.forward_steps`).

On screen a forward stepper is what a backward one is: ``frame(i)``,
``svg(i)``, ``html()`` (what Jupyter shows), ``save_html(path)`` and
``widget()`` draw every step on one layout (:mod:`autograd.frames`), the
step's node in red, the inputs it takes tangents from in orange, each value's
tangent filled in as it becomes known (``tangent ?`` before).

The inputs are used as they are (not copied), so their labels name them. No
recorded graph is needed: the steps keep each operation's inputs, so a pass
over tensors that require no grad, or under ``no_grad``, is drawn as well.

>>> from autograd import Value
>>> w = Value(1.0, label="w"); x = Value(0.5, label="x"); b = Value(0.1, label="b")
>>> def f(w, x, b):
...     z = w * x + b; z.label = "z"
...     return z.tanh()
>>> s = ForwardStepper(f, (w, x, b), (1.0, 0.0, 0.0))    # d/dw
>>> len(s), round(s.tangent(s.output), 6)            # x (1 - tanh(w x + b)^2)
(3, 0.355789)
>>> print(s.explain(0))
Step 1 of 3: n1 = w * x
  (forward mode starts at the inputs: dw = 1, dx = 0, db = 0)
  ∂n1/∂w = x = 0.5
  ∂n1/∂x = w = 1
  dn1 = ∂n1/∂w · dw + ∂n1/∂x · dx = 0.5 × 1 + 1 × 0 = 0.5
>>> print(s.explain(2))
Step 3 of 3: out = tanh(z)
  ∂out/∂z = 1 - out² = 1 - 0.537² = 0.7116
  dout = ∂out/∂z · dz = 0.7116 × 0.5 = 0.3558
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from . import explain
from .forward import ForwardLevel, as_tangent
from .forward_steps import ForwardStep, dt, forward_step, is_scalar, tensor_term
from .frames import FrameSet, Op, array_body
from .node import Node
from .stepper_page import StepperView
from .steps import d
from .viz import num, value_text, walk

__all__ = ["ForwardFrames", "ForwardStepper"]


class ForwardStepper(StepperView):
    """Run ``f(*inputs)`` with ``tangents`` on the inputs and keep every step of forward mode.

    ``inputs`` is a Value or Tensor or a sequence of them, ``tangents`` one
    tangent per input (a number for a Value, an array of its shape for a
    Tensor; None leaves an input without one, a constant of the pass).
    ``rankdir`` fixes the pictures' direction ('LR' or 'TB'); by default left
    to right unless top to bottom fits the width better.
    """

    _nothing = "No operation got a tangent: there is nothing to push forward."

    def __init__(self, f: Callable[..., Any], inputs: Sequence[Node] | Node,
                 tangents: Sequence[Any] | Any, rankdir: str | None = None) -> None:
        xs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
        ts = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
        for i, x in enumerate(xs):
            if not isinstance(x, Node):
                raise TypeError(f"ForwardStepper: input {i} is a {type(x).__name__}; expected "
                                "a Value or a Tensor")
        if len(ts) != len(xs):
            raise ValueError(f"ForwardStepper: {len(xs)} inputs but {len(ts)} tangents; "
                             "give one tangent per input")
        if rankdir not in (None, "LR", "TB"):
            raise ValueError(f"ForwardStepper: rankdir must be 'LR', 'TB' or None, got "
                             f"{rankdir!r}")
        level = ForwardLevel(record=True)
        with level:
            for i, (x, t) in enumerate(zip(xs, ts)):
                if t is not None:
                    level.set(x, as_tangent(x, t, f"ForwardStepper: tangent {i}"))
            self.output = f(*xs)
        outs = self.output if isinstance(self.output, (tuple, list)) else (self.output,)
        for j, o in enumerate(outs):
            if not isinstance(o, Node):
                raise TypeError(f"ForwardStepper: f returned a {type(o).__name__}"
                                f"{f' as output {j}' if len(outs) > 1 else ''}; expected a "
                                "Value or a Tensor (or a tuple of them)")
        self._level = level
        self.inputs = xs
        self.outputs: tuple[Node, ...] = tuple(outs)
        self.rankdir = rankdir
        self._frames: Any = None
        self.names: dict[int, str] = {}
        for i, x in enumerate(xs):
            self.names.setdefault(id(x), x.name or f"x{i}")
        self.steps: list[ForwardStep] = []
        self._record(level.steps or [])

    def _record(self, entries: list[tuple[Any, ...]]) -> None:
        names = self.names
        out_names = {id(o): "out" if len(self.outputs) == 1 else f"out{j}"
                     for j, o in enumerate(self.outputs)}
        k = 0
        for node, rule, args, params, arg_ts in entries:
            for a in args:
                if id(a) not in names:   # a constant of the computation
                    if a.name:
                        names[id(a)] = a.name
                    elif np.size(a._data) == 1 and not a.requires_grad:
                        names[id(a)] = num(a._data)
                    else:
                        k += 1
                        names[id(a)] = f"n{k}"
            if node.name:
                names[id(node)] = node.name
            elif id(node) in out_names:
                names[id(node)] = out_names[id(node)]
            else:
                k += 1
                names[id(node)] = f"n{k}"
            self.steps.append(forward_step(len(self.steps), node, rule, args, params or {},
                                           arg_ts, self._level.get(node), names))
        for o in self.outputs:
            names.setdefault(id(o), o.name or out_names[id(o)])
        for s in self.steps:
            s.count = len(self.steps)
        if self.steps:
            self.steps[0].seeds = self.direction()

    # -- reading the record
    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> ForwardStep:
        return self.steps[i]

    def __iter__(self) -> Iterator[ForwardStep]:
        return iter(self.steps)

    def tangent(self, node: Node) -> Any:
        """The tangent ``node`` got in this pass (None: it carries none)."""
        return self._level.get(node)

    def name(self, node: Node) -> str:
        """The name the steps use for ``node``."""
        return self.names[id(node)]

    def explain(self, i: int) -> str:
        """The text of step ``i`` (0-based; negative counts from the end)."""
        return self.steps[i].explain()

    def tangents_at(self, i: int) -> dict[int, Any]:
        """Tangents known after step ``i`` (-1: the inputs' alone), keyed by ``id(node)``."""
        known = {id(x): t for x in self.inputs if (t := self._level.get(x)) is not None}
        for s in self.steps[:i + 1]:
            known[id(s.node)] = s.tangent
        return known

    def direction(self) -> str:
        """The inputs' tangents: ``dw = 1, dx = 0, db = 0`` (arrays by their shapes)."""
        return ", ".join(
            f"{dt(self.names[id(x)])} = {num(t)}" if is_scalar(t) else
            f"{dt(self.names[id(x)])} {explain.shape_text(np.shape(t))}"
            for x in self.inputs if (t := self._level.get(x)) is not None) or "no tangent"

    def wrt(self) -> str | None:
        """The input whose partial derivatives the tangents are, when the direction is a
        unit one on one scalar input (``dw = 1``, every other tangent 0), else None."""
        ones = [id(x) for x in self.inputs if (t := self._level.get(x)) is not None
                and is_scalar(t) and float(np.sum(t)) == 1.0]
        rest = [x for x in self.inputs if id(x) not in ones]
        if len(ones) != 1 or any(np.any(self._level.get(x)) for x in rest):
            return None
        return self.names[ones[0]]

    def __str__(self) -> str:
        outs = ", ".join(f"{self.names[id(o)]} = {value_text(o._data)}" for o in self.outputs)
        head = (f"Forward pass of {outs} along {self.direction()}: {len(self.steps)} steps, "
                "from the inputs to the output (topological order).")
        wrt = self.wrt()
        tails = []
        for o in self.outputs:
            t, n = self.tangent(o), self.names[id(o)]
            tails.append(f"{dt(n)} = {'none' if t is None else value_text(t)}"
                         + (f" = {d(n, wrt)}" if wrt and t is not None else ""))
        return "\n\n".join([head, *[s.explain() for s in self.steps],
                            f"Tangent of the output: {', '.join(tails)}"])

    def __repr__(self) -> str:
        return f"<ForwardStepper: {len(self.steps)} steps>"

    # -- pictures and pages (StepperView: frame, svg, html, save_html, widget)
    def _make_frames(self) -> FrameSet:
        return ForwardFrames(self, rankdir=self.rankdir)

    def _title(self) -> str:
        outs = ", ".join(f"{self.names[id(o)]} = {value_text(o._data)}" for o in self.outputs)
        return f"Forward mode through {outs} along {self.direction()}, step by step"


class ForwardFrames(FrameSet):
    """What a forward step's picture writes: each value's tangent once it is known
    (``tangent ?`` before; the inputs' from the start, marked ``seed``), the step's node
    in red, the inputs it takes tangents from in orange, on each edge the local
    derivative and the term it adds, tangents stopped by a local derivative of 0 dashed.
    """

    def graph(self) -> tuple[list[Node], dict[int, Op]]:
        s = self.stepper
        order: list[Node] = []
        seen: set[int] = set()
        ops: dict[int, Op] = {}
        for step in s.steps:
            for p in (*step.parents, step.node):
                if id(p) not in seen:
                    seen.add(id(p))
                    order.append(p)
            ops[id(step.node)] = (step.rule, step.parents, step.params)
        order += [o for o in s.outputs if id(o) not in seen]
        seen |= {id(o) for o in s.outputs}
        if len(s.outputs) == 1 and s.outputs[0]._rule is not None:
            # The recorded graph's order, when it holds just these values, lays the graph
            # out as the backward stepper does: the same picture in both directions.
            recorded = walk(s.outputs[0])
            if {id(n) for n in recorded} == seen:
                order = recorded
        return order, ops

    def kind(self, node: Node) -> str:
        if any(node is o for o in self.stepper.outputs):
            return "output"
        if id(node) in self.step_of:
            return "intermediate"
        if node.requires_grad:
            return "parameter"
        if node.name or np.size(node._data) != 1 or any(node is x for x in self.stepper.inputs):
            return "input"
        return "constant"

    def known(self, i: int) -> dict[int, Any]:
        return self.stepper.tangents_at(i)

    def focus(self, i: int) -> tuple[int | None, set[int], str]:
        step = self.stepper.steps[i]
        return id(step.node), {id(t.parent) for t in step.terms if t.tangent is not None}, \
            "cr-feeding"

    def annotation(self, node: Node, state: Any) -> list[tuple]:
        key = id(node)
        if key not in self.step_of and self.stepper.tangent(node) is None:
            return []                        # no tangent in this pass: a constant
        seed = " (seed)" if key not in self.step_of else ""
        data = node._data
        if isinstance(data, np.ndarray) and data.size != 1:
            return [("text", ["tangent ?" if state is None else f"tangent{seed}"]),
                    array_body(state, data)]
        return [("text", ["tangent ?" if state is None else f"tangent {num(state)}{seed}"])]

    def edge_lines(self, k: int, j: int, i: int) -> tuple[list[str], str]:
        step_index = self.step_of.get(id(self.order[k]))
        if step_index is None or i < step_index:
            return [], ""
        step = self.stepper.steps[step_index]
        t = step.terms[j]
        if t.tangent is None:
            return [], ""
        n, p = step.name, t.name
        if t.partial is not None:     # scalars: the local derivative, then the term it adds
            form = f"{t.form} = " if t.form and t.form != num(t.partial) else ""
            lines = [f"{d(n, p)} = {form}{num(t.partial)}",
                     f"adds {num(t.partial)} × {num(t.tangent)} = {num(t.value)}"]
        else:
            lines = [f"{dt(n)} += {tensor_term(t) or f'{d(n, p)} · {dt(p)}'}",
                     f"adds {explain.shape_text(np.shape(step.tangent))}"]
        if t.dead:
            lines = lines[:1] + ["0: the tangent stops here"]
        return lines, "dead" if t.dead else "active" if i == step_index else "done"
