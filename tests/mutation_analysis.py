"""Mutation analysis of the rule table: is every wrong VJP caught, reported and named?

    .venv/bin/python tests/mutation_analysis.py [RULE ...] [--per-rule N] [--json FILE]

Mutants of every VJP in ``autograd.ops.RULES`` (nn's rules included) are made
by editing its source, one change each: a dropped factor (``g * y`` to ``y``:
the forgotten ``g`` is one of them), a sign flip, swapped operands, an
off-by-one constant (an exponent), a lost ``keepdims``, a comparison moved
across its boundary (``>`` for ``>=``), the output used for the input (``ans``
for ``x``) or the reverse; plus, for every rule, a VJP 1% off in float32
only. Boundary mutants are all kept; of the others, ``--per-rule`` (4 by
default), taken in turn from each kind. Each mutant is then

- screened: compared with the real VJP on drawn cases (the rule's cases, its
  cases on kinks and ties, in float64, float32, on Values, and at second
  order). A mutant that no draw tells apart is reported as equivalent, with
  its source line, to be read by a person;
- run against the project's tests: ``tests/test_rules.py`` selected by the
  rule's name, then, if it survives, the suite without the notebooks and the
  long training runs;
- given to ``check_op`` with the probes of ``mutation_probes.py`` (how a
  user would test the op: parameters drawn, kinks with the documented
  subgradient);
- given to ``find_bad_gradient`` (``order=2``) on graphs drawn from the rule's
  cases, in float64 and float32, on Values and on kinks where the rule has
  them: it must name the rule, never another op, and never crash.

Not collected by pytest (no ``test_`` prefix); the whole table takes most of
an hour on two cores.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import inspect
import io
import json
import os
import sys
import textwrap
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import HypothesisSideeffectWarning

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, HERE]

import nn  # noqa: E402,F401 - registers nn's rules
from autograd import Tensor, Value  # noqa: E402
from autograd.gradcheck import analytic_gradient, to_float64  # noqa: E402
from autograd.ops import RULES  # noqa: E402
from autograd.testing import (KINK_CASES, RULE_CASES, check_op,  # noqa: E402
                              directional_gradient, find_bad_gradient, scalarize)
from mutation_probes import PROBES  # noqa: E402

# In-process pytest runs leave hypothesis believing a plugin is initialising; nothing is slow here.
warnings.filterwarnings("ignore", category=HypothesisSideeffectWarning)
settings.register_profile("mutation", max_examples=100, derandomize=True, database=None,
                          deadline=None, phases=[Phase.explicit, Phase.generate],
                          suppress_health_check=list(HealthCheck))

# ---------------------------------------------------------------- making mutants


@dataclass
class Mutant:
    rule: str
    kind: str
    line: str
    vjp: Callable[..., Any]
    results: dict[str, Any] = field(default_factory=dict)


class _Mutator(ast.NodeTransformer):
    """Walks a VJP's tree; lists the changes it could make, or makes the ``target``-th."""

    def __init__(self, args: list[str], target: int | None = None) -> None:
        self.args, self.target, self.sites, self.done = args, target, [], None

    def _site(self, kind: str, node: ast.AST, new: Callable[[], ast.AST]) -> ast.AST | None:
        self.sites.append(kind)
        if len(self.sites) - 1 == self.target:
            self.done = ast.unparse(ast.fix_missing_locations(new()))
            return new()
        return None

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Mult):
            for side in (node.left, node.right):
                out = self._site("dropped factor", node, lambda side=side: side)
                if out is not None:
                    return out
        if isinstance(node.op, (ast.Sub, ast.Div, ast.MatMult)):
            out = self._site("swapped operands", node,
                             lambda: ast.BinOp(node.right, node.op, node.left))
            if out is not None:
                return out
        for side in ("left", "right"):
            c = getattr(node, side)
            if isinstance(c, ast.Constant) and type(c.value) in (int, float):
                def bumped(side: str = side, c: ast.Constant = c) -> ast.AST:
                    return ast.BinOp(**{**{"left": node.left, "op": node.op,
                                           "right": node.right},
                                        side: ast.Constant(c.value + 1)})
                out = self._site("off-by-one constant", node, bumped)
                if out is not None:
                    return out
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.USub):
            out = self._site("sign flip", node, lambda: node.operand)
            if out is not None:
                return out
        return node

    def visit_Return(self, node: ast.Return) -> ast.AST:
        self.generic_visit(node)
        value = node.value
        if isinstance(value, (ast.Tuple, ast.List)):
            for i, elt in enumerate(value.elts):
                if isinstance(elt, ast.Constant) or isinstance(elt, ast.Starred):
                    continue

                def flipped(i: int = i) -> ast.AST:
                    elts = list(value.elts)
                    elts[i] = ast.UnaryOp(ast.USub(), elts[i])
                    return ast.Return(type(value)(elts, ast.Load()))
                out = self._site("sign flip", node, flipped)
                if out is not None:
                    return out
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        swap = {ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt}
        if len(node.ops) == 1 and type(node.ops[0]) in swap:
            out = self._site("boundary", node, lambda: ast.Compare(
                node.left, [swap[type(node.ops[0])]()], node.comparators))
            if out is not None:
                return out
        return node

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        self.generic_visit(node)
        if node.arg == "keepdims" and isinstance(node.value, ast.Constant) and node.value.value:
            out = self._site("lost keepdims", node,
                             lambda: ast.keyword("keepdims", ast.Constant(False)))
            if out is not None:
                return out
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "_keep" and node.args:
            out = self._site("lost keepdims", node, lambda: node.args[0])
            if out is not None:
                return out
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if not isinstance(node.ctx, ast.Load) or len(self.args) < 3:
            return node
        x = self.args[2]     # vjp(g, ans, x, ...)
        swap = {"ans": x, x: "ans"}
        if node.id in swap:
            out = self._site("output for input" if node.id == "ans" else "input for output",
                             node, lambda: ast.Name(swap[node.id], ast.Load()))
            if out is not None:
                return out
        return node


def _compile(fn: Callable[..., Any], tree: ast.Module) -> Callable[..., Any]:
    namespace = dict(fn.__globals__)
    exec(compile(ast.fix_missing_locations(tree), f"<mutant of {fn.__name__}>", "exec"),
         namespace)
    return namespace[tree.body[0].name]


def _float32_only(vjp: Callable[..., Any]) -> Callable[..., Any]:
    def mutant(g: Any, ans: Any, *args: Any, **kw: Any) -> Any:
        out = vjp(g, ans, *args, **kw)
        if getattr(g, "dtype", None) != np.float32:
            return out
        return type(out)(None if r is None else r * 1.01 for r in out)

    return mutant


def mutants_of(name: str, per_rule: int) -> list[Mutant]:
    fn = RULES[name].vjp
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    fdef = tree.body[0]
    fdef.decorator_list = []
    args = [a.arg for a in fdef.args.args]
    probe = _Mutator(args)
    probe.visit(copy.deepcopy(tree))
    order: list[int] = [i for i, k in enumerate(probe.sites) if k == "boundary"]
    by_kind: dict[str, list[int]] = {}
    for i, k in enumerate(probe.sites):
        if k != "boundary":
            by_kind.setdefault(k, []).append(i)
    picked = 0
    while picked < per_rule and any(by_kind.values()):
        for k in list(by_kind):
            if by_kind[k] and picked < per_rule:
                order.append(by_kind[k].pop(0))
                picked += 1
    out = []
    for i in order:
        m = _Mutator(args, target=i)
        new = m.visit(copy.deepcopy(tree))
        out.append(Mutant(name, probe.sites[i], m.done or "", _compile(fn, new)))
    out.append(Mutant(name, "1% off in float32 only", "(every gradient) * 1.01 in float32",
                      _float32_only(fn)))
    return out


# ---------------------------------------------------------------- drawing cases


def draw_cases(name: str, n: int) -> list[Any]:
    """Cases of the rule (and on its kinks), drawn the same way on every run."""
    found: list[Any] = []
    strategies = [RULE_CASES[name]] + ([KINK_CASES[name]] if name in KINK_CASES else [])
    for strategy in strategies:
        @settings(max_examples=n, derandomize=True, database=None, deadline=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(strategy)
        def collect(case: Any) -> None:
            found.append(case)

        collect()
    return found


@contextlib.contextmanager
def mutated(name: str, vjp: Callable[..., Any]):
    rule = RULES[name]
    original = rule.vjp
    rule.vjp = vjp
    try:
        yield
    finally:
        rule.vjp = original


def _w(shape: tuple[int, ...]) -> Any:
    return np.random.default_rng(3).uniform(0.5, 1.5, shape) * np.where(
        np.arange(int(np.prod(shape))).reshape(shape) % 2, 1, -1) if shape else 0.7


def _answers(case: Any) -> list[Any]:
    """What a VJP decides for this case: gradients in float64, float32, on Values, and an HVP."""
    out: list[Any] = []

    def run(make: Callable[[], Any]) -> None:
        try:
            with np.errstate(all="ignore"):
                out.append(make())
        except Exception as exc:  # a crash is an answer too
            out.append(type(exc).__name__)

    xs = [to_float64(x) for x in case.inputs]
    w = _w(np.shape(case.fn(*xs)._data))
    run(lambda: analytic_gradient(case.fn, xs, w))
    x32 = [Tensor(np.asarray(x, dtype=np.float32), requires_grad=True) for x in case.inputs]
    run(lambda: analytic_gradient(case.fn, x32, w))
    if case.second_order and case.subgradient is None:
        v = [np.ones(np.shape(x)) * 0.3 for x in case.inputs]
        run(lambda: analytic_gradient(directional_gradient(scalarize(case.fn), v, True), xs, 1.0))
    if case.values:
        vs = [Value(float(np.asarray(x).reshape(-1)[0])) for x in case.inputs]
        run(lambda: analytic_gradient(case.fn, vs, 0.7))
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    both_nan = np.isnan(a) & np.isnan(b)
    close = np.abs(a - b) <= 1e-9 * (1 + np.abs(a))
    return bool(np.all(both_nan | close))


def observably_different(m: Mutant, cases: list[Any], truth: list[list[Any]]) -> bool:
    with mutated(m.rule, m.vjp):
        return any(not _same(_answers(c), t) for c, t in zip(cases, truth))


# ---------------------------------------------------------------- the project's tests


def run_pytest(args: list[str]) -> int:
    import pytest

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = pytest.main(args + ["-x", "-p", "no:cacheprovider", "-W", "ignore",
                                   "--rootdir", ROOT, "-c", os.path.join(ROOT, "pyproject.toml")])
    settings.load_profile("mutation")   # the suite's conftest loads its own profile
    if code not in (0, 1):
        raise RuntimeError(f"pytest could not run {args} (exit code {code})")
    return int(code)


def killed_by_rule_tests(name: str) -> bool:
    return run_pytest([os.path.join(HERE, "test_rules.py"), "-k", name]) == 1


def killed_by_suite() -> bool:
    return run_pytest([HERE, "--ignore", os.path.join(HERE, "test_notebooks.py"),
                       "--ignore", os.path.join(HERE, "test_real_data.py"),
                       "--ignore", os.path.join(HERE, "test_kit_mutants.py")]) == 1


# ---------------------------------------------------------------- check_op, as a user would


def probes_pass(name: str) -> list[str]:
    """The probes' failures on the real rule (none, or the probes themselves are wrong)."""
    failures = []
    for probe in PROBES[name]:
        try:
            with np.errstate(all="ignore"):
                check_op(**probe)
        except Exception as exc:  # noqa: BLE001 - reported as a broken probe
            failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    return failures


def reported_by_check_op(m: Mutant) -> str:
    """'reported' (an assertion, or an error naming the rule), 'other: ...' or 'missed'."""
    verdicts = []
    for probe in PROBES[m.rule]:
        with mutated(m.rule, m.vjp):
            try:
                with np.errstate(all="ignore"):
                    check_op(**probe)
            except AssertionError:
                return "reported"
            except Exception as exc:  # noqa: BLE001 - judged below
                if f"'{m.rule}'" in str(exc) or isinstance(exc, BaseExceptionGroup):
                    return "reported"
                verdicts.append(f"other: {type(exc).__name__}: {str(exc)[:80]}")
    return verdicts[0] if verdicts else "missed"


# ---------------------------------------------------------------- the localiser


def _graphs(case: Any) -> list[Any]:
    """Losses built on the case: float64, float32, and on Values when the op has them."""
    out = []
    for dtype in (np.float64, np.float32):
        ts = [Tensor(np.asarray(x, dtype=dtype), requires_grad=True) for x in case.inputs]
        y = case.fn(*ts)
        out.append((y * _w(y.shape).astype(dtype)).sum() if y.shape else y * 0.7)
    if case.values:
        vs = [Value(float(np.asarray(x).reshape(-1)[0])) for x in case.inputs]
        out.append(case.fn(*vs) * 0.7)
    return out


def named_by_localiser(m: Mutant, cases: list[Any]) -> str:
    """'named', 'blamed OP' (another op), 'crashed: ...' or 'missed'."""
    blamed = None
    with mutated(m.rule, m.vjp):
        for case in cases:
            try:
                with np.errstate(all="ignore"):
                    losses = _graphs(case)
            except Exception:  # the mutant broke the forward of a composite: no graph
                continue
            for loss in losses:
                try:
                    with np.errstate(all="ignore"):
                        bad = find_bad_gradient(loss, order=2)
                except Exception as exc:  # noqa: BLE001 - a crash is the finding
                    return f"crashed: {type(exc).__name__}: {str(exc)[:80]}"
                if bad is None:
                    continue
                if bad.op == m.rule:
                    return "named"
                blamed = blamed or bad.op
    return f"blamed {blamed}" if blamed else "missed"


# ---------------------------------------------------------------- the run


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", nargs="*", help="rules to mutate (default: all)")
    parser.add_argument("--per-rule", type=int, default=4)
    parser.add_argument("--cases", type=int, default=80,
                        help="cases drawn per rule to tell mutants apart and to localise")
    parser.add_argument("--json", help="write every mutant's results here")
    args = parser.parse_args(argv)
    settings.load_profile("mutation")
    names = args.rules or sorted(RULES)
    rows = []
    t0 = time.perf_counter()
    for name in names:
        broken = probes_pass(name)
        if broken:
            print(f"{name}: the check_op probe fails on the real rule: {broken}", flush=True)
        cases = draw_cases(name, args.cases)
        truth = [_answers(c) for c in cases]
        for m in mutants_of(name, args.per_rule):
            r = m.results
            r["different"] = observably_different(m, cases, truth)
            if r["different"]:
                with mutated(name, m.vjp):
                    r["tests"] = "killed" if killed_by_rule_tests(name) else (
                        "killed (suite)" if killed_by_suite() else "survived")
                r["check_op"] = reported_by_check_op(m)
                r["localiser"] = named_by_localiser(m, cases)
            rows.append(m)
            print(f"{name:33} {m.kind:22} {_verdict(r):58} {m.line[:70]}", flush=True)
    _summary(rows, time.perf_counter() - t0)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([dict(rule=m.rule, kind=m.kind, line=m.line, **m.results) for m in rows],
                      fh, indent=1)
    return 0


def _verdict(r: dict[str, Any]) -> str:
    if not r["different"]:
        return "equivalent (no draw tells it apart)"
    return f"tests {r['tests']}; check_op {r['check_op']}; localiser {r['localiser']}"


def _summary(rows: list[Mutant], seconds: float) -> None:
    live = [m for m in rows if m.results["different"]]
    boundary = [m for m in live if m.kind == "boundary"]
    f32 = [m for m in live if m.kind.startswith("1% off")]

    def count(ms: list[Mutant], key: str, good: tuple[str, ...]) -> str:
        return f"{sum(1 for m in ms if m.results[key].startswith(good))}/{len(ms)}"

    print(f"\n{len(rows)} mutants of {len({m.rule for m in rows})} rules in {seconds / 60:.1f} "
          f"min; {len(rows) - len(live)} equivalent (no draw tells them apart)")
    for label, ms in (("all non-equivalent", live), ("boundary", boundary),
                      ("float32 only (1%)", f32)):
        print(f"{label:20} killed by the tests {count(ms, 'tests', ('killed',))}, "
              f"reported by check_op {count(ms, 'check_op', ('reported',))}, "
              f"named by the localiser {count(ms, 'localiser', ('named',))}, "
              f"localiser crashes "
              f"{sum(1 for m in ms if m.results['localiser'].startswith('crash'))}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
