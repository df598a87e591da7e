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
Depth counts nesting as written: a chain such as ``a + b - c + d`` is one
level, however long. Names are read as Python reads identifiers (NFKC: ``ｘ``
is ``x``), in the expression and in ``--set`` alike; keywords such as
``True`` cannot be names.

It prints the result and its gradients and writes the graph in the format its
suffix names (``.svg``, ``.png``, ``.pdf``, or ``.dot`` for the DOT text);
``--steps DIR`` adds one picture per backward step, ``steps.txt``, the
stepper's walk-through, and ``steps.html``, the same as a page to step through
in a browser. Every output is checked before any is written, and each is
written whole or not at all. Exit status: 0 when done, 2 for a refused
expression, ``--set`` or output path, 1 when no Graphviz program can render
the pictures (the DOT text is then written next to the output).

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
import keyword
import math
import os
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .value import Value

MAX_LENGTH = 500
MAX_DEPTH = 40
FORMATS = ("svg", "png", "pdf", "dot")

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


class OutputError(ValueError):
    """An output path that cannot be written (a folder, a missing parent, a bad suffix...)."""


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


# Operators of one precedence level: a chain of them is one level of nesting as written.
_LEVEL = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 3}


def _depth(node: ast.AST, kid: ast.AST, index: int, depth: int) -> int:
    """The depth of operand ``index`` of ``node``: one more, except along a chain.

    ``a + b - c`` parses as ``(a + b) - c``: the left operand continues the chain,
    as the right one does for ``**``, which groups to the right.
    """
    if isinstance(node, ast.BinOp) and isinstance(kid, ast.BinOp) and \
            _LEVEL.get(type(node.op)) == _LEVEL.get(type(kid.op)):
        if index == (1 if isinstance(node.op, ast.Pow) else 0):
            return depth
    return depth + 1


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
    # Python reads identifiers in NFKC form (ｘ is x), so the names are read the same way.
    names = {}
    for name, v in values.items():
        name = unicodedata.normalize("NFKC", name)
        names[name] = Value(v, label=name)
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
                stack.extend((kid, _depth(node, kid, i, depth), False)
                             for i, kid in reversed(list(enumerate(kids))))
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
    """``NAME=VALUE`` as a name and a float.

    The name is normalised as Python normalises identifiers (NFKC), so that it
    matches the same name in the expression.
    """
    name, sep, number = text.partition("=")
    name = unicodedata.normalize("NFKC", name.strip())
    if not sep or not name.isidentifier() or name.startswith("_"):
        raise ExpressionError(f"--set {text!r}: expected NAME=NUMBER, with NAME a plain "
                              "identifier (for example --set x=0.5)")
    if keyword.iskeyword(name):
        raise ExpressionError(f"--set {name}: {name} is a Python keyword, which an expression "
                              "cannot use as a name; choose another name")
    if name in FUNCTIONS:
        raise ExpressionError(f"--set {name}: {name} is a function name; choose another name")
    try:
        value = float(number)
    except ValueError:
        raise ExpressionError(f"--set {text!r}: {number.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ExpressionError(f"--set {text!r}: the value must be a finite number")
    return name, value


def output_format(output: str, fmt: str | None) -> tuple[Path, str]:
    """The picture's path and format: from the suffix (.svg .png .pdf .dot), or ``fmt``
    for a name without one; anything else is refused."""
    if not output.strip():
        raise OutputError("-o: the output path is empty")
    path = Path(output)
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        if fmt is not None and fmt != suffix:
            raise OutputError(f"-o {output}: the suffix says {suffix} but --format says {fmt}; "
                              "make them agree")
        return path, suffix
    if suffix:
        raise OutputError(f"-o {output}: cannot write .{suffix} files; end the name with "
                          f"{', '.join('.' + f for f in FORMATS)}")
    if fmt is None:
        raise OutputError(f"-o {output}: the name has no suffix; end it with "
                          f"{', '.join('.' + f for f in FORMATS)} (or give --format)")
    return path, fmt


def _check_file(path: Path, what: str) -> None:
    """Refuse a target that is a folder or a device, or whose folder cannot exist."""
    if path.is_dir():
        raise OutputError(f"{what} {path}: is a folder; give a file name")
    if path.exists() and not path.is_file():
        raise OutputError(f"{what} {path}: exists and is not a regular file")
    _check_folder(path.parent, what, path)


def _check_folder(folder: Path, what: str, target: Path) -> None:
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{what} {target}: {ancestor} is not a folder")


def _outputs(args: argparse.Namespace, steps: int) -> tuple[Path, str, Path | None]:
    if args.output.strip():
        _check_file(Path(args.output), "-o")
    path, fmt = output_format(args.output, args.format)
    folder = None
    if args.steps is not None:
        if not args.steps.strip():
            raise OutputError("--steps: the folder path is empty")
        folder = Path(args.steps)
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"--steps {folder}: exists and is not a folder")
        _check_folder(folder, "--steps", folder)
        for name in [f"step_{i + 1:03d}.{fmt}" for i in range(steps)] + ["steps.txt"]:
            _check_file(folder / name, "--steps")
    return path, fmt, folder


def _temporary(path: Path) -> Path:
    for n in range(1000):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{n}.part")
        if not tmp.exists():
            return tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file whole or none: each to a temporary file beside it, then renamed.

    Raises ``OutputError`` (and leaves nothing behind) when one cannot be written.
    """
    done: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = _temporary(path)
            with open(tmp, "xb") as f:  # the usual permissions, unlike mkstemp's 0600
                done.append((tmp, path))
                f.write(data)
    except OSError as exc:
        for tmp, _ in done:
            tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    for tmp, path in done:
        os.replace(tmp, path)


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
    from .rendering import pipe
    from .stepper import BackpropStepper
    from .stepper_page import page
    from .viz import GraphvizNotFoundError, draw_graph

    try:
        stepper = BackpropStepper(out)
        out.backward(retain_graph=True)
    except (ArithmeticError, ValueError) as exc:
        print(f"chainrule graph: error: cannot differentiate the expression: {exc}", file=err)
        return 2
    try:
        path, fmt, folder = _outputs(args, len(stepper))
    except OutputError as exc:
        print(f"chainrule graph: error: {exc}", file=err)
        return 2
    f = out.label
    results = [f"{f} = {args.expression.strip()} = {out.data:.6g}"]
    for name, leaf in leaves.items():
        results.append(f"d{f}/d{name} = {leaf.grad:.6g}"
                       + ("" if leaf.grad or _uses(out, leaf) else "  (not used)"))
    graph = draw_graph(out)

    def picture(drawing: Any) -> bytes:
        return drawing.source.encode("utf-8") if fmt == "dot" else pipe(drawing.source, fmt)

    try:
        files = {path: picture(graph)}
        if folder is not None:
            for i in range(len(stepper)):
                files[folder / f"step_{i + 1:03d}.{fmt}"] = picture(stepper.frame(i))
            files[folder / "steps.txt"] = (str(stepper) + "\n").encode("utf-8")
            files[folder / "steps.html"] = page(stepper).encode("utf-8")
    except (GraphvizNotFoundError, RuntimeError) as exc:
        # The numbers are still worth having; the pictures need a Graphviz program.
        print("\n".join(results))
        dot_path = path.with_suffix(".dot")
        try:
            write_all({dot_path: graph.source.encode("utf-8")})
        except OutputError as write_error:
            print(f"chainrule graph: error: {exc} ({write_error})", file=err)
            return 1
        print(f"chainrule graph: error: {exc} (wrote the DOT text to {dot_path})", file=err)
        return 1
    try:
        write_all(files)
    except OutputError as exc:
        print(f"chainrule graph: error: {exc}", file=err)
        return 2
    print("\n".join(results))
    print(f"wrote {path}")
    if folder is not None:
        print(f"wrote {len(stepper)} step frames, steps.txt and steps.html to {folder}")
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
    p.add_argument("-o", "--output", default="graph.svg",
                   help="picture to write, .svg .png .pdf or .dot (graph.svg)")
    p.add_argument("--steps", metavar="DIR",
                   help="also write one picture per backward step, steps.txt and steps.html")
    p.add_argument("--format", choices=FORMATS,
                   help="picture format (default: from the -o suffix)")
    p.set_defaults(func=_run)
    return p
