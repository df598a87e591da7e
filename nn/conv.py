"""Convolution and pooling layers: ``Conv2d``, ``MaxPool2d``, ``AvgPool2d``.

Arguments, parameter names, layouts and defaults are PyTorch's: ``Conv2d``'s
``weight`` is (out_channels, in_channels / groups, kH, kW) and its ``bias``
(out_channels,), so ``state_dict`` moves to and from ``torch.nn.Conv2d``
unchanged. Inputs are (N, C, H, W) batches. An input that does not fit raises
:class:`autograd.ShapeError` naming the layer with its settings and the shapes.

LeNet-5 for 28x28 digits, conv-pool-conv-pool-dense:

>>> import numpy as np
>>> from autograd import Tensor
>>> from nn import Flatten, Linear, ReLU, Sequential
>>> lenet = Sequential(Conv2d(1, 6, 5, padding=2, rng=0), ReLU(), MaxPool2d(2),
...                    Conv2d(6, 16, 5, rng=0), ReLU(), MaxPool2d(2), Flatten(),
...                    Linear(400, 120, rng=0), ReLU(), Linear(120, 84, rng=0), ReLU(),
...                    Linear(84, 10, rng=0))
>>> lenet(Tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))).shape
(2, 10)
>>> lenet[0]
Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))  # 156 parameters
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor
from autograd.creation import generator

from .conv_functional import avg_pool, conv_padding, convolve, max_pool, pair
from .init import init_linear
from .module import Module, Parameter

__all__ = ["AvgPool2d", "Conv2d", "MaxPool2d"]


class Conv2d(Module):
    """2-D convolution (cross-correlation) of (N, in_channels, H, W) images.

    y[n, o] = bias[o] + sum over c and the kernel of weight[o, c] * x[n, c] (each
    window), computed as im2col and one matmul per image (see :mod:`autograd.conv_ops`).
    ``padding`` is an int, a pair, ``"valid"`` (0) or ``"same"`` (stride 1);
    ``groups`` splits the channels into independent convolutions. The output
    must fit exactly: (H + 2 padding - dilation (kernel - 1) - 1) must be a
    multiple of the stride, or the layer says which rows would be left out.

    ``init=None`` is PyTorch's default: weight and bias from U(-1/sqrt(fan_in),
    1/sqrt(fan_in)) with fan_in = in_channels / groups * kH * kW. A name such
    as ``"he_normal"`` or ``"glorot_uniform"`` (see :mod:`nn.init`, which uses
    the same fan_in) or a callable ``fn(weight, rng=...)`` initialises the
    weight instead, with a zero bias. ``rng`` (a Generator or an int seed)
    makes it reproducible.

    >>> import numpy as np
    >>> from autograd import Tensor
    >>> conv = Conv2d(3, 8, kernel_size=3, padding="same", init="he_normal", rng=0)
    >>> conv(Tensor(np.ones((2, 3, 10, 10), dtype=np.float32))).shape
    (2, 8, 10, 10)
    >>> [name for name, _ in conv.named_parameters()]
    ['weight', 'bias']
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", init: Any = None, rng: Any = None,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        who = "Conv2d"
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{who}: {name} must be a positive int, got {v!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{who}: groups={groups} must divide both in_channels="
                             f"{in_channels} and out_channels={out_channels}")
        if padding_mode != "zeros":
            raise ValueError(f"{who}: only padding_mode='zeros' is supported, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size", who, 1)
        self.stride = pair(stride, "stride", who, 1)
        self.dilation = pair(dilation, "dilation", who, 1)
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding", who, 0)
        self._pad = conv_padding(padding, self.kernel_size, self.dilation, self.stride, who)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.zeros(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.zeros(self.out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        init_linear(self.weight, self.bias, init, generator(rng))

    def forward(self, x: Any) -> Tensor:
        return convolve(x, self.weight, self.bias, self.stride, self._pad, self.dilation,
                        self.groups, f"Conv2d({self.extra_repr()})")

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding!r}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class MaxPool2d(Module):
    """The largest element of each window of (N, C, H, W) or (C, H, W) inputs.

    ``stride`` defaults to ``kernel_size``; padding counts as -inf and is at
    most half a (dilated) window. The number of windows is rounded down, as in
    PyTorch. Where elements of a window tie for the max, the gradient is split
    evenly among them (the tie rule of ``Tensor.max``).

    >>> from autograd import Tensor
    >>> MaxPool2d(2)(Tensor([[[1.0, 2.0], [3.0, 4.0]]])).data.tolist()
    [[[4.0]]]
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        who = "MaxPool2d"
        if return_indices:
            raise ValueError(f"{who}: return_indices=True is not supported")
        if ceil_mode:
            raise ValueError(f"{who}: ceil_mode=True is not supported; pad the input instead")
        self.kernel_size = pair(kernel_size, "kernel_size", who, 1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", who, 1)
        self.padding = pair(padding, "padding", who, 0)
        self.dilation = pair(dilation, "dilation", who, 1)
        self.return_indices, self.ceil_mode = False, False

    def forward(self, x: Any) -> Tensor:
        return max_pool(x, self.kernel_size, self.stride, self.padding, self.dilation, False,
                        False, f"MaxPool2d({self.extra_repr()})")

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode=False")


class AvgPool2d(Module):
    """The mean of each window of (N, C, H, W) or (C, H, W) inputs.

    ``stride`` defaults to ``kernel_size``. With padding, ``count_include_pad``
    (PyTorch's default True) divides by the whole window, else by the number
    of input elements in it; ``divisor_override`` divides by a fixed number.

    >>> from autograd import Tensor
    >>> AvgPool2d(2)(Tensor([[[1.0, 2.0], [3.0, 6.0]]])).data.tolist()
    [[[3.0]]]
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        who = "AvgPool2d"
        if ceil_mode:
            raise ValueError(f"{who}: ceil_mode=True is not supported; pad the input instead")
        self.kernel_size = pair(kernel_size, "kernel_size", who, 1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", who, 1)
        self.padding = pair(padding, "padding", who, 0)
        self.ceil_mode = False
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x: Any) -> Tensor:
        return avg_pool(x, self.kernel_size, self.stride, self.padding, False,
                        self.count_include_pad, self.divisor_override,
                        f"AvgPool2d({self.extra_repr()})")

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        if not self.count_include_pad:
            s += ", count_include_pad=False"
        if self.divisor_override is not None:
            s += f", divisor_override={self.divisor_override}"
        return s
