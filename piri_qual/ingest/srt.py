"""SubRip (.srt) subtitles from video platforms and captioning tools.

Why its own reader and no library: the format is a counter line, a timing line
(``00:00:01,000 --> 00:00:04,000``, optionally with display coordinates) and the caption's lines,
blocks separated by a blank line -- simpler than any dependency. What matters for a transcript is
done here: cue text is read with its markup (``<i>``, ``<font>``, ``{\\an8}``) removed and its
character references decoded, a ``>>`` speaker-change mark is dropped, a ``Name: words`` prefix
that recurs through the file becomes the speaker (as in .vtt files from Zoom), and consecutive
cues of one speaker are merged into one turn timed from the first cue's start to the last's end.
Files without speakers give one turn per cue, in file order.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from piri_qual.errors import PiriQualError
from piri_qual.ingest.source import SourceDocument, TurnOptions
from piri_qual.ingest.txt import decode_text
from piri_qual.ingest.vtt import Cue, cue_document, labels_in_text, text_blocks

_STAMP = r"(\d{1,3}):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?"
_TIMING_RE = re.compile(rf"\s*{_STAMP}\s*-->\s*{_STAMP}(?:\s.*)?")
_TAG_RE = re.compile(r"</?[A-Za-z][^>]*>|\{\\[^{}]*\}")
_CHANGE_RE = re.compile(r"^(?:>>|&gt;&gt;)\s*")


def _seconds(h: str, m: str, s: str, ms: str | None) -> float:
    frac = int((ms or "0").ljust(3, "0")) / 1000
    return round(int(h) * 3600 + int(m) * 60 + int(s) + frac, 3)


def _clean(lines: list[str]) -> str:
    """One cue's lines as one line of text, markup removed."""
    words = []
    for line in lines:
        line = _CHANGE_RE.sub("", html.unescape(_TAG_RE.sub("", line)).strip())
        if line:
            words.append(line)
    return " ".join(words)


def parse_srt(text: str, path: Path) -> list[Cue]:
    """The cues of a SubRip file, in file order; a line that should be a timing but is not
    gives a one-line error naming it."""
    lines = text.split("\n")
    cues: list[Cue] = []
    for block_start, block in text_blocks(lines):
        timing = 1 if len(block) > 1 and block[0].strip().isdigit() else 0
        m = _TIMING_RE.fullmatch(block[timing])
        if m is None:
            if "-->" in block[timing] or timing == 1:
                raise PiriQualError(
                    f"unreadable subtitle timing {block[timing].strip()!r}",
                    path=path,
                    line=block_start + timing + 1,
                    hint="SubRip times look like 00:01:02,500 --> 00:01:05,000; export the subtitles again.",
                )
            raise PiriQualError(
                "not a SubRip (.srt) file: a block has no timing line",
                path=path,
                line=block_start + 1,
                hint="Each subtitle is a number, a line like 00:00:01,000 --> 00:00:04,000, then its text.",
            )
        start = _seconds(*m.group(1, 2, 3, 4))
        end = _seconds(*m.group(5, 6, 7, 8))
        words = _clean(block[timing + 1 :])
        if words:
            cues.append(Cue(start, end, None, words))
    return cues


def read_srt(path: Path, options: TurnOptions | None = None) -> SourceDocument:
    """Read a SubRip subtitle file into turns."""
    text, metadata = decode_text(path.read_bytes(), path)
    cues = parse_srt(text, path)
    if options is None or options.speakers != ():
        labels_in_text(cues)
    meta: dict[str, Any] = dict(metadata, cues=len(cues))
    return cue_document("srt", cues, meta, "labels in subtitles (Name: words)")
