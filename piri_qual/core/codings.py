"""The coder log: one append-only JSON-lines file per coder, and the fold that reads it.

Every decision a coder makes (add, confirm or reject a suggestion, adjust, delete, undo, memo) is
one line in ``codings/<coder>.jsonl``, appended under a file lock and fsynced before the call
returns, so a killed terminal loses nothing that was acknowledged. The current codings are the
*fold* of the log. The fold orders events by (time, id) and ignores repeated ids, so logs merged by
git's union driver (which can reorder and duplicate lines) fold to the same result.
A torn last line from a crash is reported and skipped; earlier lines are never rewritten.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from piri_qual.core.appendlog import parse_records
from piri_qual.errors import PiriQualError

OPS = ("add", "confirm", "reject", "adjust", "delete", "undo", "memo")
CODER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
MEMO_SCOPES = ("excerpt", "theme", "cell", "transcript", "participant", "study")


@dataclass(frozen=True)
class Event:
    """One line of a coder log. Fields that do not apply to an op are None."""

    id: str
    time: str
    coder: str
    op: str
    transcript: str | None = None
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    theme: str | None = None
    target: str | None = None
    source: str | None = None
    score: float | None = None
    reason: str | None = None
    text: str | None = None
    scope: str | None = None
    participant: str | None = None

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v is not None}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.time, self.id)


@dataclass(frozen=True)
class Coding:
    """A coding as it stands after the fold: a theme on a span of one transcript."""

    id: str
    coder: str
    transcript: str
    start: int
    end: int
    quote: str
    theme: str
    source: str | None = None
    score: float | None = None
    reason: str | None = None
    time: str = ""
    coded_as: str | None = None  # the theme id logged, when the codebook history has since renamed or merged it


@dataclass
class Memo:
    scope: str
    key: tuple[str, ...]
    text: str
    coder: str
    time: str


@dataclass
class FoldResult:
    """Everything a coder log currently says."""

    codings: dict[str, Coding] = field(default_factory=dict)
    rejections: list[Event] = field(default_factory=list)
    memos: dict[tuple[str, tuple[str, ...]], Memo] = field(default_factory=dict)
    effective: list[Event] = field(default_factory=list)


def validate_coder_name(name: str) -> str:
    if not CODER_NAME.match(name or ""):
        raise PiriQualError(
            f"invalid coder name {name!r}",
            hint="Use letters, digits, '_', '.' or '-' (it becomes the file codings/<name>.jsonl).",
        )
    return name


class Clock:
    """Hands out strictly increasing UTC timestamps, so one process's events never tie."""

    def __init__(self) -> None:
        self.last: datetime | None = None

    def now(self, floor: str | None = None) -> str:
        current = datetime.now(UTC)
        if floor:
            try:
                floor_time = datetime.fromisoformat(floor)
                if current <= floor_time:
                    current = floor_time + timedelta(microseconds=1)
            except ValueError:
                pass
        if self.last is not None and current <= self.last:
            current = self.last + timedelta(microseconds=1)
        self.last = current
        return current.isoformat(timespec="microseconds")


class CoderLog:
    """One coder's append-only decision log, for reading.

    Writing goes through :class:`piri_qual.core.store.CodingStore`, the one validated write path.
    """

    def __init__(self, path: Path, coder: str) -> None:
        self.path = path
        self.coder = validate_coder_name(coder)

    # -- reading -----------------------------------------------------------------------------
    def read(self) -> list[Event]:
        """All well-formed events in file order. Torn or foreign lines are warned about."""
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        with without_gc():
            return list(parse_log_bytes(data, self.path))

    def fold(self) -> FoldResult:
        return fold(self.read())


def parse_log_bytes(data: bytes, path: Path) -> Iterator[Event]:
    """Parse a log, skipping (with a warning naming file:line) lines that are not events."""
    return parse_records(data, path, _event, "log", "event")


#: The type each field of a log line must have (``None`` is always allowed): a line that is an
#: event in shape but not in types (an edited or foreign log) is refused, not folded into nonsense.
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(("id", "time", "coder", "op", "transcript", "quote", "theme", "target", "source", "reason",
                     "text", "scope", "participant"), (str,)),
    "start": (int,),
    "end": (int,),
    "score": (int, float),
}
_TYPE_NAMES = {(str,): "text", (int,): "a whole number", (int, float): "a number"}


def _event(obj: dict[str, Any]) -> Event:
    if obj.get("op") not in OPS or "id" not in obj:
        raise ValueError("not a coding event")
    fields = {}
    for key, value in obj.items():
        allowed = _FIELD_TYPES.get(key)
        if allowed is None:
            continue  # a field of a newer version: kept out of the event, not an error
        # type() rather than isinstance(): True is an int to isinstance, and this runs per line
        if value is not None and type(value) not in allowed:
            raise TypeError(f"field {key!r} is {type(value).__name__}, not {_TYPE_NAMES[allowed]}")
        fields[key] = value
    return Event(**fields)


def fold(events: Iterable[Event], theme_map: Mapping[str, str] | None = None) -> FoldResult:
    """:func:`replay` with the cyclic garbage collector paused (see :func:`without_gc`)."""
    with without_gc():
        return replay(events, theme_map)


@contextmanager
def without_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a log is parsed or folded.

    Reading a large log creates tens of thousands of events and codings, none of them in a
    reference cycle; each batch of new objects set off a collection that walked everything the
    process holds (the corpus, pandas, Textual), so reading and folding a 57,000-event log took
    nearly twice as long. Reference counting still frees everything; the collector is switched
    back on afterwards (unless the caller had it off).
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def replay(events: Iterable[Event], theme_map: Mapping[str, str] | None = None) -> FoldResult:
    """Replay events in (time, id) order into the current codings, rejections and memos.

    An ``undo`` cancels its target event; undoing an undo restores it (redo). Events are
    de-duplicated by id, so merged logs fold the same however their lines were ordered.

    ``theme_map`` (from the codebook history) sends every theme id that was renamed or merged to
    the id it has now. It is applied before de-duplication, so one span coded with two themes
    that were merged counts once; a coding keeps the id it was made under in ``coded_as``.
    """
    ordered, active = _resolve_undos(events)
    themes = theme_map or {}
    result = FoldResult()
    seen_keys: dict[tuple[str, int, int, str], str] = {}
    for event in ordered:
        if not active[event.id] or event.op == "undo":
            continue
        result.effective.append(event)
        if event.op in ("add", "confirm"):
            theme = event.theme or ""
            current = themes.get(theme, theme) if themes else theme
            key = (event.transcript or "", event.start or 0, event.end or 0, current)
            if key in seen_keys and seen_keys[key] in result.codings:
                continue
            seen_keys[key] = event.id
            result.codings[event.id] = Coding(
                id=event.id,
                coder=event.coder,
                transcript=event.transcript or "",
                start=event.start or 0,
                end=event.end or 0,
                quote=event.quote or "",
                theme=current,
                source=event.source,
                score=event.score,
                reason=event.reason,
                time=event.time,
                coded_as=theme if current != theme else None,
            )
        elif event.op == "adjust" and event.target in result.codings:
            old = result.codings[event.target]
            adjusted = themes.get(event.theme, event.theme) if event.theme and themes else event.theme
            result.codings[event.target] = replace(
                old,
                start=event.start if event.start is not None else old.start,
                end=event.end if event.end is not None else old.end,
                quote=event.quote if event.quote is not None else old.quote,
                theme=adjusted or old.theme,
                coded_as=(event.theme if adjusted != event.theme else None) if event.theme else old.coded_as,
            )
        elif event.op == "delete":
            result.codings.pop(event.target or "", None)
        elif event.op == "reject":
            if themes and event.theme and event.theme in themes:
                event = replace(event, theme=themes[event.theme])
            result.rejections.append(event)
        elif event.op == "memo":
            scope = event.scope or "excerpt"
            ref = memo_key(event)
            if event.text:
                result.memos[(scope, ref)] = Memo(scope, ref, event.text, event.coder, event.time)
            else:
                result.memos.pop((scope, ref), None)
    if themes and result.memos:
        result.memos = _map_memos(result.memos, themes)
    return result


def _map_memos(memos: dict[tuple[str, tuple[str, ...]], Memo], themes: Mapping[str, str]
               ) -> dict[tuple[str, tuple[str, ...]], Memo]:
    """Theme and cell memos moved to their themes' current ids; two merged themes' memos are joined."""
    out: dict[tuple[str, tuple[str, ...]], Memo] = {}
    for (scope, logged), memo in sorted(memos.items(), key=lambda item: item[1].time):
        ref = logged
        if scope == "theme":
            ref = (themes.get(ref[0], ref[0]),)
        elif scope == "cell":
            ref = (ref[0], themes.get(ref[1], ref[1]))
        earlier = out.get((scope, ref))
        if earlier is not None and logged == ref:
            pass  # written under the current id after the merge, having seen the joined memo: it wins
        elif earlier is not None:
            memo = Memo(scope, ref, f"{earlier.text}\n\n{memo.text}", memo.coder, max(earlier.time, memo.time))
        elif memo.key != ref:
            memo = Memo(scope, ref, memo.text, memo.coder, memo.time)
        out[(scope, ref)] = memo
    return out


def _resolve_undos(events: Iterable[Event]) -> tuple[list[Event], dict[str, bool]]:
    """Events de-duplicated by id and ordered by (time, id), and whether each is in force.

    An event is in force unless an undo that is itself in force targets it, so undoing an
    undo restores its target (redo). An undo always comes after its target, so one pass
    from the end settles every chain.
    """
    unique: dict[str, Event] = {}
    for event in events:
        unique.setdefault(event.id, event)
    ordered = sorted(unique.values(), key=lambda e: e.sort_key)
    undoers: dict[str, list[str]] = {}
    for event in ordered:
        if event.op == "undo" and event.target:
            undoers.setdefault(event.target, []).append(event.id)
    active: dict[str, bool] = {}
    for event in reversed(ordered):
        active[event.id] = not any(active.get(u, False) for u in undoers.get(event.id, ()))
    return ordered, active


def memo_key(event: Event) -> tuple[str, ...]:
    """What a memo is about: an excerpt, a theme, a participant x theme cell, ..."""
    scope = event.scope or "excerpt"
    if scope == "excerpt":
        return (event.target or f"{event.transcript}:{event.start}-{event.end}",)
    if scope == "theme":
        return (event.theme or "",)
    if scope == "cell":
        return (event.participant or "", event.theme or "")
    if scope == "transcript":
        return (event.transcript or "",)
    if scope == "participant":
        return (event.participant or "",)
    return ("study",)


def last_undoable(events: Iterable[Event]) -> Event | None:
    """The most recent effective decision (not an undo), which `undo` would cancel."""
    result = fold(events)
    for event in reversed(result.effective):
        if event.op != "undo":
            return event
    return None


def last_redoable(events: list[Event]) -> Event | None:
    """The most recent undo still in force whose target is not yet redone, for `redo`."""
    ordered, active = _resolve_undos(events)
    unique = {e.id: e for e in ordered}
    # The redo stack is the trailing run of effective undos that undid decisions.
    for event in reversed(ordered):
        if event.op == "undo" and active[event.id]:
            target = unique.get(event.target or "")
            if target is not None and target.op != "undo":
                return event
        elif active[event.id] and event.op != "undo":
            return None
    return None
