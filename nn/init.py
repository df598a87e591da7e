"""Weight initialisers: fill a Tensor or Parameter in place and return it.

Each takes ``rng``: a ``numpy.random.Generator`` or an int seed (None draws
from the default generator, see :func:`autograd.manual_seed`). Samples are
drawn in float64 and stored in the tensor's dtype.
Fans follow PyTorch: for a weight of shape ``(out, in, *kernel)``,
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``.

========================  =============================================
``glorot_uniform``        U(-a, a),  a = gain * sqrt(6 / (fan_in + fan_out))
``glorot_normal``         N(0, s^2), s = gain * sqrt(2 / (fan_in + fan_out))
``he_uniform``            U(-a, a),  a = gain * sqrt(3 / fan), gain = sqrt(2) for relu
``he_normal``             N(0, s^2), s = gain / sqrt(fan)
``uniform`` / ``normal``  U(a, b) / N(mean, std^2)
``zeros`` / ``ones``      constants
========================  =============================================

``Linear``'s default (``init=None``) is PyTorch's: weight and bias both
U(-1/sqrt(in_features), 1/sqrt(in_features)), which is ``he_uniform`` with
``a=sqrt(5), nonlinearity="leaky_relu"``.

PyTorch's in-place names work too, with PyTorch's arguments and defaults
(``generator=`` takes a Generator or an int seed, like ``rng=``):
``uniform_``, ``normal_``, ``constant_``, ``zeros_``, ``ones_``, ``eye_``,
``xavier_uniform_``, ``xavier_normal_``, ``kaiming_uniform_`` and
``kaiming_normal_`` (whose ``nonlinearity`` defaults to ``"leaky_relu"``, as
PyTorch's, which with ``a=0`` is the same gain as ``"relu"``).

>>> from autograd import zeros
>>> w = he_normal(zeros(256, 128), rng=0)
>>> round(float(w.data.std()) * 128 ** 0.5, 1)   # std = sqrt(2 / fan_in)
1.4
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from autograd import Tensor, no_grad
from autograd.creation import generator

RNG = Any  # numpy.random.Generator | int | None


def calculate_gain(nonlinearity: str = "relu", param: float | None = None) -> float:
    """The recommended std gain for a nonlinearity (PyTorch's table).

    >>> calculate_gain("relu") == 2 ** 0.5
    True
    """
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope * slope))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; expected one of "
                     "linear, identity, sigmoid, tanh, relu, leaky_relu, selu")


def fans(tensor: Any) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shaped ``(out, in, *kernel)``.

    >>> from autograd import zeros
    >>> fans(zeros(3, 5))
    (5, 3)
    """
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"fans: need a weight with at least 2 dimensions (out, in, ...), "
                         f"got shape {shape}; biases are usually set with zeros() or uniform()")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor: Tensor, values: Any) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init: expected a Tensor or Parameter, got {type(tensor).__name__}")
    with no_grad():
        tensor.copy_(values)
    return tensor


def _fan(tensor: Tensor, mode: str) -> int:
    fan_in, fan_out = fans(tensor)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")


def uniform(tensor: Tensor, a: float = 0.0, b: float = 1.0, rng: RNG = None) -> Tensor:
    """Fill with samples from U(a, b)."""
    return _fill(tensor, generator(rng).uniform(a, b, tensor.shape))


def normal(tensor: Tensor, mean: float = 0.0, std: float = 1.0, rng: RNG = None) -> Tensor:
    """Fill with samples from N(mean, std^2)."""
    return _fill(tensor, generator(rng).normal(mean, std, tensor.shape))


def constant(tensor: Tensor, value: float) -> Tensor:
    """Fill with ``value``."""
    return _fill(tensor, np.full(tensor.shape, value))


def zeros(tensor: Tensor, rng: RNG = None) -> Tensor:
    """Fill with 0 (``rng`` is accepted for a uniform call signature)."""
    return constant(tensor, 0.0)


def ones(tensor: Tensor, rng: RNG = None) -> Tensor:
    """Fill with 1."""
    return constant(tensor, 1.0)


def glorot_uniform(tensor: Tensor, gain: float = 1.0, rng: RNG = None) -> Tensor:
    """Glorot & Bengio (2010): U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)); variance a^2/3."""
    fan_in, fan_out = fans(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(tensor, -a, a, rng)


def glorot_normal(tensor: Tensor, gain: float = 1.0, rng: RNG = None) -> Tensor:
    """Glorot & Bengio (2010): N(0, s^2), s = gain sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(tensor)
    return normal(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def he_uniform(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
               nonlinearity: str = "relu", rng: RNG = None) -> Tensor:
    """He et al. (2015): U(-b, b), b = gain sqrt(3 / fan); ``a`` is the leaky_relu slope.

    >>> from autograd import zeros
    >>> w = he_uniform(zeros(64, 100), rng=1)
    >>> bool(abs(w.data).max() <= (6 / 100) ** 0.5)
    True
    """
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform(tensor, -bound, bound, rng)


def he_normal(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
              nonlinearity: str = "relu", rng: RNG = None) -> Tensor:
    """He et al. (2015): N(0, s^2), s = gain / sqrt(fan)."""
    gain = calculate_gain(nonlinearity, a)
    return normal(tensor, 0.0, gain / math.sqrt(_fan(tensor, mode)), rng)


def linear_default(weight: Tensor, bias: Tensor | None = None, rng: RNG = None) -> None:
    """PyTorch's ``Linear`` default: weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    g = generator(rng)
    bound = 1.0 / math.sqrt(fans(weight)[0]) if weight.shape[1] else 0.0
    uniform(weight, -bound, bound, g)
    if bias is not None:
        uniform(bias, -bound, bound, g)


xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal

# ---------------------------------------------------------------- PyTorch's in-place names

def _pick(generator: RNG, rng: RNG, name: str) -> RNG:
    if generator is not None and rng is not None:
        raise TypeError(f"{name}: give generator= or rng=, not both")
    return generator if generator is not None else rng


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: RNG = None, *,
             rng: RNG = None) -> Tensor:
    """PyTorch's ``nn.init.uniform_``: fill with U(a, b)."""
    return uniform(tensor, a, b, _pick(generator, rng, "uniform_"))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: RNG = None, *,
            rng: RNG = None) -> Tensor:
    """PyTorch's ``nn.init.normal_``: fill with N(mean, std^2)."""
    return normal(tensor, mean, std, _pick(generator, rng, "normal_"))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """PyTorch's ``nn.init.constant_``: fill with ``val``."""
    return constant(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """PyTorch's ``nn.init.zeros_``."""
    return constant(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """PyTorch's ``nn.init.ones_``."""
    return constant(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """PyTorch's ``nn.init.eye_``: the identity in a 2-D tensor (ones on the diagonal).

    >>> from autograd import zeros
    >>> eye_(zeros(2, 3)).data.tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    if len(tensor.shape) != 2:
        raise ValueError(f"eye_: needs a 2-D tensor, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: RNG = None, *,
                    rng: RNG = None) -> Tensor:
    """PyTorch's ``nn.init.xavier_uniform_``: :func:`glorot_uniform`."""
    return glorot_uniform(tensor, gain, _pick(generator, rng, "xavier_uniform_"))


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: RNG = None, *,
                   rng: RNG = None) -> Tensor:
    """PyTorch's ``nn.init.xavier_normal_``: :func:`glorot_normal`."""
    return glorot_normal(tensor, gain, _pick(generator, rng, "xavier_normal_"))


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: RNG = None, *,
                     rng: RNG = None) -> Tensor:
    """PyTorch's ``nn.init.kaiming_uniform_``: :func:`he_uniform` with PyTorch's default
    ``nonlinearity="leaky_relu"``; ``a=math.sqrt(5)`` gives ``Linear``'s default bound
    1/sqrt(fan_in).

    >>> from autograd import zeros
    >>> w = kaiming_uniform_(zeros(50, 16), a=math.sqrt(5), generator=0)
    >>> bool(abs(w.data).max() <= 1 / 4)
    True
    """
    return he_uniform(tensor, a, mode, nonlinearity, _pick(generator, rng, "kaiming_uniform_"))


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: RNG = None, *,
                    rng: RNG = None) -> Tensor:
    """PyTorch's ``nn.init.kaiming_normal_``: :func:`he_normal` with PyTorch's default
    ``nonlinearity="leaky_relu"``."""
    return he_normal(tensor, a, mode, nonlinearity, _pick(generator, rng, "kaiming_normal_"))


INITS: dict[str, Callable[..., Tensor]] = {
    "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal,
    "xavier_uniform": glorot_uniform, "xavier_normal": glorot_normal,
    "he_uniform": he_uniform, "he_normal": he_normal,
    "kaiming_uniform": he_uniform, "kaiming_normal": he_normal,
    "uniform": uniform, "normal": normal, "zeros": zeros, "ones": ones,
}


def init_linear(weight: Tensor, bias: Tensor | None, init: Any, rng: RNG) -> None:
    """Initialise a layer's weight and bias by ``init``.

    ``None`` or ``"default"``: PyTorch's default (:func:`linear_default`).
    A name from ``INITS`` or a callable ``fn(weight, rng=...)``: applied to the
    weight, and the bias starts at zero.
    """
    g = generator(rng)
    if init is None or init == "default":
        linear_default(weight, bias, g)
        return
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(f"init: unknown initialiser {init!r}; expected 'default' or one of "
                             f"{', '.join(sorted(INITS))}, or a callable fn(weight, rng=...)")
        fn = INITS[init]
    elif callable(init):
        fn = init
    else:
        raise TypeError(f"init: expected a name or a callable, got {type(init).__name__}")
    fn(weight, rng=g)
    if bias is not None:
        zeros(bias)
