"""Writing a text search's concordance (``piri-qual search -o``) as CSV, Markdown or JSON.

One row per hit: where (transcript, turn, time, offsets), who (participant, group, speaker) and
the hit with its left and right context, so the concordance can be sorted and read in a
spreadsheet or kept with the analysis notes. Built as text without pandas.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

from piri_qual.core.output_path import OutputKind

if TYPE_CHECKING:
    from piri_qual.analysis.text_search import SearchResult

HITS = OutputKind("a search concordance", ("csv", "md", "json"), "search")
COLUMNS = ["transcript", "participant", "group", "turn", "speaker", "role", "time", "start", "end", "left", "hit",
           "right"]


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def rows(result: SearchResult, width: int) -> list[dict[str, object]]:
    out = []
    for h in result.hits:
        left, hit, right = result.context(h, width)
        out.append({"transcript": h.transcript, "participant": h.participant, "group": h.group, "turn": h.turn,
                    "speaker": h.speaker, "role": h.role, "time": _clock(h.time), "start": h.start, "end": h.end,
                    "left": left, "hit": hit, "right": right})
    return out


def as_dict(result: SearchResult, width: int) -> dict[str, object]:
    by_participant = result.by_participant()
    return {
        "pattern": result.pattern, "mode": result.mode, "speakers": result.speakers, "filters": result.filters,
        "hits": rows(result, width),
        "by_group": [{"group": g, "hits": n, "participants": said, "searched": size}
                     for g, (n, said, size) in result.by_group().items()],
        "by_participant": [{"participant": p, "group": g, "hits": by_participant[p], "words": result.words[p]}
                           for p, g in result.people],
    }


def render(result: SearchResult, fmt: str, width: int) -> str:
    if fmt == "json":
        return json.dumps(as_dict(result, width), ensure_ascii=False, indent=2) + "\n"
    found = rows(result, width)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(found)
        return "\ufeff" + buffer.getvalue()
    from piri_qual.export.csv_markdown import md_table

    head = (f"# Search: {result.pattern}\n\n{len(found)} hits ({result.mode}) in {result.speakers}; "
            f"{result.filters}.\n\n")
    table = md_table(["Transcript", "Turn", "Participant", "Left", "Hit", "Right"],
                     [[r["transcript"], r["turn"], r["participant"], r["left"], f"**{r['hit']}**", r["right"]]
                      for r in found])
    return head + table
