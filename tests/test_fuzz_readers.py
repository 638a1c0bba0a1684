"""Property-based fuzzing of every reader: any input is read, or refused with one PiriQualError.

For each reader (.docx, .vtt, .txt/.md, .qdpx, .qdc, the study's YAML files, coder-log lines,
participants.csv) hypothesis builds inputs two ways: structure-aware ones (a real archive with
fuzzed XML, attributes, member names and text; YAML and JSON of the right shape with values of
the wrong kinds), which reach the code behind the format checks, and raw or mutated bytes, which
test the format checks themselves. The property is the one the command line relies on: the
reader returns, or raises :class:`PiriQualError` (one line for the user); any other exception is
a bug with a traceback. Readers write nothing; an import writes nothing outside its study.

``make test`` runs a bounded, derandomised budget (``PIRI_FUZZ_EXAMPLES``, 25 examples each, the
same examples every run, so CI is stable); ``make fuzz`` runs 2,000 random examples each.
"""

from __future__ import annotations

import io
import json
import os
import string
import tempfile
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from piri_qual.errors import PiriQualError

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("PIRI_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,  # the bounded run is reproducible; `make fuzz` explores
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    database=None,
)
NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

# -- strategies --------------------------------------------------------------------------------
# Text a transcript can hold, and the characters that break things: controls, NUL, lone
# surrogates are impossible in str from UTF-8 so they come in through bytes instead.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
LABELLED_LINE = st.builds(lambda who, words: f"{who}: {words}",
                          st.sampled_from(["Interviewer", "P07", "INT", "R", "[00:01:02] Sam", "Q", "A", ""]), TEXT)
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=12)
YAML_VALUE = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | TEXT,
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                              st.sampled_from(["id", "label", "construct", "parent", "themes", "patterns",
                                               "keywords", "domains", "constructs", "title", "coders", "roles",
                                               "pseudonyms", "permissions", "LOWER", "OP", "REGEX", "IN"]) | TEXT,
                              inner, max_size=5),
                          max_leaves=20)
GUID = st.one_of(st.uuids().map(str), st.sampled_from(["", "{not-a-guid}", "x" * 80]), TEXT)
POSITION = st.one_of(st.integers(-5, 1200), st.sampled_from(["", "1e3", "-0", " 7", "9" * 30]))
MEMBER_NAME = st.sampled_from([
    "sources/bbbbbbbb-0000-4000-8000-000000000001.txt", "Sources/BBBBBBBB-0000-4000-8000-000000000001.TXT",
    "sources/other.txt", "../evil.txt", "/etc/evil.txt", "sources/../../evil.txt", "C:/evil.txt", "sources/",
    "sources/.root", "a" * 300, "project.qde", "Project.QDE", "sources/\u00e9t\u00e9.txt",
])


def mutate(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    """``data`` with the bytes at the given (position, xor) pairs changed."""
    out = bytearray(data)
    for position, xor in flips:
        if out:
            out[position % len(out)] ^= xor or 1
    return bytes(out)


FLIPS = st.lists(st.tuples(st.integers(0, 2**20), st.integers(1, 255)), min_size=1, max_size=8)


@contextmanager
def sandbox() -> Any:
    """A temp folder; fails the example if anything appears outside the folders the test allows."""
    with tempfile.TemporaryDirectory(prefix="piri-fuzz-") as tmp:
        yield Path(tmp)


def refused_or_read(read: Callable[[], Any], what: str = "read") -> Any:
    """The property: a result, or one PiriQualError whose message is a line (or a list of lines)."""
    try:
        result = read()
    except PiriQualError as exc:
        assert str(exc).strip(), "an error must say something"
        event(f"{what}: refused")
        return None
    event(f"{what}: accepted")
    return result


def files_in(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


# -- transcripts: .docx --------------------------------------------------------------------------
SEED_DOCX = REPO / "transcripts" / "P01_parent.docx"
DOCX_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
              'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
              'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
              'main+xml"/></Types>')
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RUN_XML = st.one_of(
    TEXT.map(lambda t: f"<w:r><w:t xml:space=\"preserve\">{escape(t)}</w:t></w:r>"),
    TEXT.map(lambda t: f"<w:ins><w:r><w:t>{escape(t)}</w:t></w:r></w:ins>"),
    TEXT.map(lambda t: f"<w:del><w:r><w:delText>{escape(t)}</w:delText></w:r></w:del>"),
    st.sampled_from(["<w:r><w:br/></w:r>", "<w:r><w:tab/></w:r>", "<w:r><w:sym w:char=\"F04A\"/></w:r>",
                     "<w:fldSimple w:instr=\"PAGE\"/>", "<w:r><w:t>", "</w:p>", "<w:r><w:t>&bogus;</w:t></w:r>",
                     "<w:sdt><w:sdtContent><w:r><w:t>in a control</w:t></w:r></w:sdtContent></w:sdt>"]),
)
PARAGRAPH_XML = st.one_of(
    st.lists(RUN_XML, max_size=5).map(lambda runs: "<w:p>" + "".join(runs) + "</w:p>"),
    st.lists(st.lists(LABELLED_LINE, min_size=1, max_size=3), min_size=1, max_size=3).map(
        lambda rows: "<w:tbl>" + "".join(
            "<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{escape(c)}</w:t></w:r></w:p></w:tc>" for c in row) + "</w:tr>"
            for row in rows) + "</w:tbl>"),
    LABELLED_LINE.map(lambda t: f"<w:p><w:r><w:t>{escape(t)}</w:t></w:r></w:p>"),
)


def docx_bytes(document_xml: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPES)
        archive.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@FUZZ
@given(paragraphs=st.lists(PARAGRAPH_XML, max_size=12))
def test_fuzz_docx_structured(paragraphs: list[str]) -> None:
    from piri_qual.ingest.readers import read_source

    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{"".join(paragraphs)}</w:body></w:document>'
    with sandbox() as tmp:
        path = tmp / "P07.docx"
        path.write_bytes(docx_bytes(xml))
        document = refused_or_read(lambda: read_source(path))
        if document is not None:
            assert all(turn.paragraphs for turn in document.turns)
        assert files_in(tmp) == {path}


@FUZZ
@given(flips=FLIPS)
def test_fuzz_docx_mutated_bytes(flips: list[tuple[int, int]]) -> None:
    from piri_qual.ingest.readers import read_source

    with sandbox() as tmp:
        path = tmp / "P01_parent.docx"
        path.write_bytes(mutate(SEED_DOCX.read_bytes(), flips))
        refused_or_read(lambda: read_source(path))
        assert files_in(tmp) == {path}


# -- transcripts: .vtt, .txt, .md --------------------------------------------------------------------
CUE = st.builds(
    lambda a, b, who, words: f"{a} --> {b}\n" + (f"<v {who}>{words}</v>" if who else words),
    st.sampled_from(["00:00:01.000", "00:01.500", "99:99:99.999", "1:00:00.000", "00:00:05,000", "x"]),
    st.sampled_from(["00:00:04.000", "00:00:00.000", "", "00:00:03.000 align:start"]),
    st.sampled_from(["", "Sam", "Interviewer", "P07 (Guest)", "<b>"]),
    TEXT,
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"])


@FUZZ
@given(cues=st.lists(CUE, max_size=10), header=st.sampled_from(["WEBVTT", "WEBVTT - Teams", "", "WEBVTT\nNOTE x"]),
       encoding=ENCODINGS)
def test_fuzz_vtt(cues: list[str], header: str, encoding: str) -> None:
    from piri_qual.ingest.readers import read_source

    with sandbox() as tmp:
        path = tmp / "meeting.vtt"
        path.write_bytes((header + "\n\n" + "\n\n".join(cues) + "\n").encode(encoding, errors="replace"))
        refused_or_read(lambda: read_source(path))


@FUZZ
@given(lines=st.lists(st.one_of(LABELLED_LINE, TEXT, st.sampled_from([
    "Transcribed by https://otter.ai", "Sam  0:03", "00:00:05 hello", "### Interviewer", "Name: P, Age: 3"])),
    max_size=15), encoding=ENCODINGS, suffix=st.sampled_from([".txt", ".md"]), raw=st.none() | st.binary(max_size=400))
def test_fuzz_text_and_markdown(lines: list[str], encoding: str, suffix: str, raw: bytes | None) -> None:
    from piri_qual.ingest.readers import read_source

    with sandbox() as tmp:
        path = tmp / f"P07{suffix}"
        data = raw if raw is not None else "\n".join(lines).encode(encoding, errors="replace")
        path.write_bytes(data)
        refused_or_read(lambda: read_source(path))


# -- REFI-QDA: .qdpx and .qdc -------------------------------------------------------------------------
CODE = st.recursive(
    st.builds(lambda guid, name, codable: (guid, name, codable, []), GUID, TEXT,
              st.sampled_from(["true", "false", "", "0", "maybe"])),
    lambda inner: st.builds(lambda guid, name, kids: (guid, name, "true", kids), GUID, TEXT,
                            st.lists(inner, max_size=3)),
    max_leaves=8,
)


def code_xml(code: tuple[str, str, str, list[Any]]) -> str:
    guid, name, codable, kids = code
    inner = "".join(code_xml(k) for k in kids)
    return f"<Code guid={quoteattr(guid)} name={quoteattr(name)} isCodable={quoteattr(codable)}>{inner}</Code>"


def xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff"))


SELECTION = st.builds(
    lambda guid, start, end, code, user: (
        f"<PlainTextSelection guid={quoteattr(guid)} startPosition={quoteattr(str(start))} "
        f"endPosition={quoteattr(str(end))}><Coding guid={quoteattr(guid + 'c')}"
        + (f" creatingUser={quoteattr(user)}" if user else "")
        + f"><CodeRef targetGUID={quoteattr(code)}/></Coding></PlainTextSelection>"),
    GUID, POSITION, POSITION, GUID, st.none() | GUID,
)


@FUZZ
@given(codes=st.lists(CODE, max_size=5), selections=st.lists(SELECTION, max_size=6), text=TEXT,
       name=TEXT, members=st.lists(MEMBER_NAME, max_size=3), encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]),
       path_kind=st.sampled_from(["internal://bbbbbbbb-0000-4000-8000-000000000001.txt", "internal://../x.txt",
                                  "absolute:///etc/passwd", "internal://", "relative://a.txt"]))
def test_fuzz_qdpx_structured(codes: list[Any], selections: list[str], text: str, name: str, members: list[str],
                              encoding: str, path_kind: str) -> None:
    """A project: fuzzed codes, selections, names and members. Read, then imported into a new
    study: nothing may appear outside that study's folder."""
    from piri_qual.exchange.into_study import plan_qdpx
    from piri_qual.exchange.refi_reader import read_qdpx
    from piri_qual.exchange.target import resolve_target

    project = (f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="{NS}" name={quoteattr(xml_safe(name))}>'
               f"<Users><User guid=\"aaaaaaaa-0000-4000-8000-000000000001\" name={quoteattr(xml_safe(name))}/></Users>"
               f"<CodeBook><Codes>{xml_safe(''.join(code_xml(c) for c in codes))}</Codes></CodeBook><Sources>"
               f'<TextSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="T1" plainTextPath="{path_kind}">'
               f"{xml_safe(''.join(selections))}</TextSource></Sources></Project>")
    with sandbox() as tmp:
        archive = tmp / "in" / "p.qdpx"
        archive.parent.mkdir()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("project.qde", project)
            zf.writestr("sources/bbbbbbbb-0000-4000-8000-000000000001.txt", text.encode(encoding, errors="replace"))
            for member in members:
                if member not in zf.namelist():
                    zf.writestr(member, text.encode("utf-8", errors="replace"))
        before = files_in(tmp)
        read = refused_or_read(lambda: read_qdpx(archive))
        assert files_in(tmp) == before
        if read is None:
            return
        study = tmp / "study"
        refused_or_read(lambda: plan_qdpx(read, archive, resolve_target(None, study, read.name),
                                          add_themes=True).apply(), "import")
        outside = {p for p in files_in(tmp) - before if study not in p.parents}
        assert not outside, outside


@FUZZ
@given(flips=FLIPS)
def test_fuzz_qdpx_mutated_bytes(flips: list[tuple[int, int]]) -> None:
    from piri_qual.exchange.refi_reader import read_qdpx

    seed = io.BytesIO()
    with zipfile.ZipFile(seed, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="{NS}" name="P"><CodeBook>'
                    '<Codes><Code guid="cccccccc-0000-4000-8000-000000000001" name="Joy" isCodable="true"/></Codes>'
                    '</CodeBook><Sources><TextSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="T1" '
                    'plainTextPath="internal://bbbbbbbb-0000-4000-8000-000000000001.txt"><PlainTextSelection '
                    'guid="dddddddd-0000-4000-8000-000000000001" startPosition="7" endPosition="12"><Coding '
                    'guid="eeeeeeee-0000-4000-8000-000000000001"><CodeRef targetGUID="cccccccc-0000-4000-8000-'
                    '000000000001"/></Coding></PlainTextSelection></TextSource></Sources></Project>')
        zf.writestr("sources/bbbbbbbb-0000-4000-8000-000000000001.txt", "I feel happy today.")
    with sandbox() as tmp:
        path = tmp / "p.qdpx"
        path.write_bytes(mutate(seed.getvalue(), flips))
        refused_or_read(lambda: read_qdpx(path))
        assert files_in(tmp) == {path}


@FUZZ
@given(codes=st.lists(CODE, max_size=6), origin=st.sampled_from(["ATLAS.ti 23", "NVivo", "", "QualCoder"]),
       namespace=st.sampled_from([CODEBOOK_NS, NS, "", "urn:other"]), raw=st.none() | st.binary(max_size=300))
def test_fuzz_qdc(codes: list[Any], origin: str, namespace: str, raw: bytes | None) -> None:
    from piri_qual.exchange.refi_reader import read_qdc

    xmlns = f' xmlns="{namespace}"' if namespace else ""
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><CodeBook{xmlns} origin={quoteattr(origin)}><Codes>'
           f"{xml_safe(''.join(code_xml(c) for c in codes))}</Codes></CodeBook>")
    with sandbox() as tmp:
        path = tmp / "book.qdc"
        path.write_bytes(raw if raw is not None else xml.encode("utf-8"))
        refused_or_read(lambda: read_qdc(path))
        assert files_in(tmp) == {path}


# -- the study's YAML files -------------------------------------------------------------------------
THEME = st.fixed_dictionaries({"id": YAML_VALUE | st.sampled_from(["a", "b", "a b", ".."]),
                               "label": YAML_VALUE},
                              optional={"construct": YAML_VALUE, "parent": st.sampled_from(["a", "b", "c"]) | YAML_VALUE,
                                        "patterns": YAML_VALUE, "keywords": YAML_VALUE, "retired": YAML_VALUE,
                                        "examples": YAML_VALUE})


@FUZZ
@given(themes=st.lists(THEME, max_size=5) | YAML_VALUE, raw=st.none() | TEXT)
def test_fuzz_codebook_yaml(themes: Any, raw: str | None) -> None:
    from piri_qual.core.framework import load_codebook, load_framework

    framework = load_framework(REPO / "frameworks" / "piri.yaml")
    with sandbox() as tmp:
        path = tmp / "codebook.yaml"
        path.write_text(raw if raw is not None else yaml.safe_dump({"id": "c", "themes": themes}), encoding="utf-8")
        refused_or_read(lambda: load_codebook(path, framework))
        refused_or_read(lambda: load_codebook(path, None))


@FUZZ
@given(data=YAML_VALUE, raw=st.none() | TEXT)
def test_fuzz_framework_and_settings_yaml(data: Any, raw: str | None) -> None:
    from piri_qual.core.framework import load_framework
    from piri_qual.core.settings import Settings

    with sandbox() as tmp:
        path = tmp / "piri-qual.yaml"
        path.write_text(raw if raw is not None else yaml.safe_dump(data), encoding="utf-8")
        refused_or_read(lambda: load_framework(path))
        refused_or_read(lambda: Settings.load(path))
        assert files_in(tmp) == {path}


# -- coder logs ----------------------------------------------------------------------------------------
EVENT = st.fixed_dictionaries(
    {"id": st.text(string.hexdigits, min_size=1, max_size=8) | JSON, "op": st.sampled_from(
        ["add", "confirm", "reject", "adjust", "delete", "undo", "memo", "bogus"]) | JSON},
    optional={"time": st.sampled_from(["2024-01-01T00:00:00+00:00", "2024-01-01", "", "not a time"]) | JSON,
              "coder": st.just("alice") | JSON, "transcript": st.sampled_from(["P01", "P99", ""]) | JSON,
              "start": st.integers(-10, 400) | JSON, "end": st.integers(-10, 400) | JSON, "quote": TEXT | JSON,
              "theme": st.sampled_from(["waiting_times", "bonding", "gone"]) | JSON, "target": JSON,
              "scope": st.sampled_from(["excerpt", "theme", "cell", "study", "x"]) | JSON, "score": JSON,
              "text": JSON, "participant": JSON},
)


@FUZZ
@given(lines=st.lists(st.one_of(EVENT.map(json.dumps), JSON.map(json.dumps), TEXT), max_size=12),
       tail=st.binary(max_size=40))
def test_fuzz_coder_log_lines(lines: list[str], tail: bytes) -> None:
    """Any log folds, and its codings make a table (the path of list, summary and exports)."""
    import warnings

    from piri_qual.core.coding_table import coding_table
    from piri_qual.core.codings import fold, last_redoable, last_undoable, parse_log_bytes
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text

    text, spans = assemble_text([RawTurn("P01", ("We waited about six weeks, which felt like forever.",))],
                                ["participant"])
    transcript = Transcript(id="P01", participant="P01", group="parent", text=text, turns=spans, source="",
                            source_sha256="", format="txt", imported_at="")
    data = ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass") + tail
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events = list(parse_log_bytes(data, Path("codings/alice.jsonl")))
    result = fold(events, {"gone": "bonding"})
    last_undoable(events)
    last_redoable(events)
    coding_table(result, {"P01": transcript}, None, None)


# -- participants.csv -------------------------------------------------------------------------------------
CELL = st.one_of(TEXT, st.sampled_from(["P01", "P02", "parent", "staff", '"quoted, cell"', "", "id"]))


@FUZZ
@given(rows=st.lists(st.lists(CELL, max_size=5), max_size=8), separator=st.sampled_from([",", ";", "\t", "|"]),
       header=st.lists(st.sampled_from(["id", "group", "site", "id", "", " id "]) | TEXT, max_size=5),
       raw=st.none() | st.binary(max_size=300))
def test_fuzz_participants_csv(rows: list[list[str]], separator: str, header: list[str], raw: bytes | None) -> None:
    from piri_qual.core.participants import load_participants

    with sandbox() as tmp:
        path = tmp / "participants.csv"
        text = "\n".join(separator.join(r) for r in [header, *rows])
        path.write_bytes(raw if raw is not None else text.encode("utf-8", errors="surrogatepass"))
        people = refused_or_read(lambda: load_participants(path))
        if people is not None:
            assert all(pid and row["id"] == pid for pid, row in people.items())
