"""Adam: steps from bias-corrected running averages of the gradient and its square.

For a parameter x with gradient g at step t = 1, 2, ... (PyTorch's order;
m is ``state["exp_avg"]``, v is ``state["exp_avg_sq"]``, both starting at 0,
and v_max is ``state["max_exp_avg_sq"]`` with amsgrad):

    g     = -g                                 if maximize
    x     = x * (1 - lr * weight_decay)        if decoupled_weight_decay (AdamW)
    g     = g + weight_decay * x               otherwise, if weight_decay != 0
    m     = beta1 * m + (1 - beta1) * g
    v     = beta2 * v + (1 - beta2) * g * g
    bias_correction1 = 1 - beta1^t
    bias_correction2 = 1 - beta2^t
    step_size = lr / bias_correction1
    v_max = max(v_max, v)                      if amsgrad (then v_max replaces v below)
    denom = sqrt(v) / sqrt(bias_correction2) + eps
    x     = x - step_size * m / denom

So eps is added after the bias-corrected square root, as in the paper and
PyTorch. Kingma & Ba (2015), "Adam: a method for stochastic optimization";
amsgrad: Reddi, Kale & Kumar (2018), "On the convergence of Adam and beyond".

>>> from autograd import Value
>>> from optim import Adam
>>> x = Value(3.0)
>>> opt = Adam([x], lr=0.1)
>>> for _ in range(3):
...     opt.zero_grad()
...     (x * x).backward()
...     opt.step()
>>> round(x.data, 4)
2.7004
"""
from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, ParamsT, maximum_, sqrt, zeros_like


class Adam(Optimizer):
    """Adaptive moment estimation, with optional AMSGrad and decoupled weight decay."""

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(
                f"{type(self).__name__}: betas must be a pair (beta1, beta2), got {betas!r}"
            )
        for i, beta in enumerate(betas):
            self._check(f"betas[{i}]", beta, lambda v: 0 <= v < 1, "in [0, 1)")
        self._check("eps", group["eps"], lambda v: v >= 0, "a number >= 0")
        self._check("weight_decay", group["weight_decay"], lambda v: v >= 0, "a number >= 0")

    def _update(self, x: Any, g: Any, state: dict[str, Any], group: dict[str, Any],
                note: Any) -> Any:
        if not state:
            state["step"] = 0
            state["exp_avg"] = zeros_like(x)
            state["exp_avg_sq"] = zeros_like(x)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(x)
        state["step"] += 1
        t = state["step"]
        lr, wd = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                x *= 1 - lr * wd
            else:
                g = g + wd * x
        m = state["exp_avg"]
        m *= beta1
        m += (1 - beta1) * g
        state["exp_avg"] = m
        v = state["exp_avg_sq"]
        v *= beta2
        v += (1 - beta2) * g * g
        state["exp_avg_sq"] = v
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        step_size = lr / bias_correction1
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = maximum_(state["max_exp_avg_sq"], v)
        denom = sqrt(v)
        denom /= bias_correction2 ** 0.5
        denom += group["eps"]
        note["bias_correction1"] = bias_correction1
        note["bias_correction2"] = bias_correction2
        note["step_size"] = step_size
        note["denom"] = denom
        x -= step_size * m / denom
        return x
