"""Loss functions and their modules. Names and reductions follow PyTorch.

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"``. Targets are
constants: no gradient flows into them. Cross-entropy and the two binary
cross-entropies are fused primitives (one node, a stable forward and a VJP in
shared operators, so second derivatives work; the rules are in
:mod:`nn.loss_rules`); the rest are built from Tensor operations. All stay
finite in float32 for logits of size 1e4.

Every loss, function and module, says what it learns in a ``task``
attribute (``"classification"``, ``"regression"`` or ``"segmentation"``):
``fit`` and ``evaluate`` pick their default metrics by it (see
:func:`nn.metrics.default_metrics`). :mod:`nn.loss_names` finds them by name.
The cross-entropies warn when their input comes out of the activation they
apply themselves (see :mod:`nn.guards`).

>>> import numpy as np
>>> from autograd import Tensor
>>> logits = Tensor([[2.0, 0.0, -1.0], [0.0, 1e4, 0.0]], requires_grad=True)
>>> loss = cross_entropy(logits, np.array([0, 1])); loss.backward()
>>> round(loss.item(), 4), logits.grad.shape
(0.0849, (2, 3))
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor
from autograd.node import Node, apply
from autograd.tensor import ShapeError

from .guards import check_loss_input
from .loss_rules import _bce, _bce_logits, _cross_entropy
from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


def _task(kind: str) -> Any:
    """Mark a loss function with what it learns (see ``nn.metrics.default_metrics``)."""
    def mark(fn: Any) -> Any:
        fn.task = kind
        return fn
    return mark


def _node(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Node):
        # Tensor(value) would be a constant: the Value's gradient would be lost silently.
        raise TypeError(f"losses take Tensors, arrays or numbers, got a {type(x).__name__}; "
                        "convert with Tensor(value.data)")
    return Tensor(x)


def _raw(t: Any, dtype: Any = None) -> np.ndarray:
    arr = t._data if isinstance(t, Node) else np.asarray(t)
    return arr if dtype is None or arr.dtype == dtype else arr.astype(dtype)


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    _check_reduction(reduction, op)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _same_shape(x: Tensor, t: Any, op: str) -> Any:
    """The target as a Tensor (kept if given as one) or an array of x's dtype."""
    if not isinstance(t, Tensor):
        t = np.asarray(t, dtype=x.dtype)
    if t.shape != x.shape:
        raise ShapeError(f"{op}: input has shape {x.shape} but target has shape {t.shape}; "
                         "they must match (reshape one, e.g. target.reshape(-1, 1))")
    return t


# ---------------------------------------------------------------- regression

@_task("regression")
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)^2, reduced.  Shapes must match (no silent broadcasting).

    >>> from autograd import Tensor
    >>> mse_loss(Tensor([1.0, 2.0]), [0.0, 0.0]).item()
    2.5
    """
    x = _node(input)
    d = x - _same_shape(x, target, "mse_loss")
    return _reduce(d * d, reduction, "mse_loss")


@_task("regression")
def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """|input - target|, reduced (subgradient 0 where they are equal)."""
    x = _node(input)
    return _reduce((x - _same_shape(x, target, "l1_loss")).abs(), reduction, "l1_loss")


# ---------------------------------------------------------------- classification

def _rows(x: Tensor, op: str) -> tuple[Tensor, tuple[int, ...]]:
    """Logits as (M, C) rows with the class axis last, and the per-row result shape."""
    if x.ndim == 1:
        return x.reshape(1, -1), ()
    if x.ndim == 2:
        return x, x.shape[:1]
    if x.ndim == 0:
        raise ShapeError(f"{op}: input must have a class axis, got a scalar")
    perm = (0,) + tuple(range(2, x.ndim)) + (1,)
    return x.transpose(perm).reshape(-1, x.shape[1]), x.shape[:1] + x.shape[2:]


def _class_targets(x: Tensor, target: Any, weight: Any, ignore_index: int, op: str
                   ) -> tuple[Tensor, tuple[int, ...], np.ndarray, np.ndarray | None, float]:
    """Rows of x, the result shape, class indices, per-row weights and the 'mean' divisor."""
    rows, out_shape = _rows(x, op)
    t = _raw(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: class-index targets must be integers, got dtype {t.dtype}")
    if t.shape != out_shape:
        raise ShapeError(f"{op}: input of shape {x.shape} needs class indices of shape "
                         f"{out_shape}, got {t.shape}")
    t = t.reshape(-1)
    n_classes = rows.shape[1]
    ignored = t == ignore_index
    any_ignored = bool(ignored.any())
    valid = t[~ignored] if any_ignored else t
    if valid.size and (valid.min() < 0 or valid.max() >= n_classes):
        bad = valid[(valid < 0) | (valid >= n_classes)][0]
        raise IndexError(f"{op}: target class {bad} is out of range for {n_classes} classes "
                         f"(expected 0..{n_classes - 1}, or ignore_index={ignore_index})")
    if any_ignored:
        t = np.where(ignored, 0, t)
    sw = None
    if weight is not None:
        w = _class_weight(weight, n_classes, x.dtype, op)
        sw = w[t]
    if any_ignored:
        sw = np.where(ignored, 0, 1 if sw is None else sw).astype(x.dtype)
    denom = float(sw.sum()) if sw is not None else float(t.size)
    return rows, out_shape, t, sw, denom


def _class_weight(weight: Any, n_classes: int, dtype: Any, op: str) -> np.ndarray:
    w = _raw(weight, dtype)
    if w.shape != (n_classes,):
        raise ShapeError(f"{op}: weight must have one entry per class, shape ({n_classes},), "
                         f"got {w.shape}")
    return w


@_task("classification")
def cross_entropy(input: Any, target: Any, weight: Any = None, reduction: str = "mean",
                  ignore_index: int = -100) -> Tensor:
    """Softmax cross-entropy of logits (N, C), (C,) or (N, C, d1, ...): PyTorch's semantics.

    ``target`` is integer class indices (an int ndarray or Tensor of shape
    (N,) / (N, d1, ...)) or class probabilities / one-hot of the input's shape.
    ``weight`` (C,) rescales classes; with indices, 'mean' is the weighted mean
    sum_i w_{y_i} loss_i / sum_i w_{y_i}, and entries equal to ``ignore_index``
    count for nothing. With probabilities, 'mean' divides by the number of rows.

    >>> import numpy as np
    >>> from autograd import Tensor
    >>> x = Tensor([[0.0, 0.0]]); onehot = np.array([[0.0, 1.0]], dtype=np.float32)
    >>> round(cross_entropy(x, onehot).item(), 4), round(cross_entropy(x, np.array([1])).item(), 4)
    (0.6931, 0.6931)
    """
    _check_reduction(reduction, "cross_entropy")
    x = _node(input)
    check_loss_input(x, "cross_entropy")
    if x.dtype.kind != "f":
        raise TypeError(f"cross_entropy: logits must be floating point, got {x.dtype}")
    t = _raw(target)
    if t.dtype.kind == "f":
        if t.shape != x.shape:
            raise ShapeError(f"cross_entropy: probability targets must have the input's shape "
                             f"{x.shape}, got {t.shape} (class indices must be integers)")
        rows, out_shape = _rows(x, "cross_entropy")
        probs = _rows(Tensor(t.astype(x.dtype, copy=False)), "cross_entropy")[0]._data
        if weight is not None:
            probs = probs * _class_weight(weight, rows.shape[1], x.dtype, "cross_entropy")
        params = {"index": None, "probs": probs, "sample_weight": None,
                  "denom": float(rows.shape[0]), "reduction": reduction, "saved": {}}
    else:
        rows, out_shape, idx, sw, denom = _class_targets(x, t, weight, ignore_index,
                                                         "cross_entropy")
        params = {"index": idx, "probs": None, "sample_weight": sw, "denom": denom,
                  "reduction": reduction, "saved": {}}
    out = apply(_cross_entropy, (rows,), params)
    return out.reshape(out_shape) if reduction == "none" else out


@_task("classification")
def nll_loss(input: Any, target: Any, weight: Any = None, reduction: str = "mean",
             ignore_index: int = -100) -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C): -w_{y_i} input[i, y_i], reduced
    like :func:`cross_entropy` (``cross_entropy(x, y) == nll_loss(log_softmax(x), y)``)."""
    _check_reduction(reduction, "nll_loss")
    x = _node(input)
    check_loss_input(x, "nll_loss")
    rows, out_shape, idx, sw, denom = _class_targets(x, target, weight, ignore_index, "nll_loss")
    picked = -rows[np.arange(rows.shape[0]), idx]
    if sw is not None:
        picked = picked * sw
    if reduction == "none":
        return picked.reshape(out_shape)
    total = picked.sum()
    return total * (1.0 / denom) if reduction == "mean" else total


@_task("classification")
def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Tensor:
    """Cross-entropy of probabilities ``input`` in [0, 1] against targets in [0, 1]."""
    x = _node(input)
    t = _raw(_same_shape(x, target, "binary_cross_entropy"), x.dtype)
    if x.size and (x._data.min() < 0 or x._data.max() > 1):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1]; for "
                         "raw scores use binary_cross_entropy_with_logits")
    loss = apply(_bce, (x,), {"target": t})
    if weight is not None:
        loss = loss * _raw(weight, x.dtype)
    return _reduce(loss, reduction, "binary_cross_entropy")


@_task("classification")
def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """sigmoid + binary cross-entropy in one stable step; ``pos_weight`` scales positives.

    >>> from autograd import Tensor
    >>> binary_cross_entropy_with_logits(Tensor([1e4, -1e4]), [1.0, 1.0], reduction="none").data
    array([    0., 10000.], dtype=float32)
    """
    x = _node(input)
    check_loss_input(x, "binary_cross_entropy_with_logits")
    t = _raw(_same_shape(x, target, "binary_cross_entropy_with_logits"), x.dtype)
    pw = None if pos_weight is None else _raw(pos_weight, x.dtype)
    loss = apply(_bce_logits, (x,), {"target": t, "pos_weight": pw})
    if weight is not None:
        loss = loss * _raw(weight, x.dtype)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def _signs(x: Tensor, target: Any, op: str) -> np.ndarray:
    t = _raw(target)
    if t.shape != x.shape:
        raise ShapeError(f"{op}: scores have shape {x.shape} but targets {t.shape}")
    if not np.isin(t, (-1, 1)).all():
        raise ValueError(f"{op}: targets must be -1 or +1, got {np.unique(t)[:5].tolist()}; "
                         "map labels y in {0, 1} with 2 * y - 1")
    return t.astype(x.dtype)


@_task("classification")
def hinge_loss(input: Any, target: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """Binary: max(0, margin - y * score) for y in {-1, +1}, scores and targets of one shape.
    Multi-class, for scores (N, C) and integer targets (N,): PyTorch's
    ``multi_margin_loss``, sum_{j != y} max(0, margin - x_y + x_j) / C per row.

    >>> from autograd import Tensor
    >>> hinge_loss(Tensor([2.0, 0.5, -1.0]), [1, 1, 1], reduction="none").data.tolist()
    [0.0, 0.5, 2.0]
    """
    x = _node(input)
    t = _raw(target)
    if x.ndim == 2 and x.shape[1] > 1 and t.dtype.kind in "iu" and t.shape == x.shape[:1]:
        n, c = x.shape
        if t.size and (t.min() < 0 or t.max() >= c):
            raise IndexError(f"hinge_loss: target class out of range for {c} classes")
        picked = x[np.arange(n), t].reshape(n, 1)
        others = np.ones(x.shape, dtype=x.dtype)
        others[np.arange(n), t] = 0
        loss = ((x - picked + margin).relu() * others).sum(axis=1) * (1.0 / c)
    else:
        loss = (margin - x * _signs(x, t, "hinge_loss")).relu()
    return _reduce(loss, reduction, "hinge_loss")


@_task("classification")
def perceptron_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """max(0, -y * score) for y in {-1, +1}: zero for correct points, -y*score otherwise.

    Its (sub)gradient for a misclassified point is -y * d score, also at
    y * score = 0 (so zero-initialised weights start learning), so one SGD step
    with lr 1 on a linear score w.x + b is Rosenblatt's update w += y x, b += y.

    >>> from autograd import Tensor
    >>> perceptron_loss(Tensor([2.0, -0.5]), [1, 1], reduction="none").data.tolist()
    [0.0, 0.5]
    """
    x = _node(input)
    m = x * _signs(x, target, "perceptron_loss")
    return _reduce(Tensor.where(m <= 0, -m, 0.0), reduction, "perceptron_loss")


# ---------------------------------------------------------------- overlap (segmentation)

def _overlap(input: Any, target: Any, from_logits: bool, op: str
             ) -> tuple[Tensor, Tensor, Tensor]:
    """Per-class sums of p * t, p and t over every axis but the class axis 1."""
    p = _node(input)
    if p.ndim < 2:
        raise ShapeError(f"{op}: expected input (N, C, ...), got shape {p.shape}")
    if from_logits:
        p = p.sigmoid() if p.shape[1] == 1 else p.softmax(axis=1)
    t = _raw(target)
    if t.dtype.kind in "iu" and t.shape == p.shape[:1] + p.shape[2:]:
        t = np.moveaxis(np.eye(p.shape[1], dtype=p.dtype)[t], -1, 1)
    elif t.shape != p.shape:
        raise ShapeError(f"{op}: target must be one-hot of the input's shape {p.shape} or class "
                         f"indices of shape {p.shape[:1] + p.shape[2:]}, got {t.shape}")
    t = t.astype(p.dtype, copy=False)
    axes = (0,) + tuple(range(2, p.ndim))
    return (p * t).sum(axes), p.sum(axes), Tensor(t.sum(axis=axes))


@_task("segmentation")
def soft_dice_loss(input: Any, target: Any, eps: float = 1e-6, from_logits: bool = False,
                   reduction: str = "mean") -> Tensor:
    """1 - dice_c averaged over classes c, for probabilities (N, C, ...) and one-hot targets:

        dice_c = (2 sum(p_c t_c) + eps) / (sum(p_c) + sum(t_c) + eps)

    sums over the batch and spatial axes; a class absent from both scores 1.
    ``from_logits`` applies softmax over axis 1 first (sigmoid when C = 1).
    'none' gives the per-class losses.

    >>> import numpy as np
    >>> from autograd import Tensor
    >>> round(soft_dice_loss(Tensor([[0.9, 0.1], [0.2, 0.8]]), np.array([0, 1])).item(), 4)
    0.1504
    """
    inter, p_sum, t_sum = _overlap(input, target, from_logits, "soft_dice_loss")
    dice = (inter * 2.0 + eps) / (p_sum + t_sum + eps)
    return _reduce(1.0 - dice, reduction, "soft_dice_loss")


@_task("segmentation")
def soft_jaccard_loss(input: Any, target: Any, eps: float = 1e-6, from_logits: bool = False,
                      reduction: str = "mean") -> Tensor:
    """1 - J_c averaged over classes, the soft intersection over union:

        J_c = (sum(p_c t_c) + eps) / (sum(p_c) + sum(t_c) - sum(p_c t_c) + eps)

    with the same axes and options as :func:`soft_dice_loss`.
    """
    inter, p_sum, t_sum = _overlap(input, target, from_logits, "soft_jaccard_loss")
    jac = (inter + eps) / (p_sum + t_sum - inter + eps)
    return _reduce(1.0 - jac, reduction, "soft_jaccard_loss")


# ---------------------------------------------------------------- modules

class _Loss(Module):
    # What the loss learns: "classification", "regression" or "segmentation"; fit and
    # evaluate choose their default metrics by it (nn.metrics.default_metrics).
    task: str | None = None

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    """Module form of :func:`mse_loss`."""

    task = "regression"

    def forward(self, input: Any, target: Any) -> Tensor:
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Module form of :func:`l1_loss`."""

    task = "regression"

    def forward(self, input: Any, target: Any) -> Tensor:
        return l1_loss(input, target, self.reduction)


class _Weighted(_Loss):
    task = "classification"

    def __init__(self, weight: Any = None, reduction: str = "mean", ignore_index: int = -100
                 ) -> None:
        super().__init__(reduction)
        self.weight = None if weight is None else _raw(weight)
        self.ignore_index = ignore_index


class CrossEntropyLoss(_Weighted):
    """Module form of :func:`cross_entropy` (logits and class indices or probabilities)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return cross_entropy(input, target, self.weight, self.reduction, self.ignore_index)


class NLLLoss(_Weighted):
    """Module form of :func:`nll_loss` (log-probabilities and class indices)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return nll_loss(input, target, self.weight, self.reduction, self.ignore_index)


class BCELoss(_Loss):
    """Module form of :func:`binary_cross_entropy`."""

    task = "classification"

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Module form of :func:`binary_cross_entropy_with_logits`."""

    task = "classification"

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
                 ) -> None:
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Any, target: Any) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)


class HingeLoss(_Loss):
    """Module form of :func:`hinge_loss`."""

    task = "classification"

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: Any, target: Any) -> Tensor:
        return hinge_loss(input, target, self.margin, self.reduction)


class PerceptronLoss(_Loss):
    """Module form of :func:`perceptron_loss`."""

    task = "classification"

    def forward(self, input: Any, target: Any) -> Tensor:
        return perceptron_loss(input, target, self.reduction)


class _Overlap(_Loss):
    task = "segmentation"

    def __init__(self, eps: float = 1e-6, from_logits: bool = False, reduction: str = "mean"
                 ) -> None:
        super().__init__(reduction)
        self.eps, self.from_logits = eps, from_logits


class SoftDiceLoss(_Overlap):
    """Module form of :func:`soft_dice_loss`."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return soft_dice_loss(input, target, self.eps, self.from_logits, self.reduction)


class SoftJaccardLoss(_Overlap):
    """Module form of :func:`soft_jaccard_loss`."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return soft_jaccard_loss(input, target, self.eps, self.from_logits, self.reduction)
