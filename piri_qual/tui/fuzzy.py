"""Fuzzy matching for pickers: type a few letters of a theme's label or id and find it.

A query matches a candidate when its characters appear in order (a subsequence, ignoring case).
The score rewards what people mean when they type: letters at the start of words ("wt" for
"waiting_times"), consecutive runs, and an early first hit; a plain substring beats a scattered
subsequence. Scores are in (0, 1]; no match is ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_SEPARATORS = set(" _-./:()'\"")


def _word_starts(text: str) -> set[int]:
    return {i for i, ch in enumerate(text) if i == 0 or text[i - 1] in _SEPARATORS}


def fuzzy_score(query: str, candidate: str) -> float | None:
    """How well ``query`` matches ``candidate`` (higher is better), or None when it does not."""
    q = "".join(query.casefold().split())
    c = candidate.casefold()
    if not q:
        return 1.0
    starts = _word_starts(c)
    # Greedy leftmost alignment, preferring word starts: try from each word start of the first char.
    best: float | None = None
    for first in [i for i, ch in enumerate(c) if ch == q[0]][:8]:
        score = _align(q, c, first, starts)
        if score is not None and (best is None or score > best):
            best = score
    if best is None:
        return None
    if q in c:
        best += 2.0 + (1.0 if c.startswith(q) else 0.0)
    if c == q:
        best += 3.0
    return best / (len(q) * 3.0 + 6.0)


def _align(q: str, c: str, first: int, starts: set[int]) -> float | None:
    score = 0.0
    pos = first
    prev = -2
    for ch in q:
        # prefer the next occurrence at a word start, else the next occurrence at all
        at = c.find(ch, pos)
        if at == -1:
            return None
        ws = [i for i in starts if i >= pos and c[i] == ch]
        if ws and at != prev + 1:
            at = min(ws)
        score += 1.0
        if at == prev + 1:
            score += 1.0
        if at in starts:
            score += 1.0
        prev = at
        pos = at + 1
    return score - first * 0.01


@dataclass(frozen=True)
class Match:
    key: str
    score: float


def rank(query: str, items: Iterable[tuple[str, Sequence[str]]], limit: int | None = None) -> list[Match]:
    """Rank items ``(key, texts)`` by their best-matching text; items that do not match drop out.

    Ties keep the items' original order, so an empty query lists them as given.
    """
    scored: list[tuple[float, int, str]] = []
    for order, (key, texts) in enumerate(items):
        scores = [s for s in (fuzzy_score(query, t) for t in texts) if s is not None]
        if scores:
            scored.append((max(scores), order, key))
    scored.sort(key=lambda item: (-item[0], item[1]))
    out = [Match(key, score) for score, _, key in scored]
    return out[:limit] if limit is not None else out
