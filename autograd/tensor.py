"""``Tensor``: an n-dimensional array (NumPy) that records operations.

Names follow PyTorch for autograd (``requires_grad``, ``backward``,
``detach``, ``register_hook``) and NumPy for array operations (``axis``,
``keepdims``, ``broadcast_to``); PyTorch's ``dim``/``keepdim`` and method
spellings (``size()``, ``add``, ``clone``, ``to``...) are accepted too. Where
the two disagree, ``dim=`` gets PyTorch's answer and ``axis=`` NumPy's: see
:mod:`autograd.arrays` for that rule and for dtypes.

Dtypes: Python numbers and lists become float32; NumPy arrays keep their
dtype; results follow NumPy's promotion, with Python scalars taking the
tensor's dtype (so float32 stays float32). Only floating tensors can require
grad. ``.grad`` is an ndarray of the tensor's shape and dtype.

The class is put together from one file per idea: conversion and axes
(:mod:`autograd.arrays`), reductions (:mod:`autograd.reductions`), shapes and
indexing (:mod:`autograd.shapes`), comparisons, ``@`` and casts
(:mod:`autograd.elementwise`), in-place changes (:mod:`autograd.inplace`),
PyTorch's spellings (:mod:`autograd.spellings`), NumPy's protocols
(:mod:`autograd.numpy_protocols`) and functions of several tensors
(:mod:`autograd.joins`).

>>> from autograd import Tensor
>>> x = Tensor([[1., 2.], [3., 4.]], requires_grad=True)
>>> y = (x @ x.T).relu().sum(); y.backward()
>>> x.grad
array([[ 8., 12.],
       [ 8., 12.]], dtype=float32)
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from .arrays import (  # noqa: F401 - re-exported: the names other modules import from here
    DEFAULT_DTYPE,
    ShapeError,
    _check_float,
    _index_data,
    _number,
    _one_axis,
    _pick,
    _shape_args,
    as_array,
    normalize_axis,
    python_number,
)
from .elementwise import Elementwise, _check_matmul  # noqa: F401
from .inplace import InPlace
from .node import Node
from .numpy_protocols import NumPyProtocols
from .operators import Operators
from .reductions import Reductions
from .shapes import Shapes
from .spellings import Spellings
from .versions import InPlaceError, Version, hold, read_only

# Node's slot for the flag; Tensor wraps it in a property that refuses what PyTorch refuses.
_REQUIRES_GRAD = Node.requires_grad
_new_object = object.__new__


class Tensor(InPlace, Spellings, NumPyProtocols, Reductions, Shapes, Elementwise, Operators):
    """A NumPy array in the computation graph.

    ``_vc`` is the :class:`~autograd.versions.Version` shared with every tensor
    that views the same memory; ``_base`` is the tensor a view was taken from
    (None for others), whose leaf guard the view obeys. ``_hooks`` (unset until
    ``register_hook``) lists the functions backward calls with the gradient.
    """

    __slots__ = ("name", "retains_grad", "_vc", "_base", "_saved_versions", "_hooks",
                 "__weakref__")

    _broadcasts = True
    _tracks_versions = True
    _zero_grad = None
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 name: str = "", tangent: Any = None) -> None:
        arr = as_array(data, dtype)
        if requires_grad:
            _check_float(arr, "Tensor")
        self._data = arr
        self.grad = None
        _REQUIRES_GRAD.__set__(self, bool(requires_grad))
        self._rule = None
        self._x = self._y = None
        self._extra = None
        self.name = name
        self.retains_grad = False
        self._vc = Version()
        self._base = None
        self._saved_versions = None
        if tangent is not None:
            self.tangent = tangent

    @classmethod
    def _new(cls, data: Any) -> "Tensor":
        t = _new_object(cls)
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t.grad = None
        _REQUIRES_GRAD.__set__(t, False)
        t._rule = None
        t._x = t._y = None
        t._extra = None
        t.name = ""
        t.retains_grad = False
        t._vc = Version()
        t._base = None
        t._saved_versions = None
        return t

    @classmethod
    def _constant(cls, value: Any, like: Node | None = None) -> "Tensor":
        return cls._new(value._data if isinstance(value, Tensor) else as_array(value))

    def _scalar_dtype(self, other: Any) -> np.dtype:
        """The dtype a Python scalar takes next to this tensor (NumPy's 'weak' scalars)."""
        kind = self._data.dtype.kind
        if kind == "f" or (kind in "iu" and not isinstance(other, float)):
            return self._data.dtype
        return DEFAULT_DTYPE if isinstance(other, float) else np.dtype(np.int64)

    def _lift(self, other: Any) -> Any:
        if isinstance(other, Tensor):
            return other
        if type(other) is float and self._data.dtype.kind == "f":
            return Tensor._new(np.array(other, dtype=self._data.dtype))
        if isinstance(other, Node):
            return NotImplemented
        other = _number(other)
        if isinstance(other, (int, float, bool)):
            if self._data.dtype.kind != "f":  # floating results of an integer tensor: float32
                return Tensor._weak(other, self._scalar_dtype(other))
            return Tensor._new(np.asarray(other, dtype=self._scalar_dtype(other)))
        if isinstance(other, (np.ndarray, np.generic, list, tuple)):
            return Tensor._new(as_array(other))
        return NotImplemented

    @classmethod
    def _weak(cls, number: Any, dtype: np.dtype) -> "Tensor":
        """A Python number beside an integer tensor (see :class:`autograd.arrays.PythonNumber`)."""
        t = cls._new(np.asarray(0, dtype=dtype))
        t._data = python_number(number, dtype)
        return t

    def _exponent(self, other: Any) -> Any:
        other = _number(other)
        if isinstance(other, (int, float)):
            if type(other) is float and self._data.dtype.kind != "f":
                return python_number(other, DEFAULT_DTYPE)  # 0.7 ** int_tensor is float32
            return other
        if isinstance(other, (np.ndarray, np.generic, list, tuple)):
            arr = as_array(other)
            try:
                np.broadcast_shapes(self.shape, arr.shape)
            except ValueError:
                raise ShapeError(
                    f"pow: shapes {self.shape} and {arr.shape} (the constant exponent or "
                    "base) do not broadcast"
                ) from None
            return arr
        return NotImplemented

    def _seed_ones(self) -> np.ndarray:
        return np.ones_like(self._data)

    def _coerce_grad(self, grad: Any) -> Any:
        g = grad if isinstance(grad, Tensor) else as_array(grad, self._data.dtype)
        if g.shape != self._data.shape:
            raise ShapeError(
                f"backward: grad has shape {g.shape} but the output has shape "
                f"{self._data.shape}; pass a gradient of the output's shape"
            )
        return g

    def _accumulate_grad(self, g: Any, fresh: bool) -> None:
        g = np.asarray(g)
        if self.grad is None:
            if not fresh or g.base is not None or not g.flags.writeable or g.dtype != self.dtype:
                g = np.array(g, dtype=self._data.dtype)
            self.grad = g
        else:
            self.grad = self.grad + g

    def _save_versions(self, args: tuple[Node, ...]) -> None:
        # The counts of the inputs the rule reads (its output's starts at 0), and a
        # hold on their memory so that .data hands it out read-only until released.
        if not self._rule.uses_inputs:
            self._saved_versions = ()
            hold(self, (self,))
            return
        if len(args) == 1:
            self._saved_versions = (args[0]._vc.n,)
        elif len(args) == 2:
            self._saved_versions = (args[0]._vc.n, args[1]._vc.n)
        else:
            self._saved_versions = tuple([a._vc.n for a in args])
        hold(self, args + (self,) if self._rule.uses_ans else args)

    def _share_memory(self, src: "Tensor") -> None:
        """Count changes together with ``src`` when this (a view op's result) is a view of it."""
        if np.may_share_memory(self._data, src._data):
            self._vc = src._vc
            self._base = src if src._base is None else src._base

    def _check_versions(self) -> None:
        vs = self._saved_versions
        if vs is None:
            return
        n = len(vs)
        if (self._vc.n == 0 or not self._rule.uses_ans) and (
                n == 0 or (self._x._vc.n == vs[0]
                           and (n == 1 or (self._y._vc.n == vs[1] and n == 2)))):
            return
        for i, (p, v) in enumerate(zip(self._parents, vs)):
            if p._vc.n != v:
                raise InPlaceError(
                    f"backward of '{self._rule.name}': its input {i} (shape {p.shape}"
                    f"{', name ' + repr(p.name) if p.name else ''}) was changed in place "
                    f"after the operation used it (version {p._vc.n}, saved at {v}), so "
                    "the gradient would be wrong. Change a copy, or make the change after "
                    "backward."
                )
        if self._rule.uses_ans and self._vc.n != 0:
            raise InPlaceError(
                f"backward of '{self._rule.name}': its output was changed in place after "
                "the operation, so the gradient would be wrong. Change a copy instead."
            )

    @classmethod
    def _op_error(cls, rule: Any, args: tuple[Node, ...], exc: Exception) -> Exception:
        shapes = " and ".join(str(a.shape) for a in args)
        kind = IndexError if isinstance(exc, IndexError) else ShapeError
        return kind(f"{rule.name}: cannot apply to tensors of shapes {shapes} ({exc})")

    # -- attributes
    @property
    def data(self) -> np.ndarray:
        """The array. Assigning to it counts as an in-place change.

        While an operation that saved this tensor awaits its backward, the array
        comes read-only (a :class:`~autograd.versions.SavedArray`), so that a
        write cannot silently spoil the gradient: see :mod:`autograd.versions`.
        """
        vc = self._vc
        if vc.saved is None:
            return self._data
        holders = vc.holders()
        return read_only(self._data, holders) if holders else self._data

    @data.setter
    def data(self, value: Any) -> None:
        if value is self._data:  # an optimizer's update, made in place: one change
            self._vc.n += 1
            return
        arr = as_array(value, None if not isinstance(value, np.ndarray) else value.dtype)
        old, vc = self._data, self._vc
        if arr is not old and not np.may_share_memory(arr, old):
            # New memory: views and detached tensors keep the old array and its counter.
            self._vc = Version(vc.n + 1)
            self._base = None
        else:
            vc.n += 1
        self._data = arr

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has had."""
        return self._vc.n

    def _set_requires_grad(self, value: bool) -> None:
        value = bool(value)
        if self._rule is not None:
            if not value:
                raise RuntimeError(
                    f"requires_grad: only leaf tensors can change it; this one is the result "
                    f"of '{self._rule.name}', and turning it off would silently drop the "
                    "gradient of everything before it. Use .detach() for a copy outside the "
                    "graph."
                )
        elif value:
            _check_float(self._data, "requires_grad")
        _REQUIRES_GRAD.__set__(self, value)

    # The slot's own getter (no Python frame: the engine reads this flag on every edge).
    requires_grad = property(_REQUIRES_GRAD.__get__, _set_requires_grad,  # type: ignore
                             doc="Whether gradients flow to this tensor (only leaves may "
                                 "change it).")

    @property
    def shape(self) -> tuple[int, ...]:
        """The length of each axis, as NumPy gives it."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the data (float32 unless made otherwise)."""
        return self._data.dtype

    @property
    def T(self) -> "Tensor":
        """The tensor with its axes reversed."""
        return self.transpose()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Iterator["Tensor"]:
        for i in range(len(self)):
            yield self[i]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None:
            return self._data.astype(dtype)
        if self._vc.saved is None or not self._vc.holders():
            return self._data
        view = self._data.view()
        view.flags.writeable = False
        return view

    def item(self) -> Any:
        """The single element as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item(): needs a tensor with one element, got shape {self.shape}")
        return self._data.item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied; read-only as ``.data`` says)."""
        return self.data

    def tolist(self) -> Any:
        """The data as nested Python lists of numbers."""
        return self._data.tolist()

    def detach(self) -> "Tensor":
        """A new leaf sharing this data (and its version counter), outside the graph."""
        t = Tensor._new(self._data)
        t._vc = self._vc
        return t

    # A copy or a pickle is a new leaf: the graph, its holds on saved data and the
    # version counter stay with the original (a shallow copy shares the memory, so
    # it shares the counter too).
    def __reduce_ex__(self, protocol: Any) -> Any:
        if self._rule is not None:
            raise RuntimeError(
                f"only leaf tensors can be copied or pickled; this one is the result of "
                f"'{self._rule.name}': copy or pickle .detach() instead")
        return (_rebuild, (type(self), self._data, self.grad, self.requires_grad, self.name))

    def __copy__(self) -> "Tensor":
        t = _rebuild(type(self), self._data, self.grad, self.requires_grad, self.name)
        t._vc = self._vc
        return t

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place; returns self."""
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        self.retains_grad = True

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(")
        extra = ""
        t = self.tangent
        if t is not None:
            extra += ", tangent=" + np.array2string(t, separator=", ", prefix="tangent=")
        if self._data.dtype != DEFAULT_DTYPE:
            extra += f", dtype={self._data.dtype}"
        if self.requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"Tensor({body}{extra})"

    # Comparisons return tensors (see autograd.elementwise), so hashing stays by identity.
    __hash__ = Node.__hash__

def _rebuild(cls: type, data: np.ndarray, grad: Any, requires_grad: bool, name: str) -> Tensor:
    """A leaf of class ``cls`` (Tensor or a subclass) from what ``__reduce_ex__`` kept."""
    t = Tensor._new.__func__(cls, data)  # type: ignore[attr-defined]
    t.grad = grad
    _REQUIRES_GRAD.__set__(t, bool(requires_grad))
    t.name = name
    return t



# Functions of several tensors live in autograd.joins, which needs Tensor defined first.
from .joins import cat, linear, maximum, minimum, stack, where  # noqa: E402,F401
