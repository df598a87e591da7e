"""detect_anomaly(): the first NaN/inf raises, naming the op, its source line and the fix."""
from __future__ import annotations

import inspect
import os
import threading

import numpy as np
import pytest

import autograd.anomaly as anomaly
from autograd import AnomalyError, Tensor, Value, detect_anomaly, grad, where

HERE = os.path.abspath(__file__)

# NumPy warns as it makes the NaN/inf that the tests provoke on purpose
pytestmark = pytest.mark.filterwarnings("ignore:.*encountered:RuntimeWarning")


def next_line() -> int:
    """The line number after the caller's current line."""
    return inspect.currentframe().f_back.f_lineno + 1


def assert_made_here(message: str, line: int) -> None:
    assert f"{HERE}:{line}" in message, message


# ------------------------------------------------------------------- forward

def test_log_of_zero_names_the_op_the_line_and_the_fix():
    x = Tensor([1.0, 0.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        x.log()
    msg = str(info.value)
    assert "forward of 'log' produced inf" in msg
    assert_made_here(msg, line)
    assert "x.log()" in msg                     # the source text of that line
    assert "log of a value <= 0" in msg and "clip" in msg and "eps" in msg


def test_log_of_a_negative_value_produces_nan():
    x = Tensor([1.0, -2.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        x.log()
    msg = str(info.value)
    assert "'log' produced nan" in msg and "smallest input -2" in msg
    assert_made_here(msg, line)


def test_exp_overflow():
    x = Tensor(np.array([1.0, 800.0]), requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        (x * 2).exp()
    msg = str(info.value)
    assert "forward of 'exp' produced inf" in msg and "overflow" in msg
    assert "logsumexp" in msg and "subtract the max" in msg
    assert_made_here(msg, line)


def test_exp_overflow_in_float32_happens_much_earlier():
    x = Tensor([90.0], requires_grad=True)   # e^90 > float32 max
    with detect_anomaly(), pytest.raises(AnomalyError, match="'exp'.*overflow"):
        x.exp()


def test_division_by_zero():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        1.0 / (x - 2.0)
    msg = str(info.value)
    assert "forward of 'div' produced inf" in msg
    assert "division by zero" in msg and "epsilon" in msg
    assert_made_here(msg, line)


def test_only_the_first_non_finite_value_is_reported():
    # later ops see a NaN input; the error is about the op that made it
    x = Tensor([4.0, -1.0], requires_grad=True)

    def model(t):
        h = t.sqrt()               # the first NaN
        return (h * 2 + 1).exp().sum()

    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        model(x)
    msg = str(info.value)
    assert "forward of 'sqrt'" in msg and "h = t.sqrt()" in msg


def test_line_of_an_op_made_inside_a_library_method_is_the_callers():
    # var is built from several ops inside autograd; the line reported is the user's
    x = Tensor(np.array([1e200, -1e200]), requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        x.var()
    assert_made_here(str(info.value), line)


# ------------------------------------------------------------------ backward

def test_sqrt_at_zero_fails_in_backward_naming_the_forward_op():
    x = Tensor([4.0, 0.0], requires_grad=True)
    with detect_anomaly():
        line = next_line()
        y = x.sqrt().sum()       # forward is finite: sqrt(0) = 0
        with pytest.raises(AnomalyError) as info:
            y.backward()
    msg = str(info.value)
    assert "backward of 'sqrt'" in msg and "produced inf" in msg
    assert "input 0" in msg and "finite incoming gradient" in msg
    assert_made_here(msg, line)
    assert "sqrt(x + eps)" in msg


def test_norm_at_the_zero_vector():
    x = Tensor(np.zeros(3), requires_grad=True)
    with detect_anomaly():
        line = next_line()
        norm = (x * x).sum().sqrt()
        with pytest.raises(AnomalyError) as info:
            (norm * 2.0).backward()
    msg = str(info.value)
    assert "backward of 'sqrt'" in msg and "norm" in msg and "eps" in msg
    assert_made_here(msg, line)
    # the same norm written with a power
    with detect_anomaly():
        line = next_line()
        norm = ((x ** 2).sum()) ** 0.5
        with pytest.raises(AnomalyError) as info:
            norm.backward()
    msg = str(info.value)
    assert "backward of 'powc'" in msg and "norm" in msg and "eps" in msg
    assert_made_here(msg, line)
    # the fix runs clean
    with detect_anomaly():
        ((x * x).sum() + 1e-12).sqrt().backward()
    assert np.isfinite(x.grad).all()


def test_nan_through_the_unselected_branch_of_where_and_the_double_where_fix():
    x = Tensor(np.array([0.0, 4.0, 9.0]), requires_grad=True)
    with detect_anomaly():
        line = next_line()
        y = where(x.data > 0, x.sqrt(), 0.0).sum()   # forward is finite everywhere
        with pytest.raises(AnomalyError) as info:
            y.backward()
    msg = str(info.value)
    assert "backward of 'sqrt'" in msg and "nan" in msg
    assert "where" in msg and "double where" in msg
    assert "where(c, f(where(c, x, safe_x)), other)" in msg
    assert_made_here(msg, line)

    # the double-where version: the unselected branch sees a safe input
    x.grad = None
    with detect_anomaly():
        c = x.data > 0
        safe = where(c, x, 1.0)
        where(c, safe.sqrt(), 0.0).sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.25, 1.0 / 6.0])


def test_where_trap_with_log_is_caught_in_forward():
    x = Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        where(x.data > 0, x.log(), 0.0)
    msg = str(info.value)
    assert "'log'" in msg and "double where" in msg
    with detect_anomaly():
        c = x.data > 0
        where(c, where(c, x, 1.0).log(), 0.0).sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.5])


def test_backward_anomaly_in_the_middle_of_a_graph_names_that_op():
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    w = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    with detect_anomaly():
        h = x * w
        line = next_line()
        r = h.sqrt()
        loss = (r * 3.0).tanh().sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    msg = str(info.value)
    assert "backward of 'sqrt'" in msg
    assert_made_here(msg, line)
    assert x.grad is None and w.grad is None


def test_higher_order_backward_is_checked_too():
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with detect_anomaly():
        y = (x ** 1.5).sum()        # first derivative 1.5 sqrt(x) is finite at 0
        (g,) = grad(y, x, create_graph=True)
        with pytest.raises(AnomalyError, match="backward of"):
            g.sum().backward()      # the second, 0.75 / sqrt(x), is not


def test_graph_made_outside_anomaly_mode_is_still_named():
    x = Tensor([0.0], requires_grad=True)
    y = x.sqrt().sum()
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        y.backward()
    assert "backward of 'sqrt'" in str(info.value)
    assert "made outside detect_anomaly()" in str(info.value)


# ---------------------------------------------------------------- the switch

def test_outside_anomaly_mode_nothing_is_checked(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("an anomaly check ran outside detect_anomaly()")

    monkeypatch.setattr(anomaly, "check_forward", boom)
    monkeypatch.setattr(anomaly, "check_backward", boom)
    x = Tensor(np.array([0.0, -1.0, 4.0]), requires_grad=True)
    with np.errstate(all="ignore"):
        y = where(x.data > 0, x.sqrt(), 0.0) + x.log() * 0.0 + (x * 1000).exp()
        y.sum().backward()
    assert np.isnan(y.data).any() and np.isnan(x.grad).any()   # silently, as asked


def test_no_trace_is_recorded_outside_anomaly_mode():
    x = Tensor([1.0], requires_grad=True)
    y = x * 2
    assert anomaly.trace_of(y) is None
    with detect_anomaly():
        z = x * 2
    assert anomaly.trace_of(z) is not None and "z = x * 2" in anomaly.trace_of(z)


def test_context_manager_restores_the_mode_and_works_as_decorator():
    x = Tensor([0.0], requires_grad=True)
    with detect_anomaly():
        with detect_anomaly():
            pass
        with pytest.raises(AnomalyError):
            x.log()                 # still on after the inner block
    with np.errstate(divide="ignore"):
        x.log()                     # off again

    @detect_anomaly()
    def f(t):
        return t.log()

    with pytest.raises(AnomalyError):
        f(x)
    with np.errstate(divide="ignore"):
        x.log()


def test_anomaly_mode_is_thread_local():
    seen = []

    def other():
        with np.errstate(divide="ignore"):
            Tensor([0.0], requires_grad=True).log()   # no error in this thread
        seen.append(True)

    with detect_anomaly():
        th = threading.Thread(target=other)
        th.start()
        th.join()
    assert seen == [True]


def test_finite_computations_run_unchanged_in_anomaly_mode():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    out = []
    for mode in (False, True):
        x = Tensor(a.copy(), requires_grad=True)
        with detect_anomaly() if mode else np.errstate():
            (x.tanh() @ x.T).softmax(axis=1).log().sum().backward()
        out.append(x.grad)
    np.testing.assert_array_equal(out[0], out[1])  # exact: anomaly mode checks, computes nothing


def test_value_errors_inside_anomaly_mode_are_clear():
    # Value raises eagerly on float math, so the traceback already points at the line
    with detect_anomaly(), pytest.raises(ValueError, match="log"):
        Value(0.0).log()
    v = Value(0.0)
    with detect_anomaly():
        line = next_line()
        y = v.sqrt()
        with pytest.raises(ArithmeticError, match="backward of 'sqrt'") as info:
            y.backward()
    assert_made_here(str(info.value), line)
