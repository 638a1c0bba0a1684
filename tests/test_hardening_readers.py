"""Hardening (issue 16): bad and hostile inputs read as one clear line, or read right.

Each test is named after the finding of the hostile test it guards against. Some findings were
already fixed by the core restructuring (the hardened zip reader, typed coder-log lines, the
codebook's parent-cycle check); their tests pin that down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from study_builders import write_docx

from piri_qual.cli import main
from piri_qual.study import Study

NS = "urn:QDA-XML:project:1.0"
CLI = "import sys; from piri_qual.cli import main; sys.exit(main(sys.argv[1:]))"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- .docx whose compressed stream is corrupt (fixed by core/safe_zip.py) -------------------------
def test_docx_with_a_corrupt_compressed_stream_is_one_line_and_the_others_import(tiny_study: Path, tmp_path: Path,
                                                                                capsys) -> None:
    """Finding: a .docx whose compressed stream is corrupt gave a traceback, and the other files
    in that command were then not imported."""
    good = write_docx(tmp_path / "P08_parent.docx", ["Interviewer: How was it?", "P08: We waited six weeks."])
    bad = write_docx(tmp_path / "P09_parent.docx", ["Interviewer: How was it?", "P09: " + "It was fine. " * 200])
    data = bytearray(bad.read_bytes())
    with zipfile.ZipFile(bad) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 10, start + min(info.compress_size, 200)):
        data[k] ^= 0x5A  # scramble the deflate stream; the central directory still looks right
    bad.write_bytes(bytes(data))
    code, out, err = run(["import", str(bad), str(good), "--study", str(tiny_study)], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "P09_parent.docx" in lines[0]
    assert "imported  P08" in out
    assert Study(tiny_study).transcript_ids() == ["P01", "P08"]


# -- a coder-log line that is valid JSON with a wrong field type (fixed by core/codings.py) -------
COMMANDS = [
    ["codings", "list", "--coder", "gold"],
    ["codings", "undo", "--coder", "gold"],
    ["summary"],
    ["agreement", "--coders", "gold,bob"],
    ["export", "matrix", "--coder", "gold"],
    ["export", "quotes", "--coder", "gold", "--format", "md"],
    ["export", "codebook", "--coder", "gold", "--format", "md"],
    ["export", "frequencies", "--coder", "gold", "--format", "csv"],
    ["export", "qdpx"],
    ["export", "all", "--coder", "gold"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_log_line_with_a_wrong_field_type_every_command_survives(example_study: Path, command: list[str],
                                                                 capsys) -> None:
    """Finding: a log line that is valid JSON with a wrong field type crashed list, undo, summary,
    agreement and every export. Now: skipped with a warning naming file:line."""
    log = example_study / "codings" / "gold.jsonl"
    first = json.loads(log.read_text().splitlines()[0])
    bad = [dict(first, id="a" * 32, start="12"), dict(first, id="b" * 32, theme=["x"]),
           dict(first, id="c" * 32, score="high"), dict(first, id="d" * 32, end=12.5)]
    text = log.read_text() + "".join(json.dumps(b) + "\n" for b in bad)
    log.write_text(text)
    (example_study / "codings" / "bob.jsonl").write_text(text.replace('"coder":"gold"', '"coder":"bob"'))
    code, _, err = run([*command, "--study", str(example_study)], capsys)
    assert code == 0, err
    assert "Traceback" not in err
    assert f"gold.jsonl:{len(text.splitlines()) - 3}: skipped a line that is not a valid event (field 'start'" in err


# -- spaCy patterns --------------------------------------------------------------------------------
@pytest.mark.parametrize("pattern, why", [
    ('[{LOWER: {REGEX: "(unclosed"}}]', "is not a valid regular expression"),
    ('[{LENGTH: "abc"}]', "LENGTH must be a whole number"),
    ("[{LOWER: {IN: 5}}]", "IN needs a list of text"),
    ("[{LOWER: {NOTANOP: x}}]", "unknown predicate 'NOTANOP'"),
    ('[{IS_ALPHA: "maybe"}]', "IS_ALPHA must be true or false"),
    ('[{LOWER: wait, OP: "{3,1}"}]', "OP is invalid"),
    ("[{LOWER: [a, b]}]", "LOWER must be text or a mapping"),
    ("[{_: {foo: 1}}]", "custom extension attributes"),
])
def test_invalid_spacy_pattern_is_refused_by_codebook_and_never_crashes_suggest(tiny_study: Path, pattern: str,
                                                                                 why: str, capsys) -> None:
    """Finding: an invalid spaCy pattern passed `codebook` validation and crashed `suggest`."""
    path = tiny_study / "codebooks" / "tiny.yaml"
    path.write_text(path.read_text().replace("    keywords: [wait, waiting list]\n",
                                             f"    keywords: [wait, waiting list]\n    patterns:\n      - {pattern}\n"))
    code, _, err = run(["codebook", "--study", str(tiny_study)], capsys)
    assert code == 2 and "tiny.yaml:11: theme 'waiting_times': pattern 1" in err and why in err
    code, _, err = run(["suggest", "--coder", "alice", "--study", str(tiny_study)], capsys)
    assert code == 2 and why in err and "Traceback" not in err


def test_valid_spacy_patterns_still_match_in_suggest(tiny_study: Path, capsys) -> None:
    path = tiny_study / "codebooks" / "tiny.yaml"
    path.write_text(path.read_text().replace(
        "    keywords: [wait, waiting list]\n",
        "    keywords: []\n    patterns:\n      - [{lemma: wait, op: '+'}, {LOWER: {IN: [about, for]}}, "
        "{LIKE_NUM: true, OP: '?'}, {LENGTH: {'>=': 3}}]\n"))
    assert run(["codebook", "--study", str(tiny_study)], capsys)[0] == 0
    code, out, err = run(["suggest", "--coder", "alice", "--study", str(tiny_study)], capsys)
    assert code == 0, err


# -- codebook structure ----------------------------------------------------------------------------
def test_parent_cycle_between_two_themes_is_reported(tiny_study: Path, capsys) -> None:
    """Finding: a parent cycle between two themes was not reported (now it is, by the codebook
    check the codebook store added)."""
    path = tiny_study / "codebooks" / "tiny.yaml"
    path.write_text(path.read_text() + "  - id: a_theme\n    label: A\n    parent: b_theme\n"
                    "  - id: b_theme\n    label: B\n    parent: a_theme\n")
    code, _, err = run(["codebook", "--study", str(tiny_study)], capsys)
    assert code == 2 and "'a_theme' -> 'b_theme' -> 'a_theme' form a cycle of parents" in err


# -- REFI-QDA: duplicate GUIDs and very many codes --------------------------------------------------
def big_project(path: Path, codes: int, codings: int = 20, duplicate: bool = False) -> Path:
    text = "I feel happy today. " * 50
    code_xml = "".join(f'<Code guid="cccccccc-0000-4000-8000-{i:012d}" name="code {i}" isCodable="true"/>'
                       for i in range(codes))
    if duplicate:
        code_xml += '<Code guid="{CCCCCCCC-0000-4000-8000-000000000001}" name="a twin" isCodable="true"/>'
    sels = "".join(
        f'<PlainTextSelection guid="dddddddd-0000-4000-8000-{i:012d}" startPosition="{(i % 50) * 20}" '
        f'endPosition="{(i % 50) * 20 + 19}"><Coding guid="eeeeeeee-0000-4000-8000-{i:012d}">'
        f'<CodeRef targetGUID="cccccccc-0000-4000-8000-{i % codes:012d}"/></Coding></PlainTextSelection>'
        for i in range(codings))
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="{NS}" name="P"><CodeBook><Codes>{code_xml}'
           '</Codes></CodeBook><Sources><TextSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="T1" '
           f'plainTextPath="internal://bbbbbbbb-0000-4000-8000-000000000001.txt">{sels}</TextSource></Sources></Project>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml)
        archive.writestr("sources/bbbbbbbb-0000-4000-8000-000000000001.txt", text)
    return path


def test_duplicate_code_guids_in_a_qdpx_are_refused(tmp_path: Path, capsys) -> None:
    """Finding: duplicate code GUIDs in a .qdpx were accepted silently."""
    path = big_project(tmp_path / "twins.qdpx", 3, duplicate=True)
    code, _, err = run(["import", str(path), "--into", str(tmp_path / "s")], capsys)
    assert code == 2
    assert "code GUID is used twice" in err and "'code 1' and 'a twin'" in err and "Nothing was written" in err
    assert not (tmp_path / "s").exists()


def test_qdpx_with_10000_codes_is_refused_at_once(tmp_path: Path, capsys) -> None:
    """Finding: a .qdpx of 260 KB with 10,000 codes made `export all` run past 15 minutes at 7 GB."""
    path = big_project(tmp_path / "many.qdpx", 10_000)
    started = time.perf_counter()
    code, _, err = run(["import", str(path), "--into", str(tmp_path / "s")], capsys)
    assert code == 2 and "10,000 codes, more than the 5,000 piri-qual imports" in err
    assert time.perf_counter() - started < 30
    assert not (tmp_path / "s").exists()


def test_export_all_of_a_large_codebook_does_per_theme_work_only_for_coded_themes(tmp_path: Path, capsys) -> None:
    """The per-theme work of exports is bounded: with 1,000 codes of which 20 are used, tables
    and plots show the 20, co-occurrence is a list of pairs, and one warning says so."""
    from openpyxl import load_workbook

    path = big_project(tmp_path / "large.qdpx", 1_000, codings=20)
    assert run(["import", str(path), "--into", str(tmp_path / "s")], capsys)[0] == 0
    code, out, err = run(["export", "all", "--study", str(tmp_path / "s")], capsys)
    assert code == 0, err
    assert "the codebook has 1,000 themes; tables and plots show the 20 with codings" in err
    def columns(sheet) -> int:  # noqa: ANN001 - counted from the rows: streamed sheets declare no dimension
        return max((len(row) for row in sheet.iter_rows(values_only=True)), default=0)

    book = load_workbook(tmp_path / "s" / "exports" / "frequencies.xlsx", read_only=True)
    assert columns(book["Co-occurrence"]) == 21  # the 20 coded themes and their labels, not 1,000 x 1,000
    matrix = load_workbook(tmp_path / "s" / "exports" / "matrix.xlsx", read_only=True)
    assert max(columns(ws) for ws in matrix.worksheets) < 40


# -- participants.csv, UTF-16 ----------------------------------------------------------------------
def test_semicolon_separated_participants_csv_is_read(tiny_study: Path, tmp_path: Path, capsys) -> None:
    """Finding: a `;`-separated participants.csv got "no 'id' column"."""
    (tiny_study / "participants.csv").write_text("id;group;site\nP01;parent;Northvale\nP07;parent;Southby\n")
    study = Study(tiny_study)
    assert study.participant_table()["P07"] == {"id": "P07", "group": "parent", "site": "Southby"}
    source = tmp_path / "P08_parent.txt"
    source.write_text("Interviewer: How was it?\nP08: We waited six weeks.\n")
    assert run(["import", str(source), "--study", str(tiny_study)], capsys)[0] == 0
    text = (tiny_study / "participants.csv").read_text()
    assert text.splitlines()[0] == "id;group;site" and "P08;parent;" in text  # its separator kept


def test_cooccurrence_pairs_count_what_the_table_counts(example_study: Path) -> None:
    """The pair list used for large codebooks holds the upper triangle of the table, no more."""
    from piri_qual.analysis.frequencies import cooccurrence, cooccurrence_pairs

    codings = Study(example_study).codings("gold")
    table = cooccurrence(codings)
    pairs = cooccurrence_pairs(codings)
    assert len(pairs) == int(((table.to_numpy() > 0).sum() - (table.to_numpy().diagonal() > 0).sum()) // 2)
    for row in pairs.itertuples():
        assert table.at[row.theme, row._2] == row.codings


def test_participants_csv_that_csv_cannot_parse_is_one_line(tiny_study: Path, tmp_path: Path, capsys) -> None:
    (tiny_study / "participants.csv").write_text("id,group,notes\nP01,parent," + "x" * 200_000 + "\n")
    source = tmp_path / "P08_parent.txt"
    source.write_text("Interviewer: How was it?\nP08: We waited six weeks.\n")
    code, _, err = run(["import", str(source), "--study", str(tiny_study)], capsys)
    assert code == 2 and "participants.csv:" in err and "not a readable CSV file (field larger than field limit" in err


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read_not_called_binary(tiny_study: Path, tmp_path: Path, encoding: str,
                                                       capsys) -> None:
    """Finding: UTF-16 without a BOM was called binary."""
    source = tmp_path / "P07_parent.txt"
    source.write_bytes("Interviewer: How was it for you?\nP07: We waited six weeks \u2013 Zo\u00eb too.\n"
                       .encode(encoding))
    code, _, err = run(["import", str(source), "--study", str(tiny_study)], capsys)
    assert code == 0, err
    transcript = Study(tiny_study).transcript("P07")
    assert "We waited six weeks \u2013 Zo\u00eb too." in transcript.text
    assert transcript.metadata["encoding"] == encoding


def test_binary_file_with_zero_bytes_is_still_refused(tiny_study: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "P07.txt"
    source.write_bytes(bytes(range(256)) * 8)
    code, _, err = run(["import", str(source), "--study", str(tiny_study)], capsys)
    assert code == 2 and "not a text file" in err


# -- codings left out: say why ---------------------------------------------------------------------
def test_codings_on_a_deleted_transcript_are_not_called_quotes_no_longer_in_the_text(example_study: Path,
                                                                                   capsys) -> None:
    """Finding: codings on an unknown theme or a deleted transcript were called "quotes no longer
    in the text"."""
    log = example_study / "codings" / "gold.jsonl"
    first = json.loads(log.read_text().splitlines()[0])
    extra = [dict(first, id="e" * 32, transcript="P99"), dict(first, id="f" * 32, theme="no_such_theme")]
    log.write_text(log.read_text() + "".join(json.dumps(e) + "\n" for e in extra))
    code, _, err = run(["export", "matrix", "--study", str(example_study), "--coder", "gold"], capsys)
    assert code == 0
    assert "1 coding of coder 'gold' left out of the export: its transcript is no longer in the study (P99)" in err
    assert "no longer in the transcript text" not in err
    assert "use theme 'no_such_theme', which is neither in piri.yaml" in err
    code, _, err = run(["export", "qdpx", "--study", str(example_study)], capsys)
    assert "left out 1 codings on transcripts no longer in the study" in err
    assert "orphaned" not in err


# -- matplotlib ------------------------------------------------------------------------------------
def test_matplotlib_writes_no_cache_into_the_users_home(example_study: Path, tmp_path: Path) -> None:
    """Finding: matplotlib wrote caches into the user's home during `export`."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
    env.update(HOME=str(home), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    result = subprocess.run([sys.executable, "-c", CLI, "export", "frequencies", "--coder", "gold", "--format", "png",
                             "--study", str(example_study)], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert list(home.rglob("*")) == []
    assert (example_study / ".piri-cache" / "matplotlib").is_dir()


# -- the identifier check at the start of a sentence ---------------------------------------------
def test_identifier_check_finds_first_names_at_sentence_start(tiny_study: Path, tmp_path: Path, capsys) -> None:
    """Finding: the identifier check missed first names at the start of a sentence ("Mohammed
    rang me...", "Siobhan visited..."): --strict let them through and --redact left them in."""
    source = tmp_path / "P07_parent.txt"
    source.write_text("Interviewer: Who helped?\nP07: Mohammed rang me the next day. Siobhan visited twice. "
                      "Will you believe it, Hope was what I needed.\n")
    assert run(["import", str(source), "--study", str(tiny_study)], capsys)[0] == 0
    assert run(["codings", "add", "--study", str(tiny_study), "--coder", "alice", "--transcript", "P07",
                "--theme", "waiting_times", "--quote", "Mohammed rang me the next day. Siobhan visited twice."],
               capsys)[0] == 0
    code, _, err = run(["export", "quotes", "--study", str(tiny_study), "--coder", "alice", "--format", "md",
                        "--strict"], capsys)
    assert code == 2 and "still holds likely identifiers; nothing was written" in err
    assert not (tiny_study / "exports" / "quotes.md").exists()
    code, _, err = run(["export", "quotes", "--study", str(tiny_study), "--coder", "alice", "--format", "md",
                        "--redact"], capsys)
    assert code == 0, err
    text = (tiny_study / "exports" / "quotes.md").read_text()
    assert "Mohammed" not in text and "Siobhan" not in text
    assert "[name] rang me the next day. [name] visited twice." in text


def test_identifier_check_name_list_spares_words_and_keeps_the_allowlist() -> None:
    """Names that are mostly words ("Will", "Hope") are not flagged at sentence start; the
    allowlist wins over the name list, as it does over capitalisation."""
    from piri_qual.analysis.anonymise import IdentifierChecker
    from piri_qual.analysis.name_list import first_names

    names = first_names()
    assert {"Mohammed", "Siobhan", "Aisha", "Priya", "Niamh", "Kwame", "Agnieszka"} <= names
    assert not {"Will", "Hope", "May", "Summer", "Us", "Said"} & names
    checker = IdentifierChecker(names=names)
    found = checker.find("Will you come? Hope so. Mohammed rang me. Siobhan visited.")
    assert [f.text for f in found] == ["Mohammed", "Siobhan"]
    allowed = IdentifierChecker(names=names, allow=frozenset({"Siobhan"}))
    assert [f.text for f in allowed.find("Mohammed rang me. Siobhan visited.")] == ["Mohammed"]
    assert [f.text for f in IdentifierChecker().find("Mohammed rang me.")] == []  # what it was without the list
