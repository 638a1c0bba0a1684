"""Theme frequencies, co-occurrence and saturation: the counts behind a thematic write-up.

* :func:`theme_frequencies`: for each theme, how many participants raised it and how many
  excerpts there are, by group or by any participant attribute.
* :func:`cooccurrence`: how often two themes were coded on overlapping excerpts.
* :func:`saturation`: new themes per transcript in interview order, the usual evidence offered
  for data saturation (Guest, Bunce and Johnson 2006, Field Methods 18:59).

Pure functions on DataFrames (see :mod:`piri_qual.analysis.selection` for where they come from).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    import pandas as pd

MEASURES = ("participants", "excerpts")


def theme_frequencies(
    codings: pd.DataFrame, participants: pd.DataFrame, themes: pd.DataFrame, by: str = "group"
) -> pd.DataFrame:
    """Theme x (value of ``by``, measure) counts, with an ``all`` column group.

    Rows are themes in framework order; columns are a MultiIndex of the attribute's values
    (in participant order, then ``all``) and the measures ``participants`` (how many raised the
    theme), ``of`` (how many participants have that value) and ``excerpts``. The attribute
    may be ``group`` or any participants.csv column.
    """
    import pandas as pd

    if by not in participants.columns:
        choices = [c for c in participants.columns if c not in ("participant", "n_group", "n_role")]
        raise PiriQualError(f"no participant attribute {by!r} to count by", hint=f"Choose from {', '.join(choices)}.")
    values = participants[by].astype(str).where(participants[by].astype(str) != "", "(none)")
    order = list(dict.fromkeys(values))
    value_of = codings.participant.map(values)
    frame = codings.assign(_v=value_of.to_numpy())
    pieces = {}
    for value in [*order, "all"]:
        part = frame if value == "all" else frame[frame._v == value]
        size = len(values) if value == "all" else int((values == value).sum())
        raised = part.groupby("theme").participant.nunique()
        excerpts = part.groupby("theme").size()
        pieces[(value, "participants")] = raised.reindex(themes.index, fill_value=0)
        pieces[(value, "of")] = pd.Series(size, index=themes.index)
        pieces[(value, "excerpts")] = excerpts.reindex(themes.index, fill_value=0)
    out = pd.DataFrame(pieces, index=themes.index).fillna(0).astype(int)
    out.columns = pd.MultiIndex.from_tuples(list(pieces), names=[by, "measure"])
    out.index.name = "theme"
    return out


def flat_frequencies(freq: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """:func:`theme_frequencies` as a flat table for CSV and Markdown, labels first.

    Columns: theme, label, domain, construct, then per value ``<value>`` ("10 of 14") and
    ``<value> excerpts``.
    """
    import pandas as pd

    out = pd.DataFrame(
        {
            "theme": themes.theme.to_numpy(),
            "label": themes.label.to_numpy(),
            "domain": themes.domain_label.to_numpy(),
            "construct": themes.construct_label.to_numpy(),
        },
        index=freq.index,
    )
    for value in dict.fromkeys(freq.columns.get_level_values(0)):
        raised = freq[(value, "participants")]
        of = freq[(value, "of")]
        out[f"{value}"] = [f"{k} of {n}" for k, n in zip(raised, of, strict=True)]
        out[f"{value} excerpts"] = freq[(value, "excerpts")].to_numpy()
    return out.reset_index(drop=True)


def cooccurrence(codings: pd.DataFrame, themes: Sequence[str] | None = None) -> pd.DataFrame:
    """Theme x theme counts of overlapping codings (symmetric; the diagonal counts codings).

    Two codings co-occur when they are on the same transcript, their spans ``[start, end)``
    overlap and their themes differ; each such pair counts once. Restricting to one coder's
    codings is the caller's job (co-occurrence across coders is agreement, not this).
    """
    import numpy as np
    import pandas as pd

    names = list(themes) if themes is not None else sorted(set(codings.theme))
    position = {t: i for i, t in enumerate(names)}
    matrix = np.zeros((len(names), len(names)), dtype=np.int64)
    frame = codings[codings.theme.isin(position)]
    for theme, n in frame.theme.value_counts().items():
        matrix[position[theme], position[theme]] = n
    # one sweep over every transcript's codings in text order, with plain ints (numpy scalars and
    # a pandas group per transcript cost more than the sweep itself)
    frame = frame.sort_values(["transcript", "start"], kind="stable")
    transcripts = frame.transcript.tolist()
    starts = frame.start.tolist()
    ends = frame.end.tolist()
    codes = [position[t] for t in frame.theme.tolist()]
    open_: list[int] = []  # indices of codings of this transcript whose span may still overlap later ones
    for i, start in enumerate(starts):
        if i and transcripts[i] != transcripts[i - 1]:
            open_ = []
        open_ = [j for j in open_ if ends[j] > start]
        a = codes[i]
        for j in open_:
            b = codes[j]
            if a != b:
                matrix[a, b] += 1
                matrix[b, a] += 1
        open_.append(i)
    out = pd.DataFrame(matrix, index=pd.Index(names, name="theme"), columns=pd.Index(names, name="theme"))
    return out


def cooccurrence_pairs(codings: pd.DataFrame, themes: Sequence[str] | None = None) -> pd.DataFrame:
    """:func:`cooccurrence` as a list of the pairs that co-occur (theme, with, codings), most first.

    For codebooks too large for a theme x theme table: its size grows with the pairs found, not
    with the square of the number of themes.
    """
    import pandas as pd

    wanted = set(themes) if themes is not None else None
    counts: dict[tuple[str, str], int] = {}
    frame = codings if wanted is None else codings[codings.theme.isin(wanted)]
    for _, part in frame.groupby("transcript", sort=False):
        part = part.sort_values("start")
        starts, ends, names = part.start.to_numpy(), part.end.to_numpy(), part.theme.to_numpy()
        open_: list[int] = []
        for i in range(len(starts)):
            open_ = [j for j in open_ if ends[j] > starts[i]]
            for j in open_:
                if names[i] != names[j]:
                    key = (min(names[i], names[j]), max(names[i], names[j]))
                    counts[key] = counts.get(key, 0) + 1
            open_.append(i)
    rows = sorted(((a, b, n) for (a, b), n in counts.items()), key=lambda r: (-r[2], r[0], r[1]))
    return pd.DataFrame(rows, columns=["theme", "with", "codings"])


def saturation(codings: pd.DataFrame, order: Sequence[str], themes: Sequence[str] | None = None) -> pd.DataFrame:
    """New themes per transcript in interview order, and the running total.

    ``order`` lists transcript ids in interview order (transcripts with no codings still count
    as an interview that added nothing). Columns: position, transcript, participant, themes
    (coded in this transcript), new (first seen here), new_themes (their ids), cumulative.
    """
    import pandas as pd

    wanted = set(themes) if themes is not None else None
    by_transcript: dict[str, list[str]] = {}
    participant_of: dict[str, str] = {}
    frame = codings.sort_values(["transcript", "start"])
    for tid, theme, pid in zip(frame.transcript.tolist(), frame.theme.tolist(), frame.participant.tolist(), strict=True):
        if wanted is None or theme in wanted:
            by_transcript.setdefault(tid, []).append(theme)
        participant_of.setdefault(tid, pid)
    seen: set[str] = set()
    rows = []
    for position, tid in enumerate(order, start=1):
        coded = list(dict.fromkeys(by_transcript.get(tid, [])))
        new = [t for t in coded if t not in seen]
        seen.update(new)
        rows.append({
            "position": position, "transcript": tid, "participant": participant_of.get(tid, ""),
            "themes": len(coded), "new": len(new), "new_themes": ", ".join(new), "cumulative": len(seen),
        })
    return pd.DataFrame(rows, columns=["position", "transcript", "participant", "themes", "new", "new_themes", "cumulative"])


def participant_theme_counts(codings: pd.DataFrame, participants: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """Excerpt counts, themes (rows, framework order) x participants (columns, group order)."""
    counts = codings.groupby(["theme", "participant"]).size().unstack(fill_value=0) if len(codings) else None
    import pandas as pd

    if counts is None:
        counts = pd.DataFrame()
    return counts.reindex(index=themes.index, columns=participants.index, fill_value=0).fillna(0).astype(int)


def group_theme_share(codings: pd.DataFrame, participants: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """Share (0-1) of each group's participants who raised each theme: themes x groups."""
    freq = theme_frequencies(codings, participants, themes, by="group")
    groups = [g for g in dict.fromkeys(freq.columns.get_level_values(0)) if g != "all"]
    import pandas as pd

    share = {g: freq[(g, "participants")] / freq[(g, "of")].where(freq[(g, "of")] > 0) for g in groups}
    return pd.DataFrame(share, index=freq.index).fillna(0.0)
