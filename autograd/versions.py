"""In-place changes against saved data: shared version counters, arrays handed out read-only.

A rule's VJP reads what its forward saw (its inputs, its output: ``Rule.uses_inputs``
and ``Rule.uses_ans``). Changing those arrays between the forward and the backward
pass would make the gradient silently wrong. Two mechanisms make every such change
end in an error that names the operation which saved the data:

- **Version counters, shared by everything that shares memory.** A tensor, its views
  (basic indexing, ``reshape``/``view``, ``transpose``/``T``, ``squeeze``,
  ``unsqueeze``, ``flatten``, ``broadcast_to``/``expand``) and ``detach()`` hold one
  :class:`Version`. In-place methods (``add_``, ``mul_``, ``zero_``, ``fill_``,
  ``copy_``) and assigning ``.data`` count one change; a node keeps the counts of
  what it saved, and backward compares them: an exact check, as PyTorch's.
- **Saved arrays are handed out read-only.** While a node that saved a tensor is alive
  and unreleased (its backward has not run, or ran with ``retain_graph=True``),
  ``.data``, ``.numpy()`` and ``np.asarray(tensor)`` of that tensor and of every
  tensor sharing its counter hand out a read-only view. ``.data`` and ``.numpy()``
  give a :class:`SavedArray`, whose writes raise :class:`InPlaceError` naming the
  operation. Once backward has released the graph, or the graph is dropped, the
  live array is handed out again, so ``p.data -= lr * p.grad`` after ``backward()``
  works without a copy, and optimizers update their parameters in place.

Why not the NumPy flag on the tensor's own array, or a checksum at backward: a
checksum is not exact; flipping the live array's flag would reach arrays the user
owns (``Tensor(x)`` shares ``x``), and NumPy refuses to make a view writable again
while the array owning the memory is read-only, so the flag could stick. Handing
out views leaves every array as the user made it. What this cannot see: writes
through an array taken out *before* the operation saved it (``a = y.numpy()``
then ``z = y * y``, then ``a[:] = 0``). Take the array out after, or change a copy.

>>> import numpy as np
>>> from autograd import Tensor
>>> x = Tensor([1.0, 2.0], requires_grad=True)
>>> y = x * 1.0
>>> z = (y * y).sum()
>>> y.data[0] = 7.0
Traceback (most recent call last):
...
autograd.versions.InPlaceError: cannot write into this array: the 'mul' operation saved it ...
>>> z.backward(); x.grad
array([2., 4.], dtype=float32)
>>> y.data[0] = 7.0    # released: the live array again
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .node import RELEASED


class InPlaceError(RuntimeError):
    """An in-place change to data that a recorded operation saved for its backward pass."""


class Version:
    """The change count of one piece of memory, shared by the tensors that view it.

    ``n`` counts in-place changes. ``saved`` lists weak references to what saved
    a tensor of this memory for backward (graph nodes, ``Function`` contexts),
    or is None: the memory is held while one of them is alive and unreleased.
    Weak references cost nothing when a graph is dropped or released; the list
    is pruned as it grows, and whenever it is read.
    """

    __slots__ = ("n", "saved")

    def __init__(self, n: int = 0) -> None:
        self.n = n
        self.saved: list[weakref.ref] | None = None

    def holders(self) -> list[Any]:
        """What holds this memory now (live, unreleased savers); prunes the rest."""
        refs = self.saved
        if refs is None:
            return []
        kept, live = [], []
        for ref in refs:
            h = ref()
            if h is not None and _holds(h):
                kept.append(ref)
                live.append(h)
        self.saved = kept or None
        return live


def _holds(holder: Any) -> bool:
    # Nodes let go when backward releases them; a Function's context, when it is freed.
    return getattr(holder, "_params", None) is not RELEASED


def hold(holder: Any, tensors: tuple[Any, ...]) -> None:
    """Mark the memory of ``tensors`` as saved by ``holder`` (weakly referenced)."""
    ref = weakref.ref(holder)
    for t in tensors:
        r = t._vc
        refs = r.saved
        if refs is None:
            r.saved = [ref]
        else:
            refs.append(ref)
            k = len(refs)
            if k >= 8 and not k & (k - 1):  # at 8, 16, 32...: amortised O(1) pruning
                r.holders()


def read_only(arr: np.ndarray, holders: list[Any]) -> "SavedArray":
    """A read-only :class:`SavedArray` view of ``arr``, naming the operations in ``holders``."""
    view = arr.view(SavedArray)
    view.flags.writeable = False
    view.saved_by = tuple(dict.fromkeys(_name(h) for h in holders))
    return view


def _name(holder: Any) -> str:
    rule = getattr(holder, "_rule", None)
    return rule.name if rule is not None else getattr(holder, "_name", type(holder).__name__)


def _plain(x: Any) -> Any:
    if isinstance(x, SavedArray):
        return x.view(np.ndarray)
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(i) for i in x)
    return x


class SavedArray(np.ndarray):
    """A read-only view of an array that a recorded operation saved for backward.

    Reading works as on any ndarray, and results are plain ndarrays; writing
    (``a[...] = v``, ``a += 1``, ``np.add(a, 1, out=a)``, ``np.copyto(a, v)``,
    ``a.fill(v)``...) raises :class:`InPlaceError` naming the operation. ``copy()``
    and ``astype()`` give ordinary, writable arrays.
    """

    saved_by: tuple[str, ...] = ()

    def __array_finalize__(self, obj: Any) -> None:
        self.saved_by = getattr(obj, "saved_by", ())

    def __array_wrap__(self, obj: Any, context: Any = None, return_scalar: bool = False) -> Any:
        if return_scalar:
            return obj[()]
        return obj.view(np.ndarray) if isinstance(obj, SavedArray) else obj

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if "out" in kwargs:
            kwargs["out"] = _plain(kwargs["out"])
        with self._refusing():
            return getattr(ufunc, method)(*_plain(inputs), **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        with self._refusing():
            return func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._refusing():
            self.view(np.ndarray)[key] = _plain(value)

    def fill(self, value: Any) -> None:
        with self._refusing():
            self.view(np.ndarray).fill(value)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        with self._refusing():
            self.view(np.ndarray).sort(*args, **kwargs)

    def copy(self, order: str = "C") -> np.ndarray:  # type: ignore[override]
        return self.view(np.ndarray).copy(order)

    def astype(self, *args: Any, **kwargs: Any) -> np.ndarray:  # type: ignore[override]
        return self.view(np.ndarray).astype(*args, **kwargs)

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __str__(self) -> str:
        return str(self.view(np.ndarray))

    def __reduce__(self) -> Any:
        return self.view(np.ndarray).copy().__reduce__()

    def _refusing(self) -> "_Refusing":
        return _Refusing(self.saved_by)


class _Refusing:
    """Turns NumPy's read-only error into an :class:`InPlaceError` naming the operations."""

    __slots__ = ("ops",)

    def __init__(self, ops: tuple[str, ...]) -> None:
        self.ops = ops

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        if kind is not None and issubclass(kind, ValueError) and "read-only" in str(exc):
            raise InPlaceError(saved_message(self.ops, str(exc))) from None
        return False


def saved_message(ops: tuple[str, ...], detail: str = "") -> str:
    """Why data a graph saved cannot be written, and what to do instead."""
    names = " and ".join(f"'{op}'" for op in ops)
    who = f"the {names} operation{'s' if len(ops) > 1 else ''}" if ops else "an operation"
    return (
        f"cannot write into this array: {who} saved it for backward, which "
        "has not run yet (or ran with retain_graph=True), and changing it now would make "
        "the gradient wrong"
        + (f" ({detail})" if detail else "")
        + ". Change a copy (.copy()), or make the change after backward() or once the "
        "graph is dropped."
    )
