"""Reductions of a ``Tensor``: sum, mean, var, max/min, logsumexp, softmax, argmax.

Each takes the axes as PyTorch (``dim``, by position or by name, with
``keepdim``) or as NumPy (``axis=``, ``keepdims``), and answers by the rule in
:mod:`autograd.arrays`: where the two disagree, ``dim`` gets PyTorch's answer
and ``axis=`` NumPy's. So ``t.max(1)`` is PyTorch's ``(values, indices)``
and ``t.max(axis=1)`` NumPy's values.

>>> from autograd import Tensor
>>> t = Tensor([[1., 5.], [7., 3.]], requires_grad=True)
>>> values, indices = t.max(1)
>>> values.tolist(), indices.tolist()
([5.0, 7.0], [1, 0])
>>> t.max(axis=1).tolist(), t.max().item()
([5.0, 7.0], 7.0)
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from . import ops
from .arrays import _one_axis, _pick, dims, normalize_axis
from .node import Node, apply

# PyTorch's torch.return_types.max / min: a tuple that also has names.
max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


def _keep(keepdims: bool, keepdim: bool | None) -> bool:
    return bool(keepdims) or bool(keepdim)


class Reductions:
    """The reductions of ``Tensor`` (a mixin: the class is ``autograd.tensor.Tensor``)."""

    __slots__ = ()

    def _reduce(self, rule: Any, axis: Any, keepdims: bool) -> Any:
        ax = normalize_axis(axis, self.ndim, rule.name)
        if self._data.size == 0 and rule.name in ("max", "min"):
            raise ValueError(f"{rule.name}: the tensor is empty (shape {self.shape})")
        return apply(rule, (self,), {"axis": ax, "keepdims": bool(keepdims)})

    def sum(self, dim: Any = None, keepdims: bool = False, *, axis: Any = None,
            keepdim: bool | None = None) -> Any:
        """Sum over ``dim``/``axis`` (all by default)."""
        ax, _ = dims("sum", self.ndim, dim, axis)
        return self._reduce(ops.sum_, ax, _keep(keepdims, keepdim))

    def max(self, dim: Any = None, keepdims: bool = False, *, axis: Any = None,
            keepdim: bool | None = None) -> Any:
        """The largest element over an axis.

        PyTorch's call, one int dimension (``t.max(1)``, ``t.max(dim=1)``), returns
        the named tuple ``(values, indices)``, and the gradient of ``values`` goes to
        the element at ``indices`` (the first of tied maxima), as in PyTorch.
        NumPy's call (``t.max()``, ``t.max(axis=1)``, or several axes) returns the
        values only, and tied maxima share the gradient evenly. ``t.max(other)``
        with a tensor is the elementwise ``maximum``, as in PyTorch.

        >>> from autograd import Tensor
        >>> Tensor([[1., 5.], [7., 3.]]).max(dim=0)
        max(values=Tensor([7., 5.]), indices=Tensor([1, 0], dtype=int64))
        """
        return self._extreme("max", ops.amax, np.argmax, max_result, dim, axis,
                             _keep(keepdims, keepdim))

    def min(self, dim: Any = None, keepdims: bool = False, *, axis: Any = None,
            keepdim: bool | None = None) -> Any:
        """The smallest element over an axis: ``(values, indices)`` for PyTorch's call
        with one int dimension, the values for NumPy's (see ``max``)."""
        return self._extreme("min", ops.amin, np.argmin, min_result, dim, axis,
                             _keep(keepdims, keepdim))

    def _extreme(self, name: str, rule: Any, arg: Any, result: Any, dim: Any, axis: Any,
                 keepdims: bool) -> Any:
        from .joins import maximum, minimum

        if isinstance(dim, Node) and axis is None:
            return (maximum if name == "max" else minimum)(self, dim)
        ax, torch_call = dims(name, self.ndim, dim, axis)
        if not (torch_call and isinstance(dim, (int, np.integer))):
            return self._reduce(rule, ax, keepdims)
        if self._data.size == 0:
            raise ValueError(f"{name}: the tensor is empty (shape {self.shape})")
        if ax is None:  # a 0-d tensor: its one element, at index 0
            return result(self, self._new(np.zeros((), dtype=np.int64)))
        a = ax[0]
        idx = np.expand_dims(arg(self._data, axis=a), a)
        # Take the values at idx (an index per position along the other axes), so the
        # gradient flows to that one element, as in PyTorch.
        index = tuple(idx if i == a else
                      np.arange(n).reshape([-1 if j == i else 1 for j in range(self.ndim)])
                      for i, n in enumerate(self.shape))
        values = self[index]
        if not keepdims:
            values = values.reshape(values.shape[:a] + values.shape[a + 1:])
            idx = idx.reshape(idx.shape[:a] + idx.shape[a + 1:])
        return result(values, self._new(idx.astype(np.int64, copy=False)))

    def logsumexp(self, dim: Any = None, keepdims: bool = False, *, axis: Any = None,
                  keepdim: bool | None = None) -> Any:
        """log(sum(exp(x))) over ``dim``/``axis``, without overflow."""
        ax, _ = dims("logsumexp", self.ndim, dim, axis)
        return self._reduce(ops.logsumexp, ax, _keep(keepdims, keepdim))

    def _count(self, axis: Any, op: str) -> int:
        ax = normalize_axis(axis, self.ndim, op)
        if ax is None:
            return self._data.size
        return int(np.prod([self.shape[a] for a in ax]))

    def mean(self, dim: Any = None, keepdims: bool = False, *, axis: Any = None,
             keepdim: bool | None = None) -> Any:
        """Mean over ``dim``/``axis``: the sum divided by the count."""
        ax, _ = dims("mean", self.ndim, dim, axis)
        n = self._count(ax, "mean")
        # the mean of nothing is NaN (as in NumPy and PyTorch), not a ZeroDivisionError
        return self.sum(axis=ax, keepdims=_keep(keepdims, keepdim)) * (1.0 / n if n else np.nan)

    def var(self, dim: Any = None, keepdims: bool = False, ddof: int | None = None, *,
            axis: Any = None, keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None) -> Any:
        """Variance over ``dim``/``axis``: the squared deviations summed, divided by n - ddof.

        ddof is 0 (NumPy's default) unless given, however the axes are given:
        ``ddof=1``, PyTorch's ``correction=1`` or ``unbiased=True`` give the sample
        variance. With ddof >= n the division is by 0, giving inf (NaN where all the
        deviations are 0), as NumPy and PyTorch do.
        """
        given = [v for v in (ddof, correction) if v is not None]
        if unbiased is not None:
            given.append(1 if unbiased else 0)
        if len(given) > 1:
            raise TypeError("var: give one of ddof=, correction= or unbiased=")
        ddof = given[0] if given else 0
        ax, _ = dims("var", self.ndim, dim, axis)
        n = self._count(ax, "var")
        d = self - self.mean(axis=ax, keepdims=True)
        # n <= ddof divides by 0 (inf), except that the variance of nothing stays NaN
        scale = 1.0 / (n - ddof) if n > ddof else np.inf if n else np.nan
        return (d * d).sum(axis=ax, keepdims=_keep(keepdims, keepdim)) * scale

    def std(self, dim: Any = None, keepdims: bool = False, ddof: int | None = None, *,
            axis: Any = None, keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None) -> Any:
        """Standard deviation: the square root of ``var`` (same arguments)."""
        return self.var(dim, keepdims, ddof, axis=axis, keepdim=keepdim, correction=correction,
                        unbiased=unbiased).sqrt()

    def softmax(self, dim: Any = None, *, axis: Any = None) -> Any:
        """exp(x) / sum(exp(x)) along ``dim``/``axis`` (the last by default), stable for
        large inputs."""
        ax, _ = dims("softmax", self.ndim, -1 if dim is None and axis is None else dim, axis)
        return apply(ops.softmax, (self,), {"axis": ax})

    def log_softmax(self, dim: Any = None, *, axis: Any = None) -> Any:
        """log(softmax(x)) along ``dim``/``axis`` (the last by default), stable for large
        inputs."""
        ax, _ = dims("log_softmax", self.ndim, -1 if dim is None and axis is None else dim, axis)
        return apply(ops.log_softmax, (self,), {"axis": ax})

    def argmax(self, axis: int | None = None, keepdims: bool = False, dim: Any = None,
               keepdim: bool | None = None) -> Any:
        """Index of the largest element (no gradient)."""
        return self._arg(np.argmax, "argmax", _pick(axis, dim), _keep(keepdims, keepdim))

    def argmin(self, axis: int | None = None, keepdims: bool = False, dim: Any = None,
               keepdim: bool | None = None) -> Any:
        """Index of the smallest element (no gradient)."""
        return self._arg(np.argmin, "argmin", _pick(axis, dim), _keep(keepdims, keepdim))

    def _arg(self, fn: Any, name: str, ax: Any, keepdims: bool) -> Any:
        ax = None if ax is None else _one_axis(ax, self.ndim, name)
        return self._new(np.asarray(fn(self._data, axis=ax, keepdims=keepdims)))

