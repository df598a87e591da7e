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

DEFAULT_DTYPE = np.dtype(np.float32)


class ShapeError(ValueError):
    """Operands whose shapes do not fit the operation."""


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """``data`` as an ndarray: Python numbers and lists become float32 by default."""
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        arr = np.asarray([as_array(d) for d in data])
    elif isinstance(data, (bool, np.bool_)):
        arr = np.asarray(data)
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        arr = np.asarray(data, dtype=DEFAULT_DTYPE if dtype is None else dtype)
        if arr.dtype == object:
            raise TypeError(f"Tensor: cannot make a numeric array from {type(data).__name__}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        arr = arr.astype(dtype)
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


class Tensor(Operators):
    """A NumPy array in the computation graph."""

    __slots__ = ("retains_grad", "_version", "_saved_versions")

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
        self.requires_grad = bool(requires_grad)
        self._rule = None
        self._x = self._y = None
        self._rest = ()
        self._params = None
        self.name = name
        self.retains_grad = False
        self._version = 0
        self._saved_versions = None
        if tangent is not None:
            self.tangent = tangent

    @classmethod
    def _new(cls, data: Any) -> "Tensor":
        t = cls.__new__(cls)
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t.grad = None
        t.requires_grad = False
        t._rule = None
        t._x = t._y = None
        t._rest = ()
        t._params = None
        t.name = ""
        t.retains_grad = False
        t._version = 0
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
        if not self._rule.uses_inputs:
            self._saved_versions = ()
        elif len(args) == 1:
            self._saved_versions = (args[0]._version,)
        elif len(args) == 2:
            self._saved_versions = (args[0]._version, args[1]._version)
        else:
            self._saved_versions = tuple(a._version for a in args)

    def _check_versions(self) -> None:
        saved = self._saved_versions
        if saved is None:
            return
        n = len(saved)
        if (self._version == 0 or not self._rule.uses_ans) and (
                n == 0 or (self._x._version == saved[0]
                           and (n == 1 or (self._y._version == saved[1] and n == 2)))):
            return
        for i, (p, v) in enumerate(zip(self._parents, saved)):
            if p._version != v:
                raise RuntimeError(
                    f"backward of '{self._rule.name}': its input {i} (shape {p.shape}"
                    f"{', name ' + repr(p.name) if p.name else ''}) was changed in place "
                    f"after the operation used it (version {p._version}, saved at {v}), so "
                    "the gradient would be wrong. Change a copy, or make the change after "
                    "backward."
                )
        if self._rule.uses_ans and self._version != 0:
            raise RuntimeError(
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
        """The array. Assigning to it counts as an in-place change."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = as_array(value, None if not isinstance(value, np.ndarray) else value.dtype)
        self._version += 1

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
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
        return self._data if dtype is None else self._data.astype(dtype)

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
        """The data as an ndarray (shared, not copied)."""
        return self._data

    def tolist(self) -> Any:
        return self._data.tolist()

    def detach(self) -> "Tensor":
        """A new leaf sharing this data, outside the graph."""
        return Tensor._new(self._data)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place; returns self."""
        if requires_grad:
            _check_float(self._data, "requires_grad_")
        self.requires_grad = bool(requires_grad)
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
        from .grad_mode import is_grad_enabled

        if self.requires_grad and self._rule is None and is_grad_enabled():
            raise RuntimeError(
                f"{what}: a leaf tensor that requires grad cannot change in place while "
                "grad mode is on; do it inside `with no_grad():`"
            )
        if self.tangent is not None:
            raise RuntimeError(
                f"{what}: this tensor carries a forward-mode tangent, which an in-place "
                "change would leave stale; change a copy (an out-of-place operation) instead"
            )
        self._version += 1

    def zero_(self) -> "Tensor":
        self._inplace("zero_")
        self._data[...] = 0
        return self

    def fill_(self, value: float) -> "Tensor":
        self._inplace("fill_")
        self._data[...] = value
        return self

    def copy_(self, src: Any) -> "Tensor":
        self._inplace("copy_")
        self._data[...] = as_array(src)
        return self

    def add_(self, other: Any, alpha: float = 1.0) -> "Tensor":
        self._inplace("add_")
        self._data += alpha * as_array(other, self._data.dtype)
        return self

    def mul_(self, other: Any) -> "Tensor":
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
        return self.astype(np.float32)

    def double(self) -> "Tensor":
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
        return maximum(self, other)

    def minimum(self, other: Any) -> "Tensor":
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
        return where(cond, a, b)

    @staticmethod
    def cat(tensors: Sequence[Any], axis: int = 0, *, dim: Any = None) -> "Tensor":
        return cat(tensors, _pick(dim, axis))

    @staticmethod
    def stack(tensors: Sequence[Any], axis: int = 0, *, dim: Any = None) -> "Tensor":
        return stack(tensors, _pick(dim, axis))


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
