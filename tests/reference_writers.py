"""The export writers as they were before issue #18 (python-docx's document API, openpyxl's normal
mode, whole strings), kept as the reference the streaming writers must match on the example study.

Only the way the files are written changed, so the streaming writers must produce what these
produce: the same Word XML byte for byte (less a repeated ``w:shd`` that python-docx's merged
cells gave some table cells: two shadings of one cell are invalid WordprocessingML), the same
workbook content, and the same CSV and Markdown bytes. Copied from commit 8ad0d36; do not
"improve" them, or the comparison in tests/test_export_streaming.py stops meaning anything.
"""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import io
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any, SupportsInt, cast

from piri_qual.core.atomic import atomic_write_bytes, atomic_write_text
from piri_qual.export.codebook_doc import _rules
from piri_qual.export.csv_markdown import cell_text, md_escape, md_table, quote_source
from piri_qual.export.disagreements import AGREED, _with_agreed
from piri_qual.export.docx_writer import (
    ATTRIBUTION_STYLE,
    BAND_FILL,
    HEADER_FILL,
    SUMMARY_FILL,
    add_styled,
    new_document,
    repeat_as_header,
    save,
    set_widths,
    shade,
    usable_width,
    write_cell,
)
from piri_qual.export.memo_report import _byline, _sections
from piri_qual.export.xlsx_writer import CONSTRUCT_FILL, GROUP_FILLS, sheet_title
from piri_qual.export.xlsx_writer import HEADER_FILL as XLSX_HEADER_FILL
from piri_qual.export.xlsx_writer import SUMMARY_FILL as XLSX_SUMMARY_FILL


# -- Word ----------------------------------------------------------------------------------------
def _chunks(themes: pd.DataFrame, limit: int) -> list[list[str]]:
    """Theme ids split into tables of at most ``limit`` columns, at construct boundaries when possible."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for _, part in themes.groupby("construct", sort=False):
        ids = list(part.index)
        if current and len(current) + len(ids) > limit:
            chunks.append(current)
            current = []
        while len(ids) > limit:
            chunks.append(ids[:limit])
            ids = ids[limit:]
        current.extend(ids)
    if current:
        chunks.append(current)
    return chunks


def matrix_docx(matrix: FrameworkMatrix, path: Path, title: str, intro: str) -> None:
    """The matrix as landscape tables, a heading per domain, fit for a report appendix."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt

    document = new_document(title, landscape=True)
    document.add_paragraph(intro)
    textual = matrix.mode in ("excerpts", "summary")
    limit = 5 if textual else 10
    raised = matrix.raised_text()
    people = matrix.participants
    first = Cm(3.2)
    for _domain, dthemes in matrix.themes.groupby("domain", sort=False):
        document.add_heading(str(dthemes.domain_label.iloc[0]), level=1)
        for ids in _chunks(dthemes, limit):
            chunk = dthemes.loc[ids]
            ncols = 1 + len(ids)
            table = document.add_table(rows=2, cols=ncols)
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            other = int((usable_width(document) - first) / len(ids))
            # header row 1: constructs, merged across their themes
            head, sub = table.rows[0], table.rows[1]
            write_cell(head.cells[0], "Participant", bold=True)
            head.cells[0].merge(sub.cells[0])
            col = 1
            for _, cpart in chunk.groupby("construct", sort=False):
                start, end = col, col + len(cpart) - 1
                cell = head.cells[start] if start == end else head.cells[start].merge(head.cells[end])
                write_cell(cell, str(cpart.construct_label.iloc[0]), bold=True)
                for theme in cpart.itertuples():
                    write_cell(sub.cells[col], str(theme.label), bold=True)
                    col += 1
            for row in (head, sub):
                repeat_as_header(row)
                for cell in row.cells:
                    shade(cell, HEADER_FILL)
            for group in matrix.groups:
                members = [p for p in matrix.cells.index if people.at[p, "group"] == group]
                band = table.add_row()
                merged = band.cells[0].merge(band.cells[ncols - 1])
                write_cell(merged, f"{group.capitalize()} ({len(members)})", bold=True, size=9)
                shade(merged, BAND_FILL)
                for pid in members:
                    cells = table.add_row().cells
                    attrs = ", ".join(str(people.at[pid, a]) for a in matrix.attributes if str(people.at[pid, a]))
                    write_cell(cells[0], str(pid), bold=True, small=attrs or None)
                    for i, theme_id in enumerate(ids, start=1):
                        write_cell(cells[i], cell_text(matrix.cells.at[pid, theme_id], matrix.mode),
                                   size=7 if textual else 8)
            for group in raised.index:
                cells = table.add_row().cells
                label = "all participants" if group == "all" else group
                write_cell(cells[0], f"Raised by {label}", bold=True)
                for i, theme_id in enumerate(ids, start=1):
                    write_cell(cells[i], str(raised.at[group, theme_id]), size=7)
                for cell in cells:
                    shade(cell, SUMMARY_FILL)
            set_widths(table, [first, *[other] * len(ids)])
            document.add_paragraph().paragraph_format.space_after = Pt(6)
    save(document, path)


def quotes_docx(quotes: pd.DataFrame, themes: pd.DataFrame, path: Path, title: str, intro: str,
                memos: Mapping[str, str] | None = None) -> None:
    """A heading per domain and per theme (with the theme's memo, from ``memos``: theme -> text);
    each quote a block quote with its attribution.

    Attributions get a paragraph style of their own ("Quote Attribution"), so a report's
    template can restyle them all at once.
    """
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = new_document(title)
    attribution = document.styles.add_style(ATTRIBUTION_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    attribution.base_style = document.styles["Normal"]
    attribution.font.size = Pt(9)
    attribution.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    attribution.paragraph_format.space_after = Pt(10)
    document.add_paragraph(intro)
    by_theme: dict[Hashable, pd.DataFrame] = {t: part for t, part in quotes.groupby("theme", sort=False)}
    for _domain, dthemes in themes.groupby("domain", sort=False):
        document.add_heading(str(dthemes.domain_label.iloc[0]), level=1)
        for theme in dthemes.itertuples():
            part = by_theme.get(theme.theme)
            document.add_heading(theme.label, level=2)
            count = 0 if part is None else len(part)
            people = 0 if part is None else part.participant.nunique()
            note = document.add_paragraph()
            run = note.add_run(
                f"{theme.construct_label}. {count} quote{'s' if count != 1 else ''} from "
                f"{people} participant{'s' if people != 1 else ''}."
            )
            run.italic = True
            run.font.size = Pt(9)
            memo = (memos or {}).get(str(theme.theme))
            if memo:
                paragraph = document.add_paragraph()
                paragraph.add_run("Memo: ").bold = True
                paragraph.add_run(memo)
            if part is None:
                continue
            for row in part.itertuples():
                add_styled(document, f"\u201c{row.quote}\u201d", "Quote")
                add_styled(document, f"\u2014 {row.attribution} ({quote_source(row)})", ATTRIBUTION_STYLE)
    save(document, path)


def codebook_docx(codebook: Codebook, framework: Framework | None, parts: list[Section], path: Path,
                  pseudonymiser: Pseudonymiser | None = None, dev: Development | None = None) -> None:
    from docx.shared import Pt

    clean = pseudonymiser.apply if pseudonymiser else (lambda s: s)
    document = new_document(codebook.label)
    if framework is not None:
        document.add_paragraph(f"Framework: {framework.label}. {framework.description}".strip())
        document.add_heading("Framework", level=1)
        for domain in framework.domains:
            paragraph = add_styled(document, "", "List Bullet")
            paragraph.add_run(domain.label).bold = True
            paragraph.add_run(f": {domain.description}" if domain.description else "")
            for construct in domain.constructs:
                sub = add_styled(document, "", "List Bullet 2")
                sub.add_run(construct.label).italic = True
                sub.add_run(f": {construct.description}" if construct.description else "")
    document.add_heading("Themes", level=1)
    for part in parts:
        document.add_heading(part.title, level=part.level + 1)
        if part.description:
            document.add_paragraph(part.description)
        for item in part.themes:
            theme = item.theme
            document.add_heading(f"{theme.label} ({theme.id})", level=min(part.level + 2, 4))
            if theme.parent:
                document.add_paragraph().add_run(f"Sub-theme of {theme.parent}.").italic = True
            if theme.definition:
                paragraph = document.add_paragraph()
                paragraph.add_run("Definition. ").bold = True
                paragraph.add_run(theme.definition)
            for name, rules in _rules(theme):
                if rules:
                    document.add_paragraph().add_run(f"{name}:").bold = True
                    for rule in rules:
                        add_styled(document, rule, "List Bullet")
            if theme.examples:
                document.add_paragraph().add_run("Examples:").bold = True
                for example in theme.examples:
                    add_styled(document, f"\u201c{clean(example)}\u201d", "Quote")
            if item.children:
                document.add_paragraph(f"Sub-themes: {', '.join(item.children)}")
            if item.counts:
                run = document.add_paragraph().add_run(item.counts)
                run.italic = True
                run.font.size = Pt(9)
    if dev is not None:
        document.add_heading("How the codebook developed", level=1)
        document.add_paragraph(dev.summary)
        for title, changes in dev.themes:
            document.add_paragraph().add_run(title).bold = True
            for line in changes or ["no recorded change"]:
                add_styled(document, line, "List Bullet")
    save(document, path)


def memo_docx(memos: list[MemoNote], path: Path, title: str, about: str,
              clean: Callable[[str], str] = lambda text: text) -> None:
    from docx.shared import Pt

    from piri_qual.export.docx_writer import add_styled, new_document, save

    document = new_document(f"Memos: {title}")
    document.add_paragraph(about)
    if not memos:
        document.add_paragraph("No memos yet. Write them while coding (m) or with `piri-qual memos add`.")
    for heading, part in _sections(memos):
        document.add_heading(heading, level=1)
        for memo in part:
            document.add_heading(clean(memo.target), level=2)
            byline = document.add_paragraph()
            run = byline.add_run(f"{_byline(memo)}; {memo.handle}")
            run.italic = True
            run.font.size = Pt(9)
            if memo.quote:
                add_styled(document, f"\u201c{clean(' '.join(memo.quote.split()))}\u201d", "Quote")
            for block in clean(memo.text).split("\n\n"):
                document.add_paragraph(block.strip())
            for link in memo.links:
                item = document.add_paragraph(clean(link))
                item.paragraph_format.left_indent = Pt(12)
                for r in item.runs:
                    r.font.size = Pt(8)
    save(document, path)


def disagreements_docx(frame: pd.DataFrame, path: Path, coders: list[str], title: str, facts: Mapping[str, str]) -> None:
    from docx.shared import Pt

    from piri_qual.export.docx_writer import (
        HEADER_FILL,
        new_document,
        repeat_as_header,
        save,
        set_widths,
        shade,
        usable_width,
        write_cell,
    )

    document = new_document(title, landscape=True)
    for key, value in facts.items():
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.add_run(f"{key}: ").bold = True
        paragraph.add_run(str(value))
    if frame.empty:
        document.add_paragraph("The coders agree on every unit.")
    headers = ["Unit", "Text", *coders, "Differ on", "Agreed"]
    width = usable_width(document)
    side = int(width * 0.14)
    unit_w = int(width * 0.07)
    text_w = width - unit_w - side * (len(coders) + 2)
    widths = [unit_w, max(text_w, int(width * 0.25)), *[side] * (len(coders) + 2)]
    for transcript, part in frame.groupby("transcript", sort=False):
        first = part.iloc[0]
        group = f" ({first.group})" if first.group else ""
        document.add_heading(f"{transcript}: {first.participant}{group}", level=1)
        table = document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        for cell, name in zip(table.rows[0].cells, headers, strict=True):
            write_cell(cell, name, bold=True)
            shade(cell, HEADER_FILL)
        repeat_as_header(table.rows[0])
        for row in part.to_dict("records"):
            cells = table.add_row().cells
            where = f"{row['unit']}" + (f"\n{row['time']}" if row.get("time") else "")
            write_cell(cells[0], where, small=f"{row['start']}\u2013{row['end']}")
            write_cell(cells[1], str(row["text"]))
            for i, coder in enumerate(coders, start=2):
                write_cell(cells[i], row[coder] or "(no theme)", italic=not row[coder])
            write_cell(cells[len(coders) + 2], str(row["disputed"]), bold=True)
            write_cell(cells[len(coders) + 3], "")
        set_widths(table, widths)
    save(document, path)


# -- Excel ---------------------------------------------------------------------------------------
def save_workbook(workbook: Any, path: Path) -> None:
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
            cell.fill = PatternFill("solid", fgColor=XLSX_HEADER_FILL)
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
                sheet.cell(row=row, column=c).fill = PatternFill("solid", fgColor=XLSX_SUMMARY_FILL)
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
    save_workbook(workbook, path)


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
            cell.fill = PatternFill("solid", fgColor=XLSX_HEADER_FILL)
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
    save_workbook(workbook, path)


def disagreements_xlsx(frame: pd.DataFrame, path: Path, coders: list[str], title: str, facts: Mapping[str, str]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    table = _with_agreed(frame)
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    taken: set[str] = set()
    sheet = workbook.create_sheet(sheet_title("Disagreements", taken))
    columns = [str(c) for c in table.columns]
    wide = {"text": 70, "disputed": 30, AGREED: 30, **dict.fromkeys(coders, 30)}
    for c, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=c, value=name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=XLSX_HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(c)].width = wide.get(name, max(9, len(name) + 2))
    for r, values in enumerate(table.itertuples(index=False), start=2):
        for c, value in enumerate(values, start=1):
            if hasattr(value, "item"):
                value = value.item()
            cell = sheet.cell(row=r, column=c, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(table) + 1)}"
    about_sheet(workbook, title, facts, taken)
    save_workbook(workbook, path)


# -- CSV and Markdown ----------------------------------------------------------------------------
def write_csv(frame: pd.DataFrame, path: Path) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    atomic_write_bytes(path, b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def matrix_markdown(matrix: FrameworkMatrix, title: str, intro: str) -> str:
    """A table per domain; themes headed by label and construct; summary rows in bold."""
    out = [f"# {title}\n", intro + "\n"]
    themes = matrix.themes
    raised = matrix.raised_text()
    for _domain, dthemes in themes.groupby("domain", sort=False):
        out.append(f"## {dthemes.domain_label.iloc[0]}\n")
        ids = list(dthemes.index)
        columns = ["Participant", *[a.replace("_", " ").capitalize() for a in matrix.attributes]]
        columns += [f"{row.label} ({row.construct_label})" for row in dthemes.itertuples()]
        rows: list[list[object]] = []
        for group in matrix.groups:
            members = [p for p in matrix.cells.index if matrix.participants.at[p, "group"] == group]
            rows.append([f"**{group} ({len(members)})**", *[""] * (len(columns) - 1)])
            for pid in members:
                attrs = [matrix.participants.at[pid, a] for a in matrix.attributes]
                rows.append([pid, *attrs, *[cell_text(matrix.cells.at[pid, t], matrix.mode) for t in ids]])
        for group in raised.index:
            label = "all participants" if group == "all" else group
            rows.append([f"**Raised by {label}**", *[""] * len(matrix.attributes), *[raised.at[group, t] for t in ids]])
        out.append(md_table(columns, rows))
    return "\n".join(out)


def quotes_markdown(quotes: pd.DataFrame, themes: pd.DataFrame, title: str, intro: str,
                    memos: Mapping[str, str] | None = None) -> str:
    """Quotes under domain and theme headings; a theme's memo (``memos``: theme -> text) under
    its heading, before its quotes."""
    out = [f"# {title}\n", intro + "\n"]
    by_theme: dict[Hashable, pd.DataFrame] = {t: part for t, part in quotes.groupby("theme", sort=False)}
    for _domain, dthemes in themes.groupby("domain", sort=False):
        out.append(f"## {dthemes.domain_label.iloc[0]}\n")
        for theme in dthemes.itertuples():
            part = by_theme.get(theme.theme)
            count = 0 if part is None else len(part)
            out.append(f"### {theme.label}\n")
            out.append(f"*{theme.construct_label}; {count} quote{'s' if count != 1 else ''}*\n")
            memo = (memos or {}).get(str(theme.theme))
            if memo:
                out.append("**Memo:** " + md_escape(memo).replace("<br>", "  \n") + "\n")
            if part is None:
                continue
            for row in part.itertuples():
                text = str(row.quote).replace("\n", " ")
                out.append(f"> \u201c{text}\u201d\n>\n> \u2014 {row.attribution} ({quote_source(row)})\n")
    return "\n".join(out)


def write_markdown(text: str, path: Path) -> None:
    atomic_write_text(path, text if text.endswith("\n") else text + "\n")
