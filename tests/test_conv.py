"""Convolution and pooling: second derivatives, chunked batches, layers, errors, drawings, plots.

First derivatives of every conv and pool rule against finite differences and
PyTorch, over drawn geometries, run in test_rules.py (the cases are in
autograd.testing.conv_cases); here the same cases are differentiated twice
against ``torch.autograd.grad`` twice.
"""
from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
from autograd import BackpropStepper, ShapeError, Tensor, conv_ops, draw_graph, grad
from autograd.testing import RULE_CASES
from nn.plots import feature_maps, plot_feature_maps, plot_filters

torch = pytest.importorskip("torch")
TF = torch.nn.functional
matplotlib.use("Agg")

# float64 on both sides, the same sums in a different order: agreement to ~1e-12 relative.
TOL = dict(rtol=1e-9, atol=1e-11)


def _loss(out, w1, w2):
    # A linear and a quadratic term: the second derivative runs through the op's VJP
    # recorded as a graph (even for ops linear in their input, as a convolution).
    return (out * w1).sum() + (out * out * w2).sum() * 0.5


@pytest.mark.parametrize("name", ["conv2d", "avg_pool2d", "max_pool2d", "unfold", "fold"])
@settings(max_examples=25)
@given(data=st.data())
def test_second_derivatives_match_torch_autograd_grad_twice(name, data):
    case = data.draw(RULE_CASES[name], label=name)
    xs = [Tensor(a.copy(), requires_grad=True) for a in case.inputs]
    ts = [torch.tensor(a, requires_grad=True) for a in case.inputs]
    out, tout = case.fn(*xs), case.torch_fn(*ts)
    rng = np.random.default_rng(0)
    w1, w2 = rng.standard_normal(out.shape), rng.standard_normal(out.shape)
    vs = [rng.standard_normal(a.shape) for a in case.inputs]

    gs = grad(_loss(out, w1, w2), xs, create_graph=True)
    hv = grad(sum((g * v).sum() for g, v in zip(gs, vs)), xs, allow_unused=True)
    tgs = torch.autograd.grad(_loss(tout, torch.tensor(w1), torch.tensor(w2)), ts,
                              create_graph=True)
    thv = torch.autograd.grad(sum((g * torch.tensor(v)).sum() for g, v in zip(tgs, vs)), ts,
                              allow_unused=True)
    for i, a in enumerate(case.inputs):
        np.testing.assert_allclose(gs[i].data, tgs[i].detach().numpy(), **TOL,
                                   err_msg=f"{case.label}: first derivative, input {i}")
        got = np.zeros(a.shape) if hv[i] is None else hv[i].data
        expected = np.zeros(a.shape) if thv[i] is None else thv[i].numpy()
        np.testing.assert_allclose(got, expected, **TOL,
                                   err_msg=f"{case.label}: second derivative, input {i}")


# ---------------------------------------------------------------- forward mode

def _cnn(conv2d, avg_pool2d, max_pool2d, cross_entropy, x, y):
    """A small CNN's loss as a function of its parameters, in either library's functions."""
    def loss(w1, b1, w2, v):
        h = avg_pool2d(conv2d(x, w1, b1, padding=1).tanh(), 2, stride=1)
        h = max_pool2d(conv2d(h, w2, stride=2, groups=2), 2)
        return cross_entropy(h.reshape((x.shape[0], -1)) @ v.T, y)

    return loss


def test_hvp_through_a_cnn_matches_torch_func_jvp_of_grad():
    # Forward-over-reverse: the tangents go through the VJPs of conv2d, both poolings, im2col
    # and col2im recorded as a graph, i.e. through every conv rule's JVP.
    from autograd.functional import hvp

    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((2, 2, 7, 7)), np.array([1, 2])
    params = (rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4),
              rng.standard_normal((4, 2, 2, 2)), rng.standard_normal((3, 4)))
    v = tuple(rng.standard_normal(p.shape) for p in params)
    ours = _cnn(F.conv2d, F.avg_pool2d, F.max_pool2d, F.cross_entropy, Tensor(x), y)
    value, hv = hvp(ours, tuple(Tensor(p) for p in params), tuple(Tensor(t) for t in v))
    theirs = _cnn(TF.conv2d, TF.avg_pool2d, TF.max_pool2d, TF.cross_entropy, torch.tensor(x),
                  torch.tensor(y))
    _, thv = torch.func.jvp(torch.func.grad(theirs, argnums=(0, 1, 2, 3)),
                                 tuple(torch.tensor(p) for p in params),
                                 tuple(torch.tensor(t) for t in v))
    np.testing.assert_allclose(value.data, theirs(*map(torch.tensor, params)).item(), **TOL)
    for i, (a, b) in enumerate(zip(hv, thv)):
        np.testing.assert_allclose(a.data, b.numpy(), **TOL, err_msg=f"H v, parameter {i}")


def test_max_pool_splits_a_tangent_of_a_tie_as_its_gradient():
    from autograd.functional import jvp, vjp

    x = np.array([[[[1.0, 1.0, 0.0], [0.0, 0.0, 2.0]]]])
    t = np.array([[[[0.5, -1.5, 3.0], [7.0, 11.0, 0.25]]]])
    _, jt = jvp(lambda a: F.max_pool2d(a, (2, 2), stride=1), Tensor(x), Tensor(t))
    # Window 1 ties between its two 1s: their tangents' mean; window 2 has one max, 2.0.
    assert jt.data.tolist() == [[[[(0.5 - 1.5) / 2, 0.25]]]]
    v = np.array([[[[2.0, -3.0]]]])
    _, (g,) = vjp(lambda a: F.max_pool2d(a, (2, 2), stride=1), (Tensor(x),), Tensor(v))
    # The same route both ways: <v, J t> = <J^T v, t>, in dyadic numbers (exact).
    assert (v * jt.data).sum() == (g.data * t).sum()


# ---------------------------------------------------------------- batches in chunks

@pytest.mark.parametrize("chunk_bytes", [1, 3000, conv_ops.CHUNK_BYTES])
@pytest.mark.parametrize("geometry", [dict(stride=1, padding=1), dict(stride=2, padding=2),
                                      dict(stride=(1, 2), dilation=(2, 1), groups=3)])
def test_a_batch_split_into_chunks_gives_the_same_convolution(monkeypatch, chunk_bytes, geometry):
    # One image per chunk, a few images per chunk (the last one shorter), one chunk.
    monkeypatch.setattr(conv_ops, "CHUNK_BYTES", chunk_bytes)
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((7, 6, 9, 9)), rng.standard_normal((6, 6 // geometry.get(
        "groups", 1), 3, 3)), rng.standard_normal(6)
    ours = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out, tout = F.conv2d(*ours, **geometry), TF.conv2d(*theirs, **geometry)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), **TOL)


@pytest.mark.parametrize("make", [
    lambda T: T.Conv2d(2, 3, 3, padding=1), lambda T: T.Conv2d(2, 4, 3, stride=2, groups=2),
    lambda T: T.MaxPool2d(2), lambda T: T.AvgPool2d(3, stride=1, padding=1)])
def test_an_empty_batch_goes_through_as_in_pytorch(make):
    # The last batch of a filtered dataset can be empty: shapes as PyTorch's, zero gradients.
    layer, tlayer = make(nn), make(torch.nn)
    x = Tensor(np.zeros((0, 2, 7, 7)), requires_grad=True)
    out, tout = layer(x), tlayer(torch.zeros((0, 2, 7, 7)))
    assert out.shape == tuple(tout.shape)
    out.sum().backward()
    assert x.grad.shape == x.shape
    assert all(not np.any(p.grad) for p in layer.parameters())


def test_float32_stays_float32_and_integer_images_are_cast():
    conv = nn.Conv2d(1, 2, 3, rng=0)
    pixels = np.arange(2 * 25, dtype=np.uint8).reshape(2, 1, 5, 5)
    out = nn.AvgPool2d(3)(nn.MaxPool2d(1)(conv(Tensor(pixels))))
    assert out.dtype == np.float32 and out.shape == (2, 2, 1, 1)
    out.sum().backward()
    assert conv.weight.grad.dtype == np.float32 and conv.bias.grad.dtype == np.float32


# ---------------------------------------------------------------- pooling ties and padding

def test_max_pool_splits_the_gradient_of_a_tie_evenly_as_max_does():
    x = Tensor([[[[1.0, 1.0, 0.0], [0.0, 0.0, 2.0]]]], requires_grad=True)
    F.max_pool2d(x, (2, 2), stride=1).sum().backward()
    # Window 1 ties between its two 1s; window 2 has one max, 2.0.
    assert x.grad.tolist() == [[[[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]]]
    y = Tensor([[1.0, 1.0, 0.0, 0.0]], requires_grad=True)
    y.max().backward()
    assert y.grad.tolist() == [[0.5, 0.5, 0.0, 0.0]]


def test_max_pool_never_picks_padding_and_avg_pool_counts_it_by_default():
    x = Tensor(-np.ones((1, 1, 2, 2)), requires_grad=True)
    assert F.max_pool2d(x, 2, stride=1, padding=1).data.max() == -1.0
    assert F.avg_pool2d(x, 2, stride=2, padding=1).data.ravel().tolist() == [-0.25] * 4
    assert F.avg_pool2d(x, 2, stride=2, padding=1,
                        count_include_pad=False).data.ravel().tolist() == [-1.0] * 4


def test_pooling_an_unbatched_image_and_leaving_trailing_rows_as_pytorch():
    x = np.random.default_rng(2).standard_normal((3, 7, 5))
    for ours, theirs in [(nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
                         (nn.AvgPool2d(3, stride=2), torch.nn.AvgPool2d(3, stride=2))]:
        out = ours(Tensor(x))
        np.testing.assert_allclose(out.data, theirs(torch.tensor(x)).numpy(), **TOL)
        assert out.shape == (3, 3, 2) if isinstance(ours, nn.MaxPool2d) else (3, 3, 2)


# ---------------------------------------------------------------- layers like PyTorch's

def _lenet(rng=0, init=None):
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2, rng=rng, init=init), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(6, 16, 5, rng=rng, init=init), nn.ReLU(),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(400, 10, rng=rng))


def _torch_lenet():
    T = torch.nn
    return T.Sequential(T.Conv2d(1, 6, 5, padding=2), T.ReLU(), T.MaxPool2d(2), T.Conv2d(6, 16, 5),
                        T.ReLU(), T.AvgPool2d(2), T.Flatten(), T.Linear(400, 10))


def test_state_dicts_move_to_and_from_pytorch_unchanged():
    x = np.random.default_rng(3).random((2, 1, 28, 28), dtype=np.float32)
    ours, theirs = _lenet(), _torch_lenet()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    # float32 sums of up to 400 products in different orders: a few ulps of the outputs.
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    back = _lenet(rng=9)
    back.load_state_dict(theirs.state_dict())
    for (k, a), b in zip(back.state_dict().items(), ours.state_dict().values()):
        assert np.array_equal(a, b), k   # copies of the same float32 values


def test_batchnorm2d_matches_pytorch_in_training_and_eval():
    rng = np.random.default_rng(4)
    ours = nn.BatchNorm2d(3, momentum=0.2, dtype=np.float64)
    theirs = torch.nn.BatchNorm2d(3, momentum=0.2).double()
    ours.weight.data, ours.bias.data = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    theirs.load_state_dict({k: torch.from_numpy(np.asarray(v, dtype=np.float64))
                            for k, v in ours.state_dict().items()})
    for training in (True, True, False):
        ours.train(training)
        theirs.train(training)
        x = rng.standard_normal((4, 3, 5, 2)) * 2 + 1
        xo, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, tout = ours(xo), theirs(xt)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL)
        g = rng.standard_normal(x.shape)
        out.backward(g)
        tout.backward(torch.tensor(g))
        np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-8, atol=1e-10)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=1e-12, err_msg=k)
    with pytest.raises(ShapeError, match=r"BatchNorm2d\(3\).*\(N, 3, H, W\).*\(4, 3\)"):
        ours(Tensor(np.zeros((4, 3))))


def test_conv2d_initialises_as_pytorch_and_takes_the_project_initialisers():
    fan_in = 16 // 4 * 3 * 5                 # in_channels / groups * kH * kW
    conv = nn.Conv2d(16, 64, (3, 5), groups=4, rng=0)
    ref = torch.nn.Conv2d(16, 64, (3, 5), groups=4)
    assert conv.weight.shape == tuple(ref.weight.shape) == (64, 4, 3, 5)
    bound = 1 / np.sqrt(fan_in)
    for ours, theirs in ((conv.weight, ref.weight), (conv.bias, ref.bias)):
        assert np.abs(ours.data).max() <= bound and np.abs(theirs.detach().numpy()).max() <= bound
    # U(-a, a) has std a / sqrt(3); 3840 draws put the sample std within 4% of it.
    assert conv.weight.data.std() == pytest.approx(bound / np.sqrt(3), rel=0.04)
    he = nn.Conv2d(16, 64, (3, 5), groups=4, init="he_normal", rng=0)
    assert he.weight.data.std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.04)
    assert not he.bias.data.any()
    glorot = nn.Conv2d(16, 64, (3, 5), groups=4, init="glorot_uniform", rng=0)
    fan_out = 64 * 3 * 5
    a = np.sqrt(6 / (fan_in + fan_out))
    assert np.abs(glorot.weight.data).max() <= a
    assert glorot.weight.data.std() == pytest.approx(a / np.sqrt(3), rel=0.04)


def test_layer_reprs_and_padding_same():
    assert repr(nn.Conv2d(3, 8, 3, stride=2, padding=1, dilation=2, groups=1, bias=False)) == (
        "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
        "bias=False)  # 216 parameters")
    same = nn.Conv2d(2, 4, (3, 5), padding="same", dilation=(2, 1), rng=0)
    assert same(Tensor(np.zeros((1, 2, 9, 7), dtype=np.float32))).shape == (1, 4, 9, 7)
    assert "padding='same'" in repr(same)
    x = np.random.default_rng(5).standard_normal((1, 2, 9, 7)).astype(np.float32)
    ref = torch.nn.Conv2d(2, 4, (3, 5), padding="same", dilation=(2, 1))
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in same.state_dict().items()})
    np.testing.assert_allclose(same(Tensor(x)).data, ref(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- errors name layer and shapes

def test_conv2d_errors_name_the_layer_and_the_shapes():
    conv = nn.Conv2d(1, 6, 5)
    layer = r"Conv2d\(1, 6, kernel_size=\(5, 5\), stride=\(1, 1\)\)"
    with pytest.raises(ShapeError, match=layer + r".*4-D input.*\(2, 28, 28\).*unsqueeze\(1\)"):
        conv(Tensor(np.zeros((2, 28, 28))))
    with pytest.raises(ShapeError, match=layer + r".*1 input channel.*\(2, 3, 28, 28\)"):
        conv(Tensor(np.zeros((2, 3, 28, 28))))
    with pytest.raises(ShapeError, match=layer + r".*kernel 5x5 is larger than the padded input"
                                                 r".*\(1, 1, 3, 9\).*height 3"):
        conv(Tensor(np.zeros((1, 1, 3, 9))))
    strided = r"Conv2d\(1, 6, kernel_size=\(5, 5\), stride=\(2, 2\)\)"
    with pytest.raises(ShapeError, match=strided + r".*\(1, 1, 28, 28\).*non-integer output "
                                                   r"height.*12.5.*last 1 row"):
        nn.Conv2d(1, 6, 5, stride=2)(Tensor(np.zeros((1, 1, 28, 28))))
    with pytest.raises(ValueError, match=r"Conv2d: groups=4 must divide both in_channels=6"):
        nn.Conv2d(6, 8, 3, groups=4)
    with pytest.raises(ValueError, match=r"groups=4 does not divide the 6 output channels"):
        F.conv2d(Tensor(np.zeros((1, 8, 5, 5))), Tensor(np.zeros((6, 2, 3, 3))), groups=4)
    with pytest.raises(ShapeError, match=r"conv2d: the bias must have shape \(6,\).*\(5,\)"):
        F.conv2d(Tensor(np.zeros((1, 2, 5, 5))), Tensor(np.zeros((6, 2, 3, 3))),
                 Tensor(np.zeros(5)))
    with pytest.raises(ShapeError, match=r"conv2d: the weight must be a 4-D Tensor"):
        F.conv2d(Tensor(np.zeros((1, 2, 5, 5))), Tensor(np.zeros((6, 2, 3))))
    with pytest.raises(ValueError, match=r"padding='same' needs stride 1"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"stride must be >= 1, got 0"):
        nn.Conv2d(1, 1, 3, stride=0)
    with pytest.raises(ValueError, match=r"padding_mode='zeros'"):
        nn.Conv2d(1, 1, 3, padding_mode="reflect")


def test_pooling_and_im2col_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ShapeError, match=r"MaxPool2d\(kernel_size=\(2, 2\).*\(N, C, H, W\) or "
                                         r"\(C, H, W\), got \(4, 4\)"):
        nn.MaxPool2d(2)(Tensor(np.zeros((4, 4))))
    with pytest.raises(ValueError, match=r"AvgPool2d\(kernel_size=\(2, 2\).*padding \(2, 2\) is "
                                         r"more than half the kernel"):
        nn.AvgPool2d(2, padding=2)(Tensor(np.zeros((1, 1, 4, 4))))
    with pytest.raises(ShapeError, match=r"max_pool2d: the kernel 3x3 is larger than the padded "
                                         r"input.*\(1, 1, 2, 5\)"):
        F.max_pool2d(Tensor(np.zeros((1, 1, 2, 5))), 3)
    with pytest.raises(ValueError, match=r"window 0 along the width.*reads padding only"):
        F.max_pool2d(Tensor(np.zeros((1, 1, 4, 1))), 2, stride=1, padding=1, dilation=2)
    with pytest.raises(ValueError, match=r"ceil_mode=True is not supported"):
        nn.MaxPool2d(2, ceil_mode=True)
    with pytest.raises(ShapeError, match=r"fold: expected an input of shape \(N, C\*4, 4\)"):
        F.fold(Tensor(np.zeros((1, 4, 5))), (3, 3), 2)


# ---------------------------------------------------------------- seeing it

def _small_cnn_loss():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, rng=0), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8, 3, rng=0))
    x = Tensor(np.random.default_rng(6).random((2, 1, 6, 6), dtype=np.float32), name="images")
    return model, nn.CrossEntropyLoss()(model(x), np.array([0, 2]))


def test_draw_graph_of_a_cnn_collapses_its_layers_and_shows_shapes():
    model, loss = _small_cnn_loss()
    loss.backward(retain_graph=True)
    src = draw_graph(loss, collapse_modules=True).source
    for text in ("cluster_", "weight (2, 1, 3, 3)", "out (2, 2, 4, 4)", "(2, 2, 2, 2) float32",
                 "maxpool", "images", "(2, 1, 6, 6) float32"):
        assert text in src, text
    assert src.count("conv2d") == 1  # the module's one operation, inside its box


def test_the_stepper_walks_through_a_conv_node_with_its_matmul_form():
    model, loss = _small_cnn_loss()
    stepper = BackpropStepper(loss)
    loss.backward()
    (conv_step,) = [s for s in stepper.steps if s.op == "conv2d"]
    text = conv_step.explain()
    assert "0.weight ⋆ images + 0.bias   (per image: 0.weight_mat · cols(images) + 0.bias)" \
        in text
    np.testing.assert_allclose(stepper.gradient(model[0].weight), model[0].weight.grad,
                               rtol=1e-6)


def test_the_stepper_writes_convolution_and_pooling_in_their_im2col_form():
    rng = np.random.default_rng(8)
    X = Tensor(rng.standard_normal((2, 1, 7, 7)), name="X")
    W1 = Tensor(rng.standard_normal((2, 1, 3, 3)), requires_grad=True, name="W1")
    b1 = Tensor(rng.standard_normal(2), requires_grad=True, name="b1")
    W2 = Tensor(rng.standard_normal((4, 1, 2, 2)), requires_grad=True, name="W2")
    Y1 = F.conv2d(X, W1, b1)
    A = Y1.relu()
    P = F.avg_pool2d(A, 2, stride=1)
    Y2 = F.conv2d(P, W2, stride=2, groups=2)
    M = F.max_pool2d(Y2, 2)
    for t, name in ((Y1, "Y1"), (A, "A"), (P, "P"), (Y2, "Y2"), (M, "M")):
        t.name = name
    loss = (M * M).sum()
    stepper = BackpropStepper(loss)
    steps = {s.name: s.explain() for s in stepper.steps}

    # The first layer: Y1_mat = W1_mat · cols(X) per image, (O, C·kH·kW)·(C·kH·kW, OH·OW).
    n, (o, c, kh, kw), (oh, ow) = 2, W1.shape, Y1.shape[2:]
    text = steps["Y1"]
    assert "Y1 = W1 ⋆ X + b1   (per image: W1_mat · cols(X) + b1)" in text
    assert "X needs no gradient" in text
    assert "∂L/∂W1 += ∂L/∂Y1_mat · cols(X)ᵀ summed over the images" in text
    assert (f"{W1.shape} = ({o}, {oh * ow})·({oh * ow}, {c * kh * kw}) summed over {n} images: "
            "(O, C·kH·kW) = (O, OH·OW)·(OH·OW, C·kH·kW)") in text
    assert "∂L/∂b1 += ∂L/∂Y1 summed over N, OH, OW" in text
    assert f"{b1.shape} = {Y1.shape} summed over axes 0, 2, 3" in text

    # Two groups of one input channel and two outputs: a product per image and group.
    (o, cg, kh, kw), (oh, ow), og = W2.shape, Y2.shape[2:], W2.shape[0] // 2
    text = steps["Y2"]
    assert "Y2 = W2 ⋆ P, stride (2, 2), groups 2   (per image and group: W2_mat · cols(P))" \
        in text
    assert "∂L/∂P += col2im(W2_matᵀ · ∂L/∂Y2_mat)" in text
    assert (f"{P.shape} = col2im(({cg * kh * kw}, {og})·({og}, {oh * ow})) per image and group "
            "(2): col2im of (C/groups·kH·kW, OH·OW) = (C/groups·kH·kW, O/groups)·(O/groups, "
            "OH·OW)") in text
    assert (f"{W2.shape} = ({og}, {oh * ow})·({oh * ow}, {cg * kh * kw}) summed over {n} "
            "images, per group (2)") in text

    assert ("∂L/∂Y2 += ∂L/∂M to the largest entry of each window of Y2 (shared on ties), "
            "added up by col2im") in steps["M"]
    assert f"{Y2.shape} = {M.shape} sent back over 2×2 windows" in steps["M"]
    assert "∂L/∂A += ∂L/∂P / 4 to every entry of its window of A, added up by col2im" \
        in steps["P"]
    assert f"{A.shape} = {P.shape} spread back over 2×2 windows" in steps["P"]

    stepper.run()
    twin = [Tensor(t.data, requires_grad=True) for t in (W1, b1, W2)]
    out = F.max_pool2d(F.conv2d(F.avg_pool2d(F.conv2d(X, twin[0], twin[1]).relu(), 2, stride=1),
                                twin[2], stride=2, groups=2), 2)
    (out * out).sum().backward()
    for ours, theirs in zip((W1, b1, W2), twin):
        # The stepper runs the engine's own pass: the same sums in the same order.
        np.testing.assert_array_equal(ours.grad, theirs.grad)


def test_feature_maps_and_filters_plot_headless():
    model = _lenet()
    image = np.random.default_rng(7).random((28, 28), dtype=np.float32)
    maps = feature_maps(model, image, layer=2)
    assert maps.shape == (6, 14, 14)
    np.testing.assert_array_equal(maps, feature_maps(model, image, layer=model[2]))
    assert len(plot_feature_maps(model, image, layer=0).axes) == 6
    assert len(plot_feature_maps(model, image, layer="3", max_maps=10).axes) == 10
    assert len(plot_filters(model[0]).axes) == 6
    assert len(plot_filters(model[3].weight, max_filters=2).axes) == 12
    with pytest.raises(ValueError, match="pick a convolution or pooling layer"):
        feature_maps(model, image)


def test_max_pool_gradient_is_zero_where_no_window_reads():
    # Dilated windows that step over elements, and strides that skip them: those elements
    # get an exact 0, never what was left in memory.
    x = Tensor([[[[0.0, 0.125, -0.125, 1.0, 2.0, 3.0]]]], requires_grad=True)
    F.max_pool2d(x, (1, 2), stride=(1, 3), dilation=(1, 2)).sum().backward()
    assert x.grad.tolist() == [[[[1.0, 0.0, 0.0, 0.0, 0.0, 1.0]]]]
    y = Tensor(np.arange(10.0).reshape(1, 1, 2, 5), requires_grad=True)
    F.max_pool2d(y, 2, stride=3).sum().backward()
    assert y.grad.tolist() == [[[[0.0] * 5, [0.0, 1.0, 0.0, 0.0, 1.0]]]]   # column 2 is skipped
