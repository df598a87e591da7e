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

What is here:

- strategies: ``tensors``, ``arrays``, ``shapes``, ``broadcastable_shapes``,
  ``matmul_shapes``, ``axes``, ``indices``, ``values``, ``positive_tensors``,
  ``nonzero_tensors``, element strategies ``floats``, ``positive_floats``,
  ``nonzero_floats``, ``grid``, ``well_conditioned(op)``;
- assertions: ``assert_grad_matches_numeric``, ``assert_grad_matches_torch``,
  ``assert_hessian_matches_numeric`` (all on :mod:`autograd.gradcheck`),
  ``assert_jvp_matches_numeric`` (forward mode);
- ``check_op``: forward, gradient and second derivative of an op in one call;
- ``find_bad_gradient``: the node of a graph whose backward is wrong;
- the scalar cross-oracle: ``to_values``, ``ValueArray``, ``uses``,
  ``assert_matches_scalar_oracle``;
- the op cases the project's rule tests are parametrised over:
  ``RULE_CASES``, ``DERIVED_CASES``, ``rule_case``, ``Case``, ``missing_cases``.
"""
from __future__ import annotations

from .assertions import (assert_grad_matches_numeric, assert_grad_matches_torch,
                         assert_hessian_matches_numeric, assert_jvp_matches_numeric,
                         directional_gradient, require_torch, to_torch)
from .cases import (DERIVED_CASES, RULE_CASES, Case, case_for, load_builtin_cases,
                    missing_cases, rule_case)
from .check import check_op
from .localize import BadGradient, check_node, find_bad_gradient
from .scalar import (ValueArray, assert_matches_scalar_oracle, scalar_gradients, to_values,
                     uses)
from .strategies import (arrays, axes, basic_indices, broadcastable_shapes, floats, grid,
                         indices, integer_array_indices, mask_indices, matmul_shapes,
                         nonzero_floats, nonzero_tensors, positive_floats, positive_tensors,
                         shapes, tensors, values, well_conditioned)

load_builtin_cases()

__all__ = [
    "BadGradient", "Case", "DERIVED_CASES", "RULE_CASES", "ValueArray", "arrays",
    "assert_grad_matches_numeric", "assert_grad_matches_torch", "assert_hessian_matches_numeric",
    "assert_jvp_matches_numeric",
    "assert_matches_scalar_oracle", "axes", "basic_indices", "broadcastable_shapes", "case_for",
    "check_node", "check_op", "directional_gradient", "find_bad_gradient", "floats", "grid",
    "indices", "integer_array_indices", "mask_indices", "matmul_shapes", "missing_cases",
    "nonzero_floats", "nonzero_tensors", "positive_floats", "positive_tensors", "require_torch",
    "rule_case", "scalar_gradients", "shapes", "tensors", "to_torch", "to_values", "uses",
    "values", "well_conditioned",
]
