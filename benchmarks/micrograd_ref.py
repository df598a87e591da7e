"""The benchmarks' reference: a scalar engine built the way micrograd builds its ``Value``.

micrograd is not a dependency, so the scalar benchmarks measure against this
re-implementation of its design (engine.py of micrograd 0.1.0), kept to the
same per-node work: every operation makes a ``Value`` whose ``__dict__`` holds
the data, the gradient, a ``set`` of its children, the op name and a
``_backward`` closure that adds the local derivatives times ``out.grad`` into
the children; ``backward()`` orders the graph with a recursive depth-first
walk and calls each closure. Each closure refers to the node that owns it, so
every node is in a reference cycle and only Python's cyclic collector frees a
graph. When micrograd itself is installed, ``scalar.py`` also times it beside
this reference, as a check that the two cost the same.
"""
from __future__ import annotations

from typing import Any


class Value:
    """A scalar that records how it was computed, micrograd style."""

    def __init__(self, data: float, _children: tuple = (), _op: str = "") -> None:
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other: Any) -> "Value":
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> "Value":
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other: float) -> "Value":
        assert isinstance(other, (int, float)), "int or float exponents only"
        out = Value(self.data ** other, (self,), f"**{other}")

        def _backward() -> None:
            self.grad += (other * self.data ** (other - 1)) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> "Value":
        out = Value(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward() -> None:
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        topo: list[Value] = []
        visited: set[Value] = set()

        def build_topo(v: Value) -> None:
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()

    def __neg__(self) -> "Value":
        return self * -1

    def __radd__(self, other: Any) -> "Value":
        return self + other

    def __sub__(self, other: Any) -> "Value":
        return self + (-other)

    def __rsub__(self, other: Any) -> "Value":
        return other + (-self)

    def __rmul__(self, other: Any) -> "Value":
        return self * other

    def __truediv__(self, other: Any) -> "Value":
        return self * other ** -1

    def __rtruediv__(self, other: Any) -> "Value":
        return other * self ** -1

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
