"""The relative cut-off: a theme is suggested only where it scores near its sentence's best,
as much as the coder's own practice (one theme per sentence, or several) supports.

The figures are worked by hand in each test's comments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from study_builders import copy_example_study

from piri_qual.assist.engine import Engine
from piri_qual.assist.learner import cold_learner, relative_cutoff, relative_filter
from piri_qual.assist.synthetic import generate_study
from piri_qual.core.study import StudyFolder

# Four sentences, two neighbouring themes; the coder gave each sentence one theme (the 1s).
ONE_EACH_PROBS = np.array([[0.9, 0.7], [0.6, 0.3], [0.2, 0.95], [0.65, 0.9]])
ONE_EACH_LABELS = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])


def test_runner_up_themes_are_dropped_below_the_share_of_the_best() -> None:
    kept = relative_filter(ONE_EACH_PROBS, 0.8)
    # 0.7 < 0.8 x 0.9 and 0.65 < 0.8 x 0.9 go; each sentence's best stays
    assert kept.tolist() == [[0.9, 0.0], [0.6, 0.0], [0.0, 0.95], [0.0, 0.9]]
    assert relative_filter(ONE_EACH_PROBS, 0.0) is ONE_EACH_PROBS


def test_a_coder_who_gives_one_theme_a_sentence_teaches_a_high_share() -> None:
    # No single cut-off separates these: the best (0.9) shows 3 of 3 right but misses 0.6, F1 6/7;
    # 0.6 shows 6 with 4 right, F1 0.8. Keeping only themes at 0.8 of their sentence's best drops
    # the runner-ups 0.7, 0.3, 0.2 and 0.65, and a cut-off at 0.6 then shows the four right ones:
    # F1 1. Shares up to 0.7 keep 0.7 or 0.65 (at 0.7: 0.7 >= 0.63, 0.65 >= 0.63), so 0.8 it is.
    share = relative_cutoff(ONE_EACH_PROBS, ONE_EACH_LABELS, np.ones_like(ONE_EACH_PROBS))
    assert share == 0.8


def test_a_coder_who_gives_a_sentence_two_themes_keeps_them_all() -> None:
    # Sentence 1 is coded with both themes; one cut-off at 0.8 shows exactly the three right
    # pairs (F1 1), which no share can better, so the smallest share (none) is kept.
    probs = np.array([[0.9, 0.8], [0.3, 0.85], [0.2, 0.1]])
    labels = np.array([[1, 1], [0, 1], [0, 0]])
    assert relative_cutoff(probs, labels, np.ones_like(probs)) == 0.0


def test_unknown_pairs_and_no_positives_teach_nothing() -> None:
    probs = ONE_EACH_PROBS
    assert relative_cutoff(probs, np.full(probs.shape, -1), np.ones_like(probs)) == 0.0
    assert relative_cutoff(probs, np.zeros(probs.shape, int), np.ones_like(probs)) == 0.0


def test_a_one_theme_coder_s_model_learns_it_and_suggest_says_so(tmp_path: Path) -> None:
    # The generated coder gives every on-topic sentence exactly its one theme.
    root = generate_study(tmp_path / "s", transcripts=8, words_per_transcript=1200, seed=3, gold=True).root
    info = Engine(StudyFolder(root)).retrain("gold")
    assert info.relative_cutoff is not None and info.relative_cutoff > 0


def test_the_engine_shows_no_theme_below_the_share(tmp_path: Path) -> None:
    # The example study's themes are near neighbours: at cold start P01 gets 78 suggestions,
    # some of them a second theme for a sentence.
    engine = Engine(StudyFolder(copy_example_study(tmp_path / "s")))
    _, stats = engine.stats()
    feats = engine.features(["P01"])["P01"]
    every = cold_learner(len(engine.themes))
    strict = cold_learner(len(engine.themes))
    strict.relative = 0.999
    loose, tight = engine.score_table(feats, every, stats), engine.score_table(feats, strict, stats)
    pairs = {(int(a), int(b), int(t)) for a, b, t in zip(loose.start, loose.end, loose.theme, strict=True)}
    assert len(tight) < len(loose)
    # every suggestion left is its winning sentence's best theme, and the shown ones are a subset
    # of what the engine shows without the share (no new suggestion appears)
    position = {int(r): i for i, r in enumerate(feats.candidates)}
    for sentence, score in zip(tight.sentence, tight.score, strict=True):
        assert score >= 0.999 * tight.best[position[int(sentence)]] - 1e-6
    for a, b, t in zip(tight.start, tight.end, tight.theme, strict=True):
        assert any(t == lt and a >= la and b <= lb for la, lb, lt in pairs)


def test_a_sentence_reads_its_neighbours_n_grams_within_its_unit_only(tmp_path: Path) -> None:
    """``neighbours``: the higher n-gram log-odds of the sentences just before and after, in the
    same turn; nothing across a turn's edge, nothing for a turn of one sentence."""
    from piri_qual.assist.scoring import neighbour_ngrams

    engine = Engine(StudyFolder(copy_example_study(tmp_path / "s", gold=True)))
    engine.retrain("gold")
    learner = engine.learner("gold")
    assert learner.ngrams is not None and learner.ngrams.learned.any()
    alone = paired = 0
    for tid in engine.study.transcript_ids():
        feats = engine.features([tid])[tid]
        rows = feats.candidates
        scores = learner.ngrams.scores(*feats.token_norms(np.arange(len(feats.sentences))))  # each sentence's own
        got = neighbour_ngrams(feats, rows, learner)
        # given the rows' own log-odds (as signal_matrix gives them), the same figures
        reused = neighbour_ngrams(feats, rows, learner, np.clip(scores[rows], -8, 8))
        assert np.allclose(reused, got, atol=1e-5)
        unit = feats.sentence_unit
        for i, s in enumerate(rows.tolist()):
            around = [n for n in (s - 1, s + 1) if 0 <= n < len(unit) and unit[n] == unit[s]]
            if not around:
                alone += 1
                assert not got[i].any()
                continue
            paired += 1
            assert np.allclose(got[i], np.clip(np.max(scores[around], axis=0), -8, 8), atol=1e-5)
    assert alone and paired  # both kinds occur in the example study


def _labelled(units: list[int], labels: list[list[int]]) -> object:
    from types import SimpleNamespace

    from piri_qual.assist.learner import Labelled

    feats = SimpleNamespace(sentence_unit=np.array(units))
    n = len(units)
    return Labelled(feats, np.arange(n), np.array(labels, np.int8), np.zeros((n, 2), bool))  # type: ignore[arg-type]


def test_a_coder_who_codes_whole_answers_is_recognised() -> None:
    from piri_qual.assist.learner import codes_whole_units

    # units 0 and 1 have two sentences, unit 2 one (it tells nothing: one sentence is always whole)
    # theme 0 covers all of unit 0; theme 1 only one sentence of unit 1: one whole in two -> 0.5
    half = _labelled([0, 0, 1, 1, 2], [[1, 0], [1, 0], [0, 1], [0, 0], [1, 0]])
    assert codes_whole_units([half] * 5)  # type: ignore[list-item]  # 10 such pairs
    # the same with theme 1 also on one sentence of unit 0: one whole in three
    third = _labelled([0, 0, 1, 1, 2], [[1, 1], [1, 0], [0, 1], [0, 0], [1, 0]])
    assert not codes_whole_units([third] * 5)  # type: ignore[list-item]
    assert not codes_whole_units([_labelled([0, 1], [[1, 0], [0, 1]])])  # type: ignore[list-item]
    assert not codes_whole_units([half] * 4)  # type: ignore[list-item]  # 8 pairs: too few to judge


def test_whole_unit_suggestions_cover_their_turn(tmp_path: Path) -> None:
    engine = Engine(StudyFolder(copy_example_study(tmp_path / "s")))
    _, stats = engine.stats()
    feats = engine.features(["P01"])["P01"]
    learner = cold_learner(len(engine.themes))
    learner.whole_units = True
    table = engine.score_table(feats, learner, stats)
    rows = feats.candidates
    unit_of = feats.sentence_unit[rows]
    spans = feats.sentences[rows]
    assert len(table)
    for start, end in zip(table.start, table.end, strict=True):
        first = int(np.nonzero(spans[:, 0] == start)[0][0])
        unit = spans[unit_of == unit_of[first]]
        # the turn's first to last sentence (no codebook exclusion term splits them in P01)
        assert (start, end) == (unit[0, 0], unit[-1, 1])
