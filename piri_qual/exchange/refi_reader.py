"""Reading REFI-QDA projects (``.qdpx``) and codebooks (``.qdc``) written by any tool.

Leniency, because real files differ from the standard (see ``docs/exchange.md``):

* the project XML is any single ``*.qde`` at the archive root (``project.qde``, ATLAS.ti's
  ``Trial.qde``), and the sources folder is ``sources/`` in any case (NVivo for Windows writes
  ``Sources/``); extra entries such as NVivo's ``sources/.root`` are ignored;
* GUIDs are compared without braces and case-insensitively;
* elements are matched by local name, and schema deviations (an empty ``<Sets/>``) are reported
  as warnings rather than refused;
* the coder of a coding is ``Coding/@creatingUser``, else its selection's ``creatingUser``.

Strictness, because files can be hostile or broken: the archive and XML are checked first
by :mod:`piri_qual.core.safe_zip` and :mod:`piri_qual.core.safe_xml` (the same code that reads
.docx); a source whose text is missing, not UTF-8 or outside the archive, and a selection
outside its text, are errors that stop the import before anything is written, all listed at
once.

Positions are 0-based code points of the plain text as stored (a leading BOM is dropped first
and noted). The standard says a selection runs from its "first" to its "last" character, which
reads as an inclusive end, but QualCoder and, from user reports, MAXQDA write the end exclusive;
:func:`detect_end_convention` decides per project from evidence in the file and defaults to
exclusive.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from piri_qual.core.safe_xml import XmlDialect, parse_xml, xml_schema
from piri_qual.core.safe_zip import SafeArchive, ZipLimits
from piri_qual.errors import PiriQualError
from piri_qual.exchange.refi_format import CODEBOOK_NS, PROJECT_NS, guid_key
from piri_qual.exchange.refi_model import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiUser,
)

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
PROJECT_XSD = SCHEMA_DIR / "Project-mrt2019.xsd"
CODEBOOK_XSD = SCHEMA_DIR / "Codebook.xsd"
MAX_QDC_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 12
#: The most codes a project or codebook may hold. Large NVivo and MAXQDA projects have a few
#: hundred to two thousand; every theme costs work in each export (a column, a section, a row of
#: a plot), so a 260 KB file with 10,000 codes must be refused, not imported and exported for hours.
MAX_CODES = 5000
REFI_XML = XmlDialect(name="REFI-QDA file", never="REFI-QDA files never hold",
                      fix="Export it again from the tool that made it.")


# -- schema validation (used by the writers, the reader's warnings and the tests) -------------


def schema_errors(root: Any, kind: str = "project") -> list[str]:
    """Schema violations of a parsed document (``kind`` is ``project`` or ``codebook``)."""
    schema = xml_schema(PROJECT_XSD if kind == "project" else CODEBOOK_XSD)
    if schema.validate(root.getroottree() if hasattr(root, "getroottree") else root):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


# -- small XML helpers ------------------------------------------------------------------------


def _local(el: Any) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c) == name]


def _kid(el: Any, name: str) -> Any | None:
    for c in el:
        if _local(c) == name:
            return c
    return None


def _text_of(el: Any | None) -> str:
    return "" if el is None else (el.text or "")


def _refs(el: Any, name: str = "NoteRef") -> list[str]:
    return [k for k in (guid_key(r.get("targetGUID")) for r in _kids(el, name)) if k]


class _Problems:
    def __init__(self, where: Path) -> None:
        self.where = where
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)

    def raise_if_any(self, what: str) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_PROBLEMS_SHOWN]
        more = len(self.items) - len(shown)
        lines = "\n  ".join(shown) + (f"\n  ... and {more} more" if more else "")
        count = len(self.items)
        raise PiriQualError(
            f"cannot import {what}: {count} problem{'s' if count > 1 else ''}:\n  {lines}",
            path=self.where,
            hint="Nothing was written. Export the project again from the tool that made it",
        )


# -- codes ----------------------------------------------------------------------------------


def parse_codes(codes_el: Any, warnings: list[str], where: Path | None = None) -> list[RefiCode]:
    """The code tree under a ``<Codes>`` element (project or codebook namespace).

    Refused whole (one :class:`PiriQualError`) when it holds more than :data:`MAX_CODES` codes,
    or two codes with one GUID (codings refer to codes by GUID, so they would be ambiguous).
    """
    total = sum(1 for el in codes_el.iter() if _local(el) == "Code")
    if total > MAX_CODES:
        raise PiriQualError(
            f"the project holds {total:,} codes, more than the {MAX_CODES:,} piri-qual imports",
            path=where,
            hint="Nothing was written. Export a smaller codebook, or merge codes in the other tool first",
        )
    counter = [0]
    seen: dict[str, str] = {}
    repeated: list[str] = []

    def one(el: Any) -> RefiCode:
        counter[0] += 1
        guid = guid_key(el.get("guid")) or f"missing-guid-{counter[0]}"
        name = (el.get("name") or "").strip()
        if not name:
            warnings.append(f"a code without a name (GUID {guid}) was named 'unnamed code'")
            name = "unnamed code"
        if guid in seen:
            repeated.append(f"codes {seen[guid]!r} and {name!r} share the GUID {guid}")
        seen.setdefault(guid, name)
        codable = (el.get("isCodable") or "true").strip().lower() not in ("false", "0")
        code = RefiCode(
            guid=guid,
            name=name,
            codable=codable,
            description=_text_of(_kid(el, "Description")).strip(),
            color=el.get("color"),
            notes=_refs(el),
        )
        code.children = [one(c) for c in _kids(el, "Code")]
        return code

    codes = [one(c) for c in _kids(codes_el, "Code")]
    if repeated:
        shown = "; ".join(repeated[:3]) + (f"; and {len(repeated) - 3} more" if len(repeated) > 3 else "")
        raise PiriQualError(
            f"{len(repeated)} code GUID{'s are' if len(repeated) != 1 else ' is'} used twice ({shown}), "
            "so codings would be ambiguous",
            path=where,
            hint="Nothing was written. Export the project again from the tool that made it",
        )
    return codes


def read_qdc(path: Path) -> tuple[str, list[RefiCode], list[str]]:
    """Read a ``.qdc`` codebook: (origin, code tree, warnings)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise PiriQualError("file not found", path=path, hint="Check the path.") from exc
    if size > MAX_QDC_BYTES:
        raise PiriQualError(
            f"codebook is {size:,} bytes, more than the {MAX_QDC_BYTES:,} a codebook can need",
            path=path,
            hint="Check that this is a REFI-QDA codebook (.qdc).",
        )
    root = parse_xml(path.read_bytes(), path, dialect=REFI_XML)
    warnings: list[str] = []
    if _local(root) != "CodeBook":
        raise PiriQualError(
            f"not a REFI-QDA codebook: the root element is <{_local(root)}>, not <CodeBook>",
            path=path,
            hint="A .qdc file holds a <CodeBook>; for a whole project export a .qdpx.",
        )
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if namespace not in (CODEBOOK_NS, PROJECT_NS):
        warnings.append(f"the codebook's namespace is {namespace or 'missing'!r}, not {CODEBOOK_NS!r}; read anyway")
    elif namespace == CODEBOOK_NS:
        errors = schema_errors(root, "codebook")
        if errors:
            warnings.append(f"the codebook departs from the REFI-QDA schema in {len(errors)} places "
                            f"(first: {errors[0]}); read leniently")
    codes_el = _kid(root, "Codes")
    codes = parse_codes(codes_el, warnings, path) if codes_el is not None else []
    if "atlas" in (root.get("origin") or "").casefold():
        codes = unflatten_group_names(codes)
    if not codes:
        raise PiriQualError("the codebook holds no codes", path=path,
                            hint="Export the codebook again with its codes.")
    return root.get("origin") or "", codes, warnings


def unflatten_group_names(codes: list[RefiCode]) -> list[RefiCode]:
    """ATLAS.ti writes code groups into names (``Coke::diet Coke``): nest them instead.

    A top-level code named ``A::B`` moves under the top-level code named ``A``, which is made
    (as a folder that cannot be applied) when the project has none.
    """
    if not any("::" in c.name for c in codes):
        return codes
    out: list[RefiCode] = []
    by_name: dict[str, RefiCode] = {}
    for code in codes:
        if "::" not in code.name:
            out.append(code)
            by_name.setdefault(code.name.strip().casefold(), code)
    for code in codes:
        if "::" not in code.name:
            continue
        parts = [p.strip() for p in code.name.split("::") if p.strip()]
        if len(parts) < 2:
            out.append(code)
            continue
        holder: RefiCode | None = None
        siblings = out
        for depth, part in enumerate(parts[:-1]):
            key = "::".join(parts[: depth + 1]).casefold()
            found = by_name.get(key)
            if found is None:
                found = RefiCode(guid=f"group-{key}", name=part, codable=False)
                by_name[key] = found
                siblings.append(found)
            holder, siblings = found, found.children
        code.name = parts[-1]
        assert holder is not None
        holder.children.append(code)
    return out


# -- projects -------------------------------------------------------------------------------


def _find_qde(archive: SafeArchive, path: Path) -> str:
    candidates = [n for n in archive.names if "/" not in n.replace("\\", "/") and n.lower().endswith(".qde")]
    if not candidates:
        raise PiriQualError(
            "not a REFI-QDA project: the archive has no .qde file at its root",
            path=path,
            hint="A .qdpx holds project.qde and a sources/ folder; export the project again.",
        )
    if len(candidates) > 1:
        preferred = [n for n in candidates if n.lower() == "project.qde"]
        if len(preferred) != 1:
            raise PiriQualError(
                f"ambiguous project: the archive holds {len(candidates)} .qde files ({', '.join(candidates)})",
                path=path,
                hint="A .qdpx holds exactly one project; export it again.",
            )
        return preferred[0]
    return candidates[0]


def _source_member(archive: SafeArchive, filename: str) -> str | None:
    """The archive member for ``internal://filename``: sources/ in any case, GUID in any form."""
    direct = archive.find(f"sources/{filename}")
    if direct:
        return direct
    stem, ext = posixpath.splitext(filename)
    key = guid_key(stem)
    for name in archive.names:
        folder, base = posixpath.split(name.replace("\\", "/"))
        if folder.casefold() != "sources":
            continue
        b_stem, b_ext = posixpath.splitext(base)
        if b_ext.casefold() == ext.casefold() and guid_key(b_stem) == key:
            return name
    return None


def _decode(data: bytes, what: str, problems: _Problems) -> tuple[str, bool] | None:
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8-sig"), bom
    except UnicodeDecodeError as exc:
        problems.add(f"{what} is not UTF-8 text (byte {exc.start}); REFI-QDA plain text must be UTF-8")
        return None


def _load_text(el: Any, what: str, archive: SafeArchive, problems: _Problems, *, required: bool
               ) -> tuple[str, str | None, bool] | None:
    """The plain text of a text source or note: inline content or an internal file."""
    content = _kid(el, "PlainTextContent")
    if content is not None:
        return content.text or "", None, False
    location = (el.get("plainTextPath") or "").strip()
    if not location:
        if required:
            rich = el.get("richTextPath") or el.get("path")
            problems.add(f"{what} has no plain text" + (f" (only {rich})" if rich else "")
                         + "; REFI-QDA text sources need a plain-text file")
        return None
    scheme, _, rest = location.partition("://")
    if scheme.lower() != "internal" or not rest:
        if required:
            problems.add(f"{what} keeps its text outside the project ({location}); "
                         "export the project with its sources embedded")
        return None
    if "/" in rest.replace("\\", "/") or rest in (".", ".."):
        problems.add(f"{what} points at an invalid internal path {location!r}")
        return None
    member = _source_member(archive, rest)
    if member is None:
        if required:
            problems.add(f"{what}: its text file sources/{rest} is missing from the archive")
        return None
    decoded = _decode(archive.read(member), f"{what} ({member})", problems)
    if decoded is None:
        return None
    return decoded[0], member, decoded[1]


def _int_attr(el: Any, name: str) -> int | None:
    value = el.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _codings(el: Any, warnings: list[str]) -> list[RefiCoding]:
    out = []
    for coding in _kids(el, "Coding"):
        ref = _kid(coding, "CodeRef")
        target = guid_key(ref.get("targetGUID")) if ref is not None else None
        if not target:
            warnings.append("a coding without a code reference was skipped")
            continue
        out.append(
            RefiCoding(
                guid=guid_key(coding.get("guid")) or "",
                code=target,
                user=guid_key(coding.get("creatingUser")),
                created=coding.get("creationDateTime"),
                notes=_refs(coding),
            )
        )
    return out


def _values(el: Any, variables: dict[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for vv in _kids(el, "VariableValue"):
        ref = _kid(vv, "VariableRef")
        name = variables.get(guid_key(ref.get("targetGUID")) or "") if ref is not None else None
        if not name:
            continue
        for child in vv:
            if _local(child).endswith("Value"):
                values[name] = (child.text or "").strip()
                break
    return values


def _read_source(el: Any, kind: str, name: str, archive: SafeArchive, problems: _Problems,
                 warnings: list[str], variables: dict[str, str], owner: Any | None = None
                 ) -> RefiSource | None:
    # a PDF's cases and sets point at the PDFSource, not at its text representation
    guid = guid_key((owner if owner is not None else el).get("guid")) or ""
    what = f"source {name!r}"
    loaded = _load_text(el, what, archive, problems, required=True)
    if loaded is None:
        return None
    text, member, bom = loaded
    if bom:
        warnings.append(f"{what}: a byte-order mark at the start of its text was dropped before "
                        "counting positions")
    base = owner if owner is not None else el
    source = RefiSource(
        guid=guid,
        name=name,
        kind=kind,
        text=text,
        member=member,
        bom=bom,
        description=_text_of(_kid(base, "Description")).strip(),
        user=guid_key(base.get("creatingUser")),
        notes=_refs(el) + (_refs(owner) if owner is not None else []),
        values=_values(base, variables),
    )
    for sel in _kids(el, "PlainTextSelection"):
        start, end = _int_attr(sel, "startPosition"), _int_attr(sel, "endPosition")
        sel_guid = guid_key(sel.get("guid")) or ""
        if start is None or end is None:
            problems.add(f"{what}: selection {sel_guid or '(no GUID)'} has no valid "
                         "startPosition/endPosition")
            continue
        source.selections.append(
            RefiSelection(
                guid=sel_guid,
                name=sel.get("name") or "",
                start=start,
                end=end,
                user=guid_key(sel.get("creatingUser")),
                created=sel.get("creationDateTime"),
                description=_text_of(_kid(sel, "Description")).strip(),
                codings=_codings(sel, warnings),
                notes=_refs(sel),
            )
        )
    source.codings = _codings(el, warnings) + (_codings(owner, warnings) if owner is not None else [])
    return source


@dataclass
class EndEvidence:
    """Votes for each end-position convention found in one project's selections."""

    exclusive: int = 0
    inclusive: int = 0
    impossible_inclusive: int = 0  # selections ending at len(text): only exclusive fits

    @property
    def convention(self) -> str:
        if self.impossible_inclusive and self.inclusive < 3 * (self.exclusive + self.impossible_inclusive):
            return "exclusive"
        if self.inclusive >= 3 and self.inclusive >= 3 * self.exclusive:
            return "inclusive"
        return "exclusive"


def _word(ch: str) -> bool:
    return ch.isalnum()


def detect_end_convention(samples: list[tuple[str, int, int, str]]) -> EndEvidence:
    """Judge whether ``endPosition`` is exclusive or inclusive from (text, start, end, name).

    Evidence, per selection: a selection ending exactly at the end of its text can only be
    exclusive; a selection name equal to ``text[start:end]`` or ``text[start:end + 1]`` (tools
    often name a selection by its text) votes for one side; and a span that cuts a word in
    two under one reading but ends on a word boundary under the other votes for the other
    (coders select whole words). Inclusive wins only on clear evidence (at least three votes
    and three times the exclusive votes); otherwise the end is read as exclusive.
    """
    evidence = EndEvidence()
    for text, start, end, name in samples:
        n = len(text)
        if not (0 <= start <= end <= n):
            continue
        if end == n and start < end:
            evidence.impossible_inclusive += 1
            continue
        label = " ".join(name.split())
        if label:
            if label == " ".join(text[start:end].split()) and start < end:
                evidence.exclusive += 1
                continue
            if label == " ".join(text[start : end + 1].split()):
                evidence.inclusive += 1
                continue
        if start == end:
            evidence.inclusive += 1
            continue
        cuts_exclusive = end < n and _word(text[end - 1]) and _word(text[end])
        cuts_inclusive = end + 1 < n and _word(text[end]) and _word(text[end + 1])
        if cuts_exclusive and not cuts_inclusive:
            evidence.inclusive += 1
        elif cuts_inclusive and not cuts_exclusive:
            evidence.exclusive += 1
    return evidence


def read_qdpx(path: Path, limits: ZipLimits | None = None) -> RefiProject:
    """Read a ``.qdpx`` project whole, or raise one error listing every fatal problem."""
    path = Path(path)
    problems = _Problems(path)
    with SafeArchive(path, limits, what="REFI-QDA project (.qdpx)") as archive:
        qde = _find_qde(archive, path)
        root = parse_xml(archive.read(qde), path, qde, REFI_XML)
        if _local(root) != "Project":
            raise PiriQualError(
                f"not a REFI-QDA project: {qde} holds <{_local(root)}>, not <Project>",
                path=path,
                hint="Export the project again as REFI-QDA (.qdpx).",
            )
        project = RefiProject(name=(root.get("name") or path.stem).strip() or path.stem,
                              origin=(root.get("origin") or "").strip(),
                              creator=guid_key(root.get("creatingUserGUID")))
        warnings = project.warnings
        namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        if namespace != PROJECT_NS:
            warnings.append(f"the project's namespace is {namespace or 'missing'!r}, not {PROJECT_NS!r}; read anyway")
        else:
            errors = schema_errors(root, "project")
            if errors:
                warnings.append(f"{qde} departs from the REFI-QDA schema in {len(errors)} places "
                                f"(first: {errors[0]}); read leniently")

        users_el = _kid(root, "Users")
        for user in _kids(users_el, "User") if users_el is not None else []:
            key = guid_key(user.get("guid"))
            if not key or key in project.users:
                continue
            project.users[key] = RefiUser(key, (user.get("name") or "").strip() or None,
                                          (user.get("id") or "").strip() or None)
            project.user_order.append(key)

        book = _kid(root, "CodeBook")
        codes_el = _kid(book, "Codes") if book is not None else None
        if codes_el is not None:
            project.codes = parse_codes(codes_el, warnings, path)
            if "atlas" in project.origin.casefold():
                project.codes = unflatten_group_names(project.codes)

        variables: dict[str, str] = {}
        vars_el = _kid(root, "Variables")
        for var in _kids(vars_el, "Variable") if vars_el is not None else []:
            key = guid_key(var.get("guid"))
            if key and (var.get("name") or "").strip():
                variables[key] = var.get("name").strip()

        cases_el = _kid(root, "Cases")
        for case in _kids(cases_el, "Case") if cases_el is not None else []:
            project.cases.append(
                RefiCase(
                    guid=guid_key(case.get("guid")) or "",
                    name=(case.get("name") or "").strip(),
                    description=_text_of(_kid(case, "Description")).strip(),
                    values=_values(case, variables),
                    sources=_refs(case, "SourceRef"),
                )
            )

        skipped: dict[str, int] = {}
        sources_el = _kid(root, "Sources")
        for el in list(sources_el) if sources_el is not None else []:
            kind = _local(el)
            name = (el.get("name") or "").strip() or (guid_key(el.get("guid")) or "source")
            if kind == "TextSource":
                source = _read_source(el, "text", name, archive, problems, warnings, variables)
            elif kind == "PDFSource" and _kid(el, "Representation") is not None:
                source = _read_source(_kid(el, "Representation"), "pdf", name, archive, problems,
                                      warnings, variables, owner=el)
                if _kids(el, "PDFSelection"):
                    skipped["PDF area selections"] = skipped.get("PDF area selections", 0) + len(_kids(el, "PDFSelection"))
            else:
                label = {"PictureSource": "picture sources", "AudioSource": "audio sources",
                         "VideoSource": "video sources", "PDFSource": "PDF sources without text"}
                what = label.get(kind, f"{kind} elements")
                skipped[what] = skipped.get(what, 0) + 1
                continue
            if source is not None:
                if not source.guid or any(s.guid == source.guid for s in project.sources):
                    problems.add(f"source {name!r} has a missing or repeated GUID")
                    continue
                project.sources.append(source)

        notes_el = _kid(root, "Notes")
        for note in _kids(notes_el, "Note") if notes_el is not None else []:
            key = guid_key(note.get("guid"))
            name = (note.get("name") or "").strip()
            note_problems = _Problems(path)
            loaded = _load_text(note, f"note {name or key!r}", archive, note_problems, required=True)
            if loaded is None:
                warnings.append(f"note {name or key!r} has no readable text and was skipped")
                continue
            if key:
                project.notes[key] = RefiNote(key, name, loaded[0], guid_key(note.get("creatingUser")),
                                              note.get("creationDateTime"))
        project.project_notes = _refs(root)
        for what in ("Links", "Sets", "Graphs"):
            el = _kid(root, what)
            if el is not None and len(el):
                skipped[what.lower()] = len(el)
        for what, count in skipped.items():
            warnings.append(f"skipped {count} {what} (piri-qual imports text sources, codes, cases and notes)")

    _settle_positions(project, problems)
    problems.raise_if_any(f"project {project.name!r}")
    return project


def _settle_positions(project: RefiProject, problems: _Problems) -> None:
    """Decide the end convention, convert to exclusive ends and check every selection."""
    samples = [(s.text, sel.start, sel.end, sel.name) for s in project.sources for sel in s.selections]
    evidence = detect_end_convention(samples)
    project.end_convention = evidence.convention
    if evidence.convention == "inclusive":
        project.warnings.append(
            f"this project writes selection ends inclusive (the last character; {evidence.inclusive} "
            f"selections showed it); read as such"
        )
    empty = 0
    for source in project.sources:
        n = len(source.text)
        kept = []
        for sel in source.selections:
            if evidence.convention == "inclusive":
                sel.end += 1
            if sel.start < 0 or sel.end > n or sel.start > sel.end:
                problems.add(
                    f"source {source.name!r}: selection {sel.guid or '(no GUID)'} at "
                    f"[{sel.start}, {sel.end}) lies outside its text of {n} characters"
                )
                continue
            if sel.start == sel.end:
                empty += 1
                continue
            kept.append(sel)
        source.selections = kept
    if empty:
        project.warnings.append(f"skipped {empty} empty text selections")
