"""Metrics on arrays: ``accuracy``, ``error_rate``, ``confusion_matrix``, ``mse``, ``mae``, ``r2``.

Every metric takes ``(y_true, y_pred)`` (scikit-learn's order) as NumPy
arrays or Tensors and returns a Python float (a matrix for
``confusion_matrix``). Computed with NumPy, outside the graph.

How classification metrics read ``y_pred`` (see :func:`predicted_labels`):

- shape ``(n, k)`` with ``k > 1`` (logits or probabilities): the class is the argmax;
- integer or boolean values: already class labels;
- one column ``(n, 1)`` or 1-D floats: binary; class 1 where the value is
  above ``threshold``. By default the threshold is 0.5 when every value lies
  in [0, 1] (probabilities, e.g. after a sigmoid) and 0 otherwise (raw
  scores / logits). Scores that happen to all fall in [0, 1] would be read
  as probabilities: pass ``threshold=0.0`` to say they are scores.

True labels of -1 and +1 (the targets of the hinge and perceptron losses)
are read as classes 0 and 1. Keras's names ``"acc"``,
``"mean_absolute_error"`` and ``"mean_squared_error"`` are accepted too.
:func:`default_metrics` says which metrics ``fit`` and ``evaluate`` log
when none are given.

>>> import numpy as np
>>> accuracy([0, 1, 1], np.array([[2.0, -1.0], [0.1, 0.3], [1.0, 0.0]]))
0.6666666666666666
>>> accuracy([1, 0], np.array([[3.2], [-0.7]]))      # scores: threshold 0
1.0
>>> confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2]).tolist()
[[1, 0, 0], [0, 1, 1], [0, 0, 1]]
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

__all__ = [
    "METRICS", "accuracy", "confusion_matrix", "default_metrics", "error_rate", "get_metric",
    "loss_task", "mae", "mse", "predicted_labels", "r2",
]


def _arr(a: Any) -> np.ndarray:
    return a if isinstance(a, np.ndarray) else np.asarray(a)


def predicted_labels(y_pred: Any, threshold: float | None = None) -> np.ndarray:
    """Class labels (int64, shape ``(n,)``) from model outputs, by the rules above.

    >>> predicted_labels(np.array([0.2, 0.7, 0.5])).tolist()     # probabilities
    [0, 1, 0]
    >>> predicted_labels(np.array([-0.2, 1.7]), threshold=1.0).tolist()
    [0, 1]
    """
    p = _arr(y_pred)
    if p.ndim == 2 and p.shape[1] > 1:
        return p.argmax(axis=1)
    if p.ndim > 2:
        raise ValueError(
            f"predicted_labels: expected outputs of shape (n,) or (n, k), got {p.shape}")
    p = p.reshape(-1)
    if p.dtype.kind in "biu":
        return p.astype(np.int64, copy=False)
    if threshold is None:
        threshold = 0.5 if p.size and p.min() >= 0.0 and p.max() <= 1.0 else 0.0
    return (p > threshold).astype(np.int64)


def _true_labels(y_true: Any) -> np.ndarray:
    t = _arr(y_true)
    if t.ndim == 2 and t.shape[1] > 1:   # one-hot rows
        return t.argmax(axis=1)
    t = t.reshape(-1)
    if t.dtype.kind == "f":
        if not np.all(t == np.round(t)):
            raise ValueError("classification metric: y_true holds non-integer values; give "
                             "class labels or one-hot rows (for a regression, use mae, mse or r2)")
        t = t.astype(np.int64)
    if t.size and t.min() == -1 and np.isin(t, (-1, 1)).all():  # hinge-loss targets
        t = (t > 0).astype(np.int64)
    return t


def _pair(y_true: Any, y_pred: Any, threshold: float | None) -> tuple[np.ndarray, np.ndarray]:
    t, p = _true_labels(y_true), predicted_labels(y_pred, threshold)
    if t.shape != p.shape:
        raise ValueError(f"{len(t)} true labels but {len(p)} predictions")
    if t.size == 0:
        raise ValueError("classification metric of an empty set")
    return t, p


def accuracy(y_true: Any, y_pred: Any, threshold: float | None = None) -> float:
    """Fraction of samples whose predicted class equals the true class."""
    t, p = _pair(y_true, y_pred, threshold)
    return float(np.count_nonzero(t == p) / t.size)


def error_rate(y_true: Any, y_pred: Any, threshold: float | None = None) -> float:
    """Fraction misclassified: ``1 - accuracy``.

    >>> error_rate([0, 1, 1, 1], [0, 1, 0, 1])
    0.25
    """
    return 1.0 - accuracy(y_true, y_pred, threshold)


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None,
                     threshold: float | None = None) -> np.ndarray:
    """Counts ``cm[i, j]`` of samples of true class ``i`` predicted as class ``j`` (int64)."""
    t, p = _pair(y_true, y_pred, threshold)
    if min(t.min(), p.min()) < 0:
        raise ValueError("confusion_matrix: class labels must be >= 0")
    k = int(max(t.max(), p.max())) + 1 if num_classes is None else int(num_classes)
    if max(t.max(), p.max()) >= k:
        raise ValueError(f"confusion_matrix: a label is >= num_classes={k}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def _regression_pair(y_true: Any, y_pred: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = _arr(y_true), _arr(y_pred)
    if t.shape != p.shape:
        # (n,) against (n, 1) is the same data; anything else is a real mismatch
        if t.size != p.size:
            raise ValueError(f"{what}: y_true has shape {t.shape} but y_pred has shape {p.shape}")
        p = p.reshape(t.shape)
    if t.size == 0:
        raise ValueError(f"{what} of an empty set")
    return t.astype(np.float64), p.astype(np.float64)


def mse(y_true: Any, y_pred: Any) -> float:
    """Mean squared error: mean of (y_true - y_pred)^2.

    >>> mse([1.0, 2.0], [[1.5], [2.0]])
    0.125
    """
    t, p = _regression_pair(y_true, y_pred, "mse")
    return float(np.mean((t - p) ** 2))


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error: mean of |y_true - y_pred|."""
    t, p = _regression_pair(y_true, y_pred, "mae")
    return float(np.mean(np.abs(t - p)))


def r2(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination: 1 - SS_res / SS_tot (1 is perfect, 0 is the mean).

    SS_tot is the spread of y_true around its mean; several outputs (columns)
    are averaged. A constant y_true gives 1.0 for a perfect fit, else 0.0.

    >>> r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), r2([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    (1.0, 0.0)
    """
    t, p = _regression_pair(y_true, y_pred, "r2")
    t2, p2 = t.reshape(len(t), -1), p.reshape(len(p), -1)
    ss_res = ((t2 - p2) ** 2).sum(axis=0)
    ss_tot = ((t2 - t2.mean(axis=0)) ** 2).sum(axis=0)
    safe = np.where(ss_tot > 0, ss_tot, 1.0)
    scores = np.where(ss_tot > 0, 1.0 - ss_res / safe, np.where(ss_res == 0, 1.0, 0.0))
    return float(scores.mean())


METRICS: dict[str, Callable[..., Any]] = {
    "accuracy": accuracy, "error_rate": error_rate, "mse": mse, "mae": mae, "r2": r2,
    "acc": accuracy, "mean_absolute_error": mae, "mean_squared_error": mse,
}
# Metrics where a larger value is better (early stopping looks the other way for the rest).
HIGHER_IS_BETTER = {"accuracy", "acc", "r2"}

# The metrics each kind of loss gets by default.
TASK_METRICS: dict[str, tuple[str, ...]] = {
    "classification": ("accuracy",), "regression": ("mae",), "segmentation": (),
}


def loss_task(loss: Any) -> str | None:
    """What a loss learns, from its ``task`` attribute (None if it has none).

    Every loss module and loss function of ``nn`` (and so every loss name that
    ``fit`` accepts) has one: ``"classification"`` (cross-entropies, NLL,
    hinge, perceptron), ``"regression"`` (MSE, L1) or ``"segmentation"``
    (soft Dice, soft Jaccard). Your own loss can say it too:
    ``my_loss.task = "regression"``. A ``functools.partial`` of a loss keeps
    the loss's task.

    >>> import nn
    >>> loss_task(nn.MSELoss()), loss_task(nn.functional.cross_entropy), loss_task(abs)
    ('regression', 'classification', None)
    """
    task = getattr(loss, "task", None)
    if task is None and isinstance(loss, functools.partial):
        task = getattr(loss.func, "task", None)
    return task


def default_metrics(loss: Any = None, target_dtype: Any = None) -> tuple[str, ...]:
    """The metrics ``fit`` and ``evaluate`` log when given none: they follow the loss.

    A classification loss gets ``accuracy``, a regression loss ``mae`` (mean
    absolute error, in the targets' units), a segmentation loss none (its
    outputs have spatial axes; the loss is the measure), as said by
    :func:`loss_task`. For a loss that does not say (your own function) or
    no loss, the targets decide: integer or boolean targets mean classes
    (``accuracy``), floating-point ones a regression (``mae``). Pass
    ``metrics=`` to choose, or ``metrics=()`` for none.

    >>> import numpy as np, nn
    >>> default_metrics(nn.CrossEntropyLoss()), default_metrics("mse")
    (('accuracy',), ('mae',))
    >>> default_metrics(lambda out, y: out, np.int64), default_metrics(None, np.float32)
    (('accuracy',), ('mae',))
    """
    if isinstance(loss, str):
        from .loss_names import get_loss

        loss = get_loss(loss)
    task = loss_task(loss)
    if task is not None:
        return TASK_METRICS.get(task, ())
    if target_dtype is None:
        return ()
    return ("accuracy",) if np.dtype(target_dtype).kind in "biu" else ("mae",)


def get_metric(metric: str | Callable[..., Any]) -> tuple[str, Callable[..., Any]]:
    """``(name, function)`` for a metric name or a callable ``f(y_true, y_pred) -> float``.

    >>> get_metric("r2")[0], get_metric(mse)[0]
    ('r2', 'mse')
    """
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    try:
        return metric, METRICS[metric]
    except KeyError:
        raise ValueError(
            f"unknown metric {metric!r}; use one of {sorted(METRICS)} or a callable "
            "f(y_true, y_pred) -> float"
        ) from None
