"""Rich Text Format (.rtf) transcripts, from university transcription services and WordPad.

Why striprtf: it is the small, dependency-free, BSD-licensed RTF-to-text converter that is widely
used and kept up; it skips the destinations that are not body text (font and colour tables,
headers, footers, footnotes, annotations, pictures, document information), decodes ``\\'hh``
escapes in the document's code page and ``\\uN`` Unicode escapes, and turns ``\\par`` into line
ends and table cells into ``|``. Two things a transcript needs are added here: text a reviewer
deleted with tracked changes on (``\\deleted``) is removed first, so the document reads as if
the changes were accepted, as .docx and .odt do; and each paragraph (``\\par``) becomes one
paragraph for the turn detector, so a label opens a turn as it does in Word.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from piri_qual.errors import PiriQualError
from piri_qual.ingest.source import SourceDocument, TurnOptions
from piri_qual.ingest.turns import SourceParagraph, segment

_CODEPAGE_RE = re.compile(rb"\\ansicpg(\d{3,5})")
_DELETED_RE = re.compile(r"\\deleted(?![a-zA-Z0-9])")
_HEADER_RE = re.compile(r"\{\\header[lrf]?\b((?:[^{}]|\{[^{}]*\})*)\}")
_TITLE_RE = re.compile(r"\{\\title\s+([^{}]*)\}")


def _codepage(data: bytes) -> str:
    m = _CODEPAGE_RE.search(data, 0, 4096)
    if m is not None:
        name = f"cp{int(m.group(1))}"
        try:
            codecs.lookup(name)
            return name
        except LookupError:
            pass
    return "cp1252"


def strip_deleted(rtf: str) -> tuple[str, int]:
    """Remove text marked ``\\deleted`` (a tracked deletion) up to the end of its group; the
    number of deletions removed."""
    cuts: list[tuple[int, int]] = []
    for m in _DELETED_RE.finditer(rtf):
        depth, i = 0, m.end()
        while i < len(rtf):
            ch = rtf[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    break
                depth -= 1
            i += 1
        if not cuts or m.start() >= cuts[-1][1]:
            cuts.append((m.start(), i))
    if not cuts:
        return rtf, 0
    out, pos = [], 0
    for a, b in cuts:
        out.append(rtf[pos:a])
        pos = b
    out.append(rtf[pos:])
    return "".join(out), len(cuts)


def read_rtf(path: Path, options: TurnOptions | None = None) -> SourceDocument:
    """Read an .rtf transcript (tracked deletions removed, headers and footers kept out)."""
    from striprtf.striprtf import rtf_to_text

    data = path.read_bytes()
    if not data.strip():
        raise PiriQualError("the file is empty", path=path, hint="Save the transcript again.")
    if not data.lstrip().startswith(b"{\\rtf"):
        raise PiriQualError(
            "not an RTF file (it does not start with {\\rtf)",
            path=path,
            hint="Open it in Word or LibreOffice and save it as .rtf, .docx or .odt.",
        )
    encoding = _codepage(data)
    # RTF is 7-bit text; anything above is in the document's code page, which striprtf decodes
    # from \'hh escapes. Latin-1 maps bytes to characters one to one, so nothing is lost here.
    rtf = data.decode("latin-1")
    rtf, deletions = strip_deleted(rtf)
    metadata: dict[str, Any] = {"encoding": encoding}
    headers = [h for h in (_plain(m.group(1), encoding) for m in _HEADER_RE.finditer(rtf)) if h]
    if headers:
        metadata["header_text"] = headers
    title = _TITLE_RE.search(rtf[:20000])
    try:
        text = rtf_to_text(rtf, encoding=encoding, errors="replace")
    except (ValueError, IndexError, RecursionError) as exc:
        raise PiriQualError(
            f"damaged .rtf: it cannot be read ({exc})",
            path=path,
            hint="Open it in Word or LibreOffice and save it again as .rtf or .docx.",
        ) from exc
    if title is not None and title.group(1).strip():
        metadata["title"] = _plain("{" + title.group(1) + "}", encoding) or title.group(1).strip()
    if deletions:
        metadata["tracked_changes_accepted"] = deletions
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [SourceParagraph(line) for line in text.split("\n") if line.strip()]
    seg = segment(paragraphs, options=options)
    return SourceDocument("rtf", seg.turns, metadata, seg.layout)


def _plain(fragment: str, encoding: str) -> str:
    from striprtf.striprtf import rtf_to_text

    try:
        return " ".join(rtf_to_text("{\\rtf1 " + fragment + "}", encoding=encoding, errors="replace").split())
    except (ValueError, IndexError, RecursionError):
        return ""
