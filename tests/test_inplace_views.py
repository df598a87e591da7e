"""In-place changes through views, detached tensors and raw arrays: an error, not a wrong gradient.

The graph of every case is ``x -> y = x * 1.0 -> z = sum(y * y)``: mul saves y for
its backward, and the true ``x.grad`` is ``2 x``. Each change to y's memory
between the forward and the backward pass must end in an error naming the
operation that saved it (at the change, or at the latest at ``backward()``),
and no gradient may be written. Legitimate updates (optimizers, the manual
SGD step after backward, graphs dropped or released) must keep working on the
live arrays, without copies.
"""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
import optim
from autograd import Tensor, no_grad
from custom_ops import Square


def _graph(shape=(2,)):
    x = Tensor(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape), requires_grad=True)
    y = x * 1.0
    return x, y, (y * y).sum()


REFUSED_AT_ONCE = "records no in-place operations"


def _refused(change, op="mul", shape=(2,)):
    """Run ``change(x, y)`` then backward; both together must raise: at once, for a change
    to a tensor in the graph in grad mode (then nothing was changed and backward gives the
    truth), or at backward naming ``op``, the operation that saved the changed data."""
    x, y, z = _graph(shape)
    with pytest.raises(RuntimeError) as info:
        change(x, y)
        z.backward()
    msg = str(info.value)
    assert x.grad is None  # no wrong gradient was written
    if REFUSED_AT_ONCE in msg:
        z.backward()
        np.testing.assert_array_equal(x.grad, 2 * x.data)   # exact: 2 * small integers
    else:
        assert f"'{op}'" in msg, msg
    return msg


# ---------------------------------------------------------------- the listed cases

@pytest.mark.parametrize("change, shape", [
    (lambda x, y: y[0:1].add_(100), (2,)),               # was x.grad [202, 4]
    (lambda x, y: y.reshape(2, 1).fill_(0), (2,)),       # was [0, 0]
    (lambda x, y: y.T.mul_(3), (2, 2)),                  # was 3 x the gradient
    (lambda x, y: y.detach().add_(1), (2,)),             # was [4, 6]
], ids=["slice.add_", "reshape.fill_", "T.mul_", "detach.add_"])
def test_in_place_methods_on_views_and_detached_tensors_are_caught(change, shape):
    msg = _refused(change, shape=shape)
    assert "changed in place" in msg or REFUSED_AT_ONCE in msg


@pytest.mark.parametrize("change", [
    lambda x, y: y.detach().data.__setitem__(0, 7),               # was [14, 4]
    lambda x, y: y.data.__setitem__(Ellipsis, 10),                # was [20, 20]
    lambda x, y: y.numpy().__setitem__(slice(None), 5),           # was [10, 10]
    lambda x, y: np.add(y.data, 1, out=y.data),                   # was [4, 6]
], ids=["detach.data[0]=", "data[...]=", "numpy()[:]=", "np.add(out=data)"])
def test_raw_writes_into_saved_data_are_refused_naming_the_op(change):
    msg = _refused(change)
    assert "saved it for backward" in msg


def test_raw_write_into_an_output_that_its_rule_reads():
    x = Tensor([0.5, 1.0], requires_grad=True)
    e = x.exp()               # exp's VJP reads its output
    z = (e * 1.0).sum()
    with pytest.raises(RuntimeError, match="'exp'"):
        e.data[...] = 0       # was: silently a zero gradient
        z.backward()
    z.backward()              # nothing was written, so the graph still gives the truth
    np.testing.assert_allclose(x.grad, np.exp([0.5, 1.0]), rtol=1e-6)


def test_view_of_a_leaf_obeys_the_leaf_guard():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError,
                       match=r"add_: a view of a leaf Variable that requires grad .* no_grad"):
        x[0:2].add_(100)      # was: x became [101, 102, 3] in grad mode
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0])
    with no_grad():           # what the guard asks for works, and counts as a change of x
        x[0:2].add_(100)
    np.testing.assert_array_equal(x.data, [101.0, 102.0, 3.0])
    with no_grad():
        v = x[1:]             # a view made under no_grad is still a view of the leaf
    with pytest.raises(RuntimeError, match="view of a leaf"):
        v.mul_(2)


# ---------------------------------------------------------------- every view, every change

VIEWS = {
    "slice": lambda t: t[:1],
    "reshape": lambda t: t.reshape(-1),
    "transpose": lambda t: t.T,
    "unsqueeze": lambda t: t.unsqueeze(0),
    "squeeze of unsqueeze": lambda t: t.unsqueeze(0).squeeze(0),
    "flatten": lambda t: t.flatten(),
    "detach": lambda t: t.detach(),
    "view of a detached view": lambda t: t.detach()[:1].reshape(-1),
}
CHANGES = {
    "add_": lambda v: v.add_(1.0),
    "mul_": lambda v: v.mul_(2.0),
    "fill_": lambda v: v.fill_(3.0),
    "zero_": lambda v: v.zero_(),
    "copy_": lambda v: v.copy_(np.full(v.shape, 4.0)),
    ".data[...] =": lambda v: v.data.__setitem__(Ellipsis, 5.0),
    ".numpy() +=": lambda v: v.numpy().__iadd__(1.0),
    "np.copyto(.data)": lambda v: np.copyto(v.data, 6.0),
    # np.asarray converts to a plain ndarray, so NumPy's own read-only error is what is seen.
    "np.asarray(t)[...] =": lambda v: np.asarray(v).__setitem__(Ellipsis, 7.0),
}
METHODS = ("add_", "mul_", "fill_", "zero_", "copy_")
SAVERS = {"mul": lambda y: y * y, "exp": lambda y: y.exp(), "tanh": lambda y: y.tanh()}


@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple),
       view=st.sampled_from(sorted(VIEWS)), change=st.sampled_from(sorted(CHANGES)),
       saver=st.sampled_from(sorted(SAVERS)))
def test_any_change_through_any_view_of_saved_data_is_an_error(shape, view, change, saver):
    x = Tensor(np.linspace(0.1, 0.9, int(np.prod(shape))).reshape(shape), requires_grad=True)
    y = x * 1.0
    z = SAVERS[saver](y).sum()
    # mul saves its input y; exp and tanh save their output, which a view of y never is,
    # so for them the view is taken of the saved output instead.
    target = y if saver == "mul" else z.parents[0]
    plain = change.startswith("np.asarray")
    with pytest.raises(ValueError if plain else RuntimeError) as info:
        CHANGES[change](VIEWS[view](target))
        z.backward()
    msg = str(info.value)
    # A *_ method on a view of a tensor in the graph is refused at once (grad mode); the
    # rest reach the array the graph saved, and the error names the op that saved it.
    at_once = change in METHODS and view not in ("detach", "view of a detached view")
    assert (REFUSED_AT_ONCE if at_once else "read-only" if plain else f"'{saver}'") in msg, msg
    assert x.grad is None


# ---------------------------------------------------------------- what stays legitimate

def _mlp_step(model, opt, X, y):
    loss = nn.functional.cross_entropy(model(Tensor(X)), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


@pytest.mark.parametrize("make_opt", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                      lambda ps: optim.Adam(ps, lr=0.01)], ids=["SGD", "Adam"])
def test_optimizers_update_the_live_arrays_without_copies(make_opt):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 3)).astype(np.float32), rng.integers(0, 2, 8)
    model = nn.MLP(3, [5, 2], rng=0)
    opt = make_opt(model.parameters())
    arrays = [p.data for p in model.parameters()]
    for _ in range(3):
        _mlp_step(model, opt, X, y)
    for p, arr in zip(model.parameters(), arrays):
        assert p.data is arr  # updated in place: no copy was made
    model(Tensor(X))          # evaluated without no_grad, and dropped
    _mlp_step(model, opt, X, y)
    assert all(p.data is arr for p, arr in zip(model.parameters(), arrays))


def test_manual_sgd_after_backward_and_writes_after_dropping_a_graph():
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    arr = w.data
    (w * w).sum().backward()
    with no_grad():
        w.data -= 0.1 * w.grad           # micrograd's and PyTorch's manual step
    np.testing.assert_allclose(w.data, [0.8, -1.6])
    w.data[...] = 3.0                     # the graph was released: writable
    assert w.data is arr
    unused = (w * w).sum()                # built, never backpropagated...
    del unused                            # ...and dropped: the hold goes with it
    w.numpy()[0] = 4.0
    np.testing.assert_array_equal(w.data, [4.0, 3.0])
    w.grad = None
    kept = (w * w).sum()
    kept.backward(retain_graph=True)      # kept for a second backward: still held
    with pytest.raises(RuntimeError, match="'mul'"):
        w.data[0] = 5.0
    kept.backward()                       # the second backward releases it
    w.data[0] = 5.0
    np.testing.assert_allclose(w.grad, [16.0, 12.0])


def test_an_optimizer_step_under_a_retained_graph_is_reported_by_that_graph():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    optim.SGD([w], lr=0.5).step()        # allowed, as in PyTorch, and counted...
    np.testing.assert_allclose(w.data, [0.0, 0.0])
    with pytest.raises(RuntimeError, match="'mul'.*changed in place"):
        loss.backward()                   # ...so the stale graph cannot give a wrong gradient


def test_saved_arrays_read_like_ndarrays_and_copies_are_free():
    x, y, z = _graph((2, 2))
    a = y.data
    assert isinstance(a, np.ndarray) and not a.flags.writeable
    assert repr(a) == repr(np.array([[1.0, 2.0], [3.0, 4.0]]))
    for result in (a + 1, a.sum(axis=0), a.copy(), a.astype(np.float64), np.mean(a, axis=1)):
        assert type(result) is np.ndarray
    c = a.copy()
    c[0, 0] = 100.0                       # a copy is the user's own
    t = Tensor(a)                         # a new tensor does not share the saved memory
    t.add_(1.0)
    assert float(a.sum()) == 10.0 and a.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    z.backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 4.0], [6.0, 8.0]])
    assert y.data.flags.writeable and type(y.data) is np.ndarray


def test_copies_that_do_not_share_memory_do_not_share_the_counter():
    x, y, z = _graph((3,))
    y.detach()[[0, 2]].add_(5.0)          # integer-array indexing copies
    with no_grad():
        (y + 0).mul_(2.0)                 # a new array
    z.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])
    y2 = Tensor(np.ones(3), requires_grad=True) * 1.0
    w = y2 * y2
    y2.data = np.zeros(3)                 # assigning new memory is a change of y2...
    with pytest.raises(RuntimeError, match="'mul'.*changed in place"):
        w.sum().backward()                # ...which the graph that saved y2 reports


def test_broadcast_views_are_read_only_with_a_clear_error():
    v = Tensor([1.0, 2.0]).broadcast_to((3, 2))
    with pytest.raises(RuntimeError, match="read-only.*broadcast_to"):
        v.fill_(0.0)


def test_function_saved_tensors_are_protected_too():
    x = Tensor([1.0, 3.0], requires_grad=True)
    y = x * 1.0
    z = Square.apply(y).sum()
    with pytest.raises(RuntimeError, match="'Square'"):
        y.data[0] = 10.0
    with no_grad():
        y.detach().add_(1.0)              # an in-place method through a detached view
    with pytest.raises(RuntimeError, match="Square.backward.*changed in place"):
        z.backward()
    assert x.grad is None


def test_copies_and_pickles_are_new_leaves():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    z = (w * w).sum()
    for clone in (copy.deepcopy(w), pickle.loads(pickle.dumps(w))):
        assert clone.requires_grad and clone.name == "w" and clone.is_leaf
        clone.data[0] = 9.0               # its own memory: neither held nor shared
        assert w.data[0] == 1.0
    shallow = copy.copy(w)
    with pytest.raises(RuntimeError, match="'mul'"):
        shallow.data[0] = 9.0             # shallow: shares w's memory, and the hold on it
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        copy.deepcopy(z)
    z.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])


@pytest.mark.parametrize("change", [lambda y: y.mul_(3.0), lambda y: y.add_(1.0),
                                    lambda y: y.fill_(0.0), lambda y: y.zero_(),
                                    lambda y: y.copy_(np.ones(2))],
                         ids=["mul_", "add_", "fill_", "zero_", "copy_"])
def test_a_method_changing_a_tensor_in_the_graph_that_nothing_saved_is_refused(change):
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0                 # mul saves x and the constant, not y
    with pytest.raises(RuntimeError, match=REFUSED_AT_ONCE):
        change(y)               # else y.sum() below would give x.grad [1, 1], silently
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])   # exact: y was left as it was
