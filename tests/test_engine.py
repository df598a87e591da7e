"""The graph core: ordering, accumulation, release, grad mode, higher order, memory."""
from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

from autograd import (GraphReleasedError, Tensor, Value, enable_grad, grad, is_grad_enabled,
                      no_grad, toposort)
from autograd.node import ReleasedNode
from autograd.ops import RULES


def test_million_node_chain_backpropagates_without_recursion():
    import sys

    limit = sys.getrecursionlimit()
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert sys.getrecursionlimit() == limit


def test_each_rule_called_once_per_backward(monkeypatch):
    calls = {"n": 0}
    rule = RULES["mul"]
    real = rule.vjp

    def counting(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(rule, "vjp", counting)
    a = Value(2.0)
    b = a * a          # one mul node, used twice below
    c = b + b
    c.backward()
    assert calls["n"] == 1
    assert a.grad == pytest.approx(8.0)   # d(2 a^2)/da = 4a


def test_reuse_and_diamond_accumulate():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    x = Value(0.5)
    b, c = x.tanh(), x.exp()
    d = b * c          # diamond: x feeds two branches that meet again
    d.backward()
    t = np.tanh(0.5)
    assert x.grad == pytest.approx((1 - t * t) * np.exp(0.5) + t * np.exp(0.5))


def test_toposort_puts_parents_first_for_shared_subgraphs():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (x @ x.T).sum()
    order = toposort([y])
    pos = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for p in n.parents:
            if p.requires_grad:
                assert pos[id(p)] < pos[id(n)]
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * np.ones((2, 2)) @ x.data)


def test_intermediate_values_keep_their_gradient_like_micrograd():
    a = Value(2.0)
    b = a * 3
    c = b + 1
    c.backward()
    assert (c.grad, b.grad, a.grad) == (1.0, 1.0, 3.0)


def test_second_backward_through_released_graph_says_how_to_keep_it():
    a = Value(2.0)
    b = a * a
    b.backward()
    with pytest.raises(GraphReleasedError, match="retain_graph=True"):
        b.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates():
    a = Value(2.0)
    b = a * a
    b.backward(retain_graph=True)
    b.backward()
    assert a.grad == 8.0


def test_grad_mode_context_decorator_and_thread_local():
    a = Value(1.0)
    with no_grad():
        assert not is_grad_enabled()
        assert not (a * 2).requires_grad
        with enable_grad():
            assert (a * 2).requires_grad
    assert is_grad_enabled()

    @no_grad()
    def f():
        return a * 2

    assert not f().requires_grad
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_grad_returns_without_touching_grad_and_nests_to_third_order():
    x = Value(1.5)
    y = x ** 4
    (d1,) = grad(y, x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert x.grad == 0.0
    assert d1.data == pytest.approx(4 * 1.5 ** 3)
    assert d2.data == pytest.approx(12 * 1.5 ** 2)
    assert d3.data == pytest.approx(24 * 1.5)


def test_grad_of_mixed_scalar_expression_second_derivative():
    x = Value(0.3)
    y = x.sin() * x.exp()
    (d1,) = grad(y, x, create_graph=True)
    (d2,) = grad(d1, x)
    # (sin x e^x)'' = 2 cos(x) e^x
    assert d2.data == pytest.approx(2 * np.cos(0.3) * np.exp(0.3))


def test_grad_allow_unused():
    x, z = Value(1.0), Value(2.0)
    y = x * 2
    with pytest.raises(ValueError, match="allow_unused"):
        grad(y, [x, z])
    gx, gz = grad(y, [x, z], allow_unused=True)
    assert gx.data == 2.0 and gz is None


def test_graph_is_freed_when_the_result_is_dropped():
    gc.disable()
    try:
        x = Value(1.0)
        h = x * 2
        ref = weakref.ref(h)
        y = h + 1
        del h
        assert ref() is not None
        del y
        assert ref() is None   # freed by reference counting alone: no cycles
        t = Tensor(np.ones(3), requires_grad=True)
        u = t.exp()
        ref_t = weakref.ref(u)
        v = (u * 2).sum()
        v.backward()
        del u, v
        assert ref_t() is None
    finally:
        gc.enable()


def test_backward_on_result_without_grad_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Value(1.0, requires_grad=False) * 2).backward()


def test_release_keeps_small_nodes_but_not_what_a_small_view_holds():
    gc.disable()  # freed by reference counting alone, not by a later collection
    try:
        x = Tensor(np.ones((30, 30)), requires_grad=True)
        big = x * 2.0                  # 900 elements: only the graph holds it
        small = (x[0, :3] + 1.0).exp()  # 3 elements, not a view: a record would copy it
        corner = big[0, :3]            # 3 elements, but a view that keeps `big` alive
        hooked = (x[0, :3] * 3.0).sin()  # small, but its hook is the graph's to let go
        hooked.register_hook(lambda g: g)
        refs = [weakref.ref(big), weakref.ref(corner), weakref.ref(hooked)]
        loss = (corner * small * hooked).sum()
        del big, corner, hooked
        loss.backward()
        (Tensor([1.0], requires_grad=True) * 2.0).sum().backward()  # releases loss's graph
        assert all(r() is None for r in refs)   # freed; the view's base too
        product = loss.parents[0]
        assert product.parents[0].parents[1] is small  # kept: its data is all a record holds
        assert isinstance(product.parents[1], ReleasedNode) and product.parents[1].op == "sin"
        # d/dx of 2x e^(x+1) sin(3x) at x = 1, term by term (float64 throughout)
        e2, s3, c3 = np.exp(2.0), np.sin(3.0), np.cos(3.0)
        np.testing.assert_allclose(x.grad[0, :3], 2 * e2 * s3 + 2 * e2 * s3 + 2 * e2 * 3 * c3)
        with pytest.raises(GraphReleasedError):
            loss.backward()
    finally:
        gc.enable()
