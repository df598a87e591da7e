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
from typing import Any, Callable, Iterable

from . import ops
from .grad_mode import FLAGS, STATE
from .node import RELEASED, RELEASED_EXTRA, Extra, Node, Rule, apply
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


_new_object = object.__new__


def _binary(rule: Rule, like: Any, reflected: bool = False) -> Callable[..., Any]:
    """The operator for a binary rule: what ``apply()`` does, for two Values, in one step.

    It reads the mode once (nothing at all while every thread is in the default
    mode), calls the rule's forward (its ``native`` builtin, when it has one) on
    the two floats and fills the node's slots; anomaly and forward mode take
    ``apply()`` itself.
    """
    fwd = rule.native or rule.forward
    symbol = rule.symbol

    def op(self: Value, other: Any) -> Any:
        t = type(other)
        if t is not Value:
            if t is float or t is int:
                other = Value._new(float(other))
            else:
                other = self._operand(other, symbol)
                if other is NotImplemented:
                    return NotImplemented
        if reflected:
            x, y = other, self
        else:
            x, y = self, other
        if FLAGS.special:
            if STATE.hooks:
                return apply(rule, (x, y))
            record = STATE.enabled and (x.requires_grad or y.requires_grad)
        else:
            record = x.requires_grad or y.requires_grad
        out = _new_object(type(x))
        out._data = fwd(x._data, y._data)
        out.grad = 0.0
        out._extra = None
        if record:
            out.requires_grad = True
            out._rule = rule
            out._x = x
            out._y = y
        else:
            out.requires_grad = False
            out._rule = None
            out._x = out._y = None
        return out

    op.__doc__ = like.__doc__
    return op


def _unary(rule: Rule, like: Any) -> Callable[..., Any]:
    """The method for a unary rule without parameters, as :func:`_binary` for one Value."""
    fwd = rule.native or rule.forward

    def op(self: Value) -> Any:
        if FLAGS.special:
            if STATE.hooks:
                return apply(rule, (self,))
            record = STATE.enabled and self.requires_grad
        else:
            record = self.requires_grad
        out = _new_object(type(self))
        out._data = fwd(self._data)
        out.grad = 0.0
        out._y = None
        out._extra = None
        if record:
            out.requires_grad = True
            out._rule = rule
            out._x = self
        else:
            out.requires_grad = False
            out._rule = None
            out._x = None
        return out

    op.__doc__ = like.__doc__
    return op


class Value(Operators):
    """A scalar node of the computation graph.

    ``data`` is a float, ``grad`` the derivative of the last ``backward()``'s
    root with respect to this value (0.0 before). ``tangent=`` makes a dual
    number: operations carry its tangent forward (see :mod:`autograd.forward`).
    Values compare by their data with ``<``, ``<=``, ``>``, ``>=``; ``==`` is
    identity, so Values can key dicts and sets as in micrograd.

    The constructor takes micrograd's arguments, ``Value(data, _children=(),
    _op='', label='')``: a Value made by hand from its children, as micrograd's
    own operations make theirs, records them as its parents under the op name
    ``_op``, so drawings, ``_prev`` and ``_op`` show them; chainrule has no
    derivative for it, so a backward pass that reaches it raises an error
    rather than stop there (use the Value's operations, or an
    :class:`autograd.Function`, for something to differentiate).

    A Value is an immutable number, like a float: ``c += 1`` makes a new node
    ``c + 1`` and rebinds the name ``c`` to it, as Python does for floats and
    as micrograd does; the Value ``c`` named before is unchanged and stays in
    the graph.

    >>> a = Value(2.0, label="a"); c = a; c += 1
    >>> c.data, a.data, c.parents[0] is a
    (3.0, 2.0, True)
    >>> e = Value(7.39, (a,), "exp"); e._op, e._prev == {a}
    ('exp', True)
    """

    __slots__ = ("__weakref__",)

    _broadcasts = False
    _tracks_versions = False
    _floats = True
    _zero_grad = 0.0

    # Operators and functions that record their node in one step (see _binary); each
    # function's docstring is its Operators method's, repeated here for the reference.
    __add__ = _binary(ops.add, Operators.__add__)
    __radd__ = _binary(ops.add, Operators.__radd__, reflected=True)
    __sub__ = _binary(ops.sub, Operators.__sub__)
    __rsub__ = _binary(ops.sub, Operators.__rsub__, reflected=True)
    __mul__ = _binary(ops.mul, Operators.__mul__)
    __rmul__ = _binary(ops.mul, Operators.__rmul__, reflected=True)
    __truediv__ = _binary(ops.div, Operators.__truediv__)
    __rtruediv__ = _binary(ops.div, Operators.__rtruediv__, reflected=True)
    __neg__ = _unary(ops.neg, Operators.__neg__)
    exp = _unary(ops.exp, Operators.exp)
    """e ** self."""
    log = _unary(ops.log, Operators.log)
    """Natural logarithm."""
    sqrt = _unary(ops.sqrt, Operators.sqrt)
    """Square root."""
    sin = _unary(ops.sin, Operators.sin)
    """Sine."""
    cos = _unary(ops.cos, Operators.cos)
    """Cosine."""
    tanh = _unary(ops.tanh, Operators.tanh)
    """Hyperbolic tangent."""
    sigmoid = _unary(ops.sigmoid, Operators.sigmoid)
    """Logistic function 1 / (1 + e^-x)."""
    relu = _unary(ops.relu, Operators.relu)
    """max(self, 0)."""
    abs = _unary(ops.absolute, Operators.abs)
    """Absolute value."""
    __abs__ = abs

    def __init__(self, data: Any, _children: Iterable["Value"] = (), _op: str = "",
                 label: str = "", *, requires_grad: bool = True, tangent: Any = None) -> None:
        self._data = _as_float(data, "Value")
        self.grad = 0.0
        self.requires_grad = bool(requires_grad)
        self._rule = None
        self._x = self._y = None
        self._extra = None
        if _children != () or _op != "":
            self._by_hand(_children, _op)
        if label:
            self.name = label
        if tangent is not None:
            self.tangent = tangent

    def _by_hand(self, children: Any, op: Any) -> None:
        """Record micrograd's ``_children`` and ``_op`` (see the class docstring)."""
        if not isinstance(children, (tuple, list, set, frozenset)):
            hint = (f"; to name a Value, pass label={children!r}"
                    if isinstance(children, str) else "")
            raise TypeError(
                "Value(data, _children, _op, label): _children is micrograd's tuple of the "
                f"Values this one was computed from; got {type(children).__name__} "
                f"{children!r}{hint}")
        kids = tuple(children)
        for c in kids:
            if not isinstance(c, Value):
                raise TypeError(
                    "Value(data, _children, _op, label): every child must be a Value; got "
                    f"{type(c).__name__} {c!r}")
        if not isinstance(op, str):
            raise TypeError(
                f"Value(data, _children, _op, label): _op is the name of the operation, a "
                f"str; got {type(op).__name__} {op!r}")
        if not kids:
            raise ValueError(
                f"Value(data, _children, _op, label): _op={op!r} names the operation that "
                "made this Value from its _children, but _children is empty; a Value made "
                "by no operation (a leaf) has no op")
        self._rule = by_hand_rule(op)
        self._x = kids[0]
        if len(kids) > 1:
            self._y = kids[1]
            if len(kids) > 2:
                self._extra = Extra(kids)

    @classmethod
    def _new(cls, data: Any) -> "Value":
        v = _new_object(cls)
        v._data = data
        v.grad = 0.0
        v.requires_grad = False
        v._rule = None
        v._x = v._y = None
        v._extra = None
        return v

    @property
    def name(self) -> str:
        """The label (kept in the node's rarely used record, not in a slot of its own)."""
        e = self._extra
        return "" if e is None else e.name

    @name.setter
    def name(self, value: str) -> None:
        e = self._extra
        if e is None:
            if value:
                self._extra = Extra((), None, value)
        elif e is RELEASED_EXTRA:
            self._extra = Extra((), RELEASED, value)
        else:
            e.name = value

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

    def _backward_step(self) -> None:
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

    def _refuse_backward(self, fn: Any) -> None:
        raise AttributeError(
            "Value._backward cannot be replaced: chainrule computes a node's gradient from "
            "its operation's rule, not from a closure. Build the value with Value operations "
            "(a.exp(), a * b, ...) or define an autograd.Function with a backward")

    _backward = property(lambda self: self._backward_step, _refuse_backward,
                         doc="micrograd's ``node._backward()``: see :meth:`_backward_step`.")

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


_BY_HAND: dict[str, Rule] = {}


def by_hand_rule(op: str) -> Rule:
    """The rule of Values made by hand as ``Value(data, _children, op)``: a name, no derivative."""
    rule = _BY_HAND.get(op)
    if rule is None:
        def forward(*xs: Any) -> Any:
            """Made by hand with Value(data, _children, _op): no derivative is known."""
            raise RuntimeError(f"'{op}' was made by hand: it has no forward")

        def vjp(g: Any, ans: Any, *xs: Any) -> Any:
            raise ByHandError(
                f"backward through '{op}': this Value was made by hand with "
                f"Value(data, _children, {op!r}), as micrograd's operations make theirs, so "
                "chainrule has no derivative for it (and does not run a _backward closure). "
                "Compute it with Value operations (a.exp(), a * b, ...) or define an "
                "autograd.Function with a backward")

        rule = Rule(op or "by hand", forward, symbol=op, uses_inputs=False)
        rule.defvjp(vjp)
        _BY_HAND[op] = rule
    return rule


class ByHandError(RuntimeError):
    """Backward reached a Value made by hand from its children, which has no derivative."""


def _cmp(other: Any) -> float:
    return other._data if isinstance(other, Value) else other


def _fmt(x: Any) -> str:
    if isinstance(x, float) and math.isfinite(x) and x == round(x, 6):
        return repr(x)
    return f"{x:.6g}" if isinstance(x, float) else repr(x)
