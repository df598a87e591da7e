"""nn.datasets: toy sets, the IDX reader, MNIST discovery, digits and Boston housing."""
from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from nn import datasets as D
from nn.datasets import IDXError, load_boston, load_digits, load_mnist, read_idx

REAL_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


# ---------------------------------------------------------------- toy sets

CLASSIFIERS = [
    (D.make_moons, {}, 2), (D.make_circles, {}, 2), (D.make_spirals, {"n_classes": 4}, 4),
    (D.make_xor, {}, 2), (D.make_blobs, {"centers": 3}, 3),
]


@pytest.mark.parametrize("make, kwargs, k", CLASSIFIERS, ids=lambda v: getattr(v, "__name__", ""))
def test_toy_classification_sets(make, kwargs, k):
    b = make(n_samples=203, seed=1, **kwargs)
    X, y = b  # a Bunch unpacks as X, y
    assert X.shape == (203, 2) and X.dtype == np.float32
    assert y.shape == (203,) and y.dtype == np.int64
    assert sorted(set(y.tolist())) == list(range(k))
    assert np.bincount(y).max() - np.bincount(y).min() <= 1  # balanced
    assert b.description and b.feature_names == ["x0", "x1"]
    again = make(n_samples=203, seed=1, **kwargs)
    assert np.array_equal(again.X, X) and np.array_equal(again.y, y)
    assert not np.array_equal(make(n_samples=203, seed=2, **kwargs).X, X)
    assert np.all(np.isfinite(X))


def test_toy_shapes_are_what_they_say():
    X, y = D.make_circles(400, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-5)
    np.testing.assert_allclose(r[y == 1], 0.3, atol=1e-5)
    X, y = D.make_moons(400, noise=0.0, seed=0)
    np.testing.assert_allclose(np.hypot(X[y == 0, 0], X[y == 0, 1]), 1.0, atol=1e-5)
    X, y = D.make_spirals(300, n_classes=3, noise=0.0, seed=0)
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0 + 1e-6
    X, y = D.make_blobs(300, centers=[[0, 0, 0], [10, 10, 10]], n_features=3, cluster_std=0.5,
                        seed=0)
    assert X.shape == (300, 3)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), 10, atol=0.2)


def test_make_regression():
    b = D.make_regression(300, "sine", noise=0.05, seed=0)
    assert b.X.shape == (300, 1) and b.y.shape == (300, 1) and b.y.dtype == np.float32
    resid = b.y - np.sin(b.X)
    assert abs(resid.std() - 0.05) < 0.01
    assert b.X.min() >= -np.pi and b.X.max() <= np.pi
    custom = D.make_regression(10, np.exp, noise=0.0, x_range=(0, 1), seed=0)
    np.testing.assert_allclose(custom.y, np.exp(custom.X), rtol=1e-6)
    for name in ("cubic", "quadratic", "abs", "step", "sinc"):
        assert D.make_regression(20, name, seed=0).y.shape == (20, 1)
    with pytest.raises(ValueError, match="unknown function"):
        D.make_regression(10, "tangent")


def test_toy_argument_errors():
    with pytest.raises(ValueError, match="n_classes"):
        D.make_spirals(10, n_classes=1)
    with pytest.raises(ValueError, match="factor"):
        D.make_circles(10, factor=1.5)


# ---------------------------------------------------------------- IDX files

def _idx_bytes(arr: np.ndarray, code: int) -> bytes:
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_plain_and_gzipped(tmp_path, compress):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = _idx_bytes(images, 0x08)
    path = tmp_path / ("images.gz" if compress else "images")
    path.write_bytes(gzip.compress(raw) if compress else raw)
    out = read_idx(path)
    assert out.dtype == np.uint8 and out.shape == (2, 3, 4) and np.array_equal(out, images)
    out[0, 0, 0] = 99  # a writable copy, not a view on the file's bytes


@pytest.mark.parametrize("dtype, code", [(np.int8, 0x09), (np.int16, 0x0B), (np.int32, 0x0C),
                                         (np.float32, 0x0D), (np.float64, 0x0E)])
def test_read_idx_decodes_big_endian_types(tmp_path, dtype, code):
    data = np.array([[-3, 1, 2], [100, -7, 5]], dtype=dtype)
    (tmp_path / "x").write_bytes(_idx_bytes(data, code))
    out = read_idx(tmp_path / "x")
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative and np.array_equal(out, data)


def test_read_idx_rejects_a_bad_magic_number(tmp_path):
    raw = bytearray(_idx_bytes(np.zeros(4, np.uint8), 0x08))
    raw[0] = 0x12
    (tmp_path / "bad").write_bytes(bytes(raw))
    with pytest.raises(IDXError, match="bad magic number 0x12000801"):
        read_idx(tmp_path / "bad")
    (tmp_path / "code").write_bytes(bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 0]))
    with pytest.raises(IDXError, match="magic"):
        read_idx(tmp_path / "code")
    # a pickle or any other file is refused, never deserialised
    (tmp_path / "pickle").write_bytes(b"\x80\x04\x95\x00")
    with pytest.raises(IDXError, match="magic"):
        read_idx(tmp_path / "pickle")


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_reports_a_truncated_file(tmp_path, compress):
    raw = _idx_bytes(np.zeros((10, 5), np.uint8), 0x08)[:-7]
    (tmp_path / "t").write_bytes(gzip.compress(raw) if compress else raw)
    promise = r"truncated: the header promises 10x5 .* \(62 bytes .* only 55"
    with pytest.raises(IDXError, match=promise):
        read_idx(tmp_path / "t")


def test_read_idx_other_damage(tmp_path):
    (tmp_path / "short").write_bytes(b"\0\0")
    with pytest.raises(IDXError, match="truncated"):
        read_idx(tmp_path / "short")
    (tmp_path / "head").write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(IDXError, match="inside the header"):
        read_idx(tmp_path / "head")
    (tmp_path / "extra").write_bytes(_idx_bytes(np.zeros(3, np.uint8), 0x08) + b"\0")
    with pytest.raises(IDXError, match="1 unexpected bytes"):
        read_idx(tmp_path / "extra")
    gz = gzip.compress(_idx_bytes(np.zeros(300, np.uint8), 0x08))
    (tmp_path / "cut.gz").write_bytes(gz[: len(gz) // 2])
    with pytest.raises(IDXError, match="gzip"):
        read_idx(tmp_path / "cut.gz")


# ---------------------------------------------------------------- MNIST discovery

def _fake_mnist(folder: Path, n_train=6, n_test=4, gz=True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("t10k", n_test)):
        imgs = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for kind, arr, dims in (("images", imgs, 3), ("labels", labels, 1)):
            raw = _idx_bytes(arr, 0x08)
            name = f"{split}-{kind}-idx{dims}-ubyte"
            if gz:
                (folder / (name + ".gz")).write_bytes(gzip.compress(raw))
            else:
                (folder / name).write_bytes(raw)


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_from_a_folder(tmp_path, gz):
    _fake_mnist(tmp_path, gz=gz)
    train, test = load_mnist(tmp_path)
    assert train.X.shape == (6, 784) and train.X.dtype == np.float32
    assert 0.0 <= train.X.min() and train.X.max() <= 1.0
    assert train.y.tolist() == [0, 1, 2, 3, 4, 5] and test.X.shape == (4, 784)
    both = load_mnist(tmp_path)
    assert both.X_train.shape == (6, 784) and both.y_test.tolist() == [0, 1, 2, 3]
    raw_train, _ = load_mnist(tmp_path, normalize=False, flatten=False)
    assert raw_train.X.shape == (6, 28, 28) and raw_train.X.dtype == np.uint8
    np.testing.assert_allclose(train.X, raw_train.X.reshape(6, -1) / 255.0, rtol=1e-6)


def test_load_mnist_searches_the_documented_places(tmp_path, monkeypatch):
    monkeypatch.delenv("CHAINRULE_DATA", raising=False)
    work = tmp_path / "project"
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(FileNotFoundError) as info:
        load_mnist()
    message = str(info.value)
    for expected in ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "data/mnist",
                     "shared/data/mnist", "CHAINRULE_DATA", "path="):
        assert expected in message
    _fake_mnist(tmp_path / "shared" / "data" / "mnist")       # ../shared/data/mnist
    assert len(load_mnist()[0].X) == 6
    _fake_mnist(work / "data" / "mnist", n_train=7)            # ./data/mnist comes first
    assert len(load_mnist()[0].X) == 7
    _fake_mnist(tmp_path / "env" / "mnist", n_train=8)         # $CHAINRULE_DATA/mnist
    monkeypatch.setenv("CHAINRULE_DATA", str(tmp_path / "env"))
    assert len(load_mnist()[0].X) == 8


def test_load_mnist_with_missing_or_mismatched_files(tmp_path):
    _fake_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros(3, np.uint8), 0x08))
    with pytest.raises(IDXError, match="do not match"):
        load_mnist(tmp_path)


@pytest.mark.skipif(not REAL_MNIST.is_dir(), reason=f"the MNIST files are not in {REAL_MNIST}")
def test_load_real_mnist():
    train, test = load_mnist(REAL_MNIST)
    assert train.X.shape == (60000, 784) and test.X.shape == (10000, 784)
    assert train.X.dtype == np.float32 and train.X.max() == 1.0
    assert np.bincount(train.y).tolist()[:3] == [5923, 6742, 5958]


# ---------------------------------------------------------------- digits and Boston

def test_load_digits():
    d = load_digits()
    assert d.X.shape == (1797, 64) and d.X.dtype == np.float32 and d.y.dtype == np.int64
    assert float(d.X.max()) == 1.0 and float(d.X.min()) == 0.0
    assert load_digits(normalize=False).X.max() == 16.0
    assert np.bincount(d.y).min() >= 170   # about 180 of each digit


def test_load_digits_needs_no_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert load_digits().X.shape == (1797, 64)


def test_shipped_digits_are_the_uci_digits_scikit_learn_has():
    sk = pytest.importorskip("sklearn.datasets").load_digits()
    d = load_digits(normalize=False)
    np.testing.assert_array_equal(d.X, sk.data)   # exact: integer pixel counts
    np.testing.assert_array_equal(d.y, sk.target)


def test_load_boston():
    d = load_boston()
    assert d.X.shape == (506, 13) and d.y.shape == (506, 1)
    assert d.feature_names == ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD",
                               "TAX", "PTRATIO", "B", "LSTAT"]
    assert d.target_names == ["MEDV"]
    assert d.X[0, 0] == np.float32(0.00632) and d.y[0, 0] == 24.0
    assert abs(float(d.y.mean()) - 22.53) < 0.01
    doc = load_boston.__doc__
    assert "racial" in doc and "scikit-learn removed" in doc and "course material" in doc
