"""The frictions a new user hit (issue #14), each pinned by a test of the fixed behaviour.

(Numbers in ``suggestions accept/reject`` are tested in test_cli_suggest.py and the footer at 80
columns in test_reading_tui.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from study_builders import REPO, build_export_study, read_log

from piri_qual.cli import main
from piri_qual.core.quote_match import find_quote, fold
from piri_qual.core.study import StudyFolder
from piri_qual.errors import PiriQualError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- codings add --quote forgives typography -------------------------------------------------------
def test_fold_maps_every_folded_character_back_to_the_original() -> None:
    text = "It\u2019s\u00a0 the \u201cwait\u201d \u2013 six\nweeks\u2026"
    folded, starts, ends = fold(text)
    assert folded == "It's the \"wait\" - six weeks..."
    assert len(folded) == len(starts) == len(ends)
    assert (starts[4], ends[4]) == (4, 6)  # one space for the run " \u00a0" (two characters)
    assert [text[starts[i]:ends[i]] for i in range(len(folded) - 3, len(folded))] == ["\u2026"] * 3


@pytest.mark.parametrize("typed", [
    "I couldn't let go of her -- she was mine",  # two hyphens are other characters than one dash
    "I couldn't let go of her - she was mine",
    "I couldn\u2019t let go of her \u2013 she was mine",
    "I  couldn't let go\nof her - she was mine",
])
def test_codings_add_quote_matches_tolerantly_and_stores_the_exact_text(
        tiny_study: Path, typed: str, capsys: pytest.CaptureFixture[str]) -> None:
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text

    exact = "I couldn\u2019t let go of her \u2014 she was mine"
    text, spans = assemble_text([RawTurn("P02", (f"Honestly. {exact}. That was it.",))], ["participant"])
    Transcript(id="P02", participant="P02", group="parent", text=text, turns=spans, source="P02.txt",
               source_sha256="2" * 64, format="txt", imported_at="2024-01-01T00:00:00+00:00").save(
        tiny_study / "corpus" / "P02.json")
    code, out, err = run(capsys, "codings", "add", "--study", str(tiny_study), "--coder", "alice", "--transcript", "P02",
                         "--theme", "bonding", "--quote", typed)
    if "--" in typed:  # two hyphens are not one dash: refused, with the hint to copy from `show`
        assert code == 2 and "piri-qual show P02" in err and not read_log(tiny_study, "alice")
        return
    assert code == 0, err
    event = read_log(tiny_study, "alice")[-1]
    assert event["quote"] == exact and text[event["start"]:event["end"]] == exact


def test_a_tolerant_quote_found_twice_is_refused() -> None:
    text = "She\u2019s fine. She's fine."
    assert find_quote(text, "She's fine.") == [(12, 23)]  # the exact one wins
    assert find_quote(text, "She\u2019s  fine.") == [(0, 11), (12, 23)]


def test_store_refuses_an_ambiguous_tolerant_quote(tiny_study: Path) -> None:
    study = StudyFolder(tiny_study)
    with pytest.raises(PiriQualError, match="more than once"):
        study.store.code("alice", "P01", "bonding", quote="felt")


# -- no "nan" -------------------------------------------------------------------------------------
def test_transcripts_without_a_group_print_empty_not_nan(tiny_study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads((tiny_study / "corpus" / "P01.json").read_text(encoding="utf-8"))
    data.update(id="X01", participant="X01", group=None)
    (tiny_study / "corpus" / "X01.json").write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = run(capsys, "transcripts", "--study", str(tiny_study))
    assert code == 0 and "nan" not in out
    row = next(line for line in out.splitlines() if "X01" in line)
    assert [cell.strip() for cell in row.strip("\u2502 ").split("\u2502")][:3] == ["X01", "X01", ""]


def test_disagreement_reports_leave_a_missing_time_blank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_export_study(tmp_path / "s")  # P03 was recorded without times
    study = StudyFolder(root)
    text = study.transcript("P03").text
    quote = "Dr Okafor in Northvale referred me and we waited a month."
    at = text.index(quote)
    study.store.append("bob", "add", transcript="P03", start=at, end=at + len(quote), theme="bonding")
    for fmt in ("md", "docx", "csv"):
        target = tmp_path / f"dis.{fmt}"
        assert run(capsys, "agreement", "--study", str(root), "--coders", "alice,bob", "--disagreements",
                   "-o", str(target))[0] == 0
    md = (tmp_path / "dis.md").read_text(encoding="utf-8")
    assert "### P03 (parent), unit 1 [" in md and "nan" not in md
    cells = [c.text for t in docx.Document(str(tmp_path / "dis.docx")).tables for r in t.rows for c in r.cells]
    assert not any("nan" in c.split() for c in cells) and "1\n37\u201394" in cells
    assert "nan" not in (tmp_path / "dis.csv").read_text(encoding="utf-8-sig")


# -- the codebook tree nests by parent ----------------------------------------------------------------
def test_codebook_tree_nests_themes_under_their_parents(tiny_study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tiny_study / "codebooks" / "tiny.yaml"
    book.write_text(book.read_text(encoding="utf-8") + (
        "  - id: felt_mine\n    label: Felt like mine\n    parent: close_moments\n"  # listed before its parent
        "  - id: close_moments\n    label: Close moments\n    parent: bonding\n"
    ), encoding="utf-8")
    code, out, _ = run(capsys, "codebook", "--study", str(tiny_study))
    assert code == 0
    lines = out.splitlines()
    at = {name: next(i for i, line in enumerate(lines) if f"{name}  " in line)
          for name in ("bonding", "close_moments", "felt_mine")}
    indent = {name: lines[i].index(name) for name, i in at.items()}
    assert at["bonding"] < at["close_moments"] < at["felt_mine"]
    assert indent["bonding"] < indent["close_moments"] < indent["felt_mine"]


# -- --where that matches nobody ------------------------------------------------------------------
def test_where_value_nobody_has_writes_nothing_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_export_study(tmp_path / "s")
    target = tmp_path / "m.xlsx"
    code, out, err = run(capsys, "export", "matrix", "--study", str(root), "--coder", "alice",
                         "--where", "site=Nortvale", "-o", str(target))
    assert code == 2 and not target.exists()
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert err.strip().endswith("participants.csv: no participant has site = Nortvale. "
                                "Values of site: Northvale, Southby.")
    # each filter matches someone, but not together
    code, out, err = run(capsys, "export", "quotes", "--study", str(root), "--coder", "alice", "--group", "staff",
                         "--where", "role=mother", "-o", str(tmp_path / "q.md"))
    assert code == 2 and "no participant matches all of: group staff; role = mother" in err
    assert not (tmp_path / "q.md").exists()


# -- import: "1 turn", aligned ids, ids from file names ----------------------------------------------
def test_import_lines_say_1_turn_and_stay_aligned(tiny_study: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    short = tmp_path / "P09_parent.txt"
    short.write_text("P09: Just the one thing to say.\n", encoding="utf-8")
    long = tmp_path / "PARTICIPANT_LONG_NAME_2024.txt"
    long.write_text("Interviewer: Hello?\n\nR: Hello to you, and more words here.\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", str(short), str(long), "--study", str(tiny_study))
    assert code == 0
    lines = [line for line in out.splitlines() if line.strip().startswith("imported")]
    assert "(1 turn, " in lines[0] and "(2 turns, " in lines[1]
    assert lines[0].index("P09_parent.txt") == lines[1].index("PARTICIPANT_LONG_NAME_2024.txt")


def test_participant_from_a_file_name_only_when_it_looks_like_an_id(tiny_study: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    files = {"utf8_bom.txt": "R: The file name is not a participant.\n",
             "P83 with spaces.txt": "R: P83 talking, group unknown.\n",
             "S04_staff.txt": "R: A staff member.\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "import", *(str(tmp_path / n) for n in files), "--study", str(tiny_study))
    assert code == 0, err
    study = StudyFolder(tiny_study)
    found = {study.transcript(t).source.split("/")[-1]: (study.transcript(t).participant, study.transcript(t).group)
             for t in study.transcript_ids()}
    assert found["utf8_bom.txt"] == ("utf8_bom", None)
    assert found["P83 with spaces.txt"] == ("P83", None)
    assert found["S04_staff.txt"] == ("S04", "staff")
    table = study.participant_table()
    assert "UTF8" not in table and table["P83"]["group"] == "" and table["S04"]["group"] == "staff"


# -- shell completion ---------------------------------------------------------------------------------
def test_shell_completion_is_documented_and_works(example_study: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_PIRI_QUAL_COMPLETE={shell}_source piri-qual" in readme
    env = dict(os.environ, PYTHONPATH=str(REPO))
    probe = "import sys; sys.argv = ['piri-qual']; from piri_qual.cli import main; main()"
    script = subprocess.run([sys.executable, "-c", probe], env={**env, "_PIRI_QUAL_COMPLETE": "bash_source"},
                            capture_output=True, text=True, check=False).stdout
    assert "_piri_qual_completion()" in script and "complete " in script

    def complete(words: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", probe], cwd=example_study, capture_output=True, text=True,
                              env={**env, "_PIRI_QUAL_COMPLETE": "bash_complete", "COMP_WORDS": words,
                                   "COMP_CWORD": str(len(words.split()) - 1)}, check=False)
        return [line.split(",", 1)[1] for line in done.stdout.splitlines()]

    assert complete("piri-qual quo") == ["quotes"]
    assert complete("piri-qual show P0") == sorted(p.stem for p in (example_study / "corpus").glob("P0*.json"))
    assert complete("piri-qual quotes bon") == ["bonding"]


# -- codings list cut every quote at 70 characters ------------------------------------------------
def test_codings_list_full_shows_whole_quotes(tiny_study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    quote = "We waited about six weeks, which felt like forever.\nThen it all moved quickly."
    assert run(capsys, "codings", "add", "--study", str(tiny_study), "--coder", "alice", "--transcript", "P01",
               "--theme", "waiting_times", "--quote", quote)[0] == 0
    code, out, _ = run(capsys, "codings", "list", "--study", str(tiny_study), "--coder", "alice")
    assert "\u2026" in out and "quickly" not in out
    code, out, _ = run(capsys, "codings", "list", "--study", str(tiny_study), "--coder", "alice", "--full")
    cells = " ".join(line.split("\u2502")[-2].strip() for line in out.splitlines() if line.count("\u2502") > 2)
    assert "\u2026" not in out and " ".join(quote.split()) in " ".join(cells.split())
