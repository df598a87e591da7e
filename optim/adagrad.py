"""Adagrad: each coordinate's step shrinks with the sum of its squared gradients.

For a parameter x with gradient g at step t = 1, 2, ... (PyTorch's order;
s is ``state["sum"]``, starting at initial_accumulator_value):

    g   = -g                                   if maximize
    g   = g + weight_decay * x                 if weight_decay != 0
    clr = lr / (1 + (t - 1) * lr_decay)
    s   = s + g * g
    std = sqrt(s) + eps
    x   = x - clr * g / std

Duchi, Hazan & Singer (2011), "Adaptive subgradient methods for online
learning and stochastic optimization".

>>> from autograd import Value
>>> from optim import Adagrad
>>> x = Value(3.0)
>>> opt = Adagrad([x], lr=0.5)
>>> for _ in range(3):
...     opt.zero_grad()
...     (x * x).backward()
...     opt.step()
>>> round(x.data, 4)
1.9362
"""
from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, ParamsT, full_like, sqrt


class Adagrad(Optimizer):
    """Adaptive per-coordinate learning rates from accumulated squared gradients."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            self._check(key, group[key], lambda v: v >= 0, "a number >= 0")

    def _update(self, x: Any, g: Any, state: dict[str, Any], group: dict[str, Any],
                note: Any) -> Any:
        if not state:
            state["step"] = 0
            state["sum"] = full_like(x, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * x
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"]
        s += g * g
        state["sum"] = s
        std = sqrt(s)
        std += group["eps"]
        note["clr"] = clr
        note["std"] = std
        x -= clr * g / std
        return x
