"""The teaching notebooks: stored clean, and run top to bottom in a fresh kernel.

Each notebook in ``notebooks/`` is executed with nbclient in a new ``python3``
kernel whose working directory is ``notebooks/`` (as when a learner opens it
in Jupyter) and whose ``PYTHONPATH`` starts with the repository, so the kernel
imports this working tree, as the rest of the suite does. A notebook's last
code cell asserts the result it teaches, so a failed claim fails its test.

Each notebook has its own time limit (``NOTEBOOK_TIMEOUT`` seconds for all of
its cells together, kernel start included). BLAS runs single-threaded in the
kernels: the matrices here are small, and on a busy two-core machine
multithreaded OpenBLAS makes them many times slower, not faster.

Each run is saved with its outputs (the ``executed_notebooks`` fixture), and the
site build in ``tests/test_site.py`` renders those runs instead of executing
the notebooks a second time.

The notebooks whose claims rest on training runs or matrix products run a
second time with one-ulp noise in every product (``tests/numerics.py``, turned
on in the kernel by a ``sitecustomize`` module), as on a machine whose BLAS
rounds differently: their asserts must not notice.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NOTEBOOK_TIMEOUT = 180  # seconds per notebook; each took under 10 when measured on two cores


def _ids(path: Path) -> str:
    return path.stem


def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


NOISY = [p for p in NOTEBOOKS if p.name[:2] in {"03", "04", "05", "06", "07", "08"}]


def _kernel_env(scratch: Path, noise: int | None = None) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(ROOT)]
    if noise is not None:
        (scratch / "sitecustomize.py").write_text("import numerics\nnumerics.install_from_env()\n")
        paths += [str(scratch), str(ROOT / "tests")]
        env["CHAINRULE_BLAS_NOISE"] = str(noise)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (*paths, env.get("PYTHONPATH")) if p)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    # hypothesis keeps a cache next to the working directory; keep notebooks/ clean
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(scratch / ".hypothesis")
    # Real data where the other tests read it (nn.datasets.load_mnist looks in CHAINRULE_DATA).
    shared = ROOT.parent / "shared" / "data"
    if "CHAINRULE_DATA" not in env and (shared / "mnist").is_dir():
        env["CHAINRULE_DATA"] = str(shared)
    return env


def test_the_notebooks_are_there() -> None:
    assert len(NOTEBOOKS) >= 10, f"expected the teaching notebooks in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_notebook_is_stored_clean(path: Path) -> None:
    """No outputs in the repository; an introduction first, an exercise last, an assert."""
    nb = _read(path)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before saving"
    assert nb.cells[0].cell_type == "markdown", f"{path.name}: should open with a markdown cell"
    assert "What you will see" in nb.cells[0].source, f"{path.name}: the opening cell should " \
        "say what the learner will see"
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and "Exercise" in last.source, \
        f"{path.name}: should end with a markdown exercise"
    assert code and "assert " in code[-1].source, \
        f"{path.name}: the last code cell should assert the result the notebook teaches"
    # Markdown written as commented lines ("# text") renders every line as a heading.
    commented = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                 and sum(1 for line in c.source.splitlines() if line.startswith("# ")) > 1]
    assert not commented, f"{path.name}: markdown cells {commented} have '# ' on several lines"


def _run(path: Path, env: dict[str, str], last: str = "") -> Any:
    nb = _read(path)
    if last:
        nb.cells.append(nbformat.v4.new_code_cell(last))
    deadline = time.monotonic() + NOTEBOOK_TIMEOUT

    def remaining(cell: Any) -> int:
        return max(1, int(deadline - time.monotonic()))

    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=NOTEBOOK_TIMEOUT, timeout_func=remaining,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute(env=env)
    errors = [o for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_notebook_runs(path: Path, tmp_path: Path, executed_notebooks: Path) -> None:
    nb = _run(path, _kernel_env(tmp_path))
    nbformat.write(nb, executed_notebooks / path.name)  # the site build renders this run


@pytest.mark.parametrize("path", NOISY, ids=_ids)
def test_notebook_claims_survive_last_bit_noise(path: Path, tmp_path: Path) -> None:
    env = _kernel_env(tmp_path, noise=1)
    _run(path, env, last="from autograd import ops\n"
                         "assert ops.matmul.forward.__name__ == 'noisy_forward'")
