"""Study-level import on real files: ids, participants, re-import, re-anchoring, bad files, crashes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

from study_builders import write_docx

from piri_qual.cli import main
from piri_qual.study import Study

INTERVIEW = [
    "Interviewer: Thank you for talking to me. How did you hear about the service?",
    "P07: My health visitor told me about it when Maisie was about eight weeks old.",
    "We waited about six weeks for the first visit, which felt like a long time.",
    "Interviewer: And what changed for you?",
    "P07: I feel much closer to her now. What she said stuck with me: you know her best.",
]


def test_import_docx_sets_participant_group_and_turns(tiny_study: Path, tmp_path: Path) -> None:
    source = write_docx(tmp_path / "P07_parent.docx", INTERVIEW)
    code = main(["import", str(source), "--study", str(tiny_study)])
    assert code == 0
    study = Study(tiny_study)
    t = study.transcript("P07")
    assert (t.participant, t.group, t.format) == ("P07", "parent", "docx")
    assert [turn.speaker for turn in t.turns] == ["Interviewer", "P07", "Interviewer", "P07"]
    assert [turn.role for turn in t.turns] == ["interviewer", "participant", "interviewer", "participant"]
    second = t.text[t.turns[1].start : t.turns[1].end]
    assert second.startswith("My health visitor") and second.endswith("a long time.")
    assert "What she said stuck with me: you know her best." in t.text[t.turns[3].start : t.turns[3].end]
    assert study.participant_table()["P07"]["group"] == "parent"
    assert (tiny_study / "transcripts" / "P07_parent.docx").exists()


def test_reimport_unchanged_changes_nothing(tiny_study: Path, tmp_path: Path, capsys) -> None:
    source = write_docx(tmp_path / "P07_parent.docx", INTERVIEW)
    assert main(["import", str(source), "--study", str(tiny_study)]) == 0
    corpus = tiny_study / "corpus" / "P07.json"
    before = corpus.read_bytes(), corpus.stat().st_mtime_ns
    assert main(["import", str(source), "--study", str(tiny_study)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert (corpus.read_bytes(), corpus.stat().st_mtime_ns) == before


def test_changed_source_reanchors_codings_or_reports_orphans(tiny_study: Path, tmp_path: Path, capsys) -> None:
    source = write_docx(tmp_path / "P07_parent.docx", INTERVIEW)
    assert main(["import", str(source), "--study", str(tiny_study)]) == 0
    study = Study(tiny_study)
    study.store.code("alice", "P07", "bonding", quote="I feel much closer to her now.")
    study.store.code("alice", "P07", "waiting_times", quote="We waited about six weeks for the first visit")
    edited = list(INTERVIEW)
    edited[1] = "P07: Our health visitor, who was lovely, first told me about it at eight weeks."
    edited[2] = "It took a while before anyone came out."  # the waiting quote is gone
    write_docx(source, edited)
    assert main(["import", str(source), "--study", str(tiny_study)]) == 0
    captured = capsys.readouterr()
    assert "1 coding re-anchored" in captured.out
    assert "orphaned coding on P07: alice: waiting_times" in captured.err
    frame = Study(tiny_study).codings("alice")
    text = Study(tiny_study).transcript("P07").text
    bonding = frame[frame.theme == "bonding"].iloc[0]
    assert text[bonding.start : bonding.end] == "I feel much closer to her now." and not bonding.orphaned
    waiting = frame[frame.theme == "waiting_times"].iloc[0]
    assert waiting.orphaned  # reported, never moved onto other words


def test_bad_files_get_one_line_each_and_good_ones_still_import(tiny_study: Path, tmp_path: Path, capsys) -> None:
    good = write_docx(tmp_path / "P08_parent.docx", INTERVIEW)
    doc = tmp_path / "P09.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    corrupt = tmp_path / "P10.docx"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a zip")
    empty = tmp_path / "P11.txt"
    empty.write_bytes(b"")
    unknown = tmp_path / "P12.pdf"
    unknown.write_bytes(b"%PDF-1.4")
    code = main(["import", str(doc), str(corrupt), str(good), str(empty), str(unknown), "--study", str(tiny_study)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4
    assert all(line.startswith("error: ") for line in err)
    for name in ("P09.doc", "P10.docx", "P11.txt", "P12.pdf"):
        assert any(name in line for line in err), name
    assert Study(tiny_study).transcript_ids() == ["P01", "P08"]
    assert not any((tiny_study / "corpus").glob(".*tmp"))


BULK_IMPORT = """
import sys
from pathlib import Path
from piri_qual.study import Study
study = Study(Path(sys.argv[1]))
for path in sorted(Path(sys.argv[2]).glob("*.docx")):
    report = study.import_files([path])
    print(report.outcomes[0].transcript_id, flush=True)
"""


def test_sigkill_mid_import_leaves_a_study_that_opens(tiny_study: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    long_turn = " ".join(["We talked about feeding and sleep and how I was coping."] * 400)
    for n in range(30):
        write_docx(sources / f"P{20 + n:02d}_parent.docx", ["Interviewer: Tell me more.", f"P{20 + n:02d}: {long_turn}"])
    proc = subprocess.Popen([sys.executable, "-c", BULK_IMPORT, str(tiny_study), str(sources)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    done = [proc.stdout.readline().strip() for _ in range(5)]
    time.sleep(0.05)
    proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up runs
    proc.wait()
    study = Study(tiny_study)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ids = study.transcript_ids()
        for tid in ids:
            json.loads((tiny_study / "corpus" / f"{tid}.json").read_text())
            assert study.transcript(tid).turns
    assert set(done) <= set(ids)
    assert study.participant_table()  # participants.csv is whole
    code = main(["import", *map(str, sorted(sources.glob("*.docx"))), "--study", str(tiny_study)])
    assert code == 0
    assert len(Study(tiny_study).transcript_ids()) == 31


def test_participant_flags_and_table(tiny_study: Path, tmp_path: Path) -> None:
    source = write_docx(tmp_path / "interview three.docx", INTERVIEW)
    assert main(["import", str(source), "--participant", "P33", "--group", "staff",
                 "--study", str(tiny_study)]) == 0
    t = Study(tiny_study).transcript("P33")
    assert (t.participant, t.group) == ("P33", "staff")
    assert Study(tiny_study).participant_table()["P33"]["group"] == "staff"

