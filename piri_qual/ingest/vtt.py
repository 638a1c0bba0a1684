"""WebVTT transcripts from Teams, Zoom and other meeting recorders.

Recorders cut speech into short cues (Teams splits one utterance into ``…/32-0``, ``…/32-1``),
so consecutive cues of the same speaker are merged into one turn, timed from the first cue's start
to the last cue's end. Speakers come from ``<v Name>`` voice tags, or from a ``Name:`` prefix that
recurs through the file. Files without speakers (Zoom automatic captions) give one turn per cue,
in file order even when cue times overlap or go backwards. ``NOTE``/``STYLE``/``REGION`` blocks
are skipped, markup is stripped and character references (``&amp;``) decoded.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from piri_qual.core.corpus import RawTurn
from piri_qual.errors import PiriQualError
from piri_qual.ingest.source import Layout, SourceDocument, TurnOptions
from piri_qual.ingest.turns import label_shape, speaker_key
from piri_qual.ingest.txt import decode_text

_TIMING_RE = re.compile(
    r"\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})(?:\s.*)?"
)
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+([^>]*))?>(.*?)(?:</v>|(?=<v[\s.>])|$)", re.S)
_TAG_RE = re.compile(r"</?[A-Za-z][^>]*>|<\d[^>]*>")
_LABEL_RE = re.compile(r"([^\W_][^:\n]{0,39}?)[ \t]*:[ \t]+(\S.*)", re.S)


@dataclass
class Cue:
    start: float
    end: float
    speaker: str | None
    text: str


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return round(value, 3)


def _clean(text: str) -> str:
    """Strip markup, decode entities, join the cue's wrapped lines with spaces."""
    text = html.unescape(_TAG_RE.sub("", text))
    return " ".join(line.strip() for line in text.split("\n") if line.strip())


def text_blocks(lines: list[str], start: int = 0) -> Iterator[tuple[int, list[str]]]:
    """The blocks of non-blank lines from ``lines[start]`` on, each with its first line's index:
    the shape of both subtitle formats (WebVTT cues, SubRip subtitles)."""
    i, n = start, len(lines)
    while i < n:
        while i < n and not lines[i].strip():
            i += 1
        if i >= n:
            return
        first = i
        while i < n and lines[i].strip():
            i += 1
        yield first, lines[first:i]


def parse_cues(text: str, path: Path) -> list[Cue]:
    lines = text.split("\n")
    if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise PiriQualError(
            "not a WebVTT file (the first line must be WEBVTT)",
            path=path,
            line=1,
            hint="Export the transcript again as .vtt, or save it as .txt if it is plain text.",
        )
    cues: list[Cue] = []
    for block_start, block in text_blocks(lines, 1):
        first = block[0].strip()
        if first.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in first:
            continue
        timing_at = 0 if "-->" in block[0] else 1 if len(block) > 1 and "-->" in block[1] else -1
        if timing_at < 0:
            continue  # a stray line; WebVTT parsers skip it too
        m = _TIMING_RE.fullmatch(block[timing_at])
        if m is None:
            raise PiriQualError(
                f"unreadable cue timing {block[timing_at].strip()!r}",
                path=path,
                line=block_start + timing_at + 1,
                hint="Cue times must look like 00:01:02.500 --> 00:01:05.000.",
            )
        start, end = _seconds(m.group(1)), _seconds(m.group(2))
        payload = "\n".join(block[timing_at + 1 :])
        voices = list(_VOICE_RE.finditer(payload))
        if voices:
            for v in voices:
                speaker = (v.group(1) or "").strip() or None
                words = _clean(v.group(2))
                if words:
                    cues.append(Cue(start, end, speaker, words))
        else:
            words = _clean(payload)
            if words:
                cues.append(Cue(start, end, None, words))
    return cues


def labels_in_text(cues: list[Cue]) -> None:
    """``Name: words`` cues (Zoom transcripts with speakers): move a recurring label to speaker."""
    if not cues or any(c.speaker for c in cues):
        return
    found = [_LABEL_RE.fullmatch(c.text) for c in cues]
    counts = Counter(speaker_key(m.group(1)) for m in found if m and label_shape(m.group(1)))
    if sum(counts.values()) < 0.5 * len(cues) or not any(v >= 2 for v in counts.values()):
        return
    for cue, m in zip(cues, found, strict=True):
        if m and speaker_key(m.group(1)) in counts and label_shape(m.group(1)):
            cue.speaker, cue.text = m.group(1).strip(), m.group(2).strip()


def read_vtt(path: Path, options: TurnOptions | None = None) -> SourceDocument:
    """Read a WebVTT transcript into turns (merged per speaker when the file names speakers)."""
    text, metadata = decode_text(path.read_bytes(), path)
    cues = parse_cues(text, path)
    voiced = any(c.speaker for c in cues)
    labels_in_text(cues)
    metadata["cues"] = len(cues)
    return cue_document("vtt", cues, metadata, "voice tags (<v Name>)" if voiced else "labels in cues (Name: words)")


def cue_document(fmt: str, cues: list[Cue], metadata: dict[str, Any], layout: str) -> SourceDocument:
    """Turns from timed cues: consecutive cues of one speaker merged (shared with .srt)."""
    turns: list[RawTurn] = []
    labels = list(dict.fromkeys(c.speaker for c in cues if c.speaker))
    if not labels:
        turns = [RawTurn(None, (c.text,), c.start, c.end) for c in cues]
        return SourceDocument(fmt, turns, metadata)
    speaker: str | None = None
    words: list[str] = []
    start = end = 0.0
    for cue in cues:
        if words and cue.speaker is not None and speaker is not None and (
            speaker_key(cue.speaker) == speaker_key(speaker)
        ):
            words.append(cue.text)
            end = max(end, cue.end)
            continue
        if words and cue.speaker is None and speaker is None:
            words.append(cue.text)
            end = max(end, cue.end)
            continue
        if words:
            turns.append(RawTurn(speaker, (" ".join(words),), start, end))
        speaker, words, start, end = cue.speaker, [cue.text], cue.start, cue.end
    if words:
        turns.append(RawTurn(speaker, (" ".join(words),), start, end))
    return SourceDocument(fmt, turns, metadata, Layout(layout, labels))
