"""Built-in cases for Tensor operations derived from the primitives.

``mean`` is a sum times 1/n, ``squeeze`` a reshape, ``T`` a transpose: no
rule of their own, but their argument handling (negative axes, keepdims,
-1 sizes, PyTorch's keyword names) and the way they combine primitives
deserve the same checks. Indexing and matmul get one case per kind, so each
kind is drawn in every run.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..tensor import Tensor, maximum, minimum, where
from .cases import Case, rule_case, torch, torch_dim, torch_index
from .strategies import (arrays, axes, basic_indices, broadcastable_shapes, floats, grid,
                         integer_array_indices, mask_indices, nonzero_floats, shapes)


@rule_case("mean", derived=True)
def _mean(draw: Any) -> Case:
    shape = draw(shapes())
    axis, keepdims = draw(axes(shape)), draw(st.booleans())
    x = draw(arrays(shape))
    return Case(lambda t: t.mean(axis=axis, keepdims=keepdims), (x,),
                lambda t: t.mean(dim=torch_dim(axis, t.ndim), keepdim=keepdims),
                f"mean(axis={axis}, keepdims={keepdims})")


@rule_case("var", derived=True)
def _var(draw: Any) -> Case:
    shape = draw(shapes())
    axis, keepdims = draw(axes(shape)), draw(st.booleans())
    kept = np.empty(shape).sum(axis=axis, keepdims=True).shape
    count = int(np.prod(shape)) // int(np.prod(kept))  # elements per variance
    ddof = draw(st.integers(0, 1)) if count > 1 else 0
    x = draw(arrays(shape))
    return Case(lambda t: t.var(axis=axis, keepdims=keepdims, ddof=ddof), (x,),
                lambda t: t.var(dim=torch_dim(axis, t.ndim), correction=ddof, keepdim=keepdims),
                f"var(axis={axis}, keepdims={keepdims}, ddof={ddof})")


@rule_case("squeeze", derived=True)
def _squeeze(draw: Any) -> Case:
    shape = list(draw(shapes(max_dims=2)))
    shape.insert(draw(st.integers(0, len(shape))), 1)
    ones = [i for i, n in enumerate(shape) if n == 1]
    axis = draw(st.one_of(st.none(), st.sampled_from(ones), st.sampled_from(ones).map(
        lambda a: a - len(shape))))
    x = draw(arrays(tuple(shape)))
    return Case(lambda t: t.squeeze(axis), (x,),
                lambda t: t.squeeze() if axis is None else t.squeeze(axis),
                f"squeeze({axis})")


@rule_case("unsqueeze", derived=True)
def _unsqueeze(draw: Any) -> Case:
    shape = draw(shapes())
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    x = draw(arrays(shape))
    return Case(lambda t: t.unsqueeze(axis), (x,), lambda t: t.unsqueeze(axis),
                f"unsqueeze({axis})")


@rule_case("flatten", derived=True)
def _flatten(draw: Any) -> Case:
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    start = draw(st.integers(0, n - 1))
    end = draw(st.integers(start, n - 1))
    start, end = (start - n if draw(st.booleans()) else start), (end - n if draw(st.booleans())
                                                                 else end)
    x = draw(arrays(shape))
    return Case(lambda t: t.flatten(start, end), (x,), lambda t: t.flatten(start, end),
                f"flatten({start}, {end})")


@rule_case("expand", derived=True)
def _expand(draw: Any) -> Case:
    shape = draw(shapes())
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    sizes = lead + tuple(draw(st.integers(1, 3)) if n == 1 and draw(st.booleans()) else -1
                         for n in shape)
    x = draw(arrays(shape))
    return Case(lambda t: t.expand(*sizes), (x,), lambda t: t.expand(sizes), f"expand{sizes}")


@rule_case("T", derived=True)
def _t(draw: Any) -> Case:
    x = draw(arrays(shapes()))
    return Case(lambda t: t.T, (x,), lambda t: t.permute(tuple(reversed(range(t.ndim)))), "x.T")


@rule_case("permute", derived=True)
def _permute(draw: Any) -> Case:
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    perm = tuple(a - n if draw(st.booleans()) else a for a in draw(st.permutations(range(n))))
    x = draw(arrays(shape))
    return Case(lambda t: t.permute(*perm), (x,), lambda t: t.permute(*perm), f"permute{perm}")


@rule_case("where(scalar branch)", derived=True)
def _where_scalar(draw: Any) -> Case:
    shape = draw(shapes())
    cond = draw(arrays(shape, elements=st.sampled_from([0.0, 1.0]))).astype(bool)
    c = draw(grid(0.5))
    x = draw(arrays(shape))
    return Case(lambda t: where(cond, t, c) * where(~cond, t, -c), (x,),
                lambda t: torch().where(torch().as_tensor(cond), t, c)
                * torch().where(torch().as_tensor(~cond), t, -c), f"where(cond, x, {c})")


@rule_case("maximum/minimum(scalar)", derived=True)
def _extremum_scalar(draw: Any) -> Case:
    c = draw(grid(0.5))
    x = draw(arrays(shapes(), elements=grid(0.5, offset=0.25)))

    def torch_fn(t: Any) -> Any:
        tc = torch()
        k = tc.as_tensor(c, dtype=t.dtype)
        return tc.maximum(t, k) - 2 * tc.minimum(t, -k)

    return Case(lambda t: maximum(t, c) - 2 * minimum(t, -c), (x,), torch_fn,
                f"maximum(x, {c}) - 2 minimum(x, {-c})")


@rule_case("reflected arithmetic", derived=True)
def _reflected(draw: Any) -> Case:
    c = draw(st.sampled_from([2.0, -1.5, 0.5]))
    x = draw(arrays(shapes(), elements=nonzero_floats()))
    return Case(lambda t: (c + t) * (c - t) + c * t + c / t + 2.0 ** t, (x,),
                lambda t: (c + t) * (c - t) + c * t + c / t + 2.0 ** t,
                f"({c} + x) * ({c} - x) + {c} * x + {c} / x + 2 ** x")


def _getitem(name: str, make_index: Any, min_dims: int) -> None:
    def body(draw: Any) -> Case:
        shape = draw(shapes(min_dims=min_dims))
        index = draw(make_index(shape))
        x = draw(arrays(shape))
        return Case(lambda t: t[index], (x,), lambda t: t[torch_index(index)], f"x[{index!r}]")

    rule_case(name, derived=True)(body)


_getitem("getitem[basic]", basic_indices, 0)
_getitem("getitem[mask]", mask_indices, 1)
_getitem("getitem[integer arrays]", integer_array_indices, 1)
_getitem("getitem[repeated integers]",
         lambda shape: integer_array_indices(shape, repeat=True), 1)


@rule_case("getitem[tensor index]", derived=True)
def _getitem_tensor(draw: Any) -> Case:
    shape = draw(shapes(min_dims=1))
    index = draw(integer_array_indices(shape).filter(lambda i: isinstance(i, np.ndarray)))
    x = draw(arrays(shape))
    return Case(lambda t: t[Tensor(index)] + t[index.tolist()], (x,),
                lambda t: t[torch().as_tensor(index)] * 2, f"x[Tensor({index!r})] + x[list]")


@rule_case("matmul[vector]", derived=True)
def _matmul_vector(draw: Any) -> Case:
    k, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["v@v", "v@M", "M@v"]))
    sa, sb = {"v@v": ((k,), (k,)), "v@M": ((k,), (k, n)), "M@v": ((n, k), (k,))}[kind]
    a, b = draw(arrays(sa)), draw(arrays(sb))
    return Case(lambda x, y: x @ y, (a, b), lambda x, y: x @ y, f"matmul {kind}")


@rule_case("matmul[matrix]", derived=True)
def _matmul_matrix(draw: Any) -> Case:
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    a, b = draw(arrays((m, k))), draw(arrays((k, n)))
    return Case(lambda x, y: x @ y, (a, b), lambda x, y: x @ y, "x @ y (matrices)")


@rule_case("matmul[batched]", derived=True)
def _matmul_batched(draw: Any) -> Case:
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    ba, bb = draw(broadcastable_shapes(2, min_dims=1, max_dims=2))
    a, b = draw(arrays(ba + (m, k))), draw(arrays(bb + (k, n), elements=floats(-2.0, 2.0)))
    return Case(lambda x, y: x @ y, (a, b), lambda x, y: x @ y, "batched x @ y")
