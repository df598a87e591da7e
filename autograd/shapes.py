"""Shapes and indexing of a ``Tensor``: reshape, transpose, squeeze, broadcast, ``[]``.

Views (reshape, transpose, squeeze, unsqueeze, basic indexing...) share their
input's memory and its version counter (see :mod:`autograd.versions`).

>>> from autograd import Tensor
>>> x = Tensor([[1., 2., 3.]])
>>> x.T.shape, x.reshape(3, 1).shape, x.squeeze().shape, x[0, 1:].tolist()
((3, 1), (3, 1), (3,), [2.0, 3.0])
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import ops
from .arrays import ShapeError, _index_data, _one_axis, _pick, _shape_args, dims
from .node import apply


class Shapes:
    """The shape methods of ``Tensor`` (a mixin: the class is ``autograd.tensor.Tensor``)."""

    __slots__ = ()

    def reshape(self, *shape: Any) -> Any:
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

    def transpose(self, *axes: Any) -> Any:
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

    def permute(self, *dims: Any) -> Any:
        """Reorder all axes."""
        dims = _shape_args(dims)
        if len(dims) != self.ndim:
            raise ValueError(f"permute: need {self.ndim} axes for shape {self.shape}, got {dims}")
        # One tuple: transpose reads two separate ints as a swap, so a matrix's
        # permute(0, 1) would come back transposed.
        return self.transpose(dims)

    def swapaxes(self, a: int, b: int) -> Any:
        """Swap two axes."""
        return self.transpose(a, b)

    def squeeze(self, dim: Any = None, *, axis: Any = None) -> Any:
        """Drop axes of length 1 (all, or the given ones).

        A given dimension whose length is not 1 is left as it is with PyTorch's call
        (``squeeze(1)``, ``squeeze(dim=1)``) and is an error with NumPy's
        (``squeeze(axis=1)``); a 0-d tensor takes ``dim=0`` or ``-1``.

        >>> from autograd import Tensor
        >>> Tensor([[1., 2.]]).squeeze(0).shape, Tensor([[1., 2.]]).squeeze(1).shape
        ((2,), (1, 2))
        """
        ax, torch_call = dims("squeeze", self.ndim, dim, axis)
        if ax is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            for a in ax:
                if self.shape[a] != 1 and not torch_call:
                    raise ValueError(
                        f"squeeze: axis {a} has length {self.shape[a]}, not 1 (NumPy's rule "
                        "for axis=; squeeze(dim=...) leaves such a dimension alone, as PyTorch)")
            shape = tuple(n for i, n in enumerate(self.shape) if i not in ax or n != 1)
        return self.reshape(shape)

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Any:
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

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        """Merge axes start_dim..end_dim into one."""
        if self.ndim == 0:
            return self.reshape(1)
        s, e = _one_axis(start_dim, self.ndim, "flatten"), _one_axis(end_dim, self.ndim, "flatten")
        if s > e:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for shape {self.shape}")
        shape = self.shape[:s] + (int(np.prod(self.shape[s:e + 1])),) + self.shape[e + 1:]
        return self.reshape(shape)

    def broadcast_to(self, *shape: Any) -> Any:
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

    def expand(self, *sizes: Any) -> Any:
        """PyTorch's ``expand``: like ``broadcast_to``, with -1 keeping a size."""
        sizes = _shape_args(sizes)
        lead = len(sizes) - self.ndim
        target = tuple(
            self.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes)
        )
        return self.broadcast_to(target)

    def __getitem__(self, index: Any) -> Any:
        return apply(ops.getitem, (self,), {"index": _index_data(index)})

    def scatter_add(self, index: Any, shape: tuple[int, ...]) -> Any:
        """zeros(shape) with this tensor added at ``index`` (repeats add up)."""
        return apply(ops.scatter_add, (self,), {"index": _index_data(index), "shape": tuple(shape)})

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        """``a`` where ``cond`` holds, else ``b`` (see ``autograd.where``)."""
        from .joins import where

        return where(cond, a, b)

    @staticmethod
    def cat(tensors: Sequence[Any], axis: int = 0, *, dim: Any = None) -> Any:
        """Join tensors along an existing axis (see ``autograd.cat``)."""
        from .joins import cat

        return cat(tensors, _pick(dim, axis))

    @staticmethod
    def stack(tensors: Sequence[Any], axis: int = 0, *, dim: Any = None) -> Any:
        """Join tensors along a new axis (see ``autograd.stack``)."""
        from .joins import stack

        return stack(tensors, _pick(dim, axis))
