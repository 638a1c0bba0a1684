"""Hardening (issue 16): import under the study's lock, no silent replacement, bad participant ids.

Each test is named after the finding of the hostile test it guards against.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from piri_qual.cli import main
from piri_qual.core.locking import study_lock
from piri_qual.study import Study

REPO = Path(__file__).resolve().parents[1]
CLI = "import sys; from piri_qual.cli import main; sys.exit(main(sys.argv[1:]))"


def transcript(path: Path, pid: str, words: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Interviewer: Tell me about the service.\n{pid}: {words}\n", encoding="utf-8")
    return path


def cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=REPO)


def participants(root: Path) -> list[str]:
    with (root / "participants.csv").open(encoding="utf-8") as handle:
        return [row["id"] for row in csv.DictReader(handle)]


# -- same base name from another folder ----------------------------------------------------------
def test_import_same_base_name_from_another_folder_is_refused_not_replaced(tiny_study: Path, tmp_path: Path,
                                                                           capsys) -> None:
    """Finding: importing another file with the same base name from another folder silently
    replaced the existing transcript ("updated") and overwrote its kept copy in transcripts/."""
    first = transcript(tmp_path / "site-a" / "P07_parent.txt", "P07", "We waited six weeks for the first visit.")
    other = transcript(tmp_path / "site-b" / "P07_parent.txt", "P07", "Nobody ever told me about it.")
    assert main(["import", str(first), "--study", str(tiny_study)]) == 0
    kept = (tiny_study / "transcripts" / "P07_parent.txt").read_bytes()
    corpus = (tiny_study / "corpus" / "P07.json").read_bytes()
    capsys.readouterr()
    assert main(["import", str(other), "--study", str(tiny_study)]) == 2
    err = capsys.readouterr().err
    assert "a different file named P07_parent.txt was imported as transcript P07" in err
    assert "--replace" in err and err.count("\n") == 1
    assert (tiny_study / "transcripts" / "P07_parent.txt").read_bytes() == kept
    assert (tiny_study / "corpus" / "P07.json").read_bytes() == corpus


def test_import_same_base_name_with_replace_or_another_participant(tiny_study: Path, tmp_path: Path,
                                                                   capsys) -> None:
    """--replace makes it the new version (codings re-anchored); --participant makes it another
    transcript whose kept copy gets its own name; the first file stays its own source."""
    first = transcript(tmp_path / "a" / "P07_parent.txt", "P07", "We waited six weeks for the first visit.")
    other = transcript(tmp_path / "b" / "P07_parent.txt", "P12", "Nobody told me about it for months.")
    edited = transcript(tmp_path / "c" / "P07_parent.txt", "P07", "Honestly, we waited six weeks for the first visit.")
    assert main(["import", str(first), "--study", str(tiny_study)]) == 0
    Study(tiny_study).store.code("alice", "P07", "waiting_times", quote="waited six weeks")
    assert main(["import", str(other), "--participant", "P12", "--study", str(tiny_study)]) == 0
    study = Study(tiny_study)
    assert study.transcript("P12").participant == "P12"
    assert study.transcript("P12").source == "transcripts/P07_parent-2.txt"
    assert "Nobody" not in study.transcript("P07").text
    assert (tiny_study / "transcripts" / "P07_parent.txt").read_text() == first.read_text()
    for source in (first, other):
        assert main(["import", str(source), "--study", str(tiny_study)]) == 0
        assert "unchanged" in capsys.readouterr().out
    assert main(["import", str(edited), "--replace", "--study", str(tiny_study)]) == 2
    assert "several transcripts (P07, P12)" in capsys.readouterr().err
    assert main(["import", str(edited), "--replace", "--participant", "P07", "--study", str(tiny_study)]) == 0
    out = capsys.readouterr().out
    assert "updated" in out and "P07" in out and "1 coding re-anchored" in out
    study = Study(tiny_study)
    assert study.transcript("P07").text.count("Honestly") == 1
    coding = study.codings("alice").iloc[0]
    assert coding.transcript == "P07" and not coding.orphaned


# -- participant ids ------------------------------------------------------------------------------
@pytest.mark.parametrize("pid, why", [
    (".", "needs a letter or digit"),
    ("..", "needs a letter or digit"),
    ("P" * 300, "is 300 characters long"),
    ("   ", "is empty"),
    ("P07\x1b[2J", "control characters"),
])
def test_participant_dot_dotdot_and_300_characters_are_refused(tiny_study: Path, tmp_path: Path, pid: str,
                                                               why: str, capsys) -> None:
    """Findings: `--participant .` or `..` "imported" into a hidden file no command sees; a
    300-character participant id gave a traceback (file name too long)."""
    source = transcript(tmp_path / "interview.txt", "P07", "We waited six weeks.")
    assert main(["import", str(source), "--participant", pid, "--study", str(tiny_study)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --participant") and why in err and err.count("\n") == 1
    assert sorted(p.name for p in (tiny_study / "corpus").iterdir()) == ["P01.json"]


def test_participant_id_with_odd_characters_makes_an_ordinary_transcript_id(tiny_study: Path, tmp_path: Path) -> None:
    source = transcript(tmp_path / "interview.txt", "P07", "We waited six weeks.")
    assert main(["import", str(source), "--participant", ".Mum 4/../x", "--study", str(tiny_study)]) == 0
    study = Study(tiny_study)
    assert "Mum_4_.._x" in study.transcript_ids()
    assert study.transcript("Mum_4_.._x").participant == ".Mum 4/../x"


# -- the study's lock -------------------------------------------------------------------------------
def test_import_takes_a_lock_four_parallel_imports_keep_every_participant(tiny_study: Path, tmp_path: Path) -> None:
    """Finding: import took no lock: four parallel imports of 40 files kept 19 to 26 rows of
    participants.csv."""
    batches = []
    for b in range(4):
        batch = [transcript(tmp_path / f"batch{b}" / f"P{b * 10 + n + 10:02d}_parent.txt", "P",
                            f"Interview {b}-{n}: we waited a while.") for n in range(10)]
        batches.append(batch)
    procs = [cli("import", *map(str, batch), "--study", str(tiny_study)) for batch in batches]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], results
    expected = {f"P{n:02d}" for n in range(10, 50)}
    assert expected <= set(participants(tiny_study))
    assert len(participants(tiny_study)) == 41  # P01 and the forty
    assert expected <= set(Study(tiny_study).transcript_ids())


def test_import_takes_a_lock_parallel_imports_of_one_file_make_one_transcript(tiny_study: Path, tmp_path: Path) -> None:
    """Finding: parallel imports of one file made duplicate transcripts."""
    source = transcript(tmp_path / "P30_parent.txt", "P30", "We waited six weeks.")
    procs = [cli("import", str(source), "--study", str(tiny_study)) for _ in range(4)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], results
    assert Study(tiny_study).transcript_ids() == ["P01", "P30"]
    outs = "".join(out for out, _ in results)
    lines = outs.splitlines()
    assert sum(line.startswith(" imported") for line in lines) == 1
    assert sum(line.startswith("unchanged") for line in lines) == 3


def test_import_waits_for_the_study_lock_and_says_so(tiny_study: Path, tmp_path: Path) -> None:
    """A second process waits while the study is locked, with one line saying why, then imports."""
    source = transcript(tmp_path / "P31_parent.txt", "P31", "We waited six weeks.")
    with study_lock(tiny_study, "importing"):
        note = json.loads((tiny_study / ".piri-qual.lock.who").read_text())
        assert note["doing"] == "importing"
        proc = cli("import", str(source), "--study", str(tiny_study))
        assert proc.stderr is not None
        line = proc.stderr.readline()  # the acknowledgement that it is waiting
        assert line.startswith("another piri-qual is importing; waiting"), line
        assert proc.poll() is None and "P31" not in Study(tiny_study).transcript_ids()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "imported" in out and "P31" in Study(tiny_study).transcript_ids()
    assert not (tiny_study / ".piri-qual.lock.who").exists()


def test_codebook_change_waits_for_an_import(tiny_study: Path) -> None:
    """Codebook operations take the same lock, and say what they wait for."""
    with study_lock(tiny_study, "importing"):
        proc = cli("codebook", "add", "feeling_judged", "--label", "Feeling judged", "--construct", "stigma",
                   "--coder", "alice", "--study", str(tiny_study))
        assert proc.stderr is not None
        assert proc.stderr.readline().startswith("another piri-qual is importing; waiting")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert Study(tiny_study).codebook.get("feeling_judged") is not None


def test_study_lock_is_reentrant_in_one_process(tiny_study: Path) -> None:
    with study_lock(tiny_study, "importing"), study_lock(tiny_study, "changing the codebook"):
        assert (tiny_study / ".piri-qual.lock.who").exists()
    assert not (tiny_study / ".piri-qual.lock.who").exists()
