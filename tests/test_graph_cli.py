"""``chainrule graph``: expressions in, pictures and gradients out, anything else refused."""
from __future__ import annotations

import builtins
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import cli, rendering
from autograd.graph_cli import MAX_DEPTH, ExpressionError, build

NEURON = ["tanh(x1*w1 + x2*w2 + b)", "--set", "x1=2", "--set", "x2=0", "--set", "w1=-3",
          "--set", "w2=1", "--set", "b=6.8813735870195432"]
SVG = "{http://www.w3.org/2000/svg}"


def svg_words(path: Path) -> str:
    return " ".join(t.text or "" for t in ET.parse(path).getroot().iter(SVG + "text"))


def test_writes_svg_and_prints_gradients(tmp_path, capsys):
    out = tmp_path / "neuron.svg"
    assert cli.main(["graph", *NEURON, "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "f = tanh(x1*w1 + x2*w2 + b) = 0.707107" in printed
    for line in ["df/dx1 = -1.5", "df/dw1 = 1", "df/dx2 = 0.5", "df/dw2 = 0", "df/db = 0.5"]:
        assert line in printed
    words = svg_words(out)
    for shown in ["x1", "w1", "x2", "w2", "b", "tanh", "*", "+", "data 0.7071", "grad -1.5"]:
        assert shown in words


def test_steps_and_png(tmp_path, capsys):
    steps = tmp_path / "steps"
    assert cli.main(["graph", "x * y + x", "--set", "x=3", "--set", "y=-2",
                     "-o", str(tmp_path / "g.png"), "--steps", str(steps)]) == 0
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    frames = sorted(steps.glob("step_*.png"))
    assert len(frames) == 2                        # the + and the *
    text = (steps / "steps.txt").read_text()
    page = (steps / "steps.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2
    assert "running sum: ∂f/∂x = 1 (from f) + -2 (from n1) = -1" in text
    assert cli.main(["graph", "x * y + x", "--set", "x=3", "--set", "y=-2", "-o",
                     str(tmp_path / "g.svg"), "--steps", str(steps), "--format", "svg"]) == 0
    assert len(list(steps.glob("step_*.svg"))) == 2
    ET.parse(steps / "step_001.svg")


@pytest.mark.parametrize("expression, message", [
    ("__import__('os').system('x')", "only the functions"),
    ("x.__class__", "attribute access (.__class__)"),
    ("[x for x in y]", "comprehensions"),
    ("lambda: 1", "lambda"),
    ("open('f')", "unknown function 'open'"),
    ("+".join(["x"] * 5000) + "x", "10000 characters long; the limit is"),
    ("x[0]", "indexing"),
    ("x if x else 1", "if-else"),
    ("x % 2", "operator Mod"),
    ("'a' + x", "the constant 'a'"),
    ("exp(x, x)", "exp takes one argument"),
    ("exp(x=1)", "without keywords"),
    ("y * 2", "unknown name 'y'"),
    ("(x := 2)", "assignments"),
    ("x; 1", "not a valid expression"),
    ("2 * 3", "none of the --set names"),
    ("10 ** 10 ** 10 * x", "too large"),
    ("log(x - 1)", "log"),
    (" " + "-" * (MAX_DEPTH + 5) + "x", "nested more than"),
    ("exp(" * 50 + "x" + ")" * 50, "nested more than"),
])
def test_hostile_or_bad_expressions_are_refused(expression, message, tmp_path, capsys):
    out = tmp_path / "g.svg"
    code = cli.main(["graph", expression, "--set", "x=1", "-o", str(out)])
    err = capsys.readouterr().err
    assert code != 0
    assert message in err and err.startswith("chainrule graph: error:")
    assert not out.exists()


@pytest.mark.parametrize("assignment, message", [
    ("x", "expected NAME=NUMBER"), ("x=abc", "not a number"), ("exp=1", "function name"),
    ("_x=1", "expected NAME=NUMBER"), ("x=nan", "finite"),
])
def test_bad_assignments_are_refused(assignment, message, capsys):
    assert cli.main(["graph", "x", "--set", assignment]) == 2
    assert message in capsys.readouterr().err


def test_unused_names_are_reported(tmp_path, capsys):
    assert cli.main(["graph", "x * x", "--set", "x=3", "--set", "z=1",
                     "-o", str(tmp_path / "g.svg")]) == 0
    printed = capsys.readouterr().out
    assert "df/dx = 6" in printed and "df/dz = 0  (not used)" in printed


def test_duplicate_names_are_refused(capsys):
    assert cli.main(["graph", "x", "--set", "x=1", "--set", "x=2"]) == 2
    assert "given twice" in capsys.readouterr().err


def test_evaluation_never_runs_python_code(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    f, names = build("leaky_relu(-x, 0.1) + sigmoid(x) ** 2 / sqrt(abs(x)) - cos(sin(x))",
                     {"x": 0.5})
    assert set(names) == {"x"} and f.requires_grad
    source = Path(sys.modules["autograd.graph_cli"].__file__).read_text()
    assert "eval(" not in source and "exec(" not in source and "compile(" not in source
    with pytest.raises(ExpressionError, match="slope must be a number"):
        build("leaky_relu(x, x)", {"x": 1.0})


def test_missing_dot_writes_the_dot_text(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(rendering, "_extra_dirs", list)
    out = tmp_path / "g.svg"
    assert cli.main(["graph", "x * x", "--set", "x=2", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err and "pip install graphviz-pure" in err
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


def test_end_to_end_through_python_dash_m(tmp_path):
    out = tmp_path / "neuron.svg"
    proc = subprocess.run([sys.executable, "-m", "autograd.cli", "graph", *NEURON, "-o", str(out),
                           "--steps", str(tmp_path / "steps")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "df/dx1 = -1.5" in proc.stdout and f"wrote {out}" in proc.stdout
    assert "tanh" in svg_words(out)
    assert len(list((tmp_path / "steps").glob("step_*.svg"))) == 5
    bad = subprocess.run([sys.executable, "-m", "autograd.cli", "graph", "__import__('os')",
                          "--set", "x=1", "-o", str(tmp_path / "bad.svg")],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "unknown function '__import__'" in bad.stderr
    assert "Traceback" not in bad.stderr
