"""Drawings of the computation graph, rendered with Graphviz.

``draw_graph(root)`` returns a ``graphviz.Digraph``: one record per value (its
name, its data, its gradient) and one small oval per operation (the rule's
symbol), with one edge per use of a value in data-flow order, so ``a * a``
shows two edges into ``*``. Edges into a two-input operation are labelled
``x`` and ``y``, the names the rule's docstring uses for its derivatives.

Legend:

- parameter: a leaf that requires grad (an ``nn.Parameter``, or any leaf whose
  gradient is wanted): amber fill, bold brown border;
- input: a leaf that requires no grad and has a name or several elements
  (data, targets): blue fill;
- constant: an unnamed scalar leaf that requires no grad (a literal such as
  the ``1`` in ``z - 1``): dashed grey border, titled with its value;
- intermediate: the result of an operation: white; output (the root): green;
- operation: a small grey oval with the rule's symbol (and its parameters,
  such as the exponent of ``**``, while the graph holds them);
- highlighted: red border (``highlight=``); in a stepper's frames (see
  :mod:`autograd.frames`) orange marks the nodes a backward step sends
  gradient to, or a forward step takes tangents from;
- module (``collapse_modules=True``): a purple cluster with one record that
  lists the module's parameters and operations.

Tensors show their name, shape and dtype, and their values when they have at
most ``SMALL`` elements, else mean, min, max and norm. ``grad ?`` means not
computed yet: a Value graph counts as backpropagated once its root's ``grad``
is non-zero (``backward`` seeds it with 1), a Tensor graph once a node has a
``grad`` or backward released it; ``grad not kept`` marks a non-leaf Tensor
whose gradient backward dropped (see ``Tensor.retain_grad``). A value that
carries a forward-mode tangent (a dual number such as ``Value(3.0, tangent=1.0)``
and what is computed from it, see :mod:`autograd.forward`) shows it in a
``tangent`` row beside its data.

After ``backward()`` a Tensor graph keeps its structure but not the arrays only
it held (see :mod:`autograd.engine`): tensors still alive elsewhere (parameters,
tensors kept in variables) are drawn as before, with their gradients; freed ones
show their shape and dtype, their values when small, and ``data released``.

A graph of more than ``max_nodes`` values (None: no limit) raises
:class:`GraphTooLargeError`, which says how to draw less. ``render`` and
``save_svg`` write SVG, PNG or PDF with Debian's ``dot`` or, failing that,
the ``graphviz-pure`` wheel's program (SVG and PNG only); in
Jupyter a drawing displays inline through the same lookup (see
:mod:`autograd.rendering`).

>>> from autograd import Value, draw_graph
>>> a = Value(2.0, label="a"); b = a * a; b.label = "b"
>>> g = draw_graph(b)
>>> g.source.count("->"), "grad ?" in g.source
(3, True)
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .engine import toposort
from .node import RELEASED, SMALL, Node, ReleasedNode
from .rendering import Drawing, GraphvizNotFoundError, find_dot, pipe, render, save_svg
from .rendering import graphviz as _graphviz

DEFAULT_MAX_NODES = 500
# SMALL (from autograd.node): tensors with at most this many elements show every value.

_RECORD = {"shape": "record"}
STYLES: dict[str, dict[str, str]] = {
    "parameter": {**_RECORD, "style": "filled,bold", "fillcolor": "#fde68a", "color": "#92400e"},
    "input": {**_RECORD, "style": "filled", "fillcolor": "#dbeafe", "color": "#1e40af"},
    "constant": {**_RECORD, "style": "dashed", "color": "#6b7280", "fontcolor": "#374151"},
    "intermediate": {**_RECORD, "style": "filled", "fillcolor": "#ffffff"},
    "output": {**_RECORD, "style": "filled,bold", "fillcolor": "#bbf7d0", "color": "#166534"},
    "op": {"shape": "oval", "style": "filled", "fillcolor": "#e5e7eb", "color": "#9ca3af",
           "fontsize": "10", "margin": "0.05,0.02", "height": "0.3"},
    "module": {**_RECORD, "style": "filled", "fillcolor": "#ede9fe", "color": "#5b21b6"},
}
HIGHLIGHT = {"color": "#dc2626", "penwidth": "3"}
RECEIVING = {"color": "#ea580c", "penwidth": "2.5"}


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``."""


# ------------------------------------------------------------------ reading the graph

def walk(root: Node) -> list[Node]:
    """Every node ``root`` depends on, constants included, parents first (no recursion)."""
    return toposort([root], constants=True)


def live(node: Node) -> Node:
    """The node itself, or for a released record the node it describes while that lives."""
    if isinstance(node, ReleasedNode):
        found = node._ref()
        if found is not None:
            return found
    return node


def _size(node: Node) -> int:
    if isinstance(node, ReleasedNode):
        return int(np.prod(node.shape))
    return int(np.size(node._data))


def node_kind(node: Node, root: Node) -> str:
    """'output', 'intermediate', 'parameter', 'input' or 'constant' (see the legend)."""
    if node is root:
        return "output"
    if node._rule is not None:
        return "intermediate"
    if node.requires_grad:
        return "parameter"
    return "input" if node.name or _size(node) != 1 else "constant"


def node_names(order: list[Node], root: Node, root_name: str = "out") -> dict[int, str]:
    """A name per node: its own, else ``root_name`` for the root, ``n1``, ``n2``...
    for the rest, and the value itself for unnamed scalar constants."""
    names: dict[int, str] = {}
    k = 0
    for node in order:
        if node.name:
            names[id(node)] = node.name
        elif node is root:
            names[id(node)] = root_name
        elif node_kind(node, root) == "constant":
            names[id(node)] = num(live(node)._data)
        else:
            k += 1
            names[id(node)] = f"n{k}"
    return names


def module_of(node: Node) -> str | None:
    """The module a parameter belongs to, from its dotted name ('layers.0.weight' -> 'layers.0')."""
    if node._rule is None and node.requires_grad and "." in node.name:
        return node.name.rsplit(".", 1)[0]
    return None


def module_owners(order: list[Node]) -> dict[int, str]:
    """Which module each node belongs to (parameters and the operations inside modules).

    A module's region grows from its parameters along the operations that use
    them, and closes at the first operation that has combined all of the
    module's parameters with data from outside (a Linear layer's ``x @ W.T + b``).
    """
    owner: dict[int, str] = {}
    params: dict[str, set[int]] = {}
    for node in order:
        mod = module_of(node)
        if mod is not None:
            owner[id(node)] = mod
            params.setdefault(mod, set()).add(id(node))
    seen_of: dict[int, set[int]] = {}
    mixed_of: dict[int, bool] = {}
    closed: set[int] = set()
    for node in order:
        if node._rule is None:
            continue
        mod = next((owner[id(p)] for p in node._parents
                    if id(p) in owner and id(p) not in closed), None)
        if mod is None:
            continue
        seen: set[int] = set()
        mixed = False
        for p in node._parents:
            key = id(p)
            if owner.get(key) != mod or key in closed:
                mixed = True
            elif key in params[mod]:
                seen.add(key)
            else:
                seen |= seen_of[key]
                mixed = mixed or mixed_of[key]
        owner[id(node)] = mod
        seen_of[id(node)] = seen
        mixed_of[id(node)] = mixed
        if mixed and seen >= params[mod]:
            closed.add(id(node))
    return owner


# ------------------------------------------------------------------ formatting

def num(x: Any) -> str:
    """A number in at most 4 significant digits (``-0.4``, ``0.16``, ``1.235e+04``)."""
    s = f"{float(np.asarray(x).reshape(-1)[0]) if np.ndim(x) else float(x):.4g}"
    return "0" if s == "-0" else s


def array_lines(a: Any) -> list[str]:
    """Short text for an array: its values when small, else mean, min, max and norm."""
    a = np.asarray(a)
    if a.size <= SMALL:
        fmt = {"float_kind": num} if a.dtype.kind == "f" else None
        text = np.array2string(a, separator=", ", formatter=fmt, max_line_width=48)
        return text.splitlines()
    f = a.astype(np.float64)
    return [f"mean {num(f.mean())}  min {num(f.min())}",
            f"max {num(f.max())}  norm {num(np.linalg.norm(f))}"]


def value_text(x: Any) -> str:
    """A scalar or array on one line."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        return " ".join(s.strip() for s in array_lines(x))
    return num(x)


def _esc(s: str) -> str:
    for ch in "\\{}|<>":
        s = s.replace(ch, "\\" + ch)
    return s


def _record(fields: list[list[str]], vertical: bool = False) -> str:
    body = " | ".join("\\n".join(_esc(line) for line in f) for f in fields)
    # A record's fields run across the rank direction; braces turn them the other way.
    return body if vertical else "{" + body + "}"


def _module_fields(module: str, members: list[Node], grad_of: Any) -> list[list[str]]:
    """A collapsed module's record: its parameters, its operations and its output."""
    fields = [[module]]
    ops = [n for n in members if n._rule is not None]
    for p in members:
        if p._rule is None:
            line = f"{p.name[len(module) + 1:]} {_shape(p)}"
            gs = grad_of(p)
            if gs is not None:
                line += f"  {gs}" if isinstance(gs, str) else \
                    f"  |grad| {num(np.linalg.norm(gs[0]))}{'' if gs[1] else ' (so far)'}"
            fields.append([line])
    symbols = " ".join(dict.fromkeys(n._rule.symbol for n in ops))
    fields.append([f"{len(ops)} ops: {symbols}"])
    if ops:
        fields.append([f"out {_shape(ops[-1])}"])
    return fields


def _shape(node: Node) -> tuple[int, ...]:
    node = live(node)
    return node.shape if isinstance(node, ReleasedNode) else np.shape(node._data)


def _short(v: Any) -> str | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return num(v)
    if isinstance(v, tuple) and len(v) <= 4 and all(isinstance(i, int) for i in v):
        return str(v)
    return None


def op_label(node: Node) -> str:
    """The operation's symbol, with its simple parameters while the graph holds them."""
    return rule_label(node._rule, node._params)


def rule_label(rule: Any, params: Any) -> str:
    """A rule's symbol with its simple parameters (none once released)."""
    label = rule.symbol
    if isinstance(params, dict):
        extras = [f"{k}={s}" for k, v in params.items() if (s := _short(v)) is not None]
        if extras:
            label += "\\n" + " ".join(extras)
    return label


def _data_lines(node: Node, name: str, kind: str) -> list[list[str]]:
    data = live(node)._data
    if kind == "constant":  # named by its value, as the stepper's text names it
        return [[name], ["constant"]]
    if data is None:  # a released record of a large array
        return [[name, f"{node.shape} {node.dtype}"], ["data released"]]
    if isinstance(data, np.ndarray):
        rows = array_lines(data)
        return [[name, f"{data.shape} {data.dtype}"], ["data " + rows[0]] + rows[1:]]
    return [[name], [f"data {num(data)}"]]


def _tangent_lines(t: Any) -> list[str]:
    rows = array_lines(t) if isinstance(t, np.ndarray) and t.ndim > 0 else [num(t)]
    return ["tangent " + rows[0]] + rows[1:]


def _grad_lines(g: Any, partial: bool = False) -> list[str]:
    rows = array_lines(g) if isinstance(g, np.ndarray) and g.ndim > 0 else [num(g)]
    rows = ["grad " + rows[0]] + rows[1:]
    if partial:
        rows[-1] += " (so far)"
    return rows


def _edge_labels(n: int) -> list[str]:
    return ["x", "y"] if n == 2 else [str(j) for j in range(n)] if n > 2 else [""] * n


def _backpropagated(root: Node, order: list[Node]) -> bool:
    if isinstance(root._data, np.ndarray):
        return root._params is RELEASED or any(
            live(n).grad is not None for n in order if n.requires_grad)
    return bool(root.grad)


# ------------------------------------------------------------------ drawing

def draw_graph(root: Node, show_data: bool = True, show_grad: bool = True, rankdir: str = "LR",
               highlight: Node | Iterable[Node] | None = None,
               max_nodes: int | None = DEFAULT_MAX_NODES, collapse_modules: bool = False,
               show_tangent: bool = True) -> Drawing:
    """Draw the graph below ``root`` (a ``Value`` or ``Tensor``) as a ``graphviz.Digraph``.

    ``show_data`` / ``show_grad`` add each value's data / gradient row;
    ``show_tangent`` a tangent row to each value that carries a forward-mode
    tangent (a dual number, or a value computed from one);
    ``rankdir`` is Graphviz's ('LR' left to right, 'TB' top to bottom);
    ``highlight`` (a node or several) gets a red border. ``collapse_modules``
    draws each module (found from dotted parameter names such as
    ``layers.0.weight``) as one box in a cluster. More than ``max_nodes``
    values raise :class:`GraphTooLargeError` (None: no limit). ``.source`` is the DOT text;
    ``autograd.render`` writes SVG, PNG or PDF.

    >>> from autograd import Tensor
    >>> x = Tensor([[1., 2.]], name="x"); W = Tensor([[3.], [4.]], requires_grad=True, name="W")
    >>> "(1, 2) float32" in draw_graph(x @ W).source
    True
    >>> from autograd import Value
    >>> u = Value(3.0, label="u", tangent=1.0); v = u * u; v.label = "v"
    >>> "tangent 6" in draw_graph(v).source, "tangent" in draw_graph(v, show_tangent=False).source
    (True, False)
    """
    if _graphviz is None:  # pragma: no cover
        raise ImportError("drawing needs the graphviz package: pip install 'chainrule[viz]'")
    if not isinstance(root, Node):
        raise TypeError(f"draw_graph: expected a Value or Tensor, got {type(root).__name__}")
    if max_nodes is not None and (isinstance(max_nodes, bool)
                                  or not isinstance(max_nodes, (int, np.integer))):
        raise TypeError(f"draw_graph: max_nodes must be an int or None (no limit), got "
                        f"{type(max_nodes).__name__} {max_nodes!r}")
    order = walk(root)
    owner = module_owners(order) if collapse_modules else {}
    modules = list(dict.fromkeys(owner.values()))
    count = sum(1 for n in order if id(n) not in owner) + len(modules)
    if max_nodes is not None and count > max_nodes:
        raise GraphTooLargeError(
            f"draw_graph: the graph has {count} nodes, more than max_nodes={max_nodes}; "
            "a drawing that large is unreadable and slow to lay out. Draw a smaller part "
            "(one example instead of a batch, one layer, Tensors instead of many Values), "
            "pass collapse_modules=True when parameters have dotted module names, or raise "
            "max_nodes."
        )
    names = node_names(order, root)
    if highlight is None:
        highlight = ()
    elif isinstance(highlight, Node):
        highlight = (highlight,)
    # A node given to highlight may be the live tensor behind a released record.
    marked = {id(n) for n in highlight}
    marked |= {id(n) for n in order if id(live(n)) in marked}
    ran = _backpropagated(root, order)

    def grad_of(node: Node) -> tuple[Any, bool] | str | None:
        """(gradient, complete), or 'grad ?' / 'grad not kept', or None for no grad row."""
        if not show_grad or not node.requires_grad:
            return None
        if not ran:
            return "grad ?"
        found = live(node)
        if found.grad is not None:
            return (found.grad, True)
        if isinstance(found, ReleasedNode) and (found._rule is None or found.retains_grad):
            return "grad released"
        return "grad not kept"

    g = Drawing(name="chainrule", graph_attr={"rankdir": rankdir, "fontname": "Helvetica"},
                node_attr={"fontname": "Helvetica", "fontsize": "11"},
                edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"})
    index = {id(n): i for i, n in enumerate(order)}
    mod_id = {m: f"m{k}" for k, m in enumerate(modules)}

    def tail(node: Node) -> str:
        m = owner.get(id(node))
        return mod_id[m] if m is not None else f"v{index[id(node)]}"

    for m, k in mod_id.items():
        members = [n for n in order if owner.get(id(n)) == m]
        attrs = dict(STYLES["module"])
        if any(id(n) in marked for n in members):
            attrs.update(HIGHLIGHT)
        with g.subgraph(name=f"cluster_{k}") as c:
            c.attr(label=m, style="rounded,filled", fillcolor="#f5f3ff", color="#7c3aed",
                   fontname="Helvetica")
            fields = _module_fields(m, members, grad_of)
            c.node(k, _record(fields, vertical=rankdir in ("LR", "RL")), **attrs)

    module_edges: set[tuple[str, str]] = set()
    for i, node in enumerate(order):
        parents = node._parents
        labels = _edge_labels(len(parents))
        if id(node) in owner:
            for p in parents:
                key = (tail(p), mod_id[owner[id(node)]])
                if owner.get(id(p)) != owner[id(node)] and key not in module_edges:
                    module_edges.add(key)
                    g.edge(*key)
            continue
        kind = node_kind(node, root)
        fields = _data_lines(node, names[id(node)], kind)
        if not show_data:
            fields = fields[:1]
        t = node.tangent if show_tangent and kind != "constant" else None
        if t is not None:
            fields.append(_tangent_lines(t))
        gs = grad_of(node)
        if gs is not None:
            fields.append([gs] if isinstance(gs, str) else _grad_lines(gs[0], not gs[1]))
        attrs = dict(STYLES[kind])
        if id(node) in marked:
            attrs.update(HIGHLIGHT)
        g.node(f"v{i}", _record(fields), **attrs)
        if node._rule is None:
            continue
        op_attrs = dict(STYLES["op"], **(HIGHLIGHT if id(node) in marked else {}))
        g.node(f"o{i}", op_label(node), **op_attrs)
        for j, p in enumerate(parents):
            key = (tail(p), f"o{i}")
            if id(p) in owner:
                if key in module_edges:
                    continue
                module_edges.add(key)
            g.edge(*key, label=labels[j] or None)
        g.edge(f"o{i}", f"v{i}")
    return g


def draw_dot(root: Node, format: str = "svg", rankdir: str = "LR", **options: Any) -> Drawing:
    """micrograd's name and signature for :func:`draw_graph`: ``draw_dot(root, format='svg',
    rankdir='LR')``. ``format`` is what the drawing's own ``render()`` writes; ``options``
    go to ``draw_graph``.

    >>> from autograd import Value
    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b"); L = a * b
    >>> dot = draw_dot(L, format="png")
    >>> dot.format, dot.source == draw_graph(L).source
    ('png', True)
    """
    drawing = draw_graph(root, rankdir=rankdir, **options)
    drawing.format = format
    return drawing


def __getattr__(name: str) -> Any:
    # The stepper lives in autograd.stepper, which imports this module.
    if name == "BackpropStepper":
        from .stepper import BackpropStepper

        return BackpropStepper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DEFAULT_MAX_NODES", "STYLES", "Drawing", "GraphTooLargeError", "GraphvizNotFoundError",
           "draw_dot", "draw_graph", "find_dot", "module_owners", "node_kind", "pipe", "render",
           "save_svg", "walk"]
