"""State dicts and ``.npz`` weights files: checking a state against a model, reading, writing.

``Module.state_dict``, ``load_state_dict``, ``save`` and ``load`` are the
interface; this module holds what they share with no model in hand: the
errors, the check that a state dict fits a model's entries (everything is
checked before anything is copied), and the archive format (one ``.npy``
member per dotted key, no pickle).

>>> import os, tempfile
>>> from nn import Linear
>>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
>>> Linear(3, 2, rng=0).save(path)
>>> {key: arr.shape for key, arr in read_weights(path).items()}
{'weight': (2, 3), 'bias': (2,)}
"""
from __future__ import annotations

import os
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from autograd import Tensor
from autograd.node import Node


class StateDictError(RuntimeError):
    """A state dict does not fit the model: missing or unexpected keys, or wrong shapes."""


class WeightsFileError(ValueError):
    """A weights file is missing, corrupted, or not an ``.npz`` archive."""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def check_state_dict(own: Mapping[str, Tensor], state: Any, strict: bool, owner: str
                     ) -> tuple[dict[str, np.ndarray], IncompatibleKeys]:
    """The arrays of ``state`` to copy into ``own`` (a model's entries by dotted key),
    and the keys skipped; raises ``StateDictError`` naming every problem at once.

    A wrong shape always raises; with ``strict=True`` so do missing and
    unexpected keys. ``owner`` (the model's class name) goes in the message.
    """
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
        raise StateDictError(f"load_state_dict into {owner} failed:\n  "
                             + "\n  ".join(problems))
    return arrays, IncompatibleKeys(missing, unexpected)


def _to_array(value: Any) -> np.ndarray:
    if isinstance(value, Node):
        return value._data
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a PyTorch tensor
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError("not numeric")
    return arr


def write_weights(state: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the arrays of ``state`` to ``path`` as an ``.npz`` archive (no pickle)."""
    path = os.fspath(path)
    tmp = path + ".part"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        for key, arr in state.items():
            with zf.open(key + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asarray(arr), allow_pickle=False)
    os.replace(tmp, path)


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
