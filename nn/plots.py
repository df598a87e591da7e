"""Plots for training: learning curves, decision boundaries, confusion matrices, and what a
convolutional network sees: its filters and the feature maps of one image.

Each function returns a ``matplotlib.figure.Figure`` made through pyplot, so
it behaves like any matplotlib figure: a script shows it with ``plt.show()``,
Jupyter shows it inline below the cell (also in a fresh notebook, with no
``%matplotlib inline``), and ``fig.savefig("curves.png")`` writes it. Without
a display (a server, CI) matplotlib falls back to its Agg backend, so nothing
needs configuring. In Jupyter the figure is shown once even when it is the
value of the cell (matplotlib alone would show it twice: as the value and
again when the cell ends). Give ``ax=`` to draw into an existing axes.
pyplot keeps figures open until ``plt.close(fig)`` (Jupyter closes them after
each cell). matplotlib is an optional dependency (``pip install matplotlib``).

>>> import numpy as np
>>> import matplotlib.pyplot as plt
>>> fig = plot_confusion_matrix(np.array([[5, 1], [0, 4]]), labels=["cat", "dog"])
>>> type(fig).__name__, len(fig.axes) >= 1, fig.number in plt.get_fignums()
('PlotFigure', True, True)
>>> plt.close(fig)
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .metrics import predicted_labels

__all__ = ["feature_maps", "plot_confusion_matrix", "plot_decision_boundary", "plot_feature_maps",
           "plot_filters", "plot_history"]

_FIGURE_CLASS: Any = None


def _figure_class() -> Any:
    """The Figure subclass the plots use (made on first use: matplotlib is optional)."""
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        from matplotlib.figure import Figure

        class PlotFigure(Figure):
            """A pyplot figure that Jupyter's inline backend shows once."""

            def _repr_mimebundle_(self, include: Any = None, exclude: Any = None
                                  ) -> dict[str, Any]:
                import matplotlib

                if "inline" not in matplotlib.get_backend():
                    return {}  # other front ends show figures their own way
                from IPython.core.pylabtools import print_figure
                import matplotlib.pyplot as plt

                png = print_figure(self, "png")
                # Shown here, as the value of the cell (or by plt.show): closing it keeps the
                # inline backend from showing it a second time when the cell ends.
                plt.close(self)
                return {"image/png": png, "text/plain": repr(self)}

        _FIGURE_CLASS = PlotFigure
    return _FIGURE_CLASS


def _figure(figsize: tuple[float, float]) -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from None
    return plt.figure(figsize=figsize, layout="constrained", FigureClass=_figure_class())


def _axes(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    fig = _figure(figsize)
    return fig, fig.add_subplot()


def plot_history(history: Any, keys: Sequence[str] | None = None,
                 figsize: tuple[float, float] | None = None) -> Any:
    """One panel per quantity (loss, then each metric): training and validation per epoch.

    A validation curve that turns up while the training curve keeps falling
    is overfitting; the best epoch is marked with a dotted line.
    """
    data = history.history
    if keys is None:
        keys = [k for k in data if not k.startswith("val_") and k not in ("time", "lr")]
        keys += [k[4:] for k in data if k.startswith("val_") and k[4:] not in data]
    if not keys:
        raise ValueError("plot_history: the history is empty (no epochs were run)")
    fig = _figure(figsize or (4.2 * len(keys), 3.4))
    epochs = history.epochs
    best = getattr(history, "best_epoch", None)
    for i, key in enumerate(keys):
        ax = fig.add_subplot(1, len(keys), i + 1)
        if key in data:
            ax.plot(epochs, data[key], marker="o", ms=3, label="training")
        if "val_" + key in data:
            ax.plot(epochs, data["val_" + key], marker="o", ms=3, label="validation")
        if best is not None:
            ax.axvline(best, color="grey", linestyle=":", linewidth=1, label=f"best (epoch {best})")
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    return fig


def plot_decision_boundary(model: Any, X: Any, y: Any, resolution: int = 200,
                           padding: float = 0.5, threshold: float | None = None,
                           ax: Any = None, figsize: tuple[float, float] = (5.0, 4.5)) -> Any:
    """Colour the plane by the class ``model`` predicts; scatter ``X`` coloured by ``y``.

    For a 2-feature classifier. Outputs become classes as in
    :func:`nn.metrics.predicted_labels` (argmax of several columns, a
    threshold on one). The grid is evaluated in batches, without a graph.
    """
    from .train import predict

    X = np.asarray(X)
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: needs 2-D inputs of shape (n, 2), got {X.shape}")
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    dtype = X.dtype if X.dtype.kind == "f" else np.float32
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(dtype)
    zone = predicted_labels(predict(model, grid, batch_size=8192), threshold).reshape(gx.shape)
    k = int(max(zone.max(), y.max() if y.size else 0)) + 1
    fig, ax = _axes(ax, figsize)
    cmap = "coolwarm" if k == 2 else "tab10"
    ax.contourf(gx, gy, zone, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.3,
                vmin=-0.5, vmax=k - 0.5)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=k - 0.5, s=14,
               edgecolors="k", linewidths=0.4)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_title("decision boundary")
    return fig


def plot_confusion_matrix(cm: Any, labels: Sequence[Any] | None = None, normalize: bool = False,
                          ax: Any = None, figsize: tuple[float, float] | None = None) -> Any:
    """Draw ``cm[i, j]`` (true class ``i`` predicted as ``j``) as a heat map with counts.

    ``normalize=True`` shows each row as fractions of its true class.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot_confusion_matrix: needs a square matrix, got shape {cm.shape}")
    k = cm.shape[0]
    labels = [str(i) for i in range(k)] if labels is None else [str(s) for s in labels]
    if len(labels) != k:
        raise ValueError(f"plot_confusion_matrix: {len(labels)} labels for {k} classes")
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    size = 1.6 + 0.45 * k
    fig, ax = _axes(ax, figsize or (size + 1.0, size))
    image = ax.imshow(shown, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xticks(range(k), labels, rotation=45 if k > 6 else 0)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix" + (" (row fractions)" if normalize else ""))
    if k <= 20:
        top = shown.max() if shown.size else 0
        for i in range(k):
            for j in range(k):
                text = f"{shown[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
                ax.text(j, i, text, ha="center", va="center", fontsize="small",
                        color="white" if shown[i, j] > 0.6 * top else "black")
    return fig


def _array(x: Any) -> np.ndarray:
    return np.asarray(getattr(x, "data", x))


def feature_maps(model: Any, image: Any, layer: Any = None) -> np.ndarray:
    """The activations (C, H, W) of one image: ``model``'s output, or that of its layers up
    to and including ``layer`` for a ``Sequential`` (an index, a name, or the layer itself).

    ``image`` is (C, H, W), or (H, W) for one channel. Runs without recording a graph.

    >>> import numpy as np
    >>> from nn import Conv2d, ReLU, Sequential
    >>> model = Sequential(Conv2d(1, 4, 3, rng=0), ReLU())
    >>> feature_maps(model, np.zeros((8, 8), dtype=np.float32), layer=0).shape
    (4, 6, 6)
    """
    from autograd import Tensor, no_grad

    from .layers import Sequential

    x = _array(image)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"feature_maps: expected one image of shape (C, H, W) or (H, W), got "
                         f"{x.shape}")
    x = x[None].astype(np.float32) if x.dtype.kind != "f" else x[None]
    run = model
    if layer is not None:
        if not isinstance(model, Sequential):
            raise TypeError("feature_maps: layer= needs a Sequential model; for another model "
                            "pass a function that returns the activations you want")
        names = [name for name, _ in model.named_children()]
        mods = [m for _, m in model.named_children()]
        if isinstance(layer, str):
            if layer not in names:
                raise ValueError(f"feature_maps: no layer named {layer!r}; the layers are "
                                 f"{names}")
            stop = names.index(layer)
        elif isinstance(layer, (int, np.integer)):
            stop = int(layer) % len(mods)
        else:
            found = [i for i, m in enumerate(mods) if m is layer]
            if not found:
                raise ValueError("feature_maps: the given layer is not one of the model's")
            stop = found[0]
        run = model[:stop + 1]
    with no_grad():
        out = _array(run(Tensor(x)))
    if out.ndim != 4:
        raise ValueError(f"feature_maps: the activations have shape {out.shape}, not "
                         "(1, C, H, W): pick a convolution or pooling layer")
    return out[0]


def _grid(fig: Any, count: int, ncols: int) -> list[Any]:
    rows = (count + ncols - 1) // ncols
    axes = [fig.add_subplot(rows, ncols, i + 1) for i in range(count)]
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return axes


def plot_feature_maps(model: Any, image: Any = None, layer: Any = None, max_maps: int = 32,
                      ncols: int = 8, cmap: str = "viridis",
                      figsize: tuple[float, float] | None = None) -> Any:
    """One panel per channel of a layer's activations for one image.

    ``model`` and ``layer`` are as in :func:`feature_maps`; or pass the
    activations themselves (an array or Tensor of shape (C, H, W) or
    (1, C, H, W)) as ``model`` with no ``image``. Each panel has its own colour
    scale (bright: strong activation); at most ``max_maps`` channels are shown.

    >>> import numpy as np
    >>> fig = plot_feature_maps(np.random.default_rng(0).random((3, 5, 5)))
    >>> len(fig.axes)
    3
    """
    if image is None:
        maps = _array(model)
        maps = maps[0] if maps.ndim == 4 and maps.shape[0] == 1 else maps
        if maps.ndim != 3:
            raise ValueError(f"plot_feature_maps: expected activations of shape (C, H, W), got "
                             f"{maps.shape} (or pass a model and an image)")
    else:
        maps = feature_maps(model, image, layer)
    count = min(len(maps), max_maps)
    ncols = max(1, min(ncols, count))
    rows = (count + ncols - 1) // ncols
    fig = _figure(figsize or (1.3 * ncols + 0.4, 1.3 * rows + 0.5))
    for c, ax in enumerate(_grid(fig, count, ncols)):
        ax.imshow(maps[c], cmap=cmap)
        ax.set_title(f"channel {c}", fontsize="x-small")
    fig.suptitle(f"feature maps {maps.shape[1]}x{maps.shape[2]}"
                 + (f" (first {count} of {len(maps)})" if count < len(maps) else ""),
                 fontsize="small")
    return fig


def plot_filters(weight: Any, max_filters: int = 32, cmap: str = "gray",
                 figsize: tuple[float, float] | None = None) -> Any:
    """A convolution's kernels: one row per output channel, one panel per input channel.

    ``weight`` is (C_out, C_in, kH, kW), or a layer with a ``weight`` (a
    ``Conv2d``). With a single input channel the kernels fill rows of eight.
    Each kernel has its own grey scale (light: large weights).

    >>> from nn import Conv2d
    >>> len(plot_filters(Conv2d(1, 6, 5, rng=0)).axes), len(plot_filters(Conv2d(2, 3, 3)).axes)
    (6, 6)
    """
    w = _array(getattr(weight, "weight", weight))
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a weight of shape (C_out, C_in, kH, kW), got "
                         f"{w.shape}")
    w = w[:max_filters]
    if w.shape[1] == 1:
        kernels, ncols = list(w[:, 0]), min(8, len(w))
        titles = [f"filter {o}" for o in range(len(w))]
    else:
        kernels, ncols = [w[o, c] for o in range(len(w)) for c in range(w.shape[1])], w.shape[1]
        titles = [f"{o} from {c}" for o in range(len(w)) for c in range(w.shape[1])]
    rows = (len(kernels) + ncols - 1) // ncols
    fig = _figure(figsize or (1.1 * ncols + 0.4, 1.1 * rows + 0.5))
    for k, title, ax in zip(kernels, titles, _grid(fig, len(kernels), ncols)):
        ax.imshow(k, cmap=cmap)
        ax.set_title(title, fontsize="xx-small")
    fig.suptitle(f"{len(w)} filters of {w.shape[2]}x{w.shape[3]}", fontsize="small")
    return fig
