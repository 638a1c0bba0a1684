"""Cross-platform file locks: the portability shim for every lock piri-qual takes.

A coder log is locked through a sidecar lock file (``codings/.<coder>.jsonl.lock``) rather than
the log itself, because on Windows a lock on the log would also block other processes from
*reading* it (locks there are mandatory), and a coding screen reads other coders' logs while
they code. The lock is `filelock <https://py-filelock.readthedocs.io>`_ (Unlicense; used by pip,
virtualenv and tox): ``fcntl.flock`` on Linux and macOS, ``msvcrt.locking`` on Windows, and a
soft lock where neither exists. We do not write our own because getting the Windows half right
without a Windows machine to test on is exactly the kind of code a well-kept library exists for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from piri_qual.errors import PiriQualError, shown

#: Seconds to wait for another piri-qual process to finish its append before giving up.
LOCK_TIMEOUT = 60.0


def lock_path(path: Path) -> Path:
    """The sidecar lock file of ``path`` (hidden, next to it; git-ignored by ``init``)."""
    return path.with_name(f".{path.name}.lock")


@contextmanager
def log_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` for the body, or fail with one clear line."""
    lock = FileLock(lock_path(path), timeout=timeout, mode=0o600)
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
