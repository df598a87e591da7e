"""Arrays in and out of ``Tensor``: conversion, dtype checks, axes and the dim=/axis= rule.

**The dim=/axis= rule.** Where PyTorch and NumPy disagree on what a reduction or
``squeeze`` does, a call written PyTorch's way gets PyTorch's answer and a call
written NumPy's way gets NumPy's: ``dim=`` (or the dimension given by position,
as in ``t.max(1)``) follows PyTorch, ``axis=`` follows NumPy. So ``t.max(1)``
and ``t.max(dim=1)`` return ``(values, indices)`` while ``t.max(axis=1)`` and
``t.max()`` return the values; ``squeeze(1)`` or ``squeeze(dim=1)`` leaves a
dimension whose length is not 1 alone while ``squeeze(axis=1)`` raises; a 0-d
tensor takes ``dim=0`` or ``dim=-1`` (its one element) in ``sum``, ``mean``,
``max``, ``min``, ``logsumexp``, ``softmax``, ``log_softmax`` and ``squeeze``,
while ``axis=0`` is out of range there. Where the two agree, so do both
spellings. One exception, to keep a number from changing silently with the
spelling: ``var`` divides by n - ddof with NumPy's default ddof=0 however it
is called; pass ``ddof=1`` (or PyTorch's ``correction=1`` / ``unbiased=True``)
for the sample variance.

**Python numbers.** A Python number next to a tensor takes the tensor's dtype
(float32 stays float32), and next to an integer or bool tensor a result that
comes out floating is float32, the project's dtype for Python numbers
(``int_tensor / 2``, ``int_tensor * 0.5``, ``0.7 ** int_tensor``), as in
PyTorch. Two tensors follow NumPy's promotion.

>>> from autograd import Tensor
>>> t = Tensor([[1., 5.], [7., 3.]])
>>> t.max(1).indices.tolist(), t.max(axis=1).tolist()
([1, 0], [5.0, 7.0])
>>> (Tensor([1, 2]) / 2).dtype
dtype('float32')
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .node import Node
from .versions import SavedArray


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Node) and x._tracks_versions


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
    if isinstance(data, Node) and data._tracks_versions:  # a Tensor
        arr = data._data
    elif isinstance(data, np.ndarray):
        # A read-only view handed out while a graph saved the data: copy it, so the
        # new tensor neither writes into that data nor stays read-only afterwards.
        arr = data if type(data) is not SavedArray else np.array(data.view(np.ndarray))
    elif isinstance(data, (list, tuple)) and any(_is_tensor(d) for d in data):
        if any(_is_tensor(d) and d.requires_grad for d in data):
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
    if _is_tensor(index):
        return index._data
    if isinstance(index, list):
        arr = np.asarray(index)
        return arr if arr.dtype.kind in "biu" else index
    return index


class PythonNumber(np.ndarray):
    """A Python number held as a 0-d array next to an integer or bool tensor.

    NumPy gives float64 where an integer array meets a Python float (and for
    ``int / int``); this array makes such results float32, the project's dtype
    for Python numbers. Only constants made by ``Tensor._lift`` and
    ``Tensor._exponent`` for integer and bool tensors are of this type, so
    floating tensors never pay for it.
    """

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = getattr(ufunc, method)(*_plain(inputs), **kwargs)
        return _default_float(out)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        out = func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})
        return _default_float(out)


def python_number(x: Any, dtype: np.dtype) -> PythonNumber:
    """``x`` as a :class:`PythonNumber` of ``dtype``."""
    return np.asarray(x, dtype=dtype).view(PythonNumber)


def _plain(x: Any) -> Any:
    if isinstance(x, PythonNumber):
        return x.view(np.ndarray)
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(i) for i in x)
    return x


def _default_float(out: Any) -> Any:
    if isinstance(out, np.ndarray) and out.dtype == np.float64:
        return out.astype(DEFAULT_DTYPE)
    if isinstance(out, np.float64):
        return np.float32(out)
    return out


def dims(op: str, ndim: int, dim: Any, axis: Any) -> tuple[tuple[int, ...] | None, bool]:
    """The axes a call names, and whether it is PyTorch's call (``dim=`` or positional).

    ``dim`` is the dimension given by position or as ``dim=``; ``axis`` is ``axis=``.
    A 0-d tensor has one element and no axes: PyTorch's call may name it as
    dimension 0 or -1 (the axes returned are then None: the whole tensor).
    """
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim= (PyTorch's name) or axis= (NumPy's), not both")
        return normalize_axis(axis, ndim, op), False
    if dim is None:
        return None, False
    if ndim == 0:
        given = (dim,) if isinstance(dim, (int, np.integer)) else dim
        if not isinstance(given, (tuple, list)) or any(
                not isinstance(d, (int, np.integer)) or d not in (0, -1) for d in given):
            raise ValueError(f"{op}: dim {dim!r} is out of range for a tensor with 0 "
                             "dimensions (expected 0 or -1)")
        return None, True
    return normalize_axis(dim, ndim, op), True
