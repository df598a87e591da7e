"""MkDocs hook: sections of the README shown in the site, and the landing page's drawing.

One source of truth: a page that says ``<!-- README: Performance -->`` on a
line of its own shows the README's ``## Performance`` section there (without
its heading), as the README has it when the site is built. A missing section
fails the build.

The landing page's Python blocks run at build time, in order, in one namespace
and a scratch directory; each file they write there (the tour's ``tour.svg``)
is published as ``assets/NAME``, so the drawing on the page is the one its
code makes.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
LANDING = "index.md"
_MARKER = re.compile(r"^<!-- README: (.+?) -->$", re.M)


def section(text: str, heading: str) -> str:
    """The body of the ``## heading`` section of ``text``, up to the next ``## ``.

    >>> section("# T\\n## A\\none\\n### sub\\n## B\\ntwo\\n", "A")
    'one\\n### sub'
    """
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        raise PluginError(f"README.md has no '## {heading}' section")
    body = match.group(1).strip()
    # Links into docs/ from the README's place are links beside the page here.
    return re.sub(r"\]\(docs/", "](", body)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "<!-- README: " not in markdown:
        return markdown
    readme = README.read_text(encoding="utf-8")
    return _MARKER.sub(lambda m: section(readme, m.group(1)), markdown)


def run_landing_code(docs_dir: Path, scratch: Path) -> list[Path]:
    """Run the landing page's Python blocks in ``scratch``; return the files they wrote."""
    text = (docs_dir / LANDING).read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)
    cwd = os.getcwd()
    namespace: dict[str, Any] = {"__name__": "__landing__"}
    os.chdir(scratch)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # what the tour prints is for readers
            for block in blocks:
                    exec(compile(block, f"docs/{LANDING}", "exec"), namespace)  # the project's page
    except Exception as exc:
        raise PluginError(f"docs/{LANDING}: the tour raised {exc!r}") from exc
    finally:
        os.chdir(cwd)
    return sorted(p for p in scratch.iterdir() if p.is_file())


def on_files(files: Files, config: Any) -> Files:
    with tempfile.TemporaryDirectory(prefix="chainrule-landing-") as scratch:
        for path in run_landing_code(Path(config.docs_dir), Path(scratch)):
            files.append(File.generated(config, f"assets/{path.name}", content=path.read_bytes(),
                                        inclusion=InclusionLevel.NOT_IN_NAV))
    return files
