"""What a second core gives NumPy work handed to Python threads: LeNet-5's convolution kernels.

chainrule computes with NumPy, whose only parallel routine is its BLAS's matrix
product. The rest of a LeNet-5 step (im2col and col2im copies, pooling) runs on
one core unless the batch is cut into parts run by Python threads (NumPy lets
go of the interpreter lock inside its loops). This measures the best such a
split could give: the eight array kernels of one LeNet-5 training step
(conv2d forward and its gradients for both conv layers, max pooling forward
and backward), on a batch of 128, once as a whole on one thread and once as
two halves on two threads at the same time. It does so twice: on a quiet
BLAS, and right after a matrix product large enough for OpenBLAS to use its
own threads (as a network's dense layers are), whose workers keep spinning on
the cores for a while after the product. It also times handing an empty job
to a thread and back.

``python benchmarks/numpy_threads.py`` prints the results as JSON (BLAS with 2
threads, as the convolution benchmark's 2-thread run); ``make bench`` shows
them in its table (see run.py).
"""
from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

from autograd import conv_ops, pool_ops  # noqa: E402

BATCH = 128
REPEAT = 41


def kernels(n: int) -> list[Callable[[int, int], Any]]:
    """LeNet-5's array kernels, each run on images [start, stop) of a batch of n."""
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal((n, 1, 28, 28)).astype(np.float32)
    w1 = rng.standard_normal((6, 1, 5, 5)).astype(np.float32)
    x2 = rng.standard_normal((n, 6, 14, 14)).astype(np.float32)
    w2 = rng.standard_normal((16, 6, 5, 5)).astype(np.float32)
    one = dict(stride=(1, 1), dilation=(1, 1), groups=1)
    g1 = dict(one, padding=(2, 2))
    g2 = dict(one, padding=(0, 0))
    y1, y2 = conv_ops.conv2d.forward(x1, w1, **g1), conv_ops.conv2d.forward(x2, w2, **g2)
    pool = dict(kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1))
    p1, p2 = pool_ops.max_pool2d.forward(y1, **pool), pool_ops.max_pool2d.forward(y2, **pool)
    return [
        lambda a, b: conv_ops.conv2d.forward(x1[a:b], w1, **g1),
        lambda a, b: conv_ops.conv2d_vjp(y1[a:b], None, x1[a:b], w1, needs=(False, True), **g1),
        lambda a, b: conv_ops.conv2d.forward(x2[a:b], w2, **g2),
        lambda a, b: conv_ops.conv2d_vjp(y2[a:b], None, x2[a:b], w2, needs=(True, True), **g2),
        lambda a, b: pool_ops.max_pool2d.forward(y1[a:b], **pool),
        lambda a, b: pool_ops.max_pool2d_vjp(p1[a:b], p1[a:b], y1[a:b], **pool),
        lambda a, b: pool_ops.max_pool2d.forward(y2[a:b], **pool),
        lambda a, b: pool_ops.max_pool2d_vjp(p2[a:b], p2[a:b], y2[a:b], **pool),
    ]


class Helper:
    """One thread that runs the jobs it is handed and hands back when each is done."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.done: queue.SimpleQueue[Any] = queue.SimpleQueue()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            job = self.jobs.get()
            self.done.put(job())

    def split(self, work: Callable[[int, int], Any], n: int) -> None:
        self.jobs.put(lambda: work(n // 2, n))
        work(0, n // 2)
        self.done.get()


def median_ms(fn: Callable[[], Any], before: Callable[[], Any] = lambda: None) -> float:
    fn()
    times = []
    for _ in range(REPEAT):
        before()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e3


def run() -> dict[str, Any]:
    helper = Helper()
    steps = kernels(BATCH)
    a = np.random.default_rng(1).standard_normal((512, 512)).astype(np.float32)

    def product() -> None:
        a @ a  # OpenBLAS spreads this over its threads

    def whole() -> None:
        for k in steps:
            k(0, BATCH)

    def halves() -> None:
        for k in steps:
            helper.split(k, BATCH)

    result: dict[str, Any] = {"blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "")}
    for name, before in (("quiet", lambda: None), ("after_blas", product)):
        result[name] = {"one_thread_ms": median_ms(whole, before),
                        "two_threads_ms": median_ms(halves, before)}
    result["handoff_us"] = median_ms(lambda: helper.split(lambda i, j: None, 2)) * 1e3
    return result


if __name__ == "__main__":
    print(json.dumps(run()))
