"""``participants.csv``: the cases of a study and their attributes (group, role, site, ...).

Read with the csv module (not pandas) so import and the CLI stay light. Each participant has an
``id`` and usually a ``group`` (staff, parent, ...); any other column is an attribute that
exports can group and filter by.

Spreadsheets save "CSV" with the separator of their locale: Excel in much of Europe writes ``;``,
and some tools a tab. The separator is taken from the header line and kept when the file is
written back, so a ``;``-separated file is read as such rather than as one column named
``id;group``.
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
MAX_PARTICIPANT_ID = 64
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def validate_participant_id(value: str, *, where: str = "participant id") -> str:
    """A participant id a person typed (``--participant``), stripped, or one clear error.

    Ids are short labels (``P07``, ``S-03``, ``Mum 4``): not empty, at most 64 characters, no
    control characters, and not made only of dots, which as a transcript's file name would be
    hidden (``.``) or point out of the folder (``..``).
    """
    pid = value.strip()
    problem = None
    if not pid:
        problem = "is empty"
    elif len(pid) > MAX_PARTICIPANT_ID:
        problem = f"is {len(pid)} characters long (at most {MAX_PARTICIPANT_ID})"
    elif _CONTROL.search(pid):
        problem = "holds control characters"
    elif not any(ch.isalnum() for ch in pid):
        problem = "needs a letter or digit"
    if problem:
        shown_id = pid if len(pid) <= 24 else pid[:21] + "..."
        raise PiriQualError(f"{where} {shown_id!r} {problem}",
                            hint="Use a short label such as P07 or S03.")
    return pid


SEPARATORS = (",", ";", "\t")


def separator(text: str) -> str:
    """The field separator of a CSV text: the one of , ; and tab its header line uses most."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def load_participants(path: Path) -> dict[str, dict[str, str]]:
    """Participants by id, each a dict of column -> value (in file order)."""
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PiriQualError("not UTF-8 text", path=path, hint="Save it as CSV UTF-8.") from exc
    except OSError as exc:
        raise PiriQualError(f"cannot be read ({exc.strerror or exc})", path=path) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=separator(text))
    try:
        return _rows(reader, path)
    except csv.Error as exc:
        raise PiriQualError(f"not a readable CSV file ({exc})", path=path, line=reader.line_num or None,
                            hint="Save it again from the spreadsheet as CSV UTF-8.") from exc


def _rows(reader: csv.DictReader[str], path: Path) -> dict[str, dict[str, str]]:
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
    for row in reader:
        line = reader.line_num
        clean = {(k or "").strip(): _text(v) for k, v in row.items() if k is not None}
        pid = clean.get("id", "")
        if not pid:
            continue
        if pid in people:
            raise PiriQualError(f"participant {pid!r} is listed twice", path=path, line=line,
                                hint="Keep one row per participant.")
        people[pid] = clean
    return people


def _text(value: object) -> str:
    """A cell's text (a row with more cells than the header puts the rest in a list)."""
    if isinstance(value, list):
        return " ".join(str(v).strip() for v in value if v)
    return (value or "").strip() if isinstance(value, str) else ""


def save_participants(path: Path, people: dict[str, dict[str, str]]) -> None:
    """Write participants back, keeping every column any participant has."""
    columns: list[str] = ["id", "group"]
    for row in people.values():
        for key in row:
            if key not in columns:
                columns.append(key)
    sep = ","
    if path.exists():
        try:
            sep = separator(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError):
            pass
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", delimiter=sep)
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
