"""Evaluation against a gold study: scoring rules, kappa, and clear errors for bad gold data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from piri_qual.assist.evaluate import Counts, cohen_kappa, evaluate
from piri_qual.assist.synthetic import generate_study
from piri_qual.errors import PiriQualError


def test_cohen_kappa_matches_the_textbook_example() -> None:
    # Wikipedia "Cohen's kappa", worked example: 50 proposals, 20 yes/yes, 15 no/no,
    # 5 and 10 disagreements -> p_o = 0.7, p_e = 0.5, kappa = 0.4 (Cohen 1960).
    table = np.array([[15, 10], [5, 20]])
    assert cohen_kappa(table) == pytest.approx(0.4)
    assert cohen_kappa(np.array([[10, 0], [0, 5]])) == pytest.approx(1.0)


def test_counts_give_precision_recall_f1() -> None:
    c = Counts(suggested=10, right=6, gold=12, found=8)
    assert (c.precision, c.recall) == (0.6, pytest.approx(2 / 3))
    assert c.f1 == pytest.approx(2 * 0.6 * (2 / 3) / (0.6 + 2 / 3))


def test_gold_codings_naming_unknown_themes_fail_clearly(tmp_path: Path) -> None:
    gen = generate_study(tmp_path / "g", transcripts=2, words_per_transcript=200)
    log = gen.root / "codings" / "gold.jsonl"
    lines = log.read_text().splitlines()
    for i in (0, 1):
        event = json.loads(lines[i])
        event["theme"] = "not_a_theme"
        lines[i] = json.dumps(event)
    log.write_text("\n".join(lines) + "\n")
    with pytest.raises(PiriQualError) as caught:
        evaluate(gen.root, "gold")
    message = str(caught.value)
    assert "gold.jsonl" in message
    assert "2 gold codings name themes that are not in the codebook" in message
    assert "'not_a_theme' (2)" in message


def test_missing_gold_coder_and_qdpx_are_user_errors(tmp_path: Path) -> None:
    gen = generate_study(tmp_path / "g", transcripts=2, words_per_transcript=200)
    with pytest.raises(PiriQualError, match="no coder 'nobody'"):
        evaluate(gen.root, "nobody")
    with pytest.raises(PiriQualError, match="qdpx"):
        evaluate(tmp_path / "project.qdpx", "gold")
    with pytest.raises(PiriQualError, match="retrain-growth must be 0 or more"):
        evaluate(gen.root, "gold", retrain_growth=-0.5)


def test_eval_development_set_converts_and_evaluates(shared_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    source = shared_dir / "eval" / "boms-away-aibom" / "aibom_gold.json"
    if not source.exists():
        pytest.skip("eval development set not present")
    repo = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, str(repo / "tools" / "aibom_to_study.py"), str(source), str(tmp_path / "q"),
                    "--per-question"], check=True, cwd=repo, capture_output=True)
    report = evaluate(tmp_path / "q" / "C1", "gold", mode="simulate", retrain_every=10)
    assert report.transcripts == 20
    assert report.micro["gold"] == 35  # the README's count of C1 labels
    assert report.micro["f1"] > 0.3  # well above chance with 20 codes


def test_pooling_studies_sums_their_counts(tmp_path: Path) -> None:
    a = generate_study(tmp_path / "a", transcripts=3, words_per_transcript=250, seed=1).root
    b = generate_study(tmp_path / "b", transcripts=3, words_per_transcript=250, seed=2).root
    one, two = evaluate(a, "gold", retrain_every=20), evaluate(b, "gold", retrain_every=20)
    pooled = evaluate([a, b], "gold", retrain_every=20)
    for key in ("suggested", "right", "gold", "found"):
        assert pooled.micro[key] == one.micro[key] + two.micro[key]
    assert pooled.transcripts == 6 and pooled.settings["studies"] == 2
    assert set(pooled.per_theme) == {f"a/{t}" for t in one.per_theme} | {f"b/{t}" for t in two.per_theme}


def test_bootstrap_interval_brackets_the_estimate_and_narrows_with_more_transcripts() -> None:
    from piri_qual.assist.evaluate import bootstrap_ci

    rng = np.random.default_rng(3)

    def transcripts(n: int) -> list[list[Counts]]:
        out = []
        for _ in range(n):
            suggested = int(rng.integers(5, 15))
            gold = int(rng.integers(5, 15))
            out.append([Counts(suggested=suggested, right=suggested // 2, gold=gold, found=gold // 2)])
        return out

    few, many = transcripts(8), transcripts(200)
    for sample in (few, many):
        pooled = Counts()
        for (c,) in sample:
            pooled.add(c)
        lo, hi = bootstrap_ci(sample)["f1"]
        assert lo <= pooled.f1 <= hi
    assert np.diff(bootstrap_ci(many)["f1"])[0] < np.diff(bootstrap_ci(few)["f1"])[0]
    assert bootstrap_ci(few) == bootstrap_ci(few)  # seeded: reports are reproducible


def test_gold_codings_may_name_themes_by_label(tmp_path: Path) -> None:
    gen = generate_study(tmp_path / "g", transcripts=2, words_per_transcript=200)
    log = gen.root / "codings" / "gold.jsonl"
    labels = {"waiting": "Waiting times", "referral": "Referral", "stigma": "Stigma",
              "video": "Video feedback", "bonding": "Bonding"}
    lines = log.read_text().splitlines()
    renamed = 0
    for i, line in enumerate(lines):
        event = json.loads(line)
        if event["theme"] in labels:
            event["theme"] = labels[event["theme"]].upper()  # case-insensitive, as find() matches
            lines[i] = json.dumps(event)
            renamed += 1
    assert renamed
    log.write_text("\n".join(lines) + "\n")
    report = evaluate(gen.root, "gold", mode="split")
    assert report.micro["gold"] == sum(1 for _ in lines if _) - sum(
        1 for line in lines if json.loads(line)["transcript"] == "G0001"
    )


def test_retrain_schedule_is_fixed_at_first_then_geometric() -> None:
    from piri_qual.assist.evaluate import retrain_due

    def retrains(total: int, step: int, every: int, growth: float) -> list[int]:
        at, trained_at = [], 0
        for made in range(step, total + 1, step):
            if retrain_due(made, trained_at, every, growth):
                at.append(made)
                trained_at = made
        return at

    # transcripts of 57 decisions each (more than --retrain-every): the old fixed
    # schedule retrained after every transcript, the geometric one once the decisions double
    assert retrains(5700, 57, 50, 0.0) == list(range(57, 5701, 57))
    doubling = retrains(57_000, 57, 50, 1.0)
    assert doubling[:3] == [57, 114, 228]
    assert all(b >= 2 * a for a, b in zip(doubling, doubling[1:], strict=False))
    assert len(doubling) <= 2 + math.log2(57_000 / 50)  # 10 retrains, not 1,000
    assert len(retrains(5700, 57, 50, 0.5)) > len(retrains(5700, 57, 50, 1.0))
    with pytest.raises(PiriQualError, match="retrain-every"):
        retrain_due(10, 0, 0)
    with pytest.raises(PiriQualError, match="retrain-growth"):
        retrain_due(10, 0, 50, -1.0)


def test_replay_retrains_few_times_and_gives_the_same_figures_twice(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from piri_qual.cli import cli

    gen = generate_study(tmp_path / "g", transcripts=10, words_per_transcript=350, seed=4)

    def report(*extra: str) -> dict:
        result = CliRunner().invoke(cli, ["evaluate", "--gold", str(gen.root), "--coder", "gold", "--json",
                                          "--retrain-every", "5", *extra], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        out = json.loads(result.output)
        for key in ("retrain_seconds", "baseline_retrain_seconds"):
            out["settings"].pop(key)
        out.pop("seconds")
        return out

    first, again = report(), report()
    assert first == again  # seeded throughout: the same study gives the same figures
    fixed = report("--retrain-growth", "0")
    decisions = first["decisions"]
    assert first["settings"]["retrain_growth"] == 1.0
    # every transcript brings more than 5 decisions: the fixed schedule retrains after each one
    # but the last (no transcript is left to suggest for)
    assert fixed["settings"]["retrains"] == 9
    assert 2 <= first["settings"]["retrains"] <= 2 + math.log2(decisions / 5) < 9
    # the first transcript is suggested cold either way; the model learns from the same decisions
    assert first["curve"][0] == fixed["curve"][0]
    assert first["micro"]["gold"] == fixed["micro"]["gold"]


def test_baselines_beside_the_replay_in_their_own_process_give_the_figures_of_one_process(tmp_path: Path) -> None:
    import shutil

    gen = generate_study(tmp_path / "g", transcripts=8, words_per_transcript=350, seed=5)

    def figures(jobs: int) -> dict:
        shutil.rmtree(gen.root / ".piri-cache", ignore_errors=True)  # features extracted by each way too
        out = evaluate(gen.root, "gold", retrain_every=5, jobs=jobs).as_dict()
        for key in ("retrain_seconds", "baseline_retrain_seconds"):
            out["settings"].pop(key)
        out.pop("seconds")
        return out

    alone, beside = figures(1), figures(2)
    assert alone == beside
    assert beside["settings"]["retrains"] >= 2
    # the TF-IDF coder learned (in the side process) and its suggestions were scored
    assert beside["baseline"]["tfidf_logreg"]["micro"]["suggested"] > 0


def test_short_text_sets_build_gold_coded_studies(tmp_path: Path) -> None:
    """``make eval``'s data-rich sets (eval-data/, in this repository): every text is a paragraph
    coded whole with its codes; BANKING77 has one topic per message, and its skewed draw keeps
    Zipf's shape; GoEmotions has none to three emotions per comment ("neutral" is no code)."""
    import os
    import subprocess
    import sys
    from collections import Counter

    from piri_qual.core.study import StudyFolder

    repo = Path(__file__).resolve().parents[1]
    for kind, shape, n_codes in (("banking77", "natural", 77), ("banking77", "skewed", 77), ("goemotions", "natural", 27)):
        out = tmp_path / f"{kind}-{shape}"
        subprocess.run([sys.executable, str(repo / "tools" / "short_texts_to_study.py"), kind, str(repo / "eval-data" / kind),
                        str(out), "--sources", "20", "--per-source", "30", "--shape", shape],
                       check=True, cwd=repo, capture_output=True, env={**os.environ, "PYTHONPATH": str(repo)})
        study = StudyFolder(out)
        themes = {t.id for t in study.codebook.themes}
        assert len(themes) == n_codes and "neutral" not in themes
        events = [json.loads(line) for line in (out / "codings" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
        assert {e["theme"] for e in events} <= themes
        for e in events[:50]:
            assert study.transcript(e["transcript"]).text[e["start"]:e["end"]] == e["quote"]
        per_text = Counter((e["transcript"], e["start"]) for e in events)
        if kind == "banking77":
            assert "reverted_card_payment" in themes  # 'reverted_card_payment?' made an id
            assert len(events) == 600 and set(per_text.values()) == {1}
        else:  # some comments get two or three emotions, and about three in ten none
            assert max(per_text.values()) >= 2 and 300 <= len(per_text) < 500
        if shape == "skewed":  # 1/k shares: the commonest topic has many times the rarest's messages
            per_topic = sorted(Counter(e["theme"] for e in events).values())
            assert per_topic[-1] >= 8 * per_topic[0]


def test_excerpt_boundaries_are_the_jaccard_overlap_of_right_suggestions(tmp_path: Path) -> None:
    """``boundary``: per right suggestion, shared characters over the characters either span
    covers, with the closest gold coding of its theme; averaged over right suggestions."""
    from piri_qual.assist.engine import Engine
    from piri_qual.assist.evaluate import score_transcript
    from piri_qual.assist.types import Suggestion
    from piri_qual.core.study import StudyFolder

    root = generate_study(tmp_path / "g", transcripts=1, words_per_transcript=400, seed=1).root
    engine = Engine(StudyFolder(root))
    feats = engine.features(["G0001"])["G0001"]
    a, b = engine.themes[0].id, engine.themes[1].id
    ia, ib = engine.index_of[a], engine.index_of[b]

    def s(start: int, end: int, theme: str) -> Suggestion:
        return Suggestion("G0001", start, end, "", theme, 0.9, "model", "")

    found = [s(0, 100, a), s(200, 260, b), s(400, 450, a), s(600, 700, b)]
    gold = [(50, 150, ia, ""), (200, 260, ib, ""), (600, 690, ib, ""), (695, 900, ib, "")]
    counts = score_transcript(feats, found, gold, engine.index_of, len(engine.themes))
    # a: [0, 100) against [50, 150): 50 shared of 150 -> 1/3; [400, 450) is not right
    assert counts[ia].right == 1 and math.isclose(counts[ia].boundary, 1 / 3)
    # b: the same span -> 1; [600, 700) against [600, 690) (90 of 100) and [695, 900) (5 of 300): 0.9
    assert counts[ib].right == 2 and math.isclose(counts[ib].boundary, (1 + 0.9) / 2)
    pooled = Counts()
    for c in counts:
        pooled.add(c)
    assert math.isclose(pooled.boundary, (1 / 3 + 1 + 0.9) / 3) and pooled.summary()["boundary"] == round(pooled.boundary, 4)
