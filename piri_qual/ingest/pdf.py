"""PDF transcripts with a text layer (exported from Word or a transcription service).

Why pypdf: it is pure Python (BSD licence, no compiled parts, nothing to download), maintained,
and extracts a page's text with the position of each piece, which is what rebuilding paragraphs
needs. A PDF has no paragraphs, only lines placed on a page, so they are rebuilt here:

* lines further apart than the usual line spacing start a new paragraph, and so does a line that
  opens a turn (a label, a header line, a timestamp); other lines of a paragraph are joined with
  a space, as the word processor wrapped them;
* a paragraph that runs on to the next page continues when it did not end a sentence;
* a line repeated at the top or bottom of most pages (a running header, "Page 3 of 12") is page
  furniture, kept as metadata rather than text.

A scanned PDF has no text layer: it gets one line saying to run OCR first. A password-protected
PDF, or a damaged one, gets one line too.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any

from piri_qual.errors import PiriQualError
from piri_qual.ingest.source import SourceDocument, TurnOptions
from piri_qual.ingest.turns import SourceParagraph, match_header, opens_turn, segment

_DIGITS = re.compile(r"\d+")
_TERMINAL = frozenset(".?!…\"”’')]:")
_FIX = "Export the transcript again as PDF, or better as .docx or .txt."
#: A gap this many times the usual line spacing separates paragraphs.
PARAGRAPH_GAP = 1.4


def _page_lines(page: Any) -> list[tuple[float, str]]:
    """The page's text lines, top to bottom, each with its baseline height on the page."""
    pieces: list[tuple[float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text:
            pieces.append((float(tm[5]) * float(cm[3]) + float(cm[5]), text))

    page.extract_text(visitor_text=visit)
    lines: list[tuple[float, str]] = []
    current: list[str] = []
    y: float | None = None
    for height, text in pieces:
        parts = text.split("\n")
        for k, part in enumerate(parts):
            if k:
                if current and "".join(current).strip():
                    lines.append((y if y is not None else 0.0, "".join(current)))
                current, y = [], None
            if part:
                if y is None:
                    y = height
                current.append(part)
    if current and "".join(current).strip():
        lines.append((y if y is not None else 0.0, "".join(current)))
    return [(h, t.rstrip()) for h, t in lines]


def _furniture(pages: list[list[tuple[float, str]]]) -> set[str]:
    """Lines (digits ignored) that open or close at least half the pages: running heads."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        ends = {(_DIGITS.sub("#", t.strip())) for _, t in lines[:1] + lines[-1:]}
        seen.update(ends)
    return {key for key, n in seen.items() if n >= max(2, len(pages) / 2)}


def _paragraphs(pages: list[list[tuple[float, str]]], furniture: set[str]) -> list[SourceParagraph]:
    gaps = [
        a - b for lines in pages for (a, _), (b, _) in zip(lines, lines[1:], strict=False) if a > b
    ]
    spacing = sorted(gaps)[len(gaps) // 2] if gaps else 0.0
    out: list[list[str]] = []
    joinable = False  # may the next line continue the last paragraph?
    for lines in pages:
        prev_y: float | None = None
        for y, text in lines:
            if _DIGITS.sub("#", text.strip()) in furniture:
                continue
            line = text.strip()
            new = (
                not out
                or not joinable
                or (prev_y is not None and spacing and prev_y - y > PARAGRAPH_GAP * spacing)
                or (prev_y is None and (out[-1][-1][-1:] in _TERMINAL or not line[:1].islower()))
                or opens_turn(line)
            )
            if new:
                out.append([line])
            else:
                out[-1].append(line)
            joinable = match_header(line) is None
            prev_y = y
    return [SourceParagraph(_join(lines)) for lines in out]


def _join(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        # a word broken at the margin with a hyphen stays hyphenated: "well-" + "known"
        text += line if text.endswith("-") and line[:1].islower() else " " + line
    return text


def read_pdf(path: Path, options: TurnOptions | None = None) -> SourceDocument:
    """Read the text layer of a PDF transcript."""
    import pypdf
    from pypdf.errors import PdfReadError

    if path.stat().st_size == 0:
        raise PiriQualError("the file is empty", path=path, hint=_FIX)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # one line per file, not pypdf's warnings
    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))  # an owner password alone still lets it be read
            except Exception:  # noqa: BLE001 -- pypdf raises several kinds here (missing crypto library too)
                opened = False
            if not opened:
                raise PiriQualError(
                    "this PDF is password-protected, so its text cannot be read",
                    path=path,
                    hint="Save a copy without the password (or export the transcript as .docx), then import that.",
                )
        pages = [_page_lines(page) for page in reader.pages]
        info = reader.metadata
        title = (info.title or "").strip() if info is not None and info.title else ""
    except PiriQualError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise PiriQualError(f"damaged PDF: it cannot be read ({reason})", path=path, hint=_FIX) from exc
    if not any(text.strip() for lines in pages for _, text in lines):
        raise PiriQualError(
            f"this PDF has no text layer ({len(pages)} page{'s' if len(pages) != 1 else ''} of images, "
            "e.g. a scan), so there is no text to import",
            path=path,
            hint="Run OCR first (e.g. `ocrmypdf in.pdf out.pdf`, or Recognize Text in Acrobat), "
                 "then import the PDF it writes.",
        )
    furniture = _furniture(pages)
    metadata: dict[str, Any] = {"pages": len(pages)}
    if furniture:
        kept = {
            text.strip() for lines in pages for _, text in lines[:1] + lines[-1:]
            if _DIGITS.sub("#", text.strip()) in furniture
        }
        metadata["page_furniture"] = sorted(kept)[:20]
    if title:
        metadata["title"] = title
    seg = segment(_paragraphs(pages, furniture), options=options)
    return SourceDocument("pdf", seg.turns, metadata, seg.layout)
