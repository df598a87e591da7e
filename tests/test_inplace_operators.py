"""In-place operators on Tensor (-=, +=, *=, /=, @=, t[i] = v): the same object, changed
in place, with PyTorch's rules by grad mode; Values keep Python's rebinding."""
from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import InPlaceError, Tensor, Value, no_grad
from autograd.tensor import ShapeError


def test_manual_sgd_under_no_grad_trains():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5], dtype=np.float32)).reshape(-1, 1)
    model = nn.Linear(3, 1, rng=np.random.default_rng(1))
    params = list(model.parameters())
    ids = [id(p) for p in params]
    losses = []
    for _ in range(50):
        model.zero_grad()
        loss = ((model(Tensor(X)) - Tensor(y)) ** 2).mean()
        loss.backward()
        losses.append(loss.item())
        with no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    assert [id(p) for p in model.parameters()] == ids  # the same objects, changed in place
    assert all(p.is_leaf and p.requires_grad for p in model.parameters())
    # A least-squares problem with an exact solution: plain gradient descent at lr 0.1
    # on standardised inputs shrinks the loss by orders of magnitude in 50 steps.
    assert losses[-1] < 0.01 * losses[0]


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_each_operator_changes_the_same_object_and_counts_a_change(op):
    x = Tensor([1.0, 2.0, 4.0])
    before = x._version
    same = x
    view = x[1:]
    detached = x.detach()
    other = np.array([2.0, 4.0, 8.0], dtype=np.float32)
    expected = {"+=": x.data + other, "-=": x.data - other,
                "*=": x.data * other, "/=": x.data / other}[op]
    exec(f"x {op} other")
    assert x is same
    # float32 arithmetic on the same operands: the same IEEE results as NumPy's.
    np.testing.assert_array_equal(x.data, expected)
    np.testing.assert_array_equal(view.data, expected[1:])  # views see the change
    np.testing.assert_array_equal(detached.data, expected)
    assert x._version == view._version == detached._version == before + 1


def test_matmul_in_place_keeps_the_shape():
    x = Tensor(np.eye(2, dtype=np.float32))
    same = x
    x @= np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    assert x is same
    np.testing.assert_array_equal(x.data, [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ShapeError, match="does not keep the shape"):
        x @= np.ones((2, 3), dtype=np.float32)


def test_leaf_that_requires_grad_raises_pytorchs_error_in_grad_mode():
    w = Tensor([1.0, 2.0], requires_grad=True)
    for change in (lambda: w.__isub__(1.0), lambda: w.__iadd__(1.0),
                   lambda: w.__setitem__(0, 5.0), lambda: w.add_(1.0), lambda: w.zero_()):
        with pytest.raises(RuntimeError,
                           match="a leaf Variable that requires grad is being used in an "
                                 "in-place operation"):
            change()
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        w[0:1].mul_(2.0)
    assert w.tolist() == [1.0, 2.0] and w._version == 0


def test_non_leaf_in_grad_mode_is_refused_not_turned_into_a_new_node():
    w = Tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    keep = h
    with pytest.raises(RuntimeError, match=r"result of 'mul'.*x = x \+ y"):
        h += 1
    assert h is keep and h.op == "*" and h.tolist() == [2.0, 4.0]
    plain = Tensor([1.0, 1.0])
    with pytest.raises(RuntimeError, match="operand that requires grad"):
        plain += w
    assert plain.tolist() == [1.0, 1.0] and plain.is_leaf and not plain.requires_grad


def test_in_place_under_no_grad_on_a_saved_tensor_fails_at_backward():
    w = Tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    z = (h * h).sum()  # mul saves h
    with no_grad():
        h += 1
    with pytest.raises(InPlaceError, match="changed in place"):
        z.backward()


def test_plain_tensors_change_in_place_in_grad_mode_too():
    x = Tensor([1.0, 2.0])
    x *= 3
    x[0] = 10.0
    x[Tensor(np.array([1]))] = Tensor([-1.0])
    assert x.tolist() == [10.0, -1.0] and x.is_leaf


def test_item_assignment_on_a_leaf_that_requires_grad_under_no_grad():
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with no_grad():
        w[0] = 0.0
    (w * 1.0).sum().backward()
    assert w.tolist() == [[0.0, 0.0], [3.0, 4.0]] and w.grad.tolist() == [[1, 1], [1, 1]]


def test_errors_name_what_was_wrong():
    x = Tensor(np.array([1, 2]))  # int64
    with pytest.raises(TypeError, match="holds int64"):
        x /= 2
    with pytest.raises(TypeError, match="holds int64"):
        x += 0.5
    x += 1
    assert x.tolist() == [2, 3] and x.dtype == np.int64
    y = Tensor([1.0, 2.0])
    with pytest.raises(ShapeError, match=r"\(2, 2\) does not fit.*\(2,\)"):
        y += np.ones((2, 2))


def test_values_keep_pythons_rebinding():
    # A Value holds an immutable float: v -= 1 binds the name to a new Value in the graph.
    a = Value(3.0)
    v = a
    v -= 1.0
    v *= v
    assert v is not a and a.data == 3.0 and v.data == 4.0
    v.backward()
    assert a.grad == 4.0  # d (a - 1)^2 / da at a = 3
