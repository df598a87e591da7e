"""nn.data: datasets, DataLoader batching and shuffling, splits, standardize, one_hot."""
from __future__ import annotations


import numpy as np
import pytest

from autograd import Tensor
from nn.data import (
    DataLoader,
    Dataset,
    TensorDataset,
    one_hot,
    standardize,
    train_test_split,
    train_val_test_split,
)


def _data(n=10, d=3):
    X = np.arange(n * d, dtype=np.float32).reshape(n, d)
    y = np.arange(n) % 3
    return X, y


# ---------------------------------------------------------------- Dataset / TensorDataset

def test_tensor_dataset_indexes_all_arrays_together():
    X, y = _data()
    ds = TensorDataset(X, y)
    assert len(ds) == 10
    xs, ys = ds[np.array([4, 1])]
    assert xs.tolist() == [X[4].tolist(), X[1].tolist()] and ys.tolist() == [y[4], y[1]]
    x0, y0 = ds[0]
    assert x0.shape == (3,) and y0 == 0


def test_tensor_dataset_accepts_tensors_and_rejects_ragged():
    X, y = _data()
    ds = TensorDataset(Tensor(X), y)
    assert isinstance(ds.arrays[0], np.ndarray) and ds.arrays[0].dtype == np.float32
    with pytest.raises(ValueError, match="same length"):
        TensorDataset(X, y[:5])
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


# ---------------------------------------------------------------- DataLoader

def test_batches_have_the_right_shapes_and_types():
    X, y = _data(10)
    batches = list(DataLoader(TensorDataset(X, y), batch_size=4))
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert [b[1].shape for b in batches] == [(4,), (4,), (2,)]
    assert all(isinstance(t, Tensor) for b in batches for t in b)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype.kind == "i"
    # no shuffling: the data in order
    assert np.array_equal(np.concatenate([b[0].data for b in batches]), X)


def test_len_and_drop_last():
    X, y = _data(10)
    assert len(DataLoader((X, y), batch_size=4)) == 3
    loader = DataLoader((X, y), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[0].shape[0] for b in loader] == [4, 4]
    assert len(DataLoader((X, y), batch_size=5, drop_last=True)) == 2
    assert len(DataLoader((X, y), batch_size=20, drop_last=True)) == 0
    assert list(DataLoader((X, y), batch_size=20, drop_last=True)) == []


def test_shuffle_covers_every_sample_once_and_changes_every_epoch():
    X, y = _data(50)
    loader = DataLoader((X, y), batch_size=8, shuffle=True, seed=3)
    orders = []
    for _ in range(3):
        rows = np.concatenate([b[0].data[:, 0] for b in loader])
        assert sorted(rows.tolist()) == sorted(X[:, 0].tolist())  # a permutation
        orders.append(rows.tolist())
    assert orders[0] != orders[1] and orders[1] != orders[2]
    # features and labels stay paired
    for xb, yb in loader:
        assert np.array_equal((xb.data[:, 0] // 3).astype(int) % 3, yb.data)


def test_shuffle_is_reproducible_for_a_seed():
    X, y = _data(40)

    def epochs(seed):
        loader = DataLoader((X, y), batch_size=16, shuffle=True, seed=seed)
        return [[b[1].data.tolist() for b in loader] for _ in range(3)]

    assert epochs(7) == epochs(7)
    assert epochs(7) != epochs(8)
    loader = DataLoader((X, y), batch_size=16, shuffle=True, seed=7)
    loader.set_epoch(2)
    assert [b[1].data.tolist() for b in loader] == epochs(7)[2]


def test_shuffle_with_a_generator_and_without_a_seed():
    X, y = _data(30)
    a = DataLoader((X, y), 30, shuffle=True, seed=np.random.default_rng(1))
    b = DataLoader((X, y), 30, shuffle=True, seed=np.random.default_rng(1))
    assert [t[1].data.tolist() for t in a] == [t[1].data.tolist() for t in b]
    unseeded = DataLoader((X, y), 30, shuffle=True)
    assert sorted(next(iter(unseeded))[1].data.tolist()) == sorted(y.tolist())


def test_generic_dataset_is_collated_per_sample():
    class Pairs(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full(2, i, dtype=np.float32), i

    batches = list(DataLoader(Pairs(), batch_size=2, shuffle=True, seed=0))
    assert [b[0].shape for b in batches] == [(2, 2), (2, 2), (1, 2)]
    seen = np.concatenate([b[1].data for b in batches])
    assert sorted(seen.tolist()) == [0, 1, 2, 3, 4]
    assert all(np.array_equal(b[0].data[:, 0], b[1].data) for b in batches)


def test_bad_arguments():
    X, y = _data()
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader((X, y), batch_size=0)
    with pytest.raises(TypeError, match="Dataset"):
        DataLoader(42)


def test_an_mnist_sized_epoch_indexes_once_per_batch():
    # Fancy indexing whole arrays: one call per batch, not one per sample.
    calls = []

    class Counting(TensorDataset):
        def __getitem__(self, index):
            calls.append(np.size(index) if not isinstance(index, slice) else index)
            return super().__getitem__(index)

    X = np.zeros((60000, 784), dtype=np.float32)
    y = np.zeros(60000, dtype=np.int64)
    loader = DataLoader(Counting(X, y), batch_size=128, shuffle=True, seed=0)
    n = sum(len(xb) for xb, _ in loader)
    assert n == 60000
    assert len(calls) == len(loader) == -(-60000 // 128)


# ---------------------------------------------------------------- splits

def test_train_test_split_is_disjoint_complete_and_seeded():
    X, y = _data(100)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0)
    assert len(X_tr) == 80 and len(X_te) == 20 and len(y_tr) == 80
    ids_tr, ids_te = set(X_tr[:, 0].tolist()), set(X_te[:, 0].tolist())
    assert not ids_tr & ids_te and ids_tr | ids_te == set(X[:, 0].tolist())
    assert np.array_equal((X_te[:, 0] // 3).astype(int) % 3, y_te)  # rows stay paired
    again = train_test_split(X, y, test_size=0.2, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(again, [X_tr, X_te, y_tr, y_te]))
    other = train_test_split(X, y, test_size=0.2, seed=1)
    assert not np.array_equal(other[1], X_te)


def test_split_sizes_as_counts_and_without_shuffle():
    X, y = _data(10)
    X_tr, X_te = train_test_split(X, test_size=3, shuffle=False)
    assert np.array_equal(X_tr, X[:7]) and np.array_equal(X_te, X[7:])


def test_stratified_split_keeps_class_proportions():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, seed=4)
    assert np.bincount(y_te).tolist() == [12, 6, 2]
    assert np.bincount(y_tr).tolist() == [48, 24, 8]
    assert sorted(np.concatenate([X_tr, X_te]).tolist()) == list(range(100))
    assert np.array_equal(y[X_te], y_te)


def test_stratified_split_with_uneven_rounding_still_sums_exactly():
    y = np.array([0] * 7 + [1] * 5 + [2] * 3)
    _, y_te = train_test_split(y, test_size=0.4, stratify=y, seed=0)
    assert len(y_te) == 6
    counts = np.bincount(y_te, minlength=3)
    assert np.all(np.abs(counts - np.array([7, 5, 3]) * 0.4) < 1)


def test_train_val_test_split():
    X, y = np.arange(200), np.arange(200) % 4
    parts = train_val_test_split(X, y, val_size=0.1, test_size=0.25, stratify=y, seed=2)
    X_tr, X_va, X_te, y_tr, y_va, y_te = parts
    assert (len(X_tr), len(X_va), len(X_te)) == (130, 20, 50)
    assert set(X_tr) | set(X_va) | set(X_te) == set(range(200))
    assert not (set(X_tr) & set(X_va) or set(X_tr) & set(X_te) or set(X_va) & set(X_te))
    assert np.bincount(y_va).tolist() == [5] * 4 and np.bincount(y_te).tolist() == [13, 13, 12, 12]
    assert np.array_equal(X_va % 4, y_va)


def test_split_errors():
    X, y = _data(10)
    with pytest.raises(ValueError, match="same length"):
        train_test_split(X, y[:3])
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(X, test_size=1.5)
    with pytest.raises(ValueError, match="empty"):
        train_test_split(X, test_size=0.01)
    with pytest.raises(ValueError, match="no training samples"):
        train_val_test_split(X, val_size=0.5, test_size=0.5)


# ---------------------------------------------------------------- preprocessing

def test_standardize_fits_on_train_only():
    rng = np.random.default_rng(0)
    X_tr = rng.normal(5, 3, (200, 4)).astype(np.float32)
    X_te = rng.normal(5, 3, (50, 4)).astype(np.float32)
    X_tr[:, 2] = 7.0  # a constant feature
    tr, te, mean, std = standardize(X_tr, X_te)
    assert tr.dtype == np.float32 and te.dtype == np.float32 and mean.shape == (4,)
    np.testing.assert_allclose(tr[:, [0, 1, 3]].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(tr[:, [0, 1, 3]].std(axis=0), 1, atol=1e-5)
    assert np.all(tr[:, 2] == 0) and std[2] == 1
    np.testing.assert_allclose(te, (X_te - mean) / std, rtol=1e-6)
    assert not np.allclose(te.mean(axis=0), 0, atol=1e-3)  # test statistics were not used


def test_standardize_keeps_float64_and_converts_ints():
    a, m, s = standardize(np.array([[1.0], [3.0]]))
    assert a.dtype == np.float64 and m.tolist() == [2.0] and s.tolist() == [1.0]
    b, _, _ = standardize(np.array([[1], [3]]))
    assert b.dtype == np.float32


def test_one_hot():
    out = one_hot(np.array([2, 0]), 4)
    assert out.dtype == np.float32 and out.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0]]
    assert one_hot([1, 1]).shape == (2, 2)
    with pytest.raises(ValueError, match="num_classes"):
        one_hot([3], 2)
    with pytest.raises(ValueError, match=">= 0"):
        one_hot([-1])
    with pytest.raises(TypeError, match="integers"):
        one_hot([0.5])
