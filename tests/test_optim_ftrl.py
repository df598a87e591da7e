"""FTRL follows a direct NumPy transcription of TensorFlow's published update.

The reference below is written from the formula in the documentation of
``tf.keras.optimizers.Ftrl`` (n, sigma, z, w; |z| < lambda_1 gives w = 0),
with n starting at initial_accumulator_value, n^-p for the documented sqrt(n)
(learning_rate_power p), and the shrinkage gradient of ``tf.raw_ops.ApplyFtrlV2``
(g + 2 * l2_shrinkage * w feeds z; the plain g^2 feeds n). Gradients come from
chainrule's backward at the reference's own iterate, so only the update is
compared, with the per-step budget of tests/numerics.py; each grid comparison
runs again from a starting point perturbed by a relative 1e-15.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Tensor, Value
from numerics import assert_trajectories_close, perturb
from optim import FTRL

STEPS = 50


def reference_ftrl(w0, grad_fn, steps, learning_rate, learning_rate_power,
                   initial_accumulator_value, l1, l2, l2_shrinkage, beta):
    """Keras's documented FTRL update, elementwise, in NumPy."""
    w = np.array(w0, dtype=np.float64)
    n = np.full_like(w, initial_accumulator_value)
    z = np.zeros_like(w)
    path = []
    for _ in range(steps):
        g = grad_fn(w)
        g_shrink = g + 2 * l2_shrinkage * w
        prev_n = n
        n = n + g ** 2
        sigma = (n ** -learning_rate_power - prev_n ** -learning_rate_power) / learning_rate
        z = z + g_shrink - sigma * w
        w_new = (np.sign(z) * l1 - z) / ((beta + n ** -learning_rate_power) / learning_rate + l2)
        w = np.where(np.abs(z) < l1, 0.0, w_new)
        path.append(w.copy())
    return np.array(path)


def _quadratic():
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    a = Tensor(q @ np.diag(np.logspace(-2, 1, 6)) @ q.T)
    b = Tensor(rng.normal(size=6) * 2)
    return rng.normal(size=6), lambda x: 0.5 * (x * (a @ x)).sum() - (b * x).sum()


def _rosenbrock():
    return (np.array([-1.2, 1.0, -0.5, 0.8]),
            lambda x: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum())


def _logistic():
    # A sparse-ish linear classifier: the use FTRL was designed for.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(32, 8)) * (rng.random((32, 8)) < 0.3)
    y = (X @ rng.normal(size=8) > 0).astype(np.float64)
    Xt, yt = Tensor(X), Tensor(y)

    def loss(w):
        logits = Xt @ w
        return ((1 + (-logits).exp()).log() + (1 - yt) * logits).mean()

    return np.zeros(8), loss


PROBLEMS = {"quadratic": _quadratic(), "rosenbrock": _rosenbrock(), "logistic": _logistic()}
LR = {"quadratic": 0.5, "rosenbrock": 0.05, "logistic": 1.0}


def gradient(loss_fn):
    def grad_fn(w):
        x = Tensor(w.copy(), requires_grad=True)
        loss_fn(x).backward()
        return x.grad

    return grad_fn


def run_ftrl(w0, loss_fn, steps, **kwargs):
    x = Tensor(np.array(w0, dtype=np.float64), requires_grad=True)
    opt = FTRL([x], **kwargs)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(x).backward()
        opt.step()
        path.append(x.data.copy())
    return np.array(path)


def assert_matches_reference(problem, perturb_seed=None, **options):
    w0, loss_fn = PROBLEMS[problem]
    options = {"learning_rate": LR[problem], **options}
    mine = w0 if perturb_seed is None else perturb(w0, np.random.default_rng(perturb_seed))
    ours = run_ftrl(mine, loss_fn, STEPS, **options)
    ref = reference_ftrl(
        w0, gradient(loss_fn), STEPS, options["learning_rate"],
        options.get("learning_rate_power", -0.5), options.get("initial_accumulator_value", 0.1),
        options.get("l1_regularization_strength", 0.0),
        options.get("l2_regularization_strength", 0.0),
        options.get("l2_shrinkage_regularization_strength", 0.0), options.get("beta", 0.0))
    assert np.isfinite(ref).all()
    assert_trajectories_close(ours, ref, err_msg=f"{options}")


GRID = [dict(zip(("l1_regularization_strength", "l2_regularization_strength",
                  "l2_shrinkage_regularization_strength", "beta", "learning_rate_power",
                  "initial_accumulator_value"), values))
        for values in itertools.product([0.0, 0.05], [0.0, 0.1], [0.0, 0.02], [0.0, 0.5],
                                        [-0.5, -0.3], [0.1, 0.0])]


@pytest.mark.parametrize("perturbed_inputs", [False, True], ids=["exact", "perturbed"])
@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("options", GRID, ids=[str(i) for i in range(len(GRID))])
def test_ftrl_matches_published_formula(problem, options, perturbed_inputs):
    seed = GRID.index(options) if perturbed_inputs else None
    assert_matches_reference(problem, perturb_seed=seed, **options)


@given(w0=st.lists(st.floats(-2, 2), min_size=6, max_size=6),
       lr=st.floats(0.05, 2.0), l1=st.floats(0, 0.5), l2=st.floats(0, 0.5),
       shrinkage=st.floats(0, 0.1), beta=st.floats(0, 1), power=st.floats(-1.0, 0.0),
       init=st.floats(0.01, 1.0))
def test_ftrl_hypothesis(w0, lr, l1, l2, shrinkage, beta, power, init):
    _, loss_fn = PROBLEMS["quadratic"]
    options = {"learning_rate": lr, "l1_regularization_strength": l1,
               "l2_regularization_strength": l2, "l2_shrinkage_regularization_strength": shrinkage,
               "beta": beta, "learning_rate_power": power, "initial_accumulator_value": init}
    ours = run_ftrl(np.array(w0), loss_fn, 30, **options)
    ref = reference_ftrl(np.array(w0), gradient(loss_fn), 30, lr, power, init, l1, l2,
                         shrinkage, beta)
    assert_trajectories_close(ours, ref, err_msg=f"{options}")


def test_l1_makes_weights_exactly_zero():
    w0, loss_fn = PROBLEMS["logistic"]
    path = run_ftrl(w0, loss_fn, STEPS, learning_rate=1.0, l1_regularization_strength=1.0)
    assert (path[-1] == 0).any() and (path[-1] != 0).any()


def test_ftrl_on_values_matches_a_0d_tensor():
    v, t = Value(1.5), Tensor(np.array(1.5), requires_grad=True)
    opts = {"learning_rate": 0.3, "l1_regularization_strength": 0.01, "beta": 0.2,
            "l2_shrinkage_regularization_strength": 0.01}
    ov, ot = FTRL([v], **opts), FTRL([t], **opts)
    for _ in range(20):
        for opt, p in ((ov, v), (ot, t)):
            opt.zero_grad()
            ((p - 0.5) * (p - 0.5) + p.sin()).backward()
            opt.step()
        assert v.data == pytest.approx(float(t.data), abs=1e-14)


def test_learning_rate_is_the_groups_lr_for_schedules():
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = FTRL([{"params": [p], "learning_rate": 0.25}], learning_rate=0.5)
    assert opt.param_groups[0]["lr"] == 0.25 and opt.defaults["lr"] == 0.5


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("learning_rate", 0.0, "> 0"), ("learning_rate_power", 0.5, "<= 0"),
    ("initial_accumulator_value", -1.0, ">= 0"), ("l1_regularization_strength", -0.1, ">= 0"),
    ("beta", -1.0, ">= 0"),
])
def test_ftrl_rejects_bad_hyper_parameters(key, value, expected):
    with pytest.raises(ValueError, match=rf"FTRL: {key} must be a number {expected}, got"):
        FTRL([Tensor(np.zeros(2), requires_grad=True)], **{key: value})
