"""model.summary() / nn.summary, nn.predict (logits) and nn.predict_proba."""
from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor


def _rows(text):
    """(name, shape, count) for each layer row of a summary table."""
    lines = text.splitlines()
    start, end = [i for i, line in enumerate(lines) if set(line) == {"="}]
    rows = []
    for line in lines[start + 1:end]:
        *label, count = line.split()
        label = " ".join(label)
        name, rest = label.split(")", 1)[0] + ")", label.split(")", 1)[1].strip()
        rows.append((name, rest, int(count.replace(",", ""))))
    return rows


def _totals(text):
    return {line.split(":")[0]: int(line.split(":")[1].replace(",", ""))
            for line in text.splitlines() if line.endswith(tuple("0123456789"))
            and "params:" in line}


def test_summary_of_an_mlp_lists_layers_shapes_and_counts():
    model = nn.MLP(784, [128, 64, 10], rng=0)
    text = nn.summary(model)
    assert text.splitlines()[0] == 'Model: "MLP"'
    assert _rows(text) == [
        ("0 (Linear)", "(None, 128)", 784 * 128 + 128), ("1 (ReLU)", "(None, 128)", 0),
        ("2 (Linear)", "(None, 64)", 128 * 64 + 64), ("3 (ReLU)", "(None, 64)", 0),
        ("4 (Linear)", "(None, 10)", 64 * 10 + 10),
    ]
    assert _totals(text) == {"Total params": model.num_parameters(),
                             "Trainable params": model.num_parameters(),
                             "Non-trainable params": 0}


def test_summary_counts_frozen_parameters_and_buffers_as_non_trainable():
    model = nn.Sequential(nn.BatchNorm1d(4), nn.Linear(4, 3, rng=0), nn.Dropout(0.5),
                          nn.Softmax(dim=1))
    model[1].bias.requires_grad = False
    text = nn.summary(model, input_shape=(4,))
    assert [r[2] for r in _rows(text)] == [4 * 4, 15, 0, 0]  # weight, bias, mean, var
    assert _totals(text) == {"Total params": 31, "Trainable params": 8 + 12,
                             "Non-trainable params": 8 + 3}
    assert model.training and model[2].training  # the mode is restored after the pass


def test_summary_of_a_custom_module_needs_an_input_shape_and_marks_unused_layers(capsys):
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(2, 4, rng=0)
            self.head = nn.Linear(4, 3, rng=1)
            self.spare = nn.Linear(4, 3, rng=2)  # never used in forward
            self.scale = nn.Parameter([1.0])

        def forward(self, x):
            return self.head(self.body(x).relu()) * self.scale

    model = TwoHeads()
    text = nn.summary(model)
    assert all(r[1] == "?" for r in _rows(text)) and "input_shape=" in text
    model.summary(input_shape=2)
    printed = capsys.readouterr().out
    assert _rows(printed) == [("TwoHeads (own parameters)", "(None, 3)", 1),
                              ("body (Linear)", "(None, 4)", 12),
                              ("head (Linear)", "(None, 3)", 15),
                              ("spare (Linear)", "not called", 15)]
    assert "forward" not in vars(model.body)  # the tracing is undone
    with pytest.raises(TypeError, match="nn.Module"):
        nn.summary(lambda x: x, (2,))


def test_summary_leaves_the_default_generator_alone():
    draws = []
    for with_summary in (False, True):
        autograd.manual_seed(5)
        model = nn.MLP(3, [4, 2])
        if with_summary:
            nn.summary(model, (3,))  # makes its input with its own generator
        draws.append(autograd.randn(3).data)
    assert np.array_equal(*draws)  # exact: the same stream of the default generator


def test_predict_gives_logits_and_predict_proba_probabilities():
    X = np.random.default_rng(0).standard_normal((7, 3)).astype(np.float32)
    model = nn.MLP(3, [5, 4], rng=0)
    logits = nn.predict(model, X)
    np.testing.assert_array_equal(logits, model(Tensor(X)).data)  # exact: same computation
    probs = nn.predict_proba(model, X)
    e = np.exp(logits.astype(np.float64) - logits.max(axis=1, keepdims=True))
    # float32 softmax against a float64 one: a few float32 roundings
    np.testing.assert_allclose(probs, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)
    ends_in_softmax = nn.Sequential(*model, nn.Softmax(dim=1))
    np.testing.assert_array_equal(nn.predict_proba(ends_in_softmax, X), probs)  # not twice
    ends_in_log = nn.Sequential(*model, nn.LogSoftmax(dim=1))
    np.testing.assert_allclose(nn.predict_proba(ends_in_log, X), probs, rtol=1e-5, atol=1e-7)
    binary = nn.MLP(3, [5, 1], rng=0)
    p1 = nn.predict_proba(binary, X)
    z = nn.predict(binary, X).astype(np.float64)
    assert p1.shape == (7, 1)
    np.testing.assert_allclose(p1, 1 / (1 + np.exp(-z)), rtol=1e-5, atol=1e-7)
