"""Property-test derivatives: hypothesis strategies, assertions, and fault finding.

The kit the project tests its own ops with, for testing yours. It needs
hypothesis (and PyTorch for the PyTorch comparisons, which skip without it).

Testing a user-defined ``Function`` takes a few lines:

>>> from hypothesis import given, settings
>>> from autograd import Function
>>> from autograd.testing import tensors, assert_grad_matches_numeric
>>> class Cube(Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x * x * x
...     @staticmethod
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         return g * 3 * x * x
>>> @settings(max_examples=20)
... @given(tensors())
... def test_cube(x):
...     assert_grad_matches_numeric(Cube.apply, x)
>>> test_cube()

A wrong backward is caught, with the input, the element and both numbers:

>>> class BadCube(Cube):
...     @staticmethod
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         return g * x * x                  # the 3 is missing
>>> from autograd import Tensor
>>> assert_grad_matches_numeric(lambda x: BadCube.apply(x).sum(), Tensor([1.0, 2.0]))
Traceback (most recent call last):
...
AssertionError: the gradient of <lambda> does not match central differences
  (float64, eps=1e-06, atol=1e-05, rtol=0.001): gradient mismatch:
  input 0[1]: autograd 4 vs numeric 12 (|diff| 8; 2 element(s) off)
with
  input 0: Tensor of shape (2,) float32 = [1., 2.]

In a pytest suite, one call does it all (the plugin ``autograd.pytest_plugin``
also hands it over as a fixture, and makes ``st.from_type(Tensor)`` draw tensors)::

    def test_cube():
        check_op(Cube.apply, lambda x: x ** 3)

What is here:

- strategies: ``tensors``, ``arrays``, ``shapes``, ``broadcastable_shapes``,
  ``matmul_shapes``, ``axes``, ``indices``, ``values``, ``positive_tensors``,
  ``nonzero_tensors``, element strategies ``floats``, ``positive_floats``,
  ``nonzero_floats``, ``grid``, ``well_conditioned(op)``, ``saturating_floats``
  and ``probabilities`` (into saturation), ``kink_floats`` and ``tie_arrays``
  (exactly on kinks and ties); importing the kit registers ``Tensor`` and
  ``Value`` with ``hypothesis.strategies.from_type``;
- assertions: ``assert_grad_matches_numeric`` (float32 and documented
  subgradients as options), ``assert_float32_matches``,
  ``assert_grad_matches_torch``, ``assert_hessian_matches_numeric`` (all on
  :mod:`autograd.gradcheck`), ``assert_jvp_matches_numeric`` (forward mode);
- ``check_op``: forward, gradient (float64, float32, kinks), second
  derivative and Value inputs of an op in one call, over drawn shapes,
  values and parameters;
- ``find_bad_gradient``: the node of a graph whose backward is wrong (or
  raises, or is wrong only in float32, on a kink, or at second order);
- the scalar cross-oracle: ``to_values``, ``ValueArray``, ``uses``,
  ``assert_matches_scalar_oracle``;
- the op cases the project's rule tests are parametrised over:
  ``RULE_CASES``, ``DERIVED_CASES``, ``KINK_CASES``, ``rule_case``, ``Case``,
  ``missing_cases``, and ``SUBGRADIENTS``, the documented derivative of each
  rule at its kinks and ties.
"""
from __future__ import annotations

from .assertions import (assert_float32_matches, assert_grad_matches_numeric,
                         assert_grad_matches_torch, assert_hessian_matches_numeric,
                         assert_jvp_matches_numeric, compare_hessian, directional_gradient,
                         require_torch, scalarize, to_torch)
from .cases import (DERIVED_CASES, KINK_CASES, RULE_CASES, SUBGRADIENTS, Case, case_for,
                    load_builtin_cases, missing_cases, rule_case, subgradient)
from .check import CHECKS, check_op
from .localize import BadGradient, check_node, find_bad_gradient
from .scalar import (ValueArray, assert_matches_scalar_oracle, scalar_gradients, to_values,
                     uses)
from .strategies import (arrays, axes, basic_indices, broadcastable_shapes, floats, grid,
                         indices, integer_array_indices, kink_floats, mask_indices,
                         matmul_shapes, nonzero_floats, nonzero_tensors, positive_floats,
                         positive_tensors, probabilities, register_type_strategies,
                         saturating_floats, shapes, tensors, tie_arrays, values,
                         well_conditioned)

load_builtin_cases()
register_type_strategies()

__all__ = [
    "BadGradient", "CHECKS", "Case", "DERIVED_CASES", "KINK_CASES", "RULE_CASES",
    "SUBGRADIENTS", "ValueArray", "arrays", "assert_float32_matches",
    "assert_grad_matches_numeric", "assert_grad_matches_torch",
    "assert_hessian_matches_numeric", "assert_jvp_matches_numeric",
    "assert_matches_scalar_oracle", "axes", "basic_indices", "broadcastable_shapes", "case_for",
    "check_node", "check_op", "compare_hessian", "directional_gradient", "find_bad_gradient",
    "floats", "grid", "indices", "integer_array_indices", "kink_floats", "mask_indices",
    "matmul_shapes", "missing_cases", "nonzero_floats", "nonzero_tensors", "positive_floats",
    "positive_tensors", "probabilities", "register_type_strategies", "require_torch",
    "rule_case", "saturating_floats", "scalar_gradients", "scalarize", "shapes", "subgradient",
    "tensors", "tie_arrays", "to_torch", "to_values", "uses", "values", "well_conditioned",
]
