"""Weights files and IDX files from anywhere: checked before use, refused with the project's errors.

Loading is atomic (every check before any assignment) and typed (only real
numbers that the parameter's dtype can hold); a weights file's members are
judged by their headers before their data is read. IDX headers are checked
against the file with Python integers; MNIST labels and pixels are validated.
"""
from __future__ import annotations

import gzip
import io
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import StateDictError, WeightsFileError
from nn.datasets import IDXError, load_mnist, read_idx


def _model():
    return nn.Sequential(nn.Linear(2, 3, rng=0), nn.BatchNorm1d(3))


def _snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def _assert_unchanged(model, before):
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


# ---------------------------------------------------------------- load_state_dict

BAD_WEIGHTS = {
    "strings": (np.array([["1", "2"], ["3", "4"], ["5", "6"]]), "not a real number type"),
    "complex": (np.ones((3, 2)) * (1 + 2j), "not a real number type"),
    "datetime64": (np.full((3, 2), "2020-01-01", dtype="datetime64[D]"), "not a real number"),
    "structured": (np.zeros((3, 2), dtype=[("a", "f4")]), "not a real number type"),
    "overflow": (np.full((3, 2), 1e300), "overflows the model's dtype float32"),
    "None": (None, "cannot convert NoneType"),
}


@pytest.mark.parametrize("name", sorted(BAD_WEIGHTS))
def test_bad_values_are_refused_by_key_before_anything_changes(name):
    value, message = BAD_WEIGHTS[name]
    model = _model()
    before = _snapshot(model)
    state = model.state_dict()
    state["0.bias"] = np.array([5.0, 6.0, 7.0], np.float32)   # good, and checked first...
    state["0.weight"] = value                                   # ...then the bad one
    with pytest.raises(StateDictError) as info:
        model.load_state_dict(state)
    assert "0.weight" in str(info.value) and message in str(info.value)
    _assert_unchanged(model, before)                            # the bias was not written


def test_integer_buffers_take_only_whole_numbers_that_fit():
    model = _model()
    state = model.state_dict()
    state["1.num_batches_tracked"] = np.array(2.5)
    with pytest.raises(StateDictError, match=r"num_batches_tracked: the value 2\.5 does not fit"):
        model.load_state_dict(state)
    state["1.num_batches_tracked"] = np.array(3.0)              # whole: fine
    model.load_state_dict(state)
    assert model[1].num_batches_tracked.item() == 3


def test_a_state_that_is_not_a_mapping_is_a_clear_error():
    with pytest.raises(StateDictError, match="expected a mapping.*got NoneType"):
        _model().load_state_dict(None)


def test_values_that_fit_are_cast_to_the_parameters_dtype():
    model = _model()
    state = {k: v.astype(np.float64) if v.dtype.kind == "f" else v
             for k, v in model.state_dict().items()}
    state["0.weight"] = np.arange(6, dtype=np.int64).reshape(3, 2)
    model.load_state_dict(state)
    assert model[0].weight.dtype == np.float32
    np.testing.assert_array_equal(model[0].weight.data, np.arange(6).reshape(3, 2))


# ---------------------------------------------------------------- weights files

def _npz(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    return path


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _corrupt_deflate_member(path: Path, name: str) -> None:
    """Damage ``name``'s compressed data after its header, so reading it would fail."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + info.compress_size // 2, start + info.compress_size):
        raw[i] ^= 0x5A
    path.write_bytes(bytes(raw))


def test_a_member_of_the_wrong_shape_is_refused_from_its_header(tmp_path):
    model = _model()
    state = _snapshot(model)
    members = {k + ".npy": _npy(v) for k, v in state.items()}
    members["0.weight.npy"] = _npy(np.zeros((300, 200), np.float32))   # compresses well
    path = _npz(tmp_path / "w.npz", members)
    _corrupt_deflate_member(path, "0.weight.npy")   # its data cannot even be inflated
    with pytest.raises(StateDictError, match=r"0\.weight: shape \(300, 200\) .* \(3, 2\)"):
        model.load(path)
    _assert_unchanged(model, state)


def test_unknown_members_are_skipped_unread(tmp_path):
    model = _model()
    state = {k: v + 1 if v.dtype.kind == "f" else v for k, v in _snapshot(model).items()}
    members = {k + ".npy": _npy(v) for k, v in state.items()}
    members["extra.npy"] = _npy(np.zeros((300, 200), np.float32))
    path = _npz(tmp_path / "w.npz", members)
    _corrupt_deflate_member(path, "extra.npy")
    with pytest.raises(StateDictError, match="unexpected key.*extra"):
        model.load(path)                              # strict: named, still unread
    model.load(path, strict=False)                    # skipped without being inflated
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, state[k], err_msg=k)


@pytest.mark.parametrize("arr, message", [
    (np.ones((3, 2), np.complex64), "not a real number type"),
    (np.array([["a", "b"]] * 3), "not a real number type"),
    (np.full((3, 2), 1e300), "overflows"),
])
def test_bad_members_are_refused_atomically(tmp_path, arr, message):
    model = _model()
    before = _snapshot(model)
    members = {k + ".npy": _npy(v + 1 if v.dtype.kind == "f" else v) for k, v in before.items()}
    members["0.weight.npy"] = _npy(arr)
    path = _npz(tmp_path / "w.npz", members)
    with pytest.raises(StateDictError, match=f"0.weight: .*{message}"):
        model.load(path)
    _assert_unchanged(model, before)


def test_a_member_larger_than_its_header_says_is_refused(tmp_path):
    model = _model()
    members = {k + ".npy": _npy(v) for k, v in _snapshot(model).items()}
    members["0.bias.npy"] = _npy(np.zeros(3, np.float32)) + bytes(1000)
    path = _npz(tmp_path / "w.npz", members)
    with pytest.raises(WeightsFileError, match=r"0\.bias holds 1012 bytes .* \(12 bytes\)"):
        model.load(path)


def test_object_members_are_refused_never_unpickled(tmp_path):
    members = {"0.weight.npy": _npy(np.zeros((3, 2), np.float32)),
               "0.bias.npy": np.lib.format.magic(1, 0) + b"garbage"}
    with pytest.raises(WeightsFileError, match="0.bias"):
        _model().load(_npz(tmp_path / "w.npz", members), strict=False)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([None, 1], dtype=object), allow_pickle=True)
    members["0.bias.npy"] = buf.getvalue()
    with pytest.raises(StateDictError, match="0.bias: dtype object is not a real number"):
        _model().load(_npz(tmp_path / "w.npz", members), strict=False)


# ---------------------------------------------------------------- IDX

def _idx(dims, code=0x08, data=b"") -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + data


def test_huge_dims_are_counted_with_python_ints(tmp_path):
    path = tmp_path / "huge-idx3-ubyte"
    path.write_bytes(_idx((0xFFFFFFFF, 0xFFFFFFFF), data=b"\0" * 14))       # 26 bytes
    with pytest.raises(IDXError) as info:
        read_idx(path)            # was: "8589934601 unexpected bytes"
    msg = str(info.value)
    assert str(path) in msg and "4294967295x4294967295" in msg
    assert "18446744065119617025 bytes, more than the limit" in msg
    with pytest.raises(IDXError) as info:
        read_idx(path, max_bytes=1 << 70)          # past the size cap: checked against the file
    assert "(18446744065119617037 bytes in all) but there are only 26" in str(info.value)


def test_dims_whose_product_wraps_around_in_int64_are_reported(tmp_path):
    path = tmp_path / "wrap-idx3-ubyte"
    path.write_bytes(_idx((1 << 21, 1 << 21, 1 << 22)))   # 2**64 values: 0 in int64
    with pytest.raises(IDXError) as info:
        read_idx(path)            # was: a bare reshape error
    assert str(path) in str(info.value) and "18446744073709551616 bytes" in str(info.value)
    with pytest.raises(IDXError, match="truncated"):
        read_idx(path, max_bytes=1 << 70)


def test_gzip_with_more_data_than_the_header_promises(tmp_path):
    path = tmp_path / "more-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(_idx((3,), data=bytes(5000))))
    with pytest.raises(IDXError, match="unexpected bytes after the data"):
        read_idx(path)


def _mnist(folder: Path, labels=None, images=None, label_code=0x08, image_code=0x08):
    folder.mkdir(parents=True, exist_ok=True)
    n = 4
    imgs = np.zeros((n, 28, 28), np.uint8) if images is None else images
    labs = np.arange(n, dtype=np.uint8) if labels is None else labels
    big_endian = {0x08: ">u1", 0x09: ">i1", 0x0D: ">f4"}
    for split in ("train", "t10k"):
        for kind, arr, code in (("images", imgs, image_code), ("labels", labs, label_code)):
            data = arr.astype(big_endian[code]).tobytes()
            dims = 3 if kind == "images" else 1
            (folder / f"{split}-{kind}-idx{dims}-ubyte").write_bytes(_idx(arr.shape, code, data))


@pytest.mark.parametrize("labels, code, message", [
    (np.array([0, 1, 200, 3]), 0x08, r"label 200 \(at index 2\) is not a digit"),
    (np.array([0, -3, 2, 3]), 0x09, r"label -3 \(at index 1\) is not a digit"),
    (np.array([0, 1, 2.5, 3]), 0x0D, "label 2.5 is not a whole number"),
])
def test_mnist_labels_must_be_digits(tmp_path, labels, code, message):
    _mnist(tmp_path, labels=labels, label_code=code)
    with pytest.raises(IDXError, match=message) as info:
        load_mnist(tmp_path)
    assert "train-labels-idx1-ubyte" in str(info.value)


@pytest.mark.parametrize("bad", [np.nan, 1e30, -1.0])
def test_mnist_pixels_must_be_finite_bytes(tmp_path, bad):
    images = np.zeros((4, 28, 28), np.float32)
    images[1, 2, 3] = bad
    _mnist(tmp_path, images=images, image_code=0x0D)
    with pytest.raises(IDXError, match="pixel value .* outside 0..255") as info:
        load_mnist(tmp_path)
    assert "train-images-idx3-ubyte" in str(info.value)


def test_valid_float_mnist_files_still_load(tmp_path):
    images = np.full((4, 28, 28), 255.0, np.float32)
    _mnist(tmp_path, images=images, labels=np.array([0.0, 1.0, 9.0, 3.0]), image_code=0x0D,
           label_code=0x0D)
    train, _ = load_mnist(tmp_path)
    assert train.y.tolist() == [0, 1, 9, 3] and float(train.X.max()) == 1.0
