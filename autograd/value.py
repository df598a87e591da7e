"""``Value``: a scalar that records the operations applied to it.

A strict superset of micrograd's ``Value``: the same attributes and operators,
plus more functions, clear domain errors, grad mode, higher-order derivatives,
and no recursion. After ``backward()`` every node of the graph (not only the
leaves) holds its gradient, so a drawn graph shows the chain rule at each step.

>>> from autograd import Value
>>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
>>> c = (a * b + a ** 2).tanh(); c.backward()
>>> round(a.grad, 6), round(b.grad, 6)
(0.070651, 0.141302)
"""
from __future__ import annotations

import math
from typing import Any

from .node import Node
from .operators import Operators

_NUMBER_TYPES = (int, float)


def _as_float(x: Any, what: str) -> float:
    if not isinstance(x, _NUMBER_TYPES):
        try:
            import numpy as np

            if isinstance(x, (np.floating, np.integer)) or (
                isinstance(x, np.ndarray) and x.size == 1 and x.dtype.kind in "fiu"
            ):
                return float(x)
        except ImportError:  # pragma: no cover - numpy is a dependency
            pass
        raise TypeError(f"{what}: expected a real number, got {type(x).__name__} {x!r}")
    return float(x)


class Value(Operators):
    """A scalar node of the computation graph.

    ``data`` is a float, ``grad`` the derivative of the last ``backward()``'s
    root with respect to this value (0.0 before). ``tangent=`` makes a dual
    number: operations carry its tangent forward (see :mod:`autograd.forward`).
    Values compare by their data with ``<``, ``<=``, ``>``, ``>=``; ``==`` is
    identity, so Values can key dicts and sets as in micrograd.
    """

    __slots__ = ()

    _broadcasts = False
    _tracks_versions = False
    _zero_grad = 0.0

    def __init__(self, data: Any, label: str = "", requires_grad: bool = True,
                 tangent: Any = None) -> None:
        self._data = _as_float(data, "Value")
        self.grad = 0.0
        self.requires_grad = bool(requires_grad)
        self._rule = None
        self._x = self._y = None
        self._rest = ()
        self._params = None
        self.name = label
        if tangent is not None:
            self.tangent = tangent

    @classmethod
    def _new(cls, data: Any) -> "Value":
        v = cls.__new__(cls)
        v._data = data
        v.grad = 0.0
        v.requires_grad = False
        v._rule = None
        v._x = v._y = None
        v._rest = ()
        v._params = None
        v.name = ""
        return v

    @classmethod
    def _constant(cls, value: Any, like: Node | None = None) -> "Value":
        return cls._new(value._data if isinstance(value, Value) else _as_float(value, "Value"))

    def _lift(self, other: Any) -> Any:
        if isinstance(other, Value):
            return other
        t = type(other)
        if t is float or t is int or t is bool:
            return Value._new(float(other))
        if isinstance(other, Node):
            return NotImplemented
        try:
            return Value._new(_as_float(other, "Value"))
        except TypeError:
            return NotImplemented

    def _exponent(self, other: Any) -> Any:
        if isinstance(other, Node):
            return NotImplemented
        try:
            return _as_float(other, "Value **")
        except TypeError:
            return NotImplemented

    def _seed_ones(self) -> float:
        return 1.0

    def _coerce_grad(self, grad: Any) -> Any:
        if isinstance(grad, Value):
            return grad
        return _as_float(grad, "backward(grad=...)")

    def _accumulate_grad(self, g: Any, fresh: bool) -> None:
        self.grad += g

    @property
    def data(self) -> float:
        """The scalar this node holds."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = _as_float(value, "Value.data")

    @property
    def label(self) -> str:
        """A name shown in drawings and reprs (micrograd's ``label``)."""
        return self.name

    @label.setter
    def label(self, value: str) -> None:
        self.name = value

    @property
    def shape(self) -> tuple[()]:
        """Always ``()``: a Value is a scalar."""
        return ()

    # micrograd's attribute names, for code written against it.
    @property
    def _prev(self) -> set["Value"]:
        return set(self._parents)

    @property
    def _op(self) -> str:
        return self.op

    def _backward(self) -> None:
        """micrograd's manual backpropagation: run this node's rule once.

        Adds ``self.grad`` times each local derivative to the parents' ``.grad``
        (nothing for a leaf), with the same code as one step of
        ``BackpropStepper``. Called node by node from the output back, after
        ``out.grad = 1.0``, it gives what ``backward()`` gives.

        >>> a = Value(2.0); b = Value(-3.0); c = a * b; d = c + a
        >>> d.grad = 1.0; d._backward(); c._backward()
        >>> a.grad, b.grad
        (-2.0, 2.0)
        """
        from .steps import backprop_node

        backprop_node(self, self.grad)

    def item(self) -> float:
        """The data as a Python float."""
        return self._data

    def detach(self) -> "Value":
        """A new leaf with the same data that requires no grad."""
        return Value._new(self._data)

    def __float__(self) -> float:
        return self._data

    def __lt__(self, other: Any) -> bool:
        return self._data < _cmp(other)

    def __le__(self, other: Any) -> bool:
        return self._data <= _cmp(other)

    def __gt__(self, other: Any) -> bool:
        return self._data > _cmp(other)

    def __ge__(self, other: Any) -> bool:
        return self._data >= _cmp(other)

    __hash__ = Node.__hash__

    def __repr__(self) -> str:
        extra = ""
        if self.name:
            extra += f", label={self.name!r}"
        if self._rule is not None:
            extra += f", op={self.op!r}"
        t = self.tangent
        dual = "" if t is None else f", tangent={_fmt(t)}"
        return f"Value(data={_fmt(self._data)}{dual}, grad={_fmt(self.grad)}{extra})"

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        """``a`` if ``cond`` else ``b`` (for rules written with ``where``)."""
        return a if cond else b


def _cmp(other: Any) -> float:
    return other._data if isinstance(other, Value) else other


def _fmt(x: Any) -> str:
    if isinstance(x, float) and math.isfinite(x) and x == round(x, 6):
        return repr(x)
    return f"{x:.6g}" if isinstance(x, float) else repr(x)
