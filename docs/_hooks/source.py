"""MkDocs hook: the source code in the site, so pages can show and link to the real thing.

Every module of ``autograd``, ``nn`` and ``optim`` gets a page with its source
and line numbers (``source/autograd/engine.py/``; line N is the anchor
``#__codelineno-0-N``), left out of the navigation and of the search. Two
markers, each on a line of its own, put code into a page:

- ``<!-- SOURCE autograd.node.apply -->``: that function's source (for a rule
  of the table, its forward, decorator included) with its file's line numbers
  and a link to the line;
- ``<!-- RULE TABLE -->``: every rule of ``autograd.RULES`` (the built-in ones
  and those ``nn`` adds) with the derivative its docstring gives and a link to
  the module that defines it.
"""
from __future__ import annotations

import html
import importlib
import inspect
import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("autograd", "nn", "optim")
_SOURCE = re.compile(r"^<!-- SOURCE ([\w.]+) -->$", re.M)


def source_uri(rel: str) -> str:
    """The page of the file ``rel`` (a path from the repository's root)."""
    return f"source/{rel}.md"


def _source_markdown(rel: str, text: str) -> str:
    # A fence longer than any run of backticks in the file, so none closes it early.
    fence = "`" * max(3, 1 + max(map(len, re.findall("`+", text)), default=0))
    # Left out of the search index: the API reference finds names, and every page would
    # otherwise load the whole code base into its search.
    return (f"---\nsearch:\n  exclude: true\n---\n\n"
            f"# `{rel}`\n\nThe source of `{rel}`, as this site was built from it.\n\n"
            f'{fence}python linenums="1"\n{text}{fence}\n')


def rule_table(page_uri: str) -> str:
    """A Markdown table of every rule: name, symbol, derivative, the module that defines it
    (a link from the page ``page_uri`` to the module's source)."""
    import autograd
    import nn  # noqa: F401 - nn's fused rules join the table on import

    rows = ["| rule | symbol | forward and derivative | defined in |", "|---|---|---|---|"]
    for name, rule in autograd.RULES.items():
        doc = " ".join(rule.doc.split("\n\n")[0].split())
        module = rule.forward.__module__
        source = posixpath.relpath(source_uri(module.replace(".", "/") + ".py"),
                                   posixpath.dirname(page_uri) or ".")
        cell = html.escape(doc).replace("|", "&#124;")
        rows.append(f"| `{name}` | <code>{html.escape(rule.symbol)}</code> | {cell} | "
                    f"[`{module}`]({source}) |")
    return "\n".join(rows)


def source_block(dotted: str, page_uri: str) -> str:
    """The source of the function ``dotted`` as a fenced block with its file's line numbers,
    and a link from the page ``page_uri`` to that line of the source page."""
    module_name, _, name = dotted.rpartition(".")
    obj = getattr(importlib.import_module(module_name), name, None)
    obj = getattr(obj, "forward", obj)  # a rule of the table: its forward, with its decorator
    if not callable(obj):
        raise PluginError(f"<!-- SOURCE {dotted} -->: no such function")
    lines, start = inspect.getsourcelines(obj)
    rel = Path(inspect.getsourcefile(obj) or "").resolve().relative_to(ROOT).as_posix()
    link = posixpath.relpath(source_uri(rel), posixpath.dirname(page_uri) or ".")
    return (f'```python title="{rel}" linenums="{start}"\n{"".join(lines)}```\n\n'
            f"[`{rel}`, line {start}]({link}#__codelineno-0-{start})\n")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    uri = page.file.src_uri
    if "<!-- RULE TABLE -->" in markdown:
        markdown = markdown.replace("<!-- RULE TABLE -->", rule_table(uri))
    return _SOURCE.sub(lambda m: source_block(m.group(1), uri), markdown)


def on_files(files: Files, config: Any) -> Files:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            files.append(File.generated(
                config, source_uri(rel), content=_source_markdown(rel, path.read_text("utf-8")),
                inclusion=InclusionLevel.NOT_IN_NAV))
    return files


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    # MkDocs checks links to anchors against the ids it sees while converting the Markdown,
    # which misses those inside highlighted code (a source page's line anchors) and in
    # rendered notebooks: give it every id the page really has.
    page.present_anchor_ids = (page.present_anchor_ids or set()) | set(
        re.findall(r'\sid="([^"]+)"', html))
    return html
