"""nn.plots and History.plot make pyplot figures: plt.show() shows them, Jupyter shows them
once without %matplotlib inline, and a machine without a display falls back to Agg."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt  # noqa: E402

import nn  # noqa: E402
from nn.datasets import make_moons  # noqa: E402
from nn.plots import plot_confusion_matrix, plot_decision_boundary  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def trained():
    X, y = make_moons(60, seed=0)
    model = nn.MLP(2, [8, 2], rng=0)
    history = nn.fit(model, "cross_entropy", "adam", (X, y), epochs=2, verbose=0,
                     validation_split=0.25, seed=0)
    yield model, history, X, y
    plt.close("all")


def test_every_plot_is_a_pyplot_figure(trained):
    model, history, X, y = trained
    figures = [history.plot(), plot_decision_boundary(model, X, y, resolution=20),
               plot_confusion_matrix(np.array([[3, 1], [0, 2]]))]
    for fig in figures:
        assert fig.number in plt.get_fignums() and plt.figure(fig.number) is fig
    assert plt.gcf() is figures[-1]  # the last one made is pyplot's current figure


def test_jupyter_inline_shows_the_value_of_a_cell_once(trained, monkeypatch):
    _, history, _, _ = trained
    fig = history.plot()
    assert fig._repr_mimebundle_() == {}  # Agg: matplotlib's own display rules apply
    pytest.importorskip("IPython")
    monkeypatch.setattr(matplotlib, "get_backend",
                        lambda: "module://matplotlib_inline.backend_inline")
    bundle = fig._repr_mimebundle_()
    assert bundle["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    # closed in pyplot, so the inline backend does not show it again when the cell ends
    assert fig.number not in plt.get_fignums()
    assert fig._repr_mimebundle_()["image/png"][:8] == b"\x89PNG\r\n\x1a\n"  # still drawable


def test_without_a_display_plots_fall_back_to_agg(tmp_path):
    script = tmp_path / "plot.py"
    script.write_text(
        "import matplotlib, matplotlib.pyplot as plt\n"
        "import nn\n"
        "fig = nn.plots.plot_confusion_matrix([[1, 2], [3, 4]])\n"
        "plt.show()\n"  # non-interactive under Agg: returns at once
        "print(matplotlib.get_backend().lower(), fig.number in plt.get_fignums())\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["MPLCONFIGDIR"] = str(tmp_path)  # no user matplotlibrc choosing a backend
    run = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["agg", "True"]


def test_a_fresh_notebook_shows_each_plot_once(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    cells = [
        "import nn\n"
        "from nn.datasets import make_moons\n"
        "X, y = make_moons(60, seed=0)\n"
        "model = nn.MLP(2, [8, 2], rng=0)\n"
        "history = nn.fit(model, 'cross_entropy', 'adam', (X, y), epochs=2, verbose=0)",
        "history.plot()",                                       # the value of the cell
        "fig = history.plot()",                                 # no value: pyplot shows it
        "nn.plots.plot_decision_boundary(model, X, y, resolution=20)\n"
        "import matplotlib.pyplot as plt\nplt.show()",          # a script's habit
        "fig",                                                  # shown again on request
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["OPENBLAS_NUM_THREADS"] = "1"
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=120,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)
    images = [sum("image/png" in o.get("data", {}) for o in c.outputs) for c in nb.cells]
    assert images == [0, 1, 1, 1, 1]
