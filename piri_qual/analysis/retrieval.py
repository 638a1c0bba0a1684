"""Reading a theme: every coded excerpt of it across the study, by participant, in context.

This is what reviewing themes is (Braun and Clarke's phase four; NVivo's "open the node",
QualCoder's coded-text report): read every excerpt of a theme side by side, see who said it and
what was said around it, and decide whether the theme holds together. :func:`retrieve` gathers
that for one coder's codings of one or more themes; the command line renders it in the terminal
or writes it as Markdown, CSV or JSON (:mod:`piri_qual.export.retrieval_writer`).

Context is counted in the study's sentences (:attr:`~piri_qual.core.study.StudyFolder.sentence_index`,
the units suggestions and agreement use): with ``context=N`` an excerpt comes with the rest of
the sentences it starts and ends in and N more sentences on each side. Context may cross into
the turn before or after, so the interviewer's question above a parent's answer reads as it was
asked (the speaker's label is part of the text there). Without context no sentence is needed,
so nothing beyond the log and the transcripts is read: retrieval costs little more than folding
the log (``benchmarks/bench_quotes.py``). Exact text, not pseudonymised: this is the researcher
reading their data; ``export quotes`` is the anonymised quote bank for a report.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from piri_qual.analysis.participant_filter import filter_participants, interviewed
from piri_qual.analysis.theme_names import theme_path, themes_named

if TYPE_CHECKING:
    from piri_qual.core.codings import Coding, Memo
    from piri_qual.core.corpus import Transcript
    from piri_qual.core.study import StudyFolder


@dataclass(frozen=True)
class ThemeInfo:
    """A retrieved theme: id, label, where it sits, and the coder's theme memo."""

    id: str
    label: str
    path: str
    memo: str = ""
    parent: str | None = None


@dataclass(frozen=True)
class Excerpt:
    """One coded excerpt with who said it, where, and the text around it."""

    coding: Coding
    theme: str
    participant: str
    group: str
    speaker: str
    turn: int  # from 1; 0 when the transcript has no turns
    time: str  # H:MM:SS of the turn, "" when the source had no times
    before: str
    after: str
    memo: str = ""

    @property
    def quote(self) -> str:
        return self.coding.quote

    def as_dict(self) -> dict[str, object]:
        c = self.coding
        return {
            "theme": self.theme, "coded_as": c.coded_as or c.theme, "participant": self.participant,
            "group": self.group, "transcript": c.transcript, "turn": self.turn, "speaker": self.speaker,
            "time": self.time, "start": c.start, "end": c.end, "before": self.before, "quote": c.quote,
            "after": self.after, "coder": c.coder, "coding": c.id, "source": c.source or "", "memo": self.memo,
        }


@dataclass
class Retrieval:
    """Every excerpt of the themes asked for, in theme, participant and text order."""

    coder: str
    themes: list[ThemeInfo]
    excerpts: list[Excerpt]
    context: int
    filters: str
    participants: int = 0  # participants the filters kept
    orphaned: int = 0  # codings left out because their quote is no longer at their offsets
    groups: dict[str, str] = field(default_factory=dict)  # participant -> group

    def by_theme(self, theme: str) -> list[Excerpt]:
        return [e for e in self.excerpts if e.theme == theme]


def clock(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return ""
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def context_bounds(sentences: Sequence[tuple[int, int]], start: int, end: int, n: int) -> tuple[int, int]:
    """Where ``n`` sentences of context around ``[start, end)`` begin and end.

    The rest of the sentences the excerpt starts and ends in, plus ``n`` whole sentences on
    each side (fewer at the ends of the transcript); ``(start, end)`` itself when ``n`` is 0.
    """
    if n <= 0 or not sentences:
        return start, end
    starts = [a for a, _ in sentences]
    ends = [b for _, b in sentences]
    first = bisect_right(ends, start)  # the sentence the excerpt starts in, or the next one
    last = bisect_left(starts, end) - 1  # the sentence the excerpt ends in, or the one before
    lo = max(0, min(first, len(sentences) - 1) - n)
    hi = min(len(sentences) - 1, max(last, 0) + n)
    return min(start, starts[lo]), max(end, ends[hi])


def retrieve(
    study: StudyFolder,
    themes: Sequence[str],
    coder: str | None = None,
    *,
    groups: Sequence[str] = (),
    participants: Sequence[str] = (),
    where: Sequence[tuple[str, Sequence[str]]] = (),
    context: int = 0,
    children: bool = True,
) -> Retrieval:
    """Every current coding of ``themes`` (ids, labels, constructs or domains) by ``coder``.

    Excerpts come grouped by theme (framework order), then by participant (participants.csv
    order, as in the framework matrix), then in text order; orphaned codings (their quote no
    longer at their offsets after a re-import) are left out and counted.
    """
    coder = study.resolve_coder(coder)
    codebook = study.codebook
    framework = study.framework
    chosen = themes_named(themes, codebook, framework, study.theme_map, children=children)
    folded = study.fold(coder)
    memos = folded.memos
    infos = [
        ThemeInfo(t.id, t.label + (" (retired)" if t.retired else ""), theme_path(t, codebook, framework),
                  _memo_text(memos, ("theme", (t.id,))), t.parent)
        for t in chosen
    ]
    wanted = {t.id: i for i, t in enumerate(chosen)}
    codings = [c for c in folded.codings.values() if c.theme in wanted]

    transcripts: dict[str, Transcript] = {tid: study.transcript(tid) for tid in study.transcript_ids()}
    group_of_transcript: dict[str, str | None] = {}
    for t in transcripts.values():
        group_of_transcript.setdefault(t.participant, t.group)
    people = interviewed(study.participant_table(), group_of_transcript)
    filtered = bool(groups or participants or where)
    kept = filter_participants(people, groups, participants, where, source=study.participants_path) \
        if filtered else [p["participant"] for p in people]
    rank = {pid: i for i, pid in enumerate(kept)}
    group = {p["participant"]: p["group"] for p in people}

    out: list[Excerpt] = []
    orphaned = 0
    sentence_cache: dict[str, list[tuple[int, int]]] = {}
    codings.sort(key=lambda c: (wanted[c.theme], rank.get(transcripts[c.transcript].participant, -1)
                                if c.transcript in transcripts else -1, c.transcript, c.start, c.end))
    for c in codings:
        transcript = transcripts.get(c.transcript)
        if transcript is None or transcript.participant not in rank:
            continue
        if transcript.text[c.start:c.end] != c.quote:
            orphaned += 1
            continue
        turn_index = transcript.turn_at(c.start)
        if turn_index is None:  # on a speaker label: the turn that follows
            turn_index = next((i for i, t in enumerate(transcript.turns) if t.start >= c.start), None)
        turn = transcript.turns[turn_index] if turn_index is not None else None
        before = after = ""
        if context > 0:
            if c.transcript not in sentence_cache:
                sentence_cache[c.transcript] = study.sentences(c.transcript)
            a, b = context_bounds(sentence_cache[c.transcript], c.start, c.end, context)
            a = _with_label(transcript, a)
            before, after = transcript.text[a:c.start], transcript.text[c.end:b]
        out.append(Excerpt(
            coding=c, theme=c.theme, participant=transcript.participant,
            group=group.get(transcript.participant, transcript.group or "(no group)"),
            speaker=(turn.speaker or "") if turn else "", turn=(turn_index + 1) if turn_index is not None else 0,
            time=clock(turn.time) if turn else "", before=before, after=after,
            memo=_memo_text(memos, ("excerpt", (c.id,)), ("excerpt", (f"{c.transcript}:{c.start}-{c.end}",))),
        ))
    described = "; ".join(
        [f"group {', '.join(groups)}"] * bool(groups) + [f"participants {', '.join(participants)}"] * bool(participants)
        + [f"{k} = {' or '.join(v)}" for k, v in where]
    ) or "all participants"
    return Retrieval(coder=coder, themes=infos, excerpts=out, context=context, filters=described,
                     participants=len(kept), orphaned=orphaned, groups=group)


def _with_label(transcript: Transcript, offset: int) -> int:
    """Context that starts at the start of a turn starts at its speaker's label (``Interviewer: ``),
    so the question above an answer reads as who asked it."""
    index = transcript.turn_at(offset)
    if index is None:
        return offset
    turn = transcript.turns[index]
    label = f"{turn.speaker}: " if turn.speaker else ""
    if label and offset == turn.start and transcript.text[offset - len(label):offset] == label:
        return offset - len(label)
    return offset


def _memo_text(memos: Mapping[tuple[str, tuple[str, ...]], Memo], *keys: tuple[str, tuple[str, ...]]) -> str:
    """The first memo found under any of ``keys`` (an excerpt memo is keyed by its coding, or by
    its span when written before the excerpt was coded)."""
    for key in keys:
        memo = memos.get(key)
        if memo is not None:
            return memo.text
    return ""
