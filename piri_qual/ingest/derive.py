"""From a source file and the study's settings to a transcript's text, turns and stage directions.

Why one function: the import, ``import --preview`` and the re-derivation that follows a change
of ``roles:`` must all turn a file into turns the same way, so a preview shows what an import
writes, and a re-derived transcript is what a fresh import would give. It also records which
settings produced the turns (:func:`turn_settings`), which is how a later command knows that
they changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from piri_qual.core.corpus import RawTurn, Turn, assemble_text
from piri_qual.errors import PiriQualError
from piri_qual.ingest.nonspeech import find_nonspeech
from piri_qual.ingest.readers import read_source
from piri_qual.ingest.roles import assign_roles
from piri_qual.ingest.source import Layout, SourceDocument, TurnOptions
from piri_qual.ingest.turns import speaker_key


@dataclass
class Derived:
    """A file read and laid out: what ``corpus/<id>.json`` will hold, before ids are chosen."""

    document: SourceDocument
    text: str
    turns: list[Turn]
    nonspeech: list[tuple[int, int]]
    turn_settings: dict[str, Any]
    metadata: dict[str, Any]


def parse_speakers(spec: str | None) -> tuple[tuple[str, ...] | None, dict[str, str]]:
    """``--speakers`` as labels and roles: ``"HK=interviewer, Carer 3=participant"``, ``"HK,
    Carer 3"`` or ``"none"`` (the file has no speaker labels)."""
    if spec is None:
        return None, {}
    if spec.strip().casefold() == "none":
        return (), {}
    labels: list[str] = []
    roles: dict[str, str] = {}
    for part in spec.split(","):
        label, _, role = part.partition("=")
        label, role = label.strip(), role.strip().casefold()
        if not label:
            continue
        if role and role not in ("interviewer", "participant", "other"):
            raise PiriQualError(
                f"--speakers: unknown role {role!r} for {label!r}",
                hint="Write LABEL=interviewer, LABEL=participant or LABEL=other, separated by commas.",
            )
        labels.append(label)
        if role:
            roles[label] = role
    return tuple(labels), roles


def speaker_list(spec: str | None) -> list[str] | None:
    """``--speakers`` as it is kept with a transcript: None (not given), [] (``none``) or the
    entries as written (``["HK=interviewer", "Carer 3"]``); a bad spec is an error here."""
    labels, _ = parse_speakers(spec)
    if labels is None or spec is None:
        return None
    return [part.strip() for part in spec.split(",") if part.strip()] if labels else []


def options_for(roles: Mapping[str, str], speakers: list[str] | None) -> TurnOptions:
    """The turn options from the study's ``roles:`` and a file's stored ``--speakers`` value."""
    if speakers is None:
        return TurnOptions(roles=dict(roles))
    labels, given = parse_speakers(",".join(speakers) if speakers else "none")
    merged = {**roles, **{k.casefold(): v for k, v in given.items()}}
    return TurnOptions(roles=merged, speakers=labels)


def turn_settings(labels: list[str], roles: Mapping[str, str], speakers: list[str] | None) -> dict[str, Any]:
    """The settings the turns depend on: the ``roles:`` entry (or its absence) of every label
    found, and the ``--speakers`` given."""
    table = {" ".join(k.split()).casefold(): v for k, v in roles.items()}
    keys = sorted({speaker_key(label) for label in labels})
    return {"roles": {k: table.get(k) for k in keys}, "speakers": speakers}


def derive(path: Path, roles: Mapping[str, str], speakers: list[str] | None = None) -> Derived:
    """Read ``path`` and lay it out under the study's ``roles:`` and the file's ``--speakers``."""
    options = options_for(roles, speakers)
    document = read_source(path, options)
    turn_roles = assign_roles(document.turns, options.roles)
    return _laid_out(document, turn_roles, roles, speakers)


def relabel(turns: list[Turn], text: str, roles: Mapping[str, str]) -> list[Turn]:
    """The same turns with roles assigned again under ``roles`` (text and offsets unchanged):
    what a change of ``roles:`` does to a transcript whose source cannot be read again."""
    raws = [
        RawTurn(t.speaker, tuple(text[t.start : t.end].split("\n")), t.time, t.end_time,
                role=t.role if t.speaker is None else None, section=t.section)
        for t in turns
    ]
    new_roles = assign_roles(raws, roles)
    return [Turn(t.speaker, r, t.start, t.end, t.time, t.end_time, t.section) for t, r in zip(turns, new_roles, strict=True)]


def _laid_out(
    document: SourceDocument, turn_roles: list[str], roles: Mapping[str, str], speakers: list[str] | None
) -> Derived:
    text, turns = assemble_text(document.turns, turn_roles)
    nonspeech = find_nonspeech(text, turns)
    metadata = dict(document.metadata)
    metadata["layout"] = _layout_dict(document.layout)
    labels = list(dict.fromkeys(t.speaker for t in turns if t.speaker))
    return Derived(document, text, turns, nonspeech, turn_settings(labels, roles, speakers), metadata)


_LAYOUT_FIELDS = tuple(f.name for f in fields(Layout))


def _layout_dict(layout: Layout) -> dict[str, Any]:
    """``dataclasses.asdict(layout)``: its fields in order, lists and dicts copied (asdict's
    generic deep copy took tens of microseconds a file, fifty times this)."""
    out: dict[str, Any] = {}
    for name in _LAYOUT_FIELDS:
        value = getattr(layout, name)
        out[name] = list(value) if type(value) is list else dict(value) if type(value) is dict else value
    return out
