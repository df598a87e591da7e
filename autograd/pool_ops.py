"""Pooling rules (NCHW): ``max_pool2d`` and ``avg_pool2d``, forwards beside their VJPs and JVPs.

They read the windows of :mod:`autograd.conv_ops` one kernel tap at a time (a
strided slice of the padded input per tap: kH kW whole-array operations) and
send gradients back through col2im, which records a ``fold`` node when the
VJP runs on Tensors, so second derivatives go through pooling too.

>>> import numpy as np
>>> x = np.array([[[[1.0, 2.0], [4.0, 4.0]]]])
>>> max_pool2d(x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1))
array([[[[4.]]]])
>>> max_pool2d_vjp(np.ones((1, 1, 1, 1)), np.array([[[[4.0]]]]), x, kernel=(2, 2),
...                stride=(2, 2), padding=(0, 0), dilation=(1, 1))[0][0, 0]
array([[0. , 0. ],
       [0.5, 0.5]])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import backend as B
from .conv_explain import avg_pool2d_local, max_pool2d_local
from .conv_ops import Pair, call, columns, data_of, image, out_shape, pad, tap
from .ops import primitive


def _spots(kernel: Pair, stride: Pair, dilation: Pair, out: Pair) -> list[tuple[Any, ...]]:
    """For each kernel tap, the strided slice of the padded input it reads in every window."""
    return [tap(i, j, stride, dilation, out) for i in range(kernel[0]) for j in range(kernel[1])]


@primitive("max_pool2d", "maxpool", uses_ans=True, local=(max_pool2d_local,))
def max_pool2d(x, *, kernel, stride, padding, dilation):
    """The max of each window.  dX = col2im(route * G), route = 1/k at a window's k maxima.

    y[n, c, p, q] = max_{i, j} x_pad[n, c, p sH + i dH, q sW + j dW], padding
    counting as -inf. d y / d x = 1/k at each of the k elements of a window
    equal to its max (the tie rule of ``max``), else 0: the VJP routes g back
    through the argmax. The route is a constant of x, so the gradient of a
    gradient follows the same argmax. Forward mode reads the same route the
    other way: dy[n, c, p, q] = the mean of dx over the window's maxima (the
    tangent of its one max when there is no tie).
    """
    out_hw = out_shape(x.shape[2:], kernel, stride, padding, dilation)
    xp = pad(x, padding, -np.inf)
    out = None
    for spot in _spots(kernel, stride, dilation, out_hw):
        out = xp[spot].copy() if out is None else np.maximum(out, xp[spot], out=out)
    return out


def _route(x: np.ndarray, ans: np.ndarray, kernel: Pair, stride: Pair, padding: Pair,
           dilation: Pair) -> tuple[list[np.ndarray], np.ndarray]:
    """Where each window's max is: one bool array (N, C, OH, OW) per kernel tap, and how
    many taps of each window hold it (its ties)."""
    xp = pad(x, padding, -np.inf)
    hits = [xp[spot] == ans for spot in _spots(kernel, stride, dilation, ans.shape[2:])]
    count = hits[0].astype(ans.dtype)
    for hit in hits[1:]:
        count += hit
    return hits, count


def _route6(hits: list[np.ndarray], count: np.ndarray, kernel: Pair) -> np.ndarray:
    """The route as one array (N, C, kH, kW, OH, OW): 1/k at a window's k maxima, else 0."""
    n, c, oh, ow = count.shape
    route = np.stack(hits, axis=2).reshape(n, c, kernel[0], kernel[1], oh, ow)
    return route / count[:, :, None, None]


@max_pool2d.defvjp
def max_pool2d_vjp(g, ans, x, *, kernel, stride, padding, dilation):
    xd, ad = data_of(x), data_of(ans)
    n, c, oh, ow = ad.shape
    hits, count = _route(xd, ad, kernel, stride, padding, dilation)
    if not isinstance(g, np.ndarray):
        # Recording a graph: g times the route, a constant, summed back by a fold node.
        route = _route6(hits, count, kernel)
        geo = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
        return (image(g.reshape((n, c, 1, 1, oh, ow)) * route, xd.shape[2:], geo),)
    share = g / count
    spots = _spots(kernel, stride, dilation, (oh, ow))
    ph, pw = padding
    padded = (n, c, xd.shape[2] + 2 * ph, xd.shape[3] + 2 * pw)
    if dilation == (1, 1) and stride == kernel and padded[2:] == (oh * kernel[0],
                                                                  ow * kernel[1]):
        # The windows tile the padded input: every element is written exactly once.
        gx = np.empty(padded, dtype=share.dtype)
        for spot, hit in zip(spots, hits):
            np.multiply(hit, share, out=gx[spot])
    else:
        gx = np.zeros(padded, dtype=share.dtype)
        for spot, hit in zip(spots, hits):
            gx[spot] += hit * share
    if ph or pw:
        gx = np.ascontiguousarray(gx[:, :, ph:ph + xd.shape[2], pw:pw + xd.shape[3]])
    return (gx,)


@max_pool2d.defjvp
def max_pool2d_jvp(ts, ans, x, *, kernel, stride, padding, dilation):
    # The VJP's route read forwards: each window's tangent is that of its max, the mean of
    # its maxima's tangents on a tie.  J t = sum over a window's taps of route * unfold(t).
    hits, count = _route(data_of(x), data_of(ans), kernel, stride, padding, dilation)
    n, c, oh, ow = count.shape
    geo = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    windows = columns(ts[0], geo).reshape((n, c, kernel[0], kernel[1], oh, ow))
    return (windows * _route6(hits, count, kernel)).sum(axis=(2, 3))


def _window_sum(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    xp = pad(x, padding, 0)
    out = None
    for spot in _spots(kernel, stride, (1, 1), out_shape(x.shape[2:], kernel, stride, padding,
                                                         (1, 1))):
        out = xp[spot].copy() if out is None else np.add(out, xp[spot], out=out)
    return out


def pool_divisor(size: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair,
                 count_include_pad: bool, divisor: int | None, dtype: Any) -> Any:
    """What each window's sum is divided by: ``divisor`` if given, else kH kW, or
    (1, 1, OH, OW) counts of the input's own elements (``count_include_pad=False``)."""
    if divisor is not None:
        return divisor
    if count_include_pad or padding == (0, 0):
        return kernel[0] * kernel[1]
    return _window_sum(np.ones((1, 1) + tuple(size), dtype=dtype), kernel, stride, padding)


@primitive("avg_pool2d", "avgpool", uses_inputs=False, local=(avg_pool2d_local,))
def avg_pool2d(x, *, kernel, stride, padding, count_include_pad, divisor):
    """The mean of each window.  dX = col2im(G / D spread over each window).

    y[n, c, p, q] = sum_{i, j} x_pad[n, c, p sH + i, q sW + j] / D, with D = kH kW,
    or with count_include_pad=False the number of the window's elements inside
    the unpadded input, or a given divisor. Linear in x, so the gradient of a
    gradient is the same spreading again, and the JVP is the pooling itself:
    J t = avg_pool2d(t).
    """
    out = _window_sum(x, kernel, stride, padding)
    out /= pool_divisor(x.shape[2:], kernel, stride, padding, count_include_pad, divisor,
                        x.dtype)
    return out


@avg_pool2d.defvjp
def avg_pool2d_vjp(g, ans, x, *, kernel, stride, padding, count_include_pad, divisor):
    n, c, oh, ow = ans.shape
    div = pool_divisor(x.shape[2:], kernel, stride, padding, count_include_pad, divisor,
                       ans.dtype)
    spread = B.broadcast_to((g / div).reshape((n, c, 1, 1, oh, ow)),
                            (n, c, kernel[0], kernel[1], oh, ow))
    geo = dict(kernel=kernel, stride=stride, padding=padding, dilation=(1, 1))
    return (image(spread, x.shape[2:], geo),)


@avg_pool2d.defjvp
def avg_pool2d_jvp(ts, ans, x, *, kernel, stride, padding, count_include_pad, divisor):
    # Linear in x: J t = avg_pool2d(t).
    return call(avg_pool2d, (ts[0],), dict(kernel=kernel, stride=stride, padding=padding,
                                          count_include_pad=count_include_pad, divisor=divisor))
