"""Files the readers must refuse, each with one clear line naming the file and what to do."""

from __future__ import annotations

import random
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

    from piri_qual.ingest.docx import _parser

    xml = b'<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><d>&b;</d>'
    root = etree.fromstring(xml, _parser())
    assert root.text is None and [str(node) for node in root] == ["&b;"]


def test_dtd_hidden_after_a_long_comment_is_refused(tmp_path: Path) -> None:
    document = (
        '<?xml version="1.0"?><!--' + "x" * 6000 + '--><!DOCTYPE d [<!ENTITY a "' + "a" * 50 + '">]>'
        f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>'
    )
    path = _package(tmp_path / "hidden.docx", {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document})
    assert "DTD" in _refused(path)


def test_unknown_extension_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.4")
    message = _refused(path)
    for suffix in (".docx", ".vtt", ".txt", ".md"):
        assert suffix in message


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
