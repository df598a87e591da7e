"""A stepper's pictures: the graph laid out once, every step drawn on that layout.

Each box is a table of fixed-size cells as large as its largest contents over
all steps, and each edge label has room for its longest text, so Graphviz's
``dot`` lays the graph out once. A frame is the same DOT with every node's
position, every edge's spline and every label's position pinned, rendered by
``neato -n2``: between frames only colours and numbers change, and each node
has the same coordinates in every frame.

One renderer serves both directions: :class:`FrameSet` lays out and draws,
and each stepper's subclass says what its frames write (the backward
stepper's gradients, ``grad ?`` before they are known; the forward stepper's
tangents, ``tangent ?`` before).

The layout runs left to right unless top to bottom needs less shrinking to
fit ``WIDTH`` pixels; the SVG is scaled to fit, never below ``MIN_SCALE``
(a larger picture scrolls). Values show their data and gradient (or tangent)
as numbers; Tensors as small heat-map tables (blue negative, red positive),
with the numbers up to ``SMALL`` elements and summary statistics beyond
``HEAT_MAX``. Each SVG element carries classes for pages and tests:
``cr-v3`` (value 3), ``cr-o3`` (its operation), ``cr-e3_0`` (its first
input's edge), ``cr-current`` (the step's node), ``cr-receiving`` (an input a
backward step sends gradient to), ``cr-feeding`` (an input a forward step
takes a tangent from), ``cr-active`` and ``cr-dead``.

>>> from autograd import BackpropStepper, Value
>>> a = Value(2.0, label="a"); b = a * a; b.label = "b"
>>> frames = BackpropStepper(b * 3.0)._frameset()
>>> first, last = frames.svg(0), frames.svg(1)
>>> first.startswith('<svg class="cr-frame"'), "grad ?" in first, "grad ?" in last
(True, True, False)
"""
from __future__ import annotations

import html
import json
import re
from typing import Any

import numpy as np

from .node import Node, Rule
from .rendering import Drawing, pipe
from .viz import DEFAULT_MAX_NODES, HIGHLIGHT, RECEIVING, SMALL, STYLES, GraphTooLargeError
from .viz import array_lines, num, rule_label

Op = tuple[Rule, tuple[Node, ...], dict[str, Any]]   # what made a value: rule, inputs, params

WIDTH = 900          # pixels: a notebook's output area is about 950 in a 1400 px window
MIN_SCALE = 0.65     # smaller text is hard to read; a larger picture scrolls instead
HEAT_MAX = 144       # elements drawn as coloured cells (12 x 12); more get statistics
MAX_COLUMNS = 16     # a wider heat map would not fit a box; vectors wrap at this width
FONT, FONT_SIZE, CHAR_W, LINE_H = "Courier", 10, 6.0, 13   # monospace: 0.6 em a character
CELL_CHARS, PAD = 6, 4
NUMBER_CELL, COLOUR_CELL = (CELL_CHARS * CHAR_W + 4, LINE_H), (8, 8)
DEAD = {"color": "#9ca3af", "style": "dashed", "fontcolor": "#6b7280", "penwidth": "1.5"}
DONE, UNKNOWN = "#374151", "#f3f4f6"
PX_PER_PT = 4 / 3    # Graphviz measures in points; browsers draw 1 pt as 4/3 px


def _cell(v: float) -> str:
    """A number in at most CELL_CHARS characters."""
    if not np.isfinite(v):
        return str(v)
    s = ""
    for digits in (3, 2, 1):
        s = f"{v:.{digits}g}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
        if len(s) <= CELL_CHARS:
            break
    return "0" if s == "-0" else s


def _heat(v: float, vmax: float) -> str:
    """White to blue (negative) or red (positive), at most 60% so the numbers stay legible."""
    if not np.isfinite(v):
        return "#d1d5db"
    t = 0.0 if vmax == 0 else max(-1.0, min(1.0, v / vmax))
    base = (37, 99, 235) if t < 0 else (220, 38, 38)
    a = 0.6 * abs(t)
    return "#" + "".join(f"{round(255 + (c - 255) * a):02x}" for c in base)


def _grid(shape: tuple[int, ...]) -> tuple[int, int]:
    """Rows and columns of an array's heat map: a vector wraps at MAX_COLUMNS, and the
    leading axes of a higher array stack as rows."""
    size = int(np.prod(shape))
    if len(shape) <= 1:
        cols = min(size, MAX_COLUMNS)
        return -(-size // cols), cols
    return size // shape[-1], shape[-1]


def array_body(a: Any, like: np.ndarray) -> tuple:
    """A heat map of ``a`` (or of unknowns shaped like ``like`` when ``a`` is None), or its
    statistics when it is too large or too wide to draw cell by cell."""
    rows, cols = _grid(like.shape) if like.size else (0, 0)
    if like.size > HEAT_MAX or like.size == 0 or cols > MAX_COLUMNS:
        return ("text", ["?"] if a is None else array_lines(a))
    numbers = like.size <= SMALL
    flat = None if a is None else np.asarray(a, dtype=np.float64).reshape(-1)
    vmax = 0.0
    if flat is not None and np.isfinite(flat).any():
        vmax = float(np.nanmax(np.abs(flat)))

    def cell(k: int) -> tuple[str, str]:
        if k >= like.size:
            return "", "#ffffff"       # the end of a wrapped vector
        if flat is None:
            return ("?" if numbers else ""), UNKNOWN
        return (_cell(flat[k]) if numbers else ""), _heat(flat[k], vmax)

    return ("heat", [[cell(r * cols + c) for c in range(cols)] for r in range(rows)])


def op_text(rule: Rule, params: dict[str, Any]) -> str:
    """The operation as the formula writes it: ``** 2`` rather than the rule's name."""
    if rule.name == "powc" and isinstance(params.get("p"), (int, float)):
        return f"** {num(params['p'])}"
    if rule.name == "rpowc" and isinstance(params.get("base"), (int, float)):
        return f"{num(params['base'])} **"
    return rule_label(rule, params)


class FrameSet:
    """The frames of one stepper on one layout (laid out on first use, then cached).

    This class lays out and draws; each stepper's subclass says what its
    frames write, through five methods: ``graph`` (the values to draw, parents
    first, and the operation that made each), ``kind`` (a value's style),
    ``known`` (what is known after step ``i``), ``annotation`` (the rows under
    a value's data) and ``edge_lines`` (an input edge's label and state), and
    ``focus`` (the step's node and the inputs it works with).
    """

    def __init__(self, stepper: Any, rankdir: str | None = None) -> None:
        self.stepper = stepper
        self.order, self.ops = self.graph()
        if len(self.order) > DEFAULT_MAX_NODES:
            raise GraphTooLargeError(
                f"{type(stepper).__name__}: the graph has {len(self.order)} values, more than "
                f"{DEFAULT_MAX_NODES}, too many to draw step by step. Step through a smaller "
                "graph (one example instead of a batch, Tensors instead of many Values).")
        self.index = {id(n): k for k, n in enumerate(self.order)}
        self.step_of = {id(s.node): s.index for s in stepper.steps}
        self.rankdir = rankdir
        self.scale = 1.0
        self.sizes: dict[str, list[tuple[Any, ...]]] = {}
        self.pos: dict[str, dict[str, str]] | None = None
        self._svgs: dict[int, str] = {}

    # -------------------------------------------------------------- what a frame shows
    def graph(self) -> tuple[list[Node], dict[int, Op]]:
        """The values to draw, parents first, and (rule, inputs, parameters) of each value
        an operation made, by ``id``."""
        raise NotImplementedError

    def kind(self, node: Node) -> str:
        """The value's style: a key of ``viz.STYLES``."""
        raise NotImplementedError

    def known(self, i: int) -> dict[int, Any]:
        """What is known after step ``i``, by ``id``: what ``annotation`` gets."""
        raise NotImplementedError

    def annotation(self, node: Node, state: Any) -> list[tuple]:
        """The blocks under a value's data at a frame (``state``: ``known(i)``'s entry)."""
        raise NotImplementedError

    def edge_lines(self, k: int, j: int, i: int) -> tuple[list[str], str]:
        """Input ``j`` of value ``k``'s operation at frame ``i``: its label and its state
        ('' before the operation's step, then 'active' at it, 'done' or 'dead' after)."""
        raise NotImplementedError

    def focus(self, i: int) -> tuple[int | None, set[int], str]:
        """Step ``i``'s node, the inputs it works with (drawn in orange) and their class."""
        raise NotImplementedError

    def _node_blocks(self, node: Node, state: Any) -> list[tuple]:
        name, kind, data = self.stepper.names[id(node)], self.kind(node), node._data
        if kind == "constant":
            return [("text", [name], True), ("text", ["constant"])]
        if isinstance(data, np.ndarray) and data.size != 1:
            blocks = [("text", [f"{name} {data.shape} {data.dtype}"], True),
                      ("text", ["data"]), array_body(data, data)]
        elif isinstance(data, np.ndarray) and data.ndim:
            blocks = [("text", [f"{name} {data.shape}"], True), ("text", [f"data {num(data)}"])]
        else:
            blocks = [("text", [name], True), ("text", [f"data {num(data)}"])]
        return blocks + self.annotation(node, state)

    def contents(self, i: int) -> dict[str, Any]:
        """Frame ``i``: blocks per value node, (lines, state) per input edge, by DOT name."""
        known = self.known(i) if self.stepper.steps else {}
        out: dict[str, Any] = {}
        for k, node in enumerate(self.order):
            out[f"v{k}"] = self._node_blocks(node, known.get(id(node)))
            op = self.ops.get(id(node))
            for j in range(len(op[1]) if op else 0):
                out[f"e{k}_{j}"] = self.edge_lines(k, j, i)
        return out

    # -------------------------------------------------------------- sizes and labels
    def _measure(self) -> None:
        """Each block's largest size over all frames: ('text', lines, characters) or
        ('heat', rows, columns, with numbers)."""
        sizes: dict[str, list[tuple[Any, ...]]] = {}
        for i in range(max(len(self.stepper.steps), 1)):
            for key, content in self.contents(i).items():
                blocks = [("text", content[0])] if key.startswith("e") else content
                have = sizes.setdefault(key, [])
                for b, block in enumerate(blocks):
                    if block[0] == "text":
                        size: tuple[Any, ...] = ("text", len(block[1]),
                                                 max((len(t) for t in block[1]), default=0))
                        if b < len(have):
                            size = ("text", max(have[b][1], size[1]), max(have[b][2], size[2]))
                    else:
                        cells = block[1]
                        size = ("heat", len(cells), len(cells[0]),
                                any(t for row in cells for t, _ in row))
                    if b < len(have):
                        have[b] = size
                    else:
                        have.append(size)
        self.sizes = sizes

    @staticmethod
    def _block_width(size: tuple[Any, ...]) -> float:
        if size[0] == "text":
            return size[2] * CHAR_W + 2 * PAD
        return size[2] * (NUMBER_CELL if size[3] else COLOUR_CELL)[0] + 2 * PAD

    def _node_label(self, blocks: list[tuple], sizes: list[tuple[Any, ...]]) -> str:
        width = int(np.ceil(max(self._block_width(s) for s in sizes)))
        rows = []
        for block, size in zip(blocks, sizes):
            if size[0] == "text":
                lines = list(block[1]) + [""] * (size[1] - len(block[1]))
                for t in lines:
                    t = html.escape(t) or " "
                    rows.append(f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{LINE_H}">'
                                + (f"<B>{t}</B>" if len(block) > 2 and block[2] else t)
                                + "</TD></TR>")
                continue
            cw, ch = NUMBER_CELL if size[3] else COLOUR_CELL
            inner = "".join("<TR>" + "".join(
                f'<TD FIXEDSIZE="TRUE" WIDTH="{int(cw)}" HEIGHT="{ch}" BGCOLOR="{fill}">'
                f'<FONT POINT-SIZE="9">{html.escape(t) or " "}</FONT></TD>' for t, fill in row)
                + "</TR>" for row in block[1])
            rows.append(f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{size[1] * ch + 4}">'
                        f'<TABLE FIXEDSIZE="TRUE" WIDTH="{size[2] * int(cw)}" '
                        f'HEIGHT="{size[1] * ch}" BORDER="0" CELLBORDER="1" CELLSPACING="0" '
                        f'CELLPADDING="0" COLOR="#d1d5db">{inner}</TABLE></TD></TR>')
        return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
                + "".join(rows) + "</TABLE>>")

    @staticmethod
    def _edge_label(lines: list[str], size: tuple[Any, ...], color: str) -> str | None:
        if size[1] == 0:
            return None
        width = int(np.ceil(size[2] * CHAR_W + 2 * PAD))
        rows = "".join(f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{LINE_H}">'
                       f'<FONT COLOR="{color}">{html.escape(t) or " "}</FONT></TD></TR>'
                       for t in lines + [""] * (size[1] - len(lines)))
        return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{rows}</TABLE>>'

    # -------------------------------------------------------------- DOT, layout, frames
    def _drawing(self, i: int, rankdir: str, pinned: bool) -> Drawing:
        content = self.contents(i)
        current, neighbours, role_class = self.focus(i) if self.stepper.steps else \
            (None, set(), "")
        pos = self.pos if pinned else None
        g = Drawing(name="chainrule_step", graph_attr={
            "rankdir": rankdir, "nodesep": "0.2", "ranksep": "0.3", "fontname": FONT,
            **({"notranslate": "true", "splines": "true"} if pinned else {})},
            node_attr={"fontname": FONT, "fontsize": str(FONT_SIZE)},
            edge_attr={"fontname": FONT, "fontsize": str(FONT_SIZE), "arrowsize": "0.7"})
        if pinned:
            g.program_args = ("-Kneato", "-n2")

        def at(name: str) -> dict[str, str]:
            return {k: v for k, v in (pos or {}).get(name, {}).items()}

        for k, node in enumerate(self.order):
            attrs = {kk: vv for kk, vv in STYLES[self.kind(node)].items() if kk != "shape"}
            role = ""
            if id(node) == current:
                attrs.update(HIGHLIGHT)
                role = " cr-current"
            elif id(node) in neighbours:
                attrs.update(RECEIVING)
                role = f" {role_class}"
            g.node(f"v{k}", self._node_label(content[f"v{k}"], self.sizes[f"v{k}"]),
                   shape="box", margin="0", width="0", height="0", **attrs,
                   **{"class": f"cr-v{k}{role}"}, **at(f"v{k}"))
            made = self.ops.get(id(node))
            if made is None:
                continue
            rule, parents, params = made
            op = dict(STYLES["op"], **(HIGHLIGHT if id(node) == current else {}))
            g.node(f"o{k}", op_text(rule, params), fontname="Helvetica", **op,
                   **{"class": f"cr-o{k}" + (" cr-current" if id(node) == current else "")},
                   **at(f"o{k}"))
            for j, p in enumerate(parents):
                key = f"e{k}_{j}"
                lines, state = content[key]
                style: dict[str, str] = {}
                color = DONE
                if state == "active":
                    style = {"color": HIGHLIGHT["color"], "penwidth": "2"}
                    color = HIGHLIGHT["color"]
                elif state == "dead":
                    style = dict(DEAD)
                    color = DEAD["fontcolor"]
                label = self._edge_label(lines, self.sizes[key][0], color)
                g.edge(f"v{self.index[id(p)]}", f"o{k}", **({"label": label} if label else {}),
                       **style, id=key, **{"class": f"cr-{key}" + (f" cr-{state}" if state
                                                                   else "")}, **at(key))
            g.edge(f"o{k}", f"v{k}", id=f"r{k}", **at(f"r{k}"),
                   **({"color": HIGHLIGHT["color"], "penwidth": "2", "class": f"cr-r{k} cr-active"}
                      if id(node) == current else {"class": f"cr-r{k}"}))
        return g

    def layout(self) -> None:
        """Measure every frame, lay the graph out once, choose the direction and scale."""
        if self.pos is not None:
            return
        self._measure()
        last = max(len(self.stepper.steps) - 1, 0)
        best: tuple[float, str, dict[str, dict[str, str]]] | None = None
        for rankdir in [self.rankdir] if self.rankdir else ["LR", "TB"]:
            laid = json.loads(pipe(self._drawing(last, rankdir, pinned=False).source, "json"))
            width = float(laid["bb"].split(",")[2]) * PX_PER_PT
            fit = min(1.0, WIDTH / width) if width else 1.0
            if best is None or fit > best[0] + 0.05:
                best = (fit, rankdir, _positions(laid))
            if fit >= 1.0:
                break
        assert best is not None
        self.scale = max(best[0], MIN_SCALE)
        self.rankdir = best[1]
        self.pos = best[2]

    def drawing(self, i: int) -> Drawing:
        """Frame ``i`` as DOT with every position pinned (rendered by ``neato -n2``)."""
        self.layout()
        return self._drawing(i, self.rankdir or "LR", pinned=True)

    def svg(self, i: int) -> str:
        """Frame ``i`` as an SVG element for a page: no ids, sized to fit (cached)."""
        if i not in self._svgs:
            self._svgs[i] = _fit_svg(self.drawing(i).svg(), self.scale)
        return self._svgs[i]


def _positions(laid: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Node positions and edge splines / label positions from ``dot -Tjson``, by DOT name."""
    pos: dict[str, dict[str, str]] = {}
    for obj in laid.get("objects", []):
        if "pos" in obj:
            pos[obj["name"]] = {"pos": obj["pos"]}
    for edge in laid.get("edges", []):
        pos[edge["id"]] = {k: edge[k] for k in ("pos", "lp") if k in edge}
    return pos


def _fit_svg(svg: str, scale: float) -> str:
    """Graphviz's SVG as an inline element: no XML prologue, comments, ids (a page holds
    many frames) or titles (DOT names, meaningless as tooltips), sized in pixels at
    ``scale``."""
    svg = svg[svg.find("<svg"):]
    svg = re.sub(r"<!--.*?-->\n?|<title>[^<]*</title>\n?", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\s(?:id|xmlns:xlink)="[^"]*"', "", svg)
    box = re.search(r'viewBox="([\d.\s-]+)"', svg)
    if box:
        w, h = (float(v) for v in box.group(1).split()[2:4])
        size = f'width="{w * PX_PER_PT * scale:.0f}px" height="{h * PX_PER_PT * scale:.0f}px"'
        svg = re.sub(r'width="[^"]*"\s+height="[^"]*"', size, svg, count=1)
    return svg.replace("<svg ", '<svg class="cr-frame" ', 1)
