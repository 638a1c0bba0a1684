"""Writers for the quantitative strand: the outcomes table and the joint display.

They reuse the write-up exports' building blocks (python-docx and openpyxl helpers, Markdown
tables, BOM-marked CSV), so the outcome tables look like the rest of the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from piri_qual.analysis.joint_display import joint_frame
from piri_qual.core.output_path import OutputKind
from piri_qual.export import csv_markdown as tables
from piri_qual.export import docx_writer, xlsx_writer

if TYPE_CHECKING:
    import pandas as pd
    from docx.document import Document
    from docx.table import Table

    from piri_qual.analysis.joint_display import JointRow
    from piri_qual.analysis.outcomes import OutcomeSummary

OUTCOME_FORMATS = ("csv", "xlsx", "docx", "md")
JOINT_FORMATS = ("docx", "md", "xlsx")
OUTCOMES = OutputKind("an outcomes table", OUTCOME_FORMATS, "outcomes")
OUTCOME_COLUMNS = ["measure", "improved", "completers", "result", "wilson_95", "missing"]


def outcome_frame(summary: OutcomeSummary) -> pd.DataFrame:
    """One row per measure (and per subgroup value when the summary has them)."""
    import pandas as pd

    rows = [{"subgroup": "all", **r} for r in summary.table_rows()]
    for by, groups in summary.by_group.items():
        for value, part in groups.items():
            rows += [{"subgroup": f"{by} = {value}", **r} for r in part.table_rows()]
    return pd.DataFrame(rows)


def _facts(summary: OutcomeSummary) -> dict[str, str]:
    spec = summary.spec
    window = ""
    if spec.date_from or spec.date_to:
        window = f"{spec.date_from or '...'} to {spec.date_to or '...'}"
    return {
        "Families referred": str(summary.referred),
        "Families who completed support": str(summary.completed),
        "Referral window": window or "all dates",
        "Rows outside the window (excluded)": str(summary.excluded_out_of_window),
        "Shares": "of families who completed support; Wilson 95% intervals",
    }


def write_outcomes(summary: OutcomeSummary, path: Path, fmt: str) -> Path:
    frame = outcome_frame(summary)
    title = summary.spec.title
    if fmt == "csv":
        tables.write_csv(frame, path)
    elif fmt == "xlsx":
        xlsx_writer.frames_xlsx({"Outcomes": frame}, path, title, _facts(summary))
    elif fmt == "md":
        lines = [f"# {title}", ""]
        lines += [f"- {k}: {v}" for k, v in _facts(summary).items()] + [""]
        cols = ["subgroup", *OUTCOME_COLUMNS]
        lines.append(tables.md_table(cols, frame[cols].values.tolist()))
        tables.write_markdown("\n".join(lines), path)
    elif fmt == "docx":
        document = docx_writer.new_document(title)
        for key, value in _facts(summary).items():
            document.add_paragraph(f"{key}: {value}", style="List Bullet")
        cols = ["subgroup", *OUTCOME_COLUMNS]
        _docx_table(document, cols, frame[cols].values.tolist())
        docx_writer.save(document, path)
    else:
        raise ValueError(fmt)
    return path


def _docx_table(document: Document, columns: list[str], rows: list[list[object]], size: float = 9) -> Table:
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, columns, strict=True):
        docx_writer.write_cell(cell, name, size=size, bold=True)
        docx_writer.shade(cell, docx_writer.HEADER_FILL)
    docx_writer.repeat_as_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            docx_writer.write_cell(cell, "" if value is None else str(value), size=size)
    return table


JOINT_HEADINGS = ["Measure", "Quantitative result", "Framework construct", "Themes (participants raising)",
                  "Illustrative quotes"]


def write_joint_display(rows: list[JointRow], summary: OutcomeSummary, path: Path, fmt: str) -> Path:
    title = f"Joint display: {summary.spec.title}"
    intro = (f"Of {summary.completed} families who completed support; shares with Wilson 95% intervals. "
             "Themes and quotes from the interviews with parents.")
    if fmt == "xlsx":
        xlsx_writer.frames_xlsx({"Joint display": joint_frame(rows)}, path, title, _facts(summary))
    elif fmt == "md":
        body = [[r.measure, f"{r.result} (95% CI {r.interval})" + (f"; {r.missing} missing" if r.missing else ""),
                 "; ".join(r.constructs), "<br>".join(t.text for t in r.themes),
                 "<br><br>".join(f"\u201c{q}\u201d ({a})" for q, a in r.quotes)] for r in rows]
        text = f"# {title}\n\n{intro}\n\n" + tables.md_table(JOINT_HEADINGS, body)
        tables.write_markdown(text, path)
    elif fmt == "docx":
        document = docx_writer.new_document(title, landscape=True)
        document.add_paragraph(intro)
        table = _docx_table(document, JOINT_HEADINGS, [["", "", "", "", ""] for _ in rows])
        width = docx_writer.usable_width(document)
        docx_writer.set_widths(table, [int(width * share) for share in (0.14, 0.14, 0.14, 0.22, 0.36)])
        for tr, r in zip(table.rows[1:], rows, strict=True):
            cells = tr.cells
            cells[0].paragraphs[0].text = ""
            docx_writer.write_cell(cells[0], r.measure, size=9, bold=True)
            docx_writer.write_cell(cells[1], r.result, size=9,
                                   small=f"95% CI {r.interval}" + (f"; {r.missing} missing" if r.missing else ""))
            docx_writer.write_cell(cells[2], "; ".join(r.constructs), size=9)
            docx_writer.write_cell(cells[3], "\n\n".join(t.text for t in r.themes), size=9)
            docx_writer.write_cell(cells[4], "\n\n".join(f"\u201c{q}\u201d ({a})" for q, a in r.quotes),
                                   size=9, italic=True)
        docx_writer.save(document, path)
    else:
        raise ValueError(fmt)
    return path
