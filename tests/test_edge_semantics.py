"""Edge cases where chainrule follows PyTorch (and NumPy): powers at 0 and of negative
bases, var with ddof = n, squeeze and 0-d tensors by the dim=/axis= rule, clip(None, None),
and integer tensors with Python numbers; and the one place it does not: clipping to a
single value."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Tensor, maximum
from autograd.functional import jvp

torch = pytest.importorskip("torch")

EDGE = st.sampled_from([0.0, -0.0, 0.3, 1.0, 2.0, -1.0, -0.5, 3.0])


def _grads(fn, *values):
    ours = [Tensor(np.array([v]), requires_grad=True) for v in values]
    theirs = [torch.tensor([v], dtype=torch.float64, requires_grad=True) for v in values]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0 ** -1 in the forward
        fn(*ours).sum().backward()
    fn(*theirs).sum().backward()
    return [t.grad for t in ours], [t.grad.numpy() for t in theirs]


@given(x=EDGE, y=EDGE)
def test_pow_of_two_tensors_at_the_edges_matches_pytorch(x, y):
    ours, theirs = _grads(lambda a, b: a ** b, x, y)
    for o, t in zip(ours, theirs):
        # float64 powers and logs of the same numbers; NaN and infinities where PyTorch has them
        np.testing.assert_allclose(o, t, rtol=1e-12)


@given(base=st.sampled_from([-2.0, -0.5, 0.0, 0.5, 3.0]), y=EDGE)
def test_constant_base_to_a_tensor_power_matches_pytorch(base, y):
    (ours,), (theirs,) = _grads(lambda t: base ** t, y)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)  # NaN for base < 0, not an error


def test_the_cases_named_in_the_docs():
    ours, _ = _grads(lambda a, b: a ** b, 0.0, 0.0)
    assert ours[0][0] == 0.0 and ours[1][0] == 0.0
    ours, _ = _grads(lambda a, b: a ** b, 0.0, 0.3)
    assert ours[1][0] == 0.0
    (g,), _ = _grads(lambda t: 0.0 ** t, -1.0)
    assert g[0] == -np.inf
    (g,), _ = _grads(lambda t: (-2.0) ** t, 2.0)
    assert np.isnan(g[0])


def test_var_with_ddof_equal_to_the_count_is_inf():
    x = np.array([1.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = np.var(x, ddof=2)
    assert Tensor(x).var(ddof=2).item() == ref == np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch warns of the 0 divisor
        assert Tensor(x).var(correction=2).item() == torch.tensor(x).var(correction=2).item()
    assert Tensor(x).var(unbiased=True).item() == pytest.approx(2.0)  # (1 + 1) / (2 - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(Tensor([3.0]).var(ddof=1).item())  # 0 / 0, as NumPy and PyTorch


def test_squeeze_follows_pytorch_with_dim_and_numpy_with_axis():
    assert Tensor(3.0).squeeze(0).shape == () == tuple(torch.tensor(3.0).squeeze(0).shape)
    assert Tensor(3.0).squeeze(dim=-1).shape == ()
    x = Tensor(np.zeros((2, 1, 3)))
    assert x.squeeze(0).shape == (2, 1, 3) == tuple(torch.zeros(2, 1, 3).squeeze(0).shape)
    assert x.squeeze(dim=1).shape == (2, 3)
    assert x.squeeze(dim=(0, 1)).shape == (2, 3)
    with pytest.raises(ValueError, match="axis 0 has length 2, not 1"):
        x.squeeze(axis=0)


@pytest.mark.parametrize("op", ["sum", "mean", "logsumexp", "softmax", "log_softmax", "max"])
@pytest.mark.parametrize("dim", [0, -1])
def test_zero_d_tensors_accept_dim_0_and_minus_1(op, dim):
    x = Tensor(np.array(1.5), requires_grad=True)
    tx = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    out = getattr(x, op)(dim=dim)
    ref = getattr(tx, op)(dim=dim)
    if op == "max":
        out, ref = out.values, ref.values
    assert out.shape == () and out.item() == pytest.approx(ref.item(), rel=1e-12)
    out.backward()
    ref.backward()
    assert x.grad.item() == pytest.approx(tx.grad.item(), abs=1e-12)
    with pytest.raises(ValueError, match="out of range for a tensor with 0 dimensions"):
        getattr(x, op)(dim=1)


def test_clip_with_neither_bound_raises():
    with pytest.raises(ValueError, match="clip: give min or max"):
        Tensor([1.0]).clip(None, None)
    with pytest.raises(RuntimeError):
        torch.clamp(torch.ones(1))  # PyTorch refuses too
    assert Tensor([1.0, 5.0]).clip(None, 2.0).tolist() == [1.0, 2.0]


def test_clip_to_a_single_value_is_a_constant_with_gradient_zero():
    # Where PyTorch does not follow the function: clamp(x, a, a) is the constant a, yet its
    # gradient at x == a is 1 there. Here it is 0, in both modes, as finite differences say.
    x = Tensor([0.0, 0.5, 1.0], requires_grad=True)
    x.clip(0.5, 0.5).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    jvp_out = jvp(lambda t: t.clip(0.5, 0.5), (Tensor([0.5]),), (Tensor([1.0]),))[1]
    assert jvp_out.data.tolist() == [0.0]
    # The bounds of a proper interval still pass the gradient, as in PyTorch.
    y = Tensor([0.0, 0.5, 1.0, 1.5], requires_grad=True)
    y.clip(0.5, 1.0).sum().backward()
    assert y.grad.tolist() == [0.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_])
def test_integer_tensors_with_python_floats_give_float32(dtype):
    i = Tensor(np.array([1, 0, 1], dtype=dtype))
    ti = torch.tensor(np.array([1, 0, 1], dtype=dtype))
    for ours, theirs in ((i / 2, ti / 2), (i * 1.5, ti * 1.5), (i + 0.5, ti + 0.5),
                         (2.5 * i, 2.5 * ti), (0.7 ** i, 0.7 ** ti),
                         (maximum(i, 1.2), torch.maximum(ti, torch.tensor(1.2)))):
        assert ours.dtype == np.float32 and theirs.dtype == torch.float32
        # float32 arithmetic on small integers and one constant: rounding only
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)
    if dtype is not np.bool_:
        assert (i ** 0.5).dtype == np.float32
        assert (i * 2).dtype == i.dtype and (i + 1).dtype == i.dtype  # ints stay ints
