"""autograd.manual_seed: one seed makes every default draw repeat; explicit generators win."""
from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, zeros
from nn import scalar


def _draws():
    """Everything random that takes no rng/seed here, in one fixed order."""
    out = {
        "randn": autograd.randn(4).data,
        "init": nn.init.he_normal(zeros(3, 5)).data,
        "init_": nn.init.kaiming_uniform_(zeros(3, 5)).data,
        "linear": nn.Linear(3, 2).weight.data,
        "mlp": nn.MLP(2, [4, 1])[0].weight.data,
        "scalar": [p.data for p in scalar.MLP(2, [3, 1]).parameters()],
        "dropout": nn.Dropout(0.5)(autograd.ones(16)).data,
        "loader": np.concatenate([b[0].data for b in
                                  nn.DataLoader((np.arange(10.0),), batch_size=4, shuffle=True)]),
        "split": nn.train_test_split(np.arange(20), test_size=0.25)[1],
        "moons": nn.datasets.make_moons(10).X,
    }
    X, y = nn.datasets.make_moons(40, seed=0)
    model = nn.MLP(2, [4, 2], rng=0)  # fixed weights: the shuffling is what varies
    out["fit"] = nn.fit(model, "cross_entropy", "sgd", (X, y), epochs=2, batch_size=8,
                        lr=0.1, verbose=0)["loss"]
    return out


def _same(a, b):
    return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a)


def test_manual_seed_makes_every_default_draw_repeat():
    autograd.manual_seed(1234)
    first = _draws()
    autograd.manual_seed(1234)
    second = _draws()
    autograd.manual_seed(1235)
    other = _draws()
    # exact: the same generator state gives the same numbers, and the same arithmetic on them
    assert _same(first, second)
    different = [k for k in first if not np.array_equal(np.asarray(first[k]),
                                                        np.asarray(other[k]))]
    assert sorted(different) == sorted(first)  # every one of them follows the seed
    assert autograd.initial_seed() == 1235


def test_explicit_generators_and_seeds_are_used_as_given():
    autograd.manual_seed(0)
    a = nn.Linear(3, 2, rng=7).weight.data
    b = nn.init.uniform_(zeros(4), generator=np.random.default_rng(7)).data
    after = autograd.randn(3).data
    autograd.manual_seed(99)
    assert np.array_equal(nn.Linear(3, 2, rng=7).weight.data, a)
    assert np.array_equal(nn.init.uniform_(zeros(4), generator=np.random.default_rng(7)).data, b)
    autograd.manual_seed(0)
    assert np.array_equal(autograd.randn(3).data, after)  # explicit draws took nothing from it


def test_a_layer_made_before_the_seed_follows_it():
    drop = nn.Dropout(0.5)  # holds the default generator, which manual_seed re-seeds in place
    x = autograd.ones(32)
    autograd.manual_seed(3)
    first = drop(x).data
    autograd.manual_seed(3)
    assert np.array_equal(drop(x).data, first)


def test_numpy_legacy_seed_is_not_the_default_generator():
    np.random.seed(0)
    a = autograd.randn(5).data
    np.random.seed(0)
    assert not np.array_equal(autograd.randn(5).data, a)


def test_bad_seeds_are_refused():
    with pytest.raises(TypeError, match="non-negative int"):
        autograd.manual_seed(1.5)
    with pytest.raises(ValueError, match=">= 0"):
        autograd.manual_seed(-1)
    with pytest.raises(TypeError, match="rng"):
        autograd.randn(2, rng="seven")
    value = autograd.seed()
    assert autograd.initial_seed() == value and isinstance(autograd.randn(1), Tensor)
