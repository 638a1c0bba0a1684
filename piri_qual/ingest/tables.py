"""Transcripts laid out as tables: a speaker | time | text table becomes turns.

Why its own module: Word (.docx) and LibreOffice (.odt) documents both carry transcripts as
tables, and both readers hand their rows here, so the rule for what makes a table a transcript
is written once. Each cell is a list of the reader's paragraphs (a
:class:`~piri_qual.ingest.turns.SourceParagraph` or a subclass carrying the reader's own marks);
a merged cell is ``None``.
"""

from __future__ import annotations

from typing import TypeVar

from piri_qual.ingest.turns import SourceParagraph, label_shape, parse_clock, speaker_key

P = TypeVar("P", bound=SourceParagraph)

_HEADER_WORDS = frozenset(
    {"speaker", "name", "who", "time", "timestamp", "start", "text", "transcript", "utterance",
     "words", "what was said", "speech", "content", "dialogue", "role"}
)


def transcript_table(rows: list[list[list[P] | None]]) -> list[P] | None:
    """Turns from a speaker | time | text table (columns in any order, time optional), or None.

    A table is a transcript when one column holds short recurring speaker labels, the widest
    column holds the words and (optionally) one column holds times. A header row such as
    ``Speaker | Time | Text`` is skipped.
    """
    width = max((len(r) for r in rows), default=0)
    if not 2 <= width <= 4:
        return None

    def cell(row: list[list[P] | None], col: int) -> str:
        c = row[col] if 0 <= col < len(row) else None
        return "\n".join(p.text.strip() for p in c) if c else ""

    body = rows
    if body and any(cell(body[0], c).casefold() in _HEADER_WORDS for c in range(width)):
        body = body[1:]
    if len(body) < 2:
        return None
    time_hits = [
        sum(1 for r in body if parse_clock(cell(r, c).strip("[]()")) is not None) for c in range(width)
    ]
    time_col = max(range(width), key=lambda c: time_hits[c])
    if time_hits[time_col] < 0.6 * len(body):
        time_col = -1
    others = [c for c in range(width) if c != time_col]
    text_col = max(others, key=lambda c: sum(len(cell(r, c)) for r in body))
    speaker_cols = [c for c in others if c != text_col]
    if not speaker_cols:
        return None
    speaker_col = speaker_cols[0]
    labels = [cell(r, speaker_col) for r in body]
    named = [lab for lab in labels if lab]
    if len(named) < 0.6 * len(body):
        return None
    if any("\n" in lab or label_shape(lab) is None for lab in named):
        return None
    counts: dict[str, int] = {}
    for lab in named:
        counts[speaker_key(lab)] = counts.get(speaker_key(lab), 0) + 1
    recurring = any(n >= 2 for n in counts.values())
    if len(counts) > 12 or not (time_col >= 0 or (recurring and len(counts) <= len(named) // 2 + 1)):
        return None
    out: list[P] = []
    for row, label in zip(body, labels, strict=True):
        text_cell = row[text_col] if text_col < len(row) else None
        if not text_cell:
            continue
        time = parse_clock(cell(row, time_col).strip("[]()")) if time_col >= 0 else None
        for i, part in enumerate(text_cell):
            if i == 0 and label:
                part.kind, part.speaker, part.time = "turn", label, time
            else:
                part.kind = "cont"
            out.append(part)
    return out
