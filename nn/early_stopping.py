"""Watching a logged value: keeping the best weights, and ``EarlyStopping``.

Records count epochs from 1, as ``fit`` prints them and ``History.epochs``
holds them (the callback methods get Keras's epoch index, from 0).

>>> es = EarlyStopping(patience=1, monitor="val_accuracy")
>>> es.mode, [es.update(v, epoch) for epoch, v in enumerate([0.7, 0.8, 0.75], start=1)]
('max', [False, False, True])
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import no_grad

from .callback import Callback
from .metrics import HIGHER_IS_BETTER

__all__ = ["EarlyStopping", "Monitor", "restore", "snapshot"]


def snapshot(model: Any) -> Any:
    """A copy of the model's weights (its state dict, or its parameters' data)."""
    if hasattr(model, "state_dict") and hasattr(model, "load_state_dict"):
        return {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
    return [np.array(p.data, copy=True) for p in model.parameters()]


def restore(model: Any, snap: Any) -> None:
    """Put weights from :func:`snapshot` back into the model."""
    if isinstance(snap, dict):
        model.load_state_dict({k: v.copy() for k, v in snap.items()})
        return
    with no_grad():
        for p, saved in zip(model.parameters(), snap):
            p.data = saved.copy()


# ---------------------------------------------------------------- monitoring a value

def _mode(monitor: str, mode: str, owner: str) -> str:
    if mode == "auto":
        base = monitor[4:] if monitor.startswith("val_") else monitor
        return "max" if base in HIGHER_IS_BETTER else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"{owner}: mode must be 'min', 'max' or 'auto', got {mode!r}")
    return mode


class Monitor(Callback):
    """Follows one logged value (``monitor``) and the epoch where it was best.

    ``mode`` is ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy and r2,
    min for losses and errors); a value improves when it beats the best by
    more than ``min_delta``. With ``keep_weights`` the weights of the best
    epoch (and, before any, the initial ones) are kept in memory:
    :meth:`rewind` puts them back. ``fit`` keeps one such monitor to
    restore the best weights if the loss becomes NaN.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", min_delta: float = 0.0,
                 keep_weights: bool = False) -> None:
        self.monitor = monitor
        self.mode = _mode(monitor, mode, type(self).__name__)
        self.min_delta = abs(min_delta)
        self.keep_weights = keep_weights
        self.best_weights: Any = None
        self.reset()

    def reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None

    def improved(self, value: float) -> bool:
        """True if ``value`` beats the best so far by more than ``min_delta``."""
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def record(self, value: float, epoch: int) -> bool:
        """Note an epoch's value (epoch from 1); True if it is the new best."""
        if not self.improved(value):
            return False
        self.best, self.best_epoch = float(value), epoch
        if self.keep_weights and self.model is not None:
            self.best_weights = snapshot(self.model)
        return True

    @property
    def needs_monitor(self) -> bool:
        """Whether training must log ``monitor`` (``fit`` checks before it starts)."""
        return True

    def rewind(self) -> int | None:
        """Put the kept weights back; returns their epoch (None: the initial weights)."""
        if self.best_weights is not None:
            restore(self.model, self.best_weights)
        return self.best_epoch

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.reset()
        self.best_weights = snapshot(self.model) if self.keep_weights else None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.record(logs[self.monitor], epoch + 1)


class EarlyStopping(Monitor):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    ``mode`` is ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy and r2,
    min for losses and errors). With ``restore_best`` (Keras's
    ``restore_best_weights``, either name works) the model ends with the
    weights of its best epoch, whether or not training stopped early. Keras's
    other arguments work as in Keras: ``baseline`` (stop unless the value
    beats it within ``patience`` epochs), ``start_from_epoch`` (epochs to
    wait before watching) and ``verbose``. ``patience=0`` stops at the first
    epoch without improvement, as ``patience=1``. The first argument is
    ``patience`` (Keras's is ``monitor``: name it, ``monitor="val_loss"``).
    The default keeps the best weights (Keras's does not).

    >>> es = EarlyStopping(patience=2, monitor="val_loss")
    >>> [es.update(v, epoch) for epoch, v in enumerate([1.0, 0.5, 0.6, 0.55], start=1)]
    [False, False, False, True]
    >>> es.best, es.best_epoch, es.stopped_epoch
    (0.5, 2, 4)
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0,
                 restore_best: bool | None = None, monitor: str = "val_loss", mode: str = "auto",
                 *, restore_best_weights: bool | None = None, baseline: float | None = None,
                 start_from_epoch: int = 0, verbose: int = 0) -> None:
        if isinstance(patience, str):
            raise TypeError(f"EarlyStopping: the first argument is patience (an int), got "
                            f"{patience!r}; name the monitored value: "
                            f"EarlyStopping(monitor={patience!r}, patience=...)")
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) \
                or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        if restore_best is not None and restore_best_weights is not None \
                and restore_best != restore_best_weights:
            raise ValueError("EarlyStopping: restore_best and restore_best_weights are one "
                             "setting; give one")
        restore = next((v for v in (restore_best, restore_best_weights) if v is not None), True)
        super().__init__(monitor, mode, min_delta, keep_weights=bool(restore))
        self.patience, self.restore_best = max(int(patience), 1), bool(restore)
        self.baseline, self.start_from_epoch, self.verbose = baseline, start_from_epoch, verbose

    @property
    def restore_best_weights(self) -> bool:
        return self.restore_best

    def reset(self) -> None:
        super().reset()
        self.wait = 0
        self.stopped_epoch: int | None = None
        self.restored_epoch: int | None = None
        self.stop_reason = ""

    def update(self, value: float, epoch: int) -> bool:
        """Record an epoch's value (epoch from 1); True means stop now."""
        if epoch <= self.start_from_epoch:
            return False
        if self.record(value, epoch):
            # an improvement that does not beat the baseline still counts as a wait
            self.wait = 0 if self.baseline is None or self._beats_baseline(value) else \
                self.wait + 1
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def _beats_baseline(self, value: float) -> bool:
        return value < self.baseline if self.mode == "min" else value > self.baseline

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.update(logs[self.monitor], epoch + 1):
            self.stop_reason = (f"early stopping at epoch {epoch + 1}: {self.monitor} did not "
                                f"improve for {self.patience} epochs")
            self.model.stop_training = True
            if self.verbose:
                print(f"EarlyStopping: {self.stop_reason}")

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.restore_best and self.best_epoch is not None:
            self.restored_epoch = self.rewind()
            if self.verbose:
                print(f"EarlyStopping: restored the weights of epoch {self.restored_epoch}")

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"restore_best={self.restore_best}, monitor={self.monitor!r}, mode={self.mode!r})")
