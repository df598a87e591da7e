"""fit and evaluate: losses and optimizers by name, metrics that follow the loss, and the
warning for a softmax applied twice."""
from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import nn
import optim
from autograd import Tensor
from nn.datasets import load_boston, make_blobs, make_moons
from nn.loss_names import LOSSES, get_loss
from nn.metrics import default_metrics, loss_task


@pytest.fixture
def moons():
    return make_moons(100, noise=0.1, seed=0)


# ---------------------------------------------------------------- names

@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_name_is_a_loss_that_says_its_task(name):
    fn = get_loss(name)
    assert callable(fn) and loss_task(fn) in ("classification", "regression", "segmentation")
    assert get_loss(name.upper()) is fn


def test_loss_and_optimizer_names_in_fit(moons):
    X, y = moons
    model = nn.MLP(2, [8, 2], rng=0)
    h = nn.fit(model, loss="cross_entropy", optimizer="Adam", lr=0.05, train=(X, y), epochs=3,
               verbose=0, seed=0)
    assert len(h) == 3 and h["lr"] == [0.05] * 3
    ref = nn.MLP(2, [8, 2], rng=0)
    h_ref = nn.fit(ref, nn.CrossEntropyLoss(), optim.Adam(ref.parameters(), lr=0.05), (X, y),
                   epochs=3, verbose=0, seed=0)
    assert h["loss"] == h_ref["loss"]  # exact: the same loss, rule and data
    h = nn.fit(nn.MLP(2, [8, 2], rng=0), "cross_entropy", "sgd", (X, y), epochs=1, verbose=0)
    assert h["lr"] == [1e-3]  # the rule's own default
    for name, cls in optim.OPTIMIZERS.items():
        opt = optim.get_optimizer(name.upper(), nn.Linear(2, 1).parameters(), lr=0.01)
        assert type(opt) is cls and opt.param_groups[0]["lr"] == 0.01


def test_unknown_names_list_the_known_ones(moons):
    X, y = moons
    model = nn.MLP(2, [8, 2], rng=0)
    with pytest.raises(ValueError, match=r"unknown loss 'crossentropy'.*cross_entropy.*mse"):
        nn.fit(model, "crossentropy", "adam", (X, y), verbose=0)
    with pytest.raises(ValueError, match="takes probabilities.*loss='cross_entropy'"):
        nn.fit(model, "sparse_categorical_crossentropy", "adam", (X, y), verbose=0)
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamax'.*adam, adamw.*sgd"):
        nn.fit(model, "cross_entropy", "adamax", (X, y), verbose=0)
    with pytest.raises(ValueError, match="lr= sets the learning rate of an optimizer given by"):
        nn.fit(model, "cross_entropy", optim.SGD(model.parameters()), (X, y), lr=0.1)
    with pytest.raises(TypeError, match="missing the optimizer"):
        nn.fit(model, "cross_entropy", train=(X, y))
    with pytest.raises(TypeError, match="missing the loss"):
        nn.fit(model, optimizer="adam", train=(X, y))
    with pytest.raises(TypeError, match="one argument"):
        nn.fit(model, "mse", "adam", (X, y), loss="mse")


# ---------------------------------------------------------------- default metrics

def test_metrics_follow_the_loss():
    assert default_metrics(nn.CrossEntropyLoss()) == ("accuracy",)
    assert default_metrics(nn.BCEWithLogitsLoss()) == ("accuracy",)
    assert default_metrics(nn.functional.hinge_loss) == ("accuracy",)
    assert default_metrics(nn.MSELoss()) == default_metrics(nn.L1Loss()) == ("mae",)
    assert default_metrics("mean_squared_error") == ("mae",)
    assert default_metrics(nn.SoftDiceLoss()) == ()
    assert default_metrics(functools.partial(nn.functional.mse_loss, reduction="sum")) == \
        ("mae",)

    def mine(out, y):
        return ((out - y) ** 2).mean()

    # a loss that does not say: the targets decide
    assert default_metrics(mine, np.int64) == ("accuracy",)
    assert default_metrics(mine, np.float32) == ("mae",)
    mine.task = "classification"
    assert default_metrics(mine, np.float32) == ("accuracy",)


def test_a_first_boston_regression_runs_with_default_metrics():
    d = load_boston()
    X = ((d.X - d.X.mean(0)) / d.X.std(0)).astype(np.float32)
    model = nn.MLP(X.shape[1], [16, 1], rng=0)
    h = nn.fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01), (X, d.y),
               epochs=3, validation_split=0.2, verbose=0, seed=0)
    assert set(h.keys()) == {"loss", "mae", "val_loss", "val_mae", "time", "lr"}
    split = int(len(X) * 0.8)  # Keras's rule: the last 20%, rounded as Keras rounds
    out = nn.predict(model, X[split:])
    # MAE in the targets' units: the mean absolute difference, recomputed here in float32
    # (rel 1e-5: a few float32 roundings of a mean of 102 terms)
    assert h["val_mae"][-1] == pytest.approx(float(np.abs(out - d.y[split:]).mean()), rel=1e-5)
    ev = nn.evaluate(model, (X, d.y), "mse")
    assert set(ev) == {"loss", "mae"}


def test_evaluate_defaults_follow_the_loss_or_the_targets():
    X, y = make_blobs(60, centers=3, seed=0)
    model = nn.MLP(2, [4, 3], rng=0)
    assert set(nn.evaluate(model, (X, y), "cross_entropy")) == {"loss", "accuracy"}
    assert set(nn.evaluate(model, (X, y))) == {"accuracy"}  # integer targets
    assert set(nn.evaluate(model, (X, np.eye(3, dtype=np.float32)[y]))) == {"mae"}


def test_hinge_targets_of_minus_one_count_as_class_zero():
    X, y = make_moons(80, noise=0.05, seed=1)
    signs = (2 * y - 1).astype(np.int64)
    model = nn.MLP(2, [16, 1], rng=0)
    h = nn.fit(model, "hinge", "adam", (X, signs.astype(np.float32).reshape(-1, 1)), epochs=30,
               lr=0.05, verbose=0, seed=0)
    scores = nn.predict(model, X).ravel()
    assert nn.metrics.accuracy(signs, scores, threshold=0.0) == np.mean((scores > 0) == (y > 0))
    # read as classes 0 and 1 the -1 targets count; read as -1 they never match (at most 50%)
    assert h["accuracy"][-1] > 0.75


# ---------------------------------------------------------------- softmax twice

def test_softmax_before_cross_entropy_warns_once_with_the_fix(moons):
    X, y = moons
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.ReLU(), nn.Linear(8, 2, rng=0),
                          nn.Softmax(dim=1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # Python's own: once per place in the code
        nn.fit(model, nn.CrossEntropyLoss(), "adam", (X, y), epochs=2, batch_size=20,
               verbose=0)
    found = [w for w in caught if issubclass(w.category, nn.LossInputWarning)]
    assert len(found) == 1 and found[0].filename == __file__
    assert "Remove the final Softmax layer" in str(found[0].message)


@pytest.mark.parametrize("make_input, loss, fix", [
    (lambda x: x.softmax(axis=1), lambda x: nn.functional.nll_loss(x, np.array([0, 1])),
     "LogSoftmax"),
    (lambda x: x.sigmoid(), lambda x: nn.functional.binary_cross_entropy_with_logits(
        x, np.ones((2, 2), np.float32)), "Remove the final Sigmoid"),
])
def test_other_activations_a_loss_applies_itself(make_input, loss, fix):
    x = Tensor(np.zeros((2, 2), np.float32), requires_grad=True)
    with pytest.warns(nn.LossInputWarning, match=fix):
        loss(make_input(x))


def test_no_warning_for_logits_or_without_a_graph(moons):
    x = Tensor(np.zeros((2, 2), np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", nn.LossInputWarning)
        nn.functional.cross_entropy(x, np.array([0, 1]))
        nn.functional.cross_entropy(x.log_softmax(axis=1), np.array([0, 1]))  # log_softmax is
        nn.functional.nll_loss(x.log_softmax(axis=1), np.array([0, 1]))      # idempotent
        nn.functional.binary_cross_entropy(x.sigmoid(), np.ones((2, 2), np.float32))
