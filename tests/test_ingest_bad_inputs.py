"""Files the readers must refuse, each with one clear line naming the file and what to do."""

from __future__ import annotations

import random
import struct
import time
import zipfile
from pathlib import Path

import pytest

from piri_qual.errors import PiriQualError
from piri_qual.ingest.readers import read_source

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _refused(path: Path) -> str:
    with pytest.raises(PiriQualError) as info:
        read_source(path)
    message = str(info.value)
    assert path.name in message and "\n" not in message
    return message


def _package(path: Path, parts: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_binary_doc_extension(tmp_path: Path) -> None:
    path = tmp_path / "P01.doc"
    path.write_bytes(OLE_MAGIC + bytes(512))
    message = _refused(path)
    assert "save it as .docx" in message


def test_binary_doc_renamed_docx(tmp_path: Path) -> None:
    path = tmp_path / "P01.docx"
    path.write_bytes(OLE_MAGIC + bytes(1024))
    message = _refused(path)
    assert ".doc" in message and "save it as .docx" in message


def test_random_bytes_named_docx(tmp_path: Path) -> None:
    path = tmp_path / "P02.docx"
    path.write_bytes(random.Random(7).randbytes(4096))
    assert "not a valid .docx" in _refused(path)


def test_password_protected_docx(tmp_path: Path) -> None:
    # An encrypted .docx is an OLE compound file with an EncryptedPackage stream (MS-OFFCRYPTO);
    # directory entry names are UTF-16LE.
    stub = OLE_MAGIC + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(50)
    stub += "EncryptedPackage".encode("utf-16-le") + bytes(2000)
    path = tmp_path / "P03.docx"
    path.write_bytes(stub)
    message = _refused(path)
    assert "password" in message and "remove the password" in message.lower()


@pytest.mark.parametrize("suffix", [".docx", ".txt", ".vtt", ".md"])
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert "empty" in _refused(path)


def test_docx_without_document_part(tmp_path: Path) -> None:
    path = _package(tmp_path / "P04.docx", {"[Content_Types].xml": CONTENT_TYPES, "word/other.xml": "<x/>"})
    assert "word/document.xml" in _refused(path)


def test_zip_bomb_is_not_unpacked(tmp_path: Path) -> None:
    path = _package(
        tmp_path / "bomb.docx",
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"\0" * (30 * 1024 * 1024)},
    )
    assert path.stat().st_size < 100_000
    message = _refused(path)
    assert "zip bomb" in message


def test_billion_laughs_is_not_expanded(tmp_path: Path) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    document = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>'
        f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
    )
    path = _package(tmp_path / "lol.docx", {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document})
    started = time.perf_counter()
    message = _refused(path)
    assert time.perf_counter() - started < 2
    assert "DTD" in message


def test_hardened_parser_leaves_entities_unexpanded() -> None:
    from lxml import etree

    from piri_qual.core.safe_xml import hardened_parser

    xml = b'<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><d>&b;</d>'
    root = etree.fromstring(xml, hardened_parser(compact=True))
    assert root.text is None and [str(node) for node in root] == ["&b;"]


def test_dtd_hidden_after_a_long_comment_is_refused(tmp_path: Path) -> None:
    document = (
        '<?xml version="1.0"?><!--' + "x" * 6000 + '--><!DOCTYPE d [<!ENTITY a "' + "a" * 50 + '">]>'
        f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>'
    )
    path = _package(tmp_path / "hidden.docx", {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document})
    assert "DTD" in _refused(path)


def test_unknown_extension_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "notes.pages"
    path.write_bytes(b"PK\x03\x04")
    message = _refused(path)
    for suffix in (".docx", ".odt", ".rtf", ".pdf", ".vtt", ".srt", ".txt", ".md", ".html"):
        assert suffix in message
    assert "Export it from Pages as a Word (.docx) file." in message


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in _refused(tmp_path / "gone.docx")


def test_malformed_document_xml(tmp_path: Path) -> None:
    path = _package(
        tmp_path / "broken.docx",
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": f'<w:document xmlns:w="{W}"><w:body>'},
    )
    assert "not well-formed" in _refused(path)


def test_docx_without_text(tmp_path: Path) -> None:
    document = f'<w:document xmlns:w="{W}"><w:body><w:p/></w:body></w:document>'
    path = _package(tmp_path / "blank.docx", {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document})
    assert "no transcript text" in _refused(path)


def test_binary_named_txt(tmp_path: Path) -> None:
    path = tmp_path / "P05.txt"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    assert "not a text file" in _refused(path)


def test_vtt_without_header(tmp_path: Path) -> None:
    path = tmp_path / "P06.vtt"
    path.write_text("00:00:01.000 --> 00:00:02.000\nhello\n", encoding="utf-8")
    message = _refused(path)
    assert "WEBVTT" in message and "P06.vtt:1" in message


def test_vtt_bad_timing_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "P07.vtt"
    path.write_text("WEBVTT\n\ncue-1\n00:00:01 --> soon\nhello\n", encoding="utf-8")
    assert "P07.vtt:4" in _refused(path)


def test_cp1252_text_is_read_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "P08.txt"
    path.write_bytes("Interviewer: How was the café?\n\nP08: It was “fine”, honestly.\n".encode("cp1252"))
    doc = read_source(path)
    assert doc.metadata["encoding"] == "cp1252" and "cp1252" in doc.metadata["encoding_note"]
    assert doc.turns[0].paragraphs == ("How was the café?",)
    assert doc.turns[1].paragraphs == ("It was “fine”, honestly.",)


def test_utf16_text_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "P09.txt"
    path.write_bytes("Interviewer: Grüß dich?\r\n\r\nP09: Ja.\r\n".encode("utf-16"))
    doc = read_source(path)
    assert doc.metadata["encoding"] == "utf-16"
    assert [(t.speaker, t.paragraphs) for t in doc.turns] == [
        ("Interviewer", ("Grüß dich?",)),
        ("P09", ("Ja.",)),
    ]


def test_utf8_bom_text(tmp_path: Path) -> None:
    path = tmp_path / "P10.txt"
    path.write_bytes("\ufeffInterviewer: Hello?\n\nP10: Hi.\n".encode())
    doc = read_source(path)
    assert doc.turns[0].speaker == "Interviewer" and doc.metadata["encoding"] == "utf-8"


# -- one hardened reader: the rules .docx shares with .qdpx and .qdc ----------------------------

_PADDING = "<!--" + "x" * 6000 + "-->"  # pushes the declaration past the first 4 KiB
_BODY = (
    f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>P01: we waited six weeks &a;</w:t></w:r></w:p>'
    "</w:body></w:document>"
)


def _good_document(label: str = "P01") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>'
        f"<w:p><w:r><w:t>Interviewer: How long did you wait?</w:t></w:r></w:p>"
        f"<w:p><w:r><w:t>{label}: About six weeks, which felt like forever.</w:t></w:r></w:p>"
        "</w:body></w:document>"
    )


def _member_data_span(path: Path, name: str) -> tuple[int, int]:
    """Where the (compressed) bytes of member ``name`` lie in the archive file."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = path.read_bytes()
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    return start, start + info.compress_size


def _corrupt_deflate(path: Path, name: str = "word/document.xml") -> Path:
    """Overwrite a member's deflate stream with bytes no inflater accepts (sizes and CRC kept)."""
    start, end = _member_data_span(path, name)
    raw = bytearray(path.read_bytes())
    raw[start:end] = b"\xff" * (end - start)
    path.write_bytes(bytes(raw))
    return path


DTD_CASES = {
    "lower-case doctype": ('<?xml version="1.0"?>' + _PADDING + '<!doctype w:document [<!ENTITY a "x">]>'
                           + _BODY).encode(),
    "UTF-16 doctype": ('<?xml version="1.0" encoding="UTF-16"?>' + _PADDING
                       + '<!DOCTYPE w:document [<!ENTITY a "x">]>' + _BODY).encode("utf-16"),
    "UTF-16 lower-case entity": ('<?xml version="1.0" encoding="UTF-16"?>' + _PADDING
                                 + '<!doctype w:document [<!entity a "x">]>' + _BODY).encode("utf-16-be"),
}


@pytest.mark.parametrize("case", list(DTD_CASES))
def test_dtd_past_4kib_in_any_case_or_encoding_is_refused(tmp_path: Path, case: str) -> None:
    """The old .docx check read only 4 KiB for a literal ``<!DOCTYPE``; the shared one reads 64 KiB
    in any letter case and in UTF-16 too, before the parser sees a byte."""
    from piri_qual.core.safe_xml import declares_dtd

    data = DTD_CASES[case]
    assert data.replace(b"\x00", b"").lower().find(b"<!doctype") > 4096
    assert declares_dtd(data)  # caught by the scan itself, not only after parsing
    path = _package(tmp_path / "P01_dtd.docx", {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": data})
    message = _refused(path)
    assert "word/document.xml declares a DTD" in message and "Word never writes" in message
    assert message.endswith("Open it in Word and save it again as .docx.")


def test_corrupt_deflate_stream_is_one_line(tmp_path: Path) -> None:
    path = _package(tmp_path / "P02_corrupt.docx",
                    {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": _good_document()})
    read_source(path)  # sound before the damage
    _corrupt_deflate(path)
    message = _refused(path)
    assert "damaged .docx: entry 'word/document.xml' cannot be read" in message
    assert "save it again as .docx" in message


def test_bad_crc_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "P03_crc.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("word/document.xml", _good_document())
    start, end = _member_data_span(path, "word/document.xml")
    raw = bytearray(path.read_bytes())
    at = raw.index(b"forever", start, end)
    raw[at] = ord("F")  # still well-formed XML, but no longer what the CRC was computed over
    path.write_bytes(bytes(raw))
    message = _refused(path)
    assert "damaged .docx" in message and "CRC" in message


def test_docx_member_size_is_judged_from_the_directory(tmp_path: Path) -> None:
    """A part that claims more than Word ever writes is refused before anything is unpacked."""
    path = _package(tmp_path / "P04_huge.docx",
                    {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": _good_document()})
    raw = bytearray(path.read_bytes())
    central = raw.index(b"PK\x01\x02")  # central directory entries
    while raw[central + 46 : central + 46 + 17] != b"word/document.xml":
        central = raw.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", raw, central + 24, 300 * 1024 * 1024)  # declared uncompressed size
    path.write_bytes(bytes(raw))
    message = _refused(path)
    assert "refusing to read this .docx" in message and "would unpack to 314,572,800 bytes" in message


def test_docx_with_too_many_parts_is_refused(tmp_path: Path) -> None:
    parts: dict[str, bytes | str] = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": _good_document()}
    parts.update({f"customXml/item{i}.xml": b"" for i in range(10_000)})
    message = _refused(_package(tmp_path / "P05_parts.docx", parts))
    assert "refusing to read this .docx" in message and "10002 entries (the limit is 10000)" in message


def test_one_bad_docx_does_not_stop_the_import(tiny_study: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from piri_qual.cli import main
    from piri_qual.study import Study

    content = {"[Content_Types].xml": CONTENT_TYPES}
    good = _package(tmp_path / "P07_parent.docx", {**content, "word/document.xml": _good_document("P07")})
    corrupt = _corrupt_deflate(_package(tmp_path / "P08_parent.docx",
                                        {**content, "word/document.xml": _good_document("P08")}))
    doctype = _package(tmp_path / "P09_parent.docx",
                       {**content, "word/document.xml": DTD_CASES["lower-case doctype"]})
    also_good = _package(tmp_path / "P10_staff.docx", {**content, "word/document.xml": _good_document("P10")})
    code = main(["import", str(corrupt), str(good), str(doctype), str(also_good), "--study", str(tiny_study)])
    assert code == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith("error: ") and "P08_parent.docx" in lines[0] and "cannot be read" in lines[0]
    assert lines[1].startswith("error: ") and "P09_parent.docx" in lines[1] and "declares a DTD" in lines[1]
    assert "Traceback" not in err
    assert "2 imported, 2 failed" in out
    assert Study(tiny_study).transcript_ids() == ["P01", "P07", "P10"]
