"""In-place changes to a ``Tensor``: ``-=``, ``+=``, ``*=``, ``/=``, ``@=``, ``t[i] = v``,
``add_``, ``sub_``, ``mul_``, ``div_``, ``zero_``, ``fill_``, ``copy_``.

They change the tensor's own array (the same object, every view and detached
tensor sharing its memory sees the change) and count one change on the
version counter those share (:mod:`autograd.versions`), so a graph that saved
the old values refuses to backpropagate through them.

What they do by grad mode, as in PyTorch:

- **Under** ``no_grad()`` they change the data: the classic manual update
  ``with no_grad(): for p in model.parameters(): p -= lr * p.grad`` trains.
- **In grad mode, on a leaf that requires grad** they raise PyTorch's error, "a
  leaf Variable that requires grad is being used in an in-place operation".
- **In grad mode, on a tensor in a graph** (the result of an operation that
  requires grad, a view of one), or with an operand that requires grad, the
  operators, item assignment and the ``*_`` methods are refused: chainrule
  records no in-place operations (a node keeps its identity in every graph that
  used it), so ``x = x + y`` is the way to write it. Changes that reach saved
  data another way (a detached tensor, ``.data``) are caught by the version
  counter, which makes backward refuse any graph that saved it.
- Tensors outside any graph change in place in either mode.

A ``Value`` holds an immutable Python float: ``v -= 1`` makes a new ``Value``
and binds the name to it (recorded in the graph), as for floats and micrograd.

>>> from autograd import Tensor, no_grad
>>> w = Tensor([1.0, 2.0], requires_grad=True)
>>> (w * w).sum().backward()
>>> same = w
>>> with no_grad():
...     w -= 0.25 * w.grad
>>> w is same, w.tolist()
(True, [0.5, 1.0])
>>> w += 1
Traceback (most recent call last):
...
RuntimeError: +=: a leaf Variable that requires grad is being used in an in-place operation ...
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import ShapeError, _index_data, as_array
from .grad_mode import STATE
from .node import Node
from .versions import InPlaceError


def _array(other: Any) -> Any:
    """An operand's data: a tensor's array, an array, or a number as it is."""
    if isinstance(other, Node) and other._tracks_versions:
        return other._data
    if isinstance(other, Node):
        raise TypeError(f"in-place: got a {type(other).__name__}; a Tensor changes in place "
                        "with Tensors, arrays or numbers")
    if isinstance(other, (np.ndarray, np.generic, int, float, bool)):
        return other
    return as_array(other)


def _requires_grad(x: Any) -> bool:
    return isinstance(x, Node) and x.requires_grad


class InPlace:
    """In-place operators and methods of ``Tensor`` (a mixin: the class is ``Tensor``)."""

    __slots__ = ()

    def _inplace(self, what: str, operand: Any = None, graph: bool = False) -> None:
        """Check that ``what`` may change this tensor in place, and count the change.

        The count is shared with every view of the memory, so a graph that saved
        any of them notices at backward. ``graph=True`` (every in-place operation
        of a Tensor) also refuses, in grad mode, a tensor in a graph and an operand
        that requires grad: a change nothing saved would otherwise go unseen.
        """
        if STATE.enabled:
            base = self if self._base is None else self._base
            if base.requires_grad and base._rule is None:
                which = "a leaf Variable" if base is self else "a view of a leaf Variable"
                raise RuntimeError(
                    f"{what}: {which} that requires grad is being used in an in-place "
                    "operation (as PyTorch says): change parameters inside `with no_grad():`, "
                    "e.g. `with no_grad(): p -= lr * p.grad`")
            if graph and (self.requires_grad or _requires_grad(operand)):
                made = (f"the result of '{self._rule.name}'" if self._rule is not None
                        else "a view in a graph" if self.requires_grad
                        else "a tensor outside the graph, with an operand that requires grad")
                raise RuntimeError(
                    f"{what}: this tensor is {made}, and chainrule records no in-place "
                    "operations (every graph that used the tensor would see the change); "
                    "write it out of place, e.g. `x = x + y` for `x += y`, or change the data "
                    "inside `with no_grad():`")
        if self.tangent is not None:
            raise RuntimeError(
                f"{what}: this tensor carries a forward-mode tangent, which an in-place "
                "change would leave stale; change a copy (an out-of-place operation) instead"
            )
        if not self._data.flags.writeable:
            raise InPlaceError(
                f"{what}: this tensor's array is read-only (a broadcast_to/expand view shares "
                "one element among many places, or NumPy marked the array read-only); "
                "change a copy instead"
            )
        self._vc.n += 1

    def _update(self, what: str, ufunc: Any, other: Any, alpha: float = 1.0,
                graph: bool = False) -> Any:
        """``self = ufunc(self, alpha * other)`` written into this tensor's array; returns self."""
        o = _array(other)
        if alpha != 1:
            o = alpha * np.asarray(o)
        shape = np.shape(o)
        if shape != self.shape:
            try:
                fits = np.broadcast_shapes(self.shape, shape) == self.shape
            except ValueError:
                fits = False
            if not fits:
                raise ShapeError(f"{what}: an operand of shape {shape} does not fit in place "
                                 f"into a tensor of shape {self.shape}")
        out = self._data
        floating = ufunc is np.true_divide or np.result_type(out, o).kind == "f"
        if floating and out.dtype.kind != "f":
            raise TypeError(f"{what}: the result is floating but the tensor holds {out.dtype}; "
                            "an in-place change keeps the dtype (convert first: t = t.float())")
        self._inplace(what, other, graph)
        ufunc(out, o, out=out, casting="unsafe")
        return self

    def __iadd__(self, other: Any) -> Any:
        return self._update("+=", np.add, other, graph=True)

    def __isub__(self, other: Any) -> Any:
        return self._update("-=", np.subtract, other, graph=True)

    def __imul__(self, other: Any) -> Any:
        return self._update("*=", np.multiply, other, graph=True)

    def __itruediv__(self, other: Any) -> Any:
        return self._update("/=", np.true_divide, other, graph=True)

    def __imatmul__(self, other: Any) -> Any:
        o = _array(other)
        try:
            shape = np.matmul(np.empty(self.shape, bool), np.empty(np.shape(o), bool)).shape
        except ValueError:
            shape = None
        if shape != self.shape:
            raise ShapeError(f"@=: a tensor of shape {self.shape} times an operand of shape "
                             f"{np.shape(o)} does not keep the shape, so it cannot be in place")
        return self._update("@=", _matmul_into, other, graph=True)

    def __setitem__(self, index: Any, value: Any) -> None:
        """``t[index] = value`` in place; refused in grad mode while ``t`` or ``value`` is in a
        graph (see the module's docstring), allowed under ``no_grad()`` and outside graphs."""
        v = _array(value)
        self._inplace("t[index] = value", value, graph=True)
        self._data[_index_data(index)] = v

    def zero_(self) -> Any:
        """Set every element to 0 in place; returns self."""
        self._inplace("zero_", graph=True)
        self._data[...] = 0
        return self

    def fill_(self, value: float) -> Any:
        """Set every element to ``value`` in place; returns self."""
        self._inplace("fill_", value, graph=True)
        self._data[...] = _array(value)
        return self

    def copy_(self, src: Any) -> Any:
        """Copy ``src``'s elements into this tensor in place; returns self."""
        self._inplace("copy_", src, graph=True)
        self._data[...] = _array(src)
        return self

    def add_(self, other: Any, alpha: float = 1.0) -> Any:
        """Add ``alpha * other`` in place; returns self."""
        return self._update("add_", np.add, other, alpha, graph=True)

    def sub_(self, other: Any, alpha: float = 1.0) -> Any:
        """Subtract ``alpha * other`` in place; returns self."""
        return self._update("sub_", np.subtract, other, alpha, graph=True)

    def mul_(self, other: Any) -> Any:
        """Multiply by ``other`` in place; returns self."""
        return self._update("mul_", np.multiply, other, graph=True)

    def div_(self, other: Any) -> Any:
        """Divide by ``other`` in place; returns self."""
        return self._update("div_", np.true_divide, other, graph=True)


def _matmul_into(a: np.ndarray, b: Any, out: np.ndarray, casting: str) -> None:
    out[...] = np.matmul(a, b)
