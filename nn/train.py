"""The training loop: ``fit``, ``evaluate``, ``predict``, ``History`` and ``EarlyStopping``.

``fit`` works with anything shaped like PyTorch: a callable model with
``parameters()`` (and, when present, ``train()``/``eval()``,
``named_parameters()``, ``state_dict()``/``load_state_dict()``), a loss
``loss_fn(output, target)`` returning a scalar Tensor averaged over the batch,
and an optimizer with ``zero_grad()``/``step()``/``param_groups``. Per batch it
adds only a loss read-out and, for metrics, a reference to the output array;
metrics are computed once per epoch with NumPy.

>>> import nn, optim
>>> from nn.datasets import make_moons
>>> X, y = make_moons(200, noise=0.1, seed=0)
>>> model = nn.MLP(2, [16, 2], rng=0)
>>> history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
...               (X, y), epochs=10, progress=False, seed=0)
>>> len(history), history["accuracy"][-1] > 0.95
(10, True)
"""
from __future__ import annotations

import inspect
import math
import time
import warnings
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from autograd import Tensor, no_grad

from .data import DataLoader, Dataset, TensorDataset
from .history import EarlyStopping, History
from .metrics import accuracy, confusion_matrix, error_rate, get_metric, mse, r2

__all__ = [
    "EarlyStopping", "History", "NoGradientWarning", "NonFiniteLossWarning",
    "NotOptimizedWarning", "TargetShapeWarning", "TrainingWarning", "accuracy",
    "confusion_matrix", "error_rate", "evaluate", "fit", "mse", "predict", "r2",
]


class TrainingWarning(UserWarning):
    """A likely mistake noticed while training (the base of the warnings below)."""


class NoGradientWarning(TrainingWarning):
    """Parameters that got no gradient: they will never be trained."""


class NonFiniteLossWarning(TrainingWarning):
    """The loss became NaN or infinite; training stopped."""


class NotOptimizedWarning(TrainingWarning):
    """Model parameters that the optimizer does not update."""


class TargetShapeWarning(TrainingWarning):
    """Outputs of shape (n, 1) against targets of shape (n,): a loss would broadcast them."""


# ---------------------------------------------------------------- helpers

def _loader(data: Any, batch_size: int, shuffle: bool, seed: Any, what: str) -> DataLoader:
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


def _pair(batch: Any) -> tuple[Tensor, Tensor]:
    if len(batch) < 2:
        raise ValueError(f"a batch needs inputs and targets, got {len(batch)} array(s)")
    return batch[0], batch[1]


def _set_mode(model: Any, training: bool) -> bool:
    """Put the model in training or evaluation mode; return the mode it had."""
    was = bool(getattr(model, "training", True))
    method = getattr(model, "train" if training else "eval", None)
    if callable(method):
        method()
    return was


def _names(model: Any, params: list[Any]) -> list[str]:
    if hasattr(model, "named_parameters"):
        by_id = {id(p): name for name, p in model.named_parameters()}
        return [by_id.get(id(p), f"parameter {i}") for i, p in enumerate(params)]
    return [f"parameter {i} of shape {tuple(p.shape)}" for i, p in enumerate(params)]


def _snapshot(model: Any, params: list[Any]) -> Any:
    if hasattr(model, "state_dict") and hasattr(model, "load_state_dict"):
        return {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
    return [np.array(p.data, copy=True) for p in params]


def _restore(model: Any, params: list[Any], snap: Any) -> None:
    if isinstance(snap, dict):
        model.load_state_dict({k: v.copy() for k, v in snap.items()})
        return
    with no_grad():
        for p, saved in zip(params, snap):
            p.data = saved.copy()


def _metrics(names_fns: list[tuple[str, Callable[..., Any]]], y: np.ndarray, out: np.ndarray,
             prefix: str) -> dict[str, float]:
    logs = {}
    for name, fn in names_fns:
        try:
            logs[prefix + name] = float(fn(y, out))
        except (ValueError, TypeError) as exc:
            raise type(exc)(
                f"metric {name!r} failed on outputs of shape {out.shape} and targets of shape "
                f"{y.shape}: {exc} (for a regression, use metrics=('mse', 'r2') or ())"
            ) from None
    return logs


def _run_eval(model: Any, loader: Iterable[Any], loss_fn: Callable[..., Any] | None,
              metric_fns: list[tuple[str, Callable[..., Any]]], prefix: str = ""
              ) -> dict[str, float]:
    """Loss (averaged over samples) and metrics on a whole loader, without a graph."""
    was_training = _set_mode(model, False)
    total, count, outs, ys = 0.0, 0, [], []
    try:
        with no_grad():
            for batch in loader:
                xb, yb = _pair(batch)
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
            _set_mode(model, True)
    if count == 0:
        raise ValueError("evaluate: the data is empty")
    logs = {prefix + "loss": total / count} if loss_fn is not None else {}
    if metric_fns:
        logs.update(_metrics(metric_fns, np.concatenate(ys), np.concatenate(outs), prefix))
    return logs


def evaluate(model: Any, data: Any, loss_fn: Callable[..., Any] | None = None,
             metrics: Sequence[Any] = ("accuracy",), batch_size: int = 1024) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``data``, under ``no_grad()`` and ``model.eval()``.

    ``data`` is an ``(X, y)`` pair, a Dataset or a DataLoader. Returns
    ``{"loss": ..., "accuracy": ...}`` (no ``loss`` without ``loss_fn``).
    The batch size only trades memory for speed.

    >>> X = np.array([[2.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    >>> evaluate(lambda x: x, (X, np.array([0, 0])), metrics=("accuracy", "error_rate"))
    {'accuracy': 0.5, 'error_rate': 0.5}
    """
    metric_fns = [get_metric(m) for m in metrics]
    return _run_eval(model, _loader(data, batch_size, False, None, "evaluate"), loss_fn, metric_fns)


def predict(model: Any, X: Any, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs for ``X`` as one array, computed in batches without a graph.

    >>> predict(lambda x: x * 2, np.arange(3, dtype=np.float32), batch_size=2).tolist()
    [0.0, 2.0, 4.0]
    """
    X = X.data if isinstance(X, Tensor) else np.asarray(X)
    was_training = _set_mode(model, False)
    try:
        with no_grad():
            outs = [np.asarray(model(Tensor(X[i:i + batch_size])).data)
                    for i in range(0, len(X), batch_size)]
    finally:
        if was_training:
            _set_mode(model, True)
    return np.concatenate(outs) if outs else np.empty((0,), dtype=X.dtype)


# ---------------------------------------------------------------- guard-rails

def _check_optimizer(optimizer: Any, params: list[Any], names: list[str]) -> None:
    groups = getattr(optimizer, "param_groups", None)
    if groups is None:
        return
    held = {id(p) for g in groups for p in g["params"]}
    missing = [n for n, p in zip(names, params) if id(p) not in held]
    if missing:
        warnings.warn(
            f"fit: the optimizer does not update {len(missing)} of the model's parameters "
            f"({', '.join(missing)}); build it from model.parameters()",
            NotOptimizedWarning, stacklevel=3)


def _check_gradients(params: list[Any], names: list[str]) -> None:
    frozen = [n for n, p in zip(names, params) if p.grad is None and not p.requires_grad]
    cut = [n for n, p in zip(names, params) if p.grad is None and p.requires_grad]
    if not frozen and not cut:
        return
    parts = []
    if frozen:
        parts.append(f"requires_grad is False for {', '.join(frozen)} (a forgotten "
                     "requires_grad=True, unless the layer is frozen on purpose)")
    if cut:
        parts.append(f"backward from the loss does not reach {', '.join(cut)} (a detached "
                     "branch: .detach(), .data or NumPy inside forward, or a layer forward "
                     "never uses)")
    warnings.warn(
        f"fit: {len(frozen) + len(cut)} parameter(s) received no gradient in the first step "
        f"and will not be trained: {'; '.join(parts)}", NoGradientWarning, stacklevel=3)


def _check_target_shape(out: Tensor, target: Tensor) -> None:
    o, t = tuple(out.shape), tuple(target.shape)
    if o == t or target.dtype.kind != "f":
        return
    if (o[:-1] == t and o[-1:] == (1,)) or (t[:-1] == o and t[-1:] == (1,)):
        warnings.warn(
            f"fit: the model's output has shape {o} but the targets have shape {t}; a loss "
            "that broadcasts them compares every output with every target. Give targets "
            "the output's shape, e.g. y.reshape(-1, 1)", TargetShapeWarning, stacklevel=3)


def _lr(optimizer: Any) -> float | None:
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups and "lr" in groups[0] else None


def _wants_metric(scheduler: Any) -> bool:
    """True for schedulers whose step() needs the monitored value (reduce on plateau)."""
    try:
        sig = inspect.signature(scheduler.step)
    except (TypeError, ValueError):
        return False
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               for p in sig.parameters.values())


def _bar_class(progress: bool) -> Any:
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: fall back to a line per epoch
        return None
    return tqdm


def _finish(bar: Any, note: str) -> None:
    """Show an early-stopped run as complete: its bar's total becomes the epochs run.

    Left short of its total, a bar reads as interrupted (tqdm's notebook bar
    turns red). ``reset`` is the one way that also resizes the notebook bar;
    the start time is kept so the elapsed time and rate stay right.
    """
    done, start = bar.n, bar.start_t
    bar.reset(total=done)
    bar.start_t = start
    bar.set_description(f"fit ({note})", refresh=False)
    bar.update(done)


def _summary(logs: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.4g}" for k, v in logs.items() if k not in ("time", "lr"))


# ---------------------------------------------------------------- fit

def fit(model: Any, loss_fn: Callable[[Any, Any], Any], optimizer: Any, train: Any,
        val: Any = None, epochs: int = 10, batch_size: int = 32,
        metrics: Sequence[str | Callable[..., Any]] = ("accuracy",), scheduler: Any = None,
        early_stopping: EarlyStopping | None = None, progress: bool = True,
        seed: int | None = None, shuffle: bool = True) -> History:
    """Train ``model`` for ``epochs`` passes over ``train``; return the :class:`History`.

    ``train`` and ``val`` are ``(X, y)`` pairs of arrays, Datasets or
    DataLoaders (a DataLoader keeps its own batch size, shuffling and seed;
    otherwise ``seed`` fixes the shuffling). Each batch runs forward, loss,
    ``zero_grad``, ``backward``, ``step``. Training metrics are computed once
    per epoch from the outputs of the epoch's batches (so they lag the
    weights a little, as in Keras); validation runs after each epoch under
    ``no_grad()`` and ``model.eval()``, in batches of ``max(batch_size, 1024)``.
    ``scheduler.step()`` runs once per epoch (with the monitored value if its
    ``step`` requires one). ``lr`` in the History is the rate the epoch used.

    The best weights by the monitored value (``early_stopping.monitor``, else
    ``val_loss`` with validation data, else ``loss``) are kept in memory:
    ``EarlyStopping(restore_best=True)`` ends on them. After the first step
    ``fit`` warns (:class:`NoGradientWarning`) about parameters that got no
    gradient; it also warns about parameters missing from the optimizer and
    about ``(n, 1)`` outputs against ``(n,)`` float targets. A NaN or infinite
    loss stops training with :class:`NonFiniteLossWarning` and restores the
    best weights so far. ``progress=False`` silences the progress bars; an
    early-stopped run ends with a full bar that says so.
    """
    train_loader = _loader(train, batch_size, shuffle, seed, "fit(train)")
    if len(train_loader) == 0:
        raise ValueError("fit: the training data gives no batches (empty, or drop_last "
                         "with fewer samples than batch_size)")
    val_loader = None if val is None else _loader(val, max(batch_size, 1024), False, None,
                                                  "fit(val)")
    metric_fns = [get_metric(m) for m in metrics]
    params = list(model.parameters())
    if not params:
        raise ValueError("fit: the model has no parameters (model.parameters() is empty)")
    names = _names(model, params)
    _check_optimizer(optimizer, params, names)

    keys = ["loss", *(name for name, _ in metric_fns)]
    keys += ["val_" + k for k in keys] if val_loader is not None else []
    if early_stopping is not None:
        early_stopping.reset()
    tracker = early_stopping or EarlyStopping(patience=epochs + 1,
                                              monitor="val_loss" if val_loader else "loss")
    if tracker.monitor not in keys:
        hint = " (pass val= for validation metrics)" if tracker.monitor.startswith("val_") else ""
        raise ValueError(f"fit: early stopping monitors {tracker.monitor!r}, which is not "
                         f"logged; fit logs {keys}{hint}")
    history = History()
    history.monitor = tracker.monitor
    best = _snapshot(model, params)
    plateau = scheduler is not None and _wants_metric(scheduler)
    tqdm = _bar_class(progress)
    outer = tqdm(total=epochs, desc="fit", unit="epoch") if tqdm else None
    every = max(1, len(train_loader) // 50)
    first, failure = True, None
    history.stop_reason = "completed"
    try:
        for epoch in range(1, epochs + 1):
            start, lr = time.perf_counter(), _lr(optimizer)
            _set_mode(model, True)
            inner = (tqdm(total=len(train_loader), desc=f"epoch {epoch}/{epochs}",
                          unit="batch", leave=False) if tqdm else None)
            total, count, outs, ys = 0.0, 0, [], []
            for i, batch in enumerate(train_loader):
                xb, yb = _pair(batch)
                out = model(xb)
                loss = loss_fn(out, yb)
                value = float(loss.item())
                if not math.isfinite(value):
                    failure = (epoch, i + 1, value)
                    break
                optimizer.zero_grad()
                if first:
                    _check_target_shape(out, yb)
                    for p in params:  # stale gradients would hide a parameter backward misses
                        p.grad = None
                loss.backward()
                if first:
                    _check_gradients(params, names)
                    first = False
                optimizer.step()
                n = len(xb)
                total += value * n
                count += n
                if metric_fns:
                    outs.append(out.data)
                    ys.append(yb.data)
                if inner is not None:
                    inner.update(1)
                    if i % every == 0:
                        inner.set_postfix_str(f"loss={total / count:.4g}", refresh=False)
            if inner is not None:
                inner.close()
            if failure is not None:
                break
            logs = {"loss": total / count}
            if metric_fns:
                logs.update(_metrics(metric_fns, np.concatenate(ys), np.concatenate(outs), ""))
            if val_loader is not None:
                logs.update(_run_eval(model, val_loader, loss_fn, metric_fns, "val_"))
            logs["time"] = time.perf_counter() - start
            if lr is not None:
                logs["lr"] = lr
            history.log(epoch, logs)
            monitored = logs[tracker.monitor]
            if tracker.improved(monitored):
                best = _snapshot(model, params)
            stop = tracker.update(monitored, epoch)
            if scheduler is not None:
                scheduler.step(monitored) if plateau else scheduler.step()
            if outer is not None:
                outer.update(1)
                outer.set_postfix_str(_summary(logs))
            elif progress:
                print(f"epoch {epoch}/{epochs} {_summary(logs)} ({logs['time']:.2f}s)")
            if stop and early_stopping is not None:
                history.stop_reason = (f"early stopping at epoch {epoch}: {tracker.monitor} did "
                                       f"not improve for {tracker.patience} epochs")
                if outer is not None:
                    _finish(outer, f"stopped early at epoch {epoch} of {epochs}")
                break
    finally:
        if outer is not None:
            outer.close()

    history.best_epoch = tracker.best_epoch
    kept = (f"the weights of epoch {tracker.best_epoch}" if tracker.best_epoch
            else "the initial weights")
    if failure is not None:
        _restore(model, params, best)
        history.stop_reason = (f"non-finite loss ({failure[2]}) at epoch {failure[0]}, batch "
                               f"{failure[1]}; restored {kept}")
        warnings.warn(
            f"fit: the loss is {failure[2]} at epoch {failure[0]}, batch {failure[1]}; training "
            f"stopped and {kept} were restored. Lower the learning rate, look "
            "for NaN/inf in the inputs, or use a numerically stable loss (e.g. cross_entropy "
            "on logits rather than log of softmax)", NonFiniteLossWarning, stacklevel=2)
    elif (early_stopping is not None and early_stopping.restore_best
          and tracker.best_epoch is not None and tracker.best_epoch != history.epochs[-1]):
        _restore(model, params, best)
        history.stop_reason += f"; restored {kept}"
    return history
