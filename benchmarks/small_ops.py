"""Per-op overhead: a chain of 100 elementwise ops on 10-element tensors.

Forward and backward through ``tanh``, ``* c``, ``+ c``, ``sigmoid``... cycled,
timed per op for chainrule and PyTorch (one thread), with plain NumPy (no
autograd, forward only) as the floor.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from common import median_time

N_OPS = 100
SIZE = 10


def _backprop_chain(x: Any) -> None:
    """The chain on an autograd tensor: chainrule's and PyTorch's take the same code."""
    y = x
    for _ in range(N_OPS // 4):
        y = (y * 0.9).tanh() + 0.1
        y = y.sigmoid()
    y.sum().backward()
    x.grad = None


def chainrule_chain() -> Any:
    from autograd import Tensor

    x = Tensor(np.linspace(-1, 1, SIZE, dtype=np.float32), requires_grad=True)
    return lambda: _backprop_chain(x)


def torch_chain() -> Any:
    import torch

    torch.set_num_threads(1)
    x = torch.linspace(-1, 1, SIZE, dtype=torch.float32, requires_grad=True)
    return lambda: _backprop_chain(x)


def numpy_chain() -> Any:
    x = np.linspace(-1, 1, SIZE, dtype=np.float32)

    def run() -> None:
        y = x
        for i in range(N_OPS // 4):
            y = np.tanh(y * 0.9) + 0.1
            y = 0.5 * (1 + np.tanh(0.5 * y))
        y.sum()

    return run


CHAINS_PER_SAMPLE = 20  # one chain is ~0.5 ms: too short a sample to time steadily


def run(repeat: int = 15) -> list[dict[str, Any]]:
    out = []
    for name, make in (("chainrule", chainrule_chain), ("torch", torch_chain),
                       ("numpy (no autograd)", numpy_chain)):
        try:
            fn = make()
        except ImportError:
            continue

        def sample(fn: Any = fn) -> None:
            for _ in range(CHAINS_PER_SAMPLE):
                fn()

        t = median_time(sample, repeat=repeat, warmup=3)
        out.append({"engine": name, "us_per_op": t / (N_OPS * CHAINS_PER_SAMPLE) * 1e6})
    return out


if __name__ == "__main__":
    for r in run():
        print(r)
