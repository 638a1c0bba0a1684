"""Append-only JSON-lines files: the one way piri-qual grows a log and the one way it reads one.

Coder logs (``codings/<coder>.jsonl``) and codebook histories (``codebooks/<name>.history.jsonl``)
are both append-only, both merged by git's union driver, and both written here: under the file's
cross-platform lock (:mod:`piri_qual.core.locking`), in binary mode, with a torn last line from a
crash ended first so that it stays one bad line, and fsynced before the call returns. Both are
read by :func:`parse_records`, which skips a line that is not a record with one warning naming
file:line, so a crash or a hand edit costs that line and never the log.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from piri_qual.errors import PiriQualWarning, os_problem

T = TypeVar("T")

_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation in the log


def append_lines(path: Path, lines: list[str], *, locked: bool = False) -> None:
    """Append ``lines`` (without newlines) to ``path`` and fsync; ``locked``: the caller holds the lock."""
    if not lines:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if locked:
        _append(path, lines)
        return
    # Deferred: the lock library costs 25 ms to import, which every command that only reads a
    # log or a codebook history (summary, search, quotes, undo's look-up) would otherwise pay.
    from piri_qual.core.locking import log_lock

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


def parse_records(data: bytes, path: Path, build: Callable[[dict[str, Any]], T], what: str,
                  what_one: str = "record") -> Iterator[T]:
    """Each line of ``data`` built into a record by ``build``; lines that are not JSON objects, or
    that ``build`` refuses (``ValueError``/``TypeError``), are skipped with a warning that names
    ``path:line`` and calls the file ``what`` ("log", "codebook history") and a line ``what_one``
    ("event", "change")."""
    lines = data.split(b"\n")
    torn_tail = bool(lines and lines[-1])
    for number, raw in enumerate(lines, start=1):
        record = parse_line(raw, number, path, build, what, what_one, last=number == len(lines) and torn_tail)
        if record is not None:
            yield record


def parse_line(raw: bytes, number: int, path: Path, build: Callable[[dict[str, Any]], T], what: str,
               what_one: str = "record", *,
               last: bool = False) -> T | None:
    """One line (number ``number``, ``last`` when it is a last line without its newline) built
    into a record, or None for a blank line or, with the warning :func:`parse_records` gives, a
    line that is not a record."""
    if not raw.strip():
        return None
    try:
        obj = json.loads(raw.decode("utf-8"))
        if not isinstance(obj, dict):
            raise ValueError("not a JSON object")
        return build(obj)
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: json.loads on a line of deeply nested brackets (a fuzzer found it)
        if last:
            why = "an incomplete last line (a write cut off by a crash?)"
        elif isinstance(exc, TypeError):  # well-formed JSON with a field of the wrong type
            why = f"a line that is not a valid {what_one} ({exc}; edited by hand or by another tool?)"
        else:
            why = f"a damaged or incomplete line, perhaps cut off by a crash ({exc})"
        warnings.warn(f"{path}:{number}: skipped {why}; the rest of the {what} is intact",
                      PiriQualWarning, stacklevel=4)
        return None
