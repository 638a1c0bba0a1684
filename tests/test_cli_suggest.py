"""The suggest / suggestions / evaluate commands, run through the real CLI on a study folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_assist_engine import make_study

from piri_qual.cli import cli
from piri_qual.cli import main as cli_main
from piri_qual.study import Study


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def study(tmp_path: Path) -> Study:
    return make_study(tmp_path / "s")


def test_suggest_then_list_with_reasons(study: Study) -> None:
    code, out = run("suggest", "--study", str(study.root), "--coder", "alice", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["suggestions"]["P01"] >= 2 and summary["computed"] == 1
    code, out = run("suggestions", "--study", str(study.root), "--coder", "alice", "--json")
    listed = json.loads(out)
    assert [item["n"] for item in listed] == list(range(1, len(listed) + 1))
    assert any(item["theme"] == "referral_process" and "referral (Referred)" in item["reason"] for item in listed)
    scores = [item["score"] for item in listed]
    assert scores == sorted(scores, reverse=True)
    code, out = run("suggest", "--study", str(study.root), "--coder", "alice", "--json")
    assert json.loads(out)["computed"] == 0  # cached


def test_accept_and_reject_write_events_with_evidence(study: Study) -> None:
    root = str(study.root)
    run("suggest", "--study", root, "--coder", "alice")
    listed = json.loads(run("suggestions", "--study", root, "--coder", "alice", "--json")[1])
    first, second = listed[0], listed[1]
    code, out = run("suggestions", "accept", "--study", root, "--coder", "alice", "1")
    assert code == 0 and out.count("confirmed") == 1
    events = study.log("alice").read()
    assert [e.op for e in events] == ["confirm"]
    assert (events[0].theme, events[0].start, events[0].end) == (first["theme"], first["start"], first["end"])
    assert events[0].source == first["source"] and events[0].reason == first["reason"]
    assert events[0].score == pytest.approx(first["score"])
    remaining = json.loads(run("suggestions", "--study", root, "--coder", "alice", "--json")[1])
    assert first["id"] not in {r["id"] for r in remaining}
    assert second["id"] in {r["id"] for r in remaining}  # ids survive renumbering
    code, _ = run("suggestions", "reject", "--study", root, "--coder", "alice", second["id"])
    assert code == 0 and study.log("alice").read()[-1].op == "reject"
    assert study.log("alice").read()[-1].theme == second["theme"]


def test_bad_number_is_a_one_line_error(study: Study, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(study.root)
    assert cli_main(["suggest", "--study", root, "--coder", "alice"]) == 0
    assert cli_main(["suggestions", "--study", root, "--coder", "alice"]) == 0
    capsys.readouterr()
    assert cli_main(["suggestions", "accept", "--study", root, "--coder", "alice", "99"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no suggestion number 99 in the last listing") and len(err.strip().splitlines()) == 1


def test_numbers_keep_meaning_the_listing_they_came_from(study: Study, capsys: pytest.CaptureFixture[str]) -> None:
    """Friction: after `accept 1`, a later number acted on what a new listing would show under it
    (the list renumbers after each decision); numbers now keep meaning the last listing."""
    root = str(study.root)
    # without a listing a number means nothing: refused, nothing written
    assert cli_main(["suggestions", "accept", "--study", root, "--coder", "alice", "1"]) == 2
    assert "no listing" in capsys.readouterr().err and not study.log("alice").read()
    run("suggest", "--study", root, "--coder", "alice")
    listed = json.loads(run("suggestions", "--study", root, "--coder", "alice", "--json")[1])
    assert len(listed) >= 2
    run("suggestions", "accept", "--study", root, "--coder", "alice", "1")
    code, out = run("suggestions", "reject", "--study", root, "--coder", "alice", "2")
    assert code == 0
    decided = [(e.op, e.theme, e.start, e.end) for e in study.log("alice").read()]
    assert decided == [("confirm", listed[0]["theme"], listed[0]["start"], listed[0]["end"]),
                       ("reject", listed[1]["theme"], listed[1]["start"], listed[1]["end"])]
    # a number already decided is refused, not passed on to what a new listing would number 1
    assert cli_main(["suggestions", "accept", "--study", root, "--coder", "alice", "1"]) == 2
    assert "no longer open" in capsys.readouterr().err
    # another filter has another listing: its numbers are not this one's
    assert cli_main(["suggestions", "accept", "--study", root, "--coder", "alice", "--transcript", "P01", "2"]) == 2
    assert "other filters" in capsys.readouterr().err
    assert len(study.log("alice").read()) == 2


def test_evaluate_prints_tables_and_json(tmp_path: Path) -> None:
    from piri_qual.assist.synthetic import generate_study

    gen = generate_study(tmp_path / "g", transcripts=4, words_per_transcript=300)
    code, out = run("evaluate", "--gold", str(gen.root), "--coder", "gold", "--json", "--retrain-every", "20")
    assert code == 0
    report = json.loads(out)
    assert report["mode"] == "simulate" and report["transcripts"] == 4
    assert set(report["micro"]) >= {"precision", "recall", "f1", "kappa"}
    assert report["curve"][0]["decisions"] == 0
    # both textbook baselines, measured in the same replay, beside the engine
    assert set(report["baseline"]) == {"tfidf_logreg", "definition_cosine"}
    for figures in report["baseline"].values():
        assert figures["micro"]["gold"] == report["micro"]["gold"]  # the same gold, the same scoring
        assert set(figures["macro"]) >= {"precision", "recall", "f1"}
    assert report["cold"]["micro"]["gold"] == report["micro"]["gold"]
    effort = report["effort"]
    assert effort["gold"] == report["micro"]["gold"]
    assert effort["with_suggestions"] <= effort["without_suggestions"]  # on this easy study they help
    cutoffs = [c["cutoff"] for c in report["pr_curve"]]
    assert cutoffs == sorted(cutoffs)
    shown = [c["suggested"] for c in report["pr_curve"]]
    assert shown == sorted(shown, reverse=True)  # a stricter cut-off never shows more
    assert report["settings"]["precision_target"] == 0.6
    code, out = run("evaluate", "--gold", str(gen.root), "--coder", "gold", "--retrain-every", "20")
    assert code == 0
    for row in ("engine micro", "TF-IDF+LR micro", "def. cosine macro", "cold micro", "decisions to find 80%",
                "precision and recall if only suggestions"):
        assert row in out, row
    code, out = run("evaluate", "--gold", str(gen.root), "--coder", "gold", "--mode", "split", "--themes")
    assert code == 0 and "cold micro" in out and "per theme" in out and "TF-IDF+LR micro" in out


@pytest.mark.parametrize("command", [["suggest"], ["suggestions"], ["suggestions", "accept"],
                                     ["suggestions", "reject"], ["evaluate"]])
def test_help_has_an_example(command: list[str]) -> None:
    code, out = run(*command, "--help")
    assert code == 0 and "Example" in out and "piri-qual " + " ".join(command) in out


def test_suggest_says_when_a_sentence_gets_only_its_strongest_themes(tmp_path: Path) -> None:
    """A coder who gives each sentence one theme teaches the relative cut-off, and `suggest`
    says it is in force (the generated study's coder codes every on-topic sentence once)."""
    from piri_qual.assist.synthetic import generate_study

    root = generate_study(tmp_path / "g", transcripts=8, words_per_transcript=1200, seed=3, gold=True).root
    code, out = run("suggest", "--study", str(root), "--coder", "gold")
    assert code == 0
    assert "where a sentence fits several themes, only" in " ".join(out.split())
    code, out = run("suggest", "--study", str(root), "--coder", "gold", "--json")
    assert json.loads(out)["learner"]["relative_cutoff"] > 0
