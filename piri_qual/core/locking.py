"""Cross-platform file locks: the portability shim for every lock piri-qual takes.

Two kinds of lock:

* **A log's lock** (:func:`log_lock`), held for one append. A coder log is locked through a
  sidecar lock file (``codings/.<coder>.jsonl.lock``) rather than the log itself, because on
  Windows a lock on the log would also block other processes from *reading* it (locks there are
  mandatory), and a coding screen reads other coders' logs while they code.
* **The study's lock** (:func:`study_lock`, ``.piri-qual.lock`` at the study's root), held by
  whatever changes the study as a whole: an import (transcripts, ``participants.csv``, kept
  sources), a codebook change, a reconciliation decision. Two imports at once used to lose rows
  of ``participants.csv`` (each read it, added its own, and wrote it back) and to make duplicate
  transcripts of one file. A second process waits, saying once what the first is doing
  ("another piri-qual is importing; waiting"); the lock is reentrant within a process, so an
  import that re-anchors codings (and so appends to logs) or adds themes keeps holding it.
  The order is always study lock, then a log's lock, so two processes cannot deadlock.

The locks are `filelock <https://py-filelock.readthedocs.io>`_ (Unlicense; used by pip,
virtualenv and tox): ``fcntl.flock`` on Linux and macOS, ``msvcrt.locking`` on Windows, and a
soft lock where neither exists. An operating-system lock is released when its process dies, so a
killed import never leaves the study locked. We do not write our own because getting the
Windows half right without a Windows machine to test on is exactly the kind of code a well-kept
library exists for.

filelock is imported with the first lock taken, not with this module: every command loads this
module (the settings name the study's lock file), most take no lock, and filelock 4 costs about
40 ms of start-up (it loads ``inspect``, ``secrets`` and ``logging``), a fifth of ``summary``.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from piri_qual.core.permissions import file_mode
from piri_qual.errors import PiriQualError, PiriQualNotice, shown

if TYPE_CHECKING:
    from filelock import FileLock

#: Seconds to wait for another piri-qual process to finish its append before giving up.
LOCK_TIMEOUT = 60.0
#: Seconds to wait for another process's import or codebook change (an import of many .docx
#: files takes minutes).
STUDY_LOCK_TIMEOUT = 1800.0
STUDY_LOCK = ".piri-qual.lock"
_WHO = ".who"


def lock_path(path: Path) -> Path:
    """The sidecar lock file of ``path`` (hidden, next to it; git-ignored by ``init``)."""
    return path.with_name(f".{path.name}.lock")


@contextmanager
def log_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` for the body, or fail with one clear line."""
    from filelock import FileLock, Timeout

    lock = FileLock(lock_path(path), timeout=timeout, mode=file_mode())
    try:
        lock.acquire()
    except Timeout:
        raise PiriQualError(
            f"another piri-qual process has held the lock for {timeout:.0f} s",
            path=path,
            hint=f"Wait for it to finish, or delete {shown(lock_path(path))} if no piri-qual command is running.",
        ) from None
    try:
        yield
    finally:
        lock.release()


class _Held:
    """This process's hold on one study's lock: the lock, how deep, and a guard for threads."""

    def __init__(self, path: Path) -> None:
        from filelock import FileLock

        self.lock = FileLock(path, mode=file_mode(), thread_local=False)
        self.depth = 0
        self.guard = threading.RLock()


_held: dict[Path, _Held] = {}
_held_guard = threading.Lock()


@contextmanager
def study_lock(root: Path, doing: str, timeout: float = STUDY_LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the study's lock for the body, waiting (and saying so once) while another process has it.

    ``doing`` names the change for the waiting message ("importing", "changing the codebook").
    Reentrant in one process; threads of one process take turns.
    """
    path = Path(root) / STUDY_LOCK
    with _held_guard:
        held = _held.setdefault(path, _Held(path))
    with held.guard:
        if held.depth == 0:
            _acquire(held.lock, path, doing, timeout)
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0:
                _forget_who(path)
                held.lock.release()


def _acquire(lock: FileLock, path: Path, doing: str, timeout: float) -> None:
    from filelock import Timeout

    try:
        lock.acquire(blocking=False)
    except Timeout:
        other = _read_who(path)
        warnings.warn(
            f"another piri-qual is {other or 'changing this study'}; waiting"
            + (f" (process {_read_pid(path)})" if _read_pid(path) else ""),
            PiriQualNotice,
            stacklevel=4,
        )
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise PiriQualError(
                f"another piri-qual has been {other or 'changing this study'} for {timeout / 60:.0f} minutes",
                path=path.parent,
                hint="Wait for it to finish; if no piri-qual command is running, run this one again.",
            ) from None
    except OSError as exc:
        raise PiriQualError(
            f"cannot lock the study ({exc.strerror or exc})",
            path=path.parent,
            hint="Check that you may write in the study folder.",
        ) from None
    _write_who(path, doing)


def _who_path(path: Path) -> Path:
    return path.with_name(path.name + _WHO)


def _write_who(path: Path, doing: str) -> None:
    """Say what the holder is doing, for a process that has to wait (best effort: a note only)."""
    try:
        _who_path(path).write_text(json.dumps({"doing": doing, "pid": os.getpid()}), encoding="utf-8")
    except OSError:
        pass


def _forget_who(path: Path) -> None:
    try:
        _who_path(path).unlink()
    except OSError:
        pass


def _read_note(path: Path) -> dict[str, object]:
    try:
        note = json.loads(_who_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return note if isinstance(note, dict) else {}


def _read_who(path: Path) -> str:
    doing = _read_note(path).get("doing")
    return doing if isinstance(doing, str) else ""


def _read_pid(path: Path) -> int | None:
    pid = _read_note(path).get("pid")
    return pid if isinstance(pid, int) and not isinstance(pid, bool) else None
