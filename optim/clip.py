"""Gradient clipping: rescale all gradients to a maximum total norm, or clamp each value.

Call these between ``loss.backward()`` and ``optimizer.step()``.

>>> import numpy as np
>>> from autograd import Tensor
>>> from optim import clip_grad_norm_
>>> w = Tensor(np.array([0.0, 0.0]), requires_grad=True)
>>> w.grad = np.array([3.0, 4.0])
>>> clip_grad_norm_([w], max_norm=1.0)
5.0
>>> w.grad.round(6)
array([0.6, 0.8])
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd import Node

from .optimizer import clip

ParamOrParams = Node | Iterable[Node]


def _params(parameters: ParamOrParams) -> list[Node]:
    return [parameters] if isinstance(parameters, Node) else list(parameters)


def clip_grad_norm_(parameters: ParamOrParams, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    """Scale gradients in place so that their total norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all gradients taken together
    (as if concatenated into one vector; ``inf`` for the largest absolute
    value). Every gradient is multiplied by min(1, max_norm / (total + 1e-6)),
    as ``torch.nn.utils.clip_grad_norm_`` does. Parameters whose grad is None
    are left alone. Returns the total norm before clipping, as a float.
    """
    grads = [p for p in _params(parameters) if p.grad is not None]
    if not grads:
        return 0.0
    norm_type = float(norm_type)
    norms = [np.linalg.norm(np.ravel(p.grad), ord=norm_type) for p in grads]
    total = np.linalg.norm(np.asarray(norms), ord=norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total {norm_type}-norm of the gradients is {float(total)}, "
            "not finite, so they cannot be rescaled; pass error_if_nonfinite=False to "
            "clip anyway"
        )
    # Computed in the gradients' dtype; as a Python float it multiplies float32
    # arrays without promoting them, and keeps a Value's grad a float.
    coef = float(min(max_norm / (total + 1e-6), 1.0))
    for p in grads:
        g = p.grad
        g *= coef
        p.grad = g
    return float(total)


def clip_grad_value_(parameters: ParamOrParams, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    c = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            p.grad = clip(p.grad, -c, c, out=p.grad)
