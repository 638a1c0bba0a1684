"""Which parsed segments a codebook's token patterns could match at all, so the Matcher skips the rest.

Why: spaCy's ``Matcher`` walks every token of a doc through every pattern's predicates, and on
the generated interview studies it took half of feature extraction, although most segments
hold no match. A pattern can only match in a doc that holds, for each of its required tokens
(no ``OP``, or ``OP: "+"``), a token whose ``LOWER``, ``LEMMA`` or ``NORM`` is one the pattern
allows there. That is checked with numpy over a batch's token columns: a necessary condition,
so a doc that fails it for every pattern has no pattern match and skipping the Matcher for it
changes nothing (tests compare the features with and without the filter). A pattern with no
such token (only ``LIKE_NUM``, wildcards or optional tokens) could match anywhere and turns the
filter off.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_ATTRS = ("LOWER", "LEMMA", "NORM")


def _values(value: Any) -> list[str] | None:
    """The strings an attribute's value allows, when it is one string or an ``IN`` list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
        return list(value["IN"])
    return None


class PatternFilter:
    """Per pattern, its required tokens as (token column, allowed hashes)."""

    def __init__(self, matcher: Any, match_ids: list[int], strings: Any, columns: dict[str, int]) -> None:
        self.patterns: list[list[tuple[int, np.ndarray]]] = []
        self.active = bool(match_ids)
        for match_id in match_ids:
            found = matcher.get(match_id)
            for pattern in found[1] if found else []:
                required = []
                for token in pattern:
                    if not isinstance(token, dict) or token.get("OP") not in (None, "+"):
                        continue
                    for attr, value in token.items():
                        allowed = _values(value)
                        if str(attr).upper() in _ATTRS and str(attr).upper() in columns and allowed is not None:
                            hashes = np.array(sorted({int(strings[v]) for v in allowed}), np.uint64)
                            required.append((columns[str(attr).upper()], hashes))
                            break
                if not required:
                    self.active = False  # could match anywhere
                self.patterns.append(required)

    def docs(self, tokens: np.ndarray, doc_start: np.ndarray) -> np.ndarray:
        """Per doc of a batch: could any pattern match in it? (All true when the filter is off.)"""
        n_docs = len(doc_start)
        if not self.active or not len(tokens):
            return np.ones(n_docs, bool)
        seen: dict[tuple[int, bytes], np.ndarray] = {}
        out = np.zeros(n_docs, bool)
        for required in self.patterns:
            possible = np.ones(n_docs, bool)
            for column, hashes in required:
                key = (column, hashes.tobytes())
                if key not in seen:
                    hit = np.isin(tokens[:, column], hashes)
                    seen[key] = np.logical_or.reduceat(hit, doc_start)
                possible &= seen[key]
            out |= possible
        return out
