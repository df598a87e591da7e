"""MkDocs hook: the API reference, generated at build time from the packages' ``__all__``.

One page per package (``autograd``, ``autograd.testing``, ``nn``, ``optim``)
renders, with mkdocstrings, every name of the package's ``__all__`` with its
signature and docstring; a submodule named in ``__all__`` (``nn.functional``,
``optim.lr_scheduler``...) gets a page of its own, listing its ``__all__`` (or,
without one, the public names it defines). A name added to an ``__all__``
appears on the next build, with no edit here; the pages join the navigation
after ``api/index.md``.
"""
from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
import types
from typing import Any

from mkdocs.structure.files import File, Files
from nav_sections import fill_section

PACKAGES = ("autograd", "autograd.testing", "nn", "optim")
OURS = ("autograd", "nn", "optim")
INDEX = "api/index.md"


def public_names(module: types.ModuleType) -> list[str]:
    """``__all__``, or the public names the module defines itself (not those it imports)."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    own = []
    for name, obj in vars(module).items():
        if name.startswith("_") or isinstance(obj, types.ModuleType):
            continue
        if getattr(obj, "__module__", module.__name__) == module.__name__ and (
                inspect.isclass(obj) or inspect.isfunction(obj)):
            own.append(name)
    return own


def pages() -> dict[str, tuple[types.ModuleType, list[str]]]:
    """{module name: (module, names to document)} for every page of the reference, in order."""
    out: dict[str, tuple[types.ModuleType, list[str]]] = {}
    for package in PACKAGES:
        module = importlib.import_module(package)
        names = public_names(module)
        out[package] = (module, [n for n in names
                                 if not isinstance(getattr(module, n), types.ModuleType)])
        for n in names:
            sub = getattr(module, n)
            if isinstance(sub, types.ModuleType):
                out[sub.__name__] = (sub, public_names(sub))
    return out


def page_uri(module_name: str) -> str:
    return f"api/{module_name}.md"


def _summary(module: types.ModuleType) -> str:
    """The first paragraph of the module's docstring, as one table cell."""
    doc = (inspect.getdoc(module) or "").split("\n\n")[0]
    doc = re.sub(r":(?:func|meth|class|mod|attr|data|exc|obj):`~?([^`]+)`", r"`\1`", doc)
    return " ".join(doc.split()).replace("|", "\\|")


def _ours(cls: type) -> bool:
    return cls.__module__.split(".")[0] in OURS


def inherited(cls: type, documented: set[int]) -> list[str]:
    """The public members ``cls`` should list from its bases: those of its bases of ours that
    have no entry of their own, up to the first that has one (``Value`` lists ``Operators``'
    arithmetic; ``nn.Linear`` lists none of ``nn.Module``'s, which has its own entry)."""
    names: list[str] = []
    for base in cls.__mro__[1:]:
        if not _ours(base) or id(base) in documented:
            break
        names += [n for n in vars(base) if not n.startswith("_") and n not in vars(cls)
                  and n not in names]
    return names


def _block(path: str, **options: Any) -> str:
    lines = [f"::: {path}", "    options:"]
    for key, value in options.items():
        text = json.dumps(value)  # YAML reads JSON's booleans and lists
        lines.append(f"      {key}: {text}")
    return "\n".join(lines) + "\n"


def page_markdown(module: types.ModuleType, names: list[str], documented: set[int]) -> str:
    """A page: the module's docstring, then each of ``names`` with its signature and
    docstring, classes first, then functions, then other objects."""
    name = module.__name__
    groups: dict[str, list[str]] = {"Classes": [], "Functions": [], "Objects": []}
    for n in names:
        obj = getattr(module, n)
        kind = ("Classes" if inspect.isclass(obj) else
                "Functions" if inspect.isfunction(obj) or inspect.isbuiltin(obj) else "Objects")
        groups[kind].append(n)
    parts = [f"# `{name}`\n", _block(name, show_root_heading=False, show_root_toc_entry=False,
                                      members=False)]
    for title, members in groups.items():
        if not members:
            continue
        parts.append(f"## {title}\n")
        for n in members:
            obj = getattr(module, n)
            inherit = inherited(obj, documented) if inspect.isclass(obj) else []
            path = entry_path(module, n)
            named = {} if path == f"{name}.{n}" else {"heading": f"{name}.{n}", "toc_label": n}
            parts.append(_block(path, heading_level=3, inherited_members=inherit, **named))
    return "\n".join(parts)


def entry_path(module: types.ModuleType, name: str) -> str:
    """The path to render ``module.name`` from: that one, unless a submodule of the same name
    hides it from a reading of the source (the function ``autograd.tensor`` and the module
    ``autograd/tensor.py``), when the object is rendered where it is defined, under its
    public name."""
    obj = getattr(module, name)
    if sys.modules.get(f"{module.__name__}.{name}") not in (None, obj):
        return f"{obj.__module__}.{obj.__qualname__}"
    return f"{module.__name__}.{name}"


def documented_classes(found: dict[str, tuple[types.ModuleType, list[str]]]) -> set[int]:
    return {id(getattr(module, n)) for module, names in found.values() for n in names
            if inspect.isclass(getattr(module, n))}


def index_markdown(found: dict[str, tuple[types.ModuleType, list[str]]]) -> str:
    rows = [f"| [`{name}`]({name}.md) | {_summary(module)} | {len(names)} |"
            for name, (module, names) in found.items()]
    return "\n".join([
        "# API reference",
        "",
        "Generated from the docstrings of the code this site was built from: each page lists",
        "the names of a package's or module's `__all__`, with their signatures and docstrings.",
        "The examples in the docstrings are run by the test suite.",
        "",
        "| module | what it holds | names |",
        "|---|---|---|",
        *rows,
        "",
    ])


def on_config(config: Any) -> Any:
    fill_section(config, INDEX, [{name: page_uri(name)} for name in pages()])
    return config


def on_files(files: Files, config: Any) -> Files:
    found = pages()
    files.append(File.generated(config, INDEX, content=index_markdown(found)))
    documented = documented_classes(found)
    for name, (module, names) in found.items():
        files.append(File.generated(config, page_uri(name),
                                    content=page_markdown(module, names, documented)))
    return files
