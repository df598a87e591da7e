"""``Tensor``: an n-dimensional array (NumPy) that records operations.

Names follow PyTorch for autograd (``requires_grad``, ``backward``,
``detach``) and NumPy for array operations (``axis``, ``keepdims``,
``broadcast_to``); PyTorch's ``dim``/``keepdim`` are accepted too.

Dtypes: Python numbers and lists become float32; NumPy arrays keep their
dtype; results follow NumPy's promotion, with Python scalars taking the
tensor's dtype (so float32 stays float32). Only floating tensors can require
grad. ``.grad`` is an ndarray of the tensor's shape and dtype.

>>> from autograd import Tensor
>>> x = Tensor([[1., 2.], [3., 4.]], requires_grad=True)
>>> y = (x @ x.T).relu().sum(); y.backward()
>>> x.grad
array([[ 8., 12.],
       [ 8., 12.]], dtype=float32)
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from . import ops
from .node import Node, apply
from .operators import Operators
from .versions import InPlaceError, SavedArray, Version, hold, read_only

DEFAULT_DTYPE = np.dtype(np.float32)


class ShapeError(ValueError):
    """Operands whose shapes do not fit the operation."""


# Real numbers and booleans: b bool, i/u integers, f floats.
_NUMERIC_KINDS = "biuf"
_ACCEPTED = ("real numbers: a Python number or bool, a (nested) list of them, or a NumPy "
             "array of bool, integer or floating dtype")


def _refuse(data: Any, what: str) -> TypeError:
    return TypeError(f"Tensor: cannot make a tensor from {what}; expected {_ACCEPTED}")


def _from_python(data: Any, dtype: Any) -> np.ndarray:
    """Python numbers and (nested) lists as an array, float32 unless ``dtype`` says otherwise.

    NumPy reads None as nan and the string '1' as 1.0 when told to make floats,
    so the data is read without a dtype first and its kind checked.
    """
    if data is None:
        raise _refuse(data, "None")
    try:
        raw = np.asarray(data)
    except ValueError as exc:  # ragged nesting
        raise ValueError(f"Tensor: the nested lists do not form an array ({exc})") from None
    if raw.dtype == object:
        for item in raw.reshape(-1):
            if not isinstance(item, (bool, int, float, np.bool_, np.integer, np.floating)):
                raise _refuse(data, f"a {type(data).__name__} holding {type(item).__name__} "
                                    f"{item!r:.40}")
        raw = raw.astype(np.float64)  # integers too large for int64
    elif raw.dtype.kind not in _NUMERIC_KINDS:
        raise _refuse(data, f"{type(data).__name__} data of dtype {raw.dtype} "
                            f"({_KIND_NAMES.get(raw.dtype.kind, 'not numbers')})")
    if dtype is None:
        return raw.astype(DEFAULT_DTYPE)
    return raw


_KIND_NAMES = {"c": "complex numbers", "U": "strings", "S": "bytes", "M": "dates",
               "m": "time spans", "V": "structured records", "O": "Python objects"}


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """``data`` as an ndarray: Python numbers and lists become float32 by default.

    Only real numbers and booleans are accepted: None, strings, complex numbers,
    dates and Python objects raise a TypeError, as do lists of tensors that
    require grad (the gradient could not flow through: use ``stack``).
    """
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        # A read-only view handed out while a graph saved the data: copy it, so the
        # new tensor neither writes into that data nor stays read-only afterwards.
        arr = data if type(data) is not SavedArray else np.array(data.view(np.ndarray))
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        if any(isinstance(d, Tensor) and d.requires_grad for d in data):
            raise TypeError(
                "Tensor: a list of tensors that require grad cannot become one tensor, as the "
                "gradient would not flow back to them; use autograd.stack(tensors) (or "
                "Tensor.stack) to join them in the graph, or detach() them first"
            )
        arr = np.asarray([as_array(d) for d in data])
    elif isinstance(data, (bool, np.bool_)):
        arr = np.asarray(data)
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        arr = _from_python(data, dtype)
    if dtype is not None and arr.dtype != np.dtype(dtype):
        if np.dtype(dtype).kind not in _NUMERIC_KINDS:
            raise TypeError(f"Tensor: dtype {np.dtype(dtype)} is not supported; tensors hold "
                            "bool, integer or floating-point numbers")
        arr = arr.astype(dtype)
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise _refuse(data, f"an array of dtype {arr.dtype} "
                            f"({_KIND_NAMES.get(arr.dtype.kind, 'not numbers')})")
    return arr


def _check_float(arr: np.ndarray, what: str) -> None:
    if arr.dtype.kind != "f":
        raise TypeError(
            f"{what}: only floating-point tensors can require grad, got dtype {arr.dtype}; "
            "convert first, e.g. Tensor(data, dtype=np.float32)"
        )


def normalize_axis(axis: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``axis`` (None, int or sequence) as a sorted tuple of non-negative axes."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if not isinstance(axes, (tuple, list)) or not all(
            isinstance(a, (int, np.integer)) for a in axes):
        raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {axis!r}")
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _one_axis(axis: Any, ndim: int, op: str) -> int:
    """One axis as a non-negative int; out of range is an error, never a wrap-around."""
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{op}: axis {axis} is out of range for a tensor with {ndim} dimensions "
            f"(expected {-ndim} to {ndim - 1})"
        )
    return int(axis) % ndim


def _number(x: Any) -> Any:
    """A NumPy scalar as the Python number it holds.

    Every operator then treats NumPy scalars like Python numbers, taking the
    tensor's dtype (``float32 * np.float64(2)`` and ``float32 ** np.float64(2)``
    both stay float32, as in PyTorch); 0-d arrays still promote.
    """
    if isinstance(x, np.generic) and x.dtype.kind in "biuf":
        return x.item()
    return x


def _pick(axis: Any, dim: Any) -> Any:
    return dim if axis is None else axis


def _shape_args(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _index_data(index: Any) -> Any:
    """An index with Tensors and lists replaced by arrays."""
    if isinstance(index, tuple):
        return tuple(_index_data(i) for i in index)
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        arr = np.asarray(index)
        return arr if arr.dtype.kind in "biu" else index
    return index


# Node's slot for the flag; Tensor wraps it in a property that refuses what PyTorch refuses.
_REQUIRES_GRAD = Node.requires_grad


class Tensor(Operators):
    """A NumPy array in the computation graph.

    ``_vc`` is the :class:`~autograd.versions.Version` shared with every tensor
    that views the same memory; ``_base`` is the tensor a view was taken from
    (None for others), whose leaf guard the view obeys.
    """

    __slots__ = ("retains_grad", "_vc", "_base", "_saved_versions")

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
        self._rest = ()
        self._params = None
        self.name = name
        self.retains_grad = False
        self._vc = Version()
        self._base = None
        self._saved_versions = None
        if tangent is not None:
            self.tangent = tangent

    @classmethod
    def _new(cls, data: Any) -> "Tensor":
        t = cls.__new__(cls)
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t.grad = None
        _REQUIRES_GRAD.__set__(t, False)
        t._rule = None
        t._x = t._y = None
        t._rest = ()
        t._params = None
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
            return Tensor._new(np.asarray(other, dtype=self._scalar_dtype(other)))
        if isinstance(other, (np.ndarray, np.generic, list, tuple)):
            return Tensor._new(as_array(other))
        return NotImplemented

    def _exponent(self, other: Any) -> Any:
        other = _number(other)
        if isinstance(other, (int, float)):
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
    def size(self) -> int:
        """The number of elements."""
        return self._data.size

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

    # -- in-place updates (for optimizers, under no_grad)
    def _inplace(self, what: str) -> None:
        """Check that ``what`` may change this tensor in place, and count the change.

        The count is shared with every view of the memory, so a graph that saved
        any of them notices at backward.
        """
        from .grad_mode import is_grad_enabled

        base = self if self._base is None else self._base
        if base.requires_grad and base._rule is None and is_grad_enabled():
            which = "a leaf tensor" if base is self else "a view of a leaf tensor"
            raise RuntimeError(
                f"{what}: {which} that requires grad cannot change in place while "
                "grad mode is on; do it inside `with no_grad():`"
            )
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

    def zero_(self) -> "Tensor":
        """Set every element to 0 in place; returns self."""
        self._inplace("zero_")
        self._data[...] = 0
        return self

    def fill_(self, value: float) -> "Tensor":
        """Set every element to ``value`` in place; returns self."""
        self._inplace("fill_")
        self._data[...] = value
        return self

    def copy_(self, src: Any) -> "Tensor":
        """Copy ``src``'s elements into this tensor in place; returns self."""
        self._inplace("copy_")
        self._data[...] = as_array(src)
        return self

    def add_(self, other: Any, alpha: float = 1.0) -> "Tensor":
        """Add ``alpha * other`` in place; returns self."""
        self._inplace("add_")
        self._data += alpha * as_array(other, self._data.dtype)
        return self

    def mul_(self, other: Any) -> "Tensor":
        """Multiply by ``other`` in place; returns self."""
        self._inplace("mul_")
        self._data *= as_array(other, self._data.dtype)
        return self

    # -- comparisons (no gradient)
    def _compare(self, other: Any, fn: Any) -> "Tensor":
        o = other._data if isinstance(other, Tensor) else other
        return Tensor._new(np.asarray(fn(self._data, o)))

    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __lt__(self, other: Any) -> "Tensor":
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> "Tensor":
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> "Tensor":
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> "Tensor":
        return self._compare(other, np.greater_equal)

    def __and__(self, other: Any) -> "Tensor":
        return self._compare(other, np.logical_and)

    def __or__(self, other: Any) -> "Tensor":
        return self._compare(other, np.logical_or)

    def __invert__(self) -> "Tensor":
        return Tensor._new(np.logical_not(self._data))

    __hash__ = Node.__hash__

    def argmax(self, axis: int | None = None, keepdims: bool = False, dim: Any = None) -> "Tensor":
        """Index of the largest element (no gradient)."""
        ax = _pick(axis, dim)
        ax = None if ax is None else _one_axis(ax, self.ndim, "argmax")
        return Tensor._new(np.asarray(self._data.argmax(axis=ax, keepdims=keepdims)))

    def argmin(self, axis: int | None = None, keepdims: bool = False, dim: Any = None) -> "Tensor":
        """Index of the smallest element (no gradient)."""
        ax = _pick(axis, dim)
        ax = None if ax is None else _one_axis(ax, self.ndim, "argmin")
        return Tensor._new(np.asarray(self._data.argmin(axis=ax, keepdims=keepdims)))

    # -- linear algebra
    def __matmul__(self, other: Any) -> Any:
        o = self._operand(other, "@")
        if o is NotImplemented:
            return NotImplemented
        _check_matmul(self.shape, o.shape)
        return apply(ops.matmul, (self, o))

    def __rmatmul__(self, other: Any) -> Any:
        o = self._operand(other, "@")
        if o is NotImplemented:
            return NotImplemented
        _check_matmul(o.shape, self.shape)
        return apply(ops.matmul, (o, self))

    def matmul(self, other: Any) -> Any:
        """The matrix product ``self @ other``."""
        return self @ other

    def astype(self, dtype: Any) -> "Tensor":
        """The tensor converted to ``dtype`` (differentiable between float dtypes)."""
        dtype = np.dtype(dtype)
        if dtype == self._data.dtype:
            return self
        if dtype.kind != "f":
            return Tensor._new(self._data.astype(dtype))
        return apply(ops.astype, (self,), {"dtype": dtype})

    def float(self) -> "Tensor":
        """The tensor as float32."""
        return self.astype(np.float32)

    def double(self) -> "Tensor":
        """The tensor as float64."""
        return self.astype(np.float64)

    # -- reductions
    def _reduce(self, rule: Any, axis: Any, keepdims: bool) -> "Tensor":
        ax = normalize_axis(axis, self.ndim, rule.name)
        if self._data.size == 0 and rule.name in ("max", "min"):
            raise ValueError(f"{rule.name}: the tensor is empty (shape {self.shape})")
        return apply(rule, (self,), {"axis": ax, "keepdims": bool(keepdims)})

    def sum(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> "Tensor":
        """Sum over ``axis`` (all by default)."""
        return self._reduce(ops.sum_, _pick(axis, dim), keepdims or bool(keepdim))

    def max(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> "Tensor":
        """Largest element over ``axis``; ties share the gradient evenly.

        Returns the values only, as NumPy's ``max`` does (PyTorch's ``max(dim=)``
        also returns indices): use ``argmax`` for those.
        """
        return self._reduce(ops.amax, _pick(axis, dim), keepdims or bool(keepdim))

    def min(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> "Tensor":
        """Smallest element over ``axis``; ties share the gradient evenly (values only, as
        NumPy's ``min``; use ``argmin`` for the indices)."""
        return self._reduce(ops.amin, _pick(axis, dim), keepdims or bool(keepdim))

    def logsumexp(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
                  keepdim: bool | None = None) -> "Tensor":
        """log(sum(exp(x))) over ``axis``, without overflow."""
        return self._reduce(ops.logsumexp, _pick(axis, dim), keepdims or bool(keepdim))

    def _count(self, axis: Any, op: str) -> int:
        ax = normalize_axis(axis, self.ndim, op)
        if ax is None:
            return self._data.size
        return int(np.prod([self.shape[a] for a in ax]))

    def mean(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
             keepdim: bool | None = None) -> "Tensor":
        """Mean over ``axis``: the sum divided by the count."""
        axis = _pick(axis, dim)
        n = self._count(axis, "mean")  # first, so a bad axis is reported as mean's
        # the mean of nothing is NaN (as in NumPy and PyTorch), not a ZeroDivisionError
        return self.sum(axis, keepdims or bool(keepdim)) * (1.0 / n if n else np.nan)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0, *, dim: Any = None,
            keepdim: bool | None = None) -> "Tensor":
        """Variance over ``axis``: mean squared deviation (ddof=0, NumPy's default)."""
        axis = _pick(axis, dim)
        n = self._count(axis, "var")
        d = self - self.mean(axis, keepdims=True)
        scale = 1.0 / (n - ddof) if n > ddof else np.nan
        return (d * d).sum(axis, keepdims or bool(keepdim)) * scale

    def softmax(self, axis: int = -1, *, dim: Any = None) -> "Tensor":
        """exp(x) / sum(exp(x)) along ``axis``, stable for large inputs."""
        ax = normalize_axis(_pick(dim, axis), self.ndim, "softmax")
        return apply(ops.softmax, (self,), {"axis": ax})

    def log_softmax(self, axis: int = -1, *, dim: Any = None) -> "Tensor":
        """log(softmax(x)) along ``axis``, stable for large inputs."""
        ax = normalize_axis(_pick(dim, axis), self.ndim, "log_softmax")
        return apply(ops.log_softmax, (self,), {"axis": ax})

    # -- elementwise extras
    def clip(self, min: Any = None, max: Any = None) -> "Tensor":  # noqa: A002
        """Clamp into [min, max] (either may be None)."""
        return apply(ops.clip, (self,), {"lo": min, "hi": max})

    clamp = clip

    def maximum(self, other: Any) -> "Tensor":
        """The elementwise larger of ``self`` and ``other`` (see ``autograd.maximum``)."""
        return maximum(self, other)

    def minimum(self, other: Any) -> "Tensor":
        """The elementwise smaller of ``self`` and ``other`` (see ``autograd.minimum``)."""
        return minimum(self, other)

    # -- shape
    def reshape(self, *shape: Any) -> "Tensor":
        """Same elements in a new shape (one dimension may be -1)."""
        target = _shape_args(shape)
        try:
            new = np.empty(self.shape, dtype=np.bool_).reshape(target).shape
        except ValueError:
            raise ShapeError(
                f"reshape: cannot reshape a tensor of shape {self.shape} ({self.size} "
                f"elements) into {target}"
            ) from None
        if new == self.shape:
            return self
        return apply(ops.reshape, (self,), {"shape": new})

    view = reshape

    def transpose(self, *axes: Any) -> "Tensor":
        """Reverse the axes, swap two (PyTorch's ``transpose(d0, d1)``), or permute all."""
        # Two separate ints swap (PyTorch), also on a matrix, where reading
        # (0, 1) as a permutation would silently return the input unchanged;
        # one tuple, or n ints for n != 2 axes, is a permutation (NumPy).
        swap = len(axes) == 2 and not isinstance(axes[0], (tuple, list))
        axes = _shape_args(axes) if axes else ()
        n = self.ndim
        if not axes:
            perm = tuple(range(n))[::-1]
        elif swap:
            a, b = (_one_axis(x, n, "transpose") for x in axes)
            p = list(range(n))
            p[a], p[b] = p[b], p[a]
            perm = tuple(p)
        else:
            perm = tuple(_one_axis(a, n, "transpose") for a in axes)
            if sorted(perm) != list(range(n)):
                raise ValueError(
                    f"transpose: {axes} is not a permutation of the axes of shape {self.shape}; "
                    f"expected each of 0..{n - 1} once"
                )
        if perm == tuple(range(n)):
            return self
        return apply(ops.transpose, (self,), {"axes": perm})

    def permute(self, *dims: Any) -> "Tensor":
        """Reorder all axes."""
        dims = _shape_args(dims)
        if len(dims) != self.ndim:
            raise ValueError(f"permute: need {self.ndim} axes for shape {self.shape}, got {dims}")
        # One tuple: transpose reads two separate ints as a swap, so a matrix's
        # permute(0, 1) would come back transposed.
        return self.transpose(dims)

    def swapaxes(self, a: int, b: int) -> "Tensor":
        """Swap two axes."""
        return self.transpose(a, b)

    def squeeze(self, axis: Any = None, *, dim: Any = None) -> "Tensor":
        """Drop axes of length 1 (all, or the given ones)."""
        ax = normalize_axis(_pick(axis, dim), self.ndim, "squeeze")
        if ax is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            for a in ax:
                if self.shape[a] != 1:
                    raise ValueError(f"squeeze: axis {a} has length {self.shape[a]}, not 1")
            shape = tuple(n for i, n in enumerate(self.shape) if i not in ax)
        return self.reshape(shape)

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> "Tensor":
        """Insert an axis of length 1 at ``axis`` (PyTorch: ``dim``)."""
        axis = _pick(axis, dim)
        if axis is None:
            raise TypeError("unsqueeze: give the position of the new axis (axis= or dim=)")
        n = self.ndim + 1
        if not -n <= axis < n:
            raise ValueError(f"unsqueeze: axis {axis} is out of range for {n} dimensions")
        a = axis % n
        return self.reshape(self.shape[:a] + (1,) + self.shape[a:])

    expand_dims = unsqueeze

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        """Merge axes start_dim..end_dim into one."""
        if self.ndim == 0:
            return self.reshape(1)
        s, e = _one_axis(start_dim, self.ndim, "flatten"), _one_axis(end_dim, self.ndim, "flatten")
        if s > e:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for shape {self.shape}")
        shape = self.shape[:s] + (int(np.prod(self.shape[s:e + 1])),) + self.shape[e + 1:]
        return self.reshape(shape)

    def broadcast_to(self, *shape: Any) -> "Tensor":
        """Repeat along new or length-1 axes to reach ``shape``."""
        target = _shape_args(shape)
        try:
            np.broadcast_shapes(self.shape, target)
            if np.broadcast_shapes(self.shape, target) != target:
                raise ValueError
        except ValueError:
            raise ShapeError(
                f"broadcast_to: cannot broadcast shape {self.shape} to {target}") from None
        if target == self.shape:
            return self
        return apply(ops.broadcast_to, (self,), {"shape": target})

    def expand(self, *sizes: Any) -> "Tensor":
        """PyTorch's ``expand``: like ``broadcast_to``, with -1 keeping a size."""
        sizes = _shape_args(sizes)
        lead = len(sizes) - self.ndim
        target = tuple(
            self.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes)
        )
        return self.broadcast_to(target)

    # -- indexing
    def __getitem__(self, index: Any) -> "Tensor":
        return apply(ops.getitem, (self,), {"index": _index_data(index)})

    def scatter_add(self, index: Any, shape: tuple[int, ...]) -> "Tensor":
        """zeros(shape) with this tensor added at ``index`` (repeats add up)."""
        return apply(ops.scatter_add, (self,), {"index": _index_data(index), "shape": tuple(shape)})

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> "Tensor":
        """``a`` where ``cond`` holds, else ``b`` (see ``autograd.where``)."""
        return where(cond, a, b)

    @staticmethod
    def cat(tensors: Sequence[Any], axis: int = 0, *, dim: Any = None) -> "Tensor":
        """Join tensors along an existing axis (see ``autograd.cat``)."""
        return cat(tensors, _pick(dim, axis))

    @staticmethod
    def stack(tensors: Sequence[Any], axis: int = 0, *, dim: Any = None) -> "Tensor":
        """Join tensors along a new axis (see ``autograd.stack``)."""
        return stack(tensors, _pick(dim, axis))


def _rebuild(cls: type, data: np.ndarray, grad: Any, requires_grad: bool, name: str) -> Tensor:
    """A leaf of class ``cls`` (Tensor or a subclass) from what ``__reduce_ex__`` kept."""
    t = Tensor._new.__func__(cls, data)  # type: ignore[attr-defined]
    t.grad = grad
    _REQUIRES_GRAD.__set__(t, bool(requires_grad))
    t.name = name
    return t


def _check_matmul(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    if len(a) == 0 or len(b) == 0:
        raise ShapeError(f"matmul: operands must have at least one dimension, got {a} and {b}")
    k_left = a[-1]
    k_right = b[0] if len(b) == 1 else b[-2]
    if k_left != k_right:
        raise ShapeError(
            f"matmul: shapes {a} and {b} are not aligned: the left operand's last axis has "
            f"{k_left} elements but the right operand's "
            f"{'only' if len(b) == 1 else 'second-to-last'} axis has {k_right}"
        )
    try:
        np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        raise ShapeError(f"matmul: batch shapes of {a} and {b} do not broadcast") from None


def _tensors(items: Sequence[Any], op: str) -> tuple[Tensor, ...]:
    out = []
    for t in items:
        if not isinstance(t, Tensor) and isinstance(t, Node):
            # Tensor(value) would be a constant: the Value's gradient would be lost silently.
            raise TypeError(f"{op}: got a {type(t).__name__}; it takes Tensors, arrays or "
                            "numbers: convert with Tensor(value.data)")
        out.append(t if isinstance(t, Tensor) else Tensor(t))
    return tuple(out)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` holds, else ``b``; the gradient flows only to the chosen side."""
    c = cond._data if isinstance(cond, Tensor) else np.asarray(cond)
    x, y = _pair("where", a, b)
    try:
        np.broadcast_shapes(c.shape, x.shape, y.shape)
    except ValueError:
        raise ShapeError(
            f"where: shapes {c.shape} (cond), {x.shape} and {y.shape} do not broadcast"
        ) from None
    return apply(ops.where, (x, y), {"cond": c.astype(bool, copy=False)})


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """A dense layer, ``x @ weight.T + bias``, with weight of shape (out, in).

    >>> import numpy as np
    >>> linear(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 3))), Tensor(np.zeros(4))).shape
    (2, 4)
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input of shape {x.shape} needs its last axis to match the weight's "
            f"in_features; the weight has shape {weight.shape} (out_features, in_features)"
        )
    if bias is None:
        return apply(ops.linear, (x, weight))
    if bias.shape != (weight.shape[0],):
        raise ShapeError(f"linear: bias of shape {bias.shape} should be ({weight.shape[0]},)")
    return apply(ops.linear, (x, weight, bias))


def _pair(op: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """a and b as Tensors; a number takes the dtype of the Tensor beside it, on either side."""
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(a)
    x, y = like._operand(a, op), like._operand(b, op)
    if x is NotImplemented or y is NotImplemented:
        raise TypeError(f"{op}: expected Tensors, arrays or numbers, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    return x, y


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise larger of a and b (ties split the gradient)."""
    return apply(ops.maximum, _pair("maximum", a, b))


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise smaller of a and b (ties split the gradient)."""
    return apply(ops.minimum, _pair("minimum", a, b))


def cat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    ts = _tensors(tensors, "cat")
    if not ts:
        raise ValueError("cat: needs at least one tensor")
    ax = normalize_axis(axis, ts[0].ndim, "cat")[0]
    for t in ts[1:]:
        if t.ndim != ts[0].ndim or any(
            i != ax and m != n for i, (m, n) in enumerate(zip(t.shape, ts[0].shape))
        ):
            shapes = ", ".join(str(x.shape) for x in ts)
            raise ShapeError(f"cat: shapes {shapes} differ outside axis {ax}")
    return apply(ops.cat, ts, {"axis": ax})


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    ts = _tensors(tensors, "stack")
    if not ts:
        raise ValueError("stack: needs at least one tensor")
    if any(t.shape != ts[0].shape for t in ts):
        shapes = ", ".join(str(x.shape) for x in ts)
        raise ShapeError(f"stack: all tensors need the same shape, got {shapes}")
    n = ts[0].ndim + 1
    if not -n <= axis < n:
        raise ValueError(f"stack: axis {axis} is out of range for {n} dimensions")
    return apply(ops.stack, ts, {"axis": axis % n})
