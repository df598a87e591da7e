"""fit's Keras habits: callbacks (Keras's methods and classes), validation_split and verbose.

Small models and few epochs: each test checks what a callback or argument
does, not how well the model learns.
"""
from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import nn
import optim
from nn.callbacks import (Callback, CSVLogger, EarlyStopping, LambdaCallback,
                          LearningRateScheduler, ModelCheckpoint)
from nn.datasets import make_blobs


@pytest.fixture
def blobs():
    X, y = make_blobs(120, centers=[[-2, -2], [2, 2], [2, -2]], cluster_std=0.8, seed=0)
    return X, y


def _model(seed=0):
    return nn.MLP(2, [8, 3], rng=seed)


def _fit(model, data, **kwargs):
    kwargs.setdefault("verbose", 0)
    kwargs.setdefault("seed", 0)
    return nn.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  data, **kwargs)


class Recorder(Callback):
    """Writes down every hook call, Keras-style arguments included."""

    def __init__(self):
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin", self.params["epochs"], self.params["steps"]))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_batch_end(self, batch, logs=None):  # Keras's older name still fires
        self.calls.append(("batch_end", batch, round(logs["loss"], 12) > 0, logs["size"]))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end", self.model is not None, self.optimizer is not None))


def test_callback_hooks_follow_keras_names_and_counting(blobs):
    X, y = blobs
    rec = Recorder()
    _fit(_model(), (X, y), epochs=2, batch_size=50, callbacks=[rec])
    keys = ["accuracy", "loss", "lr", "time"]
    assert rec.calls == [
        ("train_begin", 2, 3),
        ("epoch_begin", 0), ("batch_end", 0, True, 50), ("batch_end", 1, True, 50),
        ("batch_end", 2, True, 20), ("epoch_end", 0, keys),
        ("epoch_begin", 1), ("batch_end", 0, True, 50), ("batch_end", 1, True, 50),
        ("batch_end", 2, True, 20), ("epoch_end", 1, keys),
        ("train_end", True, True),
    ]


def test_a_callback_stops_training_the_keras_way(blobs):
    X, y = blobs

    class StopAfterTwo(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    class StopInBatch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model = _model()
    h = _fit(model, (X, y), epochs=10, callbacks=[StopAfterTwo()])
    assert len(h) == 2 and h.stop_reason == "stopped by StopAfterTwo at epoch 2"
    h = _fit(model, (X, y), epochs=10, batch_size=10, callbacks=[StopInBatch()])
    # the epoch ends after batch 1 (its values are logged) and training stops
    assert len(h) == 1 and h.stop_reason.startswith("stopped by StopInBatch")
    assert model.stop_training and len(_fit(model, (X, y), epochs=2)) == 2  # fit resets it


def test_lambda_callback_and_duck_typed_callbacks(blobs):
    X, y = blobs
    seen = {"begin": 0, "epochs": [], "batches": 0, "end": 0}
    cb = LambdaCallback(on_train_begin=lambda logs: seen.__setitem__("begin", seen["begin"] + 1),
                        on_epoch_end=lambda epoch, logs: seen["epochs"].append(epoch),
                        on_batch_end=lambda batch, logs: seen.__setitem__(
                            "batches", seen["batches"] + 1),
                        on_train_end=lambda logs: seen.__setitem__("end", seen["end"] + 1))

    class Plain:  # not a Callback subclass: only its methods matter
        def __init__(self):
            self.ends = 0

        def on_epoch_end(self, epoch, logs=None):
            self.ends += 1

    plain = Plain()
    _fit(_model(), (X, y), epochs=3, batch_size=40, callbacks=[cb, plain])
    assert seen == {"begin": 1, "epochs": [0, 1, 2], "batches": 9, "end": 1} and plain.ends == 3
    with pytest.raises(TypeError, match="unknown hook"):
        LambdaCallback(on_epoch_ending=print)
    with pytest.raises(TypeError, match="has none of the methods"):
        _fit(_model(), (X, y), epochs=1, callbacks=[object()])


def test_learning_rate_scheduler_sets_every_group_each_epoch(blobs):
    X, y = blobs
    model = _model()
    opt = optim.SGD([{"params": [model[0].weight, model[0].bias]},
                     {"params": [model[2].weight, model[2].bias], "lr": 0.5}], lr=0.1)
    sched = LearningRateScheduler(lambda epoch, lr: 0.2 * 0.5 ** epoch)
    h = nn.fit(model, "cross_entropy", opt, (X, y), epochs=3, callbacks=[sched], verbose=0)
    assert h["lr"] == [0.2, 0.1, 0.05]  # exact: powers of two times 0.2, as the schedule says
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.05]
    one_arg = LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    h = nn.fit(model, "cross_entropy", opt, (X, y), epochs=2, callbacks=[one_arg], verbose=0)
    assert h["lr"] == [0.01, 0.02]
    bad = LearningRateScheduler(lambda epoch, lr: None)
    with pytest.raises(ValueError, match="expected a finite number"):
        nn.fit(model, "cross_entropy", opt, (X, y), epochs=1, callbacks=[bad], verbose=0)


def _diverging():
    # Training fits y = x; validation wants y = -x, so val_loss rises once training works.
    X = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    return (X, X.copy()), (X, -X)


def test_early_stopping_spelled_as_keras_spells_it():
    train, val = _diverging()
    model = nn.MLP(1, [8, 1], rng=3)
    es = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    assert es.monitor == "val_loss" and es.restore_best_weights and es.restore_best
    h = nn.fit(model, "mse", "sgd", train, val, epochs=60, lr=0.1, callbacks=[es], verbose=0,
               seed=0)
    best = int(np.argmin(h["val_loss"])) + 1
    assert len(h) == best + 2 < 60 and h.best_epoch == best == es.best_epoch
    assert h.stop_reason.startswith("early stopping") and f"epoch {best}" in h.stop_reason
    restored = nn.evaluate(model, val, "mse", metrics=())["loss"]
    assert restored == pytest.approx(h["val_loss"][best - 1], rel=1e-5)
    with pytest.raises(ValueError, match="one setting"):
        EarlyStopping(restore_best=True, restore_best_weights=False)
    assert not EarlyStopping(restore_best_weights=False).restore_best


def test_early_stopping_baseline_and_start_from_epoch():
    losses = [0.9, 0.8, 0.85]
    plain = EarlyStopping(patience=2, monitor="loss")
    assert [plain.update(v, e) for e, v in enumerate(losses, start=1)] == [False] * 3
    # as in Keras, improvements that do not beat the baseline count as epochs waited
    es = EarlyStopping(patience=2, monitor="loss", baseline=0.5)
    assert [es.update(v, e) for e, v in enumerate(losses, start=1)] == [False, False, True]
    with pytest.raises(TypeError, match="monitor='val_loss'"):
        EarlyStopping("val_loss")
    es = EarlyStopping(patience=1, monitor="loss", start_from_epoch=2)
    assert [es.update(v, e) for e, v in enumerate([1.0, 2.0, 1.5, 1.6], start=1)] == \
        [False, False, False, True]
    assert es.best_epoch == 3


def test_model_checkpoint_writes_the_best_weights(tmp_path):
    train, val = _diverging()
    model = nn.MLP(1, [8, 1], rng=3)
    path = tmp_path / "best.npz"
    ckpt = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    h = nn.fit(model, "mse", "sgd", train, val, epochs=12, lr=0.1, callbacks=[ckpt], verbose=0,
               seed=0)
    best = int(np.argmin(h["val_loss"])) + 1
    assert best < len(h) and ckpt.best_epoch == best  # the last epoch is not the best
    fresh = nn.MLP(1, [8, 1], rng=99).load(path)
    assert nn.evaluate(fresh, val, "mse", metrics=())["loss"] == \
        pytest.approx(h["val_loss"][best - 1], rel=1e-5)
    every = ModelCheckpoint(str(tmp_path / "ep{epoch:02d}-{loss:.2f}.npz"), save_freq=2)
    nn.fit(model, "mse", "sgd", train, epochs=4, lr=0.1, callbacks=[every], verbose=0)
    assert [p.rsplit("/", 1)[-1][:4] for p in every.saved] == ["ep02", "ep04"]
    with pytest.raises(ValueError, match=r"\.npz"):
        ModelCheckpoint(tmp_path / "best.keras")
    with pytest.raises(ValueError, match="ModelCheckpoint monitors 'val_loss'"):
        nn.fit(model, "mse", "sgd", train, epochs=1, verbose=0,
               callbacks=[ModelCheckpoint(path, save_best_only=True)])


def test_csv_logger_writes_what_the_history_holds(tmp_path, blobs):
    X, y = blobs
    path = tmp_path / "log.csv"
    h = _fit(_model(), (X, y), epochs=3, validation_split=0.25, callbacks=[CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert list(rows[0]) == ["epoch", *h.keys()]
    for key in h.keys():  # written with repr: reading back gives the same floats
        assert [float(r[key]) for r in rows] == h[key]
    _fit(_model(), (X, y), epochs=1, callbacks=[CSVLogger(path, append=True)])
    with open(path, newline="") as f:
        assert len(list(csv.DictReader(f))) == 4


def test_validation_split_keeps_the_last_samples_as_keras(blobs):
    X, y = blobs
    split = int(len(X) * 0.8)
    a = _fit(_model(), (X, y), epochs=2, validation_split=0.2)
    b = _fit(_model(), (X[:split], y[:split]), val=(X[split:], y[split:]), epochs=2)
    for key in b.keys():
        if key != "time":
            assert a[key] == b[key]  # exact: the same data, seed and arithmetic
    c = _fit(_model(), (X[:split], y[:split]), validation_data=(X[split:], y[split:]), epochs=2)
    assert c["val_loss"] == b["val_loss"]
    with pytest.raises(TypeError, match="not both"):
        _fit(_model(), (X, y), val=(X, y), validation_split=0.2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        _fit(_model(), (X, y), validation_split=1.5)
    with pytest.raises(TypeError, match=r"\(X, y\) pair"):
        _fit(_model(), nn.DataLoader((X, y)), validation_split=0.2)


def test_verbose_levels_and_progress(blobs, capsys):
    X, y = blobs
    _fit(_model(), (X, y), epochs=2, verbose=0)
    assert capsys.readouterr() == ("", "")
    _fit(_model(), (X, y), epochs=2, verbose=2)
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2 loss=") and out.err == ""
    _fit(_model(), (X, y), epochs=2, verbose=1)
    err = capsys.readouterr().err  # tqdm writes its bars to stderr
    assert "fit" in err and "accuracy=" in err
    _fit(_model(), (X, y), epochs=1, verbose=None, progress=False)
    assert capsys.readouterr() == ("", "")
    with pytest.raises(TypeError, match="not both"):
        _fit(_model(), (X, y), verbose=1, progress=True)
    with pytest.raises(ValueError, match="verbose must be"):
        _fit(_model(), (X, y), verbose=3)


def test_a_crash_inside_fit_closes_the_progress_bars(blobs, capsys):
    X, y = blobs

    class Boom(Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _fit(_model(), (X, y), epochs=2, verbose=1, callbacks=[Boom()])
    assert capsys.readouterr().err.count("fit") >= 1  # the bars were written and closed


def test_early_stopping_keyword_and_callbacks_are_one_mechanism(blobs):
    X, y = blobs
    es = EarlyStopping(monitor="loss", patience=1, min_delta=10.0)  # never improves enough
    h = _fit(_model(), (X, y), epochs=5, early_stopping=es)
    assert len(h) == 2 and es.stopped_epoch == 2 and h.monitor == "loss"
    assert math.isfinite(h.last["loss"]) and isinstance(h, nn.History)
    rec = Recorder()
    _fit(_model(), (X, y), epochs=1, early_stopping=EarlyStopping(monitor="loss"),
         callbacks=[rec])
    assert rec.calls[0][0] == "train_begin"


def test_non_finite_loss_ends_with_callbacks_told(blobs):
    X, y = blobs
    calls, ends = [], []

    def flaky(out, target):
        calls.append(1)
        value = nn.functional.cross_entropy(out, target)
        return value * float("nan") if len(calls) == 5 else value  # epoch 2, batch 2

    model = _model()
    with pytest.warns(nn.train.NonFiniteLossWarning, match="epoch 2, batch 2"):
        h = nn.fit(model, flaky, "sgd", (X, y), epochs=4, batch_size=40, verbose=0,
                   callbacks=[LambdaCallback(on_train_end=lambda logs: ends.append(logs))])
    assert len(ends) == 1 and len(h) == 1 and "non-finite" in h.stop_reason
    assert ends[0] == h.last  # the last complete epoch's logs
    assert all(np.isfinite(p.data).all() for p in model.parameters())
