"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay.

For a parameter x with gradient g (PyTorch's order; b is
``state["momentum_buffer"]``):

    g = -g                                     if maximize
    g = g + weight_decay * x                   if weight_decay != 0
    if momentum != 0:
        b = g                                  on the first step
        b = momentum * b + (1 - dampening) * g on later steps
        d = g + momentum * b                   if nesterov
        d = b                                  otherwise
    else:
        d = g
    x = x - lr * d

>>> from autograd import Value
>>> from optim import SGD
>>> x = Value(3.0)
>>> opt = SGD([x], lr=0.1, momentum=0.9)
>>> for _ in range(3):
...     opt.zero_grad()
...     (x * x).backward()        # d(x^2)/dx = 2x
...     opt.step()
>>> round(x.data, 4)
0.186
"""
from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, ParamsT, copy_of


class SGD(Optimizer):
    """Gradient descent: plain, with (Nesterov) momentum, dampening and weight decay.

    Nesterov momentum needs ``momentum > 0`` and ``dampening == 0``.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False,
                 *, maximize: bool = False) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._check("momentum", group["momentum"], lambda v: v >= 0, "a number >= 0")
        self._check("dampening", group["dampening"], lambda v: True, "a number")
        self._check("weight_decay", group["weight_decay"], lambda v: v >= 0, "a number >= 0")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "SGD: nesterov=True needs momentum > 0 and dampening == 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _update(self, x: Any, g: Any, state: dict[str, Any], group: dict[str, Any],
                note: Any) -> Any:
        momentum, dampening = group["momentum"], group["dampening"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * x
        if momentum != 0:
            b = state.get("momentum_buffer")
            if b is None:
                b = copy_of(g)  # the buffer is updated in place, so it must not be .grad
            else:
                b *= momentum
                b += g if dampening == 0 else (1 - dampening) * g
            state["momentum_buffer"] = b
            g = g + momentum * b if group["nesterov"] else b
        note["direction"] = g
        x -= group["lr"] * g
        return x
