"""Layers: ``Linear``, ``Sequential``, ``MLP``, ``Dropout``, ``BatchNorm1d``,
``BatchNorm2d``, ``Flatten``, ``Identity`` (convolution and pooling: :mod:`nn.conv`).

Shapes, parameter names and defaults are PyTorch's, so weights move between
the two with ``state_dict`` (``Linear.weight`` is ``(out_features, in_features)``).

>>> import numpy as np
>>> from autograd import Tensor
>>> from nn import MLP
>>> model = MLP(2, [8, 8, 1], activation="tanh", rng=0)
>>> model(Tensor(np.zeros((5, 2), dtype=np.float32))).shape
(5, 1)
>>> [name for name, _ in model.named_parameters()][:2]
['0.weight', '0.bias']
"""
from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any, Iterator, Sequence

import numpy as np

from autograd import Tensor
from autograd import ops
from autograd.creation import generator
from autograd.node import apply
from autograd.tensor import ShapeError

from . import functional as F
from .activations import ACTIVATIONS
from .init import init_linear
from .module import Module, Parameter


class Identity(Module):
    """Returns its input."""

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """Merge axes ``start_dim``..``end_dim`` (by default all but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Any) -> Tensor:
        return F.as_node(x).flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Linear(Module):
    """y = x @ weight.T + bias, for x of shape (..., in_features).

    ``init=None`` is PyTorch's default: weight and bias from
    U(-1/sqrt(in_features), 1/sqrt(in_features)). A name such as
    ``"he_uniform"`` or ``"glorot_normal"`` (see :mod:`nn.init`) or a callable
    ``fn(weight, rng=...)`` initialises the weight instead, with a zero bias.
    ``rng`` (a Generator or an int seed) makes it reproducible; without one the
    weights come from the default generator (see :func:`autograd.manual_seed`).

    >>> from autograd import Tensor
    >>> layer = Linear(3, 2, rng=0)
    >>> layer.weight.shape, layer.bias.shape, layer(Tensor([[1.0, 2.0, 3.0]])).shape
    ((2, 3), (2,), (1, 2))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: Any = None, rng: Any = None, dtype: Any = np.float32) -> None:
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: feature counts must be >= 0, got in_features="
                             f"{in_features}, out_features={out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(np.zeros((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.zeros(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        init_linear(self.weight, self.bias, init, generator(rng))

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}): "
                f"expected input with {self.in_features} features in its last axis, got shape "
                f"{x.shape} ({x.shape[-1] if x.ndim else 'a scalar'})")
        if x.dtype.kind != "f":
            x = Tensor(x._data.astype(self.weight.dtype))
        bias = self.bias
        return apply(ops.linear, (x, self.weight) if bias is None else (x, self.weight, bias))

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules applied in order, registered as ``0``, ``1``, ... (or by the names of an
    OrderedDict), so ``state_dict`` keys match ``torch.nn.Sequential``'s.

    >>> from nn import Linear, ReLU
    >>> model = Sequential(Linear(2, 4, rng=0), ReLU(), Linear(4, 1, rng=0))
    >>> len(model), type(model[-1]).__name__, list(model.state_dict())[-1]
    (3, 'Linear', '2.bias')
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(str(name), _check_module(m, name))
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), _check_module(m, i))

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self._modules)), _check_module(module, len(self._modules)))
        return self

    def __getitem__(self, i: Any) -> Any:
        items = list(self._modules.items())
        if isinstance(i, slice):
            return Sequential(OrderedDict(items[i]))
        return items[i][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))


def _check_module(m: Any, where: Any) -> Module:
    if not isinstance(m, Module):
        raise TypeError(f"Sequential: item {where} is a {type(m).__name__}, expected a Module")
    return m


def _activation(spec: Any, what: str) -> Module:
    if isinstance(spec, str):
        if spec not in ACTIVATIONS:
            raise ValueError(f"MLP: unknown {what} {spec!r}; expected one of "
                             f"{', '.join(ACTIVATIONS)}, a Module or a Module class")
        return ACTIVATIONS[spec]()
    if isinstance(spec, type) and issubclass(spec, Module):
        return spec()
    if isinstance(spec, Module):
        return copy.deepcopy(spec)  # one instance per position, never shared
    raise TypeError(f"MLP: {what} must be a name, a Module or a Module class, got {spec!r}")


class MLP(Sequential):
    """A multilayer perceptron: ``Linear`` layers of the given sizes with an activation
    between them (not after the last unless ``output_activation`` is given).

    ``MLP(2, [16, 16, 1])`` is ``Sequential(Linear(2, 16), ReLU(), Linear(16, 16),
    ReLU(), Linear(16, 1))`` with the same state-dict keys. ``activation`` is
    ``"relu"``, ``"tanh"``, ``"sigmoid"``, ``"leaky_relu"``, a Module (copied
    per layer) or a Module class; ``init`` and ``rng`` are passed to each
    ``Linear`` (one generator for the whole model, so a seed fixes all of it).

    >>> MLP(3, [4, 2], output_activation="softmax")
    MLP(
      (0): Linear(in_features=3, out_features=4, bias=True)
      (1): ReLU()
      (2): Linear(in_features=4, out_features=2, bias=True)
      (3): Softmax(dim=-1)
    )  # 26 parameters
    """

    def __init__(self, n_in: int, sizes: Sequence[int], activation: Any = "relu",
                 output_activation: Any = None, init: Any = None, bias: bool = True,
                 rng: Any = None, dtype: Any = np.float32) -> None:
        if isinstance(sizes, (int, np.integer)):
            sizes = [int(sizes)]
        sizes = [int(s) for s in sizes]
        if not sizes:
            raise ValueError("MLP: sizes must list at least the output size, e.g. [16, 1]")
        g = generator(rng)
        layers: list[Module] = []
        fan_in = int(n_in)
        for i, n in enumerate(sizes):
            layers.append(Linear(fan_in, n, bias=bias, init=init, rng=g, dtype=dtype))
            if i < len(sizes) - 1:
                layers.append(_activation(activation, "activation"))
            fan_in = n
        if output_activation is not None:
            layers.append(_activation(output_activation, "output_activation"))
        super().__init__(*layers)
        self.n_in, self.sizes = int(n_in), sizes


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability ``p`` and
    scale the rest by 1/(1-p); in eval mode, the identity.

    ``rng`` (a Generator or an int seed) makes the masks reproducible; without one
    they come from the default generator (see :func:`autograd.manual_seed`).

    >>> from autograd import ones
    >>> drop = Dropout(0.25, rng=0)
    >>> [round(v, 3) for v in drop(ones(6)).data.tolist()]   # kept values scaled by 1/0.75
    [1.333, 1.333, 0.0, 0.0, 1.333, 1.333]
    >>> drop.eval()(ones(3)).data.tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, rng: Any = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = float(p)
        self.rng = generator(rng)

    def forward(self, x: Any) -> Any:
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(Module):
    """Batch normalisation over the channel axis of (N, C) or (N, C, L) inputs, as PyTorch.

    Training uses batch statistics (biased variance) and updates
    ``running_mean`` / ``running_var`` (unbiased variance) with ``momentum``
    (``None``: a cumulative average); eval mode uses the running statistics.
    ``affine`` adds ``weight`` (ones) and ``bias`` (zeros); with
    ``track_running_stats=False`` batch statistics are used in both modes.

    >>> from autograd import Tensor
    >>> bn = BatchNorm1d(2)
    >>> y = bn(Tensor([[1.0, 10.0], [3.0, 30.0]]))
    >>> bn.running_mean.data.tolist(), int(bn.num_batches_tracked.item())
    ([0.20000000298023224, 2.0], 1)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data = np.zeros_like(self.running_mean.data)
            self.running_var.data = np.ones_like(self.running_var.data)
            self.num_batches_tracked.data = np.array(0, dtype=np.int64)

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm1d({self.num_features}): expected input of shape "
                             f"(N, {self.num_features}) or (N, {self.num_features}, L), got "
                             f"{x.shape}")

    def forward(self, x: Any) -> Tensor:
        x = F.as_node(x)
        self._check_input(x)
        momentum = self.momentum
        use_batch = self.training or not self.track_running_stats
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data = self.num_batches_tracked.data + 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.item())
        stats = (self.running_mean, self.running_var) if (
            self.track_running_stats and (self.training or not use_batch)) else (None, None)
        return F.batch_norm(x, stats[0], stats[1], self.weight, self.bias,
                            training=use_batch, momentum=momentum or 0.0, eps=self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm2d(BatchNorm1d):
    """Batch normalisation of each channel of (N, C, H, W) images, over N, H and W, as PyTorch.

    The same arguments, parameters and buffers as :class:`BatchNorm1d` (and as
    ``torch.nn.BatchNorm2d``, so state dicts move between them unchanged).

    >>> import numpy as np
    >>> from autograd import Tensor
    >>> bn = BatchNorm2d(2)
    >>> y = bn(Tensor(np.arange(16.0, dtype=np.float32).reshape(2, 2, 2, 2)))
    >>> [round(float(v), 4) for v in y.data.mean(axis=(0, 2, 3))]
    [0.0, 0.0]
    """

    def _check_input(self, x: Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm2d({self.num_features}): expected input of shape "
                             f"(N, {self.num_features}, H, W), got {x.shape}")
