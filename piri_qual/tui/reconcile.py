"""Reconciling two coders: the sentence units where they disagree, and the decisions on them.

Both coders' logs are folded; the units are the sentence units of the agreement statistics
(:mod:`piri_qual.analysis.units`: sentences of the eligible turns), and a coder has applied a theme
to a unit when one of their codings of that theme *covers* it by that module's rule. Reconciling
on the same units the agreement figures count keeps the two consistent. Where the two coders'
theme sets on a unit differ, they disagree.

A decision writes to a third, *consensus* coder's log: ``confirm`` for each theme kept (copying
the chosen coder's span and quote), ``reject`` on the unit for each disputed theme dropped, so the
consensus log says what was decided and which coder it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from piri_qual.analysis.units import UnitSpans, covered, transcript_units
from piri_qual.core.codings import Coding, Event, FoldResult, fold, last_undoable
from piri_qual.core.locking import study_lock
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.study import Study

CHOICES = ("a", "b", "both", "neither")


def covers(start: int, end: int, unit_start: int, unit_end: int) -> bool:
    """Whether a coding ``[start, end)`` covers a unit, by the agreement units' rule."""
    return unit_covered(unit_start, unit_end, start, end)


@dataclass(frozen=True)
class Unit:
    """One sentence and the themes each coder applied to it (theme -> their coding)."""

    transcript: str
    start: int
    end: int
    text: str
    a: dict[str, Coding] = field(default_factory=dict)
    b: dict[str, Coding] = field(default_factory=dict)

    @property
    def disputed(self) -> set[str]:
        return set(self.a) ^ set(self.b)

    @property
    def agreed(self) -> set[str]:
        return set(self.a) & set(self.b)


def build_units(
    transcripts: Iterable[tuple[str, str, UnitSpans]],
    codings_a: Iterable[Coding],
    codings_b: Iterable[Coding],
) -> list[Unit]:
    """Every unit that either coder coded, in transcript then text order.

    ``transcripts`` gives ``(id, text, units)`` with the units of :mod:`piri_qual.analysis.units`.
    """
    by_transcript: dict[str, tuple[list[Coding], list[Coding]]] = {}
    for c in codings_a:
        by_transcript.setdefault(c.transcript, ([], []))[0].append(c)
    for c in codings_b:
        by_transcript.setdefault(c.transcript, ([], []))[1].append(c)
    out: list[Unit] = []
    for tid, text, spans in transcripts:
        ca, cb = by_transcript.get(tid, ([], []))
        if not ca and not cb:
            continue
        a_hits: dict[int, dict[str, Coding]] = {}
        b_hits: dict[int, dict[str, Coding]] = {}
        for codings, hits in ((ca, a_hits), (cb, b_hits)):
            for c in sorted(codings, key=lambda c: (c.start, c.end, c.theme)):
                for i in covered(spans, c.start, c.end).tolist():
                    hits.setdefault(i, {}).setdefault(c.theme, c)
        for i in sorted(set(a_hits) | set(b_hits)):
            s, e = int(spans.starts[i]), int(spans.ends[i])
            out.append(Unit(tid, s, e, text[s:e], a_hits.get(i, {}), b_hits.get(i, {})))
    return out


def unit_covered(unit_start: int, unit_end: int, start: int, end: int) -> bool:
    one = UnitSpans("", np.asarray([unit_start]), np.asarray([unit_end]), np.asarray([0]))
    return bool(covered(one, start, end).size)


def is_decided(unit: Unit, consensus: FoldResult) -> bool:
    """Every disputed theme of the unit is either coded or rejected in the consensus log."""
    for theme in unit.disputed:
        coded = any(
            c.transcript == unit.transcript and c.theme == theme and covers(c.start, c.end, unit.start, unit.end)
            for c in consensus.codings.values()
        )
        rejected = any(
            e.transcript == unit.transcript and e.theme == theme
            and covers(e.start or 0, e.end or 0, unit.start, unit.end)
            for e in consensus.rejections
        )
        if not (coded or rejected):
            return False
    return True


def decision_events(
    unit: Unit, choice: str, consensus: FoldResult, coder_a: str, coder_b: str
) -> list[tuple[str, dict[str, Any]]]:
    """The consensus-log events for taking A's, B's, both or neither coder's themes on a unit."""
    if choice not in CHOICES:
        raise ValueError(f"choice must be one of {CHOICES}")
    keep: dict[str, tuple[Coding, str]] = {t: (c, coder_a) for t, c in unit.a.items() if t in unit.agreed}
    if choice in ("a", "both"):
        keep.update({t: (c, coder_a) for t, c in unit.a.items() if t not in keep})
    if choice in ("b", "both"):
        keep.update({t: (c, coder_b) for t, c in unit.b.items() if t not in keep})
    events: list[tuple[str, dict[str, Any]]] = []
    for theme, (coding, who) in sorted(keep.items()):
        already = any(
            c.transcript == unit.transcript and c.theme == theme and covers(c.start, c.end, unit.start, unit.end)
            for c in consensus.codings.values()
        )
        if already:
            continue
        reason = f"agreed by {coder_a} and {coder_b}" if theme in unit.agreed else f"from {who}"
        events.append(("confirm", {
            "transcript": unit.transcript, "start": coding.start, "end": coding.end,
            "quote": coding.quote, "theme": theme, "source": "reconcile", "reason": reason,
        }))
    for theme in sorted(unit.disputed - set(keep)):
        who = coder_a if theme in unit.a else coder_b
        events.append(("reject", {
            "transcript": unit.transcript, "start": unit.start, "end": unit.end,
            "quote": unit.text, "theme": theme, "source": "reconcile", "reason": f"dropped {who}'s theme",
        }))
    return events


class ReconcileSession:
    """The state of the reconciliation screen: disputed units and the consensus log."""

    def __init__(
        self,
        study: Study,
        coder_a: str,
        coder_b: str,
        consensus: str = "consensus",
    ) -> None:
        if len({coder_a, coder_b, consensus}) != 3:
            raise PiriQualError(
                "reconciliation needs two different coders and a third name for the consensus log",
                hint="e.g. --reconcile alice,bob --into consensus",
            )
        study.require_coder(coder_a)
        study.require_coder(coder_b)
        self.study = study
        self.coder_a, self.coder_b, self.consensus = coder_a, coder_b, consensus
        self.log = study.log(consensus)
        self.events: list[Event] = self.log.read()
        self.state = fold(self.events, self.study.theme_map)
        fa, fb = study.fold(coder_a), study.fold(coder_b)
        tids = sorted({c.transcript for c in [*fa.codings.values(), *fb.codings.values()]})
        known = set(study.transcript_ids())
        include = study.settings.candidates_include_interviewer
        transcripts = [study.transcript(tid) for tid in tids if tid in known]
        inputs = []
        for transcript, sentences in zip(
            transcripts, study.sentence_index.spans_many(transcripts), strict=True
        ):
            spans = transcript_units(transcript, "sentence", include_interviewer=include, sentences=sentences)
            inputs.append((transcript.id, transcript.text, spans))
        self.all_units = build_units(inputs, fa.codings.values(), fb.codings.values())
        self.units = [u for u in self.all_units if u.disputed]
        self.position = 0
        if self.units:
            self.position = self._first_open(0) or 0

    # -- navigation --------------------------------------------------------------------------
    @property
    def unit(self) -> Unit | None:
        return self.units[self.position] if self.units else None

    def decided(self, unit: Unit) -> bool:
        return is_decided(unit, self.state)

    def open_count(self) -> int:
        return sum(1 for u in self.units if not self.decided(u))

    def _first_open(self, start: int) -> int | None:
        for i in range(start, len(self.units)):
            if not self.decided(self.units[i]):
                return i
        return None

    def move(self, step: int) -> bool:
        target = self.position + step
        if not 0 <= target < len(self.units):
            return False
        self.position = target
        return True

    # -- decisions ---------------------------------------------------------------------------
    def _append_many(self, build: Callable[[], list[tuple[str, dict[str, Any]]]]) -> list[Event]:
        """Append the decisions ``build`` makes from the consensus log as it stands on disk.

        Under the study's lock, and after re-reading the log, so two people reconciling into one
        consensus log (or a re-import re-anchoring codings meanwhile) never decide one unit twice.
        """
        with study_lock(self.study.root, "reconciling"):
            self.events = self.log.read()
            self.state = fold(self.events, self.study.theme_map)
            items = build()
            if not items:
                return []
            floor = max((e.time for e in self.events), default=None)
            events = self.study.store.append_many(self.consensus, items, after=floor)
        self.events.extend(events)
        self.state = fold(self.events, self.study.theme_map)
        return events

    def decide(self, choice: str) -> list[Event]:
        """Take A's, B's, both or neither coder's themes on the current unit, then move on."""
        unit = self.unit
        if unit is None:
            raise PiriQualError("no disagreements to reconcile")
        events = self._append_many(lambda: decision_events(unit, choice, self.state, self.coder_a, self.coder_b))
        following = self._first_open(self.position + 1)
        if following is not None:
            self.position = following
        return events

    def edit(self, theme: str) -> Event:
        """Add a theme of the reconciler's own choosing on the current unit."""
        unit = self.unit
        if unit is None:
            raise PiriQualError("no disagreements to reconcile")
        resolved = self.study.codebook.resolve(theme, source=self.study.codebook_path)
        return self._append_many(lambda: [("add", {
            "transcript": unit.transcript, "start": unit.start, "end": unit.end, "quote": unit.text,
            "theme": resolved.id, "source": "reconcile", "reason": "edited in reconciliation",
        })])[0]

    def agree_all(self) -> list[Event]:
        """Copy every coding both coders agree on into the consensus log (once each)."""

        def build() -> list[tuple[str, dict[str, Any]]]:
            items: list[tuple[str, dict[str, Any]]] = []
            seen: set[tuple[str, int, int, str]] = set()
            for unit in self.all_units:
                for op, fields_ in decision_events(unit, "neither", self.state, self.coder_a, self.coder_b):
                    if op != "confirm":
                        continue
                    key = (fields_["transcript"], fields_["start"], fields_["end"], fields_["theme"])
                    if key not in seen:
                        seen.add(key)
                        items.append((op, fields_))
            return items

        return self._append_many(build)

    def undo(self) -> Event:
        undone: list[Event] = []

        def build() -> list[tuple[str, dict[str, Any]]]:
            target = last_undoable(self.events)
            if target is None:
                raise PiriQualError(f"nothing to undo in the {self.consensus!r} log")
            undone.append(target)
            return [("undo", {"target": target.id})]

        self._append_many(build)
        return undone[0]
