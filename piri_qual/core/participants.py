"""``participants.csv``: the cases of a study and their attributes (group, role, site, ...).

Read with the csv module (not pandas) so import and the CLI stay light. Each participant has an
``id`` and usually a ``group`` (staff, parent, ...); any other column is an attribute that
exports can group and filter by.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from piri_qual.core.atomic import atomic_write_text
from piri_qual.errors import PiriQualError

# An id as studies write them: capitals then digits (P07, S01, INT3), or one letter then digits
# (p7). ``utf8`` and ``mp3`` are not ids, so ``utf8_bom.docx`` names no participant.
FILENAME_ID = re.compile(r"^(?P<id>(?:[A-Z]{1,4}|[A-Za-z])\d{1,4})(?:[ _\-]+(?P<rest>.*))?$")
FILENAME_GROUP = re.compile(r"^[A-Za-z][A-Za-z\-]*$")


def load_participants(path: Path) -> dict[str, dict[str, str]]:
    """Participants by id, each a dict of column -> value (in file order)."""
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PiriQualError("not UTF-8 text", path=path, hint="Save it as CSV UTF-8.") from exc
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        return {}
    fields = [f.strip() for f in reader.fieldnames]
    if "id" not in fields:
        raise PiriQualError(
            f"no 'id' column (columns are {', '.join(fields)})",
            path=path,
            line=1,
            hint="Name the participant id column 'id'.",
        )
    people: dict[str, dict[str, str]] = {}
    for line, row in enumerate(reader, start=2):
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        pid = clean.get("id", "")
        if not pid:
            continue
        if pid in people:
            raise PiriQualError(f"participant {pid!r} is listed twice", path=path, line=line,
                                hint="Keep one row per participant.")
        people[pid] = clean
    return people


def save_participants(path: Path, people: dict[str, dict[str, str]]) -> None:
    """Write participants back, keeping every column any participant has."""
    columns: list[str] = ["id", "group"]
    for row in people.values():
        for key in row:
            if key not in columns:
                columns.append(key)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for pid, row in people.items():
        writer.writerow({**{c: "" for c in columns}, **row, "id": pid})
    atomic_write_text(path, buffer.getvalue())


def guess_from_filename(path: Path) -> tuple[str | None, str | None]:
    """Participant and group from a file name that starts with an id.

    ``P07_parent.docx`` -> ("P07", "parent"); ``P83 with spaces.txt`` -> ("P83", None), because
    only a single word after the id is a group; ``utf8_bom.docx`` -> (None, None), because
    ``utf8`` does not look like an id.
    """
    match = FILENAME_ID.match(path.stem.strip())
    if not match:
        return None, None
    rest = (match.group("rest") or "").strip()
    group = rest.lower() if FILENAME_GROUP.match(rest) else None
    return match.group("id").upper(), group
