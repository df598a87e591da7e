"""A user-defined op that several test modules share: x^3 as an ``autograd.Function``."""
from __future__ import annotations

from autograd import Function


class Cube(Function):
    """x^3.  d/dx = 3 x^2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x
