"""``chainrule graph`` outputs and names: bad paths exit 2 with one line and write nothing.

Exit 1 means "no Graphviz program could render"; every refused output path is
exit 2 with a single ``chainrule graph: error:`` line, checked before anything is
written, and files are written whole or not at all. The picture's format is
the one its suffix names.
"""
from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from autograd import cli, graph_cli
from autograd.rendering import find_dot

EXPR = ["x * y + x", "--set", "x=3", "--set", "y=-2"]


def _refused(capsys, argv, *message):
    code = cli.main(["graph", *argv])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("chainrule graph: error:"), err
    for m in message:
        assert m in err, err
    assert out == ""      # refused before anything is printed or written
    return err


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ---------------------------------------------------------------- bad paths

def test_an_existing_folder_as_output(tmp_path, capsys):
    (tmp_path / "somedir").mkdir()
    _refused(capsys, [*EXPR, "-o", str(tmp_path / "somedir")], "is a folder")
    assert _files(tmp_path) == ["somedir"]


def test_an_empty_output_path(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _refused(capsys, [*EXPR, "-o", ""], "the output path is empty")
    assert _files(tmp_path) == []


def test_a_file_where_a_folder_should_be(tmp_path, capsys):
    (tmp_path / "afile").write_text("keep me")
    _refused(capsys, [*EXPR, "-o", str(tmp_path / "afile" / "g.svg")], "is not a folder")
    assert (tmp_path / "afile").read_text() == "keep me"


def test_a_place_that_cannot_be_written(capsys):
    _refused(capsys, [*EXPR, "-o", "/proc/chainrule-x.svg"], "cannot write /proc/chainrule-x.svg")
    assert not Path("/proc/chainrule-x.svg").exists()


def test_steps_pointing_at_a_file_writes_not_even_the_main_picture(tmp_path, capsys):
    (tmp_path / "frames").write_text("a file")
    _refused(capsys, [*EXPR, "-o", str(tmp_path / "g.svg"), "--steps", str(tmp_path / "frames")],
             "--steps", "not a folder")
    assert _files(tmp_path) == ["frames"]        # was: g.svg written, then a traceback


def test_a_failed_write_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    opened = []

    def failing_open(file, mode="r", *args, **kwargs):
        opened.append(file)
        if len(opened) == 3:                      # the second step frame
            raise OSError(28, "No space left on device")
        return builtins.open(file, mode, *args, **kwargs)

    monkeypatch.setattr(graph_cli, "open", failing_open, raising=False)
    _refused(capsys, [*EXPR, "-o", str(tmp_path / "g.svg"), "--steps", str(tmp_path / "steps")],
             "No space left on device")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# ---------------------------------------------------------------- formats from the suffix

def test_dot_suffix_writes_the_dot_text(tmp_path, capsys):
    out = tmp_path / "g.dot"
    assert cli.main(["graph", *EXPR, "-o", str(out), "--steps", str(tmp_path / "s")]) == 0
    assert out.read_text().startswith("digraph")            # was: SVG under a .dot name
    assert (tmp_path / "s" / "step_001.dot").read_text().startswith("digraph")
    assert "<svg" not in out.read_text()


def test_an_unknown_suffix_is_refused(tmp_path, capsys):
    _refused(capsys, [*EXPR, "-o", str(tmp_path / "out.jpg")], "cannot write .jpg files",
             ".svg, .png, .pdf, .dot")
    assert _files(tmp_path) == []                           # was: SVG written into out.jpg
    _refused(capsys, [*EXPR, "-o", str(tmp_path / "g.svg"), "--format", "png"],
             "the suffix says svg but --format says png")
    _refused(capsys, [*EXPR, "-o", str(tmp_path / "graph")], "has no suffix")


def test_no_suffix_with_a_format(tmp_path, capsys):
    assert cli.main(["graph", *EXPR, "-o", str(tmp_path / "graph"), "--format", "png"]) == 0
    assert (tmp_path / "graph").read_bytes()[:4] == b"\x89PNG"


def test_pdf_suffix_writes_pdf(tmp_path, capsys):
    if Path(find_dot()).name != "dot":
        pytest.skip("PDF needs Graphviz's dot; the graphviz-pure program renders SVG and PNG")
    out = tmp_path / "g.pdf"
    assert cli.main(["graph", *EXPR, "-o", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"


# ---------------------------------------------------------------- depth and names

def test_a_long_flat_chain_is_not_deep(tmp_path, capsys):
    for op in ("+", "*", "-", "/"):
        flat = op.join(["x"] * 41)                          # was: "nested more than 40 levels"
        assert cli.main(["graph", flat, "--set", "x=1.5", "-o", str(tmp_path / "g.dot")]) == 0
    assert cli.main(["graph", "**".join(["x"] * 41), "--set", "x=1",
                     "-o", str(tmp_path / "g.dot")]) == 0
    nested = "x+(" * 41 + "x" + ")" * 41                    # really 41 levels deep
    capsys.readouterr()
    _refused(capsys, [nested, "--set", "x=1", "-o", str(tmp_path / "h.dot")],
             "nested more than 40 levels")
    assert not (tmp_path / "h.dot").exists()


@pytest.mark.parametrize("name, expression", [("ｘ", "x * x"), ("x", "ｘ * ｘ"),
                                              ("\u00b5", "\u00b5 * \u00b5"),
                                              ("\u00b5", "\u03bc * \u03bc")])
def test_set_names_are_normalised_as_the_parser_normalises_them(name, expression, tmp_path,
                                                                capsys):
    code = cli.main(["graph", expression, "--set", f"{name}=3", "-o", str(tmp_path / "g.dot")])
    out, err = capsys.readouterr()
    assert code == 0, err                                   # was: "unknown name"
    assert "= 9" in out and "= 6" in out


@pytest.mark.parametrize("name", ["True", "None", "lambda", "if"])
def test_reserved_names_are_refused_at_set(name, capsys):
    _refused(capsys, ["x", "--set", "x=1", "--set", f"{name}=1"],
             f"--set {name}: {name} is a Python keyword")
