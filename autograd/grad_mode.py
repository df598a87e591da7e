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


class _State(threading.local):
    """Per-thread switches read by ``apply()``.

    ``enabled`` is grad mode. ``hooks`` is true when ``apply()`` has more to do
    than run the forward: anomaly mode checks the result, or a forward-mode
    level (``forward``) pushes tangents. Folding both into one flag keeps
    ``apply()`` at two reads of this state per operation, as before forward
    mode existed: unused, forward mode costs nothing per node.
    """

    def __init__(self) -> None:
        self.enabled = True
        self.hooks = False
        self._anomaly = False
        self._forward: Any = None

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
