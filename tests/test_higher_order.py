"""Higher-order derivatives: grad(..., create_graph=True) through every Tensor op, vs PyTorch."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from autograd import Tensor, cat, grad, linear, maximum, minimum, stack, toposort, where
from autograd.ops import RULES
from nn.functional import avg_pool2d, conv2d, fold, max_pool2d, unfold
from numerics import CLOSE, CLOSE_DEEP

torch = pytest.importorskip("torch")

F = torch.nn.functional
TOL = CLOSE[np.dtype(np.float64)]

COND = np.array([[True, False, True, True], [False, True, False, True], [True, True, False, False]])
MASK = np.array([True, False, True])
IDX = np.array([2, 0, 2, 2])


def _t(a: np.ndarray) -> Any:
    return torch.tensor(a)


# name -> (chainrule fn, torch fn, input shapes, inputs positive)
OPS: dict[str, tuple[Callable[..., Any], Callable[..., Any], list[tuple[int, ...]], bool]] = {
    "exp": (lambda x: x.exp(), torch.exp, [(3, 4)], False),
    "log": (lambda x: x.log(), torch.log, [(3, 4)], True),
    "sqrt": (lambda x: x.sqrt(), torch.sqrt, [(3, 4)], True),
    "abs": (lambda x: abs(x), torch.abs, [(3, 4)], False),
    "tanh": (lambda x: x.tanh(), torch.tanh, [(3, 4)], False),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid, [(3, 4)], False),
    "relu": (lambda x: x.relu(), torch.relu, [(3, 4)], False),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), lambda x: F.leaky_relu(x, 0.1), [(3, 4)], False),
    "sin": (lambda x: x.sin(), torch.sin, [(3, 4)], False),
    "cos": (lambda x: x.cos(), torch.cos, [(3, 4)], False),
    "neg": (lambda x: -x, lambda x: -x, [(3, 4)], False),
    "pow2": (lambda x: x ** 2, lambda x: x ** 2, [(3, 4)], False),
    "pow3": (lambda x: x ** 3, lambda x: x ** 3, [(3, 4)], False),
    "pow_half": (lambda x: x ** 0.5, lambda x: x ** 0.5, [(3, 4)], True),
    "pow_neg": (lambda x: x ** -1.5, lambda x: x ** -1.5, [(3, 4)], True),
    "rpow": (lambda x: 2.0 ** x, lambda x: 2.0 ** x, [(3, 4)], False),
    "pow_tensor": (lambda x, y: x ** y, lambda x, y: x ** y, [(3, 4), (4,)], True),
    "add": (lambda x, y: x + y, lambda x, y: x + y, [(3, 4), (4,)], False),
    "sub": (lambda x, y: x - y, lambda x, y: x - y, [(3, 1), (1, 4)], False),
    "mul": (lambda x, y: x * y, lambda x, y: x * y, [(3, 4), (3, 1)], False),
    "div": (lambda x, y: x / y, lambda x, y: x / y, [(3, 4), (4,)], True),
    "rdiv": (lambda x: 2.0 / x, lambda x: 2.0 / x, [(3, 4)], True),
    "maximum": (maximum, torch.maximum, [(3, 4), (4,)], False),
    "minimum": (minimum, torch.minimum, [(3, 4), (3, 1)], False),
    "clip": (lambda x: x.clip(-0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), [(3, 4)], False),
    "where": (lambda x, y: where(COND, x, y), lambda x, y: torch.where(_t(COND), x, y),
              [(3, 4), (4,)], False),
    "matmul_2d": (lambda x, y: x @ y, lambda x, y: x @ y, [(3, 4), (4, 2)], False),
    "matmul_1d_1d": (lambda x, y: x @ y, lambda x, y: x @ y, [(4,), (4,)], False),
    "matmul_2d_1d": (lambda x, y: x @ y, lambda x, y: x @ y, [(3, 4), (4,)], False),
    "matmul_1d_2d": (lambda x, y: x @ y, lambda x, y: x @ y, [(4,), (4, 2)], False),
    "matmul_batched": (lambda x, y: x @ y, lambda x, y: x @ y, [(2, 3, 4), (4, 2)], False),
    "matmul_broadcast_batch": (lambda x, y: x @ y, lambda x, y: x @ y,
                               [(2, 1, 3, 4), (5, 4, 2)], False),
    "linear": (linear, F.linear, [(2, 3, 4), (5, 4), (5,)], False),
    "linear_no_bias": (linear, F.linear, [(3, 4), (2, 4)], False),
    "sum": (lambda x: x.sum(axis=1), lambda x: x.sum(dim=1), [(3, 4)], False),
    "sum_all": (lambda x: x.sum(), lambda x: x.sum(), [(3, 4)], False),
    "mean": (lambda x: x.mean(axis=0, keepdims=True), lambda x: x.mean(dim=0, keepdim=True),
             [(3, 4)], False),
    "max": (lambda x: x.max(axis=1), lambda x: torch.amax(x, dim=1), [(3, 4)], False),
    "min": (lambda x: x.min(), lambda x: torch.amin(x), [(3, 4)], False),
    "var": (lambda x: x.var(axis=1), lambda x: torch.var(x, dim=1, correction=0), [(3, 4)], False),
    "logsumexp": (lambda x: x.logsumexp(axis=1), lambda x: torch.logsumexp(x, dim=1),
                  [(3, 4)], False),
    "softmax": (lambda x: x.softmax(axis=1), lambda x: torch.softmax(x, dim=1), [(3, 4)], False),
    "log_softmax": (lambda x: x.log_softmax(axis=0), lambda x: torch.log_softmax(x, dim=0),
                    [(3, 4)], False),
    "reshape": (lambda x: x.reshape(2, 6), lambda x: x.reshape(2, 6), [(3, 4)], False),
    "transpose": (lambda x: x.transpose(0, 1), lambda x: x.transpose(0, 1), [(3, 4)], False),
    "permute": (lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1), [(2, 3, 4)], False),
    "T": (lambda x: x.T, lambda x: x.T, [(3, 4)], False),
    "squeeze": (lambda x: x.squeeze(1), lambda x: x.squeeze(1), [(3, 1, 4)], False),
    "unsqueeze": (lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(0), [(3, 4)], False),
    "flatten": (lambda x: x.flatten(), lambda x: x.flatten(), [(2, 3, 2)], False),
    "expand": (lambda x: x.expand(2, 3, 4), lambda x: x.expand(2, 3, 4), [(3, 1)], False),
    "broadcast_to": (lambda x: x.broadcast_to((3, 4)), lambda x: x.broadcast_to((3, 4)),
                     [(4,)], False),
    "getitem_basic": (lambda x: x[1:, None, ::2], lambda x: x[1:, None, ::2], [(3, 4)], False),
    "getitem_int_array": (lambda x: x[IDX], lambda x: x[_t(IDX)], [(3, 4)], False),
    "getitem_pairs": (lambda x: x[IDX[:3], np.array([0, 3, 0])],
                      lambda x: x[_t(IDX[:3]), torch.tensor([0, 3, 0])], [(3, 4)], False),
    "getitem_mask": (lambda x: x[MASK], lambda x: x[_t(MASK)], [(3, 4)], False),
    "cat": (lambda x, y: cat([x, y, x], axis=1), lambda x, y: torch.cat([x, y, x], dim=1),
            [(3, 2), (3, 4)], False),
    "stack": (lambda x, y: stack([x, y], axis=-1), lambda x, y: torch.stack([x, y], dim=-1),
              [(3, 4), (3, 4)], False),
    "astype": (lambda x: x.astype(np.float32).astype(np.float64) * x,
               lambda x: x.float().double() * x, [(3, 4)], False),
    "conv2d": (lambda x, w, b: conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2),
                                      groups=2),
               lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2),
                                        groups=2), [(2, 4, 7, 6), (6, 2, 3, 2), (6,)], False),
    "conv2d_no_bias": (lambda x, w: conv2d(x, w, padding=1),
                       lambda x, w: F.conv2d(x, w, padding=1), [(1, 2, 4, 4), (3, 2, 3, 3)],
                       False),
    "max_pool2d": (lambda x: max_pool2d(x, 3, stride=2, padding=1),
                   lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [(2, 2, 5, 5)], False),
    "avg_pool2d": (lambda x: avg_pool2d(x, (2, 3), stride=(1, 2), padding=1,
                                        count_include_pad=False),
                   lambda x: F.avg_pool2d(x, (2, 3), stride=(1, 2), padding=1,
                                          count_include_pad=False), [(2, 2, 5, 6)], False),
    "unfold": (lambda x: unfold(x, 2, dilation=(1, 2), padding=1, stride=(2, 1)),
               lambda x: F.unfold(x, 2, dilation=(1, 2), padding=1, stride=(2, 1)),
               [(2, 2, 4, 5)], False),
    "fold": (lambda c: fold(c, (4, 5), 2, stride=(1, 2)),
             lambda c: F.fold(c, (4, 5), 2, stride=(1, 2)), [(2, 8, 6)], False),
}


def _inputs(shapes: list[tuple[int, ...]], positive: bool, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        a = rng.standard_normal(s)
        out.append(np.abs(a) + 0.5 if positive else a)
    return out


def _loss(out: Any, w1: np.ndarray, w2: np.ndarray, lib: Any) -> Any:
    # a linear and a quadratic term: second derivatives flow through the op's
    # VJP (recorded as a graph) and, for nonlinear ops, through the op itself
    if lib is torch:
        return (out * _t(w1)).sum() + (out * out * _t(w2)).sum() * 0.5
    return (out * w1).sum() + (out * out * w2).sum() * 0.5


@pytest.mark.parametrize("name", sorted(OPS))
def test_hessian_vector_product_through_every_op(name):
    fn, tfn, shapes, positive = OPS[name]
    arrays = _inputs(shapes, positive, seed=len(name))
    rng = np.random.default_rng(7)
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn(*xs), tfn(*txs)
    w1, w2 = rng.standard_normal(out.shape), rng.standard_normal(out.shape)
    vs = [rng.standard_normal(a.shape) for a in arrays]

    gs = grad(_loss(out, w1, w2, None), xs, create_graph=True)
    assert all(g.requires_grad for g in gs)
    hv = grad(sum((g * v).sum() for g, v in zip(gs, vs)), xs, allow_unused=True)

    tgs = torch.autograd.grad(_loss(tout, w1, w2, torch), txs, create_graph=True)
    thv = torch.autograd.grad(sum((g * _t(v)).sum() for g, v in zip(tgs, vs)), txs,
                              allow_unused=True)
    for i in range(len(xs)):
        np.testing.assert_allclose(gs[i].data, tgs[i].detach().numpy(), **TOL,
                                   err_msg=f"first derivative, input {i}")
        expected = np.zeros(arrays[i].shape) if thv[i] is None else thv[i].numpy()
        got = np.zeros(arrays[i].shape) if hv[i] is None else hv[i].data
        assert got.shape == arrays[i].shape
        np.testing.assert_allclose(got, expected, **TOL, err_msg=f"second derivative, input {i}")
    assert all(x.grad is None for x in xs)   # grad() leaves .grad alone


def test_the_catalogue_reaches_every_rule():
    # a rule added to the table must be added here too, so its VJP is known to
    # run on graph-recording tensors
    reached = set()
    for fn, _, shapes, positive in OPS.values():
        xs = [Tensor(a, requires_grad=True) for a in _inputs(shapes, positive, seed=0)]
        out = fn(*xs)
        gs = grad((out * out).sum(), xs, create_graph=True, allow_unused=True)
        roots = [out] + [g for g in gs if g is not None and g.requires_grad]
        reached.update(n.rule.name for n in toposort(roots) if n.rule is not None)
    # rules the library defines (a test elsewhere may register a toy rule of its own)
    library = {name for name, rule in RULES.items()
               if rule.forward.__module__.startswith("autograd.")}
    missing = library - reached
    assert not missing, f"rules no higher-order case reaches: {sorted(missing)}"


# ------------------------------------------------------------------ an MLP

def _mlp_params(rng: np.random.Generator, sizes: list[int]) -> list[np.ndarray]:
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params.append(rng.standard_normal((n_out, n_in)) / np.sqrt(n_in))   # PyTorch layout
        params.append(rng.standard_normal(n_out) * 0.1)
    return params


def _mlp_forward(params: list[Any], x: Any, lib: Any) -> Any:
    w1, b1, w2, b2, w3, b3 = params
    h = (x @ w1.T + b1).tanh()
    h = (h @ w2.T + b2).relu() if lib is None else torch.relu(h @ w2.T + b2)
    return h @ w3.T + b3


def _cross_entropy(logits: Any, labels: np.ndarray, lib: Any) -> Any:
    n = labels.shape[0]
    if lib is torch:
        lp = torch.log_softmax(logits, dim=1)
        return -lp[torch.arange(n), torch.tensor(labels)].mean()
    lp = logits.log_softmax(axis=1)
    return -lp[np.arange(n), labels].mean()


def _mse(out: Any, target: np.ndarray, lib: Any) -> Any:
    d = out - (torch.tensor(target) if lib is torch else target)
    return (d * d).mean()


@pytest.mark.parametrize("loss_name", ["cross_entropy", "mse"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hessian_vector_product_of_an_mlp_loss_matches_torch(loss_name, seed):
    rng = np.random.default_rng(seed)
    n, sizes = 16, [5, 8, 6, 3]
    x = rng.standard_normal((n, sizes[0]))
    labels = rng.integers(0, sizes[-1], n)
    target = rng.standard_normal((n, sizes[-1]))
    params = _mlp_params(rng, sizes)
    vs = [rng.standard_normal(p.shape) for p in params]

    def loss(ps, lib):
        out = _mlp_forward(ps, torch.tensor(x) if lib is torch else Tensor(x), lib)
        if loss_name == "cross_entropy":
            return _cross_entropy(out, labels, lib)
        return _mse(out, target, lib)

    ps = [Tensor(p.copy(), requires_grad=True) for p in params]
    gs = grad(loss(ps, None), ps, create_graph=True)
    hv = grad(sum((g * v).sum() for g, v in zip(gs, vs)), ps)

    tps = [torch.tensor(p, requires_grad=True) for p in params]
    tgs = torch.autograd.grad(loss(tps, torch), tps, create_graph=True)
    thv = torch.autograd.grad(sum((g * torch.tensor(v)).sum() for g, v in zip(tgs, vs)), tps)
    for i, (a, b) in enumerate(zip(hv, thv)):
        assert a.shape == params[i].shape
        np.testing.assert_allclose(a.data, b.numpy(), **CLOSE_DEEP,
                                   err_msg=f"Hv for parameter {i}")
    for a, b in zip(gs, tgs):
        np.testing.assert_allclose(a.data, b.detach().numpy(), **CLOSE_DEEP)


def test_hessian_vector_product_with_respect_to_the_input():
    # the same machinery gives d^2 loss / dx^2 v, e.g. for adversarial or curvature probes
    rng = np.random.default_rng(3)
    params = _mlp_params(rng, [4, 6, 5, 2])
    x0 = rng.standard_normal((3, 4))
    v = rng.standard_normal((3, 4))
    x = Tensor(x0.copy(), requires_grad=True)
    ps = [Tensor(p) for p in params]
    (g,) = grad(_mlp_forward(ps, x, None).logsumexp(axis=1).sum(), x, create_graph=True)
    (hv,) = grad((g * v).sum(), x)
    tx = torch.tensor(x0, requires_grad=True)
    tout = _mlp_forward([torch.tensor(p) for p in params], tx, torch)
    (tg,) = torch.autograd.grad(torch.logsumexp(tout, dim=1).sum(), tx, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), tx)
    np.testing.assert_allclose(hv.data, thv.numpy(), **CLOSE_DEEP)


# ----------------------------------------------------------- third derivatives

SCALAR_EXPRESSIONS: dict[str, Callable[[Any], Any]] = {
    "sin_exp": lambda x: x.sin() * x.exp(),
    "rational": lambda x: x ** 4 / (x * x + 1.0),
    "tanh_sigmoid": lambda x: x.tanh() * x.sigmoid(),
    "log1p_square": lambda x: (x * x + 1.0).log(),
    "sqrt_cos": lambda x: (x * x + 2.0).sqrt() * x.cos(),
    "pow_of_x": lambda x: (x * x + 0.5) ** x,
    "softmax_entry": lambda x: (x * _stack3(x)).softmax(axis=0)[0],
    "logsumexp": lambda x: _stack3(x).logsumexp(),
    "var_of_powers": lambda x: _stack3(x).var(),
}


def _stack3(x: Any) -> Any:
    if isinstance(x, Tensor):
        return stack([x, x * x, x.sin()])
    return torch.stack([x, x * x, x.sin()])


def _torch_expr(name: str) -> Callable[[Any], Any]:
    f = SCALAR_EXPRESSIONS[name]
    if name in ("softmax_entry", "logsumexp", "var_of_powers"):
        return {
            "softmax_entry": lambda x: torch.softmax(x * _stack3(x), dim=0)[0],
            "logsumexp": lambda x: torch.logsumexp(_stack3(x), dim=0),
            "var_of_powers": lambda x: torch.var(_stack3(x), correction=0),
        }[name]
    return f


@pytest.mark.parametrize("name", sorted(SCALAR_EXPRESSIONS))
@pytest.mark.parametrize("x0", [0.3, -1.1])
def test_third_derivatives_of_scalar_tensor_expressions(name, x0):
    x = Tensor(np.float64(x0), requires_grad=True)
    y = SCALAR_EXPRESSIONS[name](x)
    assert y.shape == ()
    (d1,) = grad(y, x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)

    tx = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    ty = _torch_expr(name)(tx)
    (t1,) = torch.autograd.grad(ty, tx, create_graph=True)
    (t2,) = torch.autograd.grad(t1, tx, create_graph=True)
    (t3,) = torch.autograd.grad(t2, tx)
    got = [float(d.data) for d in (d1, d2, d3)]
    expected = [float(t.detach()) for t in (t1, t2, t3)]
    np.testing.assert_allclose(got, expected, **TOL)


def test_third_derivative_in_closed_form_and_mixed_partials():
    x = Tensor(np.float64(0.7), requires_grad=True)
    y = Tensor(np.float64(-0.4), requires_grad=True)
    f = (x * y).exp() + x ** 3 * y
    (fx,) = grad(f, x, create_graph=True)
    (fxx,) = grad(fx, x, create_graph=True)
    (fxxy,) = grad(fxx, y, retain_graph=True)
    (fxxx,) = grad(fxx, x)
    xv, yv = 0.7, -0.4
    e = np.exp(xv * yv)
    # f_xx = y^2 e^{xy} + 6 x y, so f_xxy = 2 y e^{xy} + x y^2 e^{xy} + 6 x
    # and f_xxx = y^3 e^{xy} + 6 y
    np.testing.assert_allclose(float(fxxy.data), 2 * yv * e + xv * yv ** 2 * e + 6 * xv,
                               **TOL)
    np.testing.assert_allclose(float(fxxx.data), yv ** 3 * e + 6 * yv, **TOL)
