"""The chain rule in both directions, as function transforms.

Named and shaped as ``torch.autograd.functional`` and ``torch.func``:
``vjp``, ``jvp``, ``jacobian`` (``mode="rev"`` or ``"fwd"``), ``hessian``,
``hvp``, and the transforms ``grad(f)`` / ``value_and_grad(f)`` (HIPS
autograd and JAX style, beside the engine's ``autograd.grad(outputs,
inputs)``). Inputs are a Tensor, a Value or a tuple of them; each becomes a
fresh leaf sharing its data, and results mirror the inputs' structure (and
the outputs', for ``jvp`` and ``jacobian``). ``count_rule_calls`` tells how
many derivative rules each mode evaluates for a full Jacobian.

>>> from autograd import Tensor
>>> from autograd.functional import jvp, vjp, hvp, grad
>>> f = lambda x: (x * x).sum()
>>> x = Tensor([1.0, 2.0])
>>> jvp(f, x, Tensor([1.0, 0.0]))[1]                 # forward: d f along (1, 0)
Tensor(2.)
>>> vjp(f, x)[1]                                    # reverse: all of grad f at once
Tensor([2., 4.])
>>> grad(f)(x)
Tensor([2., 4.])
>>> hvp(f, x, Tensor([1.0, 0.0]))[1]                # forward-over-reverse: H v, H = 2I
Tensor([2., 0.])

Reverse mode needs one backward pass per output element, forward mode one
forward pass per input element: for f from R^n to R^m, reverse wins when
m << n (a loss of many parameters), forward when n << m.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from .engine import _seed, run_backward
from .forward import ForwardLevel, ForwardModeError, as_tangent
from .grad_mode import STATE, enable_grad
from .node import Node
from .tensor import ShapeError, Tensor
from .value import Value

__all__ = ["RuleCalls", "count_rule_calls", "grad", "hessian", "hvp", "jacobian", "jvp",
           "value_and_grad", "vjp"]


# ---------------------------------------------------------------- structure of inputs/outputs

def _items(x: Any) -> tuple[bool, tuple[Any, ...]]:
    """(was a tuple or list, the items)."""
    if isinstance(x, (tuple, list)):
        return True, tuple(x)
    return False, (x,)


def _pack(items: Sequence[Any], is_tuple: bool) -> Any:
    return tuple(items) if is_tuple else items[0]


def _leaf(x: Any, what: str, i: int, requires_grad: bool) -> Node:
    """A fresh leaf with ``x``'s data; it keeps ``x``'s tangent, if the running pass gave one."""
    if not isinstance(x, Node):
        raise TypeError(f"{what}: input {i} is a {type(x).__name__}; expected a Tensor or a Value "
                        "(or a tuple of them)")
    front = Tensor if x._broadcasts else Value
    if front is Tensor and x._data.dtype.kind != "f":
        raise TypeError(f"{what}: input {i} has dtype {x._data.dtype}; only floating-point "
                        "tensors have derivatives (convert with .double() or .float())")
    leaf = front._new(x._data)
    leaf.requires_grad = requires_grad
    level = STATE.forward
    if level is not None:
        t = level.get(x)
        if t is not None:
            level.set(leaf, t)   # the leaf is x itself to the chain rule: d leaf = dx
    return leaf


def _leaves(inputs: Any, what: str, requires_grad: bool = True) -> tuple[bool, tuple[Node, ...]]:
    is_tuple, items = _items(inputs)
    if not items:
        raise ValueError(f"{what}: no inputs; give a Tensor, a Value or a tuple of them")
    return is_tuple, tuple(_leaf(x, what, i, requires_grad) for i, x in enumerate(items))


def _outputs(out: Any, what: str) -> tuple[bool, tuple[Node, ...]]:
    is_tuple, items = _items(out)
    for j, o in enumerate(items):
        if not isinstance(o, Node):
            raise TypeError(f"{what}: the function returned a {type(o).__name__}"
                            f"{f' as output {j}' if is_tuple else ''}; expected a Tensor or a "
                            "Value (or a tuple of them)")
    return is_tuple, items


def _const(like: Node, data: Any) -> Node:
    """``data`` as a node of ``like``'s front end that records nothing."""
    if like._broadcasts:
        return Tensor._new(np.asarray(data))
    return Value._new(float(data))


def _zeros(like: Node) -> Any:
    return np.zeros_like(like._data) if like._broadcasts else 0.0


def _detached(outs: Sequence[Node]) -> list[Node]:
    return [_const(o, o._data) for o in outs]


def _vectors(v: Any, like: Sequence[Node], is_tuple: bool, what: str, name: str,
             of: str) -> list[Any]:
    """``v`` (one per node of ``like``) as raw data; None means ones, for one-element nodes."""
    if v is None:
        big = [i for i, n in enumerate(like) if np.size(n._data) != 1]
        if big:
            shape = np.shape(like[big[0]]._data)
            raise ValueError(f"{what}: {name} is needed, because {of} {big[0]} has shape {shape} "
                             f"(not a single element); give one of that shape")
        return [np.ones_like(n._data) if n._broadcasts else 1.0 for n in like]
    v_tuple, vs = _items(v)
    if v_tuple != is_tuple or len(vs) != len(like):
        raise ValueError(f"{what}: {name} must match the {of}s' structure: "
                         f"{len(like) if is_tuple else 'a single'} {of}"
                         f"{'s' if is_tuple else ''}, got "
                         f"{f'a tuple of {len(vs)}' if v_tuple else 'a single vector'}")
    out = []
    for i, (n, t) in enumerate(zip(like, vs)):
        try:
            out.append(as_tangent(n, t, f"{what}: {name} for {of} {i}"))
        except ForwardModeError as exc:
            raise ShapeError(str(exc)) from None
    return out


# ---------------------------------------------------------------- reverse mode

def _backward(outs: Sequence[Node], seeds: Sequence[Any], leaves: Sequence[Node],
              create_graph: bool = False, retain_graph: bool = False,
              observer: Any = None) -> list[Any]:
    """d <outs, seeds> / d leaf for each leaf: nodes (with create_graph) or raw data.

    Inside a forward-mode pass whose tangents reach the leaves, the VJPs run on
    graph nodes (as for create_graph), so that the results carry tangents:
    that is forward-over-reverse.
    """
    level = STATE.forward
    carry = level is not None and any(level.get(x) is not None for x in leaves)
    create_graph = create_graph or carry
    roots, starts = [], []
    for o, s in zip(outs, seeds):
        if o.requires_grad:
            roots.append(o)
            starts.append(_seed(o, s, create_graph))
    kept: dict[Node, Any] = {}
    if roots:
        kept = dict(run_backward(roots, starts, retain_graph or create_graph, create_graph,
                                 keep=set(leaves), observer=observer))
    results = []
    for x in leaves:
        g = kept.get(x)
        if g is None:
            g = _zeros(x)
        if create_graph and not isinstance(g, Node):
            g = _const(x, g)
        results.append(g)
    return results


def _wrap(leaves: Sequence[Node], grads: Sequence[Any]) -> list[Node]:
    return [g if isinstance(g, Node) else _const(x, g) for x, g in zip(leaves, grads)]


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None,
        create_graph: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``: one reverse pass, like ``torch.autograd.functional.vjp``.

    ``v`` has the outputs' structure and shapes; it may be omitted when every
    output has one element. The result has the inputs' structure.

    >>> from autograd import Value
    >>> vjp(lambda x, y: x * y, (Value(2.0), Value(5.0)))[1]
    (Value(data=5.0, grad=0.0), Value(data=2.0, grad=0.0))
    """
    is_tuple, xs = _leaves(inputs, "vjp")
    with enable_grad():
        out = func(*xs)
    out_tuple, outs = _outputs(out, "vjp")
    vs = _vectors(v, outs, out_tuple, "vjp", "v", "output")
    grads = _backward(outs, vs, xs, create_graph=create_graph)
    value = list(outs) if create_graph else _detached(outs)
    return _pack(value, out_tuple), _pack(_wrap(xs, grads), is_tuple)


def _argnums(argnums: Any, n: int, what: str) -> tuple[tuple[int, ...], bool]:
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not -n <= a < n:
            raise ValueError(f"{what}: argnums {argnums!r} does not name a positional argument "
                             f"of the {n} given")
    return tuple(a % n for a in nums), single


def _value_and_grad(func: Callable[..., Any], args: tuple[Any, ...], argnums: Any,
                    what: str) -> tuple[Any, Any]:
    nums, single = _argnums(argnums, len(args), what)
    call = list(args)
    leaves = []
    nested = False
    for i in nums:
        x = args[i]
        if isinstance(x, Node) and x.requires_grad and STATE.enabled:
            # Part of a graph already (an outer grad's input, a parameter): differentiate
            # through x itself and record the gradient's graph, so it can be differentiated.
            nested = True
        else:
            x = _leaf(x, what, i, requires_grad=True)
        call[i] = x
        leaves.append(x)
    with enable_grad():
        out = func(*call)
    if not isinstance(out, Node) or np.size(out._data) != 1:
        shape = np.shape(out._data) if isinstance(out, Node) else type(out).__name__
        raise ValueError(f"{what}: the function must return a scalar (a Value or a one-element "
                         f"Tensor) to have a gradient, got {shape}; reduce it (.sum(), .mean()) "
                         "or use jacobian or vjp for a vector output")
    grads = _wrap(leaves, _backward([out], [None], leaves, create_graph=nested))
    level = STATE.forward
    keep = nested or (level is not None and level.get(out) is not None)
    value = out if keep else _const(out, out._data)
    return value, grads[0] if single else tuple(grads)


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The function returning the gradient of scalar ``func`` with respect to argument(s)
    ``argnums``, like ``torch.func.grad``.

    An argument that already requires grad (a Value, by default; an outer
    ``grad``'s input) is differentiated through, recording the gradient's
    graph, so transforms compose: ``grad(grad(f))`` is the second derivative.

    >>> from autograd import Value
    >>> df = grad(lambda x: x ** 3)
    >>> df(Value(2.0)).data, grad(grad(lambda x: x ** 3))(Value(2.0)).data
    (12.0, 12.0)
    """
    def grad_f(*args: Any) -> Any:
        return _value_and_grad(func, args, argnums, "grad")[1]

    grad_f.__name__ = f"grad({getattr(func, '__name__', 'f')})"
    return grad_f


def value_and_grad(func: Callable[..., Any],
                   argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The function returning ``(func(*args), gradient)``, like ``torch.func.grad_and_value``
    with JAX's order.

    >>> from autograd import Tensor
    >>> value_and_grad(lambda x, y: (x * y).sum(), argnums=(0, 1))(Tensor([2.0]), Tensor([5.0]))
    (Tensor(10.), (Tensor([5.]), Tensor([2.])))
    """
    def value_and_grad_f(*args: Any) -> Any:
        return _value_and_grad(func, args, argnums, "value_and_grad")

    value_and_grad_f.__name__ = f"value_and_grad({getattr(func, '__name__', 'f')})"
    return value_and_grad_f


# ---------------------------------------------------------------- forward mode

def jvp(func: Callable[..., Any], inputs: Any, v: Any = None) -> tuple[Any, Any]:
    """``(func(inputs), J v)``: one forward pass that pushes tangents ``v`` through the rules.

    Like ``torch.autograd.functional.jvp``: ``v`` has the inputs' structure and
    shapes (omit it when every input has one element); the result has the
    outputs'. Runs without recording a graph for the inputs.

    >>> from autograd import Value
    >>> jvp(lambda x: x * x, Value(3.0), 1.0)
    (Value(data=9.0, grad=0.0), Value(data=6.0, grad=0.0))
    """
    is_tuple, xs = _leaves(inputs, "jvp", requires_grad=False)
    ts = _vectors(v, xs, is_tuple, "jvp", "v", "input")
    out, touts = _push(func, xs, ts)
    out_tuple, outs = out
    return _pack(_detached(outs), out_tuple), _pack(
        [_const(o, _zeros(o) if t is None else t) for o, t in zip(outs, touts)], out_tuple)


def _push(func: Callable[..., Any], xs: Sequence[Node], ts: Sequence[Any],
          level: ForwardLevel | None = None) -> tuple[tuple[bool, tuple[Node, ...]], list[Any]]:
    """Run ``func`` in a forward-mode level with tangents ``ts`` on ``xs``."""
    with (level or ForwardLevel()) as lv:
        for x, t in zip(xs, ts):
            lv.set(x, t)
        out = _outputs(func(*xs), "jvp")
        touts = [lv.get(o) for o in out[1]]
    return out, touts


def hvp(func: Callable[..., Any], inputs: Any, v: Any) -> tuple[Any, Any]:
    """``(func(inputs), H v)`` for scalar ``func``, by forward-over-reverse: ``jvp(grad(func))``.

    One forward pass and one backward pass, with tangents pushed through both:
    about the cost of three gradients, with no Hessian formed.

    >>> from autograd import Value
    >>> hvp(lambda x: x ** 3, Value(2.0), 1.0)[1]       # f'' = 6x
    Value(data=12.0, grad=0.0)
    """
    is_tuple, items = _items(inputs)
    value: list[Any] = []

    def gradient(*xs: Any) -> Any:
        val, g = _value_and_grad(func, xs, tuple(range(len(xs))), "hvp")
        value.append(val)
        return g

    _, hv = jvp(gradient, tuple(items), tuple(v) if is_tuple else (v,))
    out = value[0]
    return _const(out, out._data), _pack(list(hv), is_tuple)


# ---------------------------------------------------------------- Jacobians

class RuleCalls(NamedTuple):
    """What a full Jacobian cost: passes over the graph, and derivative-rule evaluations."""

    mode: str
    passes: int
    calls: int


def _jacobian(func: Callable[..., Any], inputs: Any, mode: str,
              tally: list[int] | None = None) -> Any:
    if mode not in ("rev", "fwd"):
        raise ValueError(f"jacobian: mode must be 'rev' (one backward pass per output element) "
                         f"or 'fwd' (one forward pass per input element), got {mode!r}")
    counts = tally if tally is not None else [0, 0]
    if mode == "rev":
        is_tuple, xs = _leaves(inputs, "jacobian")
        level = STATE.forward
        if level is not None and any(level.get(x) is not None for x in xs):
            raise ForwardModeError(
                "jacobian(mode='rev') inside a forward-mode pass would drop the tangents; "
                "use hessian or hvp (forward-over-reverse) instead")
        with enable_grad():
            out = func(*xs)
        out_tuple, outs = _outputs(out, "jacobian")
        blocks = [[np.zeros(np.shape(o._data) + np.shape(x._data), dtype=_dtype(o))
                   for x in xs] for o in outs]

        def observe(*_: Any) -> None:
            counts[1] += 1

        for j, o in enumerate(outs):
            if not o.requires_grad:
                continue
            for k in np.ndindex(np.shape(o._data)):   # one backward pass per output element
                seed = np.zeros_like(o._data) if o._broadcasts else 0.0
                if o._broadcasts:
                    seed[k] = 1
                else:
                    seed = 1.0
                rows = _backward([o], [seed], xs, retain_graph=True, observer=observe)
                counts[0] += 1
                for i, r in enumerate(rows):
                    blocks[j][i][k] = r
    else:
        is_tuple, xs = _leaves(inputs, "jacobian", requires_grad=False)
        blocks = None
        for i, x in enumerate(xs):
            for k in np.ndindex(np.shape(x._data)):   # one forward pass per input element
                ts = [_zeros(y) for y in xs]
                if x._broadcasts:
                    ts[i][k] = 1
                else:
                    ts[i] = 1.0
                level = ForwardLevel()
                (out_tuple, outs), touts = _push(func, xs, ts, level)
                counts[0] += 1
                counts[1] += level.calls
                if blocks is None:
                    blocks = [[np.zeros(np.shape(o._data) + np.shape(y._data), dtype=_dtype(o))
                               for y in xs] for o in outs]
                for j, t in enumerate(touts):
                    if t is not None:
                        blocks[j][i][(Ellipsis,) + k] = t
        if blocks is None:   # inputs with no elements: no pass, only the shapes
            out_tuple, outs = _outputs(func(*xs), "jacobian")
            blocks = [[np.zeros(np.shape(o._data) + np.shape(y._data), dtype=_dtype(o))
                       for y in xs] for o in outs]
    results = [[Value._new(float(b)) if not (o._broadcasts or x._broadcasts) else Tensor._new(b)
                for x, b in zip(xs, row)] for o, row in zip(outs, blocks)]
    return _pack([_pack(row, is_tuple) for row in results], out_tuple)


def _dtype(node: Node) -> Any:
    return node._data.dtype if node._broadcasts else np.float64


def jacobian(func: Callable[..., Any], inputs: Any, mode: str = "rev") -> Any:
    """The Jacobian of ``func`` at ``inputs``, like ``torch.autograd.functional.jacobian``.

    ``mode="rev"`` runs one backward pass per output element (rows of J),
    ``mode="fwd"`` one forward pass per input element (columns). For one input
    and one output the result has shape ``output.shape + input.shape``; with
    tuples it is a tuple over inputs, over outputs, or a tuple (outputs) of
    tuples (inputs).

    >>> from autograd import Tensor
    >>> x = Tensor([1.0, 2.0])
    >>> jacobian(lambda x: x * x, x, mode="fwd")
    Tensor([[2., 0.],
            [0., 4.]])
    """
    return _jacobian(func, inputs, mode)


def hessian(func: Callable[..., Any], inputs: Any) -> Any:
    """The Hessian of scalar ``func``: forward-mode Jacobian of its gradient (forward-over-reverse).

    Shaped like ``torch.autograd.functional.hessian``: ``input.shape * 2`` for
    one input, a tuple of tuples ``H[i][j] = d^2 f / dx_i dx_j`` for several.

    >>> from autograd import Tensor
    >>> hessian(lambda x: (x ** 3).sum(), Tensor([1.0, 2.0]))
    Tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    is_tuple, items = _items(inputs)

    def gradient(*xs: Any) -> Any:
        return _value_and_grad(func, xs, tuple(range(len(xs))), "hessian")[1]

    h = _jacobian(gradient, tuple(items), "fwd")
    return h if is_tuple else h[0][0]


def count_rule_calls(func: Callable[..., Any], inputs: Any, mode: str) -> RuleCalls:
    """How many derivative-rule evaluations (JVPs or VJPs) a full Jacobian takes in ``mode``.

    For f from R^n to R^m built of k operations, ``"fwd"`` makes n forward
    passes of about k JVPs each, ``"rev"`` m backward passes of about k VJPs.
    (Each forward pass also evaluates f; reverse mode evaluates it once.)

    >>> from autograd import Tensor
    >>> f = lambda x: (x * 2.0).exp()          # R^3 -> R^3: two operations
    >>> count_rule_calls(f, Tensor([0.0, 1.0, 2.0]), "fwd")
    RuleCalls(mode='fwd', passes=3, calls=6)
    """
    tally = [0, 0]
    _jacobian(func, inputs, mode, tally)
    return RuleCalls(mode, tally[0], tally[1])
