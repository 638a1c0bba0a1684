"""Writers for the disagreement list: .csv, .xlsx, .docx and Markdown for a reconciliation meeting.

Why four formats: the CSV goes into R or a spreadsheet; the workbook and the Word document are
what a team opens in the meeting, with an empty *agreed* column to write the decision in; the
Markdown reads well in a git repository beside the coder logs. Every format holds the same rows
in the same order (transcript, then position in the text); the writers compute nothing. The
generic table helpers come from the write-up exporters (:mod:`piri_qual.export.csv_markdown`,
:mod:`~piri_qual.export.docx_writer`, :mod:`~piri_qual.export.xlsx_writer`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from piri_qual.core.output_path import OutputKind
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    import pandas as pd

FORMATS: tuple[str, ...] = ("csv", "xlsx", "docx", "md")
#: What ``agreement --disagreements -o/--format`` may write (see :mod:`.output_path`); the
#: command names the default file after the coders and unit.
DISAGREEMENTS = OutputKind("a disagreement list", FORMATS, "disagreements")
AGREED = "agreed"


def write_disagreements(
    frame: pd.DataFrame,
    path: Path,
    fmt: str,
    *,
    coders: Sequence[str],
    title: str,
    facts: Mapping[str, str],
) -> Path:
    """Write the disagreement list (from :func:`piri_qual.analysis.disagreements.disagreement_list`)."""
    writers = {"csv": _csv, "xlsx": _xlsx, "docx": _docx, "md": _markdown}
    if fmt not in writers:
        raise PiriQualError(f"unknown format {fmt!r}", hint=f"Choose one of: {', '.join(FORMATS)}.")
    writers[fmt](frame, path, list(coders), title, facts)
    return path


def _with_agreed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out[AGREED] = ""
    return out


def _csv(frame: pd.DataFrame, path: Path, coders: list[str], title: str, facts: Mapping[str, str]) -> None:
    from piri_qual.export.csv_markdown import write_csv

    write_csv(_with_agreed(frame), path)


def _where(row: Mapping[Hashable, object]) -> str:
    """``P07 (parent), unit 12, 0:12:31`` for a heading."""
    who = f"{row['participant']}" + (f" ({row['group']})" if row.get("group") else "")
    return f"{who}, unit {row['unit']}" + (f", {row['time']}" if row.get("time") else "")


def _markdown(frame: pd.DataFrame, path: Path, coders: list[str], title: str, facts: Mapping[str, str]) -> None:
    from piri_qual.export.csv_markdown import md_escape, write_markdown

    out = [f"# {title}\n"]
    out += [f"- **{key}:** {md_escape(value)}" for key, value in facts.items()]
    out.append("")
    if frame.empty:
        out.append("The coders agree on every unit.\n")
    for transcript, part in frame.groupby("transcript", sort=False):
        out.append(f"## {transcript}\n")
        for row in part.to_dict("records"):
            out.append(f"### {_where(row)} [{row['start']}\u2013{row['end']})\n")
            out.append("> " + str(row["text"]).replace("\n", "\n> ") + "\n")
            for coder in coders:
                out.append(f"- **{md_escape(coder)}:** {md_escape(row[coder]) or '(no theme)'}")
            out.append(f"- **Differ on:** {md_escape(row['disputed'])}")
            out.append("- **Agreed:** \n")
    write_markdown("\n".join(out), path)


def _xlsx(frame: pd.DataFrame, path: Path, coders: list[str], title: str, facts: Mapping[str, str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from piri_qual.export.xlsx_writer import (
        HEADER_FILL,
        Styles,
        about_sheet,
        new_workbook,
        save,
        sheet_title,
    )

    table = _with_agreed(frame)
    workbook = new_workbook()
    taken: set[str] = set()
    sheet = workbook.create_sheet(sheet_title("Disagreements", taken))
    columns = [str(c) for c in table.columns]
    wide = {"text": 70, "disputed": 30, AGREED: 30, **dict.fromkeys(coders, 30)}
    for c, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = wide.get(name, max(9, len(name) + 2))
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(table) + 1)}"
    wrap = Alignment(wrap_text=True, vertical="top")
    styles = Styles(sheet)
    styles.define("header", font=Font(bold=True), fill=PatternFill("solid", fgColor=HEADER_FILL), alignment=wrap)
    styles.define("body", alignment=wrap)
    sheet.append([styles.cell("header", name) for name in columns])
    for values in table.itertuples(index=False):
        sheet.append([styles.cell("body", value.item() if hasattr(value, "item") else value) for value in values])
    about_sheet(workbook, title, facts, taken)
    save(workbook, path)


def _docx(frame: pd.DataFrame, path: Path, coders: list[str], title: str, facts: Mapping[str, str]) -> None:
    from piri_qual.export.docx_writer import HEADER_FILL, new_document
    from piri_qual.export.word_stream import streamed_docx
    from piri_qual.export.word_xml import Cell, Run, cell_text

    headers = ["Unit", "Text", *coders, "Differ on", "Agreed"]
    with streamed_docx(new_document(title, landscape=True), path) as body:
        for key, value in facts.items():
            body.runs(Run(f"{key}: ", bold=True), Run(str(value)), space_after=0)
        if frame.empty:
            body.paragraph("The coders agree on every unit.")
        width = body.block_width
        side = int(width * 0.14)
        unit_w = int(width * 0.07)
        text_w = width - unit_w - side * (len(coders) + 2)
        widths = [unit_w, max(text_w, int(width * 0.25)), *[side] * (len(coders) + 2)]
        for transcript, part in frame.groupby("transcript", sort=False):
            first = part.iloc[0]
            group = f" ({first.group})" if first.group else ""
            body.heading(f"{transcript}: {first.participant}{group}", 1)
            table = body.table(widths)
            table.row([Cell(cell_text(name, bold=True), fill=HEADER_FILL) for name in headers], header=True)
            for row in part.to_dict("records"):
                where = f"{row['unit']}" + (f"\n{row['time']}" if row.get("time") else "")
                table.row([
                    Cell(cell_text(where, small=f"{row['start']}\u2013{row['end']}")),
                    Cell(cell_text(str(row["text"]))),
                    *[Cell(cell_text(row[coder] or "(no theme)", italic=not row[coder])) for coder in coders],
                    Cell(cell_text(str(row["disputed"]), bold=True)),
                    Cell(cell_text("")),
                ])
