"""``ModuleList`` and ``ParameterList``: lists whose items are registered as ``0``, ``1``, ...

Assigning a non-empty list or tuple of modules (or of parameters) to a module
attribute wraps it in one of these, so its items get dotted names
(``layers.0.weight``) and are found by ``parameters()`` and ``state_dict()``.

>>> from nn import Linear, Module
>>> class Net(Module):
...     def __init__(self):
...         super().__init__()
...         self.layers = [Linear(2, 3, rng=0), Linear(3, 1, rng=1)]
>>> net = Net()
>>> type(net.layers).__name__, len(net.layers)
('ModuleList', 2)
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from .module import Module, Parameter


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
