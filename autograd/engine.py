"""Backpropagation: order the graph, then call each node's VJP once.

``toposort`` walks the graph with an explicit stack (no recursion, so a chain
of a million nodes is fine). ``run_backward`` visits nodes in reverse
topological order, holding this pass's gradients in a dict: a node's gradient
is complete when it is visited, because every consumer comes before it.
Gradients are summed back to an input's shape in ``unbroadcast``, the only
place that happens.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from .grad_mode import STATE
from .node import RELEASED, Node


class GraphReleasedError(RuntimeError):
    """Backward through a graph whose saved state a previous backward freed."""


def toposort(roots: Iterable[Node]) -> list[Node]:
    """Nodes reachable from ``roots`` through grad-requiring edges, parents first."""
    order: list[Node] = []
    visited: set[int] = set()
    # Each entry: a node and whether its parents are done (then it joins the order).
    stack: list[tuple[Node, bool]] = [(root, False) for root in reversed(list(roots))]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for p in node._parents:
            if p.requires_grad and id(p) not in visited:
                stack.append((p, False))
    return order


def unbroadcast_axes(gshape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """Axes of a gradient of shape ``gshape`` to sum to get ``shape``.

    Broadcasting prepends axes and stretches axes of length 1; its gradient
    sums over exactly those axes.
    """
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise ValueError(f"gradient of shape {gshape} cannot be reduced to shape {shape}")
    stretched = tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1
    )
    return tuple(range(lead)) + stretched


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched to reach ``shape``."""
    if g.shape == shape:
        return g
    axes = unbroadcast_axes(g.shape, shape)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape != shape:
        g = g.reshape(shape)
    return g


def _fit(g: Any, node: Node) -> Any:
    """Give a parent's gradient the parent's shape and dtype."""
    if node._broadcasts:
        data = node._data
        if g.shape != data.shape:
            g = unbroadcast(g, data.shape)
        if g.dtype != data.dtype:
            g = g.astype(data.dtype)
    return g


def _raise_released(node: Node) -> None:
    raise GraphReleasedError(
        f"backward through the '{node._rule.name}' node a second time: its saved values "
        "were freed by the first backward. Pass retain_graph=True to the first "
        "backward (or grad) call to backpropagate through the same graph again."
    )


def _vjp_error(node: Node, exc: ArithmeticError | ValueError) -> ArithmeticError:
    values = ", ".join(repr(p._data) for p in node._parents)
    return type(exc)(
        f"backward of '{node._rule.name}' at input(s) {values}: the derivative is not a "
        f"finite real number there ({exc})"
    )


def run_backward(
    roots: Sequence[Node],
    seeds: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    keep: set[int] | None = None,
    check: Any = None,
) -> dict[int, tuple[Node, Any]]:
    """Backpropagate ``seeds`` from ``roots``; return gradients of kept nodes.

    With ``keep=None`` the kept nodes are the leaves and the nodes that retain
    their gradient (what ``backward`` writes to ``.grad``); otherwise the nodes
    whose ids are in ``keep`` (what ``grad`` returns). With ``create_graph``
    the seeds and results are graph nodes and the VJPs record a graph.
    ``check(kept)`` runs before the graph is released, so it may raise
    without spoiling a retry.
    """
    order = toposort(roots)
    grads: dict[int, Any] = {}
    for root, seed in zip(roots, seeds):
        old = grads.get(id(root))
        grads[id(root)] = seed if old is None else old + seed
    kept: dict[int, tuple[Node, Any]] = {}
    anomaly = STATE.anomaly
    prev_mode = STATE.enabled
    STATE.enabled = create_graph
    try:
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            rule = node._rule
            if keep is None:
                if rule is None or node.retains_grad:
                    kept[id(node)] = (node, g)
            elif id(node) in keep:
                kept[id(node)] = (node, g)
            if rule is None:
                continue
            params = node._params
            if params is RELEASED:
                _raise_released(node)
            parents = node._parents
            if node._tracks_versions:
                node._check_versions()
            if create_graph:
                ans: Any = node
                inputs: Any = parents
            else:
                ans = node._data
                inputs = [p._data for p in parents]
            try:
                if params is None:
                    pgrads = rule.vjp(g, ans, *inputs)
                else:
                    pgrads = rule.vjp(g, ans, *inputs, **params)
            except (ArithmeticError, ValueError) as exc:
                if type(g) is float:
                    raise _vjp_error(node, exc) from None
                raise
            if anomaly:
                from .anomaly import check_backward

                check_backward(node, g, pgrads)
            for p, gp in zip(parents, pgrads):
                if gp is None or not p.requires_grad:
                    continue
                gp = _fit(gp, p)
                key = id(p)
                old = grads.get(key)
                grads[key] = gp if old is None else old + gp
    finally:
        STATE.enabled = prev_mode
    if check is not None:
        check(kept)
    if not retain_graph:
        release(order)
    return kept


def release(order: Iterable[Node]) -> None:
    """Free what the nodes saved for backward; a later backward through them raises."""
    for node in order:
        if node._rule is not None:
            node._params = RELEASED


def _seed(root: Node, grad: Any, create_graph: bool) -> Any:
    """The gradient that starts backpropagation at ``root``."""
    if grad is None:
        if root._broadcasts and root._data.size != 1:
            raise RuntimeError(
                f"backward on a non-scalar output of shape {root._data.shape} needs a "
                "gradient: pass grad= with that shape (e.g. ones for a sum), or reduce "
                "the output to a scalar first (.sum() or .mean())"
            )
        seed = root._seed_ones()
    else:
        seed = root._coerce_grad(grad)
    if create_graph and not isinstance(seed, Node):
        seed = type(root)._constant(seed)
    elif not create_graph and isinstance(seed, Node):
        seed = seed._data
    return seed


def backward(root: Node, grad: Any = None, retain_graph: bool = False) -> None:
    """Accumulate d root / d leaf into ``.grad`` of every leaf below ``root``.

    ``grad`` is d loss / d root (default 1 for a scalar). Gradients add up
    across calls until zeroed, as in PyTorch. The graph's saved state is freed
    unless ``retain_graph=True``.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward on a result that does not require grad: no input of the "
            "computation had requires_grad=True (or it ran under no_grad())"
        )
    seed = _seed(root, grad, create_graph=False)
    kept = run_backward([root], [seed], retain_graph, create_graph=False)
    written: set[int] = set()
    for node, g in kept.values():
        fresh = id(g) not in written
        written.add(id(g))
        node._accumulate_grad(g, fresh and g is not seed)


def _as_tuple(x: Any) -> tuple[Any, ...]:
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, like ``torch.autograd.grad``.

    Returns a tuple with one ``Value``/``Tensor`` per input and leaves ``.grad``
    alone. With ``create_graph=True`` the results record a graph, so they can
    be differentiated again (second and higher derivatives).

    >>> from autograd import Value, grad
    >>> x = Value(3.0)
    >>> (dy,) = grad(x ** 3, x, create_graph=True)
    >>> dy.data, grad(dy, x)[0].data
    (27.0, 18.0)
    """
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    for i, x in enumerate(ins):
        if not isinstance(x, Node) or not x.requires_grad:
            raise ValueError(f"grad: input {i} does not require grad, so it has no gradient")
    if grad_outputs is None:
        gouts: tuple[Any, ...] = (None,) * len(outs)
    else:
        gouts = _as_tuple(grad_outputs)
        if len(gouts) != len(outs):
            raise ValueError(
                f"grad: {len(outs)} outputs but {len(gouts)} grad_outputs; give one per output"
            )
    roots = []
    seeds = []
    for o, go in zip(outs, gouts):
        if not isinstance(o, Node) or not o.requires_grad:
            raise ValueError("grad: an output does not require grad (no input of it does)")
        roots.append(o)
        seeds.append(_seed(o, go, create_graph))
    if retain_graph is None:
        retain_graph = create_graph

    def check_unused(kept: dict[int, tuple[Node, Any]]) -> None:
        if allow_unused:
            return
        for i, x in enumerate(ins):
            if id(x) not in kept:
                raise ValueError(
                    f"grad: input {i} was not used to compute the outputs; pass "
                    "allow_unused=True to get None for it"
                )

    kept = run_backward(roots, seeds, retain_graph, create_graph,
                        keep={id(x) for x in ins}, check=check_unused)
    results = []
    for x in ins:
        entry = kept.get(id(x))
        if entry is None:
            results.append(None)
            continue
        g = entry[1]
        results.append(g if isinstance(g, Node) else type(x)._constant(g))
    return tuple(results)
