"""REFI-QDA project export (``.qdpx``): a whole study for NVivo, ATLAS.ti, MAXQDA, QualCoder.

What goes where:

* each coder is a ``User``; the framework and codebook are the ``CodeBook`` (see
  :mod:`piri_qual.exchange.qdc_writer`);
* ``participants.csv`` becomes ``Variables`` and one ``Case`` per participant, with the
  participant's transcripts as ``SourceRef``;
* each transcript is a ``TextSource`` whose text is an internal UTF-8 file
  ``sources/<GUID>.txt`` holding exactly the transcript text the codings point into;
* codings become ``PlainTextSelection`` elements, one per span and coder, holding one
  ``Coding`` per theme, with the coder as ``creatingUser`` of both (tools differ in which one
  they read);
* memos become ``Notes``, referenced from the project (study memos), the source, the code or
  the selection they are about; participant and participant-by-theme memos, which the
  standard has no place for, are notes named ``Memo on participant P07[, theme bonding]``.

Positions are 0-based Unicode code points and ``endPosition`` is **exclusive**
(``text[start:end]``), as QualCoder and MAXQDA read and write them; see ``docs/exchange.md``.
Codings whose quote no longer matches the transcript (orphaned by a re-import) are left out
and counted, never exported onto the wrong words. Every document is validated against the
REFI-QDA project schema before it is written.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual._version import __version__
from piri_qual.core.atomic import atomic_write_bytes
from piri_qual.core.codings import Coding
from piri_qual.core.framework import Codebook
from piri_qual.core.output_path import OutputKind
from piri_qual.core.theme_check import warn_theme_problems
from piri_qual.errors import PiriQualError
from piri_qual.exchange.qdc_writer import (
    append_codes,
    code_tree,
    count_codes,
    serialise,
    theme_guid,
)
from piri_qual.exchange.refi_format import (
    PROJECT_NS,
    guid_key,
    make_guid,
    now_refi,
    refi_datetime,
    xml_text,
)
from piri_qual.exchange.refi_reader import schema_errors

if TYPE_CHECKING:
    from piri_qual.core.study import StudyFolder

_INT = re.compile(r"^-?(0|[1-9][0-9]{0,17})$")
_SPAN_KEY = re.compile(r"^(?P<t>.+):(?P<s>\d+)-(?P<e>\d+)$")
NAME_LIMIT = 100
#: ``export qdpx [FILE]``: the default file is named after the study (see :mod:`.output_path`).
QDPX = OutputKind("a REFI-QDA project", ("qdpx",), "project")


@dataclass
class QdpxReport:
    path: Path
    transcripts: int = 0
    participants: int = 0
    coders: int = 0
    codes: int = 0
    codings: int = 0
    memos: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        text = (f"wrote {self.path}: {self.transcripts} transcripts, {self.participants} cases, "
                f"{self.codes} codes, {self.coders} coders, {self.codings} codings, {self.memos} notes; "
                "valid REFI-QDA project")
        return text

    def warnings(self) -> list[str]:
        return [f"left out {n} {what}" for what, n in self.skipped.items() if n]


def _n(tag: str) -> str:
    return f"{{{PROJECT_NS}}}{tag}"


def _sub(parent: Any, tag: str, **attrs: str | None) -> Any:
    from lxml import etree

    return etree.SubElement(parent, _n(tag), {k: v for k, v in attrs.items() if v is not None})


def _variable_type(values: list[str]) -> str:
    filled = [v for v in values if v != ""]
    if filled and all(_INT.match(v) for v in filled):
        return "Integer"
    if filled and all(v in ("true", "false") for v in filled):
        return "Boolean"
    return "Text"


def _short_name(quote: str) -> str:
    one = " ".join(quote.split())
    return one if len(one) <= NAME_LIMIT else one[: NAME_LIMIT - 3].rstrip() + "..."


@dataclass
class _Selection:
    guid: str
    transcript: str
    start: int
    end: int
    coder: str
    codings: list[Coding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Note:
    guid: str
    name: str
    text: str
    coder: str
    time: str


def build_project(study: StudyFolder, coders: list[str] | None = None) -> tuple[bytes, dict[str, bytes], QdpxReport]:
    """The ``project.qde`` document, the internal source files, and what they hold."""
    from lxml import etree

    names = list(coders) if coders else study.coders()
    for name in names:
        study.require_coder(name)
    report = QdpxReport(Path())
    skipped = report.skipped
    codebook = study.codebook
    framework = study.framework
    transcripts = {t.id: t for t in study.iter_transcripts()}
    people = dict(study.participant_table())
    folds = {name: study.fold(name) for name in names}
    warn_theme_problems(study, names)
    used = {c.theme for fold in folds.values() for c in fold.codings.values()}
    if any(t.id in used for t in codebook.retired):  # old work keeps its (retired) codes
        codebook = Codebook(codebook.id, codebook.label, codebook.framework_id,
                            [*codebook.themes, *(t for t in codebook.retired if t.id in used)], codebook.path)
    user_guid = {name: make_guid("user", name) for name in names}

    # -- selections from codings ------------------------------------------------------------
    selections: dict[tuple[str, int, int, str], _Selection] = {}
    by_event: dict[str, _Selection] = {}
    for name, fold in folds.items():
        for coding in sorted(fold.codings.values(), key=lambda c: (c.transcript, c.start, c.end, c.time)):
            transcript = transcripts.get(coding.transcript)
            if transcript is None:
                why = "codings on transcripts no longer in the study"
                skipped[why] = skipped.get(why, 0) + 1
                continue
            if transcript.text[coding.start : coding.end] != coding.quote:
                skipped["orphaned codings (quote no longer at its place)"] = skipped.get(
                    "orphaned codings (quote no longer at its place)", 0) + 1
                continue
            if coding.theme not in codebook:
                skipped["codings on themes no longer in the codebook"] = skipped.get(
                    "codings on themes no longer in the codebook", 0) + 1
                continue
            place = (coding.transcript, coding.start, coding.end, name)
            sel = selections.get(place)
            if sel is None:
                sel = _Selection(make_guid("selection", *place), *place)
                selections[place] = sel
            sel.codings.append(coding)
            by_event[coding.id] = sel
            report.codings += 1

    # -- memos as notes ---------------------------------------------------------------------
    notes: list[_Note] = []
    project_notes: list[str] = []
    source_notes: dict[str, list[str]] = {}
    theme_notes: dict[str, list[str]] = {}
    for name, fold in folds.items():
        for (scope, key), memo in fold.memos.items():
            guid = make_guid("note", name, scope, *key)
            label: str | None = None
            if scope == "study":
                label = "Study memo"
                project_notes.append(guid)
            elif scope == "transcript" and key[0] in transcripts:
                label = f"Memo on transcript {key[0]}"
                source_notes.setdefault(key[0], []).append(guid)
            elif scope == "theme" and key[0] in codebook:
                label = f"Memo on theme {key[0]}"
                theme_notes.setdefault(key[0], []).append(guid)
            elif scope == "participant":
                label = f"Memo on participant {key[0]}"
            elif scope == "cell":
                label = f"Memo on participant {key[0]}, theme {key[1]}"
            elif scope == "excerpt":
                sel = by_event.get(key[0])
                match = _SPAN_KEY.match(key[0])
                if sel is None and match is not None and match.group("t") in transcripts:
                    span = (match.group("t"), int(match.group("s")), int(match.group("e")), name)
                    if 0 <= span[1] < span[2] <= len(transcripts[span[0]].text):
                        sel = selections.setdefault(span, _Selection(make_guid("selection", *span), *span))
                if sel is not None:
                    label = f"Memo on excerpt {sel.transcript} [{sel.start}-{sel.end}]"
                    sel.notes.append(guid)
            if label is None:
                skipped["memos on things no longer in the study"] = skipped.get(
                    "memos on things no longer in the study", 0) + 1
                continue
            notes.append(_Note(guid, label, memo.text, name, memo.time))
    report.memos = len(notes)

    # -- the document -----------------------------------------------------------------------
    # lxml-stubs types nsmap as Mapping[str, str], but None is lxml's key for the default
    # namespace (https://github.com/lxml/lxml-stubs/issues/76)
    root = etree.Element(_n("Project"), nsmap={None: PROJECT_NS})  # type: ignore[dict-item]
    root.set("name", xml_text(study.settings.title or study.root.name))
    root.set("origin", f"piri-qual {__version__}")
    if names:
        root.set("creatingUserGUID", user_guid[names[0]])
    root.set("creationDateTime", now_refi())
    if names:
        users = _sub(root, "Users")
        for name in names:
            _sub(users, "User", guid=user_guid[name], name=name, id=name)
        report.coders = len(names)

    tree = code_tree(codebook, framework)
    if tree:
        book = _sub(root, "CodeBook")
        append_codes(_sub(book, "Codes"), tree, PROJECT_NS, theme_notes)
        report.codes = count_codes(tree)

    # participants: the table, plus anyone a transcript names who is not in it
    for t in transcripts.values():
        if t.participant not in people:
            people[t.participant] = {"id": t.participant, "group": t.group or ""}
    columns: list[str] = []
    for row in people.values():
        for column in row:
            if column != "id" and column not in columns:
                columns.append(column)
    var_type = {c: _variable_type([row.get(c, "") for row in people.values()]) for c in columns}
    var_guid = {c: make_guid("variable", c) for c in columns}
    if columns:
        variables = _sub(root, "Variables")
        for column in columns:
            _sub(variables, "Variable", guid=var_guid[column], name=xml_text(column),
                 typeOfVariable=var_type[column])
    source_guid: dict[str, str] = {}
    taken: set[str] = set()
    for tid, t in transcripts.items():
        wanted = guid_key(str((t.metadata.get("refi") or {}).get("guid") or "")) if isinstance(t.metadata, dict) else None
        guid = wanted.upper() if wanted and re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", wanted) else make_guid("source", tid)
        if guid in taken:
            guid = make_guid("source", tid)
        taken.add(guid)
        source_guid[tid] = guid
    if people:
        cases = _sub(root, "Cases")
        for pid, row in people.items():
            case = _sub(cases, "Case", guid=make_guid("case", pid), name=xml_text(pid))
            for column in columns:
                value = row.get(column, "")
                kind = var_type[column]
                if value == "" and kind != "Text":
                    continue
                vv = _sub(case, "VariableValue")
                _sub(vv, "VariableRef", targetGUID=var_guid[column])
                _sub(vv, f"{kind}Value").text = xml_text(value)
            for tid, t in transcripts.items():
                if t.participant == pid:
                    _sub(case, "SourceRef", targetGUID=source_guid[tid])
        report.participants = len(people)

    files: dict[str, bytes] = {}
    by_transcript: dict[str, list[_Selection]] = {}
    for sel in selections.values():
        by_transcript.setdefault(sel.transcript, []).append(sel)
    if transcripts:
        sources = _sub(root, "Sources")
        for tid, t in transcripts.items():
            guid = source_guid[tid]
            source = _sub(sources, "TextSource", guid=guid, name=xml_text(tid),
                          plainTextPath=f"internal://{guid}.txt")
            mine = sorted(by_transcript.get(tid, []), key=lambda s: (s.start, s.end, s.coder))
            for sel in mine:
                first = min((c.time for c in sel.codings), default="")
                el = _sub(source, "PlainTextSelection", guid=sel.guid,
                          name=xml_text(_short_name(t.text[sel.start : sel.end])),
                          startPosition=str(sel.start), endPosition=str(sel.end),
                          creatingUser=user_guid[sel.coder], creationDateTime=refi_datetime(first))
                for coding in sorted(sel.codings, key=lambda c: (c.theme, c.id)):
                    ce = _sub(el, "Coding", guid=make_guid("coding", coding.id),
                              creatingUser=user_guid[sel.coder],
                              creationDateTime=refi_datetime(coding.time))
                    _sub(ce, "CodeRef", targetGUID=theme_guid(coding.theme))
                for note_guid in sel.notes:
                    _sub(el, "NoteRef", targetGUID=note_guid)
            for note_guid in source_notes.get(tid, []):
                _sub(source, "NoteRef", targetGUID=note_guid)
            files[f"sources/{guid}.txt"] = t.text.encode("utf-8")
        report.transcripts = len(transcripts)

    if notes:
        notes_el = _sub(root, "Notes")
        for note in notes:
            el = _sub(notes_el, "Note", guid=note.guid, name=xml_text(note.name),
                      creatingUser=user_guid[note.coder], creationDateTime=refi_datetime(note.time))
            _sub(el, "PlainTextContent").text = xml_text(note.text)
    for guid in project_notes:
        _sub(root, "NoteRef", targetGUID=guid)

    errors = schema_errors(root, "project")
    if errors:  # a bug in this writer, never the user's doing
        raise RuntimeError("the project export does not validate: " + "; ".join(errors[:5]))
    return serialise(root), files, report


def export_qdpx(study: StudyFolder, path: Path, coders: list[str] | None = None) -> QdpxReport:
    """Write the study as a ``.qdpx`` archive (atomically) and report what it holds."""
    qde, files, report = build_project(study, coders)
    if not report.transcripts:
        raise PiriQualError("the study has no transcripts to export", path=study.root,
                            hint="Import transcripts first with `piri-qual import FILES`.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for name, data in files.items():
            archive.writestr(name, data)
    atomic_write_bytes(path, buffer.getvalue())
    report.path = path
    return report
