"""Clear errors: each names the op and the shapes and says what was expected."""
from __future__ import annotations

import re

import numpy as np
import pytest

from autograd import (
    GraphReleasedError,
    ShapeError,
    Tensor,
    Value,
    cat,
    grad,
    maximum,
    minimum,
    no_grad,
    stack,
    where,
)


def shapes_in(message: str, *shapes: tuple[int, ...]) -> bool:
    return all(str(s) in message for s in shapes)


def t(*shape: int, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(shape), requires_grad=requires_grad)


# --------------------------------------------------------------------- shapes

@pytest.mark.parametrize("a,b", [
    ((2, 3), (4, 5)),
    ((3,), (4,)),
    ((2, 3), (2,)),
    ((4,), (3, 2)),
    ((5, 2, 3), (4, 2)),
    ((2, 2, 3), (3, 3, 2)),
], ids=str)
def test_matmul_mismatch_names_the_op_and_both_shapes(a, b):
    for left, right in ((t(*a), t(*b)), (np.ones(a), t(*b)), (t(*a), np.ones(b))):
        with pytest.raises(ShapeError) as info:
            left @ right
        msg = str(info.value)
        assert msg.startswith("matmul") and shapes_in(msg, a, b), msg


def test_matmul_of_a_zero_dim_operand():
    with pytest.raises(ShapeError, match=r"matmul.*at least one dimension"):
        t(3) @ Tensor(2.0)


@pytest.mark.parametrize("op,fn", [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("pow", lambda a, b: a ** b),
    ("maximum", maximum), ("minimum", minimum),
])
def test_broadcast_mismatch_names_the_op_and_both_shapes(op, fn):
    a, b = t(2, 3, requires_grad=True), t(4, 3, requires_grad=True)
    with pytest.raises(ShapeError) as info:
        fn(a, b)
    msg = str(info.value)
    assert msg.startswith(op) and shapes_in(msg, (2, 3), (4, 3)), msg
    # an ndarray operand on either side too
    for left, right in ((a, np.ones((4, 3))), (np.ones((4, 3)), a)):
        with pytest.raises(ShapeError) as info:
            fn(left, right)
        assert "(2, 3)" in str(info.value) and "(4, 3)" in str(info.value)


def test_where_cat_stack_shape_errors():
    with pytest.raises(ShapeError, match=r"where.*\(4,\).*\(2, 3\)"):
        where(np.ones(4) > 0, t(2, 3), 0.0)
    with pytest.raises(ShapeError) as info:
        cat([t(2, 3), t(3, 4)], axis=0)
    assert str(info.value).startswith("cat") and shapes_in(str(info.value), (2, 3), (3, 4))
    with pytest.raises(ShapeError) as info:
        stack([t(2, 3), t(3, 2)])
    assert str(info.value).startswith("stack") and shapes_in(str(info.value), (2, 3), (3, 2))
    with pytest.raises(ValueError, match="cat: needs at least one"):
        cat([])


def test_reshape_to_an_impossible_shape():
    with pytest.raises(ShapeError) as info:
        t(2, 3).reshape(4, 2)
    msg = str(info.value)
    assert msg.startswith("reshape") and shapes_in(msg, (2, 3), (4, 2)) and "6 elements" in msg
    with pytest.raises(ShapeError, match=r"reshape.*\(2, 3\).*\(-1, 4\)"):
        t(2, 3).reshape(-1, 4)


def test_broadcast_to_and_expand_to_an_impossible_shape():
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(3, 3\)"):
        t(2, 3).broadcast_to((3, 3))
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(3,\)"):
        t(2, 3).expand(3)


@pytest.mark.parametrize("call,op", [
    (lambda x: x.sum(axis=3), "sum"),
    (lambda x: x.sum(axis=-4), "sum"),
    (lambda x: x.mean(axis=(0, 5)), "mean"),
    (lambda x: x.max(dim=3), "max"),
    (lambda x: x.min(axis=7), "min"),
    (lambda x: x.var(axis=3), "var"),
    (lambda x: x.logsumexp(axis=3), "logsumexp"),
    (lambda x: x.softmax(axis=3), "softmax"),
    (lambda x: x.log_softmax(axis=-4), "log_softmax"),
    (lambda x: x.squeeze(3), "squeeze"),
    (lambda x: x.unsqueeze(5), "unsqueeze"),
    (lambda x: x.transpose(0, 3), "transpose"),
    (lambda x: x.transpose((0, 1, 5)), "transpose"),
    (lambda x: x.swapaxes(0, 3), "transpose"),
    (lambda x: x.flatten(4), "flatten"),
    (lambda x: x.argmax(axis=3), "argmax"),
    (lambda x: x.argmin(dim=-5), "argmin"),
    (lambda x: cat([x, x], axis=3), "cat"),
    (lambda x: stack([x, x], axis=5), "stack"),
])
def test_axis_out_of_range(call, op):
    x = t(2, 3, 4)
    with pytest.raises(ValueError) as info:
        call(x)
    msg = str(info.value)
    assert msg.startswith(op) and "out of range" in msg, msg


def test_other_axis_errors():
    with pytest.raises(ValueError, match="squeeze: axis 0 has length 2, not 1"):
        t(2, 1).squeeze(axis=0)  # NumPy's call; squeeze(0) is PyTorch's, which returns it
    with pytest.raises(ValueError, match="repeated axis"):
        t(2, 3).sum(axis=(1, -1))
    with pytest.raises(ValueError, match=r"permute: need 3 axes for shape \(2, 3, 4\)"):
        t(2, 3, 4).permute(1, 0)
    with pytest.raises(ValueError, match="not a permutation"):
        t(2, 3, 4).permute(0, 0, 1)
    with pytest.raises(ValueError, match="flatten: start_dim 2 comes after end_dim 0"):
        t(2, 3, 4).flatten(2, 0)


def test_axis_of_the_wrong_type():
    with pytest.raises(TypeError, match=r"sum: axis must be None, an int or a tuple of ints"):
        t(2, 3).sum(axis=0.5)
    with pytest.raises(TypeError, match="max: axis"):
        t(2, 3).max(axis="rows")


def test_mean_and_variance_of_nothing_are_nan_not_a_crash():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    assert np.isnan(x.mean().item())
    m = x.mean(axis=0)
    assert m.shape == (3,) and np.isnan(m.data).all()
    m.sum().backward()
    assert x.grad.shape == (0, 3)
    assert np.isnan(Tensor([1.0]).var(ddof=1).item())


def test_index_out_of_bounds_names_getitem_and_the_shape():
    with pytest.raises(IndexError, match=r"getitem.*\(2, 3\).*out of bounds"):
        t(2, 3)[5]
    with pytest.raises(IndexError, match=r"getitem.*\(2, 3\)"):
        t(2, 3)[np.array([0, 9])]
    with pytest.raises(IndexError, match=r"getitem.*\(2, 3\).*boolean"):
        t(2, 3)[np.ones(5, dtype=bool)]


def test_item_on_a_non_scalar():
    with pytest.raises(ValueError, match=r"item\(\).*one element.*\(2, 3\)"):
        t(2, 3).item()
    with pytest.raises(ValueError, match="one element"):
        float(t(2))
    assert t(1, 1).item() == 1.0


@pytest.mark.parametrize("op,fn", [
    ("+", lambda v, x: v + x), ("+", lambda v, x: x + v), ("-", lambda v, x: v - x),
    ("*", lambda v, x: x * v), ("/", lambda v, x: v / x), ("**", lambda v, x: v ** x),
    ("**", lambda v, x: x ** v), ("@", lambda v, x: x @ v),
])
def test_value_op_with_a_tensor_operand(op, fn):
    v, x = Value(2.0), Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError) as info:
        fn(v, x)
    msg = str(info.value)
    assert msg.startswith(f"{op}:") and "Value" in msg and "Tensor" in msg, msg
    assert "convert" in msg


@pytest.mark.parametrize("fn", [maximum, minimum, lambda a, b: where(np.array([True]), a, b),
                                lambda a, b: cat([a, b]), lambda a, b: stack([b, b])])
def test_tensor_functions_with_a_value_operand(fn):
    with pytest.raises(TypeError, match="Value"):
        fn(Tensor([1.0, 2.0]), Value(2.0))


# ------------------------------------------------------------------- backward

def test_backward_on_a_non_scalar_needs_a_gradient():
    x = t(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"non-scalar output of shape \(2, 3\).*grad="):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="non-scalar"):
        x.backward()


def test_backward_with_a_gradient_of_the_wrong_shape_names_both_shapes():
    x = t(2, 3, requires_grad=True)
    with pytest.raises(ShapeError, match=r"backward: grad has shape \(3,\).*shape \(2, 3\)"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(ShapeError, match=r"\(3, 2\).*\(2, 3\)"):
        (x * 2).backward(Tensor(np.ones((3, 2))))
    with pytest.raises(ShapeError, match=r"\(1,\).*\(\)"):
        (x * 2).sum().backward(np.ones(1))


def test_backward_twice_without_retain_graph_says_how_to_keep_the_graph():
    x = t(2, 3, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(GraphReleasedError, match="retain_graph=True") as info:
        y.backward()
    assert "second time" in str(info.value)
    # and through grad()
    y = (x * x).sum()
    grad(y, x)
    with pytest.raises(GraphReleasedError, match="retain_graph=True"):
        grad(y, x)


def test_backward_on_something_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (t(2) * 2).sum().backward()
    with no_grad():
        y = (t(2, requires_grad=True) * 2).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_grad_argument_errors():
    x = t(2, requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(ValueError, match="input 0 does not require grad"):
        grad(y, t(2))
    with pytest.raises(ValueError, match="2 outputs but 1 grad_outputs"):
        grad([y, y], x, grad_outputs=[1.0])
    with pytest.raises(ValueError, match=r"input 1 was not used.*allow_unused=True"):
        grad(y, [x, t(2, requires_grad=True)], retain_graph=True)


# ------------------------------------------------------------ version counter

def _mul_graph():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, name="x")
    w = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, name="w")
    return x, w, (x * w).sum()


def test_writing_into_saved_data_is_refused_at_the_write():
    x, w, loss = _mul_graph()
    with pytest.raises(RuntimeError) as info:
        w.data += 1          # .data is read-only while mul's backward has not run
    assert "'mul'" in str(info.value) and "saved it for backward" in str(info.value)
    loss.backward()
    np.testing.assert_array_equal(x.grad, [0.5, -1.0, 2.0])


@pytest.mark.parametrize("how", ["data_assign", "add_", "mul_", "zero_", "fill_", "copy_"])
def test_in_place_change_of_a_saved_input_is_detected_at_backward(how):
    x, w, loss = _mul_graph()
    if how == "data_assign":
        w.data = np.zeros(3)
    else:
        with no_grad():
            arg = {"add_": (1.0,), "mul_": (2.0,), "zero_": (), "fill_": (3.0,),
                   "copy_": (np.ones(3),)}[how]
            getattr(w, how)(*arg)
    with pytest.raises(RuntimeError) as info:
        loss.backward()
    msg = str(info.value)
    assert "'mul'" in msg and "changed in place" in msg, msg
    assert "input 1" in msg and "(3,)" in msg and "'w'" in msg
    assert x.grad is None  # no silently wrong gradient was written


def test_the_check_survives_a_retry_after_restoring_nothing():
    # after the error the graph is intact; the same error repeats instead of a wrong result
    x, w, loss = _mul_graph()
    w.data = w.data * 2
    for _ in range(2):
        with pytest.raises(RuntimeError, match="changed in place"):
            loss.backward()


def test_in_place_change_of_an_output_whose_rule_reads_it():
    x = Tensor(np.array([0.1, 0.2]), requires_grad=True)
    y = x.exp()          # exp's VJP reads its output
    z = (y + 1.0).sum()  # add reads nothing, so exp is the one to object
    y.data = y.data + 1
    with pytest.raises(RuntimeError, match=r"'exp'.*output was changed in place"):
        z.backward()


def test_changes_the_rule_does_not_read_are_allowed():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    loss = (x + w).sum()        # add reads neither input
    w.data += 10
    with no_grad():
        x.add_(5.0)
    loss.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])
    # exp reads only its output, so its input may change
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    y = x.exp()
    x.data = np.array([5.0, 5.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.exp([0.0, 1.0]))


def test_changes_after_backward_and_before_the_next_forward_are_fine():
    x, w, loss = _mul_graph()
    loss.backward()
    with no_grad():
        w.add_(-0.1 * w.grad)    # an optimizer step
    loss2 = (x * w).sum()
    loss2.backward()
    np.testing.assert_allclose(x.grad, [0.5, -1.0, 2.0] + w.data)


def test_in_place_change_of_a_leaf_in_grad_mode_is_refused():
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"add_.*no_grad"):
        w.add_(1.0)
    np.testing.assert_array_equal(w.data, np.ones(3))


def test_in_place_change_is_detected_deep_in_the_graph():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = a * 2.0
    loss = (h * h).sum() + (h.exp()).sum()
    with no_grad():
        h.mul_(3.0)          # h is read by the second mul
    with pytest.raises(RuntimeError, match=re.escape("backward of 'mul'")):
        loss.backward()
