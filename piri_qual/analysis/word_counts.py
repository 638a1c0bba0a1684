"""Word and phrase frequencies: which words participants use most, overall and by group.

Counted on lemmas (``waited`` and ``waiting`` count as ``wait``) without stop words or the
fillers of speech, by the word rule of :mod:`piri_qual.core.lemmas`, the one search and the
suggestion engine share. A phrase is two or three content words in a row with nothing but
spaces between them (``waiting list``, ``health visitor``): a stop word or a punctuation mark
ends it. Each word and phrase is shown in the form participants said most often, with the
lemma as its key. Counts come with a rate per 1,000 words of the talk searched, since groups
rarely talk for equally long, and with how many participants used the word, since one talkative
participant can fill a frequency table on their own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from piri_qual.analysis.participant_filter import filter_participants, interviewed
from piri_qual.analysis.text_search import speaker_filter
from piri_qual.core.lemmas import WORD, is_stop, lemma, stop_words
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.study import StudyFolder

NONE = "(none)"
MIN_PHRASE = 2  # a phrase said fewer times than this is not a phrase of the study


@dataclass(frozen=True)
class Term:
    """A word or phrase: its lemma key, the form shown, and how often and by whom it was said."""

    key: str
    shown: str
    count: int
    participants: int
    by: dict[str, int] = field(default_factory=dict)

    def rate(self, words: int) -> float:
        return 1000 * self.count / words if words else 0.0


@dataclass
class WordCounts:
    """The top words and phrases of the talk counted, overall and by one participant attribute."""

    words: list[Term]
    phrases: list[Term]
    total: int  # every word of the talk counted, stop words included (the rates' denominator)
    by: str | None
    totals: dict[str, int]  # words counted per value of ``by``
    people: int
    speakers: str
    filters: str


def _key(token: str) -> str:
    low = token.lower().replace("\u2019", "'")
    if low.endswith("'s") and len(low) > 3:
        low = low[:-2]
    return lemma(low)


def count_words(
    study: StudyFolder,
    *,
    by: str | None = None,
    top: int = 30,
    speaker: str = "participant",
    groups: Sequence[str] = (),
    participants: Sequence[str] = (),
    where: Sequence[tuple[str, Sequence[str]]] = (),
    stop: Iterable[str] = (),
    phrases: bool = True,
    fillers: bool = False,
) -> WordCounts:
    """The ``top`` words (and phrases) of the chosen talk of the chosen participants; the
    fillers of speech (:data:`~piri_qual.core.lemmas.FILLERS`) count only with ``fillers``."""
    described, roles = speaker_filter(speaker)
    label = speaker.strip().casefold()
    transcripts = [study.transcript(tid) for tid in study.transcript_ids()]
    group_of: dict[str, str | None] = {}
    for t in transcripts:
        group_of.setdefault(t.participant, t.group)
    people = interviewed(study.participant_table(), group_of)
    filtered = bool(groups or participants or where)
    kept = set(filter_participants(people, groups, participants, where, source=study.participants_path)
               if filtered else [p["participant"] for p in people])
    if by is not None:
        columns = {c for p in people for c in p}
        if by not in columns:
            raise PiriQualError(f"--by names no participant attribute {by!r}", path=study.participants_path,
                                hint=f"Attributes: {', '.join(sorted(columns - {'participant'}))}.")
    value = {p["participant"]: (str(p.get(by, "")).strip() or NONE) if by else "" for p in people}
    extra = {w.strip().lower() for w in stop if w.strip()}
    configured = study.settings.extra.get("stop_words") or []
    extra |= {str(w).strip().lower() for w in (configured if isinstance(configured, list) else [configured])}
    stops = stop_words(fillers=not fillers) | extra

    counts: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    speakers_of: dict[str, set[str]] = defaultdict(set)
    by_value: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    total = 0
    for transcript in transcripts:
        pid = transcript.participant
        if pid not in kept:
            continue
        v = value.get(pid, NONE)
        text = transcript.text
        for turn in transcript.turns:
            if roles is not None and turn.role not in roles:
                continue
            if roles is None and (turn.speaker or "").casefold() != label:
                continue
            run: list[tuple[str, str]] = []  # the content words in a row so far (key, form)
            last_end = -1
            for match in WORD.finditer(text, turn.start, turn.end):
                token = match.group()
                total += 1
                totals[v] += 1
                low = token.lower().replace("\u2019", "'")
                gap_is_space = last_end >= 0 and text[last_end:match.start()].isspace()
                last_end = match.end()
                key = _key(token)
                if len(low) < 2 or is_stop(low, stops) or key in stops:
                    run = []
                    continue
                counts[key] += 1
                forms[key][low] += 1
                speakers_of[key].add(pid)
                by_value[key][v] += 1
                if not phrases:
                    continue
                run = ([*run, (key, low)] if gap_is_space else [(key, low)])[-3:]
                for n in (2, 3):
                    if len(run) >= n:
                        gram = run[-n:]
                        pkey = " ".join(k for k, _ in gram)
                        counts["\x00" + pkey] += 1
                        forms["\x00" + pkey][" ".join(f for _, f in gram)] += 1
                        speakers_of["\x00" + pkey].add(pid)
                        by_value["\x00" + pkey][v] += 1
    if not total:
        raise PiriQualError(f"no words to count in {described} of the participants chosen",
                            hint="Check --speaker and the filters.")

    def term(key: str) -> Term:
        return Term(key.lstrip("\x00"), forms[key].most_common(1)[0][0], counts[key], len(speakers_of[key]),
                    dict(by_value[key]))

    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    words = [term(k) for k, _ in ranked if not k.startswith("\x00")][:top]
    grams = [term(k) for k, n in ranked if k.startswith("\x00") and n >= MIN_PHRASE]
    described_filters = "; ".join(
        [f"group {', '.join(groups)}"] * bool(groups) + [f"participants {', '.join(participants)}"] * bool(participants)
        + [f"{k} = {' or '.join(vals)}" for k, vals in where]
    ) or "all participants"
    order = list(dict.fromkeys(value[p["participant"]] for p in people if p["participant"] in kept)) if by else []
    return WordCounts(words=words, phrases=_longest_first(grams)[:top], total=total, by=by,
                      totals={v: totals[v] for v in order}, people=len(kept), speakers=described,
                      filters=described_filters)


def _longest_first(grams: list[Term]) -> list[Term]:
    """Leave a two-word phrase out when it was only ever said inside one three-word phrase (as
    often as that phrase), so ``community health visitor`` does not list ``community health`` too."""
    triples = {t.key: t.count for t in grams if t.key.count(" ") == 2}
    out = []
    for t in grams:
        if t.key.count(" ") == 1 and any(
            count == t.count and (k.startswith(t.key + " ") or k.endswith(" " + t.key)) for k, count in triples.items()
        ):
            continue
        out.append(t)
    return out
