"""A griffe extension: the project's docstrings, written for doctest and Sphinx, as Markdown.

mkdocstrings renders docstrings as Markdown. The project's are plain text with
doctest examples (``>>>`` lines and their output) and a few Sphinx roles
(:func:`name`), which Markdown would run together into paragraphs. This
extension puts each doctest example in a ``pycon`` code block, turns a role
into a code span, a reST ``::`` into a colon (the indented block after it is
already Markdown code), and a ``<`` outside code into ``&lt;``: the text is not
HTML, and ``x -> <grad f(x), v>`` must not vanish as an unknown tag.

>>> from types import SimpleNamespace as NS
>>> doc = NS(value="Sum <a, b>.\\n\\n>>> 1 + 1 < 3\\nTrue\\n\\nSee :func:`~autograd.grad`::")
>>> DoctestExamples().on_instance(node=None, obj=NS(docstring=doc), agent=None)
>>> doc.value.splitlines()
['Sum &lt;a, b>.', '', '```pycon', '>>> 1 + 1 < 3', 'True', '```', '', 'See `grad`:']
"""
from __future__ import annotations

import re
from typing import Any

try:  # mkdocstrings loads this file with griffe installed; the doctest above needs neither
    from griffe import Extension
except ImportError:  # pragma: no cover
    Extension = object  # type: ignore[assignment,misc]

_ROLE = re.compile(r":(?:func|meth|class|mod|attr|data|exc|obj):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    short, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def markdown(text: str) -> str:
    """``text`` with doctest examples fenced, Sphinx roles as code spans, ``::`` as ``:``,
    and ``<`` outside code escaped."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            block = []
            # An example runs to the first blank line, as doctest reads it.
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
                i += 1
            out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
            continue
        line = _ROLE.sub(_role, line)
        # "<" outside code is text: not in an indented code block (after "::"), nor in a
        # code span (the odd-numbered pieces between backticks).
        if not line.startswith("    "):
            pieces = line.split("`")
            line = "`".join(p if i % 2 else p.replace("<", "&lt;")
                            for i, p in enumerate(pieces))
        if line.strip() == "::":      # reST's "::" alone, or after a space, is dropped
            line = ""
        elif line.endswith(" ::"):
            line = line[:-3]
        elif line.endswith("::"):     # "text::" reads "text:"
            line = line[:-1]
        out.append(line)
        i += 1
    return "\n".join(out)


class DoctestExamples(Extension):  # type: ignore[misc,valid-type]
    """Rewrite each docstring griffe reads with :func:`markdown`."""

    def on_instance(self, *, node: Any, obj: Any, agent: Any, **kwargs: Any) -> None:
        docstring = getattr(obj, "docstring", None)
        if docstring is not None and docstring.value:
            docstring.value = markdown(docstring.value)
