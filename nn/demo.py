"""The main job (``make demo`` / ``chainrule demo``).

Trains an MLP on the 8x8 handwritten digits with a progress bar, prints the
test accuracy, and writes to ``out/``:

- ``neuron.svg``: one hidden neuron of the trained network on the test image
  it finds hardest (the largest loss),
  as a graph of scalar Values with the real gradients of the network's loss
  (its eight largest input contributions drawn one by one, the rest summed in
  one node);
- ``network.svg``: the whole network's graph for that image, with gradients;
- ``confusion_matrix.png`` and ``loss_curves.png``.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

SEED = 0
HIDDEN = 128
SHOWN_INPUTS = 8


def _neuron_graph(model: Any, x: np.ndarray, y: int) -> tuple[Any, int]:
    """The hidden neuron that matters most for (x, y), rebuilt from scalar Values.

    Returns the neuron's output Value after backpropagating the network's true
    dL/d(activation) into it, and the neuron's index.
    """
    from autograd import Tensor, Value

    from .functional import cross_entropy

    first, last = model[0], model[2]
    act = first(Tensor(x[None])).relu()
    act.retain_grad()
    loss = cross_entropy(last(act), np.array([y]))
    loss.backward()
    j = int(np.argmax(np.abs(act.grad[0] * act.data[0])))
    w, b = first.weight.data[j], float(first.bias.data[j])
    parts = w * x
    top = np.argsort(-np.abs(parts))[:SHOWN_INPUTS]
    rest = float(parts.sum() - parts[top].sum())
    z = Value(b, label=f"b[{j}]")
    for i in sorted(top):
        wi = Value(float(w[i]), label=f"w[{j},{i}]")
        xi = Value(float(x[i]), label=f"x[{i}]", requires_grad=False)
        z = z + wi * xi
    z = z + Value(rest, label=f"other {len(x) - SHOWN_INPUTS} inputs", requires_grad=False)
    z.label = f"z[{j}]"
    a = z.relu()
    a.label = f"h[{j}]"
    a.backward(float(act.grad[0, j]))
    model.zero_grad()
    return a, j


def main(out_dir: str = "out") -> int:
    import matplotlib.pyplot as plt

    import optim
    from autograd import Tensor, save_svg

    from . import MLP
    from .data import train_val_test_split
    from .datasets import load_digits
    from .functional import cross_entropy
    from .metrics import confusion_matrix
    from .plots import plot_confusion_matrix
    from .train import EarlyStopping, fit, predict

    os.makedirs(out_dir, exist_ok=True)
    d = load_digits()
    X_tr, X_va, X_te, y_tr, y_va, y_te = train_val_test_split(
        d.X, d.y, val_size=0.15, test_size=0.15, stratify=d.y, seed=SEED)
    model = MLP(64, [HIDDEN, 10], activation="relu", init="he_uniform", rng=SEED)
    print(f"chainrule demo: {model.__class__.__name__} 64-{HIDDEN}-10 on the 8x8 digits "
          f"({len(X_tr)} train / {len(X_va)} validation / {len(X_te)} test images)")
    history = fit(model, cross_entropy, optim.Adam(model.parameters(), lr=3e-3),
                  (X_tr, y_tr), val=(X_va, y_va), epochs=40, batch_size=32, seed=SEED,
                  early_stopping=EarlyStopping(patience=8, restore_best=True))
    pred = predict(model, X_te).argmax(axis=1)
    accuracy = float((pred == y_te).mean())
    print(f"test accuracy: {accuracy:.2%} ({int((pred == y_te).sum())} of {len(y_te)})")

    paths = {}
    losses = cross_entropy(Tensor(predict(model, X_te)), y_te, reduction="none").data
    k = int(np.argmax(losses))
    neuron, j = _neuron_graph(model, X_te[k], int(y_te[k]))
    paths["neuron"] = save_svg(neuron, os.path.join(out_dir, "neuron.svg"))
    logits = model(Tensor(X_te[k:k + 1]))
    loss = cross_entropy(logits, y_te[k:k + 1])
    loss.backward()
    paths["network"] = save_svg(loss, os.path.join(out_dir, "network.svg"))
    model.zero_grad()
    fig = plot_confusion_matrix(confusion_matrix(y_te, pred, num_classes=10),
                                labels=[str(i) for i in range(10)])
    paths["confusion matrix"] = os.path.join(out_dir, "confusion_matrix.png")
    fig.savefig(paths["confusion matrix"], dpi=110, bbox_inches="tight")
    plt.close(fig)
    fig = history.plot()
    paths["loss curves"] = os.path.join(out_dir, "loss_curves.png")
    fig.savefig(paths["loss curves"], dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"hardest test image #{k} (a {y_te[k]}, predicted {pred[k]}): hidden neuron {j} "
          f"outputs {neuron.data:.4f} with dL/dh = {neuron.grad:+.4f}")
    for what, path in paths.items():
        print(f"wrote {what}: {os.path.abspath(str(path))}")
    return 0 if accuracy >= 0.9 else 1
