"""``piri-qual import --preview FILE``: the first turns as the importer reads them, nothing written.

Why: whether a file's speakers were recognised is the one thing a researcher must check before
coding it, and an import that guessed wrong leaves a corpus file to fix. The preview derives the
turns exactly as the import would (:func:`piri_qual.ingest.derive.derive`, with the study's
``roles:`` when run inside a study) and prints, turn by turn, the time, the speaker, the role
and the first and last words, then the same speaker summary and warnings the import would give.
It imports no analysis library, so it answers in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from piri_qual.core.corpus import Transcript
from piri_qual.ingest.derive import derive
from piri_qual.ingest.findings import find

EDGE_WORDS = 6


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def gist(text: str, edge: int = EDGE_WORDS) -> str:
    """The first and last words of a turn: ``first words … last words``."""
    words = text.split()
    if len(words) <= 2 * edge + 1:
        return " ".join(words)
    return " ".join(words[:edge]) + " \u2026 " + " ".join(words[-edge:])


def preview_lines(path: Path, roles: Mapping[str, str], speakers: list[str] | None = None,
                  turns: int = 12) -> list[str]:
    """The preview of one file as lines of text (the last ones are its warnings)."""
    derived = derive(path, roles, speakers)
    transcript = Transcript(
        id=path.stem, participant=path.stem, group=None, text=derived.text, turns=derived.turns,
        source=str(path), source_sha256="", format=derived.document.format, imported_at="",
        metadata=derived.metadata, nonspeech=derived.nonspeech, turn_settings=derived.turn_settings,
    )
    found = find(transcript, path.name, speakers)
    extras = []
    if found.structure:
        extras.append("kept as structure: " + ", ".join(f"{n} {kind}" for kind, n in sorted(found.structure.items())))
    if found.stage_directions:
        extras.append(f"{found.stage_directions} stage directions marked as non-speech")
    lines = [
        f"{path.name}: {transcript.format}, {len(transcript.turns)} turns, {transcript.words} words",
        f"  layout: {found.layout}",
        f"  {found.summary()}" + (f"; {'; '.join(extras)}" if extras else ""),
        f"  {'#':>4}  {'time':>8}  {'speaker':<18} {'role':<12} words",
    ]
    text = transcript.text
    sections: str | None = None
    for i, turn in enumerate(transcript.turns[:turns], start=1):
        if turn.section and turn.section != sections and turn.role != "other":
            sections = turn.section
        if turn.speaker:
            who = turn.speaker
        elif turn.role == "other":
            who = "(structure)"
        else:
            who = "(unlabelled)"
        body = text[turn.start : turn.end]
        marks = " [non-speech]" if transcript.is_nonspeech(turn.start, turn.end) else ""
        lines.append(f"  {i:>4}  {clock(turn.time):>8}  {who[:18]:<18} {turn.role:<12} "
                     f"\u201c{gist(body)}\u201d{marks}")
    if len(transcript.turns) > turns:
        lines.append(f"  ... {len(transcript.turns) - turns} more turns (--turns N shows more)")
    lines.extend(f"warning: {path.name}: {w}" for w in found.warnings)
    return lines
