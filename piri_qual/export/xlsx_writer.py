"""Excel (.xlsx) writers: the framework matrix with a sheet per domain, and frequency tables.

Laid out as researchers chart by hand in the Framework Method: participants down the side with
their group and attributes, themes across under their construct, headers frozen so they stay in
view while scrolling, long text wrapped, and the "raised by" summary rows at the foot.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, SupportsInt, cast

from piri_qual.core.atomic import atomic_write_bytes

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.matrix import FrameworkMatrix

HEADER_FILL = "D9D9D9"
CONSTRUCT_FILL = "BDD7EE"
GROUP_FILLS = ("FFFFFF", "F2F2F2")
SUMMARY_FILL = "FFF2CC"


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique worksheet name (31 characters, none of ``[]:*?/\\``)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", text).strip("'") or "Sheet"
    base = base[:31]
    name, n = base, 2
    while name.casefold() in {t.casefold() for t in taken}:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name)
    return name


def save(workbook: Any, path: Path) -> None:
    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def about_sheet(workbook: Any, title: str, facts: Mapping[str, str], taken: set[str]) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet(sheet_title("About", taken))
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=13)
    for row, (key, value) in enumerate(facts.items(), start=3):
        sheet.cell(row=row, column=1, value=key).font = Font(bold=True)
        cell = sheet.cell(row=row, column=2, value=value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90


def matrix_xlsx(matrix: FrameworkMatrix, path: Path, title: str, facts: Mapping[str, str]) -> None:
    """A sheet per framework domain, then an About sheet saying what the cells hold."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    taken: set[str] = set()
    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(wrap_text=True, vertical="top", horizontal="center")
    textual = matrix.mode in ("excerpts", "summary")
    people = matrix.participants
    raised = matrix.raised_text()
    left = ["Group", "Participant", *[a.replace("_", " ").capitalize() for a in matrix.attributes]]
    first_theme_col = len(left) + 1
    for _domain, dthemes in matrix.themes.groupby("domain", sort=False):
        sheet = workbook.create_sheet(sheet_title(str(dthemes.domain_label.iloc[0]), taken))
        sheet["A1"] = f"{title}: {dthemes.domain_label.iloc[0]}"
        sheet["A1"].font = Font(bold=True, size=12)
        # row 2: constructs merged over their themes; row 3: column headers
        col = first_theme_col
        for _, cpart in dthemes.groupby("construct", sort=False):
            end = col + len(cpart) - 1
            cell = sheet.cell(row=2, column=col, value=str(cpart.construct_label.iloc[0]))
            cell.font = Font(bold=True)
            cell.alignment = centre
            cell.fill = PatternFill("solid", fgColor=CONSTRUCT_FILL)
            if end > col:
                sheet.merge_cells(start_row=2, start_column=col, end_row=2, end_column=end)
            col = end + 1
        headers = left + list(dthemes.label)
        for c, text in enumerate(headers, start=1):
            cell = sheet.cell(row=3, column=c, value=text)
            cell.font = Font(bold=True)
            cell.alignment = centre
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.border = border
        row = 4
        for g, group in enumerate(matrix.groups):
            fill = PatternFill("solid", fgColor=GROUP_FILLS[g % 2])
            for pid in [p for p in matrix.cells.index if people.at[p, "group"] == group]:
                values: list[Any] = [group, pid, *[people.at[pid, a] for a in matrix.attributes]]
                for theme_id in dthemes.index:
                    value = matrix.cells.at[pid, theme_id]
                    if matrix.mode == "count":
                        value = int(cast(SupportsInt, value))  # a count; pandas types it as any scalar
                    elif matrix.mode == "presence":
                        value = "\u2713" if value else ""
                    values.append(value)
                for c, value in enumerate(values, start=1):
                    cell = sheet.cell(row=row, column=c, value=value)
                    cell.alignment = wrap_top if (textual or c < first_theme_col) else centre
                    cell.border = border
                    cell.fill = fill
                row += 1
        row += 1
        for group in raised.index:
            label = "all participants" if group == "all" else group
            sheet.cell(row=row, column=1, value="Raised by").font = Font(bold=True)
            sheet.cell(row=row, column=2, value=label).font = Font(bold=True)
            for c, theme_id in enumerate(dthemes.index, start=first_theme_col):
                cell = sheet.cell(row=row, column=c, value=raised.at[group, theme_id])
                cell.alignment = centre
            for c in range(1, first_theme_col + len(dthemes)):
                sheet.cell(row=row, column=c).fill = PatternFill("solid", fgColor=SUMMARY_FILL)
                sheet.cell(row=row, column=c).border = border
            row += 1
        sheet.freeze_panes = sheet.cell(row=4, column=first_theme_col)
        sheet.column_dimensions["A"].width = 12
        sheet.column_dimensions["B"].width = 13
        for c in range(3, first_theme_col):
            sheet.column_dimensions[get_column_letter(c)].width = 16
        for c in range(first_theme_col, first_theme_col + len(dthemes)):
            sheet.column_dimensions[get_column_letter(c)].width = 48 if textual else 16
        sheet.row_dimensions[3].height = 45
    about_sheet(workbook, title, facts, taken)
    save(workbook, path)


def frames_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path, title: str, facts: Mapping[str, str]) -> None:
    """Several tables, one per sheet, with a bold frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    taken: set[str] = set()
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(sheet_title(name, taken))
        columns = [str(c) for c in frame.columns]
        for c, text in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=c, value=text)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r, values in enumerate(frame.itertuples(index=False), start=2):
            for c, value in enumerate(values, start=1):
                if hasattr(value, "item"):
                    value = value.item()
                sheet.cell(row=r, column=c, value=value)
        sheet.freeze_panes = "B2" if len(columns) > 1 else "A2"
        for c, text in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = max(10, min(40, len(text) + 2))
    about_sheet(workbook, title, facts, taken)
    save(workbook, path)
