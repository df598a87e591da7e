"""NumPy's protocols on ``Tensor``: NumPy functions that have a rule record the graph.

``np.exp(t)``, ``np.sum(t, axis=0)``, ``np.maximum(t, 0)``, ``a @ t`` with an
ndarray ``a``, ``np.concatenate([t, u])``... dispatch (``__array_ufunc__``,
``__array_function__``) to the Tensor operation of the same meaning, so they
return Tensors and backpropagate. A call written NumPy's way gets NumPy's
answer (``np.max(t, axis=1)`` is the values, ``np.squeeze(t, axis=0)`` raises
on a longer axis): see :mod:`autograd.arrays`.

A NumPy function without a rule runs on the data and returns NumPy's result
when that loses no gradient: its result holds no floats (``np.allclose``,
``np.argmax``, ``np.isfinite``, ``np.shape``), it writes into ``out=`` arrays,
or no input requires grad in grad mode. Otherwise it raises a TypeError that
names the function and the Tensor method to use, instead of silently
dropping the gradient. ``np.asarray(t)`` and ``np.array(t)`` give the data
(``__array__``) and never record anything.

>>> import numpy as np
>>> from autograd import Tensor
>>> x = Tensor([0.5, 2.0], requires_grad=True)
>>> y = np.sum(np.exp(x) * np.array([1.0, 3.0], dtype=np.float32)); y.backward()
>>> type(y).__name__, [round(float(g), 3) for g in x.grad]
('Tensor', [1.649, 22.167])
>>> bool(np.allclose(x, [0.5, 2.0])), np.argmax(x)
(True, np.int64(1))
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .arrays import _number
from .grad_mode import STATE
from .node import Node


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Node) and x._tracks_versions


def _like(args: Any) -> Any:
    """The first Tensor among ``args`` (searching lists too)."""
    for a in args:
        if _is_tensor(a):
            return a
        if isinstance(a, (list, tuple)):
            found = _like(a)
            if found is not None:
                return found
    return None


def _operand(x: Any, like: Any) -> Any:
    """A ufunc's input for the Tensor operators: Tensors as they are, arrays as Tensors,
    NumPy scalars as Python numbers (which take the tensor's dtype)."""
    if _is_tensor(x):
        return x
    x = _number(x)
    if isinstance(x, (int, float, bool)):
        return x
    return like._operand(x, "numpy")


def _binary(op: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def call(a: Any, b: Any) -> Any:
        like = a if _is_tensor(a) else b
        return op(_operand(a, like), _operand(b, like))
    return call


def _compare(fn: Any) -> Callable[..., Any]:
    def call(a: Any, b: Any) -> Any:
        like = a if _is_tensor(a) else b
        x = _operand(a, like)
        if not _is_tensor(x):
            x = like._new(np.asarray(x))
        return x._compare(b, fn)
    return call


def _power(a: Any, b: Any) -> Any:
    # A constant base goes to the exponent's __rpow__, whose checks name both shapes.
    if _is_tensor(a):
        return a ** _operand(b, a)
    out = b.__rpow__(_number(a))
    if out is NotImplemented:
        raise TypeError(f"numpy.power: cannot raise a {type(a).__name__} to a Tensor power")
    return out


def _maximum(a: Any, b: Any) -> Any:
    from .joins import maximum

    return maximum(_number(a), _number(b))


def _minimum(a: Any, b: Any) -> Any:
    from .joins import minimum

    return minimum(_number(a), _number(b))


UFUNCS: dict[Any, Callable[..., Any]] = {
    np.add: _binary(lambda a, b: a + b),
    np.subtract: _binary(lambda a, b: a - b),
    np.multiply: _binary(lambda a, b: a * b),
    np.true_divide: _binary(lambda a, b: a / b),
    np.power: _power,
    np.matmul: _binary(lambda a, b: a @ b),
    np.maximum: _maximum,
    np.minimum: _minimum,
    np.negative: lambda a: -a,
    np.positive: lambda a: a,
    np.square: lambda a: a * a,
    np.reciprocal: lambda a: 1.0 / a,
    np.exp: lambda a: a.exp(),
    np.exp2: lambda a: a.exp2(),
    np.log2: lambda a: a.log2(),
    np.log: lambda a: a.log(),
    np.sqrt: lambda a: a.sqrt(),
    np.tanh: lambda a: a.tanh(),
    np.sin: lambda a: a.sin(),
    np.cos: lambda a: a.cos(),
    np.absolute: lambda a: a.abs(),
    np.equal: _compare(np.equal),
    np.not_equal: _compare(np.not_equal),
    np.less: _compare(np.less),
    np.less_equal: _compare(np.less_equal),
    np.greater: _compare(np.greater),
    np.greater_equal: _compare(np.greater_equal),
}

# What to use instead of NumPy functions that have no rule, for the error message.
HINTS = {
    "copy": "t.clone()", "round": "no rounding rule: round t.detach().numpy()",
    "sign": "t.sign()", "tensordot": "reshape and @", "einsum": "reshape, transpose and @",
    "log10": "t.log() / np.log(10)", "norm": "t.norm()", "prod": "t.log().sum().exp()",
    "cumsum": "no cumsum rule: a matrix product with a triangular matrix of ones",
}


def _no_keywords(name: str, kwargs: dict[str, Any], allowed: tuple[str, ...] = ()) -> None:
    for k, v in kwargs.items():
        if k not in allowed and v is not None and not (k == "keepdims" and v is False):
            raise TypeError(f"numpy.{name} on a Tensor: the keyword {k}= is not supported "
                            "(it has a Tensor method without it)")


def _reduction(method: str) -> Callable[..., Any]:
    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
             keepdims: Any = False, **rest: Any) -> Any:
        _no_keywords(method, {"dtype": dtype, "out": out, **rest}, ("ddof",))
        extra = {"ddof": rest["ddof"]} if rest.get("ddof") is not None else {}
        return getattr(a, method)(axis=axis, keepdims=bool(keepdims), **extra)
    return call


def _extreme(method: str) -> Callable[..., Any]:
    def call(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False,
             **rest: Any) -> Any:
        _no_keywords(method, {"out": out, **rest})
        return getattr(a, method)(axis=axis, keepdims=bool(keepdims))
    return call


def _reshape(a: Any, *args: Any, **kwargs: Any) -> Any:
    shape = args[0] if args else kwargs.pop("shape", None)
    if shape is None:
        shape = kwargs.pop("newshape", None)
    _no_keywords("reshape", {k: v for k, v in kwargs.items() if k != "order" or v != "C"})
    return a.reshape(shape)


def _transpose(a: Any, axes: Any = None) -> Any:
    return a.transpose() if axes is None else a.transpose(tuple(axes))


def _concatenate(arrays: Any, axis: Any = 0, out: Any = None, **rest: Any) -> Any:
    from .joins import cat

    _no_keywords("concatenate", {"out": out, **rest})
    return cat(list(arrays), axis)


def _stack(arrays: Any, axis: Any = 0, out: Any = None, **rest: Any) -> Any:
    from .joins import stack

    _no_keywords("stack", {"out": out, **rest})
    return stack(list(arrays), axis)


def _where(cond: Any, *xy: Any) -> Any:
    from .joins import where

    if len(xy) != 2:
        return NotImplemented  # np.where(cond) alone: the indices, computed on the data
    return where(cond, *xy)


def _clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, **kwargs: Any) -> Any:
    lo = kwargs.pop("min", a_min)
    hi = kwargs.pop("max", a_max)
    _no_keywords("clip", {"out": out, **kwargs})
    return a.clip(_number(lo), _number(hi))


FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: _reduction("sum"),
    np.mean: _reduction("mean"),
    np.var: _reduction("var"),
    np.std: _reduction("std"),
    np.max: _extreme("max"),
    np.min: _extreme("min"),
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.where: _where,
    np.clip: _clip,
    np.squeeze: lambda a, axis=None: a.squeeze(axis=axis),
    np.expand_dims: lambda a, axis: a.unsqueeze(axis),
    np.swapaxes: lambda a, axis1, axis2: a.swapaxes(axis1, axis2),
    np.broadcast_to: lambda array, shape, subok=False: array.broadcast_to(shape),
    np.matmul: _binary(lambda a, b: a @ b),
    np.dot: _binary(lambda a, b: a.dot(b)),
    np.outer: _binary(lambda a, b: a.outer(b)),
    np.flip: lambda m, axis=None: m.flip(tuple(range(m.ndim)) if axis is None else
                                         (axis,) if isinstance(axis, int) else axis),
}
for _alias in ("amax", "amin"):  # NumPy 2 keeps these as separate functions
    if hasattr(np, _alias) and getattr(np, _alias) not in FUNCTIONS:
        FUNCTIONS[getattr(np, _alias)] = FUNCTIONS[np.max if _alias == "amax" else np.min]


def _plain(x: Any) -> Any:
    """``x`` with Tensors replaced by their arrays (inside lists, tuples and dicts too)."""
    if _is_tensor(x):
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(i) for i in x)
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def _needs_grad(x: Any) -> bool:
    if _is_tensor(x):
        return x.requires_grad
    if isinstance(x, (list, tuple)):
        return any(_needs_grad(i) for i in x)
    if isinstance(x, dict):
        return any(_needs_grad(v) for v in x.values())
    return False


def _floating(x: Any) -> bool:
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype.kind in "fc"
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)):
        return any(_floating(i) for i in x)
    return False


def _on_data(name: str, fn: Callable[..., Any], args: Any, kwargs: dict[str, Any]) -> Any:
    """NumPy's ``fn`` on the data, unless that would silently drop a gradient."""
    out = fn(*_plain(args), **_plain(kwargs))
    if (STATE.enabled and kwargs.get("out") is None and _floating(out)
            and (_needs_grad(args) or _needs_grad(kwargs))):
        hint = HINTS.get(name)
        raise TypeError(
            f"numpy.{name} has no rule in chainrule, so its result would not carry the "
            "gradient of the tensor that requires grad"
            + (f"; use {hint}" if hint else "; use the Tensor methods (t.exp(), t.sum(), "
               "t.reshape(), ...) that have rules")
            + ", or call it on t.detach().numpy() if no gradient is wanted")
    return out


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", repr(fn))


class NumPyProtocols:
    """``__array_ufunc__`` and ``__array_function__`` of ``Tensor`` (a mixin)."""

    __slots__ = ()

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        op = UFUNCS.get(ufunc)
        if op is not None and method == "__call__" and not kwargs:
            return op(*inputs)
        if any(_is_tensor(o) for o in kwargs.get("out", None) or ()):
            raise TypeError(f"numpy.{ufunc.__name__}(..., out=tensor): write into a Tensor with "
                            "its in-place operators (t += x, t *= x, t[...] = x) or methods "
                            "(add_, mul_, copy_), which count the change")
        call = ufunc if method == "__call__" else getattr(ufunc, method)
        return _on_data(f"{ufunc.__name__}" + ("" if method == "__call__" else f".{method}"),
                        call, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        op = FUNCTIONS.get(func)
        if op is not None:
            out = op(*args, **kwargs)
            if out is not NotImplemented:
                return out
        return _on_data(_name(func), func, args, kwargs)
