"""PyTorch's ``torch.nn.utils`` names: gradient clipping (the functions of :mod:`optim.clip`).

Call them between ``loss.backward()`` and ``optimizer.step()``.

>>> import numpy as np
>>> import nn
>>> layer = nn.Linear(2, 1, rng=0)
>>> layer.weight.grad = np.array([[3.0, 4.0]], dtype=np.float32)
>>> nn.utils.clip_grad_norm_(layer.weight, max_norm=1.0)
5.0
>>> nn.utils.clip_grad_value_(layer.parameters(), 0.5)
>>> layer.weight.grad.round(2).tolist()
[[0.5, 0.5]]
"""
from __future__ import annotations

from optim.clip import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
