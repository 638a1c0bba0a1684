"""Sentences and words of one transcript, for moving and resizing excerpts.

An excerpt is resized at one *edge* (start or end) by a sentence or a word. The sentences are
the study's sentence index (:attr:`piri_qual.core.study.StudyFolder.sentence_index`), the same
ones suggestions and agreement units use, and they never cross a turn. Resizing never crosses a
turn either, because a quote that runs into the next speaker's turn would carry their label and
words into the coding.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from piri_qual.core.corpus import Transcript

_WORD = re.compile(r"\S+")


@dataclass(frozen=True, order=True)
class Span:
    """``[start, end)`` in transcript text (Unicode code points)."""

    start: int
    end: int

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


class TextIndex:
    """Sentence and word boundaries of a transcript, with the resizing rules.

    ``sentences`` are the transcript's spans from the sentence index (``study.sentences(id)``).
    """

    def __init__(self, transcript: Transcript, sentences: Iterable[tuple[int, int]]) -> None:
        self.transcript = transcript
        self.text = transcript.text
        self.sentences = sorted({Span(int(a), int(b)) for a, b in sentences})
        self._sent_starts = [s.start for s in self.sentences]
        self._sent_ends = [s.end for s in self.sentences]
        words: list[tuple[int, int]] = []
        for turn in transcript.turns:
            body = self.text[turn.start : turn.end]
            words.extend((turn.start + m.start(), turn.start + m.end()) for m in _WORD.finditer(body))
        self._word_starts = [w[0] for w in words]
        self._word_ends = [w[1] for w in words]
        self._turn_starts = [t.start for t in transcript.turns]

    # -- lookups ---------------------------------------------------------------------------------
    def turn_bounds(self, offset: int) -> tuple[int, int]:
        """The turn holding ``offset`` (or the turn before it, for an offset between turns)."""
        turns = self.transcript.turns
        if not turns:
            return (0, len(self.text))
        i = max(0, bisect_right(self._turn_starts, offset) - 1)
        return (turns[i].start, turns[i].end)

    def sentence_at(self, offset: int) -> Span | None:
        """The sentence holding ``offset``, else the next one, else the last one."""
        if not self.sentences:
            return None
        i = bisect_right(self._sent_starts, offset) - 1
        if i >= 0 and self.sentences[i].end > offset:
            return self.sentences[i]
        if i + 1 < len(self.sentences):
            return self.sentences[i + 1]
        return self.sentences[-1]

    def sentences_in(self, start: int, end: int) -> list[Span]:
        lo = bisect_right(self._sent_ends, start)
        hi = bisect_left(self._sent_starts, end)
        return self.sentences[lo:hi]

    # -- resizing --------------------------------------------------------------------------------
    def resize(self, span: Span, edge: str, unit: str, widen: bool) -> Span | None:
        """``span`` widened or narrowed by one ``unit`` (sentence | word) at ``edge`` (start | end).

        Returns None when the move is impossible: the turn's edge is reached, or narrowing would
        leave nothing.
        """
        if unit == "sentence":
            starts, ends = self._sent_starts, self._sent_ends
        else:
            starts, ends = self._word_starts, self._word_ends
        turn_start, turn_end = self.turn_bounds(span.start if edge == "start" else span.end - 1)
        if edge == "end":
            if widen:
                i = bisect_right(ends, span.end)
                if i < len(ends) and starts[i] < turn_end and ends[i] <= turn_end:
                    return Span(span.start, ends[i])
                return None
            i = bisect_left(ends, span.end) - 1
            if i >= 0 and ends[i] > span.start:
                return Span(span.start, ends[i])
            return None
        if widen:
            i = bisect_left(starts, span.start) - 1
            if i >= 0 and starts[i] >= turn_start:
                return Span(starts[i], span.end)
            return None
        i = bisect_right(starts, span.start)
        if i < len(starts) and starts[i] < span.end:
            return Span(starts[i], span.end)
        return None
