"""AdamW: Adam with weight decay decoupled from the gradient.

Weight decay shrinks the parameter directly instead of being added to the
gradient, so it is not rescaled by Adam's per-coordinate denominators. For a
parameter x with gradient g at step t = 1, 2, ... (PyTorch's order; the
update is Adam's, see :mod:`optim.adam`, with this decay first):

    g     = -g                                 if maximize
    x     = x * (1 - lr * weight_decay)
    m     = beta1 * m + (1 - beta1) * g
    v     = beta2 * v + (1 - beta2) * g * g
    step_size = lr / (1 - beta1^t)
    v_max = max(v_max, v)                      if amsgrad (then v_max replaces v below)
    denom = sqrt(v) / sqrt(1 - beta2^t) + eps
    x     = x - step_size * m / denom

Loshchilov & Hutter (2019), "Decoupled weight decay regularization".

>>> from autograd import Value
>>> from optim import AdamW
>>> x = Value(3.0)
>>> opt = AdamW([x], lr=0.1, weight_decay=0.5)
>>> for _ in range(3):
...     opt.zero_grad()
...     (x * x).backward()
...     opt.step()
>>> round(x.data, 4)
2.2881
"""
from __future__ import annotations

from .adam import Adam
from .optimizer import ParamsT


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2), as ``torch.optim.AdamW``."""

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)
