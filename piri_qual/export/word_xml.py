"""WordprocessingML blocks (paragraphs, runs, tables) built straight with lxml, as python-docx lays them out.

Why not python-docx's own calls: each ``add_paragraph``/``add_table`` on a document body looks
for the body's closing ``w:sectPr`` by scanning every block before it, so a quote bank of 50,000
quotes cost 50,000 scans of a growing body (quadratic: an ``export all`` of 1,000 interviews never
finished); setting a run's text walks it character by character in Python; and a table row's
``cells`` rebuilds the grid of the whole table. Building the same elements here costs a few lxml
calls per block, and :mod:`piri_qual.export.word_stream` writes them out as they come.

The XML is what python-docx writes for the same calls (pStyle before spacing and indent, ``b``
before ``i`` before ``sz``, ``xml:space="preserve"`` on text with outer white space, tabs and
line breaks as their own elements); ``tests/test_export_streaming.py`` checks that against
python-docx itself, so documents open and read exactly as they did.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from functools import partial
from typing import Any

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
EMU_PER_PT = 12700
EMU_PER_TWIP = 635
EMU_PER_CM = 360000


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


P, PPR, PSTYLE, SPACING, IND, JC = _w("p"), _w("pPr"), _w("pStyle"), _w("spacing"), _w("ind"), _w("jc")
R, RPR, BOLD, ITALIC, SZ, T, BR, TAB = _w("r"), _w("rPr"), _w("b"), _w("i"), _w("sz"), _w("t"), _w("br"), _w("tab")
TBL, TBLPR, TBLSTYLE, TBLW, TBLLAYOUT, TBLLOOK = _w("tbl"), _w("tblPr"), _w("tblStyle"), _w("tblW"), _w("tblLayout"), _w("tblLook")
TBLGRID, GRIDCOL, TR, TRPR, TBLHEADER = _w("tblGrid"), _w("gridCol"), _w("tr"), _w("trPr"), _w("tblHeader")
TC, TCPR, TCW, GRIDSPAN, VMERGE, SHD = _w("tc"), _w("tcPr"), _w("tcW"), _w("gridSpan"), _w("vMerge"), _w("shd")
VAL = _w("val")
_BREAKS = re.compile(r"([\t\r\n])")
_TBL_LOOK = {_w("firstColumn"): "1", _w("firstRow"): "1", _w("lastColumn"): "0", _w("lastRow"): "0",
             _w("noHBand"): "0", _w("noVBand"): "1", VAL: "04A0"}


class Templates:
    """Blocks of a repeated shape, built once and then copied with only their text changed.

    A quote bank is thousands of paragraphs of two shapes and a matrix thousands of cells of a
    few; copying a built element (one call into libxml2) and setting its text costs a fraction of
    building it again element by element.
    """

    def __init__(self) -> None:
        self._made: dict[Hashable, Any] = {}

    def copy(self, key: Hashable, build: Callable[[], Any]) -> Any:
        template = self._made.get(key)
        if template is None:
            template = self._made[key] = build()
        return deepcopy(template)


def plain(text: str) -> bool:
    """Whether ``text`` goes into a single ``w:t`` (no tab or line break to split it at)."""
    return "\t" not in text and "\n" not in text and "\r" not in text


def needs_preserve(text: str) -> bool:
    return len(text.strip()) < len(text)


def half_points(points: float) -> str:
    """A font size as ``w:sz`` holds it, rounded as python-docx rounds ``Pt(points)``."""
    return str(int(int(points * EMU_PER_PT) / EMU_PER_PT * 2))


def twips_of_points(points: float) -> str:
    """A spacing or indent in points as twentieths of a point (``w:spacing/@w:after``)."""
    return str(round(int(points * EMU_PER_PT) / EMU_PER_TWIP))


def twips(emu: int) -> int:
    """A length in EMU as twips, rounded as python-docx rounds it."""
    return round(emu / EMU_PER_TWIP)


def style_id(name: str) -> str:
    """The id of a built-in style of python-docx's template: its name without spaces."""
    return name.replace(" ", "")


@dataclass(frozen=True)
class Run:
    """Text with direct formatting; None leaves a property to the style."""

    text: str
    bold: bool | None = None
    italic: bool | None = None
    size: float | None = None  # points


def _flag(parent: Any, tag: str, value: bool) -> None:
    element = etree.SubElement(parent, tag)
    if not value:
        element.set(VAL, "0")


def add_text(run: Any, text: str) -> None:
    """Fill a ``w:r`` with ``text``: a ``w:t`` per stretch, ``w:tab`` for a tab, ``w:br`` per line break."""
    if "\t" not in text and "\n" not in text and "\r" not in text:
        pieces: Sequence[str] = (text,)
    else:
        pieces = _BREAKS.split(text)
    for piece in pieces:
        if not piece:
            continue
        if piece == "\t":
            etree.SubElement(run, TAB)
        elif piece in ("\n", "\r"):
            etree.SubElement(run, BR)
        else:
            t = etree.SubElement(run, T)
            t.text = piece
            if needs_preserve(piece):
                t.set(XML_SPACE, "preserve")


def add_run(paragraph: Any, run: Run) -> Any:
    r = etree.SubElement(paragraph, R)
    if run.bold is not None or run.italic is not None or run.size is not None:
        props = etree.SubElement(r, RPR)
        if run.bold is not None:
            _flag(props, BOLD, run.bold)
        if run.italic is not None:
            _flag(props, ITALIC, run.italic)
        if run.size is not None:
            etree.SubElement(props, SZ).set(VAL, half_points(run.size))
    if run.text:
        add_text(r, run.text)
    return r


def paragraph(parent: Any, text: str = "", style: str | None = None, *, runs: Sequence[Run] = (),
              space_after: float | None = None, left_indent: float | None = None) -> Any:
    """A ``w:p`` under ``parent``: ``text`` as one plain run, then ``runs``; ``style`` a style id;
    spacing after and left indent in points."""
    p = etree.SubElement(parent, P)
    if style is not None or space_after is not None or left_indent is not None:
        props = etree.SubElement(p, PPR)
        if style is not None:
            etree.SubElement(props, PSTYLE).set(VAL, style)
        if space_after is not None:
            etree.SubElement(props, SPACING).set(_w("after"), twips_of_points(space_after))
        if left_indent is not None:
            etree.SubElement(props, IND).set(_w("left"), twips_of_points(left_indent))
    if text:
        add_text(etree.SubElement(p, R), text)
    for run in runs:
        add_run(p, run)
    return p


def heading(parent: Any, text: str, level: int) -> Any:
    """What ``Document.add_heading(text, level)`` adds: the Title style at 0, else Heading N."""
    return paragraph(parent, text, "Title" if level == 0 else f"Heading{level}")


# -- tables --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One table cell: its paragraphs' runs (a list per paragraph), how many grid columns it
    spans, a vertical merge (``restart`` opens one, ``continue`` is covered by the cell above)
    and a shading fill."""

    paragraphs: Sequence[Sequence[Run]] = ((),)
    span: int = 1
    vmerge: str | None = None
    fill: str | None = None


def cell_text(text: str, *, size: float = 8, bold: bool = False, italic: bool = False,
              small: str | None = None) -> tuple[tuple[Run, ...], ...]:
    """A cell's paragraphs for ``text`` (blank lines start new paragraphs), every run with the
    given formatting, and ``small`` as a smaller italic second line of the last paragraph."""
    parts = str(text).split("\n\n") if text else [""]
    paragraphs = [[Run(part, bold=bold, italic=italic, size=size)] for part in parts]
    if small:
        paragraphs[-1].append(Run("\n" + small, italic=True, size=size - 1))
    return tuple(tuple(p) for p in paragraphs)


class Table:
    """A ``w:tbl`` grown row by row: python-docx's "Table Grid" table with a fixed layout.

    ``widths`` are the grid columns in EMU. A cell gets the width of the last grid column it
    spans, as python-docx's ``cell.width`` left it when every cell of a row was set in turn; a
    cell covered by a vertical merge keeps ``initial`` (the even share ``add_table`` gave it).
    Every cell paragraph gets ``space_after`` points after it, as the export's cells always had.
    """

    def __init__(self, parent: Any, widths: Sequence[int], *, initial: int, centred: bool = False,
                 space_after: float = 2) -> None:
        self.element = etree.SubElement(parent, TBL)
        props = etree.SubElement(self.element, TBLPR)
        etree.SubElement(props, TBLSTYLE).set(VAL, "TableGrid")
        etree.SubElement(props, TBLW, {_w("type"): "auto", _w("w"): "0"})
        if centred:
            etree.SubElement(props, JC).set(VAL, "center")
        etree.SubElement(props, TBLLAYOUT).set(_w("type"), "fixed")
        etree.SubElement(props, TBLLOOK, _TBL_LOOK)
        grid = etree.SubElement(self.element, TBLGRID)
        self.widths = [str(twips(w)) for w in widths]
        for width in self.widths:
            etree.SubElement(grid, GRIDCOL).set(_w("w"), width)
        self.initial = str(twips(initial))
        self.spacing = twips_of_points(space_after)
        self._templates = Templates()

    def row(self, cells: Sequence[Cell], *, header: bool = False) -> None:
        tr = etree.SubElement(self.element, TR)
        if header:
            etree.SubElement(etree.SubElement(tr, TRPR), TBLHEADER).set(VAL, "true")
        column = 0
        for cell in cells:
            last = column + cell.span - 1
            width = self.initial if cell.vmerge == "continue" else self.widths[min(last, len(self.widths) - 1)]
            runs = cell.paragraphs[0] if len(cell.paragraphs) == 1 else ()
            if cell.vmerge is None and len(runs) == 1 and plain(runs[0].text):
                # the usual cell, one run of plain text: a copy of its shape with the text set
                run = runs[0]
                key = (width, cell.span, cell.fill, run.bold, run.italic, run.size, bool(run.text),
                       needs_preserve(run.text))
                tc = self._templates.copy(key, partial(self._detached_cell, cell, width))
                if run.text:
                    tc[-1][-1][-1].text = run.text  # tc / p / r / t
                tr.append(tc)
            else:
                self._cell(tr, cell, width)
            column = last + 1

    def _detached_cell(self, cell: Cell, width: str) -> Any:
        return self._cell(etree.Element("tr"), cell, width)

    def _cell(self, tr: Any, cell: Cell, width: str) -> Any:
        tc = etree.SubElement(tr, TC)
        props = etree.SubElement(tc, TCPR)
        etree.SubElement(props, TCW, {_w("type"): "dxa", _w("w"): width})
        if cell.span > 1:
            etree.SubElement(props, GRIDSPAN).set(VAL, str(cell.span))
        if cell.vmerge == "restart":
            etree.SubElement(props, VMERGE).set(VAL, "restart")
        elif cell.vmerge == "continue":
            etree.SubElement(props, VMERGE)
        if cell.fill:
            etree.SubElement(props, SHD, {VAL: "clear", _w("color"): "auto", _w("fill"): cell.fill})
        if cell.vmerge == "continue":
            etree.SubElement(tc, P)
        else:
            for runs in cell.paragraphs:
                p = etree.SubElement(tc, P)
                etree.SubElement(etree.SubElement(p, PPR), SPACING).set(_w("after"), self.spacing)
                for run in runs:
                    add_run(p, run)
        return tc
