"""docs/migration.md: every chainrule snippet of the three tables runs.

Each section's set-up block runs first, then each row's chainrule cell (the
second column) in order, in one namespace per section, from a scratch
directory (some rows write weights and logs).
"""
from __future__ import annotations

import os
import re

import pytest

DOC = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "migration.md")
SECTIONS = ("PyTorch", "Keras", "micrograd")


def _sections() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """{name: (set-up code, [(original, chainrule snippet), ...])} read from the page."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    out = {}
    for part in re.split(r"^## ", text, flags=re.M)[1:]:
        title = part.splitlines()[0]
        name = title.split(" → ")[0]
        setup = re.search(r"```python\n(.*?)```", part, flags=re.S)
        rows = []
        for line in part.splitlines():
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if len(cells) < 2 or set(cells[0]) <= {"-"} or cells[1] == "chainrule":
                continue
            code = re.fullmatch(r"`(.*)`", cells[1])
            assert code, f"{name}: the chainrule cell of {cells[0]!r} is not one code span"
            rows.append((cells[0], code.group(1).replace("\\|", "|")))
        out[name] = (setup.group(1) if setup else "", rows)
    return out


def test_the_page_has_the_three_tables():
    sections = _sections()
    assert set(SECTIONS) <= set(sections)
    assert all(len(sections[name][1]) >= 10 for name in SECTIONS)


@pytest.mark.parametrize("name", SECTIONS)
def test_every_snippet_runs(name, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    setup, rows = _sections()[name]
    namespace: dict = {}
    exec(compile(setup, f"migration.md: {name} set-up", "exec"), namespace)  # the project's docs
    for original, snippet in rows:
        try:
            exec(compile(snippet, f"migration.md: {name}", "exec"), namespace)
        except Exception as exc:  # name the row that broke
            raise AssertionError(f"{name} row {original!r}: {snippet!r} raised {exc!r}") from exc
    plt.close("all")


def test_the_rows_cover_the_habits_chainrule_takes():
    code = " ".join(snippet for _, rows in _sections().values() for _, snippet in rows)
    for habit in ("manual_seed", "validation_split=", "validation_data=", "callbacks=",
                  "EarlyStopping(", "restore_best_weights=", "ModelCheckpoint(", "CSVLogger(",
                  "LambdaCallback(", "LearningRateScheduler(", "verbose=2", '"adam"', '"mse"',
                  "lr=", ".summary(", "predict_proba(", "nn.predict(", "Softmax(axis=",
                  "kaiming_uniform_(", "zeros_(", "nn.utils.clip_grad_norm_(", "draw_dot(",
                  "plot_decision_boundary(", "history.plot()", "nn.scalar", "stop_training",
                  "p -= ", ".max(1)", ".size(1)", ".clone()", ".to(\"cpu\")", ".register_hook(",
                  ".grad_fn", "z[0, 0] = ", "inference_mode()", "np.exp(x)", "w -= "):
        assert habit in code, f"docs/migration.md has no row using {habit}"
