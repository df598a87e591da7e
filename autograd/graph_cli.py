"""``chainrule graph``: draw and backpropagate an arithmetic expression.

::

    chainrule graph "tanh(x1*w1 + x2*w2 + b)" --set x1=2 --set x2=0 --set w1=-3 \\
        --set w2=1 --set b=6.88 -o neuron.svg --steps frames/

The expression may use numbers, the names given with ``--set``, ``+ - * / **``,
unary ``-`` and ``+``, parentheses and the functions of ``Value``: exp, log,
tanh, sigmoid, relu, leaky_relu (with an optional constant slope), abs, sqrt,
sin and cos. It is read with Python's ``ast`` module and checked against that
whitelist node by node (with an explicit stack, and limits on length and
depth); nothing else is accepted, and nothing is ever run as Python code.

It prints the result and its gradients and writes the graph; ``--steps DIR``
adds one picture per backward step, ``steps.txt``, the stepper's
walk-through, and ``steps.html``, the same as a page to step through in a
browser. Exit status: 0 when done, 2 for a refused expression or
``--set``, 1 when no Graphviz program is found (the DOT text is then written
next to the output).

>>> f, leaves = build("x * y + 2", {"x": 3.0, "y": -1.0})
>>> f.data
-1.0
>>> build("x.__class__", {"x": 1.0})
Traceback (most recent call last):
...
autograd.graph_cli.ExpressionError: not allowed: attribute access (.__class__). Use only ...
"""
from __future__ import annotations

import argparse
import ast
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .value import Value

MAX_LENGTH = 500
MAX_DEPTH = 40

FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": Value.exp, "log": Value.log, "tanh": Value.tanh, "sigmoid": Value.sigmoid,
    "relu": Value.relu, "leaky_relu": Value.leaky_relu, "abs": Value.abs, "sqrt": Value.sqrt,
    "sin": Value.sin, "cos": Value.cos,
}
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}
_WHAT = {
    ast.Subscript: "indexing (x[...])", ast.Lambda: "lambda expressions",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons", ast.BoolOp: "and / or", ast.IfExp: "if-else expressions",
    ast.NamedExpr: "assignments (:=)", ast.JoinedStr: "f-strings", ast.List: "lists",
    ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets", ast.Starred: "* unpacking",
    ast.Await: "await",
}
_ALLOWED = ("numbers, the names given with --set, + - * / **, unary -, parentheses and the "
            "functions " + ", ".join(FUNCTIONS))


class ExpressionError(ValueError):
    """An expression outside the whitelist, or one that cannot be evaluated."""


def _refuse(node: ast.AST) -> ExpressionError:
    if isinstance(node, ast.Attribute):
        what = f"attribute access (.{node.attr})"
    elif isinstance(node, ast.Constant):
        what = f"the constant {node.value!r:.40}"
    elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
        what = f"the operator {type(node.op).__name__}"
    else:
        what = _WHAT.get(type(node), type(node).__name__)
    return ExpressionError(f"not allowed: {what}. Use only {_ALLOWED}")


def _children(node: ast.AST, names: dict[str, Value]) -> list[ast.AST]:
    """The operands of an allowed node; raises for anything not on the whitelist."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return [node.operand]
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(
                f"only the functions {', '.join(FUNCTIONS)} can be called, by name"
                + ("; attribute access is not allowed" if isinstance(node.func, ast.Attribute)
                   else ""))
        fn = node.func.id
        if fn not in FUNCTIONS:
            raise ExpressionError(f"unknown function {fn!r}; the functions are "
                                  f"{', '.join(FUNCTIONS)}")
        most = 2 if fn == "leaky_relu" else 1
        if node.keywords or not 1 <= len(node.args) <= most:
            count = "one or two arguments" if most == 2 else "one argument"
            raise ExpressionError(f"{fn} takes {count}, without keywords")
        return list(node.args)
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise ExpressionError(f"unknown name {node.id!r}: give it a value with "
                                  f"--set {node.id}=NUMBER")
        return []
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return []
    raise _refuse(node)


def _combine(node: ast.AST, args: list[Any], names: dict[str, Value]) -> Any:
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](*args)
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](args[0])
    if isinstance(node, ast.Call):
        fn = node.func.id  # type: ignore[attr-defined]
        if len(args) == 2:
            if isinstance(args[1], Value) and args[1].requires_grad:
                raise ExpressionError("leaky_relu's slope must be a number, not a --set name")
            return FUNCTIONS[fn](args[0], float(args[1]))
        return FUNCTIONS[fn](args[0])
    if isinstance(node, ast.Name):
        return names[node.id]
    try:
        return Value(float(node.value), requires_grad=False)  # type: ignore[attr-defined]
    except (OverflowError, TypeError):
        raise ExpressionError("a number in the expression is too large for a float") from None


def build(expression: str, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """Parse ``expression`` over ``values`` and build its ``Value`` graph.

    Returns the result and the leaves by name. Raises :class:`ExpressionError`
    for anything outside the whitelist, and for results that are not real.
    """
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(expression)} characters long; the limit "
                              f"is {MAX_LENGTH}")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError) as exc:
        raise ExpressionError(f"not a valid expression: {getattr(exc, 'msg', exc)}") from None
    names = {name: Value(v, label=name) for name, v in values.items()}
    results: list[Any] = []
    # (node, depth, operands done); operands are evaluated first, onto `results`.
    stack: list[tuple[ast.AST, int, bool]] = [(tree.body, 1, False)]
    try:
        while stack:
            node, depth, ready = stack.pop()
            if not ready:
                if depth > MAX_DEPTH:
                    raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} "
                                          "levels deep")
                kids = _children(node, names)
                stack.append((node, depth, True))
                stack.extend((kid, depth + 1, False) for kid in reversed(kids))
                continue
            n = len(_children(node, names))
            args = results[len(results) - n:]
            del results[len(results) - n:]
            results.append(_combine(node, args, names))
    except ExpressionError:
        raise
    except OverflowError:
        raise ExpressionError("cannot evaluate the expression: a result is too large for a "
                              "float") from None
    except (ArithmeticError, ValueError) as exc:
        raise ExpressionError(f"cannot evaluate the expression: {exc}") from None
    (out,) = results
    if not (isinstance(out, Value) and out.requires_grad):
        raise ExpressionError("the expression uses none of the --set names, so there is "
                              "nothing to differentiate")
    if not math.isfinite(out.data):
        raise ExpressionError(f"the expression evaluates to {out.data}, not a finite number")
    return out, names


def parse_assignment(text: str) -> tuple[str, float]:
    """``NAME=VALUE`` as a name and a float."""
    name, sep, number = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier() or name.startswith("_"):
        raise ExpressionError(f"--set {text!r}: expected NAME=NUMBER, with NAME a plain "
                              "identifier (for example --set x=0.5)")
    if name in FUNCTIONS:
        raise ExpressionError(f"--set {name}: {name} is a function name; choose another name")
    try:
        value = float(number)
    except ValueError:
        raise ExpressionError(f"--set {text!r}: {number.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ExpressionError(f"--set {text!r}: the value must be a finite number")
    return name, value


def _run(args: argparse.Namespace) -> int:
    err = sys.stderr
    try:
        values: dict[str, float] = {}
        for item in args.set or []:
            name, value = parse_assignment(item)
            if name in values:
                raise ExpressionError(f"--set {name} is given twice")
            values[name] = value
        out, leaves = build(args.expression, values)
    except ExpressionError as exc:
        print(f"chainrule graph: error: {exc}", file=err)
        return 2
    out.label = next(n for n in ("f", "out", "result", "output_") if n not in values)
    from .stepper import BackpropStepper
    from .viz import GraphvizNotFoundError, draw_graph, render

    try:
        stepper = BackpropStepper(out)
        out.backward(retain_graph=True)
    except (ArithmeticError, ValueError) as exc:
        print(f"chainrule graph: error: cannot differentiate the expression: {exc}", file=err)
        return 2
    f = out.label
    print(f"{f} = {args.expression.strip()} = {out.data:.6g}")
    for name, leaf in leaves.items():
        print(f"d{f}/d{name} = {leaf.grad:.6g}" + ("" if leaf.grad or _uses(out, leaf)
                                                 else "  (not used)"))
    path = Path(args.output)
    fmt = args.format or ("png" if path.suffix.lower() == ".png" else "svg")
    graph = draw_graph(out)
    try:
        render(graph, path, fmt)
        print(f"wrote {path}")
        if args.steps:
            folder = Path(args.steps)
            for i in range(len(stepper)):
                render(stepper.frame(i), folder / f"step_{i + 1:03d}.{fmt}", fmt)
            (folder / "steps.txt").write_text(str(stepper) + "\n", encoding="utf-8")
            stepper.save_html(folder / "steps.html")
            print(f"wrote {len(stepper)} step frames, steps.txt and steps.html to {folder}")
    except GraphvizNotFoundError as exc:
        dot_path = path.with_suffix(".dot")
        dot_path.parent.mkdir(parents=True, exist_ok=True)
        dot_path.write_text(graph.source, encoding="utf-8")
        print(f"chainrule graph: error: {exc} (wrote the DOT text to {dot_path})", file=err)
        return 1
    return 0


def _uses(out: Value, leaf: Value) -> bool:
    from .viz import walk

    return any(n is leaf for n in walk(out))


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``graph`` with the ``chainrule`` command's subparsers."""
    p = subparsers.add_parser(
        "graph", help="draw an expression's graph and its backward pass",
        description="Draw an arithmetic expression's graph, backpropagate through it, and "
        "print the result and its gradients. EXPR may use numbers, the --set names, "
        f"+ - * / **, parentheses and the functions {', '.join(FUNCTIONS)}. Quote EXPR; "
        "one that starts with '-' needs a space in it (\"-x * 2\") or '--' before it.")
    p.add_argument("expression", metavar="EXPR", help='for example "tanh(x1*w1 + x2*w2 + b)"')
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="give a name its value (repeat for each name)")
    p.add_argument("-o", "--output", default="graph.svg", help="picture to write (graph.svg)")
    p.add_argument("--steps", metavar="DIR",
                   help="also write one picture per backward step, steps.txt and steps.html")
    p.add_argument("--format", choices=("svg", "png"),
                   help="picture format (default: from the -o suffix, else svg)")
    p.set_defaults(func=_run)
    return p
