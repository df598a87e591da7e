"""FTRL-Proximal: "follow the regularized leader", with L1, L2 and L2 shrinkage.

The update TensorFlow documents for ``tf.keras.optimizers.Ftrl``. For a
parameter w with gradient g (n is ``state["accumulator"]``, starting at
initial_accumulator_value; z is ``state["linear"]``, starting at 0; lr is
learning_rate, p is learning_rate_power, lambda_1, lambda_2 and lambda_s are
the l1, l2 and l2_shrinkage strengths):

    g_s    = g + 2 * lambda_s * w          (the "gradient with shrinkage")
    prev_n = n
    n      = n + g^2
    sigma  = (n^-p - prev_n^-p) / lr
    z      = z + g_s - sigma * w
    w      = 0                                                  if |z| < lambda_1
    w      = (sign(z) * lambda_1 - z) / ((beta + n^-p) / lr + lambda_2)   otherwise

With the default p = -0.5, n^-p is sqrt(n), as in Keras's formula; the
shrinkage term follows TensorFlow's ``ApplyFtrlV2`` (the plain g^2 feeds n,
g_s feeds z). The denominator has lambda_2 as Keras's documentation and
McMahan et al. (2013), "Ad click prediction: a view from the trenches", write
it; TensorFlow's kernel adds 2 * l2 there, so to reproduce TensorFlow's
numbers pass twice its l2_regularization_strength.

The new w does not depend on the old w except through z: FTRL is a
proximal step, not a gradient step, so ``explain_step()`` reports the
update as new w minus old w.

>>> from autograd import Value
>>> from optim import FTRL
>>> w = Value(3.0)
>>> opt = FTRL([w], learning_rate=0.5, l1_regularization_strength=0.1)
>>> for _ in range(3):
...     opt.zero_grad()
...     ((w - 1) * (w - 1)).backward()
...     opt.step()
>>> round(w.data, 4)
1.7952
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .optimizer import Optimizer, ParamsT, assign, clip, full_like, zeros_like


class FTRL(Optimizer):
    """FTRL-Proximal with Keras's arguments; the learning rate is kept in ``group["lr"]``.

    Storing it as ``lr`` lets the schedules in :mod:`optim.lr_scheduler`
    drive it; a param-group dict may give either ``lr`` or ``learning_rate``.
    """

    def __init__(self, params: ParamsT, learning_rate: float = 0.001,
                 learning_rate_power: float = -0.5, initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0,
                 l2_shrinkage_regularization_strength: float = 0.0,
                 beta: float = 0.0) -> None:
        defaults = {
            "lr": learning_rate,
            "learning_rate_power": learning_rate_power,
            "initial_accumulator_value": initial_accumulator_value,
            "l1_regularization_strength": l1_regularization_strength,
            "l2_regularization_strength": l2_regularization_strength,
            "l2_shrinkage_regularization_strength": l2_shrinkage_regularization_strength,
            "beta": beta,
        }
        super().__init__(params, defaults)

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        if isinstance(param_group, Mapping) and "learning_rate" in param_group:
            param_group = dict(param_group)
            param_group["lr"] = param_group.pop("learning_rate")
        super().add_param_group(param_group)

    def _check_group(self, group: dict[str, Any]) -> None:
        # The update divides by the learning rate, so 0 is excluded.
        self._check("learning_rate", group["lr"], lambda v: v > 0, "a number > 0")
        self._check("learning_rate_power", group["learning_rate_power"], lambda v: v <= 0,
                    "a number <= 0")
        for key in ("initial_accumulator_value", "l1_regularization_strength",
                    "l2_regularization_strength", "l2_shrinkage_regularization_strength",
                    "beta"):
            self._check(key, group[key], lambda v: v >= 0, "a number >= 0")

    def _update(self, x: Any, g: Any, state: dict[str, Any], group: dict[str, Any],
                note: Any) -> Any:
        if not state:
            state["accumulator"] = full_like(x, group["initial_accumulator_value"])
            state["linear"] = zeros_like(x)
        lr, power = group["lr"], -group["learning_rate_power"]
        l1, l2 = group["l1_regularization_strength"], group["l2_regularization_strength"]
        shrinkage = group["l2_shrinkage_regularization_strength"]
        g_s = g + 2 * shrinkage * x if shrinkage != 0 else g
        n = state["accumulator"]
        prev_n_pow = n ** power
        n += g * g
        state["accumulator"] = n
        n_pow = n ** power
        sigma = (n_pow - prev_n_pow) / lr
        z = state["linear"]
        z += g_s - sigma * x
        state["linear"] = z
        quadratic = (group["beta"] + n_pow) / lr + l2
        note["sigma"] = sigma
        note["quadratic"] = quadratic
        # clip(z) - z is sign(z) * l1 - z where |z| >= l1, and 0 where |z| < l1.
        return assign(x, (clip(z, -l1, l1) - z) / quadratic)
