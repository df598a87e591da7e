"""Check the stepper in JupyterLab itself, in headless Chromium at 1400 x 900.

Run from the repository: ``.venv/bin/python tests/browser/jupyterlab_check.py [OUT_DIR]``.
Not collected by pytest: it starts a JupyterLab server and kernels, which the
test suite does not. It needs Debian's ``chromium`` and ``pip install playwright``.

1. Copies notebooks 01 and 02 to a scratch folder, starts JupyterLab on it
   (its own data, config and runtime folders), opens each notebook, runs all
   cells, and clicks every stepper through: next to the end, previous to the
   start, the slider, the arrow keys. At every step the step's node, the
   controls and the text must be inside the window together and no node may
   move within its picture (see ``stepper_checks.click_through``). Then the
   same for notebook 01 in the Notebook 7 interface of the same server.
2. Saves the notebooks, stops the server, starts a new one on the same
   folders and reopens notebook 01 with its kernel shut down: the saved
   output, trusted because JupyterLab signed it on save, must still step.
3. Reopens notebook 01 with a fresh data folder, so the notebook is not
   trusted: JupyterLab's sanitizer strips the script (and all SVG, as it does
   for any untrusted picture), so every step's text must be on the page, in
   order, with no dead controls.

Screenshots of each step go to OUT_DIR (default ``jupyterlab-check``).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
from stepper_checks import ARGS, VIEWPORT, click_through  # noqa: E402

NOTEBOOKS = ["01_backprop_by_hand.ipynb", "02_a_neuron_as_a_graph.ipynb"]
TOKEN = "chainrule-check"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A JupyterLab server of our own on ``folder``, with its own Jupyter folders."""

    def __init__(self, folder: Path, home: Path) -> None:
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
            JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_CONFIG_DIR=str(home / "config"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"), OPENBLAS_NUM_THREADS="1")
        jupyter = Path(sys.executable).parent / "jupyter"
        self.log = open(home / f"server-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [str(jupyter), "lab", "--no-browser", "--allow-root", f"--port={self.port}",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={TOKEN}",
             f"--ServerApp.root_dir={folder}"], env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                self.api("status")
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("JupyterLab did not start; see " + self.log.name)

    def url(self, path: str, query: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path}?token={TOKEN}{query}"

    def api(self, path: str, method: str = "GET") -> object:
        req = urllib.request.Request(self.url(f"api/{path}"), method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", method="DELETE")

    def stop(self) -> None:
        self.shut_down_kernels()
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def open_notebook(browser, server: Server, name: str, app: str = "lab"):
    """A page with notebook ``name`` open in JupyterLab (``app='lab'``) or Notebook 7
    (``app='notebook'``)."""
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if app == "lab":
        page.goto(server.url(f"lab/tree/{name}", "&reset"))   # only this notebook open
    else:
        page.goto(server.url(f"notebooks/{name}"))
    page.wait_for_selector(".jp-Notebook", timeout=90_000)
    page.wait_for_timeout(2000)
    return page, errors


def menu(page, name: str, item: str) -> None:
    """Click JupyterLab's menu ``name``, then its ``item``."""
    page.locator(".lm-MenuBar-itemLabel").filter(has_text=re.compile(f"^{name}$")).click()
    page.locator(".lm-Menu-itemLabel").filter(has_text=re.compile(f"^{item}$")).click()


def run_all(page) -> None:
    menu(page, "Run", "Run All Cells")
    page.wait_for_timeout(1000)
    indicator = page.locator(".jp-Notebook-ExecutionIndicator").first
    deadline = time.monotonic() + 180
    while indicator.get_attribute("data-status") != "idle":
        if time.monotonic() > deadline:
            raise RuntimeError("the notebook did not finish running")
        page.wait_for_timeout(500)
    page.wait_for_timeout(2000)   # the last outputs render and the notebook stops scrolling


SHOWN = ".jp-NotebookPanel:not(.lm-mod-hidden) "   # the notebook in the visible tab


def step_through_all(page, out: Path, tag: str, keys: bool = True) -> list[str]:
    report = []
    steppers = page.locator(SHOWN + ".cr-stepper")
    for k in range(steppers.count()):
        root = steppers.nth(k)
        # JupyterLab skips drawing cells out of view (content-visibility: auto): bring the
        # stepper's cell into view first, once JupyterLab has stopped scrolling by itself.
        for _ in range(5):
            root.evaluate("r => r.closest('.jp-Cell').scrollIntoView({block: 'start'})")
            page.wait_for_timeout(700)
            if root.evaluate("r => r.querySelector('.cr-controls').offsetParent !== null"):
                break
        n = int(root.locator(".cr-slider").get_attribute("max"))
        seen = click_through(root, n, fits_width=True, keys=keys,
                             shots=str(out / f"{tag}-stepper{k}-step"))
        tops = sorted({round(s["controls"]["top"]) for s in seen})
        report.append(f"{tag} stepper {k}: {n} steps clicked through; controls at y = {tops} "
                      f"px; picture {round(seen[0]['pane']['right'] - seen[0]['pane']['left'])}"
                      " px wide; every step's node in the window, no node moved")
    if not steppers.count():
        raise AssertionError(f"{tag}: no stepper on the page")
    return report


def main(out_dir: str = "jupyterlab-check") -> None:
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="chainrule-lab-"))
    folder, home = scratch / "notebooks", scratch / "home"
    folder.mkdir()
    home.mkdir()
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, folder / name)
    report: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or
                                    "/usr/bin/chromium", headless=True, args=ARGS)
        server = Server(folder, home)
        try:
            for name in NOTEBOOKS:
                page, errors = open_notebook(browser, server, name)
                run_all(page)
                report += step_through_all(page, out, Path(name).stem)
                page.keyboard.press("Control+s")
                page.wait_for_timeout(1500)
                assert not errors, errors
                page.close()
            page, errors = open_notebook(browser, server, NOTEBOOKS[0], app="notebook")
            run_all(page)
            startup = list(errors)         # Notebook 7's own, at start-up; not the stepper's
            errors.clear()
            # Notebook 7 keeps the arrow keys for itself: buttons and slider only.
            report += step_through_all(page, out, "notebook7-01", keys=False)
            assert not errors, errors
            if startup:
                report.append(f"notebook7: its own start-up errors, before any stepping: "
                              f"{startup}")
            page.close()
        finally:
            server.stop()

        server = Server(folder, home)                       # the same Jupyter folders
        try:
            page, errors = open_notebook(browser, server, NOTEBOOKS[0])
            menu(page, "Kernel", "Shut Down Kernel")
            page.wait_for_timeout(2000)
            assert not server.api("kernels"), "a kernel is still running"
            report += step_through_all(page, out, "reopened-without-kernel")
            assert not server.api("kernels"), "a kernel was started while stepping"
            assert page.locator(".jp-Toolbar").get_by_text("No Kernel").count()
            report.append("reopened with its kernel shut down: the toolbar reads 'No Kernel'")
            assert not errors, errors
            page.close()
        finally:
            server.stop()

        fresh = scratch / "fresh-home"
        fresh.mkdir()
        server = Server(folder, fresh)                      # no signature: untrusted output
        try:
            page, errors = open_notebook(browser, server, NOTEBOOKS[0])
            server.shut_down_kernels()
            steps = page.locator(SHOWN + ".cr-step")
            steps.nth(0).evaluate("e => e.closest('.jp-Cell').scrollIntoView({block: 'start'})")
            page.wait_for_timeout(700)
            shown = sum(steps.nth(i).is_visible() for i in range(steps.count()))
            texts = [steps.nth(i).locator(".cr-text").text_content() for i in range(steps.count())]
            frames = page.locator(SHOWN + ".cr-step svg").count()
            assert steps.count() == shown == 5, (steps.count(), shown)
            assert all(t.startswith(f"Step {i + 1} of 5: ") for i, t in enumerate(texts)), texts
            assert page.locator(SHOWN + ".cr-static").is_visible()
            assert not page.locator(SHOWN + ".cr-controls").is_visible()
            page.screenshot(path=str(out / "untrusted.png"))
            report.append(f"untrusted reopen: JupyterLab strips the script, and the SVG "
                          f"({frames} pictures left); all {shown} step texts are shown in "
                          "order, with the note on how to get the controls")
            page.close()
        finally:
            server.stop()
        browser.close()
    shutil.rmtree(scratch, ignore_errors=True)
    print("\n".join(report))
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
