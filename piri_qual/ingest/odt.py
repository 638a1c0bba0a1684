"""Read OpenDocument text (.odt) transcripts, from LibreOffice and university transcription
services, straight from the package's ``content.xml``.

Why not a library: odfpy (the one maintained ODF library for Python) builds its own DOM of the
whole document and reads ``text:s``/``text:tab`` but not tracked changes or annotations as a
transcript needs them, and it would be a second XML stack beside lxml. Reading ``content.xml``
with the hardened reader (:mod:`piri_qual.core.safe_zip`, :mod:`piri_qual.core.safe_xml`), as
the .docx reader reads ``word/document.xml``, keeps one audited path for other programs' files
and is within a small factor of the parse itself (``benchmarks/bench_import_formats.py``).

What the text is, following the ODF 1.2 rules (part 1, sections 5 and 6):

* paragraphs (``text:p``) and headings (``text:h``) in reading order, through lists, sections
  and tables (a speaker | time | text table becomes turns, as in Word; merged cells once);
* white space in text is collapsed as ODF says (runs of spaces, tabs and line ends are one
  space, leading space dropped), ``text:s`` is its count of spaces, ``text:tab`` a tab,
  ``text:line-break`` a line break inside the paragraph;
* tracked changes are read as accepted: insertions stand in the text already, deletions live
  only in ``text:tracked-changes``, which is skipped;
* annotations (comments) are kept out of the text and returned as metadata with the text they
  are anchored to, as Word comments are; notes (footnotes, endnotes) likewise;
* headers and footers live in ``styles.xml`` and never reach the text; their words are kept as
  metadata. A Title-style first paragraph is the document title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from piri_qual.core.safe_xml import XmlDialect, parse_xml
from piri_qual.core.safe_zip import MiB, SafeArchive, ZipLimits
from piri_qual.errors import PiriQualError
from piri_qual.ingest.comments import anchor_comments
from piri_qual.ingest.office_package import open_package
from piri_qual.ingest.source import SourceDocument, TurnOptions
from piri_qual.ingest.tables import transcript_table
from piri_qual.ingest.turns import SourceParagraph, segment

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
DC = "http://purl.org/dc/elements/1.1/"
MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_FIX = "Open it in LibreOffice Writer and save it again as .odt (ODF Text Document)."
ODF_XML = XmlDialect(name=".odt", never="LibreOffice never writes", fix=_FIX)
#: As tight as the .docx limits: a transcript is text.
ODT_LIMITS = ZipLimits(
    max_members=10_000,
    max_member_bytes=200 * MiB,
    max_total_bytes=1024 * MiB,
    max_read_bytes=200 * MiB,
    max_ratio=200.0,
    ratio_floor_bytes=1 * MiB,
)
_SPACE_RE = re.compile(r"[ \t\r\n]+")
_HEADER_FOOTER_RE = re.compile(rb"<style:(?:header|footer)(?:-left|-first)?[\s>]")
_RUN_RE = re.compile(r"[\t\r\n][ \t\r\n]*| [ \t\r\n]+")  # white space that is not one space
_OTHER_ODF = {
    "application/vnd.oasis.opendocument.spreadsheet": "a spreadsheet (.ods)",
    "application/vnd.oasis.opendocument.presentation": "a presentation (.odp)",
    "application/vnd.oasis.opendocument.graphics": "a drawing (.odg)",
}


def _t(name: str) -> str:
    return f"{{{TEXT}}}{name}"


P, H, SPAN, A, S, TAB, BR = _t("p"), _t("h"), _t("span"), _t("a"), _t("s"), _t("tab"), _t("line-break")
LIST, ITEM, LIST_HEADER, SECTION = _t("list"), _t("list-item"), _t("list-header"), _t("section")
NOTE, NOTE_BODY, NOTE_CITATION = _t("note"), _t("note-body"), _t("note-citation")
TRACKED, CHANGED_REGION = _t("tracked-changes"), _t("changed-region")
RUBY, RUBY_BASE = _t("ruby"), _t("ruby-base")
ANNOTATION, ANNOTATION_END = f"{{{OFFICE}}}annotation", f"{{{OFFICE}}}annotation-end"
BODY, OFFICE_TEXT = f"{{{OFFICE}}}body", f"{{{OFFICE}}}text"
TBL, ROW, CELL, COVERED = (f"{{{TABLE}}}table", f"{{{TABLE}}}table-row", f"{{{TABLE}}}table-cell",
                           f"{{{TABLE}}}covered-table-cell")
ROW_GROUPS = frozenset(f"{{{TABLE}}}{n}" for n in ("table-header-rows", "table-rows", "table-row-group"))
FRAME, TEXT_BOX = f"{{{DRAW}}}frame", f"{{{DRAW}}}text-box"
STYLE_NAME, OUTLINE = _t("style-name"), _t("outline-level")
SPANNED = f"{{{TABLE}}}number-columns-spanned"
#: Inline elements whose text is not the paragraph's (marks, declarations, change marks).
_SILENT = frozenset(
    _t(n) for n in ("bookmark", "bookmark-start", "bookmark-end", "reference-mark",
                    "reference-mark-start", "reference-mark-end", "change", "change-start",
                    "change-end", "soft-page-break", "alphabetical-index-mark",
                    "alphabetical-index-mark-start", "alphabetical-index-mark-end", "toc-mark",
                    "toc-mark-start", "toc-mark-end", "user-index-mark", "sequence-ref")
)
#: Block elements that hold no transcript text.
_SKIPPED_BLOCKS = frozenset(
    {TRACKED, _t("sequence-decls"), _t("variable-decls"), _t("user-field-decls"),
     _t("dde-connection-decls"), f"{{{OFFICE}}}forms", _t("soft-page-break"),
     _t("table-of-content"), _t("alphabetical-index"), _t("illustration-index")}
)


#: What the fast path cannot read as text in one pass: they need the walk.
_NEEDS_WALK = (
    NOTE, ANNOTATION, ANNOTATION_END, FRAME, TBL, TRACKED, RUBY, f"{{{DRAW}}}a", f"{{{OFFICE}}}forms",
    _t("table-of-content"), _t("alphabetical-index"), _t("illustration-index"), _t("user-field-decls"),
    _t("variable-decls"), _t("dde-connection-decls"),
)
# Markers written into the tree by the fast path (private-use characters, checked absent).
_PARA_END, _SPACE, _TAB, _BREAK = "\ue020", "\ue021", "\ue022", "\ue023"


def needs_walk(body: Any) -> bool:
    """Whether the body holds more than paragraphs of text (notes, comments, tables, frames,
    tracked changes, indexes): then it is read by the full walk."""
    return next(body.iter(*_NEEDS_WALK), None) is not None


def simple_text(body: Any) -> tuple[list[str], list[Any]] | None:
    """The paragraphs' texts of a plain body (paragraphs, spans, spaces, tabs, breaks) in one
    C-level pass, with their elements; None when a marker character was in the text itself (the
    tree has been written to: parse it again for the walk).

    Most transcripts are nothing else, and for them lxml's text serialisation with markers at
    the paragraph ends and in the space, tab and break elements, then ODF's white-space rule
    applied to the whole string at once, gives exactly what the walk gives, several times faster.
    """
    paras = list(body.iter(P, H))
    for para in paras:
        para.tail = _PARA_END
    used = set()
    for el in body.iter(S, TAB, BR):
        if el.tag == S:
            try:
                count = max(1, int(el.get(_t("c"), "1")))
            except ValueError:
                count = 1
            el.text = _SPACE * min(count, 1000)
            used.add(_SPACE)
        else:
            el.text = _TAB if el.tag == TAB else _BREAK
            used.add(el.text)
    text = etree.tostring(body, method="text", encoding=str)
    # ODF white space, on the whole text at once: runs collapse to one space (LibreOffice writes
    # none, so this is usually skipped), and a space after a paragraph start or a line break
    # goes; then the markers become the characters they stand for.
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = _RUN_RE.sub(" ", text)
    text = text.lstrip(" ")
    if f"{_PARA_END} " in text:
        text = text.replace(f"{_PARA_END} ", _PARA_END)
    if _BREAK in used:
        text = text.replace(f"{_BREAK} ", _BREAK).replace(_BREAK, "\n")
    if _SPACE in used:
        text = text.replace(_SPACE, " ")
    if _TAB in used:
        text = text.replace(_TAB, "\t")
    chunks = text.split(_PARA_END)
    if len(chunks) != len(paras) + 1:
        return None  # a marker character was in the text itself
    return chunks[: len(paras)], paras


@dataclass(slots=True)
class _OdtPara(SourceParagraph):
    """A paragraph as read, with annotation marks at text offsets and its style."""

    marks: list[tuple[int, str, str]] = field(default_factory=list)
    style: str | None = None


class _Ctx:
    __slots__ = ("parts", "n", "marks", "boxes", "space")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.marks: list[tuple[int, str, str]] = []
        self.boxes: list[Any] = []
        self.space = True  # the text so far ends in collapsible space (or is empty)

    def text(self, value: str | None) -> None:
        """Character data, with ODF's white-space collapsing."""
        if not value:
            return
        collapsed = _SPACE_RE.sub(" ", value)
        if self.space and collapsed.startswith(" "):
            collapsed = collapsed[1:]
        if collapsed:
            self.add(collapsed)
            self.space = collapsed.endswith(" ")

    def add(self, literal: str) -> None:
        self.parts.append(literal)
        self.n += len(literal)
        self.space = False


class _Walker:
    """One pass over ``office:text``, producing paragraphs in reading order."""

    def __init__(self) -> None:
        self.changes = 0
        self.comments: list[dict[str, Any]] = []
        self.notes: dict[str, list[str]] = {}
        self._ids = 0

    def blocks(self, parent: Any, out: list[_OdtPara]) -> None:
        for el in parent:
            tag = el.tag
            if tag == P or tag == H:
                self.paragraph(el, out)
            elif tag == LIST or tag == ITEM or tag == LIST_HEADER or tag == SECTION:
                self.blocks(el, out)
            elif tag == TBL:
                self.table(el, out)
            elif tag == TRACKED:
                self.changes += sum(1 for _ in el.iter(CHANGED_REGION))
            elif tag in _SKIPPED_BLOCKS or not isinstance(tag, str):
                continue
            else:
                self.blocks(el, out)  # an unknown container: its paragraphs still count

    def paragraph(self, p: Any, out: list[_OdtPara]) -> None:
        ctx = _Ctx()
        ctx.text(p.text)
        for child in p:
            self._inline(child, ctx)
            ctx.text(child.tail)
        kind = "heading" if p.tag == H else "auto"
        para = _OdtPara("".join(ctx.parts), kind, marks=ctx.marks, style=p.get(STYLE_NAME))
        out.append(para)
        for box in ctx.boxes:
            self.blocks(box, out)

    def _inline(self, el: Any, ctx: _Ctx) -> None:
        tag = el.tag
        if tag == SPAN or tag == A:
            ctx.text(el.text)
            for child in el:
                self._inline(child, ctx)
                ctx.text(child.tail)
        elif tag == S:
            try:
                count = max(1, int(el.get(_t("c"), "1")))
            except ValueError:
                count = 1
            ctx.add(" " * min(count, 1000))
        elif tag == TAB:
            ctx.add("\t")
        elif tag == BR:
            ctx.add("\n")
            ctx.space = True
        elif tag in _SILENT or not isinstance(tag, str):
            return
        elif tag == NOTE:
            self._note(el)
        elif tag == ANNOTATION:
            self._annotation(el, ctx)
        elif tag == ANNOTATION_END:
            name = el.get(f"{{{OFFICE}}}name")
            if name:
                ctx.marks.append((ctx.n, "end", name))
        elif tag == FRAME:
            ctx.boxes.extend(el.iter(TEXT_BOX))
        elif tag == RUBY:
            base = el.find(RUBY_BASE)
            if base is not None:
                self._inline_children(base, ctx)
        else:  # fields (dates, page numbers, names), text:meta, unknown inline elements: their text
            self._inline_children(el, ctx)

    def _inline_children(self, el: Any, ctx: _Ctx) -> None:
        ctx.text(el.text)
        for child in el:
            self._inline(child, ctx)
            ctx.text(child.tail)

    def _note(self, el: Any) -> None:
        body = el.find(NOTE_BODY)
        if body is None:
            return
        inner: list[_OdtPara] = []
        self.blocks(body, inner)
        text = "\n".join(p.text.strip() for p in inner if p.text.strip())
        if text:
            kind = "endnotes" if el.get(_t("note-class")) == "endnote" else "footnotes"
            self.notes.setdefault(kind, []).append(text)

    def _annotation(self, el: Any, ctx: _Ctx) -> None:
        name = el.get(f"{{{OFFICE}}}name")
        self._ids += 1
        cid = name or f"annotation-{self._ids}"
        inner: list[_OdtPara] = []
        self.blocks(el, inner)
        creator = el.find(f"{{{DC}}}creator")
        date = el.find(f"{{{DC}}}date")
        self.comments.append(
            {
                "id": cid,
                "author": creator.text if creator is not None else None,
                "initials": None,
                "date": date.text if date is not None else None,
                "text": "\n".join(p.text for p in inner).strip(),
            }
        )
        # A named annotation runs to its office:annotation-end; an unnamed one marks a point.
        ctx.marks.append((ctx.n, "start" if name else "ref", cid))

    def table(self, tbl: Any, out: list[_OdtPara]) -> None:
        rows: list[list[list[_OdtPara] | None]] = []
        for tr in self._rows(tbl):
            cells: list[list[_OdtPara] | None] = []
            for tc in tr:
                if tc.tag == COVERED:
                    cells.append(None)
                    continue
                if tc.tag != CELL:
                    continue
                inner: list[_OdtPara] = []
                self.blocks(tc, inner)
                cells.append([p for p in inner if p.text.strip()])
                try:
                    span = max(1, int(tc.get(SPANNED, "1")))
                except ValueError:
                    span = 1
                cells.extend([None] * (span - 1))
            rows.append(cells)
        turns = transcript_table(rows)
        if turns is not None:
            out.extend(turns)
            return
        for cells in rows:
            present = [c for c in cells if c]
            if present:
                # not a transcript row: the cells as one paragraph (a comment in it keeps its text)
                out.append(_OdtPara(" | ".join("\n".join(p.text for p in c) for c in present)))

    def _rows(self, tbl: Any) -> list[Any]:
        rows = []
        for el in tbl:
            if el.tag == ROW:
                rows.append(el)
            elif el.tag in ROW_GROUPS:
                rows.extend(self._rows(el))
        return rows


def _open(path: Path) -> SafeArchive:
    return open_package(
        path, ODT_LIMITS, what=".odt", fix=_FIX, empty_hint="Save the transcript again.",
        not_zip="not a valid .odt (it is not an OpenDocument package; the file may be damaged or renamed)",
        explain_head=_ole_as_odt,
    )


def _ole_as_odt(head: bytes, path: Path) -> None:
    if head.startswith(OLE_MAGIC):
        raise PiriQualError(
            "this is an old binary Word (.doc) file with an .odt name",
            path=path,
            hint="Open it in LibreOffice or Word and save it as .odt or .docx, then import again.",
        )


def _refuse_other(zf: SafeArchive, path: Path) -> None:
    """When content.xml is missing, unreadable or holds no text body: say what the file is (an
    encrypted document, a spreadsheet) before saying it is damaged. Checked only then, so the
    usual file pays nothing for it."""
    manifest = zf.get("META-INF/manifest.xml")
    if manifest is not None and b"encryption-data" in manifest:
        raise PiriQualError(
            "this .odt is password-protected (encrypted), so its text cannot be read",
            path=path,
            hint="Open it in LibreOffice, save a copy without a password (File > Save As, untick "
                 "'Save with password'), then import that.",
        )
    mimetype = zf.get("mimetype")
    kind = mimetype.decode("ascii", "replace").strip() if mimetype else ""
    if kind in _OTHER_ODF:
        raise PiriQualError(
            f"this is {_OTHER_ODF[kind]}, not a text document",
            path=path,
            hint="Copy the transcript into a LibreOffice Writer document and save it as .odt.",
        )


def _named_style(root: Any, style: str) -> str:
    """The named style (case-folded) a paragraph style is or derives from."""
    return _style_parents(root).get(style, style).casefold()


def _style_parents(root: Any) -> dict[str, str]:
    """Automatic paragraph styles -> the named style they derive from (P1 -> Title)."""
    parents: dict[str, str] = {}
    for st in root.iter(f"{{{STYLE}}}style"):
        name, parent = st.get(f"{{{STYLE}}}name"), st.get(f"{{{STYLE}}}parent-style-name")
        if name and parent:
            parents[name] = parent
    return parents


def _header_footer(zf: SafeArchive, path: Path) -> dict[str, list[str]]:
    data = zf.get("styles.xml")
    if data is None or _HEADER_FOOTER_RE.search(data) is None:  # page styles name header-style too
        return {}
    root = parse_xml(data, path, "styles.xml", ODF_XML)
    found: dict[str, list[str]] = {}
    for kind, key in (("header", "header_text"), ("footer", "footer_text")):
        for part in root.iter(f"{{{STYLE}}}{kind}", f"{{{STYLE}}}{kind}-left", f"{{{STYLE}}}{kind}-first"):
            out: list[_OdtPara] = []
            _Walker().blocks(part, out)
            for p in out:
                text = p.text.strip()
                if text and text not in found.get(key, []):
                    found.setdefault(key, []).append(text)
    return found


def _meta_title(zf: SafeArchive, path: Path) -> str | None:
    data = zf.get("meta.xml")
    if data is None or b"title" not in data:
        return None
    root = parse_xml(data, path, "meta.xml", ODF_XML)
    title = root.find(f".//{{{DC}}}title")
    text = (title.text or "").strip() if title is not None else ""
    return text or None


def read_odt(path: Path, options: TurnOptions | None = None) -> SourceDocument:
    """Read an .odt transcript as LibreOffice shows it with all tracked changes accepted."""
    with _open(path) as zf:
        data = zf.get("content.xml")
        if data is None:
            _refuse_other(zf, path)
            raise PiriQualError("not an OpenDocument text: the package has no content.xml", path=path, hint=_FIX)
        try:
            root = parse_xml(data, path, "content.xml", ODF_XML)
        except PiriQualError:
            _refuse_other(zf, path)
            raise
        body = root.find(f"{BODY}/{OFFICE_TEXT}")
        if body is None:
            _refuse_other(zf, path)
            raise PiriQualError("not an OpenDocument text: content.xml has no text body", path=path, hint=_FIX)
        walker = _Walker()
        paras: list[_OdtPara] = []
        texts: list[str] | None = None  # a plain document's paragraphs (the fast path)
        walk = needs_walk(body)
        simple = None if walk else simple_text(body)
        if simple is not None:
            texts, elements = simple
            first = next((el for x, el in zip(texts, elements, strict=True) if x.strip()), None)
            first_style = first.get(STYLE_NAME) if first is not None else None
            if (first_style and _named_style(root, first_style) == "title") or any(el.tag == H for el in elements):
                paras = [_OdtPara(x, "heading" if el.tag == H else "auto", style=el.get(STYLE_NAME))
                         for x, el in zip(texts, elements, strict=True)]
                texts = None
        else:
            if not walk:  # the fast path wrote its markers into this tree
                body = parse_xml(data, path, "content.xml", ODF_XML).find(f"{BODY}/{OFFICE_TEXT}")
            walker.blocks(body, paras)
        styles = _style_parents(root) if paras else {}
        metadata: dict[str, Any] = dict(_header_footer(zf, path))
        meta_title = _meta_title(zf, path)
    title = None
    index_of: list[int] = []
    if texts is not None:
        seg = segment(texts, keep_map=False, options=options)
    else:
        source: list[SourceParagraph] = []
        for para in paras:
            style = para.style or ""
            named = styles.get(style, style).casefold()
            if named == "title" and title is None and not source and para.text.strip():
                title = para.text.strip()
                index_of.append(-1)
                continue
            index_of.append(len(source))
            source.append(para)
        seg = segment(source, keep_map=bool(walker.comments), options=options)
    title = title or meta_title
    if title:
        metadata["title"] = title
    if walker.comments:
        metadata["comments"] = anchor_comments(walker.comments, paras, index_of, seg)
    metadata.update(walker.notes)
    if walker.changes:
        metadata["tracked_changes_accepted"] = walker.changes
    return SourceDocument("odt", seg.turns, metadata, seg.layout)
