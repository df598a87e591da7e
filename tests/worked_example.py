"""The worked example the drawing and stepper tests share.

z1 = w·x with w = 1, x = 0.5; z2 = z1 + b with b = 0.1; z3 = relu(z2);
L = (z3 - 1)^2, so L = 0.16, dL/dz3 = -0.8, dL/dw = -0.4, dL/db = -0.8.
"""
from __future__ import annotations

from autograd import Value


def neuron(w, x, b):
    """The worked example as a function of its inputs: L = (relu(w x + b) - 1)^2, labelled."""
    z1 = w * x
    z1.label = "z1"
    z2 = z1 + b
    z2.label = "z2"
    z3 = z2.relu()
    z3.label = "z3"
    L = (z3 - 1) ** 2
    L.label = "L"
    return L


def worked_example():
    """(L, (w, x, b), (z1, z2, z3)) with every node labelled."""
    w = Value(1.0, label="w")
    x = Value(0.5, label="x")
    b = Value(0.1, label="b")
    L = neuron(w, x, b)
    z3 = L.parents[0].parents[0]        # L = (z3 - 1) ** 2
    z2 = z3.parents[0]
    z1 = z2.parents[0]
    return L, (w, x, b), (z1, z2, z3)
