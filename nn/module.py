"""``Module`` and ``Parameter``: networks as trees of named, trainable tensors.

Assigning a :class:`Parameter` or a :class:`Module` to an attribute of a
module registers it under that name; a non-empty list or tuple of modules (or
of parameters) is registered as ``name.0``, ``name.1``, ... (it becomes a
:class:`ModuleList` / :class:`ParameterList`). Names are dotted paths, as in
PyTorch, and every parameter carries its own path in ``.name`` so drawn
graphs read ``layers.0.weight``. Every walk of the tree uses an explicit stack.
The list containers live in :mod:`nn.containers`, the state-dict checks and
the weights files in :mod:`nn.serialization`; their names are importable from
here as well.

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
from collections import OrderedDict
from typing import Any, Callable, Iterator

import numpy as np

from autograd import Tensor, no_grad
from autograd.spellings import parse_to

from .serialization import IncompatibleKeys, check_state_dict, read_weights, write_weights
from .serialization import StateDictError as StateDictError
from .serialization import WeightsFileError as WeightsFileError


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
            # Imported here: the containers subclass Module.
            from .containers import ModuleList, ParameterList

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

    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """Convert floating parameters and buffers to a dtype (``to(np.float64)``,
        ``to("float64")``, ``to(dtype=...)``); ``to("cpu")`` changes nothing (NumPy runs
        on the CPU), as PyTorch's ``to``. Returns the module."""
        dtype = parse_to(args, kwargs, type(self).__name__)
        if dtype is None:
            return self
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
        ``StateDictError`` naming the key and both shapes, as do a dtype that is
        not a real number type (complex, strings, dates...) and a value the
        parameter's dtype cannot hold (1e300 into float32); with ``strict=True``
        so do missing and unexpected keys.
        """
        own = self._state_entries()
        arrays, skipped = check_state_dict(own, state, strict, type(self).__name__)
        with no_grad():
            for key, arr in arrays.items():
                own[key].copy_(arr)
        return skipped

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
        write_weights(self.state_dict(), path)

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> "Module":
        """Load weights written by :meth:`save` (or ``np.savez``); returns self.

        Each array's header is checked against the model before its data is
        read, and keys the model lacks are skipped unread (with ``strict=False``;
        with ``strict=True`` they are an error), so a hostile file cannot make
        loading inflate more than the model's own size. Nothing changes unless
        everything fits.
        """
        own = self._state_entries()
        arrays = read_weights(path, own, strict=strict, owner=type(self).__name__)
        self.load_state_dict(arrays, strict=strict)
        return self

    def summary(self, input_shape: Any = None, print_fn: Callable[[str], Any] = print) -> None:
        """Print a Keras-like table of layers, output shapes and parameter counts for inputs
        of ``input_shape`` (one sample's shape; see :func:`nn.summary.summary`)."""
        from .summary import summary

        print_fn(summary(self, input_shape))

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


def __getattr__(name: str) -> Any:
    # ModuleList and ParameterList live in nn.containers, which imports this module.
    if name in ("ModuleList", "ParameterList"):
        from . import containers

        return getattr(containers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
