"""A scalar cross-oracle: run a Tensor function element by element on ``Value``s.

:func:`to_values` turns a tensor into a :class:`ValueArray`, an object array
of ``Value`` leaves with the Tensor methods a typical expression uses
(arithmetic with broadcasting, elementwise math, ``sum``/``mean``/``var``,
``reshape``, ``T``, ``@`` as explicit sums of products). The same function
then runs on both engines: the scalar graph shares no code with the Tensor
ops beyond the elementwise rules, so agreement is a PyTorch-free check of
Tensor gradients. It also makes broadcasting visible: an element used by
several outputs has several outgoing edges, and its gradient is their sum.

>>> from autograd.testing import to_values, uses
>>> x = to_values([1.0, 2.0, 3.0])
>>> y = to_values([[10.0], [20.0]])
>>> z = x * y                 # shape (2, 3): each x[j] meets both rows of y
>>> uses(x, z)
array([2, 2, 2])
>>> uses(y, z)
array([[3],
       [3]])
>>> z.sum().backward()
>>> x.grad                    # each gradient sums over the two rows: 10 + 20
array([30., 30., 30.])
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..engine import toposort
from ..gradcheck import analytic_gradient, compare, projection, to_float64
from ..node import Node
from ..value import Value
from .assertions import assert_same_output, data_of, describe, describe_inputs, fn_name


def _unary(name: str) -> Any:
    call = np.frompyfunc(lambda v: getattr(v, name)(), 1, 1)

    def method(self: "ValueArray") -> "ValueArray":
        return ValueArray(call(self.values))

    method.__name__ = name
    method.__doc__ = f"Elementwise {name} of every Value."
    return method


def _binary(op: Callable[[Any, Any], Any], reflected: bool = False) -> Any:
    def method(self: "ValueArray", other: Any) -> "ValueArray":
        o = other.values if isinstance(other, ValueArray) else other
        return ValueArray(op(o, self.values) if reflected else op(self.values, o))

    return method


class ValueArray:
    """An object ndarray of ``Value``s that answers to Tensor's method names."""

    __slots__ = ("values",)
    __array_ufunc__ = None  # ndarray <op> ValueArray defers to ValueArray

    def __init__(self, values: Any) -> None:
        if isinstance(values, (list, tuple)):
            values = np.array(values, dtype=object)
        if isinstance(values, np.ndarray):
            arr = values if values.dtype == object else values.astype(object)
        else:
            # Reducing an object array to one element returns the element itself.
            arr = np.empty((), dtype=object)
            arr[()] = values
        self.values = arr

    # -- what a Tensor exposes
    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    @property
    def ndim(self) -> int:
        return self.values.ndim

    @property
    def size(self) -> int:
        return self.values.size

    @property
    def data(self) -> np.ndarray:
        """The elements' data as a float64 array."""
        return np.vectorize(lambda v: float(data_of(v)), otypes=[np.float64])(self.values)

    @property
    def grad(self) -> np.ndarray:
        """The elements' ``.grad`` as a float64 array (0 where unused)."""
        return np.vectorize(lambda v: float(getattr(v, "grad", 0.0)),
                            otypes=[np.float64])(self.values)

    def item(self) -> Value:
        """The single element, a ``Value``."""
        if self.values.size != 1:
            raise ValueError(f"item(): needs one element, got shape {self.shape}")
        return self.values.reshape(-1)[0]

    def backward(self) -> None:
        """Backpropagate from the single element (like ``Tensor.backward`` on a scalar)."""
        self.item().backward()

    def __repr__(self) -> str:
        return f"ValueArray({np.array2string(self.data, separator=', ')})"

    # -- arithmetic (broadcasting is NumPy's, on the object array)
    __add__ = _binary(np.add)
    __radd__ = _binary(np.add, reflected=True)
    __sub__ = _binary(np.subtract)
    __rsub__ = _binary(np.subtract, reflected=True)
    __mul__ = _binary(np.multiply)
    __rmul__ = _binary(np.multiply, reflected=True)
    __truediv__ = _binary(np.true_divide)
    __rtruediv__ = _binary(np.true_divide, reflected=True)
    __pow__ = _binary(np.power)
    __rpow__ = _binary(np.power, reflected=True)

    def __neg__(self) -> "ValueArray":
        return ValueArray(-self.values)

    exp = _unary("exp")
    log = _unary("log")
    sqrt = _unary("sqrt")
    sin = _unary("sin")
    cos = _unary("cos")
    tanh = _unary("tanh")
    sigmoid = _unary("sigmoid")
    relu = _unary("relu")
    abs = _unary("abs")
    __abs__ = abs

    def leaky_relu(self, negative_slope: float = 0.01) -> "ValueArray":
        """Elementwise leaky relu of every Value."""
        return ValueArray(np.frompyfunc(lambda v: v.leaky_relu(negative_slope), 1, 1)(self.values))

    # -- reductions: explicit sums of Values
    def sum(self, axis: Any = None, keepdims: bool = False) -> "ValueArray":
        """Sum over ``axis`` by repeated ``+`` on the Values."""
        return ValueArray(np.add.reduce(self.values, axis=_axis(axis), keepdims=keepdims))

    def _count(self, axis: Any) -> int:
        if axis is None:
            return self.values.size
        ax = (axis,) if isinstance(axis, int) else tuple(axis)
        return int(np.prod([self.shape[a] for a in ax]))

    def mean(self, axis: Any = None, keepdims: bool = False) -> "ValueArray":
        """The sum over ``axis`` times 1/n."""
        return self.sum(axis, keepdims) * (1.0 / self._count(axis))

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> "ValueArray":
        """Mean squared deviation over ``axis`` (divided by n - ddof)."""
        d = self - self.mean(axis, keepdims=True)
        return (d * d).sum(axis, keepdims) * (1.0 / (self._count(axis) - ddof))

    # -- shape
    def reshape(self, *shape: Any) -> "ValueArray":
        """The same Values in a new shape."""
        target = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return ValueArray(self.values.reshape(target))

    def transpose(self, *axes: Any) -> "ValueArray":
        """The same Values with the axes reversed or permuted."""
        return ValueArray(self.values.transpose(*axes) if axes else self.values.T)

    permute = transpose

    @property
    def T(self) -> "ValueArray":
        """The same Values with the axes reversed."""
        return ValueArray(self.values.T)

    def __getitem__(self, index: Any) -> "ValueArray":
        """The selected Values (repeated ones are the same node: their gradients add up)."""
        return ValueArray(self.values[index])

    def __matmul__(self, other: Any) -> "ValueArray":
        """(a @ b)[..., i, j] = sum over k of a[..., i, k] * b[..., k, j], as explicit sums."""
        a = self.values
        b = other.values if isinstance(other, ValueArray) else np.asarray(other, dtype=object)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        out = np.add.reduce(a2[..., :, :, None] * b2[..., None, :, :], axis=-2)
        if b.ndim == 1:
            out = out[..., 0]
        if a.ndim == 1:
            out = out[..., 0, :] if b.ndim > 1 else out[..., 0]
        return ValueArray(out)


def _axis(axis: Any) -> Any:
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(axis)


def to_values(x: Any, requires_grad: bool = True) -> ValueArray:
    """A ValueArray of fresh ``Value`` leaves holding the elements of a Tensor, array or list."""
    data = np.asarray(data_of(x), dtype=np.float64)
    out = np.empty(data.shape, dtype=object)
    for i in np.ndindex(data.shape):
        out[i] = Value(float(data[i]), requires_grad=requires_grad)
    return ValueArray(out)


def uses(x: ValueArray, out: ValueArray) -> np.ndarray:
    """How many graph edges below ``out`` start at each element of ``x``.

    An element's gradient is a sum with one term per edge: where broadcasting
    reused an element k times, its gradient adds up k contributions.
    """
    position = {id(v): i for i, v in np.ndenumerate(x.values)}
    counts = np.zeros(x.shape, dtype=int)
    for node in toposort(_nodes(out.values.reshape(-1))):
        for p in node._parents:
            i = position.get(id(p))
            if i is not None:
                counts[i] += 1
    return counts


def _nodes(items: Iterable[Any]) -> list[Node]:
    return [v for v in items if isinstance(v, Node)]


def scalar_gradients(fn: Callable[..., Any], *inputs: Any, seed: int = 0
                     ) -> tuple[np.ndarray, list[np.ndarray]]:
    """``fn`` evaluated on Values: its output data and the gradients of sum(output * w).

    w is gradcheck's fixed random projection for ``seed``, so the numbers are
    comparable with the engine's Tensor gradients for the same seed.
    """
    vas = [to_values(x) for x in inputs]
    out = fn(*vas)
    if not isinstance(out, ValueArray):
        out = ValueArray(out)
    data = out.data
    w = np.broadcast_to(projection(data, seed), data.shape)
    total = None
    for v, wi in zip(out.values.reshape(-1), w.reshape(-1)):
        term = v * float(wi)
        total = term if total is None else total + term
    if isinstance(total, Node) and total.requires_grad:
        total.backward()
    return data, [va.grad for va in vas]


def assert_matches_scalar_oracle(fn: Callable[..., Any], *inputs: Any, atol: float = 1e-9,
                                 rtol: float = 1e-7, seed: int = 0) -> None:
    """Assert ``fn`` gives the same output and gradients on Tensors and on Values.

    ``fn`` must use only what both a Tensor and a :class:`ValueArray`
    support. Both sides run in float64 with the same projection weights.
    """
    xs = [to_float64(x) for x in inputs]
    out = fn(*xs)
    ours = np.asarray(data_of(out), dtype=np.float64)
    ref_out, ref_grads = scalar_gradients(fn, *inputs, seed=seed)
    context = f"\nwith\n  {describe_inputs(inputs)}"
    assert_same_output(ours, ref_out, fn_name(fn), "the scalar oracle's", ("tensor", "scalar"),
                       context, atol, rtol)
    report = compare(analytic_gradient(fn, xs, projection(out, seed)), ref_grads, atol, rtol)
    if not report.ok:
        raise AssertionError(f"the Tensor gradient of {fn_name(fn)} differs from the scalar "
                             f"oracle's: {describe(report, 'tensor', 'scalar')}{context}")
