"""Which participants ``--group``, ``--participant`` and ``--where`` keep: one rule, no pandas.

Every command that narrows a study to some participants (the exports, ``quotes``, ``search``,
``words``) goes through :func:`filter_participants`, so the same option means the same thing
everywhere and fails the same way: a group, participant or attribute that does not exist is an
error naming what does, and so is a ``--where`` value that no participant has. An export that
silently wrote nothing because ``site=Nortvale`` was misspelt looked like a study with nothing to
say. It works on plain dicts, so the quick commands need not load pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from piri_qual.errors import PiriQualError

# Columns a --where may not name: numbering computed by the exports, not attributes.
_COMPUTED = ("n_group", "n_role", "participant")


def filter_participants(
    people: Sequence[Mapping[str, str]],
    groups: Sequence[str] = (),
    participants: Sequence[str] = (),
    where: Sequence[tuple[str, Sequence[str]]] = (),
    *,
    source: Path | None = None,
    shown: Callable[[str], str] | None = None,
) -> list[str]:
    """The ids of ``people`` (dicts with ``participant``, ``group`` and attribute columns, in
    order) that every filter keeps; names are compared without regard to case.

    ``shown`` maps an attribute value to what exports show (its pseudonym), so a ``--where``
    may name either.
    """
    kept = list(people)
    if groups:
        known = list(dict.fromkeys(str(p.get("group", "")) for p in people))
        lowered = {k.casefold() for k in known}
        missing = [g for g in groups if g.casefold() not in lowered]
        if missing:
            raise PiriQualError(f"no participant group {', '.join(map(repr, missing))}", path=source,
                                hint=f"Groups: {', '.join(known)}.")
        wanted = {g.casefold() for g in groups}
        kept = [p for p in kept if str(p.get("group", "")).casefold() in wanted]
    if participants:
        ids = [str(p["participant"]) for p in people]
        lowered = {i.casefold() for i in ids}
        missing = [p for p in participants if p.casefold() not in lowered]
        if missing:
            raise PiriQualError(f"no interviewed participant {', '.join(map(repr, missing))}", path=source,
                                hint=f"Participants: {', '.join(ids[:15])}{' ...' if len(ids) > 15 else ''}.")
        wanted = {p.casefold() for p in participants}
        kept = [p for p in kept if str(p["participant"]).casefold() in wanted]
    for key, values in where:
        columns = list(dict.fromkeys(c for p in people for c in p if c not in _COMPUTED))
        if key not in columns:
            raise PiriQualError(f"--where names no participant attribute {key!r}", path=source,
                                hint=f"Attributes: {', '.join(columns)}.")
        wanted = {v.casefold() for v in values}

        def matches(person: Mapping[str, str], key: str = key, wanted: set[str] = wanted) -> bool:
            raw = str(person.get(key, ""))
            return raw.casefold() in wanted or (shown is not None and shown(raw).casefold() in wanted)

        if not any(matches(p) for p in people):
            have = sorted({str(p.get(key, "")) for p in people} - {""}, key=str.casefold)
            raise PiriQualError(
                f"no participant has {key} = {' or '.join(values)}",
                path=source,
                hint=f"Values of {key}: {', '.join(have[:20])}{' ...' if len(have) > 20 else ''}."
                if have else f"No participant has a value for {key}.",
            )
        kept = [p for p in kept if matches(p)]
    if not kept and people:
        asked = [f"group {' or '.join(groups)}"] if groups else []
        asked += [f"participant {' or '.join(participants)}"] if participants else []
        asked += [f"{key} = {' or '.join(values)}" for key, values in where]
        raise PiriQualError(f"no participant matches all of: {'; '.join(asked)}", path=source,
                            hint="Each filter matches someone, but not together; drop one.")
    return [str(p["participant"]) for p in kept]


def interviewed(table: Mapping[str, Mapping[str, str]], groups: Mapping[str, str | None]) -> list[dict[str, str]]:
    """The participants with a transcript, as dicts for :func:`filter_participants`.

    ``table`` is participants.csv (id -> columns); ``groups`` maps each participant who has a
    transcript to the group the transcript gives. Order and group follow the exports'
    :func:`~piri_qual.analysis.selection.participant_frame`: participants.csv order first, then
    the rest by id; the group from participants.csv, else the transcript's, else "(no group)".
    """
    ordered = [pid for pid in table if pid in groups] + sorted(pid for pid in groups if pid not in table)
    people = []
    for pid in ordered:
        row = table.get(pid, {})
        group = (row.get("group") or groups.get(pid) or "").strip() or "(no group)"
        people.append({**{k: v for k, v in row.items() if k not in ("id", "group")}, "participant": pid,
                       "group": group})
    return people
