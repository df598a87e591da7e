"""The README's Python examples run as written."""
from __future__ import annotations

import os
import re

import pytest

README = os.path.join(os.path.dirname(__file__), os.pardir, "README.md")


def _blocks() -> list[str]:
    with open(README, encoding="utf-8") as f:
        return re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)


def test_readme_has_examples():
    assert len(_blocks()) >= 3


def test_readme_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {}
    for block in _blocks():
        exec(compile(block, "README.md", "exec"), namespace)  # the project's own docs
    assert (tmp_path / "chain.svg").exists()
    assert namespace["w"].grad == pytest.approx(-0.4)
    assert namespace["a"].grad == pytest.approx(0.0706508, rel=1e-5)
    assert namespace["d2"].data == pytest.approx(12 * 1.5 ** 2)
