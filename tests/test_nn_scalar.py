"""nn.scalar: micrograd-style networks of Values, fused and classic graphs, vs a Tensor MLP."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Tensor, Value, grad, toposort
from nn.scalar import MLP, Layer, Neuron
from numerics import APPROX, CLOSE_DEEP


def to_tensor_mlp(model: MLP, activation: str = "relu") -> nn.MLP:
    """The same network as an nn.MLP in float64, with the scalar weights copied in."""
    sizes = [len(layer.neurons) for layer in model.layers]
    n_in = len(model.layers[0].neurons[0].w)
    out = nn.MLP(n_in, sizes, activation=activation, dtype=np.float64)
    state = {}
    for i, layer in enumerate(model.layers):
        state[f"{2 * i}.weight"] = np.array([[w.data for w in n.w] for n in layer.neurons])
        state[f"{2 * i}.bias"] = np.array([n.b.data for n in layer.neurons])
    out.load_state_dict(state)
    return out


def test_labels_name_every_parameter():
    model = MLP(2, [4, 1], rng=0)
    labels = [p.label for p in model.parameters()]
    assert labels[:3] == ["L0.N0.w0", "L0.N0.w1", "L0.N0.b"]
    assert model.layers[0].neurons[3].w[1].label == "L0.N3.w1"
    assert labels[-1] == "L1.N0.b" and len(set(labels)) == len(labels) == 17
    assert dict(model.named_parameters())["L1.N0.w2"] is model.layers[1].neurons[0].w[2]
    out = model([0.5, -1.0])
    assert out.label == "L1.N0.z" and out.op == "Σw·x+b"


@given(sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3), n_in=st.integers(1, 3),
       activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]),
       seed=st.integers(0, 2**16))
def test_scalar_mlp_matches_tensor_mlp(sizes, n_in, activation, seed):
    rng = np.random.default_rng(seed)
    model = MLP(n_in, sizes, rng=seed, activation=activation)
    for p in model.parameters():   # nonzero biases, so they are tested too
        if p.label.endswith(".b"):
            p.data = float(rng.uniform(-0.5, 0.5))
    ref = to_tensor_mlp(model, activation)
    X = rng.standard_normal((3, n_in))
    outs = [model(list(x)) for x in X]
    outs = [o if isinstance(o, list) else [o] for o in outs]
    loss = sum((v * v for row in outs for v in row), Value(0.0))
    loss.backward()
    out_t = ref(Tensor(X))
    # Python floats against NumPy/BLAS, a few layers deep: CLOSE_DEEP's rounding budget
    np.testing.assert_allclose([[v.data for v in row] for row in outs], out_t.data, **CLOSE_DEEP)
    (out_t * out_t).sum().backward()
    for i, layer in enumerate(model.layers):
        gw = np.array([[w.grad for w in n.w] for n in layer.neurons])
        gb = np.array([n.b.grad for n in layer.neurons])
        np.testing.assert_allclose(gw, ref[2 * i].weight.grad, **CLOSE_DEEP)
        np.testing.assert_allclose(gb, ref[2 * i].bias.grad, **CLOSE_DEEP)


def test_classic_graph_has_one_mul_and_one_add_per_input_and_agrees_with_fused():
    fused, classic = MLP(3, [4, 1], rng=1), MLP(3, [4, 1], rng=1, fused=False)
    x = [0.3, -1.2, 2.0]
    yf, yc = fused(x), classic(x)
    # one fused sum against n separate additions: the same terms, summed in another order
    assert yf.data == pytest.approx(yc.data, **APPROX)
    z = classic.layers[0].neurons[0]([Value(v, requires_grad=True) for v in x])
    ops = [n.op for n in toposort([z]) if n.op]
    assert ops.count("*") == 3 and ops.count("+") == 3 and ops[-1] == "relu"
    zf = fused.layers[0].neurons[0]([Value(v, requires_grad=True) for v in x])
    assert [n.op for n in toposort([zf]) if n.op] == ["Σw·x+b", "relu"]
    yf.backward()
    yc.backward()
    for p, q in zip(fused.parameters(), classic.parameters()):
        assert p.grad == pytest.approx(q.grad, **APPROX)
    # one node per neuron instead of 2n: a 2-16-16-1 forward makes 65 neuron nodes
    big = MLP(2, [16, 16, 1], rng=0)
    nodes = toposort([big([Value(0.5, requires_grad=True), Value(-0.5, requires_grad=True)])])
    assert len([n for n in nodes if n.op]) == 16 * 2 + 16 * 2 + 1


def test_weighted_sum_supports_higher_order_derivatives():
    for fused in (True, False):
        n = Neuron(2, activation="tanh", rng=3, fused=fused)
        x = Value(0.7)
        y = n([x, 2.0])
        (dy,) = grad(y, x, create_graph=True)
        (d2y,) = grad(dy, x)
        w0, w1, b = n.w[0].data, n.w[1].data, n.b.data
        t = np.tanh(w0 * 0.7 + w1 * 2.0 + b)
        assert dy.data == pytest.approx(w0 * (1 - t * t), **APPROX)
        assert d2y.data == pytest.approx(-2 * t * (1 - t * t) * w0 * w0, **APPROX)


def test_zero_grad_and_errors():
    model = MLP(2, [3, 1], rng=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    with pytest.raises(ValueError, match="2 inputs got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        Neuron(2, activation="swish")
    assert len(Layer(3, 2, rng=0).parameters()) == 8
    assert repr(MLP(2, [3, 1], rng=0)).startswith("MLP of [Layer of [ReluNeuron(2) x3]")


def make_moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    X = np.where(upper[:, None], np.c_[np.cos(t), np.sin(t)],
                 np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return X + rng.normal(0, 0.1, X.shape), np.where(upper, 1.0, -1.0)


def test_scalar_mlp_trains_with_data_and_grad_updates():
    """A 2-16-16-1 MLP on 100 points: full-batch hinge loss with plain gradient descent."""
    rng = np.random.default_rng(0)
    X, y = make_moons(100, rng)
    model = MLP(2, [16, 16, 1], rng=1)
    params = model.parameters()
    rows = [list(x) for x in X]
    losses = []
    for step in range(30):
        scores = [model(r) for r in rows]
        loss = sum(((1 - yi * s).relu() for yi, s in zip(y, scores)), Value(0.0)) * (1 / len(y))
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= 0.1 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.6 * losses[0]  # its speed is measured in benchmarks/scalar.py


def test_scalar_parameters_work_with_optim_sgd():
    optim = pytest.importorskip("optim")
    if not hasattr(optim, "SGD"):
        pytest.skip("optim.SGD is not available")
    model = MLP(2, [3, 1], rng=0)
    opt = optim.SGD(model.parameters(), lr=0.5)
    before = [p.data for p in model.parameters()]
    opt.zero_grad()
    out = model([1.0, -1.0])
    out.backward()
    grads = [p.grad for p in model.parameters()]
    opt.step()
    for p, b, g in zip(model.parameters(), before, grads):
        assert p.data == pytest.approx(b - 0.5 * g)


def test_graph_is_drawable_with_labels():
    pytest.importorskip("graphviz")
    from autograd import draw_graph

    n = Neuron(2, rng=0, label="L0.N0")
    dot = draw_graph(n([Value(1.0, label="x0"), Value(2.0, label="x1")]))
    src = dot.source
    for label in ("L0.N0.w0", "L0.N0.w1", "L0.N0.b", "x0", "L0.N0.a"):
        assert label in src


@given(sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3), n_in=st.integers(1, 3),
       activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]),
       fused=st.booleans(), seed=st.integers(0, 2**16))
def test_forward_array_matches_calling_the_network(sizes, n_in, activation, fused, seed):
    rng = np.random.default_rng(seed)
    model = MLP(n_in, sizes, rng=seed, activation=activation, fused=fused)
    for p in model.parameters():
        if p.label.endswith(".b"):
            p.data = float(rng.uniform(-0.5, 0.5))
    X = rng.standard_normal((5, n_in))
    outs = [model(list(x)) for x in X]
    expected = np.array([[v.data for v in o] if isinstance(o, list) else o.data for o in outs])
    got = model.forward_array(X)
    assert got.shape == expected.shape
    # Python floats summed in order against a matrix product: CLOSE_DEEP's rounding budget
    np.testing.assert_allclose(got, expected, **CLOSE_DEEP)


def test_predict_and_decision_boundary_work_for_a_scalar_mlp():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    X, y = nn.datasets.make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [8, 1], rng=0)
    scores = nn.predict(model, X)
    assert scores.shape == (40,)
    np.testing.assert_allclose(scores, [model(list(map(float, x))).data for x in X], **CLOSE_DEEP)
    fig = nn.plots.plot_decision_boundary(model, X, y, resolution=40, threshold=0.0)
    assert len(fig.axes[0].collections) >= 2  # the coloured zones and the scattered points
    plt.close(fig)
    with pytest.raises(ValueError, match=r"rows of 2 values.*\(40, 3\)"):
        model.forward_array(np.zeros((40, 3)))
