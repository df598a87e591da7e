"""Hessian-vector product of an MLP loss, against one gradient, in chainrule and PyTorch.

784-256-10 with tanh, softmax cross-entropy on a batch of 128 (float32, fixed random data
of MNIST's shape). chainrule's ``autograd.functional.hvp`` (forward-over-reverse: the
tangents of a gradient computed with ``create_graph``) beside its ``grad``; PyTorch's
``torch.func.jvp(torch.func.grad(f))`` beside ``torch.func.grad``. The figure of merit
is each framework's ratio hvp time / gradient time (the textbook cost of forward-over-
reverse is a small constant, about 2 to 3). Run as a script it prints JSON; PyTorch is
pinned to 2 threads, as in the MLP benchmark.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

import numpy as np

SIZES = (784, 256, 10)
BATCH = 128


def problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    x = rng.random((BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    params, v = [], []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(n_in)
        for shape in ((n_out, n_in), (n_out,)):
            params.append(rng.uniform(-bound, bound, shape).astype(np.float32))
            v.append(rng.standard_normal(shape).astype(np.float32))
    return x, y, params, v


def interleaved(fns: dict[str, Any], repeat: int) -> dict[str, float]:
    """Median CPU time of each function, run in turn (one of each per round).

    CPU time, not wall time: both frameworks run on one thread here, and on a shared
    machine a call of a few milliseconds is often descheduled for a whole time slice of
    another process, more often the longer it runs, which would bias the ratio of a
    longer call (hvp) to a shorter one (grad) by the machine's load, not the method.
    """
    for f in fns.values():
        f()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            t0 = time.process_time()
            f()
            times[k].append(time.process_time() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def chainrule_fns(repeat: int) -> dict[str, float]:
    from autograd import Tensor, linear
    from autograd.functional import grad, hvp
    from nn.functional import cross_entropy

    x, y, params, v = problem()
    xt = Tensor(x)

    def loss(w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        return cross_entropy(linear(linear(xt, w1, b1).tanh(), w2, b2), y)

    ps = tuple(Tensor(p) for p in params)
    vs = tuple(Tensor(t) for t in v)
    gradient = grad(loss, argnums=(0, 1, 2, 3))
    return interleaved({"grad": lambda: gradient(*ps), "hvp": lambda: hvp(loss, ps, vs)}, repeat)


def torch_fns(repeat: int) -> dict[str, float]:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    x, y, params, v = problem()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def loss(w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        return F.cross_entropy(F.linear(F.linear(xt, w1, b1).tanh(), w2, b2), yt)

    ps = tuple(torch.from_numpy(p) for p in params)
    vs = tuple(torch.from_numpy(t) for t in v)
    gradient = torch.func.grad(loss, argnums=(0, 1, 2, 3))

    def hvp() -> Any:
        return torch.func.jvp(lambda *p: gradient(*p), ps, vs)

    return interleaved({"grad": lambda: gradient(*ps), "hvp": hvp}, repeat)


def run(framework: str, repeat: int = 41) -> dict[str, float]:
    return (chainrule_fns if framework == "chainrule" else torch_fns)(repeat)


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "chainrule")))
