"""Datasets, mini-batch loading, splits and simple preprocessing.

Batches are cut from whole arrays with one fancy-indexing operation each
(a slice, without copying, when not shuffling), so a pass over MNIST costs
a few hundred NumPy calls, not sixty thousand Python ones.

>>> import numpy as np
>>> from nn.data import DataLoader, TensorDataset
>>> X = np.arange(10, dtype=np.float32).reshape(5, 2); y = np.array([0, 1, 0, 1, 1])
>>> loader = DataLoader(TensorDataset(X, y), batch_size=2, shuffle=True, seed=0)
>>> [tuple(xb.shape) for xb, yb in loader]
[(2, 2), (2, 2), (1, 2)]
>>> len(loader)
3
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from autograd import Tensor
from autograd.rng import generator

# The data sets live in nn.datasets; they are importable from here as well.
from .datasets import (  # noqa: F401
    load_boston,
    load_digits,
    load_mnist,
    make_blobs,
    make_circles,
    make_moons,
    make_regression,
    make_spirals,
    make_xor,
)

__all__ = [
    "DataLoader", "Dataset", "TensorDataset", "one_hot", "standardize", "train_test_split",
    "train_val_test_split",
]


def _as_array(a: Any) -> np.ndarray:
    # Tensors expose their ndarray through __array__; lists become arrays.
    return a if isinstance(a, np.ndarray) else np.asarray(a)


class Dataset:
    """A sized collection of samples: subclasses define ``__len__`` and ``__getitem__``.

    ``__getitem__(i)`` returns one sample, usually a tuple ``(x, y)``. A
    subclass whose ``__getitem__`` also accepts an integer index array and
    returns whole batches (arrays with a leading batch axis) sets
    ``batched = True``; :class:`DataLoader` then fetches each batch with
    one call instead of one call per sample.

    >>> class Squares(Dataset):
    ...     def __len__(self): return 4
    ...     def __getitem__(self, i): return float(i), float(i * i)
    >>> [yb.tolist() for _, yb in DataLoader(Squares(), batch_size=2)]
    [[0.0, 1.0], [4.0, 9.0]]
    """

    batched = False

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Arrays (or Tensors) of equal length, indexed together along the first axis.

    >>> ds = TensorDataset(np.zeros((3, 2)), np.array([1, 2, 3]))
    >>> len(ds), ds[1][1], [a.shape for a in ds[np.array([0, 2])]]
    (3, np.int64(2), [(2, 2), (2,)])
    """

    batched = True

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(_as_array(a) for a in arrays)
        lengths = [len(a) if a.ndim else None for a in self.arrays]
        if None in lengths or len(set(lengths)) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(
                f"TensorDataset: all arrays need the same length (first axis), got shapes {shapes}"
            )

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.arrays)


class DataLoader:
    """Iterate over a dataset in mini-batches of Tensors.

    Each batch is a tuple with one Tensor per array of the dataset (for a
    ``TensorDataset(X, y)``: ``(xb, yb)``). Arrays keep their dtype: give
    float32 features (the library's default dtype) and integer class labels.

    ``shuffle=True`` draws a new order at the start of every pass. With an
    int ``seed`` the order of pass ``e`` depends only on ``(seed, e)``: two
    loaders with the same seed give the same batches, epoch after epoch.
    Without a seed the orders come from the default generator (see
    :func:`autograd.manual_seed`); a Generator is drawn from as given.
    ``drop_last=True`` skips a final batch smaller than ``batch_size``.
    ``dataset`` may also be a tuple of arrays, as a shortcut for
    ``TensorDataset(*arrays)``.

    >>> X = np.arange(6, dtype=np.float32)
    >>> loader = DataLoader((X,), batch_size=4, shuffle=True, seed=1, drop_last=True)
    >>> first, second = [b[0].tolist() for b in loader], [b[0].tolist() for b in loader]
    >>> len(first), first != second     # one full batch, a new order each pass
    (1, True)
    >>> first == [b[0].tolist() for b in DataLoader((X,), 4, True, True, seed=1)]
    True
    """

    def __init__(self, dataset: Dataset | Sequence[Any], batch_size: int = 32,
                 shuffle: bool = False, drop_last: bool = False,
                 seed: int | np.random.Generator | None = None) -> None:
        if isinstance(dataset, (tuple, list)):
            dataset = TensorDataset(*dataset)
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(
                f"DataLoader: expected a Dataset (with __len__ and __getitem__) or a tuple of "
                f"arrays, got {type(dataset).__name__}"
            )
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(
                f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.epoch = 0
        # An int seed is re-combined with the epoch on each pass; otherwise one
        # generator (the default one without a seed) is drawn from pass after pass.
        self._rng = None if isinstance(seed, (int, np.integer)) else generator(seed)

    def __len__(self) -> int:
        n, b = len(self.dataset), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass use the order of pass ``epoch`` (with an int seed)."""
        self.epoch = int(epoch)

    def _order(self) -> np.ndarray | None:
        if not self.shuffle:
            return None
        n = len(self.dataset)
        rng = self._rng if self._rng is not None else np.random.default_rng((self.seed, self.epoch))
        return rng.permutation(n)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        order = self._order()
        self.epoch += 1
        n, b = len(self.dataset), self.batch_size
        stop = n - n % b if self.drop_last else n
        for start in range(0, stop, b):
            end = min(start + b, stop)
            index = slice(start, end) if order is None else order[start:end]
            yield self._fetch(index)

    def _fetch(self, index: slice | np.ndarray) -> tuple[Tensor, ...]:
        ds = self.dataset
        if getattr(ds, "batched", False):
            batch = ds[index]
        else:
            idx = range(len(ds))[index] if isinstance(index, slice) else index
            samples = [ds[int(i)] for i in idx]
            if isinstance(samples[0], tuple):
                batch = tuple(np.stack([np.asarray(s[k]) for s in samples])
                              for k in range(len(samples[0])))
            else:
                batch = (np.stack([np.asarray(s) for s in samples]),)
        if not isinstance(batch, tuple):
            batch = (batch,)
        return tuple(b if isinstance(b, Tensor) else Tensor(_as_array(b)) for b in batch)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, seed={self.seed!r})")


# ---------------------------------------------------------------- splits

def _count(size: float | int, n: int, name: str) -> int:
    if isinstance(size, (float, np.floating)):
        if not 0.0 <= size < 1.0:
            raise ValueError(f"{name} must be a fraction in [0, 1) or a count, got {size}")
        return int(round(size * n))
    if isinstance(size, (int, np.integer)) and 0 <= size < n:
        return int(size)
    raise ValueError(f"{name} must be a fraction in [0, 1) or a count below {n}, got {size!r}")


def _apportion(counts: np.ndarray, total: int) -> np.ndarray:
    """Integers summing to ``total``, proportional to ``counts`` (largest remainders)."""
    ideal = counts * (total / counts.sum())
    out = np.floor(ideal).astype(np.int64)
    short = total - int(out.sum())
    if short:
        # stable sort: ties go to the earlier class, so results are deterministic
        out[np.argsort(-(ideal - out), kind="stable")[:short]] += 1
    return out


def _split_indices(n: int, sizes: list[int], stratify: Any, shuffle: bool,
                   rng: np.random.Generator) -> list[np.ndarray]:
    """Index arrays for parts of the given sizes (the first part takes the rest)."""
    if stratify is None:
        order = rng.permutation(n) if shuffle else np.arange(n)
        bounds = np.cumsum([n - sum(sizes[1:])] + sizes[1:])[:-1]
        return np.split(order, bounds)
    labels = _as_array(stratify)
    if labels.ndim > 1:
        labels = labels.reshape(len(labels), -1)
        labels = np.unique(labels, axis=0, return_inverse=True)[1].ravel()
    if len(labels) != n:
        raise ValueError(f"stratify has {len(labels)} labels for {n} samples")
    _, codes = np.unique(labels, return_inverse=True)
    members = [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]
    if shuffle:
        members = [rng.permutation(m) for m in members]
    left = np.array([len(m) for m in members])
    taken = np.zeros_like(left)
    parts: list[list[np.ndarray]] = [[] for _ in sizes]
    # Fill the later parts (test, then validation) class by class; training gets the rest.
    for k in range(len(sizes) - 1, 0, -1):
        per_class = _apportion(left, sizes[k])
        for c, m in enumerate(members):
            parts[k].append(m[taken[c]:taken[c] + per_class[c]])
        taken += per_class
        left -= per_class
    parts[0] = [m[t:] for m, t in zip(members, taken)]
    out = [np.concatenate(p) for p in parts]
    return [rng.permutation(p) if shuffle else np.sort(p) for p in out]


def _split(arrays: tuple[Any, ...], fractions: list[tuple[float | int, str]], stratify: Any,
           shuffle: bool, seed: int | np.random.Generator | None) -> list[np.ndarray]:
    if not arrays:
        raise ValueError("give at least one array to split")
    arrs = [_as_array(a) for a in arrays]
    n = len(arrs[0])
    if any(len(a) != n for a in arrs):
        raise ValueError(
            f"arrays to split need the same length, got {[len(a) for a in arrs]}"
        )
    sizes = [_count(size, n, name) for size, name in fractions]
    for size, (asked, name) in zip(sizes, fractions):
        if size == 0 and asked:
            raise ValueError(f"{name}={asked} of {n} samples gives an empty part; ask for more")
    if n - sum(sizes) < 1:
        raise ValueError(f"{' + '.join(f[1] for f in fractions)} leaves no training samples")
    rng = generator(seed)
    parts = _split_indices(n, [n - sum(sizes)] + sizes, stratify, shuffle, rng)
    return [a[idx] for a in arrs for idx in parts]


def train_test_split(*arrays: Any, test_size: float | int = 0.25, stratify: Any = None,
                     shuffle: bool = True,
                     seed: int | np.random.Generator | None = None) -> list[np.ndarray]:
    """Split arrays into train and test parts: ``[a_train, a_test, b_train, b_test, ...]``.

    ``test_size`` is a fraction (rounded to a count) or a count. With
    ``stratify=labels`` every class keeps its share in both parts (up to
    rounding), which matters for small or imbalanced data sets.

    >>> X, y = np.arange(20).reshape(10, 2), np.array([0] * 6 + [1] * 4)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, stratify=y, seed=0)
    >>> X_tr.shape, X_te.shape, int(y_te.sum())
    ((5, 2), (5, 2), 2)
    """
    return _split(arrays, [(test_size, "test_size")], stratify, shuffle, seed)


def train_val_test_split(*arrays: Any, val_size: float | int = 0.15,
                         test_size: float | int = 0.15, stratify: Any = None,
                         shuffle: bool = True,
                         seed: int | np.random.Generator | None = None) -> list[np.ndarray]:
    """Split into three disjoint parts: ``[a_train, a_val, a_test, b_train, ...]``.

    Sizes are fractions of the whole (or counts); training gets the rest.

    >>> y = np.arange(100) % 4
    >>> y_tr, y_va, y_te = train_val_test_split(y, val_size=0.2, test_size=0.2, stratify=y, seed=0)
    >>> len(y_tr), len(y_va), len(y_te), np.bincount(y_va).tolist()
    (60, 20, 20, [5, 5, 5, 5])
    """
    return _split(arrays, [(val_size, "val_size"), (test_size, "test_size")], stratify,
                  shuffle, seed)


# ---------------------------------------------------------------- preprocessing

def standardize(train: Any, *others: Any, axis: int | tuple[int, ...] = 0
                ) -> tuple[np.ndarray, ...]:
    """Scale features to mean 0 and standard deviation 1, using statistics of ``train`` only.

    Returns ``(train_scaled, *others_scaled, mean, std)``. Fitting on the
    training part alone keeps test data from leaking into the model. A
    constant feature (std 0) is only centred. Float arrays keep their dtype;
    integer ones become float32.

    >>> X_tr = np.array([[1., 10.], [3., 10.]], dtype=np.float32)
    >>> X_tr_s, X_te_s, mean, std = standardize(X_tr, np.array([[2., 11.]], dtype=np.float32))
    >>> X_tr_s.tolist(), X_te_s.tolist(), mean.tolist(), std.tolist()
    ([[-1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0]], [2.0, 10.0], [1.0, 1.0])
    """
    x = _as_array(train)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    # statistics in float64 for accuracy, applied in the data's own dtype
    mean = x.mean(axis=axis, dtype=np.float64, keepdims=True)
    std = x.std(axis=axis, dtype=np.float64, keepdims=True)
    std[std == 0] = 1.0
    mean, std = mean.astype(dtype), std.astype(dtype)
    scaled = tuple((_as_array(a).astype(dtype, copy=False) - mean) / std for a in (x, *others))
    squeeze = tuple(np.atleast_1d(axis))
    return (*scaled, np.squeeze(mean, axis=squeeze), np.squeeze(std, axis=squeeze))


def one_hot(labels: Any, num_classes: int | None = None, dtype: Any = np.float32) -> np.ndarray:
    """Rows of zeros with a one at each label: shape ``(n, num_classes)``.

    >>> one_hot([0, 2, 1], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    y = _as_array(labels)
    if y.dtype.kind not in "iub" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
        raise TypeError(f"one_hot: labels must be integers, got dtype {y.dtype}")
    y = y.astype(np.int64).ravel()
    if y.size and y.min() < 0:
        raise ValueError(f"one_hot: labels must be >= 0, got {y.min()}")
    k = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if y.size and y.max() >= k:
        raise ValueError(f"one_hot: label {y.max()} does not fit num_classes={k}")
    out = np.zeros((y.size, k), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out
