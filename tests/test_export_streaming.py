"""The streaming export writers (issue #18) write what the writers before them wrote.

On the example study (gold coder, with theme, cell, participant and excerpt memos added, a codebook
rename so the codebook has a history, and a second coder for the disagreement list), each writer
and its pre-#18 version (tests/reference_writers.py: python-docx's document API, openpyxl's normal
mode, whole strings) write the same export. Compared:

* Word: every part of the package byte for byte; ``word/document.xml`` too, except that a table
  cell python-docx shaded twice (a merged header cell) is shaded once now (two ``w:shd`` in one
  ``w:tcPr`` is invalid WordprocessingML), so repeated ``w:shd`` are collapsed before comparing;
* Excel: what the workbook holds (sheet names; every cell's value, font, fill, alignment and
  border; merged ranges, frozen panes, column widths, row heights, filters): write-only mode lays
  out the XML differently, the content must not differ;
* CSV and Markdown: byte for byte.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import reference_writers as before  # noqa: E402

from piri_qual.analysis.disagreements import disagreement_list  # noqa: E402
from piri_qual.analysis.matrix import matrix_from_data  # noqa: E402
from piri_qual.analysis.memos import collect_memos  # noqa: E402
from piri_qual.analysis.quotes import quote_bank  # noqa: E402
from piri_qual.analysis.selection import Selection, load_selection  # noqa: E402
from piri_qual.analysis.study_agreement import coded_units  # noqa: E402
from piri_qual.export import csv_markdown, disagreements, docx_writer, memo_report, xlsx_writer  # noqa: E402
from piri_qual.export.codebook_doc import codebook_docx, development, sections  # noqa: E402
from piri_qual.export.study_exports import count_attributes, frequency_tables, intro, theme_memos  # noqa: E402
from piri_qual.study import Study  # noqa: E402

_SHD = re.compile(rb"(<w:shd [^>]*/>)(\1)+")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    from study_builders import copy_example_study

    root = copy_example_study(tmp_path_factory.mktemp("streaming") / "example", gold=True)
    study = Study(root)
    gold = sorted(study.fold("gold").codings.values(), key=lambda c: (c.transcript, c.start, c.theme))
    store = study.store
    store.append("gold", "memo", scope="theme", theme="waiting_times",
                 text="Waits of six weeks and more; Sarah at Northvale said so too.\n\nA second paragraph.")
    store.append("gold", "memo", scope="theme", theme="service_awareness", text="\tIndented, with a tab.")
    for pid, theme in (("P01", "waiting_times"), ("P03", "service_awareness"), ("S02", "referral_process")):
        store.append("gold", "memo", scope="cell", participant=pid, theme=theme,
                     text=f"{pid} on {theme}: summarised for the matrix.")
    store.append("gold", "memo", scope="participant", participant="P02", text="Interviewed at home.")
    store.append("gold", "memo", scope="excerpt", target=gold[5].id, text="A telling excerpt.")
    themes = study.codebook.ids
    items = []
    for n, c in enumerate(gold):
        if n % 10 == 9:
            continue
        theme = themes[(themes.index(c.theme) + 1) % len(themes)] if n % 25 == 24 else c.theme
        items.append(("add", {"transcript": c.transcript, "start": c.start, "end": c.end, "theme": theme}))
    store.append_many("pert", items)
    study.codebook_store.rename("gold", "waiting_times", "waiting", label="Waiting for support", why="shorter")
    return Study(root)


@pytest.fixture(scope="module")
def data(study: Study) -> Selection:
    return load_selection(study, "gold")


def word_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    parts["word/document.xml"] = _SHD.sub(rb"\1", parts["word/document.xml"])
    return parts


def assert_same_word(ours: Path, theirs: Path) -> None:
    a, b = word_parts(ours), word_parts(theirs)
    assert list(a) == list(b)
    for name in a:
        assert a[name] == b[name], f"{name} differs"


def workbook_content(path: Path) -> list[object]:
    book = openpyxl.load_workbook(path)
    out: list[object] = []
    for sheet in book.worksheets:
        cells = {}
        for row in sheet.iter_rows():
            for c in row:
                if type(c).__name__ == "MergedCell" or (c.value is None and not c.has_style):
                    continue
                side = c.border.left
                cells[c.coordinate] = (
                    c.value, c.font.b, c.font.sz, c.fill.fill_type, c.fill.fgColor.rgb, c.alignment.wrap_text,
                    c.alignment.vertical, c.alignment.horizontal, side.style, side.color.rgb if side.color else None,
                )
        out.append((
            sheet.title, cells, sorted(str(r) for r in sheet.merged_cells.ranges), sheet.freeze_panes,
            {k: v.width for k, v in sheet.column_dimensions.items()},
            {k: v.height for k, v in sheet.row_dimensions.items() if v.height}, sheet.auto_filter.ref,
        ))
    return out


@pytest.mark.parametrize("mode", ["count", "excerpts", "summary"])
def test_matrix_word_and_excel(data: Selection, mode: str, tmp_path: Path) -> None:
    matrix = matrix_from_data(data, mode)
    assert (matrix.cells.astype(str) != "").to_numpy().any()  # the matrix has content to compare
    facts = {"Export": "Framework matrix", "Cells": mode}
    docx_writer.matrix_docx(matrix, tmp_path / "ours.docx", "Framework matrix", "Intro.")
    before.matrix_docx(matrix, tmp_path / "theirs.docx", "Framework matrix", "Intro.")
    assert_same_word(tmp_path / "ours.docx", tmp_path / "theirs.docx")
    xlsx_writer.matrix_xlsx(matrix, tmp_path / "ours.xlsx", "Framework matrix", facts)
    before.matrix_xlsx(matrix, tmp_path / "theirs.xlsx", "Framework matrix", facts)
    assert workbook_content(tmp_path / "ours.xlsx") == workbook_content(tmp_path / "theirs.xlsx")
    csv_markdown.write_markdown(csv_markdown.matrix_markdown(matrix, "Framework matrix", "Intro."), tmp_path / "o.md")
    before.write_markdown(before.matrix_markdown(matrix, "Framework matrix", "Intro."), tmp_path / "t.md")
    assert (tmp_path / "o.md").read_bytes() == (tmp_path / "t.md").read_bytes()


def test_the_only_word_difference_is_the_repeated_shading(data: Selection, tmp_path: Path) -> None:
    """Without collapsing repeated w:shd the matrix differs, and only in those."""
    matrix = matrix_from_data(data, "count")
    docx_writer.matrix_docx(matrix, tmp_path / "ours.docx", "M", "I.")
    before.matrix_docx(matrix, tmp_path / "theirs.docx", "M", "I.")
    ours = zipfile.ZipFile(tmp_path / "ours.docx").read("word/document.xml")
    theirs = zipfile.ZipFile(tmp_path / "theirs.docx").read("word/document.xml")
    assert ours != theirs and _SHD.search(theirs) and not _SHD.search(ours)
    assert _SHD.sub(rb"\1", theirs) == ours


def test_quote_bank_in_every_format(data: Selection, tmp_path: Path) -> None:
    quotes = quote_bank(data)
    memos = theme_memos(data)
    assert len(quotes) > 1000 and memos
    text = intro(data, "Quote bank")
    docx_writer.quotes_docx(quotes, data.themes, tmp_path / "ours.docx", "Quote bank", text, memos)
    before.quotes_docx(quotes, data.themes, tmp_path / "theirs.docx", "Quote bank", text, memos)
    assert_same_word(tmp_path / "ours.docx", tmp_path / "theirs.docx")
    csv_markdown.write_markdown(csv_markdown.quotes_markdown(quotes, data.themes, "Quote bank", text, memos),
                                tmp_path / "o.md")
    before.write_markdown(before.quotes_markdown(quotes, data.themes, "Quote bank", text, memos), tmp_path / "t.md")
    assert (tmp_path / "o.md").read_bytes() == (tmp_path / "t.md").read_bytes()
    csv_markdown.quotes_csv(quotes, tmp_path / "o.csv")
    frame = quotes[csv_markdown.QUOTE_CSV_COLUMNS].rename(columns={"domain_label": "domain",
                                                                   "construct_label": "construct"})
    before.write_csv(frame, tmp_path / "t.csv")
    assert (tmp_path / "o.csv").read_bytes() == (tmp_path / "t.csv").read_bytes()


def test_codebook_and_memo_documents(study: Study, data: Selection, tmp_path: Path) -> None:
    parts = sections(study.codebook, study.framework, None, "gold")
    dev = development(study.history, study.codebook)
    assert dev is not None  # the rename gave the codebook a history
    codebook_docx(study.codebook, study.framework, parts, tmp_path / "cb.docx", data.pseudonymiser, dev)
    before.codebook_docx(study.codebook, study.framework, parts, tmp_path / "cb-before.docx", data.pseudonymiser, dev)
    assert_same_word(tmp_path / "cb.docx", tmp_path / "cb-before.docx")
    memos = collect_memos(study, ["gold"])
    assert {m.kind for m in memos} >= {"theme", "cell", "participant", "excerpt"}
    clean = data.pseudonymiser.apply
    memo_report.memo_docx(memos, tmp_path / "m.docx", "Study", "About.", clean)
    before.memo_docx(memos, tmp_path / "m-before.docx", "Study", "About.", clean)
    assert_same_word(tmp_path / "m.docx", tmp_path / "m-before.docx")


def test_frequency_workbook_and_csv(data: Selection, tmp_path: Path) -> None:
    tables = frequency_tables(data, count_attributes(data))
    facts = {"Export": "Frequencies"}
    xlsx_writer.frames_xlsx(tables, tmp_path / "ours.xlsx", "Frequencies", facts)
    before.frames_xlsx(tables, tmp_path / "theirs.xlsx", "Frequencies", facts)
    assert workbook_content(tmp_path / "ours.xlsx") == workbook_content(tmp_path / "theirs.xlsx")
    csv_markdown.write_csv(tables["Co-occurrence"], tmp_path / "o.csv")
    before.write_csv(tables["Co-occurrence"], tmp_path / "t.csv")
    assert (tmp_path / "o.csv").read_bytes() == (tmp_path / "t.csv").read_bytes()


def test_disagreement_list(study: Study, tmp_path: Path) -> None:
    frame = disagreement_list(coded_units(study, ["gold", "pert"], "sentence", None))
    assert len(frame) > 50
    facts = {"Coders": "gold, pert", "Unit": "sentence"}
    disagreements.write_disagreements(frame, tmp_path / "o.docx", "docx", coders=["gold", "pert"], title="D",
                                      facts=facts)
    before.disagreements_docx(frame, tmp_path / "t.docx", ["gold", "pert"], "D", facts)
    assert_same_word(tmp_path / "o.docx", tmp_path / "t.docx")
    disagreements.write_disagreements(frame, tmp_path / "o.xlsx", "xlsx", coders=["gold", "pert"], title="D",
                                      facts=facts)
    before.disagreements_xlsx(frame, tmp_path / "t.xlsx", ["gold", "pert"], "D", facts)
    assert workbook_content(tmp_path / "o.xlsx") == workbook_content(tmp_path / "t.xlsx")


def test_a_failed_write_leaves_no_file_and_no_temporary(data: Selection, tmp_path: Path) -> None:
    """The body streams into a temporary file that only replaces the output at the end."""
    target = tmp_path / "quotes.docx"
    target.write_bytes(b"the previous export")
    quotes = quote_bank(data)
    broken = quotes.assign(quote=[q if i != 500 else "\x00" for i, q in enumerate(quotes.quote)])  # not XML
    with pytest.raises(ValueError):
        docx_writer.quotes_docx(broken, data.themes, target, "Quote bank", "Intro.", {})
    assert target.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["quotes.docx"]


@pytest.mark.parametrize("text", [
    "plain", "  outer space ", "a & b < c > d \"quoted\" 'single'", "caf\u00e9 \u201ccurly\u201d \u2014 \U0001f600",
    "tab\there", "line\nbreak", "carriage\rreturn", "\u00a0non-breaking at the start", "x" * 5000,
])
def test_quote_paragraphs_written_as_text_read_as_lxml_writes_them(text: str, tmp_path: Path) -> None:
    """StreamedBody.text (the quote bank's fast path) writes what word_xml.paragraph would."""
    from piri_qual.export.word_stream import streamed_docx

    for name, method in (("text", "text"), ("lxml", "paragraph")):
        with streamed_docx(docx_writer.new_document("T"), tmp_path / f"{name}.docx") as body:
            getattr(body, method)(text, "Quote")
            body.heading("after", 2)  # a built block after it keeps its place
            getattr(body, method)(text, None)
    ours = zipfile.ZipFile(tmp_path / "text.docx").read("word/document.xml")
    assert ours == zipfile.ZipFile(tmp_path / "lxml.docx").read("word/document.xml")
    assert ours.index(b'w:val="Heading2"') < ours.rindex(b"<w:p><w:r>")
