"""Staged writes: a batch is put in place whole or not at all, with or without a shared fsync pool.

An import commits its batches through one pool of fsync threads (``sync_pool``); other callers
get threads per commit. Both must give the same files, modes and failures.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from piri_qual.core.permissions import file_mode
from piri_qual.core.staged_writes import StagedWrites, sync_pool
from piri_qual.errors import PiriQualError


@pytest.mark.parametrize("pooled", [False, True])
def test_a_batch_is_put_in_place_with_the_modes_it_should_have(tmp_path: Path, pooled: bool) -> None:
    pool = sync_pool() if pooled else None
    try:
        kept = tmp_path / "kept.json"
        kept.write_text("old\n")
        kept.chmod(0o640)
        writes = StagedWrites(pool)
        for batch in range(3):  # the pool serves one commit after another
            writes.stage(kept, f"new {batch}\n".encode())
            writes.stage(tmp_path / f"new-{batch}.json", b"{}\n")
            writes.commit()
            assert kept.read_text() == f"new {batch}\n"
        assert kept.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode
        assert {(tmp_path / f"new-{b}.json").stat().st_mode & 0o777 for b in range(3)} == {file_mode()}
        assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.json", "new-0.json", "new-1.json", "new-2.json"]
    finally:
        if pool is not None:
            pool.shutdown()


@pytest.mark.parametrize("pooled", [False, True])
def test_a_failed_fsync_replaces_nothing_and_leaves_no_staged_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   pooled: bool) -> None:
    """A full disk at fsync is one error naming a file; every target is as it was, no ``.staged``
    file is left, and the same writer (and pool) commits the next batch."""
    pool = sync_pool() if pooled else None
    try:
        kept = tmp_path / "a.json"
        kept.write_text("old\n")
        writes = StagedWrites(pool)
        writes.stage(kept, b"new\n")
        writes.stage(tmp_path / "b.json", b"new\n")

        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        with monkeypatch.context() as patch:
            patch.setattr(os, "fsync", full)
            with pytest.raises(PiriQualError, match="disk is full"):
                writes.commit()
        assert kept.read_text() == "old\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]
        writes.stage(tmp_path / "b.json", b"new\n")
        writes.commit()
        assert (tmp_path / "b.json").read_text() == "new\n"
    finally:
        if pool is not None:
            pool.shutdown()
