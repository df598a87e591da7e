"""Fault localisation: which node of a recorded graph has a wrong backward?

An end-to-end gradient check says *that* an input's gradient is wrong. The
chain rule is a product of local derivatives, so the culprit is a node whose
VJP disagrees with the derivative of its own forward. :func:`find_bad_gradient`
walks the graph in backward order and checks every node in isolation: it
reruns the node's rule on float64 copies of the node's saved inputs as a
one-node graph, backpropagates random weights through it (a random number
for a scalar too, so a VJP that ignores its incoming gradient shows), and
compares the result with central differences of the rule's forward.

Besides that first-order check, a node is wrong when its backward raises
(a gradient of the wrong shape, say), when it disagrees with its rule's
documented subgradient on a kink or a tie (where finite differences are
meaningless and are not used), when its inputs are float32 and the VJP run
in float32 drifts from the float64 one, when its JVP (forward mode) disagrees
with directional differences of its forward, and, with ``order=2``, when the
VJP run on recording values gives wrong second derivatives.

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
>>> bad.op, bad.input, bad.kind
('Square', 0, 'gradient')
>>> print(bad)  # doctest: +ELLIPSIS
backward of 'Square' is wrong (node 2 of 3 in backward order, Tensor of shape (2,) ...):
for its input 0 at [1] the VJP gives ... but finite differences of its forward give ...
>>> find_bad_gradient((x.exp() * x).sum()) is None
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..engine import GraphReleasedError, toposort
from ..function import FunctionCtx
from ..gradcheck import (GradReport, analytic_gradient, compare, compare_float32,
                         expected_subgradient, numeric_gradient, projection)
from ..grad_mode import no_grad
from ..node import RELEASED, Node, apply
from ..tensor import Tensor
from ..value import Value
from .assertions import compare_hessian, scalarize
from .cases import SUBGRADIENTS


@dataclass
class BadGradient:
    """A node whose backward is wrong; ``kind`` says how.

    'error' (the backward raised; ``error`` has the message), 'gradient'
    (against finite differences), 'subgradient' (against the documented value
    on a kink or a tie), 'float32' (float32 against float64), 'forward mode'
    (the JVP against directional differences; ``input`` is then the output's
    element) or 'second order'.
    """

    op: str
    node: Node
    step: int
    steps: int
    input: int
    index: tuple[int, ...]
    analytic: float
    numeric: float
    count: int
    kind: str = "gradient"
    error: str = ""

    def __str__(self) -> str:
        head = (f"backward of '{self.op}' is wrong (node {self.step} of {self.steps} in "
                f"backward order, {describe_node(self.node)})")
        if self.kind == "error":
            return f"{head}: it raised {self.error}"
        where = f" at [{', '.join(map(str, self.index))}]" if self.index else ""
        vjp, ref = f"{self.analytic + 0.0:.10g}", f"{self.numeric + 0.0:.10g}"
        body = {
            "gradient": f"the VJP gives {vjp} but finite differences of its forward give {ref}",
            "subgradient": (f"the VJP gives {vjp} but the documented subgradient is {ref} (the "
                            "input sits on a kink or a tie, where finite differences are "
                            "meaningless)"),
            "float32": (f"the VJP run in float32 gives {vjp} but run in float64 on the same "
                        f"inputs {ref}"),
            "forward mode": (f"the JVP (forward mode) gives {vjp} but differences of its forward "
                             f"along the same tangent give {ref}"),
            "second order": (f"the VJP run on recording values (create_graph=True) gives a "
                             f"Hessian-vector product of {vjp} but finite differences of the "
                             f"VJP give {ref}"),
        }[self.kind]
        return (f"{head}: for its input {self.input}{where} {body} "
                f"({self.count} element(s) off)")


def describe_node(node: Node) -> str:
    """A short description: the node's type, shape or value, and name."""
    name = f", named {node.name!r}" if node.name else ""
    if isinstance(node, Value):
        return f"Value {node.data:.6g}{name}"
    return f"Tensor of shape {node._data.shape} {node._data.dtype}{name}"


def _leaf(p: Node, dtype: Any = np.float64) -> Node:
    """A copy of a node's data as a leaf (float data in ``dtype``; masks, indices kept)."""
    if isinstance(p, Value):
        return Value(p._data, requires_grad=p.requires_grad)
    data = p._data
    if data.dtype.kind == "f":
        return Tensor(np.array(data, dtype=dtype or data.dtype), requires_grad=p.requires_grad)
    return Tensor._new(data)


def _copy_saved(v: Any) -> Any:
    """A dict or array parameter copied, so a rerun's forward cannot write into the node's."""
    if isinstance(v, dict):
        return {k: _copy_saved(x) for k, x in v.items()}
    if isinstance(v, np.ndarray):
        return v.copy()
    return v


def _bind(params: dict[str, Any] | None, leaves: list[Node], float64: bool) -> Any:
    """The node's parameters for a rerun on ``leaves``.

    In a float64 rerun a cast to a float type casts to float64 (a cast to
    float32 would swamp the differences). What a forward saves for its VJP
    (cross_entropy's softmax, in a dict among its parameters) goes into copies,
    so the node's own stays as its backward needs it. A Function's forward
    reads its original arguments, so they are swapped for the leaves, with a
    fresh ctx for what the forward saves.
    """
    if params is None:
        return None
    out = {k: _copy_saved(v) for k, v in params.items()}
    if float64:
        for k, v in params.items():
            if isinstance(v, np.dtype) and v.kind == "f":
                out[k] = np.dtype(np.float64)
    if "ctx" in params and "args" in params:
        it = iter(leaves)
        out["args"] = tuple(next(it) if isinstance(a, Node) else a for a in params["args"])
        out["ctx"] = FunctionCtx(params["ctx"].needs_input_grad, params["ctx"]._name)
    return out


def _rerun(node: Node, leaves: list[Node], checked: list[int]) -> Callable[..., Node]:
    """The node's rule as a function of its checked inputs, recording a one-node graph.

    Fed float64 inputs, a cast to a float type casts to float64 (see
    :func:`_bind`); fed float32 ones, the node's own parameters are kept.
    """
    rule, params = node._rule, node._params

    def forward(*xs: Node) -> Node:
        full = list(leaves)
        for i, x in zip(checked, xs):
            full[i] = x
        float64 = not any(isinstance(x, Tensor) and x._data.dtype == np.float32 for x in xs)
        return apply(rule, tuple(full), _bind(params, full, float64))

    forward.__name__ = rule.name
    return forward


def _is_float32(node: Node) -> bool:
    """Whether the node computes in float32 (an input or its output is float32)."""
    return any(isinstance(p, Tensor) and p._data.dtype == np.float32
               for p in node._parents + (node,))


@dataclass
class _Rerun:
    """One node rerun in isolation: float64 leaves, the checked inputs, weights, output."""

    node: Node
    leaves: list[Node]
    checked: list[int]
    forward: Callable[..., Node]
    w: Any = None
    out: Any = None
    on_kinks: bool = False

    @classmethod
    def of(cls, node: Node) -> "_Rerun":
        if node._params is RELEASED:
            raise GraphReleasedError(
                f"find_bad_gradient: the '{node._rule.name}' node's saved inputs were freed by "
                "backward(); run find_bad_gradient before backward, or call "
                "backward(retain_graph=True)")
        leaves = [_leaf(p) for p in node._parents]
        checked = [i for i, p in enumerate(node._parents) if p.requires_grad]
        return cls(node, leaves, checked, _rerun(node, leaves, checked))

    @property
    def xs(self) -> list[Node]:
        return [self.leaves[i] for i in self.checked]


def _first_order(r: _Rerun, eps: float, atol: float, rtol: float, seed: int,
                 float32: bool | None) -> tuple[str, GradReport]:
    """The VJP against differences (or the documented subgradient on kinks), and in float32."""
    with no_grad():
        r.out = r.forward(*r.xs)
    r.w = projection(r.out, seed, scalars=True)
    analytic = analytic_gradient(r.forward, r.xs, r.w)
    with no_grad():
        numeric = numeric_gradient(r.forward, r.xs, r.w, eps)
    r.on_kinks = any(k.any() for k in numeric.kinks)
    report = compare(analytic, numeric, atol, rtol, skip=numeric.kinks)
    if not report.ok:
        return "gradient", report
    expected = SUBGRADIENTS.get(r.node._rule.name)
    if expected is not None and r.on_kinks:
        bound = r.node._params or {}
        reference = expected_subgradient(
            lambda g, ans, *a: _pick(expected(g, ans, *_all(r.leaves, r.checked, a), **bound),
                                     r.checked), r.w, r.out, r.xs)
        report = compare(analytic, reference, atol, rtol)
        if not report.ok:
            return "subgradient", report
    if float32 if float32 is not None else _is_float32(r.node):
        leaves32 = [_leaf(p, dtype=None) for p in r.node._parents]
        report = compare_float32(_rerun(r.node, leaves32, r.checked),
                                 [leaves32[i] for i in r.checked], atol=atol, rtol=rtol,
                                 seed=seed)
        if not report.ok:
            return "float32", report
    return "", GradReport(analytic, list(numeric))


def _forward_mode(r: _Rerun, eps: float, atol: float, rtol: float,
                  seed: int) -> tuple[str, GradReport]:
    """The rule's JVP along a random tangent against central differences (not on a kink)."""
    from ..functional import jvp

    if r.on_kinks or not r.xs:
        return "", GradReport([], [])
    rng = np.random.default_rng(seed + 3)
    ts = [rng.standard_normal(np.shape(x._data)) for x in r.xs]
    tangents = tuple(t if isinstance(x, Tensor) else float(t) for x, t in zip(r.xs, ts))
    _, jt = jvp(r.forward, tuple(r.xs), tangents)
    with no_grad():
        def moved(sign: float) -> np.ndarray:
            shifted = [type(x)._constant(x._data + sign * eps * t) for x, t in zip(r.xs, ts)]
            return np.asarray(r.forward(*shifted)._data, dtype=np.float64)

        numeric = (moved(1.0) - moved(-1.0)) / (2 * eps)
    report = compare([np.asarray(jt._data, dtype=np.float64)], [numeric], atol, rtol)
    return ("forward mode" if not report.ok else ""), report


def _second_order(r: _Rerun, atol: float, rtol: float, seed: int) -> tuple[str, GradReport]:
    """The VJP run on recording values against differences of the VJP (not on a kink)."""
    if r.on_kinks:
        return "", GradReport([], [])
    _, report = compare_hessian(scalarize(r.forward, seed), r.xs, atol=max(atol, 1e-4),
                                rtol=rtol, seed=seed)
    return ("second order" if not report.ok else ""), report


def _guarded(check: Callable[[], tuple[str, GradReport]]) -> tuple[str, GradReport]:
    """A check whose exception is its finding: the node's backward (or rerun) raised."""
    try:
        return check()
    except GraphReleasedError:
        raise
    except Exception as exc:  # noqa: BLE001 - any error of a backward is reported, not raised
        return "error", GradReport([], [], error=f"{type(exc).__name__}: {exc}")


def _all(leaves: list[Node], checked: list[int], xs: tuple[Any, ...]) -> list[Any]:
    """Data of every input, with the checked ones from ``xs``."""
    full = [p._data for p in leaves]
    for i, x in zip(checked, xs):
        full[i] = x
    return full


def _pick(grads: Any, checked: list[int]) -> tuple[Any, ...]:
    grads = grads if isinstance(grads, (tuple, list)) else (grads,)
    return tuple(grads[i] for i in checked)


def check_node(node: Node, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
               seed: int = 0, order: int = 1,
               float32: bool | None = None) -> tuple[GradReport, list[int]]:
    """Check one node's VJP against its rule's forward, in isolation.

    Returns the report of the first check that fails (or of the first-order
    check if all pass) and the parent positions it covers (those that
    require grad). ``float32=None`` checks float32 when the node computes in
    float32.
    """
    r = _Rerun.of(node)
    kind, report = _guarded(lambda: _first_order(r, eps, atol, rtol, seed, float32))
    if not kind and order >= 2:
        kind, second = _guarded(lambda: _second_order(r, atol, rtol, seed))
        report = second if kind else report
    return report, r.checked


#: Rules the second-order check itself records (the squares and weights of scalarize, the
#: sums of gradients, the flattened products of directional_gradient): their nodes are
#: checked first, so a broken one is not blamed on another.
_CHECK_RULES = ("mul", "add", "sum", "reshape", "cat")


def find_bad_gradient(loss: Node, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                      seed: int = 0, order: int = 1, float32: bool | None = None,
                      forward_mode: bool = True) -> BadGradient | None:
    """The first node, in backward order, whose backward is wrong; None if none is.

    Call it on a graph that still holds its saved inputs: before ``backward``,
    or after ``backward(retain_graph=True)``. Each node's VJP is compared
    with finite differences of its forward; a backward that raises is the
    culprit too (:attr:`BadGradient.error` has the message). On a kink or a
    tie finite differences are not used: a rule with a documented
    subgradient (``autograd.testing.SUBGRADIENTS``) is compared with it
    there, other ops are not judged there. Nodes that compute in float32 are
    also checked in float32 (``float32=False`` turns that off), and each node's
    JVP against differences along a random tangent (``forward_mode=False``
    turns that off). ``order=2``
    then checks second derivatives, once every node's first derivatives
    passed: the second-order check builds on other rules (``mul``, ``add``,
    ``sum``, ``reshape``, ``cat``), whose nodes it checks first.
    """
    nodes = [n for n in reversed(toposort([loss])) if n._rule is not None]
    reruns = []
    for step, node in enumerate(nodes, start=1):
        r = _Rerun.of(node)
        reruns.append((step, r))
        kind, report = _guarded(lambda: _first_order(r, eps, atol, rtol, seed, float32))
        if not kind and forward_mode:
            kind, report = _guarded(lambda: _forward_mode(r, eps, atol, rtol, seed))
        if kind:
            return _bad(kind, report, step, len(nodes), r)
    if order < 2:
        return None
    # Second derivatives only once every first derivative is right: a wrong first
    # derivative of one rule would make another rule's second-order check fail too.
    reruns.sort(key=lambda sr: sr[1].node._rule.name not in _CHECK_RULES)
    for step, r in reruns:
        kind, report = _guarded(lambda: _second_order(r, atol, rtol, seed))
        if kind:
            return _bad(kind, report, step, len(nodes), r)
    return None


def _bad(kind: str, report: GradReport, step: int, steps: int, r: _Rerun) -> BadGradient:
    name = r.node._rule.name
    if kind == "error":
        return BadGradient(name, r.node, step, steps, 0, (), float("nan"), float("nan"), 0, kind,
                           report.error)
    m = report.mismatches[0]
    return BadGradient(name, r.node, step, steps, r.checked[m.input], m.index, m.analytic,
                       m.numeric, m.count, kind)
