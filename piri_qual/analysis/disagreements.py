"""The disagreement list: every unit two or more coders coded differently, for reconciliation.

Why: agreement figures say how much coders differ; a reconciliation meeting needs *where*.
Each row is one unit with its text, who it is from and what each coder applied, in the order a
meeting reads the interviews.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.unit_matrix import CodedUnits


def _clock(seconds: float | None) -> str:
    """``H:MM:SS``, or "" when the source had no times (never None: a table would print "nan")."""
    if seconds is None or seconds != seconds:
        return ""
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def disagreement_list(units: CodedUnits) -> pd.DataFrame:
    """Every unit the coders coded differently, in reading order, for a reconciliation meeting.

    One row per unit (for ``character`` units, per run of consecutive characters with the same
    codes), ordered by transcript and then by position, so a meeting reads each interview once
    from top to bottom. Columns: transcript, participant, group, unit (number within its
    transcript), start, end, time (of the turn, when the source had times), text, one column
    per coder listing the theme labels they applied (time and group are "" when unknown), ``disputed`` (labels of the themes on which
    the coders differ) and ``disputed_ids``.
    """
    import pandas as pd

    pres = units.presence
    differ = pres.any(axis=0) & ~pres.all(axis=0)  # units x themes
    assert isinstance(differ, np.ndarray)  # reducing a 3-d array over one axis leaves an array
    rows = np.flatnonzero(differ.any(axis=1))
    spans: list[tuple[int, int]] = []  # (first unit, last unit + 1)
    if units.unit == "character" and rows.size:
        codes = units.pattern_codes()
        cut = np.ones(rows.size, dtype=bool)
        prev, cur = rows[:-1], rows[1:]
        cut[1:] = (
            (cur != prev + 1)
            | (units.unit_transcript[cur] != units.unit_transcript[prev])
            | (units.unit_turn[cur] != units.unit_turn[prev])
            | (codes[cur] != codes[prev]).any(axis=1)
        )
        starts = np.flatnonzero(cut)
        ends = np.concatenate((starts[1:], [rows.size]))
        spans = [(int(rows[a]), int(rows[b - 1]) + 1) for a, b in zip(starts, ends, strict=True)]
    else:
        spans = [(int(r), int(r) + 1) for r in rows]

    first_of = units.offsets
    records = []
    for a, b in spans:
        k = int(units.unit_transcript[a])
        tid = units.transcripts[k]
        t = units.texts[tid]
        start, end = int(units.unit_start[a]), int(units.unit_end[b - 1])
        turn = t.turns[int(units.unit_turn[a])]
        rec: dict[str, Any] = {
            "transcript": tid,
            "participant": t.participant,
            "group": t.group or "",
            "unit": a - int(first_of[k]) + 1,
            "start": start,
            "end": end,
            "time": _clock(turn.time),
            "text": t.text[start:end],
        }
        for j, coder in enumerate(units.coders):
            rec[coder] = "; ".join(units.labels[units.themes[x]] for x in np.flatnonzero(pres[j, a]))
        disputed = [units.themes[x] for x in np.flatnonzero(differ[a])]
        rec["disputed"] = "; ".join(units.labels[x] for x in disputed)
        rec["disputed_ids"] = ",".join(disputed)
        records.append(rec)
    columns = ["transcript", "participant", "group", "unit", "start", "end", "time", "text",
               *units.coders, "disputed", "disputed_ids"]
    return pd.DataFrame(records, columns=columns)
