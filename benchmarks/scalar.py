"""Scalar workloads: micrograd's own demo step, bytes per node, deep chains.

The demo step is micrograd's README workload: a 2-16-16-1 MLP of scalar
Values on 100 moons points, SVM hinge loss plus L2, one SGD step. The same
function builds it with either engine's ``Value`` (chainrule's is a superset
of micrograd's), so both run the very same graph, one node per ``*`` and
``+``; chainrule's ``nn.scalar.MLP`` runs the step with one node per neuron.
The reference is ``micrograd_ref`` (micrograd's design, re-implemented here);
micrograd itself is timed too when it is installed. ``python_floor`` runs both
workloads with the barest engine of chainrule's design (a node object that
knows its parents): the ratios it reaches bound those such an engine can reach.

Each engine runs in a process of its own (``python scalar.py ENGINE`` prints
its results as JSON): what one engine leaves behind (micrograd's graphs are
reference cycles, freed only by the collector) must not slow the next.
"""
from __future__ import annotations

import gc
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

from common import median_time  # noqa: E402

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


def demo_forward(Value: Any, layers: list, X: list, y: list) -> tuple[Any, list]:
    """The demo's loss (hinge loss + L2) as a graph, and the parameters."""
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
    return data_loss + reg_loss, params


def demo_step(Value: Any, layers: list, X: list, y: list) -> float:
    """One step of micrograd's demo: forward, hinge loss + L2, backward, SGD."""
    total, params = demo_forward(Value, layers, X, y)
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


def chain_seconds(Value: Any, n: int = 1_000_000, repeat: int = 3) -> float:
    """Median time to build a chain of n nodes (y = y * c) and backpropagate, collector on."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        x = Value(1.0)
        c = Value(1.0000001)
        y = x
        for _ in range(n):
            y = y * c
        y.backward()
        times.append(time.perf_counter() - t0)
        del x, y, c
    return statistics.median(times)


def split_step(Value: Any, layers: list, X: list, y: list, repeat: int) -> tuple[float, float]:
    """Median forward (graph building) and backward times of the demo step, collector off."""
    fwd, bwd = [], []
    was = gc.isenabled()
    try:
        for _ in range(repeat):
            gc.collect()
            gc.disable()
            t0 = time.perf_counter()
            total, _ = demo_forward(Value, layers, X, y)
            t1 = time.perf_counter()
            total.backward()
            t2 = time.perf_counter()
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
            gc.enable()
            del total
    finally:
        if was:
            gc.enable()
    return statistics.median(fwd), statistics.median(bwd)


ENGINES = ("reference", "micrograd", "chainrule", "chainrule-fused", "floor")


def measure(engine: str, repeat: int = 9) -> dict[str, Any]:
    """Every scalar measurement of one engine, in this process."""
    X, y = moons()
    sizes = [2, 16, 16, 1]
    out: dict[str, Any] = {"engine": engine}
    if engine == "floor":  # both workloads with the barest engine (python_floor.py)
        import python_floor

        layers = micrograd_style_mlp(python_floor.Value, sizes)
        model = python_floor.MLP(micrograd_style_mlp(python_floor.Value, sizes))
        for collector in (True, False):
            gc_ = f"gc {'on' if collector else 'off'}"
            out[gc_] = median_time(lambda: demo_step(python_floor.Value, layers, X, y),
                                   repeat=repeat, collector=collector)
            out[f"fused {gc_}"] = median_time(
                lambda: nn_scalar_step(model, X, y, python_floor.Value), repeat=repeat,
                collector=collector)
        return out
    if engine == "chainrule-fused":
        from autograd import Value
        from nn.scalar import MLP

        model = MLP(2, sizes[1:], rng=1)
        for collector in (True, False):
            out[f"gc {'on' if collector else 'off'}"] = median_time(
                lambda: nn_scalar_step(model, X, y, Value), repeat=repeat, collector=collector)
        return out
    if engine == "reference":
        from micrograd_ref import Value
    elif engine == "micrograd":
        from micrograd.engine import Value
    else:
        from autograd import Value
    layers = micrograd_style_mlp(Value, sizes)
    for collector in (True, False):
        out[f"gc {'on' if collector else 'off'}"] = median_time(
            lambda: demo_step(Value, layers, X, y), repeat=repeat, collector=collector)
    out["forward"], out["backward"] = split_step(Value, layers, X, y, repeat)
    if engine == "micrograd":
        return out
    out["bytes per node"] = bytes_per_node(Value)
    if engine == "chainrule":
        out["chain seconds"] = chain_seconds(Value)
        out["chain"] = deep_chain_ok(Value, 1_000_000)
    else:
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
        out["chain"] = deep_chain_ok(Value, 2_000)
    return out


def run(repeat: int = 7, rounds: int = 3) -> dict[str, dict[str, Any]]:
    """``measure`` for each engine, each in a fresh process; micrograd only when installed.

    The engines take turns for ``rounds`` rounds and each number is the median
    over the rounds, so a burst of load on a shared machine falls on every
    engine alike rather than on one.
    """
    runs: dict[str, list[dict[str, Any]]] = {engine: [] for engine in ENGINES}
    errors: dict[str, str] = {}
    for _ in range(rounds):
        for engine in ENGINES:
            if engine in errors:
                continue
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), engine,
                                   str(repeat)], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                err = proc.stderr.strip()
                errors[engine] = err.splitlines()[-1] if err else "failed"
                continue
            runs[engine].append(json.loads(proc.stdout))
    results: dict[str, dict[str, Any]] = {}
    for engine, rs in runs.items():
        if engine in errors:
            results[engine] = {"engine": engine, "error": errors[engine]}
            continue
        merged: dict[str, Any] = dict(rs[0])
        for key, value in rs[0].items():
            if isinstance(value, float):
                merged[key] = statistics.median(r[key] for r in rs)
        results[engine] = merged
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(measure(sys.argv[1], *(int(a) for a in sys.argv[2:3]))))
    else:
        for r in run().values():
            print(r)
