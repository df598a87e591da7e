"""PyTorch's and Keras's spellings in nn: Softmax(axis=), nn.init's in-place names,
nn.utils, and the error for a PyTorch layer chainrule does not have."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import optim
from autograd import Tensor, zeros

torch = pytest.importorskip("torch")


def test_softmax_layers_take_axis_or_dim():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    for cls in (nn.Softmax, nn.LogSoftmax):
        for axis in (0, 1):
            # exact: the same rule on the same axis
            np.testing.assert_array_equal(cls(axis=axis)(x).data, cls(dim=axis)(x).data)
            assert cls(axis=axis).dim == axis
        assert cls().dim == -1 and cls(dim=1, axis=1).dim == 1
        with pytest.raises(ValueError, match="give one"):
            cls(dim=0, axis=1)
    np.testing.assert_allclose(nn.Softmax(axis=0)(x).data.sum(axis=0), [1, 1, 1], rtol=1e-6)


# Variance of the filled values: the same statistical budget as tests/test_nn_init.py.
# Five standard errors of a sample variance of 60000 draws (kurtosis 1.8 uniform,
# 3 normal), for each of the two samples compared.
N_OUT, N_IN = 300, 200


def _tol(kind):
    kurtosis = {"uniform": 1.8, "normal": 3.0}[kind]
    return 5 * math.sqrt(2 * (kurtosis - 1) / (N_OUT * N_IN))


@pytest.mark.parametrize("name, kwargs, kind", [
    ("kaiming_uniform_", {}, "uniform"),
    ("kaiming_uniform_", {"a": math.sqrt(5)}, "uniform"),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, "normal"),
    ("kaiming_normal_", {"a": 0.2}, "normal"),
    ("xavier_uniform_", {"gain": 2.0}, "uniform"),
    ("xavier_normal_", {}, "normal"),
    ("uniform_", {"a": -0.3, "b": 0.7}, "uniform"),
    ("normal_", {"mean": 0.5, "std": 0.2}, "normal"),
])
def test_in_place_initialisers_match_pytorch(name, kwargs, kind):
    ours = getattr(nn.init, name)(zeros(N_OUT, N_IN), **kwargs, generator=0)
    assert isinstance(ours, Tensor)
    theirs = getattr(torch.nn.init, name)(torch.empty(N_OUT, N_IN, dtype=torch.float64),
                                          **kwargs, generator=torch.Generator().manual_seed(0))
    a, b = ours.data.astype(np.float64), theirs.numpy()
    assert a.var() == pytest.approx(b.var(), rel=_tol(kind))
    assert a.mean() == pytest.approx(b.mean(), abs=6 * math.sqrt(b.var() / a.size))
    if kind == "uniform":  # the same bounds: both samples reach within 0.1% of them
        assert np.isclose(a.min(), b.min(), rtol=2e-3, atol=1e-4)
        assert np.isclose(a.max(), b.max(), rtol=2e-3, atol=1e-4)


def test_constant_initialisers_match_pytorch():
    for name, args in (("zeros_", ()), ("ones_", ()), ("constant_", (0.25,)), ("eye_", ())):
        ours = getattr(nn.init, name)(zeros(3, 4), *args).data
        theirs = getattr(torch.nn.init, name)(torch.empty(3, 4), *args).numpy()
        np.testing.assert_array_equal(ours, theirs)  # exact: constants
    with pytest.raises(TypeError, match="not both"):
        nn.init.normal_(zeros(2), generator=0, rng=0)
    with pytest.raises(ValueError, match="2-D"):
        nn.init.eye_(zeros(2, 2, 2))


def test_nn_utils_clips_as_optim_and_as_pytorch():
    g = np.array([[3.0, -4.0], [12.0, 0.5]], dtype=np.float32)
    layer = nn.Linear(2, 2, rng=0)
    layer.weight.grad = g.copy()
    w = torch.zeros(2, 2, requires_grad=True)
    w.grad = torch.tensor(g)
    assert nn.utils.clip_grad_norm_(layer.parameters(), 1.0) == pytest.approx(
        float(torch.nn.utils.clip_grad_norm_([w], 1.0)), rel=1e-6)
    np.testing.assert_allclose(layer.weight.grad, w.grad.numpy(), rtol=1e-6)
    assert nn.utils.clip_grad_norm_ is optim.clip_grad_norm_
    assert nn.utils.clip_grad_value_ is optim.clip_grad_value_


def test_a_missing_pytorch_layer_says_so_and_lists_what_nn_has(monkeypatch):
    with pytest.raises(AttributeError, match="PyTorch's torch.nn.LSTM is not part of chainrule"
                       ) as error:
        nn.LSTM(10, 20)
    message = str(error.value)
    for name in ("Linear", "Sequential", "BatchNorm1d", "Softmax", "ModuleList"):
        assert name in message.split("Losses:")[0]
    for name in ("CrossEntropyLoss", "MSELoss"):
        assert name in message.split("Losses:")[1]
    assert not hasattr(nn, "Conv2d") or isinstance(nn.Conv2d, type)
    with pytest.raises(AttributeError, match="nn has no Frobnicator. Layers"):
        nn.Frobnicator
    with pytest.raises(AttributeError, match="has no attribute 'frobnicate'"):
        nn.frobnicate
    assert not hasattr(nn, "__wrapped__")

    class Conv9d(nn.Module):  # a layer exported later shows up in the list by itself
        pass

    monkeypatch.setattr(nn, "Conv9d", Conv9d, raising=False)
    monkeypatch.setattr(nn, "__all__", [*nn.__all__, "Conv9d"])
    with pytest.raises(AttributeError, match="Conv9d"):
        nn.GRU
