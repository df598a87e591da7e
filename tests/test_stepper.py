"""The backprop stepper: its record, its words, and the pass it performs when walked.

Gradients written by walking are compared with ``backward()``'s for equality:
both add the same raw gradients in the same order (the engine's), so they are
the same floating-point sums, not merely close ones.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import nn
from autograd import BackpropStepper, GraphReleasedError, Tensor, Value, toposort
from autograd.ops import RULES
from autograd.testing import case_for
from worked_example import worked_example
from custom_ops import Cube

RULE_NAMES = sorted(RULES)


def propagating_nodes(loss):
    return [n for n in toposort([loss]) if n._rule is not None]


# ---------------------------------------------------------------- the record and its words

def test_worked_example_in_the_students_names():
    L, (w, _, b), (z1, _, z3) = worked_example()
    s = BackpropStepper(L)
    assert len(s) == len(propagating_nodes(L)) == 5
    assert s[0].node is L and s[-1].node is z1
    assert s.gradient(z3) == pytest.approx(-0.8)
    assert s.gradient(w) == pytest.approx(-0.4)
    assert s.gradient(b) == pytest.approx(-0.8)
    text = str(s)
    assert "Backward pass of L = 0.16" in text
    assert "Step 1 of 5: L = n1 ** 2" in text and "Step 3 of 5: z3 = relu(z2)" in text
    # at the loss the chain has one link: the local derivative is the gradient
    assert "∂L/∂n1 = 2·n1 = 2·(-0.4) = -0.8" in text
    assert "∂L/∂L ·" not in text
    assert "∂z1/∂w = x = 0.5" in text
    assert "∂L/∂w += ∂L/∂z1 · ∂z1/∂w = -0.8 × 0.5 = -0.4" in text
    assert "∂L/∂b += ∂L/∂z2 · ∂z2/∂b = -0.8 × 1 = -0.8" in text
    assert "∂z3/∂z2 = 1 if z2 > 0, else 0 = 1" in text          # relu'(0.6) = 1
    assert "1 is a constant: it needs no gradient" in text
    # the rule table's generic names and internal rule names stay out of the text
    for word in ("powc", "[mul", "d/dx", "d/dy", "dL/d"):
        assert word not in text
    step = s[-1]
    assert step.op == "mul" and step.grad == pytest.approx(-0.8)
    assert [c.local for c in step.contributions] == [0.5, 1.0]
    assert [c.value for c in step.contributions] == pytest.approx([-0.4, -0.8])
    assert [c.form for c in step.contributions] == ["x", "w"]


def test_compound_labels_are_parenthesised_and_values_substituted():
    x1 = Value(2.0, label="x1")
    w1 = Value(-3.0, label="w1")
    h = x1 * w1
    h.label = "x1·w1"
    o = h.tanh()
    o.label = "o"
    text = str(BackpropStepper(o * 2.0))
    assert "∂o/∂(x1·w1) = 1 - o² = 1 - (-1)² = " in text
    assert "∂L/∂(x1·w1) += ∂L/∂o · ∂o/∂(x1·w1)" in text


def test_accumulation_is_shown_with_its_sources():
    a = Value(1.0, label="a")
    b = a + a
    b.label = "b"
    text = str(BackpropStepper(b * 3.0))
    assert "running sum: ∂L/∂a = 3 (from b) + 3 (from b) = 6" in text
    d = Value(2.0, label="d")
    e = d * 2.0
    e.label = "e"
    f = d * 5.0
    f.label = "f"
    g = e * f
    g.label = "g"
    text = str(BackpropStepper(g + e))
    # e feeds L and g: its step lists both parts once they are all in
    assert "∂L/∂e = 1 (from L) + 10 (from g) = 11   (e is used 2 times: the parts add up)" \
        in text
    assert "running sum: ∂L/∂d = 20 (from f) + 22 (from e) = 42" in text


def test_a_gradient_stopped_by_a_zero_local_derivative_is_called_dead():
    z = Value(-0.5, label="z")
    a = z.relu()
    a.label = "a"
    s = BackpropStepper((a - 1.0) ** 2)
    relu_step = next(step for step in s.steps if step.op == "relu")
    (c,) = relu_step.contributions
    assert c.dead and c.value == 0.0 and relu_step.grad == -2.0
    assert "∂L/∂z += ∂L/∂a · ∂a/∂z = -2 × 0 = 0   ← the gradient stops here" in s.explain(-1)
    assert not any(c.dead for step in s.steps[:-1] for c in step.contributions)


def test_a_zero_gradient_arriving_is_not_a_dead_edge():
    x = Value(3.0, label="x")
    y = x * 0.0            # the gradient reaching x * 0's input x is 0 because the factor is 0
    y.label = "y"
    s = BackpropStepper(y.tanh())
    tanh_step = s[0]
    assert not tanh_step.contributions[0].dead
    mul_step = s[1]
    assert mul_step.contributions[0].dead                  # ∂y/∂x = 0 stopped it


def test_tensor_steps_show_shapes_matrix_forms_and_broadcast_sums():
    rng = np.random.default_rng(3)
    X = Tensor(rng.normal(size=(4, 2)), name="X")
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True, name="W")
    b = Tensor(rng.normal(size=(3,)), requires_grad=True, name="b")
    Y = X @ W.T
    Y.name = "Y"
    H = (Y + b).tanh()
    H.name = "H"
    text = str(BackpropStepper((H * H).mean()))
    assert "∂L/∂Y += ∂L/∂n2\n" in text                     # Y + b: the gradient passes on
    assert "summed over axis 0, where b was broadcast: (4, 3) -> (3,)" in text
    assert "Step 7 of 7: n1 = Wᵀ" in text
    assert "∂L/∂n1 += Xᵀ · ∂L/∂Y" in text                  # W.T is n1, X @ n1 is Y
    assert "(2, 3) = (2, 4)·(4, 3)" in text
    assert "∂L/∂n2 += ∂L/∂H ⊙ (1 - H²)" in text
    linear_loss = nn.functional.mse_loss(nn.Linear(2, 3, rng=0)(X), np.zeros((4, 3)))
    text = str(BackpropStepper(linear_loss))
    assert "∂L/∂weight += (∂L/∂n2)ᵀ · X" in text and "(3, 2) = (3, 4)·(4, 2)" in text
    assert "∂L/∂bias += ∂L/∂n2 summed over its rows" in text


def test_a_gradient_form_on_one_element_is_not_called_a_local_derivative():
    # A 1x1 product has a number for a local derivative, but ∂L/∂C · Bᵀ is the gradient.
    A = Tensor([[2.0]], requires_grad=True, name="A")
    B = Tensor([[3.0]], requires_grad=True, name="B")
    C = A @ B
    C.name = "C"
    s = BackpropStepper((C * C).sum())
    text = s.explain(-1)
    assert "∂C/∂A = 3\n" in text and "∂C/∂B = 2\n" in text
    assert "∂L/∂A += ∂L/∂C · ∂C/∂A = ∂L/∂C · Bᵀ = [[12]] × 3 = [[36]]" in text
    assert "∂L/∂B += ∂L/∂C · ∂C/∂B = Aᵀ · ∂L/∂C = [[12]] × 2 = [[24]]" in text
    edges = s.frame(len(s) - 1).source
    assert "∂C/∂A = 3" in edges and "∂C/∂A = ∂L/∂C" not in edges


def test_a_relu_that_stops_some_entries_says_how_many():
    x = Tensor(np.array([[-1.0, 2.0], [3.0, -4.0]]), requires_grad=True, name="x")
    s = BackpropStepper(x.relu().sum())
    c = s[-1].contributions[0]
    assert c.stopped == 2 and not c.dead
    assert "the local derivative is 0 at 2 of 4 entries" in s.explain(-1)


def test_a_rule_without_templates_is_explained_by_its_numbers_and_docstring():
    x = Value(2.0, label="x")
    y = Cube.apply(x)
    y.label = "y"
    s = BackpropStepper(y * 1.5)
    text = s.explain(1)
    assert "∂y/∂x = 12   (by the rule of Cube: x^3.  d/dx = 3 x^2.)" in text
    assert "∂L/∂x += ∂L/∂y · ∂y/∂x = 1.5 × 12 = 18" in text
    t = Tensor([1.0, 2.0], requires_grad=True, name="t")
    text = BackpropStepper(Cube.apply(t).sum()).explain(-1)
    assert "Cube's VJP applied to ∂L/∂n1" in text and "[3, 12]" in text


@pytest.mark.parametrize("name", RULE_NAMES)
@settings(max_examples=8)
@given(data=st.data())
def test_every_rule_is_explained_in_the_users_names_and_walks_like_backward(name, data):
    case = data.draw(case_for(name), label=name)

    def build():
        xs = [Tensor(np.asarray(x), requires_grad=True, name=f"in{i}")
              for i, x in enumerate(case.inputs)]
        out = case.fn(*xs)
        w = np.random.default_rng(0).standard_normal(out.shape)
        return (out * w).sum(), xs

    loss, xs = build()
    s = BackpropStepper(loss)
    steps = [step for step in s.steps if step.op == name]
    assert steps, f"{case.label} does not reach {name}"
    for step in steps:
        text = step.explain()
        assert "VJP applied" not in text and "by the rule of" not in text
        assert all(c.form for c in step.contributions if c.value is not None), text
    s.run()
    twin, twin_xs = build()
    twin.backward()
    for x, y in zip(xs, twin_xs):
        np.testing.assert_array_equal(x.grad, y.grad)


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
    assert seen == [id(step.node._data) for step in s.steps]


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
    with pytest.raises(ValueError, match="rankdir"):
        BackpropStepper(Value(1.0) * 2, rankdir="RL")
    leaf = Value(1.0, label="a")
    s = BackpropStepper(leaf)
    assert len(s) == 0 and s.gradient(leaf) == 1.0
    assert list(s) == [] and leaf.grad == 1.0        # walking a leaf writes backward's seed


# ---------------------------------------------------------------- walking performs backprop

def twin_graphs(build):
    """Two identical graphs: one to walk, one for backward()."""
    return build(), build()


def test_reading_writes_nothing_and_walking_fills_grad_in_step_by_step():
    L, (w, x, b), (z1, z2, z3) = worked_example()
    s = BackpropStepper(L)
    str(s), s.explain(2), s[4], len(s), s.grads_at(3)
    assert all(v.grad == 0.0 for v in (L, w, x, b, z1, z2, z3))
    assert next(s) is s[0] and s.position == 1
    assert L.grad == 1.0 and z3.grad == 0.0          # o.grad = 1, then L's step sends to n1
    next(s), next(s)
    assert z3.grad == pytest.approx(-0.8) and z2.grad == pytest.approx(-0.8)
    assert w.grad == 0.0 and b.grad == 0.0           # their steps have not come yet
    next(s)
    assert b.grad == pytest.approx(-0.8) and w.grad == 0.0
    assert s.run() is s and s.position == len(s)
    assert w.grad == pytest.approx(-0.4)
    assert list(s) == []                             # a walked stepper has no steps left
    L.backward()                                     # the graph was kept for backward
    assert w.grad == pytest.approx(-0.8)             # ... which adds, as a second backward would


def test_apply_false_explains_without_writing():
    L, leaves, _ = worked_example()
    s = BackpropStepper(L, apply=False)
    assert [step.index for step in s] == [0, 1, 2, 3, 4]
    assert all(leaf.grad == 0.0 for leaf in leaves) and L.grad == 0.0
    L.backward()
    for leaf in leaves:
        assert s.gradient(leaf) == leaf.grad


_UNARY = ["tanh", "sigmoid", "relu", "exp", "sin", "neg"]
_BINARY = ["+", "-", "*", "/"]


@st.composite
def value_programs(draw):
    """A random scalar program: each line applies an op to earlier values (reused freely)."""
    n_leaves = draw(st.integers(1, 3))
    leaves = [draw(st.floats(-2, 2, allow_nan=False)) for _ in range(n_leaves)]
    lines = []
    for k in range(draw(st.integers(1, 8))):
        avail = n_leaves + k
        if draw(st.booleans()):
            lines.append((draw(st.sampled_from(_UNARY)), draw(st.integers(0, avail - 1)), None))
        else:
            lines.append((draw(st.sampled_from(_BINARY)), draw(st.integers(0, avail - 1)),
                          draw(st.integers(0, avail - 1))))
    return leaves, lines


def run_program(program):
    leaves, lines = program
    values = [Value(v, label=f"a{i}") for i, v in enumerate(leaves)]
    for op, i, j in lines:
        x = values[i]
        if j is None:
            values.append(-x if op == "neg" else getattr(x, op)())
        elif op == "/":
            y = values[j]
            values.append(x / (y * y + 1.0))         # a denominator that cannot be 0
        else:
            y = values[j]
            values.append({"+": x + y, "-": x - y, "*": x * y}[op])
    return values[-1] * 1.0, values                # the loss is never a leaf


@given(program=value_programs())
def test_walking_a_value_graph_gives_backwards_gradients_for_every_node(program):
    try:
        (loss, nodes), (twin, twin_nodes) = twin_graphs(lambda: run_program(program))
    except OverflowError:  # exp of exp of ...: the program's value is not a float
        reject()
    BackpropStepper(loss).run()
    twin.backward()
    # The same float operations in the same order: equal, NaN where both reach NaN.
    np.testing.assert_array_equal([n.grad for n in nodes], [n.grad for n in twin_nodes])
    assert loss.grad == twin.grad == 1.0


def test_walking_a_tensor_mlp_gives_backwards_gradients():
    def build():
        model = nn.MLP(3, [5, 4, 2], rng=0)
        rng = np.random.default_rng(1)
        X = Tensor(rng.normal(size=(6, 3)).astype(np.float32), name="X")
        hidden = model[0](X)
        hidden.retain_grad()
        out = model[1:](hidden)
        return nn.functional.cross_entropy(out, rng.integers(0, 2, 6)), model, hidden

    (loss, model, hidden), (twin, twin_model, twin_hidden) = twin_graphs(build)
    s = BackpropStepper(loss)
    assert all(p.grad is None for p in model.parameters())
    for step in s:
        assert step is s[s.position - 1]
    twin.backward()
    for (name, p), q in zip(model.named_parameters(), twin_model.parameters()):
        np.testing.assert_array_equal(p.grad, q.grad, err_msg=name)
        assert p.grad.dtype == q.grad.dtype == np.float32
    np.testing.assert_array_equal(hidden.grad, twin_hidden.grad)  # retain_grad() is honoured
    assert loss.grad is None and twin.grad is None                 # as backward leaves it


# ---------------------------------------------------------------- micrograd's _backward

def micrograd_lecture_neuron():
    """The neuron of micrograd's lecture: o = tanh(x1 w1 + x2 w2 + b)."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2,
                   x1w1x2w2=x1w1x2w2, n=n, o=o)


def test_manual_backward_node_by_node_as_in_the_lecture():
    o, v = micrograd_lecture_neuron()
    o.grad = 1.0
    o._backward()
    v["n"]._backward()
    v["b"]._backward()                 # a leaf: nothing to do, as in micrograd
    v["x1w1x2w2"]._backward()
    v["x2w2"]._backward()
    v["x1w1"]._backward()
    # the lecture's numbers: o = tanh(n) = 0.7071, do/dn = 1 - o^2 = 0.5
    assert o.data == pytest.approx(math.sqrt(0.5))
    assert v["n"].grad == pytest.approx(0.5)
    assert (v["x1"].grad, v["w1"].grad) == pytest.approx((-1.5, 1.0))
    assert (v["x2"].grad, v["w2"].grad) == pytest.approx((0.5, 0.0))
    twin, t = micrograd_lecture_neuron()
    twin.backward()
    assert {k: n.grad for k, n in v.items()} == {k: n.grad for k, n in t.items()}


def test_manual_backward_is_one_stepper_step():
    o, v = micrograd_lecture_neuron()
    twin, t = micrograd_lecture_neuron()
    stepper = BackpropStepper(twin)
    names = {id(node): k for k, node in t.items()}
    o.grad = 1.0
    for step in stepper:                  # after each step, the same .grad everywhere
        v[names[id(step.node)]]._backward()
        assert {k: n.grad for k, n in v.items()} == {k: n.grad for k, n in t.items()}


def test_manual_backward_after_backward_freed_the_graph_says_so():
    o, v = micrograd_lecture_neuron()
    o.backward()
    with pytest.raises(GraphReleasedError, match="retain_graph=True"):
        v["n"]._backward()
