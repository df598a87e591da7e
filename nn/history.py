"""What training records: ``History``, the values of each epoch.

``History`` is the callback (:mod:`nn.callback`) that ``fit`` always adds
and returns. ``EarlyStopping`` lives in :mod:`nn.early_stopping` and is
importable from here too.

>>> h = History()
>>> h.log(1, {"loss": 0.9, "val_loss": 1.0}); h.log(2, {"loss": 0.5, "val_loss": 0.8})
>>> h["val_loss"], h.epochs, h.last["loss"]
([1.0, 0.8], [1, 2], 0.5)
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from .callback import Callback
from .early_stopping import EarlyStopping as EarlyStopping

__all__ = ["EarlyStopping", "History"]


class History(Callback):
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

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.log(epoch + 1, dict(logs or {}))

    def log(self, epoch: int, logs: dict[str, float]) -> None:
        """Record the values of ``epoch`` (counted from 1)."""
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
        """Loss and metrics per epoch, training against validation; returns a pyplot Figure
        (see :mod:`nn.plots`)."""
        from .plots import plot_history

        return plot_history(self, keys=keys, figsize=figsize)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k} {v[-1]:.4g}" for k, v in self.history.items()
                          if k not in ("time", "lr"))
        return (f"History({len(self)} epochs; last: {shown or '-'}; best epoch "
                f"{self.best_epoch} by {self.monitor or '-'}; {self.stop_reason})")
