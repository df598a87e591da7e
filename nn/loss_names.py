"""Losses by name, for ``fit(model, "mse", "adam", ...)`` as Keras takes ``loss="mse"``.

The names are the functions' own (``"cross_entropy"``, ``"mse_loss"``), their
short forms (``"mse"``, ``"bce"``) and Keras's spellings where Keras means the
same thing (``"mean_squared_error"``, ``"binary_crossentropy"`` on
probabilities). Every loss here takes what its function takes: ``cross_entropy``
takes logits, so a model for it ends without a softmax. Keras's
``"categorical_crossentropy"`` and ``"sparse_categorical_crossentropy"`` take
probabilities by default, so they are refused with an error that says so.

>>> get_loss("mse") is mse_loss, get_loss("Binary_CrossEntropy") is binary_cross_entropy
(True, True)
"""
from __future__ import annotations

from typing import Any, Callable

from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                     hinge_loss, l1_loss, mse_loss, nll_loss, perceptron_loss, soft_dice_loss,
                     soft_jaccard_loss)

__all__ = ["LOSSES", "get_loss"]

LOSSES: dict[str, Callable[..., Any]] = {
    "mse": mse_loss, "mse_loss": mse_loss, "mean_squared_error": mse_loss,
    "l1": l1_loss, "l1_loss": l1_loss, "mae": l1_loss, "mean_absolute_error": l1_loss,
    "cross_entropy": cross_entropy,
    "nll": nll_loss, "nll_loss": nll_loss,
    "binary_cross_entropy": binary_cross_entropy, "bce": binary_cross_entropy,
    "binary_crossentropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "bce_with_logits": binary_cross_entropy_with_logits,
    "hinge": hinge_loss, "hinge_loss": hinge_loss,
    "perceptron": perceptron_loss, "perceptron_loss": perceptron_loss,
    "soft_dice": soft_dice_loss, "soft_dice_loss": soft_dice_loss,
    "soft_jaccard": soft_jaccard_loss, "soft_jaccard_loss": soft_jaccard_loss,
}

_KERAS_ON_PROBABILITIES = ("categorical_crossentropy", "sparse_categorical_crossentropy")


def get_loss(loss: str | Callable[..., Any]) -> Callable[..., Any]:
    """The loss function named ``loss`` (any case), or ``loss`` itself if it is callable.

    >>> get_loss("hinge").__name__
    'hinge_loss'
    """
    if callable(loss):
        return loss
    if not isinstance(loss, str):
        raise TypeError(f"loss: expected a loss module, a function or a name, got "
                        f"{type(loss).__name__}")
    key = loss.lower()
    if key in LOSSES:
        return LOSSES[key]
    if key in _KERAS_ON_PROBABILITIES:
        raise ValueError(
            f"loss {loss!r}: Keras's {loss} takes probabilities (a model ending in softmax); "
            "chainrule's cross-entropy takes logits: use loss='cross_entropy' (class indices or "
            "one-hot targets) and end the model without a Softmax layer")
    raise ValueError(f"unknown loss {loss!r}; expected a loss module, a function, or one of "
                     f"the names {', '.join(sorted(LOSSES))}")
