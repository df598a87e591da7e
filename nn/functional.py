"""Stateless network functions: activations, ``linear``, ``dropout``, ``batch_norm``, losses,
convolution and pooling.

The losses live in :mod:`nn.losses` and convolution and pooling in
:mod:`nn.conv_functional`; both are re-exported here, so ``nn.functional``
is the one place to look them up, as ``torch.nn.functional``.

>>> import numpy as np
>>> from autograd import Tensor
>>> from nn import functional as F
>>> x = Tensor([[1.0, -2.0]], requires_grad=True)
>>> w = Tensor([[0.5, 0.5], [1.0, 0.0]], requires_grad=True)
>>> F.relu(F.linear(x, w, Tensor([0.0, 1.0])))
Tensor([[0., 2.]], requires_grad=True)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, no_grad
from autograd.creation import generator
from autograd.node import Node
from autograd.tensor import ShapeError
from autograd.tensor import linear as _linear

from .conv_functional import avg_pool2d, conv2d, fold, max_pool2d, unfold
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                     hinge_loss, l1_loss, mse_loss, nll_loss, perceptron_loss, soft_dice_loss,
                     soft_jaccard_loss)

__all__ = [
    "avg_pool2d", "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "conv2d", "cross_entropy", "dropout", "fold", "hinge_loss", "l1_loss", "leaky_relu", "linear",
    "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "perceptron_loss", "relu", "sigmoid",
    "soft_dice_loss", "soft_jaccard_loss", "softmax", "tanh", "unfold",
]


def as_node(x: Any) -> Any:
    """A Tensor or Value as is; anything array-like as a Tensor."""
    return x if isinstance(x, Node) else Tensor(x)


# ---------------------------------------------------------------- activations

def relu(x: Any) -> Any:
    """max(x, 0), elementwise (Tensor or Value)."""
    return as_node(x).relu()


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x), elementwise, without overflow."""
    return as_node(x).sigmoid()


def tanh(x: Any) -> Any:
    """Hyperbolic tangent, elementwise."""
    return as_node(x).tanh()


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """x where x > 0, else negative_slope * x."""
    return as_node(x).leaky_relu(negative_slope)


def softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis`` (PyTorch's ``dim`` accepted), stable for large x."""
    return as_node(x).softmax(axis if dim is None else dim)


def log_softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """x - logsumexp(x) along ``axis``, stable for large x.

    >>> from autograd import Tensor
    >>> log_softmax(Tensor([[1e4, 0.0]])).data.tolist()
    [[0.0, -10000.0]]
    """
    return as_node(x).log_softmax(axis if dim is None else dim)


# ---------------------------------------------------------------- linear

def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias for x of shape (..., in_features) and weight (out, in).

    One node of the engine's fused ``linear`` rule (see :mod:`autograd.ops`).

    >>> from autograd import Tensor
    >>> linear(Tensor([1.0, 2.0]), Tensor([[1.0, 1.0], [0.0, 3.0]])).data.tolist()
    [3.0, 6.0]
    """
    return _linear(as_node(x), weight, bias)


# ---------------------------------------------------------------- regularisation

def dropout(x: Any, p: float = 0.5, training: bool = True, rng: Any = None) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest
    by 1/(1-p), so the expected value is unchanged; the identity when not training.

    >>> from autograd import ones
    >>> y = dropout(ones(1000), p=0.5, rng=0)
    >>> sorted(set(y.data.tolist()))
    [0.0, 2.0]
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    x = as_node(x)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros(x.shape, dtype=x.dtype)
    keep = generator(rng).random(x.shape) >= p
    return x * (keep * (1.0 / (1.0 - p))).astype(x.dtype)


def batch_norm(x: Any, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (axis 1) of an (N, C), (N, C, L) or (N, C, H, W) input, as PyTorch.

    In training (or without running statistics) the batch mean and biased
    variance normalise; the running statistics, when given, move towards the
    batch mean and the unbiased variance: r <- (1 - momentum) r + momentum * stat.
    Otherwise the running statistics normalise.

    >>> from autograd import Tensor
    >>> y = batch_norm(Tensor([[1.0], [3.0]]), None, None, training=True)
    >>> [round(v, 3) for v in y.data.ravel().tolist()]
    [-1.0, 1.0]
    """
    x = as_node(x)
    if x.ndim not in (2, 3, 4):
        raise ShapeError(f"batch_norm: expected input of shape (N, C), (N, C, L) or "
                         f"(N, C, H, W), got {x.shape}")
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training or running_mean is None:
        n = x.size // max(x.shape[1], 1)
        if training and n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {x.shape}")
        mean = x.mean(axes, keepdims=True)
        d = x - mean
        var = (d * d).mean(axes, keepdims=True)
        if training and running_mean is not None:
            with no_grad():
                unbiased = var._data.reshape(-1) * (n / max(n - 1, 1))
                running_mean.copy_((1 - momentum) * running_mean._data
                                   + momentum * mean._data.reshape(-1))
                running_var.copy_((1 - momentum) * running_var._data + momentum * unbiased)
        out = d / (var + eps).sqrt()
    else:
        rm = running_mean._data.reshape(shape)
        scale = 1.0 / np.sqrt(running_var._data.reshape(shape) + eps)
        out = (x - rm.astype(x.dtype)) * scale.astype(x.dtype)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
