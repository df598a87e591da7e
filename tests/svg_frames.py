"""Reading a stepper's SVG frames and HTML as a browser gets them, for the page tests of
both steppers: the frames' nodes and edges by their stable ``cr-`` classes, where each
is drawn, and what it says.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def svgs_of(html: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)]


def classes(el: ET.Element) -> set[str]:
    return set((el.get("class") or "").split())


def groups(svg: ET.Element, kind: str) -> dict[str, ET.Element]:
    """The frame's nodes or edges ('node' / 'edge'), by their stable cr- class."""
    out = {}
    for g in svg.iter(SVG + "g"):
        cls = classes(g)
        if kind in cls:
            key = next(c for c in cls if re.fullmatch(r"cr-[vore][\d_]+", c))
            out[key] = g
    return out


def geometry(g: ET.Element) -> list[tuple[str, tuple[str, ...]]]:
    """Where a node is drawn: its shapes' coordinates, and its texts' positions."""
    shapes = [(el.tag, tuple(el.get(a) for a in ("points", "cx", "cy", "rx", "ry", "x", "y")))
              for el in g if el.tag in (SVG + "polygon", SVG + "ellipse")]
    texts = [(el.tag, (el.get("y"),)) for el in g.iter(SVG + "text")]
    return shapes + texts


def texts(g: ET.Element) -> list[str]:
    return [t.text or "" for t in g.iter(SVG + "text")]


def all_frames(stepper) -> list[ET.Element]:
    return [ET.fromstring(stepper.svg(i)) for i in range(len(stepper))]


def assert_one_layout(stepper) -> None:
    """Every frame has the same size, the same nodes and edges, and draws each node and
    each edge at the same place: between frames only colours and words change."""
    pictures = all_frames(stepper)
    first = pictures[0]
    for svg in pictures[1:]:
        assert (svg.get("width"), svg.get("height"), svg.get("viewBox")) == \
            (first.get("width"), first.get("height"), first.get("viewBox"))
        for kind in ("node", "edge"):
            assert groups(svg, kind).keys() == groups(first, kind).keys()
        for key, g in groups(svg, "node").items():
            assert geometry(g) == geometry(groups(first, "node")[key]), key
        for key, g in groups(svg, "edge").items():
            path = g.find(SVG + "path").get("d")
            assert path == groups(first, "edge")[key].find(SVG + "path").get("d"), key
