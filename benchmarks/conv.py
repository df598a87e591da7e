"""Convolutional networks: LeNet-5 on real MNIST and one 64-channel Conv2d, beside PyTorch.

LeNet-5 (conv 6@5x5 pad 2, ReLU, 2x2 max pool, conv 16@5x5, ReLU, 2x2 max pool,
dense 400-120-84-10): the same initial weights, data order, batches of 128 and
optimizer (SGD, lr 0.05, momentum 0.9, cosine annealing per step over the
run) in chainrule and PyTorch, on the standardised MNIST images. Each
framework trains in its own process with the same number of threads (BLAS and
PyTorch's intra-op pool); the parent runs their epochs in turn, one of each at
a time, so a change in the machine's load reaches both alike. Reported per
thread count: median seconds per epoch, test accuracy after the epochs (the
learning rate anneals over 5 epochs, so only the 5-epoch run ends on it), and
peak resident memory from model creation to the end of training (above each
process after its imports and data).

``Conv2d(64, 64, 3x3, padding 1)`` on a batch of 32 images of 32x32: forward
and backward (gradients of the input, weight and bias), median of repeats, and
the peak memory of that, each framework in a fresh process.

``python benchmarks/conv.py`` prints the results as JSON; ``make bench`` shows
them in its table (see run.py).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np

from common import reset_peak, status_mb, thread_env

HERE = os.path.abspath(__file__)
EPOCHS = 5
BATCH = 128
LR = 0.05
#: (threads, epochs): the accuracy target is judged on the full run, the timing on both.
RUNS = ((1, EPOCHS), (2, 3))
LAYER = dict(n=32, c=64, size=32, k=3, repeat=7)


# ---------------------------------------------------------------- LeNet-5 on MNIST

def mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Standardised (N, 1, 28, 28) float32 images and int64 labels: train, then test."""
    from nn.datasets import load_mnist

    train, test = load_mnist(flatten=False)
    mean, std = float(train.X.mean()), float(train.X.std())
    return (((train.X - mean) / std)[:, None].astype(np.float32), train.y,
            ((test.X - mean) / std)[:, None].astype(np.float32), test.y)


def batches(n: int, epoch: int) -> list[np.ndarray]:
    order = np.random.default_rng(epoch).permutation(n)
    return [order[i:i + BATCH] for i in range(0, n, BATCH)]


def initial_weights() -> dict[str, np.ndarray]:
    """LeNet-5's starting weights: chainrule's default (PyTorch's) initialisation, seed 0."""
    return chainrule_lenet(seed=0).state_dict()


def chainrule_lenet(seed: int | None = None) -> Any:
    import nn

    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, rng=seed), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, rng=seed), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120, rng=seed), nn.ReLU(), nn.Linear(120, 84, rng=seed), nn.ReLU(),
        nn.Linear(84, 10, rng=seed))


class ChainruleLeNet:
    def __init__(self, steps: int) -> None:
        import nn
        import optim

        self.nn = nn
        self.model = chainrule_lenet()
        self.model.load_state_dict(initial_weights())
        self.opt = optim.SGD(self.model.parameters(), lr=LR, momentum=0.9)
        self.sched = optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=steps)

    def epoch(self, X: np.ndarray, y: np.ndarray, order: list[np.ndarray]) -> None:
        from autograd import Tensor

        self.model.train()
        for idx in order:
            loss = self.nn.functional.cross_entropy(self.model(Tensor(X[idx])), y[idx])
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.sched.step()

    def predict(self, X: np.ndarray) -> np.ndarray:
        from autograd import Tensor, no_grad

        self.model.eval()
        with no_grad():
            return np.concatenate([self.model(Tensor(X[i:i + 1000])).data.argmax(axis=1)
                                   for i in range(0, len(X), 1000)])


class TorchLeNet:
    def __init__(self, steps: int) -> None:
        import torch

        T = torch.nn
        self.torch = torch
        self.model = T.Sequential(T.Conv2d(1, 6, 5, padding=2), T.ReLU(), T.MaxPool2d(2),
                                  T.Conv2d(6, 16, 5), T.ReLU(), T.MaxPool2d(2), T.Flatten(),
                                  T.Linear(400, 120), T.ReLU(), T.Linear(120, 84), T.ReLU(),
                                  T.Linear(84, 10))
        self.model.load_state_dict({k: torch.from_numpy(v) for k, v in initial_weights().items()})
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR, momentum=0.9)
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=steps)

    def epoch(self, X: np.ndarray, y: np.ndarray, order: list[np.ndarray]) -> None:
        torch = self.torch
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        self.model.train()
        for idx in order:
            ti = torch.from_numpy(idx)
            loss = torch.nn.functional.cross_entropy(self.model(Xt[ti]), yt[ti])
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.sched.step()

    def predict(self, X: np.ndarray) -> np.ndarray:
        with self.torch.no_grad():
            self.model.eval()
            return self.model(self.torch.from_numpy(X)).argmax(1).numpy()


def lenet_worker(framework: str) -> None:
    """Train on command: each 'epoch' line on stdin runs one epoch and answers its seconds;
    'done' answers the test accuracy and the peak memory."""
    if framework == "torch":
        import torch

        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    else:
        import nn  # noqa: F401  (its import is not training memory)
    X, y, X_test, y_test = mnist()
    base = reset_peak()
    steps = EPOCHS * len(batches(len(X), 0))
    trainer = (TorchLeNet if framework == "torch" else ChainruleLeNet)(steps)
    epoch = 0
    for line in sys.stdin:
        if line.strip() == "epoch":
            t0 = time.perf_counter()
            trainer.epoch(X, y, batches(len(X), epoch))
            answer: dict[str, Any] = {"seconds": time.perf_counter() - t0}
            epoch += 1
        else:
            peak = status_mb("VmHWM") - base
            answer = {"accuracy": float((trainer.predict(X_test) == y_test).mean()),
                      "peak_mb": peak}
        print(json.dumps(answer), flush=True)
        if "accuracy" in answer:
            return


def lenet(threads: int, epochs: int = EPOCHS) -> dict[str, Any]:
    """Both frameworks' epochs in turn, each in its own process with ``threads`` threads."""
    workers = {fw: subprocess.Popen([sys.executable, HERE, "lenet-worker", fw], text=True,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    env=thread_env(threads))
               for fw in ("chainrule", "torch")}

    def ask(fw: str, command: str) -> dict[str, Any]:
        proc = workers[fw]
        proc.stdin.write(command + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {fw} worker stopped (exit code {proc.wait()})")
        return json.loads(line)

    try:
        seconds: dict[str, list[float]] = {fw: [] for fw in workers}
        for e in range(epochs):
            # Alternate which goes first, so neither always follows the other's warm-up.
            for fw in (("chainrule", "torch") if e % 2 == 0 else ("torch", "chainrule")):
                seconds[fw].append(ask(fw, "epoch")["seconds"])
        result: dict[str, Any] = {"threads": threads, "epochs": epochs}
        for fw in workers:
            done = ask(fw, "done")
            result[fw] = {"s_per_epoch": float(np.median(seconds[fw])), "epochs_s": seconds[fw],
                          "accuracy": done["accuracy"], "peak_mb": done["peak_mb"]}
        return result
    finally:
        for proc in workers.values():
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- one Conv2d layer

def layer_worker(framework: str) -> dict[str, Any]:
    """Forward and backward of Conv2d(64, 64, 3, padding=1) on (32, 64, 32, 32): median seconds
    and peak memory, in this process."""
    n, c, size, k, repeat = (LAYER[key] for key in ("n", "c", "size", "k", "repeat"))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, size, size)).astype(np.float32)
    g = rng.standard_normal((n, c, size, size)).astype(np.float32)
    if framework == "torch":
        import torch

        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
        base = reset_peak()
        conv = torch.nn.Conv2d(c, c, k, padding=1)
        xt, gt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(g)

        def step() -> None:
            conv.zero_grad()
            xt.grad = None
            conv(xt).backward(gt)
    else:
        import nn
        from autograd import Tensor

        base = reset_peak()
        conv = nn.Conv2d(c, c, k, padding=1)
        xt = Tensor(x, requires_grad=True)

        def step() -> None:
            conv.zero_grad()
            xt.grad = None
            conv(xt).backward(g)

    step()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return {"seconds": float(np.median(times)), "peak_mb": status_mb("VmHWM") - base}


def layer(threads: int) -> dict[str, Any]:
    result: dict[str, Any] = {"threads": threads}
    for fw in ("chainrule", "torch"):
        out = subprocess.run([sys.executable, HERE, "layer-worker", fw], capture_output=True,
                             text=True, check=True, env=thread_env(threads))
        result[fw] = json.loads(out.stdout)
    return result


def run() -> dict[str, Any]:
    return {"lenet": [lenet(t, e) for t, e in RUNS], "layer": [layer(t) for t, _ in RUNS]}


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "lenet-worker":
        lenet_worker(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "layer-worker":
        print(json.dumps(layer_worker(sys.argv[2])))
    else:
        print(json.dumps(run()))
