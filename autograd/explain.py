"""The chain rule in the user's names: a rule's templates filled with labels, values, shapes.

Every rule of the table declares, beside its forward and its VJP, how its
result and its derivatives read (``Rule.formula`` and ``Rule.local``). They are
``str.format`` templates over:

- the inputs' names, by position (``{0}``, ``{1}``...) and by the names of the
  forward's parameters (``{x}``, ``{y}``, ``{w}``, ``{b}``...);
- ``{out}``, the result's name, and ``{g}``, the gradient arriving at it
  (written ``∂L/∂out``);
- ``{input}`` and ``{i}``, the name and position of the input being explained
  (for rules with any number of inputs), and the rule's parameters by name
  (``{p}``, ``{axis}``, ``{slope}``...).

``local`` holds one template per input (a single one serves every input of a
variadic rule). Without ``{g}`` it is the local derivative d out/d input,
which the chain rule multiplies by the gradient arriving at ``out``: for
``z1 = w * x`` the mul rule's ``"{y}"`` reads ``∂z1/∂w = x``. With ``{g}`` it
is the input's gradient itself, as for matrix products: ``"{g} · {y}ᵀ"``
reads ``∂L/∂X = ∂L/∂Y · Wᵀ``, and the same template with shapes in place of
the names gives the product's shapes, ``(3, 2) = (3, 4)·(4, 2)``. Where the
factors are not the inputs themselves but matrices made from them (a
convolution's ``W_mat`` and ``cols(X)``), an entry is a pair: the template in
names, then the text of the shapes. An entry may be a function of ``i``,
``n`` (the number of inputs), ``in_shapes`` and ``out_shape`` (the inputs'
and the result's shapes) and the parameters that returns the template (or
the pair). A rule without templates (a user's ``Function``) is explained by
the numbers its VJP gives and the first line of its docstring.

>>> from autograd import Value
>>> w = Value(1.0, label="w"); x = Value(0.5, label="x"); z1 = w * x; z1.label = "z1"
>>> o = z1.tanh(); o.label = "o"
>>> names = {id(w): "w", id(x): "x", id(z1): "z1", id(o): "o"}
>>> formula(z1, names), local_form(z1, 0, names)
('w * x', 'x')
>>> formula(o, names), local_form(o, 0, names), substituted(o, 0)
('tanh(z1)', '1 - o²', '1 - 0.4621²')
"""
from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np

from .node import RELEASED, Node, Rule
from .viz import _short, num

INFIX = {"+", "-", "*", "/", "@", "**"}
_COMPOUND = re.compile(r"[\s+\-*/·^()=<>,]")
_TRANSPOSED = re.compile(r"\(([^()]*)\)ᵀ")


def params_of(node: Node) -> dict[str, Any]:
    """The node's operation parameters while the graph holds them, else {}."""
    p = node._params
    return dict(p) if isinstance(p, dict) else {}


def input_names(rule: Rule) -> list[str]:
    """The forward's names for its positional inputs (empty for a variadic forward)."""
    try:
        sig = inspect.signature(rule.forward)
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in sig.parameters.values() if p.kind in kinds]


def operand(name: str) -> str:
    """A name as an operand inside a formula: compound labels get parentheses."""
    return f"({name})" if _COMPOUND.search(name) else name


def _param_text(v: Any) -> str:
    s = _short(v)
    return s if s is not None else "all" if v is None else type(v).__name__


def _fields(node: Node, args: list[str], out: str, g: str, i: int | None) -> dict[str, Any]:
    rule = node._rule
    fields: dict[str, Any] = {k: _param_text(v) for k, v in params_of(node).items()}
    for name, arg in zip(input_names(rule), args):
        fields[name] = arg
    fields.update(out=out, g=g)
    if i is not None:
        fields.update(i=i, input=args[i])
    return fields


def _fill(template: str, node: Node, args: list[str], out: str, g: str,
          i: int | None = None) -> str:
    try:
        return template.format(*args, **_fields(node, args, out, g, i))
    except (KeyError, IndexError, ValueError):
        return ""  # a template naming an absent input (linear without bias): no text


def _template(spec: Any, node: Node, i: int | None) -> Any:
    """The rule's template for input ``i`` (``local``: a string or a (names, shapes) pair)
    or for the result (``formula``)."""
    if spec is None:
        return None
    parents = node._parents
    sizes = dict(n=len(parents), in_shapes=tuple(np.shape(p._data) for p in parents),
                 out_shape=np.shape(node._data))
    if callable(spec):
        if i is None:
            return spec(**sizes, **params_of(node))
        return spec(i=i, **sizes, **params_of(node))
    if isinstance(spec, str):
        return spec
    if i is None:
        return None
    if len(spec) == 1:
        entry = spec[0]
    elif i < len(spec):
        entry = spec[i]
    else:
        return None
    return entry(i=i, **sizes, **params_of(node)) if callable(entry) else entry


def formula(node: Node, names: dict[int, str]) -> str:
    """The operation that made ``node``, in the inputs' names (``w * x``, ``relu(z2)``)."""
    rule = node._rule
    args = [names[id(p)] for p in node._parents]
    template = _template(rule.formula, node, None)
    if template:
        text = _fill(template, node, [operand(a) for a in args], names[id(node)], "")
        if text:
            return text
    if rule.symbol in INFIX and len(args) == 2:
        return f"{operand(args[0])} {rule.symbol} {operand(args[1])}"
    extras = [f"{k}={s}" for k, v in params_of(node).items() if (s := _short(v)) is not None]
    return f"{rule.symbol}({', '.join(args + extras)})"


def _local_entry(node: Node, j: int) -> Any:
    if node._params is RELEASED:
        return None
    return _template(node._rule.local, node, j)


def local_template(node: Node, j: int) -> str | None:
    """Input ``j``'s template in the rule's own names, or None when the rule has none."""
    entry = _local_entry(node, j)
    return entry[0] if isinstance(entry, tuple) else entry


def shapes_template(node: Node, j: int) -> str | None:
    """Input ``j``'s template for the shapes: the pair's second, or the names template."""
    entry = _local_entry(node, j)
    return entry[1] if isinstance(entry, tuple) else entry


def is_gradient_form(template: str | None) -> bool:
    """True when the template gives the input's gradient (it mentions ``{g}``)."""
    return template is not None and "{g}" in template


def local_form(node: Node, j: int, names: dict[int, str], root: str = "L") -> str | None:
    """Input ``j``'s template with the user's names (``x`` for the w of ``w * x``)."""
    template = local_template(node, j)
    if template is None:
        return None
    args = [operand(names[id(p)]) for p in node._parents]
    out = names[id(node)]
    text = _fill(template, node, args, operand(out), f"∂{root}/∂{operand(out)}", j)
    # "∂L/∂Yᵀ" would transpose only Y: the whole gradient is meant.
    return re.sub(r"(∂\S+/∂\S+?)ᵀ", r"(\1)ᵀ", text) if text else None


def _number(x: Any) -> str:
    s = num(x)
    return f"({s})" if s.startswith("-") or "e" in s else s


def substituted(node: Node, j: int) -> str | None:
    """A scalar local derivative with the values in place of the names (``1 - 0.6²``).

    None for templates that read better with names only (conditions, gradient forms).
    """
    template = local_template(node, j)
    if template is None or is_gradient_form(template) or " if " in template \
            or "where" in template or re.fullmatch(r"\{\w+\}", template):
        return None  # a bare name's value is the number itself
    args = [_number(p._data) for p in node._parents]
    return _fill(template, node, args, _number(node._data), "", j) or None


def shape_text(shape: tuple[int, ...]) -> str:
    """``(3, 4)``; a 0-d array is a ``scalar``."""
    return str(tuple(shape)) if len(shape) else "scalar"


def shapes_form(node: Node, j: int, g_shape: tuple[int, ...]) -> str | None:
    """Input ``j``'s gradient template with shapes in place of names: ``(3, 4)·(4, 2)``."""
    if not is_gradient_form(local_template(node, j)):
        return None
    template = shapes_template(node, j)
    args = [shape_text(np.shape(p._data)) for p in node._parents]
    text = _fill(template, node, args, shape_text(np.shape(node._data)), shape_text(g_shape), j)

    def transpose(m: re.Match[str]) -> str:
        dims = [d.strip() for d in m.group(1).split(",") if d.strip()]
        if len(dims) < 2:
            return m.group(0)
        dims[-2:] = dims[-1:-3:-1]
        return f"({', '.join(dims)})"

    return _TRANSPOSED.sub(transpose, text).replace(" · ", "·") if text else None


def fallback(node: Node) -> str:
    """The rule's own words for a rule without templates: its name and derivative line."""
    rule = node._rule
    doc = rule.doc.splitlines()[0].strip() if rule.doc else ""
    return f"by the rule of {rule.name}" + (f": {doc}" if doc else "")
