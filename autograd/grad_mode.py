"""Grad mode: whether new operations record a graph (thread-local).

>>> from autograd import Value, no_grad, is_grad_enabled
>>> with no_grad():
...     y = Value(2.0) * 3
...     is_grad_enabled()
False
>>> y.op
''
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _Flags:
    """One shared word the hot paths read instead of the thread-local state.

    ``special`` counts the threads whose state is not the default one (grad
    mode on, no anomaly mode, no forward-mode level). While it is 0, every
    thread, this one included, is in the default mode, so an operation needs
    no read of the thread-local state (a read of a ``threading.local``
    attribute costs several times a slot's): ``Value``'s operators and
    ``apply()`` check this first.
    """

    __slots__ = ("special",)

    def __init__(self) -> None:
        self.special = 0


FLAGS = _Flags()
_FLAGS_LOCK = threading.Lock()


class _State(threading.local):
    """Per-thread switches read by ``apply()``.

    ``enabled`` is grad mode. ``hooks`` is true when ``apply()`` has more to do
    than run the forward: anomaly mode checks the result, or a forward-mode
    level (``forward``) pushes tangents. Folding both into one flag keeps
    ``apply()`` at two reads of this state per operation, as before forward
    mode existed: unused, forward mode costs nothing per node. Every change
    keeps :data:`FLAGS` up to date, so in the default mode an operation reads
    neither.
    """

    def __init__(self) -> None:
        self.enabled = True
        self.hooks = False
        self._anomaly = False
        self._forward: Any = None

    def __setattr__(self, name: str, value: Any) -> None:
        # Changes are rare (entering no_grad, a backward pass); reads are per operation.
        super().__setattr__(name, value)
        d = self.__dict__
        if "_forward" not in d:  # still in __init__
            return
        special = not d["enabled"] or d["hooks"]
        if special != d.get("_special", False):
            with _FLAGS_LOCK:
                FLAGS.special += 1 if special else -1
            super().__setattr__("_special", special)

    @property
    def anomaly(self) -> bool:
        return self._anomaly

    @anomaly.setter
    def anomaly(self, on: bool) -> None:
        self._anomaly = on
        self.hooks = bool(on) or self._forward is not None

    @property
    def forward(self) -> Any:
        """The forward-mode level whose tangents operations push (autograd.forward)."""
        return self._forward

    @forward.setter
    def forward(self, level: Any) -> None:
        self._forward = level
        self.hooks = self._anomaly or level is not None


STATE = _State()


def is_grad_enabled() -> bool:
    """True when operations record a graph for backpropagation."""
    return STATE.enabled


class _GradMode:
    """Context manager and decorator that sets grad mode, restoring it on exit."""

    mode: bool

    def __enter__(self) -> None:
        self._prev = STATE.enabled
        STATE.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        STATE.enabled = self._prev

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = STATE.enabled
            STATE.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.enabled = prev

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Operations inside record no graph: use it for updates and evaluation."""

    mode = False


class enable_grad(_GradMode):
    """Turn graph recording back on, e.g. inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """Set grad mode to ``mode`` for a block or a function."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)


class inference_mode(_GradMode):
    """PyTorch's ``inference_mode``: like ``no_grad`` (``inference_mode(False)`` records).

    >>> from autograd import Tensor, inference_mode
    >>> with inference_mode():
    ...     y = Tensor([1.0], requires_grad=True) * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = not mode
