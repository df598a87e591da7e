"""Adadelta: steps scaled by the ratio of running RMS of updates and of gradients.

For a parameter x with gradient g (PyTorch's order; v is
``state["square_avg"]``, u is ``state["acc_delta"]``, both starting at 0):

    g     = -g                                 if maximize
    g     = g + weight_decay * x               if weight_decay != 0
    v     = rho * v + (1 - rho) * g * g
    std   = sqrt(v + eps)
    delta = sqrt(u + eps) / std * g            (u from before this step)
    u     = rho * u + (1 - rho) * delta * delta
    x     = x - lr * delta

Zeiler (2012), "ADADELTA: an adaptive learning rate method".

>>> from autograd import Value
>>> from optim import Adadelta
>>> x = Value(3.0)
>>> opt = Adadelta([x], lr=1.0)
>>> for _ in range(3):
...     opt.zero_grad()
...     (x * x).backward()
...     opt.step()
>>> round(x.data, 6)
2.990298
"""
from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, ParamsT, sqrt, zeros_like


class Adadelta(Optimizer):
    """Learning rates from running averages of squared gradients and squared updates."""

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._check("rho", group["rho"], lambda v: 0 <= v <= 1, "in [0, 1]")
        self._check("eps", group["eps"], lambda v: v >= 0, "a number >= 0")
        self._check("weight_decay", group["weight_decay"], lambda v: v >= 0, "a number >= 0")

    def _update(self, x: Any, g: Any, state: dict[str, Any], group: dict[str, Any],
                note: Any) -> Any:
        if not state:
            state["step"] = 0
            state["square_avg"] = zeros_like(x)
            state["acc_delta"] = zeros_like(x)
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * x
        v = state["square_avg"]
        v *= rho
        v += (1 - rho) * g * g
        state["square_avg"] = v
        std = sqrt(v + eps)
        u = state["acc_delta"]
        delta = sqrt(u + eps)
        delta /= std
        delta *= g
        u *= rho
        u += (1 - rho) * delta * delta
        state["acc_delta"] = u
        note["std"] = std
        note["delta"] = delta
        x -= group["lr"] * delta
        return x
