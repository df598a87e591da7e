"""What ``Optimizer.explain_step()`` returns: one :class:`ParamStep` per parameter,
gathered in a :class:`StepExplanation` that prints as a table (HTML in Jupyter).

Small arrays show every value, larger ones a summary (norm, mean, min, max).

>>> from optim.explain import ParamStep, StepExplanation
>>> row = ParamStep(index=0, name="w", group=0, param=1.5, grad=0.5, update=-0.05)
>>> print(StepExplanation("SGD", [{"lr": 0.1}], [row]))
SGD: what the next step() does (1 parameter)
group 0: lr=0.1
parameter  quantity  value
---------  --------  -----
w          param     1.5
           grad      0.5
           update    -0.05
state["..."] is kept between steps (shown after this step); update is what step() adds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

_BIG = 8  # tensors with more elements than this are summarised


def _num(v: Any) -> str:
    return f"{float(v):.4g}"


def _show(value: Any) -> str:
    """A short text for a number or an array: values if small, a summary if large."""
    if value is None:
        return "-"
    if isinstance(value, (bool, int, np.integer)):
        return str(value)
    arr = np.asarray(value)
    if arr.size == 1 and arr.ndim == 0:
        return _num(arr)
    if arr.size <= _BIG:
        text = np.array2string(arr, separator=", ", formatter={"all": _num},
                               max_line_width=10**6)
        return text.replace("\n", "")
    a = arr.astype(np.float64)
    return (f"norm {_num(np.linalg.norm(a))}, mean {_num(a.mean())}, "
            f"min {_num(a.min())}, max {_num(a.max())}")


@dataclass
class ParamStep:
    """What the next ``step()`` does to one parameter.

    ``state`` is the rule's state as it will be after the step, ``derived``
    holds intermediate quantities, ``update`` is new value minus old (None
    when the parameter has no gradient and the step skips it).
    """

    index: int
    name: str
    group: int
    param: Any
    grad: Any
    state: dict[str, Any] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict)
    update: Any = None

    def quantities(self) -> list[tuple[str, Any]]:
        """(label, value) pairs in the order a table shows them."""
        if self.grad is None:
            return [("param", self.param), ("grad", "None: step() skips this parameter")]
        return ([("param", self.param), ("grad", self.grad)]
                + [(f'state["{k}"]', v) for k, v in self.state.items()]
                + list(self.derived.items()) + [("update", self.update)])


class StepExplanation:
    """The result of ``Optimizer.explain_step()``: a table with one block per parameter.

    ``print`` it (or look at it in Jupyter); index it by parameter name or
    position to get a :class:`ParamStep` with the raw numbers.
    """

    def __init__(self, optimizer: str, groups: list[dict[str, Any]], rows: list[ParamStep]):
        self.optimizer = optimizer
        self.groups = groups
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __getitem__(self, key: int | str) -> ParamStep:
        if isinstance(key, str):
            for row in self.rows:
                if row.name == key:
                    return row
            raise KeyError(f"no parameter named {key!r}; names: {[r.name for r in self.rows]}")
        return self.rows[key]

    def _cells(self) -> list[tuple[str, str, str]]:
        cells = []
        for row in self.rows:
            shape = np.shape(row.param)
            label = f"{row.name} {shape}" if shape else row.name
            for k, (what, value) in enumerate(row.quantities()):
                text = value if isinstance(value, str) else _show(value)
                cells.append((label if k == 0 else "", what, text))
        return cells

    def _header(self) -> list[str]:
        n = len(self.rows)
        lines = [f"{self.optimizer}: what the next step() does ({n} parameter{'s' * (n != 1)})"]
        for i, g in enumerate(self.groups):
            lines.append(f"group {i}: " + ", ".join(f"{k}={_setting(v)}" for k, v in g.items()))
        return lines

    def __str__(self) -> str:
        cells = [("parameter", "quantity", "value")] + self._cells()
        widths = [max(len(c[i]) for c in cells) for i in range(3)]
        rule = tuple("-" * w for w in widths)
        lines = self._header()
        for c in [cells[0], rule, *cells[1:]]:
            lines.append("  ".join(t.ljust(w) for t, w in zip(c, widths)).rstrip())
        lines.append('state["..."] is kept between steps (shown after this step); '
                     "update is what step() adds.")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html

        head = "<br>".join(html.escape(line) for line in self._header())
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(t)}</td>" for t in c) + "</tr>"
            for c in self._cells()
        )
        return (f"<div><p>{head}</p><table><thead><tr><th>parameter</th><th>quantity</th>"
                f"<th>value</th></tr></thead><tbody>{body}</tbody></table></div>")


def _setting(v: Any) -> str:
    return _num(v) if isinstance(v, float) else repr(v) if isinstance(v, str) else str(v)
