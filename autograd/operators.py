"""Operators and elementwise math shared by ``Value`` and ``Tensor``.

Each method turns its operands into nodes of the caller's front end
(``_lift``) and applies one rule from :mod:`autograd.ops`. Nothing here
computes a derivative.
"""
from __future__ import annotations

from typing import Any

from . import backend as B
from . import ops
from .grad_mode import STATE
from .node import Node, apply


def _varies(node: Node) -> bool:
    """Whether ``node`` has a derivative to pass on: it requires grad or carries a tangent.

    ``**`` picks its rule by this (a constant exponent or base has a simpler one).
    """
    if node.requires_grad:
        return True
    level = STATE.forward
    return level is not None and level.get(node) is not None


class Operators(Node):
    """Arithmetic, reflected arithmetic and elementwise functions."""

    __slots__ = ()

    def _lift(self, other: Any) -> Any:
        """``other`` as a node of this front end, or NotImplemented."""
        raise NotImplementedError

    def _exponent(self, other: Any) -> Any:
        """A constant exponent or base as raw data of a suitable type."""
        raise NotImplementedError

    def _operand(self, other: Any, op: str) -> Any:
        """``_lift(other)``, but a node of the other front end is a clear error.

        Python's fallback message would name the types, not say what to do.
        """
        if type(other) is type(self):
            return other
        o = self._lift(other)
        if o is NotImplemented and isinstance(other, Node):
            raise TypeError(
                f"{op}: cannot combine a {type(self).__name__} with a {type(other).__name__}; "
                "a Value is a scalar and a Tensor an array, and one operation takes one kind: "
                "convert with Tensor(value.data) or tensor.item()"
            )
        return o

    # -- binary arithmetic
    def __add__(self, other: Any) -> Any:
        o = self._operand(other, "+")
        return NotImplemented if o is NotImplemented else apply(ops.add, (self, o))

    def __radd__(self, other: Any) -> Any:
        o = self._operand(other, "+")
        return NotImplemented if o is NotImplemented else apply(ops.add, (o, self))

    def __sub__(self, other: Any) -> Any:
        o = self._operand(other, "-")
        return NotImplemented if o is NotImplemented else apply(ops.sub, (self, o))

    def __rsub__(self, other: Any) -> Any:
        o = self._operand(other, "-")
        return NotImplemented if o is NotImplemented else apply(ops.sub, (o, self))

    def __mul__(self, other: Any) -> Any:
        o = self._operand(other, "*")
        return NotImplemented if o is NotImplemented else apply(ops.mul, (self, o))

    def __rmul__(self, other: Any) -> Any:
        o = self._operand(other, "*")
        return NotImplemented if o is NotImplemented else apply(ops.mul, (o, self))

    def __truediv__(self, other: Any) -> Any:
        o = self._operand(other, "/")
        return NotImplemented if o is NotImplemented else apply(ops.div, (self, o))

    def __rtruediv__(self, other: Any) -> Any:
        o = self._operand(other, "/")
        return NotImplemented if o is NotImplemented else apply(ops.div, (o, self))

    def __neg__(self) -> Any:
        return apply(ops.neg, (self,))

    def __pos__(self) -> Any:
        return self

    def __pow__(self, other: Any) -> Any:
        if isinstance(other, Node):
            other = self._operand(other, "**")
            if _varies(other):
                if _varies(self):
                    return apply(ops.pow, (self, other))
                return apply(ops.rpowc, (other,), {"base": self._exponent(self._data)})
            other = other._data
        p = self._exponent(other)
        if p is NotImplemented:
            return NotImplemented
        return apply(ops.powc, (self,), {"p": p})

    def __rpow__(self, other: Any) -> Any:
        base = self._exponent(other)
        if base is NotImplemented:
            return NotImplemented
        return apply(ops.rpowc, (self,), {"base": base})

    # -- elementwise functions
    def exp(self) -> Any:
        """e ** self."""
        return apply(ops.exp, (self,))

    def log(self) -> Any:
        """Natural logarithm."""
        return apply(ops.log, (self,))

    def sqrt(self) -> Any:
        """Square root."""
        return apply(ops.sqrt, (self,))

    def sin(self) -> Any:
        """Sine."""
        return apply(ops.sin, (self,))

    def cos(self) -> Any:
        """Cosine."""
        return apply(ops.cos, (self,))

    def tanh(self) -> Any:
        """Hyperbolic tangent."""
        return apply(ops.tanh, (self,))

    def sigmoid(self) -> Any:
        """Logistic function 1 / (1 + e^-x)."""
        return apply(ops.sigmoid, (self,))

    def relu(self) -> Any:
        """max(self, 0)."""
        return apply(ops.relu, (self,))

    def leaky_relu(self, negative_slope: float = 0.01) -> Any:
        """self where positive, else negative_slope * self."""
        return apply(ops.leaky_relu, (self,), {"slope": float(negative_slope)})

    def abs(self) -> Any:
        """Absolute value."""
        return apply(ops.absolute, (self,))

    __abs__ = abs

    def sign(self) -> Any:
        """-1, 0 or 1 by the sign, as a constant: its derivative is 0 wherever it exists.

        abs's VJP, g * sign(x), calls this when it records a graph for a
        second derivative.
        """
        return type(self)._constant(B.sign(self._data))
