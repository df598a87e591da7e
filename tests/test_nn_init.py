"""Initialisers: variances and bounds checked statistically, in place, seedable."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd import Tensor, zeros
from nn import Parameter, init

torch = pytest.importorskip("torch")

FAN_OUT, FAN_IN = 300, 200
N = FAN_OUT * FAN_IN   # 60000 samples per check

# The sample variance of n draws with known mean 0 has relative standard error
# sqrt((kurtosis - 1) / n): kurtosis is 1.8 for a uniform and 3 for a normal, which gives
# 0.37% and 0.58% at n = 60000. Five standard errors (under 3%) never fail by chance in
# practice (and the seed is fixed, so the test is deterministic anyway), yet catch any
# wrong factor in a formula (the smallest plausible slip, gain sqrt(2) vs 1, is 100%).
KURTOSIS = {"uniform": 1.8, "normal": 3.0}


def rel_tol(kind: str) -> float:
    return 5 * math.sqrt((KURTOSIS[kind] - 1) / N)


CASES = [
    ("glorot_uniform", {}, "uniform", 2.0 / (FAN_IN + FAN_OUT)),
    ("glorot_normal", {}, "normal", 2.0 / (FAN_IN + FAN_OUT)),
    ("glorot_uniform", {"gain": 2.0}, "uniform", 4 * 2.0 / (FAN_IN + FAN_OUT)),
    ("he_uniform", {}, "uniform", 2.0 / FAN_IN),
    ("he_normal", {}, "normal", 2.0 / FAN_IN),
    ("he_normal", {"mode": "fan_out"}, "normal", 2.0 / FAN_OUT),
    ("he_uniform", {"a": 0.2, "nonlinearity": "leaky_relu"}, "uniform", 2.0 / 1.04 / FAN_IN),
    ("he_normal", {"nonlinearity": "tanh"}, "normal", (5 / 3) ** 2 / FAN_IN),
    ("normal", {"mean": 0.0, "std": 0.3}, "normal", 0.09),
    ("uniform", {"a": -0.5, "b": 0.5}, "uniform", 1 / 12),
]


@pytest.mark.parametrize("name,kwargs,kind,variance", CASES,
                         ids=[f"{c[0]}{c[1] or ''}" for c in CASES])
def test_initialiser_variance(name, kwargs, kind, variance):
    w = zeros(FAN_OUT, FAN_IN)
    out = getattr(init, name)(w, rng=0, **kwargs)
    assert out is w and w.dtype == np.float32
    data = w.data.astype(np.float64)
    sd = math.sqrt(variance)
    assert abs(data.mean()) < 5 * sd / math.sqrt(N)
    assert abs(np.mean(data ** 2) / variance - 1) < rel_tol(kind)
    if kind == "uniform":   # the support is exactly [-a, a]: the extremes come within 0.1%
        bound = math.sqrt(3 * variance)
        assert np.abs(data).max() <= bound * (1 + 1e-6)
        assert np.abs(data).max() > bound * 0.999


def test_bounds_match_the_published_formulas():
    w = init.glorot_uniform(zeros(30, 20), rng=1)
    assert np.abs(w.data).max() <= math.sqrt(6 / 50) + 1e-7
    w = init.he_uniform(zeros(30, 20), rng=1)
    assert np.abs(w.data).max() <= math.sqrt(6 / 20) + 1e-7


def test_initialisers_are_seedable_in_place_and_work_on_parameters():
    p = Parameter(np.zeros((4, 5), dtype=np.float32))
    q = Parameter(np.zeros((4, 5), dtype=np.float32))
    assert init.he_normal(p, rng=7) is p
    init.he_normal(q, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(p.data, q.data)
    assert p.requires_grad and p.grad is None
    assert not np.array_equal(init.he_normal(q, rng=8).data, p.data)
    init.zeros(p)
    assert np.all(p.data == 0)
    init.ones(p)
    assert np.all(p.data == 1)
    init.constant(p, 0.25)
    assert np.all(p.data == 0.25)
    d = init.uniform(Tensor(np.zeros(3)), rng=0)
    assert d.dtype == np.float64


def test_fans_and_gains_match_torch():
    for shape in [(3, 5), (8, 4, 3), (6, 2, 3, 3)]:
        t = torch.empty(shape)
        assert init.fans(zeros(*shape)) == torch.nn.init._calculate_fan_in_and_fan_out(t)
    for name, param in [("relu", None), ("tanh", None), ("sigmoid", None), ("linear", None),
                        ("leaky_relu", 0.2), ("leaky_relu", None), ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.glorot_uniform(zeros(3))
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_linear_default_matches_torchs_distribution_bounds():
    # PyTorch's Linear: kaiming_uniform(a=sqrt(5)) for the weight, U(+-1/sqrt(fan_in)) bias.
    layer = nn.Linear(400, 300, rng=0)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound + 1e-7
    n = layer.weight.size
    var = np.mean(layer.weight.data.astype(np.float64) ** 2)
    assert abs(var / (bound ** 2 / 3) - 1) < 5 * math.sqrt(0.8 / n)
    torch_weight = torch.nn.Linear(400, 300).weight.detach().numpy()
    assert np.abs(torch_weight).max() <= bound + 1e-7


def test_mlp_init_names_and_callables():
    m = nn.MLP(100, [200, 10], init="he_normal", rng=0)
    var = np.mean(m[0].weight.data.astype(np.float64) ** 2)
    assert abs(var / (2 / 100) - 1) < 5 * math.sqrt(2 / m[0].weight.size)
    assert np.all(m[0].bias.data == 0)
    m = nn.MLP(3, [2], init=lambda w, rng: init.constant(w, 0.5))
    assert np.all(m[0].weight.data == 0.5) and np.all(m[0].bias.data == 0)
