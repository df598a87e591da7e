"""The course site: built from this tree with ``mkdocs build --strict``, then read and browsed.

The build (once per module) renders the notebooks from the runs that
tests/test_notebooks.py saved this session (the ``executed_notebooks``
fixture), so they are not executed twice; run alone, this module's build
executes them. Any build warning (a broken link or anchor, a missing
reference), a formula that cannot be typeset or a notebook error fails it.

The built pages are then checked as files (every notebook is a lesson with
its outputs; the API reference has every name of every ``__all__`` and of the
design's contract, with its docstring; nothing is loaded from another host;
the README's sections are the ones shown) and in headless Chromium, as
tests/test_browser.py drives it: the site served on 127.0.0.1, every page opens
without a console error or a failed request, every internal link and anchor
resolves, and the backprop stepper of lesson 01 steps forward and back.
"""
from __future__ import annotations

import contextlib
import doctest
import functools
import html
import http.server
import importlib
import importlib.util
import inspect
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import types
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PACKAGES = ("autograd", "autograd.testing", "nn", "optim")
BUILD_TIMEOUT = 900  # seconds; the build takes under a minute with the notebook runs reused

# The public API of /work/shared/DESIGN.md, name by name: each must be in the reference with a
# docstring (a class's member may be documented on a base class that has its own entry).
CONTRACT = {
    "autograd": ["Value", "Tensor", "no_grad", "enable_grad", "grad", "Function", "gradcheck",
                 "detect_anomaly", "draw_graph", "save_svg", "BackpropStepper", "cat", "stack",
                 "where", "zeros", "ones", "randn", "rand", "arange", "eye", "zeros_like",
                 "ones_like", "randn_like", "rand_like"],
    "autograd.Value": ["exp", "log", "tanh", "sigmoid", "relu", "leaky_relu", "abs", "sqrt",
                       "sin", "cos", "data", "op", "backward"],
    "autograd.Tensor": ["data", "shape", "ndim", "size", "dtype", "T", "item", "numpy",
                        "detach", "backward", "exp", "log", "sqrt", "abs", "tanh", "sigmoid",
                        "relu", "leaky_relu", "clip", "maximum", "minimum", "sum", "mean", "max",
                        "min", "var", "logsumexp", "softmax", "log_softmax", "reshape",
                        "transpose", "permute", "squeeze", "unsqueeze", "flatten", "expand",
                        "broadcast_to", "cat", "stack", "where", "argmax"],
    "autograd.Function": ["forward", "backward", "apply"],
    "autograd.testing": ["tensors", "broadcastable_shapes", "well_conditioned",
                         "assert_grad_matches_numeric", "assert_grad_matches_torch"],
    "nn": ["Module", "Parameter", "Linear", "Sequential", "MLP", "Dropout", "BatchNorm1d",
           "Flatten", "Identity", "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "Softmax", "fit",
           "History", "EarlyStopping", "DataLoader", "Dataset", "TensorDataset",
           "train_test_split"],
    "nn.Module": ["parameters", "named_parameters", "zero_grad", "train", "eval", "state_dict",
                  "load_state_dict", "save", "load"],
    "nn.scalar": ["Neuron", "Layer", "MLP"],
    "nn.functional": ["mse_loss", "l1_loss", "binary_cross_entropy",
                      "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
                      "soft_dice_loss", "soft_jaccard_loss", "hinge_loss", "perceptron_loss"],
    "nn.init": ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "zeros", "normal",
                "uniform"],
    "nn.datasets": ["make_moons", "make_circles", "make_spirals", "make_xor", "make_regression"],
    "nn.metrics": ["accuracy", "confusion_matrix"],
    "optim": ["Optimizer", "SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "FTRL",
              "clip_grad_norm_"],
    "optim.Optimizer": ["zero_grad", "step", "state_dict", "load_state_dict"],
    "optim.lr_scheduler": ["StepLR", "ExponentialLR", "InverseTimeDecay", "CosineAnnealingLR",
                           "LambdaLR"],
}


def _hook(name: str) -> types.ModuleType:
    """A module of docs/_hooks, loaded as MkDocs loads a hook (its folder on the path)."""
    pytest.importorskip("mkdocs")
    path = DOCS / "_hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"site_hook_{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    finally:
        sys.path.remove(str(path.parent))
    return module


# ------------------------------------------------------------------ the build

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory,
         executed_notebooks: Path) -> types.SimpleNamespace:
    for tool in ("mkdocs", "material", "mkdocstrings_handlers.python", "mkdocs_jupyter",
                 "latex2mathml"):
        pytest.importorskip(tool, reason="needs the docs extra: pip install -e '.[docs]'")
    reused = all((executed_notebooks / p.name).is_file() for p in NOTEBOOKS)
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, CHAINRULE_EXECUTED_NOTEBOOKS=str(executed_notebooks),
               NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-6000:]}"
    return types.SimpleNamespace(dir=out, log=proc.stderr, reused=reused)


def _page(site: types.SimpleNamespace, path: str) -> str:
    return (site.dir / path / "index.html").read_text(encoding="utf-8")


def test_the_notebook_runs_of_the_suite_are_rendered_not_run_again(site):
    if not site.reused:
        pytest.skip("tests/test_notebooks.py did not run the notebooks in this session")
    assert "executing" not in site.log, site.log[-3000:]
    assert site.log.count("outputs of an earlier run") == len(NOTEBOOKS)


# ------------------------------------------------------------------ pages as files

def _title(path: Path) -> str:
    import json

    first = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
    return first.splitlines()[0].lstrip("#").strip()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_is_a_lesson_with_its_outputs(site, path):
    page = _page(site, f"lessons/{path.stem}")
    title = html.escape(_title(path), quote=False)
    assert f"<title>{title}" in page
    assert page.count("jp-OutputArea-output") >= 1, "the lesson shows no outputs"
    # Nothing from a CDN: no MathJax loader, no widget manager; formulas are MathML.
    assert "x-mathjax-config" not in page and "widget-state" not in page
    if "$" in path.read_text(encoding="utf-8"):
        assert "<math" in page
    assert f'href="{path.stem}/"' in _page(site, "lessons"), "missing from the lessons' index"
    assert f'href="lessons/{path.stem}/"' in _page(site, ""), "missing from the navigation"


def test_the_stepper_lesson_keeps_its_script(site):
    page = _page(site, "lessons/01_backprop_by_hand")
    assert page.count('class="cr-stepper"') == 1
    assert "root.classList.add(\"cr-live\")" in page


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _first_words(doc: str, n: int = 10) -> list[str]:
    """The opening words of a docstring as a reader sees them (Sphinx roles as their text)."""
    para = doc.split("\n\n")[0]
    para = re.sub(r":\w+:`(~?)([^`]+)`",
                  lambda m: m.group(2).rsplit(".", 1)[-1] if m.group(1) else m.group(2), para)
    return _words(para)[:n]


def _contains(words: list[str], part: list[str]) -> bool:
    n = len(part)
    return any(words[i:i + n] == part for i in range(len(words) - n + 1))


def _public_names(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [n for n, o in vars(module).items() if not n.startswith("_")
            and (inspect.isclass(o) or inspect.isfunction(o))
            and o.__module__ == module.__name__]


def _reference() -> dict[str, list[str]]:
    """{module: names} for every page the reference must have: each package's ``__all__``,
    and each submodule named there with its own."""
    out = {}
    for package in PACKAGES:
        module = importlib.import_module(package)
        names = _public_names(module)
        out[package] = [n for n in names if not inspect.ismodule(getattr(module, n))]
        for n in names:
            sub = getattr(module, n)
            if inspect.ismodule(sub):
                out[sub.__name__] = _public_names(sub)
    return out


def _sections(page_html: str) -> dict[str, list[str]]:
    """{id of an entry's heading: the words of its documentation} for a reference page."""
    bs4 = pytest.importorskip("bs4")
    out = {}
    for heading in bs4.BeautifulSoup(page_html, "html.parser").find_all(id=True):
        contents = heading.find_next_sibling("div", class_="doc-contents")
        out[heading["id"]] = _words(contents.get_text(" ") if contents is not None else "")
    return out


def _member(cls: type, name: str) -> object:
    obj = inspect.getattr_static(cls, name)
    return getattr(obj, "fget", None) or getattr(obj, "__func__", None) or obj


def _defined_as(obj: object, name: str) -> bool:
    """Whether ``obj`` was defined under ``name``, rather than bound to it as an alias
    (``clamp = clip``) or made by a function: the reference shows an alias as the
    assignment, and only a function defined under its name with its own docstring."""
    return getattr(obj, "__qualname__", name).rsplit(".", 1)[-1] == name


def _member_doc(cls: type, name: str) -> str:
    """The docstring the member itself has (inspect.getdoc would borrow a base class's)."""
    doc = getattr(_member(cls, name), "__doc__", None)
    return inspect.cleandoc(doc) if doc else ""


def _entry_path(module: types.ModuleType, name: str) -> str:
    """The reference's id for ``module.name``: that path, unless a submodule of the same
    name hides it from a reader of the source (``autograd.tensor`` the function and the
    module), when the object is documented where it is defined."""
    obj = getattr(module, name)
    if sys.modules.get(f"{module.__name__}.{name}") not in (None, obj):
        return f"{obj.__module__}.{obj.__qualname__}"
    return f"{module.__name__}.{name}"


@pytest.fixture(scope="module")
def api(site) -> dict[str, dict[str, list[str]]]:
    """{module: its reference page's sections} for every page the reference must have."""
    return {m: _sections(_page(site, f"api/{m}")) for m in _reference()}


def test_the_api_reference_has_every_public_name_with_its_docstring(api):
    missing, undocumented = [], []
    for module_name, names in _reference().items():
        module = importlib.import_module(module_name)
        sections = api[module_name]
        for name in names:
            obj, ident = getattr(module, name), _entry_path(module, name)
            words = sections.get(ident)
            if words is None:
                missing.append(ident)
                continue
            if (inspect.isclass(obj) or callable(obj)) and _defined_as(obj, name):
                doc = inspect.getdoc(obj) or ""
                if doc and not _contains(words, _first_words(doc)):
                    undocumented.append(ident)
            if not inspect.isclass(obj):
                continue
            for member, value in vars(obj).items():
                # Methods and properties; plain attributes and slots carry no docstring.
                if member.startswith("_") or not (
                        callable(value) or isinstance(value, (property, staticmethod,
                                                              classmethod))):
                    continue
                sub = sections.get(f"{ident}.{member}")
                if sub is None:
                    missing.append(f"{ident}.{member}")
                    continue
                # An alias (clamp = clip) or a method made by a function shows as what it is
                # assigned; only a member defined under its own name has its own docstring.
                if not _defined_as(_member(obj, member), member):
                    continue
                doc = _member_doc(obj, member)
                if doc and not _contains(sub, _first_words(doc)):
                    undocumented.append(f"{ident}.{member}")
    assert not missing, f"not in the API reference: {missing}"
    assert not undocumented, f"in the API reference without their docstring: {undocumented}"


def test_every_name_of_the_contract_is_in_the_reference_with_a_docstring(api):
    pages = api
    problems = []
    for owner, names in CONTRACT.items():
        if owner in pages:
            for name in names:
                module = importlib.import_module(owner)
                obj = getattr(module, name)
                words = pages[owner].get(_entry_path(module, name))
                doc = inspect.getdoc(obj) or ""
                if words is None or not doc or not _contains(words, _first_words(doc)):
                    problems.append(f"{owner}.{name}")
            continue
        module_name, cls_name = owner.rsplit(".", 1)
        cls = getattr(importlib.import_module(module_name), cls_name)
        for name in names:
            doc = _member_doc(cls, name) if name in dir(cls) else ""
            # Documented on the class, or on the first base that has an entry of its own.
            found = [w for base in cls.__mro__ if base.__module__.split(".")[0] in
                     ("autograd", "nn", "optim")
                     if (w := pages[module_name].get(f"{module_name}.{base.__name__}.{name}"))]
            if not found or not doc or not _contains(found[0], _first_words(doc)):
                problems.append(f"{owner}.{name}")
    assert not problems, f"contract names missing from the reference or undocumented: {problems}"


def test_the_rule_table_lists_every_rule(site):
    import autograd
    import nn  # noqa: F401 - nn adds its fused rules to the table

    page = html.unescape(_page(site, "engine"))
    for name, rule in autograd.RULES.items():
        assert f"<code>{name}</code>" in page, f"rule {name} is not in the table"


def test_pages_load_nothing_from_another_host(site):
    remote = re.compile(r"<(?:script|link|img|iframe|source|audio|video|embed)\b[^>]*?"
                        r"\s(?:src|href)=[\"']?(?:https?:)?//", re.I)
    css = re.compile(r"url\(\s*[\"']?(?:https?:)?//|@import\s+[\"']?(?:https?:)?//", re.I)
    found = []
    for path in site.dir.rglob("*"):
        if path.suffix in (".html", ".css", ".js"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if (path.suffix == ".html" and remote.search(text)) or css.search(text):
                found.append(str(path.relative_to(site.dir)))
    assert not found, f"pages that load from another host: {found}"


def _readme_section(heading: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", text, re.M | re.S).group(1)


def test_the_performance_page_is_the_readmes_table(site):
    table = re.search(r"```\n(.*?)```", _readme_section("Performance"), re.S).group(1)
    page = html.unescape(re.sub(r"<[^>]+>", "", _page(site, "performance")))
    for line in table.splitlines():
        assert line.strip() in page, f"README row missing from the performance page: {line}"
    for path in site.dir.rglob("*.html"):
        assert "<!-- README:" not in path.read_text(encoding="utf-8"), path


def test_the_tour_drawing_is_published(site):
    svg = (site.dir / "assets" / "tour.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith(("<?xml", "<svg")) and ">tanh<" in svg
    assert 'src="assets/tour.svg"' in _page(site, "")


# ------------------------------------------------------------------ examples and hooks

@pytest.mark.parametrize("page", ["index.md", "engine.md"])
def test_the_pages_examples_run_and_print_what_their_comments_say(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)
    assert blocks
    out = io.StringIO()
    namespace: dict = {}
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, f"docs/{page}", "exec"), namespace)  # the project's own page
    printed = out.getvalue()
    numbers = {float(x) for x in re.findall(r"-?\d+\.?\d*", printed)}
    claims = re.findall(r"^print\(.*?\)\s*#(.*)$", "\n".join(blocks), re.M)
    assert claims
    for claim in claims:
        for x in re.findall(r"-?\d+\.?\d*", claim.split(":")[-1]):
            assert float(x) in numbers, f"{page}: {claim!r} but it printed {printed!r}"
        for word in re.findall(r"\b(True|False)\b", claim):
            assert word in printed, f"{page}: {claim!r} but it printed {printed!r}"


def test_the_hooks_examples_run():
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for name in ("docstrings", "lessons", "nav_sections", "readme", "reference", "source"):
        result = doctest.testmod(_hook(name), optionflags=flags)
        assert result.failed == 0, f"docs/_hooks/{name}.py: {result.failed} example(s) failed"


def test_a_notebook_that_raises_fails_the_build(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    from mkdocs.exceptions import PluginError

    path = tmp_path / "broken.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nbformat.write(nb, path)
    with pytest.raises(PluginError, match="(?s)broken.ipynb.*ZeroDivisionError"):
        _hook("lessons").execute(path, tmp_path)


def test_progress_bars_are_drawn_from_their_saved_state():
    lessons = _hook("lessons")
    state = {
        "box": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_t", "IPY_MODEL_p"],
                                                       "layout": "IPY_MODEL_l"}},
        "t": {"model_name": "HTMLModel", "state": {"value": "fit: 100%"}},
        "p": {"model_name": "FloatProgressModel", "state": {"value": 30.0, "max": 30.0,
                                                            "bar_style": "success"}},
        "l": {"model_name": "LayoutModel", "state": {}},
        "gone": {"model_name": "HBoxModel", "state": {"children": [], "layout": "IPY_MODEL_h"}},
        "h": {"model_name": "LayoutModel", "state": {"visibility": "hidden"}},
        "odd": {"model_name": "ColorPickerModel", "state": {}},
    }
    view = "application/vnd.jupyter.widget-view+json"

    def out(model: str) -> dict:
        return {"output_type": "display_data", "metadata": {},
                "data": {view: {"model_id": model}, "text/plain": f"<{model}>"}}

    nb = {"metadata": {"widgets": {"application/vnd.jupyter.widget-state+json":
                                   {"state": state}}},
          "cells": [{"cell_type": "code", "source": "", "outputs": [out("box"), out("gone"),
                                                                     out("odd")]}]}
    outputs = lessons.static_widgets(nb)["cells"][0]["outputs"]
    assert "widgets" not in nb["metadata"]
    assert [sorted(o["data"]) for o in outputs] == [["text/html", "text/plain"], ["text/plain"]]
    bar = outputs[0]["data"]["text/html"]
    assert "fit: 100%" in bar and '<progress value="30.0" max="30.0"' in bar
    assert outputs[1]["data"]["text/plain"] == "<odd>"      # a widget it cannot draw: its text


# ------------------------------------------------------------------ in the browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def served(site):
    """The built site over HTTP on 127.0.0.1 (a free port), as `make docs-serve` serves it."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site.dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs pip install playwright")
    from browser.stepper_checks import ARGS

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _pages(site) -> list[str]:
    pages = sorted(p.relative_to(site.dir).as_posix() for p in site.dir.rglob("*.html"))
    return [p[: -len("index.html")] if p.endswith("index.html") else p for p in pages]


def test_every_page_opens_cleanly_and_every_internal_link_resolves(site, served, browser,
                                                                   tmp_path):
    from browser.stepper_checks import VIEWPORT

    page = browser.new_page(viewport=VIEWPORT)
    problems: list[str] = []
    current = [""]
    page.on("console", lambda m: problems.append(f"{current[0]}: console {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"{current[0]}: {e}"))
    # A request still running when the next page is opened is aborted: not a failure.
    page.on("requestfailed", lambda r: problems.append(f"{current[0]}: failed {r.url}")
            if r.failure != "net::ERR_ABORTED" else None)
    page.on("response", lambda r: problems.append(f"{current[0]}: {r.status} {r.url}")
            if r.status >= 400 else None)
    page.on("request", lambda r: problems.append(f"{current[0]}: request to {r.url}")
            if not r.url.startswith((served, "data:", "blob:", "about:")) else None)
    ids: dict[str, set[str]] = {}
    links: dict[str, set[str]] = {}
    pages = _pages(site)
    for path in pages:
        current[0] = path or "/"
        page.goto(served + path, wait_until="load")
        found = page.evaluate("""() => ({
            ids: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.name),
            links: [...document.querySelectorAll('a[href]')].map(a => a.href)})""")
        ids[served + path] = set(found["ids"])
        links[served + path] = {u for u in found["links"] if u.startswith(served)}
    page.screenshot(path=str(tmp_path / "last.png"))
    page.close()
    assert len(pages) > 30 and not problems, problems[:20]
    broken = []
    for source, targets in links.items():
        for url in targets:
            target, fragment = urldefrag(url)
            local = site.dir / urlsplit(target).path.lstrip("/")
            if target in ids:
                if fragment and fragment not in ids[target]:
                    broken.append(f"{source} -> {url} (no such anchor)")
            elif not local.is_file():
                broken.append(f"{source} -> {url}")
    assert not broken, broken[:20]


def test_the_stepper_steps_forward_and_back_in_the_lesson(site, served, browser, tmp_path):
    from browser.stepper_checks import VIEWPORT, click_through

    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served + "lessons/01_backprop_by_hand/")
    root = page.locator(".cr-stepper").first
    assert page.locator(".cr-static").count() == 0           # its script ran in the page
    n = root.locator(".cr-step").count()
    assert n >= 2
    seen = click_through(root, n, fits_width=False)
    assert [s["count"] for s in seen[:n]] == [f"Step {k} of {n}" for k in range(1, n + 1)]
    page.screenshot(path=str(tmp_path / "stepper.png"))
    assert not errors
    page.close()
