"""Appending lines to an append-only JSON-lines file: the one way piri-qual grows a log.

Coder logs (``codings/<coder>.jsonl``) and codebook histories (``codebooks/<name>.history.jsonl``)
are both append-only, both merged by git's union driver, and both written here: under the file's
cross-platform lock (:mod:`piri_qual.core.locking`), in binary mode, with a torn last line from a
crash ended first so that it stays one bad line, and fsynced before the call returns.
"""

from __future__ import annotations

import os
from pathlib import Path

from piri_qual.core.locking import log_lock
from piri_qual.errors import os_problem

_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation in the log


def append_lines(path: Path, lines: list[str], *, locked: bool = False) -> None:
    """Append ``lines`` (without newlines) to ``path`` and fsync; ``locked``: the caller holds the lock."""
    if not lines:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if locked:
        _append(path, lines)
        return
    with log_lock(path):
        _append(path, lines)


def _append(path: Path, lines: list[str]) -> None:
    try:
        _write(path, lines)
    except OSError as exc:
        # a full disk or a read-only folder: one line; a part written is at worst a torn last
        # line, which the next append ends and the reader skips
        problem = os_problem(exc, path, "could not save to this log")
        if problem is None:
            raise
        raise problem from None


def _write(path: Path, lines: list[str]) -> None:
    # 0666 less the umask (core/permissions.py): owner-only unless the study is shared
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | _BINARY, 0o666)
    try:
        prefix = b""
        size = os.fstat(fd).st_size
        if size:
            os.lseek(fd, size - 1, os.SEEK_SET)
            if os.read(fd, 1) != b"\n":
                prefix = b"\n"  # end a torn line from a crash so it stays one bad line
        payload = prefix + ("\n".join(lines) + "\n").encode("utf-8")
        written = 0
        while written < len(payload):
            written += os.write(fd, payload[written:])
        os.fsync(fd)
    finally:
        os.close(fd)
