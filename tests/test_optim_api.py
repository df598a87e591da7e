"""The Optimizer contract: parameters and groups, Values, state_dict, errors, explain_step."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import optim
from autograd import Tensor, Value
from numerics import STEP_RTOL

# One configuration per rule that exercises its state fully.
RULES = {
         "SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
         "Adagrad": {"lr": 0.3, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
         "Adadelta": {"lr": 1.0, "rho": 0.9, "weight_decay": 0.01},
         "RMSprop": {"lr": 0.01, "momentum": 0.5, "centered": True},
         "Adam": {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01},
         "AdamW": {"lr": 0.05, "weight_decay": 0.1},
         "FTRL": {"learning_rate": 0.5, "l1_regularization_strength": 0.01, "beta": 0.1},
         }


def make(name, params, **override):
    return getattr(optim, name)(params, **{**RULES[name], **override})


def mlp_params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 6), (6,), (6, 1), (1,)]
    return [Tensor((rng.normal(size=s) * 0.5).astype(dtype), requires_grad=True, name=n)
            for s, n in zip(shapes, ["w1", "b1", "w2", "b2"])]


_rng = np.random.default_rng(1)
X, Y = Tensor(_rng.normal(size=(10, 3))), Tensor(_rng.normal(size=(10, 1)))


def mlp_loss(params):
    w1, b1, w2, b2 = params
    x, y = (X, Y) if w1.dtype == np.float64 else (X.astype(w1.dtype), Y.astype(w1.dtype))
    return ((((x @ w1 + b1).tanh() @ w2 + b2) - y) ** 2).mean()


def train(opt, params, steps, loss_fn=mlp_loss):
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(params).backward()
        opt.step()


def value_loss(v):
    a, b, c = v
    return (a - 1) ** 2 + 2 * (b + 0.5) ** 2 + (c - 2) ** 2 + 0.5 * a * b


# -- Value parameters

@pytest.mark.parametrize("name", list(RULES))
def test_minimises_a_function_of_values(name):
    v = [Value(3.0, label="a"), Value(-2.0, label="b"), Value(0.0, label="c")]
    opt = make(name, v)
    start = value_loss(v).data
    train(opt, v, 100, value_loss)
    assert value_loss(v).data < 0.9 * start
    assert all(type(p.data) is float and type(p.grad) is float for p in v)


def test_sgd_step_on_values_equals_step_on_0d_tensors():
    vals = [Value(1.5), Value(-0.5)]
    tens = [Tensor(np.array(1.5), requires_grad=True), Tensor(np.array(-0.5), requires_grad=True)]
    kw = {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.05}
    ov, ot = optim.SGD(vals, **kw), optim.SGD(tens, **kw)
    for _ in range(10):
        for opt, (a, b) in ((ov, vals), (ot, tens)):
            opt.zero_grad()
            ((a - 1) * (a - 1) + 2 * (b + a) * (b + a) + b.sin()).backward()
            opt.step()
        # Python's math and NumPy's may round sin differently: the per-step budget
        np.testing.assert_allclose([p.data for p in vals], [float(t.data) for t in tens],
                                   rtol=STEP_RTOL * 10, atol=STEP_RTOL * 10)


@pytest.mark.parametrize("name", list(RULES))
def test_every_rule_on_values_matches_0d_tensors(name):
    vals = [Value(1.5), Value(-0.5)]
    tens = [Tensor(np.array(1.5), requires_grad=True), Tensor(np.array(-0.5), requires_grad=True)]
    ov, ot = make(name, vals), make(name, tens)
    for _ in range(20):
        for opt, (a, b) in ((ov, vals), (ot, tens)):
            opt.zero_grad()
            ((a - 1) * (a - 1) + 2 * (b + a) * (b + a) + b.sin()).backward()
            opt.step()
    np.testing.assert_allclose([p.data for p in vals], [float(t.data) for t in tens],
                               rtol=STEP_RTOL * 20, atol=STEP_RTOL * 20)  # 20 steps


# -- step, zero_grad, dtypes

@pytest.mark.parametrize("name", list(RULES))
def test_float32_stays_float32_and_updates_in_place(name):
    params = mlp_params(np.float32)
    arrays = [p.data for p in params]
    versions = [p._version for p in params]
    opt = make(name, params)
    train(opt, params, 3)
    for p, arr, v in zip(params, arrays, versions):
        assert p.data is arr and p.data.dtype == np.float32
        assert p._version == v + 3  # each update is an in-place change
        assert p.is_leaf and p.requires_grad
        for key, s in opt.state[p].items():
            assert not isinstance(s, np.ndarray) or s.dtype == np.float32, key


def test_numpy_scalar_hyper_parameters_do_not_promote_float32():
    params = mlp_params(np.float32)
    opt = optim.Adam(params, lr=np.float64(0.01), betas=(np.float64(0.9), 0.999))
    assert type(opt.param_groups[0]["lr"]) is float
    assert all(type(b) is float for b in opt.param_groups[0]["betas"])
    sched = optim.lr_scheduler.LambdaLR(opt, lambda epoch: np.float64(0.5) ** epoch)
    sched.step()
    assert type(opt.param_groups[0]["lr"]) is float
    train(opt, params, 2)
    assert all(p.data.dtype == np.float32 for p in params)


def test_step_skips_parameters_without_gradient_and_returns_closure_loss():
    a, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss.data) == 2.0
    assert (b.data == 1).all() and b not in opt.state
    assert (a.data < 1).all()


def test_zero_grad():
    t, v = Tensor(np.ones(3), requires_grad=True), Value(2.0)
    opt = optim.SGD([t, v], lr=0.1)
    t.sum().backward()
    (v * v).backward()
    g = t.grad
    opt.zero_grad(set_to_none=False)
    assert t.grad is g and (g == 0).all() and v.grad == 0.0
    t.sum().backward()
    (v * v).backward()
    opt.zero_grad()
    assert t.grad is None and v.grad == 0.0


def test_param_groups_and_add_param_group():
    a, b, c = (Tensor(np.ones(2), requires_grad=True) for _ in range(3))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [c], "momentum": 0.0})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5, 0.1]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9, 0.0]
    for p in (a, b, c):
        p.grad = np.ones(2)
    opt.step()
    np.testing.assert_allclose([a.data[0], b.data[0], c.data[0]], [0.9, 0.5, 0.9])


def test_named_parameters_name_the_rows_of_explain_step():
    w, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.zeros(1), requires_grad=True)
    opt = optim.Adam([("layer.weight", w), ("layer.bias", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["layer.weight", "layer.bias"]
    (w.sum() + 2 * b.sum()).backward()
    text = str(opt.explain_step())
    assert "layer.weight (2,)" in text and "layer.bias (1,)" in text


# -- errors

def _t():
    return Tensor(np.ones(2), requires_grad=True)


@pytest.mark.parametrize(("make_opt", "match"), [
    (lambda: optim.SGD([_t()], lr=-0.1), r"SGD: lr must be a number >= 0, got -0\.1"),
    (lambda: optim.Adam([_t()], betas=(1.0, 0.999)),
     r"Adam: betas\[0\] must be in \[0, 1\), got 1\.0"),
    (lambda: optim.AdamW([_t()], betas=(0.9, -0.1)),
     r"AdamW: betas\[1\] must be in \[0, 1\), got -0\.1"),
    (lambda: optim.Adam([_t()], betas=0.9), r"betas must be a pair \(beta1, beta2\), got 0\.9"),
    (lambda: optim.Adagrad([_t()], eps=-1.0), r"Adagrad: eps must be a number >= 0, got -1\.0"),
    (lambda: optim.Adadelta([_t()], rho=1.5), r"Adadelta: rho must be in \[0, 1\], got 1\.5"),
    (lambda: optim.RMSprop([_t()], alpha=-0.5), r"RMSprop: alpha must be in \[0, 1\], got -0\.5"),
    (lambda: optim.SGD([_t()], lr="fast"), r"SGD: lr must be a number >= 0, got 'fast'"),
    (lambda: optim.SGD([_t()], lr=0.1, nesterov=True), r"nesterov=True needs momentum > 0"),
    (lambda: optim.SGD([{"params": [_t()], "lr": -1.0}]), r"lr must be a number >= 0, got -1\.0"),
    (lambda: optim.SGD([], lr=0.1), r"SGD: got an empty parameter list; expected at least one"),
])
def test_bad_hyper_parameters_name_value_and_expectation(make_opt, match):
    with pytest.raises(ValueError, match=match):
        make_opt()


def test_a_parameter_given_twice_is_rejected():
    p = Tensor(np.ones(2), requires_grad=True, name="w")
    with pytest.raises(ValueError,
                       match=r"parameter 1 of group 0 \('w'\) is already in this group"):
        optim.SGD([p, p], lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match=r"parameter 0 of group 1 \('w'\) is already in group 0"):
        opt.add_param_group({"params": [p]})


def test_what_is_not_a_parameter_list_is_rejected():
    p = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="got a single Tensor; wrap it in a list"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError,
                       match="parameter 1 of group 0 is a ndarray; expected an autograd"):
        optim.SGD([p, np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="must be a dict with a 'params' entry.*got a dict "
                                        "without 'params'"):
        optim.SGD([{"lr": 0.1}])
    with pytest.raises(ValueError, match=r"computed by an operation \('\*'\), not a leaf"):
        optim.SGD([p * 2], lr=0.1)


# -- state_dict

@pytest.mark.parametrize("name", list(RULES))
def test_state_dict_round_trip_resumes_the_same_trajectory(name):
    straight = mlp_params()
    train(make(name, straight), straight, 50)

    first = mlp_params()
    opt = make(name, first)
    train(opt, first, 20)
    saved = opt.state_dict()
    train(opt, first, 5)  # later steps must not change the snapshot
    resumed = [Tensor(p.data.copy(), requires_grad=True) for p in mlp_params()]
    for p, q in zip(resumed, _replay(name, 20)):
        p.data = q
    opt2 = make(name, resumed, **({"learning_rate": 9.0} if name == "FTRL" else {"lr": 9.0}))
    opt2.load_state_dict(saved)
    train(opt2, resumed, 30)
    for p, q in zip(straight, resumed):
        np.testing.assert_array_equal(p.data, q.data)  # exact: the same arithmetic, resumed


def _replay(name, steps):
    params = mlp_params()
    train(make(name, params), params, steps)
    return [p.data.copy() for p in params]


@pytest.mark.parametrize("name", list(RULES))
def test_state_dict_round_trip_on_values(name):
    def run(split):
        v = [Value(3.0), Value(-2.0), Value(0.5)]
        opt = make(name, v)
        train(opt, v, split, value_loss)
        if split < 50:
            saved = opt.state_dict()
            v = [Value(p.data) for p in v]
            opt = make(name, v)
            opt.load_state_dict(saved)
            train(opt, v, 50 - split, value_loss)
        return [p.data for p in v]

    assert run(20) == run(50)


def test_state_dict_layout_is_index_keyed():
    params = mlp_params()
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}], lr=0.1)
    train(opt, params, 2)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert sorted(sd["state"]) == [0, 1, 2, 3]
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["state"][0]["step"] == 2


def test_load_state_dict_mismatches_say_what_differs():
    params = mlp_params()
    opt = optim.Adam(params, lr=0.1)
    train(opt, params, 1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match=r"saved state has 1 parameter group\(s\) but this "
                                         r"optimizer has 2"):
        optim.Adam([{"params": params[:2]}, {"params": params[2:]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="parameter group 0 has 3 parameter"):
        optim.Adam(params[:3]).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"settings \['amsgrad', 'betas'.*lacks \['dampening', "
                                         r"'momentum', 'nesterov'\]; was it saved from another"):
        optim.SGD(params).load_state_dict(sd)
    other = [Tensor(np.zeros((6, 3)), requires_grad=True, name="w1")] + mlp_params()[1:]
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 0 \(w1\) has shape "
                                         r"\(3, 6\) but the parameter has shape \(6, 3\)"):
        optim.Adam(other).load_state_dict(sd)
    fresh = optim.Adam(other)
    with pytest.raises(ValueError):
        fresh.load_state_dict(sd)
    assert not fresh.state  # a failed load changes nothing
    with pytest.raises(ValueError, match="expected a dict with 'state' and 'param_groups'"):
        opt.load_state_dict({"exp_avg": 1})


# -- explain_step

@pytest.mark.parametrize("name", list(RULES))
def test_explain_step_numbers_are_what_step_applies(name):
    params = mlp_params()
    opt = make(name, params)
    train(opt, params, 3)
    opt.zero_grad()
    mlp_loss(params).backward()
    before = [p.data.copy() for p in params]
    state_before = {k: v.copy() if isinstance(v, np.ndarray) else v
                    for k, v in opt.state[params[0]].items()}
    versions = [p._version for p in params]
    report = opt.explain_step()
    # Explaining changes nothing, and step() runs the same code on the same numbers: exact.
    assert [p._version for p in params] == versions
    for k, v in state_before.items():
        np.testing.assert_array_equal(opt.state[params[0]][k], v)
    opt.step()
    for p, b, row in zip(params, before, report):
        np.testing.assert_array_equal(p.data - b, row.update)
        np.testing.assert_array_equal(p.grad, row.grad)
        assert set(row.state) == set(opt.state[p])
        for k, v in opt.state[p].items():
            np.testing.assert_array_equal(row.state[k], v)


@given(x=st.floats(-5, 5), g=st.floats(-5, 5), steps=st.integers(0, 4),
       name=st.sampled_from(list(RULES)))
def test_explain_step_on_values_hypothesis(x, g, steps, name):
    v = Value(x)
    opt = make(name, [v])
    for _ in range(steps):
        v.grad = g
        opt.step()
    v.grad = g
    row = opt.explain_step()[0]
    old = v.data
    opt.step()
    assert v.data - old == row.update


def test_explain_step_text_for_a_learner():
    big = Tensor(np.linspace(-1, 1, 600).reshape(30, 20), requires_grad=True, name="weight")
    small = Value(0.5, label="bias")
    idle = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.Adam([big, small, idle], lr=0.01)
    (big * big).sum().backward()
    (small * small).backward()
    report = opt.explain_step()
    text = str(report)
    assert text.startswith("Adam: what the next step() does (3 parameters)")
    assert "group 0: lr=0.01, betas=(0.9, 0.999), eps=1e-08" in text
    assert "weight (30, 20)" in text and "norm " in text and "mean " in text
    assert 'state["exp_avg_sq"]' in text and "bias_correction2" in text
    assert "param 2 (2,)" in text and "None: step() skips this parameter" in text
    assert report["bias"].update == pytest.approx(-0.01)
    assert report["bias"].derived["step_size"] == pytest.approx(0.1)
    assert report[2].update is None
    assert "<table>" in report._repr_html_() and "weight (30, 20)" in report._repr_html_()
    assert repr(report) == text
    with pytest.raises(KeyError, match="no parameter named 'nope'"):
        report["nope"]


def test_repr_lists_groups():
    opt = optim.SGD([_t()], lr=0.1)
    assert repr(opt).startswith("SGD (\nParameter Group 0\n    lr: 0.1")
