"""A coder's current codings as one table row each: the shape ``Study.codings()`` returns.

Built column-wise from the fold with dictionary look-ups (participant, group, construct, domain)
instead of per-row framework searches, because exports of large studies spend their time here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.core.codings import FoldResult
    from piri_qual.core.corpus import Transcript
    from piri_qual.core.framework import Codebook, Framework


CODING_COLUMNS = [
    "id", "coder", "transcript", "participant", "group", "start", "end", "quote", "theme", "construct",
    "domain", "source", "score", "reason", "time", "orphaned",
]


def coding_table(fold: FoldResult, transcripts: Mapping[str, Transcript], codebook: Codebook | None,
                 framework: Framework | None) -> pd.DataFrame:
    """The rows of ``Study.codings(coder)``, built column-wise from the fold.

    Same columns, values and orphan rule (a coding whose quote is no longer at its offsets);
    built with dictionary look-ups instead of per-row framework searches, because exports of
    large studies spend their time here.
    """
    import pandas as pd

    items = list(fold.codings.values())
    construct_of = {t.id: t.construct for t in codebook.themes} if codebook else {}
    domain_of = {c.id: d.id for d in framework.domains for c in d.constructs} if framework else {}
    participant_of = {tid: t.participant for tid, t in transcripts.items()}
    group_of = {tid: t.group for tid, t in transcripts.items()}
    texts = {tid: t.text for tid, t in transcripts.items()}
    constructs = [construct_of.get(c.theme) for c in items]
    orphaned = []
    for c in items:
        text = texts.get(c.transcript)
        orphaned.append(text is None or text[c.start : c.end] != c.quote)
    frame = pd.DataFrame(
        {
            "id": [c.id for c in items],
            "coder": [c.coder for c in items],
            "transcript": [c.transcript for c in items],
            "participant": [participant_of.get(c.transcript) for c in items],
            "group": [group_of.get(c.transcript) for c in items],
            "start": [c.start for c in items],
            "end": [c.end for c in items],
            "quote": [c.quote for c in items],
            "theme": [c.theme for c in items],
            "construct": constructs,
            "domain": [domain_of.get(k) if k else None for k in constructs],
            "source": [c.source for c in items],
            "score": [c.score for c in items],
            "reason": [c.reason for c in items],
            "time": [c.time for c in items],
            "orphaned": orphaned,
        },
        columns=CODING_COLUMNS,
    )
    return frame.sort_values(["coder", "transcript", "start", "end", "theme"]).reset_index(drop=True)
