"""The learner: it must find what rules and similarity cannot, and stay cheap to retrain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from piri_qual.assist import engine
from piri_qual.assist.evaluate import evaluate
from piri_qual.assist.learner import best_threshold, fit_combiner
from piri_qual.assist.scoring import DEFAULT_WEIGHTS
from piri_qual.assist.synthetic import generate_study
from piri_qual.study import Study


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_study(tmp_path_factory.mktemp("gen") / "study", transcripts=12, words_per_transcript=700).root


def test_learner_beats_rules_alone_on_held_out_transcripts(generated: Path) -> None:
    report = evaluate(generated, "gold", mode="split", train_fraction=0.5)
    learned, cold = report.micro, report.cold["micro"]
    assert learned["f1"] >= cold["f1"] + 0.25, (learned, cold)
    blind = [report.per_theme[t] for t in ("home", "money", "sleep", "partner", "work")]
    # no usable keyword or definition: only the decisions can teach these themes
    assert sum(t["found"] for t in blind) / sum(t["gold"] for t in blind) > 0.6, blind
    assert all(t["found"] > 0 for t in blind), blind


def test_simulation_learns_as_decisions_accumulate(generated: Path) -> None:
    report = evaluate(generated, "gold", mode="simulate", retrain_every=40)
    curve = report.curve
    assert curve[0]["decisions"] == 0
    assert curve[-1]["f1"] > curve[0]["f1"] + 0.2, curve
    assert report.settings["retrains"] >= 3


def test_retrain_records_what_it_learned_and_reuses_the_model(generated: Path) -> None:
    study = Study(generated)
    info = engine.retrain(study, "gold")
    assert info.positives > 0 and info.themes_learned == 10 and info.combiner == "fitted"
    assert 0.05 <= info.threshold <= 0.9
    eng = engine.Engine(study)
    assert not eng.model_is_stale("gold")
    assert eng.learner("gold").version() == info.version
    study.store.append("gold", "reject", transcript="G0001", start=0, end=5, theme="money")
    assert engine.Engine(Study(generated)).model_is_stale("gold")


def test_combiner_stays_finite_on_separable_data() -> None:
    rng = np.random.default_rng(0)
    values = np.hstack([np.ones((200, 1)), rng.normal(size=(200, len(DEFAULT_WEIGHTS) - 1))])
    labels = (values[:, 1] > 0).astype(float)  # perfectly separable on one signal
    weights = fit_combiner(values, labels, np.ones(200), DEFAULT_WEIGHTS)
    assert np.all(np.isfinite(weights)) and np.abs(weights).max() < 50
    assert weights[1] > DEFAULT_WEIGHTS[1]


def test_best_threshold_maximises_f1() -> None:
    probs = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    labels = np.array([1, 1, 0, 1, 0, 0], float)
    # cut-offs: 0.8 -> F1 0.8; 0.3 -> P 3/4, R 1 -> F1 0.857
    assert best_threshold(probs, labels, np.ones(6)) == pytest.approx(0.3)


def test_a_codebook_change_makes_the_model_stale(generated: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(generated, root)
    study = Study(root)
    engine.retrain(study, "gold")
    assert not engine.Engine(study).model_is_stale("gold")
    path = root / "codebooks" / "main.yaml"
    path.write_text(path.read_text().replace("Delays, waiting lists", "Delays and waiting lists"))
    fresh = engine.Engine(Study(root))
    assert fresh.model_is_stale("gold")
    assert fresh.learner("gold").info is None  # the old model is not used with the new codebook
