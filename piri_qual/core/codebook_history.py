"""The codebook's history: an append-only log of how the codebook came to be, and its replay.

Thematic analysis changes its codebook as it goes: codes are created while reading, renamed,
merged, split, moved under candidate themes and retired. Each such change is one JSON line in
``codebooks/<name>.history.jsonl`` (beside the codebook YAML), written by
:class:`piri_qual.core.codebook_store.CodebookStore` with the coder, the time and the reason.
Like the coder logs it is append-only and merged by git's union driver, so replaying it orders
changes by (time, id) and ignores repeated ids.

The replay gives three things:

* the **theme map**: every id the codebook ever had -> the id its codings belong to now. It is
  time-independent (a coding made under an old id on another branch, after the rename, still
  follows it), which is why a renamed, merged or retired id is never reused for a new theme;
* the codebook **as it was** after any change (``show --at``, ``diff``, the definition a
  coding was made under);
* **conflicts**: one theme renamed or merged to two different ids on two branches, found when
  a change's source had already gone elsewhere by the time the merged history replays it.

The YAML stays the readable codebook. Edits made to it by hand are recorded as changes (with
``source: "hand"``) by the next command that changes the codebook, so the history stays whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from piri_qual.core.appendlog import parse_records

#: What a history line may record. ``snapshot`` is the codebook as it stood when its history
#: began; ``remove`` is a theme deleted from the YAML by hand (it maps nowhere).
CHANGE_OPS = ("snapshot", "add", "rename", "merge", "split", "move", "retire", "edit", "remove")
#: Theme fields a change may set (the YAML's theme keys).
THEME_FIELDS = (
    "label", "construct", "parent", "section", "definition", "include", "exclude", "keywords",
    "patterns", "exclude_terms", "examples", "retired",
)
Record = dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One line of the codebook history. Fields that do not apply to an op are empty."""

    id: str
    time: str
    coder: str
    op: str
    theme: str | None = None  # the theme acted on (a rename's or split's source)
    to: str | None = None  # rename: the new id; merge: the theme merged into
    themes: tuple[str, ...] = ()  # merge: the sources; split: the new themes
    fields: Record | None = None  # edit, move, rename --label: the new values
    before: Record | None = None  # ... and the values they replaced
    records: dict[str, Record] | None = None  # themes this change created, in full
    removed: dict[str, Record] | None = None  # themes this change took out of the YAML, in full
    why: str | None = None
    source: str | None = None  # "hand": noticed in the YAML, not made by a command

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, (), [])}
        if self.themes:
            data["themes"] = list(self.themes)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.time, self.id)

    @property
    def ids(self) -> list[str]:
        """Every theme id this change names."""
        out = [i for i in (self.theme, self.to) if i]
        out += list(self.themes)
        out += list(self.records or ())
        out += list(self.removed or ())
        return list(dict.fromkeys(out))

    def describe(self) -> str:
        """One line for ``codebook history``: what happened, in words."""
        new = ", ".join(self.themes)
        text = {
            "snapshot": f"history begins with {len(self.records or {})} themes",
            "add": f"created {self.theme}",
            "rename": f"renamed {self.theme} -> {self.to}",
            "merge": f"merged {new} into {self.to}",
            "split": f"split {self.theme} into {new}",
            "move": f"moved {self.theme} {_placement(self.fields or {})}",
            "retire": f"retired {self.theme}",
            "edit": f"edited {self.theme}: {', '.join(sorted(self.fields or {}))}",
            "remove": f"removed {self.theme} from the YAML",
        }.get(self.op, self.op)
        if self.op == "rename" and self.fields and "label" in self.fields:
            text += f" (label {self.fields['label']!r})"
        if self.source == "hand":
            text += " (edited by hand in the YAML)"
        elif self.source == "import":
            text += " (by an import)"
        return text


def _placement(fields: Record) -> str:
    if fields.get("parent"):
        return f"under {fields['parent']}"
    if fields.get("construct"):
        return f"to construct {fields['construct']}"
    return "to the top level"


@dataclass(frozen=True)
class Conflict:
    """One theme sent to two different places by changes made on different branches."""

    theme: str
    first: Change
    second: Change
    candidates: tuple[str, str]  # where the first and the second change sent it

    def message(self, current: Callable[[str], str]) -> str:
        a, b = self.candidates
        where_a, where_b = current(a), current(b)
        return (
            f"theme {self.theme!r} was {_verb(self.first)} {a!r} by {self.first.coder} on {self.first.time[:10]} "
            f"and {_verb(self.second)} {b!r} by {self.second.coder} on {self.second.time[:10]} "
            f"(on different branches); its codings now go to {where_a!r} and the later ones' branch used "
            f"{where_b!r}. Keep one: `piri-qual codebook merge {where_b} --into {where_a}` "
            f"or `piri-qual codebook merge {where_a} --into {where_b}`"
        )


def _verb(change: Change) -> str:
    return "renamed to" if change.op == "rename" else "merged into"


@dataclass
class Replay:
    """The codebook after some prefix of its history."""

    themes: dict[str, Record] = field(default_factory=dict)  # id -> record, in codebook order
    parent: dict[str, str] = field(default_factory=dict)  # id -> the id it went to (union-find)
    fate: dict[str, Change] = field(default_factory=dict)  # id -> the change that renamed/merged/retired/split it
    split: dict[str, tuple[str, ...]] = field(default_factory=dict)  # split source -> its new themes
    conflicts: list[Conflict] = field(default_factory=list)
    origin: dict[str, Change] = field(default_factory=dict)  # id -> the change that created it

    def current(self, theme: str) -> str:
        """Where codings of ``theme`` go now (itself when it never went anywhere)."""
        seen = []
        here = theme
        while self.parent.get(here, here) != here and here not in seen:
            seen.append(here)
            here = self.parent[here]
        for item in seen:  # path compression
            self.parent[item] = here
        return here

    def theme_map(self) -> dict[str, str]:
        """Every id whose codings belong to another id now -> that id."""
        out = {}
        for theme in list(self.parent):
            target = self.current(theme)
            if target != theme:
                out[theme] = target
        return out

    def open_conflicts(self) -> list[Conflict]:
        """Conflicts whose two candidates have not since been merged into one."""
        return [c for c in self.conflicts if self.current(c.candidates[0]) != self.current(c.candidates[1])]


class CodebookHistory:
    """The changes of one codebook, replayed on demand."""

    def __init__(self, changes: Iterable[Change], path: Path | None = None) -> None:
        unique: dict[str, Change] = {}
        for change in changes:
            unique.setdefault(change.id, change)
        self.changes: list[Change] = sorted(unique.values(), key=lambda c: c.sort_key)
        self.path = path
        self._final: Replay | None = None

    def __len__(self) -> int:
        return len(self.changes)

    @classmethod
    def load(cls, path: Path) -> CodebookHistory:
        if not path.exists():
            return cls([], path)
        return cls(parse_history_bytes(path.read_bytes(), path), path)

    # -- the replay ----------------------------------------------------------------------------
    def replay(self, upto: int | None = None) -> Replay:
        """The codebook after the first ``upto`` changes (all of them by default)."""
        if upto is None and self._final is not None:
            return self._final
        state = Replay()
        for change in self.changes[: upto if upto is not None else len(self.changes)]:
            _apply(state, change)
        if upto is None:
            self._final = state
        return state

    @property
    def final(self) -> Replay:
        return self.replay()

    def theme_map(self) -> dict[str, str]:
        return self.final.theme_map()

    def fate(self, theme: str) -> Change | None:
        """The change that renamed, merged, split, retired or removed ``theme`` (if any)."""
        return self.final.fate.get(theme)

    def known(self, theme: str) -> bool:
        return any(theme in c.ids for c in self.changes)

    def upto_time(self, when: str) -> int:
        """How many changes were made at or before ``when`` (an ISO time, compared as text)."""
        return sum(1 for c in self.changes if c.time <= when)

    def about(self, theme: str) -> list[Change]:
        """Every change that touched ``theme`` or an id that became it (or that it became)."""
        final = self.final
        family = {theme, final.current(theme)}
        family |= {i for i in final.parent if final.current(i) in family}
        for source, targets in final.split.items():
            if source in family or family & set(targets):
                family.add(source)
        return [c for c in self.changes if family & set(c.ids)]

    def record_at(self, theme: str, when: str) -> Record | None:
        """The theme ``theme`` as it stood at ``when`` (the definition a coding was made under)."""
        state = self.replay(self.upto_time(when))
        if theme in state.themes:
            return state.themes[theme]
        found = state.themes.get(state.current(theme))
        if found is None:  # made before the history began: the codebook as the history first saw it
            first = next((c for c in self.changes if theme in (c.records or {})), None)
            found = dict(first.records[theme], id=theme) if first is not None and first.records else None
        return found


def _apply(state: Replay, change: Change) -> None:
    """Replay one change onto ``state`` (see the module docstring for the rules)."""
    themes = state.themes
    op = change.op
    if op == "snapshot":
        for tid, record in (change.records or {}).items():
            if tid not in themes and state.current(tid) == tid:
                themes[tid] = dict(record, id=tid)
                state.origin.setdefault(tid, change)
        return
    if op == "add":
        for tid, record in (change.records or {}).items():
            themes[tid] = dict(record, id=tid)
            state.parent.setdefault(tid, tid)
            state.origin[tid] = change
        return
    if op == "rename" and change.theme and change.to:
        source, target = change.theme, change.to
        went = state.current(source)
        if went != source:
            state.conflicts.append(Conflict(source, state.fate[source], change, (went, target)))
            kept = themes.get(went)
            if target not in themes and kept is not None:
                themes[target] = dict(kept, id=target, **(change.fields or {}))
            state.parent[target] = target
            state.origin.setdefault(target, change)
            return
        state.parent[target] = target
        state.parent[source] = target
        state.fate[source] = change
        state.origin[target] = change
        if source in themes:
            record = dict(themes[source], id=target, **(change.fields or {}))
            state.themes = _replace_key(themes, source, target, record)
        else:  # renamed by hand in the YAML first: the rename only maps the codings
            themes[target] = dict(themes.get(target) or {}, id=target, **(change.fields or {}))
        _repoint_parents(state.themes, {source}, target)
        return
    if op == "merge" and change.to:
        target = change.to
        for tid, record in (change.records or {}).items():
            themes[tid] = dict(record, id=tid)
            state.origin[tid] = change
        state.parent[target] = target
        if change.fields and target in themes:
            themes[target].update(change.fields)
        gone = set()
        for source in change.themes:
            if source == target:
                continue
            went = state.current(source)
            if went != source:
                state.conflicts.append(Conflict(source, state.fate[source], change, (went, target)))
                continue
            state.parent[source] = target
            state.fate[source] = change
            themes.pop(source, None)
            gone.add(source)
        _repoint_parents(themes, gone, target)
        return
    if op == "split" and change.theme:
        source = state.current(change.theme)
        for tid, record in (change.records or {}).items():
            themes[tid] = dict(record, id=tid)
            state.parent.setdefault(tid, tid)
            state.origin[tid] = change
        if source in themes:
            themes[source] = dict(themes[source], retired=True)
        state.split[source] = change.themes
        state.fate[source] = change
        return
    if op in ("move", "edit") and change.theme:
        target = state.current(change.theme)
        if target in themes:
            record = dict(themes[target])
            for key, value in (change.fields or {}).items():
                if value is None or value == [] or value is False:
                    record.pop(key, None)
                else:
                    record[key] = value
            themes[target] = record
        return
    if op == "retire" and change.theme:
        target = state.current(change.theme)
        if target in themes:
            themes[target] = dict(themes[target], retired=True)
        state.fate[target] = change
        return
    if op == "remove" and change.theme:
        themes.pop(change.theme, None)
        state.fate[change.theme] = change


def _replace_key(themes: dict[str, Record], old: str, new: str, record: Record) -> dict[str, Record]:
    """``themes`` with ``old`` replaced by ``new`` in the same place."""
    return {(new if k == old else k): (record if k == old else v) for k, v in themes.items() if k != new or old == new}


def _repoint_parents(themes: dict[str, Record], old: set[str], new: str) -> None:
    for tid, record in themes.items():
        if record.get("parent") in old:
            themes[tid] = dict(record, parent=new) if tid != new else {k: v for k, v in record.items() if k != "parent"}


# -- reading -------------------------------------------------------------------------------------
CHANGE_FIELDS = set(Change.__dataclass_fields__)


def parse_history_bytes(data: bytes, path: Path) -> Iterator[Change]:
    """Parse a history, skipping (with a warning naming file:line) lines that are not changes."""
    return parse_records(data, path, _change, "codebook history", "change")


def _change(obj: dict[str, Any]) -> Change:
    if obj.get("op") not in CHANGE_OPS or not isinstance(obj.get("id"), str):
        raise ValueError("not a codebook change")
    values = {k: v for k, v in obj.items() if k in CHANGE_FIELDS}
    for name in ("time", "coder", "op", "theme", "to", "why", "source"):
        if values.get(name) is not None and not isinstance(values[name], str):
            raise TypeError(f"field {name!r} is not text")
    themes = values.get("themes", [])
    if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
        raise TypeError("field 'themes' is not a list of ids")
    values["themes"] = tuple(themes)
    for name in ("fields", "before", "records", "removed"):
        if values.get(name) is not None and not isinstance(values[name], dict):
            raise TypeError(f"field {name!r} is not a mapping")
    for name in ("records", "removed"):
        for record in (values.get(name) or {}).values():
            if not isinstance(record, dict):
                raise TypeError(f"a theme in {name!r} is not a mapping")
    if not isinstance(values.get("time"), str) or not isinstance(values.get("coder"), str):
        raise TypeError("a change needs its time and coder")
    return Change(**values)
