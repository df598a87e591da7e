"""Using a model without training it: ``evaluate``, ``predict``, ``predict_proba``, and the
data handling they share with ``fit``.

All three run under ``no_grad()`` in ``model.eval()`` mode (and put the
model back in the mode it had), in batches, so a large input costs memory
for one batch only.

>>> import numpy as np
>>> import nn
>>> model = nn.Linear(2, 3, rng=0)
>>> X = np.ones((5, 2), dtype=np.float32)
>>> logits, probs = predict(model, X), predict_proba(model, X)
>>> logits.shape, bool(np.allclose(probs.sum(axis=1), 1.0))
((5, 3), True)
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import numpy as np

from autograd import Tensor, no_grad

from .data import DataLoader, Dataset, TensorDataset
from .loss_names import get_loss
from .metrics import default_metrics, get_metric

__all__ = ["evaluate", "predict", "predict_proba"]


def as_loader(data: Any, batch_size: int, shuffle: bool, seed: Any, what: str) -> DataLoader:
    """A DataLoader from a DataLoader, a Dataset, an ``(X, y)`` pair or a Bunch."""
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, Dataset):
        return DataLoader(data, batch_size, shuffle=shuffle, seed=seed)
    if hasattr(data, "X") and hasattr(data, "y"):
        data = (data.X, data.y)
    if isinstance(data, tuple) and hasattr(data, "train") and hasattr(data, "test"):
        raise TypeError(f"{what}: got a train/test pair; pass its .train (and .test as val)")
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return DataLoader(TensorDataset(*data), batch_size, shuffle=shuffle, seed=seed)
    raise TypeError(
        f"{what}: expected an (X, y) pair of arrays, a Dataset or a DataLoader, "
        f"got {type(data).__name__}"
    )


def target_dtype(loader: DataLoader) -> np.dtype | None:
    """The dtype of the targets a loader yields (None if it cannot be told without a pass)."""
    ds = loader.dataset
    arrays = getattr(ds, "arrays", None)
    if arrays is not None:
        return arrays[1].dtype if len(arrays) > 1 else None
    try:
        sample = ds[0]
        return np.asarray(sample[1]).dtype if isinstance(sample, tuple) and len(sample) > 1 \
            else None
    except (TypeError, IndexError, KeyError, ValueError):
        return None


def pair(batch: Any) -> tuple[Tensor, Tensor]:
    if len(batch) < 2:
        raise ValueError(f"a batch needs inputs and targets, got {len(batch)} array(s)")
    return batch[0], batch[1]


def set_mode(model: Any, training: bool) -> bool:
    """Put the model in training or evaluation mode; return the mode it had."""
    was = bool(getattr(model, "training", True))
    method = getattr(model, "train" if training else "eval", None)
    if callable(method):
        method()
    return was


def metric_values(names_fns: list[tuple[str, Callable[..., Any]]], y: np.ndarray,
                  out: np.ndarray, prefix: str) -> dict[str, float]:
    logs = {}
    for name, fn in names_fns:
        try:
            logs[prefix + name] = float(fn(y, out))
        except (ValueError, TypeError) as exc:
            hint = "" if "regression" in str(exc) else \
                " (for a regression, use metrics=('mae', 'r2') or ())"
            raise type(exc)(
                f"metric {name!r} failed on outputs of shape {out.shape} and targets of shape "
                f"{y.shape}: {exc}{hint}"
            ) from None
    return logs


def run_eval(model: Any, loader: Iterable[Any], loss_fn: Callable[..., Any] | None,
             metric_fns: list[tuple[str, Callable[..., Any]]], prefix: str = ""
             ) -> dict[str, float]:
    """Loss (averaged over samples) and metrics on a whole loader, without a graph."""
    was_training = set_mode(model, False)
    total, count, outs, ys = 0.0, 0, [], []
    try:
        with no_grad():
            for batch in loader:
                xb, yb = pair(batch)
                out = model(xb)
                n = len(xb)
                if loss_fn is not None:
                    total += float(loss_fn(out, yb).item()) * n
                count += n
                if metric_fns:
                    outs.append(out.data)
                    ys.append(yb.data)
    finally:
        if was_training:
            set_mode(model, True)
    if count == 0:
        raise ValueError("evaluate: the data is empty")
    logs = {prefix + "loss": total / count} if loss_fn is not None else {}
    if metric_fns:
        logs.update(metric_values(metric_fns, np.concatenate(ys), np.concatenate(outs), prefix))
    return logs


def evaluate(model: Any, data: Any, loss_fn: Callable[..., Any] | str | None = None,
             metrics: Sequence[Any] | None = None, batch_size: int = 1024) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``data``, under ``no_grad()`` and ``model.eval()``.

    ``data`` is an ``(X, y)`` pair, a Dataset or a DataLoader; ``loss_fn`` a
    loss (module, function or name such as ``"mse"``). Returns
    ``{"loss": ..., "accuracy": ...}`` (no ``loss`` without ``loss_fn``).
    Without ``metrics`` they follow the loss as in ``fit``
    (:func:`nn.metrics.default_metrics`). The batch size only trades memory
    for speed.

    >>> X = np.array([[2.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    >>> evaluate(lambda x: x, (X, np.array([0, 0])), metrics=("accuracy", "error_rate"))
    {'accuracy': 0.5, 'error_rate': 0.5}
    """
    loader = as_loader(data, batch_size, False, None, "evaluate")
    loss_fn = None if loss_fn is None else get_loss(loss_fn)
    if metrics is None:
        metrics = default_metrics(loss_fn, target_dtype(loader))
    return run_eval(model, loader, loss_fn, [get_metric(m) for m in metrics])


def predict(model: Any, X: Any, batch_size: int = 1024) -> np.ndarray:
    """The model's raw outputs for ``X`` as one array, computed in batches without a graph.

    For a classifier these are its logits (scores before any softmax or
    sigmoid), as the losses take them: ``predict(model, X).argmax(axis=1)``
    gives the classes and :func:`predict_proba` the probabilities. Works for
    an ``nn.scalar`` network too (computed with arrays from its weights).

    >>> predict(lambda x: x * 2, np.arange(3, dtype=np.float32), batch_size=2).tolist()
    [0.0, 2.0, 4.0]
    """
    from .scalar import Module as ScalarModule

    X = X.data if isinstance(X, Tensor) else np.asarray(X)
    if isinstance(model, ScalarModule):
        return model.forward_array(X)
    was_training = set_mode(model, False)
    try:
        with no_grad():
            outs = [np.asarray(model(Tensor(X[i:i + batch_size])).data)
                    for i in range(0, len(X), batch_size)]
    finally:
        if was_training:
            set_mode(model, True)
    return np.concatenate(outs) if outs else np.empty((0,), dtype=X.dtype)


def _final_activation(model: Any) -> str:
    """The class name of the last module of a Sequential ('' for anything else)."""
    from .layers import Sequential

    while isinstance(model, Sequential) and len(model):
        model = model[-1]
    return type(model).__name__


def predict_proba(model: Any, X: Any, batch_size: int = 1024) -> np.ndarray:
    """Class probabilities for ``X``: softmax of the logits over axis 1 when the model has
    several outputs, sigmoid of a single output (the probability of class 1).

    A ``Sequential`` that already ends in ``Softmax`` or ``Sigmoid`` gives
    probabilities: they are returned as they are (and ``LogSoftmax`` outputs
    are exponentiated).

    >>> import nn
    >>> model = nn.Sequential(nn.Linear(2, 1, rng=0))
    >>> p = predict_proba(model, np.zeros((3, 2), dtype=np.float32))
    >>> p.shape, bool(((p > 0) & (p < 1)).all())
    ((3, 1), True)
    """
    out = predict(model, X, batch_size)
    last = _final_activation(model)
    if last in ("Softmax", "Sigmoid"):
        return out
    if last == "LogSoftmax":
        return np.exp(out)
    t = Tensor(out)
    return (t.softmax(axis=1) if out.ndim >= 2 and out.shape[1] > 1 else t.sigmoid()).data
