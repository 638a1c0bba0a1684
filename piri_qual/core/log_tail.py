"""The last decisions of a coder log, read from its tail: what ``undo`` and ``redo`` act on.

Why not the fold: ``codings undo`` needs the most recent decision still in force, and folding a
100,000-event log to find it parsed every line into an event (about 3 s; the ``codings add`` it
undoes takes a tenth of that). An undo only ever looks at a log's latest events.

Why not simply its last lines: the fold orders events by (time, id), not by their place in the
file, and the two differ after git's union driver merges two branches' logs (each branch's lines
end up in a block of their own) or when two processes append at the same moment (times are taken
before the lock). So the order is checked first, cheaply: one regular-expression pass over the
file's bytes collects every line's time. When every line has one and the times rise strictly line
by line (a log only the store has written; a line repeated by a merge repeats its time), the
file's order is the fold's and the lines are read backwards from the end, parsing only those
visited (each checked to hold the time its place promised).
Otherwise every line is indexed by its (time, id), lines laid out differently are parsed to find
theirs, and the same backward walk runs in the fold's order. Either way the answer is the fold's
(the tests compare them on merged, raced and damaged logs): an event is cancelled by an undo that
is itself in force, and an undo always comes after its target, so walking backwards settles each
event when it is reached. A line that is not an event is warned about and skipped, as the fold
does, when the walk reaches it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from piri_qual.core.appendlog import parse_line
from piri_qual.core.codings import Event, _event

_TIME = re.compile(rb'"time":"([^"\\]*)"')
#: The start of a line :meth:`Event.to_json` wrote: ``{"id":"...","time":"..."``.
_HEAD = re.compile(rb'\{"id":"([^"\\]*)","time":"([^"\\]*)"')


class _Misread(Exception):
    """A line's JSON names another time or id than its bytes seemed to (a hand-made line)."""


class LogTail:
    """One coder log, walked from its latest event (in the fold's order) back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = path.read_bytes() if path.exists() else b""
        self.lines = self.data.count(b"\n") + 1  # as data.split(b"\n") counts them
        self.torn = bool(self.data) and not self.data.endswith(b"\n")

    def _parse(self, raw: bytes, index: int) -> Event | None:
        return parse_line(raw, index + 1, self.path, _event, "log", "event", last=self.torn and index == self.lines - 1)

    # -- the walk ----------------------------------------------------------------------------
    def events(self) -> Iterator[Event]:
        """Every event of the log, latest (time, id) first, each parsed when it is reached."""
        times = _TIME.findall(self.data)
        # one time per line, no blank or torn line, strictly rising: the fold's order is the file's
        ordered = (not self.torn and len(times) == self.lines - 1
                   and all(a < b for a, b in zip(times, times[1:], strict=False)))
        if ordered:
            yield from self._backwards(times)
        else:
            yield from self._sorted()

    def _backwards(self, times: list[bytes]) -> Iterator[Event]:
        """The file's own order is the fold's: read lines from the end."""
        data = self.data
        end = len(data)
        index = self.lines - 1
        k = len(times)
        while True:
            start = data.rfind(b"\n", 0, end) + 1
            raw = data[start:end]
            if raw.strip():
                k -= 1
                event = self._parse(raw, index)
                if event is not None:
                    if event.time.encode("utf-8") != times[k]:
                        raise _Misread
                    yield event
            if start == 0:
                return
            end = start - 1
            index -= 1

    def _sorted(self) -> Iterator[Event]:
        """A merged or raced log: index every line by (time, id), then walk that order backwards."""
        entries: list[tuple[tuple[bytes, bytes], int, Event | None]] = []
        seen: set[bytes] = set()
        raws = self.data.split(b"\n")
        for index, raw in enumerate(raws):
            head = _HEAD.match(raw)
            event = None
            if head is not None:
                key = (head.group(2), head.group(1))
            else:  # laid out otherwise, or not an event: parse it to know its place
                event = self._parse(raw, index)
                if event is None:
                    continue
                key = (event.time.encode("utf-8"), event.id.encode("utf-8"))
            if key[1] in seen:
                continue  # a repeated id: the fold keeps its first line
            seen.add(key[1])
            entries.append((key, index, event))
        entries.sort(key=lambda entry: entry[0])
        for key, index, event in reversed(entries):
            if event is None:
                event = self._parse(raws[index], index)
                if event is None:
                    continue
                if (event.time.encode("utf-8"), event.id.encode("utf-8")) != key:
                    raise _Misread
            yield event

    def find(self, event_id: str) -> Event | None:
        """The event with this id (for a redo: what the undo undid), or None."""
        needle = b'{"id":"' + event_id.encode("utf-8") + b'"'
        at = self.data.find(needle)
        if at < 0:
            # laid out otherwise: look through every line (rare: hand-made or foreign lines)
            for index, raw in enumerate(self.data.split(b"\n")):
                if event_id.encode("utf-8") in raw:
                    event = self._parse(raw, index)
                    if event is not None and event.id == event_id:
                        return event
            return None
        start = self.data.rfind(b"\n", 0, at) + 1
        end = self.data.find(b"\n", at)
        event = self._parse(self.data[start:end if end >= 0 else len(self.data)], self.data.count(b"\n", 0, start))
        return event if event is not None and event.id == event_id else None

    # -- what undo and redo act on -----------------------------------------------------------
    def last_undoable(self) -> Event | None:
        """The most recent decision in force that is not an undo (what ``undo`` cancels)."""
        cancelled: set[str] = set()
        for event in self.events():
            active = event.id not in cancelled
            if event.op == "undo":
                if active and event.target:
                    cancelled.add(event.target)
            elif active:
                return event
        return None

    def last_redoable(self) -> Event | None:
        """The most recent undo in force whose target is a decision (what ``redo`` undoes), as
        long as no decision in force came after it."""
        cancelled: set[str] = set()
        for event in self.events():
            active = event.id not in cancelled
            if event.op == "undo":
                if active and event.target:
                    cancelled.add(event.target)
                    target = self.find(event.target)
                    if target is not None and target.op != "undo":
                        return event
            elif active:
                return None
        return None


def last_undoable(path: Path) -> Event | None:
    """:meth:`LogTail.last_undoable` of the log at ``path``: the fold's answer, read from the tail."""
    try:
        return LogTail(path).last_undoable()
    except _Misread:
        return _folded(path, redo=False)


def last_redoable(path: Path) -> Event | None:
    """:meth:`LogTail.last_redoable` of the log at ``path``."""
    try:
        return LogTail(path).last_redoable()
    except _Misread:
        return _folded(path, redo=True)


def _folded(path: Path, *, redo: bool) -> Event | None:
    """The fold's own answer, for a log whose lines are not what their bytes suggest."""
    from piri_qual.core import codings

    events = list(codings.parse_log_bytes(path.read_bytes(), path)) if path.exists() else []
    return codings.last_redoable(events) if redo else codings.last_undoable(events)
