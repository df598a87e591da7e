"""Rendering DOT drawings to SVG, PNG or PDF with a Graphviz program.

The program is Graphviz's ``dot`` when one is installed (Debian's
``/usr/bin/dot``, or any on ``PATH``), else the ``graphviz-pure`` command that
the ``graphviz-pure`` wheel from PyPI installs next to Python. With neither,
rendering raises :class:`GraphvizNotFoundError`, which says how to install
one; the DOT text of a drawing stays available as its ``.source``.

>>> import os, tempfile
>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> path = render(x * x, os.path.join(tempfile.mkdtemp(), "square.svg"))
>>> path.read_text().count('class="node"')
3
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path
from typing import Any

try:
    import graphviz
    _Digraph: Any = graphviz.Digraph
except ImportError:  # pragma: no cover - graphviz is an optional dependency
    graphviz = None
    _Digraph = object

FORMATS = ("svg", "png", "pdf")
_OUTPUTS = FORMATS + ("json",)  # json: the layout itself (positions), read by autograd.frames

_INSTALL_HINT = (
    "Install Graphviz's `dot` (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew "
    "install graphviz) or the self-contained program from PyPI (pip install graphviz-pure). "
    "The DOT text of a drawing is still available as its .source."
)


class GraphvizNotFoundError(RuntimeError):
    """Neither Graphviz's ``dot`` nor the ``graphviz-pure`` program could be found."""


def _extra_dirs() -> list[Path]:
    """Folders PATH may miss: Debian's, and this Python's scripts (where pip puts graphviz-pure)."""
    return [Path("/usr/bin"), Path(sysconfig.get_path("scripts")), Path(sys.executable).parent]


def find_dot() -> str:
    """The program that renders DOT: ``dot`` if installed, else ``graphviz-pure``.

    Raises :class:`GraphvizNotFoundError`, saying how to install one, when
    neither is found.
    """
    for name in ("dot", "graphviz-pure"):
        found = shutil.which(name)
        if found:
            return found
        for folder in _extra_dirs():
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    raise GraphvizNotFoundError(f"cannot render: no Graphviz program found. {_INSTALL_HINT}")


def pipe(source: str, format: str = "svg", args: Iterable[str] = ()) -> bytes:
    """Lay out DOT ``source`` and return the picture in ``format`` ('svg', 'png' or 'pdf',
    or 'json' for the layout). ``args`` go to the program (``-Kneato -n2`` keeps the
    positions written in the source)."""
    if format not in _OUTPUTS:
        raise ValueError(f"render: format must be 'svg', 'png' or 'pdf', got {format!r}")
    program = find_dot()
    proc = subprocess.run([program, f"-T{format}", *args], input=source.encode("utf-8"),
                          capture_output=True, timeout=300, check=False)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"{program} failed with exit code {proc.returncode}: {err}")
    return proc.stdout


def render(root: Any, path: str | os.PathLike[str], format: str = "svg",
           **draw_options: Any) -> Path:
    """Write the drawing of ``root`` (a node, or a drawing) to ``path`` as SVG, PNG or PDF.

    ``draw_options`` go to ``draw_graph``. Returns the path written.
    """
    if format not in FORMATS:
        raise ValueError(f"render: format must be 'svg' or 'png', got {format!r}")
    if not hasattr(root, "source"):
        from .viz import draw_graph

        root = draw_graph(root, **draw_options)
    data = pipe(root.source, format, getattr(root, "program_args", ()))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def save_svg(root: Any, path: str | os.PathLike[str], **draw_options: Any) -> Path:
    """Write the drawing of ``root`` to ``path`` as SVG; returns the path."""
    return render(root, path, "svg", **draw_options)


class Drawing(_Digraph):
    """A ``graphviz.Digraph`` that renders through :func:`find_dot` when Jupyter shows it.

    ``program_args`` go to the program on every rendering (a stepper frame's
    ``-Kneato -n2`` keeps its pinned positions).
    """

    program_args: tuple[str, ...] = ()

    def _repr_mimebundle_(self, include: Iterable[str] | None = None,
                          exclude: Iterable[str] | None = None, **_: Any) -> dict[str, Any]:
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        try:
            out: dict[str, Any] = {}
            if "image/svg+xml" in wanted:
                out["image/svg+xml"] = self.svg()
            if "image/png" in wanted:
                out["image/png"] = pipe(self.source, "png", self.program_args)
            return out
        except GraphvizNotFoundError as exc:
            return {"text/plain": str(exc)}

    def svg(self) -> str:
        """The drawing as SVG text."""
        return pipe(self.source, "svg", self.program_args).decode("utf-8")
