"""The quote bank: per theme, in framework order, the quotes a write-up can draw on.

Each quote carries the attribution the study configures ("P07, parent", "Health visitor 3"),
where it comes from (transcript and timestamp, or turn number when the source had no times) and
the coder, so a reader of the report can trace it. A cap per theme picks quotes spread across
participants and groups, not the first few from the most talkative person. Every quote is
pseudonymised and checked for identifiers left over before it leaves the tool.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

from piri_qual.analysis.anonymise import check_texts, describe_flags
from piri_qual.analysis.anonymise import redact as redact_text

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.selection import Selection

QUOTE_COLUMNS = [
    "theme", "theme_label", "construct", "construct_label", "domain", "domain_label", "participant",
    "group", "attribution", "transcript", "turn", "time", "location", "quote", "coder", "coding",
    "start", "end", "flags",
]


def format_time(seconds: float | None) -> str:
    """Seconds from the start of a recording as ``H:MM:SS``."""
    if seconds is None or seconds != seconds:
        return ""
    total = int(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def locate(codings: pd.DataFrame, transcripts: Mapping[str, Any]) -> pd.DataFrame:
    """Turn number (from 1) and turn time of each coding, and a location like ``P07, 0:12:31``.

    A coding starting between turns (on a speaker label) belongs to the turn that follows.
    """
    import numpy as np
    import pandas as pd

    turn = np.zeros(len(codings), dtype=np.int64)
    time = np.full(len(codings), "", dtype=object)
    offsets = codings.start.to_numpy(dtype=np.int64)
    for tid, where in codings.groupby("transcript", sort=False).indices.items():
        transcript = transcripts.get(str(tid))
        if transcript is None or not transcript.turns:
            continue
        starts = np.fromiter((t.start for t in transcript.turns), dtype=np.int64, count=len(transcript.turns))
        ends = np.fromiter((t.end for t in transcript.turns), dtype=np.int64, count=len(transcript.turns))
        at = offsets[where]
        index = np.clip(np.searchsorted(starts, at, side="right") - 1, 0, len(starts) - 1)
        index = index + ((at >= ends[index]) & (index + 1 < len(starts)))
        turn[where] = index + 1
        used = np.unique(index)
        labels = np.full(len(starts), "", dtype=object)
        labels[used] = [format_time(transcript.turns[i].time) for i in used]
        time[where] = labels[index]
    transcript_ids = codings.transcript.astype(str).to_numpy()
    location = [
        f"{tid}, {t}" if t else (f"{tid}, turn {n}" if n else tid)
        for tid, t, n in zip(transcript_ids, time, turn, strict=True)
    ]
    return pd.DataFrame({"turn": turn, "time": time, "location": location}, index=codings.index)


def one_line(texts: list[str]) -> list[str]:
    """Each text on one line with single spaces (line breaks inside a quote read as spaces).

    Most quotes are one line already; only those holding a line break or a run of blanks
    are split and rejoined.
    """
    out = []
    for text in texts:
        if "\n" in text or "  " in text or "\t" in text or "\r" in text or "\u00a0" in text:
            text = " ".join(text.split())
        out.append(text.strip())
    return out


def spread_pick(frame: pd.DataFrame, cap: int, participant_order: list[str], group_of: Mapping[Hashable, str]) -> pd.DataFrame:
    """Up to ``cap`` rows of one theme, spread across participants and groups.

    Round-robin: each pass takes the next quote (in transcript order) of every participant,
    visiting participants by alternating between groups, until the cap is reached; then the
    chosen rows are put back into participant order.
    """
    if cap <= 0 or len(frame) <= cap:
        return frame
    queues: dict[str, list[Any]] = {}
    for index, pid in zip(frame.index, frame.participant, strict=True):
        queues.setdefault(pid, []).append(index)
    by_group: dict[str, list[str]] = {}
    for pid in participant_order:
        if pid in queues:
            by_group.setdefault(group_of.get(pid, ""), []).append(pid)
    visit: list[str] = []
    lanes = list(by_group.values())
    for i in range(max((len(lane) for lane in lanes), default=0)):
        visit.extend(lane[i] for lane in lanes if i < len(lane))
    chosen: list[Any] = []
    depth = 0
    while len(chosen) < cap:
        took = False
        for pid in visit:
            if depth < len(queues[pid]):
                chosen.append(queues[pid][depth])
                took = True
                if len(chosen) == cap:
                    break
        if not took:
            break
        depth += 1
    keep = set(chosen)
    return frame[[i in keep for i in frame.index]]


def quote_bank(data: Selection, *, per_theme: int | None = None, check: bool = True, redact: bool = False) -> pd.DataFrame:
    """The quote bank of prepared export data: one row per quote, framework order.

    ``per_theme`` caps the quotes of each theme (spread across participants). Quotes are
    pseudonymised; with ``check`` the ``flags`` column lists identifiers the check still finds
    (and ``redact`` replaces them with ``[name]``, ``[phone]``, ...).
    """
    import pandas as pd

    codings = data.codings
    if codings.empty:
        return pd.DataFrame(columns=QUOTE_COLUMNS)
    participant_rank = {pid: i for i, pid in enumerate(data.participants.index)}
    theme_rank = {tid: i for i, tid in enumerate(data.themes.index)}
    frame = codings.assign(
        _t=codings.theme.map(theme_rank), _p=codings.participant.map(participant_rank)
    ).sort_values(["_t", "_p", "transcript", "start", "end"], kind="stable")
    if per_theme:
        group_of = data.participants.group.to_dict()
        order = list(data.participants.index)
        frame = pd.concat(
            [spread_pick(part, per_theme, order, group_of) for _, part in frame.groupby("_t", sort=True)]
        )
    located = locate(frame, data.transcripts)
    themes = data.themes.loc[frame.theme]
    quotes = one_line(data.anonymised_quotes().loc[frame.index].tolist())
    out = pd.DataFrame(
        {
            "theme": frame.theme.to_numpy(),
            "theme_label": themes.label.to_numpy(),
            "construct": themes.construct.to_numpy(),
            "construct_label": themes.construct_label.to_numpy(),
            "domain": themes.domain.to_numpy(),
            "domain_label": themes.domain_label.to_numpy(),
            "participant": frame.participant.to_numpy(),
            "group": frame.group.to_numpy(),
            "attribution": frame.participant.map(data.attribution).to_numpy(),
            "transcript": frame.transcript.to_numpy(),
            "turn": located.turn.to_numpy(),
            "time": located.time.to_numpy(),
            "location": located.location.to_numpy(),
            "quote": quotes,
            "coder": frame.coder.to_numpy(),
            "coding": frame.id.to_numpy(),
            "start": frame.start.to_numpy(),
            "end": frame.end.to_numpy(),
            "flags": "",
        },
        columns=QUOTE_COLUMNS,
    )
    if check:
        flags, _ = check_texts(out.quote, data.checker)
        if redact:
            # The flags column must not repeat what was just removed: name the kinds only.
            out["quote"] = [redact_text(q, f) for q, f in zip(out.quote, flags, strict=True)]
            out["flags"] = [
                ("redacted: " + ", ".join(dict.fromkeys(x.kind for x in f))) if f else "" for f in flags
            ]
        else:
            out["flags"] = [describe_flags(f) for f in flags]
    return out.reset_index(drop=True)


def identifier_report(quotes: pd.DataFrame) -> pd.DataFrame:
    """The quotes whose check found likely identifiers, for the researcher to review."""
    flags = quotes["flags"].astype(str)
    flagged = quotes[(flags != "") & ~flags.str.startswith("redacted:")]
    return flagged[["theme", "participant", "location", "flags", "quote"]].reset_index(drop=True)
