"""MNIST-shaped MLP training: chainrule against hand-written NumPy and PyTorch.

784-256-128-10, ReLU, softmax cross-entropy, float32, 100 steps of SGD or
Adam per "epoch" on fixed random data of MNIST's shape. Run as a script with
``FRAMEWORK OPTIMIZER BATCH`` it times one configuration in this process and
prints JSON (median seconds per epoch; peak resident memory from model
creation to the end of training, above the process after imports and data),
so each framework is measured in a fresh process.
"""
from __future__ import annotations

import json
import sys
import time
from typing import Any, Callable

import numpy as np

from common import reset_peak, status_mb

SIZES = (784, 256, 128, 10)
STEPS = 100
LR = 0.01


def data(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((STEPS * batch, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, 10, STEPS * batch)
    return X, y


def init(seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(n_in)
        params.append(rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, n_out).astype(np.float32))
    return params


def numpy_epoch_fn(opt: str, batch: int, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    """The floor: forward, backward and update written by hand in NumPy."""
    params = init()
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = [0]
    b1, b2, eps = 0.9, 0.999, 1e-8

    def epoch() -> None:
        for s in range(STEPS):
            xb = X[s * batch:(s + 1) * batch]
            yb = y[s * batch:(s + 1) * batch]
            W1, c1, W2, c2, W3, c3 = params
            z1 = xb @ W1.T + c1
            h1 = np.maximum(z1, 0)
            z2 = h1 @ W2.T + c2
            h2 = np.maximum(z2, 0)
            z3 = h2 @ W3.T + c3
            z3 = z3 - z3.max(axis=1, keepdims=True)
            e = np.exp(z3)
            p = e / e.sum(axis=1, keepdims=True)
            p[np.arange(batch), yb] -= 1
            d3 = p / batch
            gW3, gc3 = d3.T @ h2, d3.sum(0)
            d2 = (d3 @ W3) * (z2 > 0)
            gW2, gc2 = d2.T @ h1, d2.sum(0)
            d1 = (d2 @ W2) * (z1 > 0)
            gW1, gc1 = d1.T @ xb, d1.sum(0)
            grads = [gW1, gc1, gW2, gc2, gW3, gc3]
            if opt == "sgd":
                for q, g in zip(params, grads):
                    q -= LR * g
            else:
                t[0] += 1
                c1_, c2_ = 1 - b1 ** t[0], 1 - b2 ** t[0]
                for q, g, mi, vi in zip(params, grads, m, v):
                    mi *= b1
                    mi += (1 - b1) * g
                    vi *= b2
                    vi += (1 - b2) * g * g
                    q -= (LR * 0.1 / c1_) * mi / (np.sqrt(vi / c2_) + eps)

    return epoch


def chainrule_epoch_fn(opt: str, batch: int, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    import nn
    import optim
    from autograd import Tensor

    model = nn.MLP(SIZES[0], list(SIZES[1:]), activation="relu")
    with_params = dict(zip([n for n, _ in model.named_parameters()], init()))
    model.load_state_dict(with_params)
    optimizer = optim.SGD(model.parameters(), lr=LR) if opt == "sgd" else optim.Adam(
        model.parameters(), lr=LR * 0.1)
    loss_fn = nn.functional.cross_entropy

    def epoch() -> None:
        for s in range(STEPS):
            xb = Tensor(X[s * batch:(s + 1) * batch])
            yb = y[s * batch:(s + 1) * batch]
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    return epoch


def torch_epoch_fn(opt: str, batch: int, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    import torch

    torch.set_num_threads(2)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    with torch.no_grad():
        for p, q in zip(model.parameters(), init()):
            p.copy_(torch.from_numpy(q))
    optimizer = (torch.optim.SGD(model.parameters(), lr=LR) if opt == "sgd"
                 else torch.optim.Adam(model.parameters(), lr=LR * 0.1))
    loss_fn = torch.nn.functional.cross_entropy

    def epoch() -> None:
        for s in range(STEPS):
            loss = loss_fn(model(Xt[s * batch:(s + 1) * batch]), yt[s * batch:(s + 1) * batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    return epoch


FRAMEWORKS: dict[str, Callable[..., Callable[[], None]]] = {
    "numpy": numpy_epoch_fn, "chainrule": chainrule_epoch_fn, "torch": torch_epoch_fn}


def main(argv: list[str]) -> dict[str, Any]:
    framework, opt, batch = argv[0], argv[1], int(argv[2])
    repeat = int(argv[3]) if len(argv) > 3 else 5
    if framework == "torch":
        import torch  # noqa: F401  (its import is not training memory)
    elif framework == "chainrule":
        import nn  # noqa: F401
        import optim  # noqa: F401
    X, y = data(batch)
    base = reset_peak()
    epoch = FRAMEWORKS[framework](opt, batch, X, y)
    epoch()  # warm-up (also allocates optimizer state)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t0)
    # Peak memory from model creation to the end of training: parameters, optimizer state,
    # activations, gradients and whatever the framework caches.
    return {"framework": framework, "optimizer": opt, "batch": batch,
            "seconds": float(np.median(times)), "peak_mb_training": status_mb("VmHWM") - base}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
