"""Optimizers by name: ``get_optimizer("adam", params, lr=0.01)``, as Keras takes
``optimizer="adam"``.

Names are the classes' own in any case (``"Adam"``, ``"adam"``, ``"SGD"``,
``"RMSprop"``). Without ``lr`` each rule keeps its own default, which is
PyTorch's (``SGD``: 1e-3, where Keras's is 0.01; ``Adam``: 1e-3, as Keras).

>>> from autograd import Tensor
>>> w = Tensor([1.0], requires_grad=True)
>>> opt = get_optimizer("Adam", [w], lr=0.05)
>>> type(opt).__name__, opt.param_groups[0]["lr"]
('Adam', 0.05)
"""
from __future__ import annotations

from typing import Any

from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .ftrl import FTRL
from .optimizer import Optimizer, ParamsT
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["OPTIMIZERS", "get_optimizer"]

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "adadelta": Adadelta, "adagrad": Adagrad, "adam": Adam, "adamw": AdamW, "ftrl": FTRL,
    "rmsprop": RMSprop, "sgd": SGD,
}


def get_optimizer(name: str, params: ParamsT, lr: float | None = None,
                  **options: Any) -> Optimizer:
    """A new optimizer of the rule called ``name`` over ``params``; ``lr`` (when given) and
    ``options`` go to its constructor (FTRL's ``learning_rate`` is set by ``lr`` too)."""
    if not isinstance(name, str):
        raise TypeError(f"get_optimizer: expected a name such as 'adam', got "
                        f"{type(name).__name__}")
    cls = OPTIMIZERS.get(name.lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; expected one of "
                         f"{', '.join(sorted(OPTIMIZERS))} (in any case), or an Optimizer")
    if lr is not None:
        options["learning_rate" if cls is FTRL else "lr"] = lr
    return cls(params, **options)
