"""autograd.functional against torch.autograd.functional / torch.func, and on Values against
finite differences.

The Tensor checks run over the rule-test catalogue (every rule and derived op of the
contract, shapes, broadcasting and values drawn by hypothesis), in float64: jvp, vjp and
jacobian in both modes against PyTorch to CLOSE; hessian and hvp of sum(w * f(x)^2)
(a scalar whose Hessian goes through f's derivative rules twice) to CLOSE_DEEP, as
second derivatives are deeper computations (tests/numerics.py).
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Tensor, Value
from autograd.functional import grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp
from autograd.testing import DERIVED_CASES, RULE_CASES, case_for
from numerics import CLOSE_DEEP, close, to_scale

for _name in ("nn", "nn.functional"):
    importlib.import_module(_name)
OPS = sorted(RULE_CASES) + sorted(DERIVED_CASES)
torch = pytest.importorskip("torch")
# PyTorch's own functional code calls torch.jit.script, which warns in this version.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
TAF = torch.autograd.functional


def _np(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x.detach().numpy(), dtype=np.float64)


def _tol(out):
    return close(np.float32 if out.dtype == np.float32 else np.float64)


def _draw(data, name):
    case = data.draw(case_for(name), label=name)
    xs = tuple(Tensor(np.array(x, dtype=np.float64)) for x in case.inputs)
    txs = tuple(torch.tensor(np.array(x, dtype=np.float64)) for x in case.inputs)
    return case, xs, txs


def _torch_jvp(fn, xs, vs):
    """PyTorch's forward mode proper (torch.func.jvp) where it has a rule, else
    torch.autograd.functional.jvp. The latter gets J t by the double-backward trick, which
    rounds differently where a backward clamps: binary_cross_entropy's is 7e-9 off at p = 1e-3."""
    try:
        return torch.func.jvp(fn, xs, vs)
    except (RuntimeError, NotImplementedError):
        return TAF.jvp(fn, xs, vs)


@pytest.mark.parametrize("name", OPS)
@settings(max_examples=10)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_jvp_vjp_and_jacobians_match_torch(name, data, seed):
    case, xs, txs = _draw(data, name)
    rng = np.random.default_rng(seed)
    vs = tuple(rng.standard_normal(x.shape) for x in xs)
    out, jv = jvp(case.fn, xs, tuple(Tensor(v) for v in vs))
    tout, tjv = _torch_jvp(case.torch_fn, txs, tuple(torch.tensor(v) for v in vs))
    tol = _tol(out)
    np.testing.assert_allclose(_np(out), _np(tout), **tol, err_msg=f"{case.label}: value")
    np.testing.assert_allclose(_np(jv), _np(tjv), **tol, err_msg=f"{case.label}: jvp")

    u = rng.standard_normal(out.shape)
    _, uj = vjp(case.fn, xs, Tensor(u))
    _, tuj = TAF.vjp(case.torch_fn, txs, torch.tensor(u, dtype=tout.dtype))
    for i, (a, b) in enumerate(zip(uj, tuj)):
        np.testing.assert_allclose(_np(a), _np(b), **tol, err_msg=f"{case.label}: vjp {i}")

    if out.size == 0 or any(x.size == 0 for x in xs):
        # PyTorch's jacobian cannot stack zero rows or columns; ours has the empty shapes.
        for mode in ("rev", "fwd"):
            jac = jacobian(case.fn, xs, mode=mode)
            assert [j.shape for j in jac] == [out.shape + x.shape for x in xs]
        return
    expected = TAF.jacobian(case.torch_fn, txs)
    for mode in ("rev", "fwd"):
        jac = jacobian(case.fn, xs, mode=mode)
        assert isinstance(jac, tuple) and len(jac) == len(xs)
        for i, (a, b) in enumerate(zip(jac, expected)):
            assert a.shape == tuple(b.shape), f"{case.label}: jacobian {mode} block {i} shape"
            np.testing.assert_allclose(_np(a), _np(b), **tol,
                                       err_msg=f"{case.label}: jacobian {mode} block {i}")


@pytest.mark.parametrize("name", OPS)
@settings(max_examples=4)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_hessian_and_hvp_match_torch(name, data, seed):
    case, xs, txs = _draw(data, name)
    if not case.second_order or any(x.size == 0 for x in xs):
        return   # a float32 cast; or no elements, where PyTorch's hessian cannot stack
    # PyTorch masks d(x^y)/dx with where(y == 0, 0, ...), so its d^2/dx dy is 0 at y = 0
    # exactly, where the true value (ours, and finite differences') is x^(y-1) (1 + y log x).
    assume(name != "pow" or np.all(case.inputs[1] != 0))
    # 0 ** y is 0 near every y > 0, so its second derivative is 0 (ours, and finite
    # differences'); PyTorch's hessian is NaN there (0 · log 0), though its hvp is 0.
    assume(case.label != "0.0 ** y")
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(case.fn(*xs).shape)

    def f(*ts):
        y = case.fn(*ts)
        return (y * y * w).sum()

    def tf(*ts):
        y = case.torch_fn(*ts)
        return (y * y * torch.tensor(w)).sum()

    vs = tuple(rng.standard_normal(x.shape) for x in xs)
    value, hv = hvp(f, xs, tuple(Tensor(v) for v in vs))
    tvalue, thv = TAF.hvp(tf, txs, tuple(torch.tensor(v) for v in vs))
    np.testing.assert_allclose(_np(value), _np(tvalue), **CLOSE_DEEP)
    tol = to_scale(CLOSE_DEEP, *map(_np, thv))  # its elements share rounding error
    for i, (a, b) in enumerate(zip(hv, thv)):
        np.testing.assert_allclose(_np(a), _np(b), **tol, err_msg=f"{case.label}: hvp {i}")
    h = hessian(f, xs)
    th = TAF.hessian(tf, txs)
    tol = to_scale(CLOSE_DEEP, *[_np(b) for row in th for b in row])
    for i in range(len(xs)):
        for j in range(len(xs)):
            assert h[i][j].shape == tuple(th[i][j].shape)
            np.testing.assert_allclose(_np(h[i][j]), _np(th[i][j]), **tol,
                                       err_msg=f"{case.label}: hessian block {i}, {j}")


def test_forward_over_reverse_matches_torch_func_on_a_network():
    # A two-layer network's loss: matmul, broadcasting add, tanh, log_softmax, indexing, mean.
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    w1, w2 = rng.standard_normal((5, 6)), rng.standard_normal((6, 3))
    v1, v2 = rng.standard_normal((5, 6)), rng.standard_normal((6, 3))

    def loss(a, b):
        h = (Tensor(x) @ a + 0.1).tanh() @ b
        return -h.log_softmax(axis=1)[np.arange(8), y].mean()

    def tloss(a, b):
        h = (torch.tensor(x) @ a + 0.1).tanh() @ b
        return -h.log_softmax(dim=1)[torch.arange(8), torch.tensor(y)].mean()

    _, ours = hvp(loss, (Tensor(w1), Tensor(w2)), (Tensor(v1), Tensor(v2)))
    tw = (torch.tensor(w1), torch.tensor(w2))
    _, theirs = torch.func.jvp(torch.func.grad(tloss, argnums=(0, 1)), tw,
                               (torch.tensor(v1), torch.tensor(v2)))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), **CLOSE_DEEP)
    g = grad(loss, argnums=(0, 1))(Tensor(w1), Tensor(w2))
    tg = torch.func.grad(tloss, argnums=(0, 1))(*tw)
    for a, b in zip(g, tg):
        np.testing.assert_allclose(_np(a), _np(b), **close())


# ------------------------------------------------------- Values, against finite differences

def _f1(a, b):
    return (a * b + a ** 2).tanh() + (a / b).exp().log() * b.sigmoid()


def _f2(a, b):
    return a.sin() * b.cos() - (a * a + b * b).sqrt()


def _pair(a, b):
    return (_f1(a, b), _f2(a, b), a.relu() * 3 + b)


EPS = 1e-6
# Central differences with step 1e-6 on these smooth functions of values of size ~1:
# truncation ~1e-12 and rounding ~1e-10 (eps 2e-16 over 2e-6); 1e-6 fails any wrong rule.
FD = dict(rtol=1e-6, atol=1e-7)


def _fd_jacobian(f, a, b):
    rows = []
    for da, db in ((EPS, 0.0), (0.0, EPS)):
        hi = f(Value(a + da), Value(b + db))
        lo = f(Value(a - da), Value(b - db))
        rows.append([(h.data - lo_.data) / (2 * EPS) for h, lo_ in zip(hi, lo)])
    return np.array(rows).T   # (outputs, inputs)


values = st.floats(0.3, 2.0)


@settings(max_examples=25)
@given(a=values, b=values, ta=st.floats(-2, 2), tb=st.floats(-2, 2))
def test_value_jvp_vjp_and_jacobians_match_finite_differences(a, b, ta, tb):
    expected = _fd_jacobian(_pair, a, b)
    out, jv = jvp(_pair, (Value(a), Value(b)), (ta, tb))
    assert all(isinstance(o, Value) for o in out) and all(isinstance(t, Value) for t in jv)
    np.testing.assert_allclose([t.data for t in jv], expected @ [ta, tb], **FD)
    _, uj = vjp(_pair, (Value(a), Value(b)), (1.0, -2.0, 0.5))
    np.testing.assert_allclose([g.data for g in uj], [1.0, -2.0, 0.5] @ expected, **FD)
    for mode in ("rev", "fwd"):
        jac = jacobian(_pair, (Value(a), Value(b)), mode=mode)
        np.testing.assert_allclose([[d.data for d in row] for row in jac], expected, **FD)


@settings(max_examples=25)
@given(a=values, b=values, ta=st.floats(-2, 2), tb=st.floats(-2, 2))
def test_value_hessian_and_hvp_match_differences_of_the_gradient(a, b, ta, tb):
    def gradient(x, y):
        return [g.data for g in grad(_f1, argnums=(0, 1))(Value(x, requires_grad=False),
                                                          Value(y, requires_grad=False))]

    expected = np.array([[(p - m) / (2 * EPS) for p, m in zip(gradient(a + da, b + db),
                                                               gradient(a - da, b - db))]
                         for da, db in ((EPS, 0.0), (0.0, EPS))])
    h = hessian(_f1, (Value(a), Value(b)))
    np.testing.assert_allclose([[d.data for d in row] for row in h], expected, **FD)
    _, hv = hvp(_f1, (Value(a), Value(b)), (ta, tb))
    np.testing.assert_allclose([d.data for d in hv], expected @ [ta, tb], **FD)
    # grad(grad(f)) composes (reverse over reverse) and agrees with the Hessian's diagonal.
    d2 = grad(grad(lambda x: _f1(x, Value(b))))(Value(a))
    np.testing.assert_allclose(d2.data, expected[0, 0], **FD)


def test_results_mirror_the_structure_of_inputs_and_outputs():
    x, y = Tensor(np.ones(2)), Tensor(np.ones(3))
    single = jacobian(lambda a: a * 2, x)
    assert isinstance(single, Tensor) and single.shape == (2, 2)
    by_input = jacobian(lambda a, b: a.sum() * b, (x, y))
    assert [j.shape for j in by_input] == [(3, 2), (3, 3)]
    by_output = jacobian(lambda a: (a, a.sum()), x, mode="fwd")
    assert [j.shape for j in by_output] == [(2, 2), (2,)]
    both = jacobian(lambda a, b: (a, b), (x, y), mode="fwd")
    assert [[j.shape for j in row] for row in both] == [[(2, 2), (2, 3)], [(3, 2), (3, 3)]]
    assert isinstance(grad(lambda a: a.sum())(x), Tensor)
    assert len(grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x, x)) == 2
    value, g = value_and_grad(lambda a, k: (a * k).sum(), argnums=0)(x, 3.0)
    assert value.item() == 6.0 and g.tolist() == [3.0, 3.0]   # exact: small integers
    assert isinstance(jvp(lambda a: a * 2, Value(1.0), 1.0)[1], Value)
    # An input the function ignores gets a zero derivative, as in PyTorch (strict=False).
    assert vjp(lambda a, b: a * 2, (Value(1.0), Value(5.0)))[1][1].data == 0.0
    assert hessian(lambda a, b: (a * a).sum(), (x, y))[1][1].tolist() == np.zeros((3, 3)).tolist()
