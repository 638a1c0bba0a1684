"""Keeping codings on the same words when a transcript's text changes.

A coding stores both its offsets and its quote (the W3C Web Annotation pairing of a position and
a quote selector). After a re-import the quote decides: a coding whose quote still sits at its
offsets stays; one whose quote moved follows it (to the occurrence nearest its old place); one
whose quote is gone is *orphaned* and reported, never shifted onto other words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    exact: bool


def relocate(quote: str, start: int, old_length: int, new_text: str) -> Anchor | None:
    """Where ``quote`` (once at ``start`` in a text of ``old_length``) sits in ``new_text``."""
    if not quote:
        return None
    if new_text[start : start + len(quote)] == quote:
        return Anchor(start, start + len(quote), True)
    expected = start * len(new_text) / old_length if old_length else start
    hits = _occurrences(quote, new_text)
    if hits:
        best = min(hits, key=lambda s: abs(s - expected))
        return Anchor(best, best + len(quote), True)
    # Whitespace or line-wrapping changed: match the words with any white space between.
    words = quote.split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    spans = [(m.start(), m.end()) for m in pattern.finditer(new_text)]
    if spans:
        best_span = min(spans, key=lambda s: abs(s[0] - expected))
        return Anchor(best_span[0], best_span[1], False)
    return None


def _occurrences(needle: str, haystack: str) -> list[int]:
    hits: list[int] = []
    at = haystack.find(needle)
    while at != -1:
        hits.append(at)
        at = haystack.find(needle, at + 1)
    return hits
