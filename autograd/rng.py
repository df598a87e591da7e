"""The default random generator, and ``manual_seed`` to make runs reproducible.

Everything random in chainrule (``randn``/``rand``, ``nn.init``, layers and
``MLP`` weights, ``nn.scalar`` weights, dropout masks, ``DataLoader``
shuffling, ``train_test_split`` and the toy data sets) takes ``rng`` or
``seed``: a ``numpy.random.Generator`` or an int. When none is given they all
draw from one default generator, seeded from fresh entropy at import, so
``manual_seed(n)`` makes a whole script reproducible, as ``torch.manual_seed``
does. An explicit generator or seed is used as given and leaves the default
generator alone.

This is the one deliberate piece of global state besides grad mode. Unlike
grad mode it is shared by every thread (as PyTorch's default generator is):
threads that need independent streams pass their own generators.
``np.random.seed`` does not affect it (NumPy's legacy global state is a
different generator).

>>> import autograd
>>> from autograd import randn
>>> _ = autograd.manual_seed(0); a = randn(3).data
>>> _ = autograd.manual_seed(0); b = randn(3).data
>>> bool((a == b).all()), autograd.initial_seed()
(True, 0)
"""
from __future__ import annotations

import numpy as np

__all__ = ["default_generator", "generator", "initial_seed", "manual_seed", "seed"]

# One object for the whole process: re-seeding changes its state in place, so code
# that kept a reference to it (a Dropout layer, a DataLoader) follows the new seed.
_DEFAULT = np.random.default_rng()
_initial: int | None = None


def _check_seed(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"manual_seed: expected a non-negative int, got {value!r}")
    if value < 0:
        raise ValueError(f"manual_seed: the seed must be >= 0, got {value}")
    return int(value)


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the default generator; returns it. Every draw that gets no ``rng``/``seed`` after
    this call repeats from one run to the next.

    >>> from nn import Linear
    >>> _ = manual_seed(3); w1 = Linear(2, 2).weight.data
    >>> _ = manual_seed(3); w2 = Linear(2, 2).weight.data
    >>> bool((w1 == w2).all())
    True
    """
    global _initial
    _initial = _check_seed(seed)
    _DEFAULT.bit_generator.state = np.random.PCG64(_initial).state
    return _DEFAULT


def seed() -> int:
    """Seed the default generator from fresh entropy; returns the seed used."""
    value = int(np.random.SeedSequence().entropy % (2 ** 63))
    manual_seed(value)
    return value


def initial_seed() -> int | None:
    """The seed last given to :func:`manual_seed` (None if it was never called)."""
    return _initial


def default_generator() -> np.random.Generator:
    """The generator used when no ``rng`` or ``seed`` is given."""
    return _DEFAULT


def generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A ``Generator`` from a generator (as is), an int seed (a new generator), or None
    (the default generator, see :func:`manual_seed`)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return _DEFAULT
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng: expected a numpy.random.Generator or an int seed, got {rng!r}")
