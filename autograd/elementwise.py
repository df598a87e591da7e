"""Tensor-only operators: comparisons (no gradient), clip, maximum/minimum, ``@`` and casts.

The arithmetic shared with ``Value`` lives in :mod:`autograd.operators`.

>>> from autograd import Tensor
>>> x = Tensor([1., 5.], requires_grad=True)
>>> (x > 2).tolist(), x.clip(0, 3).tolist(), (x @ x).item()
([False, True], [1.0, 3.0], 26.0)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from .arrays import ShapeError
from .node import Node, apply


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Node) and x._tracks_versions


class Elementwise:
    """Comparisons, clip, maximum/minimum, matmul and casts of ``Tensor`` (a mixin)."""

    __slots__ = ()

    # -- comparisons (no gradient)
    def _compare(self, other: Any, fn: Any) -> Any:
        o = other._data if _is_tensor(other) else other
        return self._new(np.asarray(fn(self._data, o)))

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Any:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, np.greater_equal)

    def __and__(self, other: Any) -> Any:
        return self._compare(other, np.logical_and)

    def __or__(self, other: Any) -> Any:
        return self._compare(other, np.logical_or)

    def __invert__(self) -> Any:
        return self._new(np.logical_not(self._data))

    # -- elementwise extras
    def clip(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        """Clamp into [min, max]; one of them may be None, not both (as NumPy and PyTorch)."""
        if min is None and max is None:
            raise ValueError("clip: give min or max (or both); with neither there is "
                             "nothing to clip to")
        return apply(ops.clip, (self,), {"lo": min, "hi": max})

    clamp = clip

    def maximum(self, other: Any) -> Any:
        """The elementwise larger of ``self`` and ``other`` (see ``autograd.maximum``)."""
        from .joins import maximum

        return maximum(self, other)

    def minimum(self, other: Any) -> Any:
        """The elementwise smaller of ``self`` and ``other`` (see ``autograd.minimum``)."""
        from .joins import minimum

        return minimum(self, other)

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

    def astype(self, dtype: Any) -> Any:
        """The tensor converted to ``dtype`` (differentiable between float dtypes)."""
        dtype = np.dtype(dtype)
        if dtype == self._data.dtype:
            return self
        if dtype.kind != "f":
            return self._new(self._data.astype(dtype))
        return apply(ops.astype, (self,), {"dtype": dtype})


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
