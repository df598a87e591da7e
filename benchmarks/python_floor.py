"""The barest reverse-mode scalar engine for the demo step: what CPython costs per node.

A peer in ``scalar.py`` to read the other ratios against. Its ``Value`` has five
slots and knows three operations (``+``, ``*``, ``relu``) and one n-ary node
(a neuron, ``b + sum_i w_i x_i``), told apart by a number; ``backward`` orders
the graph with an explicit stack and adds each node's gradient to its parents.
Nothing else: no grad mode, no checks of its inputs, no labels, no rule table,
no release of saved values, no higher order. Any engine of chainrule's design,
where each node is a Python object that knows its parents, does at least this
much work per node, so the ratios this one reaches against micrograd's design
bound what such an engine can reach on this machine with the same Python.
"""
from __future__ import annotations

from operator import mul
from typing import Any

ADD, MUL, RELU, NEURON = 1, 2, 3, 4
_DONE = object()  # on the ordering stack, above a node whose parents are all ordered


class Value:
    """A number, its gradient, and the node that made it: parents ``a``, ``b`` and kind ``k``.

    A neuron node keeps its parents (w..., x..., b) in ``a`` and the number of
    inputs in ``b``.
    """

    __slots__ = ("data", "grad", "a", "b", "k")

    def __init__(self, data: float, a: Any = None, b: Any = None, k: int = 0) -> None:
        self.data = data
        self.grad = 0.0
        self.a = a
        self.b = b
        self.k = k

    def __add__(self, other: Any) -> "Value":
        if type(other) is not Value:
            other = Value(float(other))
        return Value(self.data + other.data, self, other, ADD)

    __radd__ = __add__

    def __mul__(self, other: Any) -> "Value":
        if type(other) is not Value:
            other = Value(float(other))
        return Value(self.data * other.data, self, other, MUL)

    __rmul__ = __mul__

    def __neg__(self) -> "Value":
        return self * -1.0

    def relu(self) -> "Value":
        d = self.data
        return Value(d if d > 0.0 else 0.0, self, None, RELU)

    def backward(self) -> None:
        order = []
        seen: set[Value] = set()
        stack: list[Any] = [self]
        while stack:
            n = stack.pop()
            if n is _DONE:
                order.append(stack.pop())
                continue
            if n in seen:
                continue
            seen.add(n)
            stack.append(n)
            stack.append(_DONE)
            if n.k == NEURON:
                stack.extend(n.a)
            elif n.a is not None:
                stack.append(n.a)
                if n.b is not None:
                    stack.append(n.b)
        self.grad = 1.0
        for n in reversed(order):
            k = n.k
            g = n.grad
            if k == ADD:
                n.a.grad += g
                n.b.grad += g
            elif k == MUL:
                n.a.grad += g * n.b.data
                n.b.grad += g * n.a.data
            elif k == RELU:
                if n.data > 0.0:
                    n.a.grad += g
            elif k == NEURON:
                ps, m = n.a, n.b
                for i in range(m):
                    w, x = ps[i], ps[i + m]
                    w.grad += g * x.data
                    x.grad += g * w.data
                ps[-1].grad += g


def neuron(w: list[Value], x: list[Value], b: Value) -> Value:
    """One node for ``b + sum_i w_i x_i``."""
    return Value(sum(map(mul, [v.data for v in w], [v.data for v in x]), b.data),
                 (*w, *x, b), len(w), NEURON)


class MLP:
    """micrograd's MLP with one node per neuron (relu between layers).

    ``layers[k][j]`` lists neuron j's weights then its bias, as
    ``scalar.micrograd_style_mlp`` makes them for the other engines.
    """

    def __init__(self, layers: list[list[list[Value]]]) -> None:
        self.layers = [[(neuron[:-1], neuron[-1]) for neuron in layer] for layer in layers]

    def __call__(self, row: list[float]) -> Value:
        h = [Value(v) for v in row]
        last = len(self.layers) - 1
        for k, layer in enumerate(self.layers):
            out = [neuron(w, h, b) for w, b in layer]
            h = [o.relu() for o in out] if k < last else out
        return h[0]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for w, b in layer for p in (*w, b)]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0
