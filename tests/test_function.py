"""autograd.Function: user ops with forward(ctx, ...) / backward(ctx, g), checked by gradcheck."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from autograd import Function, Tensor, Value, grad, gradcheck, no_grad
from autograd.gradcheck import GradcheckWarning
from numerics import close
from custom_ops import Cube

torch = pytest.importorskip("torch")


class ScaledSoftplus(Function):
    """k * log(1 + e^x) with a constant k.  d/dx = k sigmoid(x)."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        ctx.save_for_backward(x)
        return (x.exp() + 1).log() * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.k * x.sigmoid(), None


class MulAdd(Function):
    """x * y + z (same shapes).  d/dx = y, d/dy = x, d/dz = 1."""

    @staticmethod
    def forward(ctx, x, y, z):
        ctx.save_for_backward(x, y)
        ctx.seen = ctx.needs_input_grad
        return x * y + z

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g * y if ctx.needs_input_grad[0] else None
        gy = g * x if ctx.needs_input_grad[1] else None
        gz = g if ctx.needs_input_grad[2] else None
        return gx, gy, gz


def test_tensor_function_forward_backward_and_node():
    a = np.array([[1.0, -2.0], [0.5, 3.0]])
    x = Tensor(a, requires_grad=True)
    y = Cube.apply(x)
    assert isinstance(y, Tensor) and y.requires_grad
    assert y.op == "Cube" and y.parents == (x,)
    assert "x^3" in y.rule.doc
    np.testing.assert_allclose(y.data, a ** 3)
    (y * 2).sum().backward()
    np.testing.assert_allclose(x.grad, 6 * a ** 2)


def test_value_inputs():
    v = Value(1.5)
    y = Cube.apply(v)
    assert isinstance(y, Value) and y.op == "Cube"
    (y * 2 + 1).backward()
    assert v.grad == pytest.approx(6 * 1.5 ** 2)
    w = Value(0.3)
    s = ScaledSoftplus.apply(w, 2.0)
    s.backward()
    assert s.data == pytest.approx(2 * np.log1p(np.exp(0.3)))
    assert w.grad == pytest.approx(2 / (1 + np.exp(-0.3)))


def test_non_tensor_extra_arguments_and_returning_none_for_them():
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    y = ScaledSoftplus.apply(x, 3.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 3.0 / (1 + np.exp(-x.data)), **close())

    class Affine(Function):
        @staticmethod
        def forward(ctx, scale, x, shift, label):
            ctx.scale, ctx.label = scale, label
            return x * scale + shift

        @staticmethod
        def backward(ctx, g):
            assert ctx.label == "tag"
            return None, g * ctx.scale, None, None

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    shift = np.array([10.0, 20.0])
    y = Affine.apply(2.5, x, shift, "tag")
    np.testing.assert_allclose(y.data, [12.5, 25.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [2.5, 2.5])


def test_multiple_inputs_and_needs_input_grad():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([3.0, 4.0]))                  # a constant
    z = Tensor(np.array([0.5, 0.5]), requires_grad=True)
    out = MulAdd.apply(x, y, z)
    assert out.rule.name == "MulAdd"
    out.sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 4.0])
    np.testing.assert_allclose(z.grad, [1.0, 1.0])
    assert y.grad is None

    class Probe(Function):
        @staticmethod
        def forward(ctx, *args):
            ctx.flags = ctx.needs_input_grad
            Probe.flags = ctx.needs_input_grad
            return args[0] * 1.0

        @staticmethod
        def backward(ctx, g):
            return (g,) + (None,) * (len(ctx.flags) - 1)

    Probe.apply(x, y, 2.0, z, "s")
    assert Probe.flags == (True, False, False, True, False)


def test_returning_none_for_an_input_that_requires_grad_leaves_no_gradient():
    class FirstOnly(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g * 2.0, None

    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    FirstOnly.apply(a, b).sum().backward()
    np.testing.assert_allclose(a.grad, [2.0, 2.0])
    assert b.grad is None


def test_backward_may_return_arrays_or_numbers():
    class Half(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 0.5

        @staticmethod
        def backward(ctx, g):
            return np.asarray(g.data) * 0.5

    x = Tensor(np.ones(3), requires_grad=True)
    Half.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, [0.5, 0.5, 0.5])
    v = Value(2.0)
    Half.apply(v).backward()
    assert v.grad == 0.5


def test_forward_records_no_inner_graph_and_respects_no_grad():
    class Inner(Function):
        @staticmethod
        def forward(ctx, x):
            h = x.exp()
            Inner.inner_requires_grad = h.requires_grad
            return h * 2

        @staticmethod
        def backward(ctx, g):
            return g

    x = Tensor(np.ones(2), requires_grad=True)
    y = Inner.apply(x)
    assert Inner.inner_requires_grad is False
    assert y.parents == (x,)
    with no_grad():
        z = Inner.apply(x)
    assert not z.requires_grad and z.is_leaf
    c = Inner.apply(Tensor(np.ones(2)))
    assert not c.requires_grad


def test_apply_needs_a_tensor_or_value_and_one_kind():
    with pytest.raises(TypeError, match="Cube.apply: needs at least one Tensor or Value"):
        Cube.apply(2.0)
    with pytest.raises(TypeError, match="mix"):
        MulAdd.apply(Tensor([1.0]), Value(2.0), Tensor([1.0]))


def test_backward_returning_the_wrong_number_of_gradients():
    class TooMany(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, g

    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError) as info:
        TooMany.apply(x).sum().backward()
    msg = str(info.value)
    assert "TooMany.backward returned 2 gradient(s) for 1 input(s)" in msg
    assert "one per input" in msg

    class TooFew(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(ValueError, match=r"TooFew.backward returned 1 gradient\(s\) for 2"):
        TooFew.apply(x, x).sum().backward()
    with pytest.raises(ValueError, match="returned 1 gradient"):
        TooFew.apply(Value(1.0), Value(2.0)).backward()


def test_backward_returning_a_gradient_of_the_wrong_shape():
    class Squash(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError) as info:
        Squash.apply(x).sum().backward()
    msg = str(info.value)
    assert "Squash.backward" in msg and "shape ()" in msg and "input 0" in msg
    assert "(2, 3)" in msg
    # the same check when the backward records a graph
    with pytest.raises(ValueError, match=re.escape("shape () for input 0 of shape (2, 3)")):
        grad(Squash.apply(x).sum(), x, create_graph=True)


# -------------------------------------------------------------- double backward

class TorchCube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


def test_double_backward_through_a_function_matches_torch():
    a = np.array([[0.3, -1.2, 2.0], [1.1, 0.0, -0.4]])
    v = np.random.default_rng(0).standard_normal(a.shape)
    x = Tensor(a, requires_grad=True)
    (g,) = grad((Cube.apply(x) * x.sin()).sum(), x, create_graph=True)
    (h,) = grad((g * Tensor(v)).sum(), x)

    tx = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad((TorchCube.apply(tx) * tx.sin()).sum(), tx, create_graph=True)
    (th,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), tx)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), **close())
    np.testing.assert_allclose(h.data, th.numpy(), **close())


def test_third_derivative_through_a_function_of_a_value():
    x = Value(0.7)
    (d1,) = grad(Cube.apply(x), x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert (d1.data, d2.data, d3.data) == pytest.approx((3 * 0.49, 6 * 0.7, 6.0))


def test_double_backward_through_a_multi_input_function():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([3.0, -1.0]), requires_grad=True)
    z = Tensor(np.array([0.5, 0.5]), requires_grad=True)
    out = (MulAdd.apply(x, y, z) ** 2).sum()
    gx, gy, gz = grad(out, [x, y, z], create_graph=True)
    # d/dx of sum(gx) where gx = 2 (xy + z) y
    (hx,) = grad(gx.sum(), x)
    np.testing.assert_allclose(hx.data, 2 * y.data ** 2)


# ------------------------------------------------------------------ gradcheck

def test_gradcheck_accepts_a_correct_function():
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda t: Cube.apply(t), [x])
    assert gradcheck(lambda t: ScaledSoftplus.apply(t, 2.0).sum(), [x])
    y = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    z = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda a, b, c: MulAdd.apply(a, b, c), [x, y, z])
    assert gradcheck(lambda a, b: MulAdd.apply(a, b, b), [x, y])
    assert gradcheck(lambda v: Cube.apply(v), [Value(1.3)])
    # float32 inputs are checked in float64
    assert gradcheck(lambda t: Cube.apply(t), [Tensor(np.array([0.5, 1.5], dtype=np.float32))])


def test_gradcheck_rejects_a_wrong_function_with_a_readable_report():
    class WrongCube(Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x * x           # should be 3 x^2

    x = Tensor(np.array([[1.0, 0.5], [-2.0, 0.0]]), requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert gradcheck(lambda t: WrongCube.apply(t).sum(), [x]) is False
    assert len(caught) == 1 and issubclass(caught[0].category, GradcheckWarning)
    text = str(caught[0].message)
    # input, element index, and both numbers (autograd 2 x^2 = 8 vs numeric 3 x^2 = 12 at [1, 0])
    assert "input 0[1, 0]" in text, text
    m = re.search(r"autograd ([-\d.e]+) vs numeric ([-\d.e]+)", text)
    assert m and float(m.group(1)) == pytest.approx(8.0) and float(m.group(2)) == pytest.approx(
        12.0, rel=1e-6)
    assert "3 element(s) off" in text
    with pytest.raises(AssertionError, match=r"input 0\[1, 0\]"):
        gradcheck(lambda t: WrongCube.apply(t).sum(), [x], raise_exception=True)


def test_gradcheck_names_the_second_input_when_that_one_is_wrong():
    class WrongSecond(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a * 1.5

    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([4.0, 5.0, 6.0]), requires_grad=True)
    with pytest.warns(GradcheckWarning, match=r"input 1\[2\]: autograd 4.5 vs numeric 3"):
        assert not gradcheck(lambda x, y: WrongSecond.apply(x, y).sum(), [a, b])


def test_gradcheck_on_a_wrong_value_function():
    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x

    with pytest.warns(GradcheckWarning, match=r"input 0: autograd 1.5 vs numeric 3"):
        assert not gradcheck(lambda v: WrongSquare.apply(v), [Value(1.5)])


def test_in_place_change_of_a_saved_tensor_is_detected():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Cube.apply(x).sum()
    with no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError) as info:
        y.backward()
    msg = str(info.value)
    assert "Cube.backward" in msg and "saved tensor 0" in msg and "changed in place" in msg
    # unchanged saved tensors, and Values (which have no in-place ops), are fine
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 12.0])
