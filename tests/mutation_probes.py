"""check_op probes for every rule of the table: how a user would test each op.

Used by ``mutation_analysis.py``: each probe is the keyword arguments of one
``check_op`` call (parameters drawn, kinks with the documented subgradient,
probabilities and logits into saturation), and must pass on the real rules.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nn
from autograd import Tensor
from autograd.node import apply
from autograd.ops import RULES
from autograd.tensor import cat, linear, maximum, minimum, stack, where
from autograd.testing import (SUBGRADIENTS, arrays, axes, broadcastable_shapes, floats, grid,
                              indices, integer_array_indices, kink_floats, matmul_shapes,
                              nonzero_floats, positive_floats, probabilities, saturating_floats,
                              shapes, tie_arrays)


@st.composite
def _cat_pair(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    """Two arrays whose shapes agree but along axis 0."""
    shape = list(draw(shapes(min_dims=1)))
    other = [draw(st.integers(1, 3))] + shape[1:]
    return draw(arrays(tuple(shape))), draw(arrays(tuple(other)))


def _ce_reference(x: np.ndarray, target: np.ndarray, weight: Any,
                  reduction: str) -> np.ndarray:
    """PyTorch's cross-entropy: class indices or probabilities, optional class weights."""
    m = x.max(axis=1, keepdims=True)
    logp = x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))
    w = np.ones(x.shape[1]) if weight is None else weight
    if target.dtype.kind == "i":
        nll = -logp[np.arange(len(target)), target] * w[target]
        denom = w[target].sum()
    else:
        nll = -(target * w * logp).sum(axis=1)
        denom = len(target)
    return {"none": nll, "sum": nll.sum(), "mean": nll.sum() / denom}[reduction]


def _ce_target(x: np.ndarray) -> Any:
    n, c = x.shape
    indices = hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1))
    rows = arrays((n, c), elements=positive_floats(0.1, 1.0)).map(
        lambda p: p / p.sum(axis=1, keepdims=True))
    return st.one_of(indices, rows)


def _bce_logits_reference(x: np.ndarray, target: np.ndarray, pos_weight: Any) -> np.ndarray:
    pw = 1.0 if pos_weight is None else pos_weight
    return -(pw * target * -np.logaddexp(0, -x) + (1 - target) * -np.logaddexp(0, x))


def _bce_reference(p: np.ndarray, target: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return -(target * np.maximum(np.log(p), -100)
                 + (1 - target) * np.maximum(np.log1p(-p), -100))


def _linear_inputs(bias: bool) -> Any:
    @st.composite
    def draw_all(draw: Any) -> tuple[np.ndarray, ...]:
        n_in, n_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        x = draw(arrays(draw(shapes(max_dims=2)) + (n_in,)))
        w = draw(arrays((n_out, n_in)))
        return (x, w, draw(arrays((n_out,)))) if bias else (x, w)

    return draw_all()


AXIS = {"axis": lambda x: axes(x.shape), "keepdims": st.booleans()}


def _reduce_probe(method: str, ref: Callable[..., Any], **extra: Any) -> dict[str, Any]:
    return dict(fn=lambda x, axis, keepdims: getattr(x, method)(axis=axis, keepdims=keepdims),
                reference=lambda x, axis, keepdims: ref(x, axis=axis, keepdims=keepdims),
                params=AXIS, **extra)


def _lse(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    return np.log(np.exp(x).sum(axis=axis, keepdims=keepdims))


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


TIED_PAIRS = broadcastable_shapes(2).flatmap(
    lambda ss: st.tuples(tie_arrays(ss[0]), tie_arrays(ss[1])))
ONE_AXIS = {"axis": lambda x: st.integers(-x.ndim, x.ndim - 1)}
POSITIVE = positive_floats(0.25, 3.0)


def _scatter_reference(x: np.ndarray, index: Any) -> np.ndarray:
    out = np.zeros(x.shape)
    np.add.at(out, index, x[index])
    return out


def _bce_rule(p: Any, target: Any) -> Any:
    return apply(RULES["binary_cross_entropy"], (p,), {"target": target.astype(p.dtype)})


PROBES: dict[str, list[dict[str, Any]]] = {
    "add": [dict(fn=lambda x, y: x + y, reference=np.add)],
    "sub": [dict(fn=lambda x, y: x - y, reference=np.subtract)],
    "mul": [dict(fn=lambda x, y: x * y, reference=np.multiply)],
    "div": [dict(fn=lambda x, y: x / y, reference=np.divide,
                 elements=[None, nonzero_floats()])],
    "neg": [dict(fn=lambda x: -x, reference=np.negative)],
    "pow": [dict(fn=lambda x, y: x ** y, reference=np.power,
                 elements=[POSITIVE, floats(-2.0, 2.0)])],
    "powc": [dict(fn=lambda x, p: x ** p, reference=lambda x, p: x ** p, elements=POSITIVE,
                  params={"p": st.sampled_from([2, 3, 0, 1, -1, -2, 0.5, -0.5, 1.5])})],
    "rpowc": [dict(fn=lambda y, base: base ** y, reference=lambda y, base: base ** y,
                   elements=floats(-2.0, 2.0),
                   params={"base": st.sampled_from([2.0, 0.5, 3.0, float(np.e)])}),
              dict(fn=lambda y: 0.0 ** y, reference=lambda y: 0.0 ** y,
                   elements=positive_floats(0.25, 2.0)),
              dict(fn=lambda y, base: Tensor(base.astype(y.dtype)) ** y,
                   reference=lambda y, base: base ** y,
                   elements=floats(-2.0, 2.0),
                   params={"base": lambda y: arrays(y.shape, elements=POSITIVE)})],
    "exp": [dict(fn=lambda x: x.exp(), reference=np.exp, wide=True)],
    "log": [dict(fn=lambda x: x.log(), reference=np.log, elements=positive_floats())],
    "sqrt": [dict(fn=lambda x: x.sqrt(), reference=np.sqrt, elements=positive_floats())],
    "sin": [dict(fn=lambda x: x.sin(), reference=np.sin)],
    "cos": [dict(fn=lambda x: x.cos(), reference=np.cos)],
    "tanh": [dict(fn=lambda x: x.tanh(), reference=np.tanh, wide=True)],
    "sigmoid": [dict(fn=lambda x: x.sigmoid(), reference=lambda x: 1 / (1 + np.exp(-x)),
                     wide=True)],
    "relu": [dict(fn=lambda x: x.relu(), reference=lambda x: np.maximum(x, 0),
                  elements=kink_floats(), subgradient=SUBGRADIENTS["relu"])],
    "leaky_relu": [dict(fn=lambda x, slope: x.leaky_relu(slope),
                        reference=lambda x, slope: np.where(x > 0, x, slope * x),
                        params={"slope": st.sampled_from([0.01, 0.5, 2.0])},
                        elements=kink_floats(), subgradient=SUBGRADIENTS["leaky_relu"])],
    "abs": [dict(fn=lambda x: abs(x), reference=np.abs, elements=kink_floats(),
                 subgradient=SUBGRADIENTS["abs"])],
    "astype": [dict(fn=lambda x: x.astype(np.float32),
                    reference=lambda x: x.astype(np.float32), eps=1e-2, atol=1e-4, order=1)],
    "maximum": [dict(fn=maximum, reference=np.maximum,
                     elements=[grid(0.5), grid(0.5, offset=0.25)]),
                dict(fn=maximum, reference=np.maximum, subgradient=SUBGRADIENTS["maximum"],
                     inputs=TIED_PAIRS)],
    "minimum": [dict(fn=minimum, reference=np.minimum,
                     elements=[grid(0.5), grid(0.5, offset=0.25)]),
                dict(fn=minimum, reference=np.minimum, subgradient=SUBGRADIENTS["minimum"],
                     inputs=TIED_PAIRS)],
    "clip": [dict(fn=lambda x, lo, hi: x.clip(lo, hi),
                  reference=lambda x, lo, hi: np.clip(x, lo, hi),
                  params={"lo": st.sampled_from([-1.0, -0.5, None]),
                          "hi": st.sampled_from([0.0, 0.5, None])},
                  elements=kink_floats((-1.0, -0.5, 0.0, 0.5)),
                  subgradient=SUBGRADIENTS["clip"])],
    "where": [dict(fn=lambda x, y, cond: where(cond, x, y),
                   reference=lambda x, y, cond: np.where(cond, x, y),
                   params={"cond": lambda x, y: hnp.arrays(
                       np.bool_, np.broadcast_shapes(x.shape, y.shape))})],
    "matmul": [dict(fn=lambda x, y: x @ y, reference=np.matmul,
                    inputs=matmul_shapes().flatmap(
                        lambda ss: st.tuples(arrays(ss[0]), arrays(ss[1]))))],
    "linear": [dict(fn=lambda x, w, b: linear(x, w, b),
                    reference=lambda x, w, b: x @ w.T + b, inputs=_linear_inputs(True)),
               dict(fn=lambda x, w: linear(x, w), reference=lambda x, w: x @ w.T,
                    inputs=_linear_inputs(False))],
    "sum": [_reduce_probe("sum", np.sum)],
    "logsumexp": [_reduce_probe("logsumexp", _lse)],
    "max": [_reduce_probe("max", np.max, inputs=st.tuples(
                arrays(shapes(), elements=grid(0.125), unique=True))),
            _reduce_probe("max", np.max, inputs=st.tuples(tie_arrays(shapes())),
                          subgradient=SUBGRADIENTS["max"])],
    "min": [_reduce_probe("min", np.min, inputs=st.tuples(
                arrays(shapes(), elements=grid(0.125), unique=True))),
            _reduce_probe("min", np.min, inputs=st.tuples(tie_arrays(shapes())),
                          subgradient=SUBGRADIENTS["min"])],
    "softmax": [dict(fn=lambda x, axis: x.softmax(axis=axis), reference=_softmax,
                     params=ONE_AXIS, inputs=st.tuples(arrays(shapes(min_dims=1))))],
    "log_softmax": [dict(fn=lambda x, axis: x.log_softmax(axis=axis),
                         reference=lambda x, axis: np.log(_softmax(x, axis)),
                         params=ONE_AXIS, inputs=st.tuples(arrays(shapes(min_dims=1))))],
    "reshape": [dict(fn=lambda x, shape: x.reshape(shape),
                     reference=lambda x, shape: x.reshape(shape),
                     params={"shape": lambda x: st.permutations(x.shape).map(
                         lambda s: tuple(s) + (1,))})],
    "transpose": [dict(fn=lambda x, perm: x.permute(*perm),
                       reference=lambda x, perm: x.transpose(perm),
                       inputs=st.tuples(arrays(shapes(min_dims=2))),
                       params={"perm": lambda x: st.permutations(range(x.ndim)).map(tuple)})],
    "broadcast_to": [dict(fn=lambda x, lead: x.broadcast_to(lead + x.shape),
                          reference=lambda x, lead: np.broadcast_to(x, lead + x.shape),
                          params={"lead": st.tuples(st.integers(1, 3))})],
    "getitem": [dict(fn=lambda x, index: x[index], reference=lambda x, index: x[index],
                     params={"index": lambda x: indices(x.shape)})],
    "scatter_add": [dict(fn=lambda x, index: x[index].scatter_add(index, x.shape),
                         reference=_scatter_reference,
                         inputs=st.tuples(arrays(shapes(min_dims=1))),
                         params={"index": lambda x: integer_array_indices(x.shape)})],
    "cat": [dict(fn=lambda x, y: cat([x, y], 0),
                 reference=lambda x, y: np.concatenate([x, y], 0), inputs=_cat_pair())],
    "stack": [dict(fn=lambda x, y, axis: stack([x, y], axis),
                   reference=lambda x, y, axis: np.stack([x, y], axis), broadcast=False,
                   params={"axis": lambda x, y: st.integers(-x.ndim - 1, x.ndim)})],
    "weighted_sum": [dict(fn=lambda w, x, b: apply(RULES["weighted_sum"], (w, x, b)),
                          reference=lambda w, x, b: w * x + b, broadcast=False),
                     dict(fn=lambda w1, w2, x1, x2, b: apply(RULES["weighted_sum"],
                                                             (w1, w2, x1, x2, b)),
                          reference=lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b,
                          broadcast=False)],
    "cross_entropy": [dict(
        fn=lambda x, target, weight, reduction: nn.functional.cross_entropy(
            x, target, weight=weight, reduction=reduction),
        reference=_ce_reference,
        inputs=st.tuples(arrays(st.tuples(st.integers(1, 3), st.integers(1, 4)),
                                elements=saturating_floats())),
        params={"target": _ce_target,
                "weight": lambda x: st.one_of(st.none(), arrays(
                    x.shape[1:], elements=positive_floats(0.5, 2.0))),
                "reduction": st.sampled_from(["mean", "sum", "none"])})],
    "binary_cross_entropy": [
        dict(fn=lambda p, target: nn.functional.binary_cross_entropy(p, target,
                                                                      reduction="none"),
             reference=_bce_reference, elements=probabilities(saturating=True),
             params={"target": lambda p: arrays(p.shape, elements=floats(0.0, 1.0))}),
        dict(fn=_bce_rule, reference=_bce_reference,
             elements=kink_floats((0.0, 1.0), probabilities()),
             params={"target": lambda p: arrays(p.shape, elements=floats(0.0, 1.0))},
             subgradient=SUBGRADIENTS["binary_cross_entropy"])],
    "binary_cross_entropy_with_logits": [dict(
        fn=lambda x, target, pos_weight: nn.functional.binary_cross_entropy_with_logits(
            x, target, reduction="none", pos_weight=pos_weight),
        reference=_bce_logits_reference,
        inputs=st.tuples(arrays(shapes(min_dims=1), elements=saturating_floats())),
        params={"target": lambda x: arrays(x.shape, elements=floats(0.0, 1.0)),
                "pos_weight": lambda x: st.one_of(st.none(), arrays(
                    x.shape[-1:], elements=positive_floats(0.5, 3.0)))})],
}
