"""Timing helpers shared by the benchmarks: repeated runs, medians, tables."""
from __future__ import annotations

import gc
import os
import statistics
import time
from typing import Any, Callable


def median_time(fn: Callable[[], Any], repeat: int = 7, warmup: int = 1,
                collector: bool = True) -> float:
    """Median wall time of ``fn()`` in seconds, with Python's collector on or off.

    With the collector on, runs follow each other as in a training loop:
    garbage left by one run is the collector's to find during the next. With it
    off, garbage is collected between runs, outside the timing.
    """
    was = gc.isenabled()
    try:
        for _ in range(warmup):
            fn()
        times = []
        gc.collect()
        for _ in range(repeat):
            if collector:
                gc.enable()
            else:
                gc.enable()
                gc.collect()
                gc.disable()
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


def table(rows: list[list[str]], header: list[str]) -> str:
    """A plain-text table with aligned columns."""
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join([line, sep] + body)


def status_mb(key: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM, ...) in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def reset_peak() -> float:
    """Reset Linux's high-water mark of resident memory; return the current RSS in MB."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return status_mb("VmRSS")


def thread_env(threads: int) -> dict[str, str]:
    """This process's environment with NumPy's BLAS and PyTorch held to ``threads`` threads."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env
