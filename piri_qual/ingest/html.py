"""HTML transcripts: pages saved from a transcription service's editor, exports, web archives.

Why lxml's HTML parser and not a new library: lxml is already how piri-qual reads XML, and its
HTML parser recovers from the tag soup that real exports contain; it is reached only through
:func:`piri_qual.core.safe_xml.parse_html`, with the network off. The page is read as a browser
lays it out: block elements (``p``, ``div``, ``li``, headings, table rows ...) are paragraphs,
``br`` a line break inside one, white space collapsed as HTML collapses it (``pre`` kept
exactly), and what is not the transcript -- ``head``, ``script``, ``style``, ``nav`` -- left
out. Headings may name speakers (``<h3>Interviewer</h3>``) as Markdown headings do; a first
``h1`` (or the page ``title``) is the document's title. A speaker | time | text table becomes
turns, as in Word.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from piri_qual.core.safe_xml import XmlDialect, parse_html
from piri_qual.errors import PiriQualError
from piri_qual.ingest.source import SourceDocument, TurnOptions
from piri_qual.ingest.tables import transcript_table
from piri_qual.ingest.turns import SourceParagraph, segment
from piri_qual.ingest.txt import decode_text

HTML_DIALECT = XmlDialect(name="HTML file", fix="Save the page again (as 'Web page, HTML only'), or export the transcript as .docx or .txt.")
_BLOCKS = frozenset(
    "p div section article main aside blockquote li dt dd ul ol dl h1 h2 h3 h4 h5 h6 pre tr "
    "table tbody thead tfoot figure figcaption address center form fieldset details summary hr body".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_SKIP = frozenset("head script style noscript template nav iframe object svg math button select option".split())
_SPACE_RE = re.compile(r"[ \t\r\n\f]+")
_CHARSET_RE = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.I)


class _Reader:
    def __init__(self) -> None:
        self.out: list[SourceParagraph] = []
        self.parts: list[str] = []
        self.pre = 0

    def flush(self, kind: str = "auto") -> None:
        text = "".join(self.parts)
        self.parts = []
        if not self.pre:
            text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
        text = text.strip("\n ")
        if text.strip():
            self.out.append(SourceParagraph(text, kind))

    def text(self, value: str | None) -> None:
        if value:
            self.parts.append(value if self.pre else _SPACE_RE.sub(" ", value))

    def walk(self, el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if tag in _SKIP:
            return
        if tag == "br":
            self.parts.append("\n")
            return
        if tag == "table":
            self.flush()
            self.table(el)
            return
        block = tag in _BLOCKS
        if block:
            self.flush()
        if tag == "pre":
            self.pre += 1
        self.text(el.text)
        for child in el:
            self.walk(child)
            self.text(child.tail)
        if tag == "pre":
            self.pre -= 1
        if block:
            self.flush("heading" if tag in _HEADINGS else "auto")

    def table(self, table: Any) -> None:
        rows: list[list[list[SourceParagraph] | None]] = []
        for tr in table.iter("tr"):
            cells: list[list[SourceParagraph] | None] = []
            for td in tr:
                if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                    continue
                inner = _Reader()
                inner.walk(td)
                inner.flush()
                cells.append([p for p in inner.out if p.text.strip()])
                try:
                    span = max(1, min(int(td.get("colspan", "1")), 50))
                except ValueError:
                    span = 1
                cells.extend([None] * (span - 1))
            rows.append(cells)
        turns = transcript_table(rows)
        if turns is not None:
            self.out.extend(turns)
            return
        for cells in rows:
            present = ["\n".join(p.text for p in c) for c in cells if c]
            if present:
                self.out.append(SourceParagraph(" | ".join(present)))


def read_html(path: Path, options: TurnOptions | None = None) -> SourceDocument:
    """Read an .html transcript as a browser lays it out."""
    data = path.read_bytes()
    if not data.strip():
        raise PiriQualError("the file is empty", path=path, hint=HTML_DIALECT.fix)
    declared = _CHARSET_RE.search(data, 0, 4096)
    metadata: dict[str, Any] = {}
    if declared is not None:
        try:
            text = data.decode(declared.group(1).decode("ascii"))
            metadata["encoding"] = declared.group(1).decode("ascii").lower()
        except (LookupError, UnicodeDecodeError):
            text, metadata = decode_text(data, path)
    else:
        text, metadata = decode_text(data, path)
    root = parse_html(text.encode("utf-8"), path, HTML_DIALECT)
    title_el = root.find(".//title")
    reader = _Reader()
    body = root.find(".//body")
    reader.walk(body if body is not None else root)
    reader.flush()
    paragraphs = reader.out
    first = next((i for i, p in enumerate(paragraphs) if p.text.strip()), None)
    if first is not None and paragraphs[first].kind == "heading":
        h1 = body.find(".//h1") if body is not None else None
        if h1 is not None and " ".join("".join(h1.itertext()).split()) == paragraphs[first].text:
            metadata["title"] = paragraphs.pop(first).text
    if "title" not in metadata and title_el is not None and (title_el.text or "").strip():
        metadata["title"] = " ".join(title_el.text.split())
    seg = segment(paragraphs, options=options)
    return SourceDocument("html", seg.turns, metadata, seg.layout)
