"""Mapping a REFI-QDA project onto a study: planned whole in memory, then written.

The plan holds every transcript, participant row, theme and coder-log event the project will
produce. It is built and checked first (transcript ids that would clobber different text,
unknown codes, a codebook that would not load), so a project that cannot be imported leaves the
study untouched. Writing then goes file by file, each atomically (corpus, participants,
framework, codebook) or as one fsynced append per coder log.

Mapping: each user is a coder (one log each, so agreement can be computed on a project
double-coded elsewhere); each text source is a transcript whose text is kept verbatim so the
selections' offsets stay true; each case is a participant whose variables become columns of
``participants.csv``; each coding is an ``add`` event by its coder; notes become memos on what
they are attached to (study, transcript, theme, excerpt), or Markdown files in ``memos/``.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from piri_qual.core.atomic import atomic_write_bytes, atomic_write_text
from piri_qual.core.corpus import Transcript
from piri_qual.core.framework import load_codebook, load_framework
from piri_qual.core.participants import guess_from_filename, save_participants
from piri_qual.errors import PiriQualError
from piri_qual.exchange.codebook_map import CodeMap, codebook_yaml, framework_yaml, map_codes
from piri_qual.exchange.refi_format import safe_coder_name, slug
from piri_qual.exchange.refi_model import RefiCase, RefiNote, RefiProject, RefiSource
from piri_qual.exchange.target import Target
from piri_qual.exchange.text_turns import turns_for_text

SAFE_ID = re.compile(r"[^A-Za-z0-9_.\-]+")
SOURCE_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".pdf", ".odt", ".md", ".vtt", ".html", ".htm")
UNATTRIBUTED = "imported"
#: Names piri-qual gives the notes it writes (see exchange/qdpx_writer.py); the reader undoes them.
OWN_NOTE = re.compile(r"^(Study memo|Memo on .+)$")
PARTICIPANT_NOTE = re.compile(r"^Memo on participant (?P<p>.+?)(?:, theme (?P<t>.+))?$")


@dataclass
class ImportSummary:
    """What one exchange import did, for the one-line report."""

    file: Path
    root: Path
    created: bool = False
    origin: str = ""
    transcripts_new: int = 0
    transcripts_same: int = 0
    participants_new: int = 0
    themes_new: int = 0
    themes_matched: int = 0
    constructs: int = 0
    coders: list[str] = field(default_factory=list)
    codings: int = 0
    codings_already: int = 0
    memos: int = 0
    memo_files: int = 0
    end_convention: str = "exclusive"
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        what = f" ({self.origin})" if self.origin else ""
        where = "new study " if self.created else ""
        parts = [
            f"{self.transcripts_new} transcripts" + (f" (+{self.transcripts_same} already there)" if self.transcripts_same else ""),
            f"{self.participants_new} new participants",
            f"{self.themes_new} new themes" + (f" ({self.themes_matched} matched)" if self.themes_matched else ""),
        ]
        if self.constructs:
            parts.append(f"{self.constructs} framework constructs")
        parts.append(f"{len(self.coders)} coders")
        parts.append(f"{self.codings} codings" + (f" (+{self.codings_already} already there)" if self.codings_already else ""))
        parts.append(f"{self.memos} memos")
        if self.memo_files:
            parts.append(f"{self.memo_files} memo files")
        return f"imported {self.file.name}{what} into {where}{self.root}: " + ", ".join(parts)


@dataclass
class _PlannedCoding:
    coder: str
    selection: str  # "<source guid>/<selection guid>" (or "<source guid>/*" for whole-source codings)
    fields: dict[str, Any]


@dataclass
class _PlannedMemo:
    coder: str
    fields: dict[str, Any]
    selection: str | None = None  # resolve ``target`` to the first coding of this selection


@dataclass
class QdpxPlan:
    project: RefiProject
    path: Path
    target: Target
    codes: CodeMap
    transcripts: list[Transcript] = field(default_factory=list)
    participants: dict[str, dict[str, str]] | None = None
    framework_text: str | None = None
    codebook_text: str | None = None
    coders: list[str] = field(default_factory=list)
    codings: list[_PlannedCoding] = field(default_factory=list)
    memos: list[_PlannedMemo] = field(default_factory=list)
    memo_files: list[tuple[Path, str]] = field(default_factory=list)
    existing_selection_ids: dict[str, str] = field(default_factory=dict)
    summary: ImportSummary | None = None

    # -- writing -------------------------------------------------------------------------
    def apply(self) -> ImportSummary:
        """Write the planned import (every check has already passed)."""
        assert self.summary is not None
        study = self.target.create()
        if self.framework_text is not None and self.target.framework_path is not None:
            atomic_write_text(self.target.framework_path, self.framework_text)
        if self.codebook_text is not None:
            atomic_write_text(study.codebook_path, self.codebook_text)
            study.codebook_store.note_import("added by importing a REFI-QDA project")
        for transcript in self.transcripts:
            transcript.save(study.corpus_dir / f"{transcript.id}.json")
        if self.participants is not None:
            save_participants(study.participants_path, self.participants)
        first_event: dict[str, str] = dict(self.existing_selection_ids)
        by_coder: dict[str, list[_PlannedCoding]] = {}
        for planned in self.codings:
            by_coder.setdefault(planned.coder, []).append(planned)
        for coder, items in by_coder.items():
            events = study.store.append_many(coder, [("add", dict(p.fields)) for p in items])
            for planned, event in zip(items, events, strict=True):
                first_event.setdefault(planned.selection, event.id)
        memos_by_coder: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for memo in self.memos:
            fields = dict(memo.fields)
            if memo.selection is not None and memo.selection in first_event:
                fields["target"] = first_event[memo.selection]
            memos_by_coder.setdefault(memo.coder, []).append(("memo", fields))
        for coder, memo_items in memos_by_coder.items():
            study.store.append_many(coder, memo_items)
        for coder in self.coders:
            log_path = study.codings_dir / f"{coder}.jsonl"
            if not log_path.exists():
                atomic_write_bytes(log_path, b"")
        for path, text in self.memo_files:
            atomic_write_text(path, text)
        return self.summary


def _source_id(name: str) -> str:
    stem = name.strip()
    if PurePosixPath(stem).suffix.casefold() in SOURCE_SUFFIXES:
        stem = stem[: -len(PurePosixPath(stem).suffix)]
    return SAFE_ID.sub("_", stem).strip("_.-") or "source"


def _free(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ... : unique ignoring case (file names on macOS and Windows)."""
    candidate = base
    n = 2
    while candidate.casefold() in taken:
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate.casefold())
    return candidate


def _group_of(values: dict[str, str]) -> str | None:
    for key, value in values.items():
        if key.strip().casefold() == "group" and value:
            return value
    return None


def check_codebook(target: Target, framework_text: str | None, codebook_text: str | None) -> None:
    """Load the framework and codebook that would be written, so a bad one is caught now."""

    if framework_text is None and codebook_text is None:
        return
    with tempfile.TemporaryDirectory(prefix="piri-qual-check-") as tmp:
        framework = target.framework
        if framework_text is not None:
            f_path = Path(tmp) / "framework.yaml"
            f_path.write_text(framework_text, encoding="utf-8")
            framework = load_framework(f_path)
        if codebook_text is not None:
            c_path = Path(tmp) / "codebook.yaml"
            c_path.write_text(codebook_text, encoding="utf-8")
            try:
                load_codebook(c_path, framework)
            except PiriQualError as exc:
                raise PiriQualError(
                    f"the imported codes would not make a valid codebook: {exc.detail}",
                    path=target.codebook_path,
                    hint="Nothing was written. This is a bug in piri-qual's import; please report it",
                ) from exc


def plan_qdpx(project: RefiProject, path: Path, target: Target, *, add_themes: bool) -> QdpxPlan:
    """Build and check the whole import of ``project`` into ``target``; write nothing."""
    summary = ImportSummary(file=path, root=target.root, created=not target.exists,
                            origin=project.origin, end_convention=project.end_convention,
                            warnings=list(project.warnings))
    framework_path = target.framework_path
    codes = map_codes(
        project.codes,
        codebook=target.codebook,
        framework=target.framework,
        framework_replaceable=target.framework_replaceable(),
        framework_id=framework_path.stem if framework_path is not None else "main",
        framework_label=f"{project.name} framework",
        add_themes=add_themes,
        where=path,
    )
    summary.warnings.extend(codes.warnings)
    plan = QdpxPlan(project, path, target, codes, summary=summary)
    summary.themes_new = len(codes.new_themes)
    summary.themes_matched = codes.matched
    summary.constructs = codes.constructs if codes.framework is not None else 0
    if codes.framework is not None and framework_path is not None:
        plan.framework_text = framework_yaml(codes.framework)
    if codes.new_themes:
        book = target.codebook
        plan.codebook_text = codebook_yaml(
            target.codebook_text(), book, codes.new_themes,
            codebook_id=target.codebook_path.stem, label=f"{project.name} codebook",
            framework_id=framework_path.stem if framework_path is not None else None,
        )
    check_codebook(target, plan.framework_text, plan.codebook_text)

    coder_of = _plan_coders(project, target, plan)
    tid_of = _plan_transcripts(project, path, target, plan)
    _plan_participants(project, target, plan, tid_of)
    _plan_codings(project, path, target, plan, coder_of, tid_of)
    _plan_notes(project, target, plan, coder_of, tid_of)
    return plan


def _plan_coders(project: RefiProject, target: Target, plan: QdpxPlan) -> dict[str | None, str]:
    """One coder per user (names made safe and unique); unknown users get ``user-<guid>``."""
    referenced: list[str] = list(project.user_order)
    for source in project.sources:
        for sel in source.selections:
            for key in [sel.user, *(c.user for c in sel.codings)]:
                if key and key not in referenced:
                    referenced.append(key)
        for coding in source.codings:
            if coding.user and coding.user not in referenced:
                referenced.append(coding.user)
    for note in project.notes.values():
        if note.user and note.user not in referenced:
            referenced.append(note.user)
    taken: set[str] = set()
    coder_of: dict[str | None, str] = {}
    for key in referenced:
        user = project.users.get(key)
        raw = (user.name or user.short) if user is not None else None
        name = safe_coder_name(raw, f"user-{key[:8]}")
        name = _free(name, taken)
        coder_of[key] = name
    coder_of[None] = UNATTRIBUTED
    plan.coders = [coder_of[k] for k in project.user_order]
    return coder_of


def _plan_transcripts(project: RefiProject, path: Path, target: Target, plan: QdpxPlan) -> dict[str, str]:
    existing = target.transcripts()
    taken: set[str] = set()
    tid_of: dict[str, str] = {}
    clashes: list[str] = []
    roles = target.settings.roles
    now = datetime.now(UTC).isoformat(timespec="seconds")
    case_of: dict[str, RefiCase] = {}
    for case in project.cases:
        for ref in case.sources:
            case_of.setdefault(ref, case)
    assert plan.summary is not None
    for source in project.sources:
        tid = _free(_source_id(source.name), taken)
        tid_of[source.guid] = tid
        old = existing.get(tid)
        if old is not None:
            if old.text == source.text:
                plan.summary.transcripts_same += 1
                continue
            clashes.append(tid)
            continue
        source_case = case_of.get(source.guid)
        participant, group = _participant_for(source, source_case)
        plan.transcripts.append(
            Transcript(
                id=tid,
                participant=participant,
                group=group,
                text=source.text,
                turns=turns_for_text(source.text, roles),
                source=f"{path.name}:{source.member or 'inline text'}",
                source_sha256=hashlib.sha256(source.text.encode("utf-8")).hexdigest(),
                format="qdpx",
                imported_at=now,
                metadata={
                    "refi": {
                        "guid": source.guid,
                        "name": source.name,
                        "kind": source.kind,
                        "project": project.name,
                        "origin": project.origin,
                        "bom_dropped": source.bom,
                    }
                },
            )
        )
    if clashes:
        shown = ", ".join(clashes[:10]) + (f" and {len(clashes) - 10} more" if len(clashes) > 10 else "")
        raise PiriQualError(
            f"{len(clashes)} transcripts in the project have the ids of transcripts already in the "
            f"study but different text: {shown}",
            path=target.root,
            hint="Nothing was written. Import the project into a new study with --into DIR",
        )
    plan.summary.transcripts_new = len(plan.transcripts)
    return tid_of


def _participant_for(source: RefiSource, case: RefiCase | None) -> tuple[str, str | None]:
    if case is not None and case.name:
        return case.name, _group_of(case.values) or _group_of(source.values)
    guessed, group = guess_from_filename(Path(source.name))
    pid = guessed or _source_id(source.name)
    return pid, _group_of(source.values) or group


def _plan_participants(project: RefiProject, target: Target, plan: QdpxPlan,
                       tid_of: dict[str, str]) -> None:
    people = target.participants()
    before = {k: dict(v) for k, v in people.items()}
    conflicts = 0

    def merge(pid: str, values: dict[str, str]) -> None:
        nonlocal conflicts
        row = people.setdefault(pid, {"id": pid, "group": ""})
        for key, value in values.items():
            column = "group" if key.strip().casefold() == "group" else key.strip()
            if column == "id":
                column = "id (imported)"
            if not value:
                row.setdefault(column, "")
                continue
            if not row.get(column):
                row[column] = value
            elif row[column] != value:
                conflicts += 1

    for case in project.cases:
        if case.name:
            merge(case.name, case.values)
    for transcript in plan.transcripts:
        values = {"group": transcript.group or ""}
        source = next(s for s in project.sources if tid_of.get(s.guid) == transcript.id)
        values.update(source.values)
        merge(transcript.participant, values)
    assert plan.summary is not None
    plan.summary.participants_new = sum(1 for pid in people if pid not in before)
    if conflicts:
        plan.summary.warnings.append(
            f"{conflicts} participant values differ from participants.csv; the study's values were kept"
        )
    if people != before:
        plan.participants = people


def _span_of_whole(text: str) -> tuple[int, int] | None:
    start, end = 0, len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _plan_codings(project: RefiProject, path: Path, target: Target, plan: QdpxPlan,
                  coder_of: dict[str | None, str], tid_of: dict[str, str]) -> None:
    assert plan.summary is not None
    reason = f"from {project.origin or 'a REFI-QDA project'} ({path.name})"
    planned_keys: set[tuple[str, str, int, int, str]] = set()
    dangling = 0
    for source in project.sources:
        tid = tid_of[source.guid]
        spans = [(sel.guid, sel.start, sel.end, sel.user, sel.codings) for sel in source.selections]
        whole = _span_of_whole(source.text)
        if source.codings and whole is not None:
            spans.append(("*", whole[0], whole[1], source.user, source.codings))
        for sel_guid, start, end, sel_user, codings in spans:
            key_sel = f"{source.guid}/{sel_guid}"
            for coding in codings:
                theme = plan.codes.theme_of.get(coding.code)
                if theme is None:
                    dangling += 1
                    continue
                user = coding.user or sel_user
                coder = coder_of.get(user, UNATTRIBUTED)
                key = (coder, tid, start, end, theme)
                if key in planned_keys:
                    continue
                planned_keys.add(key)
                existing_id = _existing_coding(target, coder, tid, start, end, theme)
                if existing_id is not None:
                    plan.summary.codings_already += 1
                    plan.existing_selection_ids.setdefault(key_sel, existing_id)
                    continue
                plan.codings.append(
                    _PlannedCoding(
                        coder,
                        key_sel,
                        {"transcript": tid, "start": start, "end": end,
                         "quote": source.text[start:end], "theme": theme,
                         "source": "import", "reason": reason},
                    )
                )
    plan.summary.codings = len(plan.codings)
    plan.summary.coders = sorted({*plan.coders, *(c.coder for c in plan.codings)})
    if dangling:
        plan.summary.warnings.append(
            f"skipped {dangling} codings whose code is missing or cannot be applied (a folder code)"
        )


def _existing_coding(target: Target, coder: str, tid: str, start: int, end: int, theme: str) -> str | None:
    index = target.coding_index(coder)
    return index.get((tid, start, end, theme))


def _note_text(note: RefiNote) -> str:
    text = note.text.strip()
    if note.name and not OWN_NOTE.match(note.name):
        return f"{note.name}\n\n{text}" if text else note.name
    return text


def _plan_notes(project: RefiProject, target: Target, plan: QdpxPlan,
                coder_of: dict[str | None, str], tid_of: dict[str, str]) -> None:
    """Notes -> memos on what they are attached to; unattached notes -> memos/ files."""
    assert plan.summary is not None
    used: set[str] = set()
    memos: dict[tuple[str, str, tuple[str, ...]], tuple[dict[str, Any], str | None]] = {}

    def add(note_key: str | None, coder_key: str | None, text: str, scope: str,
            key: tuple[str, ...], fields: dict[str, Any], selection: str | None = None) -> None:
        if not text.strip():
            return
        if note_key:
            used.add(note_key)
        coder = coder_of.get(coder_key, UNATTRIBUTED)
        slot = (coder, scope, key)
        if slot in memos:
            memos[slot][0]["text"] += "\n\n" + text
        else:
            memos[slot] = ({"scope": scope, "text": text, **fields}, selection)

    def from_notes(refs: list[str], scope: str, key: tuple[str, ...], fields: dict[str, Any],
                   selection: str | None = None) -> None:
        for ref in refs:
            note = project.notes.get(ref)
            if note is not None:
                add(ref, note.user, _note_text(note), scope, key, fields, selection)

    from_notes(project.project_notes, "study", ("study",), {})
    for source in project.sources:
        tid = tid_of[source.guid]
        from_notes(source.notes, "transcript", (tid,), {"transcript": tid})
        if source.description:  # ATLAS.ti keeps comments in descriptions rather than notes
            add(None, source.user, source.description, "transcript", (tid,), {"transcript": tid})
        for sel in source.selections:
            sel_key = f"{source.guid}/{sel.guid}"
            span = {"transcript": tid, "start": sel.start, "end": sel.end}
            refs = list(sel.notes) + [r for c in sel.codings for r in c.notes]
            from_notes(refs, "excerpt", (sel_key,), span, sel_key)
            if sel.description:
                user = sel.user or next((c.user for c in sel.codings if c.user), None)
                add(None, user, sel.description, "excerpt", (sel_key,), span, sel_key)
    owner = project.creator if project.creator in project.users else next(iter(project.user_order), None)
    for case in project.cases:  # cases carry no author: the project's creator wrote them
        if case.description and case.name:
            add(None, owner, case.description, "participant", (case.name,), {"participant": case.name})
    for code in (c for root in project.codes for c in root.walk()):
        theme = plan.codes.theme_of.get(code.guid)
        if theme is not None:
            from_notes(code.notes, "theme", (theme,), {"theme": theme})
    for key, note in project.notes.items():
        if key in used:
            continue
        match = PARTICIPANT_NOTE.match(note.name)
        if match is not None and note.text.strip():
            pid = match.group("p").strip()
            if match.group("t"):
                theme_id = match.group("t").strip()
                add(key, note.user, note.text.strip(), "cell", (pid, theme_id),
                    {"participant": pid, "theme": theme_id})
            else:
                add(key, note.user, note.text.strip(), "participant", (pid,), {"participant": pid})
            continue
        _plan_memo_file(project, target, plan, note, coder_of)
    for (coder, _scope, _key), (fields, selection) in memos.items():
        if _memo_exists(target, coder, fields):
            continue
        plan.memos.append(_PlannedMemo(coder, fields, selection))
    plan.summary.memos = len(plan.memos)
    plan.summary.memo_files = len(plan.memo_files)


def _memo_exists(target: Target, coder: str, fields: dict[str, Any]) -> bool:
    return any(m.text == fields["text"] and m.scope == fields["scope"]
               for m in target.fold(coder).memos.values())


def _plan_memo_file(project: RefiProject, target: Target, plan: QdpxPlan, note: RefiNote,
                    coder_of: dict[str | None, str]) -> None:
    if not note.text.strip():
        return
    folder = target.root / "memos" / slug(project.name, "imported")
    base = slug(note.name or note.guid, "note")
    taken = {p.name for p, _ in plan.memo_files}
    name = f"{base}.md"
    n = 2
    while name in taken or (folder / name).exists():
        if (folder / name).exists() and (folder / name).read_text(encoding="utf-8").endswith(note.text.strip() + "\n"):
            return
        name = f"{base}-{n}.md"
        n += 1
    author = coder_of.get(note.user, UNATTRIBUTED)
    when = f", {note.created}" if note.created else ""
    body = f"# {note.name or 'Note'}\n\n_{author}{when}; imported from {project.name}_\n\n{note.text.strip()}\n"
    plan.memo_files.append((folder / name, body))
