"""Value's one-step operators and the float backward pass do what ``apply`` and the
generic pass do.

The operators fill a node without calling ``apply()`` and ``backward()`` on a
Value graph takes a pass specialised for floats; these tests hold them to the
generic machinery: the same nodes, the same gradients, grad mode per thread,
anomaly and forward mode, release and its undoing when a VJP fails, and the
memory a node takes.
"""
from __future__ import annotations

import math
import operator
import threading
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import (Function, GraphReleasedError, Value, detect_anomaly, enable_grad, grad,
                      no_grad, ops)
from autograd.anomaly import AnomalyError
from autograd.engine import run_backward
from autograd.grad_mode import FLAGS
from autograd.node import apply

FINITE = st.floats(-5, 5, allow_nan=False)
BINARY = [(operator.add, ops.add), (operator.sub, ops.sub), (operator.mul, ops.mul),
          (operator.truediv, ops.div)]
UNARY = [("exp", ops.exp), ("tanh", ops.tanh), ("sigmoid", ops.sigmoid), ("relu", ops.relu),
         ("sin", ops.sin), ("cos", ops.cos), ("abs", ops.absolute), ("__neg__", ops.neg)]


def _same_node(a: Value, b: Value, known: tuple[Value, ...]) -> None:
    """a and b alike; parents among ``known`` the same objects, others (constants) alike."""
    def parents(v: Value) -> list:
        return [p if any(p is k for k in known) else (p.data, p.requires_grad, p.is_leaf)
                for p in v.parents]

    assert type(a) is type(b)
    assert a.data == b.data or (math.isnan(a.data) and math.isnan(b.data))
    assert (a.rule, parents(a), a.requires_grad, a.params, a.grad, a.label) == \
        (b.rule, parents(b), b.requires_grad, b.params, b.grad, b.label)


@given(st.sampled_from(BINARY), FINITE, FINITE.filter(lambda v: v != 0), st.booleans(),
       st.booleans(), st.booleans())
def test_binary_operators_make_the_node_apply_makes(op_rule, x, y, gx, gy, grad_mode):
    op, rule = op_rule
    a, b = Value(x, requires_grad=gx), Value(y, requires_grad=gy)
    with no_grad() if not grad_mode else _nothing():
        _same_node(op(a, b), apply(rule, (a, b)), (a, b))
        # With a number on either side: the number becomes a constant leaf.
        left, right = op(a, y), op(x, b)
        _same_node(left, apply(rule, (a, Value(y, requires_grad=False))), (a, b))
        _same_node(right, apply(rule, (Value(x, requires_grad=False), b)), (a, b))
        if grad_mode and gx:
            assert left.parents[1].requires_grad is False and left.parents[1].data == y


@given(st.sampled_from(UNARY), FINITE, st.booleans(), st.booleans())
def test_unary_functions_make_the_node_apply_makes(name_rule, x, g, grad_mode):
    name, rule = name_rule
    a = Value(x, requires_grad=g)
    with no_grad() if not grad_mode else _nothing():
        _same_node(getattr(a, name)(), apply(rule, (a,)), (a,))


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _graph(xs: list[Value], picks: list[int]) -> Value:
    """A small graph with reuse: each step combines two earlier nodes."""
    nodes = list(xs)
    ops_ = [operator.add, operator.mul, operator.sub, lambda p, q: (p * q).tanh(),
            lambda p, q: p.relu() + q.sigmoid(), lambda p, q: 0.5 * p - q / 3.0]
    for i, k in enumerate(picks):
        p, q = nodes[k % len(nodes)], nodes[(k * 7 + i) % len(nodes)]
        nodes.append(ops_[(k + i) % len(ops_)](p, q))
    return nodes[-1]


@given(st.lists(FINITE, min_size=2, max_size=4), st.lists(st.integers(0, 50), min_size=1,
                                                          max_size=12))
def test_the_float_pass_gives_the_generic_passs_gradients(data, picks):
    xs = [Value(v) for v in data]
    out = _graph(xs, picks)
    # The generic pass: an observer forces it (it is how the stepper runs a pass).
    generic = dict(run_backward([out], [1.0], retain_graph=True, create_graph=False,
                                keep=set(xs), observer=lambda *a: None))
    out.backward()
    for x in xs:
        # The same floating-point operations in the same order: equal, not close.
        assert x.grad == generic.get(x, 0.0)


def test_every_node_keeps_its_gradient_and_a_second_backward_is_refused():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    d.backward()
    assert (d.grad, c.grad, a.grad, b.grad) == (1.0, 1.0, -2.0, 2.0)
    with pytest.raises(GraphReleasedError, match="retain_graph=True"):
        d.backward()


def test_labels_survive_the_release_of_a_node():
    a = Value(2.0, label="a")
    c = a * a
    c.label = "c"
    c.backward()
    assert c.label == "c" and c.params == {}
    with pytest.raises(GraphReleasedError):
        c.backward()


def test_a_failing_vjp_leaves_the_graph_and_the_gradients_as_they_were():
    x = Value(0.0)
    s = x.sqrt()  # sqrt'(0) is infinite: its VJP fails
    z = (s * 2.0 + 1.0).relu() * 3.0  # four nodes released before the sqrt fails
    for _ in range(2):  # the same error again: nothing was released
        with pytest.raises(ZeroDivisionError, match="backward of 'sqrt'"):
            z.backward()
    assert x.grad == 0.0 and z.grad == 0.0
    assert z.parents[0].parents[0]._params is None  # not RELEASED


def test_gradients_add_to_what_grad_held_before_exactly():
    # The pass sums in the .grad slots: what they held is set aside and added back.
    x, w = Value(0.3), Value(-1.7)
    x.grad, w.grad = 0.1, float("nan")
    y = (x * w + x).tanh()
    g = grad(y, [x, w], retain_graph=True)
    y.backward()
    assert x.grad == 0.1 + g[0].data and math.isnan(w.grad)
    assert y.grad == 1.0 and y.parents[0].grad == 1.0 - y.data * y.data


def test_a_failing_vjp_puts_back_the_gradients_held_before():
    x, b = Value(0.0), Value(2.0)
    x.grad, b.grad = 0.25, -3.0
    z = (x.sqrt() * b + 1.0) * 3.0
    with pytest.raises(ZeroDivisionError, match="backward of 'sqrt'"):
        z.backward()
    assert (x.grad, b.grad, z.grad) == (0.25, -3.0, 0.0)


def test_a_node_no_gradient_reaches_keeps_its_gradient():
    from autograd import Function

    class FirstOnly(Function):
        """x, ignoring y (whose gradient is None)."""

        @staticmethod
        def forward(ctx, x, y):
            return x + 0.0 * y

        @staticmethod
        def backward(ctx, g):
            return g, None

    x, y = Value(1.0), Value(0.0)
    s = y.sqrt()  # its VJP would fail at 0: the pass must not reach it
    x.grad, y.grad = 0.5, 0.75
    FirstOnly.apply(x, s).backward()
    assert (x.grad, y.grad, s.grad) == (1.5, 0.75, 0.0)


def test_grad_mode_is_per_thread_while_the_operators_skip_reading_it():
    a = Value(1.0)
    before = FLAGS.special  # (an earlier test's dual numbers may hold this thread's level)
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def worker() -> None:
        with no_grad():
            entered.set()
            release.wait(5)
            seen["op"] = (a * 2.0).op
        seen["after"] = (a * 2.0).op

    t = threading.Thread(target=worker)
    t.start()
    assert entered.wait(5)
    assert FLAGS.special == before + 1  # one more thread is out of the default mode...
    assert (a * 2.0).op == "*"  # ...but not this one: it still records
    release.set()
    t.join(5)
    assert seen == {"op": "", "after": "*"}
    assert FLAGS.special == before


def test_anomaly_mode_still_checks_what_the_operators_make():
    big = Value(1e308)
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="forward of 'mul' produced inf"):
            big * big
        with pytest.raises(AnomalyError, match="forward of 'add' produced inf"):
            1e308 + big


def test_dual_numbers_go_through_the_operators():
    x = Value(3.0, tangent=1.0)
    y = (x * x + 2 * x).tanh() - x / 4.0
    expected = (1 - math.tanh(15.0) ** 2) * 8.0 - 0.25
    assert y.tangent == pytest.approx(expected, rel=1e-12)  # several float ops: rounding


def test_the_operators_still_record_for_second_derivatives():
    x = Value(1.5)
    (dy,) = grad((x * x * x).tanh(), x, create_graph=True)
    (d2y,) = grad(dy, x)
    t = math.tanh(1.5 ** 3)
    # y = tanh(x^3): y' = 3x^2 (1 - t^2), y'' = 6x (1 - t^2) - 18 x^4 t (1 - t^2).
    expected = 6 * 1.5 * (1 - t * t) - 18 * 1.5 ** 4 * t * (1 - t * t)
    assert d2y.data == pytest.approx(expected, rel=1e-9)


def test_a_value_node_with_its_float_is_at_most_120_bytes():
    # Eight slots (16-byte header + 8 x 8 bytes + 16 bytes of collector header) and the
    # float it holds (24 bytes): exact sizes on CPython, so the count is exact too.
    n = 10_000
    c = Value(1.0001)
    y = Value(1.0)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(n):
            y = y * c
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert used / n <= 120


def _runs_a_backward(scale, inner):
    """A Function x -> scale * x whose backward first runs ``inner().backward()``."""

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            return x * scale

        @staticmethod
        def backward(ctx, g):
            with enable_grad():  # a backward records nothing unless asked to
                root = inner()
            root.backward(retain_graph=True)
            return g * scale

    return Probe


def test_a_backward_started_inside_a_backward_sums_its_own_gradients():
    # A Function whose backward runs a second backward over a leaf the outer graph shares:
    # the inner pass cannot use the slots the outer one is summing in, so it takes the
    # generic pass, and both passes' gradients come out right.
    b = Value(3.0)
    probe = _runs_a_backward(2.0, lambda: b * b * 1.0)  # adds d(b^2)/db = 6 to b.grad
    a = Value(1.5)
    y = probe.apply(a) * b  # dy/da = 2 b = 6, dy/db = 2 a = 3
    y.backward()
    assert a.grad == 6.0
    assert b.grad == 3.0 + 6.0


def test_a_pending_gradient_is_not_a_number_yet():
    from autograd.engine import _GRAD_PENDING as pending

    with pytest.raises(RuntimeError, match="backward pass that has not ended"):
        pending + 1.0
    with pytest.raises(RuntimeError, match="backward pass that has not ended"):
        float(pending)


def test_a_backward_inside_a_backward_over_a_shared_intermediate_counts_it_once():
    # The inner pass reaches c, a node the running pass has yet to pass a gradient
    # through: c.grad gets the inner pass's part at the end, and b does not get it twice.
    b = Value(3.0)
    c = b * 2.0
    probe = _runs_a_backward(1.0, lambda: c * 5.0)  # d(5c)/dc = 5, d(5c)/db = 10
    a = Value(1.5)
    y = probe.apply(a) * c  # dy/da = c = 6, dy/dc = a = 1.5, dy/db = 3
    y.backward()
    assert a.grad == 6.0
    assert c.grad == 1.5 + 5.0
    assert b.grad == 3.0 + 10.0
