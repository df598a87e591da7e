"""Data sets: seeded toy problems and real data read from local files.

Every loader returns a :class:`Bunch`: NumPy arrays ``X`` (float32 features,
one row per sample) and ``y`` (int64 class labels of shape ``(n,)``, or
float32 regression targets of shape ``(n, 1)``, the shape of a one-output
network's prediction, so a loss does not broadcast ``(n, 1)`` against
``(n,)``), with a short description. A Bunch unpacks as ``X, y``. Nothing
here uses the network. The toy problems take ``seed`` (an int or a
Generator); without one they draw from the default generator (see
:func:`autograd.manual_seed`).

>>> from nn.datasets import make_moons
>>> X, y = make_moons(100, noise=0.1, seed=0)
>>> X.shape, X.dtype, y.shape, sorted(set(y.tolist()))
((100, 2), dtype('float32'), (100,), [0, 1])
"""
from __future__ import annotations

import gzip
import io
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np

from autograd.rng import generator

from .idx import IDXError, read_idx

__all__ = [
    "Bunch", "IDXError", "TrainTest", "load_boston", "load_digits", "load_mnist", "make_blobs",
    "make_circles", "make_moons", "make_regression", "make_spirals", "make_xor", "read_idx",
]


@dataclass(repr=False)
class Bunch:
    """Features ``X``, targets ``y`` and what they are; unpacks as ``X, y``."""

    X: np.ndarray
    y: np.ndarray
    description: str = ""
    feature_names: list[str] = field(default_factory=list)
    target_names: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.X
        yield self.y

    def __len__(self) -> int:
        return len(self.X)

    def __repr__(self) -> str:
        title = self.description.strip().splitlines()[0] if self.description else ""
        return (f"Bunch(X: {self.X.shape} {self.X.dtype}, y: {self.y.shape} {self.y.dtype}"
                f"{'; ' + title if title else ''})")


def _finish(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, description: str,
            target_names: list[str] | None = None) -> Bunch:
    """Shuffle rows together, fix dtypes and wrap."""
    order = rng.permutation(len(X))
    names = [f"x{i}" for i in range(X.shape[1])]
    return Bunch(X[order].astype(np.float32), y[order], description, names, target_names or [])


def _halves(n: int) -> tuple[int, int]:
    return n - n // 2, n // 2


# ---------------------------------------------------------------- toy classification

def make_moons(n_samples: int = 200, noise: float = 0.1, seed: int | None = None) -> Bunch:
    """Two interleaving half circles (classes 0 and 1), with Gaussian noise of std ``noise``.

    >>> make_moons(10, seed=1).X.shape
    (10, 2)
    """
    rng = generator(seed)
    n0, n1 = _halves(n_samples)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(0, noise, (n_samples, 2))
    y = np.repeat(np.array([0, 1]), [n0, n1])
    return _finish(X, y, rng, "Two moons: interleaving half circles, not linearly separable.")


def make_circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5,
                 seed: int | None = None) -> Bunch:
    """A circle of radius ``factor`` (class 1) inside a circle of radius 1 (class 0).

    >>> X, y = make_circles(8, noise=0.0, seed=0)
    >>> np.round(np.hypot(X[:, 0], X[:, 1])[y == 1], 3).tolist()
    [0.5, 0.5, 0.5, 0.5]
    """
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor}")
    rng = generator(seed)
    n0, n1 = _halves(n_samples)
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = factor * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    X = np.concatenate([outer, inner]) + rng.normal(0, noise, (n_samples, 2))
    y = np.repeat(np.array([0, 1]), [n0, n1])
    return _finish(X, y, rng, "Two concentric circles: separable only by a non-linear boundary.")


def make_spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2,
                 turns: float = 0.75, seed: int | None = None) -> Bunch:
    """``n_classes`` arms of a spiral winding out from the origin.

    Along an arm the radius grows from 0 to 1 while the angle turns ``turns``
    full circles; arms start ``2 pi / n_classes`` apart. ``noise`` jitters the
    angle (radians), so the arms blur more towards the centre.

    >>> X, y = make_spirals(90, n_classes=3, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((90, 2), [30, 30, 30])
    """
    if n_classes < 2:
        raise ValueError(f"make_spirals: needs n_classes >= 2, got {n_classes}")
    rng = generator(seed)
    per_class = np.full(n_classes, n_samples // n_classes)
    per_class[: n_samples % n_classes] += 1
    y = np.repeat(np.arange(n_classes), per_class)
    r = np.concatenate([np.linspace(0.0, 1.0, m) for m in per_class])
    theta = 2 * np.pi * (y / n_classes + turns * r) + rng.normal(0, noise, n_samples)
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return _finish(X, y, rng, f"{n_classes} interleaved spiral arms.")


def make_xor(n_samples: int = 200, noise: float = 0.25, seed: int | None = None) -> Bunch:
    """Four Gaussian clusters at (+-1, +-1); class 1 where the signs differ (XOR).

    >>> X, y = make_xor(400, noise=0.1, seed=0)
    >>> bool(((X[:, 0] * X[:, 1] < 0) == (y == 1)).all())
    True
    """
    rng = generator(seed)
    corners = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=np.float64)
    which = np.arange(n_samples) % 4
    X = corners[which] + rng.normal(0, noise, (n_samples, 2))
    y = (which >= 2).astype(np.int64)
    return _finish(X, y, rng, "XOR: four clusters, the label is the XOR of the coordinates' signs.")


def make_blobs(n_samples: int = 300, centers: int | Any = 3, n_features: int = 2,
               cluster_std: float = 1.0, box: tuple[float, float] = (-6.0, 6.0),
               seed: int | None = None) -> Bunch:
    """Isotropic Gaussian clusters, one class each.

    ``centers`` is a number of clusters (centres drawn uniformly in ``box``)
    or an array of centres of shape ``(k, n_features)``.

    >>> X, y = make_blobs(6, centers=[[0, 0], [5, 5]], cluster_std=0.01, seed=0)
    >>> np.round(X[y == 1].mean(axis=0)).tolist()
    [5.0, 5.0]
    """
    rng = generator(seed)
    if np.ndim(centers) == 0:
        c = rng.uniform(box[0], box[1], (int(centers), n_features))
    else:
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2:
            raise ValueError(f"make_blobs: centers must have shape (k, n_features), got {c.shape}")
    y = np.arange(n_samples) % len(c)
    X = c[y] + rng.normal(0, cluster_std, (n_samples, c.shape[1]))
    return _finish(X, y, rng, f"{len(c)} Gaussian blobs in {c.shape[1]} dimensions.")


# ---------------------------------------------------------------- toy regression

_FUNCTIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], tuple[float, float]]] = {
    "sine": (np.sin, (-np.pi, np.pi)),
    "cubic": (lambda x: x ** 3 - x, (-1.5, 1.5)),
    "quadratic": (lambda x: x ** 2, (-1.0, 1.0)),
    "abs": (np.abs, (-1.0, 1.0)),
    "step": (lambda x: (x > 0).astype(np.float64), (-1.0, 1.0)),
    "sinc": (np.sinc, (-4.0, 4.0)),
}


def make_regression(n_samples: int = 200, function: str | Callable[[np.ndarray], np.ndarray]
                    = "sine", noise: float = 0.1, x_range: tuple[float, float] | None = None,
                    seed: int | None = None) -> Bunch:
    """Noisy samples of a 1-D function for curve fitting: ``y = f(x) + noise * N(0, 1)``.

    ``function`` is one of ``sine`` (on [-pi, pi]), ``cubic`` (x^3 - x),
    ``quadratic``, ``abs``, ``step``, ``sinc``, or any NumPy-vectorised
    callable (then give ``x_range``). ``X`` and ``y`` both have shape ``(n, 1)``.

    >>> X, y = make_regression(50, "sine", noise=0.0, seed=0)
    >>> X.shape, y.shape, bool(np.allclose(y, np.sin(X), atol=1e-6))
    ((50, 1), (50, 1), True)
    """
    if callable(function):
        f, default_range, name = function, (-1.0, 1.0), getattr(function, "__name__", "f")
    elif function in _FUNCTIONS:
        (f, default_range), name = _FUNCTIONS[function], function
    else:
        raise ValueError(
            f"make_regression: unknown function {function!r}; choose one of "
            f"{sorted(_FUNCTIONS)} or pass a callable"
        )
    lo, hi = x_range or default_range
    rng = generator(seed)
    x = rng.uniform(lo, hi, (n_samples, 1))
    y = f(x) + rng.normal(0, noise, x.shape)
    return Bunch(x.astype(np.float32), np.asarray(y, dtype=np.float32),
                 f"y = {name}(x) + noise ({noise}) on [{lo:.3g}, {hi:.3g}].", ["x"], ["y"])


# ---------------------------------------------------------------- real data

def load_digits(normalize: bool = True) -> Bunch:
    """The 8x8 handwritten digits: 1797 images, 10 classes, shipped with this package.

    The test part of "Optical Recognition of Handwritten Digits" (Alpaydin and
    Kaynak, UCI Machine Learning Repository, 1998, CC BY 4.0; the same
    images scikit-learn ships as its digits). ``X`` has 64 columns, pixel
    intensities 0..16, divided by 16 when ``normalize``; ``y`` the digit.
    Nothing is downloaded and nothing else needs to be installed.

    >>> d = load_digits()
    >>> d.X.shape, d.y.shape, float(d.X.max()), sorted(set(d.y.tolist())) == list(range(10))
    ((1797, 64), (1797,), 1.0, True)
    """
    packed = resources.files(__package__ or "nn") / "_data" / "digits.csv.gz"
    with packed.open("rb") as raw, gzip.open(raw, "rt", encoding="ascii") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64, ndmin=2)
    if (table.shape != (1797, 65) or table[:, :64].min() < 0 or table[:, :64].max() > 16
            or not np.isin(table[:, 64], np.arange(10)).all()):
        raise ValueError(f"digits.csv.gz is damaged: shape {table.shape}, expected (1797, 65) "
                         "with pixels in 0..16 and labels in 0..9")
    X = table[:, :64].astype(np.float32)
    if normalize:
        X /= 16.0
    return Bunch(X, table[:, 64].copy(),
                 "Optical recognition of handwritten digits (UCI): 1797 8x8 images, "
                 "10 classes, pixel intensities 0..16.",
                 [f"pixel_{r}_{c}" for r in range(8) for c in range(8)],
                 [str(i) for i in range(10)])


_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte",
}


def _mnist_file(folder: Path, stem: str) -> Path | None:
    # Some mirrors write "train-images.idx3-ubyte"; accept both spellings.
    for base in (stem, stem.replace("-idx", ".idx")):
        for name in (base, base + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def _mnist_candidates() -> list[Path]:
    folders = []
    env = os.environ.get("CHAINRULE_DATA")
    if env:
        folders += [Path(env), Path(env) / "mnist"]
    return folders + [Path("data") / "mnist", Path("..") / "shared" / "data" / "mnist"]


class TrainTest(NamedTuple):
    """A fixed train/test split: unpacks as ``train, test``; also ``X_train``, ``y_test``..."""

    train: Bunch
    test: Bunch

    X_train = property(lambda self: self.train.X)
    y_train = property(lambda self: self.train.y)
    X_test = property(lambda self: self.test.X)
    y_test = property(lambda self: self.test.y)


def load_mnist(path: str | os.PathLike[str] | None = None, normalize: bool = True,
               flatten: bool = True) -> TrainTest:
    """MNIST from the four standard IDX files in a local folder: returns ``(train, test)``.

    The folder must hold ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, plain or with
    ``.gz``. Without ``path`` the first folder holding them is used among
    ``$CHAINRULE_DATA``, ``$CHAINRULE_DATA/mnist``, ``./data/mnist`` and
    ``../shared/data/mnist`` (relative to the current directory). Nothing is
    downloaded. ``X`` is float32 in [0, 1] (``normalize``; else the uint8
    pixels), shape ``(n, 784)`` (``flatten``; else ``(n, 28, 28)``); ``y``
    holds int64 labels 0..9. The result also has ``X_train``, ``y_train``,
    ``X_test`` and ``y_test``.

    >>> load_mnist("no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: load_mnist: did not find the MNIST files train-images-idx3-ubyte, ...
    """
    folders = [Path(path)] if path is not None else _mnist_candidates()
    for folder in folders:
        found = {k: _mnist_file(folder, stem) for k, stem in _MNIST_FILES.items()}
        if all(found.values()):
            break
    else:
        names = ", ".join(_MNIST_FILES.values())
        where = ", ".join(str(f) for f in folders)
        raise FileNotFoundError(
            f"load_mnist: did not find the MNIST files {names} (plain or .gz) in {where}. "
            "Put the four files in one of those folders (or in a folder named by the "
            "environment variable CHAINRULE_DATA), or pass load_mnist(path=folder)."
        )
    parts = []
    for split in ("train", "test"):
        images = read_idx(found[f"{split}_images"])
        labels = read_idx(found[f"{split}_labels"])
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise IDXError(
                f"load_mnist: {split} images of shape {images.shape} and labels of shape "
                f"{labels.shape} do not match (expected (n, rows, cols) and (n,))"
            )
        _check_mnist(images, labels, found[f"{split}_images"], found[f"{split}_labels"])
        X = images.reshape(len(images), -1) if flatten else images
        if normalize:
            X = X.astype(np.float32) / np.float32(255.0)
        parts.append(Bunch(
            X, labels.astype(np.int64),
            f"MNIST {split} set: {len(images)} handwritten digits of "
            f"{images.shape[1]}x{images.shape[2]} pixels (from {found[f'{split}_images'].parent}).",
            [f"pixel_{i}" for i in range(images.shape[1] * images.shape[2])],
            [str(i) for i in range(10)],
        ))
    return TrainTest(parts[0], parts[1])


def _check_mnist(images: np.ndarray, labels: np.ndarray, images_path: Path,
                 labels_path: Path) -> None:
    """Labels must be the integers 0..9 and pixels lie in 0..255 (finite), as MNIST's do."""
    if labels.dtype.kind == "f":
        whole = np.isfinite(labels) & (labels == np.floor(labels))
        if not whole.all():
            bad = labels[~whole][0].item()
            raise IDXError(f"load_mnist: {labels_path}: label {bad!r} is not a whole number; "
                           "MNIST labels are the digits 0 to 9")
    outside = (labels < 0) | (labels > 9)
    if outside.any():
        i = int(np.argmax(outside))
        raise IDXError(f"load_mnist: {labels_path}: label {labels[i].item()!r} (at index {i}) "
                       "is not a digit; MNIST labels are 0 to 9")
    if images.dtype != np.uint8:
        # NaN fails both comparisons, so it is caught with values out of range.
        inside = (images >= 0) & (images <= 255)
        if not inside.all():
            bad = images[~inside][0].item()
            raise IDXError(f"load_mnist: {images_path}: pixel value {bad!r} is outside 0..255 "
                           "(MNIST pixels are bytes)")


_BOSTON_FEATURES = {
    "CRIM": "per-capita crime rate by town",
    "ZN": "share of residential land zoned for lots over 25,000 sq. ft.",
    "INDUS": "share of non-retail business acres per town",
    "CHAS": "1 if the tract bounds the Charles River, else 0",
    "NOX": "nitric oxides concentration (parts per 10 million)",
    "RM": "average number of rooms per dwelling",
    "AGE": "share of owner-occupied units built before 1940",
    "DIS": "weighted distance to five Boston employment centres",
    "RAD": "index of accessibility to radial highways",
    "TAX": "property-tax rate per $10,000",
    "PTRATIO": "pupil-teacher ratio by town",
    "B": "1000 (Bk - 0.63)^2, Bk the proportion of Black residents by town",
    "LSTAT": "% lower status of the population",
}


def load_boston() -> Bunch:
    """Boston housing: 506 census tracts, 13 features, target MEDV (median value, $1000s).

    Harrison and Rubinfeld (1978), via StatLib; read from a CSV shipped with
    this package. ``X`` (506, 13) holds CRIM ZN INDUS CHAS NOX RM AGE DIS RAD
    TAX PTRATIO B LSTAT; ``y`` (506, 1) holds MEDV.

    The feature B encodes a racial proportion: 1000 (Bk - 0.63)^2 with Bk the
    proportion of Black residents by town, built on the authors' assumption
    that racial self-segregation affects house prices. scikit-learn removed
    this data set in version 1.2 for that reason. It is kept here because it
    is the regression example of the course material this library serves;
    drop the column (``X[:, 11]``) to work without it.

    >>> d = load_boston()
    >>> d.X.shape, d.y.shape, d.feature_names[11]
    ((506, 13), (506, 1), 'B')
    """
    csv = resources.files(__package__ or "nn") / "_data" / "boston.csv"
    text = csv.read_text(encoding="utf-8")
    header, _, body = text.partition("\n")
    columns = header.strip().split(",")
    table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    if columns != [*_BOSTON_FEATURES, "MEDV"] or table.shape != (506, 14):
        raise ValueError(f"boston.csv is damaged: columns {columns}, shape {table.shape}")
    lines = [f"  {k:8s} {v}" for k, v in _BOSTON_FEATURES.items()]
    return Bunch(
        table[:, :13].astype(np.float32), table[:, 13:].astype(np.float32),
        "Boston housing (Harrison and Rubinfeld, 1978): 506 tracts, target MEDV, the median "
        "home value in $1000s. Features:\n" + "\n".join(lines),
        list(_BOSTON_FEATURES), ["MEDV"],
    )
