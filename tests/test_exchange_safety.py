"""Hostile and broken exchange files: a clear one-line error, and nothing written.

Each case is a small crafted file: zip-slip and absolute member names, symbolic links, a zip
bomb, XML entity expansion and external entities (also in UTF-16), missing sources, text kept
outside the archive, text that is not UTF-8 and selections outside their text.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from piri_qual.cli import main
from piri_qual.core.safe_xml import parse_xml
from piri_qual.core.safe_zip import SafeArchive, ZipLimits, unsafe_member_name
from piri_qual.errors import PiriQualError

NS = "urn:QDA-XML:project:1.0"
GOOD_TEXT = "I feel happy today."


def run(args: list[str]) -> tuple[int, str, str]:
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        code = main(args)
        return code, out.getvalue().decode(), err.getvalue().decode()


def project_xml(start: int = 7, end: int = 12, path: str = "internal://bbbbbbbb-0000-4000-8000-000000000001.txt",
                prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<Project xmlns="{NS}" name="P">'
            '<CodeBook><Codes><Code guid="cccccccc-0000-4000-8000-000000000001" name="Joy" isCodable="true"/>'
            '</Codes></CodeBook><Sources><TextSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="T1" '
            f'plainTextPath="{path}"><PlainTextSelection guid="dddddddd-0000-4000-8000-000000000001" '
            f'startPosition="{start}" endPosition="{end}"><Coding guid="eeeeeeee-0000-4000-8000-000000000001">'
            '<CodeRef targetGUID="cccccccc-0000-4000-8000-000000000001"/></Coding></PlainTextSelection>'
            "</TextSource></Sources></Project>")


def write_zip(path: Path, members: dict[str, bytes | str], infos: list[tuple[zipfile.ZipInfo, bytes]] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for info, data in infos:
            archive.writestr(info, data)
    return path


def good_members() -> dict[str, bytes | str]:
    return {"project.qde": project_xml(), "sources/bbbbbbbb-0000-4000-8000-000000000001.txt": GOOD_TEXT}


def assert_refused(path: Path, tmp_path: Path, *needles: str) -> str:
    into = tmp_path / "new-study"
    code, out, err = run(["import", str(path), "--into", str(into)])
    assert code == 2, (out, err)
    assert err.startswith("error: ")
    for needle in needles:
        assert needle in err, err
    assert not into.exists(), "a refused import must not create the study"
    return err


def test_a_good_project_imports(tmp_path: Path) -> None:
    """The baseline the hostile variants below are made from."""
    path = write_zip(tmp_path / "good.qdpx", good_members())
    code, out, err = run(["import", str(path), "--into", str(tmp_path / "s")])
    assert code == 0, err
    assert "1 codings" in out


@pytest.mark.parametrize("name, why", [
    ("../evil.txt", "'..'"),
    ("sources/../../evil.txt", "'..'"),
    ("/etc/evil.txt", "absolute path"),
    ("C:/evil.txt", "names a drive"),
    ("..\\evil.txt", "'..'"),
])
def test_zip_slip_names_are_refused(tmp_path: Path, name: str, why: str) -> None:
    members = good_members()
    members[name] = b"x"
    path = write_zip(tmp_path / "slip.qdpx", members)
    assert_refused(path, tmp_path, "refusing to read", why)
    assert unsafe_member_name("sources/ok.txt") is None


def test_symbolic_links_are_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("sources/link.txt")
    link.create_system = 3
    link.external_attr = (0o120777 << 16)
    path = write_zip(tmp_path / "link.qdpx", good_members(), [(link, b"/etc/passwd")])
    assert_refused(path, tmp_path, "symbolic link")


def test_encrypted_members_are_refused(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "enc.qdpx", good_members())
    data = bytearray(path.read_bytes())
    # set the "encrypted" flag of every entry in the central directory (signature PK\1\2)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    assert_refused(path, tmp_path, "encrypted")


def test_zip_bomb_is_refused_from_its_directory(tmp_path: Path) -> None:
    members = good_members()
    members["sources/zeros.txt"] = b"\0" * (24 * 1024 * 1024)  # about 1000:1
    path = write_zip(tmp_path / "bomb.qdpx", members)
    assert path.stat().st_size < 200_000
    assert_refused(path, tmp_path, "zip bomb")


def test_size_limits_are_checked_before_reading(tmp_path: Path) -> None:
    members = good_members()
    members["sources/big.txt"] = "x" * 5000
    path = write_zip(tmp_path / "big.qdpx", members)
    with pytest.raises(PiriQualError, match="would unpack to 5,000 bytes"):
        SafeArchive(path, ZipLimits(max_member_bytes=4000))
    with pytest.raises(PiriQualError, match="more than 4,000 bytes"):
        SafeArchive(path, ZipLimits(max_total_bytes=4000))
    with SafeArchive(path, ZipLimits(max_read_bytes=4000)) as archive:
        with pytest.raises(PiriQualError, match="read into memory"):
            archive.read("sources/big.txt")
    with pytest.raises(PiriQualError, match="entries"):
        SafeArchive(path, ZipLimits(max_members=2))


def test_not_a_zip_and_no_project(tmp_path: Path) -> None:
    junk = tmp_path / "junk.qdpx"
    junk.write_bytes(b"this is not a zip file at all")
    assert_refused(junk, tmp_path, "not a ZIP archive")
    empty = write_zip(tmp_path / "empty.qdpx", {"sources/x.txt": "text"})
    assert_refused(empty, tmp_path, "no .qde file")


BILLION_LAUGHS = (
    '<!DOCTYPE Project [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
)
EXTERNAL = '<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog", [BILLION_LAUGHS, EXTERNAL])
def test_entities_are_refused(tmp_path: Path, prolog: str) -> None:
    members = good_members()
    members["project.qde"] = project_xml(prolog=prolog).replace('name="P"', 'name="&d;"' if "ENTITY a" in prolog else 'name="&x;"')
    path = write_zip(tmp_path / "xxe.qdpx", members)
    assert_refused(path, tmp_path, "DOCTYPE")


def test_entities_are_refused_in_any_encoding(tmp_path: Path) -> None:
    doc = project_xml(prolog=EXTERNAL).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = doc.encode("utf-16")
    with pytest.raises(PiriQualError, match="DOCTYPE"):
        parse_xml(data, tmp_path / "x.qde")
    # without the DOCTYPE the same UTF-16 document parses
    clean = project_xml().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert parse_xml(clean, tmp_path / "x.qde").get("name") == "P"


def test_codebook_with_entities_is_refused(tmp_path: Path) -> None:
    qdc = tmp_path / "evil.qdc"
    qdc.write_text('<?xml version="1.0"?>' + EXTERNAL.replace("Project", "CodeBook")
                   + '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="cccccccc-0000-4000-8000-000000000001" '
                   'name="&x;" isCodable="true"/></Codes></CodeBook>', encoding="utf-8")
    assert_refused(qdc, tmp_path, "DOCTYPE")


def test_malformed_xml_is_a_clear_error(tmp_path: Path) -> None:
    members = good_members()
    members["project.qde"] = project_xml()[:-20]
    assert_refused(write_zip(tmp_path / "cut.qdpx", members), tmp_path, "not well-formed XML")


def test_corrupt_deflate_stream_is_a_clear_error(tmp_path: Path) -> None:
    """A member whose compressed bytes no inflater accepts: one line, not a zlib traceback."""
    path = write_zip(tmp_path / "corrupt.qdpx", good_members())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("project.qde")
    raw = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    raw[start : start + info.compress_size] = b"\xff" * info.compress_size
    path.write_bytes(bytes(raw))
    err = assert_refused(path, tmp_path, "damaged REFI-QDA project (.qdpx)", "'project.qde' cannot be read")
    assert err.count("\n") == 1


def test_missing_source_is_refused(tmp_path: Path) -> None:
    members = good_members()
    del members["sources/bbbbbbbb-0000-4000-8000-000000000001.txt"]
    path = write_zip(tmp_path / "missing.qdpx", members)
    assert_refused(path, tmp_path, "missing from the archive", "Nothing was written")


def test_text_outside_the_archive_is_refused(tmp_path: Path) -> None:
    members = good_members()
    members["project.qde"] = project_xml(path="absolute:///etc/passwd")
    assert_refused(write_zip(tmp_path / "abs.qdpx", members), tmp_path, "outside the project")
    members["project.qde"] = project_xml(path="internal://../../etc/passwd")
    assert_refused(write_zip(tmp_path / "rel.qdpx", members), tmp_path, "invalid internal path")


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    members = good_members()
    members["sources/bbbbbbbb-0000-4000-8000-000000000001.txt"] = "caf\u00e9 ok".encode("latin-1")
    assert_refused(write_zip(tmp_path / "latin.qdpx", members), tmp_path, "not UTF-8")


@pytest.mark.parametrize("start, end", [(7, 40), (-1, 4), (12, 7)])
def test_selections_outside_their_text_are_refused(tmp_path: Path, start: int, end: int) -> None:
    members = good_members()
    members["project.qde"] = project_xml(start, end)
    path = write_zip(tmp_path / "outside.qdpx", members)
    assert_refused(path, tmp_path, "lies outside its text of 19 characters")


def test_refused_import_leaves_an_existing_study_untouched(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "good.qdpx", good_members())
    assert run(["import", str(path), "--into", str(tmp_path / "s")])[0] == 0
    snapshot = {p: p.read_bytes() for p in (tmp_path / "s").rglob("*") if p.is_file() and not p.name.endswith(".lock")}
    members = good_members()
    members["project.qde"] = project_xml(7, 99).replace('name="T1"', 'name="T2"')
    bad = write_zip(tmp_path / "bad.qdpx", members)
    code, _, err = run(["import", str(bad), "--study", str(tmp_path / "s")])
    assert code == 2 and "outside its text" in err
    assert {p: p.read_bytes() for p in (tmp_path / "s").rglob("*") if p.is_file() and not p.name.endswith(".lock")} == snapshot


def test_into_a_folder_that_is_not_a_study(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"x")
    path = write_zip(tmp_path / "good.qdpx", good_members())
    code, _, err = run(["import", str(path), "--into", str(folder)])
    assert code == 2 and "not a piri-qual study" in err
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.docx"]
