"""``make bench``: every workload, chainrule beside its peers, in one table.

Each timing is the median of repeated runs in this one invocation, so ratios
compare like with like on the same machine at the same moment. Tensor MLP
configurations run each framework in a fresh subprocess (peak memory is the
rise in resident memory above the process's state after setup), and so do the
scalar engines, taking turns over three rounds (``scalar.py``). The Hessian-vector
product runs both frameworks on one thread, each in a fresh subprocess, and compares each
with its own gradient (``hvp.py``). Elsewhere PyTorch is
pinned to 2 threads for the MLP (this machine's core count) and 1 thread for
the small-op chain; NumPy's BLAS uses its default (all cores). The
convolutional workloads (conv.py) run each framework in its own process with
the same thread count for both, 1 and then 2, and alternate their LeNet-5
epochs. ``numpy_threads.py`` shows what a second core could give those
convolution kernels through Python threads (each half of a batch on its own
thread), with NumPy's BLAS idle and right after it has used its own threads.
Timings are medians of repeated runs, so a busy machine shows up as
noise in all columns. ``run.py scalar small_op`` runs only the workloads named.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import table, thread_env  # noqa: E402


def _worker(script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``script`` of this folder in a fresh process; its JSON result, or ``{"error": ...}``
    with the last line of what it printed to stderr."""
    out = subprocess.run([sys.executable, os.path.join(HERE, script), *args],
                         capture_output=True, text=True, check=False, env=env)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout)


def _mlp(framework: str, opt: str, batch: int) -> dict[str, Any]:
    return _worker("tensor_mlp.py", framework, opt, str(batch))


def _verdict(judged: bool, ok: bool) -> str:
    return ("met" if ok else "missed") if judged else "-"


def scalar_rows() -> list[list[str]]:
    import scalar

    res = scalar.run()
    ref, ours, fused = res["reference"], res["chainrule"], res["chainrule-fused"]
    for r in (ref, ours, fused):
        if "error" in r:
            return [["scalar workloads", "n/a", f"{r['engine']}: {r['error']}", "", "not run", ""]]
    mg = res.get("micrograd", {})

    def peers(key: str) -> str:
        text = f"micrograd's design {ref[key] * 1e3:.0f} ms"
        if key in mg:  # micrograd itself, when installed: the reference should cost the same
            text += f" (micrograd {mg[key] * 1e3:.0f} ms)"
        return text

    rows = []
    same = "micrograd demo step, same graph (a node per * and +)"
    neuron = "micrograd demo step, nn.scalar.MLP (a node per neuron)"
    for name, r, goal_off, goal_on in ((same, ours, 1.5, 15), (neuron, fused, 5, 40)):
        for gc_, goal in (("gc off", goal_off), ("gc on", goal_on)):
            ratio = ref[gc_] / r[gc_]
            rows.append([f"{name}, {gc_}", f"{r[gc_] * 1e3:.1f} ms", peers(gc_),
                         f"{ratio:.1f}x faster", "met" if ratio >= goal else "missed",
                         f">= {goal:g}x"])
    floor = res.get("floor", {})
    if "error" not in floor:
        for name, key in (("same graph", ""), ("a node per neuron", "fused ")):
            off, on = floor[key + "gc off"], floor[key + "gc on"]
            rows.append([f"  the barest Python engine, {name}, gc off / on",
                         f"{off * 1e3:.1f} / {on * 1e3:.1f} ms",
                         f"micrograd's design {ref['gc off'] * 1e3:.0f} / "
                         f"{ref['gc on'] * 1e3:.0f} ms",
                         f"{ref['gc off'] / off:.1f}x / {ref['gc on'] / on:.1f}x", "-",
                         "bound for a node object"])
    rows.append(["  same graph: forward / backward, gc off",
                 f"{ours['forward'] * 1e3:.1f} / {ours['backward'] * 1e3:.1f} ms",
                 f"micrograd's design {ref['forward'] * 1e3:.1f} / {ref['backward'] * 1e3:.1f} ms",
                 f"{ref['forward'] / ours['forward']:.1f}x / "
                 f"{ref['backward'] / ours['backward']:.1f}x", "-", "breakdown"])
    ours_b, ref_b = ours["bytes per node"], ref["bytes per node"]
    rows.append(["bytes per graph node (100,000-node chain)", f"{ours_b:.0f} B",
                 f"micrograd's design {ref_b:.0f} B", f"{ref_b / ours_b:.1f}x smaller",
                 "met" if ours_b <= 120 else "missed", "<= 120 B"])
    chain = ours["chain seconds"]
    ok = ours["chain"] == "ok" and chain < 2
    rows.append(["1,000,000-node chain, forward + backward, gc on", f"{chain:.2f} s",
                 f"micrograd's design at 2,000 nodes: {ref['chain']}", "",
                 "met" if ok else "missed", "< 2 s, no RecursionError"])
    return rows


def mlp_rows() -> list[list[str]]:
    rows = []
    for opt in ("sgd", "adam"):
        for batch in (128, 1024):
            r = {fw: _mlp(fw, opt, batch) for fw in ("numpy", "chainrule", "torch")}
            name = f"MLP 784-256-128-10 {opt.upper()} batch {batch} (s/epoch)"
            if any("error" in v for v in r.values()):
                errs = "; ".join(f"{k}: {v['error']}" for k, v in r.items() if "error" in v)
                rows.append([name, "n/a", errs, "", "not run", "<= 1.15x NumPy"])
                continue
            ours, floor, pt = (r[k]["seconds"] for k in ("chainrule", "numpy", "torch"))
            ratio = ours / floor
            rows.append([name, f"{ours:.3f}", f"NumPy {floor:.3f}, PyTorch {pt:.3f}",
                         f"{ratio:.2f}x NumPy, {ours / pt:.2f}x PyTorch",
                         "met" if ratio <= 1.15 else "missed", "<= 1.15x NumPy"])
            m_ours, m_pt = r["chainrule"]["peak_mb_training"], r["torch"]["peak_mb_training"]
            rows.append([f"  peak memory, {opt.upper()} batch {batch}", f"{m_ours:.1f} MB",
                         f"PyTorch {m_pt:.1f} MB", f"{m_ours / max(m_pt, 1e-9):.2f}x",
                         "met" if m_ours < m_pt else "missed", "< PyTorch"])
    return rows


def small_op_rows() -> list[list[str]]:
    import small_ops

    res = {r["engine"]: r["us_per_op"] for r in small_ops.run()}
    ours, pt = res["chainrule"], res.get("torch")
    floor = res.get("numpy (no autograd)")
    peers = f"PyTorch {pt:.1f} us, NumPy fwd only {floor:.1f} us" if pt else "PyTorch absent"
    ratio = ours / pt if pt else float("nan")
    return [["small-op chain, fwd+bwd per op", f"{ours:.1f} us", peers,
             f"{ratio:.2f}x PyTorch", "met" if ratio <= 1.0 else "missed", "<= 1.0x"]]


def _hvp(framework: str) -> dict[str, Any]:
    # One BLAS thread in both frameworks: the ratio should measure the method, and the
    # timings are CPU times (see hvp.py).
    return _worker("hvp.py", framework, env=thread_env(1))


def hvp_rows() -> list[list[str]]:
    name = "hvp of MLP 784-256-10 loss, batch 128 (fwd-over-rev)"
    r = {fw: _hvp(fw) for fw in ("chainrule", "torch")}
    if "error" in r["chainrule"]:
        return [[name, "n/a", r["chainrule"]["error"], "", "not run", "<= 3x one gradient"]]
    ours = r["chainrule"]
    ratio = ours["hvp"] / ours["grad"]
    if "error" in r["torch"]:
        peers = f"PyTorch: {r['torch']['error']}"
    else:
        pt = r["torch"]
        peers = (f"grad {ours['grad'] * 1e3:.2f} ms; PyTorch jvp(grad) {pt['hvp'] * 1e3:.2f} ms, "
                 f"grad {pt['grad'] * 1e3:.2f} ms ({pt['hvp'] / pt['grad']:.1f}x)")
    return [[name, f"{ours['hvp'] * 1e3:.2f} ms", peers, f"{ratio:.1f}x one gradient",
             "met" if ratio <= 3 else "missed", "<= 3x one gradient"]]


def mnist_rows() -> list[list[str]]:
    r = _worker("mnist.py")
    if "error" in r:
        return [["real MNIST", "n/a", r["error"], "", "not run", ">= 98% test accuracy"]]
    return [[f"real MNIST, {r['model']}, {r['epochs']} epochs",
             f"{r['chainrule_accuracy']:.2%} in {r['chainrule_s_per_epoch']:.2f} s/epoch",
             f"PyTorch {r['torch_accuracy']:.2%} in {r['torch_s_per_epoch']:.2f} s/epoch",
             f"{r['chainrule_s_per_epoch'] / r['torch_s_per_epoch']:.2f}x PyTorch time",
             "met" if r["chainrule_accuracy"] >= 0.98 else "missed", ">= 98% test accuracy"]]


def conv_rows() -> list[list[str]]:
    r = _worker("conv.py")
    if "error" in r:
        return [["LeNet-5 on real MNIST", "n/a", r["error"], "", "not run", "<= 1.5x PyTorch"]]
    rows = []
    for run in r["lenet"]:
        ours, pt, n = run["chainrule"], run["torch"], run["threads"]
        ratio = ours["s_per_epoch"] / pt["s_per_epoch"]
        rows.append([f"LeNet-5 MNIST epoch, SGD batch 128, {n} thread(s) (s/epoch)",
                     f"{ours['s_per_epoch']:.2f}", f"PyTorch {pt['s_per_epoch']:.2f}",
                     f"{ratio:.2f}x PyTorch", "met" if ratio <= 1.5 else "missed",
                     "<= 1.5x PyTorch"])
        full = run["epochs"] >= 5
        rows.append([f"  test accuracy after {run['epochs']} epochs", f"{ours['accuracy']:.2%}",
                     f"PyTorch {pt['accuracy']:.2%}", "",
                     _verdict(full, ours["accuracy"] >= 0.99),
                     ">= 99.0% in 5 epochs" if full else "reference (schedule unfinished)"])
        rows.append([f"  peak memory, {n} thread(s)", f"{ours['peak_mb']:.1f} MB",
                     f"PyTorch {pt['peak_mb']:.1f} MB",
                     f"{ours['peak_mb'] / max(pt['peak_mb'], 1e-9):.2f}x", "-", "reported"])
    for run in r["layer"]:
        ours, pt, n = run["chainrule"], run["torch"], run["threads"]
        rows.append([f"Conv2d 64->64 3x3, 32x32, batch 32, fwd+bwd, {n} thread(s)",
                     f"{ours['seconds'] * 1e3:.1f} ms", f"PyTorch {pt['seconds'] * 1e3:.1f} ms",
                     f"{ours['seconds'] / pt['seconds']:.2f}x PyTorch", "-", "reported"])
        rows.append([f"  peak memory, {n} thread(s)", f"{ours['peak_mb']:.1f} MB",
                     f"PyTorch {pt['peak_mb']:.1f} MB",
                     f"{ours['peak_mb'] / max(pt['peak_mb'], 1e-9):.2f}x", "-", "reported"])
    return rows


def numpy_threads_rows() -> list[list[str]]:
    r = _worker("numpy_threads.py", env=thread_env(2))
    if "error" in r:
        return [["LeNet-5 kernels on 2 Python threads", "n/a", r["error"], "", "not run", ""]]
    rows = []
    for key, when in (("quiet", "BLAS idle"), ("after_blas", "after a 2-thread BLAS product")):
        one, two = r[key]["one_thread_ms"], r[key]["two_threads_ms"]
        rows.append([f"LeNet-5 conv+pool kernels, batch 128 in 2 halves on 2 threads, {when}",
                     f"{two:.2f} ms", f"whole batch on 1 thread {one:.2f} ms",
                     f"{one / two:.2f}x speed-up", "-", "reported"])
    rows.append(["  handing a job to a thread and back", f"{r['handoff_us']:.0f} us", "", "",
                 "-", "reported"])
    return rows


def main() -> int:
    header = ["workload", "chainrule", "peers", "ratio", "target", "goal"]
    rows: list[list[str]] = []
    parts = (scalar_rows, small_op_rows, hvp_rows, mlp_rows, mnist_rows, conv_rows,
             numpy_threads_rows)
    chosen = sys.argv[1:]  # e.g. `run.py scalar small_op`: only those workloads
    for part in parts:
        if chosen and part.__name__[:-5] not in chosen:
            continue
        print(f"running {part.__name__[:-5]} workloads...", file=sys.stderr, flush=True)
        rows += part()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(table(rows, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
