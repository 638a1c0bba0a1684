"""Plain-text and Markdown transcripts: typed interviews, Otter.ai and Zoom caption exports.

Text files arrive in whatever encoding the researcher's machine used, so decoding tries UTF-8
(with or without BOM), UTF-16 when it has a BOM or, without one, when every other byte is zero
as in English text saved as "Unicode" by some Windows tools, then Windows-1252, and says which it
used in the metadata. Layouts handled: labelled paragraphs (``Interviewer 1: ...``), Otter exports (a
``Name  M:SS`` header line, the words on the next lines, and an ``otter.ai`` footer that is
dropped), Zoom closed captions (``HH:MM:SS words`` per line, wall-clock times made relative to the
first line, a leading ``Name: ..., Age: ...`` line kept as metadata) and Markdown with speakers as
headings (``### Interviewer``).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from piri_qual.errors import PiriQualError
from piri_qual.ingest.source import SourceDocument, TurnOptions
from piri_qual.ingest.turns import SourceParagraph, match_header, parse_clock, segment

_OTTER_FOOTER_RE = re.compile(r"\s*Transcribed by\s+(?:https?://)?(?:www\.)?otter\.ai\s*", re.I)
_CAPTION_LINE_RE = re.compile(r"(\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)[ \t]+(\S.*)")
# Lines that end a sentence: a block of such lines is one paragraph per line.
_LINE_END = frozenset(".?!\u2026\"\u201d')]")
_MD_HEADING_RE = re.compile(r"[ ]{0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*")


#: A first caption time from this many seconds on is read as a wall-clock time.
WALL_CLOCK_FROM = 3600.0


def decode_text(data: bytes, path: Path) -> tuple[str, dict[str, Any]]:
    """Decode a text file and normalise line ends; report the encoding used in metadata."""
    if not data.strip():
        raise PiriQualError("the file is empty", path=path, hint="Export the transcript again.")
    meta: dict[str, Any] = {}
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise PiriQualError(
                "the file starts like UTF-16 text but cannot be decoded",
                path=path,
                hint="Save it again as UTF-8 text.",
            ) from exc
        meta["encoding"] = "utf-16"
    elif (utf16 := _utf16_without_bom(data)) is not None:
        text, meta["encoding"] = utf16
    else:
        if b"\x00" in data[:8192]:
            raise PiriQualError(
                "this is not a text file (it contains binary data)",
                path=path,
                hint="Export the transcript as .txt, .vtt or .docx and import that file.",
            )
        try:
            text = data.decode("utf-8-sig")
            meta["encoding"] = "utf-8"
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise PiriQualError(
                    "the text is neither UTF-8 nor Windows-1252",
                    path=path,
                    hint="Open it in a text editor and save it as UTF-8.",
                ) from exc
            meta["encoding"] = "cp1252"
            meta["encoding_note"] = (
                "not valid UTF-8; read as Windows-1252 (cp1252). Check accented letters and quotes."
            )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, meta


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """Text as UTF-16 without a byte-order mark, when its zero bytes say so, else None.

    Latin-script text in UTF-16 has a zero in every other byte (odd bytes in little-endian,
    even in big-endian); binary data has zeros everywhere or nowhere in particular. The decoded
    text must also be printable, so a binary file with that pattern by chance is still refused.
    """
    sample = data[:8192]
    half = len(sample) // 2
    if half < 2 or len(data) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.3 * half and even <= 0.02 * half:
        encoding = "utf-16-le"
    elif even >= 0.3 * half and odd <= 0.02 * half:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    shown = text[:4096]
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in shown)
    if printable < 0.97 * len(shown):
        return None
    return text, encoding


def read_text(path: Path, markdown: bool = False, options: TurnOptions | None = None) -> SourceDocument:
    """Read a .txt or .md transcript."""
    text, metadata = decode_text(path.read_bytes(), path)
    return text_document(text, "md" if markdown else "txt", metadata, options, markdown=markdown)


def text_document(
    text: str, fmt: str, metadata: dict[str, Any], options: TurnOptions | None = None, *, markdown: bool = False
) -> SourceDocument:
    """Turns from plain text with ``\n`` line ends: what the text, RTF, PDF and HTML readers share."""
    lines = text.split("\n")
    # Drop the Otter footer (the last non-empty line).
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip():
            if _OTTER_FOOTER_RE.fullmatch(lines[i]):
                metadata["transcribed_by"] = "otter.ai"
                lines = lines[:i]
            break
    captions = _caption_paragraphs(lines, metadata)
    if captions is not None:
        paragraphs = captions
    else:
        paragraphs = _paragraphs(lines, markdown, metadata)
    seg = segment(paragraphs, options=options)
    return SourceDocument(fmt, seg.turns, metadata, seg.layout)


def _caption_paragraphs(lines: list[str], metadata: dict[str, Any]) -> list[SourceParagraph] | None:
    """Zoom closed-caption text (``HH:MM:SS words`` lines), or None if this is not one."""
    filled = [line for line in lines if line.strip()]
    timed = [_CAPTION_LINE_RE.fullmatch(line.strip()) for line in filled]
    hits = sum(1 for m in timed if m is not None)
    if hits < 2 or hits < 0.6 * len(filled):
        return None
    paragraphs: list[SourceParagraph] = []
    preamble: list[str] = []
    origin: float | None = None
    for line, m in zip(filled, timed, strict=True):
        if m is None:
            if not paragraphs:
                preamble.append(line.strip())
            else:
                paragraphs.append(SourceParagraph(line.strip(), "cont"))
            continue
        seconds = parse_clock(m.group(1))
        if seconds is not None:
            if origin is None:
                # A first time past the first hour is the clock on the wall (Zoom's closed
                # captions): times become relative to it. Earlier, they already count from the
                # start of the recording.
                origin = seconds if seconds >= WALL_CLOCK_FROM else 0.0
                if origin:
                    metadata["clock_start"] = m.group(1)
            seconds -= origin
            if seconds < 0:  # the recording ran past midnight
                seconds += 24 * 3600
        paragraphs.append(SourceParagraph(m.group(2), "auto", time=seconds))
    if preamble:
        metadata["preamble"] = preamble
    return paragraphs


def _paragraphs(lines: list[str], markdown: bool, metadata: dict[str, Any]) -> list[SourceParagraph]:
    """Blank-line separated paragraphs; header lines and Markdown headings stand alone."""
    out: list[SourceParagraph] = []
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        if len(block) >= 2 and all(line.rstrip()[-1:] in _LINE_END for line in block[:-1]):
            # One paragraph per line (a Word document saved as text): each line stands alone, so
            # the line after a labelled question can be the unlabelled answer.
            out.extend(SourceParagraph(line) for line in block)
        else:
            out.append(SourceParagraph("\n".join(block)))
        block.clear()

    for line in lines:
        if not line.strip():
            flush()
            continue
        heading = _MD_HEADING_RE.fullmatch(line) if markdown else None
        if heading is not None:
            flush()
            title = heading.group(2).strip()
            if not title:
                continue
            if heading.group(1) == "#" and "title" not in metadata and not out:
                metadata["title"] = title
                continue
            out.append(SourceParagraph(title, "heading"))
            continue
        if match_header(line):
            flush()
            out.append(SourceParagraph(line))
            continue
        block.append(line)
    flush()
    return out
