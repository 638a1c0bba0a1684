"""Searching the whole study: keyword in context, counts by participant and group, autocoding.

How do people talk about waiting? A text search answers that before any coding does, and checks
coding after it (which mentions of "judged" did nobody code?). :func:`search` finds a word, a
phrase, a regular expression or every form of a word (``--lemma``: "wait" finds waited, waiting,
waits) in the talk of the chosen speakers (participants by default), narrowed to participants by
group or attribute and to text coded, or not coded, with a theme. :func:`code_hits` codes what
was found (each hit widened to its sentence by default), one logged decision per excerpt with
source ``search``, as text-search autocoding does in NVivo and QualCoder.

Matching is Python's ``re`` over each transcript's text, one pass per transcript; hits are then
placed in turns by bisection. A plain pattern matches whole words, ignores case, lets any run of
white space stand for a space and either apostrophe or any dash for its kind, and takes ``*`` at
the end of a word as "any ending" (``judg*``). Lemmas come from :mod:`piri_qual.core.lemmas`,
the table the suggestion engine lemmatises with, expanded to the word forms that share a lemma,
so a lemma search is one regular expression too.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from piri_qual.analysis.participant_filter import filter_participants, interviewed
from piri_qual.core.lemmas import forms_of
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.codings import Event
    from piri_qual.core.study import StudyFolder

ROLES = ("participant", "interviewer", "other")
_APOSTROPHE = "['\u2019\u2018]"
_DASH = "[-\u2010\u2011\u2012\u2013\u2014\u2212]"
SPREADS = ("hit", "sentence", "turn")


class Hit(NamedTuple):
    """One match: where it is, who said it (a named tuple: a search can find tens of thousands)."""

    transcript: str
    participant: str
    group: str
    turn: int  # from 1
    speaker: str
    role: str
    time: float | None
    start: int
    end: int
    turn_start: int
    turn_end: int


@dataclass
class SearchResult:
    """The hits of one search, in study order, and what was searched."""

    pattern: str
    mode: str  # words | regex | lemma
    speakers: str
    hits: list[Hit]
    texts: dict[str, str]  # transcript id -> text, for the context of each hit
    people: list[tuple[str, str]]  # (participant, group) of everyone searched, in order
    words: Counter[str] = field(default_factory=Counter)  # words searched per participant
    filters: str = "all participants"

    def by_participant(self) -> Counter[str]:
        return Counter(h.participant for h in self.hits)

    def by_group(self) -> dict[str, tuple[int, int, int]]:
        """group -> (hits, participants with a hit, participants searched)."""
        sizes = Counter(g for _, g in self.people)
        hits = Counter(h.group for h in self.hits)
        said = Counter(g for _, g in {(h.participant, h.group) for h in self.hits})
        return {g: (hits[g], said[g], sizes[g]) for g in dict.fromkeys(g for _, g in self.people)}

    def context(self, hit: Hit, width: int = 40) -> tuple[str, str, str]:
        """``(left, match, right)`` within the hit's turn, at most ``width`` characters each side,
        on one line."""
        text = self.texts[hit.transcript]
        left = text[max(hit.turn_start, hit.start - width):hit.start]
        right = text[hit.end:min(hit.turn_end, hit.end + width)]
        return (" ".join(left.split()) + (" " if left[-1:].isspace() else ""),
                " ".join(text[hit.start:hit.end].split()),
                (" " if right[:1].isspace() else "") + " ".join(right.split()))


@dataclass(frozen=True)
class Matcher:
    """A compiled search: what it means (``plain``, one regular expression) and how it runs fast.

    ``plain`` is the rule as a reader would write it: the words with ``(?<!\\w)`` and ``(?!\\w)``
    around them, ignoring case. Run as such it costs ten times more than it needs to: a
    look-behind at its start and case-insensitive matching stop ``re`` from skipping to the
    literal first letters it begins with. So a words or lemma search runs ``fast`` (the same
    expression in lower case, without the look-behind) over the lower-cased text, and checks the
    look-behind itself, scanning again from one character after a refused match so that no match
    is missed (refusals are rare: a word inside another, "wait" in "await").
    A text whose lower-case form has another length (a few non-Latin letters) is searched with
    ``plain``, so offsets always point into the original text.
    """

    plain: re.Pattern[str]
    fast: re.Pattern[str] | None = None
    folded: bool = False  # ``fast`` runs over the lower-cased text

    @property
    def pattern(self) -> str:
        return self.plain.pattern

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of every non-empty match in ``text``, in order."""
        target = text.lower() if self.folded else text
        if self.fast is None or len(target) != len(text):
            for match in self.plain.finditer(text):
                if match.end() > match.start():
                    yield match.span()
            return
        finditer = self.fast.finditer
        pos = 0
        while True:
            for found in finditer(target, pos):
                a, b = found.span()
                if a == b:
                    continue
                if a and (target[a - 1].isalnum() or target[a - 1] == "_"):
                    pos = a + 1  # inside a word: not a match; scan again from just after its start
                    break
                yield a, b
            else:
                return


def compile_pattern(pattern: str, *, regex: bool = False, lemma: bool = False,
                    case_sensitive: bool = False) -> Matcher:
    """The search to run (see the module's rules)."""
    if regex and lemma:
        raise PiriQualError("--regex and --lemma do not combine", hint="A lemma search takes words, not a regex.")
    flags = 0 if case_sensitive else re.IGNORECASE
    if not pattern.strip():
        raise PiriQualError("nothing to search for", hint="Give a word or a phrase, e.g. piri-qual search waiting.")
    if regex:
        try:
            compiled = re.compile(pattern, flags)
        except re.error as exc:
            raise PiriQualError(f"{pattern!r} is not a valid regular expression ({exc})",
                                hint="Drop --regex to search for the words as written.") from exc
        return Matcher(compiled)
    words = pattern.split()
    parts = [_lemma_word(w) if lemma else _literal_word(w) for w in words]
    body = r"\s+".join(parts) + r"(?!\w)"
    plain = re.compile(r"(?<!\w)" + body, flags)
    if case_sensitive:
        return Matcher(plain, re.compile(body), folded=False)
    lowered = r"\s+".join(_lemma_word(w) if lemma else _literal_word(w.lower()) for w in words) + r"(?!\w)"
    return Matcher(plain, re.compile(lowered), folded=True)


def _literal_word(word: str) -> str:
    star = word.endswith("*") and len(word) > 1
    core = word[:-1] if star else word
    out = []
    for ch in core:
        if ch in "'\u2019\u2018":
            out.append(_APOSTROPHE)
        elif ch in "-\u2010\u2011\u2012\u2013\u2014\u2212":
            out.append(_DASH)
        else:
            out.append(re.escape(ch))
    return "".join(out) + (r"\w*" if star else "")


def _lemma_word(word: str) -> str:
    forms = sorted(forms_of(word.strip("*")), key=lambda f: (-len(f), f))  # lower-case already
    return "(?:" + "|".join(_literal_word(f) for f in forms) + ")"


def speaker_filter(speaker: str) -> tuple[str, set[str] | None]:
    """(description, roles) for ``--speaker``: a role, ``all``, or a speaker label (roles None)."""
    name = speaker.strip().casefold()
    if name == "all":
        return "everyone", set(ROLES)
    if name in ROLES:
        return f"{name} talk", {name}
    if name in ("participants", "interviewers"):
        return f"{name[:-1]} talk", {name[:-1]}
    return f"speaker {speaker}", None


def search(
    study: StudyFolder,
    pattern: str,
    *,
    regex: bool = False,
    lemma: bool = False,
    case_sensitive: bool = False,
    speaker: str = "participant",
    groups: Sequence[str] = (),
    participants: Sequence[str] = (),
    where: Sequence[tuple[str, Sequence[str]]] = (),
    coder: str | None = None,
    coded_as: Sequence[str] = (),
    not_coded: bool = False,
) -> SearchResult:
    """Every match of ``pattern`` in the chosen talk of the chosen participants.

    ``coded_as`` keeps hits that overlap a coding of one of those themes by ``coder``;
    ``not_coded`` keeps hits that overlap no coding of ``coder`` at all.
    """
    compiled = compile_pattern(pattern, regex=regex, lemma=lemma, case_sensitive=case_sensitive)
    described, roles = speaker_filter(speaker)
    label = speaker.strip().casefold()
    transcripts = {tid: study.transcript(tid) for tid in study.transcript_ids()}
    group_of: dict[str, str | None] = {}
    for t in transcripts.values():
        group_of.setdefault(t.participant, t.group)
    people = interviewed(study.participant_table(), group_of)
    filtered = bool(groups or participants or where)
    kept = filter_participants(people, groups, participants, where, source=study.participants_path) \
        if filtered else [p["participant"] for p in people]
    keep = set(kept)
    group = {p["participant"]: p["group"] for p in people}
    if roles is None and not any((t.speaker or "").casefold() == label for tr in transcripts.values()
                                 for t in tr.turns):
        raise PiriQualError(f"no turn is spoken by {speaker!r}",
                            hint="Use a role (participant, interviewer, other, all) or a speaker label.")
    coded = _coded_spans(study, coder, coded_as, not_coded)
    hits: list[Hit] = []
    words: Counter[str] = Counter()
    rank = {pid: i for i, pid in enumerate(kept)}
    ordered = sorted((t for t in transcripts.values() if t.participant in keep),
                     key=lambda t: (rank[t.participant], t.id))
    for transcript in ordered:
        turns = [(i, t) for i, t in enumerate(transcript.turns)
                 if (t.role in roles if roles is not None else (t.speaker or "").casefold() == label)]
        if not turns:
            continue
        text = transcript.text
        words[transcript.participant] += sum(len(text[t.start:t.end].split()) for _, t in turns)
        starts = [t.start for _, t in turns]
        spans = coded.get(transcript.id) if coded is not None else None
        tid, pid, grp = transcript.id, transcript.participant, group.get(transcript.participant, "(no group)")
        ends = [t.end for _, t in turns]
        about = [(index + 1, t.speaker or "", t.role, t.time) for index, t in turns]
        for a, b in compiled.spans(text):  # tens of thousands of hits: keep this loop lean
            k = bisect_right(starts, a) - 1
            if k < 0 or b > ends[k]:
                continue
            if coded is not None and not _keep(spans or [], a, b, not_coded):
                continue
            n, speaker_of, role, time = about[k]
            hits.append(Hit(tid, pid, grp, n, speaker_of, role, time, a, b, starts[k], ends[k]))
    described_filters = "; ".join(
        [f"group {', '.join(groups)}"] * bool(groups) + [f"participants {', '.join(participants)}"] * bool(participants)
        + [f"{k} = {' or '.join(v)}" for k, v in where]
        + [f"coded as {', '.join(coded_as)}"] * bool(coded_as) + ["not coded"] * not_coded
    ) or "all participants"
    return SearchResult(
        pattern=pattern, mode="regex" if regex else "lemma" if lemma else "words", speakers=described, hits=hits,
        texts={t.id: t.text for t in ordered}, people=[(pid, group[pid]) for pid in kept], words=words,
        filters=described_filters,
    )


def _coded_spans(study: StudyFolder, coder: str | None, themes: Sequence[str],
                 not_coded: bool) -> dict[str, list[tuple[int, int]]] | None:
    """Per transcript, the spans a hit must overlap (``themes``) or avoid (``not_coded``)."""
    if not themes and not not_coded:
        return None
    if themes and not_coded:
        raise PiriQualError("--coded-as and --not-coded contradict each other", hint="Use one of them.")
    who = study.resolve_coder(coder)
    wanted: set[str] | None = None
    if themes:
        from piri_qual.analysis.theme_names import themes_named

        wanted = {t.id for t in themes_named(themes, study.codebook, study.framework, study.theme_map)}
    spans: dict[str, list[tuple[int, int]]] = {}
    for c in study.fold(who).codings.values():
        if wanted is None or c.theme in wanted:
            spans.setdefault(c.transcript, []).append((c.start, c.end))
    return spans


def _keep(spans: list[tuple[int, int]], a: int, b: int, not_coded: bool) -> bool:
    inside = any(s < b and a < e for s, e in spans)
    return not inside if not_coded else inside


# -- autocoding ----------------------------------------------------------------------------------
def hit_spans(study: StudyFolder, result: SearchResult, spread: str) -> dict[str, list[tuple[int, int]]]:
    """The excerpts to code for the hits: each hit, its sentence or its turn, overlaps merged."""
    if spread not in SPREADS:
        raise PiriQualError(f"unknown --spread {spread!r}", hint=f"Use one of {', '.join(SPREADS)}.")
    out: dict[str, list[tuple[int, int]]] = {}
    for tid in dict.fromkeys(h.transcript for h in result.hits):
        mine = [h for h in result.hits if h.transcript == tid]
        if spread == "hit":
            spans = [(h.start, h.end) for h in mine]
        elif spread == "turn":
            spans = [(h.turn_start, h.turn_end) for h in mine]
        else:
            sentences = study.sentences(tid)
            starts = [a for a, _ in sentences]
            spans = []
            for h in mine:
                i = bisect_right(starts, h.start) - 1
                j = bisect_right(starts, h.end - 1) - 1
                if i < 0 or sentences[j][1] < h.end:
                    spans.append((h.start, h.end))  # between sentences (rare): the hit itself
                else:
                    spans.append((max(sentences[i][0], h.turn_start), min(sentences[j][1], h.turn_end)))
        merged: list[tuple[int, int]] = []
        for a, b in sorted(spans):
            if merged and a < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        out[tid] = merged
    return out


@dataclass
class Autocoded:
    """What :func:`code_hits` logged, and what it left because the coder had it already."""

    theme: str
    events: list[Event]
    already: int


def code_hits(study: StudyFolder, coder: str, theme: str, result: SearchResult, spread: str = "sentence") -> Autocoded:
    """Code every hit's excerpt with ``theme`` for ``coder``: one ``add`` per excerpt, source
    ``search``, in one validated batch; excerpts already inside a coding of the theme are skipped."""
    resolved = study.codebook.resolve(theme, source=study.codebook_path).id
    spans = hit_spans(study, result, spread)
    existing: dict[str, list[tuple[int, int]]] = {}
    for c in study.fold(coder).codings.values():
        if c.theme == resolved:
            existing.setdefault(c.transcript, []).append((c.start, c.end))
    items = []
    already = 0
    reason = f"text search {result.mode} {result.pattern!r} ({result.speakers}; spread to {spread})"
    for tid, found in spans.items():
        for a, b in found:
            if any(s <= a and b <= e for s, e in existing.get(tid, ())):
                already += 1
                continue
            items.append(("add", {"transcript": tid, "start": a, "end": b, "theme": resolved,
                                  "source": "search", "reason": reason}))
    events = study.store.append_many(coder, items) if items else []
    return Autocoded(resolved, events, already)

