"""Functions of several tensors: ``where``, ``maximum``, ``minimum``, ``cat``, ``stack``,
``linear``, and the shape check of ``@``.

>>> from autograd import Tensor, cat, maximum
>>> cat([Tensor([1., 2.]), Tensor([3.])]).tolist(), maximum(Tensor([1., 5.]), 2.0).tolist()
([1.0, 2.0, 3.0], [2.0, 5.0])
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import ops
from .arrays import ShapeError, normalize_axis
from .node import Node, apply
from .tensor import Tensor


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
