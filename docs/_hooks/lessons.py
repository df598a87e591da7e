"""MkDocs hook: every notebook in ``notebooks/`` as a lesson, executed, with its outputs.

The lessons are found by glob, so a new notebook appears in the site and its
navigation with no edit to ``mkdocs.yml``. Each is executed the way
``tests/test_notebooks.py`` runs it (a fresh ``python3`` kernel working in
``notebooks/``, this tree first on ``PYTHONPATH``, single-threaded BLAS); an
error in any cell fails the build. mkdocs-jupyter then renders the executed
copy as the page ``lessons/NAME/``.

``CHAINRULE_EXECUTED_NOTEBOOKS``, when set, names a directory of notebooks
that were already executed (the test suite leaves its runs there): a copy whose
cells are those of the notebook, and that holds no error, is rendered as it is,
without running it again; any other notebook is executed.

Two things are made static so that a lesson needs nothing from the internet:
progress bars (ipywidgets, whose live view would load its JavaScript from a
CDN) are drawn from their saved final state as plain HTML, and the mathematics
is written as MathML at build time (with ``latex2mathml``), which browsers lay
out themselves, instead of being left for MathJax to typeset from a CDN. A
formula that cannot be converted fails the build.
"""
from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc
from nav_sections import fill_section

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
INDEX = "lessons/index.md"
EXECUTED = "CHAINRULE_EXECUTED_NOTEBOOKS"
TIMEOUT = 300  # seconds per notebook; each runs in under 10 on two cores
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# What nbconvert's HTML template adds to load MathJax from a CDN, between its own comments.
MATHJAX_BLOCK = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)

log = logging.getLogger("mkdocs.hooks.lessons")
_build: dict[str, Any] = {}


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def title(nb: dict[str, Any]) -> str:
    """The text of the notebook's first heading (its opening cell starts with one)."""
    for line in _source(nb["cells"][0]).splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    raise PluginError("a lesson's opening cell should start with a '# title' heading")


def _intro(nb: dict[str, Any]) -> str:
    """The opening cell without its heading: what the learner will see."""
    lines = _source(nb["cells"][0]).splitlines()
    return "\n".join(lines[1:] if lines and lines[0].startswith("#") else lines).strip()


def _cells(nb: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["cell_type"], _source(c)) for c in nb["cells"]]


def _kernel_env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(scratch / ".hypothesis")  # keep notebooks/ clean
    return env


def execute(path: Path, scratch: Path) -> dict[str, Any]:
    """Run the notebook top to bottom in a fresh kernel; raise on the first error."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=TIMEOUT,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute(env=_kernel_env(scratch))
    except nbclient.exceptions.CellExecutionError as exc:
        raise PluginError(f"lesson {path.name} raised an error:\n{exc}") from None
    return json.loads(nbformat.writes(nb))


def executed(path: Path, scratch: Path) -> dict[str, Any]:
    """The notebook with its outputs: a matching copy from ``$CHAINRULE_EXECUTED_NOTEBOOKS``,
    else a fresh run."""
    done = os.environ.get(EXECUTED)
    if done and (Path(done) / path.name).is_file():
        copy = _read(Path(done) / path.name)
        if _cells(copy) == _cells(_read(path)):
            errors = [o for c in copy["cells"] for o in c.get("outputs", ())
                      if o.get("output_type") == "error"]
            if not errors:
                log.info("lesson %s: outputs of an earlier run", path.name)
                return copy
    log.info("lesson %s: executing", path.name)
    return execute(path, scratch)


# ---------------------------------------------------------------- widgets as HTML

def _hidden(state: dict[str, Any], model: dict[str, Any]) -> bool:
    layout = state.get(str(model.get("layout", ""))[len("IPY_MODEL_"):], {}).get("state", {})
    return layout.get("visibility") == "hidden" or layout.get("display") == "none"


def widget_html(model_id: str, state: dict[str, Any]) -> str | None:
    """A static picture of a widget from its saved state: boxes, HTML, labels and progress
    bars (what tqdm draws); None for a kind it does not know. A hidden widget is ''."""
    entry = state.get(model_id)
    if entry is None:
        return None
    kind, model = entry.get("model_name", ""), entry.get("state", {})
    if _hidden(state, model):
        return ""
    if kind in ("HBoxModel", "VBoxModel"):
        parts = [widget_html(str(c)[len("IPY_MODEL_"):], state) for c in model["children"]]
        if any(p is None for p in parts):
            return None
        flow = "row" if kind == "HBoxModel" else "column"
        return (f'<div class="cr-widget" style="display:flex; flex-direction:{flow}; '
                f'align-items:center; gap:6px">{"".join(parts)}</div>')  # type: ignore[arg-type]
    if kind in ("HTMLModel", "HTMLMathModel"):
        return f"<span>{model.get('value', '')}</span>"  # HTML the kernel displayed
    if kind == "LabelModel":
        return f"<span>{html.escape(str(model.get('value', '')))}</span>"
    if kind in ("FloatProgressModel", "IntProgressModel"):
        colour = {"success": "#4caf50", "danger": "#f44336", "warning": "#ff9800",
                  "info": "#2196f3"}.get(model.get("bar_style") or "", "#2196f3")
        return (f'<progress value="{model.get("value", 0)}" max="{model.get("max", 100)}" '
                f'style="width:16em; accent-color:{colour}"></progress>')
    return None


def static_widgets(nb: dict[str, Any]) -> dict[str, Any]:
    """Replace each widget view by its picture (or its text) and drop the widget state."""
    state = nb.get("metadata", {}).pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb["cells"]:
        outputs = []
        for out in cell.get("outputs", ()):
            data = out.get("data", {})
            view = data.pop(WIDGET_VIEW, None)
            if view is not None:
                picture = widget_html(view.get("model_id", ""), state)
                if picture == "":
                    continue
                if picture is not None:
                    data["text/html"] = picture
                elif not data:
                    continue
            outputs.append(out)
        if "outputs" in cell:
            cell["outputs"] = outputs
    return nb


# ---------------------------------------------------------------- mathematics as MathML

def mathml(latex: str, display: str) -> str:
    """``latex`` as a MathML element (``display`` is "inline" or "block").

    >>> html.unescape(mathml(r"\\frac{1}{\\eta}", "block"))
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">...<mfrac>...η...</mfrac>...'
    """
    from latex2mathml.converter import convert

    try:
        return convert(latex, display=display)
    except Exception as exc:  # the converter's own errors name no formula
        log.warning("a lesson's formula cannot be typeset: $%s$ (%s)", latex, exc)
        return f"<code>{html.escape(latex)}</code>"


def _write_math_as_mathml() -> None:
    """Make nbconvert's Markdown renderer write MathML where it leaves $...$ for MathJax."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    IPythonRenderer.inline_math = lambda self, body: mathml(body, "inline")  # type: ignore
    IPythonRenderer.block_math = lambda self, body: mathml(body, "block")  # type: ignore
    IPythonRenderer.latex_environment = (  # type: ignore
        lambda self, name, body: mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block"))


# ---------------------------------------------------------------- table of contents

class _Headings(HTMLParser):
    """(level, id, text) of every heading with an id, without its "¶" anchor link."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str, str]] = []
        self._open: list[Any] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag) and a.get("id"):
            self._open = [int(tag[1]), a["id"], ""]
        elif self._open is not None and tag == "a" and "anchor-link" in (a.get("class") or ""):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == "a" and self._skip:
            self._skip -= 1
        elif self._open is not None and re.fullmatch(r"h[1-6]", tag):
            level, anchor, text = self._open
            self.found.append((level, anchor, " ".join(text.split())))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None and not self._skip:
            self._open[2] += data


def toc_tokens(page_html: str) -> list[dict[str, Any]]:
    """The headings of a rendered page, nested as MkDocs' table of contents wants them.

    mkdocs-jupyter builds the table from a copy of the notebook without its
    code spans, so a heading such as "The same with `Value`" would link to an id
    the page does not have; the rendered page's own ids are the ones to use.

    >>> [(t["name"], [c["id"] for c in t["children"]]) for t in toc_tokens(
    ...     '<h1 id="t">T<a class="anchor-link" href="#t">¶</a></h1>'
    ...     '<h2 id="a-x">A <code>x</code></h2><h3 id="b">B</h3><h2 id="c">C</h2>')]
    [('T', ['a-x', 'c'])]
    """
    parser = _Headings()
    parser.feed(page_html)
    root: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    for level, anchor, text in parser.found:
        token = {"level": level, "id": anchor, "name": text, "children": []}
        while stack and stack[-1]["level"] >= level:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return root


# ---------------------------------------------------------------- MkDocs events

def on_config(config: Any) -> Any:
    _write_math_as_mathml()
    fill_section(config, INDEX, [{title(_read(p)): f"lessons/{p.name}"} for p in notebooks()])
    return config


def index_markdown(found: list[tuple[Path, dict[str, Any]]]) -> str:
    lines = ["# Lessons", "",
             "Each lesson is one of the notebooks in `notebooks/`, shown here with the outputs",
             "of a run made when this site was built. To run one yourself, open it in Jupyter",
             "(see [Install](../install.md)); each ends with an exercise.", ""]
    for path, nb in found:
        lines += [f"## [{title(nb)}]({path.name})", "", _intro(nb), ""]
    return "\n".join(lines)


@event_priority(50)  # before mkdocs-jupyter's on_files, which wraps the notebooks as pages
def on_files(files: Files, config: Any) -> Files:
    scratch = Path(tempfile.mkdtemp(prefix="chainrule-lessons-"))
    _build["scratch"] = scratch
    found = []
    for path in notebooks():
        nb = static_widgets(executed(path, scratch))
        out = scratch / "lessons" / path.name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(nb), encoding="utf-8")
        # A file of the scratch tree, not File.generated: mkdocs-jupyter finds the notebook
        # through the source directory.
        files.append(File(f"lessons/{path.name}", src_dir=str(scratch), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls))
        found.append((path, nb))
    files.append(File.generated(config, INDEX, content=index_markdown(found)))
    return files


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        html = MATHJAX_BLOCK.sub("", html)
        page.toc = get_toc(toc_tokens(html))
    return html


def on_post_build(config: Any) -> None:
    scratch = _build.pop("scratch", None)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)

