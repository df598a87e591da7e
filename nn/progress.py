"""What ``fit`` prints while it trains, chosen by ``verbose`` as in Keras.

``verbose=0`` prints nothing; ``verbose=1`` shows progress bars (one for the
epochs with the last epoch's values, one for the batches of the current epoch
with its running loss) when ``tqdm`` is installed, else one line per epoch;
``verbose=2`` prints one line per epoch. ``progress=True/False`` is the older
spelling of ``verbose=1/0``. Both displays are callbacks (:mod:`nn.callback`).

>>> import nn
>>> from nn.datasets import make_moons
>>> X, y = make_moons(64, seed=0)
>>> model = nn.MLP(2, [4, 2], rng=0)
>>> h = nn.fit(model, "cross_entropy", "sgd", (X, y), epochs=2, verbose=2, seed=0
...            )  # doctest: +ELLIPSIS
epoch 1/2 loss=... accuracy=... (...s)
epoch 2/2 loss=... accuracy=... (...s)
"""
from __future__ import annotations

from typing import Any

from .callback import Callback

__all__ = ["EpochLines", "ProgressBar", "display_for", "verbosity"]


def verbosity(verbose: Any, progress: Any) -> int:
    """0, 1 or 2 from ``fit``'s ``verbose`` (Keras's, with ``"auto"`` = 1) and ``progress``."""
    if verbose is not None and progress is not None:
        raise TypeError("fit: give verbose= (Keras's 0, 1, 2) or progress= (True, False), "
                        "not both")
    if verbose is None:
        return 1 if progress is None or progress else 0
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"fit: verbose must be 0 (silent), 1 (progress bar), 2 (one line per "
                         f"epoch) or 'auto', got {verbose!r}")
    return int(verbose)


def summary_line(logs: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.4g}" for k, v in logs.items() if k not in ("time", "lr"))


class EpochLines(Callback):
    """One line per epoch: its number, losses and metrics, and its time."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        print(f"epoch {epoch + 1}/{self.params['epochs']} {summary_line(logs)} "
              f"({logs.get('time', 0.0):.2f}s)")


class ProgressBar(Callback):
    """tqdm bars: the epochs (with the last epoch's values) and the current epoch's batches."""

    def __init__(self, tqdm: Any) -> None:
        self.tqdm = tqdm
        self.outer: Any = None
        self.inner: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.outer = self.tqdm(total=self.params["epochs"], desc="fit", unit="epoch")
        # refresh the running loss about 50 times an epoch, not at every batch
        self.every = max(1, self.params["steps"] // 50)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.inner = self.tqdm(total=self.params["steps"],
                               desc=f"epoch {epoch + 1}/{self.params['epochs']}", unit="batch",
                               leave=False)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.inner.update(1)
        if batch % self.every == 0 and logs:
            self.inner.set_postfix_str(f"loss={logs['loss']:.4g}", refresh=False)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._close_inner()
        self.outer.update(1)
        self.outer.set_postfix_str(summary_line(logs or {}))

    def _close_inner(self) -> None:
        if self.inner is not None:
            self.inner.close()
            self.inner = None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._close_inner()
        if self.outer is not None:
            bar = self.outer
            if getattr(self.model, "stop_training", False) and bar.n < bar.total:
                _finish(bar, f"stopped early at epoch {bar.n} of {self.params['epochs']}")
            bar.close()
            self.outer = None


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


def _bar_class() -> Any:
    """tqdm's class for this environment (a notebook bar in Jupyter), or None without tqdm."""
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: fall back to a line per epoch
        return None
    return tqdm


def display_for(level: int) -> Callback | None:
    """The display callback for a verbosity level (None for 0)."""
    if level == 0:
        return None
    if level == 1:
        tqdm = _bar_class()
        return EpochLines() if tqdm is None else ProgressBar(tqdm)
    return EpochLines()
