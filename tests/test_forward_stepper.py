"""The forward stepper: its steps in the student's names, its final tangents (jvp's), its
pictures and page (the backward stepper's machinery), and draw_graph's tangent rows.

The stepper and ``functional.jvp`` push the same tangents through the same JVPs in the
same order. On Values (Python floats) that is the same sequence of floating-point
operations, so the results are compared for equality; on Tensors a BLAS kernel may be
chosen by memory alignment and round differently, so they are compared to CLOSE.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from autograd import BackpropStepper, ForwardStepper, Tensor, Value, draw_graph, frames, grad
from autograd.functional import jvp
from autograd.ops import RULES
from autograd.testing import case_for
from numerics import APPROX, close
from svg_frames import SVG, all_frames, assert_one_layout, classes, groups, svgs_of, texts
from worked_example import neuron

RULE_NAMES = sorted(RULES)


def neuron_inputs(w=1.0, x=0.5, b=0.1):
    return Value(w, label="w"), Value(x, label="x"), Value(b, label="b")


def layer_loss(W, b):
    """A tanh layer's mean square on a fixed batch, as a function of its weights."""
    X = Tensor(np.random.default_rng(0).normal(size=(4, 2)), name="X")
    H = (X @ W.T + b).tanh()
    H.name = "H"
    return (H * H).mean()


def layer_inputs(requires_grad=False):
    rng = np.random.default_rng(1)
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=requires_grad, name="W")
    b = Tensor(rng.normal(size=(3,)), requires_grad=requires_grad, name="b")
    tangents = (rng.normal(size=(3, 2)), rng.normal(size=(3,)))
    return (W, b), tangents


# ---------------------------------------------------------------- the steps in words

def test_worked_example_pushed_forward_in_the_students_names():
    # By hand: z1 = 0.5, z2 = 0.6, z3 = 0.6, n1 = -0.4, L = 0.16; along dw = 1 every
    # tangent is a derivative by w: dz1 = x = 0.5, dz2 = dz3 = dn1 = 0.5, dL = 2 n1 dn1.
    s = ForwardStepper(neuron, neuron_inputs(), (1.0, 0.0, 0.0))
    text = str(s)
    assert "Forward pass of L = 0.16 along dw = 1, dx = 0, db = 0: 5 steps" in text
    assert "Step 1 of 5: z1 = w * x" in text and "Step 5 of 5: L = n1 ** 2" in text
    assert "(forward mode starts at the inputs: dw = 1, dx = 0, db = 0)" in s.explain(0)
    assert "forward mode starts" not in s.explain(1)
    assert "∂z1/∂w = x = 0.5\n  ∂z1/∂x = w = 1\n" in text
    assert "dz1 = ∂z1/∂w · dw + ∂z1/∂x · dx = 0.5 × 1 + 1 × 0 = 0.5" in text
    assert "∂z3/∂z2 = 1 if z2 > 0, else 0 = 1" in text           # relu'(0.6) = 1
    assert "dL = ∂L/∂n1 · dn1 = (-0.8) × 0.5 = -0.4" in text
    assert "1 is a constant: it carries no tangent" in text
    assert text.endswith("Tangent of the output: dL = -0.4 = ∂L/∂w")
    for word in ("powc", "d/dx", "dL/d", "JVP"):                  # no rule-table jargon
        assert word not in text
    step = s[0]
    assert step.op == "mul" and [t.form for t in step.terms] == ["x", "w"]
    assert [t.partial for t in step.terms] == [0.5, 1.0] and step.tangent == 0.5


def test_forward_and_backward_steps_use_the_same_local_derivatives():
    s = ForwardStepper(neuron, neuron_inputs(), (1.0, 0.0, 0.0))
    back = str(BackpropStepper(s.output))
    local_lines = [line.strip() for line in str(s).splitlines()
                   if line.startswith("  ∂") and " = " in line]
    assert len(local_lines) == 7                    # 2 for *, 2 for +, relu, -, ** 2
    for line in local_lines:                        # the same words and numbers in both
        assert line in back, line


def test_a_tangent_stopped_by_a_zero_local_derivative_says_so():
    s = ForwardStepper(neuron, neuron_inputs(b=-1.0), (1.0, 0.0, 0.0))   # z2 < 0
    relu_step = next(step for step in s if step.op == "relu")
    (term,) = relu_step.terms
    assert term.dead and term.partial == 0.0 and relu_step.tangent == 0.0
    assert "← dz2 stops here: the local derivative is 0" in relu_step.explain()
    assert not any(t.dead for step in s if step is not relu_step for t in step.terms)


def test_none_leaves_an_input_without_a_tangent():
    w, x, b = neuron_inputs()
    s = ForwardStepper(neuron, (w, x, b), (1.0, None, None))
    assert s.direction() == "dw = 1"
    assert "x carries no tangent: a constant in this direction" in s.explain(0)
    assert s[0].partials == [0.5] and s.tangent(s.output) == pytest.approx(-0.4, **APPROX)
    assert set(s.tangents_at(-1)) == {id(w)}


def test_tensor_steps_show_shapes_elementwise_forms_and_broadcast_tangents():
    (W, b), tangents = layer_inputs()
    s = ForwardStepper(layer_loss, (W, b), tangents)
    assert s.output.op == ""                        # no graph was recorded, yet every step is
    text = str(s)
    assert "along dW (3, 2), db (3,)" in text
    assert "Step 4 of 7: H = tanh(n3)" in text
    assert "dH (4, 3) = ∂H/∂n3 · dn3\n      = (1 - H²) ⊙ dn3\n" in text
    assert "dn3 (4, 3) = ∂n3/∂n2 · dn2 + ∂n3/∂b · db\n      = dn2 + db\n" in text
    assert "db repeated along axis 0, where b was broadcast: (3,) -> (4, 3)" in text
    assert "(by the JVP of matmul: each input's Jacobian applied to its tangent)" in text
    assert "X carries no tangent: a constant in this direction" in text


def test_bad_input_gets_a_clear_error():
    w, x, b = neuron_inputs()
    with pytest.raises(TypeError, match="input 1 is a float; expected a Value or a Tensor"):
        ForwardStepper(neuron, (w, 0.5, b), (1.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="3 inputs but 2 tangents"):
        ForwardStepper(neuron, (w, x, b), (1.0, 0.0))
    with pytest.raises(ValueError, match="rankdir must be 'LR', 'TB' or None, got 'RL'"):
        ForwardStepper(neuron, (w, x, b), (1.0, 0.0, 0.0), rankdir="RL")
    with pytest.raises(TypeError, match="f returned a float; expected a Value or a Tensor"):
        ForwardStepper(lambda w: 2.0, w, 1.0)


# ---------------------------------------------------------------- the final tangents are jvp's

_UNARY = ["tanh", "sigmoid", "relu", "exp", "sin", "cos", "neg", "square"]
_BINARY = ["+", "-", "*", "/"]


@st.composite
def value_programs(draw):
    """Leaves with tangents, and lines that each apply an op to earlier values (reused
    freely) or to a constant."""
    finite = st.floats(-2, 2, allow_nan=False)
    n = draw(st.integers(1, 3))
    leaves = [draw(finite) for _ in range(n)]
    tangents = [draw(finite) for _ in range(n)]
    lines = []
    for k in range(draw(st.integers(1, 8))):
        avail = n + k
        if draw(st.booleans()):
            lines.append((draw(st.sampled_from(_UNARY)), draw(st.integers(0, avail - 1)), None))
        else:
            other = draw(st.one_of(st.integers(0, avail - 1), finite))
            lines.append((draw(st.sampled_from(_BINARY)), draw(st.integers(0, avail - 1)),
                          other))
    return leaves, tangents, lines


def program_function(lines):
    def f(*leaves):
        values = list(leaves)
        for op, i, j in lines:
            x = values[i]
            if j is None:
                values.append(-x if op == "neg" else x ** 2 if op == "square"
                              else getattr(x, op)())
                continue
            y = values[j] if isinstance(j, int) else j       # a value, or a constant
            if op == "/":
                values.append(x / (y * y + 1.0))              # a denominator that cannot be 0
            else:
                values.append({"+": x + y, "-": x - y, "*": x * y}[op])
        return values[-1] * 1.0                               # the output is never a leaf
    return f


@given(program=value_programs())
def test_value_programs_end_at_jvps_tangent(program):
    leaves, tangents, lines = program
    f = program_function(lines)
    xs = tuple(Value(v, label=f"a{i}") for i, v in enumerate(leaves))
    try:
        s = ForwardStepper(f, xs, tangents)
    except OverflowError:  # exp of exp of ...: the program's value is not a float
        reject()
    if not all(math.isfinite(step.tangent) for step in s):
        reject()  # inf - inf or 0 * inf on the way: NaN, which equals nothing
    out, jv = jvp(f, tuple(Value(v) for v in leaves), tuple(tangents))
    assert s.output.data == out.data
    assert s.tangent(s.output) == jv.data           # the same float operations: equal
    assert s[-1].node is s.output
    for step in s:                                  # each step is its chain-rule sum
        assert step.count == len(s) and step.node.op == step.rule.symbol
        moving = [t for t in step.terms if t.tangent is not None]
        assert step.tangent == pytest.approx(sum(t.partial * t.tangent for t in moving),
                                             **APPROX)
        assert f"d{step.name} = " in step.explain()
    assert set(s.tangents_at(-1)) == {id(x) for x in xs}
    assert s.tangents_at(len(s) - 1)[id(s.output)] == s.tangent(s.output)


@pytest.mark.parametrize("requires_grad", [False, True], ids=["no_graph", "graph"])
def test_a_tensor_layer_ends_at_jvps_tangent_and_reverse_modes_directional_derivative(
        requires_grad):
    (W, b), tangents = layer_inputs(requires_grad)
    s = ForwardStepper(layer_loss, (W, b), tangents)
    out, jv = jvp(layer_loss, (Tensor(W.data), Tensor(b.data)),
                  tuple(Tensor(t) for t in tangents))
    np.testing.assert_allclose(s.tangent(s.output), jv.data, **close())
    # reverse mode, independently: the directional derivative is <gradient, direction>
    gW, gb = _gradient(W, b)
    along = np.sum(gW * tangents[0]) + np.sum(gb * tangents[1])
    np.testing.assert_allclose(s.tangent(s.output), along, **close())
    assert (s.output.op != "") == requires_grad


def _gradient(W, b):
    Wg, bg = Tensor(W.data, requires_grad=True), Tensor(b.data, requires_grad=True)
    return tuple(g.data for g in grad(layer_loss(Wg, bg), (Wg, bg)))


@pytest.mark.parametrize("name", RULE_NAMES)
@settings(max_examples=6)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_every_rule_steps_forward_to_jvps_tangent(name, data, seed):
    case = data.draw(case_for(name), label=name)
    xs = tuple(Tensor(np.asarray(x), name=f"in{i}") for i, x in enumerate(case.inputs))
    rng = np.random.default_rng(seed)
    ts = tuple(rng.standard_normal(x.shape) for x in xs)
    s = ForwardStepper(case.fn, xs, ts)
    assert any(step.op == name for step in s), f"{case.label} does not reach {name}"
    _, jv = jvp(case.fn, tuple(Tensor(x.data) for x in xs), tuple(Tensor(t) for t in ts))
    np.testing.assert_allclose(s.tangent(s.output), jv.data, **close(jv.dtype),
                               err_msg=case.label)
    fs = s._frameset()                              # what each frame writes, without drawing
    for i, step in enumerate(s):
        assert f"d{step.name}" in step.explain()
        content = fs.contents(i)
        assert f"v{fs.index[id(step.node)]}" in content


# ---------------------------------------------------------------- one stable picture

@pytest.mark.parametrize("build", [
    lambda: ForwardStepper(neuron, neuron_inputs(), (1.0, 0.0, 0.0)),
    lambda: ForwardStepper(layer_loss, *layer_inputs())], ids=["value", "tensor_no_graph"])
def test_every_forward_frame_has_the_same_layout(build):
    assert_one_layout(build())


def test_a_recorded_graph_is_drawn_in_the_backward_steppers_order():
    fwd = ForwardStepper(neuron, neuron_inputs(), (1.0, 0.0, 0.0))
    rev = BackpropStepper(fwd.output)
    assert [id(n) for n in fwd._frameset().order] == [id(n) for n in rev._frameset().order]
    (W, b), tangents = layer_inputs()                # no graph: the steps' own order
    s = ForwardStepper(layer_loss, (W, b), tangents)
    order = s._frameset().order
    assert order[:2] == [W, s[0].node] and order[-1] is s.output   # W, then W.T first


def test_forward_frames_fill_tangents_in_and_mark_the_step():
    s = ForwardStepper(neuron, neuron_inputs(), (1.0, 0.0, 0.0))
    pictures = all_frames(s)
    words = [" ".join(w for g in groups(svg, "node").values() for w in texts(g))
             for svg in pictures]
    # w, x and b carry their seeds from the start; z1, z2, z3, n1 and L get theirs in turn
    assert [w.count("tangent ?") for w in words] == [4, 3, 2, 1, 0]
    assert all(w.count("(seed)") == 3 for w in words)
    assert "grad" not in " ".join(words)
    fs = s._frameset()
    for i, svg in enumerate(pictures):
        current = [k for k, g in groups(svg, "node").items() if "cr-current" in classes(g)]
        assert f"cr-v{fs.index[id(s[i].node)]}" in current and len(current) == 2
        feeding = {k for k, g in groups(svg, "node").items() if "cr-feeding" in classes(g)}
        assert feeding == {f"cr-v{fs.index[id(t.parent)]}" for t in s[i].terms
                           if t.tangent is not None}
    last = {k: texts(g) for k, g in groups(pictures[-1], "node").items()}
    assert last[f"cr-v{fs.index[id(s.output)]}"] == ["L", "data 0.16", "tangent -0.4"]
    constant = next(t for t in last.values() if "constant" in t)
    assert constant == ["1", "constant"]            # no tangent row: it carries none


def test_forward_edge_labels_show_local_derivatives_and_terms():
    s = ForwardStepper(neuron, neuron_inputs(), (1.0, 0.0, 0.0))
    first = ET.fromstring(s.svg(0))
    labels = {k: [t for t in texts(g) if t.strip()] for k, g in groups(first, "edge").items()}
    k = s._frameset().index[id(s[0].node)]           # z1 = w * x, the first step
    assert labels.pop(f"cr-e{k}_0") == ["∂z1/∂w = x = 0.5", "adds 0.5 × 1 = 0.5"]
    assert labels.pop(f"cr-e{k}_1") == ["∂z1/∂x = w = 1", "adds 1 × 0 = 0"]
    assert not any(labels.values())                  # later edges stay blank until their step
    last = ET.fromstring(s.svg(-1))
    flat = [t for g in groups(last, "edge").values() for t in texts(g)]
    assert "∂L/∂n1 = 2·n1 = -0.8" in flat and "adds -0.8 × 0.5 = -0.4" in flat
    active = [k for k, g in groups(last, "edge").items() if "cr-active" in classes(g)]
    assert len(active) == 2                         # n1 into ** 2, and ** 2 into L
    dead_s = ForwardStepper(neuron, neuron_inputs(b=-1.0), (1.0, 0.0, 0.0))
    dead = [g for g in groups(ET.fromstring(dead_s.svg(-1)), "edge").values()
            if "cr-dead" in classes(g)]
    assert len(dead) == 1 and "0: the tangent stops here" in texts(dead[0])
    assert dead[0].find(SVG + "path").get("stroke") == frames.DEAD["color"]


def test_tensor_frames_show_tangents_as_heat_maps():
    s = ForwardStepper(layer_loss, *layer_inputs())
    first, last = ET.fromstring(s.svg(0)), ET.fromstring(s.svg(-1))
    boxes = {texts(g)[0]: texts(g) for g in groups(last, "node").values()}
    assert "tangent (seed)" in boxes["W (3, 2) float64"]
    assert "tangent" in boxes["H (4, 3) float64"]
    n_numbers = sum(bool(re.fullmatch(r"-?\d[\d.e-]*", t)) for t in boxes["H (4, 3) float64"])
    assert n_numbers == 24                           # data and tangent, 12 each
    words = [t for g in groups(first, "node").values() for t in texts(g)]
    assert "tangent ?" in words and "?" in words     # unknown heat-map cells


# ---------------------------------------------------------------- the page

def test_forward_html_holds_every_frame_and_text():
    s = ForwardStepper(neuron, neuron_inputs(), (1.0, 0.0, 0.0))
    html = s.html()
    n = len(s)
    assert re.findall(r'data-step="(\d+)"', html) == [str(k) for k in range(1, n + 1)]
    assert f'class="cr-slider" min="1" max="{n}" value="1"' in html
    assert len(svgs_of(html)) == n
    for i in range(n):
        assert s.explain(i).replace(">", "&gt;") in html
    assert s._repr_html_().count("data-step=") == n


def test_forward_save_html_writes_a_standalone_page(tmp_path):
    s = ForwardStepper(neuron, neuron_inputs(), (1.0, 0.0, 0.0))
    page = s.save_html(tmp_path / "site" / "forward.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert ("<title>Forward mode through L = 0.16 along dw = 1, dx = 0, db = 0, step by step"
            "</title>") in page
    assert len(svgs_of(page)) == 5


def test_a_pass_without_operations_has_nothing_to_step_through():
    x = Value(1.0, label="x")
    s = ForwardStepper(lambda x: x, x, 1.0)
    assert len(s) == 0 and "nothing to push forward" in s.html() and "<script>" not in s.html()


def test_forward_widget_counts_from_one():
    pytest.importorskip("ipywidgets")
    s = ForwardStepper(neuron, neuron_inputs(), (1.0, 0.0, 0.0))
    box = s.widget()
    prev, slider, nxt = box.children[0].children
    assert (slider.min, slider.max, slider.value) == (1, 5, 1) and prev.disabled
    nxt.click()
    assert "Step 2 of 5: z2 = z1 + b" in box.children[1].value
    assert box.children[2].value.startswith("<svg")


# ---------------------------------------------------------------- draw_graph's tangent rows

def test_draw_graph_shows_the_tangent_of_each_dual_number():
    x = Value(2.0, label="x", tangent=1.0)
    c = Value(3.0, label="c")                       # no tangent: no row
    y = x * x * c
    y.label = "y"
    source = draw_graph(y).source
    # by hand: d(x x) = 2 x dx = 4 and dy = 3 · 4 = 12; small integers, so exact
    assert "tangent 1" in source and "tangent 4" in source and "tangent 12" in source
    assert source.count("tangent") == 3
    assert "tangent" not in draw_graph(y, show_tangent=False).source
    t = Tensor(np.array([1.0, 2.0]), requires_grad=True, name="t", tangent=[1.0, -1.0])
    u = t * t
    assert "tangent [2, -4]" in draw_graph(u.sum()).source
    assert "tangent" not in draw_graph(neuron(*neuron_inputs())).source
