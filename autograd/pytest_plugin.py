"""pytest plugin: the testing kit in a test file with no set-up.

Installed with chainrule (entry point ``pytest11``), or named in a
``conftest.py`` as ``pytest_plugins = ["autograd.pytest_plugin"]``. It gives
every test session:

- ``hypothesis.strategies.from_type(Tensor)`` and ``from_type(Value)``,
  so ``@given(x=...)`` fills a parameter annotated ``x: Tensor`` with a
  float64 leaf drawn by :func:`autograd.testing.tensors`;
- a ``check_op`` fixture: :func:`autograd.testing.check_op`, so a test of a
  new op is three lines and no import of the kit::

      def test_softplus(check_op):
          check_op(Softplus.apply, lambda x: np.logaddexp(0.0, x))

- a line in pytest's header saying whether the kit is active.

The kit needs hypothesis, which chainrule does not require: without it the
plugin stays out of the way and the fixture skips the test, saying why. It
lives outside :mod:`autograd.testing` so that importing it never needs
hypothesis.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

import pytest

MISSING = "the chainrule testing kit needs hypothesis: pip install hypothesis"


def _kit() -> ModuleType | None:
    try:
        import autograd.testing as kit
    except ImportError:
        return None
    return kit


def pytest_configure(config: Any) -> None:
    kit = _kit()
    if kit is not None:
        kit.register_type_strategies()


def pytest_report_header(config: Any) -> str:
    if _kit() is None:
        return f"chainrule testing kit: off ({MISSING})"
    return ("chainrule testing kit: check_op fixture; st.from_type(Tensor) and "
            "st.from_type(Value) draw from autograd.testing")


@pytest.fixture
def check_op() -> Callable[..., None]:
    """:func:`autograd.testing.check_op`: forward, gradient (float64 and float32), kinks,
    second order and Value inputs of an op, over drawn shapes, values and parameters."""
    kit = _kit()
    if kit is None:
        pytest.skip(MISSING)
    return kit.check_op
