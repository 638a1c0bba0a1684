"""Excel (.xlsx) writers: the framework matrix with a sheet per domain, and frequency tables.

Laid out as researchers chart by hand in the Framework Method: participants down the side with
their group and attributes, themes across under their construct, headers frozen so they stay in
view while scrolling, long text wrapped, and the "raised by" summary rows at the foot.

Workbooks are written in openpyxl's write-only mode: each row goes to the sheet's XML as it is
appended, so a matrix of 1,000 participants is never held as a grid of cell objects, and the
file streams into place through :func:`~piri_qual.core.atomic.atomic_stream`. Styles are made
once per workbook (:class:`Styles`) and stamped onto cells: assigning a font, fill, border and
alignment to every cell looked each one up by hashing it again, which cost more than the rest
of the export.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from copy import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any, SupportsInt, cast

from piri_qual.core.atomic import atomic_stream

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


def new_workbook() -> Any:
    from openpyxl import Workbook

    return Workbook(write_only=True)


def save(workbook: Any, path: Path) -> None:
    with atomic_stream(path) as handle:
        workbook.save(handle)


class Styles:
    """Named cell styles of one workbook, each made once and then copied onto cells.

    A style is given as keyword arguments of the openpyxl style objects (``font``, ``fill``,
    ``border``, ``alignment``); :meth:`cell` returns a write-only cell with that style, which a
    row may hold even without a value (a shaded empty cell).
    """

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self._made: dict[str, Any] = {}

    def define(self, name: str, **style: Any) -> None:
        from openpyxl.cell import WriteOnlyCell

        proto = WriteOnlyCell(self.sheet)
        for key, value in style.items():
            setattr(proto, key, value)
        self._made[name] = proto

    def cell(self, name: str, value: Any = None) -> Any:
        from openpyxl.cell import WriteOnlyCell

        made = WriteOnlyCell(self.sheet, value)
        # The style array holds indices into the workbook's style tables, which every cell of a
        # workbook shares; copying it is how openpyxl itself copies a style (Worksheet.copy_worksheet,
        # the formula translator). The stubs leave the slot out.
        made._style = copy(self._made[name]._style)  # type: ignore[attr-defined]
        return made


def about_sheet(workbook: Any, title: str, facts: Mapping[str, str], taken: set[str]) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet(sheet_title("About", taken))
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    styles = Styles(sheet)
    styles.define("title", font=Font(bold=True, size=13))
    styles.define("key", font=Font(bold=True))
    styles.define("value", alignment=Alignment(wrap_text=True, vertical="top"))
    sheet.append([styles.cell("title", title)])
    sheet.append([])
    for key, value in facts.items():
        sheet.append([styles.cell("key", key), styles.cell("value", value)])


def matrix_xlsx(matrix: FrameworkMatrix, path: Path, title: str, facts: Mapping[str, str]) -> None:
    """A sheet per framework domain, then an About sheet saying what the cells hold."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = new_workbook()
    taken: set[str] = set()
    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(wrap_text=True, vertical="top", horizontal="center")
    summary = PatternFill("solid", fgColor=SUMMARY_FILL)
    textual = matrix.mode in ("excerpts", "summary")
    raised = matrix.raised_text()
    left = ["Group", "Participant", *[a.replace("_", " ").capitalize() for a in matrix.attributes]]
    first_theme_col = len(left) + 1
    members = matrix.members()
    attributes = matrix.attribute_values()
    for _domain, dthemes in matrix.themes.groupby("domain", sort=False):
        sheet = workbook.create_sheet(sheet_title(str(dthemes.domain_label.iloc[0]), taken))
        # what a write-only sheet must know before its first row: panes, columns, row heights
        sheet.freeze_panes = f"{get_column_letter(first_theme_col)}4"
        sheet.column_dimensions["A"].width = 12
        sheet.column_dimensions["B"].width = 13
        for c in range(3, first_theme_col):
            sheet.column_dimensions[get_column_letter(c)].width = 16
        for c in range(first_theme_col, first_theme_col + len(dthemes)):
            sheet.column_dimensions[get_column_letter(c)].width = 48 if textual else 16
        sheet.row_dimensions[3].height = 45
        styles = Styles(sheet)
        styles.define("title", font=Font(bold=True, size=12))
        styles.define("construct", font=Font(bold=True), alignment=centre,
                      fill=PatternFill("solid", fgColor=CONSTRUCT_FILL))
        styles.define("header", font=Font(bold=True), alignment=centre,
                      fill=PatternFill("solid", fgColor=HEADER_FILL), border=border)
        for g, fill in enumerate(GROUP_FILLS):
            solid = PatternFill("solid", fgColor=fill)
            styles.define(f"side{g}", alignment=wrap_top, border=border, fill=solid)
            styles.define(f"value{g}", alignment=wrap_top if textual else centre, border=border, fill=solid)
        styles.define("raised label", font=Font(bold=True), fill=summary, border=border)
        styles.define("raised", alignment=centre, fill=summary, border=border)
        styles.define("raised blank", fill=summary, border=border)

        sheet.append([styles.cell("title", f"{title}: {dthemes.domain_label.iloc[0]}")])
        # row 2: constructs over their themes (merged); row 3: column headers
        constructs: list[Any] = [None] * len(left)
        col = first_theme_col
        for _, cpart in dthemes.groupby("construct", sort=False):
            end = col + len(cpart) - 1
            constructs.append(styles.cell("construct", str(cpart.construct_label.iloc[0])))
            constructs += [None] * (end - col)
            if end > col:
                sheet.merged_cells.add(f"{get_column_letter(col)}2:{get_column_letter(end)}2")
            col = end + 1
        sheet.append(constructs)
        sheet.append([styles.cell("header", text) for text in left + list(dthemes.label)])
        rows = matrix.row_values(list(dthemes.index))
        for g, group in enumerate(matrix.groups):
            side, cell = f"side{g % 2}", f"value{g % 2}"
            for pid in members[group]:
                row = [styles.cell(side, group), styles.cell(side, pid),
                       *[styles.cell(side, value) for value in attributes[pid]]]
                for value in rows[pid]:
                    if matrix.mode == "count":
                        value = int(cast(SupportsInt, value))  # a count; pandas types it as any scalar
                    elif matrix.mode == "presence":
                        value = "\u2713" if value else ""
                    row.append(styles.cell(cell, value))
                sheet.append(row)
        sheet.append([])
        for group in raised.index:
            label = "all participants" if group == "all" else group
            sheet.append([styles.cell("raised label", "Raised by"), styles.cell("raised label", label),
                          *[styles.cell("raised blank") for _ in range(3, first_theme_col)],
                          *[styles.cell("raised", raised.at[group, t]) for t in dthemes.index]])
    about_sheet(workbook, title, facts, taken)
    save(workbook, path)


def frames_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path, title: str, facts: Mapping[str, str]) -> None:
    """Several tables, one per sheet, with a bold frozen header row."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = new_workbook()
    taken: set[str] = set()
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(sheet_title(name, taken))
        columns = [str(c) for c in frame.columns]
        sheet.freeze_panes = "B2" if len(columns) > 1 else "A2"
        for c, text in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = max(10, min(40, len(text) + 2))
        styles = Styles(sheet)
        styles.define("header", font=Font(bold=True), fill=PatternFill("solid", fgColor=HEADER_FILL),
                      alignment=Alignment(wrap_text=True, vertical="top"))
        sheet.append([styles.cell("header", text) for text in columns])
        for values in frame.itertuples(index=False):
            sheet.append([value.item() if hasattr(value, "item") else value for value in values])
    about_sheet(workbook, title, facts, taken)
    save(workbook, path)
