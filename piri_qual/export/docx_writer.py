"""Word (.docx) writers: the framework matrix as a landscape appendix table, and the quote bank.

Built on python-docx's default template, so the result opens in Word and LibreOffice and takes a
report's own styles when pasted. The matrix goes on landscape A4 with small type, a header that
repeats on every page, a shaded band per participant group and the summary rows ("10 of 14
parents") at the foot; wide domains are split into tables of a few constructs each.

python-docx sets up each document (page, styles, title); the body, which grows with the codings,
is built with :mod:`piri_qual.export.word_xml` and streamed by :mod:`piri_qual.export.word_stream`,
so writing it costs the same per quote or matrix row however large the study. The cell helpers
below (``write_cell``, ``set_widths``, ...) stay for the small outcome tables, which python-docx
builds directly.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual.core.atomic import atomic_write_bytes
from piri_qual.export.csv_markdown import cell_text as cell_text_of
from piri_qual.export.word_xml import EMU_PER_CM, Cell, Run, cell_text, style_id

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
    from piri_qual.export.word_stream import streamed_docx

    document = new_document(title, landscape=True)
    textual = matrix.mode in ("excerpts", "summary")
    limit = 5 if textual else 10
    raised = matrix.raised_text()
    first = int(3.2 * EMU_PER_CM)
    members = matrix.members()
    labels = {pid: ", ".join(str(v) for v in values if str(v)) for pid, values in matrix.attribute_values().items()}
    cell_size = 7 if textual else 8
    with streamed_docx(document, path) as body:
        body.paragraph(intro)
        for _domain, dthemes in matrix.themes.groupby("domain", sort=False):
            body.heading(str(dthemes.domain_label.iloc[0]), 1)
            for ids in _chunks(dthemes, limit):
                chunk = dthemes.loc[ids]
                ncols = 1 + len(ids)
                other = int((body.block_width - first) / len(ids))
                table = body.table([first, *[other] * len(ids)], centred=True)
                # header row 1: constructs over their themes; row 2: the themes
                head = [Cell(cell_text("Participant", bold=True), vmerge="restart", fill=HEADER_FILL)]
                sub = [Cell(vmerge="continue")]
                for _, cpart in chunk.groupby("construct", sort=False):
                    head.append(Cell(cell_text(str(cpart.construct_label.iloc[0]), bold=True), span=len(cpart),
                                     fill=HEADER_FILL))
                    sub += [Cell(cell_text(str(label), bold=True), fill=HEADER_FILL) for label in cpart.label]
                table.row(head, header=True)
                table.row(sub, header=True)
                rows = matrix.row_values(ids)
                for group in matrix.groups:
                    table.row([Cell(cell_text(f"{group.capitalize()} ({len(members[group])})", bold=True, size=9),
                                    span=ncols, fill=BAND_FILL)])
                    for pid in members[group]:
                        table.row([Cell(cell_text(pid, bold=True, small=labels[pid] or None)),
                                   *[Cell(cell_text(cell_text_of(value, matrix.mode), size=cell_size))
                                     for value in rows[pid]]])
                for group in raised.index:
                    label = "all participants" if group == "all" else group
                    table.row([Cell(cell_text(f"Raised by {label}", bold=True), fill=SUMMARY_FILL),
                               *[Cell(cell_text(str(raised.at[group, t]), size=7), fill=SUMMARY_FILL) for t in ids]])
                body.paragraph(space_after=6)


# -- quote bank ----------------------------------------------------------------------------------
def add_attribution_style(document: Any) -> None:
    """The "Quote Attribution" paragraph style: small, right-aligned, space after."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    attribution = document.styles.add_style(ATTRIBUTION_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    attribution.base_style = document.styles["Normal"]
    attribution.font.size = Pt(9)
    attribution.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    attribution.paragraph_format.space_after = Pt(10)


def quotes_docx(quotes: pd.DataFrame, themes: pd.DataFrame, path: Path, title: str, intro: str,
                memos: Mapping[str, str] | None = None) -> None:
    """A heading per domain and per theme (with the theme's memo, from ``memos``: theme -> text);
    each quote a block quote with its attribution.

    Attributions get a paragraph style of their own ("Quote Attribution"), so a report's
    template can restyle them all at once.
    """
    from piri_qual.export.word_stream import streamed_docx

    document = new_document(title)
    add_attribution_style(document)
    attribution = style_id(ATTRIBUTION_STYLE)
    by_theme: dict[Hashable, pd.DataFrame] = {t: part for t, part in quotes.groupby("theme", sort=False)}
    with streamed_docx(document, path) as body:
        body.paragraph(intro)
        for _domain, dthemes in themes.groupby("domain", sort=False):
            body.heading(str(dthemes.domain_label.iloc[0]), 1)
            for theme in dthemes.itertuples():
                part = by_theme.get(theme.theme)
                body.heading(str(theme.label), 2)
                count = 0 if part is None else len(part)
                people = 0 if part is None else part.participant.nunique()
                body.runs(Run(f"{theme.construct_label}. {count} quote{'s' if count != 1 else ''} from "
                              f"{people} participant{'s' if people != 1 else ''}.", italic=True, size=9))
                memo = (memos or {}).get(str(theme.theme))
                if memo:
                    body.runs(Run("Memo: ", bold=True), Run(memo))
                if part is None:
                    continue
                for quote, who, location, coder in zip(part.quote, part.attribution, part.location, part.coder,
                                                       strict=True):
                    body.text(f"\u201c{quote}\u201d", "Quote")
                    body.text(f"\u2014 {who} ({location}; coder {coder})", attribution)
