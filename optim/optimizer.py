"""The optimizer base: parameter groups, per-parameter state, the step loop.

An optimizer holds ``param_groups`` (dicts: a list of parameters and their
hyper-parameters) and ``state`` (a dict per parameter: moments, accumulators,
step counts). Each rule writes its update once, in
``_update(x, g, state, group, note)``: given a parameter's data ``x`` and
gradient ``g`` it updates ``state`` and returns the new data. ``step()`` runs
it on the live data; ``explain_step()`` runs the very same function on copies
and reports what it did (a :class:`~optim.explain.StepExplanation`), so the
explanation cannot drift from the update.

Parameters are ``autograd.Tensor`` (data: an ndarray) or ``autograd.Value``
(data: a float). Rules use operators both understand: augmented assignment
(``m *= beta``) works in place on arrays and rebinds on floats, so one line
serves both, and Python numbers are 'weak' scalars in NumPy, so float32 stays
float32. The few operations that need a function (``sqrt``, ``maximum_``...)
are the helpers below.

>>> import numpy as np
>>> from autograd import Tensor
>>> from optim import SGD
>>> w = Tensor(np.array([1.0, -2.0]), requires_grad=True, name="w")
>>> opt = SGD([w], lr=0.1, momentum=0.9)
>>> (w * w).sum().backward()
>>> print(opt.explain_step())
SGD: what the next step() does (1 parameter)
group 0: lr=0.1, momentum=0.9, dampening=0, weight_decay=0, nesterov=False, maximize=False
parameter  quantity                  value
---------  ------------------------  -----------
w (2,)     param                     [1, -2]
           grad                      [2, -4]
           state["momentum_buffer"]  [2, -4]
           direction                 [2, -4]
           update                    [-0.2, 0.4]
state["..."] is kept between steps (shown after this step); update is what step() adds.
>>> opt.step(); w.data
array([ 0.8, -1.6])
"""
from __future__ import annotations

import copy
import math
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from autograd import Node, enable_grad, no_grad

from .explain import ParamStep, StepExplanation

ParamsT = Iterable[Node] | Iterable[Mapping[str, Any]] | Iterable[tuple[str, Node]]


# -- arithmetic shared by float and ndarray data: in place for arrays, a new float otherwise

def copy_of(x: Any) -> Any:
    """An independent copy of an array; numbers are immutable, so returned as they are."""
    return x.copy() if isinstance(x, np.ndarray) else x


def full_like(x: Any, value: float) -> Any:
    """An array shaped and typed like ``x`` filled with ``value``, or ``value`` for a float."""
    return np.full_like(x, value) if isinstance(x, np.ndarray) else float(value)


def zeros_like(x: Any) -> Any:
    return full_like(x, 0.0)


def sqrt(x: Any) -> Any:
    """Square root as a new array or float (math.sqrt keeps floats plain Python floats)."""
    return np.sqrt(x) if isinstance(x, np.ndarray) else math.sqrt(x)


def maximum_(x: Any, y: Any) -> Any:
    """Elementwise max(x, y), written into ``x`` when it is an array."""
    return np.maximum(x, y, out=x) if isinstance(x, np.ndarray) else max(x, y)


def clip(x: Any, lo: float, hi: float, out: Any = None) -> Any:
    """``x`` clamped to [lo, hi] (into ``out`` for arrays when given)."""
    return np.clip(x, lo, hi, out=out) if isinstance(x, np.ndarray) else min(max(x, lo), hi)


def assign(dst: Any, value: Any) -> Any:
    """Write ``value`` into the array ``dst`` and return it; for a float, return ``value``."""
    if isinstance(dst, np.ndarray):
        np.copyto(dst, value)
        return dst
    return value


class _Discard:
    """A ``note`` that keeps nothing: what ``step()`` passes, as no one reads it."""

    __slots__ = ()

    def __setitem__(self, key: str, value: Any) -> None:
        return


_DISCARD = _Discard()
_NOT_SETTINGS = ("params", "param_names")


class Optimizer:
    """Base of every update rule: param groups, state, ``step`` and ``state_dict``.

    ``params`` is an iterable of parameters (``Tensor`` or ``Value``), of
    ``(name, parameter)`` pairs (e.g. ``model.named_parameters()``), or of
    dicts with a ``"params"`` entry and per-group hyper-parameters that
    override ``defaults``.
    """

    def __init__(self, params: ParamsT, defaults: Mapping[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: defaultdict[Node, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        name = type(self).__name__
        if isinstance(params, Node):
            raise TypeError(
                f"{name}: params must be an iterable of parameters or of param-group dicts, "
                f"got a single {type(params).__name__}; wrap it in a list: [param]"
            )
        _check_ordered(params, name)
        groups = [params] if isinstance(params, Mapping) else list(params)
        if not groups:
            raise ValueError(
                f"{name}: got an empty parameter list; expected at least one parameter "
                "(e.g. model.parameters())"
            )
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in group.items() if k not in _NOT_SETTINGS]
        return "\n".join(lines + [")"])

    # -- groups and hyper-parameters
    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (defaults fill the rest)."""
        name = type(self).__name__
        if not isinstance(param_group, Mapping) or "params" not in param_group:
            got = "a dict without 'params'" if isinstance(param_group, Mapping) else (
                f"a {type(param_group).__name__}")
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' "
                            f"entry (e.g. {{'params': [w], 'lr': 0.1}}), got {got}")
        group = dict(param_group)
        params = group["params"]
        _check_ordered(params, name)
        params = [params] if isinstance(params, Node) else list(params)
        if params and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
                          for p in params):
            group["param_names"] = [n for n, _ in params]
            params = [p for _, p in params]
        gi = len(self.param_groups)
        seen = {id(p): i for i, g in enumerate(self.param_groups) for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Node):
                raise TypeError(
                    f"{name}: parameter {i} of group {gi} is a {type(p).__name__}; expected "
                    "an autograd Tensor or Value"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: parameter {i} of group {gi} was computed by an operation "
                    f"('{p.op}'), not a leaf; optimize the leaves it was computed from"
                )
            if id(p) in seen:
                where = "this group" if seen[id(p)] == gi else f"group {seen[id(p)]}"
                label = f" ({p.name!r})" if p.name else ""
                raise ValueError(
                    f"{name}: parameter {i} of group {gi}{label} is already in {where}; "
                    "expected each parameter exactly once"
                )
            seen[id(p)] = gi
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        for key, value in group.items():
            if key not in _NOT_SETTINGS:
                group[key] = _plain(value)
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise for a hyper-parameter out of range (rules extend this)."""
        self._check("lr", group["lr"], lambda v: v >= 0, "a number >= 0")

    def _check(self, key: str, value: Any, ok: Callable[[float], bool], expected: str) -> None:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not ok(value):
            raise ValueError(f"{type(self).__name__}: {key} must be {expected}, got {value!r}")

    # -- the update
    def _update(self, x: Any, g: Any, state: dict[str, Any], group: dict[str, Any],
                note: Any) -> Any:
        """Update ``state`` and return the new data for data ``x`` with gradient ``g``.

        Arrays are changed in place (and returned); floats are returned anew.
        ``g`` is never changed. Intermediate quantities a learner may want to
        see (bias corrections, denominators) are stored in ``note[name]``.
        """
        raise NotImplementedError

    def _step_param(self, x: Any, g: Any, state: dict[str, Any], group: dict[str, Any],
                    note: Any) -> Any:
        if group.get("maximize", False):
            g = -g
        return self._update(x, g, state, group, note)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()``'s loss if given.

        ``closure`` re-evaluates the model and returns the loss (it runs with
        grad mode on). Parameters whose ``grad`` is None are skipped; a
        ``Value``'s grad is never None (0.0 when cleared), so Values always step.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    # The live array (._data: .data is read-only while a kept graph saved
                    # it) changes in place; assigning it back bumps the version counter,
                    # so that graph's backward, if it ever runs, reports the change.
                    p.data = self._step_param(p._data, g, self.state[p], group, _DISCARD)
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear gradients: to None (a ``Value``'s to 0.0), or zero them in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = getattr(p, "_zero_grad", None)
                elif p.grad is not None:
                    p.grad = assign(p.grad, 0.0)

    def explain_step(self) -> StepExplanation:
        """Describe what the next ``step()`` will do, changing nothing.

        For each parameter (by name when it has one, else by index) the result
        lists its value, its gradient, the state the rule keeps (as it will be
        after the step), intermediate quantities (bias corrections,
        denominators...) and the update ``step()`` will add. The numbers come
        from running the rule's own update on copies, so they are exactly what
        ``step()`` will do if nothing changes in between. ``print`` it for a
        table; in Jupyter it shows as HTML; ``result[name].update`` gives the
        arrays.
        """
        rows = []
        index = 0
        with no_grad():
            for gi, group in enumerate(self.param_groups):
                for j, p in enumerate(group["params"]):
                    x0, g = p.data, p.grad
                    row = ParamStep(index=index, name=_label(group, j, index), group=gi,
                                    param=copy_of(x0), grad=copy_of(g))
                    if g is not None:
                        state = {k: copy_of(v) for k, v in self.state.get(p, {}).items()}
                        derived: dict[str, Any] = {}
                        x1 = self._step_param(copy_of(x0), g, state, group, derived)
                        row.state = state
                        row.derived = {k: copy_of(v) for k, v in derived.items()}
                        row.update = x1 - x0
                    rows.append(row)
                    index += 1
        settings = [{k: v for k, v in g.items() if k not in _NOT_SETTINGS}
                    for g in self.param_groups]
        return StepExplanation(type(self).__name__, settings, rows)

    # -- saving and resuming
    def state_dict(self) -> dict[str, Any]:
        """A snapshot: ``{"state": {index: {...}}, "param_groups": [{..., "params": [index...]}]}``.

        Parameters are numbered in group order, as in PyTorch; arrays are
        copied, so later steps do not change a saved snapshot.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: {k: copy_of(v) for k, v in st.items()}
                 for p, st in self.state.items() if st and id(p) in index}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Resume from ``state_dict()``'s output: state and hyper-parameters are restored.

        The saved groups must match this optimizer's: as many groups, as many
        parameters in each, the same settings, and state shaped like the
        parameters. Nothing changes if any of that differs.
        """
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(f"{name}: expected a dict with 'state' and 'param_groups' "
                             "(the output of Optimizer.state_dict())")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}: the saved state has {len(saved_groups)} parameter "
                             f"group(s) but this optimizer has {len(self.param_groups)}")
        by_index: dict[Any, tuple[Node, str]] = {}
        for gi, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}: parameter group {gi} has {len(group['params'])} parameter(s) "
                    f"but the saved group {gi} has {len(saved['params'])}"
                )
            ignore = {*_NOT_SETTINGS, "initial_lr"}
            mine, theirs = set(group) - ignore, set(saved) - ignore
            if mine != theirs:
                raise ValueError(
                    f"{name}: saved parameter group {gi} has settings "
                    f"{sorted(theirs - mine)} this {type(self).__name__} does not use and "
                    f"lacks {sorted(mine - theirs)}; was it saved from another optimizer?"
                )
            for j, (i, p) in enumerate(zip(saved["params"], group["params"])):
                by_index[i] = (p, _label(group, j, i))
        new_state: defaultdict[Node, dict[str, Any]] = defaultdict(dict)
        for i, saved_state in state_dict["state"].items():
            if i not in by_index:
                raise ValueError(f"{name}: the saved state has an entry for parameter {i!r}, "
                                 "which no saved parameter group lists")
            p, label = by_index[i]
            new_state[p] = {k: _restore(v, p.data, f"{name}: state {k!r} of parameter {i} "
                                        f"({label})") for k, v in saved_state.items()}
        self.state = new_state
        for group, saved in zip(self.param_groups, saved_groups):
            kept = {k: group[k] for k in _NOT_SETTINGS if k in group}
            group.clear()
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k not in _NOT_SETTINGS})
            group.update(kept)


def _plain(value: Any) -> Any:
    """NumPy scalars as Python numbers: those are 'weak' and keep float32 updates float32."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _label(group: dict[str, Any], j: int, index: int) -> str:
    """How reports name parameter ``j`` of ``group``: given name, ``.name``, or index."""
    names = group.get("param_names")
    return names[j] if names else (group["params"][j].name or f"param {index}")


def _check_ordered(params: Any, name: str) -> None:
    if isinstance(params, (set, frozenset)):
        raise TypeError(
            f"{name}: parameters must come in an ordered collection (list, tuple, "
            "generator), not a set: their order fixes the indices of state_dict()"
        )


def _restore(value: Any, data: Any, what: str) -> Any:
    """A saved state value made like the parameter's data (dtype, float or array)."""
    if not isinstance(value, np.ndarray):
        return copy.deepcopy(value)
    if value.shape != np.shape(data):
        raise ValueError(f"{what} has shape {value.shape} but the parameter has shape "
                         f"{np.shape(data)}")
    return np.array(value, dtype=data.dtype) if isinstance(data, np.ndarray) else float(value)

