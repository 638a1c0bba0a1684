"""Units of analysis for inter-coder agreement, and which units a coding covers.

Why: coders mark free spans, but kappa and alpha compare coders unit by unit, so agreement needs
a fixed division of the text into units that every coder's spans are mapped onto. Three
divisions are offered, always over the *eligible turns* of a transcript -- participant turns,
plus interviewer turns when the study sets ``candidates_include_interviewer: true`` (the same
rule that decides which sentences the assistant may suggest codes for):

* ``sentence`` -- the sentences of the eligible turns, from the study's sentence index
  (:mod:`piri_qual.core.sentences`): the same sentences the assistant suggests on and the
  terminal UI moves by, which never span two speakers.
* ``turn`` -- the eligible turns themselves.
* ``character`` -- every character of the eligible turns, laid end to end as one continuum
  (for Krippendorff's unitizing alpha; presence per character gives percent agreement and
  kappa on the same footing).

Stage directions ("(laughs)", "[inaudible 00:12:04]"; spans the corpus marks as non-speech)
are never units: a sentence or a turn that is only stage directions is left out, and so are
their characters in the ``character`` continuum. A sentence with words around a stage direction
("It was fine (laughs) really.") is a unit as usual.

A coding *covers* a unit when their spans overlap by at least :data:`MIN_COVER` (half) of the
unit's characters, or when the coding lies entirely within the unit. The first half of the rule
stops a coding that clips the last word of a sentence from counting for it; the second lets a
short phrase coded inside a long turn count for that turn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from piri_qual.core.corpus import Transcript
from piri_qual.core.sentences import sentence_turns
from piri_qual.errors import PiriQualError

UNIT_KINDS: tuple[str, ...] = ("sentence", "turn", "character")

#: Share of a unit's characters a coding must overlap to cover it (unless the coding lies inside it).
MIN_COVER = 0.5

#: How sentence units say where their sentences come from, beside the figures.
SENTENCE_SOURCE = "spaCy sentencizer"


# -- units ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnitSpans:
    """One transcript's units as parallel arrays (units are sorted and do not overlap).

    ``turn`` is the index of the turn each unit sits in. For ``character`` units every unit is
    one character; the arrays are built with numpy so a long study stays cheap.
    """

    transcript: str
    starts: np.ndarray
    ends: np.ndarray
    turn: np.ndarray

    def __len__(self) -> int:
        return int(self.starts.size)


def eligible_turns(transcript: Transcript, include_interviewer: bool = False) -> list[int]:
    """Indexes of the turns whose talk is analysed: participant turns (and interviewer turns),
    leaving out a turn that is only stage directions."""
    roles = {"participant", "interviewer"} if include_interviewer else {"participant"}
    quiet = transcript.is_nonspeech if transcript.nonspeech else None
    return [
        i for i, t in enumerate(transcript.turns)
        if t.role in roles and t.end > t.start and not (quiet and quiet(t.start, t.end))
    ]


def transcript_units(
    transcript: Transcript,
    kind: str,
    *,
    include_interviewer: bool = False,
    sentences: np.ndarray | None = None,
) -> UnitSpans:
    """The units of one transcript for ``kind`` (see the module docstring).

    ``sentences`` are the transcript's spans from the study's sentence index
    (``study.sentence_index.spans(transcript)``), needed for ``sentence`` units only.
    """
    check_kind(kind)
    turns = eligible_turns(transcript, include_interviewer)
    if kind == "sentence":
        if sentences is None:
            raise TypeError("sentence units need the transcript's spans from the sentence index")
        spans = np.asarray(sentences, dtype=np.int64).reshape(-1, 2)
        owner = sentence_turns(transcript, spans)
        keep = np.isin(owner, np.asarray(turns, dtype=np.int64))
        if transcript.nonspeech:
            quiet = transcript.is_nonspeech
            keep &= np.array([not quiet(int(a), int(b)) for a, b in spans], bool).reshape(-1)
        return UnitSpans(transcript.id, spans[keep, 0].copy(), spans[keep, 1].copy(), owner[keep])
    if kind == "turn":
        return UnitSpans(
            transcript.id,
            np.asarray([transcript.turns[i].start for i in turns], dtype=np.int64),
            np.asarray([transcript.turns[i].end for i in turns], dtype=np.int64),
            np.asarray(turns, dtype=np.int64),
        )
    pieces: list[np.ndarray] = []
    counts: list[int] = []
    for i in turns:
        turn = transcript.turns[i]
        parts = transcript.speech_chars(turn.start, turn.end)
        pieces.extend(np.arange(a, b) for a, b in parts)
        counts.append(sum(b - a for a, b in parts))
    chars = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    return UnitSpans(
        transcript.id, chars.astype(np.int64), chars.astype(np.int64) + 1,
        np.repeat(np.asarray(turns, dtype=np.int64), counts),
    )


def covered(units: UnitSpans, start: int, end: int) -> np.ndarray:
    """Indexes of the units a coding ``[start, end)`` covers, by the rule in the module docstring."""
    first = int(np.searchsorted(units.ends, start, side="right"))  # first unit ending after start
    last = int(np.searchsorted(units.starts, end, side="left"))  # first unit starting at/after end
    if last <= first:
        return np.zeros(0, dtype=np.int64)
    us, ue = units.starts[first:last], units.ends[first:last]
    overlap = np.minimum(ue, end) - np.maximum(us, start)
    inside = (start >= us) & (end <= ue)
    hit = (overlap >= MIN_COVER * (ue - us)) | inside
    return np.flatnonzero(hit) + first


def check_kind(kind: str) -> str:
    if kind not in UNIT_KINDS:
        raise PiriQualError(
            f"unknown unit {kind!r}",
            hint=f"Choose one of: {', '.join(UNIT_KINDS)}.",
        )
    return kind


def describe(kind: str, include_interviewer: bool) -> str:
    """How the unit reads beside the figures, e.g. ``sentence (sentences of participant turns)``."""
    whose = "participant and interviewer turns" if include_interviewer else "participant turns"
    if kind == "sentence":
        return f"sentence (sentences of {whose}, {SENTENCE_SOURCE})"
    if kind == "turn":
        return f"turn ({whose})"
    return f"character (the characters of {whose} as one continuum)"
