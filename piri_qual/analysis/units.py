"""Units of analysis for inter-coder agreement, and which units a coding covers.

Why: coders mark free spans, but kappa and alpha compare coders unit by unit, so agreement needs
a fixed division of the text into units that every coder's spans are mapped onto. Three
divisions are offered, always over the *eligible turns* of a transcript -- participant turns,
plus interviewer turns when the study sets ``candidates_include_interviewer: true`` (the same
rule that decides which sentences the assistant may suggest codes for):

* ``sentence`` -- the sentences of the eligible turns. Sentences come from the language engine
  (``piri_qual.assist.engine.sentences``) when that module exists, and otherwise from
  :func:`regex_sentences`, a plain rule-based splitter documented below; both are clipped to
  the eligible turns, since a sentence never spans two speakers.
* ``turn`` -- the eligible turns themselves.
* ``character`` -- every character of the eligible turns, laid end to end as one continuum
  (for Krippendorff's unitizing alpha; presence per character gives percent agreement and
  kappa on the same footing).

A coding *covers* a unit when their spans overlap by at least :data:`MIN_COVER` (half) of the
unit's characters, or when the coding lies entirely within the unit. The first half of the rule
stops a coding that clips the last word of a sentence from counting for it; the second lets a
short phrase coded inside a long turn count for that turn.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.corpus import Transcript
    from piri_qual.core.study import StudyFolder

UNIT_KINDS: tuple[str, ...] = ("sentence", "turn", "character")

#: Share of a unit's characters a coding must overlap to cover it (unless the coding lies inside it).
MIN_COVER = 0.5

#: Sentence spans ``[start, end)`` of a whole transcript text.
SentenceSource = Callable[["Transcript"], list[tuple[int, int]]]

# -- the fallback sentence splitter --------------------------------------------------------------
# A boundary is one or more of . ! ? or an ellipsis character, optionally followed by closing
# quotes or brackets, then whitespace, then something that can open a sentence (a capital, a
# digit, or an opening quote or bracket before one). Line breaks inside a turn always end a
# sentence (transcribers start a new paragraph for a new thought).
_BOUNDARY = re.compile(
    "[.!?\u2026]+[\"'\u2019\u201d)\\]]*(?P<gap>\\s+)(?=[\"'\u2018\u201c(\\[]?[A-Z0-9])"
)
# Words after which a single full stop is not a sentence end ("Dr. Okafor", "e.g. Tuesday").
_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "mx", "prof", "st", "rev", "e.g", "i.e", "etc", "vs", "approx",
     "no", "nos", "dept", "jan", "feb", "aug", "sept", "oct", "nov", "dec"}
)
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


def regex_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` by punctuation and line breaks, whitespace trimmed.

    Why a regex: it needs no model, is deterministic and fast, and transcript talk is mostly
    well punctuated by the transcriber. It splits after ``.``, ``!``, ``?`` or ``...`` when the
    next word starts with a capital or a digit, never after a short list of abbreviations
    (``Dr.``, ``Mrs.``, ``e.g.``), and at every line break.
    """
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []

    def keep(a: int, b: int) -> None:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))

    line_start = start
    for line_end in [m.start() for m in re.finditer("\n", text[start:stop])] + [stop - start]:
        a, b = line_start, start + line_end
        piece_start = a
        for match in _BOUNDARY.finditer(text, a, b):
            before = _WORD_BEFORE.search(text, max(a, match.start() - 20), match.start() + 1)
            if (
                before
                and text[match.start() : match.start("gap")].rstrip("\"'\u2019\u201d)]") == "."
                and before.group(1).casefold() in _ABBREVIATIONS
            ):
                continue
            keep(piece_start, match.start("gap"))
            piece_start = match.end("gap")
        keep(piece_start, b)
        line_start = b + 1
    return spans


def regex_source(transcript: Transcript) -> list[tuple[int, int]]:
    """:func:`regex_sentences` over every turn of a transcript (a :data:`SentenceSource`)."""
    out: list[tuple[int, int]] = []
    for turn in transcript.turns:
        out.extend(regex_sentences(transcript.text, turn.start, turn.end))
    return out


def engine_available() -> bool:
    """Whether the language engine module (``piri_qual.assist.engine``) is installed.

    Checked without importing it, so spaCy loads only when sentences are actually needed.
    """
    try:
        return importlib.util.find_spec("piri_qual.assist.engine") is not None
    except (ImportError, ValueError):
        return False


def default_sentence_source(study: StudyFolder) -> tuple[SentenceSource, str]:
    """The study's sentence splitter and its name: the engine's if present, else the regex one."""
    if engine_available():
        from piri_qual.assist import engine

        sentences = getattr(engine, "sentences", None)
        if callable(sentences):
            # ``engine.sentences`` builds a whole suggestion engine per call; one engine for
            # all transcripts reads the same cached sentence index (its ``features``) at the
            # cost of one build instead of one per transcript.
            holder: list[Any] = []

            def from_engine(transcript: Transcript) -> list[tuple[int, int]]:
                engine_class = getattr(engine, "Engine", None)
                if engine_class is None or not hasattr(engine_class, "features"):
                    return [(int(a), int(b)) for a, b in sentences(study, transcript.id)]
                if not holder:
                    holder.append(engine_class(study))
                feats = holder[0].features([transcript.id])[transcript.id]
                return [(int(a), int(b)) for a, b in feats.sentences]

            return from_engine, "language engine"
    return regex_source, "rule-based splitter"


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
    """Indexes of the turns whose talk is analysed: participant turns (and interviewer turns)."""
    roles = {"participant", "interviewer"} if include_interviewer else {"participant"}
    return [i for i, t in enumerate(transcript.turns) if t.role in roles and t.end > t.start]


def transcript_units(
    transcript: Transcript,
    kind: str,
    *,
    include_interviewer: bool = False,
    sentences: SentenceSource | None = None,
) -> UnitSpans:
    """The units of one transcript for ``kind`` (see the module docstring)."""
    check_kind(kind)
    turns = eligible_turns(transcript, include_interviewer)
    starts: list[int] = []
    ends: list[int] = []
    owner: list[int] = []
    if kind == "turn":
        for i in turns:
            starts.append(transcript.turns[i].start)
            ends.append(transcript.turns[i].end)
            owner.append(i)
    elif kind == "sentence":
        spans = sorted((sentences or regex_source)(transcript))
        for i in turns:
            turn = transcript.turns[i]
            for a, b in spans:
                if b <= turn.start or a >= turn.end:
                    continue
                a, b = max(a, turn.start), min(b, turn.end)
                while a < b and transcript.text[a].isspace():
                    a += 1
                while b > a and transcript.text[b - 1].isspace():
                    b -= 1
                if b > a and (not ends or a >= ends[-1]):
                    starts.append(a)
                    ends.append(b)
                    owner.append(i)
    else:
        pieces = [np.arange(transcript.turns[i].start, transcript.turns[i].end) for i in turns]
        chars = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        counts = [transcript.turns[i].end - transcript.turns[i].start for i in turns]
        return UnitSpans(
            transcript.id, chars.astype(np.int64), chars.astype(np.int64) + 1,
            np.repeat(np.asarray(turns, dtype=np.int64), counts),
        )
    return UnitSpans(
        transcript.id,
        np.asarray(starts, dtype=np.int64),
        np.asarray(ends, dtype=np.int64),
        np.asarray(owner, dtype=np.int64),
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


def describe(kind: str, include_interviewer: bool, splitter: str | None = None) -> str:
    """How the unit reads beside the figures, e.g. ``sentence (sentences of participant turns)``."""
    whose = "participant and interviewer turns" if include_interviewer else "participant turns"
    if kind == "sentence":
        how = f", {splitter}" if splitter else ""
        return f"sentence (sentences of {whose}{how})"
    if kind == "turn":
        return f"turn ({whose})"
    return f"character (the characters of {whose} as one continuum)"
