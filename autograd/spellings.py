"""PyTorch's spellings on ``Tensor``: ``size()``, ``dim()``, ``numel()``, ``t()``, ``clone()``,
``to()``, ``long()``/``int()``/``float()``/``double()``, ``add``/``sub``/``mul``/``div``...,
``register_hook`` and ``grad_fn``.

Each is a thin alias of an existing operation, so it records the graph the
same way. ``size`` serves both habits: ``t.size`` is NumPy's element count (an
int) and ``t.size()`` / ``t.size(d)`` are PyTorch's shape and length of one
dimension, because the count is an int that can be called.

>>> from autograd import Tensor
>>> x = Tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
>>> x.size, x.size(), x.size(1), x.dim(), x.numel()
(6, (2, 3), 3, 2, 6)
>>> y = x.t().mul(2).sub(1).sum()
>>> y.grad_fn
<rule sum>
>>> x.long().dtype, x.to("cpu") is x, x.to(np.float64).dtype
(dtype('int64'), True, dtype('float64'))
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import engine, ops
from .arrays import _one_axis
from .node import Node, Rule, apply


class Size(int):
    """The number of elements of a tensor, callable as PyTorch's ``size()``.

    As an int it is NumPy's ``size``; called, ``size()`` is the shape and
    ``size(d)`` the length of dimension ``d``. It pickles as a plain int.
    """

    def __new__(cls, n: int, shape: tuple[int, ...]) -> "Size":
        obj = super().__new__(cls, n)
        obj._shape = shape
        return obj

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self._shape
        return self._shape[_one_axis(dim, len(self._shape), "size")]

    def __reduce__(self) -> Any:
        return (int, (int(self),))


_DEVICES = ("cuda", "mps", "xpu", "xla", "meta", "hip", "vulkan")


def parse_to(args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> np.dtype | None:
    """The dtype a PyTorch-style ``to(...)`` call asks for, or None (the CPU, no change).

    Accepts a device ("cpu", the only one: NumPy runs there), a dtype (a NumPy dtype,
    type or name), a tensor (its dtype), and the keywords ``device``, ``dtype``,
    ``non_blocking`` and ``copy``.
    """
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy"}
    if unknown:
        raise TypeError(f"{what}.to: unexpected keyword {sorted(unknown)[0]!r}; it takes a "
                        "device ('cpu'), a dtype, or device=/dtype=")
    dtype = kwargs.get("dtype")
    for a in list(args) + [kwargs.get("device")]:
        if a is None:
            continue
        if isinstance(a, Node) and a._tracks_versions:
            dtype = a.dtype
        elif isinstance(a, str) and a.split(":")[0].lower() == "cpu":
            continue
        elif isinstance(a, str) and a.split(":")[0].lower() in _DEVICES:
            raise ValueError(f"{what}.to({a!r}): chainrule computes with NumPy on the CPU; "
                             "there is no device but 'cpu'")
        else:
            dtype = a
    if dtype is None:
        return None
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{what}.to: {dtype!r} is neither a device ('cpu') nor a dtype "
                        "(e.g. np.float64 or 'float64')") from None
    if dt.kind not in "biuf":
        raise TypeError(f"{what}.to: dtype {dt} is not supported; tensors hold bool, integer "
                        "or floating-point numbers")
    return dt


class RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook off again."""

    __slots__ = ("_hooks", "_fn")

    def __init__(self, hooks: list[Callable[..., Any]], fn: Callable[..., Any]) -> None:
        self._hooks = hooks
        self._fn = fn

    def remove(self) -> None:
        """Take the hook off (nothing happens if it is off already)."""
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


class Spellings:
    """PyTorch's method names on ``Tensor`` (a mixin: the class is ``autograd.tensor.Tensor``)."""

    __slots__ = ()

    # -- sizes
    @property
    def size(self) -> Size:
        """The number of elements (an int, NumPy's ``size``); ``size()`` is the shape and
        ``size(d)`` one dimension's length, as PyTorch's method."""
        data = self._data
        return Size(data.size, data.shape)

    def dim(self) -> int:
        """The number of dimensions (``ndim``)."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    @property
    def device(self) -> str:
        """Where the data lives: always 'cpu' (NumPy)."""
        return "cpu"

    def cpu(self) -> Any:
        """The tensor itself: the data is on the CPU already."""
        return self

    def is_floating_point(self) -> bool:
        """True for float dtypes."""
        return self._data.dtype.kind == "f"

    # -- copies and conversions
    def t(self) -> Any:
        """The transpose of a matrix; a tensor of at most one dimension is returned as is."""
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor of at most 2 dimensions, got shape "
                             f"{self.shape}; use transpose(d0, d1) or permute")
        return self.transpose() if self.ndim == 2 else self

    def clone(self) -> Any:
        """A copy in new memory, in the graph: the gradient passes through unchanged.

        It is recorded as a cast to the tensor's own dtype (which copies).
        """
        if self._data.dtype.kind != "f":
            return self._new(self._data.copy())
        return apply(ops.astype, (self,), {"dtype": self._data.dtype})

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """PyTorch's ``to``: ``to("cpu")`` is the tensor itself, ``to(dtype)`` converts
        (``to(np.float64)``, ``to("float64")``, ``to(other_tensor)``, ``device=``,
        ``dtype=``); other devices are an error."""
        dt = parse_to(args, kwargs, "Tensor")
        out = self if dt is None else self.astype(dt)
        return out.clone() if kwargs.get("copy") and out is self else out

    def float(self) -> Any:
        """The tensor as float32."""
        return self.astype(np.float32)

    def double(self) -> Any:
        """The tensor as float64."""
        return self.astype(np.float64)

    def half(self) -> Any:
        """The tensor as float16."""
        return self.astype(np.float16)

    def long(self) -> Any:
        """The tensor as int64 (no gradient)."""
        return self.astype(np.int64)

    def int(self) -> Any:
        """The tensor as int32 (no gradient)."""
        return self.astype(np.int32)

    def bool(self) -> Any:
        """The tensor as bool (no gradient)."""
        return self.astype(np.bool_)

    # -- arithmetic as methods
    def add(self, other: Any, alpha: Any = 1) -> Any:
        """``self + alpha * other``."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, alpha: Any = 1) -> Any:
        """``self - alpha * other``."""
        return self - (other if alpha == 1 else other * alpha)

    subtract = sub

    def mul(self, other: Any) -> Any:
        """``self * other``."""
        return self * other

    multiply = mul

    def div(self, other: Any) -> Any:
        """``self / other``."""
        return self / other

    divide = true_divide = div

    def neg(self) -> Any:
        """``-self``."""
        return -self

    negative = neg

    def pow(self, exponent: Any) -> Any:
        """``self ** exponent``."""
        return self ** exponent

    power = pow

    def square(self) -> Any:
        """``self * self``."""
        return self * self

    def reciprocal(self) -> Any:
        """``1 / self``."""
        return 1.0 / self

    def absolute(self) -> Any:
        """``abs(self)``."""
        return self.abs()

    def mm(self, other: Any) -> Any:
        """The matrix product ``self @ other``."""
        return self @ other

    # -- small ops on the existing rules, under PyTorch's names
    def amax(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The largest values over ``dim`` (values only, ties share the gradient)."""
        return self.max(axis=dim, keepdims=keepdim) if dim is not None else (
            self.max(keepdims=keepdim))

    def amin(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The smallest values over ``dim`` (values only, ties share the gradient)."""
        return self.min(axis=dim, keepdims=keepdim) if dim is not None else (
            self.min(keepdims=keepdim))

    def contiguous(self) -> Any:
        """The tensor itself: NumPy handles any memory layout."""
        return self

    def dot(self, other: Any) -> Any:
        """The dot product: of two vectors, a scalar; otherwise NumPy's ``dot`` for
        matrices (``@``)."""
        if self.ndim == 1 and getattr(other, "ndim", np.ndim(other)) == 1:
            return (self * other).sum()
        return self @ other

    def outer(self, other: Any) -> Any:
        """The outer product of two vectors: ``self[i] * other[j]``."""
        o = other if isinstance(other, Node) else self._lift(other)
        return self.reshape(-1, 1) * o.reshape(1, -1)

    def masked_fill(self, mask: Any, value: Any) -> Any:
        """``value`` where ``mask`` holds, else the tensor (no gradient where filled)."""
        from .joins import where

        return where(mask, value, self)

    def norm(self, p: Any = 2, dim: Any = None, keepdim: bool = False) -> Any:
        """The 2-norm (or 1-norm, ``p=1``) over ``dim`` (all elements by default)."""
        if p == 1:
            return self.abs().sum(axis=dim, keepdims=keepdim)
        if p not in (2, "fro"):
            raise ValueError(f"norm: p={p!r} is not supported; use p=2 or p=1")
        return (self * self).sum(axis=dim, keepdims=keepdim).sqrt()

    def flip(self, *dims: Any) -> Any:
        """The elements in reverse order along ``dims``."""
        axes = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        index = [slice(None)] * self.ndim
        for d in axes:
            index[_one_axis(d, self.ndim, "flip")] = slice(None, None, -1)
        return self[tuple(index)]

    def exp2(self) -> Any:
        """``2 ** self``."""
        return 2.0 ** self

    def log2(self) -> Any:
        """The base-2 logarithm."""
        return self.log() * (1 / np.log(2.0))

    def relu6(self) -> Any:
        """``min(max(self, 0), 6)``."""
        return self.clip(0.0, 6.0)

    def softplus(self) -> Any:
        """log(1 + e^x), as relu(x) + log(1 + e^-|x|), which never overflows."""
        return self.relu() + ((-self.abs()).exp() + 1.0).log()

    def silu(self) -> Any:
        """``self * sigmoid(self)`` (swish)."""
        return self * self.sigmoid()

    # -- the graph
    @property
    def grad_fn(self) -> Rule | None:
        """The rule of the operation that made this tensor (its name, its derivative in the
        docstring), or None for a leaf, as PyTorch's ``grad_fn``."""
        return self._rule

    def register_hook(self, hook: Callable[[Any], Any]) -> RemovableHandle:
        """Call ``hook(grad)`` when backward computes this tensor's gradient.

        ``grad`` is a Tensor; if the hook returns something other than None it
        replaces the gradient (for a leaf, what is added to ``.grad``; for a
        result, what flows on to its inputs). Returns a handle with ``remove()``.

        >>> from autograd import Tensor
        >>> x = Tensor([1., 2.], requires_grad=True)
        >>> h = x.register_hook(lambda g: g * 10)
        >>> (x * x).sum().backward(); x.grad
        array([20., 40.], dtype=float32)
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: the tensor does not require grad, so backward "
                               "never computes its gradient")
        if not callable(hook):
            raise TypeError(f"register_hook: expected a function of the gradient, got "
                            f"{type(hook).__name__}")
        try:
            hooks = self._hooks
        except AttributeError:
            hooks = self._hooks = []
        hooks.append(hook)
        engine.hooks_registered()
        return RemovableHandle(hooks, hook)
