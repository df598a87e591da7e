"""chainrule's autograd engine: ``Value`` (scalar) and ``Tensor`` (NumPy) on one graph core.

>>> from autograd import Value
>>> x = Value(3.0, label="x")
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad
8.0
"""
from __future__ import annotations

from .anomaly import AnomalyError, detect_anomaly
from .backend import DomainError
from .creation import (
    arange,
    eye,
    full,
    full_like,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .engine import GraphReleasedError, backward, grad, toposort
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck
from .node import Node, Rule
from .ops import RULES
from . import conv_ops, pool_ops  # noqa: F401,I001  (they register their rules)
from .rendering import render, save_svg
from .stepper import BackpropStepper
from .tensor import ShapeError, Tensor, cat, linear, maximum, minimum, stack, where
from .value import Value


def draw_graph(root, show_data=True, show_grad=True, rankdir="LR", **kwargs):  # type: ignore
    """Draw the graph below ``root`` as a ``graphviz.Digraph`` (see autograd.viz)."""
    from .viz import draw_graph as _draw

    return _draw(root, show_data=show_data, show_grad=show_grad, rankdir=rankdir, **kwargs)


__all__ = [
    "AnomalyError", "BackpropStepper", "DomainError", "Function", "FunctionCtx",
    "GraphReleasedError", "Node",
    "RULES", "Rule", "ShapeError", "Tensor", "Value", "arange", "backward", "cat",
    "detect_anomaly", "draw_graph", "enable_grad", "eye", "full", "full_like", "grad",
    "gradcheck", "is_grad_enabled", "linear", "maximum", "minimum", "no_grad", "ones", "ones_like",
    "rand", "rand_like", "randn", "randn_like", "render", "save_svg", "set_grad_enabled",
    "stack", "tensor",
    "toposort", "where", "zeros", "zeros_like",
]
