"""Hypothesis strategies for property-testing derivatives.

Every strategy shrinks towards small shapes and simple numbers (0.0, 1.0,
shape ``()`` or ``(1,)``), so a failing property reports a counterexample a
person can check by hand. Floats are finite, normal and moderate (|x| <= 3 by
default): beyond that, central differences lose their digits and a mismatch
says more about floating point than about the derivative. Two kinds of draws
go further on purpose: :func:`saturating_floats` and :func:`probabilities`
reach where tanh, sigmoid, softmax and the losses saturate, and
:func:`kink_floats` and :func:`tie_arrays` land exactly on kinks and ties,
where the derivative is a documented choice.

>>> from hypothesis import find
>>> from autograd.testing import shapes, broadcastable_shapes
>>> find(shapes(), lambda s: len(s) >= 2)
(1, 1)
>>> find(broadcastable_shapes(2), lambda ss: len(ss[0]) > len(ss[1]))
((1,), ())
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor
from ..value import Value

#: Largest magnitude drawn by default: exp, products and powers stay well inside float64.
FLOAT_BOUND = 3.0

Shape = tuple[int, ...]


def floats(min_value: float = -FLOAT_BOUND, max_value: float = FLOAT_BOUND, *,
           avoid: Sequence[float] = (), margin: float = 1e-3) -> st.SearchStrategy[float]:
    """Finite, normal floats in [min_value, max_value], at least ``margin`` from each of ``avoid``.

    ``avoid`` lists kinks (0 for relu and abs, the bounds of clip), where the
    derivative jumps and finite differences straddle both sides.
    """
    def interval(lo: float, hi: float) -> st.SearchStrategy[float]:
        return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)

    # The allowed set is a union of intervals; drawing from them directly
    # wastes no examples, and the interval nearest 0 comes first, so examples
    # shrink towards simple numbers.
    edges = sorted(float(a) for a in avoid if min_value - margin < a < max_value + margin)
    pieces = []
    lo = min_value
    for a in edges:
        below, above = _beyond(a, -margin), _beyond(a, margin)
        if below >= lo:
            pieces.append((lo, below))
        lo = max(lo, above)
    if lo <= max_value:
        pieces.append((lo, max_value))
    if not pieces:
        raise ValueError(f"floats: nothing in [{min_value}, {max_value}] is {margin} away "
                         f"from {tuple(avoid)}")
    pieces.sort(key=lambda p: (0.0 if p[0] <= 0.0 <= p[1] else min(abs(p[0]), abs(p[1])),
                               p[1] <= 0.0))
    return st.one_of(*[interval(a, b) for a, b in pieces])


def _beyond(a: float, step: float) -> float:
    """``a + step``, moved outwards until ``abs(x - a) >= abs(step)`` holds in floating point.

    1.0 - 0.1 rounds to a float whose distance from 1.0 computes as 0.09999999999999998.
    """
    x = a + step
    while abs(x - a) < abs(step):
        x = math.nextafter(x, math.copysign(math.inf, step))
    return x


def positive_floats(min_value: float = 0.1, max_value: float = 4.0) -> st.SearchStrategy[float]:
    """Floats bounded away from 0: inputs of log, sqrt, and bases of fractional powers."""
    if min_value <= 0:
        raise ValueError(f"positive_floats: min_value must be > 0, got {min_value}")
    return floats(min_value, max_value)


def nonzero_floats(min_abs: float = 0.25, max_abs: float = FLOAT_BOUND) -> st.SearchStrategy[float]:
    """Floats with min_abs <= |x| <= max_abs: denominators and negative powers."""
    return st.one_of(floats(min_abs, max_abs), floats(-max_abs, -min_abs))


def saturating_floats(bound: float = 30.0, moderate: float = FLOAT_BOUND
                      ) -> st.SearchStrategy[float]:
    """Moderate floats, and magnitudes up to ``bound`` where tanh, sigmoid and softmax saturate.

    About half the draws lie beyond ``moderate``: derivatives there are tiny or
    the gradient is carried by one element, which is where a clamp, an
    unstable formula or a float32 rounding goes wrong.
    """
    big = floats(moderate, bound)
    return st.one_of(floats(-moderate, moderate), big, big.map(lambda v: -v))


def probabilities(saturating: bool = False) -> st.SearchStrategy[float]:
    """Floats in (0, 1) for probability inputs: [0.05, 0.95], or [1e-3, 1 - 1e-3] saturating.

    Even saturating they stay where central differences (eps 1e-6) and their
    second-order version (eps 1e-5) keep three digits; 0 and 1 themselves are
    boundaries, drawn with :func:`kink_floats`.
    """
    if not saturating:
        return floats(0.05, 0.95)
    return st.one_of(floats(0.05, 0.95), floats(1e-3, 0.05), floats(0.95, 1 - 1e-3))


def kink_floats(points: Sequence[float] = (0.0,),
                elements: st.SearchStrategy[float] | None = None) -> st.SearchStrategy[float]:
    """Floats that land exactly on ``points`` about half the time, and elsewhere otherwise.

    ``points`` are where an op has no derivative and documents a choice: 0 for
    relu, abs and leaky_relu, the bounds of clip; the other draws keep 1e-3
    away from them unless ``elements`` says otherwise. Finite differences cannot
    judge those draws; compare them with the documented subgradient
    (``subgradient=`` of :func:`autograd.testing.check_op`). Failures shrink
    to the points themselves.
    """
    points = tuple(float(p) for p in points)
    # Elsewhere means at least 1e-3 away: central differences (and their second-order
    # version, with a wider step) must not straddle a kink by a hair.
    others = floats(avoid=points) if elements is None else elements
    return st.one_of(st.sampled_from(points), others)


def tie_arrays(shape: Any = None, levels: Sequence[float] = (-0.5, 0.0, 0.5),
               dtype: Any = np.float64) -> st.SearchStrategy[np.ndarray]:
    """Arrays whose elements take a few values only, so that many of them tie.

    Two such arrays are equal at about a third of their elements (ties of
    ``maximum``/``minimum``), and a max or min along an axis is often
    reached more than once (ties of ``max``/``min``).
    """
    return arrays(shape, dtype, st.sampled_from(tuple(float(v) for v in levels)))


def grid(step: float = 0.25, bound: float = FLOAT_BOUND,
         offset: float = 0.0) -> st.SearchStrategy[float]:
    """Multiples of ``step`` (plus ``offset``) in [-bound, bound].

    Two grids with offsets that differ by half a step never meet, which keeps
    ``maximum``/``clip`` away from ties; drawn with ``unique=True`` a grid
    keeps ``max`` reductions away from ties among elements.
    """
    n = int(math.floor(bound / step))
    return st.integers(-n, n).map(lambda k: k * step + offset)


# ---------------------------------------------------------------- shapes

def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 3,
           min_side: int = 1) -> st.SearchStrategy[Shape]:
    """Array shapes; shrinks to fewer dimensions and shorter sides."""
    return st.lists(st.integers(min_side, max_side), min_size=min_dims,
                    max_size=max_dims).map(tuple)


@st.composite
def broadcastable_shapes(draw: Any, n: int = 2, min_dims: int = 0, max_dims: int = 3,
                         max_side: int = 3) -> tuple[Shape, ...]:
    """``n`` shapes that broadcast together (NumPy's rules).

    Each shape is a suffix of a common shape with some sides set to 1, so the
    drawn shapes exercise both kinds of broadcasting: prepended axes and
    stretched length-1 axes.
    """
    base = draw(shapes(min_dims, max_dims, max_side))
    out = []
    for _ in range(n):
        dropped = draw(st.integers(0, len(base) - min_dims))
        suffix = base[dropped:]
        ones = draw(st.lists(st.booleans(), min_size=len(suffix), max_size=len(suffix)))
        out.append(tuple(1 if one else side for side, one in zip(suffix, ones)))
    return tuple(out)


@st.composite
def matmul_shapes(draw: Any, max_batch_dims: int = 2, max_side: int = 3) -> tuple[Shape, Shape]:
    """Operand shapes for ``@``: vectors, matrices, and stacks whose batch axes broadcast."""
    m, k, n = (draw(st.integers(1, max_side)) for _ in range(3))
    batch_a, batch_b = draw(broadcastable_shapes(2, 0, max_batch_dims, max_side))
    left = (k,) if draw(st.booleans()) else batch_a + (m, k)
    right = (k,) if draw(st.booleans()) else batch_b + (k, n)
    return left, right


@st.composite
def axes(draw: Any, shape: Shape, allow_none: bool = True) -> Any:
    """An ``axis`` argument for a reduction over ``shape``: None, an int or a tuple.

    Ints and tuple entries may be negative; tuples name distinct axes and are
    never empty (NumPy and PyTorch disagree on what an empty tuple reduces).
    """
    ndim = len(shape)
    if ndim == 0:
        return None
    kinds = (["none"] if allow_none else []) + ["int", "tuple"]
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in chosen)


# ---------------------------------------------------------------- arrays and tensors

def _shape_strategy(shape: Any) -> st.SearchStrategy[Shape]:
    if shape is None:
        return shapes()
    if isinstance(shape, st.SearchStrategy):
        return shape
    return st.just(tuple(shape))


def arrays(shape: Any = None, dtype: Any = np.float64,
           elements: st.SearchStrategy[float] | None = None,
           unique: bool = False) -> st.SearchStrategy[np.ndarray]:
    """NumPy arrays of ``shape`` (a tuple, a strategy, or None for any small shape).

    Elements default to :func:`floats`; they are drawn in float64 and cast to
    ``dtype``, so any element strategy works for float32 too.
    """
    elems = floats() if elements is None else elements
    dt = np.dtype(dtype)
    return _shape_strategy(shape).flatmap(
        lambda s: hnp.arrays(np.float64, s, elements=elems, fill=st.nothing(), unique=unique)
    ).map(lambda a: a.astype(dt))


def tensors(shape: Any = None, dtype: Any = np.float64,
            elements: st.SearchStrategy[float] | None = None, requires_grad: bool = True,
            unique: bool = False) -> st.SearchStrategy[Tensor]:
    """``Tensor`` leaves (float64 by default, which finite differences need)."""
    return arrays(shape, dtype, elements, unique).map(
        lambda a: Tensor(a, requires_grad=requires_grad))


def positive_tensors(shape: Any = None, dtype: Any = np.float64, min_value: float = 0.1,
                     max_value: float = 4.0) -> st.SearchStrategy[Tensor]:
    """Tensors with every element in [min_value, max_value]: safe for log, sqrt, x ** 0.5."""
    return tensors(shape, dtype, positive_floats(min_value, max_value))


def nonzero_tensors(shape: Any = None, dtype: Any = np.float64,
                    min_abs: float = 0.25) -> st.SearchStrategy[Tensor]:
    """Tensors with |element| >= min_abs: safe denominators and negative powers."""
    return tensors(shape, dtype, nonzero_floats(min_abs))


#: Element strategies that keep each op's inputs where its derivative is well conditioned.
DOMAINS: dict[str, Any] = {
    "log": lambda: positive_floats(),
    "sqrt": lambda: positive_floats(),
    "div": lambda: nonzero_floats(),
    "pow": lambda: positive_floats(0.25, 3.0),
    "relu": lambda: floats(avoid=(0.0,)),
    "abs": lambda: floats(avoid=(0.0,)),
    "leaky_relu": lambda: floats(avoid=(0.0,)),
}


def well_conditioned(op: str) -> st.SearchStrategy[float]:
    """Element strategy for the inputs of ``op`` ('log', 'sqrt', 'div' (denominator), 'pow'
    (base), 'relu', 'abs', 'leaky_relu'); plain :func:`floats` for any other op."""
    make = DOMAINS.get(op)
    return floats() if make is None else make()


def values(min_value: float = -FLOAT_BOUND, max_value: float = FLOAT_BOUND, *,
           elements: st.SearchStrategy[float] | None = None,
           requires_grad: bool = True) -> st.SearchStrategy[Value]:
    """Scalar ``Value`` leaves; pass ``elements`` (e.g. ``positive_floats()``) for a domain."""
    elems = floats(min_value, max_value) if elements is None else elements
    return elems.map(lambda v: Value(v, requires_grad=requires_grad))


# ---------------------------------------------------------------- indices

def _slices(n: int) -> st.SearchStrategy[slice]:
    bound = st.one_of(st.none(), st.integers(-n, n))
    # Positive steps only: PyTorch has no negative-step slices to compare against.
    return st.builds(slice, bound, bound, st.one_of(st.none(), st.integers(1, 2)))


def _basic_item(n: int) -> st.SearchStrategy[Any]:
    return st.one_of(_slices(n), st.integers(-n, n - 1))


@st.composite
def basic_indices(draw: Any, shape: Shape) -> Any:
    """Ints (negative too), positive-step slices, ``None`` and ``...`` for ``shape``."""
    ndim = len(shape)
    front = draw(st.integers(0, ndim))
    items: list[Any] = [draw(_basic_item(n)) for n in shape[:front]]
    if draw(st.booleans()):
        back = draw(st.integers(0, ndim - front))
        items.append(Ellipsis)
        items.extend(draw(_basic_item(n)) for n in shape[ndim - back:])
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    return tuple(items)


@st.composite
def mask_indices(draw: Any, shape: Shape) -> np.ndarray:
    """A boolean mask over the leading axes of ``shape`` (at least one)."""
    lead = draw(st.integers(1, len(shape)))
    return draw(hnp.arrays(np.bool_, shape[:lead]))


@st.composite
def integer_array_indices(draw: Any, shape: Shape, repeat: bool = False) -> Any:
    """Integer arrays (negative and repeated entries) along one axis, or two adjacent axes.

    With ``repeat=True`` some element is always selected twice, so the
    gradient must add up at that element.
    """
    ndim = len(shape)
    axis = draw(st.integers(0, ndim - 1))
    n = shape[axis]
    idx = draw(hnp.arrays(np.int64, st.integers(1, 2 * n), elements=st.integers(-n, n - 1)))
    if repeat:
        idx = np.append(idx, idx[0] - n if idx[0] >= 0 else idx[0] + n)
    items: list[Any] = [slice(None)] * axis + [idx]
    if axis + 1 < ndim and draw(st.booleans()):
        m = shape[axis + 1]
        items.append(draw(hnp.arrays(np.int64, idx.shape, elements=st.integers(-m, m - 1))))
    return items[0] if len(items) == 1 else tuple(items)


def indices(shape: Shape) -> st.SearchStrategy[Any]:
    """An index for ``x[...]`` of a tensor of ``shape``: basic, boolean mask or integer arrays."""
    if len(shape) == 0:
        return basic_indices(shape)
    return st.one_of(basic_indices(shape), mask_indices(shape), integer_array_indices(shape))


def register_type_strategies() -> None:
    """Make ``hypothesis.strategies.from_type`` draw ``Tensor`` and ``Value`` leaves.

    ``st.from_type(Tensor)`` is then :func:`tensors` and ``st.from_type(Value)``
    :func:`values`, so ``@given(x=...)`` on a test annotated ``x: Tensor``
    works. Importing :mod:`autograd.testing` calls it.
    """
    # Functions of the type, not strategies: nothing is built before a test draws (as a
    # pytest plugin this runs while hypothesis is still initialising).
    st.register_type_strategy(Tensor, lambda _: tensors())
    st.register_type_strategy(Value, lambda _: values())
