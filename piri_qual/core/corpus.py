"""Imported transcripts: the normalised text that every coding points into.

A :class:`Transcript` is what ``corpus/<id>.json`` holds. Its ``text`` is the readable transcript
(turns separated by a blank line, each turn written ``Speaker: words``), and each :class:`Turn`
records where its words (without the label) sit in that text as Unicode code-point offsets
``[start, end)``. Codings use the same offsets, so the text is the contract between import,
coding, agreement and export.

Format 2 adds what the import learnt beyond the turns: ``nonspeech`` (stage directions such as
"(laughs)" or "[inaudible 00:12:04]", kept in the text but never a unit of analysis), each turn's
``section`` (the study-script prompt it falls under), and ``turn_settings`` (the settings that
produced the turns, so a later change of ``roles:`` re-derives them). Format 1 files load as they
are: no stage directions marked, no sections, settings unknown.
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from piri_qual.core.atomic import atomic_write_text
from piri_qual.errors import PiriQualError

ROLES = ("interviewer", "participant", "other")
CORPUS_FORMAT_VERSION = 2
#: Versions this code reads (1: before stage directions, sections and turn settings were kept).
READABLE_VERSIONS = (1, 2)


@dataclass(frozen=True)
class Turn:
    """One speaker's uninterrupted contribution.

    ``start``/``end`` bound the spoken words in :attr:`Transcript.text` (label excluded);
    ``time``/``end_time`` are seconds from the start of the recording when the source had them;
    ``section`` is the study-script prompt or heading the turn falls under ("Task 2. Find the
    opening hours"), when the transcript has them.
    """

    speaker: str | None
    role: str
    start: int
    end: int
    time: float | None = None
    end_time: float | None = None
    section: str | None = None


_TURN_FIELDS = frozenset(Turn.__dataclass_fields__)
_TURN_REQUIRED = frozenset(("speaker", "role", "start", "end"))
_TURN_DEFAULTS = {name: f.default for name, f in Turn.__dataclass_fields__.items() if name not in _TURN_REQUIRED}


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
    #: ``[start, end)`` spans of stage directions and transcriber notes, sorted, not overlapping.
    nonspeech: list[tuple[int, int]] = field(default_factory=list)
    #: The settings that produced the turns (``roles`` for the labels found, ``speakers``); empty
    #: for a format-1 file.
    turn_settings: dict[str, Any] = field(default_factory=dict)

    @property
    def words(self) -> int:
        return sum(self.turn_words())

    def turn_words(self) -> list[int]:
        """Each turn's words, stage directions included (what :attr:`words` adds up)."""
        return span_words(self.text, [(t.start, t.end) for t in self.turns])

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

    def is_nonspeech(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` holds no speech: every letter or digit in it lies in a stage
        direction (so a sentence that is only "(laughs)" is not a unit, but "Fine (laughs)." is)."""
        if not self.nonspeech:
            return False
        text = self.text
        return not any(any(ch.isalnum() for ch in text[a:b]) for a, b in self.speech_chars(start, end))

    def speech_chars(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of ``[start, end)`` outside stage directions, in order."""
        spans = self.nonspeech
        if not spans:
            return [(start, end)] if end > start else []
        out: list[tuple[int, int]] = []
        pos = start
        # the first span that could reach past ``start``
        for a, b in spans[max(0, bisect.bisect_right(spans, (start, start)) - 1):]:
            if b <= pos:
                continue
            if a >= end:
                break
            if a > pos:
                out.append((pos, a))
            pos = max(pos, b)
        if pos < end:
            out.append((pos, end))
        return out

    def to_json(self) -> str:
        """The corpus file's text: ``json.dumps(..., indent=1)`` of the transcript's fields, byte
        for byte, with the turns written by :func:`_turns_json` (json's indenting encoder is pure
        Python, and walking a long interview's turns through it and ``asdict`` was half the cost
        of importing it)."""
        data = {name: getattr(self, name) for name in _FIELDS}
        data["text"] = _TEXT_PLACEHOLDER
        data["turns"] = _TURNS_PLACEHOLDER
        data["metadata"] = _plain(self.metadata)
        data["nonspeech"] = [list(span) for span in self.nonspeech]
        data["turn_settings"] = _plain(self.turn_settings)
        data["format_version"] = CORPUS_FORMAT_VERSION
        head = json.dumps(data, ensure_ascii=False, indent=1)
        # the text and the turns go in where their placeholders stand, in one join
        at_text = head.index(_TEXT_MARKER)
        at_turns = head.index(_TURNS_MARKER, at_text)
        return "".join((
            head[:at_text], '\n "text": ', _json_str(self.text), ",",
            head[at_text + len(_TEXT_MARKER) : at_turns], '\n "turns": ', _turns_json(self.turns), ",",
            head[at_turns + len(_TURNS_MARKER) :], "\n",
        ))

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: Path | None = None) -> Transcript:
        version = data.get("format_version", 1)
        if version not in READABLE_VERSIONS:
            raise PiriQualError(
                f"transcript file format {version!r} is newer than this piri-qual reads "
                f"(it reads {', '.join(map(str, READABLE_VERSIONS))})",
                path=path,
                hint="Upgrade piri-qual (pip install -U piri-qual), or re-import the source.",
            )
        try:
            turns = [_turn(t) for t in data["turns"]]
            nonspeech = sorted((int(a), int(b)) for a, b in data.get("nonspeech", ()))
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
                nonspeech=nonspeech,
                turn_settings=data.get("turn_settings", {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
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


_FIELDS = tuple(Transcript.__dataclass_fields__)
_TURN_ORDER = tuple(Turn.__dataclass_fields__)
#: Whether turns have the fields in the order the one-format fast path writes them.
_USUAL_ORDER = _TURN_ORDER == ("speaker", "role", "start", "end", "time", "end_time", "section")
#: Stands for the turns in the JSON written around them; only a literal newline (which no JSON
#: string holds) and the key before it are matched, so no text can be taken for it.
_TURNS_PLACEHOLDER = "\x00turns\x00"
_TEXT_PLACEHOLDER = "\x00text\x00"
#: Where the placeholders stand in the JSON: a top-level key (one space of indent) after a line
#: break, which no JSON string holds.
_TEXT_MARKER = '\n "text": ' + json.dumps(_TEXT_PLACEHOLDER) + ","
_TURNS_MARKER = '\n "turns": ' + json.dumps(_TURNS_PLACEHOLDER) + ","
_encode_str = json.encoder.encode_basestring
#: Characters ``json`` writes escaped other than ``"``, ``\\`` and the line break.
_CONTROLS = bytes(c for c in range(0x20) if c != 0x0A)


def _json_str(text: str) -> str:
    """``text`` as ``json.dumps(text, ensure_ascii=False)`` writes it.

    json's C encoder reads and writes a long text a character at a time, twice; a transcript
    has no control character but its line breaks, so once one pass over its UTF-8 bytes has found
    none, it is three replacements, each a memchr-speed scan. Anything else is json's own work.
    """
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return _encode_str(text)
    if len(data.translate(None, _CONTROLS)) != len(data):
        return _encode_str(text)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def count_words(chunk: str) -> int:
    """``len(chunk.split())`` without making the words.

    Nearly every turn is words separated by single spaces and line breaks; for such a chunk the
    words are the separators plus one. ``str.isprintable`` is False for every white-space
    character but the ASCII space, so any other spacing (tabs, no-break spaces, runs) falls back
    to splitting. Counting a study's words was a tenth of importing it.
    """
    flat = chunk.replace("\n", " ") if "\n" in chunk else chunk
    if flat.isprintable() and "  " not in flat and flat[:1] != " " and flat[-1:] != " ":
        return flat.count(" ") + 1 if flat else 0
    return len(chunk.split())


#: White space ``str.split`` splits on among ASCII characters, other than the space and the line
#: break (which :func:`span_words` counts).
_OTHER_ASCII_SPACE = b"\t\x0b\x0c\r\x1c\x1d\x1e\x1f"


def span_words(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """``len(text[a:b].split())`` for each ``(a, b)`` of ``spans``, without copying or splitting.

    :func:`count_words` over the whole text at once: when the text's only white space is spaces
    and line breaks (checked once, in C), a span whose words are single-spaced holds one word more
    than it has separators, counted in place; any other span is split. A turn at a time, the
    checks cost more than the counting (issue #18).
    """
    flat = text.replace("\n", " ")
    if flat.isascii():
        data = flat.encode("ascii")
        plain = len(data.translate(None, _OTHER_ASCII_SPACE)) == len(data)
    else:
        plain = flat.isprintable()
    if not plain:
        return [len(text[a:b].split()) for a, b in spans]
    find, count = flat.find, flat.count
    out = []
    for a, b in spans:
        if b <= a:
            out.append(0)
        elif flat[a] != " " and flat[b - 1] != " " and find("  ", a, b) == -1:
            out.append(count(" ", a, b) + 1)
        else:
            out.append(len(text[a:b].split()))
    return out


def _plain(value: Any) -> Any:
    """``value`` as ``asdict`` leaves it: dataclasses become dicts, containers are copied."""
    return json.loads(json.dumps(value, default=lambda o: asdict(o))) if value else type(value)()


def _scalar(value: Any) -> str:
    """One JSON value as ``json.dumps`` writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _encode_str(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    return json.dumps(value, ensure_ascii=False, indent=1)


def _turns_json(turns: list[Turn]) -> str:
    """The turns as ``json.dumps(..., indent=1)`` writes a list at the top level's first depth."""
    if not turns:
        return "[]"
    items = []
    # a transcript repeats a few speakers, roles and sections: each is encoded once
    seen: dict[tuple[Any, ...], tuple[str, str]] = {}
    for turn in turns:
        fields = turn.__dict__
        if type(fields["start"]) is int and type(fields["end"]) is int and _USUAL_ORDER:
            # the usual turn, in one format (a generator per turn was a third of the cost)
            speaker, role, section = fields["speaker"], fields["role"], fields["section"]
            key = (type(speaker), speaker, type(role), role, type(section), section)
            head = seen.get(key)
            if head is None:
                head = seen[key] = (
                    f'  {{\n   "speaker": {_scalar(speaker)},\n   "role": {_scalar(role)},\n   "start": ',
                    f',\n   "section": {_scalar(section)}\n  }}')
            items.append(f'{head[0]}{fields["start"]},\n   "end": {fields["end"]},'
                         f'\n   "time": {_scalar(fields["time"])},\n   "end_time": {_scalar(fields["end_time"])}'
                         f'{head[1]}')
        else:
            items.append("  {\n" + ",\n".join(f'   "{name}": {_scalar(fields[name])}' for name in _TURN_ORDER)
                         + "\n  }")
    return "[\n" + ",\n".join(items) + "\n ]"


class RawTurn(NamedTuple):
    """A turn as a reader found it, before the text is assembled: label, paragraphs, time.

    ``role`` is set when the layout itself decides it: ``other`` for a title, a metadata block or
    a study-script prompt, ``participant`` for the unlabelled answers of a transcript that labels
    only the interviewer. ``section`` is the prompt the turn falls under. A named tuple, not a
    frozen dataclass: immutable all the same, and five times cheaper to make, which counts when
    every import makes one per turn of every file.
    """

    speaker: str | None
    paragraphs: tuple[str, ...]
    time: float | None = None
    end_time: float | None = None
    role: str | None = None
    section: str | None = None


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
        body = "\n".join(raw.paragraphs)
        if not body or body.isspace():
            continue
        if pieces:
            pieces.append("\n\n")
            pos += 2
        speaker = raw.speaker
        if speaker:
            prefix = f"{speaker}: "
            pieces.append(prefix)
            pos += len(prefix)
        pieces.append(body)
        start = pos
        pos += len(body)
        if _USUAL_ORDER:
            # Turn's own __init__ (frozen: a setattr per field) was a third of laying out a file
            turn = _new_turn(Turn)
            turn.__dict__.update(speaker=speaker, role=role, start=start, end=pos, time=raw.time,
                                 end_time=raw.end_time, section=raw.section)
        else:
            turn = Turn(speaker, role, start, pos, raw.time, raw.end_time, raw.section)
        out.append(turn)
    return "".join(pieces), out


_new_turn = object.__new__
