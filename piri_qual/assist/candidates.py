"""Which parts of a transcript can be suggested: units (turns or paragraphs) and their sentences.

A *unit* is a stretch of text that a suggestion may not cross: a participant's turn, or, in a
text without speaker labels (a survey answer, a document from another tool), a paragraph. A
suggestion covers one sentence of a unit or a run of adjacent ones. Interviewer turns are context,
not candidates, unless the study sets ``candidates_include_interviewer: true``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from piri_qual.core.corpus import Transcript

_PARAGRAPH = re.compile(r"\n\s*\n|\n")


class Unit(NamedTuple):
    """A turn (or paragraph) of a transcript: ``[start, end)`` offsets and whether it is a candidate.

    A named tuple rather than a dataclass: a 1M-word study has ~60,000 of them."""

    start: int
    end: int
    turn: int | None
    candidate: bool


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Non-blank paragraphs of ``text[start:end]``, trimmed, as absolute offsets."""
    if text.find("\n", start, end) < 0:  # the common case: one paragraph
        piece = text[start:end]
        stripped = piece.strip()
        if not stripped:
            return []
        lead = len(piece) - len(piece.lstrip())
        return [(start + lead, start + lead + len(stripped))]
    out = []
    pos = start
    for match in _PARAGRAPH.finditer(text, start, end):
        out.append((pos, match.start()))
        pos = match.end()
    out.append((pos, end))
    trimmed = []
    for a, b in out:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if b - trail > a + lead:
            trimmed.append((a + lead, b - trail))
    return trimmed


def units(transcript: Transcript, include_interviewer: bool = False) -> list[Unit]:
    """The transcript's units in text order.

    Labelled turns are units (a turn's paragraphs stay together, as one speaker's answer);
    turns without a speaker label are participant text whose paragraphs are the units; a
    transcript with no turns at all is split into paragraphs.
    """
    text = transcript.text
    out: list[Unit] = []
    if not transcript.turns:
        return [Unit(a, b, None, True) for a, b in _paragraphs(text, 0, len(text))]
    for index, turn in enumerate(transcript.turns):
        if turn.speaker is None:
            for a, b in _paragraphs(text, turn.start, turn.end):
                out.append(Unit(a, b, index, True))
            continue
        candidate = turn.role == "participant" or (include_interviewer and turn.role == "interviewer")
        if turn.end > turn.start:
            out.append(Unit(turn.start, turn.end, index, candidate))
    return out


def turn_paragraph_texts(transcript: Transcript, unit: Unit) -> list[tuple[int, int]]:
    """A unit's paragraphs: sentences never cross a line break."""
    return _paragraphs(transcript.text, unit.start, unit.end)
