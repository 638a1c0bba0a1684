"""Word (.docx) writers: the framework matrix as a landscape appendix table, and the quote bank.

Built with python-docx on its default template, so the result opens in Word and LibreOffice and
takes a report's own styles when pasted. The matrix goes on landscape A4 with small type, a
header that repeats on every page, a shaded band per participant group and the summary rows
("10 of 14 parents") at the foot; wide domains are split into tables of a few constructs each.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual.core.atomic import atomic_write_bytes
from piri_qual.export.csv_markdown import cell_text, quote_source

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.matrix import FrameworkMatrix

BAND_FILL = "D9E2F3"
HEADER_FILL = "BFBFBF"
SUMMARY_FILL = "F2F2F2"
ATTRIBUTION_STYLE = "Quote Attribution"


# -- low-level helpers ---------------------------------------------------------------------------
def new_document(title: str, landscape: bool = False) -> Any:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    document = Document()
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5 if landscape else 2.0))
    document.core_properties.title = title
    document.add_heading(title, level=0)
    return document


def add_styled(container: Any, text: str, style: str) -> Any:
    """``container.add_paragraph(text, style)`` without python-docx's per-call style search.

    python-docx resolves a style name by scanning every style of the document on each call
    (milliseconds each); a quote bank adds thousands of paragraphs, so the style id is set
    directly. The built-in styles used here have ids equal to their names without spaces.
    """
    paragraph = container.add_paragraph(text)
    paragraph._p.get_or_add_pPr().style = style.replace(" ", "")
    return paragraph


def save(document: Any, path: Path) -> None:
    buffer = io.BytesIO()
    document.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def usable_width(document: Any) -> int:
    section = document.sections[-1]
    return int(section.page_width - section.left_margin - section.right_margin)


def shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    props.append(shd)


def repeat_as_header(row: Any) -> None:
    """Mark a table row to repeat at the top of each page (``w:tblHeader``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)


def write_cell(cell: Any, text: str, *, size: float = 8, bold: bool = False, italic: bool = False,
               small: str | None = None) -> None:
    """Put text in a cell (blank lines become paragraphs); ``small`` adds a second, smaller line."""
    from docx.shared import Pt

    parts = str(text).split("\n\n") if text else [""]
    paragraph = cell.paragraphs[0]
    for i, part in enumerate(parts):
        if i:
            paragraph = cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        run = paragraph.add_run(part)
        run.font.size = Pt(size)
        run.bold = bold
        run.italic = italic
    if small:
        run = paragraph.add_run("\n" + small)
        run.font.size = Pt(size - 1)
        run.italic = True


def set_widths(table: Any, widths: list[int]) -> None:
    """Column widths for Word (cell widths) and LibreOffice (the table grid), which read different ones."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=False):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


# -- framework matrix ----------------------------------------------------------------------------
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


# -- quote bank ----------------------------------------------------------------------------------
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
            add_styled(document, str(theme.label), "Heading 2")
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
