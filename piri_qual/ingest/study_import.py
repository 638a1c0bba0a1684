"""Importing source files into a study: ids, participants, corpus files, re-anchoring.

One bad file never stops the others: its error is recorded and the rest import. Each transcript
is written atomically, so a crash leaves either the old corpus file or the new one; the files are
made durable in batches (:class:`~piri_qual.core.staged_writes.StagedWrites`: one wait for the
disk per batch of up to 64 transcripts, not two per file), and a file is reported once its batch
is on disk. A changed source is re-imported and every coder's codings on it are re-anchored from
their quotes (appending ``adjust`` events) or reported as orphaned; such a transcript is put in
place at once, since the coder logs already point into its new text.

What an import needs to know of the transcripts already imported (source names, origins and
hashes, participants) comes from the corpus index (:mod:`piri_qual.ingest.corpus_index`), checked
against the corpus files' inodes, sizes and times, so the cost of importing a file does not grow
with the study, and re-importing unchanged sources reads no transcript.

An import holds the study's lock (:func:`piri_qual.core.locking.study_lock`) from reading
``participants.csv`` and the corpus to writing them back, so parallel imports wait for each
other instead of losing rows or making two transcripts of one file.

A transcript remembers where its source came from (a hash of the file's full path, not the path,
which would put the user's folder names into a shared study). A *different* file with the same
name from another folder (``site-a/P07.docx`` after ``site-b/P07.docx``) is therefore not taken
for a new version of the first: it is refused with a clear line, unless ``--replace`` says it is
the new version, or ``--participant`` names another participant (then it is a new transcript,
and its kept copy gets a name of its own).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual.core.anchoring import relocate
from piri_qual.core.corpus import Transcript
from piri_qual.core.locking import study_lock
from piri_qual.core.participants import (
    guess_from_filename,
    save_participants,
    validate_participant_id,
)
from piri_qual.core.staged_writes import StagedWrites, remove_leftovers, sync_pool
from piri_qual.errors import PiriQualError
from piri_qual.ingest.corpus_index import ORIGIN, SOURCE_NAME, IndexEntry, load_index
from piri_qual.ingest.findings import Findings, find

if TYPE_CHECKING:
    from piri_qual.core.study import StudyFolder

SAFE_ID = re.compile(r"[^A-Za-z0-9_.\-]+")
MAX_ID = 64  # a transcript id is a file name in corpus/: short, and never '.' or '..'


@dataclass
class FileOutcome:
    path: Path
    status: str  # imported | unchanged | updated | failed
    transcript_id: str | None = None
    message: str = ""
    turns: int = 0
    words: int = 0
    reanchored: int = 0
    orphaned: list[str] = field(default_factory=list)
    findings: Findings | None = None  # speakers found and warnings (not for a failed file)


@dataclass
class ImportReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # about the study, not one file (its index)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed


def sha256_file(path: Path) -> str:
    """The file's SHA-256, read in blocks (hashlib's own loop: a large PDF is never held whole)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def import_files(
    study: StudyFolder,
    paths: list[Path],
    *,
    participant: str | None = None,
    group: str | None = None,
    force: bool = False,
    replace: bool = False,
    progress: Any = None,
    speakers: str | None = None,
) -> ImportReport:
    """Import each file; collect per-file outcomes rather than stopping at the first error.

    ``speakers`` is ``--speakers`` (``"HK=interviewer,Carer 3"`` or ``"none"``): the speaker
    labels of these files, kept with each transcript so that a later re-derivation uses them too.
    ``replace``: a file with the name of an imported source but from another folder is the new
    version of that transcript (without it, such a file is refused rather than replace it).
    """
    given = None
    if speakers is not None:
        from piri_qual.ingest.derive import speaker_list

        given = speaker_list(speakers)  # a bad spec is one error before any file is read
    if participant is not None:
        participant = validate_participant_id(participant, where="--participant")
        if len(paths) > 1:
            raise PiriQualError(
                "--participant names one participant, but several files were given",
                hint="Import one file per participant, or name files like P07_parent.docx.",
            )
    with study_lock(study.root, "importing"):
        return _import_locked(study, paths, participant, group, force, replace, progress, given)


#: What ``Path.exists`` takes as "not there".
_MISSING = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)

#: Transcripts staged before their files are made durable together (see StagedWrites).
BATCH = 64


class _Run:
    """One import under the study's lock: the corpus index, the writes staged and not yet
    committed, and the outcomes waiting to be reported once their files are on disk."""

    def __init__(self, study: StudyFolder, progress: Any) -> None:
        self.study = study
        self.progress = progress
        self.report = ImportReport()
        # the study's reader: a transcript the roles check opened already is not parsed again
        self.index, warning = load_index(study.corpus_dir, load=lambda path: study.transcript(path.stem))
        if warning:
            self.report.warnings.append(warning)
        self.by_name = self.index.by_source_name()
        self.taken = set(self.index.entries)
        self.people = dict(study.participant_table())
        self.people_changed = False
        self.table_prefixes = _prefix_table(self.people)
        self.codings = CodingsByTranscript(study)
        self.pool = sync_pool()  # the fsync threads of every batch, for this import only
        self.copies = StagedWrites(self.pool)  # kept sources: committed before the transcripts that name them
        self.writes = StagedWrites(self.pool)
        self.staged: list[str] = []  # transcript ids whose files are staged
        self.waiting: list[tuple[FileOutcome, tuple[str, str | None] | None]] = []

    def add(self, outcome: FileOutcome, person: tuple[str, str | None] | None) -> None:
        """Report ``outcome`` once its file is on disk: at once when nothing is staged (an
        unchanged or failed file), else with its batch (outcomes keep the order of the files)."""
        self.waiting.append((outcome, person))
        if not self.staged or len(self.staged) >= BATCH:
            self.commit()

    def commit(self) -> None:
        """Make the staged files durable, then record and report what they hold."""
        self.copies.commit()
        self.writes.commit()
        for tid in self.staged:
            self.index.stamp(tid)
        self.staged = []
        waiting, self.waiting = self.waiting, []
        for outcome, person in waiting:
            self.report.outcomes.append(outcome)
            if person is not None:
                self._note_person(*person)
            if self.progress is not None:
                self.progress(outcome)

    def _note_person(self, pid: str, grp: str | None) -> None:
        row = self.people.get(pid)
        if row is None:
            self.people[pid] = {"id": pid, "group": grp or ""}
            self.people_changed = True
        elif grp and not row.get("group"):
            row["group"] = grp
            self.people_changed = True

    def finish(self) -> None:
        """Commit what is staged (whole files: also after an interruption), then the participant
        table and the index, which describe the corpus files and so come after them."""
        try:
            self.commit()
        finally:
            self.copies.discard()
            self.writes.discard()
            self.pool.shutdown()
            if self.people_changed:
                save_participants(self.study.participants_path, self.people)
            self.index.save()


def _import_locked(study: StudyFolder, paths: list[Path], participant: str | None, group: str | None,
                   force: bool, replace: bool, progress: Any, given: list[str] | None) -> ImportReport:
    remove_leftovers(study.corpus_dir)
    remove_leftovers(study.transcripts_dir)
    run = _Run(study, progress)
    try:
        for path in paths:
            try:
                outcome, person, now = _import_one(run, Path(path), participant, group, force, replace, given)
            except PiriQualError as exc:
                outcome, person, now = FileOutcome(Path(path), "failed", message=str(exc)), None, False
            run.add(outcome, person)
            if now:
                # the coder logs already point into the new text: put it in place now
                run.commit()
    finally:
        run.finish()
    return run.report


def came_from(study: StudyFolder, entry: IndexEntry, path: Path) -> bool:
    """Whether ``path`` is the file this transcript was imported from."""
    if entry.origin:
        return entry.origin == origin_of(path)
    # imported before origins were recorded: known only when imported in place
    return (study.root / entry.source).resolve() == path.resolve()


def origin_of(path: Path, *, resolved: bool = False) -> str:
    """Where a source came from, as a hash of its full path (the path itself stays private);
    ``resolved``: ``path`` is resolved already."""
    full = path if resolved else path.resolve()
    return hashlib.sha256(str(full).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _import_one(
    run: _Run,
    path: Path,
    participant: str | None,
    group: str | None,
    force: bool,
    replace: bool,
    speakers: list[str] | None = None,
) -> tuple[FileOutcome, tuple[str, str | None] | None, bool]:
    """One file: its outcome, the participant (and group) it names, and whether codings were
    re-anchored onto its new text (then it is committed at once, not with the batch)."""
    study = run.study
    try:
        mode = os.stat(path).st_mode  # one call for "is it there" and "is it a folder"
    except OSError as exc:
        if exc.errno not in _MISSING:  # as Path.exists, which this replaces, lets through
            raise
        raise PiriQualError("file not found", path=path, hint="Check the path and try again.") from None
    if stat.S_ISDIR(mode):
        raise PiriQualError("is a folder, not a transcript file", path=path,
                            hint="Pass the files, e.g. transcripts/*.docx.")
    digest = sha256_file(path)
    same_name = run.by_name.get(path.name, [])
    known = _which(study, path, digest, participant, replace, same_name)
    stored = known.speakers if known is not None else None
    if known is not None and known.source_sha256 == digest and not force and (
        speakers is None or speakers == stored
    ):
        return FileOutcome(path, "unchanged", known.id, turns=known.turns, words=known.words,
                           findings=known.findings()), None, False
    if speakers is None:
        speakers = stored  # a re-import keeps the --speakers given before
    # the readers (and their patterns) load with the first file that must be read: a re-import
    # of unchanged sources never needs them
    from piri_qual.ingest.derive import derive

    derived = derive(path, study.settings.roles, speakers)
    document, text, turns = derived.document, derived.text, derived.turns
    if not text.strip():
        raise PiriQualError("no text found in the file", path=path,
                            hint="Check it is the transcript and not an empty template.")

    table = run.people
    guessed_id, guessed_group = guess_from_filename(path)
    pid = participant or (known.participant if known else None) or _match_table(path, run.table_prefixes) \
        or guessed_id
    if pid is None:
        pid = transcript_id_base(path.stem)
    grp = group or (table.get(pid, {}).get("group") or None) or guessed_group
    tid = known.id if known is not None else _free_id(run.taken, pid)
    run.taken.add(tid)

    own_copy = known.source if known is not None else None
    resolved = path.resolve()
    source_rel = _keep_source(study, path, resolved, digest, own_copy, run.copies)
    metadata = dict(derived.metadata)
    metadata[ORIGIN] = origin_of(resolved, resolved=True)
    metadata[SOURCE_NAME] = path.name
    transcript = Transcript(
        id=tid,
        participant=pid,
        group=grp,
        text=text,
        turns=turns,
        source=source_rel,
        source_sha256=digest,
        format=document.format,
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        metadata=metadata,
        nonspeech=derived.nonspeech,
        turn_settings=derived.turn_settings,
    )
    counts = transcript.turn_words()
    outcome = FileOutcome(path, "imported", tid, turns=len(turns), words=sum(counts),
                          findings=find(transcript, path.name, speakers, counts))
    reanchored = False
    if known is not None:
        outcome.status = "updated"
        old = study.transcript(known.id)
        if old.text != text:
            outcome.reanchored, outcome.orphaned = _reanchor(study, old, transcript, run.codings)
            reanchored = True
    run.writes.stage(study.corpus_dir / f"{tid}.json", transcript.to_json().encode("utf-8"))
    run.staged.append(tid)
    entry = IndexEntry.of(transcript, findings=outcome.findings, words=outcome.words)
    run.index.put(entry)
    run.by_name[path.name] = [k for k in same_name if k.id != tid] + [entry]
    return outcome, (pid, grp), reanchored


def _which(study: StudyFolder, path: Path, digest: str, participant: str | None, replace: bool,
           same_name: list[IndexEntry]) -> IndexEntry | None:
    """The imported transcript ``path`` is a version of, None for a new one, or a refusal.

    The same file (by where it came from) is that transcript; a file with the same content is
    unchanged wherever it now lives; a different file of the same name is refused unless
    ``--replace`` (a new version) or ``--participant`` naming someone else (a new transcript).
    """
    if not same_name:
        return None
    if len(same_name) == 1 and same_name[0].source_sha256 == digest and (
            participant is None or same_name[0].participant == participant):
        # what the two loops below return for one candidate of the same content, without
        # resolving the path (a re-import of 1,000 unchanged files resolved 1,000 paths)
        return same_name[0]
    for known in same_name:
        if came_from(study, known, path) and (participant is None or known.participant == participant):
            return known
    for known in same_name:
        if known.source_sha256 == digest and (participant is None or known.participant == participant):
            return known
    if participant is not None:
        same_name = [k for k in same_name if k.participant == participant]
        if not same_name:
            return None  # another participant's interview that happens to share a file name
    if replace and len(same_name) == 1:
        return same_name[0]
    if replace:
        ids = ", ".join(k.id for k in same_name)
        raise PiriQualError(
            f"files named {path.name} were imported as several transcripts ({ids}); which does this replace?",
            path=path, hint="Give --participant ID with --replace",
        )
    t = same_name[0]
    raise PiriQualError(
        f"a different file named {path.name} was imported as transcript {t.id} "
        f"(participant {t.participant}, {t.imported_at[:10]}); not replacing it",
        path=path,
        hint=f"If this is a new version of {t.id}, import it again with --replace (its codings are re-anchored); "
        "if it is another interview, rename the file or give --participant ID",
    )


def _prefix_table(table: dict[str, dict[str, str]]) -> dict[str, str]:
    """The participant ids a file name may begin with (built once per import, not per file)."""
    return {pid: pid for pid in table if pid}


def _match_table(path: Path, ids: dict[str, str]) -> str | None:
    """A participant whose id is the file's stem or begins it (``P07 interview.docx``), the
    longest such id: each prefix of the stem is looked up once, however many participants."""
    stem = path.stem
    for n in range(len(stem), 0, -1):
        if stem[:n] in ids and (n == len(stem) or not _id_char(stem[n])):
            return stem[:n]
    return None


def _id_char(ch: str) -> bool:
    """``[A-Za-z0-9]``: a character that would continue an id (so ``P07`` does not begin ``P071``)."""
    return ch.isascii() and ch.isalnum()


def transcript_id_base(name: str) -> str:
    """A transcript id made from a participant id or file name: a short, ordinary file name."""
    base = SAFE_ID.sub("_", name).strip("_.-")[:MAX_ID].rstrip("_.-")
    return base or "transcript"


def _free_id(taken: set[str], pid: str) -> str:
    base = transcript_id_base(pid)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _keep_source(study: StudyFolder, path: Path, resolved: Path, digest: str, own_copy: str | None,
                 writes: StagedWrites) -> str:
    """Keep the source as received in transcripts/ (copied once; staged in ``writes``);
    ``resolved`` is ``path`` resolved.

    A kept copy is replaced only by a new version of its own transcript (``own_copy``); another
    file of the same name is kept beside it as ``name-2.ext``.
    """
    folder = study.transcripts_dir
    if resolved.is_relative_to(study.root):
        return str(resolved.relative_to(study.root))
    target = folder / path.name
    n = 2
    while (there := target.exists()) and str(target.relative_to(study.root)) != own_copy \
            and sha256_file(target) != digest:
        target = folder / f"{path.stem}-{n}{path.suffix}"
        n += 1
    if not there or sha256_file(target) != digest:
        data = path.read_bytes()
        # the source's times, not its mode: the copy is private like everything the study holds
        st = path.stat()
        writes.stage(target, data, (st.st_atime_ns, st.st_mtime_ns))
    return str(target.relative_to(study.root))


class CodingsByTranscript:
    """Each coder's current codings grouped by transcript, folded once per import rather than
    once per re-imported file (a coder log of 50,000 events takes a while to fold). A transcript
    whose codings were moved is folded again if it comes up again."""

    def __init__(self, study: StudyFolder) -> None:
        self.study = study
        self._folded: dict[str, dict[str, list[Any]]] = {}
        self._moved: set[tuple[str, str]] = set()

    def of(self, coder: str, transcript_id: str) -> list[Any]:
        if coder not in self._folded or (coder, transcript_id) in self._moved:
            grouped: dict[str, list[Any]] = {}
            for coding in self.study.log(coder).fold().codings.values():
                grouped.setdefault(coding.transcript, []).append(coding)
            self._folded[coder] = grouped
            self._moved = {m for m in self._moved if m[0] != coder}
        return self._folded[coder].get(transcript_id, [])

    def moved(self, coder: str, transcript_id: str) -> None:
        self._moved.add((coder, transcript_id))


def _reanchor(study: StudyFolder, old: Transcript, new: Transcript,
              codings: CodingsByTranscript | None = None) -> tuple[int, list[str]]:
    """Move every coder's codings on ``old`` to their quotes in ``new``; list the orphans."""
    moved = 0
    orphans: list[str] = []
    codings = codings or CodingsByTranscript(study)
    for coder in study.coders():
        adjustments: list[tuple[str, dict[str, Any]]] = []
        for coding in codings.of(coder, old.id):
            anchor = relocate(coding.quote, coding.start, len(old.text), new.text)
            if anchor is None:
                orphans.append(f"{coder}: {coding.theme} \u201c{_short(coding.quote)}\u201d")
                continue
            if (anchor.start, anchor.end) != (coding.start, coding.end):
                adjustments.append(
                    (
                        "adjust",
                        {
                            "target": coding.id,
                            "transcript": coding.transcript,
                            "start": anchor.start,
                            "end": anchor.end,
                            "quote": new.text[anchor.start : anchor.end],
                            "source": "reanchor",
                            "reason": "re-anchored from its quote after the transcript was re-imported",
                        },
                    )
                )
        if adjustments:
            study.store.append_many(coder, adjustments, against=new)
            codings.moved(coder, old.id)
            moved += len(adjustments)
    return moved, orphans


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
