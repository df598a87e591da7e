"""Convolution and pooling as functions (NCHW), with PyTorch's names and arguments.

``conv2d``, ``max_pool2d``, ``avg_pool2d``, ``unfold`` (im2col) and ``fold``
(col2im) check their inputs and apply one rule each of :mod:`autograd.conv_ops`.
They are re-exported by :mod:`nn.functional`. Sizes, strides, paddings and
dilations are an int or an (height, width) pair.

A bad shape raises :class:`autograd.ShapeError` naming the caller (the
function, or the layer with its settings) and the shapes. A convolution
must fit its input exactly: when (H + 2 padding - dilation (kernel - 1) - 1)
is not a multiple of the stride, the last rows or columns would be read by no
window, which PyTorch drops silently and here is an error. Pooling follows
PyTorch and rounds the number of windows down.

>>> import numpy as np
>>> from autograd import Tensor
>>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
>>> conv2d(x, Tensor(np.ones((1, 1, 2, 2))), stride=2).data.tolist()
[[[[10.0, 18.0], [42.0, 50.0]]]]
>>> max_pool2d(x, 2).data.tolist()
[[[[5.0, 7.0], [13.0, 15.0]]]]
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, conv_ops, pool_ops
from autograd.node import Node, apply
from autograd.tensor import ShapeError

__all__ = ["avg_pool2d", "conv2d", "fold", "max_pool2d", "unfold"]

Pair = tuple[int, int]


def pair(value: Any, what: str, who: str, least: int) -> Pair:
    """An int or a pair of ints (each >= ``least``) as an (height, width) pair."""
    items = (value, value) if isinstance(value, (int, np.integer)) else value
    if (not isinstance(items, (tuple, list)) or len(items) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in items)):
        raise TypeError(f"{who}: {what} must be an int or a pair of ints, got {value!r}")
    if min(items) < least:
        raise ValueError(f"{who}: {what} must be >= {least}, got {value!r}")
    return int(items[0]), int(items[1])


def _tensor(x: Any, who: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Node):
        raise TypeError(f"{who}: expected a Tensor (an image batch), got a {type(x).__name__}")
    return Tensor(x)


def _float_like(x: Tensor, w: Tensor | None) -> Tensor:
    """Integer images (uint8 pixels) are cast to the weight's float dtype, as a constant."""
    if x.dtype.kind == "f":
        return x
    return Tensor(x.data.astype(w.dtype if w is not None else np.float32))


def check_windows(who: str, x: Tensor, kernel: Pair, stride: Pair, padding: Pair,
                  dilation: Pair, exact: bool) -> Pair:
    """The output's (OH, OW); an error naming ``who`` when the windows do not fit.

    ``exact``: every row and column must be read by some window (convolution).
    """
    out = []
    for axis, name in ((0, "height"), (1, "width")):
        n, k, s, p, d = (x.shape[2 + axis], kernel[axis], stride[axis], padding[axis],
                         dilation[axis])
        span = d * (k - 1) + 1
        if span > n + 2 * p:
            dilated = f" (dilated to {span})" if d > 1 else ""
            raise ShapeError(
                f"{who}: the kernel {kernel[0]}x{kernel[1]}{dilated} is larger than the padded "
                f"input: input of shape {x.shape} has {name} {n} ({n + 2 * p} after padding "
                f"{p} on both sides), but a window spans {span}")
        left = (n + 2 * p - span) % s
        if exact and left:
            raise ShapeError(
                f"{who}: input of shape {x.shape} gives a non-integer output {name}: "
                f"({n} + 2*{p} - {span}) / {s} + 1 = {(n + 2 * p - span) / s + 1:g}, so the "
                f"last {left} {'row' if axis == 0 else 'column'}(s) would be read by no window. "
                f"Pad or crop the input to a {name} where ({name} + 2*padding - {span}) is a "
                f"multiple of the stride {s}, or change the stride or padding")
        out.append((n + 2 * p - span) // s + 1)
    return out[0], out[1]


def conv_padding(padding: Any, kernel: Pair, dilation: Pair, stride: Pair, who: str) -> Pair:
    """``padding`` as a pair; 'valid' is 0, 'same' keeps H and W (stride 1, odd spans)."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0
        if padding != "same":
            raise ValueError(f"{who}: padding must be an int, a pair, 'valid' or 'same', "
                             f"got {padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{who}: padding='same' needs stride 1, got stride {stride}")
        spans = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if any(s % 2 for s in spans):
            raise ValueError(f"{who}: padding='same' needs an odd kernel span to pad both sides "
                             f"equally; kernel {kernel} with dilation {dilation} spans "
                             f"{[s + 1 for s in spans]}")
        return spans[0] // 2, spans[1] // 2
    return pair(padding, "padding", who, 0)


def conv2d(input: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of (N, C_in, H, W) with (C_out, C_in/groups, kH, kW).

    One node of the ``conv2d`` rule: im2col and a matmul per image (see
    :mod:`autograd.conv_ops`).

    >>> import numpy as np
    >>> from autograd import Tensor
    >>> x = Tensor(np.ones((2, 3, 5, 5)))
    >>> conv2d(x, Tensor(np.ones((4, 3, 3, 3))), padding=1).shape
    (2, 4, 5, 5)
    """
    return convolve(input, weight, bias, stride, padding, dilation, groups, "conv2d")


def convolve(input: Any, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
             dilation: Any, groups: int, who: str) -> Tensor:
    """:func:`conv2d` with errors that name ``who`` (a layer, or the function)."""
    x = _tensor(input, who)
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise ShapeError(f"{who}: the weight must be a 4-D Tensor (C_out, C_in/groups, kH, kW), "
                         f"got {getattr(weight, 'shape', type(weight).__name__)}")
    c_out, c_group, kh, kw = weight.shape
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{who}: groups must be a positive int, got {groups!r}")
    if c_out % groups:
        raise ValueError(f"{who}: groups={groups} does not divide the {c_out} output channels "
                         f"of the weight of shape {weight.shape}")
    c_in = c_group * groups
    if x.ndim != 4:
        hint = ""
        if x.ndim == 3:
            hint = ("; for grey images of shape (N, H, W) add the channel axis with "
                    "x.unsqueeze(1), and a single image of shape (C, H, W) needs a batch axis: "
                    "x.unsqueeze(0)")
        raise ShapeError(f"{who}: expected a 4-D input (N, C_in={c_in}, H, W), got shape "
                         f"{x.shape}{hint}")
    if x.shape[1] != c_in:
        raise ShapeError(f"{who}: expected {c_in} input channel(s) on axis 1 (the weight of "
                         f"shape {weight.shape} with groups={groups}), got input of shape "
                         f"{x.shape} with {x.shape[1]}")
    stride = pair(stride, "stride", who, 1)
    dilation = pair(dilation, "dilation", who, 1)
    pad = conv_padding(padding, (kh, kw), dilation, stride, who)
    check_windows(who, x, (kh, kw), stride, pad, dilation, exact=True)
    x = _float_like(x, weight)
    params = {"stride": stride, "padding": pad, "dilation": dilation, "groups": int(groups)}
    if bias is None:
        return apply(conv_ops.conv2d, (x, weight), params)
    if not isinstance(bias, Tensor) or bias.shape != (c_out,):
        raise ShapeError(f"{who}: the bias must have shape ({c_out},), one per output channel, "
                         f"got {getattr(bias, 'shape', type(bias).__name__)}")
    return apply(conv_ops.conv2d, (x, weight, bias), params)


def _batched(x: Tensor, who: str) -> tuple[Tensor, bool]:
    """An (N, C, H, W) input as is; a single (C, H, W) image as a batch of one."""
    if x.ndim == 4:
        return x, False
    if x.ndim == 3:
        return x.unsqueeze(0), True
    raise ShapeError(f"{who}: expected an input of shape (N, C, H, W) or (C, H, W), got "
                     f"{x.shape}")


def _pool_args(who: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any,
               dilation: Any, ceil_mode: bool) -> tuple[Pair, Pair, Pair, Pair]:
    if ceil_mode:
        raise ValueError(f"{who}: ceil_mode=True is not supported; pad the input instead")
    kernel = pair(kernel_size, "kernel_size", who, 1)
    stride = kernel if stride is None else pair(stride, "stride", who, 1)
    pad = pair(padding, "padding", who, 0)
    dil = pair(dilation, "dilation", who, 1)
    if any(p > k // 2 for p, k in zip(pad, kernel)):
        raise ValueError(f"{who}: padding {pad} is more than half the kernel {kernel} (as "
                         "PyTorch, each side's padding must be at most kernel_size // 2)")
    out = check_windows(who, x, kernel, stride, pad, dil, exact=False)
    for axis in (0, 1):
        blank = padding_only(x.shape[2 + axis], kernel[axis], stride[axis], pad[axis],
                             dil[axis], out[axis])
        if blank is not None:
            raise ValueError(f"{who}: with padding {pad} and dilation {dil}, window {blank} "
                             f"along the {'height' if axis == 0 else 'width'} of the input "
                             f"of shape {x.shape} reads padding only; reduce the padding")
    return kernel, stride, pad, dil


def padding_only(n: int, k: int, s: int, p: int, d: int, out: int) -> int | None:
    """The first of ``out`` windows along a side that reads no input element, or None.

    Padding at most half a window keeps every window on the input, except when
    dilation makes a window step over it.
    """
    for o in range(out):
        if not any(p <= o * s + t * d < p + n for t in range(k)):
            return o
    return None


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Tensor:
    """The largest element of each window (stride defaults to the kernel size).

    Padding counts as -inf. Where several elements of a window tie for the
    max, the gradient is split evenly among them, as for ``Tensor.max``
    (PyTorch gives it all to one of them).

    >>> from autograd import Tensor
    >>> max_pool2d(Tensor([[[1.0, 3.0, 2.0], [4.0, 0.0, 5.0]]]), (1, 2), stride=1).data.tolist()
    [[[3.0, 3.0], [4.0, 5.0]]]
    """
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                    "max_pool2d")


def max_pool(input: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
             ceil_mode: bool, return_indices: bool, who: str) -> Tensor:
    """:func:`max_pool2d` with errors that name ``who``."""
    if return_indices:
        raise ValueError(f"{who}: return_indices=True is not supported")
    x, single = _batched(_tensor(input, who), who)
    kernel, stride, pad, dil = _pool_args(who, x, kernel_size, stride, padding, dilation,
                                          ceil_mode)
    out = apply(pool_ops.max_pool2d, (_float_like(x, None),),
                {"kernel": kernel, "stride": stride, "padding": pad, "dilation": dil})
    return out.squeeze(0) if single else out


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean of each window (stride defaults to the kernel size).

    With padding, ``count_include_pad`` divides by the whole window (PyTorch's
    default) or, when False, by the number of input elements in it;
    ``divisor_override`` divides by a fixed number instead.

    >>> from autograd import Tensor
    >>> avg_pool2d(Tensor([[[1.0, 3.0], [5.0, 7.0]]]), 2).data.tolist()
    [[[4.0]]]
    """
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override, "avg_pool2d")


def avg_pool(input: Any, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
             count_include_pad: bool, divisor_override: int | None, who: str) -> Tensor:
    """:func:`avg_pool2d` with errors that name ``who``."""
    x, single = _batched(_tensor(input, who), who)
    kernel, stride, pad, _ = _pool_args(who, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer))
                                         or divisor_override < 1):
        raise ValueError(f"{who}: divisor_override must be a positive int, got "
                         f"{divisor_override!r}")
    out = apply(pool_ops.avg_pool2d, (_float_like(x, None),),
                {"kernel": kernel, "stride": stride, "padding": pad,
                 "count_include_pad": bool(count_include_pad),
                 "divisor": None if divisor_override is None else int(divisor_override)})
    return out.squeeze(0) if single else out


def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """im2col: the windows of (N, C, H, W) as the columns of (N, C kH kW, L).

    L = OH OW windows, in PyTorch's layout (``torch.nn.functional.unfold``).

    >>> from autograd import Tensor
    >>> unfold(Tensor([[[[1.0, 2.0], [3.0, 4.0]]]]), 2).data.tolist()
    [[[1.0], [2.0], [3.0], [4.0]]]
    """
    x = _tensor(input, "unfold")
    if x.ndim != 4:
        raise ShapeError(f"unfold: expected an input of shape (N, C, H, W), got {x.shape}")
    kernel = pair(kernel_size, "kernel_size", "unfold", 1)
    geo = {"kernel": kernel, "stride": pair(stride, "stride", "unfold", 1),
           "padding": pair(padding, "padding", "unfold", 0),
           "dilation": pair(dilation, "dilation", "unfold", 1)}
    check_windows("unfold", x, **geo, exact=False)
    return apply(conv_ops.unfold, (_float_like(x, None),), geo)


def fold(input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """col2im: add the columns of (N, C kH kW, L) back into (N, C, H, W) images.

    The adjoint of :func:`unfold` (overlapping windows add up), as
    ``torch.nn.functional.fold``.

    >>> import numpy as np
    >>> from autograd import Tensor
    >>> fold(Tensor(np.ones((1, 4, 4))), (3, 3), 2).data[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    cols = _tensor(input, "fold")
    size = pair(output_size, "output_size", "fold", 1)
    kernel = pair(kernel_size, "kernel_size", "fold", 1)
    geo = {"kernel": kernel, "stride": pair(stride, "stride", "fold", 1),
           "padding": pair(padding, "padding", "fold", 0),
           "dilation": pair(dilation, "dilation", "fold", 1)}
    taps = kernel[0] * kernel[1]
    blank = Tensor._new(np.empty((1, 1) + size, dtype=np.bool_))
    oh, ow = check_windows("fold", blank, **geo, exact=False)
    if cols.ndim != 3 or cols.shape[1] % taps or cols.shape[2] != oh * ow:
        raise ShapeError(f"fold: expected an input of shape (N, C*{taps}, {oh * ow}) for "
                         f"{kernel[0]}x{kernel[1]} windows over an output of {size[0]}x{size[1]}"
                         f" ({oh}x{ow} windows), got {cols.shape}")
    return apply(conv_ops.fold, (_float_like(cols, None),), dict(geo, output_size=size))
