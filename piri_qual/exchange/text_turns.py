"""Speaker turns for a text that must stay exactly as it is.

Codings from another tool point into the plain text by offsets, so an imported text is kept
verbatim (never re-laid out as ``Label: words``), and turns are found *in* it: each line is a
paragraph for the shared speaker detection (:func:`piri_qual.ingest.turns.segment`), and every
turn is mapped back to the span of the text its words came from. Without speakers, a turn is a
run of lines between blank lines, which is also how piri-qual lays out its own transcripts, so a
study exported and imported again keeps its turns.
"""

from __future__ import annotations

from collections.abc import Mapping

from piri_qual.core.corpus import RawTurn, Turn
from piri_qual.ingest.roles import assign_roles
from piri_qual.ingest.turns import SourceParagraph, segment


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _blocks(text: str, lines: list[tuple[int, str]]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    begin: int | None = None
    last_end = 0
    for start, line in lines:
        if line.strip():
            if begin is None:
                begin = start
            last_end = start + len(line)
        elif begin is not None:
            spans.append(_trim(text, begin, last_end))
            begin = None
    if begin is not None:
        spans.append(_trim(text, begin, last_end))
    return [s for s in spans if s[0] < s[1]]


def turns_for_text(text: str, role_overrides: Mapping[str, str] | None = None) -> list[Turn]:
    """Turns located in ``text`` itself (offsets into ``text``), with speakers and roles."""
    lines = _lines(text)
    seg = segment([SourceParagraph(line) for _, line in lines])
    if not seg.speakers_found:
        spans = _blocks(text, lines)
        raws = [RawTurn(None, (text[s:e],)) for s, e in spans]
        roles = assign_roles(raws, role_overrides)
        return [Turn(None, role, s, e) for (s, e), role in zip(spans, roles, strict=True)]
    bounds: dict[int, list[int]] = {}
    for para, src_start, src_end, turn, _body in seg.pieces:
        begin = lines[para][0] + src_start
        finish = lines[para][0] + src_end
        if turn in bounds:
            bounds[turn][0] = min(bounds[turn][0], begin)
            bounds[turn][1] = max(bounds[turn][1], finish)
        else:
            bounds[turn] = [begin, finish]
    roles = assign_roles(seg.turns, role_overrides)
    out: list[Turn] = []
    for index, (raw, role) in enumerate(zip(seg.turns, roles, strict=True)):
        if index not in bounds:
            continue
        start, end = _trim(text, *bounds[index])
        if start < end:
            out.append(Turn(raw.speaker, role, start, end, raw.time))
    return out
