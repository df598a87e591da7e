"""How the stepper writes the convolution and pooling rules: the im2col form of their chain rule.

A convolution is a matrix product per image, ``Y_mat = W_mat · cols(X) + b``,
with ``W_mat`` the weight as (O, C·kH·kW), ``cols(X)`` the image's windows
as columns (C·kH·kW, OH·OW) and ``Y_mat`` the output as (O, OH·OW). Its
chain rule is the matrix product's, turned back into images by col2im:

- ``∂L/∂W = ∂L/∂Y_mat · cols(X)ᵀ``, summed over the images;
- ``∂L/∂X = col2im(W_matᵀ · ∂L/∂Y_mat)``;
- ``∂L/∂b = ∂L/∂Y`` summed over N, OH and OW.

These functions give the rules' ``formula`` and ``local`` templates (see
:mod:`autograd.explain`): each input's entry is a pair, the form in the
user's names and the shapes of its factors, in numbers and in symbols, since
the factors are matrices made from the inputs rather than the inputs
themselves.

>>> names, shapes = conv2d_local(1, in_shapes=((2, 3, 6, 6), (4, 3, 3, 3)),
...                              out_shape=(2, 4, 4, 4), groups=1)
>>> names
'{g}_mat · cols({x})ᵀ summed over the images'
>>> shapes
'(4, 16)·(16, 27) summed over 2 images: (O, C·kH·kW) = (O, OH·OW)·(OH·OW, C·kH·kW)'
"""
from __future__ import annotations

from typing import Any


def _settings(**params: Any) -> str:
    """The window settings that differ from their defaults: ``, stride (2, 2)``."""
    defaults = {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 1}
    return "".join(f", {k} {v}" for k, v in params.items() if v != defaults.get(k))


def _images(n: int) -> str:
    return f"{n} image{'s' if n != 1 else ''}"


def conv2d_formula(n: int, stride: Any, padding: Any, dilation: Any, groups: int,
                   **_: Any) -> str:
    """``W ⋆ X + b`` with its settings and, per image, its matrix product."""
    b = " + {b}" if n == 3 else ""
    per = "image and group" if groups > 1 else "image"
    settings = _settings(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return f"{{w}} ⋆ {{x}}{b}{settings}   (per {per}: {{w}}_mat · cols({{x}}){b})"


def conv2d_local(i: int, in_shapes: Any, out_shape: Any, groups: int,
                 **_: Any) -> tuple[str, str]:
    """Input ``i``'s gradient in names and its shapes (x: 0, w: 1, b: 2)."""
    n, _c, _h, _w = in_shapes[0]
    o, cg, kh, kw = in_shapes[1]
    k, p, og = cg * kh * kw, out_shape[2] * out_shape[3], o // groups
    if groups > 1:
        o_sym, c_sym, each = "O/groups", "C/groups·kH·kW", f" per image and group ({groups})"
    else:
        o_sym, c_sym, each = "O", "C·kH·kW", " per image"
    if i == 0:
        shapes = (f"col2im(({k}, {og})·({og}, {p})){each}: col2im of ({c_sym}, OH·OW) = "
                  f"({c_sym}, {o_sym})·({o_sym}, OH·OW)")
        return "col2im({w}_matᵀ · {g}_mat)", shapes
    if i == 1:
        group = f", per group ({groups})" if groups > 1 else ""
        shapes = (f"({og}, {p})·({p}, {k}) summed over {_images(n)}{group}: "
                  f"({o_sym}, {c_sym}) = ({o_sym}, OH·OW)·(OH·OW, {c_sym})")
        return "{g}_mat · cols({x})ᵀ summed over the images", shapes
    return ("{g} summed over N, OH, OW", "{g} summed over axes 0, 2, 3")


def unfold_local(**_: Any) -> tuple[str, str]:
    """im2col's gradient: col2im, every column added back where it was copied from."""
    return ("col2im({g}): each column added back at the pixels it was copied from",
            "col2im({g}): (N, C·kH·kW, OH·OW) -> (N, C, H, W)")


def fold_local(**_: Any) -> tuple[str, str]:
    """col2im's gradient: im2col, every pixel's gradient copied to the columns it sums."""
    return ("im2col({g}): each pixel's gradient copied to every column added there",
            "im2col({g}): (N, C, H, W) -> (N, C·kH·kW, OH·OW)")


def _windows(kernel: Any) -> str:
    return f"{kernel[0]}×{kernel[1]} windows"


def max_pool2d_local(kernel: Any, **_: Any) -> tuple[str, str]:
    """The max's gradient: each window's to its largest entry, shared on a tie."""
    names = "{g} to the largest entry of each window of {x} (shared on ties), added up by col2im"
    return names, f"{{g}} sent back over {_windows(kernel)}"


def avg_pool2d_local(kernel: Any, padding: Any, count_include_pad: bool, divisor: Any,
                     **_: Any) -> tuple[str, str]:
    """The mean's gradient: each window's share spread evenly over its entries."""
    if divisor is not None:
        by = f"{divisor:g}"
    elif count_include_pad or tuple(padding) == (0, 0):
        by = f"{kernel[0] * kernel[1]}"
    else:
        by = "(the window's entries inside {x})"
    return (f"{{g}} / {by} to every entry of its window of {{x}}, added up by col2im",
            f"{{g}} spread back over {_windows(kernel)}")
