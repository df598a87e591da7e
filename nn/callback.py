"""The callback mechanism of ``fit``: the ``Callback`` base class and the list that calls them.

A callback subclasses :class:`Callback` and overrides any of
``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``,
``on_train_batch_begin(batch, logs)`` (or Keras's older ``on_batch_begin``),
``on_train_batch_end(batch, logs)`` (``on_batch_end``),
``on_epoch_end(epoch, logs)`` and ``on_train_end(logs)``. As in Keras,
``epoch`` and ``batch`` count from 0, ``self.model`` is the model and
``self.params`` holds ``epochs``, ``steps`` (batches per epoch) and
``verbose``; ``self.optimizer`` is the optimizer. ``logs`` at the end of an
epoch holds what the :class:`~nn.history.History` records (``loss``, metrics,
``val_...``, ``time``, ``lr``); at the end of a batch, ``loss`` (the mean so
far in the epoch), ``batch`` and ``size``. Setting
``self.model.stop_training = True`` ends training after the current batch.

Everything ``fit`` does besides the step itself goes through this one
mechanism: its ``early_stopping=`` and ``scheduler=`` arguments, the
:class:`~nn.history.History` and the progress display are callbacks too. A
hook that a callback does not override costs nothing per batch. The
callbacks themselves are in :mod:`nn.callbacks`.

>>> class Stop(Callback):
...     def on_epoch_end(self, epoch, logs=None):
...         if logs["loss"] < 0.5:
...             self.model.stop_training = True
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

__all__ = ["ALIASES", "HOOKS", "Callback", "CallbackList"]

HOOKS = ("on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end",
         "on_epoch_end", "on_train_end")
# Keras's older names, which its batch hooks call by default.
ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class Callback:
    """Base class of callbacks: every method does nothing until overridden."""

    # Class-level defaults: a subclass need not call super().__init__().
    model: Any = None
    optimizer: Any = None
    params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def set_optimizer(self, optimizer: Any) -> None:
        self.optimizer = optimizer

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Before the first epoch."""

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """After the last epoch (also when training stopped early or failed)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Before epoch ``epoch`` (from 0)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """After epoch ``epoch`` (from 0) and its validation, with the epoch's logs."""

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Before batch ``batch`` (from 0 in each epoch); calls ``on_batch_begin``."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """After the step of batch ``batch``; calls ``on_batch_end``."""
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras's older name for ``on_train_batch_begin``."""

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras's older name for ``on_train_batch_end``."""


def _method(cb: Any, hook: str) -> Callable[..., Any] | None:
    """``cb``'s method for ``hook`` if it does anything (so idle hooks cost nothing)."""
    if hook in vars(cb):  # set on the instance, as LambdaCallback does
        return getattr(cb, hook)
    method = getattr(cb, hook, None)
    if not callable(method):
        return None
    if isinstance(cb, Callback) and getattr(type(cb), hook) is getattr(Callback, hook):
        alias = ALIASES.get(hook)
        if alias is None or (alias not in vars(cb)
                             and getattr(type(cb), alias) is getattr(Callback, alias)):
            return None
    return method


class CallbackList:
    """The callbacks of one ``fit`` call, called in order; remembers which one stopped it."""

    def __init__(self, callbacks: Iterable[Any], model: Any, optimizer: Any,
                 params: dict[str, Any]) -> None:
        self.callbacks = list(callbacks)
        self.model = model
        self.stopped_by: Any = None
        for cb in self.callbacks:
            if not any(callable(getattr(cb, hook, None)) for hook in HOOKS):
                raise TypeError(f"fit: callback {cb!r} has none of the methods {', '.join(HOOKS)}"
                                " (subclass nn.Callback)")
            for setter, value in (("set_model", model), ("set_params", params),
                                  ("set_optimizer", optimizer)):
                if callable(getattr(cb, setter, None)):
                    getattr(cb, setter)(value)
        self._hooks = {hook: [(cb, m) for cb in self.callbacks
                              if (m := _method(cb, hook)) is not None] for hook in HOOKS}

    def wants(self, hook: str) -> bool:
        return bool(self._hooks[hook])

    @property
    def stop_training(self) -> bool:
        return bool(getattr(self.model, "stop_training", False))

    def call(self, hook: str, *args: Any) -> None:
        for cb, method in self._hooks[hook]:
            method(*args)
            if self.stopped_by is None and self.stop_training:
                self.stopped_by = cb
