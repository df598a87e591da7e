"""Memory stays bounded: kept losses free their activations; hostile files are refused unread.

The measured cases run in a fresh subprocess, so that what other tests allocated
does not blur the numbers: peak and resident memory come from the kernel's own
accounting, and the file cases run under an address-space cap
(``resource.setrlimit``) that a file inflated before its checks would exceed.
"""
from __future__ import annotations

import gc
import json
import struct
import subprocess
import sys
import textwrap
import weakref
import zlib
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import GraphReleasedError, Tensor, Value, draw_graph


def run_python(code: str, cwd: Path) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- kept losses

def test_four_hundred_kept_losses_of_a_64_512_10_network_stay_small(tmp_path):
    # Each step's graph holds about 0.25 MB of activations (two 64x512 float32 arrays,
    # the input batch...): 400 kept graphs held 100 MB when release kept them alive.
    result = run_python("""
        import json
        import numpy as np
        import nn, optim
        from autograd import Tensor

        def rss_mb():
            with open("/proc/self/status") as f:
                return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024

        rng = np.random.default_rng(0)
        model = nn.MLP(64, [512, 10], activation="relu", rng=0)
        opt = optim.SGD(model.parameters(), lr=0.01)
        X = rng.standard_normal((64, 64)).astype(np.float32)
        y = rng.integers(0, 10, 64)
        losses = []

        def step():
            loss = nn.functional.cross_entropy(model(Tensor(X)), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss)          # kept, e.g. to plot or to draw later

        for _ in range(5):               # warm-up: parameters, gradients, allocator pools
            step()
        before = rss_mb()
        for _ in range(400):
            step()
        print(json.dumps({"growth_mb": rss_mb() - before, "kept": len(losses)}))
    """, tmp_path)
    assert result["kept"] == 405
    assert result["growth_mb"] < 20, result


def test_a_kept_loss_frees_what_only_its_graph_held():
    gc.disable()  # freed by reference counting alone, not by a later collection
    try:
        model = nn.MLP(6, [40, 3], rng=0)
        x = Tensor(np.ones((5, 6), np.float32), name="x")
        h = model[0](x)
        relu = h.relu()
        refs = [weakref.ref(h), weakref.ref(relu)]
        loss = nn.functional.cross_entropy(model[2](relu), np.array([0, 1, 2, 0, 1]))
        del h, relu
        assert all(r() is not None for r in refs)   # alive while the graph may need them
        loss.backward()
        # Released at the next backward (freeing right away costs a training loop page
        # faults: see autograd/engine.py), here one of an unrelated graph.
        (Tensor([1.0, 2.0], requires_grad=True) * 2.0).sum().backward()
        assert all(r() is None for r in refs)       # freed: only the kept loss's graph held them
        assert loss.item() > 0 and x.data.shape == (5, 6)
        assert all(p.grad is not None for p in model.parameters())
        with pytest.raises(GraphReleasedError, match="retain_graph=True"):
            loss.backward()
    finally:
        gc.enable()


def test_a_dropped_loss_frees_its_graph_at_once():
    gc.disable()  # freed by reference counting alone
    try:
        x = Tensor(np.ones((5, 6), np.float32))
        w = Tensor(np.ones((6, 4), np.float32), requires_grad=True)
        h = (x @ w).tanh()
        ref = weakref.ref(h)
        loss = (h * h).sum()
        del h
        loss.backward()
        del loss                                    # as a training loop rebinds it
        assert ref() is None
    finally:
        gc.enable()


def test_retain_graph_and_tensors_held_elsewhere_keep_their_data():
    x = Tensor(np.arange(20.0).reshape(4, 5), requires_grad=True)
    h = (x * 2.0).tanh()
    h.retain_grad()
    loss = (h * h).sum()
    loss.backward(retain_graph=True)
    first = x.grad.copy()
    loss.backward()                                 # the retained graph is whole
    np.testing.assert_allclose(x.grad, 2 * first)
    assert h.data.shape == (4, 5) and h.grad.shape == (4, 5)  # held by this test: kept


def test_drawing_a_loss_after_backward_shows_the_gradients():
    model = nn.MLP(3, [20, 2], rng=0)
    x = Tensor(np.ones((4, 3), np.float32), name="x")
    kept = model[0](x)
    kept.name = "kept"
    loss = nn.functional.cross_entropy(model[2](kept.relu()), np.array([0, 1, 0, 1]))
    loss.backward()
    (Tensor([1.0], requires_grad=True) * 2.0).sum().backward()  # releases loss's graph
    source = draw_graph(loss).source
    # parameters, held by the model, are drawn with their data and gradients
    w = model[2].weight
    assert f"{w.name}\\n(2, 20) float32" in source
    assert source.count("| grad mean") >= 2 and "grad [" in source
    # the (4, 20) relu output only the graph held is freed and drawn as released;
    # the (4, 2) logits are small, so they are drawn whole
    assert "(4, 20) float32 | data released" in source
    assert "(4, 2) float32 | data [[" in source
    # a tensor the user kept is drawn with its data
    assert "{kept\\n(4, 20) float32 | data mean" in source
    # highlighting the kept tensor marks its record in the released graph
    lines = draw_graph(loss, highlight=kept).source.splitlines()
    assert "#dc2626" in next(line for line in lines if "{kept\\n" in line)


def test_value_graphs_keep_their_structure_and_floats():
    a = Value(2.0, label="a")
    b = a * a
    c = (b + 1.0).tanh()
    c.backward()
    assert c.parents[0].parents[0] is b and b.data == 4.0 and b.grad != 0.0
    with pytest.raises(GraphReleasedError):
        c.backward()


# ---------------------------------------------------------------- hostile files

_CHUNK = 1 << 24


def deflated_zeros(prefix: bytes, n_chunks: int) -> tuple[bytes, int, int]:
    """A raw deflate stream of ``prefix`` then ``n_chunks`` x 16 MiB of zeros, its CRC-32
    and its inflated size, made without compressing gigabytes: after a full flush the
    compressor starts afresh, so every zero chunk compresses to the same bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    zeros = bytes(_CHUNK)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(prefix)
    for _ in range(n_chunks):
        crc = zlib.crc32(zeros, crc)
    return head + block * n_chunks + c.flush(), crc, len(prefix) + n_chunks * _CHUNK


def write_zip(path: Path, members: dict[str, tuple[bytes, int, int]]) -> None:
    """A zip archive of already deflated members (the format's 32-bit fields suffice)."""
    out = bytearray()
    central = bytearray()
    for name, (data, crc, size) in members.items():
        raw = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size,
                           len(raw), 0) + raw + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc,
                               len(data), size, len(raw), 0, 0, 0, 0, 0, offset) + raw
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                      len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))


def npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def good_member(arr: np.ndarray) -> tuple[bytes, int, int]:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr)
    raw = buf.getvalue()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush(), zlib.crc32(raw), len(raw)


CAPPED = """
    import json, resource
    import numpy as np

    def vm_mb(key):
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith(key + ":")) / 1024

    def capped(run):
        # Address space capped at 150 MB above what the imports took: inflating a bomb
        # before its checks fails with MemoryError, checking first does not notice.
        limit = int((vm_mb("VmSize") + 150) * 1024 * 1024)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        base = vm_mb("VmRSS")
        out = {}
        for name, fn in run.items():
            try:
                fn()
                out[name] = "no error"
            except Exception as exc:
                out[name] = f"{type(exc).__name__}: {exc}"[:300]
        out["peak_mb"] = vm_mb("VmHWM") - base
        return out
"""


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bombs")
    # 72 x 16 MiB = 1.2 GB of float32 zeros, deflated to about 1.2 MB.
    huge = deflated_zeros(npy_header((72 * _CHUNK // 4,)), 72)
    write_zip(folder / "bomb.npz", {"weight.npy": huge})
    write_zip(folder / "unknown.npz", {"weight.npy": good_member(np.zeros((2, 4), np.float32)),
                                       "bias.npy": good_member(np.zeros(2, np.float32)),
                                       "huge.npy": huge})
    # A header that fits the model (bias of shape (2,)) over 1.2 GB of data.
    write_zip(folder / "liar.npz", {"weight.npy": good_member(np.zeros((2, 4), np.float32)),
                                    "bias.npy": deflated_zeros(npy_header((2,)), 72)})
    # IDX: a valid header for 1.5 GB of image bytes, and the bytes, gzip-compressed.
    head = bytes([0, 0, 8, 3]) + struct.pack(">3I", 1_900_000, 28, 28)
    data, crc, size = deflated_zeros(head, 89)
    gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + data + struct.pack("<II", crc,
                                                                         size & 0xFFFFFFFF)
    (folder / "bomb-idx3-ubyte.gz").write_bytes(gz)
    # A header promising 3 bytes, followed by 1.2 GB more.
    data, crc, size = deflated_zeros(bytes([0, 0, 8, 1, 0, 0, 0, 3]), 72)
    (folder / "tail-idx1-ubyte.gz").write_bytes(
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + data
        + struct.pack("<II", crc, size & 0xFFFFFFFF))
    return folder


def test_weights_file_bombs_are_refused_unread_under_a_memory_cap(bombs):
    assert (bombs / "bomb.npz").stat().st_size < 2_000_000
    result = run_python(CAPPED + f"""
    import nn
    from nn.serialization import read_weights
    folder = {str(bombs)!r}
    model = nn.Linear(4, 2, rng=0)
    before = model.weight.data.copy()
    out = capped({{
        "load": lambda: model.load(folder + "/bomb.npz"),
        "load strict=False, unknown key": lambda: model.load(folder + "/unknown.npz",
                                                             strict=False),
        "load, lying header": lambda: model.load(folder + "/liar.npz"),
        "read_weights": lambda: read_weights(folder + "/bomb.npz"),
    }})
    out["unchanged"] = bool((model.weight.data == 0).all())  # the good weight was loaded
    print(json.dumps(out))
    """, bombs)
    assert result["peak_mb"] < 100, result
    assert result["load"].startswith("StateDictError") and "weight" in result["load"]
    assert "(301989888,)" in result["load"] and "(2, 4)" in result["load"]
    assert result["load strict=False, unknown key"] == "no error", result
    assert result["unchanged"]  # strict=False loaded the two good members
    assert result["load, lying header"].startswith("WeightsFileError"), result
    assert "bias" in result["load, lying header"]
    assert result["read_weights"].startswith("WeightsFileError"), result
    assert "limit" in result["read_weights"]


def test_idx_bombs_are_refused_before_allocation_under_a_memory_cap(bombs):
    result = run_python(CAPPED + f"""
    from nn.datasets import read_idx
    folder = {str(bombs)!r}
    print(json.dumps(capped({{
        "bomb": lambda: read_idx(folder + "/bomb-idx3-ubyte.gz"),
        "tail": lambda: read_idx(folder + "/tail-idx1-ubyte.gz"),
    }})))
    """, bombs)
    assert result["peak_mb"] < 100, result
    assert result["bomb"].startswith("IDXError") and "bomb-idx3-ubyte.gz" in result["bomb"]
    assert "1900000x28x28" in result["bomb"] and "limit" in result["bomb"]
    assert result["tail"].startswith("IDXError") and "unexpected bytes" in result["tail"]
