"""The review queue of a split theme: one coder's codings of it, each to be reassigned.

``piri-qual codebook split A --into B,C`` retires A and leaves its codings where they are. Each
coder then works through their own: every coding of A is shown with the suggestion engine's
ranking of B and C, and the coder picks one, keeps both, or neither. Every choice is a decision
in the coder's log, through the store, with ``source: "split"``: an ``adjust`` of the coding to
the chosen theme, an ``add`` for a second theme kept on the same span, or a ``delete`` when the
excerpt belongs to none of them. The queue is simply the coder's current codings still under A,
so codings made under A later, on another branch, join it after a merge.

Nothing here imports Textual; :mod:`piri_qual.tui.screens.split_review` draws it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.codings import Coding, Event
    from piri_qual.study import Study

#: (transcript, start, end, candidate theme ids) -> [(theme, score)], best first
Ranker = Callable[[str, int, int, Sequence[str]], list[tuple[str, float]]]


@dataclass(frozen=True)
class QueueItem:
    coding: Coding
    ranking: tuple[tuple[str, float], ...]  # the new themes, best first (score from the engine)


class SplitQueue:
    """One coder's codings of a split theme, awaiting reassignment."""

    def __init__(self, study: Study, coder: str, theme: str, ranker: Ranker | None) -> None:
        replay = study.history.final
        if theme not in replay.split:
            split = sorted(replay.split)
            raise PiriQualError(
                f"theme {theme!r} has not been split",
                hint=f"Split themes: {', '.join(split)}." if split else "Split one with `piri-qual codebook split`.",
            )
        self.study = study
        self.coder = coder
        self.theme = theme
        self.targets = tuple(t for t in replay.split[theme] if study.codebook.get(replay.current(t)) is not None)
        self.targets = tuple(dict.fromkeys(replay.current(t) for t in self.targets))
        self.ranker = ranker
        self.position = 0
        self.items: list[QueueItem] = []
        self.refresh()

    def refresh(self) -> None:
        """Re-read the coder's codings still under the split theme."""
        codings = sorted(
            (c for c in self.study.fold(self.coder).codings.values() if c.theme == self.theme),
            key=lambda c: (c.transcript, c.start, c.end),
        )
        self.items = [QueueItem(c, self._rank(c)) for c in codings]
        self.position = min(self.position, max(len(self.items) - 1, 0))

    def _rank(self, coding: Coding) -> tuple[tuple[str, float], ...]:
        if self.ranker is None:
            return tuple((t, 0.0) for t in self.targets)
        try:
            ranked = self.ranker(coding.transcript, coding.start, coding.end, self.targets)
        except PiriQualError:
            ranked = []
        scores = dict(ranked)
        ordered = sorted(self.targets, key=lambda t: (-scores.get(t, 0.0), self.targets.index(t)))
        return tuple((t, float(scores.get(t, 0.0))) for t in ordered)

    @property
    def current(self) -> QueueItem | None:
        return self.items[self.position] if self.items else None

    def choose(self, item: QueueItem, themes: Sequence[str]) -> list[Event]:
        """Reassign one coding: to the first of ``themes``, adding the rest on the same span;
        with no themes, the coding is deleted (it belongs to none of the new themes)."""
        unknown = [t for t in themes if t not in self.targets]
        if unknown:
            raise PiriQualError(f"{', '.join(unknown)} is not one of the themes {self.theme!r} was split into",
                                hint=f"Choose from {', '.join(self.targets)}.")
        c = item.coding
        store = self.study.store
        if not themes:
            events = [store.append(self.coder, "delete", target=c.id, transcript=c.transcript, start=c.start,
                                   end=c.end, quote=c.quote, theme=c.theme, source="split",
                                   reason=f"neither {' nor '.join(self.targets)}", after=c.time)]
        else:
            items: list[tuple[str, dict[str, object]]] = [
                ("adjust", {"target": c.id, "theme": themes[0], "source": "split",
                            "reason": f"split from {self.theme}"})]
            items += [("add", {"transcript": c.transcript, "start": c.start, "end": c.end, "quote": c.quote,
                               "theme": other, "source": "split", "reason": f"split from {self.theme}"})
                      for other in themes[1:]]
            events = store.append_many(self.coder, items, after=c.time)
        self.refresh()
        return events
