"""Losses against PyTorch (and Dice/Jaccard against a NumPy formula), large logits included."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Tensor, Value, gradcheck, grad
from autograd.tensor import ShapeError
from nn import functional as F
from numerics import CLOSE, CLOSE_DEEP, close

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOL = {np.float64: CLOSE[np.dtype(np.float64)], np.float32: CLOSE[np.dtype(np.float32)]}
# Logits of 1e4 in float32: one ulp of 1e4 is 1e-3, and a loss or gradient computed from
# them carries an absolute error of that order.
LARGE_F32 = dict(rtol=1e-5, atol=1e-3)
dtypes = st.sampled_from([np.float64, np.float32])
reductions = st.sampled_from(["mean", "sum", "none"])


def pair(x, dtype):
    x = np.asarray(x, dtype=dtype)
    return Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)


def check(loss, loss_t, x, xt, dtype, seed=0, tol=None):
    """Compare values and the gradients of sum(loss * w) for fixed random w."""
    tol = tol or TOL[dtype]
    np.testing.assert_allclose(loss.data, loss_t.detach().numpy(), **tol)
    w = np.random.default_rng(seed).standard_normal(loss.shape).astype(dtype)
    (loss * w).sum().backward()
    (loss_t * torch.from_numpy(w)).sum().backward()
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), **tol)


# ---------------------------------------------------------------- regression

@pytest.mark.parametrize("ours,theirs", [(F.mse_loss, TF.mse_loss), (F.l1_loss, TF.l1_loss)])
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), dtype=dtypes,
       reduction=reductions, seed=st.integers(0, 2**16))
def test_regression_losses_match_torch(ours, theirs, shape, dtype, reduction, seed):
    rng = np.random.default_rng(seed)
    x, xt = pair(rng.standard_normal(shape), dtype)
    y = rng.standard_normal(shape).astype(dtype)
    check(ours(x, y, reduction=reduction), theirs(xt, torch.from_numpy(y), reduction=reduction),
          x, xt, dtype, seed)


def test_regression_losses_refuse_silent_broadcasting():
    with pytest.raises(ShapeError, match=r"\(4, 1\).*\(4,\)"):
        F.mse_loss(Tensor(np.zeros((4, 1))), np.zeros(4))
    with pytest.raises(ValueError, match="reduction must be"):
        F.l1_loss(Tensor([1.0]), [1.0], reduction="avg")


def test_large_values_stay_finite_in_float32():
    x, xt = pair(np.array([1e4, -1e4, 3.0]), np.float32)
    y = np.array([-1e4, 1e4, 0.0], dtype=np.float32)
    check(F.mse_loss(x, y), TF.mse_loss(xt, torch.from_numpy(y)), x, xt, np.float32)


# ---------------------------------------------------------------- cross-entropy

@given(n=st.integers(1, 6), c=st.integers(1, 5), dtype=dtypes, reduction=reductions,
       weighted=st.booleans(), ignore=st.booleans(), as_tensor=st.booleans(),
       seed=st.integers(0, 2**16))
def test_cross_entropy_with_class_indices_matches_torch(n, c, dtype, reduction, weighted, ignore,
                                                        as_tensor, seed):
    rng = np.random.default_rng(seed)
    x, xt = pair(rng.standard_normal((n, c)) * 3, dtype)
    y = rng.integers(0, c, n)
    if ignore:
        y[0] = -100
    if ignore and n == 1 and reduction == "mean":
        y[0] = 0   # all ignored: 0/0 in both libraries, not worth comparing
    w = rng.uniform(0.1, 2.0, c).astype(dtype) if weighted else None
    target = Tensor(y) if as_tensor else y
    loss = F.cross_entropy(x, target, weight=w, reduction=reduction)
    loss_t = TF.cross_entropy(xt, torch.from_numpy(y), reduction=reduction,
                              weight=None if w is None else torch.from_numpy(w))
    check(loss, loss_t, x, xt, dtype, seed)


@given(n=st.integers(1, 5), c=st.integers(2, 5), dtype=dtypes, reduction=reductions,
       weighted=st.booleans(), onehot=st.booleans(), seed=st.integers(0, 2**16))
def test_cross_entropy_with_probability_targets_matches_torch(n, c, dtype, reduction, weighted,
                                                              onehot, seed):
    rng = np.random.default_rng(seed)
    x, xt = pair(rng.standard_normal((n, c)) * 3, dtype)
    if onehot:
        p = np.eye(c, dtype=dtype)[rng.integers(0, c, n)]
    else:
        p = rng.dirichlet(np.ones(c), n).astype(dtype)
    w = rng.uniform(0.1, 2.0, c).astype(dtype) if weighted else None
    loss = F.cross_entropy(x, p, weight=w, reduction=reduction)
    loss_t = TF.cross_entropy(xt, torch.from_numpy(p), reduction=reduction,
                              weight=None if w is None else torch.from_numpy(w))
    check(loss, loss_t, x, xt, dtype, seed)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_spatial_and_unbatched_inputs_match_torch(reduction):
    rng = np.random.default_rng(0)
    x, xt = pair(rng.standard_normal((2, 4, 3, 2)), np.float64)
    y = rng.integers(0, 4, (2, 3, 2))
    w = np.array([1.0, 2.0, 0.5, 1.5])
    check(F.cross_entropy(x, y, weight=w, reduction=reduction),
          TF.cross_entropy(xt, torch.from_numpy(y), weight=torch.from_numpy(w),
                           reduction=reduction), x, xt, np.float64)
    x, xt = pair(rng.standard_normal(5), np.float64)
    check(F.cross_entropy(x, np.array(3), reduction=reduction),
          TF.cross_entropy(xt, torch.tensor(3), reduction=reduction), x, xt, np.float64)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_large_logits_float32(reduction):
    x_np = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3], [0.0, 0.0, 1e4]])
    y = np.array([1, 1, 2])
    x, xt = pair(x_np, np.float32)
    loss = F.cross_entropy(x, y, reduction=reduction)
    assert np.all(np.isfinite(loss.data))
    check(loss, TF.cross_entropy(xt, torch.from_numpy(y), reduction=reduction), x, xt,
          np.float32, tol=LARGE_F32)
    p = np.eye(3, dtype=np.float32)[y]
    x, xt = pair(x_np, np.float32)
    check(F.cross_entropy(x, p, reduction=reduction),
          TF.cross_entropy(xt, torch.from_numpy(p), reduction=reduction), x, xt, np.float32,
          tol=LARGE_F32)


def test_cross_entropy_is_one_fused_node_with_the_documented_vjp():
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    y = np.array([0, 2, 1, 2])
    loss = F.cross_entropy(x, y)
    assert loss.op == "cross_entropy" and loss.parents == (x,)
    loss.backward()
    p = np.exp(x.data) / np.exp(x.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(x.grad, (p - np.eye(3)[y]) / 4, **close())


@pytest.mark.parametrize("target", ["index", "probs"])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_second_derivatives_match_torch(target, reduction):
    rng = np.random.default_rng(1)
    x, xt = pair(rng.standard_normal((3, 4)), np.float64)
    y = rng.integers(0, 4, 3) if target == "index" else rng.dirichlet(np.ones(4), 3)
    w = np.array([1.0, 0.5, 2.0, 1.0])
    v = rng.standard_normal((3, 4))
    loss = F.cross_entropy(x, y, weight=w, reduction=reduction).sum()
    (g,) = grad(loss, x, create_graph=True)
    (hv,) = grad((g * v).sum(), x)   # Hessian-vector product
    loss_t = TF.cross_entropy(xt, torch.from_numpy(y), weight=torch.from_numpy(w),
                              reduction=reduction).sum()
    (gt,) = torch.autograd.grad(loss_t, xt, create_graph=True)
    (hvt,) = torch.autograd.grad((gt * torch.from_numpy(v)).sum(), xt)
    np.testing.assert_allclose(g.data, gt.detach().numpy(), **close())
    np.testing.assert_allclose(hv.data, hvt.numpy(), **CLOSE_DEEP)
    assert gradcheck(lambda t: F.cross_entropy(t, y, weight=w, reduction=reduction), [x])


def test_cross_entropy_target_errors():
    x = Tensor(np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(IndexError, match="target class 3 is out of range for 3 classes"):
        F.cross_entropy(x, np.array([0, 3]))
    with pytest.raises(ShapeError, match=r"class indices of shape \(2,\), got \(3,\)"):
        F.cross_entropy(x, np.array([0, 1, 2]))
    with pytest.raises(ShapeError, match="probability targets"):
        F.cross_entropy(x, np.array([0.0, 1.0]))
    with pytest.raises(ShapeError, match=r"one entry per class, shape \(3,\)"):
        F.cross_entropy(x, np.array([0, 1]), weight=np.ones(2))


# ---------------------------------------------------------------- nll

@given(n=st.integers(1, 6), c=st.integers(1, 5), dtype=dtypes, reduction=reductions,
       weighted=st.booleans(), seed=st.integers(0, 2**16))
def test_nll_loss_matches_torch(n, c, dtype, reduction, weighted, seed):
    rng = np.random.default_rng(seed)
    x, xt = pair(-rng.uniform(0, 5, (n, c)), dtype)
    y = rng.integers(0, c, n)
    w = rng.uniform(0.1, 2.0, c).astype(dtype) if weighted else None
    check(F.nll_loss(x, y, weight=w, reduction=reduction),
          TF.nll_loss(xt, torch.from_numpy(y), reduction=reduction,
                      weight=None if w is None else torch.from_numpy(w)), x, xt, dtype, seed)


def test_cross_entropy_equals_nll_of_log_softmax():
    x = Tensor(np.random.default_rng(0).standard_normal((5, 4)))
    y = np.array([0, 1, 2, 3, 3], dtype=np.int32)
    np.testing.assert_allclose(F.cross_entropy(x, y).data,
                               F.nll_loss(F.log_softmax(x, axis=1), y).data, **close())


# ---------------------------------------------------------------- binary

@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple), dtype=dtypes,
       reduction=reductions, weighted=st.booleans(), seed=st.integers(0, 2**16))
def test_binary_cross_entropy_matches_torch(shape, dtype, reduction, weighted, seed):
    rng = np.random.default_rng(seed)
    x, xt = pair(rng.uniform(0.01, 0.99, shape), dtype)
    y = rng.uniform(0, 1, shape).astype(dtype)
    w = rng.uniform(0.5, 2, shape).astype(dtype) if weighted else None
    check(F.binary_cross_entropy(x, y, weight=w, reduction=reduction),
          TF.binary_cross_entropy(xt, torch.from_numpy(y), reduction=reduction,
                                  weight=None if w is None else torch.from_numpy(w)),
          x, xt, dtype, seed)


def test_binary_cross_entropy_at_saturated_probabilities():
    # Probabilities of exactly 0 and 1 (sigmoid of +-1e4 in float32): PyTorch clamps the log
    # at -100 and the gradient's denominator at 1e-12; so do we.
    x, xt = pair([0.0, 1.0, 1.0, 0.0, 0.5], np.float32)
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0], dtype=np.float32)
    check(F.binary_cross_entropy(x, y, reduction="none"),
          TF.binary_cross_entropy(xt, torch.from_numpy(y), reduction="none"), x, xt,
          np.float32, tol=LARGE_F32)
    logits = Tensor(np.array([1e4, -1e4, 0.0], dtype=np.float32), requires_grad=True)
    loss = F.binary_cross_entropy(logits.sigmoid(), np.array([0.0, 0.0, 1.0], dtype=np.float32))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(logits.grad))
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]"):
        F.binary_cross_entropy(Tensor([1.5]), [1.0])


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple), dtype=dtypes,
       reduction=reductions, pos=st.booleans(), weighted=st.booleans(),
       scale=st.sampled_from([1.0, 10.0, 1e4]), seed=st.integers(0, 2**16))
def test_binary_cross_entropy_with_logits_matches_torch(shape, dtype, reduction, pos, weighted,
                                                        scale, seed):
    rng = np.random.default_rng(seed)
    x, xt = pair(rng.standard_normal(shape) * scale, dtype)
    y = rng.uniform(0, 1, shape).astype(dtype)
    pw = rng.uniform(0.5, 3, shape[-1:]).astype(dtype) if pos else None
    w = rng.uniform(0.5, 2, shape).astype(dtype) if weighted else None
    loss = F.binary_cross_entropy_with_logits(x, y, weight=w, reduction=reduction, pos_weight=pw)
    assert np.all(np.isfinite(loss.data))
    loss_t = TF.binary_cross_entropy_with_logits(
        xt, torch.from_numpy(y), reduction=reduction,
        weight=None if w is None else torch.from_numpy(w),
        pos_weight=None if pw is None else torch.from_numpy(pw))
    # at logits of 1e4 and weights up to 2 the absolute error is a few ulps of 2e4
    tol = TOL[dtype] if scale < 1e4 else dict(rtol=1e-5, atol=1e-2)
    check(loss, loss_t, x, xt, dtype, seed, tol=tol)


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    x = Tensor(np.zeros(2), requires_grad=True)
    F.binary_cross_entropy_with_logits(x, np.array([0.0, 1.0]), reduction="sum").backward()
    np.testing.assert_allclose(x.grad, [0.5, -0.5])
    (g,) = grad(F.binary_cross_entropy_with_logits(x, np.array([0.0, 1.0]), reduction="sum"), x,
                create_graph=True)
    (h,) = grad(g.sum(), x)
    np.testing.assert_allclose(h.data, [0.25, 0.25])   # sigmoid'(0)


# ---------------------------------------------------------------- margins

@given(n=st.integers(1, 6), dtype=dtypes, reduction=reductions, margin=st.sampled_from([1.0, 0.5]),
       seed=st.integers(0, 2**16))
def test_binary_hinge_and_perceptron_match_torch_formulas(n, dtype, reduction, margin, seed):
    rng = np.random.default_rng(seed)
    s_np = rng.standard_normal(n) * 2
    y = rng.choice([-1, 1], n)
    s_np[np.isclose(np.abs(s_np), margin) | (s_np == 0)] += 0.1   # away from the kinks

    def reduce(v):
        return v.mean() if reduction == "mean" else v.sum() if reduction == "sum" else v

    yt = torch.from_numpy(y.astype(dtype))
    x, xt = pair(s_np, dtype)
    check(F.hinge_loss(x, y, margin=margin, reduction=reduction),
          reduce(torch.clamp(margin - yt * xt, min=0)), x, xt, dtype, seed)
    x, xt = pair(s_np, dtype)
    check(F.perceptron_loss(x, y, reduction=reduction), reduce(torch.clamp(-yt * xt, min=0)),
          x, xt, dtype, seed)


@given(n=st.integers(1, 5), c=st.integers(2, 5), dtype=dtypes, reduction=reductions,
       seed=st.integers(0, 2**16))
def test_multiclass_hinge_matches_torch_multi_margin_loss(n, c, dtype, reduction, seed):
    rng = np.random.default_rng(seed)
    x, xt = pair(rng.standard_normal((n, c)) * 2, dtype)
    y = rng.integers(0, c, n)
    check(F.hinge_loss(x, y, reduction=reduction),
          TF.multi_margin_loss(xt, torch.from_numpy(y), reduction=reduction), x, xt, dtype, seed)


def test_margin_losses_reject_zero_one_labels():
    with pytest.raises(ValueError, match="-1 or \\+1.*2 \\* y - 1"):
        F.perceptron_loss(Tensor([0.5, -0.5]), [0, 1])


def test_perceptron_update_identity():
    """One SGD step with lr 1 on the perceptron loss of a misclassified point is w += y x."""
    rng = np.random.default_rng(0)
    layer = nn.Linear(4, 1, rng=0, dtype=np.float64)
    x = rng.standard_normal(4)
    score = float(layer(Tensor(x)).item())
    y = -1 if score > 0 else 1   # make the point misclassified
    w0, b0 = layer.weight.data.copy(), layer.bias.data.copy()
    loss = F.perceptron_loss(layer(Tensor(x[None])).reshape(-1), [y])
    layer.zero_grad()
    loss.backward()
    for p in layer.parameters():
        p.data = p.data - 1.0 * p.grad
    np.testing.assert_allclose(layer.weight.data, w0 + y * x[None], **close())
    np.testing.assert_allclose(layer.bias.data, b0 + y, **close())
    # A correctly classified point gives no update; a point on the boundary does (as Rosenblatt).
    for p in layer.parameters():
        p.grad = None
    margin = float(layer(Tensor(x)).item()) * y
    assert margin > 0
    F.perceptron_loss(layer(Tensor(x[None])).reshape(-1), [y]).backward()
    assert np.all(layer.weight.grad == 0)
    zero = nn.Linear(4, 1, init="zeros", dtype=np.float64)
    F.perceptron_loss(zero(Tensor(x[None])).reshape(-1), [1]).backward()
    np.testing.assert_allclose(zero.weight.grad, -x[None])


def test_perceptron_update_through_an_optimizer():
    optim = pytest.importorskip("optim")
    if not hasattr(optim, "SGD"):
        pytest.skip("optim.SGD is not available")
    layer = nn.Linear(3, 1, init="zeros", dtype=np.float64)
    opt = optim.SGD(layer.parameters(), lr=1.0)
    x = np.array([1.0, -2.0, 0.5])
    opt.zero_grad()
    F.perceptron_loss(layer(Tensor(x[None])).reshape(-1), [-1]).backward()
    opt.step()
    np.testing.assert_allclose(layer.weight.data, -x[None])
    np.testing.assert_allclose(layer.bias.data, [-1.0])


# ---------------------------------------------------------------- Dice and Jaccard

def numpy_overlap(p, t, eps, kind):
    axes = (0,) + tuple(range(2, p.ndim))
    inter = (p * t).sum(axis=axes)
    total = p.sum(axis=axes) + t.sum(axis=axes)
    if kind == "dice":
        score = (2 * inter + eps) / (total + eps)
    else:
        score = (inter + eps) / (total - inter + eps)
    return 1 - score


@pytest.mark.parametrize("kind", ["dice", "jaccard"])
@given(n=st.integers(1, 3), c=st.integers(1, 4), spatial=st.lists(st.integers(1, 3), max_size=2),
       dtype=dtypes, eps=st.sampled_from([1e-6, 1.0]), indices=st.booleans(),
       seed=st.integers(0, 2**16))
def test_dice_and_jaccard_match_the_formula(kind, n, c, spatial, dtype, eps, indices, seed):
    rng = np.random.default_rng(seed)
    shape = (n, c) + tuple(spatial)
    logits = rng.standard_normal(shape)
    p_np = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, c, (n,) + tuple(spatial))
    t_np = np.moveaxis(np.eye(c)[labels], -1, 1)
    fn = F.soft_dice_loss if kind == "dice" else F.soft_jaccard_loss
    p = Tensor(p_np.astype(dtype), requires_grad=True)
    loss = fn(p, labels if indices else t_np, eps=eps, reduction="none")
    expected = numpy_overlap(p_np, t_np, eps, kind)
    np.testing.assert_allclose(loss.data, expected, **close(dtype))
    np.testing.assert_allclose(fn(p, t_np, eps=eps).data, expected.mean(), rtol=1e-5)
    # gradients: against PyTorch autograd of the same formula
    pt = torch.tensor(p_np, requires_grad=True)
    tt = torch.from_numpy(t_np)
    dims = (0,) + tuple(range(2, len(shape)))
    inter, total = (pt * tt).sum(dims), pt.sum(dims) + tt.sum(dims)
    score = (2 * inter + eps) / (total + eps) if kind == "dice" else \
        (inter + eps) / (total - inter + eps)
    (1 - score).mean().backward()
    p64 = Tensor(p_np, requires_grad=True)
    fn(p64, t_np, eps=eps).backward()
    np.testing.assert_allclose(p64.grad, pt.grad.numpy(), **close())


@pytest.mark.parametrize("fn", [F.soft_dice_loss, F.soft_jaccard_loss])
def test_overlap_losses_from_large_logits_float32(fn):
    x = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 0.0, 1e4]], dtype=np.float32),
               requires_grad=True)
    loss = fn(x, np.array([0, 2]), from_logits=True)
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad))
    assert loss.item() < 0.5   # both rows confidently right; class 1 absent from both scores 1
    binary = Tensor(np.array([[1e4], [-1e4]], dtype=np.float32), requires_grad=True)
    fn(binary, np.array([[1.0], [0.0]]), from_logits=True).backward()
    assert np.all(np.isfinite(binary.grad))


# ---------------------------------------------------------------- every loss at 1e4

BIG = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3], [3.0, -1e4, 1e4]], dtype=np.float32)
LABELS = np.array([1, 0, 2])
SIGNS = np.where(BIG > 0, -1, 1)   # every score on the wrong side, by a lot
ONEHOT = np.eye(3, dtype=np.float32)[LABELS]
EVERY_LOSS = {
    "mse_loss": lambda x: F.mse_loss(x, -x.data),
    "l1_loss": lambda x: F.l1_loss(x, -x.data),
    "cross_entropy": lambda x: F.cross_entropy(x, LABELS),
    "cross_entropy(probs)": lambda x: F.cross_entropy(x, ONEHOT),
    "nll_loss": lambda x: F.nll_loss(F.log_softmax(x, axis=1), LABELS),
    "binary_cross_entropy": lambda x: F.binary_cross_entropy(x.sigmoid(), 1 - ONEHOT),
    "binary_cross_entropy_with_logits": lambda x: F.binary_cross_entropy_with_logits(
        x, 1 - ONEHOT, pos_weight=np.full(3, 2.0, dtype=np.float32)),
    "hinge_loss": lambda x: F.hinge_loss(x, SIGNS),
    "hinge_loss(multiclass)": lambda x: F.hinge_loss(x, LABELS),
    "perceptron_loss": lambda x: F.perceptron_loss(x, SIGNS),
    "soft_dice_loss": lambda x: F.soft_dice_loss(x, LABELS, from_logits=True),
    "soft_jaccard_loss": lambda x: F.soft_jaccard_loss(x, ONEHOT, from_logits=True),
}


@pytest.mark.parametrize("name", sorted(EVERY_LOSS))
def test_every_loss_is_finite_in_float32_at_logits_of_1e4(name):
    x = Tensor(BIG.copy(), requires_grad=True)
    loss = EVERY_LOSS[name](x)
    loss.backward()
    assert loss.dtype == np.float32 and np.isfinite(loss.item())
    assert x.grad.dtype == np.float32 and np.all(np.isfinite(x.grad))


# ---------------------------------------------------------------- modules

@pytest.mark.parametrize("module,fn,kwargs,x,y", [
    (nn.MSELoss, F.mse_loss, {}, [[0.5, 1.0]], [[1.0, 0.0]]),
    (nn.L1Loss, F.l1_loss, {"reduction": "sum"}, [[0.5, 1.0]], [[1.0, 0.0]]),
    (nn.CrossEntropyLoss, F.cross_entropy, {"weight": [1.0, 2.0]}, [[0.5, 1.0]], [1]),
    (nn.NLLLoss, F.nll_loss, {}, [[-0.5, -1.0]], [1]),
    (nn.BCELoss, F.binary_cross_entropy, {}, [[0.5, 0.9]], [[1.0, 0.0]]),
    (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, {"pos_weight": [2.0, 1.0]},
     [[0.5, 1.0]], [[1.0, 0.0]]),
    (nn.HingeLoss, F.hinge_loss, {"margin": 0.5}, [[0.5, -1.0]], [[1, 1]]),
    (nn.PerceptronLoss, F.perceptron_loss, {}, [[0.5, -1.0]], [[1, 1]]),
    (nn.SoftDiceLoss, F.soft_dice_loss, {"eps": 1.0}, [[0.3, 0.7]], [1]),
    (nn.SoftJaccardLoss, F.soft_jaccard_loss, {"from_logits": True}, [[0.3, 0.7]], [1]),
])
def test_loss_modules_wrap_the_functions(module, fn, kwargs, x, y):
    x = Tensor(np.array(x, dtype=np.float32))
    y = np.array(y)
    if y.dtype.kind == "f":
        y = y.astype(np.float32)
    if "weight" in kwargs or "pos_weight" in kwargs:
        kwargs = {k: np.array(v, dtype=np.float32) for k, v in kwargs.items()}
    np.testing.assert_allclose(module(**kwargs)(x, y).data, fn(x, y, **kwargs).data, rtol=1e-6)
    assert isinstance(module(), nn.Module)


def test_a_value_given_to_a_loss_is_refused_not_made_a_constant():
    # Tensor(value) would drop the Value's gradient without a word.
    for loss in (F.mse_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits):
        with pytest.raises(TypeError, match="got a Value"):
            loss(Value(0.5), 0.5)
