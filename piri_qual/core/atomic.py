"""Crash-safe file writes.

A study folder holds months of a researcher's work, so no write may leave a half-written file:
whole files are replaced atomically (temp file, fsync, rename, fsync of the folder), and logs
grow only by fsynced appends. A write that the machine refuses (a full disk, a read-only or
unwritable folder, a path through a file, a name too long) is one clear
:class:`~piri_qual.errors.PiriQualError` naming the file, and the file as it was is untouched.

New files get the mode of the permissions policy in force (:mod:`piri_qual.core.permissions`,
owner-only by default); a file that already exists keeps its mode.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from piri_qual.core.permissions import file_mode
from piri_qual.errors import PiriQualError, os_problem


def fsync_folder(folder: Path) -> None:
    """Make the names in ``folder`` durable (a rename into it survives a power cut); best effort:
    some systems cannot open a folder for it."""
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


def make_folder(folder: Path) -> None:
    """Create ``folder`` and its parents, or fail with one line (a parent that is a file, ...)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise PiriQualError(
            "cannot create this folder: part of its path is a file, not a folder",
            path=folder, hint="Check the path.",
        ) from None
    except OSError as exc:
        raise (os_problem(exc, folder, "cannot create this folder") or exc) from None


@contextmanager
def atomic_stream(path: str | Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, piece by piece, replacing it atomically.

    The data goes to a temporary file beside ``path``; when the ``with`` block ends without an
    error the file is fsynced and renamed over ``path`` (and the folder fsynced), so readers see
    the old or the new file, never a mix, and a large export never has to be held in memory
    whole. On an error the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    make_folder(target.parent)
    if target.is_dir():
        raise PiriQualError("is a folder, not a file", path=target, hint="Give a file name.")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name[:80]}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise (os_problem(exc, target, "cannot write") or exc) from None
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
            os.chmod(tmp_name, file_mode())
        os.replace(tmp_name, target)
    except BaseException as exc:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            problem = os_problem(exc, target, "cannot write")
            if problem is not None:
                raise problem from None
        raise
    fsync_folder(target.parent)


def atomic_write_bytes(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never a mix."""
    with atomic_stream(path, mode) as handle:
        handle.write(data)


def atomic_write_text(path: str | Path, text: str, mode: int | None = None) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8, newlines kept as given)."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)
