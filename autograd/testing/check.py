"""``check_op``: property-test a whole op in one call.

>>> import numpy as np
>>> from autograd.testing import check_op, positive_floats
>>> check_op(lambda x, y: x * y.log(), lambda x, y: x * np.log(y),
...          elements=[None, positive_floats()], max_examples=10)
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ..function import Function
from ..node import Node
from ..tensor import Tensor
from .assertions import (assert_grad_matches_numeric, assert_grad_matches_torch,
                         assert_hessian_matches_numeric, assert_same_output, describe_inputs,
                         fn_name)
from .strategies import arrays, broadcastable_shapes, floats, shapes


def _arity(fn: Callable[..., Any]) -> int:
    """How many inputs ``fn`` takes; a Function's ``apply`` counts its forward's."""
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, type) and issubclass(owner, Function):
        return _arity(owner.forward) - 1   # forward(ctx, *inputs)
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        raise TypeError("check_op: cannot read fn's signature; pass nargs=") from None
    n = sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            and p.default is p.empty)
    if n == 0:
        raise TypeError("check_op: fn takes no required positional inputs; pass nargs=")
    return n


def _elements(elements: Any, n: int) -> list[st.SearchStrategy[float]]:
    if elements is None or isinstance(elements, st.SearchStrategy):
        return [floats() if elements is None else elements] * n
    if len(elements) != n:
        raise ValueError(f"check_op: {len(elements)} element strategies for {n} arguments")
    return [floats() if e is None else e for e in elements]


def input_arrays(nargs: int, elements: Any = None, broadcast: bool = True,
                 max_dims: int = 3, max_side: int = 3) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """Tuples of ``nargs`` float64 arrays whose shapes broadcast together (or are equal)."""
    elems = _elements(elements, nargs)
    if broadcast:
        shape_sets = broadcastable_shapes(nargs, max_dims=max_dims, max_side=max_side)
    else:
        shape_sets = shapes(max_dims=max_dims, max_side=max_side).map(lambda s: (s,) * nargs)
    return shape_sets.flatmap(
        lambda ss: st.tuples(*[arrays(s, elements=e) for s, e in zip(ss, elems)]))


def check_forward(fn: Callable[..., Any], reference: Callable[..., Any],
                  xs: Sequence[np.ndarray], rtol: float = 1e-7, atol: float = 1e-10) -> None:
    """Assert ``fn`` on float64 Tensors equals ``reference`` on the arrays."""
    out = fn(*[Tensor(x) for x in xs])
    ours = np.asarray(out._data if isinstance(out, Node) else out, dtype=np.float64)
    ref = np.asarray(reference(*[np.array(x) for x in xs]), dtype=np.float64)
    assert_same_output(ours, ref, f"forward of {fn_name(fn)}", "the reference",
                       ("chainrule", "reference"), f"\nwith\n  {describe_inputs(xs)}", atol, rtol)


def check_float32(fn: Callable[..., Any], xs: Sequence[np.ndarray]) -> None:
    """Assert float32 inputs give a float32 output and float32 gradients of their shapes."""
    ts = [Tensor(np.asarray(x, dtype=np.float32), requires_grad=True) for x in xs]
    out = fn(*ts)
    if out.dtype != np.float32:
        raise AssertionError(f"{fn_name(fn)}: float32 inputs gave a {out.dtype} output")
    if not out.requires_grad:
        return
    out.sum().backward()
    for i, t in enumerate(ts):
        if t.grad is not None and (t.grad.dtype != np.float32 or t.grad.shape != t.shape):
            raise AssertionError(f"{fn_name(fn)}: input {i} (float32, shape {t.shape}) got a "
                                 f"gradient of dtype {t.grad.dtype} and shape {t.grad.shape}")


def scalarize(fn: Callable[..., Any], seed: int = 0) -> Callable[..., Any]:
    """x -> sum(w * fn(x) ** 2) with fixed random w: a scalar whose Hessian involves fn's
    VJP run on recording tensors, even when fn is linear."""
    def h(*xs: Any) -> Any:
        y = fn(*xs)
        w = np.random.default_rng(seed).standard_normal(y.shape)
        return (y * y * w).sum()

    h.__name__ = f"sum(w * {fn_name(fn)}(...) ** 2)"
    return h


def check_op(fn: Callable[..., Any], reference: Callable[..., Any] | None = None, *,
             nargs: int | None = None, inputs: st.SearchStrategy[Any] | None = None,
             elements: Any = None, broadcast: bool = True, second_order: bool = True,
             float32: bool = True, torch_fn: Callable[..., Any] | None = None,
             eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
             max_examples: int | None = None) -> None:
    """Property-test ``fn`` (Tensors in, a Tensor out) over drawn shapes and values.

    For every drawn example: the forward against ``reference`` (the same
    function on NumPy arrays), the gradient against central differences,
    the second derivative against differences of the gradient (unless
    ``second_order=False``), float32 in giving float32 out and float32
    gradients, and, given ``torch_fn``, values and gradients against PyTorch.

    Inputs are ``nargs`` float64 arrays (by default, as many as ``fn`` has
    required parameters) whose shapes broadcast together (``broadcast=False``:
    one shape); ``elements`` is a float strategy, or one per argument (None
    for the default), e.g. ``[None, positive_floats()]``. ``inputs`` replaces
    all that with a strategy of tuples of arrays. Hypothesis shrinks a
    failure to a small example and prints it. Call it from a plain test, not
    from inside another ``@given``.
    """
    n = _arity(fn) if nargs is None else nargs
    strategy = inputs if inputs is not None else input_arrays(n, elements, broadcast)
    hessian_fn = scalarize(fn)

    def run(xs: tuple[np.ndarray, ...]) -> None:
        xs = tuple(np.asarray(x, dtype=np.float64) for x in xs)
        if reference is not None:
            check_forward(fn, reference, xs)
        assert_grad_matches_numeric(fn, *xs, eps=eps, atol=atol, rtol=rtol)
        if second_order:
            assert_hessian_matches_numeric(hessian_fn, *xs, atol=max(atol, 1e-4), rtol=rtol)
        if float32:
            check_float32(fn, xs)
        if torch_fn is not None:
            assert_grad_matches_torch(fn, torch_fn, *xs)

    test = given(strategy)(run)
    if max_examples is not None:
        test = settings(max_examples=max_examples)(test)
    test()
