"""Fault localisation: which node of a recorded graph has a wrong backward?

An end-to-end gradient check says *that* an input's gradient is wrong. The
chain rule is a product of local derivatives, so the culprit is a node whose
VJP disagrees with the derivative of its own forward. :func:`find_bad_gradient`
walks the graph in backward order and checks every node in isolation: it
reruns the node's rule forward on float64 copies of the node's saved inputs,
takes central differences of that, and compares them with the rule's VJP.

>>> from autograd import Function, Tensor
>>> from autograd.testing import find_bad_gradient
>>> class Square(Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x * x
...     @staticmethod
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         return g * x                     # should be g * 2 * x
>>> x = Tensor([1.0, 2.0], requires_grad=True)
>>> loss = Square.apply(x.exp()).sum()
>>> bad = find_bad_gradient(loss)
>>> bad.op, bad.input
('Square', 0)
>>> print(bad)  # doctest: +ELLIPSIS
backward of 'Square' is wrong (node 2 of 3 in backward order, Tensor of shape (2,) ...):
for its input 0 at [1] the VJP gives ... but finite differences of its forward give ...
>>> find_bad_gradient((x.exp() * x).sum()) is None
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import GraphReleasedError, toposort, unbroadcast
from ..function import FunctionCtx
from ..gradcheck import GradReport, compare, numeric_gradient, projection
from ..node import RELEASED, Node
from ..tensor import Tensor
from ..value import Value


@dataclass
class BadGradient:
    """A node whose backward disagrees with finite differences of its forward."""

    op: str
    node: Node
    step: int
    steps: int
    input: int
    index: tuple[int, ...]
    analytic: float
    numeric: float
    count: int

    def __str__(self) -> str:
        where = f" at [{', '.join(map(str, self.index))}]" if self.index else ""
        return (f"backward of '{self.op}' is wrong (node {self.step} of {self.steps} in "
                f"backward order, {describe_node(self.node)}): for its input {self.input}"
                f"{where} the VJP gives {self.analytic:.10g} but finite differences of its "
                f"forward give {self.numeric:.10g} ({self.count} element(s) off)")


def describe_node(node: Node) -> str:
    """A short description: the node's type, shape or value, and name."""
    name = f", named {node.name!r}" if node.name else ""
    if isinstance(node, Value):
        return f"Value {node.data:.6g}{name}"
    return f"Tensor of shape {node._data.shape} {node._data.dtype}{name}"


def _leaf(p: Node) -> Node:
    """A float64 copy of a node's data (other dtypes are kept: masks, indices)."""
    if isinstance(p, Value):
        return Value(p._data)
    data = p._data
    if data.dtype.kind == "f":
        return Tensor(np.array(data, dtype=np.float64), requires_grad=True)
    return Tensor._new(data)


def _params64(params: dict[str, Any], leaves: list[Node]) -> dict[str, Any]:
    """The node's parameters rebound to float64 copies of its inputs.

    A cast keeps float64 (a cast to float32 would swamp the differences). A
    Function's forward reads its original arguments, so they are swapped for
    the copies, with a fresh ctx for what the forward saves.
    """
    out = dict(params)
    for k, v in params.items():
        if isinstance(v, np.dtype) and v.kind == "f":
            out[k] = np.dtype(np.float64)
    if "ctx" in params and "args" in params:
        it = iter(leaves)
        out["args"] = tuple(next(it) if isinstance(a, Node) else a for a in params["args"])
        out["ctx"] = FunctionCtx(params["ctx"].needs_input_grad)
    return out


def check_node(node: Node, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
               seed: int = 0) -> tuple[GradReport, list[int]]:
    """Compare one node's VJP with central differences of its rule's forward.

    Returns the report and the parent positions it covers (those that require grad).
    """
    rule, params = node._rule, node._params
    if params is RELEASED:
        raise GraphReleasedError(
            f"find_bad_gradient: the '{rule.name}' node's saved inputs were freed by backward(); "
            "run find_bad_gradient before backward, or call backward(retain_graph=True)")
    params = params or {}
    leaves = [_leaf(p) for p in node._parents]
    checked = [i for i, p in enumerate(node._parents) if p.requires_grad]
    front = type(node)

    def forward(*xs: Node) -> Node:
        full = list(leaves)
        for i, x in zip(checked, xs):
            full[i] = x
        return front._new(rule.forward(*[x._data for x in full], **_params64(params, full)))

    bound = _params64(params, leaves)
    ans = front._new(rule.forward(*[x._data for x in leaves], **bound))._data
    w = projection(front._new(ans), seed)
    # The engine seeds a Tensor's VJP with an array of the output's shape, a Value's with a float.
    g = np.broadcast_to(w, ans.shape).copy() if isinstance(ans, np.ndarray) else float(w)
    if rule.needs:
        bound = dict(bound, needs=tuple(p.requires_grad for p in node._parents))
    grads = rule.vjp(g, ans, *[x._data for x in leaves], **bound)
    analytic = []
    for i in checked:
        gi = grads[i]
        shape = np.shape(leaves[i]._data)
        if gi is None:
            analytic.append(np.zeros(shape))
            continue
        gi = np.asarray(gi, dtype=np.float64)
        analytic.append(unbroadcast(gi, shape) if gi.shape != shape else gi)
    numeric = numeric_gradient(forward, [leaves[i] for i in checked], w, eps)
    return compare(analytic, numeric, atol, rtol), checked


def find_bad_gradient(loss: Node, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                      seed: int = 0) -> BadGradient | None:
    """The first node, in backward order, whose VJP disagrees with its forward; None if none.

    Call it on a graph that still holds its saved inputs: before ``backward``,
    or after ``backward(retain_graph=True)``. Kinks (relu or abs at 0) and
    ties (max over equal elements) have no derivative, so a node sitting
    exactly on one may be reported.
    """
    order = [n for n in reversed(toposort([loss])) if n._rule is not None]
    for step, node in enumerate(order, start=1):
        report, checked = check_node(node, eps, atol, rtol, seed)
        if report.ok:
            continue
        m = report.mismatches[0]
        return BadGradient(node._rule.name, node, step, len(order), checked[m.input], m.index,
                           m.analytic, m.numeric, m.count)
    return None
