"""The fused loss primitives: cross-entropy and the two binary cross-entropies.

Each is one rule of the table (:mod:`autograd.ops`), a forward that stays
finite for any finite input beside a VJP in shared operators, so second
derivatives work, and a JVP for forward mode. Importing this module registers them; :mod:`nn.losses`
(imported by ``nn``) imports it, and its functions prepare the targets and
call these rules through ``apply``.

>>> import numpy as np
>>> from autograd import Tensor
>>> from autograd.node import apply
>>> from autograd.ops import RULES
>>> sorted(name for name in RULES if "cross_entropy" in name)
['binary_cross_entropy', 'binary_cross_entropy_with_logits', 'cross_entropy']
>>> x = Tensor([0.0], requires_grad=True)
>>> loss = apply(_bce_logits, (x,), {"target": np.ones(1, np.float32), "pos_weight": None})
>>> loss.sum().backward()
>>> x.grad
array([-0.5], dtype=float32)
"""
from __future__ import annotations

import numpy as np

from autograd import backend as B
from autograd.ops import primitive


# How the stepper writes these derivatives (see autograd.explain).
def _cross_entropy_local(index, reduction, sample_weight, **_):
    target = "(softmax({x}) - one-hot target)" if index is not None else \
        "(softmax({x}) · Σt - t), t the target probabilities,"
    weight = " · sample weight" if sample_weight is not None else ""
    return "{g} · " + target + weight + (" / {denom}" if reduction == "mean" else "")


def _bce_logits_local(pos_weight, **_):
    if pos_weight is None:
        return "sigmoid({x}) - target"
    return "sigmoid({x}) · (1 + (pw - 1) · target) - pw · target, pw the pos_weight"


@primitive("cross_entropy", "cross_entropy", formula="cross_entropy({x}, target)",
           local=(_cross_entropy_local,))
def _cross_entropy(x, *, index, probs, sample_weight, denom, reduction, saved):
    """Fused log_softmax + pick over rows of logits x (M, C).

    loss_i = -sum_c t_ic log softmax(x_i)_c with t_ic = w_i [c = y_i] for class
    indices y (w_i the class weight of y_i), or t_ic = weight_c p_ic for
    probability targets; log softmax = x - max - log(sum(exp(x - max))), finite
    for any finite x.  'mean' divides the sum by denom (sum of w_i, or M).
    VJP: d loss_i / d x_i = softmax(x_i) * sum_c t_ic - t_i, i.e.
    (softmax - onehot) * w_i for indices, times g (and / denom for 'mean').
    The softmax is kept in ``saved`` for the VJP on raw data; a VJP that
    records a graph recomputes it from x so that it can be differentiated.
    """
    m = x.max(axis=1, keepdims=True)
    shifted = x - np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    saved["softmax"] = e / s
    lse = np.log(s)
    if index is not None:
        nll = lse[:, 0] - shifted[np.arange(x.shape[0]), index]
        if sample_weight is not None:
            nll = nll * sample_weight
    else:
        nll = (probs * (lse - shifted)).sum(axis=1)
    if reduction == "none":
        return nll
    total = nll.sum()
    return total / denom if reduction == "mean" else total


def _ce_slope(x, index, probs, sample_weight, saved):
    """d loss_i / d x_i for every row: softmax(x_i) * sum_c t_ic - t_i."""
    p = saved["softmax"] if isinstance(x, np.ndarray) else x.softmax(axis=1)
    if index is not None:
        onehot = np.zeros(x.shape, dtype=x.dtype)
        onehot[np.arange(x.shape[0]), index] = 1
        d = p - onehot
        if sample_weight is not None:
            d = d * sample_weight.reshape(-1, 1)
        return d
    return p * probs.sum(axis=1, keepdims=True) - probs


@_cross_entropy.defvjp
def _cross_entropy_vjp(g, ans, x, *, index, probs, sample_weight, denom, reduction, saved):
    d = _ce_slope(x, index, probs, sample_weight, saved)
    if reduction == "none":
        return (d * g.reshape((-1, 1)),)
    return (d * (g / denom if reduction == "mean" else g),)


@_cross_entropy.defjvp
def _cross_entropy_jvp(ts, ans, x, *, index, probs, sample_weight, denom, reduction, saved):
    rows = (_ce_slope(x, index, probs, sample_weight, saved) * ts[0]).sum(axis=1)
    if reduction == "none":
        return rows
    return rows.sum() / denom if reduction == "mean" else rows.sum()


@primitive("binary_cross_entropy", "bce", formula="bce({p}, target)",
           local=("({p} - target) / ({p} · (1 - {p}))",))
def _bce(p, *, target):
    """-(y log p + (1 - y) log(1 - p)), each log clamped at -100 as PyTorch, so p = 0 or 1
    gives a finite loss.  d/dp = (p - y) / max(p (1 - p), 1e-12)."""
    with np.errstate(divide="ignore"):
        lp = np.maximum(np.log(p), -100)
        lq = np.maximum(np.log1p(-p), -100)
    return -(target * lp + (1 - target) * lq)


@_bce.defvjp
def _bce_vjp(g, ans, p, *, target):
    return (g * (p - target) / (p * (1 - p)).clip(1e-12, None),)


@_bce.defjvp
def _bce_jvp(ts, ans, p, *, target):
    return _bce_vjp(ts[0], ans, p, target=target)[0]


@primitive("binary_cross_entropy_with_logits", "bce_logits", formula="bce_logits({x}, target)",
           local=(_bce_logits_local,))
def _bce_logits(x, *, target, pos_weight):
    """-(pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))) for logits x, computed as
    (1 - y) x + (1 + (pw - 1) y) (log(1 + e^-|x|) + max(-x, 0)): no exp overflows.
    d/dx = sigmoid(x) (1 + (pw - 1) y) - pw y, which is sigmoid(x) - y for pw = 1."""
    softplus_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
    if pos_weight is None:
        return (1 - target) * x + softplus_neg
    return (1 - target) * x + (1 + (pos_weight - 1) * target) * softplus_neg


@_bce_logits.defvjp
def _bce_logits_vjp(g, ans, x, *, target, pos_weight):
    s = B.sigmoid(x)
    if pos_weight is None:
        return (g * (s - target),)
    return (g * (s * (1 + (pos_weight - 1) * target) - pos_weight * target),)


@_bce_logits.defjvp
def _bce_logits_jvp(ts, ans, x, *, target, pos_weight):
    # Elementwise, so the Jacobian is diagonal: J t is the VJP applied to t.
    return _bce_logits_vjp(ts[0], ans, x, target=target, pos_weight=pos_weight)[0]
