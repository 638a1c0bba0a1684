"""What the import says about speakers, `import --preview`, `--speakers`, and `roles:` applying
on the next command -- the CLI end to end on study folders in a temp dir."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from click.testing import CliRunner
from study_builders import build_tiny_study, copy_example_study

from piri_qual.cli import main
from piri_qual.core.corpus import Transcript
from piri_qual.study import Study

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"


def run(args: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        with runner.isolation() as (out, err, _):
            code = main(args)
            return code, out.getvalue().decode(), err.getvalue().decode()
    finally:
        os.chdir(old)


def set_roles(root: Path, roles: dict[str, str]) -> None:
    settings = root / "piri-qual.yaml"
    text = settings.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("roles:") and not line.startswith("  ")]
    block = "roles:\n" + "".join(f"  {k}: {v}\n" for k, v in roles.items()) if roles else "roles: {}\n"
    settings.write_text("\n".join(lines) + "\n" + block, encoding="utf-8")


def test_every_import_line_names_the_speakers(tmp_path: Path) -> None:
    root = build_tiny_study(tmp_path / "s")
    code, out, err = run(["import", str(LAYOUTS / "rev_inline.txt"), "--study", str(root)])
    assert code == 0 and err == ""
    assert "(4 turns, 43 words; speakers Interviewer (interviewer), Carer 3 (participant))" in out
    code, out, _ = run(["import", str(LAYOUTS / "rev_inline.txt"), "--study", str(root)])
    assert "unchanged" in out and "speakers Interviewer (interviewer), Carer 3 (participant)" in out


def test_no_speakers_one_label_and_one_dominant_speaker_are_warned(tmp_path: Path) -> None:
    root = build_tiny_study(tmp_path / "s")
    none = tmp_path / "N1.txt"
    none.write_text("How did you get on with the staff?\n\nReally well, thanks.\n", encoding="utf-8")
    dominant = tmp_path / "D1.txt"
    # the interviewer's later questions were typed without labels: they run into P09's turn
    dominant.write_text("Interviewer: Tell me everything.\n\nP09: " + "We waited and waited. " * 60 + "\n\n"
                        "And how was that for you?\n\nHard. Very hard.\n\nWhat helped?\n\nThe visits.\n",
                        encoding="utf-8")
    interview = tmp_path / "F1.txt"  # a well-read interview whose participant has 95% of the words
    interview.write_text("".join(f"Interviewer: Question {i}?\n\nP10: " + "We waited and waited. " * 12 + "\n\n"
                                 for i in range(5)), encoding="utf-8")
    code, out, err = run(["import", str(none), str(LAYOUTS / "think_aloud.txt"), str(dominant), str(interview),
                          "--study", str(root)])
    assert code == 0
    lines = err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("warning: ") for line in lines)
    assert lines[0].startswith("warning: N1.txt: no speaker labels found, so every paragraph counts as participant talk")
    assert "piri-qual import --preview N1.txt" in lines[0] and "--speakers" in lines[0] and "roles:" in lines[0]
    assert "only one speaker label found ('Facilitator', interviewer)" in lines[1]
    assert "taken as the participant's answers" in lines[1]
    assert "of the words fall to one speaker ('P09', participant)" in lines[2]
    assert "F1.txt" not in err and "F1.txt  (10 turns" in out
    # an unchanged file is not warned about again
    code, out, err = run(["import", str(none), "--study", str(root)])
    assert "unchanged" in out and err == ""
    assert "N1.txt  (2 turns, 11 words; no speakers found (all of it counts as participant talk))" in out


def test_speakers_option_names_labels_and_is_kept_for_the_transcript(tmp_path: Path) -> None:
    root = build_tiny_study(tmp_path / "s")
    path = tmp_path / "C5.txt"
    path.write_text("Nurse Ada: Come in. How are things at home?\n\nBetter. She sleeps now.\n", encoding="utf-8")
    code, out, err = run(["import", str(path), "--speakers", "Nurse Ada=interviewer", "--study", str(root)])
    assert code == 0 and err == ""
    assert "speakers Nurse Ada (interviewer), (unlabelled) (participant)" in out
    transcript = Study(root).transcript("C5")
    assert transcript.turn_settings["speakers"] == ["Nurse Ada=interviewer"]
    # a re-import with --force keeps what --speakers said
    code, out, _ = run(["import", str(path), "--force", "--study", str(root)])
    assert "Nurse Ada (interviewer)" in out
    code, _, err = run(["import", str(path), "--speakers", "Nurse=sometimes", "--study", str(root)])
    assert code == 2 and err.startswith("error: --speakers: unknown role 'sometimes' for 'Nurse'")


def test_preview_prints_the_first_turns_and_imports_nothing(tmp_path: Path) -> None:
    root = build_tiny_study(tmp_path / "s")
    before = sorted(p.name for p in (root / "corpus").iterdir())
    code, out, err = run(["import", "--preview", str(LAYOUTS / "think_aloud.txt"), "--turns", "5", "--study", str(root)])
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "think_aloud.txt: txt, 13 turns, 127 words"
    assert lines[1] == "  layout: labels (Name: words), interviewer only (unlabelled paragraphs are the answers)"
    assert lines[2].startswith("  speakers Facilitator (interviewer), (unlabelled) (participant); kept as structure:")
    assert "3 stage directions marked as non-speech" in lines[2]
    assert lines[4].split() == ["1", "(structure)", "other", "“Usability", "session", "4", "-", "parent", "portal”"]
    assert lines[7].split()[:3] == ["4", "Facilitator", "interviewer"]
    assert lines[8].split()[:4] == ["5", "(unlabelled)", "participant", "“I'd"]
    assert lines[9] == "  ... 8 more turns (--turns N shows more)"
    assert "only one speaker label found" in err
    assert sorted(p.name for p in (root / "corpus").iterdir()) == before
    assert not (root / "transcripts" / "think_aloud.txt").exists()


def test_preview_outside_a_study_and_of_a_bad_file(tmp_path: Path) -> None:
    code, out, err = run(["import", "--preview", str(LAYOUTS / "stamp_header.txt")], cwd=tmp_path)
    assert code == 0 and "   0:00:03  Researcher" in out and err == ""
    (tmp_path / "scan.pdf").write_bytes(b"")
    code, _, err = run(["import", "--preview", str(tmp_path / "scan.pdf")], cwd=tmp_path)
    assert code == 2 and err.count("\n") == 1 and "scan.pdf" in err


def test_roles_apply_on_the_next_command_and_codings_follow(tmp_path: Path) -> None:
    root = build_tiny_study(tmp_path / "s")
    source = tmp_path / "H1.txt"
    source.write_text("HK: How was it?\n\nFine, thanks. The visits helped.\n\nHK: And the staff?\n\nLovely people.\n",
                      encoding="utf-8")
    assert run(["import", str(source), "--study", str(root)])[0] == 0
    study = Study(root)
    before = study.transcript("H1")
    assert [t.role for t in before.turns] == ["interviewer", "participant", "interviewer", "participant"]
    study.store.code("alice", "H1", "bonding", quote="Lovely people.")
    # the researcher decides HK is the participant
    set_roles(root, {"hk": "participant"})
    code, out, err = run(["codings", "list", "--coder", "alice", "--study", str(root)])
    assert code == 0
    assert err.startswith("note: H1: turns re-read from its source because roles: 'hk' (not set) -> participant")
    after = Study(root).transcript("H1")
    assert [(t.speaker, t.role) for t in after.turns] == [("HK", "participant")]
    assert after.turn_settings["roles"] == {"hk": "participant"}
    coding = Study(root).codings("alice").iloc[0]
    assert after.text[coding.start : coding.end] == "Lovely people." and not coding.orphaned
    # nothing changes again on the command after
    code, _, err = run(["codings", "list", "--coder", "alice", "--study", str(root)])
    assert code == 0 and err == ""
    # without its source the roles alone are assigned again (no text moves)
    (root / "transcripts" / "H1.txt").unlink()
    set_roles(root, {"hk": "other"})
    code, _, err = run(["summary", "--study", str(root)])
    assert "note: H1: turns roles assigned again because roles: 'hk' participant -> other" in err
    assert "its source is no longer in the study" in err
    final = Study(root).transcript("H1")
    assert final.text == after.text and [t.role for t in final.turns] == ["other"]


def test_old_corpus_files_load_and_are_left_alone(tmp_path: Path) -> None:
    root = copy_example_study(tmp_path / "example", gold=True)
    raw = json.loads((root / "corpus" / "P04.json").read_text(encoding="utf-8"))
    assert raw["format_version"] == 1 and "nonspeech" not in raw
    before = {p.name: p.read_bytes() for p in (root / "corpus").iterdir()}
    gold = (root / "codings" / "gold.jsonl").read_bytes()
    code, out, err = run(["summary", "--study", str(root)])
    assert code == 0 and err == ""
    # roles: in the example names 'researcher (interviewer)', as the stored turns already have it
    assert {p.name: p.read_bytes() for p in (root / "corpus").iterdir()} == before
    assert (root / "codings" / "gold.jsonl").read_bytes() == gold
    t = Transcript.load(root / "corpus" / "P04.json")
    assert t.nonspeech == [] and t.turn_settings == {}
    assert json.loads(t.to_json())["format_version"] == 2
    # a role the stored turns do not have: the old file is derived again (its source is not in the
    # copy, so roles are assigned again over the stored turns)
    set_roles(root, {"researcher (interviewer)": "interviewer", "p04 (parent)": "other"})
    code, _, err = run(["summary", "--study", str(root)])
    assert "note: P04: turns roles assigned again because roles: 'p04 (parent)' participant -> other" in err
    assert {t.role for t in Study(root).transcript("P04").turns} == {"interviewer", "other"}


def test_old_corpus_files_are_checked_against_roles_from_the_index_without_opening_them(tmp_path: Path) -> None:
    """The example study's corpus is format 1 (no roles stamp): the roles check on a cold cache
    compares ``roles:`` with the speakers and roles the corpus index found, and opens only the
    transcript a change concerns. Every other corpus file is spoilt behind the index's back (same
    size and time), so a check that opened one would fail."""
    from piri_qual.core.study import StudyFolder
    from piri_qual.ingest.rederive import refresh_turns

    root = copy_example_study(tmp_path / "example", gold=True)
    code, _, err = run(["summary", "--study", str(root)])  # builds and keeps the index
    assert code == 0 and err == ""
    shutil.rmtree(root / ".piri-cache" / "transcripts", ignore_errors=True)
    (root / ".piri-cache" / "turn-settings.json").unlink()  # the check runs again
    corpus = root / "corpus"
    for path in corpus.glob("*.json"):
        if path.stem != "P04":
            stat = path.stat()
            with path.open("r+b") as handle:
                handle.write(b"!" * stat.st_size)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    set_roles(root, {"researcher (interviewer)": "interviewer", "p04 (parent)": "other"})
    refreshed = refresh_turns(StudyFolder(root))
    assert [r.transcript for r in refreshed] == ["P04"]
    assert {t.role for t in Study(root).transcript("P04").turns} == {"interviewer", "other"}


def test_a_newer_corpus_format_is_refused_clearly(tmp_path: Path) -> None:
    root = build_tiny_study(tmp_path / "s")
    path = root / "corpus" / "P01.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["format_version"] = 99
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(["summary", "--study", str(root)])
    assert code == 2 and "transcript file format 99 is newer than this piri-qual reads" in err
    shutil.rmtree(root)


def test_bad_files_of_the_new_formats_get_one_line_each_and_the_others_import(tmp_path: Path) -> None:
    from format_builders import write_odt, write_pdf, write_scanned_pdf

    root = build_tiny_study(tmp_path / "s")
    good_odt = write_odt(tmp_path / "P20.odt", ["Interviewer: How was it?", "P20: Fine (laughs), really."])
    good_pdf = write_pdf(tmp_path / "P21.pdf", [["Interviewer: How was it?", "", "P21: Long, but good."]])
    scan = write_scanned_pdf(tmp_path / "P22.pdf")
    locked = write_odt(tmp_path / "P23.odt", ["Interviewer: Hi?"], encrypted=True)
    bad_srt = tmp_path / "P24.srt"
    bad_srt.write_text("1\n00:00:01,000 --> later\nhello\n", encoding="utf-8")
    code, out, err = run(["import", str(scan), str(good_odt), str(locked), str(bad_srt), str(good_pdf),
                          "--study", str(root)])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert "P22.pdf" in lines[0] and "Run OCR first" in lines[0]
    assert "P23.odt" in lines[1] and "password-protected" in lines[1]
    assert "P24.srt" in lines[2] and "unreadable subtitle timing" in lines[2]
    study = Study(root)
    assert study.transcript_ids() == ["P01", "P20", "P21"]
    p20 = study.transcript("P20")
    assert p20.text == "Interviewer: How was it?\n\nP20: Fine (laughs), really."
    assert [p20.text[a:b] for a, b in p20.nonspeech] == ["(laughs)"]
    assert "2 imported, 3 failed" in out
