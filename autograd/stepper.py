"""Backpropagation one step at a time, explained with the chain rule.

``BackpropStepper(loss)`` runs its own backward pass over ``loss``'s graph in
the engine's order (reverse ``engine.toposort``), with the engine's rules
(each node's ``Rule.vjp``) and its ``unbroadcast``, and keeps every
intermediate gradient. Each step is one node that has a gradient to pass on:
its operation, the gradient arriving at it (with its parts, when the node
feeds several others), each local derivative and each contribution to an
input, with the running sum and the axes a broadcast gradient is summed over.

The stepper never writes ``.grad`` and never frees the graph: call
``loss.backward()`` as usual, before (with ``retain_graph=True``) or after,
and the leaves' ``.grad`` equal the stepper's gradients after its last step.

>>> from autograd import Value
>>> w = Value(1.0, label="w"); x = Value(0.5, label="x"); b = Value(0.1, label="b")
>>> z1 = w * x; z1.label = "z1"
>>> z2 = z1 + b; z2.label = "z2"
>>> z3 = z2.relu(); z3.label = "z3"
>>> L = (z3 - 1) ** 2; L.label = "L"
>>> s = BackpropStepper(L)
>>> len(s), s.gradient(w), s.gradient(b)
(5, -0.4, -0.8)
>>> print(s.explain(4))
Step 5 of 5: z1 = w * x    [mul: x * y.  d/dx = y, d/dy = x.]
  dL/dz1 = -0.8 (from z2)
  dL/dw += dL/dz1 · dz1/dw = -0.8 × 0.5 = -0.4
  dL/dx += dL/dz1 · dz1/dx = -0.8 × 1 = -0.8
"""
from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import numpy as np

from .engine import GraphReleasedError, _fit, _seed, run_backward, unbroadcast_axes
from .node import Node
from .viz import GraphvizNotFoundError, _draw, _short, node_names, value_text, walk

_INFIX = {"+", "-", "*", "/", "@", "**"}


class Contribution:
    """What one step sends to one input: ``d root/d input += g · local``."""

    __slots__ = ("local", "name", "parent", "position", "raw_shape", "sources", "summed_axes",
                 "total", "value")

    def __init__(self, parent: Node, name: str, position: str, local: Any = None,
                 value: Any = None, raw_shape: tuple[int, ...] = (),
                 summed_axes: tuple[int, ...] = (), sources: list[tuple[str, Any]] | None = None,
                 total: Any = None) -> None:
        self.parent = parent
        self.name = name
        self.position = position  # the rule's name for this input: x, y, or an index
        self.local = local        # d node/d input as a number (scalars only), else None
        self.value = value        # gradient added to the input; None when none flows
        self.raw_shape = raw_shape
        self.summed_axes = summed_axes
        self.sources = sources or []  # every (from, value) added to this input so far
        self.total = total        # the input's gradient after this contribution


class Step:
    """One node's share of the backward pass."""

    __slots__ = ("contributions", "count", "expression", "grad", "index", "name", "node",
                 "root_name", "sources")

    def __init__(self, index: int, node: Node, name: str, root_name: str, expression: str,
                 grad: Any, sources: list[tuple[str, Any]],
                 contributions: list[Contribution]) -> None:
        self.index = index
        self.count = 0
        self.node = node
        self.name = name
        self.root_name = root_name
        self.expression = expression
        self.grad = grad
        self.sources = sources
        self.contributions = contributions

    @property
    def op(self) -> str:
        """The rule's name (``mul``, ``relu``...)."""
        return self.node._rule.name

    def explain(self) -> str:
        """The step in words and numbers, in the chain rule's form."""
        r, n = self.root_name, self.name
        doc = self.node._rule.doc.splitlines()[0] if self.node._rule.doc else ""
        lines = [f"Step {self.index + 1} of {self.count}: {n} = {self.expression}"
                 + (f"    [{self.op}: {doc}]" if doc else "")]
        if not self.sources:
            lines.append(f"  d{r}/d{n} = {value_text(self.grad)} (the start of backpropagation)")
        elif len(self.sources) == 1:
            lines.append(f"  d{r}/d{n} = {value_text(self.grad)} (from {self.sources[0][0]})")
        else:
            parts = " + ".join(f"{value_text(v)} (from {s})" for s, v in self.sources)
            lines.append(f"  d{r}/d{n} = {parts} = {value_text(self.grad)}"
                         f" (complete: all {len(self.sources)} uses of {n} have sent their part)")
        for c in self.contributions:
            p = c.name
            if c.value is None:
                why = "needs no gradient (requires_grad is off)" if not c.parent.requires_grad \
                    else "gets no gradient from this operation"
                lines.append(f"  {p} {why}")
                continue
            head = f"  d{r}/d{p} += d{r}/d{n} · d{n}/d{p} = "
            if c.local is not None:
                head += f"{value_text(self.grad)} × {value_text(c.local)} = "
            lines.append(head + value_text(c.value))
            if c.summed_axes:
                word = "axis" if len(c.summed_axes) == 1 else "axes"
                axes = ", ".join(str(a) for a in c.summed_axes)
                lines.append(f"    grad {c.raw_shape} summed over {word} {axes}"
                             f" -> {np.shape(c.value)}")
            if len(c.sources) > 1:
                parts = " + ".join(f"{value_text(v)} (from {s})" for s, v in c.sources)
                lines.append(f"    running sum: d{r}/d{p} = {parts} = {value_text(c.total)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Step {self.index + 1}: {self.name} = {self.expression}>"


def _expression(node: Node, names: dict[int, str]) -> str:
    rule = node._rule
    args = [names[id(p)] for p in node._parents]
    params = node._params if isinstance(node._params, dict) else {}
    if rule.name == "powc":
        return f"{args[0]} ** {value_text(params['p'])}"
    if rule.name == "rpowc":
        return f"{value_text(params['base'])} ** {args[0]}"
    if rule.symbol in _INFIX and len(args) == 2:
        return f"{args[0]} {rule.symbol} {args[1]}"
    if rule.name == "neg":
        return f"-{args[0]}"
    extras = [f"{k}={s}" for k, v in params.items() if (s := _short(v)) is not None]
    return f"{rule.name}({', '.join(args + extras)})"


def _locals(node: Node, g: Any, inputs: list[Any], params: dict[str, Any]) -> list[Any]:
    """Local derivatives d node/d input, for scalars: the VJP of a gradient of 1."""
    none = [None] * len(inputs)
    if type(g) is float:
        one: Any = 1.0
    elif np.size(g) != 1 or any(np.size(x) != 1 for x in inputs):
        return none  # a Jacobian, not a number: the step shows the VJP's result instead
    else:
        one = np.ones_like(g)
    try:
        out = node._rule.vjp(one, node._data, *inputs, **params)
    # The local derivative is an extra: a rule that cannot take this probe must not stop the pass.
    except (ArithmeticError, ValueError, TypeError, AttributeError, IndexError):
        return none
    return [None if d is None else float(np.sum(d)) for d in out]


class BackpropStepper:
    """The backward pass of ``loss`` as a list of steps, with frames to draw.

    ``grad`` is d loss/d loss as for ``backward`` (default 1 for a scalar).
    ``print(stepper)`` walks through every step; ``frame(i)`` draws the graph
    as of step i; ``widget()`` shows the frames in Jupyter.
    """

    def __init__(self, loss: Node, grad: Any = None) -> None:
        if not isinstance(loss, Node):
            raise TypeError("BackpropStepper: expected a Value or Tensor, got "
                            f"{type(loss).__name__}")
        if not loss.requires_grad:
            raise RuntimeError("BackpropStepper: the loss does not require grad, so there is "
                               "no backward pass to step through")
        self.loss = loss
        self.names = node_names(walk(loss), loss, root_name="L")
        self.root_name = self.names[id(loss)]
        self.steps: list[Step] = []
        self._final: dict[int, Any] = {}
        self._expected: dict[int, int] = {}
        self._svgs: dict[int, str] = {}
        self._seed = _seed(loss, grad, create_graph=False)
        self._run(self._seed)

    def _run(self, seed: Any) -> None:
        names = self.names
        grads: dict[int, Any] = {id(self.loss): seed}
        sources: dict[int, list[tuple[str, Any]]] = {}

        def observe(node: Node, g: Any, pgrads: Any, params: dict[str, Any]) -> None:
            # The engine runs the pass; this only records what each step did, in its words.
            parents = node.parents
            inputs = [p._data for p in parents]
            local = _locals(node, g, inputs, params)
            me = names[id(node)]
            labels = ["x", "y"] if len(inputs) == 2 else [str(j) for j in range(len(inputs))]
            contributions = []
            for j, (p, gp) in enumerate(zip(parents, pgrads)):
                c = Contribution(p, names[id(p)], labels[j])
                contributions.append(c)
                if gp is None or not p.requires_grad:
                    continue
                c.raw_shape = tuple(np.shape(gp))
                fitted = _fit(gp, p, node)
                if p._broadcasts and gp.shape != p._data.shape:
                    c.summed_axes = unbroadcast_axes(gp.shape, p._data.shape)
                gp = fitted
                old = grads.get(id(p))
                grads[id(p)] = gp if old is None else old + gp
                sources.setdefault(id(p), []).append((me, gp))
                c.local, c.value = local[j], gp
                c.sources, c.total = list(sources[id(p)]), grads[id(p)]
            self.steps.append(Step(len(self.steps), node, me, self.root_name,
                                   _expression(node, names), g,
                                   list(sources.get(id(node), [])), contributions))

        try:
            run_backward([self.loss], [seed], retain_graph=True, create_graph=False, keep=set(),
                         observer=observe)
        except GraphReleasedError as exc:
            raise GraphReleasedError(
                "BackpropStepper: the graph was freed by a backward() call; make the stepper "
                f"before it, or call backward(retain_graph=True) ({exc})") from None
        for s in self.steps:
            s.count = len(self.steps)
        self._final = grads
        for key, srcs in sources.items():
            self._expected[key] = len(srcs)

    # -- reading the result
    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def gradient(self, node: Node) -> Any:
        """d loss/d node after the last step (what ``backward`` gives a leaf)."""
        try:
            return self._final[id(node)]
        except KeyError:
            raise KeyError(f"BackpropStepper: {self.names.get(id(node), 'that node')} receives "
                           "no gradient from this loss") from None

    def leaves(self) -> list[Node]:
        """The leaves that receive a gradient, in the order they enter the graph."""
        return [n for n in walk(self.loss) if n._rule is None and id(n) in self._final]

    def explain(self, i: int) -> str:
        """The text of step ``i`` (0-based; negative counts from the end)."""
        return self.steps[i].explain()

    def grads_at(self, i: int) -> dict[int, tuple[Any, bool]]:
        """Gradients after step ``i``: node id -> (gradient, complete)."""
        if i < 0:
            i += len(self.steps)
        state = {id(self.loss): (self._seed, True)}
        received: dict[int, int] = {}
        for step in self.steps[: i + 1]:
            for c in step.contributions:
                if c.value is not None:
                    key = id(c.parent)
                    received[key] = received.get(key, 0) + 1
                    state[key] = (c.total, received[key] == self._expected[key])
        return state

    def __str__(self) -> str:
        r = self.root_name
        head = (f"Backward pass of {r} = {value_text(self.loss._data)}: {len(self.steps)} "
                "steps, from the output back to the leaves (reverse topological order).")
        body = [s.explain() for s in self.steps]
        leaves = ", ".join(f"d{r}/d{self.names[id(n)]} = {value_text(self._final[id(n)])}"
                           for n in self.leaves())
        return "\n\n".join([head, *body, f"Gradients of the leaves: {leaves or 'none'}"])

    def __repr__(self) -> str:
        return f"<BackpropStepper of {self.root_name}: {len(self.steps)} steps>"

    # -- pictures
    def frame(self, i: int, **draw_options: Any) -> Any:
        """The graph as of step ``i``: its node highlighted (red), the inputs it sends
        gradient to in orange, gradients known so far filled in, the rest ``grad ?``.
        ``draw_options`` go to ``draw_graph`` (``rankdir``, ``show_data``...)."""
        step = self.steps[i]
        notes: dict[int, str] = {}
        receiving = []
        for j, c in enumerate(step.contributions):
            if c.value is None:
                continue
            receiving.append(c.parent)
            if np.size(c.value) == 1:
                notes[j] = f"+= {value_text(c.value)}"
            elif c.summed_axes:
                notes[j] = f"grad {c.raw_shape} summed -> {np.shape(c.value)}"
            else:
                notes[j] = f"grad {np.shape(c.value)}"
        return _draw(self.loss, names=self.names, grads=self.grads_at(i), highlight=step.node,
                     receiving=receiving, edge_notes=notes, **draw_options)

    def svg(self, i: int) -> str:
        """Frame ``i`` as SVG text (cached)."""
        i = range(len(self.steps))[i]
        if i not in self._svgs:
            self._svgs[i] = self.frame(i).svg()
        return self._svgs[i]

    def widget(self) -> Any:
        """An ipywidgets view: previous / slider / next, the step's text and its frame.

        The result is a ``VBox``: ``children[0]`` holds the previous button, the
        slider and the next button; ``children[1]`` the explanation; ``children[2]``
        the frame's SVG.
        """
        import ipywidgets as widgets

        last = max(len(self.steps) - 1, 0)
        slider = widgets.IntSlider(value=0, min=0, max=last, description="step",
                                   continuous_update=False)
        prev = widgets.Button(description="previous", icon="arrow-left")
        nxt = widgets.Button(description="next", icon="arrow-right")
        text = widgets.HTML()
        picture = widgets.HTML()

        def show(i: int) -> None:
            prev.disabled = i <= 0
            nxt.disabled = i >= last
            if not self.steps:
                text.value = "<pre>The loss is a leaf: there is nothing to propagate.</pre>"
                return
            text.value = f"<pre>{html.escape(self.explain(i))}</pre>"
            try:
                svg = self.svg(i)
                picture.value = svg[svg.find("<svg"):]
            except GraphvizNotFoundError as exc:
                picture.value = f"<pre>{html.escape(str(exc))}</pre>"

        slider.observe(lambda change: show(change["new"]), names="value")
        prev.on_click(lambda _: setattr(slider, "value", max(slider.value - 1, 0)))
        nxt.on_click(lambda _: setattr(slider, "value", min(slider.value + 1, last)))
        show(0)
        return widgets.VBox([widgets.HBox([prev, slider, nxt]), text, picture])
