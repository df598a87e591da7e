"""``summary``: a model's layers, their output shapes and parameter counts, as a Keras table.

Output shapes come from one forward pass of a small random batch of the
given ``input_shape`` (without the batch axis, as Keras's), run under
``no_grad()`` in eval mode with its own generator (the default generator is
not touched). Without ``input_shape`` a ``Sequential`` (or ``MLP``) that
starts with a ``Linear`` or ``BatchNorm1d`` layer tells its own; other models
show ``?`` for the shapes. Rows are the modules that hold parameters or have
no submodules, in the order the forward pass calls them; a module that
forward never calls is listed last as ``not called``. As in Keras, buffers
such as running statistics count as non-trainable parameters, and so do
frozen parameters (``requires_grad=False``).

>>> import nn
>>> model = nn.MLP(4, [8, 3], rng=0)
>>> print(summary(model))
Model: "MLP"
______________________________________________
 Layer (type)   Output Shape   Param #
==============================================
 0 (Linear)     (None, 8)      40
 1 (ReLU)       (None, 8)      0
 2 (Linear)     (None, 3)      27
==============================================
Total params: 67
Trainable params: 67
Non-trainable params: 0
______________________________________________
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from autograd import Tensor, no_grad

__all__ = ["summary"]


def _own_counts(module: Any) -> tuple[int, int]:
    """(trainable, non-trainable) numbers held by ``module`` itself, not its children."""
    trainable = frozen = 0
    for p in module._parameters.values():
        if p is not None:
            if p.requires_grad:
                trainable += p.data.size
            else:
                frozen += p.data.size
    for name, b in module._buffers.items():
        if b is not None and b.dtype.kind == "f" and name not in module._non_persistent:
            frozen += b.data.size
    return trainable, frozen


def _guess_input_shape(model: Any) -> tuple[int, ...] | None:
    from .layers import BatchNorm1d, Linear, Sequential

    first = model
    while isinstance(first, Sequential) and len(first):
        first = first[0]
    if isinstance(first, Linear):
        return (first.in_features,)
    if isinstance(first, BatchNorm1d):
        return (first.num_features,)
    return None


def _shape_text(out: Any) -> str:
    if isinstance(out, Tensor):
        return str(("None",) + tuple(out.shape[1:])).replace("'", "") if out.ndim else "()"
    if isinstance(out, (tuple, list)):
        return "[" + ", ".join(_shape_text(o) for o in out) + "]"
    return type(out).__name__


def _trace(model: Any, input_shape: Sequence[int]) -> dict[int, tuple[int, str]]:
    """id(module) -> (order of its first call, its output shape), from one forward pass."""
    seen: dict[int, tuple[int, str]] = {}
    modules = [m for _, m in model.named_modules()]

    def wrap(module: Any) -> Any:
        forward = type(module).forward

        def traced(*args: Any, **kwargs: Any) -> Any:
            order = len(seen)
            seen.setdefault(id(module), (order, "?"))
            out = forward(module, *args, **kwargs)
            if seen[id(module)][1] == "?":
                seen[id(module)] = (seen[id(module)][0], _shape_text(out))
            return out
        return traced

    dtype = next((p.dtype for p in model.parameters() if p.dtype.kind == "f"), np.float32)
    x = np.random.default_rng(0).standard_normal((2, *input_shape)).astype(dtype)
    was_training = model.training
    # An instance attribute shadows the class's forward while tracing; removed after.
    for m in modules:
        object.__setattr__(m, "forward", wrap(m))
    try:
        model.eval()
        with no_grad():
            model(Tensor(x))
    finally:
        for m in modules:
            del m.__dict__["forward"]
        model.train(was_training)
    return seen


def summary(model: Any, input_shape: Sequence[int] | int | None = None) -> str:
    """The table of ``model``'s layers (see the module docstring) as a string.

    ``input_shape`` is one sample's shape, without the batch axis:
    ``summary(model, (784,))``. ``model.summary(input_shape)`` prints it.
    """
    from .module import Module

    if not isinstance(model, Module):
        raise TypeError(f"summary: expected an nn.Module, got {type(model).__name__}")
    if isinstance(input_shape, (int, np.integer)):
        input_shape = (int(input_shape),)
    if input_shape is None:
        input_shape = _guess_input_shape(model)
    traced = _trace(model, tuple(input_shape)) if input_shape is not None else {}
    rows, trainable, frozen = [], 0, 0
    for name, m in model.named_modules():
        own_t, own_f = _own_counts(m)
        trainable, frozen = trainable + own_t, frozen + own_f
        has_children = any(c is not None for c in m._modules.values())
        if has_children and not (own_t or own_f):
            continue
        label = (f"{name} ({type(m).__name__})" if name else
                 f"{type(m).__name__} (own parameters)" if has_children else type(m).__name__)
        order, shape = traced.get(id(m), (len(traced) + len(rows), "?" if not traced else
                                          "not called"))
        rows.append((order, label, shape, own_t + own_f))
    rows.sort(key=lambda r: r[0])
    header = ("Layer (type)", "Output Shape", "Param #")
    w1 = max(len(header[0]), *(len(r[1]) for r in rows)) + 3
    w2 = max(len(header[1]), *(len(r[2]) for r in rows)) + 3
    width = max(w1 + w2 + len(header[2]) + 9, 40)
    lines = [f'Model: "{type(model).__name__}"', "_" * width,
             f" {header[0]:<{w1}}{header[1]:<{w2}}{header[2]}", "=" * width]
    lines += [f" {label:<{w1}}{shape:<{w2}}{count:,}" for _, label, shape, count in rows]
    lines += ["=" * width, f"Total params: {trainable + frozen:,}",
              f"Trainable params: {trainable:,}", f"Non-trainable params: {frozen:,}", "_" * width]
    if input_shape is None:
        lines.append("Output shapes need an input: summary(model, input_shape=(features,))")
    return "\n".join(lines)
