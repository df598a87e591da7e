"""Convolution rules (NCHW): im2col (``unfold``), col2im (``fold``) and ``conv2d``.

These rules join the one table, :data:`autograd.ops.RULES`, through the same
``primitive`` decorator; ``autograd`` imports this module and
:mod:`autograd.pool_ops`, so they always exist. Each forward sits beside its
VJP and its JVP, with the math in its docstring; how the stepper writes them
is in :mod:`autograd.conv_explain`.

Windows. A kernel of k taps with dilation d spans d (k - 1) + 1 elements of a
side padded by p at both ends; with stride s the windows start at 0, s, 2s...
and there are ``(n + 2p - d (k - 1) - 1) // s + 1`` of them along a side of n
(elements past the last window are read by none).

im2col. ``unfold`` copies every window of x into one column:
cols[n, (c, i, j), (oh, ow)] = x_pad[n, c, oh sH + i dH, ow sW + j dW], of shape
(N, C kH kW, OH OW), the layout of ``torch.nn.functional.unfold``. ``fold``
(col2im) is its adjoint: it adds each column back where it came from (overlaps
add up, padding is dropped), so the VJP of unfold is fold and the VJP of fold
is unfold. A convolution is then one matrix product per image,
Y_mat = W_mat @ cols, and its chain rule is two more: dW = G_mat @ cols^T and
dcols = W_mat^T @ G_mat, with dX = col2im(dcols).

Why this form. Measured on this project's two-core machine, for LeNet-5's
layers and a 64-channel 3x3 layer: im2col (the strided window view copied
once) and one BLAS matmul per image beat ``tensordot`` and ``einsum`` over the
strided view (both copy it again; einsum's non-BLAS loop is 2-10x slower),
and cost the same as one large (O, C kH kW) x (C kH kW, N OH OW) product,
which needs a transposing copy of its output. What dominated was memory: the
columns of a whole batch (10 MB for LeNet's first layer) miss the cache, and
fresh pages fault in at every step. So arrays go through in chunks of images
whose columns take about ``CHUNK_BYTES``, each call reuses one work array for
all its chunks, and the backward pass builds a chunk's columns again rather
than keeping the batch's: LeNet-5's training step went from 17 to 11 ms of
CPU time on one core (page faults from 3,200 per step to none).

The VJPs are written in operators that arrays and Tensors share (``@``,
``reshape``, ``sum``, ``swapaxes``) and in ``unfold``/``fold``, which record
nodes when given Tensors, so ``grad(..., create_graph=True)`` differentiates
through a convolution a second time.

>>> import numpy as np
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> unfold(x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1))[0]
array([[ 0.,  2.,  8., 10.],
       [ 1.,  3.,  9., 11.],
       [ 4.,  6., 12., 14.],
       [ 5.,  7., 13., 15.]])
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import backend as B
from .backend import ZERO
from .conv_explain import conv2d_formula, conv2d_local, fold_local, unfold_local
from .node import apply
from .ops import add_bias, primitive

Pair = tuple[int, int]


# ------------------------------------------------------------------ window geometry

def out_size(n: int, k: int, s: int, p: int, d: int) -> int:
    """How many windows of k taps (dilation d, stride s) fit a side of n padded by p."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def out_shape(hw: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair,
              dilation: Pair) -> Pair:
    """(OH, OW) for an input of spatial shape ``hw``."""
    return (out_size(hw[0], kernel[0], stride[0], padding[0], dilation[0]),
            out_size(hw[1], kernel[1], stride[1], padding[1], dilation[1]))


def pad(x: np.ndarray, padding: Pair, value: float) -> np.ndarray:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def windows(xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair,
            out: Pair) -> np.ndarray:
    """A read-only view (N, C, kH, kW, OH, OW) of every window of a padded input."""
    n, c = xp.shape[:2]
    sn, sc, sh, sw = xp.strides
    return as_strided(xp, (n, c, kernel[0], kernel[1], out[0], out[1]),
                      (sn, sc, dilation[0] * sh, dilation[1] * sw, stride[0] * sh,
                       stride[1] * sw), writeable=False)


def tap(kh: int, kw: int, stride: Pair, dilation: Pair, out: Pair) -> tuple[Any, ...]:
    """The index of the padded input that tap (kh, kw) reads in all OH x OW windows."""
    h0, w0 = kh * dilation[0], kw * dilation[1]
    return (slice(None), slice(None), slice(h0, h0 + stride[0] * (out[0] - 1) + 1, stride[0]),
            slice(w0, w0 + stride[1] * (out[1] - 1) + 1, stride[1]))


def col2im(cols: np.ndarray, size: tuple[int, ...], kernel: Pair, stride: Pair,
           padding: Pair, dilation: Pair, out: np.ndarray | None = None) -> np.ndarray:
    """Sum windows (N, C, kH, kW, OH, OW) back into an (N, C, H, W) array (raw data).

    One strided add per kernel tap; with a vertical stride of 1, in two stages
    as :func:`im2col` (kH adds of contiguous OH OW blocks into rows, then kW
    adds of the rows), and the padding is cut off at the end. Written into
    ``out`` when given.
    """
    n, c, kh, kw, oh, ow = cols.shape
    h, w = size
    ph, pw = padding
    (sh, sw), (dh, dw) = stride, dilation
    if out is not None and ph == 0 and pw == 0:
        acc = out
    else:
        acc = np.empty((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    if sh == 1:
        # The first block of each stage is assigned rather than added to zeros.
        rows = np.empty((n, c, kw, acc.shape[2], ow), dtype=cols.dtype)
        rows[:, :, :, :oh] = cols[:, :, 0]
        rows[:, :, :, oh:] = 0
        for i in range(1, kh):
            rows[:, :, :, i * dh:i * dh + oh] += cols[:, :, i]
        if sw == 1:
            acc[:, :, :, :ow] = rows[:, :, 0]
            acc[:, :, :, ow:] = 0
        else:
            acc.fill(0)
            acc[:, :, :, :sw * (ow - 1) + 1:sw] = rows[:, :, 0]
        for j in range(1, kw):
            acc[:, :, :, j * dw:j * dw + sw * (ow - 1) + 1:sw] += rows[:, :, j]
    else:
        acc.fill(0)
        for i in range(kh):
            for j in range(kw):
                acc[tap(i, j, stride, dilation, (oh, ow))] += cols[:, :, i, j]
    if acc is out:
        return out
    if ph or pw:
        acc = acc[:, :, ph:ph + h, pw:pw + w]
    if out is None:
        return np.ascontiguousarray(acc)
    out[...] = acc
    return out


def columns(x: Any, geo: dict[str, Pair]) -> Any:
    """im2col of an array, or an ``unfold`` node of a Tensor (so it can be differentiated)."""
    if isinstance(x, np.ndarray):
        return unfold.forward(x, **geo)
    return apply(unfold, (x,), geo)


def image(cols: Any, size: tuple[int, ...], geo: dict[str, Pair]) -> Any:
    """col2im of windows shaped (N, C, kH, kW, OH, OW): raw data, or a ``fold`` node."""
    if isinstance(cols, np.ndarray):
        return col2im(cols, size, **geo)
    n, c, kh, kw, oh, ow = cols.shape
    return apply(fold, (cols.reshape((n, c * kh * kw, oh * ow)),),
                 dict(output_size=tuple(size), **geo))


def call(rule: Any, args: tuple[Any, ...], params: dict[str, Any]) -> Any:
    """``rule`` on raw arrays (its forward), or an ``apply`` node of it on Tensors."""
    if isinstance(args[0], np.ndarray):
        return rule.forward(*args, **params)
    return apply(rule, args, params)


def data_of(x: Any) -> Any:
    """The array of a Tensor (an array as is): for what a VJP treats as a constant."""
    return x if isinstance(x, np.ndarray) else x.data


# ------------------------------------------------------------------ im2col and col2im

def im2col(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
           out: np.ndarray | None = None) -> np.ndarray:
    """The columns (N, C kH kW, OH OW) of an array, as one contiguous copy (into ``out``).

    With a vertical stride of 1 the copy goes in two stages: first each row is
    repeated for the kW horizontal taps, then each (c, i, j) block of OH OW
    values is one contiguous run of that array, which copies much faster than
    rows of OW values gathered one by one.
    """
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh, ow = out_shape((h, w), kernel, stride, padding, dilation)
    if out is None:
        out = np.empty((n, c * kh * kw, oh * ow), dtype=x.dtype)
    xp = pad(x, padding, 0)
    if sh != 1:
        view = windows(xp, kernel, stride, dilation, (oh, ow))
    else:
        a, b, r, e = xp.strides
        rows = np.ascontiguousarray(as_strided(xp, (n, c, kw, xp.shape[2], ow),
                                               (a, b, dw * e, r, sw * e), writeable=False))
        a, b, j, r, e = rows.strides
        view = as_strided(rows, (n, c, kh, kw, oh, ow), (a, b, dh * r, j, r, e),
                          writeable=False)
    np.copyto(out.reshape(n, c, kh, kw, oh, ow), view)
    return out


@primitive("unfold", "im2col", uses_inputs=False, local=(unfold_local,))
def unfold(x, *, kernel, stride, padding, dilation):
    """im2col: every window of x (N, C, H, W) as a column of (N, C kH kW, OH OW).

    cols[n, (c, i, j), (oh, ow)] = x_padded[n, c, oh sH + i dH, ow sW + j dW]: a copy
    that is linear in x, so its VJP is its adjoint, col2im: dx = fold(g), which adds
    each column of g back at the pixels it was copied from; and its JVP is itself:
    J t = unfold(t).
    """
    return im2col(x, kernel, stride, padding, dilation)


@unfold.defvjp
def unfold_vjp(g, ans, x, *, kernel, stride, padding, dilation):
    n, c, h, w = x.shape
    oh, ow = out_shape((h, w), kernel, stride, padding, dilation)
    geo = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    return (image(g.reshape((n, c, kernel[0], kernel[1], oh, ow)), (h, w), geo),)


@unfold.defjvp
def unfold_jvp(ts, ans, x, *, kernel, stride, padding, dilation):
    # Linear in x: J t = unfold(t).
    return columns(ts[0], dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation))


@primitive("fold", "col2im", uses_inputs=False, local=(fold_local,))
def fold(cols, *, output_size, kernel, stride, padding, dilation):
    """col2im: add the columns (N, C kH kW, OH OW) back into an image (N, C, H, W).

    x[n, c, oh sH + i dH, ow sW + j dW] += cols[n, (c, i, j), (oh, ow)] (padding cut
    off): the adjoint of im2col, so its VJP is im2col: dcols = unfold(g). Linear in
    cols, so its JVP is itself: J t = fold(t).
    """
    n, k, _ = cols.shape
    kh, kw = kernel
    oh, ow = out_shape(output_size, kernel, stride, padding, dilation)
    cols6 = cols.reshape(n, k // (kh * kw), kh, kw, oh, ow)
    return col2im(cols6, output_size, kernel, stride, padding, dilation)


@fold.defvjp
def fold_vjp(g, ans, cols, *, output_size, kernel, stride, padding, dilation):
    return (columns(g, dict(kernel=kernel, stride=stride, padding=padding,
                            dilation=dilation)),)


@fold.defjvp
def fold_jvp(ts, ans, cols, *, output_size, kernel, stride, padding, dilation):
    # Linear in cols: J t = fold(t).
    n, k, _ = cols.shape
    oh, ow = out_shape(output_size, kernel, stride, padding, dilation)
    geo = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    t = ts[0].reshape((n, k // (kernel[0] * kernel[1]), kernel[0], kernel[1], oh, ow))
    return image(t, output_size, geo)


# ------------------------------------------------------------------ convolution

#: Images per im2col chunk are chosen so that a chunk's columns take about this many bytes:
#: small enough to stay in a core's cache between the copy and the matmul that reads it.
CHUNK_BYTES = 1 << 21


def chunks(n: int, bytes_per_image: int) -> list[tuple[int, int]]:
    """[start, stop) ranges over n images, each of about ``CHUNK_BYTES`` of columns (one empty
    range for an empty batch)."""
    step = max(1, min(n, CHUNK_BYTES // max(bytes_per_image, 1)))
    return [(i, min(i + step, n)) for i in range(0, n, step)] or [(0, 0)]


@primitive("conv2d", "conv2d", needs=True, formula=conv2d_formula, local=(conv2d_local,))
def conv2d(x, w, b=None, *, stride, padding, dilation, groups):
    """Y = W (*) X + b = W_mat @ cols(X) + b.  dW = G_mat @ cols^T, dX = col2im(W_mat^T @ G_mat).

    Cross-correlation, as every deep-learning library computes it, of x
    (N, C, H, W) with w (O, C/groups, kH, kW):
    y[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] x_pad[n, c, p sH + i dH, q sW + j dW].
    With cols = im2col(x) of shape (N, C kH kW, P), P = OH OW, and W_mat = w as
    (O, C kH kW), each image is one product Y_mat = W_mat @ cols (per group with
    groups > 1). The chain rule, with G_mat = dL/dY as (O, P) per image:
      dL/dW = dL/dY (*) X:   dW = sum over images of G_mat @ cols^T;
      dL/dX = dL/dY (*) W turned back: dcols = W_mat^T @ G_mat, dX = col2im(dcols);
      dL/db = sum of dL/dY over n, p, q.
    Forward mode: Y is bilinear in (x, w) plus b, so
    dY = conv2d(dX, W) + conv2d(X, dW) + db.
    On arrays the images go through in chunks whose columns stay in cache, and
    the backward pass builds them again rather than keeping them all.
    """
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    geo = dict(kernel=(kh, kw), stride=stride, padding=padding, dilation=dilation)
    oh, ow = out_shape((h, wd), **geo)
    k, p = cg * kh * kw, oh * ow
    out = np.empty((n, groups, o // groups, p), dtype=np.result_type(x, w))
    wm = w.reshape(groups, o // groups, k)
    spans = chunks(n, c * kh * kw * p * x.itemsize)
    work = np.empty((spans[0][1], c * kh * kw, p), dtype=x.dtype)
    for i, j in spans:
        cols = im2col(x[i:j], **geo, out=work[:j - i]).reshape(j - i, groups, k, p)
        np.matmul(wm, cols, out=out[i:j])
    out = out.reshape(n, o, oh, ow)
    return out if b is None else add_bias(out, b.reshape(1, o, 1, 1))


@conv2d.defvjp
def conv2d_vjp(g, ans, x, w, b=None, *, stride, padding, dilation, groups,
               needs=(True, True, True)):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh, ow = g.shape[2:]
    k, p, og = cg * kh * kw, oh * ow, o // groups
    geo = dict(kernel=(kh, kw), stride=stride, padding=padding, dilation=dilation)
    g4 = g.reshape((n, groups, og, p))
    wt = B.swap_last(w.reshape((groups, og, k)))
    gb = g.sum(axis=(0, 2, 3)) if b is not None and needs[2] else None
    if isinstance(g, np.ndarray) and isinstance(x, np.ndarray) and isinstance(w, np.ndarray):
        gx, gw = _conv2d_grads(g4, x, wt, needs, geo)
    else:
        # Recording a graph: the same products on im2col and col2im nodes.
        gx = gw = None
        if needs[1]:
            cols = columns(x, geo).reshape((n, groups, k, p))
            gw = (g4 @ B.swap_last(cols)).sum(axis=0)
        if needs[0]:
            gx = image((wt @ g4).reshape((n, c, kh, kw, oh, ow)), (h, wd), geo)
    if gw is not None:
        gw = gw.reshape(w.shape)
    return (gx, gw) if b is None else (gx, gw, gb)


@conv2d.defjvp
def conv2d_jvp(ts, ans, x, w, b=None, *, stride, padding, dilation, groups):
    # Bilinear in (x, w) plus b: d(W (*) X + b) = W (*) dX + dW (*) X + db.
    dx, dw = ts[0], ts[1]
    geo = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    t = ZERO if dx is ZERO else call(conv2d, (dx, w), geo)
    if dw is not ZERO:
        t = t + call(conv2d, (x, dw), geo)
    if b is not None and ts[2] is not ZERO:
        t = t + ts[2].reshape((1, -1, 1, 1))
    return t


def _conv2d_grads(g4: np.ndarray, x: np.ndarray, wt: np.ndarray, needs: Any,
                  geo: dict[str, Pair]) -> tuple[Any, Any]:
    """dX and dW (as (groups, O/groups, C/groups kH kW)) on arrays, a chunk of images at a time."""
    n, c, h, wd = x.shape
    groups, k, og = wt.shape
    p = g4.shape[3]
    (kh, kw), (oh, ow) = geo["kernel"], out_shape((h, wd), **geo)
    gx = np.empty(x.shape, dtype=g4.dtype) if needs[0] else None
    gw = np.zeros((groups, og, k), dtype=g4.dtype) if needs[1] else None
    spans = chunks(n, c * kh * kw * p * x.itemsize)
    work = np.empty((spans[0][1], groups, k, p), dtype=np.result_type(x, g4))
    for i, j in spans:
        gi, cols = g4[i:j], work[:j - i]
        if gw is not None:
            im2col(x[i:j], **geo, out=cols.reshape(j - i, c * kh * kw, p))
            gw += (gi @ cols.swapaxes(-1, -2)).sum(axis=0)
        if gx is not None:
            np.matmul(wt, gi, out=cols)
            col2im(cols.reshape(j - i, c, kh, kw, oh, ow), (h, wd), **geo, out=gx[i:j])
    return gx, gw
