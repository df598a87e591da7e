"""``Module`` and ``Parameter``: networks as trees of named, trainable tensors.

Assigning a :class:`Parameter` or a :class:`Module` to an attribute of a
module registers it under that name; a non-empty list or tuple of modules (or
of parameters) is registered as ``name.0``, ``name.1``, ... (it becomes a
:class:`ModuleList` / :class:`ParameterList`). Names are dotted paths, as in
PyTorch, and every parameter carries its own path in ``.name`` so drawn
graphs read ``layers.0.weight``. Every walk of the tree uses an explicit stack.

>>> from nn import Linear, Module
>>> class Net(Module):
...     def __init__(self):
...         super().__init__()
...         self.layers = [Linear(2, 3, rng=0), Linear(3, 1, rng=1)]
...     def forward(self, x):
...         return self.layers[1](self.layers[0](x).relu())
>>> net = Net()
>>> [name for name, _ in net.named_parameters()]
['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']
>>> net.layers[0].weight.name
'layers.0.weight'
"""
from __future__ import annotations

import os
import zipfile
import zlib
from collections import OrderedDict
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import numpy as np

from autograd import Tensor, no_grad
from autograd.node import Node


class Parameter(Tensor):
    """A trainable ``Tensor``: it requires grad and ``.name`` is its dotted path in a model.

    Operations on a parameter give plain ``Tensor`` results, so only
    parameters themselves are registered when assigned to a module.

    >>> w = Parameter([[1.0, 2.0]])
    >>> w.requires_grad, type(w * 2).__name__
    (True, 'Tensor')
    """

    __slots__ = ()

    def __init__(self, data: Any, name: str = "", dtype: Any = None) -> None:
        arr = data._data if isinstance(data, Tensor) else np.asarray(
            data, dtype=dtype if dtype is not None or isinstance(data, np.ndarray) else np.float32)
        if dtype is not None and arr.dtype != np.dtype(dtype):
            arr = arr.astype(dtype)
        if arr.dtype.kind != "f":
            raise TypeError(f"Parameter: needs floating-point data, got dtype {arr.dtype}")
        super().__init__(arr, requires_grad=True, name=name)

    @classmethod
    def _new(cls, data: Any) -> Tensor:
        # Results of operations are plain tensors, never parameters.
        return Tensor._new(data)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor"):]


class StateDictError(RuntimeError):
    """A state dict does not fit the model: missing or unexpected keys, or wrong shapes."""


class WeightsFileError(ValueError):
    """A weights file is missing, corrupted, or not an ``.npz`` archive."""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _rename(root: "Module", prefix: str, parent: "Module | None" = None) -> None:
    """Give ``root``'s subtree dotted names under ``prefix`` (and refuse cycles)."""
    stack = [(root, prefix)]
    seen: set[int] = set()
    while stack:
        mod, pre = stack.pop()
        if mod is parent:
            raise ValueError(f"cannot register {type(root).__name__} inside itself: modules "
                             "form a tree (or a DAG when shared), never a cycle")
        if id(mod) in seen:
            continue
        seen.add(id(mod))
        object.__setattr__(mod, "_prefix", pre)
        for name, t in list(mod._parameters.items()) + list(mod._buffers.items()):
            if t is not None:
                t.name = pre + name
        for name, child in mod._modules.items():
            if child is not None:
                stack.append((child, pre + name + "."))


class Module:
    """Base class of layers and models: subclasses set attributes in ``__init__``
    (after ``super().__init__()``) and define ``forward``.

    >>> from nn import Sequential, Linear, ReLU
    >>> model = Sequential(Linear(4, 8, rng=0), ReLU(), Linear(8, 2, rng=0))
    >>> model
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=2, bias=True)
    )  # 58 parameters
    >>> model.eval().training, model[0].training
    (False, False)
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent"] = set()
        d["_modules"] = {}
        d["_prefix"] = ""
        d["training"] = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- registration
    def _forget(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._modules.pop(name, None)
        self._non_persistent.discard(name)

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if params is None:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() ran: call "
                                 "super().__init__() first in the subclass's __init__")
        if isinstance(value, (list, tuple)) and value:
            if all(isinstance(v, Module) for v in value):
                value = ModuleList(value)
            elif all(isinstance(v, Parameter) for v in value):
                value = ParameterList(value)
        if isinstance(value, Parameter):
            self._forget(name)
            params[name] = value
            value.name = self._prefix + name
        elif isinstance(value, Module):
            _rename(value, self._prefix + name + ".", parent=self)
            self._forget(name)
            self._modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r}: "
                                "expected a Parameter or None (wrap data as Parameter(...))")
            params[name] = None
        elif name in self._buffers:
            value = _as_buffer(value, name)
            if value is not None:
                value.name = self._prefix + name
            self._buffers[name] = value
        elif name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to submodule {name!r}: "
                                "expected a Module or None")
            self._modules[name] = None
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, a declared but absent parameter) as ``name``."""
        if param is None:
            self._forget(name)
            self._parameters[name] = None
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, value: Any, persistent: bool = True) -> None:
        """Register non-trainable state (e.g. running statistics) saved in ``state_dict``."""
        self._forget(name)
        self._buffers[name] = None
        if not persistent:
            self._non_persistent.add(name)
        setattr(self, name, value)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Register ``module`` as the submodule ``name``."""
        if module is None:
            self._forget(name)
            self._modules[name] = None
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, module)

    # -- traversal (explicit stack, pre-order)
    def _walk(self, prefix: str = "", remove_duplicate: bool = True
              ) -> Iterator[tuple[str, "Module"]]:
        stack: list[tuple[str, Module]] = [(prefix, self)]
        seen: set[int] = set()
        while stack:
            name, mod = stack.pop()
            if remove_duplicate:
                if id(mod) in seen:
                    continue
                seen.add(id(mod))
            yield name, mod
            pre = name + "." if name else ""
            children = [(pre + k, m) for k, m in mod._modules.items() if m is not None]
            stack.extend(reversed(children))

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """(dotted name, module) for this module ('') and every submodule, each once."""
        return self._walk(prefix)

    def modules(self) -> Iterator["Module"]:
        """This module and every submodule, each once."""
        for _, m in self._walk():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """(name, module) for the direct submodules."""
        for k, m in self._modules.items():
            if m is not None:
                yield k, m

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a shared parameter is listed once."""
        seen: set[int] = set()
        mods = self._walk(prefix) if recurse else iter([(prefix, self)])
        for name, mod in mods:
            pre = name + "." if name else ""
            for k, p in mod._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield pre + k, p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter once, in registration order (what an optimizer takes)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        for name, mod in self._walk(prefix):
            pre = name + "." if name else ""
            for k, b in mod._buffers.items():
                if b is not None:
                    yield pre + k, b

    def buffers(self) -> Iterator[Tensor]:
        for _, b in self.named_buffers():
            yield b

    def num_parameters(self, trainable_only: bool = False) -> int:
        """How many numbers the parameters hold."""
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    def apply(self, fn: Callable[["Module"], Any]) -> "Module":
        """Call ``fn`` on every submodule (children first, as PyTorch) and on self."""
        for m in reversed(list(self.modules())):
            fn(m)
        return self

    # -- modes and gradients
    def train(self, mode: bool = True) -> "Module":
        """Set training mode (``mode=True``) or evaluation mode on every module."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        """Evaluation mode: dropout off, batch norm uses running statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients (``.grad = None``, or zeros with ``set_to_none=False``)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = np.zeros_like(p._data)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Freeze (False) or unfreeze every parameter."""
        for p in self.parameters():
            p.requires_grad = bool(requires_grad)
        return self

    def to(self, dtype: Any) -> "Module":
        """Convert floating parameters and buffers to ``dtype`` (e.g. ``np.float64``)."""
        dtype = np.dtype(dtype)
        with no_grad():
            for t in list(self.parameters()) + list(self.buffers()):
                if t.dtype.kind == "f" and t.dtype != dtype:
                    t.data = t._data.astype(dtype)
                    if t.grad is not None:
                        t.grad = t.grad.astype(dtype)
        return self

    def double(self) -> "Module":
        return self.to(np.float64)

    def float(self) -> "Module":
        return self.to(np.float32)

    # -- weights
    def _state_entries(self) -> "OrderedDict[str, Tensor]":
        out: OrderedDict[str, Tensor] = OrderedDict()
        for name, mod in self._walk(remove_duplicate=False):
            pre = name + "." if name else ""
            for k, p in mod._parameters.items():
                if p is not None:
                    out[pre + k] = p
            for k, b in mod._buffers.items():
                if b is not None and k not in mod._non_persistent:
                    out[pre + k] = b
        return out

    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Dotted name -> a copy of each parameter and persistent buffer, in PyTorch's order.

        >>> from nn import BatchNorm1d
        >>> list(BatchNorm1d(3).state_dict())
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
        """
        return OrderedDict((k, t._data.copy()) for k, t in self._state_entries().items())

    def load_state_dict(self, state: Any, strict: bool = True) -> IncompatibleKeys:
        """Copy arrays (or Tensors, or PyTorch tensors) from ``state`` into the model.

        Checks everything before changing anything: a wrong shape always raises
        ``StateDictError`` naming the key and both shapes; with ``strict=True``
        so do missing and unexpected keys.
        """
        own = self._state_entries()
        arrays: dict[str, np.ndarray] = {}
        problems: list[str] = []
        for key, value in state.items():
            if key not in own:
                continue
            try:
                arrays[key] = _to_array(value)
            except (TypeError, ValueError) as exc:
                problems.append(f"{key}: cannot convert {type(value).__name__} to an array ({exc})")
                continue
            if arrays[key].shape != own[key].shape:
                problems.append(f"{key}: shape {arrays[key].shape} in the state dict, but "
                                f"{own[key].shape} in the model")
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict:
            if missing:
                problems.append(f"missing key(s): {', '.join(missing)}")
            if unexpected:
                problems.append(f"unexpected key(s): {', '.join(map(str, unexpected))}")
        if problems:
            raise StateDictError(f"load_state_dict into {type(self).__name__} failed:\n  "
                                 + "\n  ".join(problems))
        with no_grad():
            for key, arr in arrays.items():
                own[key].copy_(arr)
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` to ``path`` as an ``.npz`` archive (no pickle).

        >>> import os, tempfile
        >>> from nn import Linear
        >>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
        >>> a, b = Linear(3, 2, rng=0), Linear(3, 2, rng=1)
        >>> a.save(path); _ = b.load(path)
        >>> bool((a.weight.data == b.weight.data).all())
        True
        """
        path = os.fspath(path)
        tmp = path + ".part"
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            for key, arr in self.state_dict().items():
                with zf.open(key + ".npy", "w", force_zip64=True) as f:
                    np.lib.format.write_array(f, np.asarray(arr), allow_pickle=False)
        os.replace(tmp, path)

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> "Module":
        """Load weights written by :meth:`save` (or ``np.savez``); returns self."""
        self.load_state_dict(read_weights(path), strict=strict)
        return self

    # -- repr
    def extra_repr(self) -> str:
        """The text inside this module's parentheses (its settings)."""
        return ""

    def __repr__(self) -> str:
        lines: list[str] = []
        seen: set[int] = set()
        stack: list[tuple[Module | None, str, int]] = [(self, "", 0)]
        while stack:
            mod, key, depth = stack.pop()
            ind = "  " * depth
            if mod is None:
                lines.append(ind + ")")
                continue
            head = f"{ind}({key}): " if key else ind
            children = [(k, m) for k, m in mod._modules.items() if m is not None]
            extra = mod.extra_repr()
            if not children or id(mod) in seen:
                lines.append(f"{head}{type(mod).__name__}({extra})")
                continue
            seen.add(id(mod))
            lines.append(f"{head}{type(mod).__name__}(")
            lines.extend(f"{ind}  {line}" for line in extra.splitlines())
            stack.append((None, "", depth))
            stack.extend((m, k, depth + 1) for k, m in reversed(children))
        n = self.num_parameters()
        lines[-1] += f"  # {n:,} parameter{'s' if n != 1 else ''}"
        return "\n".join(lines)


def _as_buffer(value: Any, name: str) -> Tensor | None:
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic, int, float, list)):
        return Tensor(np.asarray(value))
    raise TypeError(f"buffer {name!r}: expected a Tensor, an ndarray or None, "
                    f"got {type(value).__name__}")


def _to_array(value: Any) -> np.ndarray:
    if isinstance(value, Node):
        return value._data
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a PyTorch tensor
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError("not numeric")
    return arr


def read_weights(path: str | os.PathLike[str]) -> "OrderedDict[str, np.ndarray]":
    """The arrays of an ``.npz`` weights file, by name; a clear error if it is not one."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no weights file at {path!r}")
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise WeightsFileError(f"load: {path!r} holds a single array, not an .npz archive "
                                   "of named weights (write one with Module.save)")
        with data:
            return OrderedDict((k, data[k]) for k in data.files)
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        if isinstance(exc, WeightsFileError):
            raise
        raise WeightsFileError(
            f"load: {path!r} is not a readable .npz weights file ({type(exc).__name__}: {exc}); "
            "it may be truncated or corrupted, or not written by Module.save / np.savez"
        ) from None


class ModuleList(Module):
    """A list of modules registered as ``0``, ``1``, ... (assigning a plain list makes one).

    >>> from nn import Linear
    >>> layers = ModuleList([Linear(2, 2, rng=0)]).append(Linear(2, 1, rng=0))
    >>> len(layers), [n for n, _ in layers.named_parameters()][-1]
    (2, '1.bias')
    """

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "ModuleList":
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList holds Modules, got {type(module).__name__}")
        setattr(self, str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, i: Any) -> Any:
        items = list(self._modules.values())
        return ModuleList(items[i]) if isinstance(i, slice) else items[i]

    def __setitem__(self, i: int, module: Module) -> None:
        n = len(self._modules)
        if not -n <= i < n:
            raise IndexError(f"ModuleList index {i} out of range for {n} modules")
        setattr(self, str(i % n), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))


class ParameterList(Module):
    """A list of parameters registered as ``0``, ``1``, ..."""

    def __init__(self, params: Iterable[Parameter] = ()) -> None:
        super().__init__()
        for p in params:
            self.append(p)

    def append(self, param: Any) -> "ParameterList":
        setattr(self, str(len(self._parameters)),
                param if isinstance(param, Parameter) else Parameter(param))
        return self

    def __getitem__(self, i: int) -> Parameter:
        return list(self._parameters.values())[i]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(list(self._parameters.values()))
