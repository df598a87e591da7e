"""The IDX file format (MNIST's), read with the header checked before any data is.

An IDX file is a magic number ``00 00 <type code> <ndim>``, ``ndim`` big-endian
uint32 sizes, then the values, big-endian. The file may come from anywhere, so
the header is checked first, with Python integers (no overflow): the size it
promises must be at most ``max_bytes`` and, for a plain file, exactly what the
file holds; a gzip stream is read in chunks, so a header that promises more
than the stream holds is reported as truncated without allocating what it
promised. Nothing is allocated before those checks, and errors name the file.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
>>> _ = p.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
>>> read_idx(p)
array([7, 8, 9], dtype=uint8)
"""
from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path
from typing import IO

import numpy as np

__all__ = ["IDXError", "MAX_IDX_BYTES", "read_idx"]

# The most data one IDX file may hold (1 GiB: EMNIST's largest file holds half of that).
MAX_IDX_BYTES = 1 << 30
_CHUNK = 1 << 22


class IDXError(ValueError):
    """A file that is not valid IDX data (bad magic number, truncated, too large...)."""


# IDX type codes (third byte of the magic number) and their big-endian dtypes.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _header(head: bytes, name: str, max_bytes: int
            ) -> tuple[int, tuple[int, ...], np.dtype, int]:
    """(header length, dims, dtype, data bytes) from the first bytes of an IDX file."""
    if len(head) < 4:
        raise IDXError(f"{name}: truncated: {len(head)} bytes, too short for an IDX header")
    code, ndim = head[2], head[3]
    if head[:2] != b"\0\0" or code not in _IDX_TYPES or ndim == 0:
        raise IDXError(
            f"{name}: bad magic number 0x{head[:4].hex()}: an IDX file starts with two zero "
            "bytes, a type code (08 ubyte, 09 byte, 0B short, 0C int, 0D float, 0E double) "
            "and the number of dimensions"
        )
    start = 4 + 4 * ndim
    if len(head) < start:
        raise IDXError(f"{name}: truncated inside the header ({len(head)} of {start} bytes)")
    dims = struct.unpack(f">{ndim}I", head[4:start])
    dtype = np.dtype(_IDX_TYPES[code])
    nbytes = math.prod(dims) * dtype.itemsize  # Python ints: no wrap-around
    if nbytes > max_bytes:
        raise IDXError(
            f"{name}: the header promises {'x'.join(map(str, dims))} values of "
            f"{dtype.itemsize} byte(s), {nbytes} bytes, more than the limit of {max_bytes} "
            "bytes (pass max_bytes= to read larger files)"
        )
    return start, dims, dtype, nbytes


def _truncated(name: str, dims: tuple[int, ...], dtype: np.dtype, need: int, have: int
               ) -> IDXError:
    return IDXError(
        f"{name}: truncated: the header promises {'x'.join(map(str, dims))} values of "
        f"{dtype.itemsize} byte(s) ({need} bytes in all) but there are only {have}"
    )


def _decode(buf: bytearray | np.ndarray, dims: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    arr = np.frombuffer(buf, dtype=dtype, count=math.prod(dims)).reshape(dims)
    # Native byte order; writable (a copy unless the buffer is a fresh writable one already).
    return arr.astype(dtype.newbyteorder("="), copy=not arr.flags.writeable)


def _read_up_to(f: IO[bytes], n: int) -> bytearray:
    """At most ``n`` bytes, in chunks: memory grows with what the stream really holds."""
    buf = bytearray()
    while len(buf) < n:
        chunk = f.read(min(_CHUNK, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def read_idx(path: str | os.PathLike[str], max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file (plain or gzip-compressed, detected from its first bytes).

    The header is checked before the data is read: a file that would hold more
    than ``max_bytes`` of data, is shorter or longer than its header says, or is
    damaged raises :class:`IDXError` naming the file.
    """
    path = Path(path)
    name = str(path)
    with open(path, "rb") as f:
        compressed = f.read(2) == b"\x1f\x8b"
        size = os.fstat(f.fileno()).st_size
    if not compressed:
        with open(path, "rb") as f:
            return _read_plain(f, size, name, max_bytes)
    try:
        with gzip.open(path, "rb") as gz:
            return _read_stream(gz, name, max_bytes)
    except (EOFError, OSError, zlib.error) as exc:
        raise IDXError(f"{name}: the gzip data is damaged or truncated ({exc})") from None


def _read_plain(f: IO[bytes], size: int, name: str, max_bytes: int) -> np.ndarray:
    head = f.read(4)
    if len(head) == 4:
        head += f.read(4 * head[3])
    start, dims, dtype, nbytes = _header(head, name, max_bytes)
    need = start + nbytes
    if size < need:
        raise _truncated(name, dims, dtype, need, size)
    if size > need:
        raise IDXError(f"{name}: {size - need} unexpected bytes after the data")
    data = np.empty(nbytes, dtype=np.uint8)
    if f.readinto(memoryview(data)) != nbytes:  # pragma: no cover - the file changed under us
        raise IDXError(f"{name}: the file changed while it was read")
    return _decode(data, dims, dtype)


def _read_stream(f: IO[bytes], name: str, max_bytes: int) -> np.ndarray:
    head = bytes(_read_up_to(f, 4))
    if len(head) == 4:
        head += bytes(_read_up_to(f, 4 * head[3]))
    start, dims, dtype, nbytes = _header(head, name, max_bytes)
    data = _read_up_to(f, nbytes)
    if len(data) < nbytes:
        raise _truncated(name, dims, dtype, start + nbytes, start + len(data))
    if f.read(1):
        raise IDXError(f"{name}: unexpected bytes after the data (the header promises "
                       f"{start + nbytes} bytes in all)")
    return _decode(data, dims, dtype)
