"""Random programs of Tensor ops, run on chainrule and on PyTorch (float64), compared.

A program is a list of steps over numbered values: leaves (inputs that
require grad) and ops applied to earlier values, with every constant
(broadcast partners, conditions, index arrays, tie-breaking jitter) stored in
the step so both engines see the same numbers. The generator runs each step
on chainrule as it goes, so it knows every shape and magnitude and keeps the
inputs of each op where the op is smooth: log and sqrt see x*x + 0.5,
division divides by y*y + 0.5, exp sees |x| < 5, and max/min/maximum/relu/
abs/clip see x plus a fixed random jitter, so no exact ties or kinks occur
where floating-point noise could send the two engines different ways.

The loss is a weighted sum of a few values; its value and the gradient of
every leaf must agree. On a mismatch the test prints the program.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

from autograd import Tensor, cat, linear, maximum, minimum, no_grad, stack, where

torch = pytest.importorskip("torch")

N_PROGRAMS = 600
MAX_SIDE = 4
MAX_NDIM = 4


def _t(a: Any) -> Any:
    """A float64 torch constant."""
    return torch.from_numpy(np.array(a, dtype=np.float64))


def _tidx(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_tidx(i) for i in index)
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    return index


def _dims(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


# Each op: (chainrule implementation, torch implementation). Arguments are the
# values the step names, then the step's parameters.
Impl = Callable[..., Any]
OPS: dict[str, tuple[Impl, Impl]] = {
    # elementwise, unary
    "neg": (lambda x: -x, lambda x: -x),
    "exp": (lambda x: x.exp(), torch.exp),
    "log_sq": (lambda x: (x * x + 0.5).log(), lambda x: torch.log(x * x + 0.5)),
    "sqrt_sq": (lambda x: (x * x + 0.5).sqrt(), lambda x: torch.sqrt(x * x + 0.5)),
    "tanh": (lambda x: x.tanh(), torch.tanh),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid),
    "sin": (lambda x: x.sin(), torch.sin),
    "cos": (lambda x: x.cos(), torch.cos),
    "relu": (lambda x, j: (x + j).relu(), lambda x, j: torch.relu(x + _t(j))),
    "leaky_relu": (lambda x, j: (x + j).leaky_relu(0.1),
                   lambda x, j: torch.nn.functional.leaky_relu(x + _t(j), 0.1)),
    "abs": (lambda x, j: abs(x + j), lambda x, j: torch.abs(x + _t(j))),
    "square": (lambda x: x ** 2, lambda x: x ** 2),
    "cube": (lambda x: x ** 3, lambda x: x ** 3),
    "pow_1.5": (lambda x: (x * x + 0.5) ** 1.5, lambda x: (x * x + 0.5) ** 1.5),
    "exp2": (lambda x: 2.0 ** x, lambda x: 2.0 ** x),
    "clip": (lambda x, j, lo, hi: (x + j).clip(lo, hi),
             lambda x, j, lo, hi: torch.clamp(x + _t(j), lo, hi)),
    # elementwise, binary with broadcasting
    "add": (lambda x, y: x + y, lambda x, y: x + y),
    "sub": (lambda x, y: x - y, lambda x, y: x - y),
    "mul": (lambda x, y: x * y, lambda x, y: x * y),
    "div": (lambda x, y: x / (y * y + 0.5), lambda x, y: x / (y * y + 0.5)),
    "pow": (lambda x, y: (x * x + 0.5) ** y.tanh(), lambda x, y: (x * x + 0.5) ** torch.tanh(y)),
    "maximum": (lambda x, y, j: maximum(x + j, y), lambda x, y, j: torch.maximum(x + _t(j), y)),
    "minimum": (lambda x, y, j: minimum(x + j, y), lambda x, y, j: torch.minimum(x + _t(j), y)),
    # a constant (Python number or ndarray) on either side
    "const": (lambda x, c, op, left: _const_op(x, c, op, left, lambda a: a),
              lambda x, c, op, left: _const_op(x, c, op, left, _t)),
    # reductions
    "sum": (lambda x, axis, keep: x.sum(axis=axis, keepdims=keep),
            lambda x, axis, keep: x.sum(dim=_dims(axis, x.ndim), keepdim=keep)),
    "mean": (lambda x, axis, keep: x.mean(axis=axis, keepdims=keep),
             lambda x, axis, keep: x.mean(dim=_dims(axis, x.ndim), keepdim=keep)),
    "max": (lambda x, j, axis, keep: (x + j).max(axis=axis, keepdims=keep),
            lambda x, j, axis, keep: torch.amax(x + _t(j), dim=_dims(axis, x.ndim), keepdim=keep)),
    "min": (lambda x, j, axis, keep: (x + j).min(axis=axis, keepdims=keep),
            lambda x, j, axis, keep: torch.amin(x + _t(j), dim=_dims(axis, x.ndim), keepdim=keep)),
    "var": (lambda x, axis, keep: x.var(axis=axis, keepdims=keep),
            lambda x, axis, keep: torch.var(x, dim=_dims(axis, x.ndim), keepdim=keep,
                                            correction=0)),
    "logsumexp": (lambda x, axis, keep: x.logsumexp(axis=axis, keepdims=keep),
                  lambda x, axis, keep: torch.logsumexp(x, dim=_dims(axis, x.ndim), keepdim=keep)),
    "softmax": (lambda x, axis: x.softmax(axis), lambda x, axis: torch.softmax(x, dim=axis)),
    "log_softmax": (lambda x, axis: x.log_softmax(axis),
                    lambda x, axis: torch.log_softmax(x, dim=axis)),
    # linear algebra
    "matmul": (lambda x, y: x @ y, lambda x, y: x @ y),
    "matmul_const_left": (lambda x, c: c @ x, lambda x, c: _t(c) @ x),
    "linear": (lambda x, w, *b: linear(x, w, *b),
               lambda x, w, *b: torch.nn.functional.linear(x, w, *b)),
    # shape
    "reshape": (lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape)),
    "permute": (lambda x, perm: x.permute(*perm), lambda x, perm: x.permute(*perm)),
    "transpose": (lambda x, a, b: x.transpose(a, b), lambda x, a, b: x.transpose(a, b)),
    "T": (lambda x: x.T, lambda x: x.permute(*reversed(range(x.ndim)))),
    "squeeze": (lambda x, axis: x.squeeze(axis), lambda x, axis: x.squeeze(axis)),
    "unsqueeze": (lambda x, axis: x.unsqueeze(axis), lambda x, axis: x.unsqueeze(axis)),
    "flatten": (lambda x, start: x.flatten(start), lambda x, start: x.flatten(start)),
    "expand": (lambda x, shape: x.expand(*shape), lambda x, shape: x.expand(*shape)),
    "broadcast_to": (lambda x, shape: x.broadcast_to(shape),
                     lambda x, shape: x.broadcast_to(shape)),
    "getitem": (lambda x, index: x[index], lambda x, index: x[_tidx(index)]),
    # joining and choosing
    "cat": (lambda *xs, axis: cat(xs, axis=axis), lambda *xs, axis: torch.cat(xs, dim=axis)),
    "stack": (lambda *xs, axis: stack(xs, axis=axis), lambda *xs, axis: torch.stack(xs, dim=axis)),
    "where": (lambda x, y, cond: where(cond, x, y),
              lambda x, y, cond: torch.where(_tidx(cond), x, y)),
    "where_scalar": (lambda x, cond, c: where(cond, x, c),
                     lambda x, cond, c: torch.where(_tidx(cond), x, _t(c))),
}


def _const_op(x: Any, c: Any, op: str, left: bool, conv: Callable[[Any], Any]) -> Any:
    c = conv(c) if isinstance(c, np.ndarray) else c
    if op == "div":
        # the variable is always a safe denominator: c / (x*x + 0.5) or x / c with c != 0
        return c / (x * x + 0.5) if left else x / c
    a, b = (c, x) if left else (x, c)
    return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b}[op]()


# -------------------------------------------------------------- programs

@dataclass
class Step:
    op: str                       # an OPS key, or "leaf"
    args: tuple[int, ...] = ()    # indices of earlier values
    params: dict[str, Any] = field(default_factory=dict)

    def describe(self, i: int, shape: tuple[int, ...]) -> str:
        if self.op == "leaf":
            return f"v{i} = leaf{shape}"
        ps = ", ".join(f"{k}={_short(v)}" for k, v in self.params.items())
        args = ", ".join(f"v{a}" for a in self.args)
        return f"v{i} = {self.op}({args}{', ' if ps and args else ''}{ps})  -> {shape}"


def _short(v: Any) -> str:
    if isinstance(v, np.ndarray):
        if v.dtype == np.bool_ or v.dtype.kind == "i":
            return np.array2string(v, separator=",").replace("\n", "")
        return f"<array {v.shape}>"
    if isinstance(v, tuple):
        return "(" + ", ".join(_short(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


@dataclass
class Program:
    seed: int
    steps: list[Step]
    shapes: list[tuple[int, ...]]
    outputs: list[tuple[int, np.ndarray]]   # (value index, weights) summed into the loss

    def __str__(self) -> str:
        lines = [f"program for seed {self.seed}:"]
        lines += ["  " + s.describe(i, self.shapes[i]) for i, s in enumerate(self.steps)]
        lines.append("  loss = " + " + ".join(f"sum(v{i} * W{k})"
                                              for k, (i, _) in enumerate(self.outputs)))
        return "\n".join(lines)


def run(program: Program, lib: str) -> tuple[Any, list[Any]]:
    """Evaluate ``program`` on chainrule ('ours') or torch; return (loss, leaf nodes)."""
    side = 0 if lib == "ours" else 1
    values: list[Any] = []
    leaf_nodes = []
    for step in program.steps:
        if step.op == "leaf":
            data = step.params["data"].copy()
            node = Tensor(data, requires_grad=True) if side == 0 else torch.tensor(
                data, requires_grad=True)
            leaf_nodes.append(node)
            values.append(node)
            continue
        fn = OPS[step.op][side]
        values.append(fn(*[values[a] for a in step.args], **step.params))
    loss = None
    for i, w in program.outputs:
        term = (values[i] * (w if side == 0 else _t(w))).sum()
        loss = term if loss is None else loss + term
    return loss, leaf_nodes


class Generator:
    """Builds a random program, evaluating chainrule as it goes to know shapes and values."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.steps: list[Step] = []
        self.data: list[np.ndarray] = []
        self.used: set[int] = set()

    # -- helpers
    def shape_of(self, i: int) -> tuple[int, ...]:
        return self.data[i].shape

    def random_shape(self, max_ndim: int = 3) -> tuple[int, ...]:
        nd = int(self.rng.integers(0, max_ndim + 1))
        return tuple(int(self.rng.integers(1, MAX_SIDE + 1)) for _ in range(nd))

    def jitter(self, shape: tuple[int, ...]) -> np.ndarray:
        return self.rng.standard_normal(shape) * 0.05

    def leaf(self, shape: tuple[int, ...]) -> int:
        data = self.rng.standard_normal(shape)
        return self.add(Step("leaf", (), {"data": data}))

    def add(self, step: Step) -> int:
        with no_grad():
            if step.op == "leaf":
                out = step.params["data"]
            else:
                fn = OPS[step.op][0]
                res = fn(*[Tensor(self.data[a]) for a in step.args], **step.params)
                out = res.data
        self.steps.append(step)
        self.data.append(np.asarray(out))
        self.used.update(step.args)
        return len(self.steps) - 1

    def pick(self) -> int:
        # favour recent values, so programs grow deep rather than wide
        n = len(self.data)
        weights = np.arange(1, n + 1, dtype=float) ** 2
        return int(self.rng.choice(n, p=weights / weights.sum()))

    def partner_shape(self, s: tuple[int, ...]) -> tuple[int, ...]:
        """A shape that broadcasts with ``s`` (possibly stretching it too)."""
        out = []
        for d in s:
            if d == 1:
                out.append(int(self.rng.integers(1, 4)))
            else:
                out.append(d if self.rng.random() < 0.7 else 1)
        if out and self.rng.random() < 0.3:
            out = out[int(self.rng.integers(1, len(out) + 1)):]
        elif len(s) < MAX_NDIM and self.rng.random() < 0.15:
            out = [2] + out
        return tuple(out)

    def partner(self, s: tuple[int, ...]) -> int:
        for _ in range(3):
            j = self.pick()
            try:
                b = np.broadcast_shapes(s, self.shape_of(j))
            except ValueError:
                continue
            if len(b) <= MAX_NDIM and int(np.prod(b)) <= 64:
                return j
        return self.leaf(self.partner_shape(s))

    def axis(self, nd: int) -> Any:
        r = self.rng.random()
        if nd == 0 or r < 0.25:
            return None
        if r < 0.7:
            a = int(self.rng.integers(-nd, nd))
            return a
        k = int(self.rng.integers(1, nd + 1))
        return tuple(int(a) for a in self.rng.choice(nd, size=k, replace=False))

    # -- one random op on value i
    def grow(self) -> None:
        i = self.pick()
        x = self.data[i]
        s, nd = x.shape, x.ndim
        big = float(np.max(np.abs(x))) if x.size else 0.0
        rng = self.rng
        kind = rng.choice(["unary", "binary", "const", "reduce", "softmax", "matmul", "shape",
                           "index", "join", "where", "clip"],
                          p=[0.17, 0.17, 0.08, 0.12, 0.05, 0.08, 0.12, 0.08, 0.05, 0.05, 0.03])
        if big > 50 and kind not in ("shape", "index", "reduce"):
            self.add(Step(str(rng.choice(["tanh", "log_sq", "sigmoid", "sin"])), (i,)))
            return
        if kind == "unary":
            names = ["neg", "log_sq", "sqrt_sq", "tanh", "sigmoid", "sin", "cos", "relu",
                     "leaky_relu", "abs", "square", "cube", "pow_1.5"]
            if big < 5:
                names += ["exp", "exp2"]
            op = str(rng.choice(names))
            params = {"j": self.jitter(s)} if op in ("relu", "leaky_relu", "abs") else {}
            self.add(Step(op, (i,), params))
        elif kind == "binary":
            j = self.partner(s)
            op = str(rng.choice(["add", "sub", "mul", "div", "pow", "maximum", "minimum"]))
            a, b = (i, j) if rng.random() < 0.7 else (j, i)
            params = {"j": self.jitter(self.shape_of(a))} if op in ("maximum", "minimum") else {}
            self.add(Step(op, (a, b), params))
        elif kind == "const":
            op = str(rng.choice(["add", "sub", "mul", "div"]))
            if rng.random() < 0.5:
                c: Any = float(rng.uniform(0.5, 2.0)) * (1 if rng.random() < 0.5 else -1)
            else:
                c = rng.uniform(0.5, 2.0, self.partner_shape(s))
            self.add(Step("const", (i,), {"c": c, "op": op, "left": bool(rng.random() < 0.5)}))
        elif kind == "reduce":
            names = ["sum", "mean"] if nd == 0 else ["sum", "mean", "max", "min", "var",
                                                     "logsumexp"]
            op = str(rng.choice(names))
            params: dict[str, Any] = {"axis": self.axis(nd), "keep": bool(rng.random() < 0.4)}
            if op in ("max", "min"):
                params = {"j": self.jitter(s), **params}
            self.add(Step(op, (i,), params))
        elif kind == "softmax":
            if nd == 0:
                return
            op = str(rng.choice(["softmax", "log_softmax"]))
            self.add(Step(op, (i,), {"axis": int(rng.integers(-nd, nd))}))
        elif kind == "matmul":
            self.matmul(i)
        elif kind == "shape":
            self.reshape_like(i)
        elif kind == "index":
            self.index(i)
        elif kind == "join":
            self.join(i)
        elif kind == "where":
            cond = np.asarray(rng.random(self.partner_shape(s)) < 0.5)
            if rng.random() < 0.3:
                self.add(Step("where_scalar", (i,), {"cond": cond,
                                                     "c": float(rng.standard_normal())}))
                return
            j = self.partner(s)
            a, b = (i, j) if rng.random() < 0.5 else (j, i)
            try:
                np.broadcast_shapes(cond.shape, self.shape_of(a), self.shape_of(b))
            except ValueError:
                cond = np.asarray(rng.random(s) < 0.5)
                try:
                    np.broadcast_shapes(cond.shape, self.shape_of(a), self.shape_of(b))
                except ValueError:
                    return
            self.add(Step("where", (a, b), {"cond": cond}))
        else:
            q = np.quantile(x, [0.25, 0.75]) if x.size else (0.0, 0.0)
            lo = float(q[0]) if rng.random() < 0.8 else None
            hi = float(q[1]) + 0.1 if rng.random() < 0.8 or lo is None else None
            self.add(Step("clip", (i,), {"j": self.jitter(s), "lo": lo, "hi": hi}))

    def matmul(self, i: int) -> None:
        rng, s = self.rng, self.shape_of(i)
        if len(s) == 0:
            return
        m = int(rng.integers(1, 4))
        batch = s[:-2]
        if rng.random() < 0.2:
            # a dense layer: weight (out, in), optional bias
            w = self.leaf((m, s[-1]))
            args = (i, w) if rng.random() < 0.3 else (i, w, self.leaf((m,)))
            self.add(Step("linear", args))
            return
        if rng.random() < 0.25:
            # a constant ndarray on the left of @: (n,), (m, n) or batch + (m, n)
            n = s[0] if len(s) == 1 else s[-2]
            r = rng.random()
            c_shape = (n,) if r < 0.3 else (m, n) if r < 0.7 or not batch else batch + (m, n)
            self.add(Step("matmul_const_left", (i,), {"c": rng.standard_normal(c_shape)}))
            return
        k = s[-1]
        r = rng.random()
        if r < 0.3:
            other = (k,)
        elif r < 0.6:
            other = (k, m)
        elif batch:
            other = tuple(1 if rng.random() < 0.3 else b for b in batch) + (k, m)
        else:
            other = (2, k, m) if len(s) == 2 else (k, m)
        j = self.leaf(other)
        self.add(Step("matmul", (i, j)))

    def reshape_like(self, i: int) -> None:
        rng, s = self.rng, self.shape_of(i)
        nd = len(s)
        choice = rng.choice(["reshape", "permute", "transpose", "T", "squeeze", "unsqueeze",
                             "flatten", "expand", "broadcast_to"])
        if choice == "reshape":
            n = int(np.prod(s))
            divisors = [d for d in range(1, n + 1) if n % d == 0]
            d = int(rng.choice(divisors))
            shape = (d, -1) if rng.random() < 0.5 else (n // d, d, 1)
            self.add(Step("reshape", (i,), {"shape": shape}))
        elif choice == "permute" and nd >= 2:
            self.add(Step("permute", (i,), {"perm": tuple(int(a) for a in rng.permutation(nd))}))
        elif choice == "transpose" and nd >= 2:
            a, b = rng.choice(nd, size=2, replace=False)
            self.add(Step("transpose", (i,), {"a": int(a), "b": int(b) - nd}))
        elif choice == "T" and nd >= 2:
            self.add(Step("T", (i,)))
        elif choice == "squeeze" and 1 in s:
            ones = [a for a, n in enumerate(s) if n == 1]
            self.add(Step("squeeze", (i,), {"axis": int(rng.choice(ones))}))
        elif choice == "unsqueeze" and nd < MAX_NDIM:
            self.add(Step("unsqueeze", (i,), {"axis": int(rng.integers(-nd - 1, nd + 1))}))
        elif choice == "flatten" and nd >= 2:
            self.add(Step("flatten", (i,), {"start": int(rng.integers(0, nd))}))
        elif choice in ("expand", "broadcast_to") and nd < MAX_NDIM:
            target = tuple(int(rng.integers(2, 4)) if n == 1 else n for n in s)
            if rng.random() < 0.5 or not target:
                target = (2,) + target
            if choice == "expand":
                target = tuple(-1 if n == t and rng.random() < 0.5 else t
                               for n, t in zip((None,) * (len(target) - nd) + s, target))
            self.add(Step(choice, (i,), {"shape": target}))

    def index(self, i: int) -> None:
        rng, s = self.rng, self.shape_of(i)
        nd = len(s)
        if nd == 0:
            return
        r = rng.random()
        if r < 0.2:
            k = int(rng.integers(-s[0], s[0]))
            index: Any = k if rng.random() < 0.5 else (Ellipsis, int(rng.integers(-s[-1], s[-1])))
        elif r < 0.45:
            parts = []
            for n in s:
                start = int(rng.integers(0, n))
                stop = int(rng.integers(start + 1, n + 1))
                parts.append(slice(start - n if rng.random() < 0.3 else start, stop,
                                   int(rng.integers(1, 3))))
            if rng.random() < 0.4:
                parts.insert(int(rng.integers(0, len(parts) + 1)), None)
            index = tuple(parts)
        elif r < 0.7:
            idx = rng.integers(-s[0], s[0], size=int(rng.integers(1, 6)))
            index = idx if nd == 1 or rng.random() < 0.5 else (idx, slice(None, None, 1))
        elif r < 0.85 and nd >= 2:
            n = int(rng.integers(1, 5))
            index = (rng.integers(0, s[0], size=n), rng.integers(-s[1], s[1], size=n))
        else:
            mask = rng.random(s[0]) < 0.6
            mask[int(rng.integers(0, s[0]))] = True
            index = mask
        self.add(Step("getitem", (i,), {"index": index}))

    def join(self, i: int) -> None:
        rng, s = self.rng, self.shape_of(i)
        nd = len(s)
        if rng.random() < 0.5 and nd >= 1:
            axis = int(rng.integers(-nd, nd))
            other = list(s)
            other[axis] = int(rng.integers(1, 4))
            j = self.leaf(tuple(other))
            order = [i, j] if rng.random() < 0.5 else [j, i, i]
            self.add(Step("cat", tuple(order), {"axis": axis}))
        elif nd < MAX_NDIM:
            j = i if rng.random() < 0.3 else self.leaf(s)
            axis = int(rng.integers(-nd - 1, nd + 1))
            self.add(Step("stack", (i, j), {"axis": axis}))

    def build(self) -> Program:
        for _ in range(int(self.rng.integers(1, 4))):
            self.leaf(self.random_shape())
        n_ops = int(self.rng.integers(5, 14))
        while sum(s.op != "leaf" for s in self.steps) < n_ops:
            self.grow()
        # the last value, plus values nothing consumed, make the loss
        last = len(self.steps) - 1
        ends = [k for k in range(len(self.steps)) if k not in self.used and k != last]
        chosen = [last] + [int(k) for k in self.rng.permutation(ends)[:2]]
        outputs = [(k, self.rng.standard_normal(self.shape_of(k))) for k in chosen]
        return Program(self.seed, self.steps, [d.shape for d in self.data], outputs)


def generate(seed: int) -> Program:
    """The random program for ``seed`` (reproducible)."""
    return Generator(seed).build()


def _close(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= rtol * (np.abs(b) + 1e-3 * scale)))


@pytest.mark.parametrize("seed", range(N_PROGRAMS))
def test_random_program_matches_torch(seed):
    program = generate(seed)
    try:
        loss, leaves = run(program, "ours")
        tloss, tleaves = run(program, "torch")
        loss.backward()
        tloss.backward()
    except Exception as exc:  # an engine error: show the program that provoked it
        raise AssertionError(f"{type(exc).__name__}: {exc}\n{program}") from exc
    assert _close(np.asarray(loss.data), tloss.detach().numpy(), 1e-9), (
        f"loss {loss.data!r} vs torch {tloss.item()!r}\n{program}")
    names = [f"v{k}" for k, step in enumerate(program.steps) if step.op == "leaf"]
    for name, a, b in zip(names, leaves, tleaves):
        expected = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad
        assert got.dtype == np.float64 and got.shape == a.shape
        assert _close(got, expected, 1e-7), (
            f"gradient of {name} differs:\nchainrule {got!r}\ntorch     {expected!r}\n{program}")


def test_generator_is_reproducible_and_covers_every_op():
    assert str(generate(3)) == str(generate(3))
    seen = set()
    for seed in range(N_PROGRAMS):
        seen.update(s.op for s in generate(seed).steps)
    missing = set(OPS) - seen
    assert not missing, f"ops the fuzzer never generated: {sorted(missing)}"


def test_program_listing_is_readable():
    text = str(generate(11))
    assert text.startswith("program for seed 11:")
    assert "v0 = leaf" in text and "loss = sum(v" in text
