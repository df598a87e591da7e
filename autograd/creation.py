"""Tensor constructors: zeros, ones, full, randn, rand, arange, eye, and ``*_like``.

Random constructors take ``rng``: a ``numpy.random.Generator`` or an int seed,
so results are reproducible; with neither, they draw from the default generator
(see :func:`autograd.manual_seed`).

>>> from autograd import randn
>>> randn(2, 3, rng=0).shape
(2, 3)
>>> bool((randn(4, rng=7).data == randn(4, rng=7).data).all())
True
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .rng import generator as generator
from .tensor import DEFAULT_DTYPE, Tensor, _shape_args


def _make(arr: np.ndarray, requires_grad: bool, name: str = "") -> Tensor:
    return Tensor(arr, requires_grad=requires_grad, name=name)


def zeros(*shape: Any, dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _make(np.zeros(_shape_args(shape), dtype=dtype), requires_grad)


def ones(*shape: Any, dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _make(np.ones(_shape_args(shape), dtype=dtype), requires_grad)


def full(shape: Any, value: float, dtype: Any = DEFAULT_DTYPE,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``value``."""
    return _make(np.full(_shape_args((shape,)), value, dtype=dtype), requires_grad)


def randn(*shape: Any, rng: Any = None, dtype: Any = DEFAULT_DTYPE,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    g = generator(rng)
    return _make(g.standard_normal(_shape_args(shape)).astype(dtype), requires_grad)


def rand(*shape: Any, rng: Any = None, dtype: Any = DEFAULT_DTYPE,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    g = generator(rng)
    return _make(g.random(_shape_args(shape)).astype(dtype), requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop); integers stay int64 unless a dtype is given."""
    if stop is None:
        start, stop = 0, start
    arr = np.arange(start, stop, step)
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "f":
        arr = arr.astype(DEFAULT_DTYPE)
    return _make(arr, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = DEFAULT_DTYPE,
        requires_grad: bool = False) -> Tensor:
    """Identity matrix (n x m)."""
    return _make(np.eye(n, m, dtype=dtype), requires_grad)


def _like(t: Any, dtype: Any) -> tuple[tuple[int, ...], Any]:
    data = t._data if isinstance(t, Tensor) else np.asarray(t)
    return data.shape, data.dtype if dtype is None else dtype


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape and (unless ``dtype`` is given) dtype."""
    shape, dt = _like(t, dtype)
    return zeros(shape, dtype=dt, requires_grad=requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape and (unless ``dtype`` is given) dtype."""
    shape, dt = _like(t, dtype)
    return ones(shape, dtype=dt, requires_grad=requires_grad)


def full_like(t: Any, value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``value`` everywhere, in ``t``'s shape and (unless ``dtype`` is given) dtype."""
    shape, dt = _like(t, dtype)
    return full(shape, value, dtype=dt, requires_grad=requires_grad)


def randn_like(t: Any, rng: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples in ``t``'s shape and (unless ``dtype`` is given) dtype."""
    shape, dt = _like(t, dtype)
    return randn(shape, rng=rng, dtype=dt, requires_grad=requires_grad)


def rand_like(t: Any, rng: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1), in ``t``'s shape and (unless ``dtype`` is given) dtype."""
    shape, dt = _like(t, dtype)
    return rand(shape, rng=rng, dtype=dt, requires_grad=requires_grad)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str = "") -> Tensor:
    """PyTorch-style factory: the same as ``Tensor(...)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)
