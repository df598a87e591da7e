"""Activation functions as modules, for ``Sequential`` and ``MLP``.

They work on Tensors and, except the softmaxes, on scalar Values too.

>>> from autograd import Tensor
>>> from nn import Sequential, ReLU, Tanh
>>> [round(v, 4) for v in Sequential(ReLU(), Tanh())(Tensor([-1.0, 0.5])).data.tolist()]
[0.0, 0.4621]
"""
from __future__ import annotations

from typing import Any

from . import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, x: Any) -> Any:
        return F.relu(x)


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, x: Any) -> Any:
        return F.sigmoid(x)


class Tanh(Module):
    """Hyperbolic tangent."""

    def forward(self, x: Any) -> Any:
        return F.tanh(x)


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Any:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """Softmax along ``dim`` (default: the last axis); ``axis=`` is accepted as well
    (Keras's and NumPy's name).

    >>> from autograd import Tensor
    >>> Softmax(axis=0).dim, Softmax(dim=0)(Tensor([0.0, 0.0])).data.tolist()
    (0, [0.5, 0.5])
    """

    def __init__(self, dim: int | None = None, *, axis: int | None = None) -> None:
        super().__init__()
        if dim is not None and axis is not None and dim != axis:
            raise ValueError(f"{type(self).__name__}: got dim={dim} and axis={axis}; give one")
        self.dim = dim if dim is not None else axis if axis is not None else -1

    def forward(self, x: Any) -> Any:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim`` (or ``axis``), stable for large inputs."""

    def forward(self, x: Any) -> Any:
        return F.log_softmax(x, self.dim)


ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU,
    "softmax": Softmax, "log_softmax": LogSoftmax,
}
