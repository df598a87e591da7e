"""clip_grad_norm_ and clip_grad_value_ equal torch.nn.utils's, on Tensors and Values."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import Tensor, Value
from numerics import close
from optim import clip_grad_norm_, clip_grad_value_

torch = pytest.importorskip("torch")
CLOSE64 = close()

SHAPES = [(3, 4), (4,), (2, 2, 3), ()]


def _grads(seed, scale, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [np.asarray(rng.normal(size=s) * scale, dtype=dtype) for s in SHAPES]


def _pair(grads):
    ours = [Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True)
              for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        p.grad = g.copy()
        t.grad = torch.tensor(g.copy())
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, 0.5])
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 1e6])
@pytest.mark.parametrize("seed", [0, 1])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, seed):
    ours, theirs = _pair(_grads(seed, scale=2.0))
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(expected.item(), rel=CLOSE64["rtol"])
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), **CLOSE64)


def test_clip_grad_norm_float32_stays_float32_in_place():
    ours, theirs = _pair(_grads(2, scale=3.0, dtype=np.float32))
    arrays = [p.grad for p in ours]
    total = clip_grad_norm_(ours, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert total == pytest.approx(expected.item(), rel=1e-6)
    for p, t, arr in zip(ours, theirs, arrays):
        assert p.grad is arr and p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-5, atol=1e-7)


@given(grads=st.lists(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4),
                                 elements=st.floats(-100, 100)), min_size=1, max_size=4),
       max_norm=st.floats(0.01, 100), norm_type=st.sampled_from([1.0, 2.0, math.inf]))
def test_clip_grad_norm_hypothesis(grads, max_norm, norm_type):
    ours, theirs = _pair(grads)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    # relative only (atol 1e-300): drawn gradients may be tiny, and scaling keeps their ratios
    assert total == pytest.approx(expected.item(), rel=CLOSE64["rtol"], abs=1e-300)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=CLOSE64["rtol"], atol=1e-300)


@pytest.mark.parametrize("clip_value", [0.1, 1.0, 10.0])
def test_clip_grad_value_matches_torch(clip_value):
    ours, theirs = _pair(_grads(3, scale=2.0))
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad, t.grad.numpy())  # exact: clamping rounds nothing


def test_clipping_values_and_missing_gradients():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3.0, -4.0
    skipped = Tensor(np.zeros(2), requires_grad=True)
    total = clip_grad_norm_([a, b, skipped], 1.0)
    assert total == 5.0 and skipped.grad is None
    assert type(a.grad) is float
    assert (a.grad, b.grad) == pytest.approx((0.6, -0.8), rel=1e-6)
    clip_grad_value_(b, 0.5)
    assert b.grad == -0.5
    assert clip_grad_norm_([skipped], 1.0) == 0.0


def test_non_finite_norm_can_raise():
    p = Tensor(np.zeros(2), requires_grad=True)
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match=r"total 2.0-norm of the gradients is inf, not finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
