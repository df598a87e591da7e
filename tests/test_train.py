"""nn.train, nn.metrics and nn.plots, with a small model and optimizer defined here.

The model and optimizer follow the PyTorch-shaped interface ``fit`` expects,
so the loop is tested on its own; tests/test_real_data.py trains nn.MLP with
optim.Adam on real data.
"""
from __future__ import annotations

import math
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from autograd import Tensor, is_grad_enabled, no_grad
from nn.data import DataLoader, TensorDataset
from nn.datasets import make_blobs, make_moons
from nn.metrics import (
    accuracy,
    confusion_matrix,
    error_rate,
    get_metric,
    mae,
    mse,
    predicted_labels,
    r2,
)
from nn.plots import plot_confusion_matrix, plot_decision_boundary
from nn.train import (
    EarlyStopping,
    History,
    NoGradientWarning,
    NonFiniteLossWarning,
    NotOptimizedWarning,
    TargetShapeWarning,
    TrainingWarning,
    evaluate,
    fit,
    predict,
)

matplotlib.use("Agg")  # render to files only; the plots never need a display


class TinyMLP:
    """One hidden ReLU layer; records the grad mode and train flag of each call."""

    def __init__(self, n_in, n_hidden, n_out, seed=0):
        rng = np.random.default_rng(seed)
        self.W1 = Tensor(rng.normal(0, 1 / math.sqrt(n_in), (n_in, n_hidden)).astype(np.float32),
                         requires_grad=True)
        self.b1 = Tensor(np.zeros(n_hidden, np.float32), requires_grad=True)
        self.W2 = Tensor(rng.normal(0, 1 / math.sqrt(n_hidden), (n_hidden, n_out))
                         .astype(np.float32), requires_grad=True)
        self.b2 = Tensor(np.zeros(n_out, np.float32), requires_grad=True)
        self.training = True
        self.calls = []

    def named_parameters(self):
        return [("W1", self.W1), ("b1", self.b1), ("W2", self.W2), ("b2", self.b2)]

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def state_dict(self):
        return {n: p.data for n, p in self.named_parameters()}

    def load_state_dict(self, state):
        with no_grad():
            for n, p in self.named_parameters():
                p.data = np.array(state[n])

    def __call__(self, x):
        self.calls.append((is_grad_enabled(), self.training, x.dtype))
        return (x @ self.W1 + self.b1).relu() @ self.W2 + self.b2


class SGD:
    def __init__(self, params, lr):
        self.param_groups = [{"params": list(params), "lr": lr}]

    def zero_grad(self):
        for p in self.param_groups[0]["params"]:
            p.grad = None

    def step(self):
        lr = self.param_groups[0]["lr"]
        with no_grad():
            for p in self.param_groups[0]["params"]:
                if p.grad is not None:
                    p.data = p.data - lr * p.grad


def cross_entropy(logits, y):
    picked = logits.log_softmax(axis=1)[np.arange(len(y)), y.data]
    return -picked.mean()


def mse_loss(out, y):
    d = out - y
    return (d * d).mean()


def weights(model):
    return [p.data.copy() for p in model.parameters()]


@pytest.fixture
def blobs():
    X, y = make_blobs(300, centers=[[-2, -2], [2, 2], [2, -2]], cluster_std=0.6, seed=0)
    return X[:200], y[:200], X[200:], y[200:]


# ---------------------------------------------------------------- fit and History

def test_fit_learns_and_records_history(blobs):
    X, y, Xv, yv = blobs
    model = TinyMLP(2, 16, 3)
    h = fit(model, cross_entropy, SGD(model.parameters(), 0.3), (X, y), val=(Xv, yv),
            epochs=8, batch_size=32, progress=False, seed=0)
    assert isinstance(h, History) and len(h) == 8 and h.epochs == list(range(1, 9))
    assert set(h.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy", "time", "lr"}
    assert all(len(v) == 8 for v in h.history.values())
    assert h["loss"][-1] < h["loss"][0] and h["val_accuracy"][-1] > 0.95
    assert all(t > 0 for t in h["time"]) and h["lr"] == [0.3] * 8
    assert h.stop_reason == "completed" and h.monitor == "val_loss"
    assert h.best_epoch == int(np.argmin(h["val_loss"])) + 1
    assert h.last["val_accuracy"] == h["val_accuracy"][-1]
    assert "8 epochs" in repr(h)
    with pytest.raises(KeyError, match="has no 'f1'"):
        h["f1"]
    # final metrics agree with evaluate()
    ev = evaluate(model, (Xv, yv), cross_entropy, metrics=("accuracy", "error_rate"))
    assert ev["loss"] == pytest.approx(h["val_loss"][-1], rel=1e-5)
    assert ev["accuracy"] + ev["error_rate"] == pytest.approx(1.0)


def test_fit_is_reproducible_with_a_seed(blobs):
    X, y, _, _ = blobs

    def run(seed):
        model = TinyMLP(2, 8, 3)
        fit(model, cross_entropy, SGD(model.parameters(), 0.1), (X, y), epochs=2,
            batch_size=16, progress=False, seed=seed)
        return weights(model)

    assert all(np.array_equal(a, b) for a, b in zip(run(1), run(1)))  # exact: same arithmetic
    assert not np.array_equal(run(1)[0], run(2)[0])


def test_fit_accepts_datasets_loaders_and_bunches(blobs):
    X, y, Xv, yv = blobs
    for train in (TensorDataset(X, y), DataLoader((X, y), batch_size=50, shuffle=True, seed=0),
                  make_blobs(100, centers=3, seed=1)):
        model = TinyMLP(2, 4, 3)
        h = fit(model, cross_entropy, SGD(model.parameters(), 0.1), train,
                val=TensorDataset(Xv, yv), epochs=1, progress=False)
        assert len(h) == 1 and "val_accuracy" in h
    with pytest.raises(TypeError, match=r"\(X, y\) pair"):
        fit(model, cross_entropy, SGD(model.parameters(), 0.1), X, epochs=1, progress=False)


def test_fit_keeps_float32_and_switches_modes(blobs):
    X, y, Xv, yv = blobs
    model = TinyMLP(2, 4, 3)
    fit(model, cross_entropy, SGD(model.parameters(), 0.1), (X, y), val=(Xv, yv), epochs=1,
        batch_size=100, progress=False)
    train_calls, val_calls = model.calls[:2], model.calls[2:]
    assert train_calls == [(True, True, np.float32)] * 2
    assert val_calls and all(c == (False, False, np.float32) for c in val_calls)
    assert model.training  # back in training mode after validation


def test_fit_with_a_scheduler():
    class Halve:
        def __init__(self, opt):
            self.opt, self.steps = opt, 0

        def step(self):
            self.steps += 1
            self.opt.param_groups[0]["lr"] *= 0.5

    X, y = make_moons(64, seed=0)
    model = TinyMLP(2, 4, 2)
    opt = SGD(model.parameters(), 0.4)
    sched = Halve(opt)
    h = fit(model, cross_entropy, opt, (X, y), epochs=3, scheduler=sched, progress=False)
    assert sched.steps == 3 and h["lr"] == [0.4, 0.2, 0.1]

    class Plateau:
        def __init__(self):
            self.seen = []

        def step(self, metrics):
            self.seen.append(metrics)

    plateau = Plateau()
    h = fit(model, cross_entropy, opt, (X, y), epochs=2, scheduler=plateau, progress=False)
    assert plateau.seen == h["loss"]


def test_progress_bar_shows_epochs_and_metrics(blobs, capsys):
    X, y, Xv, yv = blobs
    model = TinyMLP(2, 4, 3)
    fit(model, cross_entropy, SGD(model.parameters(), 0.1), (X, y), val=(Xv, yv), epochs=2,
        progress=True)
    err = capsys.readouterr().err
    assert "fit" in err and "val_accuracy=" in err and "loss=" in err
    fit(model, cross_entropy, SGD(model.parameters(), 0.1), (X, y), epochs=1, progress=False)
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------- early stopping

def _diverging_problem():
    # Training fits y = x; the validation set wants y = -x, so val_loss rises every epoch.
    X = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    return (X, X.copy()), (X, -X)


def test_early_stopping_stops_and_restores_the_best_weights():
    train, val = _diverging_problem()
    model = TinyMLP(1, 8, 1, seed=3)
    es = EarlyStopping(patience=2)
    h = fit(model, mse_loss, SGD(model.parameters(), 0.1), train, val=val, epochs=50,
            metrics=(), early_stopping=es, progress=False, seed=0)
    best = int(np.argmin(h["val_loss"])) + 1
    assert len(h) == best + 2 < 50 and es.stopped_epoch == len(h)
    assert h.best_epoch == best == es.best_epoch
    assert "early stopping" in h.stop_reason and "restored" in h.stop_reason
    restored = evaluate(model, val, mse_loss, metrics=())["loss"]
    assert restored == pytest.approx(h["val_loss"][best - 1], rel=1e-5)
    assert restored < h["val_loss"][-1]


def test_early_stopping_without_restoring_keeps_the_last_weights():
    train, val = _diverging_problem()
    model = TinyMLP(1, 8, 1, seed=3)
    h = fit(model, mse_loss, SGD(model.parameters(), 0.1), train, val=val, epochs=50,
            metrics=(), early_stopping=EarlyStopping(patience=2, restore_best=False),
            progress=False, seed=0)
    assert evaluate(model, val, mse_loss, metrics=())["loss"] == pytest.approx(h["val_loss"][-1])


def test_early_stopping_modes_and_min_delta():
    es = EarlyStopping(patience=1, monitor="val_accuracy")
    assert es.mode == "max"
    assert not es.update(0.5, 1) and not es.update(0.6, 2) and es.update(0.55, 3)
    es = EarlyStopping(patience=1, min_delta=0.1)
    assert not es.update(1.0, 1) and es.update(0.95, 2)  # not better by more than 0.1
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)
    es = EarlyStopping(patience=0)  # Keras's spelling of "stop at the first miss"
    assert not es.update(1.0, 1) and es.update(1.0, 2)
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="up")


def test_monitoring_a_value_that_is_not_logged_is_an_error(blobs):
    X, y, _, _ = blobs
    model = TinyMLP(2, 4, 3)
    with pytest.raises(ValueError, match="pass val="):
        fit(model, cross_entropy, SGD(model.parameters(), 0.1), (X, y), epochs=1,
            early_stopping=EarlyStopping(), progress=False)


# ---------------------------------------------------------------- guard-rails

def test_warns_about_parameters_without_gradient(blobs):
    X, y, _, _ = blobs

    class Broken(TinyMLP):
        def __call__(self, x):  # W2 is used only through a detached copy
            return (x @ self.W1 + self.b1).relu() @ self.W2.detach() + self.b2

    model = Broken(2, 4, 3)
    model.b1.requires_grad = False  # a forgotten requires_grad
    with pytest.warns(NoGradientWarning) as record:
        fit(model, cross_entropy, SGD(model.parameters(), 0.1), (X, y), epochs=2,
            progress=False)
    assert len(record) == 1  # only after the first step
    message = str(record[0].message)
    assert "2 parameter(s)" in message and "requires_grad is False for b1" in message
    assert "does not reach W2" in message and "detach" in message
    assert issubclass(NoGradientWarning, TrainingWarning)


def test_stale_gradients_do_not_hide_an_unreached_parameter(blobs):
    X, y, _, _ = blobs

    class Unused(TinyMLP):
        def __call__(self, x):
            return (x @ self.W1 + self.b1).relu() @ self.W2

    model = Unused(2, 4, 3)
    model.b2.grad = np.ones(3, np.float32)  # left over from earlier work

    class KeepGrads(SGD):
        def zero_grad(self):  # zeroes in place, so .grad is never None
            for p in self.param_groups[0]["params"]:
                if p.grad is not None:
                    p.grad = np.zeros_like(p.grad)

    with pytest.warns(NoGradientWarning, match="does not reach b2"):
        fit(model, cross_entropy, KeepGrads(model.parameters(), 0.1), (X, y), epochs=1,
            progress=False)


def test_no_warning_for_a_healthy_model(blobs):
    X, y, _, _ = blobs
    model = TinyMLP(2, 4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        fit(model, cross_entropy, SGD(model.parameters(), 0.1), (X, y), epochs=1,
            progress=False)


def test_warns_about_parameters_missing_from_the_optimizer(blobs):
    X, y, _, _ = blobs
    model = TinyMLP(2, 4, 3)
    with pytest.warns(NotOptimizedWarning, match="W2, b2"):
        fit(model, cross_entropy, SGD(model.parameters()[:2], 0.1), (X, y), epochs=1,
            progress=False)


def test_warns_about_targets_that_would_broadcast():
    X = np.linspace(-1, 1, 32, dtype=np.float32).reshape(-1, 1)
    model = TinyMLP(1, 4, 1)
    with pytest.warns(TargetShapeWarning, match=r"\(8, 1\) but the targets have shape \(8,\)"):
        fit(model, mse_loss, SGD(model.parameters(), 0.1), (X, X.ravel()), epochs=1,
            batch_size=8, metrics=(), progress=False)


def test_non_finite_loss_stops_and_keeps_the_best_weights():
    X, y = make_moons(64, seed=0)
    calls = {"n": 0}

    def flaky_loss(out, target):
        calls["n"] += 1
        loss = cross_entropy(out, target)
        return loss * float("nan") if calls["n"] == 10 else loss  # epoch 3, batch 2

    def make():
        m = TinyMLP(2, 8, 2, seed=1)
        return m, SGD(m.parameters(), 0.2)

    model, opt = make()
    with pytest.warns(NonFiniteLossWarning, match=r"nan at epoch 3, batch 2.*epoch 2"):
        h = fit(model, flaky_loss, opt, (X, y), epochs=10, batch_size=16, progress=False, seed=0)
    assert len(h) == 2 and "non-finite" in h.stop_reason and h.best_epoch == 2
    reference, ref_opt = make()
    fit(reference, cross_entropy, ref_opt, (X, y), epochs=2, batch_size=16, progress=False,
        seed=0)
    # exact: the same arithmetic on the same numbers
    assert all(np.array_equal(a, b) for a, b in zip(weights(model), weights(reference)))


def test_non_finite_loss_in_the_first_epoch_restores_the_initial_weights():
    X, y = make_moons(64, seed=0)
    model = TinyMLP(2, 8, 2)
    start = weights(model)
    with pytest.warns(NonFiniteLossWarning, match="initial weights"):
        h = fit(model, lambda o, t: cross_entropy(o, t) * float("inf"),
                SGD(model.parameters(), 0.1), (X, y), epochs=3, progress=False)
    assert len(h) == 0
    assert all(np.array_equal(a, b) for a, b in zip(weights(model), start))  # untouched: exact


# ---------------------------------------------------------------- evaluate / predict

def test_evaluate_and_predict_run_without_a_graph_in_eval_mode(blobs):
    X, y, _, _ = blobs
    model = TinyMLP(2, 4, 3)
    out = predict(model, X, batch_size=64)
    assert out.shape == (200, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, model(Tensor(X)).data, rtol=1e-6)
    assert all(c[:2] == (False, False) for c in model.calls[:-1]) and model.training
    res = evaluate(model, (X, y), metrics=("accuracy",))
    assert set(res) == {"accuracy"}
    assert res["accuracy"] == accuracy(y, out)


# ---------------------------------------------------------------- metrics

def test_accuracy_reads_outputs_of_every_shape():
    y = np.array([0, 1, 1, 0])
    assert accuracy(y, np.array([[3, 1], [0, 2], [1, 5], [2, 2.5]])) == 0.75  # argmax
    assert accuracy(y, np.array([0.1, 0.9, 0.6, 0.4])) == 1.0  # probabilities, 0.5
    assert accuracy(y, np.array([[-2.0], [3.0], [0.5], [-0.1]])) == 1.0  # scores, 0
    assert accuracy(y, np.array([0.1, 0.9, 0.6, 0.4]), threshold=0.7) == 0.75
    assert accuracy(y, np.array([0, 1, 0, 0])) == 0.75  # labels
    assert accuracy(np.eye(2)[y], y) == 1.0  # one-hot truth
    assert accuracy(Tensor(y.astype(np.float32)), Tensor(np.eye(2)[y])) == 1.0
    assert error_rate(y, np.array([1, 1, 1, 1])) == 0.5
    assert predicted_labels(np.array([[0.2], [0.7]])).tolist() == [0, 1]
    with pytest.raises(ValueError, match="regression"):
        accuracy(np.array([0.5, 1.5]), np.array([0.5, 1.5]))
    with pytest.raises(ValueError, match="3 true labels but 2"):
        accuracy([0, 1, 1], [0, 1])


def test_confusion_matrix():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], np.array([0, 1, 1, 2, 0, 2]))
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]] and cm.dtype == np.int64
    assert confusion_matrix([0, 1], [0, 1], num_classes=4).shape == (4, 4)
    assert cm.trace() / cm.sum() == accuracy([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2])


def test_regression_metrics():
    t = np.array([1.0, 2.0, 3.0, 4.0])
    p = np.array([[1.5], [2.0], [2.5], [4.0]], dtype=np.float32)
    assert mse(t, p) == pytest.approx(0.125) and mae(t, p) == pytest.approx(0.25)
    assert r2(t, p) == pytest.approx(1 - 0.5 / 5.0)
    assert r2(t, np.full(4, t.mean())) == 0.0
    assert r2(np.ones(3), np.ones(3)) == 1.0
    with pytest.raises(ValueError, match="shape"):
        mse(t, np.zeros(3))
    assert get_metric("mse") == ("mse", mse)
    with pytest.raises(ValueError, match="unknown metric"):
        get_metric("f2")


def test_fit_with_regression_metrics_and_a_clear_error_for_accuracy():
    X = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    y = 0.5 * X + 0.25
    model = TinyMLP(1, 8, 1)
    h = fit(model, mse_loss, SGD(model.parameters(), 0.1), (X, y), epochs=2,
            metrics=("mse", "r2"), progress=False)
    assert h["mse"][-1] == pytest.approx(h["loss"][-1], rel=0.5)
    with pytest.raises(ValueError, match="for a regression") as error:
        fit(model, mse_loss, SGD(model.parameters(), 0.1), (X, y), epochs=1,
            metrics=("accuracy",), progress=False)
    assert str(error.value).count("regression") == 1  # the hint is given once


# ---------------------------------------------------------------- plots

def _is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_render_to_png_without_a_display(tmp_path, blobs):
    X, y, Xv, yv = blobs
    model = TinyMLP(2, 8, 3)
    h = fit(model, cross_entropy, SGD(model.parameters(), 0.3), (X, y), val=(Xv, yv),
            epochs=3, progress=False)
    fig = h.plot()
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert len(fig.axes[0].lines) == 3  # training, validation, best epoch
    fig.savefig(tmp_path / "history.png")
    fig = plot_decision_boundary(model, X, y, resolution=50)
    fig.savefig(tmp_path / "boundary.png")
    cm = confusion_matrix(yv, predict(model, Xv))
    fig = plot_confusion_matrix(cm, labels=["a", "b", "c"], normalize=True)
    fig.savefig(tmp_path / "cm.png")
    for name in ("history", "boundary", "cm"):
        assert _is_png(tmp_path / f"{name}.png")
    plt.close("all")  # pyplot keeps the figures open until closed


def test_decision_boundary_with_one_output_and_into_given_axes(tmp_path):
    from matplotlib.figure import Figure

    X, y = make_moons(60, seed=0)
    model = TinyMLP(2, 4, 1)
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_decision_boundary(model, X, y, resolution=30, ax=ax) is fig
    fig.savefig(tmp_path / "one.png")
    assert _is_png(tmp_path / "one.png")
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot_decision_boundary(model, np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="empty"):
        History().plot()


def test_warnings_name_the_parameters_of_an_nn_module():
    nn = pytest.importorskip("nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("needs nn.Linear")

    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(2, 4, rng=0)
            self.head = nn.Linear(4, 3, rng=1)
            self.spare = nn.Linear(4, 3, rng=2)  # never used in forward

        def forward(self, x):
            return self.head(self.body(x).relu())

    X, y = make_moons(32, seed=0)
    model = TwoHeads()
    model.body.bias.requires_grad = False
    with pytest.warns(NoGradientWarning) as record:
        fit(model, cross_entropy, SGD(model.parameters(), 0.1), (X, y), epochs=1,
            progress=False)
    message = str(record[0].message)
    assert "requires_grad is False for body.bias" in message
    assert "does not reach spare.weight, spare.bias" in message


def _recording_bar(base):
    """A tqdm class that keeps its instances, to read them after fit closed them."""
    made = []

    class Bar(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    return Bar, made


@pytest.mark.parametrize("kind", ["terminal", "notebook"])
def test_an_early_stopped_run_ends_with_a_finished_bar(kind, monkeypatch, capsys):
    pytest.importorskip("tqdm")
    if kind == "notebook":
        pytest.importorskip("ipywidgets")
        from tqdm.notebook import tqdm as base
    else:
        from tqdm import tqdm as base
    import nn.progress

    Bar, made = _recording_bar(base)
    monkeypatch.setattr(nn.progress, "_bar_class", lambda: Bar)
    train, val = _diverging_problem()
    model = TinyMLP(1, 8, 1, seed=3)
    h = fit(model, mse_loss, SGD(model.parameters(), 0.1), train, val=val, epochs=50,
            metrics=(), early_stopping=EarlyStopping(patience=2), progress=True, seed=0)
    assert len(h) < 50
    outer = made[0]
    assert outer.total == outer.n == len(h)                     # 100%, not len(h) / 50
    assert f"stopped early at epoch {len(h)} of 50" in outer.desc
    if kind == "notebook":
        bar = outer.container.children[1]
        assert bar.bar_style == "success" and bar.value == bar.max == len(h)
    else:
        assert f"{len(h)}/{len(h)}" in capsys.readouterr().err
