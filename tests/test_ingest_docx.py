"""The .docx reader on small packages written XML-first, one WordprocessingML feature at a time."""

from __future__ import annotations

import zipfile
from pathlib import Path

from piri_qual.ingest.readers import SourceDocument, read_source

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _docx(tmp_path: Path, body: str, *, comments: str = "", header: str = "", ns: str = W,
          name: str = "t.docx") -> SourceDocument:
    parts = {
        "[Content_Types].xml": "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>",
        "word/document.xml": f'<w:document xmlns:w="{ns}" xmlns:mc="{MC}"><w:body>{body}</w:body></w:document>',
    }
    if comments:
        parts["word/comments.xml"] = f'<w:comments xmlns:w="{ns}">{comments}</w:comments>'
    if header:
        parts["word/header1.xml"] = f'<w:hdr xmlns:w="{ns}"><w:p><w:r><w:t>{header}</w:t></w:r></w:p></w:hdr>'
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        for part, data in parts.items():
            zf.writestr(part, data)
    return read_source(path)


def _p(*runs: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def _r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def _pairs(doc: SourceDocument) -> list[tuple[str | None, tuple[str, ...]]]:
    return [(t.speaker, t.paragraphs) for t in doc.turns]


def test_label_after_a_soft_break_starts_a_new_turn(tmp_path: Path) -> None:
    body = _p(_r("Interviewer 1: Tell me?")) + _p(_r("Interviewee: Sure.")) + _p(
        '<w:r><w:t xml:space="preserve">Interviewer 1: It\'s alright, you </w:t><w:br/>'
        "<w:t>Interviewee: know? Okay.</w:t></w:r>"
    )
    assert _pairs(_docx(tmp_path, body)) == [
        ("Interviewer 1", ("Tell me?",)),
        ("Interviewee", ("Sure.",)),
        ("Interviewer 1", ("It's alright, you",)),
        ("Interviewee", ("know? Okay.",)),
    ]


def test_tabs_breaks_symbols_and_hyphens(tmp_path: Path) -> None:
    body = _p(
        '<w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:noBreakHyphen/><w:t>d</w:t>'
        '<w:sym w:font="Symbol" w:char="F0B3"/><w:softHyphen/><w:t>“e”</w:t></w:r>'
    )
    assert _docx(tmp_path, body).turns[0].paragraphs == ("a\tb\nc-d≥“e”",)


def test_title_header_and_deleted_paragraph_mark(tmp_path: Path) -> None:
    body = (
        _p(_r("PIRi interview P01"), style="Title")
        + '<w:p><w:pPr><w:rPr><w:del w:id="1" w:author="x"/></w:rPr></w:pPr>'
        + _r("Interviewer: One sentence ")
        + "</w:p>"
        + _p(_r("continued after the accepted deletion?"))
        + _p(_r("P01: Yes."))
        + _p(_r("Interviewer: Good?"))
        + _p(_r("P01: Fine."))
    )
    doc = _docx(tmp_path, body, header="CONFIDENTIAL - PIRi evaluation interview P01")
    assert doc.metadata["title"] == "PIRi interview P01"
    assert doc.metadata["header_text"] == ["CONFIDENTIAL - PIRi evaluation interview P01"]
    assert doc.turns[0].paragraphs == ("One sentence continued after the accepted deletion?",)
    assert "CONFIDENTIAL" not in str(_pairs(doc)) and "PIRi interview" not in str(_pairs(doc))


def test_tracked_changes_and_fallback_text_box(tmp_path: Path) -> None:
    body = _p(
        _r("Kept "),
        f"<w:ins w:id='1' w:author='a'>{_r('inserted ')}</w:ins>",
        "<w:del w:id='2' w:author='a'><w:r><w:delText>deleted </w:delText></w:r></w:del>",
        f"<w:moveFrom w:id='3' w:author='a'>{_r('moved away ')}</w:moveFrom>",
        "<w:r><mc:AlternateContent><mc:Choice Requires='wps'><w:drawing><w:txbxContent>"
        f"{_p(_r('Box text'))}</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict>"
        f"<w:txbxContent>{_p(_r('Box text'))}</w:txbxContent></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>",
        _r("end."),
    )
    doc = _docx(tmp_path, body)
    assert _pairs(doc) == [(None, ("Kept inserted end.",)), (None, ("Box text",))]
    assert doc.metadata["tracked_changes_accepted"] == 2


def test_transcript_table_with_header_row(tmp_path: Path) -> None:
    def row(*cells: str) -> str:
        return "<w:tr>" + "".join(f"<w:tc>{c}</w:tc>" for c in cells) + "</w:tr>"

    table = "<w:tbl>" + row(_p(_r("Speaker")), _p(_r("Time")), _p(_r("Text")))
    table += row(_p(_r("Interviewer")), _p(_r("00:00:03")), _p(_r("How did it start?")))
    table += row(_p(_r("P03")), _p(_r("00:00:09")), _p(_r("With a visit.")) + _p(_r("Then a call.")))
    table += row(_p(_r("Interviewer")), _p(_r("00:01:10")), _p(_r("And after: what?")))
    table += "</w:tbl>"
    doc = _docx(tmp_path, table)
    assert [(t.speaker, t.time, t.paragraphs) for t in doc.turns] == [
        ("Interviewer", 3.0, ("How did it start?",)),
        ("P03", 9.0, ("With a visit.", "Then a call.")),
        ("Interviewer", 70.0, ("And after: what?",)),
    ]


def test_other_tables_read_row_by_row(tmp_path: Path) -> None:
    def row(*cells: str) -> str:
        return "<w:tr>" + "".join(f"<w:tc>{_p(_r(c))}</w:tc>" for c in cells) + "</w:tr>"

    table = "<w:tbl>" + row("Site", "Families") + row("Northvale", "31") + row("Eastmoor", "24") + "</w:tbl>"
    assert _pairs(_docx(tmp_path, table)) == [
        (None, ("Site | Families",)),
        (None, ("Northvale | 31",)),
        (None, ("Eastmoor | 24",)),
    ]


def test_comment_across_paragraphs_of_one_turn(tmp_path: Path) -> None:
    body = (
        _p(_r("Interviewer: What helped?"))
        + _p(_r("P02: The visits. "), '<w:commentRangeStart w:id="7"/>', _r("She listened."))
        + _p(_r("And she came back"), '<w:commentRangeEnd w:id="7"/>', _r(" every week."))
        + _p(_r("Interviewer: Thanks?"))
        + _p(_r("P02: Thank you."))
    )
    comments = (
        '<w:comment w:id="7" w:author="Coder A" w:initials="CA" w:date="2024-03-01T10:00:00Z">'
        "<w:p><w:r><w:annotationRef/></w:r><w:r><w:t>relationship_with_practitioner</w:t></w:r></w:p>"
        "</w:comment>"
    )
    doc = _docx(tmp_path, body, comments=comments)
    (comment,) = doc.metadata["comments"]
    assert comment["author"] == "Coder A" and comment["initials"] == "CA"
    assert comment["text"] == "relationship_with_practitioner"
    assert comment["turn"] == 1 and "end_turn" not in comment
    body_text = "\n".join(doc.turns[1].paragraphs)
    assert body_text[comment["start"] : comment["end"]] == "She listened.\nAnd she came back"
    assert comment["anchor_text"] == "She listened.\nAnd she came back"


def test_strict_ooxml_namespace(tmp_path: Path) -> None:
    body = _p(_r("Interviewer: Hi?")) + _p(_r("P04: Hello.")) + _p(_r("Interviewer: Bye?"))
    doc = _docx(tmp_path, body, ns=W_STRICT)
    assert [t.speaker for t in doc.turns] == ["Interviewer", "P04", "Interviewer"]


def test_fast_path_and_full_walk_agree(tmp_path: Path) -> None:
    """The one-pass reader for plain documents gives what the full walk gives."""
    from docx import Document
    from lxml import etree

    from piri_qual.ingest.docx import _Para, _tags_for, _Walker

    doc = Document()
    doc.add_heading("Interview P05", level=0)
    para = doc.add_paragraph()
    para.add_run("Interviewer:").bold = True
    para.add_run(" Did you\tfeel it?")
    para.add_run().add_break()
    para.add_run("Second line “quoted”.")
    doc.add_heading("Part two", level=2)
    doc.add_paragraph("P05: Café, naïve, 世界.")
    path = tmp_path / "fast.docx"
    doc.save(str(path))
    data = zipfile.ZipFile(path).read("word/document.xml")

    def walk(fast: bool) -> list[tuple[str, str | None]]:
        root = etree.fromstring(data)
        tags = _tags_for(root)
        body = root.find(tags.body)
        walker = _Walker(tags)
        if fast:
            simple = walker.simple_body(body, data)
            assert simple is not None
            return list(zip(*simple, strict=True))
        paras: list[_Para] = []
        walker.blocks(body, paras)
        return [(p.text, p.style) for p in paras]

    assert walk(True) == walk(False)
    assert walk(True)[1] == ("Interviewer: Did you\tfeel it?\nSecond line “quoted”.", None)


def test_text_holding_the_fast_paths_paragraph_mark_is_read_whole(tmp_path: Path) -> None:
    """The fast path marks paragraph ends with DEL; a document whose text holds one is read by the
    full walk, with the character kept where it was typed and no paragraph split at it."""
    from lxml import etree

    from piri_qual.ingest.docx import _PARA_END, _tags_for, _Walker

    body = _p(_r(f"Interviewer: What is{_PARA_END}this?")) + _p(_r("P04: A key.")) + _p(_r("Interviewer: Thanks?"))
    doc = _docx(tmp_path, body)
    assert _pairs(doc) == [("Interviewer", (f"What is{_PARA_END}this?",)), ("P04", ("A key.",)),
                           ("Interviewer", ("Thanks?",))]
    data = zipfile.ZipFile(tmp_path / "t.docx").read("word/document.xml")
    root = etree.fromstring(data)
    tags = _tags_for(root)
    assert _Walker(tags).simple_body(root.find(tags.body), data) is None


def test_teams_header_and_words_in_one_paragraph(tmp_path: Path) -> None:
    def entry(name: str, clock: str, words: str) -> str:
        return f"<w:p><w:r><w:t>{name}   {clock}</w:t><w:br/><w:t>{words}</w:t></w:r></w:p>"

    body = entry("Jordan Lee", "0:01", "How did it go?") + entry("Alex Morgan", "0:06", "Well: fine.")
    body += entry("Jordan Lee", "1:02:03", "Thanks?")
    doc = _docx(tmp_path, body)
    assert [(t.speaker, t.time, t.paragraphs) for t in doc.turns] == [
        ("Jordan Lee", 1.0, ("How did it go?",)),
        ("Alex Morgan", 6.0, ("Well: fine.",)),
        ("Jordan Lee", 3723.0, ("Thanks?",)),
    ]
