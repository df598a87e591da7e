"""The stepper's page in a real browser: headless Chromium at 1400 x 900, driven by Playwright.

Two kinds of pages are clicked through from disk, with no kernel: pages written
by ``save_html`` (the backward stepper of a Value graph and of a Tensor MLP, the
forward stepper of the Value graph), and notebook 01 executed and exported with
``nbconvert --to html``. At every step the step's node and the
controls are in the viewport together, the node is inside the scrolled
picture, the count and the slider agree, and no node has moved relative to
its picture. With JavaScript off, every step is on the page.

Needs Debian's ``chromium`` (``/usr/bin/chromium``) and the ``playwright``
Python package (its own browser download is not used); skipped without them.
The JupyterLab check, which needs a running server and kernel, is the script
``tests/browser/jupyterlab_check.py``.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograd import BackpropStepper, ForwardStepper, Tensor, Value
from browser.stepper_checks import ARGS, VIEWPORT, click_through
from worked_example import neuron, worked_example

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip("needs Debian's chromium (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="needs pip install playwright")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        # Playwright starts Chromium with a fresh temporary profile of its own.
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def tensor_loss():
    rng = np.random.default_rng(0)
    X = Tensor(rng.normal(size=(4, 3)), name="X")
    W = Tensor(rng.normal(size=(5, 3)), requires_grad=True, name="W")
    b = Tensor(np.zeros(5), requires_grad=True, name="b")
    V = Tensor(rng.normal(size=(1, 5)), requires_grad=True, name="V")
    return (((X @ W.T + b).relu() @ V.T) ** 2).mean()


def forward_stepper():
    """The worked example's forward pass along dw = 1."""
    inputs = (Value(1.0, label="w"), Value(0.5, label="x"), Value(0.1, label="b"))
    return ForwardStepper(neuron, inputs, (1.0, 0.0, 0.0))


@pytest.mark.parametrize("build, fits", [
    (lambda: BackpropStepper(worked_example()[0]), True),
    (lambda: BackpropStepper(tensor_loss()), False),
    (forward_stepper, True)], ids=["value", "tensor", "forward"])
def test_saved_page_in_chromium(browser, tmp_path, build, fits):
    stepper = build()
    path = stepper.save_html(tmp_path / "page.html")
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    assert page.locator(".cr-static").count() == 0          # the script took over
    click_through(page.locator(".cr-stepper").first, len(stepper), fits_width=fits)
    page.screenshot(path=str(tmp_path / "page.png"))
    assert not errors
    page.close()


def test_page_without_javascript_shows_every_step(browser, tmp_path):
    stepper = BackpropStepper(worked_example()[0])
    path = stepper.save_html(tmp_path / "page.html")
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    page = context.new_page()
    page.goto(path.as_uri())
    assert page.locator(".cr-step").count() == len(stepper)
    assert all(page.locator(".cr-step").nth(i).is_visible() for i in range(len(stepper)))
    assert page.locator("svg.cr-frame").count() == len(stepper)
    assert not page.locator(".cr-controls").is_visible()
    assert page.locator(".cr-static").is_visible()
    context.close()


def test_nbconvert_export_of_notebook_01_from_disk(browser, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nbconvert = pytest.importorskip("nbconvert")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(ROOT / "notebooks" / "01_backprop_by_hand.ipynb", as_version=4)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120, resources={
        "metadata": {"path": str(ROOT / "notebooks")}}).execute(env=env)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    path = tmp_path / "01_backprop_by_hand.html"
    path.write_text(body, encoding="utf-8")
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    assert page.locator(".cr-stepper").count() == 1
    click_through(page.locator(".cr-stepper").first, 5, fits_width=True)
    page.screenshot(path=str(tmp_path / "export.png"))
    assert not errors
    page.close()
