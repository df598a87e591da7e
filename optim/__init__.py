"""chainrule's optimizers: update rules for ``Tensor`` and ``Value`` parameters.

PyTorch's shapes and names: an optimizer takes parameters (or param-group
dicts), ``zero_grad()`` clears gradients, ``step()`` updates, and
``state_dict()`` / ``load_state_dict()`` save and resume. Every optimizer
also has ``explain_step()``, which shows what the next step will do.

>>> from autograd import Value
>>> from optim import Adam
>>> x, y = Value(1.0), Value(-1.0)
>>> opt = Adam([x, y], lr=0.1)
>>> for _ in range(200):
...     opt.zero_grad()
...     loss = (x - 3) ** 2 + (y + 2) ** 2
...     loss.backward()
...     opt.step()
>>> round(x.data, 2), round(y.data, 2)
(3.0, -2.0)
"""
from __future__ import annotations

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .clip import clip_grad_norm_, clip_grad_value_
from .ftrl import FTRL
from .optimizer import Optimizer, ParamStep, StepExplanation
from .registry import OPTIMIZERS, get_optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "FTRL", "OPTIMIZERS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer",
    "ParamStep", "RMSprop", "StepExplanation", "clip_grad_norm_", "clip_grad_value_",
    "get_optimizer", "lr_scheduler",
]
