"""RMSprop: divide the gradient by a running root-mean-square of recent gradients.

For a parameter x with gradient g (PyTorch's order; v is
``state["square_avg"]``, m is ``state["grad_avg"]`` (centered only), b is
``state["momentum_buffer"]`` (momentum > 0 only), all starting at 0):

    g   = -g                                   if maximize
    g   = g + weight_decay * x                 if weight_decay != 0
    v   = alpha * v + (1 - alpha) * g * g
    if centered:
        m   = alpha * m + (1 - alpha) * g
        avg = sqrt(v - m * m) + eps
    else:
        avg = sqrt(v) + eps
    if momentum > 0:
        b = momentum * b + g / avg
        x = x - lr * b
    else:
        x = x - lr * g / avg

eps is added after the square root. Hinton, Srivastava & Swersky, "Neural
networks for machine learning", lecture 6e; centered form: Graves (2013).

>>> from autograd import Value
>>> from optim import RMSprop
>>> x = Value(3.0)
>>> opt = RMSprop([x], lr=0.1)
>>> for _ in range(3):
...     opt.zero_grad()
...     (x * x).backward()
...     opt.step()
>>> round(x.data, 4)
1.069
"""
from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, ParamsT, sqrt, zeros_like


class RMSprop(Optimizer):
    """Gradient scaled by a running RMS, optionally centered and with momentum."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._check("alpha", group["alpha"], lambda v: 0 <= v <= 1, "in [0, 1]")
        for key in ("eps", "weight_decay", "momentum"):
            self._check(key, group[key], lambda v: v >= 0, "a number >= 0")

    def _update(self, x: Any, g: Any, state: dict[str, Any], group: dict[str, Any],
                note: Any) -> Any:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = zeros_like(x)
            if momentum > 0:
                state["momentum_buffer"] = zeros_like(x)
            if group["centered"]:
                state["grad_avg"] = zeros_like(x)
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * x
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * g * g
        state["square_avg"] = v
        if group["centered"]:
            m = state["grad_avg"]
            m *= alpha
            m += (1 - alpha) * g
            state["grad_avg"] = m
            avg = sqrt(v - m * m)
        else:
            avg = sqrt(v)
        avg += group["eps"]
        note["avg"] = avg
        if momentum > 0:
            b = state["momentum_buffer"]
            b *= momentum
            b += g / avg
            state["momentum_buffer"] = b
            x -= group["lr"] * b
        else:
            x -= group["lr"] * g / avg
        return x
