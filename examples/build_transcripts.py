"""Render the example study's interview scripts as Word transcripts, and write participants.csv.

The fictional PIRi interviews are written as plain scripts (``examples/scripts/<ID>.txt``: YAML
front matter, then paragraphs separated by blank lines, turns starting ``Interviewer:`` or
``<ID>:``). Real studies receive Word files in many layouts, so each script is rendered in one of
five layouts, chosen from its id so that every layout appears in the study:

* ``labels``  ``Interviewer:`` / ``P07:`` in a bold run, then the words;
* ``int_r``   ``INT:`` / ``R:`` labels;
* ``bracket`` ``[00:01:02] Interviewer:`` (times from word counts at 150 words a minute);
* ``table``   a Speaker | Time | Text table;
* ``teams``   a Teams-style export: ``Researcher (Interviewer)   0:03`` then the utterance.

Every document also has a title, a page header ``CONFIDENTIAL - PIRi evaluation interview <ID>``
and a footer with a page number; none of these belong to the transcript text. Output is
byte-for-byte deterministic for the same scripts (fixed document dates and zip timestamps).

Run from the repository root: ``.venv/bin/python examples/build_transcripts.py``.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from piri_qual.core.atomic import atomic_write_bytes, atomic_write_text  # noqa: E402
from piri_qual.errors import PiriQualError  # noqa: E402

LAYOUTS = ("labels", "int_r", "bracket", "table", "teams")
WORDS_PER_MINUTE = 150
FIXED_DATE = datetime(2023, 1, 1, tzinfo=UTC)
PARTICIPANT_COLUMNS = (
    "id", "group", "role", "site", "baby_age_months", "referral_source", "years_in_role",
    "interview_date", "order",
)
INTERVIEWER_NAMES = ("Researcher (Interviewer)", "Hannah Price", "Researcher (Interviewer)", "Tom Ellery")


@dataclass
class ScriptTurn:
    speaker: str  # "Interviewer" or the participant id
    paragraphs: list[str]


@dataclass
class Script:
    meta: dict[str, Any]
    turns: list[ScriptTurn]

    @property
    def id(self) -> str:
        return str(self.meta["id"])

    @property
    def group(self) -> str:
        return str(self.meta.get("group", "participant"))


def parse_script(path: Path) -> Script:
    """Front matter and turns of one script; unlabelled paragraphs continue the current turn."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    if m is None:
        raise PiriQualError("no YAML front matter (--- ... ---) at the top", path=path, line=1)
    meta = yaml.safe_load(m.group(1)) or {}
    if "id" not in meta:
        raise PiriQualError("front matter has no id", path=path, line=2)
    pid = str(meta["id"])
    label_re = re.compile(rf"(Interviewer|{re.escape(pid)}):\s+")
    turns: list[ScriptTurn] = []
    for block in re.split(r"\n\s*\n", text[m.end() :]):
        para = " ".join(line.strip() for line in block.strip().split("\n"))
        if not para:
            continue
        lm = label_re.match(para)
        if lm is not None:
            turns.append(ScriptTurn(lm.group(1), [para[lm.end() :]]))
        elif turns:
            turns[-1].paragraphs.append(para)
        else:
            raise PiriQualError(f"the first paragraph has no speaker label: {para[:40]!r}", path=path)
    return Script(meta, turns)


def layout_for(script: Script) -> str:
    """The layout for a script: by the number in its id, staff shifted so both groups mix."""
    digits = re.sub(r"\D", "", script.id) or "0"
    shift = 0 if script.group == "parent" else 2
    return LAYOUTS[(int(digits) + shift) % len(LAYOUTS)]


def _clock(seconds: int, hours: bool) -> str:
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    if hours:
        return f"{h:02d}:{m:02d}:{s:02d}"
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _start_times(script: Script) -> list[int]:
    """Seconds at which each turn starts, from word counts at ~150 words a minute."""
    times = []
    elapsed = 3.0
    for turn in script.turns:
        times.append(int(elapsed))
        words = sum(len(p.split()) for p in turn.paragraphs)
        elapsed += words * 60 / WORDS_PER_MINUTE + 1.5
    return times


def _display_names(script: Script, layout: str) -> dict[str, str]:
    pid = script.id
    if layout == "int_r":
        return {"Interviewer": "INT", pid: "R"}
    if layout == "teams":
        digits = int(re.sub(r"\D", "", pid) or 0)
        return {
            "Interviewer": INTERVIEWER_NAMES[digits % len(INTERVIEWER_NAMES)],
            pid: f"{pid} ({script.group.capitalize()})",
        }
    return {"Interviewer": "Interviewer", pid: pid}


def render(script: Script, layout: str) -> bytes:
    """The .docx bytes for ``script`` in ``layout`` (deterministic)."""
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc = Document()
    props = doc.core_properties
    props.title = f"PIRi evaluation interview {script.id}"
    props.author = "piri-qual example study"
    props.last_modified_by = "piri-qual example study"
    props.created = props.modified = props.last_printed = FIXED_DATE
    props.revision = 1
    props.comments = "Wholly fictional interview written for the piri-qual example study."

    section = doc.sections[0]
    section.header.paragraphs[0].text = f"CONFIDENTIAL - PIRi evaluation interview {script.id}"
    footer = section.footer.paragraphs[0]
    footer.add_run("PIRi evaluation - page ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)

    doc.add_heading(f"PIRi evaluation interview {script.id}", level=0)
    names = _display_names(script, layout)
    times = _start_times(script)

    if layout == "table":
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, heading in zip(table.rows[0].cells, ("Speaker", "Time", "Text"), strict=True):
            cell.text = heading
        for turn, start in zip(script.turns, times, strict=True):
            cells = table.add_row().cells
            cells[0].text = names[turn.speaker]
            cells[1].text = _clock(start, hours=True)
            cells[2].text = turn.paragraphs[0]
            for para in turn.paragraphs[1:]:
                cells[2].add_paragraph(para)
    else:
        for turn, start in zip(script.turns, times, strict=True):
            name = names[turn.speaker]
            if layout == "teams":
                doc.add_paragraph(f"{name}   {_clock(start, hours=False)}")
                for para in turn.paragraphs:
                    doc.add_paragraph(para)
                continue
            first = doc.add_paragraph()
            if layout == "bracket":
                first.add_run(f"[{_clock(start, hours=True)}] {name}: ")
            else:
                first.add_run(f"{name}:").bold = True
                first.add_run(" ")
            first.add_run(turn.paragraphs[0])
            for para in turn.paragraphs[1:]:
                doc.add_paragraph(para)

    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed member timestamps so the bytes depend on content only."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def participants_rows(scripts: list[Script]) -> list[dict[str, str]]:
    """participants.csv rows from front matter, in interview order."""
    ordered = sorted(scripts, key=lambda s: (str(s.meta.get("interview_date", "")), s.id))
    rows = []
    for order, script in enumerate(ordered, start=1):
        row = {col: "" for col in PARTICIPANT_COLUMNS}
        for col in PARTICIPANT_COLUMNS[:-1]:
            value = script.meta.get(col)
            row[col] = "" if value is None else str(value)
        row["order"] = str(order)
        rows.append(row)
    return rows


def build(scripts_dir: Path, out_dir: Path, participants: Path) -> list[Path]:
    """Render every script in ``scripts_dir``; return the written transcript paths."""
    scripts = [parse_script(p) for p in sorted(scripts_dir.glob("*.txt"))]
    if not scripts:
        raise PiriQualError("no scripts (*.txt) found", path=scripts_dir)
    written = []
    for script in scripts:
        path = out_dir / f"{script.id}_{script.group}.docx"
        atomic_write_bytes(path, render(script, layout_for(script)))
        written.append(path)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=PARTICIPANT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(participants_rows(scripts))
    atomic_write_text(participants, buffer.getvalue())
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scripts", type=Path, default=ROOT / "examples" / "scripts")
    parser.add_argument("--out", type=Path, default=ROOT / "transcripts")
    parser.add_argument("--participants", type=Path, default=ROOT / "participants.csv")
    args = parser.parse_args(argv)
    try:
        written = build(args.scripts, args.out, args.participants)
    except PiriQualError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    layouts: dict[str, int] = {}
    for path in written:
        layout = layout_for(parse_script(args.scripts / f"{path.stem.split('_')[0]}.txt"))
        layouts[layout] = layouts.get(layout, 0) + 1
    print(f"wrote {len(written)} transcripts to {args.out} ({layouts}) and {args.participants}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
