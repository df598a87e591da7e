"""Backpropagation: order the graph, then call each node's VJP once.

``toposort`` walks the graph with an explicit stack (no recursion, so a chain
of a million nodes is fine). ``run_backward`` visits nodes in reverse
topological order, holding this pass's gradients in a dict (``backward`` on
Values: in the nodes' ``.grad`` slots, see ``_float_pass``): a node's gradient
is complete when it is visited, because every consumer comes before it.
Gradients are summed back to an input's shape in ``unbroadcast``, the only
place that happens; a gradient that cannot be (a VJP that forgot ``keepdims``,
or returned ``g.T``) is an error naming the rule, the input and both shapes.

After a pass without ``retain_graph`` the graph is released (``release``): each
node drops what its rule saved (its parameters, its hold on saved tensors, so
their ``.data`` is writable again), and a later backward through it raises
:class:`GraphReleasedError`. A Tensor graph also lets go of its arrays at the
next backward (or as soon as nothing holds its root), so a loss kept after
``backward()`` (in a list of losses, say) does not keep every activation alive:
the parents of each released node are replaced by
:class:`~autograd.node.ReleasedNode` records that keep the structure, the op,
the name, shape and dtype, small arrays (at most 12 elements) as they are, and
a weak reference to the node. Leaves that require grad (parameters) stay as
they are, as do nodes of small arrays that are not views (a record would keep
their data all the same), and tensors something else holds (a tensor kept in a
variable) keep their data and ``.grad`` and are still found through the records, so
``draw_graph(loss)`` after ``loss.backward()`` shows them with their gradients;
large arrays that only the graph held (activations, input batches) are freed
and drawn as released. Value graphs hold floats and keep their structure as it
is.
"""
from __future__ import annotations

import threading
import weakref
from itertools import filterfalse
from typing import Any, Iterable, Sequence

import numpy as np

from .grad_mode import STATE
from .node import RELEASED, RELEASED_EXTRA, Node, release_arrays, released


# True once a tensor has had a hook registered: until then backward looks for none.
_hooked = False


def hooks_registered() -> None:
    """Note that some node has hooks (``Tensor.register_hook``): backward calls them."""
    global _hooked
    _hooked = True


def _run_hooks(node: Node, hooks: list[Any], g: Any, create_graph: bool) -> Any:
    """``g`` passed through each of ``node``'s hooks in turn (a hook may replace it)."""
    for hook in list(hooks):
        arg = g if create_graph else type(node)._new(g)
        out = hook(arg)
        if out is None:
            continue
        new = out if create_graph or not isinstance(out, Node) else out._data
        if not create_graph:
            new = _as_grad_array(new, g)
        if getattr(new, "shape", None) != g.shape:
            raise GradientShapeError(
                f"a hook of a tensor of shape {g.shape} returned a gradient of shape "
                f"{getattr(new, 'shape', type(new).__name__)}: expected {g.shape}")
        g = new
    return g


def _as_grad_array(x: Any, like: Any) -> Any:
    return np.asarray(x, dtype=like.dtype)


class GraphReleasedError(RuntimeError):
    """Backward through a graph whose saved state a previous backward freed."""


def toposort(roots: Iterable[Node], constants: bool = False) -> list[Node]:
    """Nodes reachable from ``roots`` through grad-requiring edges, parents first.

    With ``constants=True`` every edge is followed, so nodes that need no
    gradient (inputs, constants) are included too, as a drawing wants.
    """
    return _toposort(roots, constants)[0]


_DONE = object()  # on the walk's stack, above a node whose parents are all ordered


def _toposort(roots: Iterable[Node], constants: bool = False) -> tuple[list[Node], dict]:
    """:func:`toposort`'s order, and a dict with every node of it as a key (values None).

    Depth-first with an explicit stack: a node is expanded the first time it
    is popped, and pushed back under a ``_DONE`` marker with its parents above;
    when the marker comes back to the top, every parent has joined the order,
    so the node joins it. Nodes are marked when expanded, not when pushed, so a
    node may be on the stack more than once: it is expanded where it is popped
    first, and its other copies are skipped. The dict is the walk's own record
    of what it met; ``run_backward`` keeps its gradients in it, so no second
    dict is built.
    """
    order: list[Node] = []
    append = order.append
    seen: dict[Node, Any] = {}
    done = _DONE
    for root in roots:
        stack = [root]
        push = stack.append
        pop = stack.pop
        while stack:
            node = pop()
            if node is done:
                append(pop())
                continue
            if node in seen:
                continue
            seen[node] = None
            x = node._x
            if x is None:
                append(node)
                continue
            push(node)
            push(done)
            if (constants or x.requires_grad) and x not in seen:
                push(x)
            y = node._y
            if y is not None:
                if (constants or y.requires_grad) and y not in seen:
                    push(y)
                e = node._extra
                if e is not None:
                    # The membership tests run in C; the loop sees new parents only.
                    for p in filterfalse(seen.__contains__, e.parents):
                        if constants or p.requires_grad:
                            push(p)
    return order, seen


class _Pending:
    """What a Value's ``.grad`` holds while ``backward`` sums its gradient there.

    Arithmetic on it raises: a ``.grad`` read while the pass runs (from another
    thread, or a backward started inside this one) is not a number yet.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "<gradient pending>"

    def _busy(self, *_: Any) -> Any:
        raise RuntimeError(
            "this Value's .grad is being summed by a backward pass that has not ended "
            "(in another thread, or one that started this one); read or add to .grad "
            "after that pass returns")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __float__ = _busy


_GRAD_PENDING = _Pending()
#: Held while a slot-summing pass (:func:`_float_pass`) runs.
_SLOT_PASS = threading.Lock()
#: (order, stash) of the slot-summing pass that is running, if one is.
_SLOT_RUN: list[Any] = [None]


def _float_order(roots: Sequence[Node], stash: dict[Node, Any]) -> list[Node]:
    """:func:`_toposort`'s order for :func:`_float_pass`, marking nodes in their slots.

    The same walk, with a node's ``.grad`` as its mark rather than a dict entry
    (a slot costs less than a dict entry: ordering with :func:`_toposort` and
    then marking the order made micrograd's graph step 15% slower):
    as a node is expanded its ``.grad`` is set aside in ``stash`` (unless it is
    0.0) and replaced by ``_GRAD_PENDING``, from which the pass then sums the node's
    gradient. Should the walk be interrupted, the marked nodes get their
    ``.grad`` back.
    """
    order: list[Node] = []
    append = order.append
    done = _DONE
    pending = _GRAD_PENDING
    try:
        for root in roots:
            stack = [root]
            push = stack.append
            pop = stack.pop
            while stack:
                node = pop()
                if node is done:
                    append(pop())
                    continue
                old = node.grad
                if old is pending:
                    continue
                if old != 0.0:
                    stash[node] = old
                node.grad = pending
                x = node._x
                if x is None:
                    append(node)
                    continue
                push(node)
                push(done)
                if x.requires_grad and x.grad is not pending:
                    push(x)
                y = node._y
                if y is not None:
                    if y.requires_grad and y.grad is not pending:
                        push(y)
                    e = node._extra
                    if e is not None:
                        for p in e.parents:
                            if p.requires_grad and p.grad is not pending:
                                push(p)
    except BaseException:
        _put_back(roots, stash)
        raise
    return order


def _put_back(roots: Sequence[Node], stash: dict[Node, Any]) -> None:
    """Give every node marked by :func:`_float_order` its ``.grad`` back (the marked
    nodes are those reached from ``roots`` through marked nodes)."""
    get = stash.get
    stack = [r for r in roots if r.grad is _GRAD_PENDING]
    while stack:
        node = stack.pop()
        if node.grad is not _GRAD_PENDING:
            continue
        node.grad = get(node, 0.0)
        stack.extend(p for p in node.parents if p.grad is _GRAD_PENDING)


class GradientShapeError(ValueError):
    """A backward returned a gradient its input cannot receive."""


def unbroadcast_axes(gshape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """Axes of a gradient of shape ``gshape`` to sum to get ``shape``.

    Broadcasting prepends axes and stretches axes of length 1; its gradient
    sums over exactly those axes. Any other difference (a gradient smaller than
    the input, a side of another length: ``g.T`` for a non-square ``g``, a
    reduction that lost its ``keepdims``) cannot come from broadcasting, so it
    raises :class:`GradientShapeError` rather than be reshaped into wrong values.
    """
    lead = len(gshape) - len(shape)
    if lead < 0 or any(n != 1 and gshape[lead + i] != n for i, n in enumerate(shape)):
        raise GradientShapeError(
            f"a gradient of shape {gshape} cannot be summed back to shape {shape}: expected "
            f"{shape}, or a shape that {shape} broadcasts to")
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
        g = g.reshape(shape)  # drops the leading axes of length 1 that keepdims left
    return g


def gradient_shape_error(who: str, i: int, gshape: tuple[int, ...],
                         shape: tuple[int, ...]) -> GradientShapeError:
    """The error for a backward (``who``) whose gradient for input ``i`` has the wrong shape."""
    return GradientShapeError(
        f"{who} returned a gradient of shape {tuple(gshape)} for input {i} of shape "
        f"{tuple(shape)}: expected {tuple(shape)}, or a shape that {tuple(shape)} broadcasts "
        "to (the engine sums the broadcast axes back)")


def check_gradient_shape(who: str, i: int, gshape: tuple[int, ...],
                         shape: tuple[int, ...]) -> None:
    """Raise unless a gradient of ``gshape`` fits an input of ``shape`` (equal, or broadcast)."""
    if tuple(gshape) != tuple(shape):
        try:
            unbroadcast_axes(tuple(gshape), tuple(shape))
        except GradientShapeError:
            raise gradient_shape_error(who, i, gshape, shape) from None


def _fit(g: Any, node: Node, consumer: Node | None = None) -> Any:
    """Give a parent's gradient the parent's shape and dtype.

    ``consumer`` is the node whose VJP produced ``g``; it names the rule in
    the error when ``g`` cannot be summed back to the parent's shape.
    """
    if node._broadcasts:
        data = node._data
        if not hasattr(g, "shape"):
            raise _shape_error(consumer, node, type(g).__name__, data.shape)
        if g.shape != data.shape:
            try:
                g = unbroadcast(g, data.shape)
            except GradientShapeError:
                raise _shape_error(consumer, node, g.shape, data.shape) from None
        if g.dtype != data.dtype:
            g = g.astype(data.dtype)
    return g


def _shape_error(consumer: Node | None, node: Node, gshape: Any,
                 shape: tuple[int, ...]) -> GradientShapeError:
    """The error naming ``consumer``'s rule; ``gshape`` is a shape, or the name of a non-array."""
    who = "a backward"
    i = 0
    if consumer is not None and consumer._rule is not None:
        who = f"the backward of '{consumer._rule.name}'"
        i = next(j for j, p in enumerate(consumer._parents) if p is node)
    if isinstance(gshape, str):
        return GradientShapeError(
            f"{who} returned a {gshape} for input {i} of shape {tuple(shape)}: expected an "
            f"array of that shape, or of a shape that {tuple(shape)} broadcasts to")
    return gradient_shape_error(who, i, gshape, shape)


def _raise_released(node: Node) -> None:
    raise GraphReleasedError(
        f"backward through the '{node._rule.name}' node a second time: its saved values "
        "were freed by the first backward. Pass retain_graph=True to the first "
        "backward (or grad) call to backpropagate through the same graph again."
    )


def _vjp_error(node: Node, exc: ArithmeticError | ValueError) -> ArithmeticError:
    values = ", ".join(repr(p._data) for p in node._parents)
    made = ""
    if STATE.anomaly:
        from .anomaly import trace_of

        made = f" (the forward op made at {trace_of(node) or '<made outside detect_anomaly()>'})"
    return type(exc)(
        f"backward of '{node._rule.name}'{made} at input(s) {values}: the derivative is not a "
        f"finite real number there ({exc})"
    )


def _vjp_failed(node: Node, g: Any, exc: Exception) -> Exception:
    """``exc`` (raised inside a VJP run on arrays) with the rule and the shapes it saw."""
    if isinstance(exc, GradientShapeError) or str(exc).startswith("backward of '"):
        return exc
    shapes = ", ".join(str(tuple(getattr(p._data, "shape", ()))) for p in node._parents)
    text = (f"backward of '{node._rule.name}' failed for an incoming gradient of shape "
            f"{tuple(getattr(g, 'shape', ()))} and input(s) of shape {shapes}: {exc}")
    try:
        return type(exc)(text)
    except Exception:  # an exception type with another constructor
        return ValueError(text)


def node_vjp(node: Node, g: Any, create_graph: bool = False) -> Sequence[Any]:
    """One gradient per parent of ``node`` given ``g`` = d root/d node: its rule's VJP.

    The gradients are shaped like ``node`` (``run_backward`` sums broadcast axes
    back); ``None`` where none flows. On raw data unless ``create_graph``, when
    ``g`` is a node and the VJP records a graph.
    """
    rule = node._rule
    e = node._extra
    if e is None:
        params = None
        many: tuple[Node, ...] = ()
    else:
        params = e.params
        many = e.parents
        if params is RELEASED:
            _raise_released(node)
    x = node._x
    y = node._y
    # Front ends that track versions hold _saved_versions (None: nothing to check).
    if node._tracks_versions and node._saved_versions is not None:
        node._check_versions()
    try:
        if create_graph:
            parents = many or ((x,) if y is None else (x, y))
            if rule.needs:
                params = dict(params or (), needs=tuple(p.requires_grad for p in parents))
            return rule.vjp(g, node, *parents, **(params or {}))
        if params is None and not rule.needs:
            if y is None:
                return rule.vjp(g, node._data, x._data)
            if not many:
                return rule.vjp(g, node._data, x._data, y._data)
        parents = many or ((x,) if y is None else (x, y))
        if rule.needs:
            params = dict(params or (), needs=tuple(p.requires_grad for p in parents))
        return rule.vjp(g, node._data, *[p._data for p in parents], **(params or {}))
    except Exception as exc:
        raise _vjp_exception(node, g, exc)


def _vjp_exception(node: Node, g: Any, exc: Exception) -> Exception:
    """What to raise when ``node``'s VJP raised ``exc``: the rule and the inputs named."""
    if isinstance(exc, (ArithmeticError, ValueError)):
        if type(g) is float:
            err = _vjp_error(node, exc)
            err.__suppress_context__ = True
            return err
    elif not isinstance(exc, (TypeError, AttributeError, IndexError)):
        return exc
    err = _vjp_failed(node, g, exc)
    if err is not exc:
        err.__cause__ = exc
    return err


def run_backward(
    roots: Sequence[Node],
    seeds: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    keep: set[Node] | None = None,
    check: Any = None,
    observer: Any = None,
) -> list[tuple[Node, Any]]:
    """Backpropagate ``seeds`` from ``roots``; return (node, gradient) of kept nodes.

    With ``keep=None`` the kept nodes are the leaves and the nodes that retain
    their gradient (what ``backward`` writes to ``.grad``); otherwise the nodes
    in ``keep`` (what ``grad`` returns). With ``create_graph`` the seeds and
    results are graph nodes and the VJPs record a graph. ``check(kept)`` runs
    before the graph is released, so it may raise without spoiling a retry.
    ``observer(node, g, grads)``, if given, sees each node's VJP result (the
    gradients for its inputs, before they are summed to the inputs' shapes) in
    the order the pass runs: it is how the stepper records the pass.
    On a graph of floats (Values) with neither ``keep`` nor ``check``, which is
    ``backward``'s case, the pass adds the gradients to ``.grad`` itself and
    returns nothing left to write (see :func:`_float_pass`).
    """
    anomaly = STATE.anomaly
    if roots[0]._floats and keep is None and check is None and not (
            create_graph or anomaly or observer is not None) and _SLOT_PASS.acquire(False):
        # One slot-summing pass at a time: one started inside it (from a Function's
        # backward) or beside it (another thread) takes the dict pass below.
        try:
            _float_pass(roots, seeds, retain_graph)
        finally:
            _SLOT_PASS.release()
        return []
    order = toposort(roots)
    grads: dict[Node, Any] = {}
    grads_get = grads.get
    for root, seed in zip(roots, seeds):
        old = grads.get(root)
        grads[root] = seed if old is None else old + seed
    kept: list[tuple[Node, Any]] = []
    hooked = _hooked
    prev_mode = STATE.enabled
    STATE.enabled = create_graph
    try:
        for node in reversed(order):
            g = grads.pop(node, None)
            if g is None:
                continue
            if hooked:
                hooks = getattr(node, "_hooks", None)
                if hooks:
                    g = _run_hooks(node, hooks, g, create_graph)
            rule = node._rule
            if keep is None:
                if rule is None or node.retains_grad:
                    kept.append((node, g))
            elif node in keep:
                kept.append((node, g))
            if rule is None:
                continue
            x = node._x
            y = node._y
            e = node._extra
            if e is None and not create_graph and not rule.needs:
                # node_vjp's common case (no parameters, two parents at most, not released)
                if node._tracks_versions and node._saved_versions is not None:
                    node._check_versions()
                try:
                    if y is None:
                        pgrads = rule.vjp(g, node._data, x._data)
                    else:
                        pgrads = rule.vjp(g, node._data, x._data, y._data)
                except Exception as exc:
                    raise _vjp_exception(node, g, exc)
            else:
                pgrads = node_vjp(node, g, create_graph)
            if anomaly:
                from .anomaly import check_backward

                check_backward(node, g, pgrads)
            if observer is not None:
                observer(node, g, pgrads)
            parents = (x,) if y is None else (x, y) if e is None or not e.parents else e.parents
            # Operands share the node's front end (apply lifts them), so one flag serves all.
            broadcasts = node._broadcasts
            for p, gp in zip(parents, pgrads):
                if gp is None or not p.requires_grad:
                    continue
                if broadcasts:
                    d = p._data
                    try:
                        if gp.shape != d.shape or gp.dtype != d.dtype:
                            gp = _fit(gp, p, node)
                    except AttributeError:   # not an array (a float, a list): _fit says so
                        gp = _fit(gp, p, node)
                old = grads_get(p)
                grads[p] = gp if old is None else old + gp
    finally:
        STATE.enabled = prev_mode
    if check is not None:
        check(kept)
    if not retain_graph:
        release(order)
    return kept


def _float_pass(roots: Sequence[Node], seeds: Sequence[Any], retain_graph: bool) -> None:
    """``run_backward`` for ``backward`` on a graph of floats (Values), without
    graph recording, anomaly checks or an observer: the same pass with less
    work per node, adding each node's gradient to its ``.grad`` itself.

    Every Value keeps its gradient, so this pass sums each node's gradient in
    its ``.grad`` slot rather than in a dict: the walk that orders the graph
    (:func:`_float_order`) sets each ``.grad`` aside (in ``stash``, unless it
    is 0.0) and leaves ``_GRAD_PENDING``, the sign that no gradient has arrived yet;
    gradients add up in the slots as they arrive (a slot is cheaper than a dict
    entry), and at the end the ones set aside are added back, so ``.grad`` ends
    as ``old + g`` as if written after the pass. While the pass runs, a
    ``.grad`` reads ``_GRAD_PENDING`` or a partial sum.
    The nodes of one or two parents and no parameters, nearly all of a scalar
    graph, call their VJP on the floats directly; the others take
    :func:`node_vjp`. Without ``retain_graph``, each node without parameters is
    released as it is done rather than in a second walk. Should a VJP fail, the
    released nodes and every ``.grad`` are restored, so the graph and the
    gradients stay as they were. One such pass runs at a time (``_SLOT_PASS``);
    a backward started inside it takes the dict pass and adds what it gives
    this pass's nodes to ``stash``, so it reaches ``.grad`` at the end and is
    never passed on as this pass's gradient (see :func:`backward`).
    """
    stash: dict[Node, Any] = {}
    order = _float_order(roots, stash)
    pending = _GRAD_PENDING
    for root, seed in zip(roots, seeds):
        old = root.grad
        root.grad = seed if old is pending else old + seed
    now = not retain_graph
    later: list[Node] = []  # nodes with parameters or more parents: released at the end
    missed: list[Node] = []  # nodes no gradient reached (their .grad stays pending meanwhile)
    prev_mode = STATE.enabled
    STATE.enabled = False  # a Function's backward may use Value operations: no graph
    _SLOT_RUN[0] = (order, stash)
    node = None
    try:
        for node in reversed(order):
            g = node.grad
            if g is pending:
                missed.append(node)
                continue
            if not g:  # -0.0 reads 0.0, as 0.0 + g gives
                node.grad = 0.0
            rule = node._rule
            if rule is None:
                continue
            e = node._extra
            if (e is None or (e.params is None and not e.parents)) and not rule.needs:
                x = node._x
                y = node._y
                if y is None:
                    try:
                        (gx,) = rule.vjp(g, node._data, x._data)
                    except Exception as exc:
                        raise _vjp_exception(node, g, exc)
                    if gx is not None and x.requires_grad:
                        old = x.grad
                        x.grad = gx if old is pending else old + gx
                else:
                    try:
                        gx, gy = rule.vjp(g, node._data, x._data, y._data)
                    except Exception as exc:
                        raise _vjp_exception(node, g, exc)
                    if gx is not None and x.requires_grad:
                        old = x.grad
                        x.grad = gx if old is pending else old + gx
                    if gy is not None and y.requires_grad:
                        old = y.grad
                        y.grad = gy if old is pending else old + gy
                if now:
                    if e is None:
                        node._extra = RELEASED_EXTRA
                    else:  # a label: this node's own record
                        e.params = RELEASED
            else:
                x = node._x
                y = node._y
                parents = (x,) if y is None else (x, y) if e is None or not e.parents else e.parents
                nary = e is not None and e.params is None and not rule.needs  # a neuron
                if nary:
                    try:
                        pgrads = rule.vjp(g, node._data, *[p._data for p in parents])
                    except Exception as exc:
                        raise _vjp_exception(node, g, exc)
                else:
                    pgrads = node_vjp(node, g)
                for p, gp in zip(parents, pgrads):
                    if gp is not None and p.requires_grad:
                        old = p.grad
                        p.grad = gp if old is pending else old + gp
                if now:
                    if nary:  # no parameters to lose: released now, restorable as the others
                        e.params = RELEASED
                    else:
                        later.append(node)
    except BaseException:
        if now:
            _unrelease(order, node)
        get = stash.get
        for n in order:
            n.grad = get(n, 0.0)
        raise
    finally:
        STATE.enabled = prev_mode
        _SLOT_RUN[0] = None
    for node in missed:
        node.grad = 0.0
    for node, old in stash.items():
        node.grad = old + node.grad
    for node in later:
        node._extra = released(node._extra)


def _unrelease(order: list[Node], failed: Node | None) -> None:
    """Undo the releases of a pass that stopped at ``failed`` (see :func:`_float_pass`).

    The nodes it had done come before ``failed`` in the pass's order, those a
    gradient reached holding it in ``.grad``; none of them had been released
    before (a released node stops a pass), and the only ones it released were
    those without parameters.
    """
    for node in reversed(order):
        if node is failed:
            return
        e = node._extra
        if node.grad is not _GRAD_PENDING and e is not None and e.params is RELEASED:
            if e is RELEASED_EXTRA:
                node._extra = None
            else:
                e.params = None


def release(order: Sequence[Node]) -> None:
    """Free what the nodes saved for backward; a later backward through them raises.

    For Tensor graphs the parents are replaced by records without large arrays
    (see the module's docstring).
    """
    for node in order:
        if node._rule is not None:
            e = node._extra
            if e is None:
                node._extra = RELEASED_EXTRA
            else:
                e.params = RELEASED
    if order and order[-1]._tracks_versions:  # one front end per graph: the root's says
        # The arrays of the graph released before this one go now, if its root is still
        # alive (a kept loss); this graph's wait for the next release. Freeing a graph's
        # activations right after its backward hands them back to the operating system
        # (they are on top of the heap), and the next forward faults them in again: a
        # training loop of large batches ran 6% slower. Deferred, they go when the loop
        # drops the loss, as they did before release existed, and a kept loss holds its
        # arrays only until the next backward.
        pending = _PENDING[0]
        root = pending() if pending is not None else None
        if root is not None:
            release_arrays(toposort([root]), _hooked)
        _PENDING[0] = weakref.ref(order[-1])


# A weak reference to the root of the Tensor graph released last (see ``release``).
_PENDING: list[Any] = [None]


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
    if root._floats:
        running = _SLOT_RUN[0]
        if running is not None and kept:
            # A backward inside a running one (a Function's backward calling backward):
            # the running pass sums in the .grad slots of its own nodes, so what this one
            # gives them is added where the running pass keeps their earlier .grad, and
            # reaches .grad when it ends, not through the gradients it is passing on.
            inside, stash = set(running[0]), running[1]
            for node, g in kept:
                if g is not None and node in inside:
                    stash[node] = stash.get(node, 0.0) + g
                elif g is not None:
                    node.grad += g
            return
        for node, g in kept:
            if g is not None:  # (a node whose consumers' VJPs all gave None)
                node.grad += g
        return
    written: set[int] = {id(seed)}
    for node, g in kept:
        if node._broadcasts:
            # Arrays may be shared (add's VJP passes g to both inputs): copy all but the first.
            fresh = id(g) not in written
            written.add(id(g))
            node._accumulate_grad(g, fresh)
        else:
            node._accumulate_grad(g, True)


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

    def check_unused(kept: list[tuple[Node, Any]]) -> None:
        if allow_unused:
            return
        found = {node for node, _ in kept}
        for i, x in enumerate(ins):
            if x not in found:
                raise ValueError(
                    f"grad: input {i} was not used to compute the outputs; pass "
                    "allow_unused=True to get None for it"
                )

    kept = dict(run_backward(roots, seeds, retain_graph, create_graph,
                             keep=set(ins), check=check_unused))
    results = []
    for x in ins:
        g = kept.get(x)
        if g is None:
            results.append(None)
            continue
        results.append(g if isinstance(g, Node) else type(x)._constant(g))
    return tuple(results)
