"""The training loop ``fit``, with ``evaluate``, ``predict``, ``History`` and the callbacks.

``fit`` works with anything shaped like PyTorch: a callable model with
``parameters()`` (and, when present, ``train()``/``eval()``,
``named_parameters()``, ``state_dict()``/``load_state_dict()``), a loss
``loss_fn(output, target)`` returning a scalar Tensor averaged over the batch,
and an optimizer with ``zero_grad()``/``step()``/``param_groups``. It also
takes Keras's habits: a loss and an optimizer by name, ``validation_split``,
``callbacks`` and ``verbose``. Per batch it adds only a loss read-out and,
for metrics, a reference to the output array; metrics are computed once per
epoch with NumPy.

>>> import nn, optim
>>> from nn.datasets import make_moons
>>> X, y = make_moons(200, noise=0.1, seed=0)
>>> model = nn.MLP(2, [16, 2], rng=0)
>>> history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
...               (X, y), epochs=10, progress=False, seed=0)
>>> len(history), history["accuracy"][-1] > 0.95
(10, True)
>>> model = nn.MLP(2, [16, 2], rng=0)
>>> history = fit(model, loss="cross_entropy", optimizer="adam", lr=0.05, train=(X, y),
...               epochs=10, validation_split=0.2, verbose=0, seed=0)
>>> sorted(history.last)
['accuracy', 'loss', 'lr', 'time', 'val_accuracy', 'val_loss']
"""
from __future__ import annotations

import math
import time
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from autograd import Tensor

from .callbacks import CallbackList, EarlyStopping, Monitor, SchedulerStep
from .evaluation import (as_loader, evaluate, metric_values, pair, predict, predict_proba,
                         run_eval, set_mode, target_dtype)
from .guards import (LossInputWarning, NoGradientWarning, NonFiniteLossWarning,
                     NotOptimizedWarning, TargetShapeWarning, TrainingWarning, check_gradients,
                     check_optimizer, check_target_shape)
from .history import History
from .loss_names import get_loss
from .metrics import accuracy, confusion_matrix, default_metrics, error_rate, get_metric, mse, r2
from .progress import display_for, verbosity

__all__ = [
    "EarlyStopping", "History", "LossInputWarning", "NoGradientWarning", "NonFiniteLossWarning",
    "NotOptimizedWarning", "TargetShapeWarning", "TrainingWarning", "accuracy",
    "confusion_matrix", "error_rate", "evaluate", "fit", "mse", "predict", "predict_proba", "r2",
]


# ---------------------------------------------------------------- arguments

def _names(model: Any, params: list[Any]) -> list[str]:
    if hasattr(model, "named_parameters"):
        by_id = {id(p): name for name, p in model.named_parameters()}
        return [by_id.get(id(p), f"parameter {i}") for i, p in enumerate(params)]
    return [f"parameter {i} of shape {tuple(p.shape)}" for i, p in enumerate(params)]


def _lr(optimizer: Any) -> float | None:
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups and "lr" in groups[0] else None


def _one(a: Any, b: Any, names: str) -> Any:
    if a is not None and b is not None:
        raise TypeError(f"fit: {names} are one argument; give one")
    return a if a is not None else b


def _optimizer(optimizer: Any, params: list[Any], lr: float | None) -> Any:
    if isinstance(optimizer, str):
        from optim import get_optimizer

        return get_optimizer(optimizer, params, lr=lr)
    if optimizer is None:
        raise TypeError("fit: missing the optimizer: give one (e.g. optim.Adam("
                        "model.parameters(), lr=1e-3)) or a name such as 'adam'")
    if lr is not None:
        raise ValueError("fit: lr= sets the learning rate of an optimizer given by name; this "
                         "optimizer has its own (give lr= when you create it)")
    return optimizer


def _split_validation(train: Any, fraction: float) -> tuple[Any, Any]:
    """Keras's ``validation_split``: the last ``fraction`` of the samples, before shuffling."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) \
            or not 0 < fraction < 1:
        raise ValueError(f"fit: validation_split must be a fraction between 0 and 1, got "
                         f"{fraction!r}")
    if hasattr(train, "X") and hasattr(train, "y"):
        train = (train.X, train.y)
    if not (isinstance(train, (tuple, list)) and len(train) == 2):
        raise TypeError("fit: validation_split needs the training data as an (X, y) pair of "
                        "arrays (it cannot split a Dataset or a DataLoader); pass val= instead")
    X, y = (a.data if isinstance(a, Tensor) else np.asarray(a) for a in train)
    n = len(X)
    split_at = int(n * (1.0 - fraction))
    if split_at == 0 or split_at == n:
        raise ValueError(f"fit: validation_split={fraction} of {n} samples leaves an empty part")
    return (X[:split_at], y[:split_at]), (X[split_at:], y[split_at:])


def _set_stop(model: Any, value: bool) -> None:
    try:
        model.stop_training = value
    except (AttributeError, TypeError):  # a model that takes no attributes cannot be stopped
        pass


# ---------------------------------------------------------------- fit

def fit(model: Any, loss_fn: Callable[[Any, Any], Any] | str | None = None,
        optimizer: Any = None, train: Any = None, val: Any = None, epochs: int = 10,
        batch_size: int = 32, metrics: Sequence[str | Callable[..., Any]] | None = None,
        scheduler: Any = None, early_stopping: EarlyStopping | None = None,
        progress: bool | None = None, seed: int | None = None, shuffle: bool = True, *,
        callbacks: Sequence[Any] = (), verbose: int | str | None = None,
        validation_split: float | None = None, validation_data: Any = None,
        lr: float | None = None, loss: Callable[[Any, Any], Any] | str | None = None
        ) -> History:
    """Train ``model`` for ``epochs`` passes over ``train``; return the :class:`History`.

    ``loss_fn`` (or Keras's ``loss=``) is a loss module, a function or a name
    such as ``"mse"`` or ``"cross_entropy"`` (:mod:`nn.loss_names`);
    ``optimizer`` an optimizer or a name such as ``"adam"`` or ``"sgd"``
    (then ``lr`` sets its learning rate, else the rule's default is used).
    ``train`` and ``val`` (or Keras's ``validation_data``) are ``(X, y)``
    pairs of arrays, Datasets or DataLoaders (a DataLoader keeps its own
    batch size, shuffling and seed; otherwise ``seed`` fixes the shuffling).
    ``validation_split=0.2`` keeps the last 20% of an ``(X, y)`` pair for
    validation, taken before shuffling, as Keras does.

    Each batch runs forward, loss, ``zero_grad``, ``backward``, ``step``.
    ``metrics`` default to those of the loss (accuracy for classification,
    MAE for regression, see :func:`nn.metrics.default_metrics`). Training
    metrics are computed once per epoch from the outputs of the epoch's
    batches (so they lag the weights a little, as in Keras); validation runs
    after each epoch under ``no_grad()`` and ``model.eval()``, in batches of
    ``max(batch_size, 1024)``. ``lr`` in the History is the rate the epoch
    used.

    ``callbacks`` are :class:`nn.callback.Callback` objects (Keras's
    methods and names: ``EarlyStopping``, ``ModelCheckpoint``, ``CSVLogger``,
    ``LambdaCallback``, ``LearningRateScheduler``); ``early_stopping=`` adds
    one more, and ``scheduler`` (an ``optim.lr_scheduler``) is stepped once
    per epoch (with the monitored value if its ``step`` requires one).
    ``verbose`` is Keras's: 0 silent, 1 progress bars, 2 one line per epoch;
    ``progress=True/False`` means ``verbose=1/0``.

    The best weights by the monitored value (the first EarlyStopping's
    ``monitor``, else ``val_loss`` with validation data, else ``loss``) are
    kept in memory; ``EarlyStopping(restore_best_weights=True)`` ends on
    them. After the first step ``fit`` warns (:class:`NoGradientWarning`)
    about parameters that got no gradient; it also warns about parameters
    missing from the optimizer and about ``(n, 1)`` outputs against ``(n,)``
    float targets, and the losses warn about a softmax applied twice
    (:class:`LossInputWarning`). A NaN or infinite loss stops training with
    :class:`NonFiniteLossWarning` and restores the best weights so far.
    """
    loss_fn = _one(loss_fn, loss, "loss_fn and loss")
    if loss_fn is None:
        raise TypeError("fit: missing the loss: give a loss module, a function or a name such "
                        "as 'mse' or 'cross_entropy'")
    loss_fn = get_loss(loss_fn)
    if train is None:
        raise TypeError("fit: missing the training data: give train=(X, y), a Dataset or a "
                        "DataLoader")
    val = _one(val, validation_data, "val and validation_data")
    if validation_split is not None:
        if val is not None:
            raise TypeError("fit: give val= (validation_data=) or validation_split=, not both")
        train, val = _split_validation(train, validation_split)
    level = verbosity(verbose, progress)
    train_loader = as_loader(train, batch_size, shuffle, seed, "fit(train)")
    if len(train_loader) == 0:
        raise ValueError("fit: the training data gives no batches (empty, or drop_last "
                         "with fewer samples than batch_size)")
    val_loader = None if val is None else as_loader(val, max(batch_size, 1024), False, None,
                                                    "fit(val)")
    params = list(model.parameters())
    if not params:
        raise ValueError("fit: the model has no parameters (model.parameters() is empty)")
    optimizer = _optimizer(optimizer, params, lr)
    if metrics is None:
        metrics = default_metrics(loss_fn, target_dtype(train_loader))
    metric_fns = [get_metric(m) for m in metrics]
    names = _names(model, params)
    check_optimizer(optimizer, params, names)

    keys = ["loss", *(name for name, _ in metric_fns)]
    keys += ["val_" + k for k in keys] if val_loader is not None else []
    user = [*callbacks, *([early_stopping] if early_stopping is not None else [])]
    stoppers = [cb for cb in user if isinstance(cb, EarlyStopping)]
    # One monitor keeps the best weights, for EarlyStopping and for a non-finite loss.
    keeper = next((cb for cb in stoppers if cb.restore_best), None)
    internal: list[Any] = []
    if keeper is None:
        first_stopper = stoppers[0] if stoppers else None
        keeper = Monitor(first_stopper.monitor if first_stopper else
                         "val_loss" if val_loader is not None else "loss",
                         first_stopper.mode if first_stopper else "auto",
                         first_stopper.min_delta if first_stopper else 0.0, keep_weights=True)
        internal.append(keeper)
    for cb in user + internal:
        if isinstance(cb, Monitor) and cb.needs_monitor and cb.monitor not in keys:
            hint = " (pass val= or validation_split= for validation metrics)" \
                if cb.monitor.startswith("val_") else ""
            raise ValueError(f"fit: {type(cb).__name__} monitors {cb.monitor!r}, which is not "
                             f"logged; fit logs {keys}{hint}")
    if scheduler is not None:
        internal.append(SchedulerStep(scheduler, keeper.monitor))
    history = History()
    history.monitor = keeper.monitor
    display = display_for(level)
    cbs = CallbackList([*user, *internal, history, *([display] if display else [])], model,
                       optimizer, {"epochs": epochs, "steps": len(train_loader),
                                   "verbose": level})
    batch_begin, batch_end = cbs.wants("on_train_batch_begin"), cbs.wants("on_train_batch_end")
    _set_stop(model, False)
    first, failure, restored, logs = True, None, None, {}
    try:
        cbs.call("on_train_begin", {})
        for epoch in range(epochs):
            cbs.call("on_epoch_begin", epoch, {})
            start, rate = time.perf_counter(), _lr(optimizer)
            set_mode(model, True)
            total, count, outs, ys = 0.0, 0, [], []
            for i, batch in enumerate(train_loader):
                if batch_begin:
                    cbs.call("on_train_batch_begin", i, {"batch": i})
                xb, yb = pair(batch)
                out = model(xb)
                loss_value = loss_fn(out, yb)
                value = float(loss_value.item())
                if not math.isfinite(value):
                    failure = (epoch + 1, i + 1, value)
                    break
                optimizer.zero_grad()
                if first:
                    check_target_shape(out, yb)
                    for p in params:  # stale gradients would hide a parameter backward misses
                        p.grad = None
                loss_value.backward()
                if first:
                    check_gradients(params, names)
                    first = False
                optimizer.step()
                n = len(xb)
                total += value * n
                count += n
                if metric_fns:
                    outs.append(out.data)
                    ys.append(yb.data)
                if batch_end:
                    cbs.call("on_train_batch_end", i, {"batch": i, "size": n,
                                                       "loss": total / count})
                if cbs.stop_training:
                    break
            if failure is not None or count == 0:
                break
            logs = {"loss": total / count}
            if metric_fns:
                logs.update(metric_values(metric_fns, np.concatenate(ys), np.concatenate(outs),
                                          ""))
            if val_loader is not None:
                logs.update(run_eval(model, val_loader, loss_fn, metric_fns, "val_"))
            logs["time"] = time.perf_counter() - start
            if rate is not None:
                logs["lr"] = rate
            cbs.call("on_epoch_end", epoch, logs)
            if cbs.stop_training:
                break
        if failure is not None:
            restored = keeper.rewind()
        cbs.call("on_train_end", logs)
    except BaseException:
        if display is not None:  # close the progress bars before the traceback
            display.on_train_end()
        raise

    history.best_epoch = keeper.best_epoch
    last = history.epochs[-1] if history.epochs else None
    if failure is not None:
        kept = f"the weights of epoch {restored}" if restored else "the initial weights"
        history.stop_reason = (f"non-finite loss ({failure[2]}) at epoch {failure[0]}, batch "
                               f"{failure[1]}; restored {kept}")
        warnings.warn(
            f"fit: the loss is {failure[2]} at epoch {failure[0]}, batch {failure[1]}; training "
            f"stopped and {kept} were restored. Lower the learning rate, look "
            "for NaN/inf in the inputs, or use a numerically stable loss (e.g. cross_entropy "
            "on logits rather than log of softmax)", NonFiniteLossWarning, stacklevel=2)
        return history
    stopper = cbs.stopped_by
    if stopper is not None:
        history.stop_reason = (getattr(stopper, "stop_reason", "") or
                               f"stopped by {type(stopper).__name__} at epoch {last}")
    else:
        history.stop_reason = "completed"
    moved = [cb.restored_epoch for cb in stoppers if cb.restored_epoch not in (None, last)]
    if moved:
        history.stop_reason += f"; restored the weights of epoch {moved[0]}"
    return history
