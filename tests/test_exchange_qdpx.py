"""REFI-QDA projects and codebooks: export validity, round trip, and reading other tools' files.

Exports are validated against the REFI-QDA 1.0 schemas twice: with lxml (what the writer uses)
and with the independent ``xmlschema`` package.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from piri_qual.cli import main
from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
from piri_qual.core.safe_xml import parse_xml
from piri_qual.core.settings import init_study
from piri_qual.exchange.refi_format import format_description, parse_description
from piri_qual.exchange.refi_reader import (
    CODEBOOK_XSD,
    PROJECT_XSD,
    detect_end_convention,
    read_qdpx,
    schema_errors,
)
from piri_qual.study import Study

REPO = Path(__file__).resolve().parents[1]
NS = "urn:QDA-XML:project:1.0"


def run(args: list[str]) -> tuple[int, str, str]:
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        code = main(args)
        return code, out.getvalue().decode(), err.getvalue().decode()


@pytest.fixture(scope="module")
def project_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(PROJECT_XSD))


@pytest.fixture(scope="module")
def codebook_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(CODEBOOK_XSD))


@pytest.fixture
def coded_study(tmp_path: Path) -> Path:
    """The PIRi framework and codebook, two transcripts, two coders, memos of every scope."""
    root = init_study(tmp_path / "study", "Exchange study")
    shutil.copy(REPO / "frameworks" / "piri.yaml", root / "frameworks" / "piri.yaml")
    shutil.copy(REPO / "codebooks" / "piri.yaml", root / "codebooks" / "piri.yaml")
    settings = (root / "piri-qual.yaml").read_text(encoding="utf-8")
    settings = settings.replace("frameworks/main.yaml", "frameworks/piri.yaml")
    (root / "piri-qual.yaml").write_text(settings.replace("codebooks/main.yaml", "codebooks/piri.yaml"),
                                         encoding="utf-8")
    turns = [
        RawTurn("Interviewer", ("How long did you wait?",)),
        RawTurn("P01", ("We waited about six weeks \U0001F600, which felt like forever.",
                        "Then it all moved quickly.")),
        RawTurn("Interviewer", ("And how do you feel about her now?",)),
        RawTurn("P01", ("I feel so close to her now. She finally felt like mine.",)),
    ]
    text, spans = assemble_text(turns, ["interviewer", "participant", "interviewer", "participant"])
    Transcript("P01", "P01", "parent", text, spans, "transcripts/P01.txt", "0" * 64, "txt",
               "2024-01-01T00:00:00+00:00").save(root / "corpus" / "P01.json")
    turns2 = [RawTurn(None, ("Caf\u00e9 staff answer, na\u00efve.",)), RawTurn(None, ("Second answer", "on two lines."))]
    text2, spans2 = assemble_text(turns2, ["participant", "participant"])
    Transcript("S01", "S01", "staff", text2, spans2, "transcripts/S01.txt", "0" * 64, "txt",
               "2024-01-01T00:00:00+00:00").save(root / "corpus" / "S01.json")
    (root / "participants.csv").write_text(
        "id,group,site,age\nP01,parent,Northvale,31\nS01,staff,Southby,\n", encoding="utf-8")
    study = Study(root)
    first = study.store.code("alice", "P01", "waiting_times", quote="We waited about six weeks \U0001F600")
    study.store.code("alice", "P01", "bonding", quote="I feel so close to her now.")
    study.store.code("bob", "P01", "waiting_times",
                  quote="We waited about six weeks \U0001F600, which felt like forever.")
    study.store.code("bob", "P01", "service_awareness",
                  quote="We waited about six weeks \U0001F600, which felt like forever.")
    study.store.code("bob", "S01", "service_awareness", quote="Caf\u00e9 staff answer")
    study.store.append("alice", "memo", scope="excerpt", target=first.id, text="Long wait; the emoji is one character.")
    study.store.append("alice", "memo", scope="theme", theme="waiting_times", text="Theme memo.")
    study.store.append("bob", "memo", scope="study", text="Study memo.")
    study.store.append("bob", "memo", scope="transcript", transcript="S01", text="Transcript memo.")
    study.store.append("bob", "memo", scope="participant", participant="P01", text="Participant memo.")
    study.store.append("bob", "memo", scope="cell", participant="P01", theme="waiting_times", text="Cell memo.")
    study.store.append("bob", "memo", scope="excerpt", transcript="P01", start=0, end=11, text="A span memo.")
    return root


def _qde(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("project.qde")


def _coding_rows(study: Study) -> list[tuple]:
    frame = study.codings()
    return sorted(tuple(r) for r in frame[["coder", "transcript", "start", "end", "quote", "theme"]].itertuples(index=False))


# -- export validity ---------------------------------------------------------------------------


def test_exported_project_and_codebook_validate(coded_study: Path, tmp_path: Path,
                                                project_schema: xmlschema.XMLSchema,
                                                codebook_schema: xmlschema.XMLSchema) -> None:
    out = tmp_path / "out.qdpx"
    code, stdout, err = run(["export", "qdpx", str(out), "--study", str(coded_study)])
    assert code == 0, err
    assert "2 transcripts" in stdout and "5 codings" in stdout and "valid REFI-QDA project" in stdout
    qde = _qde(out)
    assert qde.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert schema_errors(parse_xml(qde, out)) == []
    project_schema.validate(io.BytesIO(qde))
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert names[0] == "project.qde"
        texts = {n: archive.read(n) for n in names if n.startswith("sources/")}
    assert len(texts) == 2 and all(n.endswith(".txt") for n in texts)
    p01 = Study(coded_study).transcript("P01").text
    assert p01.encode("utf-8") in texts.values()  # exactly the text the offsets point into, no BOM

    qdc = tmp_path / "out.qdc"
    code, stdout, err = run(["export", "qdc", str(qdc), "--study", str(coded_study)])
    assert code == 0, err
    data = qdc.read_bytes()
    assert schema_errors(parse_xml(data, qdc), "codebook") == []
    codebook_schema.validate(io.BytesIO(data))
    study = Study(coded_study)
    assert f"{len(study.codebook.themes)} themes" in stdout


def test_export_positions_are_code_points_end_exclusive(coded_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.qdpx"
    assert run(["export", "qdpx", str(out), "--study", str(coded_study)])[0] == 0
    root = parse_xml(_qde(out), out)
    with zipfile.ZipFile(out) as archive:
        for source in root.iter(f"{{{NS}}}TextSource"):
            text = archive.read(f"sources/{source.get('guid')}.txt").decode("utf-8")
            for sel in source.iter(f"{{{NS}}}PlainTextSelection"):
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                if sel.find(f"{{{NS}}}Coding") is not None:
                    assert " ".join(text[start:end].split()).startswith(sel.get("name").rstrip("."))
    emoji = [s for s in root.iter(f"{{{NS}}}PlainTextSelection") if "\U0001F600" in (s.get("name") or "")]
    assert emoji
    for sel in emoji:  # the astral character counts once: 26 characters before it end at 27
        if sel.get("name") == "We waited about six weeks \U0001F600":
            assert int(sel.get("endPosition")) - int(sel.get("startPosition")) == 27


def test_export_leaves_out_orphaned_codings(coded_study: Path, tmp_path: Path) -> None:
    study = Study(coded_study)
    t = study.transcript("S01")
    t.text = t.text.replace("Caf\u00e9", "Cafe")
    t.save(coded_study / "corpus" / "S01.json")
    out = tmp_path / "o.qdpx"
    code, stdout, err = run(["export", "qdpx", str(out), "--study", str(coded_study)])
    assert code == 0
    assert "4 codings" in stdout and "left out 1 orphaned codings" in err


def test_export_one_coder(coded_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "alice.qdpx"
    code, stdout, _ = run(["export", "qdpx", str(out), "--study", str(coded_study), "--coder", "alice"])
    assert code == 0 and "1 coders, 2 codings" in stdout
    project = read_qdpx(out)
    assert [u.name for u in project.users.values()] == ["alice"]


# -- round trip --------------------------------------------------------------------------------


def test_round_trip_study_qdpx_study(coded_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "rt.qdpx"
    assert run(["export", "qdpx", str(out), "--study", str(coded_study)])[0] == 0
    code, stdout, err = run(["import", str(out), "--into", str(tmp_path / "copy")])
    assert code == 0, err
    assert stdout.count("\n") == 1 and "into new study" in stdout
    a, b = Study(coded_study), Study(tmp_path / "copy")

    assert a.transcript_ids() == b.transcript_ids()
    for tid in a.transcript_ids():
        ta, tb = a.transcript(tid), b.transcript(tid)
        assert (ta.text, ta.participant, ta.group, ta.turns) == (tb.text, tb.participant, tb.group, tb.turns)
    assert a.participant_table() == b.participant_table()
    assert [t.as_dict() for t in a.codebook.themes] == [t.as_dict() for t in b.codebook.themes]
    shape = [(d.id, d.label, d.description, [(c.id, c.label, c.description) for c in d.constructs])
             for d in a.framework.domains]
    assert shape == [(d.id, d.label, d.description, [(c.id, c.label, c.description) for c in d.constructs])
                     for d in b.framework.domains]
    assert sorted(a.coders()) == sorted(b.coders()) == ["alice", "bob"]
    assert _coding_rows(a) == _coding_rows(b)
    for coder in ("alice", "bob"):
        memos_a = {(scope, m.text) for (scope, _), m in a.fold(coder).memos.items()}
        memos_b = {(scope, m.text) for (scope, _), m in b.fold(coder).memos.items()}
        assert memos_a == memos_b
    # the excerpt memo points at the imported coding of the same span
    fold = b.fold("alice")
    (memo,) = [m for (scope, _), m in fold.memos.items() if scope == "excerpt"]
    target = next(c for c in fold.codings.values() if c.id == memo.key[0])
    assert target.quote == "We waited about six weeks \U0001F600"

    # importing the same project again into the same study adds nothing
    code, stdout, _ = run(["import", str(out), "--study", str(tmp_path / "copy")])
    assert code == 0 and "0 codings (+5 already there)" in stdout and "0 memos" in stdout
    assert _coding_rows(Study(tmp_path / "copy")) == _coding_rows(a)


def test_round_trip_codebook_qdc(coded_study: Path, tmp_path: Path) -> None:
    qdc = tmp_path / "cb.qdc"
    assert run(["export", "qdc", str(qdc), "--study", str(coded_study)])[0] == 0
    code, stdout, err = run(["import", str(qdc), "--into", str(tmp_path / "fresh")])
    assert code == 0, err
    a, b = Study(coded_study), Study(tmp_path / "fresh")
    assert [t.as_dict() for t in a.codebook.themes] == [t.as_dict() for t in b.codebook.themes]
    assert list(a.framework.constructs) == list(b.framework.constructs)
    # into the study it came from: every code matches, nothing is added
    before = (coded_study / "codebooks" / "piri.yaml").read_bytes()
    code, stdout, _ = run(["import", str(qdc), "--study", str(coded_study)])
    assert code == 0 and "0 new themes" in stdout
    assert (coded_study / "codebooks" / "piri.yaml").read_bytes() == before


def test_description_blocks_round_trip() -> None:
    text = format_description("A definition.\nIt has: two lines.", ident="x1", section="imported",
                              include=("a; b",), exclude=("c -> d",), keywords=("wait", "waiting list"),
                              examples=("\"quoted\"",), patterns=([{"LEMMA": "wait"}],))
    parsed = parse_description(text)
    assert parsed.definition == "A definition.\nIt has: two lines."
    assert (parsed.id, parsed.section) == ("x1", "imported")
    assert parsed.include == ["a; b"] and parsed.keywords == ["wait", "waiting list"]
    assert parsed.patterns == [[{"LEMMA": "wait"}]] and parsed.examples == ["\"quoted\""]
    prose = "Use when people say:\n\nInclude: anything at all"
    assert parse_description("Prose first.\nInclude: inline words").definition.endswith("inline words")
    assert parse_description(prose).include == ["anything at all"]


# -- reading other tools' projects ---------------------------------------------------------------


def test_nvivo_sample_imports_sources_codes_and_users(shared_dir: Path, tmp_path: Path) -> None:
    sample = shared_dir / "refi-qda" / "samples" / "nvivo-mac-15.0.0_qc-project.qdpx"
    code, stdout, err = run(["import", str(sample), "--into", str(tmp_path / "nv")])
    assert code == 0, err
    assert "NVivo for Mac 15.0.0" in stdout and "262 new themes" in stdout
    study = Study(tmp_path / "nv")
    assert len(study.codebook.themes) == 262
    project = read_qdpx(sample)
    nested = {c.guid: c for c in project.code_index().values()}
    depth = {}

    def walk(code, level):  # noqa: ANN001
        depth[code.guid] = level
        for child in code.children:
            walk(child, level + 1)

    for root in project.codes:
        walk(root, 0)
    assert max(depth.values()) >= 5
    themes = {t.id: t for t in study.codebook.themes}
    parented = [t for t in themes.values() if t.parent]
    assert len(parented) == 262 - len(project.codes)
    assert all(t.parent in themes for t in parented)
    assert len({t.id for t in themes.values()}) == 262  # duplicate names got distinct ids
    assert sorted(study.coders()) == ["chrisp", "cp"]
    assert all((study.codings_dir / f"{c}.jsonl").exists() for c in ("chrisp", "cp"))
    assert len(study.transcript_ids()) == 2 and len(nested) == 262
    for t in study.iter_transcripts():
        assert t.text == "\n" and t.turns == []
        assert t.metadata["refi"]["origin"] == "NVivo for Mac 15.0.0"


def _write_qdpx(path: Path, qde: str, files: dict[str, str | bytes], qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qde_name, qde)
        for name, data in files.items():
            archive.writestr(name, data)
    return path


LENIENT = """<?xml version="1.0" encoding="utf-8"?>
<qda:Project xmlns:qda="urn:QDA-XML:project:1.0" name="Lenient" origin="ATLAS.ti 8.4.0">
 <qda:Users>
  <qda:User guid="{{AAAAAAAA-0000-4000-8000-000000000001}}" name="Ann Coder"/>
  <qda:User guid="aaaaaaaa-0000-4000-8000-000000000002" id="BC"/>
 </qda:Users>
 <qda:CodeBook><qda:Codes>
  <qda:Code guid="cccccccc-0000-4000-8000-000000000001" name="Positive" isCodable="true">
   <qda:Description>Good feelings.</qda:Description>
   <qda:Code guid="cccccccc-0000-4000-8000-000000000002" name="Joy" isCodable="true"/>
  </qda:Code>
 </qda:Codes></qda:CodeBook>
 <qda:Sources>
  <qda:TextSource guid="{{BBBBBBBB-0000-4000-8000-000000000001}}" name="Interview A.docx"
     plainTextPath="internal://bbbbbbbb-0000-4000-8000-000000000001.TXT">
   <qda:PlainTextSelection guid="dddddddd-0000-4000-8000-000000000001" startPosition="{s1}" endPosition="{e1}"
      creatingUser="AAAAAAAA-0000-4000-8000-000000000001">
    <qda:Coding guid="eeeeeeee-0000-4000-8000-000000000001">
      <qda:CodeRef targetGUID="{{CCCCCCCC-0000-4000-8000-000000000002}}"/></qda:Coding>
    <qda:Coding guid="eeeeeeee-0000-4000-8000-000000000002" creatingUser="{{aaaaaaaa-0000-4000-8000-000000000002}}">
      <qda:CodeRef targetGUID="cccccccc-0000-4000-8000-000000000001"/></qda:Coding>
   </qda:PlainTextSelection>
  </qda:TextSource>
 </qda:Sources>
 <qda:Sets/>
</qda:Project>
"""


def test_lenient_reading_of_real_world_deviations(tmp_path: Path) -> None:
    text = "\ufeffI: Was it hard?\r\nR: I feel happy \U0001F600 now.\r\n"
    body = text[1:]
    start = body.index("happy")
    end = start + len("happy \U0001F600")
    qde = LENIENT.format(s1=start, e1=end)
    path = _write_qdpx(tmp_path / "atlas.qdpx", qde,
                       {"Sources/BBBBBBBB-0000-4000-8000-000000000001.txt": text.encode("utf-8"),
                        "Sources/.root": b""}, qde_name="Trial.qde")
    code, stdout, err = run(["import", str(path), "--into", str(tmp_path / "s")])
    assert code == 0, err
    assert "schema" in err  # the empty <Sets/> is reported, not refused
    assert "byte-order mark" in err
    study = Study(tmp_path / "s")
    assert study.transcript_ids() == ["Interview_A"]
    t = study.transcript("Interview_A")
    assert t.text == body  # CRLF kept: offsets count it as two characters
    rows = _coding_rows(study)
    assert rows == sorted([
        ("Ann_Coder", "Interview_A", start, end, "happy \U0001F600", "joy"),
        ("BC", "Interview_A", start, end, "happy \U0001F600", "positive"),
    ])
    assert study.codebook.get("joy").parent == "positive"
    assert study.codebook.get("positive").definition == "Good feelings."


def _project_with_selections(spans: list[tuple[int, int, str]], text: str) -> str:
    sels = "".join(
        f'<PlainTextSelection guid="dddddddd-0000-4000-8000-{i:012d}" name="{name}" startPosition="{s}" '
        f'endPosition="{e}" creatingUser="aaaaaaaa-0000-4000-8000-000000000001"><Coding '
        f'guid="eeeeeeee-0000-4000-8000-{i:012d}"><CodeRef targetGUID="cccccccc-0000-4000-8000-000000000001"/>'
        f"</Coding></PlainTextSelection>"
        for i, (s, e, name) in enumerate(spans)
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="{NS}" name="Ends">'
            '<Users><User guid="aaaaaaaa-0000-4000-8000-000000000001" name="ann"/></Users>'
            '<CodeBook><Codes><Code guid="cccccccc-0000-4000-8000-000000000001" name="Topic" isCodable="true"/>'
            '</Codes></CodeBook><Sources><TextSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="T1" '
            f'plainTextPath="internal://bbbbbbbb-0000-4000-8000-000000000001.txt">{sels}</TextSource></Sources></Project>')


WORDS = "alpha beta gamma delta epsilon zeta eta theta"


def _spans_of(words: list[str]) -> list[tuple[int, int]]:
    return [(WORDS.index(w), WORDS.index(w) + len(w)) for w in words]


@pytest.mark.parametrize("inclusive", [False, True])
def test_end_convention_is_detected_from_the_file(tmp_path: Path, inclusive: bool) -> None:
    spans = [(s, e - 1 if inclusive else e, "") for s, e in _spans_of(["beta", "gamma", "delta", "zeta"])]
    path = _write_qdpx(tmp_path / "e.qdpx", _project_with_selections(spans, WORDS),
                       {"sources/bbbbbbbb-0000-4000-8000-000000000001.txt": WORDS})
    project = read_qdpx(path)
    assert project.end_convention == ("inclusive" if inclusive else "exclusive")
    quotes = [WORDS[s.start : s.end] for s in project.sources[0].selections]
    assert quotes == ["beta", "gamma", "delta", "zeta"]


def test_end_convention_defaults_to_exclusive_without_evidence() -> None:
    text = "one two three"
    assert detect_end_convention([(text, 0, 3, "")]).convention == "exclusive"
    # one ambiguous cut word is not enough evidence to switch
    assert detect_end_convention([(text, 4, 6, "")]).convention == "exclusive"
    # names equal to text[start:end + 1] are evidence of inclusive ends
    samples = [(text, 0, 2, "one"), (text, 4, 6, "two"), (text, 8, 12, "three")]
    assert detect_end_convention(samples).convention == "inclusive"
    # a selection ending at the end of the text rules inclusive ends out
    assert detect_end_convention([*samples[:2], (text, 8, 13, "")]).convention == "exclusive"


def test_double_coded_project_gives_one_log_per_coder(tmp_path: Path) -> None:
    """Agreement needs each coder's codings apart: codings by two users land in two logs."""
    text = "We waited. It was long. Then help came."
    spans = [(0, 10), (11, 23), (24, 39)]
    sels = []
    for i, (s, e) in enumerate(spans):
        for j, user in enumerate(("1", "2")):
            if i == 2 and user == "2":
                continue
            sels.append(
                f'<PlainTextSelection guid="dddddddd-0000-4000-8000-0000000000{i}{j}" startPosition="{s}" '
                f'endPosition="{e}"><Coding guid="eeeeeeee-0000-4000-8000-0000000000{i}{j}" '
                f'creatingUser="aaaaaaaa-0000-4000-8000-00000000000{user}">'
                '<CodeRef targetGUID="cccccccc-0000-4000-8000-000000000001"/></Coding></PlainTextSelection>')
    qde = (f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="{NS}" name="Double">'
           '<Users><User guid="aaaaaaaa-0000-4000-8000-000000000001" name="Coder One"/>'
           '<User guid="aaaaaaaa-0000-4000-8000-000000000002" name="Coder Two"/></Users>'
           '<CodeBook><Codes><Code guid="cccccccc-0000-4000-8000-000000000001" name="Waiting" isCodable="true"/>'
           '</Codes></CodeBook><Sources><TextSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="P07" '
           f'plainTextPath="internal://bbbbbbbb-0000-4000-8000-000000000001.txt">{"".join(sels)}</TextSource>'
           "</Sources></Project>")
    path = _write_qdpx(tmp_path / "d.qdpx", qde, {"sources/bbbbbbbb-0000-4000-8000-000000000001.txt": text})
    assert run(["import", str(path), "--into", str(tmp_path / "s")])[0] == 0
    study = Study(tmp_path / "s")
    assert sorted(study.coders()) == ["Coder_One", "Coder_Two"]
    assert len(study.codings("Coder_One")) == 3 and len(study.codings("Coder_Two")) == 2
    assert list(study.codings("Coder_Two").quote) == ["We waited.", "It was long."]
    assert study.transcript("P07").participant == "P07"


def test_import_refuses_to_clobber_a_transcript_with_other_text(coded_study: Path, tmp_path: Path) -> None:
    text = "Entirely different words."
    path = _write_qdpx(tmp_path / "c.qdpx", _project_with_selections([(0, 8, "")], text).replace('name="T1"', 'name="P01"'),
                       {"sources/bbbbbbbb-0000-4000-8000-000000000001.txt": text})
    snapshot = {p: p.read_bytes() for p in coded_study.rglob("*") if p.is_file() and not p.name.endswith(".lock")}
    code, _, err = run(["import", str(path), "--study", str(coded_study), "--add-themes"])
    assert code == 2 and "P01" in err and "different text" in err and "Nothing was written" in err
    assert {p: p.read_bytes() for p in coded_study.rglob("*") if p.is_file() and not p.name.endswith(".lock")} == snapshot


def test_unknown_codes_need_add_themes(coded_study: Path, tmp_path: Path) -> None:
    text = "alpha beta"
    path = _write_qdpx(tmp_path / "u.qdpx", _project_with_selections([(0, 5, "alpha")], text),
                       {"sources/bbbbbbbb-0000-4000-8000-000000000001.txt": text})
    before = (coded_study / "codebooks" / "piri.yaml").read_text(encoding="utf-8")
    code, _, err = run(["import", str(path), "--study", str(coded_study)])
    assert code == 2 and "'Topic'" in err and "--add-themes" in err
    assert not (coded_study / "corpus" / "T1.json").exists()
    code, stdout, err = run(["import", str(path), "--study", str(coded_study), "--add-themes"])
    assert code == 0, err
    after = (coded_study / "codebooks" / "piri.yaml").read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))  # appended: the researcher's comments survive
    study = Study(coded_study)
    theme = study.codebook.get("topic")
    assert theme is not None and theme.section == "imported"
    assert list(study.codings("ann").quote) == ["alpha"]


def test_export_command_has_help_with_example() -> None:
    for name in ("qdpx", "qdc"):
        code, out, _ = run(["export", name, "--help"])
        assert code == 0 and "Example" in out and f"piri-qual export {name}" in out


def test_default_export_path_is_under_exports(coded_study: Path) -> None:
    old = os.getcwd()
    try:
        os.chdir(coded_study)
        code, out, _ = run(["export", "qdpx"])
    finally:
        os.chdir(old)
    assert code == 0 and (coded_study / "exports" / "exchange_study.qdpx").exists()


NOTES_PROJECT = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="{NS}" name="Annotated project" origin="MAXQDA 2022">
 <Users><User guid="aaaaaaaa-0000-4000-8000-000000000001" name="mia"/></Users>
 <CodeBook><Codes>
  <Code guid="cccccccc-0000-4000-8000-000000000001" name="Hope" isCodable="true">
   <NoteRef targetGUID="99999999-0000-4000-8000-000000000001"/></Code>
 </Codes></CodeBook>
 <Cases><Case guid="ffffffff-0000-4000-8000-000000000001" name="P07"><Description>Recruited late.</Description>
  <SourceRef targetGUID="bbbbbbbb-0000-4000-8000-000000000001"/></Case></Cases>
 <Sources>
  <TextSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="Interview seven" creatingUser="aaaaaaaa-0000-4000-8000-000000000001">
   <Description>Noisy recording.</Description>
   <PlainTextContent>There is hope. Some days less.</PlainTextContent>
   <PlainTextSelection guid="dddddddd-0000-4000-8000-000000000001" startPosition="15" endPosition="30"
       creatingUser="aaaaaaaa-0000-4000-8000-000000000001"><Description>Ambivalence here?</Description>
   </PlainTextSelection>
   <PlainTextSelection guid="dddddddd-0000-4000-8000-000000000002" startPosition="0" endPosition="14"
       creatingUser="aaaaaaaa-0000-4000-8000-000000000001">
    <Coding guid="eeeeeeee-0000-4000-8000-000000000001"><CodeRef targetGUID="cccccccc-0000-4000-8000-000000000001"/></Coding>
    <NoteRef targetGUID="99999999-0000-4000-8000-000000000002"/>
   </PlainTextSelection>
  </TextSource>
 </Sources>
 <Notes>
  <Note guid="99999999-0000-4000-8000-000000000001" name="About hope" creatingUser="aaaaaaaa-0000-4000-8000-000000000001"><PlainTextContent>Hope is forward-looking.</PlainTextContent></Note>
  <Note guid="99999999-0000-4000-8000-000000000002" name="" creatingUser="aaaaaaaa-0000-4000-8000-000000000001"><PlainTextContent>Said with a smile.</PlainTextContent></Note>
  <Note guid="99999999-0000-4000-8000-000000000003" name="Method log" creatingUser="aaaaaaaa-0000-4000-8000-000000000001"><PlainTextContent>Second pass done.</PlainTextContent></Note>
 </Notes>
</Project>
"""


def test_notes_and_descriptions_become_memos(tmp_path: Path) -> None:
    path = _write_qdpx(tmp_path / "n.qdpx", NOTES_PROJECT, {})
    code, out, err = run(["import", str(path), "--into", str(tmp_path / "s")])
    assert code == 0, err
    study = Study(tmp_path / "s")
    assert study.transcript("Interview_seven").participant == "P07"
    fold = study.fold("mia")
    memos = {(scope, key): m.text for (scope, key), m in fold.memos.items()}
    coding = next(iter(fold.codings.values()))
    assert coding.quote == "There is hope." and coding.theme == "hope"
    assert memos[("theme", ("hope",))] == "About hope\n\nHope is forward-looking."
    assert memos[("excerpt", (coding.id,))] == "Said with a smile."
    assert memos[("excerpt", ("Interview_seven:15-30",))] == "Ambivalence here?"  # a MAXQDA annotation
    assert memos[("transcript", ("Interview_seven",))] == "Noisy recording."
    assert memos[("participant", ("P07",))] == "Recruited late."
    assert study.coders() == ["mia"]
    (memo_file,) = (study.root / "memos" / "annotated_project").glob("*.md")
    assert memo_file.name == "method_log.md" and "Second pass done." in memo_file.read_text(encoding="utf-8")


def test_atlas_group_names_are_nested(tmp_path: Path) -> None:
    """ATLAS.ti 8 flattens code groups into names (spec Annex A.2: ``Coke::diet Coke``)."""
    qdc = tmp_path / "atlas.qdc"
    codes = "".join(
        f'<Code guid="cccccccc-0000-4000-8000-00000000000{i}" name="{name}" isCodable="true"/>'
        for i, name in enumerate(["Coke", "Coke::diet Coke", "Coke::zero", "Drinks::Tea::green", "Water"])
    )
    qdc.write_text(f'<?xml version="1.0" encoding="UTF-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
                   f'origin="ATLAS.ti 8.4.0"><Codes>{codes}</Codes></CodeBook>', encoding="utf-8")
    code, out, err = run(["import", str(qdc), "--into", str(tmp_path / "s")])
    assert code == 0, err
    book = Study(tmp_path / "s").codebook
    assert book.get("diet_coke").parent == "coke" and book.get("zero").parent == "coke"
    # two made-up folder levels above a code have the shape of a framework domain and construct
    assert book.get("green").construct == "tea" and "drinks" not in book
    assert [d.id for d in Study(tmp_path / "s").framework.domains] == ["drinks"]
    assert book.get("water").parent is None and book.get("diet_coke").label == "diet Coke"


_line = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).map(
    lambda s: " ".join(s.split())).filter(bool)


@settings(max_examples=200, deadline=None)
@given(definition=st.lists(st.lists(_line, min_size=1, max_size=3).map("\n".join), max_size=3).map("\n\n".join),
       ident=st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
       include=st.lists(_line, max_size=3), keywords=st.lists(_line, max_size=3))
def test_any_definition_survives_the_description_layout(definition: str, ident: str,
                                                         include: list[str], keywords: list[str]) -> None:
    text = format_description(definition, ident=ident, include=tuple(include), keywords=tuple(keywords))
    parsed = parse_description(text)
    assert (parsed.definition, parsed.id, parsed.include, parsed.keywords) == (
        definition.strip(), ident, include, keywords)


def test_pdf_sources_import_through_their_text_representation(tmp_path: Path) -> None:
    qde = (f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="{NS}" name="Pdf">'
           '<CodeBook><Codes><Code guid="cccccccc-0000-4000-8000-000000000001" name="Cost" isCodable="true"/>'
           '</Codes></CodeBook><Cases><Case guid="ffffffff-0000-4000-8000-000000000001" name="S09">'
           '<SourceRef targetGUID="bbbbbbbb-0000-4000-8000-000000000001"/></Case></Cases><Sources>'
           '<PDFSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="Report.pdf" path="internal://bbbbbbbb-0000-4000-8000-000000000001.pdf">'
           '<PDFSelection guid="dddddddd-0000-4000-8000-000000000009" page="1" firstX="1" firstY="1" secondX="5" secondY="5"/>'
           '<Representation guid="bbbbbbbb-0000-4000-8000-000000000002" plainTextPath="internal://bbbbbbbb-0000-4000-8000-000000000002.txt">'
           '<PlainTextSelection guid="dddddddd-0000-4000-8000-000000000001" startPosition="4" endPosition="9">'
           '<Coding guid="eeeeeeee-0000-4000-8000-000000000001"><CodeRef targetGUID="cccccccc-0000-4000-8000-000000000001"/>'
           '</Coding></PlainTextSelection></Representation></PDFSource></Sources></Project>')
    path = _write_qdpx(tmp_path / "pdf.qdpx", qde, {
        "sources/bbbbbbbb-0000-4000-8000-000000000002.txt": "The costs rose.",
        "sources/bbbbbbbb-0000-4000-8000-000000000001.pdf": b"%PDF-1.4",
    })
    code, out, err = run(["import", str(path), "--into", str(tmp_path / "s")])
    assert code == 0, err
    assert "skipped 1 PDF area selections" in err
    study = Study(tmp_path / "s")
    assert study.transcript("Report").participant == "S09"
    assert list(study.codings("imported").quote) == ["costs"]
