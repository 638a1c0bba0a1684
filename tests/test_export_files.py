"""The written files, opened with python-docx, openpyxl, csv and PIL-free PNG checks."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import docx
import openpyxl
import pytest
from study_builders import CODINGS, pseudonym_names
from study_builders import build_export_study as build_study

from piri_qual.analysis.selection import load_selection
from piri_qual.export.study_exports import (
    export_all,
    write_codebook,
    write_frequencies,
    write_matrix,
    write_quotes,
)
from piri_qual.study import Study


@pytest.fixture
def study(tmp_path: Path) -> Study:
    return Study(build_study(tmp_path / "study"))


def group_of(pid: str) -> str:
    return "staff" if pid.startswith("S") else "parent"


def no_mapped_names(text: str) -> bool:
    return not any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text) for n in pseudonym_names())


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_matrix_xlsx_sheet_per_domain_frozen_headers_cells_and_summary(study: Study, tmp_path: Path) -> None:
    data = load_selection(study, "alice")
    path = tmp_path / "m.xlsx"
    write_matrix(data, path, "xlsx", "count")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Implementation", "Outcomes", "Not placed in the framework", "About"]
    sheet = book["Outcomes"]
    header = [c.value for c in sheet[3]]
    assert header[:4] == ["Group", "Participant", "Role", "Site"]
    assert header[4:] == ["Growing confidence", "Bonding", "Anxiety and mood"]
    assert sheet.freeze_panes == "E4"
    assert sheet.cell(row=2, column=5).value == "Parent confidence"  # construct row above the themes
    counts = Counter((pid, theme) for pid, _, _, theme in CODINGS["alice"])
    theme_of_column = {5: "confidence_gain", 6: "bonding", 7: "anxiety_and_mood"}
    rows = {r[1]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] in ("staff", "parent")}
    assert list(rows) == ["S01", "S02", "S03", "P01", "P02", "P03", "P04"]
    for pid, row in rows.items():
        assert row[0] == group_of(pid)
        for col, theme in theme_of_column.items():
            assert row[col - 1] == counts[(pid, theme)]
    summary = {r[1]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == "Raised by"}
    parents_anxious = len({pid for pid, _, _, t in CODINGS["alice"] if t == "anxiety_and_mood" and pid[0] == "P"})
    assert summary["parent"][6] == f"{parents_anxious} of 4 parents"
    assert summary["staff"][6] == "0 of 3 staff"
    assert summary["all participants"][6] == f"{parents_anxious} of 7 participants"
    assert sheet.cell(row=4, column=5).alignment.wrap_text
    about = {r[0]: r[1] for r in book["About"].iter_rows(min_row=3, values_only=True)}
    assert about["Coder"] == "alice"


def test_matrix_xlsx_excerpt_cells_are_wrapped_and_anonymised(study: Study, tmp_path: Path) -> None:
    data = load_selection(study, "alice")
    path = tmp_path / "m.xlsx"
    write_matrix(data, path, "xlsx", "excerpts")
    sheet = openpyxl.load_workbook(path)["Implementation"]
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=4) if r[0].value in ("staff", "parent")}
    cell = rows["P01"][4]
    assert cell.value.startswith("\u201cWe waited six weeks for Hannah to come out to [street]")
    assert cell.alignment.wrap_text
    everything = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert no_mapped_names(everything)


def test_matrix_docx_landscape_tables_with_groups_and_summary(study: Study, tmp_path: Path) -> None:
    data = load_selection(study, "alice")
    path = tmp_path / "m.docx"
    write_matrix(data, path, "docx", "count")
    document = docx.Document(str(path))
    section = document.sections[0]
    assert section.page_width > section.page_height
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Implementation", "Outcomes", "Not placed in the framework"]
    table = document.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["Participant", "Referral", "Stigma and judgement"]
    assert cells[1] == ["Participant", "Waiting after referral", "Fear of being judged"]
    assert cells[2][0] == "Staff (3)"
    s01 = next(r for r in cells if r[0].startswith("S01"))
    assert s01[1:] == ["1", "2"]  # S01: one waiting excerpt, two on fear of judgement
    assert "health visitor" in s01[0]
    assert ["Raised by parent", "2 of 4 parents", "2 of 4 parents"] in cells
    # the header rows repeat on every page
    assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")


def test_quotes_docx_headings_block_quotes_and_attributions(study: Study, tmp_path: Path) -> None:
    data = load_selection(study, "alice")
    path = tmp_path / "q.docx"
    write_quotes(data, path, "docx")
    document = docx.Document(str(path))
    paragraphs = document.paragraphs
    h2 = [p.text for p in paragraphs if p.style.name == "Heading 2"]
    assert h2 == ["Waiting after referral", "Fear of being judged", "Growing confidence", "Bonding",
                  "Anxiety and mood", "Other notes"]
    quotes = [i for i, p in enumerate(paragraphs) if p.style.name == "Quote"]
    assert len(quotes) == len(CODINGS["alice"])
    first = paragraphs[quotes[0]]
    assert first.text == "\u201cThe waiting list is about six weeks now, which is too long.\u201d"
    assert paragraphs[quotes[0] + 1].text == "\u2014 S01, staff (S01, 0:00:12; coder alice)"
    bonding = h2.index("Bonding")
    heading_at = [i for i, p in enumerate(paragraphs) if p.style.name == "Heading 2"][bonding]
    assert paragraphs[heading_at + 1].text.startswith("Connection with baby. 2 quotes from 2 participants")
    assert no_mapped_names(docx_text(path))


def test_quotes_csv_and_markdown(study: Study, tmp_path: Path) -> None:
    data = load_selection(study, "alice")
    write_quotes(data, tmp_path / "q.csv", "csv", per_theme=1)
    raw = (tmp_path / "q.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    themes_coded = {t for _, _, _, t in CODINGS["alice"]}
    assert len(rows) == len(themes_coded)  # one per coded theme with --per-theme 1
    assert {r["coder"] for r in rows} == {"alice"}
    assert all(r["attribution"] == f"{r['participant']}, {r['group']}" for r in rows)
    write_quotes(data, tmp_path / "q.md", "md", per_theme=1)
    text = (tmp_path / "q.md").read_text(encoding="utf-8")
    assert "### Waiting after referral" in text
    assert "> \u2014 S01, staff (S01, 0:00:12; coder alice)" in text
    assert no_mapped_names(text)


def test_matrix_csv_and_markdown(study: Study, tmp_path: Path) -> None:
    data = load_selection(study, "alice")
    write_matrix(data, tmp_path / "m.csv", "csv", "count")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "m.csv").read_text(encoding="utf-8-sig"))))
    counts = Counter((pid, theme) for pid, _, _, theme in CODINGS["alice"])
    people = [r for r in rows if r["group"] != "raised by"]
    assert [r["participant"] for r in people] == ["S01", "S02", "S03", "P01", "P02", "P03", "P04"]
    for row in people:
        assert int(row["bonding"]) == counts[(row["participant"], "bonding")]
    summary = {r["participant"]: r for r in rows if r["group"] == "raised by"}
    assert summary["staff"]["waiting_times"] == "2 of 3 staff"
    write_matrix(data, tmp_path / "m.md", "md", "presence")
    text = (tmp_path / "m.md").read_text(encoding="utf-8")
    assert "## Outcomes" in text
    assert "| **Raised by parent** |" in text
    assert "\u2713" in text


def test_codebook_docx_and_markdown(study: Study, tmp_path: Path) -> None:
    data = load_selection(study, "alice")
    write_codebook(study, data, tmp_path / "c.docx", "docx")
    document = docx.Document(str(tmp_path / "c.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:2] == ["Framework", "Themes"]
    assert "Waiting after referral (waiting_times)" in headings
    assert headings.index("Implementation") < headings.index("Waiting after referral (waiting_times)") < headings.index("Outcomes")
    text = docx_text(tmp_path / "c.docx")
    assert "Definition. Waiting for support after being referred." in text
    assert "Time between referral and first visit." in text and "Waiting in clinic -> not coded." in text
    assert "\u201cWe waited six weeks for Hannah to come.\u201d" in text  # example, pseudonymised
    waiting = [pid for pid, _, _, t in CODINGS["alice"] if t == "waiting_times"]
    staff = len({p for p in waiting if p[0] == "S"})
    parents = len({p for p in waiting if p[0] == "P"})
    assert f"Coded {len(waiting)} times by alice; raised by {staff} of 3 staff, {parents} of 4 parents." in text
    write_codebook(study, None, tmp_path / "c.md", "md")
    md = (tmp_path / "c.md").read_text(encoding="utf-8")
    assert "##### Waiting after referral (`waiting_times`)" in md
    assert "Coded" not in md  # no coder, no counts


def test_frequencies_xlsx_md_csv_and_pngs(study: Study, tmp_path: Path) -> None:
    data = load_selection(study, "alice")
    write_frequencies(data, tmp_path / "f.xlsx", "xlsx")
    book = openpyxl.load_workbook(tmp_path / "f.xlsx")
    assert book.sheetnames == ["By group", "By role", "By site", "Co-occurrence", "Saturation", "About"]
    by_group = list(book["By group"].iter_rows(values_only=True))
    assert by_group[0][:6] == ("theme", "label", "domain", "construct", "staff", "staff excerpts")
    anxiety = next(r for r in by_group if r[0] == "anxiety_and_mood")
    assert anxiety[4] == "0 of 3" and anxiety[6] == "3 of 4"
    write_frequencies(data, tmp_path / "co.csv", "csv", table="cooccurrence")
    co = list(csv.reader(io.StringIO((tmp_path / "co.csv").read_text(encoding="utf-8-sig"))))
    labels = co[0][1:]
    bonding = next(r for r in co if r[0] == "Bonding")
    assert bonding[1 + labels.index("Anxiety and mood")] == "1"
    result = write_frequencies(data, tmp_path / "freq.png", "png")
    assert sorted(p.name for p in result.paths) == ["freq-heatmap-groups.png", "freq-heatmap-participants.png",
                                                    "freq-saturation.png"]
    for path in result.paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 5000
    one = write_frequencies(data, tmp_path / "sat.png", "png", plot="saturation")
    assert [p.name for p in one.paths] == ["sat.png"]


def test_export_all_writes_every_file(study: Study, tmp_path: Path) -> None:
    data = load_selection(study, "alice")
    out = tmp_path / "exports"
    result = export_all(study, data, out)
    names = sorted(p.name for p in result.paths)
    assert names == sorted(p.name for p in out.iterdir())
    for expected in ("matrix.xlsx", "matrix.docx", "matrix.csv", "matrix.md", "matrix-excerpts.xlsx",
                     "matrix-summaries.xlsx", "matrix-summaries.docx", "quotes.docx", "quotes.md", "quotes.csv",
                     "codebook.docx", "codebook.md", "frequencies.xlsx", "frequencies.md", "frequencies.csv",
                     "cooccurrence.csv", "saturation.csv", "heatmap-participants.png", "heatmap-groups.png",
                     "saturation.png"):
        assert expected in names
    assert result.flagged is not None and list(result.flagged.participant) == ["S02"]
    for path in out.iterdir():
        if path.suffix in (".md", ".csv"):
            assert no_mapped_names(path.read_text(encoding="utf-8-sig")), path.name
        elif path.suffix == ".docx":
            assert no_mapped_names(docx_text(path)), path.name
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            text = " ".join(str(c) for s in book for row in s.iter_rows(values_only=True) for c in row if c)
            assert no_mapped_names(text), path.name


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
def test_docx_exports_convert_to_pdf_with_libreoffice(study: Study, tmp_path: Path) -> None:
    office = _soffice()
    if office is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    data = load_selection(study, "alice")
    write_matrix(data, tmp_path / "matrix.docx", "docx", "count")
    write_quotes(data, tmp_path / "quotes.docx", "docx")
    profile = tmp_path / "lo-profile"
    for name in ("matrix.docx", "quotes.docx"):
        subprocess.run(
            [office, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(tmp_path / "pdf"), str(tmp_path / name)],
            check=True, capture_output=True, timeout=180,
        )
        pdf = tmp_path / "pdf" / name.replace(".docx", ".pdf")
        assert pdf.read_bytes()[:5] == b"%PDF-"
        assert pdf.stat().st_size > 1000
