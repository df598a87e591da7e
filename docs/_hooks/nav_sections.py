"""What the hooks share: filling a section of the navigation with generated pages.

``mkdocs.yml`` names each generated section by its first page (``lessons/index.md``,
``api/index.md``); the hook that makes the pages puts them after it. A hook imports
this file as ``nav_sections`` (MkDocs puts a hook's folder on the path while loading it).

>>> nav = [{"Home": "index.md"}, {"API": ["api/index.md"]}]
>>> fill_section(type("Config", (), {"nav": nav}), "api/index.md", [{"nn": "api/nn.md"}])
>>> nav[1]
{'API': ['api/index.md', {'nn': 'api/nn.md'}]}
"""
from __future__ import annotations

from typing import Any

from mkdocs.exceptions import PluginError


def fill_section(config: Any, first: str, pages: list[Any]) -> None:
    """Make ``pages`` follow ``first`` in the top-level nav section that starts with it."""
    for item in config.nav or ():
        for value in (item.values() if isinstance(item, dict) else ()):
            if isinstance(value, list) and value and value[0] == first:
                value[1:] = pages
                return
    raise PluginError(f"mkdocs.yml: no nav section starts with {first}")
