"""Where a reviewer's comment is anchored once the paragraphs have become turns.

Why its own module: Word comments (.docx) and LibreOffice annotations (.odt) are both marked in
the paragraphs as they are read -- ``(offset, "start" | "end" | "ref", id)`` -- and both readers
then need each comment's place in the turns (turn, offsets in that turn's body, the text it
covers), which :meth:`~piri_qual.ingest.turns.Segmentation.locate` gives. Comments are kept as
metadata, never as transcript text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from piri_qual.ingest.turns import Segmentation


class Marked(Protocol):
    """A read paragraph with comment marks at text offsets."""

    marks: list[tuple[int, str, str]]


def anchor_comments(
    comments: list[dict[str, Any]], paras: Sequence[Marked], index_of: list[int], seg: Segmentation
) -> list[dict[str, Any]]:
    """Add each comment's anchor: turn index, offsets in that turn's body and the anchored text."""
    starts: dict[str, tuple[int, int]] = {}
    ends: dict[str, tuple[int, int]] = {}
    refs: dict[str, tuple[int, int]] = {}
    for pi, para in enumerate(paras):
        for off, kind, cid in para.marks:
            table = starts if kind == "start" else ends if kind == "end" else refs
            table.setdefault(cid, (pi, off))

    def place(mark: tuple[int, int], side: str) -> tuple[int, int] | None:
        pi, off = mark
        src = index_of[pi]
        while src < 0 and pi + 1 < len(paras):  # anchored in the title: move to the text
            pi, off = pi + 1, 0
            src = index_of[pi]
        return seg.locate(src, off, side) if src >= 0 else None

    out = []
    for record in comments:
        cid = record["id"]
        rec = dict(record)
        start_mark = starts.get(cid) or refs.get(cid)
        end_mark = ends.get(cid) or refs.get(cid)
        begin = place(start_mark, "start") if start_mark else None
        finish = place(end_mark, "end") if end_mark else None
        rec.update({"turn": None, "start": None, "end": None, "anchor_text": ""})
        if begin is not None and finish is not None:
            (t0, s0), (t1, e1) = begin, finish
            if (t1, e1) < (t0, s0):
                t1, e1 = t0, s0
            rec["turn"], rec["start"] = t0, s0
            if t1 == t0:
                rec["end"] = e1
                rec["anchor_text"] = "\n".join(seg.turns[t0].paragraphs)[s0:e1]
            else:
                rec["end"] = len("\n".join(seg.turns[t0].paragraphs))
                rec["end_turn"], rec["end_in_end_turn"] = t1, e1
                texts = ["\n".join(seg.turns[t0].paragraphs)[s0:]]
                texts += ["\n".join(seg.turns[k].paragraphs) for k in range(t0 + 1, t1)]
                texts.append("\n".join(seg.turns[t1].paragraphs)[:e1])
                rec["anchor_text"] = "\n".join(texts)
        out.append(rec)
    return out
