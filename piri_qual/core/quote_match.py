"""Finding a quote someone typed or pasted in a transcript, forgiving how it was typed.

A quote copied from a Word document, an e-mail or a report rarely matches the transcript
character for character: Word turns ``'`` into ``'``, ``--`` into an en dash, and a line break in
the middle of a sentence into a space; a colleague types straight quotes where the transcript has
curly ones; two spaces creep in after a full stop. None of that makes it a different quote, so
:func:`find_quote` compares the two after folding those differences away, and answers with
offsets into the *original* text. The caller stores the text at those offsets, so a coding
always carries the transcript's own characters, never the pasted ones.

What is folded: single quotation marks and apostrophes (straight, curly, prime, backtick) to
``'``; double ones to ``"``; hyphens, dashes and the minus sign to ``-``; an ellipsis character
to ``...``; every run of white space (spaces, tabs, line breaks, non-breaking spaces) to one
space. Letters, digits, case and other punctuation must match exactly.
"""

from __future__ import annotations

_SINGLE = "'\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"
_DOUBLE = '"\u201c\u201d\u201e\u201f\u2033'
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_FOLD = {**dict.fromkeys(_SINGLE, "'"), **dict.fromkeys(_DOUBLE, '"'), **dict.fromkeys(_DASHES, "-"),
         "\u2026": "..."}


def fold(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` folded, and for each folded character the original ``[start, end)`` it came from.

    A run of white space becomes one space covering the whole run; an ellipsis becomes three
    full stops that each cover the one original character.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            out.append(" ")
            starts.append(i)
            ends.append(j)
            i = j
            continue
        folded = _FOLD.get(ch, ch)
        for piece in folded:
            out.append(piece)
            starts.append(i)
            ends.append(i + 1)
        i += 1
    return "".join(out), starts, ends


def fold_quote(quote: str) -> str:
    """A quote folded the same way, without the offsets (and trimmed)."""
    return fold(quote.strip())[0]


def find_quote(text: str, quote: str, limit: int = 3) -> list[tuple[int, int]]:
    """Up to ``limit`` places ``quote`` occurs in ``text`` as ``(start, end)`` offsets of ``text``.

    The exact text is looked for first; only when it is absent are both folded and compared.
    """
    hits: list[tuple[int, int]] = []
    at = text.find(quote) if quote else -1
    while at != -1 and len(hits) < limit:
        hits.append((at, at + len(quote)))
        at = text.find(quote, at + 1)
    if hits:
        return hits
    needle = fold_quote(quote)
    if not needle:
        return []
    folded, starts, ends = fold(text)
    at = folded.find(needle)
    while at != -1 and len(hits) < limit:
        hits.append((starts[at], ends[at + len(needle) - 1]))
        at = folded.find(needle, at + 1)
    return hits
