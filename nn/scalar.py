"""Networks of scalar ``Value``s, micrograd style: ``Neuron``, ``Layer``, ``MLP``.

Every weight is a ``Value`` labelled by its place, ``L{layer}.N{neuron}.w{input}``
and ``L{layer}.N{neuron}.b`` (all counted from 0, as the Python lists), so a
drawn graph can be read neuron by neuron. A neuron's pre-activation
b + sum_i w_i x_i is one node of the n-ary primitive ``weighted_sum`` (fast:
one node per neuron instead of 2n); ``fused=False`` builds the classic graph
of one ``*`` and one ``+`` node per input instead, for teaching.

Parameters expose ``.data`` and ``.grad``, so the optimizers in ``optim``
update them as they do Tensors. ``forward_array(X)`` computes the outputs for
many inputs at once with arrays built from the current weights (no graph):
``nn.predict`` and ``nn.plots.plot_decision_boundary`` use it, so they work
on these networks as on Tensor models.

>>> model = MLP(2, [4, 1], rng=0)
>>> out = model([1.0, -2.0]); out.backward()
>>> len(model.parameters()), model.layers[0].neurons[3].w[1].label
(17, 'L0.N3.w1')
>>> model.layers[0].neurons[0](([0.5, 0.5])).op
'relu'
"""
from __future__ import annotations

import operator
from typing import Any, Iterator, Sequence

import numpy as np

from autograd import Tensor, Value, no_grad
from autograd.creation import generator
from autograd.node import apply
from autograd.ops import primitive

_ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")


def _weighted_sum_formula(n: int, **_: Any) -> str:
    k = (n - 1) // 2
    return " + ".join([f"{{{n - 1}}}"] + [f"{{{i}}}·{{{i + k}}}" for i in range(k)])


def _weighted_sum_local(i: int, n: int, **_: Any) -> str:
    """d/dw_i = x_i, d/dx_i = w_i, d/db = 1, as templates over the inputs' positions."""
    k = (n - 1) // 2
    return "1" if i == n - 1 else f"{{{i + k}}}" if i < k else f"{{{i - k}}}"


@primitive("weighted_sum", "Σw·x+b", formula=_weighted_sum_formula, local=(_weighted_sum_local,))
def weighted_sum(*args):
    """b + w_1 x_1 + ... + w_n x_n, parents ordered (w_1..w_n, x_1..x_n, b).

    d/dw_i = x_i, d/dx_i = w_i, d/db = 1.
    """
    n = (len(args) - 1) // 2
    return sum(map(operator.mul, args, args[n:2 * n]), args[-1])  # map stops after the w_i


@weighted_sum.defvjp
def weighted_sum_vjp(g, ans, *args):
    n = (len(args) - 1) // 2
    grads = [g * v for v in args[n:2 * n] + args[:n]]  # g * x, then g * w
    grads.append(g)
    return grads


@weighted_sum.defjvp
def weighted_sum_jvp(ts, ans, *args):
    n = (len(args) - 1) // 2
    t = ts[-1]
    for dw, dx, w, x in zip(ts[:n], ts[n:2 * n], args[:n], args[n:2 * n]):
        t = t + dw * x + w * dx
    return t


def _inputs(x: Any, n: int, fused: bool) -> Sequence[Any]:
    """``x`` as a list of n inputs, as Values when they feed a fused node."""
    if isinstance(x, (Value, int, float)):
        x = [x]
    if len(x) != n:
        raise ValueError(f"Neuron with {n} inputs got {len(x)} values")
    if fused:
        x = [xi if isinstance(xi, Value) else Value(xi, requires_grad=False) for xi in x]
    return x


def _rows(X: Any, n: int, what: str) -> np.ndarray:
    """``X`` as a float64 array of rows of ``n`` inputs (a 1-D X is one column when n == 1)."""
    X = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=np.float64)
    if X.ndim == 1 and n == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] != n:
        raise ValueError(f"{what} with {n} inputs: forward_array needs rows of {n} values, "
                         f"an array of shape (samples, {n}); got shape {X.shape}")
    return X


class Module:
    """Base of the scalar networks: ``parameters()``, ``named_parameters()``, ``zero_grad()``."""

    def parameters(self) -> list[Value]:
        return []

    def forward_array(self, X: Any) -> np.ndarray:
        """The outputs for every row of ``X`` (shape ``(samples, inputs)``), in float64."""
        raise NotImplementedError(f"{type(self).__name__} must define forward_array()")

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(label, parameter) pairs."""
        for p in self.parameters():
            yield p.label, p

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to 0.0 (before the next backward)."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        return len(self.parameters())


class Neuron(Module):
    """One unit: act(b + sum_i w_i x_i) with w_i ~ U(-1, 1) and b = 0, as micrograd.

    ``nonlin=False`` makes it linear; ``activation`` picks the nonlinearity
    (``"relu"``, ``"tanh"``, ``"sigmoid"``, ``"leaky_relu"``).

    >>> n = Neuron(2, fused=False, rng=0)
    >>> y = n([1.0, 2.0])
    >>> [v.op for v in (y, y.parents[0])]
    ['relu', '+']
    """

    def __init__(self, nin: int, nonlin: bool = True, activation: str = "relu", rng: Any = None,
                 fused: bool = True, label: str = "N0") -> None:
        if activation not in _ACTIVATIONS:
            raise ValueError(f"Neuron: unknown activation {activation!r}; expected one of "
                             f"{', '.join(_ACTIVATIONS)}")
        g = generator(rng)
        self.w = [Value(float(v), label=f"{label}.w{i}") for i, v in
                  enumerate(g.uniform(-1.0, 1.0, nin))]
        self.b = Value(0.0, label=f"{label}.b")
        self.nonlin, self.activation, self.fused = nonlin, activation, fused
        self._labels = (f"{label}.z", f"{label}.a")

    def __call__(self, x: Any) -> Value:
        return self._forward(_inputs(x, len(self.w), self.fused))

    def _forward(self, x: Sequence[Any]) -> Value:
        """The output for inputs already checked (and made Values when fused)."""
        if self.fused:
            z = apply(weighted_sum, (*self.w, *x, self.b))
        else:
            z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        z.name = self._labels[0]
        if not self.nonlin:
            return z
        out = getattr(z, self.activation)()
        out.name = self._labels[1]
        return out

    def forward_array(self, X: Any) -> np.ndarray:
        """This neuron's output for every row of ``X``: shape ``(samples,)``.

        >>> n = Neuron(2, rng=0)
        >>> bool(abs(n.forward_array([[1.0, 2.0]])[0] - n([1.0, 2.0]).data) < 1e-12)
        True
        """
        X = _rows(X, len(self.w), "Neuron")
        z = X @ np.array([w.data for w in self.w], dtype=np.float64) + self.b.data
        if not self.nonlin:
            return z
        with no_grad():  # the activation's own rule, so the arrays match the Values
            return getattr(Tensor(z), self.activation)().data

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        kind = self.activation.capitalize() if self.nonlin else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; one Value out when ``nout == 1``."""

    def __init__(self, nin: int, nout: int, nonlin: bool = True, activation: str = "relu",
                 rng: Any = None, fused: bool = True, label: str = "L0") -> None:
        if nout < 1:
            raise ValueError(f"Layer: needs at least one neuron, got nout={nout}")
        g = generator(rng)
        self.neurons = [Neuron(nin, nonlin, activation, g, fused, label=f"{label}.N{j}")
                        for j in range(nout)]

    def __call__(self, x: Any) -> Any:
        first = self.neurons[0]
        x = _inputs(x, len(first.w), first.fused)   # once for all neurons
        out = [n._forward(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def forward_array(self, X: Any) -> np.ndarray:
        """Every neuron's output for every row of ``X``: ``(samples, nout)``, or
        ``(samples,)`` for one neuron (as calling the layer gives one Value)."""
        X = _rows(X, len(self.neurons[0].w), "Layer")
        out = np.stack([n.forward_array(X) for n in self.neurons], axis=1)
        return out[:, 0] if out.shape[1] == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of the sizes ``nouts`` on ``nin`` inputs; the last layer is linear.

    ``rng`` (a Generator or an int seed) fixes the initial weights; ``fused``
    and ``activation`` are passed to every neuron.

    >>> MLP(2, [16, 16, 1], rng=0)
    MLP of [Layer of [ReluNeuron(2) x16], Layer of [ReluNeuron(16) x16],
            Layer of [LinearNeuron(16)]]
    """

    def __init__(self, nin: int, nouts: Sequence[int], rng: Any = None, fused: bool = True,
                 activation: str = "relu") -> None:
        g = generator(rng)
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1,
                             activation=activation, rng=g, fused=fused, label=f"L{i}")
                       for i in range(len(nouts))]

    def __call__(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def forward_array(self, X: Any) -> np.ndarray:
        """The network's output for every row of ``X``, without a graph.

        >>> model = MLP(2, [4, 1], rng=0)
        >>> out = model.forward_array([[1.0, -2.0], [0.5, 0.5]])
        >>> out.shape, bool(abs(out[0] - model([1.0, -2.0]).data) < 1e-12)
        ((2,), True)
        """
        for layer in self.layers:
            X = layer.forward_array(X)
        return X

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        parts = []
        for layer in self.layers:
            first = layer.neurons[0]
            same = len(layer.neurons) > 1 and all(
                repr(n) == repr(first) for n in layer.neurons)
            parts.append(f"Layer of [{first!r} x{len(layer.neurons)}]" if same else repr(layer))
        return f"MLP of [{', '.join(parts)}]"
