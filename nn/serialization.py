"""State dicts and ``.npz`` weights files: checking a state against a model, reading, writing.

``Module.state_dict``, ``load_state_dict``, ``save`` and ``load`` are the
interface; this module holds what they share with no model in hand: the
errors, the check that a state dict fits a model's entries (everything is
checked before anything is copied), and the archive format (one ``.npy``
member per dotted key, no pickle).

A weights file may come from anywhere, so it is read with care: each member's
``.npy`` header (shape and dtype) is read before its data, and a member is
refused before it is inflated when its key or shape does not fit the model,
its dtype is not a real number type, its size differs from what its header
says, or it would inflate past ``MAX_MEMBER_BYTES``. Keys the model lacks are
skipped unread. Values are checked too: a value that overflows the
parameter's dtype (1e300 into float32) is refused, never turned into inf.

>>> import os, tempfile
>>> from nn import Linear
>>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
>>> Linear(3, 2, rng=0).save(path)
>>> {key: arr.shape for key, arr in read_weights(path).items()}
{'weight': (2, 3), 'bias': (2,)}
"""
from __future__ import annotations

import math
import os
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import IO, Any, NamedTuple

import numpy as np

from autograd import Tensor
from autograd.node import Node


# The most one member of a weights file may inflate to (1 GiB; a 250M-float32 parameter).
MAX_MEMBER_BYTES = 1 << 30
# Real numbers: b bool, i/u integers, f floats.
_REAL_KINDS = "biuf"


class StateDictError(RuntimeError):
    """A state dict does not fit the model: missing or unexpected keys, wrong shapes or dtypes,
    or values the parameter's dtype cannot hold."""


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

    A wrong shape, a dtype that is not a real number type (complex, strings,
    dates, records, objects) or a value the entry's dtype cannot hold always
    raises; with ``strict=True`` so do missing and unexpected keys. ``owner``
    (the model's class name) goes in the message. The arrays come back in the
    entries' dtypes, so copying them cannot fail.
    """
    if not isinstance(state, Mapping):
        raise StateDictError(f"load_state_dict into {owner}: expected a mapping of dotted names "
                             f"to arrays (a state dict), got {type(state).__name__}")
    arrays: dict[str, np.ndarray] = {}
    problems: list[str] = []
    for key, value in state.items():
        if key not in own:
            continue
        try:
            arr = _to_array(value)
        except (TypeError, ValueError) as exc:
            problems.append(f"{key}: cannot convert {type(value).__name__} to an array ({exc})")
            continue
        problem = _shape_problem(key, arr.shape, own[key].shape) or _dtype_problem(key, arr.dtype)
        if problem is None:
            arr, problem = _cast(key, arr, own[key].dtype)
        if problem is not None:
            problems.append(problem)
        else:
            arrays[key] = arr
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    _raise_problems(problems, missing, unexpected, strict, f"load_state_dict into {owner}")
    return arrays, IncompatibleKeys(missing, unexpected)


def _raise_problems(problems: list[str], missing: list[str], unexpected: list[Any],
                    strict: bool, what: str) -> None:
    if strict:
        if missing:
            problems.append(f"missing key(s): {', '.join(missing)}")
        if unexpected:
            problems.append(f"unexpected key(s): {', '.join(map(str, unexpected))}")
    if problems:
        raise StateDictError(f"{what} failed:\n  " + "\n  ".join(problems))


def _shape_problem(key: str, got: tuple[int, ...], want: tuple[int, ...]) -> str | None:
    if tuple(got) == tuple(want):
        return None
    return f"{key}: shape {tuple(got)} in the state dict, but {tuple(want)} in the model"


def _dtype_problem(key: str, dtype: np.dtype) -> str | None:
    if dtype.kind in _REAL_KINDS and dtype.names is None and dtype.subdtype is None:
        return None
    return (f"{key}: dtype {dtype} is not a real number type (expected bool, integer or "
            "floating point)")


def _cast(key: str, arr: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, str | None]:
    """``arr`` in ``dtype``, or a problem when a value does not fit (overflow, a fraction
    or NaN into integers)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = arr.astype(dtype)
    if dtype.kind == "f":
        bad = np.isfinite(arr) & ~np.isfinite(out)
        if bad.any():
            worst = arr[bad].flat[0].item()
            return out, (f"{key}: the value {worst!r} overflows the model's dtype {dtype} "
                         f"(largest finite {np.finfo(dtype).max:.4g})")
        return out, None
    with np.errstate(over="ignore", invalid="ignore"):
        back = out.astype(arr.dtype)
    same = back == arr
    if not np.all(same):
        worst = arr[~same].flat[0].item()
        return out, f"{key}: the value {worst!r} does not fit the model's dtype {dtype}"
    return out, None


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


class _Member(NamedTuple):
    info: zipfile.ZipInfo
    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int


def read_weights(path: str | os.PathLike[str], own: Mapping[str, Any] | None = None,
                 strict: bool = True, owner: str = "the model",
                 max_bytes: int = MAX_MEMBER_BYTES) -> "OrderedDict[str, np.ndarray]":
    """The arrays of an ``.npz`` weights file, by name; a clear error if it is not one.

    Every member's header is read and checked before any data is inflated: its
    dtype must be a real number type and its size what the header says, at most
    ``max_bytes``. With ``own`` (a model's entries by dotted key, as
    ``Module.load`` passes), keys the model lacks are skipped unread, and a
    wrong shape (or, with ``strict``, a missing or unexpected key) raises
    ``StateDictError`` before anything is inflated.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no weights file at {path!r}")
    try:
        with open(path, "rb") as raw:
            if raw.read(6) == b"\x93NUMPY":
                raise WeightsFileError(
                    f"load: {path!r} holds a single array, not an .npz archive of named "
                    "weights (write one with Module.save)")
        with zipfile.ZipFile(path) as zf:
            members = _headers(zf, path, own, strict, owner, max_bytes)
            return OrderedDict((key, _read_member(zf, m)) for key, m in members.items())
    except (StateDictError, WeightsFileError):
        raise
    # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
    except (ValueError, OSError, EOFError, KeyError, RuntimeError, NotImplementedError,
            zipfile.BadZipFile, zlib.error) as exc:
        raise WeightsFileError(
            f"load: {path!r} is not a readable .npz weights file ({type(exc).__name__}: {exc}); "
            "it may be truncated or corrupted, or not written by Module.save / np.savez"
        ) from None


def _headers(zf: zipfile.ZipFile, path: str, own: Mapping[str, Any] | None, strict: bool,
             owner: str, max_bytes: int) -> dict[str, _Member]:
    """Each wanted member's header, checked; raises before any member is inflated."""
    members: dict[str, _Member] = {}
    problems: list[str] = []
    unexpected: list[str] = []
    found: set[str] = set()
    for info in zf.infolist():
        key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        if own is not None and key not in own:
            unexpected.append(key)
            continue
        found.add(key)
        if not info.filename.endswith(".npy"):
            raise WeightsFileError(f"load: {path!r}: member {info.filename!r} is not an .npy "
                                   "array")
        with zf.open(info) as f:
            try:
                shape, dtype = _read_header(f, path, info.filename)
            except ValueError as exc:
                if isinstance(exc, WeightsFileError):
                    raise
                raise WeightsFileError(f"load: {path!r}: member {info.filename!r} does not "
                                       f"start with a valid .npy header ({exc})") from None
            start = f.tell()
        problem = _dtype_problem(key, dtype)
        if problem is None and own is not None:
            problem = _shape_problem(key, shape, own[key].shape)
        if problem is not None:
            problems.append(problem)
            continue
        nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
        if nbytes > max_bytes:
            raise WeightsFileError(
                f"load: {path!r}: {key} is {shape} {dtype}, {nbytes} bytes, more than the "
                f"limit of {max_bytes} bytes for one array (max_bytes=)")
        if info.file_size != start + nbytes:
            raise WeightsFileError(
                f"load: {path!r}: {key} holds {info.file_size - start} bytes of data but its "
                f"header promises {shape} {dtype} ({nbytes} bytes): the file is corrupted")
        members[key] = _Member(info, shape, dtype, nbytes)
    if own is not None:
        missing = [k for k in own if k not in found]
        _raise_problems(problems, missing, unexpected, strict, f"load into {owner} from {path!r}")
    elif problems:
        raise StateDictError(f"load from {path!r} failed:\n  " + "\n  ".join(problems))
    return members


def _read_header(f: IO[bytes], path: str, name: str) -> tuple[tuple[int, ...], np.dtype]:
    fmt = np.lib.format
    version = fmt.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = fmt.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = fmt.read_array_header_2_0(f)
    else:
        raise WeightsFileError(f"load: {path!r}: member {name!r} uses .npy format "
                               f"{version}, which is not read here (1.0 and 2.0 are)")
    return tuple(int(n) for n in shape), np.dtype(dtype)


def _read_member(zf: zipfile.ZipFile, m: _Member) -> np.ndarray:
    # read_array reads the header again and then exactly the promised bytes.
    with zf.open(m.info) as f:
        return np.lib.format.read_array(f, allow_pickle=False)
