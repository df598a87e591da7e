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
    def __init__(self) -> None:
        self.enabled = True
        self.anomaly = False


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
