"""The main job: train a small scalar MLP on a toy set and report its accuracy."""
from __future__ import annotations

import random

from .value import Value


def _moons(n: int, rng: random.Random) -> tuple[list[list[float]], list[int]]:
    import math

    xs, ys = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2 == 0:
            x, y, label = math.cos(t), math.sin(t), 1
        else:
            x, y, label = 1 - math.cos(t), 0.5 - math.sin(t), -1
        xs.append([x + rng.gauss(0, 0.1), y + rng.gauss(0, 0.1)])
        ys.append(label)
    return xs, ys


def main(out_dir: str = "out") -> int:
    rng = random.Random(0)
    X, Y = _moons(100, rng)
    sizes = [2, 16, 16, 1]
    layers = [[[Value(rng.uniform(-1, 1)) for _ in range(sizes[i] + 1)] for _ in range(sizes[i + 1])]
              for i in range(3)]
    params = [p for layer in layers for neuron in layer for p in neuron]

    def forward(x: list[float]) -> Value:
        h: list = x
        for k, layer in enumerate(layers):
            outs = [sum((w * v for w, v in zip(n[:-1], h)), n[-1]) for n in layer]
            h = [o.relu() for o in outs] if k < 2 else outs
        return h[0]

    for step in range(60):
        scores = [forward(x) for x in X]
        losses = [(1 + -y * s).relu() for y, s in zip(Y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
        for p in params:
            p.grad = 0.0
        loss.backward()
        lr = 1.0 - 0.9 * step / 60
        for p in params:
            p.data -= lr * p.grad
    acc = sum((s.data > 0) == (y > 0) for s, y in zip(scores, Y)) / len(Y)
    print(f"scalar MLP 2-16-16-1 on moons: loss {loss.data:.4f}, training accuracy {acc:.0%}")
    return 0
