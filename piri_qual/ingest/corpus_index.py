"""The corpus index: what an import (and the ``roles:`` check) needs of each transcript, in one file.

Why: to know whether a source is new, a new version or unchanged, an import needs each imported
transcript's source name, origin, source hash and participant; to say so it needs its turns, words
and speakers. Reading them from the transcripts meant parsing every corpus file (about 100 MB of
JSON at 1,000 interviews) before the first source was looked at, so adding 40 files to a large
study, or re-importing an unchanged folder, cost as much as the study is big (issue #18).

``corpus/.import-index`` holds those fields for every transcript, with the corpus file's inode,
size and modification time (in nanoseconds) as they were when the entry was made. It belongs to
the study, not to ``.piri-cache/``, so cleaning the cache does not cost a re-read of the corpus.
It is never trusted blindly: :func:`load_index` lists ``corpus/`` and stats every file, and an
entry whose file has another inode, size or time (rewritten by a re-derivation, restored from a
backup, edited by hand), a file with no entry, and an entry whose file is gone are all settled by
reading the corpus file itself. So a study imported before the index existed works (every file is
read once and the index written), a hand-deleted corpus file is imported again rather than taken
as unchanged, and an index that cannot be parsed is rebuilt with one warning. Every write of a
corpus file goes through a rename of a new file, which gives it a new inode, so a rewrite is seen
even when its size and time happen to match.

The index is written atomically, after the corpus files it describes are durable; a crash in
between leaves entries that no longer match their files, which the next load reads again.

Only an import writes ``corpus/.import-index``. A command that only reads the study (the
``roles:`` check every command makes) and finds no usable index there, as in a fresh clone (the
index is git-ignored: its inodes are the machine's) or a study imported before the index existed,
keeps the index it rebuilt in ``.piri-cache/corpus-index`` instead, checked by the same rules, so
only its first command reads the whole corpus (0.3 s of every command at 1,000 interviews before).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piri_qual.core.atomic import atomic_write_bytes
from piri_qual.core.corpus import Transcript
from piri_qual.core.study import corpus_ids
from piri_qual.ingest.findings import Findings, find

INDEX_FILE = ".import-index"
INDEX_VERSION = 1
ORIGIN = "origin"  # metadata key: a hash of the full path the source was imported from
SOURCE_NAME = "source_name"  # metadata key: the file name as imported

Stamp = tuple[int, int, int]  # inode, size, mtime_ns


def file_stamp(path: Path) -> Stamp:
    return stamp_of(os.stat(path))


def stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class IndexEntry:
    """One transcript as an import sees it (see the module docstring)."""

    id: str
    participant: str
    source: str
    source_sha256: str
    origin: str  # "" when the transcript predates recorded origins
    source_name: str
    imported_at: str
    speakers: list[str] | None  # ``--speakers`` kept with the transcript
    roles: dict[str, Any] | None  # the ``roles:`` that made its turns (None: corpus format 1)
    turns: int
    words: int
    layout: str
    found: list[tuple[str, str, int]] = field(default_factory=list)  # speakers: label, role, words
    stamp: Stamp | None = None  # of the corpus file; None until the file is on disk

    @classmethod
    def of(cls, transcript: Transcript, stamp: Stamp | None = None, *, findings: Findings | None = None,
           words: int | None = None) -> IndexEntry:
        """The entry of ``transcript``; ``findings`` and ``words`` when the import has them."""
        if findings is None:  # speakers and layout only: warnings are the import's
            findings = find(transcript, "", [])
        name = transcript.metadata.get(SOURCE_NAME)
        roles = transcript.turn_settings.get("roles")
        return cls(
            id=transcript.id, participant=transcript.participant, source=transcript.source,
            source_sha256=transcript.source_sha256, origin=str(transcript.metadata.get(ORIGIN) or ""),
            source_name=name if isinstance(name, str) and name else Path(transcript.source).name,
            imported_at=transcript.imported_at,
            speakers=transcript.turn_settings.get("speakers"), roles=roles if isinstance(roles, dict) else None,
            turns=len(transcript.turns), words=transcript.words if words is None else words, layout=findings.layout,
            found=[tuple(s) for s in findings.speakers], stamp=stamp,  # type: ignore[misc]
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndexEntry:
        entry = cls(**data)
        entry.found = [(str(a), str(b), int(c)) for a, b, c in entry.found]
        entry.stamp = tuple(int(x) for x in entry.stamp) if entry.stamp else None  # type: ignore[assignment]
        if not isinstance(entry.id, str) or not isinstance(entry.source_sha256, str):
            raise TypeError("bad entry")
        return entry

    def findings(self) -> Findings:
        """What the import said of the speakers (its warnings were given when it was imported)."""
        return Findings(layout=self.layout, speakers=list(self.found))


class CorpusIndex:
    """The entries of every transcript in ``corpus/``, checked against the files (see above)."""

    def __init__(self, corpus_dir: Path) -> None:
        self.path = corpus_dir / INDEX_FILE
        self.corpus_dir = corpus_dir
        self.entries: dict[str, IndexEntry] = {}
        self.dirty = False
        # transcripts whose entries neither the study's index file nor the cache's copy holds:
        # made from their files, or known only to this process (see load_index)
        self.read_again: list[str] = []

    def by_source_name(self) -> dict[str, list[IndexEntry]]:
        out: dict[str, list[IndexEntry]] = {}
        for entry in self.entries.values():
            out.setdefault(entry.source_name, []).append(entry)
        return out

    def put(self, entry: IndexEntry) -> None:
        self.entries[entry.id] = entry
        self.dirty = True

    def stamp(self, transcript_id: str) -> None:
        """Record the corpus file as now written (after it is in place)."""
        self.entries[transcript_id].stamp = file_stamp(self.corpus_dir / f"{transcript_id}.json")
        self.dirty = True

    def save(self, path: Path | None = None) -> None:
        """Write the index atomically when it changed (entries whose file is not written are left
        out: the next load reads those files), to ``corpus/`` or to ``path`` (a cache's copy)."""
        if not self.dirty:
            return
        rows = [vars(e) for _, e in sorted(self.entries.items()) if e.stamp is not None]
        data = json.dumps({"version": INDEX_VERSION, "entries": rows}, ensure_ascii=False, separators=(",", ":"))
        atomic_write_bytes(path or self.path, (data + "\n").encode("utf-8"))
        self.dirty = False


def _stored(path: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The entries the index file holds, and a warning when it is there but unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        return {}, f"{path}: cannot be read ({exc.strerror}); rebuilt from the corpus files"
    try:
        data = json.loads(raw)
        if data.get("version") != INDEX_VERSION:
            return {}, None  # another version's index: rebuilt quietly, as for a study without one
        return {row["id"]: row for row in data["entries"]}, None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return {}, (f"{path}: not a readable corpus index ({type(exc).__name__}); rebuilt from the corpus files "
                    "(nothing is lost: it only saves reading them)")


def _vouches(row: dict[str, Any] | None, stamp: Stamp) -> bool:
    """Whether a stored row describes the corpus file as it is now."""
    return row is not None and bool(row.get("stamp")) and tuple(row["stamp"]) == stamp


#: The index each corpus folder last loaded to in this process (see :func:`load_index`).
_LOADED: dict[Path, CorpusIndex] = {}


def load_index(corpus_dir: Path, *, load: Any = Transcript.load,
               also: Path | None = None) -> tuple[CorpusIndex, str | None]:
    """The index of ``corpus_dir``, every entry checked against its file (see the module docstring).

    Returns the index and at most one warning (the index file was there but unreadable).
    ``load`` reads a corpus file when its entry is missing or stale (a study's cached reader);
    ``also`` is a cache's copy whose entries serve where the study's own index has none.

    An entry this process loaded before for a file with the same stamp is taken as it is: the
    stamp is what vouches for a stored entry too, and an import, whose study was opened (and its
    ``roles:`` checked against the index) a moment before, then does not build the entries of
    1,000 transcripts twice (issue #18: a no-op re-import sat at its 3x limit).
    """
    index = CorpusIndex(corpus_dir)
    stored, warning = _stored(index.path)
    kept = _stored(also)[0] if also is not None else {}
    before = _LOADED.get(corpus_dir)
    earlier = before.entries if before is not None else {}
    for name in sorted(f"{tid}.json" for tid in corpus_ids(corpus_dir)):
        st = os.stat(os.path.join(corpus_dir, name))
        if not stat.S_ISREG(st.st_mode):
            continue
        tid = name[:-5]
        stamp = stamp_of(st)
        row = stored.get(tid)
        entry = earlier.get(tid)
        if entry is not None and entry.stamp == stamp and entry.id == tid:
            if not _vouches(row, stamp):
                index.dirty = True  # known here, not (as it now is) to the study's own index
                if not _vouches(kept.get(tid), stamp):
                    index.read_again.append(tid)  # nor to the cache's copy
        else:
            entry = None
            for candidate in (row, kept.get(tid)):
                if entry is None and candidate is not None and _vouches(candidate, stamp):
                    try:
                        entry = IndexEntry.from_json(candidate)
                    except (TypeError, ValueError):
                        entry = None
        if entry is None:
            transcript = load(corpus_dir / name)
            entry = IndexEntry.of(transcript, stamp)
            entry.id = tid  # the file's name is the transcript's id everywhere else
            index.dirty = True
            index.read_again.append(tid)
        index.entries[tid] = entry
    if set(stored) - set(index.entries):
        index.dirty = True
    _LOADED[corpus_dir] = index
    return index, warning
