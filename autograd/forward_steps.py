"""A forward-mode pass one step at a time: what a forward stepper shows.

``ForwardStepper(f, inputs, tangents)`` runs ``f`` once in a forward-mode
level that records each operation as it gets its tangent, in the order they
ran (a topological order: parents first). Each step is one node: its
operation, the tangents arriving from its inputs, each local derivative (for
scalars) and the chain-rule sum that gives its own tangent, in words and
numbers, the mirror image of :class:`autograd.BackpropStepper`'s steps.
``tangents_at(i)`` gives every tangent known after step ``i``, which is what
a drawing annotates on each node, step by step.

The inputs are used as they are (not copied), so their labels name them,
and when they require grad ``output`` is the root of a recorded graph that
``draw_graph`` can draw.

>>> from autograd import Value
>>> w = Value(1.0, label="w"); x = Value(0.5, label="x"); b = Value(0.1, label="b")
>>> def f(w, x, b):
...     z = w * x + b; z.label = "z"
...     return z.tanh()
>>> s = ForwardStepper(f, (w, x, b), (1.0, 0.0, 0.0))    # d/dw
>>> len(s), round(s.tangent(s.output), 6)            # x (1 - tanh(w x + b)^2)
(3, 0.355789)
>>> print(s.explain(0))
Step 1 of 3: n1 = w * x    [mul: x * y.  d/dx = y, d/dy = x.]
  dn1 = dn1/dw · dw + dn1/dx · dx = 0.5 × 1 + 1 × 0 = 0.5
>>> print(s.explain(2))
Step 3 of 3: out = tanh(z)    [tanh: Hyperbolic tangent.  d/dx = 1 - tanh(x)^2 = 1 - ans^2.]
  dout = dout/dz · dz = 0.7116 × 0.5 = 0.3558
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .backend import ZERO
from .forward import ForwardLevel, as_tangent
from .node import Node, Rule
from .viz import value_text

_INFIX = {"+", "-", "*", "/", "@", "**"}


class ForwardStep:
    """One node's share of the forward pass: d node = sum of (d node/d input) · d input."""

    __slots__ = ("count", "expression", "index", "inputs", "name", "node", "parents", "partials",
                 "rule", "tangent")

    def __init__(self, index: int, node: Node, rule: Rule, name: str, expression: str,
                 parents: tuple[Node, ...], inputs: list[tuple[str, Any]],
                 partials: list[Any] | None, tangent: Any) -> None:
        self.index = index
        self.parents = parents        # the operation's inputs (also when no graph was recorded)
        self.rule = rule              # the operation's rule (also when no graph was recorded)
        self.count = 0
        self.node = node
        self.name = name
        self.expression = expression
        self.inputs = inputs          # (name, tangent or None) per input, in order
        self.partials = partials      # d node/d input per input with a tangent (scalars only)
        self.tangent = tangent        # the node's tangent: the rule's JVP of the inputs'

    @property
    def op(self) -> str:
        """The rule's name (``mul``, ``tanh``...)."""
        return self.rule.name

    def explain(self) -> str:
        """The step in words and numbers: the chain rule, pushed forward."""
        n = self.name
        doc = self.rule.doc.splitlines()[0] if self.rule.doc else ""
        lines = [f"Step {self.index + 1} of {self.count}: {n} = {self.expression}"
                 + (f"    [{self.op}: {doc}]" if doc else "")]
        moving = [(p, t) for p, t in self.inputs if t is not None]
        if self.partials is not None:
            terms = " + ".join(f"d{n}/d{p} · d{p}" for p, _ in moving)
            nums = " + ".join(f"{value_text(d)} × {value_text(t)}"
                              for d, (_, t) in zip(self.partials, moving))
            lines.append(f"  d{n} = {terms} = {nums} = {value_text(self.tangent)}")
        else:
            given = ", ".join(f"d{p} = {value_text(t)}" for p, t in moving)
            lines.append(f"  d{n} = {self.op}'s JVP at {given}")
            lines.append(f"      = {value_text(self.tangent)}")
        still = [p for p, t in self.inputs if t is None]
        if still:
            lines.append(f"  ({', '.join(still)} carr{'ies' if len(still) == 1 else 'y'} no "
                         "tangent: a constant in this direction)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ForwardStep {self.index + 1}: {self.name} = {self.expression}>"


def _expression(rule: Rule, args: list[str], params: dict[str, Any]) -> str:
    if rule.name == "powc":
        return f"{args[0]} ** {value_text(params['p'])}"
    if rule.name == "rpowc":
        return f"{value_text(params['base'])} ** {args[0]}"
    if rule.symbol in _INFIX and len(args) == 2:
        return f"{args[0]} {rule.symbol} {args[1]}"
    if rule.name == "neg":
        return f"-{args[0]}"
    return f"{rule.name}({', '.join(args)})"


def _scalar(x: Any) -> bool:
    return type(x) is float or np.size(x) == 1


class ForwardStepper:
    """Run ``f(*inputs)`` with ``tangents`` on the inputs and keep every step of forward mode."""

    def __init__(self, f: Callable[..., Any], inputs: Sequence[Node] | Node,
                 tangents: Sequence[Any] | Any) -> None:
        xs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
        ts = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
        if len(ts) != len(xs):
            raise ValueError(f"ForwardStepper: {len(xs)} inputs but {len(ts)} tangents; "
                             "give one tangent per input")
        level = ForwardLevel(record=True)
        with level:
            for i, (x, t) in enumerate(zip(xs, ts)):
                level.set(x, as_tangent(x, t, f"ForwardStepper: tangent {i}"))
            self.output = f(*xs)
        self._level = level
        self.inputs = xs
        names: dict[int, str] = {}
        for i, x in enumerate(xs):
            names[id(x)] = x.name or f"x{i}"
        self.steps: list[ForwardStep] = []
        k = 0
        for node, rule, args, params, arg_ts in level.steps or []:
            for a in args:
                if id(a) not in names:   # a constant of the computation
                    names[id(a)] = a.name or value_text(a._data)
            if node.name:
                names[id(node)] = node.name
            elif node is self.output:
                names[id(node)] = "out"
            else:
                k += 1
                names[id(node)] = f"n{k}"
            self.steps.append(self._step(len(self.steps), node, rule, args, params or {},
                                         arg_ts, names))
        for s in self.steps:
            s.count = len(self.steps)
        self._names = names

    def _step(self, index: int, node: Node, rule: Rule, args: tuple[Node, ...],
              params: dict[str, Any], arg_ts: tuple[Any, ...],
              names: dict[int, str]) -> ForwardStep:
        arg_names = [names[id(a)] for a in args]
        inputs = [(p, None if t is ZERO else t) for p, t in zip(arg_names, arg_ts)]
        partials = None
        data = [a._data for a in args]
        if rule.jvp is not None and _scalar(node._data) and all(_scalar(d) for d in data):
            partials = []
            for i, t in enumerate(arg_ts):
                if t is ZERO:
                    continue
                unit = tuple(ZERO if j != i else (t * 0 + 1) for j in range(len(arg_ts)))
                partials.append(rule.jvp(unit, node._data, *data, **params))
        return ForwardStep(index, node, rule, names[id(node)],
                           _expression(rule, arg_names, params), args, inputs, partials,
                           self._level.get(node))

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
        return self._names[id(node)]

    def explain(self, i: int) -> str:
        return self.steps[i].explain()

    def tangents_at(self, i: int) -> dict[int, Any]:
        """Tangents known after step ``i`` (-1: the inputs' alone), keyed by ``id(node)``."""
        known = {id(x): self._level.get(x) for x in self.inputs}
        for s in self.steps[:i + 1]:
            known[id(s.node)] = s.tangent
        return known

    def __str__(self) -> str:
        return "\n\n".join(s.explain() for s in self.steps)

    def __repr__(self) -> str:
        return f"<ForwardStepper: {len(self.steps)} steps>"
