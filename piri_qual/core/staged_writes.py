"""Whole files written now and made durable together: one batch, one wait for the disk.

Why: an import writes two files per transcript (its corpus file and the kept copy of its source),
and :func:`~piri_qual.core.atomic.atomic_write_bytes` waits for the disk after each one (an fsync
of the file and one of its folder). On ext4 each fsync is a journal commit of its own, so 1,000
transcripts spent most of their time waiting (issue #18). Here each file is written in full to a
temporary file beside its target at once, and :meth:`StagedWrites.commit` makes the whole batch
durable: every temporary file is fsynced (in parallel threads, which the file system serves with
shared journal commits), then each is renamed over its target, then each folder is fsynced once.

The crash guarantee is the one ``atomic_write_bytes`` gives, file by file: a target is replaced
only by a rename of a temporary file that is already whole on disk, so after a crash at any
moment each target is its old file (or absent) or its new file, never a mix. What a crash loses is
at most the batch not yet committed. Temporary files of a killed process are named
``.<name>.<random>.staged`` and are removed by :func:`remove_leftovers` (an import does it under
the study's lock, when no other writer can be midway).
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from piri_qual.core.atomic import fsync_folder, make_folder
from piri_qual.core.permissions import file_mode
from piri_qual.errors import PiriQualError, os_problem

SUFFIX = ".staged"
#: fsyncs in flight at once: enough for the file system to share journal commits between them.
SYNC_THREADS = 16


def sync_pool() -> ThreadPoolExecutor:
    """Threads to fsync batches with, for a caller that commits many of them (an import of 1,000
    files commits 32): started once, not per batch; the caller shuts it down when done."""
    return ThreadPoolExecutor(SYNC_THREADS, thread_name_prefix="piri-fsync")


def _sync_all(pool: ThreadPoolExecutor | None, fds: list[int]) -> None:
    """fsync every file in ``fds`` in ``pool`` (or in threads of its own); on any error or
    interruption, only once no thread still holds one of them (the caller then closes them)."""
    if pool is None:
        with ThreadPoolExecutor(min(SYNC_THREADS, len(fds))) as own:
            _sync_all(own, fds)
        return
    futures = [pool.submit(os.fsync, fd) for fd in fds]
    try:
        for future in futures:
            future.result()
    except BaseException:
        for future in futures:
            future.cancel()
        wait(futures)
        raise


@dataclass
class _Staged:
    fd: int
    tmp: str
    target: Path
    times: tuple[int, int] | None = None  # (atime, mtime) in ns to give the file once in place


class StagedWrites:
    """Files written whole now, put in place by :meth:`commit` (see the module docstring).

    Files are committed in the order they were staged, folder by folder in the order the folders
    first appear: stage what others refer to (a kept source) before what refers to it.
    """

    def __init__(self, pool: ThreadPoolExecutor | None = None) -> None:
        self._pool = pool  # the fsync threads (see sync_pool); None: threads per commit
        self._staged: list[_Staged] = []
        self._folders: set[Path] = set()  # made (or found) already

    def __len__(self) -> int:
        return len(self._staged)

    def stage(self, path: Path, data: bytes, times: tuple[int, int] | None = None) -> None:
        """Write ``data`` in full beside ``path``; ``path`` itself is untouched until commit, and
        then gets ``times`` (access and modification, in ns) when they are given."""
        if path.parent not in self._folders:
            make_folder(path.parent)
            self._folders.add(path.parent)
        if path.is_dir():
            raise PiriQualError("is a folder, not a file", path=path, hint="Give a file name.")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:80]}.", suffix=SUFFIX, dir=path.parent)
        except OSError as exc:
            raise (os_problem(exc, path, "cannot write") or exc) from None
        staged = _Staged(fd, tmp, path, times)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except BaseException as exc:
            self._discard([staged])
            if isinstance(exc, OSError):
                raise (os_problem(exc, path, "cannot write") or exc) from None
            raise
        self._staged.append(staged)

    def commit(self) -> None:
        """Make every staged file durable and put it in place (see the module docstring)."""
        batch, self._staged = self._staged, []
        if not batch:
            return
        try:
            _sync_all(self._pool, [s.fd for s in batch])
            new_mode = file_mode()
            made = 0o600 & new_mode  # what mkstemp gave the temporary file under the umask
            for staged in batch:
                os.close(staged.fd)
                staged.fd = -1
                try:
                    mode = os.stat(staged.target).st_mode & 0o777  # a replaced file keeps its mode
                except FileNotFoundError:
                    mode = new_mode
                if mode != made:
                    os.chmod(staged.tmp, mode)
        except BaseException as exc:
            self._discard(batch)
            if isinstance(exc, OSError):
                raise (os_problem(exc, batch[0].target, "cannot write") or exc) from None
            raise
        folders = list(dict.fromkeys(s.target.parent for s in batch))
        for folder in folders:
            # a folder's renames are durable before the next folder's files refer to them
            for staged in (s for s in batch if s.target.parent == folder):
                try:
                    os.replace(staged.tmp, staged.target)
                    staged.tmp = ""
                    if staged.times is not None:
                        os.utime(staged.target, ns=staged.times)
                except OSError as exc:
                    self._discard(batch)
                    raise (os_problem(exc, staged.target, "cannot write") or exc) from None
            fsync_folder(folder)

    def discard(self) -> None:
        """Remove what is staged and not committed (the targets are untouched)."""
        batch, self._staged = self._staged, []
        self._discard(batch)

    @staticmethod
    def _discard(batch: list[_Staged]) -> None:
        for staged in batch:
            if staged.fd >= 0:
                try:
                    os.close(staged.fd)
                except OSError:
                    pass
                staged.fd = -1
            if staged.tmp:
                try:
                    os.unlink(staged.tmp)
                except OSError:
                    pass
                staged.tmp = ""


def remove_leftovers(folder: Path) -> int:
    """Remove the staged files a killed process left in ``folder``; how many there were.

    Call only where no other writer can be staging into ``folder`` (under the study's lock).
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if entry.name.startswith(".") and entry.name.endswith(SUFFIX) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed
