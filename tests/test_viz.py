"""Graph drawings: content, counts, styles, size limits, module clusters, rendering."""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from autograd import Tensor, Value, draw_dot, draw_graph, render, rendering, save_svg, viz
from autograd.viz import STYLES, GraphTooLargeError, GraphvizNotFoundError, module_owners, walk
from worked_example import worked_example

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(graph) -> ET.Element:
    return ET.fromstring(graph.svg())


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(SVG + "text")]


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(SVG + "g") if g.get("class") == cls]


def test_svg_parses_and_shows_every_label_op_and_value():
    L, _, _ = worked_example()
    L.backward(retain_graph=True)
    words = texts(svg_of(draw_graph(L)))
    for label in ["w", "x", "b", "z1", "z2", "z3", "L"]:
        assert label in words
    for op in ["*", "+", "relu", "-", "**"]:
        assert op in words
    for shown in ["data 1", "data 0.5", "data 0.1", "data 0.6", "data -0.4", "data 0.16",
                  "grad -0.4", "grad -0.8", "grad 1"]:
        assert shown in words, shown


def test_node_and_edge_counts_match_the_graph():
    a = Value(3.0, label="a")
    b = a * a          # one op, two edges from a
    c = (b + a).tanh()
    order = walk(c)
    values = len(order)
    ops = sum(1 for n in order if n._rule is not None)
    edges = sum(len(n._parents) for n in order) + ops
    root = svg_of(draw_graph(c))
    assert len(groups(root, "node")) == values + ops == 4 + 3
    assert len(groups(root, "edge")) == edges == 2 + 2 + 1 + 3
    # a * a: two separate edges from a into the same op node
    src = draw_graph(b).source
    assert src.count("v0 -> o1") == 2


def test_before_backward_gradients_are_unknown_not_zero():
    L, _, _ = worked_example()
    src = draw_graph(L).source
    assert "grad ?" in src and "grad 0" not in src
    L.backward()
    src = draw_graph(L).source
    assert "grad ?" not in src and "grad -0.4" in src


def test_tensor_nodes_show_name_shape_dtype_values_or_summary():
    x = Tensor(np.arange(6.0).reshape(2, 3), name="x")
    W = Tensor(np.linspace(-1, 1, 60).reshape(3, 20), requires_grad=True, name="W")
    y = (x @ W).sum()
    words = " ".join(texts(svg_of(draw_graph(y))))
    assert "(2, 3) float64" in words and "(3, 20) float64" in words and "(2, 20)" in words
    assert "[[0, 1, 2]," in words                     # small: every value
    assert "mean " in words and "min -1 max 1 norm 4.547" in words  # large: a summary
    y.backward()
    src = draw_graph(y).source
    assert "grad not kept" in src                     # intermediate tensors drop their grad
    assert "grad mean" in src                         # W's (3, 20) gradient, summarised


def test_parameters_inputs_constants_and_output_look_different():
    x = Tensor([1.0, 2.0], name="x")
    w = Tensor([0.5, -0.5], requires_grad=True, name="w")
    out = ((x * w) - 1.0).sum()
    src = draw_graph(out).source
    for kind in ["parameter", "input", "constant", "intermediate", "output"]:
        assert STYLES[kind]["fillcolor" if "fillcolor" in STYLES[kind] else "color"] in src
    assert len({str(sorted(STYLES[k].items())) for k in STYLES}) == len(STYLES)


def test_highlight_and_options():
    L, (w, _, _), _ = worked_example()
    src = draw_graph(L, highlight=w, rankdir="TB", show_data=False, show_grad=False).source
    assert viz.HIGHLIGHT["color"] in src and "rankdir=TB" in src
    assert "data" not in src and "grad" not in src


def test_record_special_characters_are_escaped():
    a = Value(2.0, label="a|b{c}<d>")
    words = texts(svg_of(draw_graph(a * 2)))
    assert "a|b{c}<d>" in words


def test_too_many_nodes_raises_a_helpful_error():
    x = Value(1.0)
    y = x
    for _ in range(600):
        y = y + 1.0
    with pytest.raises(GraphTooLargeError, match=r"1201 nodes.*max_nodes=500.*collapse_modules"):
        draw_graph(y)
    assert "v0" in draw_graph(y, max_nodes=2000).source


def test_walking_a_long_chain_does_not_recurse():
    import sys

    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    assert len(walk(y)) == 200_001
    limit = sys.getrecursionlimit()
    with pytest.raises(GraphTooLargeError):
        draw_graph(y)
    assert sys.getrecursionlimit() == limit


def mlp_stand_in(sizes=(3, 8, 8, 1), seed=0):
    """Tensors named like an nn.MLP's parameters, used the way Linear layers use them."""
    rng = np.random.default_rng(seed)
    x = Tensor(rng.normal(size=(5, sizes[0])), name="x")
    y = Tensor(rng.normal(size=(5, sizes[-1])), name="y")
    params = []
    h = x
    for i in range(len(sizes) - 1):
        W = Tensor(rng.normal(size=(sizes[i + 1], sizes[i])), requires_grad=True,
                   name=f"layers.{i}.weight")
        b = Tensor(np.zeros(sizes[i + 1]), requires_grad=True, name=f"layers.{i}.bias")
        params += [W, b]
        h = h @ W.T + b
        if i < len(sizes) - 2:
            h = h.relu()
    return ((h - y) ** 2).mean(), params


def test_collapse_modules_draws_one_cluster_per_module():
    loss, params = mlp_stand_in()
    owners = module_owners(walk(loss))
    for p in params:
        assert owners[id(p)] == p.name.rsplit(".", 1)[0]
    relus = [n for n in walk(loss) if n._rule is not None and n._rule.name == "relu"]
    assert relus and all(id(n) not in owners for n in relus)
    full = svg_of(draw_graph(loss))
    loss.backward()
    graph = draw_graph(loss, collapse_modules=True)
    root = svg_of(graph)
    assert len(groups(root, "cluster")) == 3
    assert len(groups(root, "node")) < len(groups(full, "node")) / 2
    words = " ".join(texts(root))
    for name in ["layers.0", "layers.1", "layers.2", "weight (8, 3)", "bias (8,)", "|grad|"]:
        assert name in words


def test_collapse_modules_with_a_real_mlp():
    nn = pytest.importorskip("nn")
    if not hasattr(nn, "MLP"):
        pytest.skip("nn.MLP is not available")
    model = nn.MLP(2, [4, 4, 1])
    x = Tensor(np.random.default_rng(0).normal(size=(3, 2)).astype(np.float32), name="x")
    loss = (model(x) ** 2).mean()
    names = [n for n, _ in model.named_parameters()]
    modules = {n.rsplit(".", 1)[0] for n in names}
    root = svg_of(draw_graph(loss, collapse_modules=True))
    assert len(groups(root, "cluster")) == len(modules)
    words = " ".join(texts(root))
    assert all(m in words for m in modules)


def test_save_svg_and_render_png(tmp_path):
    L, _, _ = worked_example()
    path = save_svg(L, tmp_path / "g.svg")
    assert ET.parse(path).getroot().tag == SVG + "svg"
    png = render(L, tmp_path / "sub" / "g.png", format="png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    render(draw_graph(L), tmp_path / "again.svg")  # a drawing works as well as a node
    with pytest.raises(ValueError, match="svg"):
        render(L, tmp_path / "g.jpg", format="jpg")


def test_jupyter_display_is_svg():
    L, _, _ = worked_example()
    bundle = draw_graph(L)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def without_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(rendering, "_extra_dirs", list)


def test_missing_dot_gives_a_clear_error(monkeypatch, tmp_path):
    without_dot(monkeypatch, tmp_path)
    L, _, _ = worked_example()
    with pytest.raises(GraphvizNotFoundError, match=r"apt-get install graphviz.*graphviz-pure"):
        save_svg(L, tmp_path / "g.svg")
    graph = draw_graph(L)
    assert graph.source.startswith("digraph")       # the DOT text is still there
    assert ".source" in graph._repr_mimebundle_()["text/plain"]


def test_falls_back_to_graphviz_pure(monkeypatch, tmp_path):
    without_dot(monkeypatch, tmp_path)
    fake = tmp_path / "graphviz-pure"
    svg = '<svg xmlns="http://www.w3.org/2000/svg"/>'
    fake.write_text(f"#!/bin/sh\n/bin/cat >/dev/null\necho '{svg}'\n")
    fake.chmod(0o755)
    assert rendering.find_dot() == str(fake)
    L, _, _ = worked_example()
    assert ET.parse(save_svg(L, tmp_path / "g.svg")).getroot().tag == SVG + "svg"


def test_prefers_debians_dot():
    if not os.path.exists("/usr/bin/dot"):
        pytest.skip("no Debian dot here")
    assert os.path.basename(rendering.find_dot()) == "dot"


def test_draw_dot_is_micrograds_name_for_draw_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    c.label = "c"
    c.backward()
    dot = draw_dot(c)  # micrograd's call, its defaults: format svg, left to right
    assert dot.source == draw_graph(c).source and dot.format == "svg"
    top_down = draw_dot(c, format="png", rankdir="TB")
    assert top_down.format == "png" and top_down.source == draw_graph(c, rankdir="TB").source
    assert "<svg" in dot.svg()
