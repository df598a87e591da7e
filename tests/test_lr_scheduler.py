"""Every schedule gives PyTorch's learning rates over 30 epochs.

InverseTimeDecay, which PyTorch lacks, is checked against Keras's formula.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import optim
from autograd import Tensor, Value
from optim import lr_scheduler

torch = pytest.importorskip("torch")

EPOCHS = 30
LRS = (0.1, 0.03)  # two param groups with different rates


def _ours():
    groups = [{"params": [Tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in LRS]
    return optim.SGD(groups, lr=1.0, momentum=0.9)


def _theirs():
    groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in LRS]
    return torch.optim.SGD(groups, lr=1.0, momentum=0.9)


def _rates(make_sched, opt, metrics=None):
    sched = make_sched(opt)
    rates = []
    for epoch in range(EPOCHS):
        rates.append(sched.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == rates[-1]
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
    return rates


def _factor(epoch):
    return 0.95 ** epoch + 0.1 * (epoch % 3)


SCHEDULES = {
             "StepLR": lambda m, o: m.StepLR(o, step_size=4, gamma=0.5),
             "StepLR-1": lambda m, o: m.StepLR(o, step_size=1, gamma=0.9),
             "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.3),
             "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
             "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10),
             "CosineAnnealingLR-eta": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
             "LambdaLR": lambda m, o: m.LambdaLR(o, _factor),
             "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, [_factor, lambda e: 1 / (1 + e)]),
             }


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_torch(name):
    make = SCHEDULES[name]
    ours = _rates(lambda o: make(lr_scheduler, o), _ours())
    theirs = _rates(lambda o: make(torch.optim.lr_scheduler, o), _theirs())
    assert ours == theirs  # the same float operations in the same order: bit for bit


def _plateau_metrics(seed):
    rng = np.random.default_rng(seed)
    base = np.concatenate([np.linspace(5, 2, 6), np.full(18, 2.0), np.linspace(2, 1, 6)])
    return (base + rng.normal(scale=1e-5, size=EPOCHS)).tolist()


@pytest.mark.parametrize("options", [
    {},
    {"patience": 2},
    {"patience": 0, "cooldown": 2, "factor": 0.5},
    {"mode": "max", "patience": 1, "threshold": 0.05},
    {"mode": "min", "patience": 1, "threshold_mode": "abs", "threshold": 0.1},
    {"mode": "max", "patience": 2, "threshold_mode": "abs", "min_lr": [0.01, 0.02]},
    {"patience": 1, "factor": 0.5, "min_lr": 0.02, "eps": 1e-3},
])
@pytest.mark.parametrize("seed", [0, 1])
def test_reduce_on_plateau_matches_torch(options, seed):
    metrics = _plateau_metrics(seed)
    if options.get("mode") == "max":
        metrics = [10 - m for m in metrics]
    ours = _rates(lambda o: lr_scheduler.ReduceLROnPlateau(o, **options), _ours(), metrics)
    theirs = _rates(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **options),
                    _theirs(), metrics)
    assert ours == theirs
    assert ours[-1] != ours[0]  # the metrics plateau long enough for every option set


@pytest.mark.parametrize("staircase", [False, True])
@pytest.mark.parametrize(("decay_steps", "decay_rate"), [(1, 0.5), (4, 0.3), (2.5, 1.0)])
def test_inverse_time_decay_follows_its_formula(decay_steps, decay_rate, staircase):
    rates = _rates(lambda o: lr_scheduler.InverseTimeDecay(o, decay_steps, decay_rate,
                                                           staircase=staircase), _ours())
    for epoch, got in enumerate(rates):
        p = epoch / decay_steps
        p = math.floor(p) if staircase else p
        # three float operations, perhaps in another order: a few ulps at most
        assert got == pytest.approx([lr / (1 + decay_rate * p) for lr in LRS], rel=1e-13)


@given(gamma=st.floats(0.5, 1.0), step_size=st.integers(1, 8), t_max=st.integers(1, 12),
       eta_min=st.floats(0, 0.01))
def test_schedules_hypothesis(gamma, step_size, t_max, eta_min):
    for make in (lambda m, o: m.StepLR(o, step_size=step_size, gamma=gamma),
                 lambda m, o: m.ExponentialLR(o, gamma=gamma),
                 lambda m, o: m.CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min)):
        ours = _rates(lambda o, make=make: make(lr_scheduler, o), _ours())
        theirs = _rates(lambda o, make=make: make(torch.optim.lr_scheduler, o), _theirs())
        assert ours == theirs


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR",
                                  "CosineAnnealingLR", "LambdaLR"])
def test_closed_form_step_epoch_matches_torch(name):
    make = SCHEDULES[name]
    opt, topt = _ours(), _theirs()
    ours, theirs = make(lr_scheduler, opt), make(torch.optim.lr_scheduler, topt)
    for epoch in (5, 9, 17, 3):
        topt.step()
        with pytest.warns(UserWarning):
            theirs.step(epoch)
        ours.step(epoch)
        assert ours.get_last_lr() == theirs.get_last_lr()


@pytest.mark.parametrize("name", list(SCHEDULES) + ["ReduceLROnPlateau", "InverseTimeDecay"])
def test_scheduler_state_dict_resumes_identically(name):
    metrics = _plateau_metrics(0)

    def make(o):
        if name == "ReduceLROnPlateau":
            return lr_scheduler.ReduceLROnPlateau(o, patience=1)
        if name == "InverseTimeDecay":
            return lr_scheduler.InverseTimeDecay(o, 3, 0.5, staircase=True)
        return SCHEDULES[name](lr_scheduler, o)

    def advance(sched, epochs):
        for e in epochs:
            sched.step(metrics[e]) if name == "ReduceLROnPlateau" else sched.step()

    opt = _ours()
    straight = make(opt)
    advance(straight, range(EPOCHS))

    opt1 = _ours()
    first = make(opt1)
    advance(first, range(12))
    saved_sched, saved_opt = first.state_dict(), opt1.state_dict()
    opt2 = _ours()
    second = make(opt2)
    opt2.load_state_dict(saved_opt)
    second.load_state_dict(saved_sched)
    advance(second, range(12, EPOCHS))
    assert second.get_last_lr() == straight.get_last_lr()
    assert [g["lr"] for g in opt2.param_groups] == straight.get_last_lr()


def test_lambda_state_dict_keeps_callable_objects_not_functions():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    opt = _ours()
    sched = lr_scheduler.LambdaLR(opt, [Warmup(5), lambda e: 1.0])
    saved = sched.state_dict()
    assert saved["lr_lambdas"] == [{"n": 5}, None]
    other = lr_scheduler.LambdaLR(_ours(), [Warmup(2), lambda e: 1.0])
    other.load_state_dict(saved)
    assert other.lr_lambdas[0].n == 5


def test_schedules_drive_any_optimizer_including_ftrl_on_values():
    opt = optim.FTRL([Value(1.0)], learning_rate=0.5)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.25 == sched.get_last_lr()[0]


def test_scheduler_errors():
    with pytest.raises(TypeError, match="expected an optim.Optimizer, got SGD"):
        lr_scheduler.StepLR(_theirs(), step_size=2)
    with pytest.raises(ValueError, match="step_size must be a positive int, got 0"):
        lr_scheduler.StepLR(_ours(), step_size=0)
    with pytest.raises(KeyError, match=r"needs 'initial_lr' in param_groups\[0\]"):
        lr_scheduler.ExponentialLR(_ours(), gamma=0.9, last_epoch=3)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        lr_scheduler.LambdaLR(_ours(), [_factor])
    with pytest.raises(ValueError, match="factor must be < 1.0, got 1.5"):
        lr_scheduler.ReduceLROnPlateau(_ours(), factor=1.5)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'up'"):
        lr_scheduler.ReduceLROnPlateau(_ours(), mode="up")
    with pytest.raises(ValueError, match="T_max must be > 0"):
        lr_scheduler.CosineAnnealingLR(_ours(), T_max=0)
    with pytest.raises(ValueError, match="decay_steps must be > 0"):
        lr_scheduler.InverseTimeDecay(_ours(), decay_steps=0, decay_rate=0.1)
