"""Backpropagation one step at a time, explained with the chain rule and performed.

``BackpropStepper(loss)`` records the engine's own backward pass over
``loss``'s graph (``engine.run_backward`` with an observer, so the order, the
rules and the broadcasting are the engine's) without writing anything. Each
step is one node passing its gradient on: the gradient that reached it (with
its parts, when the node feeds several others), each input's local derivative
in the user's names, and what each input receives.

Walking the stepper performs the pass: ``next(stepper)``, ``for step in
stepper`` or ``stepper.run()`` add each step's contributions to ``.grad``
(the loss's own gradient on the first step), so after the last step the
leaves (and, for ``Value`` graphs, every node) hold what ``backward()`` gives.
``BackpropStepper(loss, apply=False)`` explains without writing. Reading
(``len``, ``stepper[i]``, ``stepper.steps``, ``explain``, the pictures) never
writes, and the stepper keeps the graph, so ``backward()`` still works.

On screen, ``stepper.html()`` (what Jupyter shows for a stepper) is one
self-contained HTML fragment: every step's text and picture, with previous /
next / slider controls that need no kernel; ``save_html(path)`` writes it as a
page. The pictures share one layout, so only colours and numbers change.

>>> from autograd import Value
>>> w = Value(1.0, label="w"); x = Value(0.5, label="x"); b = Value(0.1, label="b")
>>> z1 = w * x; z1.label = "z1"
>>> z2 = z1 + b; z2.label = "z2"
>>> z3 = z2.relu(); z3.label = "z3"
>>> L = (z3 - 1) ** 2; L.label = "L"
>>> s = BackpropStepper(L)
>>> print(s.explain(4))
Step 5 of 5: z1 = w * x
  ∂L/∂z1 = -0.8   (from z2)
  ∂z1/∂w = x = 0.5
  ∂L/∂w += ∂L/∂z1 · ∂z1/∂w = -0.8 × 0.5 = -0.4
  ∂z1/∂x = w = 1
  ∂L/∂x += ∂L/∂z1 · ∂z1/∂x = -0.8 × 1 = -0.8
>>> w.grad, len(s.run()), w.grad, b.grad
(0.0, 5, -0.4, -0.8)
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import explain
from .engine import GraphReleasedError, _seed, node_vjp, run_backward
from .frames import FrameSet, Op, array_body
from .node import Node
from .stepper_page import StepperView
from .steps import Contribution, Step, contributions, d, write
from .viz import node_kind, node_names, num, value_text, walk

__all__ = ["BackpropStepper", "BackwardFrames", "Contribution", "Step"]


def _locals(node: Node, g: Any) -> list[float | None]:
    """Local derivatives d node/d input as numbers, for scalars: the VJP of a gradient of 1."""
    n = len(node._parents)
    if type(g) is float:
        one: Any = 1.0
    elif np.size(g) != 1 or any(np.size(p._data) != 1 for p in node._parents):
        return [None] * n  # a Jacobian, not a number: the step shows the gradient instead
    else:
        one = np.ones_like(g)
    try:
        out = node_vjp(node, one)
    # The local derivative is an extra: a rule that cannot take this probe must not stop the pass.
    except (ArithmeticError, ValueError, TypeError, AttributeError, IndexError):
        return [None] * n
    return [None if v is None else float(np.sum(v)) for v in out]


class BackpropStepper(StepperView):
    """The backward pass of ``loss`` as steps to read, draw, and walk.

    ``grad`` is d loss/d loss as for ``backward`` (default 1 for a scalar).
    ``apply=False`` makes walking explain only, leaving ``.grad`` alone.
    ``rankdir`` fixes the pictures' direction ('LR' or 'TB'); by default
    left to right unless top to bottom fits the width better.
    """

    _nothing = "The loss is a leaf: there is nothing to propagate."

    def __init__(self, loss: Node, grad: Any = None, apply: bool = True,
                 rankdir: str | None = None) -> None:
        if not isinstance(loss, Node):
            raise TypeError("BackpropStepper: expected a Value or Tensor, got "
                            f"{type(loss).__name__}")
        if not loss.requires_grad:
            raise RuntimeError("BackpropStepper: the loss does not require grad, so there is "
                               "no backward pass to step through")
        if rankdir not in (None, "LR", "TB"):
            raise ValueError(f"BackpropStepper: rankdir must be 'LR', 'TB' or None, got "
                             f"{rankdir!r}")
        self.loss = loss
        self.apply = apply
        self.rankdir = rankdir
        self.names = node_names(walk(loss), loss, root_name="L")
        self.root_name = self.names[id(loss)]
        self.steps: list[Step] = []
        self._final: dict[int, Any] = {}
        self._expected: dict[int, int] = {}
        self._walked = 0
        self._started = False
        self._frames: Any = None
        self._seed = _seed(loss, grad, create_graph=False)
        self._record(self._seed)

    def _record(self, seed: Any) -> None:
        names = self.names
        root = self.root_name
        totals: dict[int, Any] = {id(self.loss): seed}
        sources: dict[int, list[tuple[str, Any]]] = {}

        def observe(node: Node, g: Any, pgrads: Any) -> None:
            # The engine runs the pass; this records what each step did, in the user's words.
            sent = contributions(node, g, pgrads)
            local = _locals(node, g)
            scalar = all(v is not None for v, c in zip(local, sent) if c.value is not None)
            me = names[id(node)]
            for c in sent:
                j, key = c.position, id(c.parent)
                c.name = names[key]
                c.form = explain.local_form(node, j, names, root)
                c.gradient_form = explain.is_gradient_form(explain.local_template(node, j))
                if c.value is None:
                    continue
                if scalar:
                    c.local = local[j]
                    c.substituted = explain.substituted(node, j)
                else:
                    c.shapes = explain.shapes_form(node, j, tuple(np.shape(g)))
                if c.gradient_form and not c.dead:
                    c.stopped = 0  # zeros of a matrix product are not a derivative of 0
                old = totals.get(key)
                totals[key] = c.value if old is None else old + c.value
                sources.setdefault(key, []).append((me, c.value))
                c.sources, c.total = list(sources[key]), totals[key]
            self.steps.append(Step(len(self.steps), node, me, root, explain.formula(node, names),
                                   g, list(sources.get(id(node), [])), sent,
                                   explain.fallback(node)))

        try:
            run_backward([self.loss], [seed], retain_graph=True, create_graph=False, keep=set(),
                         observer=observe)
        except GraphReleasedError as exc:
            raise GraphReleasedError(
                "BackpropStepper: the graph was freed by a backward() call; make the stepper "
                f"before it, or call backward(retain_graph=True) ({exc})") from None
        self._final = totals
        self._expected = {key: len(srcs) for key, srcs in sources.items()}
        for s in self.steps:
            s.count = len(self.steps)
            for c in s.contributions:
                c.uses = self._expected.get(id(c.parent), 0)

    # -- reading the record
    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

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
        """Gradients known after step ``i``: node id -> (gradient, complete)."""
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
        leaves = ", ".join(f"∂{r}/∂{explain.operand(self.names[id(n)])} = "
                           f"{value_text(self._final[id(n)])}" for n in self.leaves())
        return "\n\n".join([head, *body, f"Gradients of the leaves: {leaves or 'none'}"])

    def __repr__(self) -> str:
        return (f"<BackpropStepper of {self.root_name}: {len(self.steps)} steps, "
                f"{self._walked} walked>")

    # -- walking: the pass performed step by step
    @property
    def position(self) -> int:
        """How many steps have been walked (and, with ``apply``, written to ``.grad``)."""
        return self._walked

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        loss = self.loss
        if self.apply and (loss._rule is None or loss.retains_grad):
            loss._accumulate_grad(self._seed, False)  # backward's seed: o.grad = 1

    def __iter__(self) -> Iterator[Step]:
        return self

    def __next__(self) -> Step:
        """Walk one step: add its contributions to ``.grad`` (unless ``apply=False``)."""
        self._start()
        if self._walked >= len(self.steps):
            raise StopIteration
        step = self.steps[self._walked]
        if self.apply:
            write(step.contributions)
        self._walked += 1
        return step

    def run(self) -> BackpropStepper:
        """Walk every remaining step; afterwards ``.grad`` holds what ``backward()`` gives."""
        for _ in self:
            pass
        return self

    # -- pictures and pages (StepperView: frame, svg, html, save_html, widget)
    def _make_frames(self) -> FrameSet:
        return BackwardFrames(self, rankdir=self.rankdir)

    def _title(self) -> str:
        return (f"Backpropagation through {self.root_name} = "
                f"{value_text(self.loss._data)}, step by step")


class BackwardFrames(FrameSet):
    """What a backward step's picture writes: each value's gradient once it is known
    (``grad ?`` before, ``(so far)`` while parts are missing, the sum of its parts when
    it is used several times), the step's node in red, the inputs it sends gradient to
    in orange, on each edge the local derivative and what it sends, dead gradients
    dashed."""

    def __init__(self, stepper: BackpropStepper, rankdir: str | None = None) -> None:
        super().__init__(stepper, rankdir)
        # Each node's parts, in the order they arrived (its last contribution's sources).
        self.parts = {id(c.parent): [v for _, v in c.sources] for step in stepper.steps
                      for c in step.contributions if c.value is not None}

    def graph(self) -> tuple[list[Node], dict[int, Op]]:
        order = walk(self.stepper.loss)
        return order, {id(n): (n._rule, n._parents, explain.params_of(n)) for n in order
                       if n._rule is not None}

    def kind(self, node: Node) -> str:
        return node_kind(node, self.stepper.loss)

    def known(self, i: int) -> dict[int, Any]:
        return self.stepper.grads_at(i)

    def focus(self, i: int) -> tuple[int | None, set[int], str]:
        step = self.stepper.steps[i]
        return (id(step.node), {id(c.parent) for c in step.contributions
                                if c.value is not None}, "cr-receiving")

    def annotation(self, node: Node, state: tuple[Any, bool] | None) -> list[tuple]:
        if not node.requires_grad:
            return []
        data = node._data
        if isinstance(data, np.ndarray) and data.size != 1:
            if state is None:
                return [("text", ["grad ?"]), array_body(None, data)]
            g, complete = state
            parts = self.stepper._expected.get(id(node), 1)
            note = " (so far)" if not complete else f" = sum of {parts} parts" if parts > 1 \
                else ""
            return [("text", [f"grad{note}"]), array_body(g, data)]
        if state is None:
            return [("text", ["grad ?"])]
        g, complete = state
        if not complete:
            return [("text", [f"grad {num(g)} (so far)"])]
        parts = self.parts.get(id(node), [])
        if len(parts) > 1:
            sum_text = " + ".join(num(v) for v in parts) if len(parts) <= 3 \
                else f"sum of {len(parts)} parts"
            return [("text", [f"grad {sum_text} = {num(g)}"])]
        return [("text", [f"grad {num(g)}"])]

    def edge_lines(self, k: int, j: int, i: int) -> tuple[list[str], str]:
        step_index = self.step_of.get(id(self.order[k]))
        if step_index is None or i < step_index:
            return [], ""
        step = self.stepper.steps[step_index]
        c = step.contributions[j]
        if c.value is None:
            return [], ""
        n, p, r = step.name, c.name, step.root_name
        if c.local is not None:     # scalars: the local derivative, then what it sends
            form = f"{c.form} = " if c.form and c.form != num(c.local) else ""
            if step.unit_seed:
                lines = [f"{d(r, p)} = {form}{num(c.value)}"]
            else:
                local = "" if c.gradient_form else form  # a gradient form is the product
                lines = [f"{d(n, p)} = {local}{num(c.local)}",
                         f"sends {num(step.grad)} × {num(c.local)} = {num(c.value)}"]
        else:
            g = d(r, n)
            rhs = c.form if c.gradient_form and c.form else g if c.form == "1" else \
                f"-{g}" if c.form == "-1" else f"{g} ⊙ {explain.operand(c.form)}" if c.form \
                else f"{step.node._rule.name}'s VJP of {g}"
            sends = f"{c.raw_shape} = {c.shapes}" if c.shapes else \
                f"sends {tuple(np.shape(c.value))}"
            if c.stopped and not c.dead:
                sends += f", 0 at {c.stopped} of {np.size(c.value)}"
            lines = [f"{d(r, p)} += {rhs}", sends]
        if c.dead:
            lines = lines[:1] + ["0: the gradient stops here"]
        return lines, "dead" if c.dead else "active" if i == step_index else "done"
