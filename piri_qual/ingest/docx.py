"""Read Word .docx transcripts straight from their XML.

Why not python-docx: it is about ten times slower on long transcripts, and it reads tracked
changes as *rejected* (it skips runs inside ``w:ins``), misses text boxes and content controls,
and repeats merged table cells. Researchers send transcripts with tracked edits and margin
comments, so this reader walks ``word/document.xml`` once with lxml and reads the document as Word
shows it after "Accept all changes":

* ``w:ins`` and ``w:moveTo`` are kept, ``w:del``/``w:delText`` and ``w:moveFrom`` dropped;
* text boxes (``w:txbxContent``) are read once, from ``mc:Choice``, never from the VML fallback;
* tables are read row by row (a speaker | time | text table becomes turns; other rows become one
  paragraph with cells joined by `` | ``; merged cells appear once);
* ``w:br`` is a line break inside the paragraph, ``w:tab`` a tab, ``w:sym`` its Unicode character;
* text is never normalised: curly quotes and non-ASCII stay exactly as typed;
* headers, footers, footnotes, endnotes and comments stay out of the text; comments (with the
  text they are anchored to) and header/footer text are returned as metadata.

The package is checked before anything is decompressed (zip-bomb limits), and XML is parsed
without DTDs, entity expansion or network access, by the same code that reads REFI-QDA files
(:mod:`piri_qual.core.safe_zip`, :mod:`piri_qual.core.safe_xml`); this module adds only Word's
limits and Word's words for what went wrong.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from piri_qual.core.safe_xml import XmlDialect
from piri_qual.core.safe_xml import parse_xml as parse_safe_xml
from piri_qual.core.safe_zip import MiB, SafeArchive, ZipLimits
from piri_qual.errors import PiriQualError
from piri_qual.ingest.comments import anchor_comments
from piri_qual.ingest.office_package import open_package
from piri_qual.ingest.source import SourceDocument, TurnOptions
from piri_qual.ingest.tables import transcript_table
from piri_qual.ingest.turns import SourceParagraph, segment

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DC_NS = "http://purl.org/dc/elements/1.1/"
MATH_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"

# Markers used only inside the fast path's serialised text. The paragraph end is ASCII (DEL, which
# XML allows and typed text does not hold) so that a plain-ASCII transcript's text stays one byte a
# character through the split; text that holds one anyway is counted out and read the long way.
_PARA_END = "\x7f"
_STYLE_OPEN = "\ue000"
_STYLE_CLOSE = "\ue001"

_REL_TYPES = ("comments", "header", "footer", "footnotes", "endnotes")
_MAIN = "word/document.xml"
_STANDARD_PART_RE = re.compile(r"word/(comments|header|footer|footnotes|endnotes)\d*\.xml")
_CORE_TITLE_RE = re.compile(rb"<(?:\w+:)?title(?:\s[^>]*)?>([^<]*)</(?:\w+:)?title>")
_PUA_RE = re.compile("[\uf020-\uf0ff]")
_HEADING_RE = re.compile(r"(?i)heading\s?[1-6]|berschrift\s?[1-6]|titre\s?[1-6]|kop\s?[1-6]")

# Adobe Symbol font code points 0x20-0xFE -> Unicode (Word writes them as w:sym or as private-use
# characters F020-F0FE in a run set in the Symbol font).
_SYMBOL = dict(
    zip(
        range(0x20, 0x7F),
        " !∀#∃%&∋()∗+,−./0123456789:;<=>?≅ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ[∴]⊥_‾αβχδεφγηιϕκλμνοπθρστυϖωξψζ{|}∼",
        strict=True,
    )
)
_SYMBOL.update(
    zip(
        range(0xA0, 0xFF),
        "€ϒ′≤⁄∞ƒ♣♦♥♠↔←↑→↓°±″≥×∝∂•÷≠≡≈…⏐⎯↵ℵℑℜ℘⊗⊕∅∩∪⊃⊇⊄⊂⊆∈∉∠∇®©™∏√⋅¬∧∨⇔⇐⇑⇒⇓◊〈®©™∑⎛⎜⎝⎡⎢⎣⎧⎨⎩⎪\uf8ff〉∫⌠⎮⌡⎞⎟⎠⎤⎥⎦⎫⎬⎭",
        strict=True,
    )
)


def _symbol_char(code: int, font: str | None) -> str:
    if font and font.strip().casefold() == "symbol":
        mapped = _SYMBOL.get(code & 0xFF if code >= 0xF000 else code)
        if mapped is not None:
            return mapped
    return chr(code)


class _Tags:
    """Qualified tag names, computed once per namespace (transitional or strict OOXML)."""

    def __init__(self, ns: str) -> None:
        def w(name: str) -> str:
            return f"{{{ns}}}{name}"

        self.ns = ns
        self.p, self.r, self.t, self.tab, self.br, self.cr = (
            w("p"), w("r"), w("t"), w("tab"), w("br"), w("cr"))
        self.sym, self.ptab = w("sym"), w("ptab")
        self.no_break_hyphen, self.soft_hyphen = w("noBreakHyphen"), w("softHyphen")
        self.tbl, self.tr, self.tc, self.tc_pr = w("tbl"), w("tr"), w("tc"), w("tcPr")
        self.grid_span, self.v_merge = w("gridSpan"), w("vMerge")
        self.sdt, self.sdt_content = w("sdt"), w("sdtContent")
        self.ins, self.move_to, self.deleted, self.move_from = (
            w("ins"), w("moveTo"), w("del"), w("moveFrom"))
        self.p_pr, self.r_pr, self.p_style, self.r_fonts = (
            w("pPr"), w("rPr"), w("pStyle"), w("rFonts"))
        self.txbx = w("txbxContent")
        self.drawing, self.pict, self.object = w("drawing"), w("pict"), w("object")
        self.c_start, self.c_end, self.c_ref = (
            w("commentRangeStart"), w("commentRangeEnd"), w("commentReference"))
        self.val, self.id, self.char, self.font, self.ascii, self.type = (
            w("val"), w("id"), w("char"), w("font"), w("ascii"), w("type"))
        self.author, self.initials, self.date = w("author"), w("initials"), w("date")
        self.comment = w("comment")
        self.footnote, self.endnote = w("footnote"), w("endnote")
        self.alt, self.choice, self.fallback = (
            f"{{{MC_NS}}}AlternateContent", f"{{{MC_NS}}}Choice", f"{{{MC_NS}}}Fallback")
        # Containers whose children are read as if they stood in the parent.
        self.inline_containers = frozenset(
            w(n) for n in ("hyperlink", "smartTag", "customXml", "ins", "moveTo", "fldSimple",
                           "dir", "bdo")
        )
        self.block_containers = frozenset(w(n) for n in ("customXml", "ins", "moveTo"))
        self.skipped = frozenset((self.deleted, self.move_from))
        self.body = w("body")
        # Anything that needs the full walk; plain transcripts have none of it.
        self.complex = (
            self.tbl, self.sdt, self.deleted, self.move_from, self.txbx, self.alt, self.sym,
            self.pict, self.drawing, self.object, self.c_start, self.c_end, self.c_ref,
            w("instrText"), w("delInstrText"), w("delText"), w("footnoteReference"),
            w("endnoteReference"), w("fldChar"), w("ruby"), f"{{{MATH_NS}}}oMath",
            f"{{{MATH_NS}}}oMathPara",
        )
        self.char_elements = (
            self.tab, self.br, self.cr, self.ptab, self.no_break_hyphen, self.soft_hyphen,
            self.p_style,
        )
        self.char_text = {
            self.tab: "\t", self.ptab: "\t", self.br: "\n", self.cr: "\n",
            self.no_break_hyphen: "-", self.soft_hyphen: "",
        }


@dataclass(slots=True)
class _Para(SourceParagraph):
    """A paragraph as read: its text, comment marks at text offsets, and style facts."""

    marks: list[tuple[int, str, str]] = field(default_factory=list)  # (offset, start|end|ref, id)
    style: str | None = None
    mark_deleted: bool = False


class _Ctx:
    __slots__ = ("parts", "n", "marks", "boxes")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.marks: list[tuple[int, str, str]] = []
        self.boxes: list[Any] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.n += len(text)


class _Walker:
    """One pass over a WordprocessingML body, producing :class:`_Para` records in reading order."""

    def __init__(self, tags: _Tags) -> None:
        self.t = tags
        self.pending: list[tuple[str, str]] = []  # comment marks between paragraphs
        self.changes = 0
        self.mutated = False  # the fast path wrote markers into the tree

    # -- the fast path --
    def simple_body(self, body: Any, raw: bytes) -> tuple[list[str], list[str | None]] | None:
        """Paragraph texts and styles of a plain body in one C-level pass, or None.

        Most transcripts are only paragraphs of runs. For them the text is every text node in
        document order, so marking paragraph ends and letting lxml serialise the body as text
        keeps reading within a small factor of parsing. Anything else (tables, tracked changes,
        text boxes, fields, symbols, comments) returns None for the full walk. Whitespace between
        tags never reaches the text: parts are parsed with ``remove_blank_text``.
        """
        t = self.t
        if next(body.iter(*t.complex), None) is not None:
            return None
        self.mutated = True
        paragraphs = 0
        for p in body.iter(t.p):
            p.tail = _PARA_END
            paragraphs += 1
        styles_seen = 0
        for el in body.iter(*t.char_elements):
            tag = el.tag
            if tag == t.p_style:
                el.text = _STYLE_OPEN + (el.get(t.val) or "") + _STYLE_CLOSE
                styles_seen += 1
            else:
                el.text = t.char_text[tag]
        text = etree.tostring(body, method="text", encoding=str)
        chunks = text.split(_PARA_END)
        if len(chunks) != paragraphs + 1 or text.count(_STYLE_OPEN) != styles_seen:
            return None  # the text itself contained a marker character
        # U+F020-F0FF is EF 80 A0 - EF 83 BF in UTF-8: no 0xEF byte, no private-use glyphs.
        if b"\xef" in raw[3:] and _PUA_RE.search(text):
            return None  # private-use characters may be Symbol-font glyphs: need run fonts
        del chunks[paragraphs:]
        styles: list[str | None] = [None] * paragraphs
        if styles_seen:
            for i, chunk in enumerate(chunks):
                if chunk.startswith(_STYLE_OPEN):
                    close = chunk.find(_STYLE_CLOSE)
                    styles[i], chunks[i] = chunk[1:close], chunk[close + 1 :]
        return chunks, styles

    # -- blocks --
    def blocks(self, parent: Any, out: list[_Para]) -> None:
        t = self.t
        for el in parent:
            tag = el.tag
            if tag == t.p:
                self.paragraph(el, out)
            elif tag == t.tbl:
                self.table(el, out)
            elif tag == t.sdt:
                content = el.find(t.sdt_content)
                if content is not None:
                    self.blocks(content, out)
            elif tag in t.block_containers:
                self.blocks(el, out)
            elif tag in t.skipped:
                self.changes += 1
            elif tag == t.c_start:
                self.pending.append(("start", el.get(t.id, "")))
            elif tag == t.c_end:
                if out:
                    out[-1].marks.append((len(out[-1].text), "end", el.get(t.id, "")))
                else:
                    self.pending.append(("end", el.get(t.id, "")))
            elif tag == t.alt:
                chosen = self._choice(el)
                if chosen is not None:
                    self.blocks(chosen, out)

    def _choice(self, alt: Any) -> Any | None:
        t = self.t
        for child in alt:
            if child.tag == t.choice:
                return child
        for child in alt:
            if child.tag == t.fallback:
                return child
        return None

    # -- paragraphs --
    def paragraph(self, p: Any, out: list[_Para]) -> None:
        t = self.t
        ctx = _Ctx()
        if self.pending:
            ctx.marks.extend((0, kind, cid) for kind, cid in self.pending)
            self.pending = []
        style = None
        mark_deleted = False
        for child in p:
            if child.tag == t.p_pr:
                st = child.find(t.p_style)
                if st is not None:
                    style = st.get(t.val)
                rpr = child.find(t.r_pr)
                if rpr is not None and (
                    rpr.find(t.deleted) is not None or rpr.find(t.move_from) is not None
                ):
                    mark_deleted = True
                continue
            self._inline(child, ctx)
        out.append(_Para("".join(ctx.parts), marks=ctx.marks, style=style, mark_deleted=mark_deleted))
        for box in ctx.boxes:
            self.blocks(box, out)

    def _inline(self, el: Any, ctx: _Ctx) -> None:
        t = self.t
        tag = el.tag
        if tag == t.r:
            self._run(el, ctx)
        elif tag in t.inline_containers:
            for child in el:
                self._inline(child, ctx)
        elif tag in t.skipped:
            self.changes += 1
        elif tag == t.sdt:
            content = el.find(t.sdt_content)
            if content is not None:
                for child in content:
                    self._inline(child, ctx)
        elif tag == t.c_start:
            ctx.marks.append((ctx.n, "start", el.get(t.id, "")))
        elif tag == t.c_end:
            ctx.marks.append((ctx.n, "end", el.get(t.id, "")))
        elif tag == t.alt:
            chosen = self._choice(el)
            if chosen is not None:
                for child in chosen:
                    self._inline(child, ctx)

    def _run(self, r: Any, ctx: _Ctx) -> None:
        t = self.t
        for c in r:
            tag = c.tag
            if tag == t.t:
                text = c.text
                if text:
                    if _PUA_RE.search(text):
                        text = self._decode_pua(r, text)
                    ctx.add(text)
            elif tag == t.tab or tag == t.ptab:
                ctx.add("\t")
            elif tag == t.br or tag == t.cr:
                ctx.add("\n")
            elif tag == t.sym:
                code = c.get(t.char)
                if code:
                    try:
                        ctx.add(_symbol_char(int(code, 16), c.get(t.font)))
                    except ValueError:
                        pass
            elif tag == t.no_break_hyphen:
                ctx.add("-")
            elif tag == t.c_ref:
                ctx.marks.append((ctx.n, "ref", c.get(t.id, "")))
            elif tag == t.alt:
                chosen = self._choice(c)
                if chosen is not None:
                    ctx.boxes.extend(self._text_boxes(chosen))
            elif tag == t.drawing or tag == t.pict or tag == t.object:
                ctx.boxes.extend(self._text_boxes(c))

    def _text_boxes(self, el: Any) -> Iterator[Any]:
        """Outermost text-box contents under ``el`` (nested boxes are read by their parent)."""
        txbx = self.t.txbx
        for box in el.iter(txbx):
            parent = box.getparent()
            nested = False
            while parent is not None and parent is not el:
                if parent.tag == txbx:
                    nested = True
                    break
                parent = parent.getparent()
            if not nested:
                yield box

    def _decode_pua(self, r: Any, text: str) -> str:
        rpr = r.find(self.t.r_pr)
        fonts = rpr.find(self.t.r_fonts) if rpr is not None else None
        font = fonts.get(self.t.ascii) if fonts is not None else None
        return _PUA_RE.sub(lambda m: _symbol_char(ord(m.group(0)), font), text)

    # -- tables --
    def table(self, tbl: Any, out: list[_Para]) -> None:
        rows: list[list[list[_Para] | None]] = []
        for tr in self._children(tbl, self.t.tr):
            cells: list[list[_Para] | None] = []
            for tc in self._children(tr, self.t.tc):
                span, continued = self._cell_props(tc)
                if continued:  # vertically merged: the text sits in the first cell only
                    cells.extend([None] * span)
                    continue
                inner: list[_Para] = []
                self.blocks(tc, inner)
                cells.append([p for p in inner if p.text.strip()])
                cells.extend([None] * (span - 1))
            rows.append(cells)
        turns = transcript_table(rows)
        if turns is not None:
            out.extend(turns)
            return
        for cells in rows:
            present = [_join_paras(c, "\n") for c in cells if c]
            if present:
                out.append(_join_paras(present, " | "))

    def _children(self, parent: Any, tag: str) -> Iterator[Any]:
        """Children with ``tag``, looking through content controls and customXml wrappers."""
        t = self.t
        for el in parent:
            if el.tag == tag:
                yield el
            elif el.tag == t.sdt:
                content = el.find(t.sdt_content)
                if content is not None:
                    yield from self._children(content, tag)
            elif el.tag in t.block_containers:
                yield from self._children(el, tag)

    def _cell_props(self, tc: Any) -> tuple[int, bool]:
        t = self.t
        pr = tc.find(t.tc_pr)
        if pr is None:
            return 1, False
        span = 1
        gs = pr.find(t.grid_span)
        if gs is not None:
            try:
                span = max(1, int(gs.get(t.val, "1")))
            except ValueError:
                span = 1
        vm = pr.find(t.v_merge)
        continued = vm is not None and vm.get(t.val, "continue") != "restart"
        return span, continued


def _join_paras(paras: list[_Para], sep: str) -> _Para:
    if len(paras) == 1:
        return paras[0]
    pieces: list[str] = []
    marks: list[tuple[int, str, str]] = []
    n = 0
    for i, p in enumerate(paras):
        if i:
            pieces.append(sep)
            n += len(sep)
        marks.extend((n + off, kind, cid) for off, kind, cid in p.marks)
        pieces.append(p.text)
        n += len(p.text)
    return _Para("".join(pieces), marks=marks)


# -- the package --------------------------------------------------------------------------------
# Zip members are opened and XML parsed only by piri_qual.core.safe_zip / safe_xml; this reader
# brings Word's limits and Word's words for what went wrong.

_FIX = "Open it in Word and save it again as .docx."

#: Tighter than the REFI-QDA defaults: a transcript is text, and Word never writes parts this big.
DOCX_LIMITS = ZipLimits(
    max_members=10_000,
    max_member_bytes=200 * MiB,
    max_total_bytes=1024 * MiB,
    max_read_bytes=200 * MiB,
    max_ratio=200.0,
    ratio_floor_bytes=1 * MiB,  # small parts compress well legitimately
)

WORD_XML = XmlDialect(name=".docx", never="Word never writes", fix=_FIX, compact=True)


def parse_xml(data: bytes, path: Path, part: str) -> Any:
    """Parse one package part with the hardened parser (no DTD, no entities, no network)."""
    return parse_safe_xml(data, path, part, WORD_XML)


def _check_not_other_format(head: bytes, data_path: Path) -> None:
    if head.startswith(OLE_MAGIC):
        data = data_path.read_bytes()
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data or (
            b"EncryptedPackage" in data
        ):
            raise PiriQualError(
                "this .docx is password-protected (encrypted), so its text cannot be read",
                path=data_path,
                hint="Remove the password in Word (File > Info > Protect Document), then import again.",
            )
        raise PiriQualError(
            "this is an old binary Word (.doc) file with a .docx name",
            path=data_path,
            hint="Open it in Word and save it as .docx (Word Document), then import again.",
        )


def _open_package(path: Path) -> SafeArchive:
    """Open the zip package after checking it is one, and that it is safe to unpack."""
    return open_package(
        path, DOCX_LIMITS, what=".docx", fix=_FIX, empty_hint="Export or save the transcript again.",
        not_zip="not a valid .docx (it is not a zip package; the file may be damaged or renamed)",
        explain_head=_check_not_other_format,
    )


def _main_part(zf: SafeArchive, path: Path) -> str:
    if zf.find(_MAIN) is not None:
        return _MAIN
    data = zf.get("_rels/.rels")
    if data is not None:
        root = parse_xml(data, path, "_rels/.rels")
        for rel in root.iter(f"{{{REL_NS}}}Relationship"):
            if rel.get("Type", "").endswith("/officeDocument") and rel.get("TargetMode") != "External":
                target = rel.get("Target", "").lstrip("/")
                if target:
                    return posixpath.normpath(target)
    return _MAIN


def _related_parts(zf: SafeArchive, main: str, path: Path) -> dict[str, list[str]]:
    """Comments, headers, footers and notes parts of the main document.

    Word and the tools that imitate it use fixed part names next to ``word/document.xml``; for
    those the names in the zip are enough. Other layouts are resolved through the relationships.
    """
    found: dict[str, list[str]] = {kind: [] for kind in _REL_TYPES}
    if main == _MAIN:
        for name in zf.names:
            m = _STANDARD_PART_RE.fullmatch(name)
            if m is not None:
                found[m.group(1)].append(name)
        for parts in found.values():
            parts.sort(key=lambda n: (len(n), n))
        return found
    folder, name = posixpath.split(main)
    data = zf.get(posixpath.join(folder, "_rels", name + ".rels"))
    if data is None:
        return found
    root = parse_xml(data, path, "document relationships")
    for rel in root.iter(f"{{{REL_NS}}}Relationship"):
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        if kind in found and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found[kind].append(posixpath.normpath(part))
    return found


def _tags_for(root: Any) -> _Tags:
    ns = etree.QName(root).namespace
    return _tags_in(W_STRICT_NS if ns == W_STRICT_NS else W_NS)


@lru_cache(maxsize=2)
def _tags_in(ns: str) -> _Tags:
    """Tag tables are fixed per namespace: build each once."""
    return _Tags(ns)


def _part_paragraph_texts(zf: SafeArchive, part: str, path: Path, tags: _Tags) -> list[str]:
    data = zf.get(part)
    if data is None:
        return []
    root = parse_xml(data, path, part)
    out: list[_Para] = []
    _Walker(tags).blocks(root, out)
    return [p.text.strip() for p in out if p.text.strip()]


def _notes(zf: SafeArchive, part: str, path: Path, tags: _Tags, tag: str) -> list[str]:
    data = zf.get(part)
    if data is None:
        return []
    root = parse_xml(data, path, part)
    notes: list[str] = []
    for note in root.iter(tag):
        if note.get(tags.type) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        out: list[_Para] = []
        _Walker(tags).blocks(note, out)
        text = "\n".join(p.text.strip() for p in out if p.text.strip())
        if text:
            notes.append(text)
    return notes


def _comment_records(zf: SafeArchive, part: str, path: Path, tags: _Tags) -> list[dict[str, Any]]:
    data = zf.get(part)
    if data is None:
        return []
    root = parse_xml(data, path, part)
    records = []
    for comment in root.iter(tags.comment):
        out: list[_Para] = []
        _Walker(tags).blocks(comment, out)
        records.append(
            {
                "id": comment.get(tags.id, ""),
                "author": comment.get(tags.author),
                "initials": comment.get(tags.initials),
                "date": comment.get(tags.date),
                "text": "\n".join(p.text for p in out).strip(),
            }
        )
    return records


def _core_title(zf: SafeArchive, path: Path) -> str | None:
    """The title in the document properties (a regex is enough for one escaped text field)."""
    data = zf.get("docProps/core.xml")
    if data is None:
        return None
    m = _CORE_TITLE_RE.search(data)
    if m is None:
        return None
    try:
        title = html.unescape(m.group(1).decode("utf-8")).strip()
    except UnicodeDecodeError:
        return None
    return title or None


def _merge_deleted_marks(paras: list[_Para]) -> list[_Para]:
    """A deleted paragraph mark joins the paragraph to the next one (as Word shows after accept)."""
    if not any(p.mark_deleted for p in paras):
        return paras
    out: list[_Para] = []
    carry: _Para | None = None
    for p in paras:
        if carry is not None:
            shift = len(carry.text)
            p = _Para(
                carry.text + p.text, p.kind, p.speaker, p.time,
                marks=carry.marks + [(o + shift, k, c) for o, k, c in p.marks],
                style=p.style, mark_deleted=p.mark_deleted,
            )
            carry = None
        if p.mark_deleted:
            carry = p
            continue
        out.append(p)
    if carry is not None:
        out.append(carry)
    return out


def _body_paragraphs(paras: list[_Para]) -> tuple[list[SourceParagraph], list[int], str | None]:
    """Paragraphs for turn detection, the map from read paragraphs to them, and the title.

    A leading Title-style paragraph is the document title, not transcript text; Heading-style
    paragraphs may name speakers (kind ``heading``).
    """
    if not any(para.style for para in paras):  # plain documents: nothing to take out
        return list(paras), list(range(len(paras))), None
    title = None
    source: list[SourceParagraph] = []
    index_of: list[int] = []  # -1 when left out
    for para in paras:
        style = para.style
        if style is not None:
            folded = style.casefold()
            if folded in ("title", "titel", "titre") and para.text.strip() and title is None and not source:
                title = para.text.strip()
                index_of.append(-1)
                continue
            if para.kind == "auto" and _HEADING_RE.fullmatch(style):
                para.kind = "heading"
        index_of.append(len(source))
        source.append(para)
    return source, index_of, title


def read_docx(path: Path, options: TurnOptions | None = None) -> SourceDocument:
    """Read a .docx transcript as Word displays it with all tracked changes accepted."""
    with _open_package(path) as zf:
        main = _main_part(zf, path)
        data = zf.get(main)
        if data is None:
            raise PiriQualError(
                f"not a Word document: the package has no {main}",
                path=path,
                hint="Open it in Word and save it again as .docx.",
            )
        root = parse_xml(data, path, main)
        tags = _tags_for(root)
        body = root.find(tags.body)
        walker = _Walker(tags)
        paras: list[_Para] = []
        texts: list[str] | None = None  # a plain document's paragraphs (the fast path)
        if body is not None:
            simple = walker.simple_body(body, data)
            if simple is not None:
                texts, styles = simple
                if any(styles):
                    paras = [_Para(x, style=st) for x, st in zip(texts, styles, strict=True)]
                    texts = None
            else:
                if walker.mutated:  # the fast path wrote markers into this tree
                    body = parse_xml(data, path, main).find(tags.body)
                walker.blocks(body, paras)
                paras = _merge_deleted_marks(paras)

        related = _related_parts(zf, main, path)
        metadata: dict[str, Any] = {}
        comments: list[dict[str, Any]] = []
        for part in related["comments"]:
            comments.extend(_comment_records(zf, part, path, tags))
        for kind, key in (("header", "header_text"), ("footer", "footer_text")):
            found: list[str] = []
            for part in related[kind]:
                for text in _part_paragraph_texts(zf, part, path, tags):
                    if text not in found:
                        found.append(text)
            if found:
                metadata[key] = found
        for kind, tag in (("footnotes", tags.footnote), ("endnotes", tags.endnote)):
            notes = [n for part in related[kind] for n in _notes(zf, part, path, tags, tag)]
            if notes:
                metadata[kind] = notes
        core_title = _core_title(zf, path)

    index_of: list[int]
    if texts is not None:
        seg = segment(texts, keep_map=False, options=options)
        title, index_of = None, []
    else:
        source, index_of, title = _body_paragraphs(paras)
        seg = segment(source, keep_map=bool(comments), options=options)
    title = title or core_title
    if title:
        metadata["title"] = title
    if comments:
        metadata["comments"] = anchor_comments(comments, paras, index_of, seg)
    if walker.changes:
        metadata["tracked_changes_accepted"] = walker.changes
    return SourceDocument("docx", seg.turns, metadata, seg.layout)
