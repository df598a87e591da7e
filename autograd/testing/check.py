"""``check_op``: property-test a whole op in one call.

>>> import numpy as np
>>> from autograd.testing import check_op, positive_floats
>>> check_op(lambda x, y: x * y.log(), lambda x, y: np.log(y) * x,
...          elements=[None, positive_floats()], max_examples=10)

Parameters are drawn too: a strategy per keyword, or a function of the drawn
arrays that returns one (an axis depends on the input's shape).

>>> from hypothesis import strategies as st
>>> from autograd.testing import axes
>>> check_op(lambda x, axis, keepdims: x.logsumexp(axis=axis, keepdims=keepdims),
...          lambda x, axis, keepdims: np.log(np.exp(x).sum(axis=axis, keepdims=keepdims)),
...          params={"axis": lambda x: axes(x.shape), "keepdims": st.booleans()},
...          max_examples=10)

Each drawn example goes through the checks of :data:`CHECKS`, in order: the
forward against ``reference``, the gradient against central differences (and
on kinks and ties against ``subgradient``, or the rules' documented ones),
second derivatives (``order=2``), forward mode (J t against directional
differences and against the VJP), float32 against float64, PyTorch, and the
same on ``Value`` inputs when the example is a scalar.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ..function import Function
from ..gradcheck import compare_gradients, to_float64
from ..node import Node
from ..tensor import Tensor
from ..value import Value
from .assertions import (assert_float32_matches, assert_grad_matches_torch,
                         assert_hessian_matches_numeric, assert_jvp_matches_numeric,
                         assert_same_output, describe_inputs, fn_name, raise_gradient_failure,
                         scalarize)
from .localize import find_bad_gradient
from .strategies import arrays, broadcastable_shapes, floats, saturating_floats, shapes


def _arity(fn: Callable[..., Any], params: Sequence[str] = ()) -> int:
    """How many inputs ``fn`` takes; a Function's ``apply`` counts its forward's."""
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, type) and issubclass(owner, Function):
        return _arity(owner.forward) - 1   # forward(ctx, *inputs)
    try:
        sig = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        raise TypeError("check_op: cannot read fn's signature; pass nargs=") from None
    n = sum(1 for p in sig if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            and p.default is p.empty and p.name not in params)
    if n == 0:
        raise TypeError("check_op: fn takes no required positional inputs; pass nargs=")
    return n


def _elements(elements: Any, n: int, wide: bool) -> list[st.SearchStrategy[float]]:
    default = saturating_floats() if wide else floats()
    if elements is None or isinstance(elements, st.SearchStrategy):
        return [default if elements is None else elements] * n
    if len(elements) != n:
        raise ValueError(f"check_op: {len(elements)} element strategies for {n} arguments")
    return [default if e is None else e for e in elements]


def input_arrays(nargs: int, elements: Any = None, broadcast: bool = True,
                 max_dims: int = 3, max_side: int = 3,
                 wide: bool = False) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """Tuples of ``nargs`` float64 arrays whose shapes broadcast together (or are equal)."""
    elems = _elements(elements, nargs, wide)
    if broadcast and nargs > 1:
        shape_sets = broadcastable_shapes(nargs, max_dims=max_dims, max_side=max_side)
    else:
        shape_sets = shapes(max_dims=max_dims, max_side=max_side).map(lambda s: (s,) * nargs)
    return shape_sets.flatmap(
        lambda ss: st.tuples(*[arrays(s, elements=e) for s, e in zip(ss, elems)]))


def check_forward(fn: Callable[..., Any], reference: Callable[..., Any],
                  xs: Sequence[Any], rtol: float = 1e-7, atol: float = 1e-10) -> None:
    """Assert ``fn`` on float64 Tensors (or on Values) equals ``reference`` on the arrays."""
    out = fn(*[x if isinstance(x, Value) else Tensor(x) for x in xs])
    ours = np.asarray(out._data if isinstance(out, Node) else out, dtype=np.float64)
    arrs = [np.array(x.data if isinstance(x, Value) else x) for x in xs]
    ref = np.asarray(reference(*arrs), dtype=np.float64)
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


@dataclass
class Example:
    """One drawn example, with ``fn``, the reference and the subgradient bound to its params."""

    xs: tuple[Any, ...]
    fn: Callable[..., Any]
    reference: Callable[..., Any] | None
    subgradient: Callable[..., Any] | None
    torch_fn: Callable[..., Any] | None
    on_kinks: bool = False


@dataclass
class Options:
    """check_op's settings, as each check reads them."""

    order: int
    float32: bool
    eps: float
    atol: float
    rtol: float
    forward_mode: bool = True


def _check_forward(ex: Example, opt: Options) -> None:
    if ex.reference is not None:
        check_forward(ex.fn, ex.reference, ex.xs)


def _check_gradient(ex: Example, opt: Options) -> None:
    # Hypothesis draws 0.0 early and often: a correct relu must not fail on its kink, where
    # differences cannot judge. Without a documented subgradient those elements are left
    # to _check_kinks.
    report = compare_gradients(ex.fn, ex.xs, eps=opt.eps, atol=opt.atol, rtol=opt.rtol,
                               subgradient=ex.subgradient, weigh_scalars=True,
                               judge_kinks=False)
    raise_gradient_failure(ex.fn, ex.xs, report, opt.eps, opt.atol, opt.rtol, 0,
                           ex.subgradient is not None, weigh_scalars=True)
    ex.on_kinks = report.on_kinks


def _check_kinks(ex: Example, opt: Options) -> None:
    """On a kink with no subgradient given: each built-in rule against its documented one."""
    if not ex.on_kinks or ex.subgradient is not None:
        return
    xs = [to_float64(x) for x in ex.xs]
    out = ex.fn(*xs)
    if not isinstance(out, Node) or not out.requires_grad:
        return
    bad = find_bad_gradient(out, eps=opt.eps, atol=opt.atol, rtol=opt.rtol)
    if bad is not None:
        raise AssertionError(f"{fn_name(ex.fn)}: an input sits on a kink or a tie, where "
                             f"finite differences cannot judge, and there {bad}\nwith\n  "
                             f"{describe_inputs(ex.xs)}")


def _check_second_order(ex: Example, opt: Options) -> None:
    # On a kink the gradient jumps: no second derivative exists for differences to check.
    if opt.order >= 2 and not ex.on_kinks:
        assert_hessian_matches_numeric(scalarize(ex.fn), *ex.xs, atol=max(opt.atol, 1e-4),
                                       rtol=opt.rtol)


def _check_forward_mode(ex: Example, opt: Options) -> None:
    # J t along a random tangent against directional differences, and <v, J t> against
    # <J^T v, t>; on a kink neither derivative exists for differences to judge.
    if opt.forward_mode and not ex.on_kinks:
        assert_jvp_matches_numeric(ex.fn, *ex.xs, eps=opt.eps, atol=opt.atol, rtol=opt.rtol)


def _check_float32(ex: Example, opt: Options) -> None:
    if opt.float32 and not isinstance(ex.xs[0], Value):
        check_float32(ex.fn, ex.xs)
        assert_float32_matches(ex.fn, *ex.xs, atol=opt.atol, rtol=opt.rtol)


def _check_torch(ex: Example, opt: Options) -> None:
    if ex.torch_fn is not None and not isinstance(ex.xs[0], Value):
        assert_grad_matches_torch(ex.fn, ex.torch_fn, *ex.xs)


#: The checks every example goes through, in order. A new kind of check (a
#: forward-mode JVP against directional differences, say) is one more entry.
CHECKS: list[tuple[str, Callable[[Example, Options], None]]] = [
    ("forward", _check_forward),
    ("gradient", _check_gradient),
    ("kinks", _check_kinks),
    ("second order", _check_second_order),
    ("forward mode", _check_forward_mode),
    ("float32", _check_float32),
    ("torch", _check_torch),
]


def _bound(fn: Callable[..., Any] | None, params: dict[str, Any]) -> Callable[..., Any] | None:
    """``fn`` with the drawn keyword parameters applied (itself when there are none)."""
    if fn is None or not params:
        return fn

    def bound(*xs: Any) -> Any:
        return fn(*xs, **params)

    bound.__name__ = f"{fn_name(fn)}({', '.join(f'{k}={v!r}' for k, v in params.items())})"
    return bound


def _draw_params(data: Any, params: dict[str, Any], xs: tuple[Any, ...]) -> dict[str, Any]:
    drawn = {}
    for name, strategy in params.items():
        if not isinstance(strategy, st.SearchStrategy):
            strategy = strategy(*xs)
        drawn[name] = data.draw(strategy, label=name)
    return drawn


def check_op(fn: Callable[..., Any], reference: Callable[..., Any] | None = None, *,
             nargs: int | None = None, inputs: st.SearchStrategy[Any] | None = None,
             elements: Any = None, broadcast: bool = True, wide: bool = False,
             params: dict[str, Any] | None = None,
             subgradient: Callable[..., Any] | None = None, order: int = 2,
             float32: bool = True, forward_mode: bool = True, values: bool | None = None,
             torch_fn: Callable[..., Any] | None = None, eps: float = 1e-6,
             atol: float = 1e-5, rtol: float = 1e-3, max_examples: int | None = None) -> None:
    """Property-test ``fn`` (Tensors in, a Tensor out) over drawn shapes, values and parameters.

    For every drawn example, each check of :data:`CHECKS`:

    - the forward against ``reference`` (the same function on NumPy arrays);
    - the gradient against central differences, with a random weight on
      every output (a scalar output too, so a backward that ignores its
      incoming gradient is caught), away from kinks and ties, where
      differences are meaningless. Given ``subgradient``, the documented
      gradient in NumPy with a VJP's signature ``(g, ans, *xs)`` (plus the
      drawn parameters), the gradient is compared with it everywhere (draw
      kinks on purpose with ``kink_floats`` or ``tie_arrays``); without it,
      an example on a kink has each built-in rule of its graph checked
      against the rule's documented subgradient (``find_bad_gradient``),
      and a ``Function`` of yours is not judged there;
    - with ``order=2`` (the default; ``order=1`` skips it), Hessian-vector
      products against finite differences of the gradient;
    - with ``forward_mode=True`` (the default), forward mode: the JVP along a
      random tangent against directional central differences, and against
      the VJP by <v, J t> = <J^T v, t> (a ``Function`` without ``jvp`` gets
      the one derived from its backward);
    - with ``float32=True`` (the default), float32 in giving float32 out and
      float32 gradients, and the gradient computed in float32 against the
      float64 one with a tolerance scaled to float32's epsilon and the op's
      conditioning (:func:`autograd.gradcheck.compare_float32`): a backward
      that is 1% off in float32 only is caught;
    - given ``torch_fn``, values and gradients against PyTorch.

    An example whose inputs are all scalars runs on ``Value`` inputs too
    (their own code path); ``values=None`` does so when ``fn`` accepts
    Values, ``True`` requires it, ``False`` skips it.

    Inputs are ``nargs`` float64 arrays (by default, as many as ``fn`` has
    required positional parameters that are not in ``params``) whose shapes
    broadcast together (``broadcast=False``: one shape); ``elements`` is a
    float strategy, or one per argument (None for the default, |x| <= 3, or
    with ``wide=True`` magnitudes up to 30, where tanh, sigmoid and softmax
    saturate). ``inputs`` replaces all that with a strategy of tuples of
    arrays. ``params`` maps keyword parameters of ``fn`` (and of
    ``reference`` and ``torch_fn``) to strategies, or to functions of the
    drawn arrays returning strategies, e.g.
    ``{"axis": lambda x: axes(x.shape), "keepdims": st.booleans()}``.
    Hypothesis shrinks a failure to a small example and prints it. Call it
    from a plain test, not from inside another ``@given``.
    """
    params = dict(params or {})
    n = _arity(fn, tuple(params)) if nargs is None else nargs
    strategy = inputs if inputs is not None else input_arrays(n, elements, broadcast, wide=wide)
    opt = Options(order, float32, eps, atol, rtol, forward_mode)
    takes_values = {"answer": values}

    def example(xs: tuple[Any, ...], drawn: dict[str, Any]) -> Example:
        sub = subgradient
        if sub is not None and drawn:
            sub = (lambda g, ans, *a: subgradient(g, ans, *a, **drawn))  # noqa: E731
        return Example(xs, _bound(fn, drawn), _bound(reference, drawn), sub,
                       _bound(torch_fn, drawn))

    def run(data: Any) -> None:
        xs = tuple(np.asarray(x, dtype=np.float64) for x in data.draw(strategy, label="inputs"))
        drawn = _draw_params(data, params, xs)
        ex = example(xs, drawn)
        for _, check in CHECKS:
            check(ex, opt)
        if all(x.ndim == 0 for x in xs) and _accepts_values(ex, takes_values):
            scalar = example(tuple(Value(float(x)) for x in xs), drawn)
            for _, check in CHECKS:
                check(scalar, opt)

    test = given(data=st.data())(run)
    if max_examples is not None:
        test = settings(max_examples=max_examples)(test)
    test()


def _accepts_values(ex: Example, state: dict[str, Any]) -> bool:
    """Whether to run this scalar example on Values (asked of ``fn`` once, when unset)."""
    if state["answer"] is None:
        try:
            ex.fn(*[Value(float(x)) for x in ex.xs])
        except (TypeError, AttributeError):
            state["answer"] = False
        else:
            state["answer"] = True
    return bool(state["answer"])
