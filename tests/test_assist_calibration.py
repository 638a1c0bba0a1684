"""The learner's cut-offs aim at a stated precision: on the example study, a model trained on
every other transcript must hold that precision on the transcripts it never saw, and say so
honestly when its coder's decisions cannot reach the target at a worthwhile recall."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from study_builders import copy_example_study

from piri_qual.assist.engine import Engine
from piri_qual.assist.evaluate import Counts, _score, gold_decisions, score_transcript
from piri_qual.assist.learner import (
    Decisions,
    Learner,
    aimed_cutoff,
    label_transcript,
    precision_cutoff,
    theme_thresholds,
    train,
    wilson_lower,
)
from piri_qual.core.study import StudyFolder


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, dict, list, list, object]:
    root = copy_example_study(tmp_path_factory.mktemp("calibration") / "study", gold=True)
    engine = Engine(StudyFolder(root))
    gold = gold_decisions(engine, "gold", root)
    tids = engine.study.transcript_ids()
    feats = engine.features(tids)
    stats = engine.stats_from(list(feats.values()))
    # alternate transcripts, so parents and staff are on both sides
    return engine, gold, tids[0::2], tids[1::2], (feats, stats)


def _trained(halves: tuple, target: float) -> Learner:
    engine, gold, train_ids, _, (feats, stats) = halves
    decisions = Decisions()
    for tid in train_ids:
        decisions.codings[tid] = gold.get(tid, [])
        decisions.reviewed[tid] = int(feats[tid].sentences[:, 1].max())
        decisions.count += len(decisions.codings[tid])
    n = len(engine.themes)
    labelled = [lab for t in train_ids if (lab := label_transcript(feats[t], decisions, n)) is not None]
    return train(labelled, engine.prototypes, stats, "gold", decisions.count, engine.examples, target)


def _held_out(halves: tuple, learner: Learner) -> Counts:
    engine, gold, _, test_ids, (feats, stats) = halves
    pooled = Counts()
    for tid in test_ids:
        found, _ = _score(engine, feats[tid], learner, stats)
        for c in score_transcript(feats[tid], found, gold.get(tid, []), engine.index_of, len(engine.themes)):
            pooled.add(c)
    return pooled


@pytest.mark.parametrize("target", [0.3, 0.35])
def test_the_stated_precision_holds_on_held_out_transcripts(halves: tuple, target: float) -> None:
    learner = _trained(halves, target)
    assert learner.info is not None and learner.info.precision_aimed
    held = _held_out(halves, learner)
    # ~400-600 held-out suggestions: a standard error of about 0.02
    assert held.precision >= target - 0.02, (target, held.summary())
    assert held.recall > 0.25  # the target is not bought by suggesting almost nothing


def test_an_unreachable_target_falls_back_to_the_best_f1_cut_off_and_says_so(halves: tuple) -> None:
    aimed = _trained(halves, 0.3)
    unreachable = _trained(halves, 0.9)
    assert unreachable.info is not None and unreachable.info.precision_aimed is False
    assert unreachable.info.precision_target == 0.9
    assert np.allclose(unreachable.cutoffs(len(unreachable.prior)), unreachable.threshold)
    # the fallback shows more suggestions than the 0.3 target does, not none
    assert _held_out(halves, unreachable).suggested > _held_out(halves, aimed).suggested


def test_precision_cutoff_is_the_lowest_reaching_the_target() -> None:
    probs = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    labels = np.array([1, 1, 0, 1, 0, 0], float)
    w = np.ones(6)
    # plain proportions (z = 0); cumulative precision from the top: 1, 1, 2/3, 3/4, 3/5, 1/2
    assert precision_cutoff(probs, labels, w, 0.75, z=0) == pytest.approx(0.6)
    assert precision_cutoff(probs, labels, w, 0.6, z=0) == pytest.approx(0.5)
    assert precision_cutoff(probs, labels, w, 1.0, z=0) == pytest.approx(0.8)
    assert precision_cutoff(probs, np.zeros(6), w, 0.5, z=0) is None
    # at 0.75 the cut keeps 3 of 3 positives; the best-F1 cut (0.6) keeps 3: recall kept in full
    assert aimed_cutoff(probs, labels, w, 0.75, 0.6, z=0) == pytest.approx(0.6)
    # 1.0 precision keeps 2 of 3 positives, at least half of the 3 the F1 cut-off finds
    assert aimed_cutoff(probs, labels, w, 1.0, 0.6, z=0) == pytest.approx(0.8)
    # by default the Wilson lower bound must reach the target: from the top, 1/1 -> 0.270,
    # 2/2 -> 0.425, 2/3 -> 0.254, 3/4 -> 0.356, 3/5 -> 0.273, 3/6 -> 0.221
    assert precision_cutoff(probs, labels, w, 0.35) == pytest.approx(0.6)
    assert precision_cutoff(probs, labels, w, 0.36) == pytest.approx(0.8)
    assert precision_cutoff(probs, labels, w, 0.43) is None


def test_wilson_lower_bound_matches_the_formula_worked_by_hand() -> None:
    # Wilson (1927) score interval, one-sided 95% (z = 1.645), 3 successes of 4:
    # p = 0.75; centre 0.75 + z^2/8 = 1.088253; spread z * sqrt(p(1-p)/4 + z^2/64) = 0.491182;
    # divided by 1 + z^2/4 = 1.676506 -> (1.088253 - 0.491182) / 1.676506 = 0.356140
    assert float(wilson_lower(np.array(3.0), np.array(4.0))) == pytest.approx(0.356140, abs=1e-6)
    assert float(wilson_lower(np.array(0.0), np.array(10.0))) == pytest.approx(0.0, abs=1e-12)
    # it approaches the proportion as n grows
    assert float(wilson_lower(np.array(7500.0), np.array(10000.0))) == pytest.approx(0.75, abs=0.01)


def test_theme_cut_offs_follow_the_pooled_one_until_a_theme_has_decisions_of_its_own() -> None:
    rng = np.random.default_rng(0)
    n = 400
    themes = np.repeat([0, 1], n // 2)
    probs = rng.random(n)
    labels = (rng.random(n) < probs).astype(float)  # calibrated: precision above c is ~ (1 + c) / 2
    cut, aimed = theme_thresholds(probs, labels, np.ones(n), themes, 3, 0.7, 0.3)
    assert aimed
    pooled = precision_cutoff(probs, labels, np.ones(n), 0.7)
    assert pooled is not None
    assert cut[2] == pytest.approx(pooled, abs=1e-6)  # theme 2 has no decisions: the pooled cut-off
    assert 0.2 < cut[0] < 0.8 and 0.2 < cut[1] < 0.8


def test_a_model_without_calibrated_cut_offs_uses_one_threshold_for_every_theme(tmp_path: Path) -> None:
    from piri_qual.assist.learner import cold_learner

    learner = cold_learner(4)
    learner.save(tmp_path / "m.npz", "k")
    loaded = Learner.load(tmp_path / "m.npz", "k")
    assert loaded is not None and loaded.thresholds is None
    assert loaded.cutoffs(4).tolist() == [learner.threshold] * 4


def test_suggestion_precision_is_read_from_the_settings_and_checked(tmp_path: Path) -> None:
    from piri_qual.core.settings import Settings, init_study
    from piri_qual.errors import PiriQualError

    root = init_study(tmp_path / "s")
    path = root / "piri-qual.yaml"
    assert Settings.load(path).suggestion_precision == 0.6  # written by init, the default
    path.write_text(path.read_text().replace("suggestion_precision: 0.6", "suggestion_precision: 0.45"))
    assert Settings.load(path).suggestion_precision == 0.45
    assert Engine(StudyFolder(root)).precision == 0.45
    path.write_text(path.read_text().replace("suggestion_precision: 0.45", "suggestion_precision: 60"))
    with pytest.raises(PiriQualError, match="'suggestion_precision' must be a number between 0 and 1"):
        Settings.load(path)
