"""Bad inputs are refused with a clear error instead of a silent wrong value or gradient."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import Tensor, Value, draw_graph, stack

ACCEPTED = "expected real numbers"


@pytest.mark.parametrize("data, what", [
    (None, "from None"),                                  # was Tensor(nan)
    ([1.0, None], "holding NoneType None"),               # was [1, nan]
    (["1", "2"], "strings"),                              # was [1., 2.]
    (np.array([1.0, 2.0], dtype=object), "Python objects"),  # was an object tensor
    (np.array([1 + 2j]), "complex numbers"),              # was a complex tensor
    ([1 + 2j], "complex numbers"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "dates"),
    ([1.0, "ab"], "strings"),
])
def test_non_real_data_is_refused_naming_what_was_given(data, what):
    with pytest.raises(TypeError) as info:
        Tensor(data)
    assert what in str(info.value) and ACCEPTED in str(info.value)


NON_REAL = st.sampled_from([np.complex64, np.complex128, "U3", "S2", "datetime64[D]",
                            "timedelta64[s]"])


@given(hnp.arrays(NON_REAL, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)))
def test_every_non_real_array_is_refused(arr):
    with pytest.raises(TypeError, match=re.escape(f"dtype {arr.dtype}")):
        Tensor(arr)


@given(hnp.arrays(st.sampled_from([np.bool_, np.int8, np.uint16, np.int64, np.float16,
                                   np.float32, np.float64]),
                  hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)))
def test_real_arrays_keep_their_dtype_and_memory(arr):
    t = Tensor(arr)
    assert t.dtype == arr.dtype and np.shares_memory(t.data, arr) or arr.size == 0


def test_a_complex_constant_cannot_silently_lose_its_imaginary_part():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="complex numbers"):
        np.array([1 + 1j, 2 + 0j]) * x                    # was: x.grad [1, 2], a real-only part
    with pytest.raises(TypeError, match="complex"):
        Tensor([1.0, 2.0], dtype=np.complex128)
    assert x.grad is None


def test_a_list_of_tensors_that_require_grad_points_to_stack():
    t1, t2 = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"autograd\.stack"):
        Tensor([t1, t2])                                  # was: a detached copy, gradient lost
    s = stack([t1, t2])
    (s * s).sum().backward()
    assert t1.grad.tolist() == [2.0] and t2.grad.tolist() == [4.0]
    joined = Tensor([t1.detach(), t2.detach()])           # explicitly outside the graph: fine
    assert joined.shape == (2, 1) and not joined.requires_grad


def test_requires_grad_can_change_only_on_leaves():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    with pytest.raises(RuntimeError, match=r"only leaf tensors .* 'mul'.*\.detach\(\)"):
        h.requires_grad = False                           # was: silently x.grad [2, 4]
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        h.requires_grad_(False)
    (h * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])     # d(2 x^2)/dx = 4x
    leaf = Tensor([1.0, 2.0])
    leaf.requires_grad = True                             # a float leaf may change either way
    leaf.requires_grad = False
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2], dtype=np.int64).requires_grad = True


def test_draw_graph_max_nodes_none_means_no_limit():
    x = Value(0.5, label="x")
    y = x
    for _ in range(300):
        y = y * 1.0                                       # 601 values with the constants
    source = draw_graph(y, max_nodes=None).source         # was a bare TypeError
    assert source.count("->") == 900
    with pytest.raises(TypeError, match="max_nodes must be an int or None"):
        draw_graph(y, max_nodes="all")
