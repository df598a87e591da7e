"""What training records: ``History`` (per-epoch values) and the ``EarlyStopping`` rule.

>>> h = History()
>>> h.log(1, {"loss": 0.9, "val_loss": 1.0}); h.log(2, {"loss": 0.5, "val_loss": 0.8})
>>> h["val_loss"], h.epochs, h.last["loss"]
([1.0, 0.8], [1, 2], 0.5)
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from .metrics import HIGHER_IS_BETTER

__all__ = ["EarlyStopping", "History"]


class History:
    """What ``fit`` recorded, one entry per epoch: ``history["val_loss"][-1]`` and so on.

    Keys: ``loss`` and each metric (running averages over the epoch's
    batches), ``val_loss`` and ``val_<metric>`` with validation data,
    ``time`` (seconds for the epoch) and ``lr`` (learning rate of the first
    parameter group during the epoch). ``best_epoch`` is the epoch (from 1)
    with the best monitored value; ``stop_reason`` says why training ended.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epochs: list[int] = []
        self.best_epoch: int | None = None
        self.monitor = ""
        self.stop_reason = "not started"

    def log(self, epoch: int, logs: dict[str, float]) -> None:
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, [math.nan] * (len(self.epochs) - 1)).append(value)

    def __getitem__(self, key: str) -> list[float]:
        try:
            return self.history[key]
        except KeyError:
            raise KeyError(f"History has no {key!r}; it has {list(self.history)}") from None

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def keys(self) -> list[str]:
        return list(self.history)

    def __len__(self) -> int:
        return len(self.epochs)

    @property
    def last(self) -> dict[str, float]:
        """The values of the last epoch."""
        return {k: v[-1] for k, v in self.history.items()}

    def plot(self, keys: Sequence[str] | None = None, figsize: tuple[float, float] | None = None
             ) -> Any:
        """Loss and metrics per epoch, training against validation; returns a Figure."""
        from .plots import plot_history

        return plot_history(self, keys=keys, figsize=figsize)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k} {v[-1]:.4g}" for k, v in self.history.items()
                          if k not in ("time", "lr"))
        return (f"History({len(self)} epochs; last: {shown or '-'}; best epoch "
                f"{self.best_epoch} by {self.monitor or '-'}; {self.stop_reason})")


class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    ``mode`` is ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy and r2,
    min for losses and errors). With ``restore_best`` the model ends with the
    weights of its best epoch, whether or not training stopped early.

    >>> es = EarlyStopping(patience=2, monitor="val_loss")
    >>> [es.update(v, epoch) for epoch, v in enumerate([1.0, 0.5, 0.6, 0.55], start=1)]
    [False, False, False, True]
    >>> es.best, es.best_epoch, es.stopped_epoch
    (0.5, 2, 4)
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, restore_best: bool = True,
                 monitor: str = "val_loss", mode: str = "auto") -> None:
        if patience < 1:
            raise ValueError(f"EarlyStopping: patience must be >= 1, got {patience}")
        if mode == "auto":
            base = monitor[4:] if monitor.startswith("val_") else monitor
            mode = "max" if base in HIGHER_IS_BETTER else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min', 'max' or 'auto', got {mode!r}")
        self.patience, self.min_delta, self.restore_best = patience, abs(min_delta), restore_best
        self.monitor, self.mode = monitor, mode
        self.reset()

    def reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None

    def improved(self, value: float) -> bool:
        """True if ``value`` beats the best so far by more than ``min_delta``."""
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def update(self, value: float, epoch: int) -> bool:
        """Record an epoch's value; True means stop now."""
        if self.improved(value):
            self.best, self.best_epoch, self.wait = float(value), epoch, 0
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"restore_best={self.restore_best}, monitor={self.monitor!r}, mode={self.mode!r})")
