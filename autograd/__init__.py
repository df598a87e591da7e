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
from .forward import ForwardModeError
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck
from .node import Node, Rule
from .ops import RULES
from . import conv_ops, pool_ops  # noqa: F401,I001  (they register their rules)
from .rendering import render, save_svg
from .rng import initial_seed, manual_seed, seed
from .stepper import BackpropStepper
from .tensor import ShapeError, Tensor, cat, linear, maximum, minimum, stack, where
from .value import Value
from .versions import InPlaceError
from . import functional  # autograd.functional.jvp, ...: after Value and Tensor
from .forward_stepper import ForwardStepper


def __getattr__(name: str) -> str:
    # The version is read on first use: importlib.metadata is a tenth of the import's objects.
    if name != "__version__":
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    from importlib import metadata

    try:
        version = metadata.version("chainrule")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        version = "0+unknown"
    globals()["__version__"] = version
    return version


def draw_graph(root, show_data=True, show_grad=True, rankdir="LR", **kwargs):  # type: ignore
    """Draw the graph below ``root`` as a ``graphviz.Digraph`` (see autograd.viz)."""
    from .viz import draw_graph as _draw

    return _draw(root, show_data=show_data, show_grad=show_grad, rankdir=rankdir, **kwargs)


def draw_dot(root, format="svg", rankdir="LR", **kwargs):  # type: ignore
    """micrograd's name for :func:`draw_graph` (see autograd.viz.draw_dot)."""
    from .viz import draw_dot as _draw_dot

    return _draw_dot(root, format=format, rankdir=rankdir, **kwargs)


__all__ = [
    "AnomalyError", "BackpropStepper", "DomainError", "ForwardModeError", "ForwardStepper",
    "Function", "FunctionCtx", "GraphReleasedError", "InPlaceError", "Node",
    "RULES", "Rule", "ShapeError", "Tensor", "Value", "arange", "backward", "cat",
    "detect_anomaly", "draw_dot", "draw_graph", "enable_grad", "eye", "full", "full_like",
    "functional", "grad", "gradcheck", "inference_mode", "initial_seed", "is_grad_enabled",
    "linear",
    "manual_seed", "maximum", "minimum", "no_grad", "ones", "ones_like", "rand", "rand_like",
    "randn", "randn_like", "render", "save_svg", "seed", "set_grad_enabled", "stack", "tensor",
    "toposort", "where", "zeros", "zeros_like",
]
