"""Importing source files into a study: ids, participants, corpus files, re-anchoring.

One bad file never stops the others: its error is recorded and the rest import. Each transcript
is written atomically, so a crash leaves either the old corpus file or the new one. A changed
source is re-imported and every coder's codings on it are re-anchored from their quotes
(appending ``adjust`` events) or reported as orphaned.

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

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual.core.anchoring import relocate
from piri_qual.core.atomic import atomic_write_bytes
from piri_qual.core.corpus import Transcript
from piri_qual.core.locking import study_lock
from piri_qual.core.participants import (
    guess_from_filename,
    save_participants,
    validate_participant_id,
)
from piri_qual.errors import PiriQualError
from piri_qual.ingest.derive import derive, speaker_list
from piri_qual.ingest.findings import Findings, find
from piri_qual.ingest.readers import SUPPORTED

if TYPE_CHECKING:
    from piri_qual.core.study import StudyFolder

TRANSCRIPT_SUFFIXES = tuple(SUPPORTED)
SAFE_ID = re.compile(r"[^A-Za-z0-9_.\-]+")
MAX_ID = 64  # a transcript id is a file name in corpus/: short, and never '.' or '..'
ORIGIN = "origin"  # metadata key: a hash of the full path the source was imported from
SOURCE_NAME = "source_name"  # metadata key: the file name as imported


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

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def _import_locked(study: StudyFolder, paths: list[Path], participant: str | None, group: str | None,
                   force: bool, replace: bool, progress: Any, given: list[str] | None) -> ImportReport:
    report = ImportReport()
    people = dict(study.participant_table())
    people_changed = False
    existing: dict[str, list[_Known]] = {}
    for known in _existing(study):
        existing.setdefault(known.source_name, []).append(known)
    for path in paths:
        try:
            outcome, person = _import_one(study, Path(path), participant, group, force, replace, existing,
                                          given)
        except PiriQualError as exc:
            outcome, person = FileOutcome(Path(path), "failed", message=str(exc)), None
        report.outcomes.append(outcome)
        if person is not None:
            pid, grp = person
            row = people.get(pid)
            if row is None:
                people[pid] = {"id": pid, "group": grp or ""}
                people_changed = True
            elif grp and not row.get("group"):
                row["group"] = grp
                people_changed = True
        if progress is not None:
            progress(outcome)
    if people_changed:
        save_participants(study.participants_path, people)
    return report


@dataclass
class _Known:
    transcript: Transcript

    @property
    def source_name(self) -> str:
        """The name of the file imported (its kept copy may carry a ``-2`` of its own)."""
        name = self.transcript.metadata.get(SOURCE_NAME)
        return name if isinstance(name, str) and name else Path(self.transcript.source).name

    def came_from(self, study: StudyFolder, path: Path) -> bool:
        """Whether ``path`` is the file this transcript was imported from."""
        recorded = self.transcript.metadata.get(ORIGIN)
        if recorded:
            return recorded == origin_of(path)
        # imported before origins were recorded: known only when imported in place
        return (study.root / self.transcript.source).resolve() == path.resolve()


def origin_of(path: Path) -> str:
    """Where a source came from, as a hash of its full path (the path itself stays private)."""
    return hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _existing(study: StudyFolder) -> list[_Known]:
    return [_Known(t) for t in study.iter_transcripts()]


def _import_one(
    study: StudyFolder,
    path: Path,
    participant: str | None,
    group: str | None,
    force: bool,
    replace: bool,
    existing: dict[str, list[_Known]],
    speakers: list[str] | None = None,
) -> tuple[FileOutcome, tuple[str, str | None] | None]:

    if not path.exists():
        raise PiriQualError("file not found", path=path, hint="Check the path and try again.")
    if path.is_dir():
        raise PiriQualError("is a folder, not a transcript file", path=path,
                            hint="Pass the files, e.g. transcripts/*.docx.")
    digest = sha256_file(path)
    same_name = existing.get(path.name, [])
    known = _which(study, path, digest, participant, replace, same_name)
    stored = known.transcript.turn_settings.get("speakers") if known is not None else None
    if known is not None and known.transcript.source_sha256 == digest and not force and (
        speakers is None or speakers == stored
    ):
        t = known.transcript
        return FileOutcome(path, "unchanged", t.id, turns=len(t.turns), words=t.words,
                           findings=find(t, path.name, stored)), None
    if speakers is None:
        speakers = stored  # a re-import keeps the --speakers given before
    derived = derive(path, study.settings.roles, speakers)
    document, text, turns = derived.document, derived.text, derived.turns
    if not text.strip():
        raise PiriQualError("no text found in the file", path=path,
                            hint="Check it is the transcript and not an empty template.")

    table = study.participant_table()
    guessed_id, guessed_group = guess_from_filename(path)
    pid = participant or (known.transcript.participant if known else None) or _match_table(path, table) or guessed_id
    if pid is None:
        pid = transcript_id_base(path.stem)
    grp = group or (table.get(pid, {}).get("group") or None) or guessed_group
    if known is not None:
        tid = known.transcript.id
    else:
        tid = _free_id(study, pid)

    own_copy = known.transcript.source if known is not None else None
    source_rel = _keep_source(study, path, own_copy)
    metadata = dict(derived.metadata)
    metadata[ORIGIN] = origin_of(path)
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
    outcome = FileOutcome(path, "imported", tid, turns=len(turns), words=transcript.words,
                          findings=find(transcript, path.name, speakers))
    if known is not None:
        outcome.status = "updated"
        if known.transcript.text != text:
            outcome.reanchored, outcome.orphaned = _reanchor(study, known.transcript, transcript)
    transcript.save(study.corpus_dir / f"{tid}.json")
    existing[path.name] = [k for k in same_name if k.transcript.id != tid] + [_Known(transcript)]
    return outcome, (pid, grp)


def _which(study: StudyFolder, path: Path, digest: str, participant: str | None, replace: bool,
           same_name: list[_Known]) -> _Known | None:
    """The imported transcript ``path`` is a version of, None for a new one, or a refusal.

    The same file (by where it came from) is that transcript; a file with the same content is
    unchanged wherever it now lives; a different file of the same name is refused unless
    ``--replace`` (a new version) or ``--participant`` naming someone else (a new transcript).
    """
    if not same_name:
        return None
    for known in same_name:
        if known.came_from(study, path) and (participant is None or known.transcript.participant == participant):
            return known
    for known in same_name:
        if known.transcript.source_sha256 == digest and (participant is None or known.transcript.participant == participant):
            return known
    if participant is not None:
        same_name = [k for k in same_name if k.transcript.participant == participant]
        if not same_name:
            return None  # another participant's interview that happens to share a file name
    if replace and len(same_name) == 1:
        return same_name[0]
    if replace:
        ids = ", ".join(k.transcript.id for k in same_name)
        raise PiriQualError(
            f"files named {path.name} were imported as several transcripts ({ids}); which does this replace?",
            path=path, hint="Give --participant ID with --replace",
        )
    t = same_name[0].transcript
    raise PiriQualError(
        f"a different file named {path.name} was imported as transcript {t.id} "
        f"(participant {t.participant}, {t.imported_at[:10]}); not replacing it",
        path=path,
        hint=f"If this is a new version of {t.id}, import it again with --replace (its codings are re-anchored); "
        "if it is another interview, rename the file or give --participant ID",
    )


def _match_table(path: Path, table: dict[str, dict[str, str]]) -> str | None:
    """A participant whose id is the file's stem or begins it (``P07 interview.docx``)."""
    stem = path.stem
    if stem in table:
        return stem
    for pid in sorted(table, key=len, reverse=True):
        if re.match(rf"^{re.escape(pid)}(?![A-Za-z0-9])", stem):
            return pid
    return None


def transcript_id_base(name: str) -> str:
    """A transcript id made from a participant id or file name: a short, ordinary file name."""
    base = SAFE_ID.sub("_", name).strip("_.-")[:MAX_ID].rstrip("_.-")
    return base or "transcript"


def _free_id(study: StudyFolder, pid: str) -> str:
    base = transcript_id_base(pid)
    taken = set(study.transcript_ids())
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _keep_source(study: StudyFolder, path: Path, own_copy: str | None) -> str:
    """Keep the source as received in transcripts/ (copied once).

    A kept copy is replaced only by a new version of its own transcript (``own_copy``); another
    file of the same name is kept beside it as ``name-2.ext``.
    """
    folder = study.transcripts_dir
    folder.mkdir(parents=True, exist_ok=True)
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(study.root))
    except ValueError:
        pass
    digest = sha256_file(path)
    target = folder / path.name
    n = 2
    while target.exists() and str(target.relative_to(study.root)) != own_copy and sha256_file(target) != digest:
        target = folder / f"{path.stem}-{n}{path.suffix}"
        n += 1
    if not target.exists() or sha256_file(target) != digest:
        atomic_write_bytes(target, path.read_bytes())
        # the source's times, not its mode: the copy is private like everything the study holds
        stat = path.stat()
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return str(target.relative_to(study.root))


def _reanchor(study: StudyFolder, old: Transcript, new: Transcript) -> tuple[int, list[str]]:
    """Move every coder's codings on ``old`` to their quotes in ``new``; list the orphans."""
    moved = 0
    orphans: list[str] = []
    for coder in study.coders():
        adjustments: list[tuple[str, dict[str, Any]]] = []
        for coding in study.log(coder).fold().codings.values():
            if coding.transcript != old.id:
                continue
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
            moved += len(adjustments)
    return moved, orphans


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
