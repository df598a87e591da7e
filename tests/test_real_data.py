"""Proof on real data: nn.MLP trained by nn.train.fit with optim.Adam, fixed seeds.

Accuracies asserted here: 8x8 digits >= 97% on a held-out quarter, Boston
housing at least 4x better than predicting the mean, two moons separated at
100% training accuracy, MNIST >= 97.5% test accuracy within 5 epochs, and
LeNet-5 (nn.Conv2d, nn.MaxPool2d, optim.SGD) >= 98% on MNIST after 1 epoch.

Each runs twice: as is, and with last-bit noise in every matrix product (as
another machine's BLAS might round; see tests/numerics.py). Measured here the
noise moves MNIST's accuracy by under 0.1 point and the others not at all, so
the thresholds hold with room on any machine.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import nn
import optim
from nn.data import standardize, train_test_split
from nn.datasets import load_boston, load_digits, load_mnist, make_moons
from nn.metrics import accuracy, confusion_matrix, mse
from nn.plots import plot_confusion_matrix, plot_decision_boundary
from nn.train import evaluate, fit, predict
from numerics import blas_noise

matplotlib.use("Agg")  # render to files only; the plots never need a display


@pytest.fixture(params=[None, 1], ids=["exact", "blas-noise"], autouse=True)
def arithmetic(request):
    """Run each test as is, then with one-ulp noise in every matrix product."""
    with blas_noise(request.param) if request.param is not None else contextlib.nullcontext():
        yield

def _one_blas_thread():
    # Products of 128-row batches are too small for BLAS threads to pay off; on a
    # busy machine the threads spin and an epoch takes several times longer.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


MNIST = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mnist"


def test_digits_mlp_reaches_97_percent():
    X, y = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, seed=1)
    X_tr, X_te, _, _ = standardize(X_tr, X_te)
    model = nn.MLP(64, [128, 10], rng=1)
    opt = optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-3)
    h = fit(model, nn.CrossEntropyLoss(), opt, (X_tr, y_tr), epochs=30, batch_size=32,
            progress=False, seed=1)
    result = evaluate(model, (X_te, y_te), nn.CrossEntropyLoss(), metrics=("accuracy",))
    assert result["accuracy"] >= 0.97, result
    assert h["accuracy"][-1] > 0.99
    cm = confusion_matrix(y_te, predict(model, X_te), num_classes=10)
    assert cm.sum() == len(y_te) and cm.trace() / cm.sum() == pytest.approx(result["accuracy"])
    plot_confusion_matrix(cm)  # renders without a display


def test_boston_mlp_beats_the_mean_predictor_4x():
    X, y = load_boston()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0)
    X_tr, X_te, _, _ = standardize(X_tr, X_te)
    baseline = mse(y_te, np.full_like(y_te, y_tr.mean()))
    model = nn.MLP(13, [64, 64, 1], rng=0)
    h = fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=1e-3), (X_tr, y_tr),
            val=(X_te, y_te), epochs=200, batch_size=32, metrics=("mse", "r2"), progress=False,
            seed=0)
    test_mse = mse(y_te, predict(model, X_te))
    assert baseline / test_mse >= 4.0, (baseline, test_mse)
    assert h["val_mse"][-1] == pytest.approx(test_mse, rel=1e-4)
    assert h["val_r2"][-1] > 0.75


def test_moons_mlp_separates_the_training_set(tmp_path):
    X, y = make_moons(200, noise=0.1, seed=0)
    targets = y.reshape(-1, 1).astype(np.float32)
    model = nn.MLP(2, [16, 16, 1], rng=0)
    h = fit(model, nn.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.01),
            (X, targets), epochs=200, batch_size=32, progress=False, seed=0)
    logits = predict(model, X)
    assert logits.shape == (200, 1)
    assert accuracy(y, logits, threshold=0.0) == 1.0
    assert h["accuracy"][-1] == 1.0
    fig = plot_decision_boundary(model, X, y, resolution=60)
    fig.savefig(tmp_path / "moons.png")
    assert (tmp_path / "moons.png").stat().st_size > 0


@pytest.mark.skipif(not (MNIST / "train-images-idx3-ubyte.gz").exists()
                    and not (MNIST / "train-images-idx3-ubyte").exists(),
                    reason=f"the MNIST IDX files are not in {MNIST.resolve()}")
def test_mnist_mlp_reaches_97_5_percent_in_5_epochs():
    train, test = load_mnist(MNIST)
    assert train.X.dtype == np.float32 and float(train.X.max()) == 1.0
    model = nn.MLP(784, [256, 128, 10], rng=0)
    with _one_blas_thread():
        h = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                (train.X, train.y), epochs=5, batch_size=128, progress=False, seed=0)
        result = evaluate(model, (test.X, test.y), nn.CrossEntropyLoss())
    assert result["accuracy"] >= 0.975, result
    assert len(h) == 5 and h["loss"][-1] < h["loss"][0]


@pytest.mark.skipif(not (MNIST / "train-images-idx3-ubyte.gz").exists()
                    and not (MNIST / "train-images-idx3-ubyte").exists(),
                    reason=f"the MNIST IDX files are not in {MNIST.resolve()}")
def test_mnist_lenet5_reaches_98_percent_in_1_epoch():
    from autograd import Tensor, no_grad

    train, test = load_mnist(MNIST, flatten=False)
    mean, std = float(train.X.mean()), float(train.X.std())
    X_tr = ((train.X - mean) / std)[:, None].astype(np.float32)
    X_te = ((test.X - mean) / std)[:, None].astype(np.float32)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, rng=0), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, rng=0), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120, rng=0), nn.ReLU(), nn.Linear(120, 84, rng=0), nn.ReLU(),
        nn.Linear(84, 10, rng=0))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    batches = [idx for idx in np.array_split(np.random.default_rng(0).permutation(len(X_tr)),
                                             np.arange(128, len(X_tr), 128))]
    # The rate anneals to 0 over the epoch's steps: one epoch ends on small, careful steps.
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=len(batches))
    with _one_blas_thread():
        for idx in batches:
            loss = nn.functional.cross_entropy(model(Tensor(X_tr[idx])), train.y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
        with no_grad():
            pred = np.concatenate([model(Tensor(X_te[i:i + 2000])).data.argmax(axis=1)
                                   for i in range(0, len(X_te), 2000)])
    assert model[0].weight.dtype == np.float32
    assert (pred == test.y).mean() >= 0.98, (pred == test.y).mean()
