"""The README's Python examples run as written."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile

import pytest

README = os.path.join(os.path.dirname(__file__), os.pardir, "README.md")


def _blocks() -> list[str]:
    with open(README, encoding="utf-8") as f:
        return re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)


def test_readme_has_examples():
    assert len(_blocks()) >= 3


def test_readme_examples_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {}
    for block in _blocks():
        exec(compile(block, "README.md", "exec"), namespace)  # the project's own docs
    printed = capsys.readouterr().out
    # A comment that quotes output after print(...) quotes what is printed.
    quoted = re.findall(r'^print\(.*#\s*"(.+)"', "\n".join(_blocks()), flags=re.M)
    assert quoted and all(q in printed for q in quoted), (quoted, printed[-2000:])
    assert (tmp_path / "chain.svg").exists() and (tmp_path / "backprop.html").exists()
    assert namespace["w"].grad == pytest.approx(-0.4)
    assert namespace["a"].grad == pytest.approx(0.0706508, rel=1e-5)
    assert namespace["d2"].data == pytest.approx(12 * 1.5 ** 2)


def test_readme_tour_runs_from_an_installed_wheel(tmp_path):
    """The pip path: build a wheel of this tree, install it outside the repository, run
    the README's examples and the ``chainrule`` command from there."""
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", root, "--no-deps", "-w", str(wheels)], check=True)
    (wheel,) = wheels.glob("chainrule-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    names = {os.path.basename(n) for n in zipfile.ZipFile(wheel).namelist()}
    assert {"LICENSE", "py.typed", "digits.csv.gz", "boston.csv", "__main__.py"} <= names
    checks = f"""
import autograd, nn, optim
from importlib import metadata
for package in (autograd, nn, optim):
    assert package.__file__.startswith({str(site)!r}), package.__file__
assert autograd.__version__ == metadata.version("chainrule") != "0+unknown"
assert abs(w.grad + 0.4) < 1e-12
print("tour ok", autograd.__version__)
"""
    script = work / "tour.py"
    script.write_text("\n".join(_blocks()) + checks, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site), "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, str(script)], cwd=work, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "tour ok" in run.stdout and (work / "chain.svg").exists()
    version = run.stdout.split("tour ok ")[1].strip()
    for command in ([str(site / "bin" / "chainrule"), "--version"],
                    [sys.executable, "-m", "autograd", "--version"]):
        out = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        assert out.returncode == 0 and out.stdout.strip() == f"chainrule {version}", out
