"""The graph core shared by ``Value`` and ``Tensor``.

A node holds its data, its gradient, and, when an operation made it, the rule
of that operation, its parents (in order, so ``a * a`` has two edges) and the
operation's parameters (an axis, an exponent, ...). Nodes hold no closures
and refer only to their parents, never to their consumers, so a graph has no
reference cycles: dropping the result frees it at once.

Parents are stored in the slots ``_x`` and ``_y``, rather than one tuple:
one object per node instead of two halves both the allocation work and what
Python's cyclic collector has to scan. What few nodes need (all the parents
when there are more than two, the operation's parameters, a Value's label)
lives in one :class:`Extra` record in the slot ``_extra``, None for most nodes,
so a scalar node is eight slots. ``parents`` gives the parents as an ordered
tuple.

:func:`apply` is the only place a graph edge is made.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable

import numpy as np

from .grad_mode import FLAGS, STATE


class Rule:
    """A primitive operation: its forward, its vector-Jacobian product and its
    Jacobian-vector product.

    ``forward(*data, **params)`` computes the result on raw data (floats or
    arrays). ``vjp(g, ans, *inputs, **params)`` returns one gradient per input
    (``None`` for an input with no gradient) given ``g``, the gradient of the
    result. It is written in operators that raw data and graph nodes share, so
    it runs on raw data for speed and on nodes for higher-order derivatives.
    ``uses_inputs`` / ``uses_ans`` say what the VJP reads, which is what an
    in-place change could corrupt. A rule declared with ``needs=True`` gets a
    keyword ``needs`` (one bool per input) and may return None for inputs that
    need no gradient, skipping work such as a matmul's unused half. A ``view``
    rule's result may share its first input's memory (reshape, transpose,
    basic indexing...): when it does, the two count in-place changes together.

    ``formula`` and ``local`` say how the stepper writes the rule with the
    user's names (see :mod:`autograd.explain`): ``formula`` the result, e.g.
    ``"{x} · {w}ᵀ + {b}"``; ``local`` one template per input, either the local
    derivative d result/d input (``"{y}"`` for the x of ``x * y``) or, when it
    mentions ``{g}``, the gradient the input receives (``"{g} · {y}ᵀ"`` for
    the x of ``x @ y``), or a pair of that and the text of its shapes, for
    factors made from the inputs (a convolution's im2col form). A rule
    without them is explained from its VJP's numbers and its docstring.

    ``jvp(ts, ans, *inputs, **params)`` is forward mode's rule: given ``ts``,
    one tangent per input (``backend.ZERO`` for an input that carries none),
    it returns the tangent of the result, J t. It runs on raw data.

    ``native`` names a builtin that is the forward's one operator, e.g.
    ``operator.mul`` for a forward that returns ``x * y``: ``Value``'s operators
    call it on the floats directly, one Python call fewer per node. The forward
    stays the rule's definition (its names, docstring and source are what the
    stepper and the documentation read); the rule-table tests check the two agree.
    """

    __slots__ = ("name", "symbol", "forward", "vjp", "jvp", "uses_inputs", "uses_ans", "needs",
                 "view", "doc", "formula", "local", "native")

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        symbol: str | None = None,
        uses_inputs: bool = True,
        uses_ans: bool = False,
        needs: bool = False,
        view: bool = False,
        formula: Any = None,
        local: Any = None,
        native: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self.symbol = symbol or name
        self.forward = forward
        self.vjp: Callable[..., Any] | None = None
        self.jvp: Callable[..., Any] | None = None
        self.uses_inputs = uses_inputs
        self.uses_ans = uses_ans
        self.needs = needs
        self.view = view
        self.doc = (forward.__doc__ or "").strip()
        self.formula = formula
        self.local = local
        self.native = native

    def defvjp(self, vjp: Callable[..., Any]) -> Callable[..., Any]:
        """Attach the vector-Jacobian product (used as a decorator)."""
        self.vjp = vjp
        return vjp

    def defjvp(self, jvp: Callable[..., Any]) -> Callable[..., Any]:
        """Attach the Jacobian-vector product (used as a decorator)."""
        self.jvp = jvp
        return jvp

    def __call__(self, *args: Any, **params: Any) -> Any:
        return self.forward(*args, **params)

    def __repr__(self) -> str:
        return f"<rule {self.name}>"


class _Released:
    """Marker for a node whose saved state was freed by ``backward``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "RELEASED"


RELEASED = _Released()


class Extra:
    """What a node rarely needs, kept out of its slots: ``parents``, all its
    parents when it has more than two (the tuple its operation was applied to,
    so none is copied; empty otherwise, ``_x`` and ``_y`` having them);
    ``params``, its operation's parameters (or ``RELEASED``); ``name``, a
    Value's label (Tensors have a slot for theirs)."""

    __slots__ = ("parents", "params", "name")

    def __init__(self, parents: tuple[Any, ...] = (), params: Any = None,
                 name: str = "") -> None:
        self.parents = parents
        self.params = params
        self.name = name

    def __repr__(self) -> str:
        return f"Extra(parents={self.parents!r}, params={self.params!r}, name={self.name!r})"


# The ``_extra`` of a released node that had none: no rest, no parameters, no name.
RELEASED_EXTRA = Extra((), RELEASED)


def released(extra: Extra | None) -> Extra:
    """The ``_extra`` of a node after ``backward`` freed what its rule saved.

    A node's record is its own (never shared but for ``RELEASED_EXTRA``), so it
    is changed in place.
    """
    if extra is None:
        return RELEASED_EXTRA
    extra.params = RELEASED
    return extra


class Node:
    """Base of every graph-recording value (``Value``, ``Tensor``).

    Front ends set two class attributes: ``_broadcasts`` (gradients may need
    summing back to the input's shape) and ``_tracks_versions`` (data can be
    changed in place, so what a rule saved is checked before it is used).
    """

    # Each front end adds ``name`` (a slot, or a property over ``_extra``) and ``__weakref__``.
    __slots__ = ("_data", "grad", "requires_grad", "_rule", "_x", "_y", "_extra")

    _broadcasts = False
    _tracks_versions = False
    # Data are Python floats: backward may take the pass specialised for them.
    _floats = False
    # Whether backward writes .grad on this node when it is not a leaf.
    retains_grad: bool = True

    # Comparisons on nodes return data, so hashing stays by identity.
    __hash__ = object.__hash__

    @property
    def op(self) -> str:
        """Name of the operation that made this node ('' for a leaf)."""
        rule = self._rule
        return rule.symbol if rule is not None else ""

    @property
    def is_leaf(self) -> bool:
        """True for nodes no recorded operation made (inputs and parameters)."""
        return self._rule is None

    @property
    def parents(self) -> tuple["Node", ...]:
        """The inputs of the operation that made this node, in order."""
        x = self._x
        if x is None:
            return ()
        y = self._y
        if y is None:
            return (x,)
        e = self._extra
        return (x, y) if e is None or not e.parents else e.parents

    _parents = parents

    @property
    def _params(self) -> Any:
        """The operation's parameters as recorded: None, a dict, or ``RELEASED``."""
        e = self._extra
        return None if e is None else e.params

    @property
    def rule(self) -> Rule | None:
        """The rule of the operation that made this node, or None for a leaf."""
        return self._rule

    @property
    def params(self) -> dict[str, Any]:
        """Parameters of the operation that made this node (axis, exponent...)."""
        p = self._params
        return {} if p is None or p is RELEASED else dict(p)

    @property
    def tangent(self) -> Any:
        """Forward mode's derivative carried with this node (raw data), or None.

        It is d self / d s along the direction the inputs' tangents give, in
        the innermost forward-mode level (see :mod:`autograd.forward`).
        """
        level = STATE.forward
        return None if level is None else level.get(self)

    @tangent.setter
    def tangent(self, t: Any) -> None:
        from .forward import set_tangent

        set_tangent(self, t)

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Fill ``.grad`` of every leaf this node depends on (see engine.backward)."""
        from .engine import backward

        backward(self, grad, retain_graph=retain_graph)

    # Hooks the front ends override.
    @classmethod
    def _new(cls, data: Any) -> "Node":
        """A fresh leaf holding ``data`` (already in the front end's format)."""
        raise NotImplementedError

    @classmethod
    def _constant(cls, value: Any, like: "Node | None" = None) -> "Node":
        """Wrap a number or array as a node that requires no grad."""
        raise NotImplementedError

    @classmethod
    def _op_error(cls, rule: Rule, args: tuple["Node", ...], exc: Exception) -> Exception:
        """The error to raise when ``rule``'s forward rejects ``args``."""
        return exc

    def _accumulate_grad(self, g: Any, fresh: bool) -> None:
        """Add ``g`` (raw data) to ``.grad``; ``fresh`` says ``g`` is owned."""
        raise NotImplementedError

    def _save_versions(self, args: tuple["Node", ...]) -> None:
        """Remember the versions of what the rule will read (Tensor only)."""

    def _check_versions(self) -> None:
        """Raise if something the rule reads was changed in place (Tensor only)."""

    def _share_memory(self, src: "Node") -> None:
        """Share ``src``'s version counter when this view op's result views its memory."""


# Arrays of at most this many elements are small enough for a drawing to show whole.
SMALL = 12


class ReleasedNode(Node):
    """What a released Tensor graph keeps of a node, for drawings: no large arrays.

    ``backward`` (without ``retain_graph``) replaces the parents of every node it
    releases with these records: the op, the name, the shape and dtype, the data
    itself when it has at most ``SMALL`` elements, and a weak reference to the
    node, through which a node that something else holds (a tensor kept in a
    variable) is still found; nodes only the graph held are freed. Leaves that
    require grad (parameters) are kept as they are, with their gradients, and so
    are nodes whose data is small and not a view (see :func:`release_arrays`).
    """

    __slots__ = ("_ref", "shape", "dtype", "retains_grad", "name")

    # What every record shares: it holds no gradient (its node, while it lives, may).
    grad = None
    requires_grad = True
    _params = RELEASED

    def _describe(self, node: Node) -> None:
        """What every record keeps of ``node``: a weak reference, shape, dtype, name, and
        its data when that is small (copied when it is a view, which would keep a larger
        array alive)."""
        data = node._data
        self._ref = weakref.ref(node)
        self.shape = data.shape
        self.dtype = data.dtype
        self._data = None if data.size > SMALL else data if data.base is None else np.array(data)
        self.name = node.name

    def __init__(self, node: Node) -> None:
        self._describe(node)
        self.retains_grad = node.retains_grad
        self._rule = node._rule
        self._x, self._y = node._x, node._y
        e = node._extra
        self._extra = None if e is None or not e.parents else Extra(e.parents, RELEASED)

    @property
    def node(self) -> Node | None:
        """The node this record describes, while something else keeps it alive."""
        return self._ref()

    @property
    def data(self) -> Any:
        """The node's data while it lives, else its small data; large data was freed."""
        node = self._ref()
        if node is not None:
            return node.data
        if self._data is None:
            raise RuntimeError(
                f"the data of this {self.shape} {self.dtype} node was freed when backward "
                "released the graph; keep a reference to the tensor (or pass "
                "retain_graph=True) to read it afterwards"
            )
        return self._data

    def __repr__(self) -> str:
        what = f"'{self.name}' " if self.name else ""
        return f"<released {what}{self.op or 'leaf'} {self.shape} {self.dtype}>"


class ReleasedInput(ReleasedNode):
    """A :class:`ReleasedNode` for a leaf that requires no grad (data, a constant)."""

    __slots__ = ()

    requires_grad = False
    retains_grad = False  # type: ignore[assignment]
    _params = None
    _rule = None  # type: ignore[assignment]
    _x = _y = None  # type: ignore[assignment]
    _extra = None  # type: ignore[assignment]

    def __init__(self, node: Node) -> None:
        self._describe(node)


def release_arrays(order: list[Node], hooked: bool = True) -> None:
    """Replace the parents of the released nodes in ``order`` (parents first) by records.

    Each parent gets one :class:`ReleasedNode` per pass; a parent released in
    this pass has had its own parents replaced already, so its record describes
    the structure below it with records too. Leaves that require grad stay: they
    are what backward wrote gradients to. So does a parent whose data is small
    (at most ``SMALL`` elements) and not a view, and that holds no hooks (which a
    record drops; ``hooked`` says whether any tensor may hold some): its record
    would keep that data as it is, and the node itself holds nothing more that
    counts, its own parents being replaced in turn and what it saved released.
    """
    records: dict[Node, Node] = {}
    get = records.get
    for node in order:
        if node._rule is None:
            continue
        x = node._x
        r = get(x)
        if r is None:
            r = records[x] = _record(x, hooked)
        node._x = r
        y = node._y
        if y is None:
            continue
        r = get(y)
        if r is None:
            r = records[y] = _record(y, hooked)
        node._y = r
        e = node._extra
        if e is not None and e.parents:
            new = []
            for p in e.parents:
                r = get(p)
                if r is None:
                    r = records[p] = _record(p, hooked)
                new.append(r)
            node._extra = Extra(tuple(new), e.params, e.name)


def _record(p: Node, hooked: bool = True) -> Node:
    """What a released graph keeps of the parent ``p`` (see :func:`release_arrays`)."""
    if isinstance(p, ReleasedNode):
        return p
    if not (hooked and getattr(p, "_hooks", None)):
        data = p._data
        if data.size <= SMALL and data.base is None:
            return p
    if p._rule is not None:
        return ReleasedNode(p)
    return p if p.requires_grad else ReleasedInput(p)


# The flag's slot itself: a front end may wrap it in a property (Tensor does, to refuse
# turning it off on a result), which a node being recorded need not go through.
_SET_REQUIRES_GRAD = Node.requires_grad.__set__  # type: ignore[attr-defined]


def apply(rule: Rule, args: tuple[Node, ...], params: dict[str, Any] | None = None) -> Any:
    """Run ``rule`` forward on the data of ``args`` (nodes of one front end).

    The result is a node of the same front end. It records the rule and its
    parents when grad mode is on and an input requires grad. Inside a
    forward-mode level, the rule's JVP gives it a tangent when an input has one.
    """
    fwd = rule.forward
    n = len(args)
    cls = type(args[0])
    try:
        if params is None:
            if n == 1:
                data = fwd(args[0]._data)
            elif n == 2:
                data = fwd(args[0]._data, args[1]._data)
            else:
                data = fwd(*[a._data for a in args])  # (a list: faster than map's getattr)
        else:
            data = fwd(*[a._data for a in args], **params)
    except (ValueError, IndexError) as exc:
        raise cls._op_error(rule, args, exc) from None
    out = cls._new(data)
    if rule.view and cls._tracks_versions:
        out._share_memory(args[0])
    # Every thread in the default mode (FLAGS.special == 0): grad mode on, no hooks.
    special = FLAGS.special
    if (not special or STATE.enabled) and (
            args[0].requires_grad or (n > 1 and any(a.requires_grad for a in args))):
        out._rule = rule
        _SET_REQUIRES_GRAD(out, True)
        out._x = args[0]
        if n > 1:
            out._y = args[1]
        if n > 2:
            out._extra = Extra(args, params)
        elif params is not None:
            out._extra = Extra((), params)
        if cls._tracks_versions and (rule.uses_inputs or rule.uses_ans):
            out._save_versions(args)
    if special and STATE.hooks:
        if STATE.anomaly:
            from .anomaly import check_forward

            check_forward(out, rule, args, params)
        level = STATE.forward
        if level is not None:
            level.push(out, rule, args, params)
    return out
