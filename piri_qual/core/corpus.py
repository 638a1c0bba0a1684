"""Imported transcripts: the normalised text that every coding points into.

A :class:`Transcript` is what ``corpus/<id>.json`` holds. Its ``text`` is the readable transcript
(turns separated by a blank line, each turn written ``Speaker: words``), and each :class:`Turn`
records where its words (without the label) sit in that text as Unicode code-point offsets
``[start, end)``. Codings use the same offsets, so the text is the contract between import,
coding, agreement and export.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from piri_qual.core.atomic import atomic_write_text
from piri_qual.errors import PiriQualError

ROLES = ("interviewer", "participant", "other")
CORPUS_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Turn:
    """One speaker's uninterrupted contribution.

    ``start``/``end`` bound the spoken words in :attr:`Transcript.text` (label excluded);
    ``time``/``end_time`` are seconds from the start of the recording when the source had them.
    """

    speaker: str | None
    role: str
    start: int
    end: int
    time: float | None = None
    end_time: float | None = None


_TURN_FIELDS = frozenset(Turn.__dataclass_fields__)
_TURN_REQUIRED = frozenset(("speaker", "role", "start", "end"))
_TURN_DEFAULTS = {"time": None, "end_time": None}


def _turn(data: dict[str, Any]) -> Turn:
    """A Turn from its JSON object, built without the frozen dataclass's per-field ``__init__``
    (a study of a million words has tens of thousands of turns, and that init was half the cost
    of opening its transcripts). The same keys are required and refused as by ``Turn(**data)``."""
    keys = data.keys()
    if not (_TURN_REQUIRED <= keys <= _TURN_FIELDS):
        return Turn(**data)  # the constructor's own error (missing or unknown field)
    turn = object.__new__(Turn)
    turn.__dict__.update(_TURN_DEFAULTS)
    turn.__dict__.update(data)
    return turn


@dataclass
class Transcript:
    """One imported source, as stored in ``corpus/<id>.json``."""

    id: str
    participant: str
    group: str | None
    text: str
    turns: list[Turn]
    source: str
    source_sha256: str
    format: str
    imported_at: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def words(self) -> int:
        return sum(len(self.text[t.start : t.end].split()) for t in self.turns)

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.speaker:
                seen.setdefault(turn.speaker, None)
        return list(seen)

    def turn_at(self, offset: int) -> int | None:
        """Index of the turn containing ``offset`` (binary search), or None between turns."""
        lo, hi = 0, len(self.turns) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            turn = self.turns[mid]
            if offset < turn.start:
                hi = mid - 1
            elif offset >= turn.end:
                lo = mid + 1
            else:
                return mid
        return None

    def to_json(self) -> str:
        data = asdict(self)
        data["format_version"] = CORPUS_FORMAT_VERSION
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: Path | None = None) -> Transcript:
        try:
            turns = [_turn(t) for t in data["turns"]]
            return cls(
                id=data["id"],
                participant=data["participant"],
                group=data.get("group"),
                text=data["text"],
                turns=turns,
                source=data.get("source", ""),
                source_sha256=data.get("source_sha256", ""),
                format=data.get("format", ""),
                imported_at=data.get("imported_at", ""),
                metadata=data.get("metadata", {}),
            )
        except (KeyError, TypeError) as exc:
            raise PiriQualError(
                f"not a piri-qual transcript ({exc})",
                path=path,
                hint="Re-import the source with `piri-qual import` to rebuild it.",
            ) from exc

    def save(self, path: Path) -> None:
        atomic_write_text(path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> Transcript:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PiriQualError(
                f"corrupt transcript JSON at line {exc.lineno} ({exc.msg})",
                path=path,
                hint="Re-import its source with `piri-qual import --force`.",
            ) from exc
        return cls.from_dict(data, path)


@dataclass(frozen=True)
class RawTurn:
    """A turn as a reader found it, before the text is assembled: label, paragraphs, time."""

    speaker: str | None
    paragraphs: tuple[str, ...]
    time: float | None = None
    end_time: float | None = None


def assemble_text(turns: list[RawTurn], roles: list[str]) -> tuple[str, list[Turn]]:
    """Lay out reader turns as transcript text and compute each turn's offsets.

    Turns are separated by a blank line; a labelled turn reads ``Label: words``; the paragraphs
    of one turn are joined by a newline. ``roles`` gives each turn's role, in order.
    """
    if len(roles) != len(turns):
        raise ValueError("one role per turn")
    pieces: list[str] = []
    out: list[Turn] = []
    pos = 0
    for raw, role in zip(turns, roles, strict=True):
        body = "\n".join(p for p in raw.paragraphs)
        if not body.strip():
            continue
        if pieces:
            pieces.append("\n\n")
            pos += 2
        prefix = f"{raw.speaker}: " if raw.speaker else ""
        pieces.append(prefix + body)
        start = pos + len(prefix)
        pos = start + len(body)
        out.append(Turn(raw.speaker, role, start, pos, raw.time, raw.end_time))
    return "".join(pieces), out
