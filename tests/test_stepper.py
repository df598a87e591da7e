"""The backprop stepper: its steps, its numbers, its frames and its widget."""
from __future__ import annotations

import numpy as np
import pytest

from autograd import BackpropStepper, GraphReleasedError, Tensor, Value, toposort
from autograd.ops import RULES
from autograd.viz import HIGHLIGHT, RECEIVING
from worked_example import worked_example


def propagating_nodes(loss):
    return [n for n in toposort([loss]) if n._rule is not None]


def test_worked_example_numbers():
    L, (w, _, b), (z1, _, z3) = worked_example()
    s = BackpropStepper(L)
    assert len(s) == len(propagating_nodes(L)) == 5
    assert round(L.data, 10) == 0.16
    assert s[0].node is L and s[-1].node is z1
    assert s.gradient(z3) == pytest.approx(-0.8)
    assert s.gradient(w) == pytest.approx(-0.4)
    assert s.gradient(b) == pytest.approx(-0.8)
    text = str(s)
    assert "Backward pass of L = 0.16" in text
    assert "dL/dz3 += dL/dn1 · dn1/dz3 = -0.8 × 1 = -0.8" in text
    assert "dL/dw += dL/dz1 · dz1/dw = -0.8 × 0.5 = -0.4" in text
    assert "dL/db += dL/dz2 · dz2/db = -0.8 × 1 = -0.8" in text
    assert "dL/dz2 += dL/dz3 · dz3/dz2 = -0.8 × 1 = -0.8" in text   # relu'(0.6) = 1
    assert "Step 1 of 5: L = n1 ** 2" in text and "Step 3 of 5: z3 = relu(z2)" in text
    assert "1 needs no gradient" in text                                # the constant in z3 - 1
    step = s[-1]
    assert step.op == "mul" and step.grad == pytest.approx(-0.8)
    assert [c.local for c in step.contributions] == [0.5, 1.0]
    assert [c.value for c in step.contributions] == pytest.approx([-0.4, -0.8])


def test_stepper_is_also_in_viz():
    from autograd import stepper, viz

    assert viz.BackpropStepper is stepper.BackpropStepper


def test_last_step_matches_backward_and_grad_is_untouched():
    L, leaves, _ = worked_example()
    s = BackpropStepper(L)
    assert all(leaf.grad == 0.0 for leaf in leaves)       # the stepper writes no .grad
    L.backward()                                           # and did not free the graph
    for leaf in leaves:
        assert s.gradient(leaf) == leaf.grad
    assert set(map(id, s.leaves())) == set(map(id, leaves))


def test_tensor_gradients_match_backward():
    rng = np.random.default_rng(1)
    x = Tensor(rng.normal(size=(4, 3)), name="x")
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True, name="W")
    b = Tensor(rng.normal(size=(2,)), requires_grad=True, name="b")
    h = (x @ W + b).tanh()
    loss = (h * h + h).mean()        # h feeds two consumers
    s = BackpropStepper(loss)
    assert W.grad is None and b.grad is None
    loss.backward()
    np.testing.assert_array_equal(s.gradient(W), W.grad)
    np.testing.assert_array_equal(s.gradient(b), b.grad)
    assert len(s) == len(propagating_nodes(loss))


def test_steps_follow_the_engines_order(monkeypatch):
    a = Value(2.0, label="a")
    c = ((a * a).tanh() + a.sigmoid() * a).exp()
    s = BackpropStepper(c)
    seen = []
    for rule in RULES.values():
        real = rule.vjp
        if real is None:
            continue

        def spy(g, ans, *args, _real=real, **kw):
            seen.append(id(ans))
            return _real(g, ans, *args, **kw)

        monkeypatch.setattr(rule, "vjp", spy)
    c.backward()
    assert seen == [id(step.node._data) for step in s]


def test_accumulation_is_shown_with_its_sources():
    a = Value(1.0, label="a")
    b = a + a
    b.label = "b"
    text = str(BackpropStepper(b * 3.0))
    assert "running sum: dL/da = 3 (from b) + 3 (from b) = 6" in text
    d = Value(2.0, label="d")
    e = d * 2.0
    e.label = "e"
    f = d * 5.0
    f.label = "f"
    g = e * f
    g.label = "g"
    text = str(BackpropStepper(g + e))
    # e feeds L and g: its step lists both parts once they are all in
    assert "dL/de = 1 (from L) + 10 (from g) = 11 (complete: all 2 uses of e" in text
    assert "running sum: dL/dd = 20 (from f) + 22 (from e) = 42" in text


@pytest.mark.parametrize("shape, bshape, axes, out", [
    ((3, 4), (1, 4), "axis 0", "(1, 4)"),
    ((3, 4), (4,), "axis 0", "(4,)"),
    ((2, 3, 4), (3, 1), "axes 0, 2", "(3, 1)"),
])
def test_broadcast_sums_are_explained(shape, bshape, axes, out):
    x = Tensor(np.ones(shape), requires_grad=True, name="x")
    bias = Tensor(np.ones(bshape), requires_grad=True, name="bias")
    loss = (x * bias).sum()
    s = BackpropStepper(loss)
    assert f"grad {shape} summed over {axes} -> {out}" in str(s)
    loss.backward()
    np.testing.assert_array_equal(s.gradient(bias), bias.grad)


def test_frames_fill_gradients_step_by_step():
    L, _, _ = worked_example()
    s = BackpropStepper(L)
    first = s.frame(0).source
    assert first.count("grad ?") == 6          # only L and n1 have a gradient after step 1
    assert HIGHLIGHT["color"] in first and RECEIVING["color"] in first
    assert "+= -0.8" in first
    last = s.frame(-1).source
    assert "grad ?" not in last and "grad -0.4" in last
    svg = s.svg(2)
    assert svg.startswith("<?xml") and "relu" in svg


def test_partial_sums_are_marked_in_frames():
    a = Value(1.0, label="a")
    b = a * 2.0
    b.label = "b"
    c = b + a
    s = BackpropStepper(c)       # step 0 sends 1 to a; a's other part comes from b in step 1
    assert "grad 1 (so far)" in s.frame(0).source
    assert "grad 3" in s.frame(1).source and "(so far)" not in s.frame(1).source


def test_released_graph_is_refused_with_advice():
    L, _, _ = worked_example()
    L.backward()
    with pytest.raises(GraphReleasedError, match="retain_graph=True"):
        BackpropStepper(L)


def test_loss_checks():
    with pytest.raises(RuntimeError, match="does not require grad"):
        BackpropStepper(Value(1.0, requires_grad=False))
    with pytest.raises(RuntimeError, match="non-scalar"):
        BackpropStepper(Tensor(np.ones(3), requires_grad=True) * 2)
    leaf = Value(1.0, label="a")
    s = BackpropStepper(leaf)
    assert len(s) == 0 and s.gradient(leaf) == 1.0


def test_widget_buttons_and_slider_change_the_frame():
    pytest.importorskip("ipywidgets")
    L, _, _ = worked_example()
    s = BackpropStepper(L)
    box = s.widget()
    prev, slider, nxt = box.children[0].children
    text, picture = box.children[1], box.children[2]
    assert slider.value == 0 and "Step 1 of 5" in text.value and prev.disabled
    first_picture = picture.value
    assert first_picture.startswith("<svg")
    nxt.click()
    assert slider.value == 1 and "Step 2 of 5" in text.value
    assert picture.value != first_picture
    slider.value = 4
    assert "Step 5 of 5" in text.value and nxt.disabled
    nxt.click()
    assert slider.value == 4
    prev.click()
    assert slider.value == 3 and "Step 4 of 5" in text.value
