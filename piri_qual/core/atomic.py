"""Crash-safe file writes.

A study folder holds months of a researcher's work, so no write may leave a half-written file:
whole files are replaced atomically (temp file, fsync, rename, fsync of the folder), and logs
grow only by fsynced appends.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_stream(path: str | Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, piece by piece, replacing it atomically.

    The data goes to a temporary file beside ``path``; when the ``with`` block ends without an
    error the file is fsynced and renamed over ``path`` (and the folder fsynced), so readers see
    the old or the new file, never a mix, and a large export never has to be held in memory
    whole. On an error the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        elif target.exists():
            os.chmod(tmp_name, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp_name, 0o644 & ~_current_umask())
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(target.parent)


def atomic_write_bytes(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never a mix."""
    with atomic_stream(path, mode) as handle:
        handle.write(data)


def atomic_write_text(path: str | Path, text: str, mode: int | None = None) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8, newlines kept as given)."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
