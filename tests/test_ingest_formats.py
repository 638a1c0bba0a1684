"""The .odt, .rtf, .pdf, .srt, .html and .doc readers, on fixtures written for the tests.

Each fixture is built from a wholly fictional interview by tests/format_builders.py (or written
inline) in the way the program that makes such files writes them, and read back turn by turn:
speaker, role, time, first and last words, plus what each format adds (tracked changes,
comments, headers, notes, page furniture).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from format_builders import odt_paragraph, write_odt, write_pdf, write_rtf, write_scanned_pdf

from piri_qual.errors import PiriQualError
from piri_qual.ingest.derive import Derived, derive
from piri_qual.ingest.legacy_doc import soffice
from piri_qual.ingest.readers import read_source

INTERVIEW = [
    "Interviewer: How did you first hear about the service?",
    "Carer 3: The health visitor told me when Jamie was ten weeks old.",
    "Interviewer: And how did you get on with the staff?",
    "Carer 3: Really well. They never made me feel judged (laughs) at all.",
]
EXPECTED = [
    ("Interviewer", "interviewer", None, "How did you", "the service?"),
    ("Carer 3", "participant", None, "The health visitor", "weeks old."),
    ("Interviewer", "interviewer", None, "And how did", "the staff?"),
    ("Carer 3", "participant", None, "Really well. They", "at all."),
]


def rows(derived: Derived) -> list[tuple[str | None, str, float | None, str, str]]:
    out = []
    for turn in derived.turns:
        words = derived.text[turn.start : turn.end].split()
        out.append((turn.speaker, turn.role, turn.time, " ".join(words[:3]), " ".join(words[-2:])))
    return out


def refused(path: Path) -> str:
    with pytest.raises(PiriQualError) as info:
        read_source(path)
    message = str(info.value)
    assert "\n" not in message and path.name in message
    return message


# -- .odt -------------------------------------------------------------------------------------

def test_odt_labelled_paragraphs_turn_by_turn(tmp_path: Path) -> None:
    path = write_odt(tmp_path / "carer3.odt", INTERVIEW, title="Interview with carer 3")
    derived = derive(path, {})
    assert derived.document.format == "odt"
    assert rows(derived) == EXPECTED
    assert derived.metadata["title"] == "Interview with carer 3"
    assert [derived.text[a:b] for a, b in derived.nonspeech] == ["(laughs)"]


def test_odt_white_space_tabs_breaks_and_spans(tmp_path: Path) -> None:
    body = (
        odt_paragraph("Jordan Lee   0:01")  # three spaces: text:s with a count
        + "<text:p>How did the <text:span text:style-name=\"T1\">referral</text:span> reach you?</text:p>"
        + odt_paragraph("Alex Morgan   0:06")
        + "<text:p>By email,\n   with   a note.<text:line-break/>Then a call.<text:tab/>Fine.</text:p>"
        + odt_paragraph("Jordan Lee   0:15") + odt_paragraph("Thanks.")
    )
    derived = derive(write_odt(tmp_path / "teams.odt", body), {})
    assert [(t.speaker, t.time) for t in derived.turns] == [("Jordan Lee", 1.0), ("Alex Morgan", 6.0), ("Jordan Lee", 15.0)]
    second = derived.turns[1]
    # XML line ends and runs of spaces collapse to one space (ODF 1.2, 6.1.2); line-break and tab stay
    assert derived.text[second.start : second.end] == "By email, with a note.\nThen a call.\tFine."
    assert "referral reach you?" in derived.text


def test_odt_tracked_changes_read_as_accepted(tmp_path: Path) -> None:
    tracked = (
        "<text:tracked-changes>"
        '<text:changed-region text:id="ct1"><text:deletion><office:change-info><dc:creator>Sam</dc:creator>'
        "</office:change-info><text:p>about six weeks</text:p></text:deletion></text:changed-region>"
        '<text:changed-region text:id="ct2"><text:insertion><office:change-info><dc:creator>Sam</dc:creator>'
        "</office:change-info></text:insertion></text:changed-region></text:tracked-changes>"
    )
    body = (
        odt_paragraph("Interviewer: How long did you wait?")
        + '<text:p>P07: We waited <text:change text:change-id="ct1"/><text:change-start text:change-id="ct2"/>'
        "nearly two months<text:change-end text:change-id=\"ct2\"/> in the end.</text:p>"
        + odt_paragraph("Interviewer: Thanks.") + odt_paragraph("P07: Okay.")
    )
    derived = derive(write_odt(tmp_path / "tracked.odt", body, tracked=tracked), {})
    assert "We waited nearly two months in the end." in derived.text
    assert "six weeks" not in derived.text
    assert derived.metadata["tracked_changes_accepted"] == 2


def test_odt_annotations_notes_header_footer_are_metadata(tmp_path: Path) -> None:
    body = (
        odt_paragraph("Interviewer: What helped most?")
        + '<text:p>P07: <office:annotation office:name="c1"><dc:creator>Ana Reviewer</dc:creator>'
        "<dc:date>2024-05-02T10:00:00</dc:date><text:p>confidence; peer support</text:p></office:annotation>"
        'Meeting the other mums<office:annotation-end office:name="c1"/> every Tuesday.'
        '<text:note text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
        "<text:note-body><text:p>The group met at the family hub.</text:p></text:note-body></text:note></text:p>"
        + odt_paragraph("Interviewer: Anything else?") + odt_paragraph("P07: No.")
    )
    path = write_odt(tmp_path / "coded.odt", body, header="CONFIDENTIAL - P07", footer="Page 1")
    derived = derive(path, {})
    text = derived.text
    assert "confidence" not in text and "family hub" not in text and "CONFIDENTIAL" not in text
    assert "Meeting the other mums every Tuesday." in text
    (comment,) = derived.metadata["comments"]
    assert (comment["author"], comment["date"], comment["text"]) == ("Ana Reviewer", "2024-05-02T10:00:00",
                                                                    "confidence; peer support")
    assert comment["anchor_text"] == "Meeting the other mums" and comment["turn"] == 1
    assert derived.metadata["footnotes"] == ["The group met at the family hub."]
    assert derived.metadata["header_text"] == ["CONFIDENTIAL - P07"]
    assert derived.metadata["footer_text"] == ["Page 1"]


def test_odt_title_style_list_heading_speakers_and_table(tmp_path: Path) -> None:
    styles = '<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Title"/>'
    table = (
        "<table:table><table:table-column table:number-columns-repeated=\"3\"/>"
        "<table:table-header-rows><table:table-row>"
        + "".join(f"<table:table-cell>{odt_paragraph(h)}</table:table-cell>" for h in ("Speaker", "Time", "Text"))
        + "</table:table-row></table:table-header-rows>"
        + "".join(
            "<table:table-row>" + "".join(f"<table:table-cell>{odt_paragraph(c)}</table:table-cell>" for c in row)
            + "</table:table-row>"
            for row in (("Facilitator", "00:01:02", "Where would you click?"), ("P4", "00:01:09", "On Contact us."),
                        ("Facilitator", "00:01:20", "Why there?"), ("P4", "00:01:24", "It is where phones live."))
        )
        + "</table:table>"
    )
    body = odt_paragraph("Session 4 notes", "P1") + table
    derived = derive(write_odt(tmp_path / "table.odt", body, automatic_styles=styles), {})
    assert derived.metadata["title"] == "Session 4 notes"
    assert rows(derived) == [
        ("Facilitator", "interviewer", 62.0, "Where would you", "you click?"),
        ("P4", "participant", 69.0, "On Contact us.", "Contact us."),
        ("Facilitator", "interviewer", 80.0, "Why there?", "Why there?"),
        ("P4", "participant", 84.0, "It is where", "phones live."),
    ]
    headings = (
        '<text:h text:outline-level="3">Interviewer</text:h>' + odt_paragraph("Hoe gaat het?")
        + '<text:h text:outline-level="3">Manager</text:h>'
        + "<text:list><text:list-item>" + odt_paragraph("Goed, dank je.") + "</text:list-item></text:list>"
        + '<text:h text:outline-level="3">Interviewer</text:h>' + odt_paragraph("En verder?")
    )
    spoken = derive(write_odt(tmp_path / "headings.odt", headings), {})
    assert [(t.speaker, spoken.text[t.start:t.end]) for t in spoken.turns] == [
        ("Interviewer", "Hoe gaat het?"), ("Manager", "Goed, dank je."), ("Interviewer", "En verder?")]


def test_odt_bad_files_get_one_line_each(tmp_path: Path) -> None:
    assert "password-protected" in refused(write_odt(tmp_path / "locked.odt", INTERVIEW, encrypted=True))
    sheet = write_odt(tmp_path / "sheet.odt", INTERVIEW, mimetype="application/vnd.oasis.opendocument.spreadsheet",
                      body_element="office:spreadsheet")
    assert "spreadsheet" in refused(sheet)
    (tmp_path / "renamed.odt").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert ".doc" in refused(tmp_path / "renamed.odt")
    (tmp_path / "junk.odt").write_bytes(b"not a zip at all")
    assert "not a valid .odt" in refused(tmp_path / "junk.odt")
    evil = tmp_path / "dtd.odt"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    assert "DTD" in refused(evil) and "LibreOffice" in refused(evil)


# -- .rtf -------------------------------------------------------------------------------------

def test_rtf_paragraphs_unicode_and_tracked_deletion(tmp_path: Path) -> None:
    lines = ["Interview with carer 3", *INTERVIEW[:3], "Carer 3: Really well. Café – “lovely” (laughs) at all."]
    path = write_rtf(tmp_path / "carer3.rtf", lines, header="CONFIDENTIAL", deleted={2: " STRUCK OUT"})
    derived = derive(path, {})
    assert rows(derived) == [(None, "other", None, "Interview with carer", "carer 3"), *EXPECTED[:3],
                             ("Carer 3", "participant", None, "Really well. Café", "at all.")]
    assert "Café – “lovely”" in derived.text and "STRUCK" not in derived.text and "CONFIDENTIAL" not in derived.text
    assert derived.metadata["tracked_changes_accepted"] == 1
    assert derived.metadata["header_text"] == ["CONFIDENTIAL"]
    assert derived.metadata["title"] == "Fictional interview"


def test_rtf_that_is_not_rtf(tmp_path: Path) -> None:
    (tmp_path / "plain.rtf").write_text("Interviewer: hello", encoding="utf-8")
    assert "not an RTF file" in refused(tmp_path / "plain.rtf")


# -- .pdf -------------------------------------------------------------------------------------

def test_pdf_text_layer_paragraphs_rebuilt(tmp_path: Path) -> None:
    pages = [
        ["Interview with carer 3", "", "Interviewer (00:00:03): How did you first hear about the",
         "service?", "", "Carer 3 (00:00:09): The health visitor told me when Jamie was", "ten weeks old.",
         "", "Page 1 of 2"],
        ["Interviewer (00:00:21): And how did you get on with the staff?", "",
         "Carer 3 (00:00:26): Really well. They never made me feel judged (laughs)", "at all.", "", "Page 2 of 2"],
    ]
    derived = derive(write_pdf(tmp_path / "carer3.pdf", pages), {})
    assert rows(derived) == [
        (None, "other", None, "Interview with carer", "carer 3"),
        ("Interviewer", "interviewer", 3.0, "How did you", "the service?"),
        ("Carer 3", "participant", 9.0, "The health visitor", "weeks old."),
        ("Interviewer", "interviewer", 21.0, "And how did", "the staff?"),
        ("Carer 3", "participant", 26.0, "Really well. They", "at all."),
    ]
    # wrapped lines are joined with a space, not a line break (sentences must not be cut)
    assert "How did you first hear about the service?" in derived.text
    assert derived.metadata["page_furniture"] == ["Page 1 of 2", "Page 2 of 2"] and "Page 1" not in derived.text


def test_pdf_paragraph_running_onto_the_next_page(tmp_path: Path) -> None:
    pages = [["Jordan Lee   0:01", "What happened next?", "", "Alex Morgan   0:06", "We booked a first visit and"],
             ["waited for the letter.", "", "Jordan Lee   0:20", "Thanks?"]]
    derived = derive(write_pdf(tmp_path / "teams.pdf", pages), {})
    assert [(t.speaker, derived.text[t.start:t.end]) for t in derived.turns] == [
        ("Jordan Lee", "What happened next?"),
        ("Alex Morgan", "We booked a first visit and waited for the letter."),
        ("Jordan Lee", "Thanks?"),
    ]


def test_scanned_and_damaged_pdfs(tmp_path: Path) -> None:
    message = refused(write_scanned_pdf(tmp_path / "scan.pdf", pages=3))
    assert "no text layer" in message and "3 pages" in message and "Run OCR first" in message
    (tmp_path / "cut.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    assert "damaged PDF" in refused(tmp_path / "cut.pdf")
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert "empty" in refused(tmp_path / "empty.pdf")


# -- .srt -------------------------------------------------------------------------------------

SRT = """1
00:00:01,000 --> 00:00:03,500
Interviewer: How did you hear
about the group?

2
00:00:03,600 --> 00:00:06,000
Mum 2: <i>A friend</i> told me.

3
00:00:06,100 --> 00:00:08,000
Mum 2: She went &amp; loved it.

4
00:00:08,500 --> 00:00:10,000 X1:40 X2:600 Y1:20 Y2:50
Interviewer: Would you go again?

5
00:00:10,200 --> 00:00:11,000
>> Mum 2: Every week.
"""


def test_srt_cues_merged_by_speaker(tmp_path: Path) -> None:
    path = tmp_path / "group.srt"
    path.write_text(SRT, encoding="utf-8")
    derived = derive(path, {})
    assert rows(derived) == [
        ("Interviewer", "interviewer", 1.0, "How did you", "the group?"),
        ("Mum 2", "participant", 3.6, "A friend told", "loved it."),
        ("Interviewer", "interviewer", 8.5, "Would you go", "go again?"),
        ("Mum 2", "participant", 10.2, "Every week.", "Every week."),
    ]
    assert derived.turns[1].end_time == 8.0
    assert "<i>" not in derived.text and "&amp;" not in derived.text and ">>" not in derived.text


def test_srt_without_speakers_and_bad_timing(tmp_path: Path) -> None:
    path = tmp_path / "captions.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nhello there\n\n2\n00:00:02,000 --> 00:00:03,000\n"
                    "general kenobi\n", encoding="utf-8")
    assert [(t.speaker, t.role, t.time) for t in derive(path, {}).turns] == [
        (None, "participant", 1.0), (None, "participant", 2.0)]
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:01,000 --> soon\nhello\n", encoding="utf-8")
    message = refused(bad)
    assert ":2:" in message and "unreadable subtitle timing" in message


# -- .html ------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Session 4</title>
<style>p { color: red }</style><script>var transcript = "not this";</script></head>
<body><nav>Home | Help</nav><h1>Usability session 4</h1>
<p><b>Facilitator:</b> Could you find the opening hours?</p>
<p>I'd look at the top menu   first.<br>Then the footer.</p>
<p>(long pause while she scrolls the page)</p>
<h3>Task 2. Book a visit</h3>
<p><b>Facilitator:</b> What would you do next?</p>
<p>Click &ldquo;Book&rdquo;, I suppose.</p>
</body></html>
"""


def test_html_page_read_as_laid_out(tmp_path: Path) -> None:
    path = tmp_path / "session4.html"
    path.write_text(HTML, encoding="utf-8")
    derived = derive(path, {})
    assert derived.metadata["title"] == "Usability session 4"
    assert [(t.speaker, t.role, t.section) for t in derived.turns] == [
        ("Facilitator", "interviewer", None),
        (None, "participant", None),
        (None, "other", "Task 2. Book a visit"),
        ("Facilitator", "interviewer", "Task 2. Book a visit"),
        (None, "participant", "Task 2. Book a visit"),
    ]
    answer = derived.turns[1]
    assert derived.text[answer.start : answer.end] == (
        "I'd look at the top menu first.\nThen the footer.\n(long pause while she scrolls the page)")
    assert "Click “Book”, I suppose." in derived.text
    assert "not this" not in derived.text and "Home | Help" not in derived.text and "color" not in derived.text


# -- .doc -------------------------------------------------------------------------------------

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def test_doc_without_libreoffice_says_how_to_convert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    monkeypatch.delenv("PIRI_QUAL_SOFFICE", raising=False)
    (tmp_path / "P09.doc").write_bytes(OLE + bytes(1024))
    message = refused(tmp_path / "P09.doc")
    assert "LibreOffice (soffice)" in message and "not installed" in message and "save it as .docx" in message


def test_doc_that_is_really_rtf_or_docx_is_read_as_such(tmp_path: Path) -> None:
    rtf = write_rtf(tmp_path / "a.rtf", INTERVIEW)
    shutil.copy(rtf, tmp_path / "saved_by_word.doc")
    derived = derive(tmp_path / "saved_by_word.doc", {})
    assert derived.document.format == "doc" and rows(derived) == EXPECTED


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_doc_converted_through_libreoffice(tmp_path: Path) -> None:
    import subprocess

    from docx import Document

    document = Document()
    for line in INTERVIEW:
        document.add_paragraph(line)
    document.save(str(tmp_path / "P09.docx"))
    program = soffice()
    assert program is not None
    profile = (tmp_path / "profile").as_uri()
    subprocess.run([program, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "doc",
                    "--outdir", str(tmp_path / "doc"), str(tmp_path / "P09.docx")], check=True, timeout=180)
    derived = derive(tmp_path / "doc" / "P09.doc", {})
    assert rows(derived) == EXPECTED and derived.metadata["converted_by"] == "LibreOffice"


def test_turns_load_with_every_optional_field_defaulted() -> None:
    """Turns from corpus files written before a field existed (format 1 has no `section`) get
    the dataclass default, on the fast load path as on the constructor's."""
    from piri_qual.core.corpus import Turn, _turn

    turn = _turn({"speaker": "P01", "role": "participant", "start": 0, "end": 5})
    assert turn == Turn("P01", "participant", 0, 5)
    assert turn.section is None and turn.time is None
