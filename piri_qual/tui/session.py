"""One coder's coding session on one transcript: the logic behind the coding screen.

The session holds the current excerpt, the units one steps through (the spans with pending
suggestions, or every sentence when reading the whole transcript), and turns each decision into
one event appended to the coder's log *before* the call returns, so a killed terminal loses
nothing. It reads only this coder's own log: coding is blind until reconciliation.

Nothing here imports Textual; the screens call these methods and redraw.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from piri_qual.core.codings import (
    Coding,
    Event,
    FoldResult,
    fold,
    last_redoable,
    last_undoable,
    memo_key,
)
from piri_qual.core.corpus import Transcript
from piri_qual.errors import PiriQualError
from piri_qual.tui.textindex import Span, TextIndex

if TYPE_CHECKING:
    from pathlib import Path

    from piri_qual.assist.types import Suggestion
    from piri_qual.core.framework import Codebook, Theme
    from piri_qual.study import Study

SUGGESTIONS = "suggestions"
IN_VIVO_WORDS = 8  # the longest run of selected words an in-vivo code takes as its name
READ = "read"
MODES = (SUGGESTIONS, READ)


@dataclass(frozen=True)
class Entry:
    """One line of the suggestion pane: a pending suggestion or one of this coder's codings."""

    theme: str
    kind: str  # "suggested" | "coded"
    score: float | None = None
    source: str | None = None
    reason: str = ""
    coding: Coding | None = None
    suggestion: Suggestion | None = None


class MemoFields(TypedDict, total=False):
    """The fields of a memo event that say what it is about (see :func:`memo_key`)."""

    scope: str
    transcript: str
    start: int
    end: int
    quote: str
    target: str | None
    theme: str
    participant: str


@dataclass(frozen=True)
class Outcome:
    """What a decision did, for the UI to report."""

    event: Event
    message: str


class CodingSession:
    """The state of the coding screen, and every decision it can log."""

    def __init__(
        self,
        study: Study,
        coder: str,
        transcript: Transcript,
        sentences: list[tuple[int, int]],
        *,
        mode: str = SUGGESTIONS,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.study = study
        self.coder = coder
        self.log = study.log(coder)
        self.events: list[Event] = self.log.read()
        self.state: FoldResult = fold(self.events, self.study.theme_map)
        self._latest: str | None = max((e.time for e in self.events), default=None)
        self.codebook: Codebook = study.codebook
        self.mode = mode
        self.edge = "end"
        self.theme_filter: str | None = None
        self.last_query: str | None = None
        self.suggestions: list[Suggestion] = []
        self.suggestions_ready = False
        self.highlight = 0
        self.current: Span | None = None
        self.anchor: Span | None = None
        #: The decision just made (accept, reject, assign), until the coder moves on by hand: a
        #: memo written now is about its excerpt, even though accepting moved to the next one.
        self.last_decided: Event | None = None
        self.load(transcript, sentences)

    # -- loading -----------------------------------------------------------------------------
    def load(self, transcript: Transcript, sentences: list[tuple[int, int]]) -> None:
        """Switch to a transcript (its suggestions arrive later through :meth:`set_suggestions`)."""
        self.transcript = transcript
        self.index = TextIndex(transcript, sentences)
        self.suggestions = []
        self.suggestions_ready = False
        self.current = None
        self.anchor = None
        self.highlight = 0
        self.last_decided = None
        self._refresh_derived()
        self.units = self._units()
        resume = self.stopped_at(transcript.id)
        if resume is not None:  # where this coder stopped in this transcript last time
            self.anchor = self.index.sentence_at(resume) or Span(resume, resume + 1)
            target = self._unit_after(self.anchor, inclusive=True) or self._first()
            if target is not None:
                self._goto_unit(target)
        else:
            first = self._first()
            if first is not None:
                self._goto_unit(first)

    def set_suggestions(self, suggestions: Iterable[Suggestion]) -> None:
        """New ranked suggestions for this transcript (after the engine ran or retrained)."""
        self.suggestions = [s for s in suggestions if s.transcript == self.transcript.id]
        self.suggestions_ready = True
        self._rebuild(stay=True)

    @property
    def transcript_id(self) -> str:
        return self.transcript.id

    # -- derived state -------------------------------------------------------------------------
    def _refresh_derived(self) -> None:
        tid = self.transcript.id
        self._pending: list[Suggestion] | None = None
        self.codings: list[Coding] = sorted(
            (c for c in self.state.codings.values() if c.transcript == tid),
            key=lambda c: (c.start, c.end, c.theme),
        )
        self._coded_by_theme: dict[str, list[Coding]] = {}
        for c in self.codings:
            self._coded_by_theme.setdefault(c.theme, []).append(c)
        taken: dict[str, list[tuple[int, int]]] = {
            theme: [(c.start, c.end) for c in items] for theme, items in self._coded_by_theme.items()
        }
        for e in self.state.rejections:
            if e.transcript == tid and e.start is not None and e.end is not None and e.theme:
                taken.setdefault(e.theme, []).append((e.start, e.end))
        # per theme: sorted starts and the running maximum of ends, so an overlap test is a bisect
        self._taken: dict[str, tuple[list[int], list[int]]] = {}
        for theme, spans in taken.items():
            spans.sort()
            running, ends = 0, []
            for _, end in spans:
                running = max(running, end)
                ends.append(running)
            self._taken[theme] = ([a for a, _ in spans], ends)

    def _decided(self, s: Suggestion) -> bool:
        """Coded or rejected with the same theme on an overlapping span (the engine's own rule)."""
        found = self._taken.get(s.theme)
        if found is None:
            return False
        starts, max_ends = found
        i = bisect_left(starts, s.end)  # spans starting before the suggestion ends
        return i > 0 and max_ends[i - 1] > s.start

    def pending(self) -> list[Suggestion]:
        """Suggestions not yet accepted, rejected or coded over, within the theme filter."""
        if self._pending is None:
            self._pending = [
                s for s in self.suggestions
                if not self._decided(s) and (self.theme_filter is None or s.theme == self.theme_filter)
            ]
        return self._pending

    def _units(self) -> list[Span]:
        if self.mode == SUGGESTIONS:
            return [Span(a, b) for a, b in sorted({(s.start, s.end) for s in self.pending()})]
        if self.theme_filter is None:
            return list(self.index.sentences)
        marks = [(c.start, c.end) for c in self._coded_by_theme.get(self.theme_filter, ())]
        marks += [(s.start, s.end) for s in self.suggestions if s.theme == self.theme_filter]
        return [u for u in self.index.sentences if any(u.overlaps(a, b) for a, b in marks)]

    def _rebuild(self, *, stay: bool) -> None:
        """Recompute the units after a change, keeping or advancing the current excerpt."""
        rank = self._rank()
        self._refresh_derived()
        self.units = self._units()
        if self.current is None:
            if self.mode == SUGGESTIONS:
                target = self._first()
            else:
                after = self._unit_after(self.anchor, inclusive=True) if self.anchor else None
                target = after or (self.units[0] if self.units else None)
            if target is not None:
                self._goto_unit(target)
            return
        if self.mode == SUGGESTIONS and not stay and not self._pending_here():
            # the excerpt is decided: the next most useful one is now at its place in the order
            order = self.order()
            target = order[min(rank, len(order) - 1)] if order and rank is not None else None
            target = target or self._unit_after(self.anchor) or self._unit_before(self.anchor)
            if target is not None:
                self._goto_unit(target)
        self._clamp_highlight()

    # -- "suggestions first": the most useful decisions first -------------------------------
    def order(self) -> list[Span]:
        """The units in the order a researcher should decide them: in "suggestions first" mode,
        the excerpts by their best pending suggestion's score, highest first (the one most
        likely right, so a coder who stops early has made the most useful decisions); in
        reading mode, text order."""
        if self.mode != SUGGESTIONS:
            return self.units
        best: dict[tuple[int, int], float] = {}
        for s in self.pending():
            key = (s.start, s.end)
            best[key] = max(best.get(key, 0.0), s.score)
        return sorted(self.units, key=lambda u: (-best.get((u.start, u.end), 0.0), u.start, u.end))

    def _first(self) -> Span | None:
        order = self.order()
        return order[0] if order else None

    def _rank(self) -> int | None:
        if self.anchor is None or self.mode != SUGGESTIONS:
            return None
        order = self.order()
        return order.index(self.anchor) if self.anchor in order else None

    def _pending_here(self) -> bool:
        cur = self.current
        return cur is not None and any(s.start < cur.end and cur.start < s.end for s in self.pending())

    def theme_counts(self) -> Counter[str]:
        """This coder's current codings per theme, over all transcripts."""
        return Counter(c.theme for c in self.state.codings.values())

    # -- the current excerpt -----------------------------------------------------------------
    def _goto_unit(self, unit: Span) -> None:
        self.anchor = unit
        self.current = unit
        self.highlight = 0

    def _unit_after(self, anchor: Span | None, inclusive: bool = False) -> Span | None:
        if not self.units:
            return None
        if anchor is None:
            return self.units[0]
        i = (bisect_left if inclusive else bisect_right)(self.units, anchor)
        return self.units[i] if i < len(self.units) else None

    def _unit_before(self, anchor: Span | None) -> Span | None:
        if anchor is None or not self.units:
            return None
        i = bisect_left(self.units, anchor)
        return self.units[i - 1] if i > 0 else None

    def _step(self, delta: int) -> Span | None:
        """In "suggestions first" mode, the next or previous excerpt in :meth:`order`."""
        order = self.order()
        rank = self._rank()
        if rank is None:
            return order[0] if order and delta > 0 and self.anchor is None else None
        i = rank + delta
        return order[i] if 0 <= i < len(order) else None

    def next_excerpt(self) -> bool:
        self.last_decided = None  # a move key, even at the end: the coder has moved on
        target = self._step(1) if self.mode == SUGGESTIONS else self._unit_after(self.anchor)
        if target is None:
            return False
        self._goto_unit(target)
        return True

    def prev_excerpt(self) -> bool:
        self.last_decided = None  # a move key, even at the end: the coder has moved on
        target = self._step(-1) if self.mode == SUGGESTIONS else self._unit_before(self.anchor)
        if target is None:
            return False
        self._goto_unit(target)
        return True

    def position(self) -> tuple[int, int]:
        """(1-based number of the current unit, number of units); 0 when off the list."""
        if self.anchor is None:
            return (0, len(self.units))
        if self.mode == SUGGESTIONS:
            rank = self._rank()
            return ((rank + 1) if rank is not None else 0, len(self.units))
        i = bisect_left(self.units, self.anchor)
        return ((i + 1) if i < len(self.units) and self.units[i] == self.anchor else 0, len(self.units))

    def goto_offset(self, offset: int) -> bool:
        """Make the sentence at ``offset`` the current excerpt (a click, a search hit)."""
        sentence = self.index.sentence_at(offset)
        if sentence is None:
            return False
        self.last_decided = None
        self._goto_unit(sentence)
        return True

    def goto_span(self, start: int, end: int) -> None:
        """Make ``[start, end)`` the current excerpt (a coding chosen in the retrieval view)."""
        if not 0 <= start < end <= len(self.transcript.text):
            raise PiriQualError(f"[{start}, {end}) is not inside transcript {self.transcript.id}")
        self.last_decided = None
        self._goto_unit(Span(start, end))

    def resize(self, unit: str, widen: bool) -> bool:
        """Widen or narrow the current excerpt by a sentence or a word at the active edge."""
        if self.current is None:
            raise PiriQualError("no current excerpt to resize", hint="Move to one with j/k or click a sentence.")
        new = self.index.resize(self.current, self.edge, unit, widen)
        if new is None:
            return False
        self.last_decided = None
        self.current = new
        self._clamp_highlight()
        return True

    def switch_edge(self) -> str:
        self.edge = "start" if self.edge == "end" else "end"
        return self.edge

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self.last_decided = None
        self.units = self._units()
        if self.current is None or (mode == SUGGESTIONS and not self._pending_here()):
            if mode == SUGGESTIONS:
                target = self._first()
            else:
                target = self._unit_after(self.anchor, inclusive=True) if self.anchor else None
                target = target or (self.units[0] if self.units else None)
            if target is not None:
                self._goto_unit(target)
            elif mode == SUGGESTIONS:
                self.current = None

    def toggle_mode(self) -> str:
        self.set_mode(READ if self.mode == SUGGESTIONS else SUGGESTIONS)
        return self.mode

    def set_filter(self, theme_id: str | None) -> None:
        if theme_id is not None:
            theme_id = self.codebook.resolve(theme_id, source=self.study.codebook_path).id
        self.theme_filter = theme_id
        self.last_decided = None
        self._pending = None
        self.units = self._units()
        if self.current is not None and self.current not in self.units and self.units:
            target = self._unit_after(self.anchor, inclusive=True) or self.units[0]
            self._goto_unit(target)
        self._clamp_highlight()

    def find(self, query: str, *, from_offset: int | None = None) -> int | None:
        """Offset of the next occurrence of ``query`` (case-insensitive) after the excerpt, wrapping."""
        query = query.strip()
        if not query:
            return None
        self.last_query = query
        text = self.transcript.text.casefold()
        needle = query.casefold()
        start = from_offset if from_offset is not None else (self.current.end if self.current else 0)
        hit = text.find(needle, start)
        if hit == -1:
            hit = text.find(needle)
        return None if hit == -1 else hit

    # -- the suggestion pane -------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        """Pending suggestions overlapping the excerpt (best first, one per theme), then codings."""
        cur = self.current
        if cur is None:
            return []
        best: dict[str, Suggestion] = {}
        for s in self.pending():
            if s.start < cur.end and cur.start < s.end:
                if s.theme not in best or s.score > best[s.theme].score:
                    best[s.theme] = s
        out = [
            Entry(s.theme, "suggested", s.score, s.source, s.reason, suggestion=s)
            for s in sorted(best.values(), key=lambda s: (-s.score, s.theme))
        ]
        for c in self.codings:
            if c.start < cur.end and cur.start < c.end and (self.theme_filter in (None, c.theme)):
                out.append(Entry(c.theme, "coded", c.score, c.source, c.reason or "", coding=c))
        return out

    def _clamp_highlight(self) -> None:
        count = len(self.entries())
        self.highlight = 0 if count == 0 else min(max(self.highlight, 0), count - 1)

    def move_highlight(self, step: int) -> None:
        count = len(self.entries())
        if count:
            self.highlight = (self.highlight + step) % count

    def highlighted(self) -> Entry | None:
        entries = self.entries()
        if not entries:
            return None
        return entries[min(self.highlight, len(entries) - 1)]

    def highlighted_theme(self) -> Theme | None:
        entry = self.highlighted()
        theme_id = entry.theme if entry else self.theme_filter
        return self.codebook.get(theme_id) if theme_id else None

    def quote(self, span: Span | None = None) -> str:
        span = span or self.current
        return self.transcript.text[span.start : span.end] if span else ""

    # -- decisions: each one appended to the log at once -----------------------------------------
    def _floor(self, at_least: str | None = None) -> str | None:
        """The latest time in the log, so new events sort after everything already there."""
        times = [t for t in (self._latest, at_least) if t]
        return max(times) if times else None

    def _append(self, op: str, *, after: str | None = None, **fields: object) -> Event:
        event = self.study.store.append(self.coder, op, after=self._floor(after), **fields)
        self._record([event])
        return event

    def reload_log(self) -> None:
        """Re-read this coder's log after decisions made elsewhere (the split review queue)."""
        self.events = self.log.read()
        self._latest = max((e.time for e in self.events), default=None)
        self.state = fold(self.events, self.study.theme_map)
        self.codebook = self.study.codebook
        self._rebuild(stay=True)

    def _record(self, events: list[Event]) -> None:
        self.events.extend(events)
        self._latest = max([self._latest or "", *(e.time for e in events)]) or None
        self.state = fold(self.events, self.study.theme_map)

    def _require_current(self) -> Span:
        if self.current is None:
            raise PiriQualError(
                "no current excerpt",
                hint="Move to one with j/k, click a sentence, or press s to read the whole transcript.",
            )
        return self.current

    def _label(self, theme_id: str) -> str:
        theme = self.codebook.get(theme_id)
        return theme.label if theme else theme_id

    def accept(self) -> Outcome:
        """Code the current excerpt with the highlighted suggested theme (a ``confirm``)."""
        cur = self._require_current()
        entry = self.highlighted()
        if entry is None or entry.kind != "suggested" or entry.suggestion is None:
            if entry is not None and entry.kind == "coded":
                raise PiriQualError(f"{self._label(entry.theme)!r} is already coded here")
            raise PiriQualError("no suggestion to accept here", hint="Assign a theme with t.")
        s = entry.suggestion
        event = self._append(
            "confirm", transcript=self.transcript.id, start=cur.start, end=cur.end,
            quote=self.quote(cur), theme=s.theme, source=s.source, score=s.score, reason=s.reason,
        )
        self._rebuild(stay=False)
        self.last_decided = event
        return Outcome(event, f"accepted {self._label(s.theme)}")

    def reject(self) -> Outcome:
        """Reject the highlighted suggestion; like the engine, this hides the theme on overlapping spans."""
        self._require_current()
        entry = self.highlighted()
        if entry is None or entry.kind != "suggested" or entry.suggestion is None:
            raise PiriQualError(
                "no suggestion to reject here",
                hint="Delete a coding with d." if entry is not None else None,
            )
        s = entry.suggestion
        event = self._append(
            "reject", transcript=s.transcript, start=s.start, end=s.end, quote=s.quote,
            theme=s.theme, source=s.source, score=s.score, reason=s.reason,
        )
        self._rebuild(stay=False)
        self.last_decided = event
        return Outcome(event, f"rejected {self._label(s.theme)}")

    def assign(self, theme: str) -> Outcome:
        """Code the current excerpt with a theme chosen by the coder (an ``add``)."""
        cur = self._require_current()
        resolved = self.codebook.resolve(theme, source=self.study.codebook_path)
        if any(c.theme == resolved.id and (c.start, c.end) == (cur.start, cur.end) for c in self.codings):
            raise PiriQualError(f"{resolved.label!r} is already coded on this excerpt")
        event = self._append(
            "add", transcript=self.transcript.id, start=cur.start, end=cur.end,
            quote=self.quote(cur), theme=resolved.id, source="manual",
        )
        self._rebuild(stay=True)
        self.last_decided = event
        return Outcome(event, f"coded {resolved.label}")

    # -- creating themes while coding ------------------------------------------------------------
    def create_and_assign(self, name: str, *, why: str | None = None) -> Outcome:
        """Create a theme named ``name`` (the codebook history records it) and code the excerpt with it."""
        cur = self._require_current()
        label = " ".join(name.split())
        if not label:
            raise PiriQualError("a new theme needs a name")
        found = self.codebook.find(label)
        if found is not None:
            return self.assign(found.id)
        store = self.study.codebook_store
        theme_id = store.free_id(label)
        store.add(self.coder, theme_id, label=label,
                  why=why or f"created while coding {self.transcript.id} [{cur.start}, {cur.end})")
        self.codebook = self.study.codebook
        outcome = self.assign(theme_id)
        return Outcome(outcome.event, f"created and coded {label}")

    def in_vivo(self) -> Outcome:
        """Create a theme named by the excerpt's own words (an in-vivo code) and code the excerpt with it."""
        words = self.quote().strip().strip(".,;:!?\"'\u201c\u201d\u2018\u2019()[]- ").split()
        if not words:
            raise PiriQualError("no words selected for an in-vivo code")
        if len(words) > IN_VIVO_WORDS:
            raise PiriQualError(
                f"an in-vivo code is named by the selected words, and {len(words)} is too many for a name",
                hint=f"Narrow the excerpt to at most {IN_VIVO_WORDS} words (, narrows by a word, e switches the edge).",
            )
        name = " ".join(words)
        return self.create_and_assign(name, why=f"in vivo: \u201c{name}\u201d ({self.transcript.id})")

    def delete(self) -> Outcome:
        """Delete the highlighted coding, or the only coding on the excerpt."""
        self._require_current()
        entries = self.entries()
        entry = self.highlighted()
        coded = [e for e in entries if e.kind == "coded"]
        if entry is None or entry.kind != "coded":
            if len(coded) != 1:
                raise PiriQualError(
                    "no coding to delete here" if not coded else "several codings here",
                    hint=None if not coded else "Highlight the one to delete with up/down.",
                )
            entry = coded[0]
        c = entry.coding
        assert c is not None
        event = self._append(
            "delete", target=c.id, transcript=c.transcript, start=c.start, end=c.end,
            quote=c.quote, theme=c.theme,
        )
        self._rebuild(stay=True)
        self.last_decided = None
        return Outcome(event, f"deleted {self._label(c.theme)}")

    def undo(self) -> Outcome:
        target = last_undoable(self.events)
        if target is None:
            raise PiriQualError("nothing to undo")
        event = self._append("undo", target=target.id, after=target.time)
        self._show_event(target)
        return Outcome(event, f"undid {target.op}" + (f" {self._label(target.theme)}" if target.theme else ""))

    def redo(self) -> Outcome:
        undo_event = last_redoable(self.events)
        if undo_event is None:
            raise PiriQualError("nothing to redo")
        event = self._append("undo", target=undo_event.id, after=undo_event.time)
        original = next((e for e in self.events if e.id == undo_event.target), None)
        if original is not None:
            self._show_event(original)
        op = original.op if original else "decision"
        return Outcome(event, f"redid {op}")

    def _show_event(self, event: Event) -> None:
        """After undo/redo, bring the excerpt the decision was about back into view."""
        self.last_decided = None
        self._refresh_derived()
        self.units = self._units()
        if event.transcript == self.transcript.id and event.start is not None and event.end is not None:
            span = Span(event.start, event.end)
            self.anchor = span
            self.current = span
            self.highlight = 0
        self._clamp_highlight()

    # -- memos ---------------------------------------------------------------------------------
    def memo_scopes(self) -> list[tuple[str, str]]:
        """The memo targets available here, as (scope, description), the likeliest first.

        Right after a decision the first is the excerpt just decided (``decided``): accepting a
        suggestion moves on to the next excerpt, but the thought the coder wants to note is
        about the one they just coded.
        """
        out: list[tuple[str, str]] = []
        decided = self.last_decided
        if decided is not None and decided.transcript == self.transcript.id:
            verb = {"confirm": "accepted", "add": "coded", "reject": "rejected"}.get(decided.op, decided.op)
            words = " ".join((decided.quote or "").split())
            shown = words if len(words) <= 40 else words[:39] + "\u2026"
            out.append(("decided", f"just {verb} {self._label(decided.theme or '')}: \u201c{shown}\u201d"))
        if self.current is not None:
            out.append(("excerpt", "this excerpt"))
        theme = self.highlighted_theme()
        if theme is not None:
            out.append(("theme", f"theme: {theme.label}"))
            out.append(("cell", f"{self.transcript.participant} x {theme.label}"))
        out.append(("transcript", f"transcript {self.transcript.id}"))
        out.append(("participant", f"participant {self.transcript.participant}"))
        out.append(("study", "the study"))
        return out

    def _memo_fields(self, scope: str) -> MemoFields:
        tid = self.transcript.id
        if scope == "decided":
            decided = self.last_decided
            if decided is None or decided.start is None or decided.end is None:
                raise PiriQualError("no decision to write a memo on", hint="Write it on this excerpt instead.")
            fields: MemoFields = {"scope": "excerpt", "transcript": decided.transcript or tid,
                                  "start": decided.start, "end": decided.end, "quote": decided.quote or ""}
            # a coding's memo follows the coding (its id); a rejection's stays on the span
            fields["target"] = decided.id if decided.op in ("add", "confirm") else None
            return fields
        if scope == "excerpt":
            cur = self._require_current()
            entry = self.highlighted()
            target = entry.coding.id if entry is not None and entry.coding is not None else None
            return {"scope": scope, "transcript": tid, "start": cur.start, "end": cur.end,
                    "quote": self.quote(cur), "target": target}
        if scope in ("theme", "cell"):
            theme = self.highlighted_theme()
            if theme is None:
                raise PiriQualError("no theme highlighted for a theme memo")
            fields = {"scope": scope, "theme": theme.id}
            if scope == "cell":
                fields["participant"] = self.transcript.participant
            return fields
        if scope == "transcript":
            return {"scope": scope, "transcript": tid, "participant": self.transcript.participant}
        if scope == "participant":
            return {"scope": scope, "participant": self.transcript.participant}
        if scope == "study":
            return {"scope": scope}
        raise PiriQualError(f"unknown memo scope {scope!r}")

    def memo_text(self, scope: str) -> str:
        """The memo already written for a scope here (empty when none)."""
        fields = self._memo_fields(scope)

        fields.pop("quote", None)  # a probe for memo_key, which does not read the quote
        probe = Event(id="", time="", coder=self.coder, op="memo", **fields)
        memo = self.state.memos.get((fields["scope"], memo_key(probe)))
        return memo.text if memo else ""

    def write_memo(self, scope: str, text: str) -> Outcome:
        fields = self._memo_fields(scope)
        event = self._append("memo", text=text.strip() or None, **fields)
        kind = fields["scope"] if scope != "decided" else "the excerpt just decided"
        return Outcome(event, f"memo saved ({kind})" if text.strip() else f"memo cleared ({kind})")

    # -- where the coder is, across the study --------------------------------------------------
    def stopped_at(self, transcript_id: str) -> int | None:
        """Where this coder's latest decision on a transcript starts (None: nothing decided there)."""
        latest: Event | None = None
        for event in self.events:
            if event.transcript == transcript_id and event.start is not None and event.op in DECISIONS:
                if latest is None or event.sort_key > latest.sort_key:
                    latest = event
        return latest.start if latest is not None else None

    def pending_total(self) -> int:
        """Suggestions on this transcript not yet decided, whatever the theme filter."""
        return sum(1 for s in self.suggestions if not self._decided(s))

    # -- the retrieval view: one theme across the study ------------------------------------------
    def reconciled(self) -> bool:
        """Whether the study has been reconciled (a log holds decisions made in reconciliation), so
        coding is no longer blind and every coder's excerpts may be read side by side."""
        for coder in self.study.coders():
            if self.study.log(coder).path.exists():
                fold = self.study.fold(coder)
                if any(c.source == "reconcile" for c in fold.codings.values()) or any(
                        r.source == "reconcile" for r in fold.rejections):
                    return True
        return False

    def theme_excerpts(self, theme_id: str, *, all_coders: bool = False) -> list[ThemeExcerpt]:
        """Every current coding of a theme (with the codes under it) across the study: this coder's,
        or every coder's once the study is reconciled. By participant (participants.csv order),
        then transcript and position."""
        if all_coders and not self.reconciled():
            raise PiriQualError("other coders' codings stay hidden until the study is reconciled (blind coding)",
                                hint="Reconcile with `piri-qual code --reconcile A,B --into consensus`.")
        wanted = {theme_id} | {t.id for t in self.codebook.all_themes if self._under(t.id, theme_id)}
        folds = [self.study.fold(c) for c in self.study.coders() if self.study.log(c).path.exists()] \
            if all_coders else [self.state]
        order = {pid: i for i, pid in enumerate(self.study.participant_table())}
        known = set(self.study.transcript_ids())
        out: list[ThemeExcerpt] = []
        for state in folds:
            for c in state.codings.values():
                if c.theme in wanted and c.transcript in known:
                    t = self.study.transcript(c.transcript)
                    turn = t.turn_at(c.start)
                    out.append(ThemeExcerpt(c, t.participant, t.group or "", (turn + 1) if turn is not None else 0))
        out.sort(key=lambda x: (order.get(x.participant, len(order)), x.participant, x.coding.transcript,
                                x.coding.start, x.coding.end, x.coding.coder))
        return out

    def _under(self, theme_id: str, ancestor: str) -> bool:
        seen: set[str] = set()
        theme = self.codebook.lookup(theme_id)
        while theme is not None and theme.parent and theme.parent not in seen:
            if theme.parent == ancestor:
                return True
            seen.add(theme.parent)
            theme = self.codebook.lookup(theme.parent)
        return False


#: Ops that place the coder somewhere in a transcript (an undo or a memo does not).
DECISIONS = ("add", "confirm", "reject", "adjust", "delete")


@dataclass(frozen=True)
class ThemeExcerpt:
    """One coding in the retrieval view, with who said it and in which turn."""

    coding: Coding
    participant: str
    group: str
    turn: int  # from 1; 0 between turns


def where_stopped(events: Iterable[Event], known: Iterable[str]) -> str | None:
    """The transcript of the coder's latest decision (among ``known``), for where to open."""
    ids = set(known)
    latest: Event | None = None
    for event in events:
        if event.op in DECISIONS and event.transcript in ids and (latest is None or event.sort_key > latest.sort_key):
            latest = event
    return latest.transcript if latest is not None else None


def where_stopped_in_log(path: Path, known: Iterable[str]) -> str | None:
    """:func:`where_stopped` for the log at ``path``, read from its tail (the app opens on it before
    anything else is shown, and a long log parsed whole delayed the first screen by a second)."""
    from piri_qual.core.log_tail import LogTail

    ids = set(known)
    for event in LogTail(path).events():  # latest (time, id) first
        if event.op in DECISIONS and event.transcript in ids:
            return event.transcript
    return None
