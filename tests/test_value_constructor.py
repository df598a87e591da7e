"""micrograd's constructor, ``Value(data, _children=(), _op='', label='')``, and ``+=``.

A Value made by hand from its children shows them (``_prev``, ``parents``,
drawings) under its op name, and a backward pass that reaches it is a clear
error, never a gradient that silently stops there. chainrule's own keywords
(``label=``, ``requires_grad=``, ``tangent=``) keep working.
"""
from __future__ import annotations

import math

import pytest

from autograd import Value, draw_dot, grad
from autograd.value import ByHandError


def test_children_and_op_are_recorded_as_micrograd_records_them():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = Value(a.data * b.data, (a, b), "*", "out")
    assert out._prev == {a, b}
    assert out._op == out.op == "*"
    assert out.parents == (a, b)  # in the order given
    assert out.label == "out" and out.data == -6.0 and not out.is_leaf


def test_many_children_and_any_collection_of_them():
    xs = [Value(float(i)) for i in range(4)]
    total = Value(6.0, xs, "sum")
    assert total.parents == tuple(xs)
    assert Value(1.0, {xs[0]}, "id")._prev == {xs[0]}


def test_a_drawing_shows_the_children_under_the_op_name():
    a = Value(1.0, label="a")
    e = Value(math.exp(1.0), (a,), "exp", label="e")
    src = draw_dot(e).source
    # a's box (v0) feeds one op box labelled exp (o1), which makes e's box (v1).
    assert "v0 [label=\"{a |" in src and "v1 [label=\"{e |" in src
    assert "o1 [label=exp " in src
    assert "v0 -> o1" in src and "o1 -> v1" in src


def test_the_keywords_of_chainrule_still_work():
    assert Value(1.5, label="w").label == "w"
    assert Value(1.5, requires_grad=False).requires_grad is False
    d = Value(3.0, tangent=1.0)
    assert (d * d).tangent == 6.0
    assert Value(1.0, (), "", "x").label == "x"  # label as micrograd's fourth argument


def test_a_label_in_the_second_place_is_a_clear_error_not_a_mislabel():
    with pytest.raises(TypeError, match=r"_children.*label='a'"):
        Value(2.0, "a")


@pytest.mark.parametrize("children, op, error, words", [
    ((1.0,), "+", TypeError, "every child must be a Value"),
    (Value(1.0), "+", TypeError, "_children is micrograd's tuple"),
    ((Value(1.0),), 3, TypeError, "_op is the name"),
    ((), "exp", ValueError, "_children is empty"),
])
def test_bad_children_or_op_say_what_was_expected(children, op, error, words):
    with pytest.raises(error, match=words):
        Value(1.0, children, op)


def test_backward_through_a_value_made_by_hand_is_an_error_naming_it():
    a = Value(2.0)
    e = Value(math.exp(2.0), (a,), "exp")
    loss = e * 3.0
    with pytest.raises(ByHandError, match=r"backward through 'exp'.*a\.exp\(\)"):
        loss.backward()
    assert a.grad == 0.0  # nothing written
    with pytest.raises(ByHandError):
        grad(loss, a)


def test_the_same_value_by_its_operation_has_a_gradient():
    a = Value(2.0)
    (a.exp() * 3.0).backward()
    assert a.grad == pytest.approx(3.0 * math.exp(2.0), rel=1e-15)


def test_plus_equals_rebinds_to_a_new_node_as_for_floats():
    a = Value(2.0, label="a")
    c = a
    c += 1
    assert c is not a and a.data == 2.0 and c.data == 3.0
    assert c.parents[0] is a and c.op == "+"
    c *= a
    c.backward()
    # c = (a + 1) * a, so dc/da = 2a + 1: the first node is still in the graph.
    assert a.grad == 5.0


def test_assigning_a_backward_closure_says_how_to_get_a_derivative():
    a = Value(2.0)
    out = Value(math.exp(2.0), (a,), "exp")
    with pytest.raises(AttributeError, match=r"_backward cannot be replaced.*autograd\.Function"):
        out._backward = lambda: None
    # Calling it is micrograd's manual step, which stays.
    d = a * 3.0
    d.grad = 1.0
    d._backward()
    assert a.grad == 3.0
