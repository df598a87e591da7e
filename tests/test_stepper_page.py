"""The stepper on screen: one layout for every frame, and the self-contained HTML page.

These tests read the SVG and HTML the stepper writes, as a browser would get
them; ``tests/test_browser.py`` clicks through the same page in Chromium.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from autograd import BackpropStepper, Tensor, Value, frames, rendering
from autograd.frames import MIN_SCALE, WIDTH
from svg_frames import SVG, all_frames, assert_one_layout, classes, groups, svgs_of, texts
from worked_example import worked_example


def exp_tanh():
    """Notebook 02's tanh written with exponentials: e = e^(2n) is used twice."""
    n = Value(math.log(2), label="n")
    two_n = 2 * n
    two_n.label = "2n"
    e = two_n.exp()
    e.label = "e"
    top = e - 1
    top.label = "top"
    bottom = e + 1
    bottom.label = "bottom"
    o = top / bottom
    o.label = "o"
    return o, e


def small_mlp_loss():
    rng = np.random.default_rng(0)
    X = Tensor(rng.normal(size=(4, 2)), name="X")
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True, name="W")
    b = Tensor(np.zeros(3), requires_grad=True, name="b")
    V = Tensor(rng.normal(size=(16, 3)), requires_grad=True, name="V")  # 48 elements
    h = (X @ W.T + b).relu()
    return (h @ V.T).mean()


# ---------------------------------------------------------------- one stable picture

@pytest.mark.parametrize("build", [lambda: worked_example()[0], lambda: exp_tanh()[0],
                                   small_mlp_loss], ids=["worked", "exp_tanh", "mlp"])
def test_every_frame_has_the_same_layout(build):
    assert_one_layout(BackpropStepper(build()))


def test_frames_fit_the_width_or_scroll_at_a_readable_scale():
    L, _, _ = worked_example()
    s = BackpropStepper(L)
    svg = ET.fromstring(s.svg(0))
    assert float(svg.get("width").removesuffix("px")) <= WIDTH
    assert s._frameset().rankdir == "TB"       # left to right would be about 2100 px wide
    lr = BackpropStepper(worked_example()[0], rankdir="LR")
    lr.svg(0)
    assert lr._frameset().rankdir == "LR" and lr._frameset().scale == MIN_SCALE
    tiny = BackpropStepper(Value(2.0, label="a") * 3.0)
    tiny.svg(0)
    assert tiny._frameset().rankdir == "LR" and tiny._frameset().scale == 1.0


def test_frames_fill_gradients_in_and_mark_the_step():
    L, _, _ = worked_example()
    s = BackpropStepper(L)
    pictures = all_frames(s)
    words = [" ".join(w for g in groups(svg, "node").values() for w in texts(g))
             for svg in pictures]
    assert words[0].count("grad ?") == 6 and "grad ?" not in words[-1]
    assert [words[i].count("grad ?") for i in range(5)] == [6, 5, 4, 2, 0]
    for i, svg in enumerate(pictures):
        current = [k for k, g in groups(svg, "node").items() if "cr-current" in classes(g)]
        step_node = f"cr-v{s._frameset().index[id(s[i].node)]}"
        assert step_node in current and len(current) == 2        # the value and its operation
        receiving = {k for k, g in groups(svg, "node").items() if "cr-receiving" in classes(g)}
        assert len(receiving) == sum(c.value is not None for c in s[i].contributions)


def test_edge_labels_speak_the_students_names_and_constants_look_the_same():
    L, _, _ = worked_example()
    s = BackpropStepper(L)
    last = ET.fromstring(s.svg(-1))
    labels = {k: texts(g) for k, g in groups(last, "edge").items()}
    flat = [t for ts in labels.values() for t in ts]
    assert "∂z1/∂w = x = 0.5" in flat and "sends -0.8 × 0.5 = -0.4" in flat
    assert "∂L/∂n1 = 2·n1 = -0.8" in flat
    assert not {"x", "y"} & set(flat)                     # the rule's own names are gone
    active = [k for k, g in groups(last, "edge").items() if "cr-active" in classes(g)]
    assert len(active) == 3                               # w and x into *, and * into z1
    constant = next(g for g in groups(last, "node").values() if "constant" in texts(g))
    assert texts(constant) == ["1", "constant"]           # as the text names it: "1"
    assert "1 is a constant" in s.explain(1)


def test_a_dead_gradient_is_drawn_dashed_and_grey():
    z = Value(-0.5, label="z")
    a = z.relu()
    a.label = "a"
    s = BackpropStepper((a - 1.0) ** 2)
    last = ET.fromstring(s.svg(-1))
    dead = [g for g in groups(last, "edge").values() if "cr-dead" in classes(g)]
    assert len(dead) == 1
    path = dead[0].find(SVG + "path")
    assert path.get("stroke-dasharray") and path.get("stroke") == frames.DEAD["color"]
    assert "0: the gradient stops here" in texts(dead[0])
    assert not any("cr-dead" in classes(g)
                   for g in groups(ET.fromstring(s.svg(0)), "edge").values())


def test_a_value_used_twice_shows_the_sum_of_its_parts_when_complete():
    o, e = exp_tanh()
    s = BackpropStepper(o)
    key = f"cr-v{s._frameset().index[id(e)]}"
    grad_lines = [[t for t in texts(groups(svg, "node")[key]) if t.startswith("grad")][0]
                  for svg in all_frames(s)]
    complete = next(i for i, step in enumerate(s.steps) if step.node is e) - 1
    assert grad_lines[0] == "grad ?"
    assert grad_lines[complete - 1].endswith("(so far)")
    assert grad_lines[complete] == "grad 0.2 + -0.12 = 0.08"
    assert grad_lines[-1] == "grad 0.2 + -0.12 = 0.08"


def test_tensors_show_heat_maps_shapes_and_statistics():
    s = BackpropStepper(small_mlp_loss())
    last = ET.fromstring(s.svg(-1))
    words = [t for g in groups(last, "node").values() for t in texts(g)]
    assert "W (3, 2) float64" in words and "V (16, 3) float64" in words
    fills = {p.get("fill") for p in last.iter(SVG + "polygon")}
    assert any(f and f.startswith("#") and f[1:3] != f[3:5] for f in fills)  # coloured cells
    W_box = next(g for g in groups(last, "node").values() if "W (3, 2) float64" in texts(g))
    numbers = [t for t in texts(W_box) if re.fullmatch(r"-?\d[\d.e-]*", t)]
    assert len(numbers) == 12                      # data and gradient, 6 each, as numbers
    V_box = next(g for g in groups(last, "node").values() if "V (16, 3) float64" in texts(g))
    assert not any(re.fullmatch(r"-?\d[\d.e-]*", t) for t in texts(V_box))  # colours only
    vec = Tensor(np.linspace(-1, 1, 40), requires_grad=True, name="vec")
    svg = ET.fromstring(BackpropStepper((vec * 2.0).sum()).svg(0))
    box = next(g for g in groups(svg, "node").values() if "vec (40,) float64" in texts(g))
    xs = [float(p.split(",")[0]) for p in box.find(SVG + "polygon").get("points").split()]
    assert max(xs) - min(xs) < 16 * frames.COLOUR_CELL[0] + 40   # wrapped at 16 columns
    big = Tensor(np.linspace(-1, 1, 400).reshape(20, 20), requires_grad=True, name="big")
    words = [t for g in groups(ET.fromstring(BackpropStepper((big * 2.0).sum()).svg(0)),
                               "node").values() for t in texts(g)]
    assert any(t.startswith("mean ") for t in words)


# ---------------------------------------------------------------- the self-contained page

def strip_scripts(html: str) -> str:
    return re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.DOTALL)


def test_html_holds_every_step_and_counts_from_one():
    L, _, _ = worked_example()
    s = BackpropStepper(L)
    html = s.html()
    n = len(s)
    assert re.findall(r'data-step="(\d+)"', html) == [str(k) for k in range(1, n + 1)]
    assert re.search(rf'<input type="range" class="cr-slider" min="1" max="{n}" value="1"',
                     html)
    assert f"Step 1 of {n}" in html
    for k in range(1, n + 1):
        assert f"Step {k} of {n}: " in html
    assert len(svgs_of(html)) == n
    assert html.count("<script>") == 1 and "Step \" + at + \" of \" + n" in html
    # nothing from elsewhere: no widget library, no CDN, no file, no kernel
    for word in ("src=", "http://", "https://", "<link", "require(", "ipywidgets", "jupyter",
                 "@import"):
        assert word not in html.replace('xmlns="http://www.w3.org/2000/svg"', ""), word
    assert html != s.html() and s._repr_html_().count("data-step=") == n  # fresh ids each time


def test_without_javascript_every_step_is_readable_in_order():
    L, _, _ = worked_example()
    s = BackpropStepper(L)
    bare = strip_scripts(s.html())
    assert 'class="cr-controls" style="display:none' in bare   # no dead buttons without JS
    assert "All 5 steps, one after another" in bare             # what the reader sees, and why
    # A sanitizer that drops the SVG (an untrusted notebook) leaves its words as loose text:
    # the picture's box has font-size 0, and every SVG text sets its own size.
    assert bare.count('class="cr-picture" style="font-size:0px"') == 5
    texts_ = [t for svg in svgs_of(bare) for t in svg.iter(SVG + "text")]
    assert texts_ and all(float(t.get("font-size")) >= 9 for t in texts_)
    assert "cr-live" not in re.sub(r'<div id="[^"]*"', "", bare.split(">", 1)[1])
    positions = [bare.index(f"Step {k} of 5: ") for k in range(1, 6)]
    assert positions == sorted(positions)
    pictures = [m.start() for m in re.finditer(r"<svg\b", bare)]
    assert len(pictures) == 5
    assert all(p < q for p, q in zip(positions, pictures))    # each text, then its picture


def test_save_html_writes_a_standalone_page(tmp_path):
    L, _, _ = worked_example()
    path = BackpropStepper(L).save_html(tmp_path / "site" / "backprop.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<title>Backpropagation through L = 0.16, step by step</title>" in page
    assert page.rstrip().endswith("</html>") and len(svgs_of(page)) == 5


def test_html_without_graphviz_still_has_every_text(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(rendering, "_extra_dirs", list)
    L, _, _ = worked_example()
    html = BackpropStepper(L).html()
    assert "apt-get install graphviz" in html and not svgs_of(html)
    assert all(f"Step {k} of 5: " in html for k in range(1, 6))


def test_a_graph_too_large_to_draw_still_has_every_text():
    x = Value(1.0, label="x")
    y = x
    for _ in range(300):
        y = y * 1.0
    s = BackpropStepper(y)
    html = s.html()
    assert "too many to draw step by step" in html and not svgs_of(html)
    assert f"Step 300 of {len(s)}: " in html


def test_a_leaf_has_nothing_to_step_through():
    html = BackpropStepper(Value(1.0, label="a")).html()
    assert "nothing to propagate" in html and "<script>" not in html


def test_frames_render_to_png_too(tmp_path):
    L, _, _ = worked_example()
    png = rendering.render(BackpropStepper(L).frame(2), tmp_path / "f.png", format="png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_widget_counts_from_one():
    pytest.importorskip("ipywidgets")
    L, _, _ = worked_example()
    s = BackpropStepper(L)
    box = s.widget()
    prev, slider, nxt = box.children[0].children
    text, picture = box.children[1], box.children[2]
    assert (slider.min, slider.max, slider.value) == (1, 5, 1) and prev.disabled
    assert "Step 1 of 5" in text.value and picture.value.startswith("<svg")
    first = picture.value
    nxt.click()
    assert slider.value == 2 and "Step 2 of 5" in text.value and picture.value != first
    slider.value = 5
    assert "Step 5 of 5" in text.value and nxt.disabled
    nxt.click()
    assert slider.value == 5
    prev.click()
    assert slider.value == 4 and "Step 4 of 5" in text.value
    assert L.grad == 0.0                     # viewing is not walking
