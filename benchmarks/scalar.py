"""Scalar workloads: micrograd's own demo step, bytes per node, deep chains.

The demo step is micrograd's README workload: a 2-16-16-1 MLP of scalar
Values on 100 moons points, SVM hinge loss plus L2, one SGD step. The same
function builds it with either engine's ``Value`` (chainrule's is a superset
of micrograd's), so both run the very same graph.
"""
from __future__ import annotations

import math
import random
import sys
import tracemalloc
from typing import Any

from common import median_time


def moons(n: int = 100, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2:
            xs.append([1 - math.cos(t) + rng.gauss(0, .1), 0.5 - math.sin(t) + rng.gauss(0, .1)])
            ys.append(-1)
        else:
            xs.append([math.cos(t) + rng.gauss(0, .1), math.sin(t) + rng.gauss(0, .1)])
            ys.append(1)
    return xs, ys


def micrograd_style_mlp(Value: Any, sizes: list[int], seed: int = 1) -> list[list[list[Any]]]:
    """Weights as lists of Values: layers[k][j] = [w_1..w_n, b] of neuron j."""
    rng = random.Random(seed)
    return [[[Value(rng.uniform(-1, 1)) for _ in range(sizes[k])] + [Value(0.0)]
             for _ in range(sizes[k + 1])] for k in range(len(sizes) - 1)]


def demo_step(Value: Any, layers: list, X: list, y: list) -> float:
    """One step of micrograd's demo: forward, hinge loss + L2, backward, SGD."""
    params = [p for layer in layers for neuron in layer for p in neuron]
    inputs = [[Value(v) for v in row] for row in X]
    scores = []
    for x in inputs:
        h = x
        for k, layer in enumerate(layers):
            out = [sum((wi * xi for wi, xi in zip(n[:-1], h)), n[-1]) for n in layer]
            h = [o.relu() for o in out] if k < len(layers) - 1 else out
        scores.append(h[0])
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in params)
    total = data_loss + reg_loss
    for p in params:
        p.grad = 0.0
    total.backward()
    for p in params:
        p.data -= 0.5 * p.grad
    return total.data


def nn_scalar_step(model: Any, X: list, y: list, Value: Any) -> float:
    """The same step through chainrule's nn.scalar.MLP (inputs as data, not parameters)."""
    scores = [model(row) for row in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= 0.5 * p.grad
    return total.data


def bytes_per_node(Value: Any, n: int = 100_000) -> float:
    """Memory held by a chain of n graph nodes (y = y * c with a Value c), per node."""
    x = Value(1.0)
    c = Value(1.0001)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    y = x
    for _ in range(n):
        y = y * c
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del y
    return used / n


def deep_chain_ok(Value: Any, depth: int) -> str:
    x = Value(1.0)
    y = x
    for _ in range(depth):
        y = y + 1.0
    try:
        y.backward()
    except RecursionError:
        return "RecursionError"
    return "ok"


def run(repeat: int = 9) -> list[dict[str, Any]]:
    from micrograd.engine import Value as MValue

    from autograd import Value

    X, y = moons()
    results = []
    sizes = [2, 16, 16, 1]
    for name, V in (("micrograd", MValue), ("chainrule", Value)):
        layers = micrograd_style_mlp(V, sizes)
        for collector in (True, False):
            t = median_time(lambda: demo_step(V, layers, X, y), repeat=repeat,
                            collector=collector)
            results.append({"workload": "micrograd demo step (same graph)", "engine": name,
                            "gc": "on" if collector else "off", "seconds": t})
    try:
        from nn.scalar import MLP

        model = MLP(2, [16, 16, 1])
        t = median_time(lambda: nn_scalar_step(model, X, y, Value), repeat=repeat)
        results.append({"workload": "micrograd demo step (nn.scalar.MLP)", "engine": "chainrule",
                        "gc": "on", "seconds": t})
    except ImportError:
        pass
    for name, V in (("micrograd", MValue), ("chainrule", Value)):
        results.append({"workload": "bytes per graph node", "engine": name,
                        "bytes": bytes_per_node(V)})
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    for name, V in (("micrograd", MValue), ("chainrule", Value)):
        results.append({"workload": "backward through a 1,000,000-node chain", "engine": name,
                        "status": deep_chain_ok(V, 1_000_000 if name == "chainrule" else 2_000)})
    return results


if __name__ == "__main__":
    for r in run():
        print(r)
