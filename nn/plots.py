"""Plots for training: learning curves, decision boundaries, confusion matrices.

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

__all__ = ["plot_confusion_matrix", "plot_decision_boundary", "plot_history"]

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
