"""Guard-rails: warnings about likely mistakes, and the checks that raise them.

``fit`` checks the optimizer before training, and the targets and gradients
after the first step. The losses check where their input comes from: a
cross-entropy that gets the output of a softmax applies softmax twice (it
applies ``log_softmax`` itself), which trains slowly and stalls without an
error, the most common silent mistake when moving from Keras (whose
``Dense(10, activation="softmax")`` is meant for a probability loss). Each
warning is shown once per place in the code, as Python shows warnings.

>>> import warnings
>>> import nn
>>> from autograd import Tensor
>>> model = nn.Sequential(nn.Linear(4, 3, rng=0), nn.Softmax(dim=1))
>>> x = Tensor([[1.0, 2.0, 3.0, 4.0]])
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     loss = nn.CrossEntropyLoss()(model(x), [2])
>>> caught[0].category.__name__, "Remove the final Softmax" in str(caught[0].message)
('LossInputWarning', True)
"""
from __future__ import annotations

import os
import sys
import warnings
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))

__all__ = [
    "LossInputWarning", "NoGradientWarning", "NonFiniteLossWarning", "NotOptimizedWarning",
    "TargetShapeWarning", "TrainingWarning", "check_gradients", "check_loss_input",
    "check_optimizer", "check_target_shape",
]


class TrainingWarning(UserWarning):
    """A likely mistake noticed while training (the base of the warnings below)."""


class NoGradientWarning(TrainingWarning):
    """Parameters that got no gradient: they will never be trained."""


class NonFiniteLossWarning(TrainingWarning):
    """The loss became NaN or infinite; training stopped."""


class NotOptimizedWarning(TrainingWarning):
    """Model parameters that the optimizer does not update."""


class TargetShapeWarning(TrainingWarning):
    """Outputs of shape (n, 1) against targets of shape (n,): a loss would broadcast them."""


class LossInputWarning(TrainingWarning):
    """A loss got the output of an activation that it applies itself (softmax or sigmoid
    twice), or the wrong one (probabilities where log-probabilities are expected)."""


# What each loss must not be given, by the rule that made its input: (rule, advice).
_BAD_INPUTS = {
    "cross_entropy": ("softmax", "cross_entropy applies log_softmax itself, so the outputs are "
                      "softmaxed twice and training stalls. Remove the final Softmax layer (the "
                      "loss takes logits), or keep it and use nll_loss on a LogSoftmax output"),
    "nll_loss": ("softmax", "nll_loss expects log-probabilities. Replace the final Softmax by "
                 "LogSoftmax, or remove it and use cross_entropy on the logits"),
    "binary_cross_entropy_with_logits": (
        "sigmoid", "binary_cross_entropy_with_logits applies the sigmoid itself, so the outputs "
        "go through it twice. Remove the final Sigmoid layer, or keep it and use "
        "binary_cross_entropy (BCELoss) on the probabilities"),
}


def check_loss_input(x: Any, loss: str) -> None:
    """Warn (:class:`LossInputWarning`) when ``x`` was made by an activation ``loss`` applies
    itself; only the node's rule is read, so this costs nothing measurable."""
    rule = getattr(x, "_rule", None)
    bad, advice = _BAD_INPUTS[loss]
    if rule is not None and rule.name == bad:
        warnings.warn(f"{loss}: its input is the output of a {bad}; {advice}.",
                      LossInputWarning, stacklevel=_first_frame_outside_nn())


def _in_nn(filename: str) -> bool:
    return os.path.dirname(os.path.abspath(filename)) == _HERE


def _first_frame_outside_nn() -> int:
    """The stacklevel of the caller's code (the line of a loop or a ``fit`` call), so the
    warning points there and is shown once per place, whatever nn calls lie in between."""
    frame, level = sys._getframe(1), 1
    while frame is not None and _in_nn(frame.f_code.co_filename):
        frame, level = frame.f_back, level + 1
    return level


def check_optimizer(optimizer: Any, params: list[Any], names: list[str]) -> None:
    groups = getattr(optimizer, "param_groups", None)
    if groups is None:
        return
    held = {id(p) for g in groups for p in g["params"]}
    missing = [n for n, p in zip(names, params) if id(p) not in held]
    if missing:
        warnings.warn(
            f"fit: the optimizer does not update {len(missing)} of the model's parameters "
            f"({', '.join(missing)}); build it from model.parameters()",
            NotOptimizedWarning, stacklevel=3)


def check_gradients(params: list[Any], names: list[str]) -> None:
    frozen = [n for n, p in zip(names, params) if p.grad is None and not p.requires_grad]
    cut = [n for n, p in zip(names, params) if p.grad is None and p.requires_grad]
    if not frozen and not cut:
        return
    parts = []
    if frozen:
        parts.append(f"requires_grad is False for {', '.join(frozen)} (a forgotten "
                     "requires_grad=True, unless the layer is frozen on purpose)")
    if cut:
        parts.append(f"backward from the loss does not reach {', '.join(cut)} (a detached "
                     "branch: .detach(), .data or NumPy inside forward, or a layer forward "
                     "never uses)")
    warnings.warn(
        f"fit: {len(frozen) + len(cut)} parameter(s) received no gradient in the first step "
        f"and will not be trained: {'; '.join(parts)}", NoGradientWarning, stacklevel=3)


def check_target_shape(out: Any, target: Any) -> None:
    o, t = tuple(out.shape), tuple(target.shape)
    if o == t or target.dtype.kind != "f":
        return
    if (o[:-1] == t and o[-1:] == (1,)) or (t[:-1] == o and t[-1:] == (1,)):
        warnings.warn(
            f"fit: the model's output has shape {o} but the targets have shape {t}; a loss "
            "that broadcasts them compares every output with every target. Give targets "
            "the output's shape, e.g. y.reshape(-1, 1)", TargetShapeWarning, stacklevel=3)
