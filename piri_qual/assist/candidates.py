"""Which parts of a transcript can be suggested: units (turns or paragraphs).

A *unit* is a stretch of text that a suggestion may not cross: a participant's turn, or, in a
text without speaker labels (a survey answer, a document from another tool), a paragraph. A
suggestion covers one sentence of a unit or a run of adjacent ones; the sentences themselves are
the study's sentence index (:mod:`piri_qual.core.sentences`), which never crosses a turn or a
line break, so every sentence lies in one unit. Interviewer turns are context, not candidates,
unless the study sets ``candidates_include_interviewer: true``. Structure (a title, a metadata
block, a study-script prompt: turns of role ``other``) is never a candidate, and neither is a
stretch that is only stage directions ("(laughs)", "[inaudible]"; the corpus marks them).
"""

from __future__ import annotations

from typing import NamedTuple

from piri_qual.core.corpus import Transcript
from piri_qual.core.sentences import paragraphs


class Unit(NamedTuple):
    """A turn (or paragraph) of a transcript: ``[start, end)`` offsets and whether it is a candidate.

    A named tuple rather than a dataclass: a 1M-word study has ~60,000 of them."""

    start: int
    end: int
    turn: int | None
    candidate: bool


def units(transcript: Transcript, include_interviewer: bool = False) -> list[Unit]:
    """The transcript's units in text order.

    Labelled turns are units (a turn's paragraphs stay together, as one speaker's answer);
    turns without a speaker label are text whose paragraphs are the units, candidates when the
    turn's role is participant's; a transcript with no turns at all is split into paragraphs.
    A unit that is only stage directions is kept (it is context) but is never a candidate.
    """
    text = transcript.text
    out: list[Unit] = []
    quiet = transcript.is_nonspeech if transcript.nonspeech else None
    if not transcript.turns:
        return [Unit(a, b, None, not (quiet and quiet(a, b))) for a, b in paragraphs(text, 0, len(text))]
    for index, turn in enumerate(transcript.turns):
        candidate = turn.role == "participant" or (include_interviewer and turn.role == "interviewer")
        if turn.speaker is None:
            for a, b in paragraphs(text, turn.start, turn.end):
                out.append(Unit(a, b, index, candidate and not (quiet and quiet(a, b))))
            continue
        if turn.end > turn.start:
            out.append(Unit(turn.start, turn.end, index, candidate and not (quiet and quiet(turn.start, turn.end))))
    return out
