"""The registry of op cases: how to property-test each op of the rule table.

A case is one drawn use of an op: a function of Tensors that reaches it
through the public API, float64 inputs, and the same computation in PyTorch.
``RULE_CASES`` is keyed by the names in ``autograd.ops.RULES``; the project's
tests are parametrised over the rule table and fail for a rule without a
case, so an op is property-tested the day it is added. ``DERIVED_CASES``
covers Tensor operations built from primitives (``mean``, ``squeeze``, ...).

A module that adds a rule registers its case beside it::

    @rule_case("softplus")
    def _softplus(draw):
        x = draw(arrays(shapes()))
        return Case(lambda t: softplus(t), (x,), lambda t: F.softplus(t), "softplus(x)")

>>> from hypothesis import find
>>> from autograd.testing import RULE_CASES
>>> find(RULE_CASES["sum"], lambda c: c.inputs[0].ndim == 2)
Case(sum(axis=None, keepdims=False); input 0: ndarray of shape (1, 1) float64 = [[0.]])
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from ..engine import toposort
from ..gradcheck import to_float64
from .assertions import describe_inputs

Strategy = st.SearchStrategy


@dataclass
class Case:
    """One drawn use of an op and everything needed to check it.

    ``fn`` takes Tensors (one per input) and returns a Tensor; ``torch_fn``
    does the same on torch tensors. ``second_order=False`` marks cases whose
    second derivative finite differences cannot check (a float32 cast);
    ``out_dtype`` is the output's dtype when the op fixes it (a cast), else
    the inputs' dtype. ``eps``/``atol``/``rtol`` tune the finite differences.
    ``subgradient`` is the documented gradient, in NumPy with a VJP's
    signature ``(g, ans, *xs)``, for cases that sit on kinks and ties;
    ``values=True`` says ``fn`` works on ``Value`` inputs as well.
    """

    fn: Callable[..., Any]
    inputs: tuple[Any, ...]
    torch_fn: Callable[..., Any] | None
    label: str
    second_order: bool = True
    out_dtype: Any = None
    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3
    subgradient: Callable[..., Any] | None = None
    values: bool = False

    def __repr__(self) -> str:
        return f"Case({self.label}; {describe_inputs(self.inputs)})"

    def rules_used(self) -> set[str]:
        """Names of the rules in the graph ``fn`` records on float64 copies of the inputs."""
        out = self.fn(*[to_float64(x) for x in self.inputs])
        return {n.rule.name for n in toposort([out]) if n.rule is not None}


RULE_CASES: dict[str, Strategy[Case]] = {}
DERIVED_CASES: dict[str, Strategy[Case]] = {}
#: Cases that land on a rule's kinks and ties on purpose, keyed by rule name.
KINK_CASES: dict[str, Strategy[Case]] = {}
#: The documented gradient of each rule with kinks or ties, in NumPy with a VJP's
#: signature ``(g, ans, *inputs, **params)``: the reference where finite differences
#: are meaningless.
SUBGRADIENTS: dict[str, Callable[..., Any]] = {}


def rule_case(name: str, derived: bool = False,
              kinks: bool = False) -> Callable[[Callable[..., Case]], Strategy[Case]]:
    """Register ``body(draw) -> Case`` as the strategy for op ``name`` (a rule by default).

    ``kinks=True`` registers a case that lands on the rule's kinks and ties;
    its ``Case.subgradient`` is the reference there.
    """
    def register(body: Callable[..., Case]) -> Strategy[Case]:
        strategy = st.composite(body)()
        table = KINK_CASES if kinks else DERIVED_CASES if derived else RULE_CASES
        table[name] = strategy
        return strategy

    return register


def subgradient(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the documented gradient of rule ``name`` (used as a decorator)."""
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        SUBGRADIENTS[name] = fn
        return fn

    return register


def case_for(name: str) -> Strategy[Case]:
    """The registered strategy for an op, or a KeyError that says how to add one."""
    for table in (RULE_CASES, DERIVED_CASES):
        if name in table:
            return table[name]
    raise KeyError(f"no input strategy is registered for the op {name!r}: add one with "
                   f"@rule_case({name!r}) (see autograd.testing.cases)")


def missing_cases() -> list[str]:
    """Names of rules in ``autograd.ops.RULES`` with no registered case."""
    from ..ops import RULES

    return sorted(set(RULES) - set(RULE_CASES))


def torch() -> Any:
    """The torch module, imported when a PyTorch reference is first run."""
    import torch as _torch

    return _torch


def torch_dim(axis: Any, ndim: int) -> Any:
    """A NumPy ``axis`` as a PyTorch ``dim`` (None means every axis)."""
    return tuple(range(ndim)) if axis is None else axis


def torch_index(index: Any) -> Any:
    """A NumPy index with its arrays turned into torch tensors."""
    if isinstance(index, tuple):
        return tuple(torch_index(i) for i in index)
    if isinstance(index, np.ndarray):
        return torch().as_tensor(index)
    return index


def load_builtin_cases() -> None:
    """Import the modules that register the built-in cases."""
    from . import conv_cases, derived_cases, kink_cases, nn_cases, rule_cases  # noqa: F401
