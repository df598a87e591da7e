"""Callbacks: code that ``fit`` runs at fixed points of training, with Keras's names.

``EarlyStopping``, ``ModelCheckpoint``, ``CSVLogger``, ``LambdaCallback``
and ``LearningRateScheduler`` take Keras's arguments; a callback of your own
subclasses :class:`Callback` and overrides Keras's methods
(``on_epoch_end(epoch, logs)`` and so on, see :mod:`nn.callback`, where the
mechanism is). ``epoch`` and ``batch`` count from 0 in the methods, as in
Keras; records that callbacks keep (``EarlyStopping.best_epoch``,
``stopped_epoch``) count epochs from 1, as ``fit`` prints them and
``History.epochs`` holds them; file names and the CSV log follow Keras
(``{epoch}`` in a checkpoint path from 1, the CSV ``epoch`` column from 0).

>>> import nn, optim
>>> from nn.datasets import make_moons
>>> X, y = make_moons(200, noise=0.1, seed=0)
>>> model = nn.MLP(2, [16, 2], rng=0)
>>> seen = []
>>> log = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((epoch, "loss" in logs)))
>>> h = nn.fit(model, "cross_entropy", "adam", (X, y), epochs=3, lr=0.05, callbacks=[log],
...            verbose=0, seed=0)
>>> seen
[(0, True), (1, True), (2, True)]
"""
from __future__ import annotations

import csv
import inspect
import math
import os
from typing import Any, Callable

import numpy as np

from .callback import ALIASES, HOOKS, Callback, CallbackList
from .early_stopping import EarlyStopping, Monitor
from .serialization import write_weights

__all__ = [
    "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "LambdaCallback",
    "LearningRateScheduler", "ModelCheckpoint", "Monitor", "SchedulerStep",
]


class ModelCheckpoint(Monitor):
    """Write the model's weights to an ``.npz`` file after each epoch (Keras's arguments).

    ``filepath`` may hold Keras's fields, e.g. ``"ckpt-{epoch:02d}-{val_loss:.3f}.npz"``
    (``epoch`` from 1, and any logged value). With ``save_best_only`` the file
    is written only when ``monitor`` improves, so it ends with the best
    weights. The weights are the model's ``state_dict`` (``Module.save``'s
    format, no pickle): load them with ``model.load(path)``. chainrule always
    writes weights, so ``save_weights_only`` changes nothing; ``save_freq``
    is ``"epoch"`` or a number of epochs between writes.

    >>> import os, tempfile, nn
    >>> path = os.path.join(tempfile.mkdtemp(), "best.npz")
    >>> ckpt = ModelCheckpoint(path, monitor="loss", save_best_only=True)
    >>> ckpt.set_model(nn.Linear(2, 1, rng=0))
    >>> ckpt.on_train_begin(); ckpt.on_epoch_end(0, {"loss": 0.5})
    >>> sorted(nn.read_weights(path))
    ['bias', 'weight']
    """

    def __init__(self, filepath: str | os.PathLike[str], monitor: str = "val_loss",
                 verbose: int = 0, save_best_only: bool = False, save_weights_only: bool = True,
                 mode: str = "auto", save_freq: str | int = "epoch",
                 initial_value_threshold: float | None = None) -> None:
        self.filepath = os.fspath(filepath)
        if not self.filepath.endswith(".npz"):
            raise ValueError(f"ModelCheckpoint: filepath must end with .npz (chainrule writes "
                             f"weights as an .npz archive), got {self.filepath!r}")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq >= 1):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or an int >= 1, got "
                             f"{save_freq!r}")
        super().__init__(monitor, mode)
        self.verbose, self.save_best_only = verbose, save_best_only
        self.save_weights_only, self.save_freq = save_weights_only, save_freq
        self.initial_value_threshold = initial_value_threshold
        self.saved: list[str] = []

    @property
    def needs_monitor(self) -> bool:
        return self.save_best_only

    def reset(self) -> None:
        super().reset()
        threshold = getattr(self, "initial_value_threshold", None)
        if threshold is not None:
            self.best = float(threshold)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        self.saved = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        every = 1 if self.save_freq == "epoch" else int(self.save_freq)
        if (epoch + 1) % every:
            return
        if self.save_best_only:
            if self.monitor not in logs or not self.record(logs[self.monitor], epoch + 1):
                return
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if hasattr(self.model, "state_dict"):
            state = self.model.state_dict()
        else:
            state = {getattr(p, "name", "") or f"param{i}": p.data
                     for i, p in enumerate(self.model.parameters())}
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        write_weights(state, path)
        self.saved.append(path)
        if self.verbose:
            print(f"ModelCheckpoint: epoch {epoch + 1}: wrote {path}")


class CSVLogger(Callback):
    """Append each epoch's logs to a CSV file: an ``epoch`` column (from 0, as Keras),
    then every logged value, with a header line.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
    >>> logger = CSVLogger(path)
    >>> logger.on_train_begin(); logger.on_epoch_end(0, {"loss": 0.5}); logger.on_train_end()
    >>> open(path).read().split()
    ['epoch,loss', '0,0.5']
    """

    def __init__(self, filename: str | os.PathLike[str], separator: str = ",",
                 append: bool = False) -> None:
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self._file: Any = None
        self._writer: Any = None
        self._keys: list[str] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename)
        self._file = open(self.filename, "a" if self.append else "w", newline="",
                          encoding="utf-8")
        self._writer, self._keys = None, []
        self._header_written = bool(exists)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        if self._writer is None:
            self._keys = list(logs)
            self._writer = csv.DictWriter(self._file, ["epoch", *self._keys],
                                          delimiter=self.sep, extrasaction="ignore",
                                          restval="")
            if not self._header_written:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **logs})
        self._file.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class LambdaCallback(Callback):
    """A callback made of functions, with Keras's keywords: ``on_epoch_begin(epoch, logs)``,
    ``on_epoch_end(epoch, logs)``, ``on_batch_begin(batch, logs)``,
    ``on_batch_end(batch, logs)``, ``on_train_begin(logs)``, ``on_train_end(logs)``
    (and ``on_train_batch_begin`` / ``on_train_batch_end``).

    >>> LambdaCallback(on_train_end=lambda logs: None).on_train_end({})
    """

    def __init__(self, on_epoch_begin: Callable[..., Any] | None = None,
                 on_epoch_end: Callable[..., Any] | None = None,
                 on_batch_begin: Callable[..., Any] | None = None,
                 on_batch_end: Callable[..., Any] | None = None,
                 on_train_begin: Callable[..., Any] | None = None,
                 on_train_end: Callable[..., Any] | None = None,
                 **kwargs: Callable[..., Any]) -> None:
        given = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_batch_begin": on_batch_begin, "on_batch_end": on_batch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end, **kwargs}
        for name, fn in given.items():
            if name not in HOOKS and name not in ALIASES.values():
                raise TypeError(f"LambdaCallback: unknown hook {name!r}; expected one of "
                                f"{', '.join(HOOKS + tuple(ALIASES.values()))}")
            if fn is not None:
                setattr(self, name, fn)


def _takes_two(fn: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    params = list(sig.parameters.values())
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return True
    return len([p for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                  p.POSITIONAL_OR_KEYWORD)]) >= 2


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)``
    (``epoch`` from 0, ``lr`` the current rate; ``schedule(epoch)`` works too), in
    every parameter group, as Keras does.

    >>> import optim
    >>> from autograd import Tensor
    >>> opt = optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
    >>> sched = LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    >>> sched.set_optimizer(opt); sched.on_epoch_begin(0)
    >>> opt.param_groups[0]["lr"]
    0.05
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        self.schedule, self.verbose = schedule, verbose
        self._two = _takes_two(schedule)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        groups = getattr(self.optimizer, "param_groups", None)
        if not groups:
            raise TypeError("LearningRateScheduler: the optimizer has no param_groups with "
                            "an 'lr' to set")
        lr = float(groups[0]["lr"])
        new = self.schedule(epoch, lr) if self._two else self.schedule(epoch)
        if not isinstance(new, (int, float, np.floating, np.integer)) or not math.isfinite(new):
            raise ValueError(f"LearningRateScheduler: schedule({epoch}) returned {new!r}; "
                             "expected a finite number")
        for group in groups:
            group["lr"] = float(new)
        if self.verbose:
            print(f"LearningRateScheduler: epoch {epoch + 1}: learning rate {float(new):.4g}")


class SchedulerStep(Callback):
    """Steps an ``optim.lr_scheduler`` scheduler after each epoch: ``fit(scheduler=...)``.

    A scheduler whose ``step`` requires a value (reduce on plateau) gets the
    monitored one.
    """

    def __init__(self, scheduler: Any, monitor: str) -> None:
        self.scheduler, self.monitor = scheduler, monitor
        self.plateau = _wants_metric(scheduler)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.plateau:
            self.scheduler.step(logs[self.monitor])
        else:
            self.scheduler.step()


def _wants_metric(scheduler: Any) -> bool:
    """True for schedulers whose step() needs the monitored value (reduce on plateau)."""
    try:
        sig = inspect.signature(scheduler.step)
    except (TypeError, ValueError):
        return False
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               for p in sig.parameters.values())
