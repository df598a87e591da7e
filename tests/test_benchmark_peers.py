"""The scalar benchmark's peers compute what chainrule computes.

A ratio against a peer means something only if the peer does the same work:
the same loss and the same gradient for every parameter of micrograd's demo
step (``benchmarks/scalar.py``), on both workloads.
"""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))

import micrograd_ref  # noqa: E402
import python_floor  # noqa: E402
from scalar import demo_forward, micrograd_style_mlp, moons, nn_scalar_step  # noqa: E402

from autograd import Value  # noqa: E402

SIZES = [2, 16, 16, 1]
X, Y = moons(20)


def _demo_gradients(value_type: type) -> tuple[float, list[float]]:
    """Loss and parameter gradients of the demo step, one node per * and +."""
    total, params = demo_forward(value_type, micrograd_style_mlp(value_type, SIZES), X, Y)
    total.backward()
    return total.data, [p.grad for p in params]


EXPECTED = _demo_gradients(Value)


@pytest.mark.parametrize("value_type", [micrograd_ref.Value, python_floor.Value],
                         ids=["micrograd_ref", "python_floor"])
def test_same_graph_peers_give_chainrule_gradients(value_type):
    loss, grads = _demo_gradients(value_type)
    assert loss == pytest.approx(EXPECTED[0], rel=1e-12)
    assert grads == pytest.approx(EXPECTED[1], rel=1e-9, abs=1e-12)
    assert any(g != 0.0 for g in grads)


def test_floor_neurons_give_chainrule_gradients():
    model = python_floor.MLP(micrograd_style_mlp(python_floor.Value, SIZES))
    loss = nn_scalar_step(model, X, Y, python_floor.Value)
    assert loss == pytest.approx(EXPECTED[0], rel=1e-12)
    assert [p.grad for p in model.parameters()] == pytest.approx(EXPECTED[1], rel=1e-9,
                                                                 abs=1e-12)
