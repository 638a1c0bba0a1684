"""The textbook baselines evaluate runs beside the engine, on fixtures small enough to work out
by hand: which sentences each chooses, and the precision, recall and F1 that follow."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from test_assist_engine import make_study, save_transcript

from piri_qual.assist.baselines import (
    TfidfLogReg,
    definition_cosine,
    definition_cutoffs,
    definition_texts,
    fold_tfidf,
    transcript_folds,
)
from piri_qual.assist.evaluate import evaluate
from piri_qual.assist.learner import Labelled
from piri_qual.core.framework import Theme

CODEBOOK = """\
id: tiny
label: Tiny codebook
themes:
  - id: waiting
    label: Waiting
    definition: Time spent waiting before the service began.
  - id: video
    label: Video feedback
    definition: Watching films of play with the practitioner.
"""


def test_definition_cutoff_is_the_top_decile_and_each_sentence_gets_its_nearest_theme() -> None:
    # theme 0's cosines over ten sentences are 0.0 .. 0.9; the 90th percentile (linear
    # interpolation, numpy's default) is 0.81. Theme 1's are all 0.5: its cut-off is 0.5.
    col0 = np.arange(10) / 10
    sims = np.stack([col0, np.full(10, 0.5)], axis=1).astype(np.float32)
    cutoffs = definition_cutoffs([sims[:4], sims[4:]], 2)
    assert cutoffs == pytest.approx([0.81, 0.5])
    chosen, _ = definition_cosine(sims, cutoffs)
    # sentences 0-5 are nearer theme 1 (0.5 >= 0.0..0.5; argmax takes the first on a tie at 0.5):
    # 0-4 -> theme 1 (0.5 >= its cut-off 0.5); 5 ties 0.5/0.5 -> theme 0, below 0.81.
    # Sentences 6-9 are nearer theme 0; only 9 (0.9) reaches 0.81.
    assert np.nonzero(chosen[:, 1])[0].tolist() == [0, 1, 2, 3, 4]
    assert np.nonzero(chosen[:, 0])[0].tolist() == [9]
    assert chosen.sum(1).max() == 1  # one theme per sentence at most


def test_definition_texts_are_label_and_definition_only() -> None:
    theme = Theme(id="waiting_times", label="Waiting times", definition="Delays before support.",
                  keywords=("wait",), examples=("We waited weeks.",))
    assert definition_texts([theme]) == ["Waiting times. Delays before support."]


def test_tfidf_logreg_learns_the_words_of_coded_sentences(tmp_path: Path) -> None:
    texts = ["the waiting list was long", "a long waiting list", "we watched the video",
             "the video of play", "the weather was nice", "nice weather today"]
    labels = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 0], [0, 0]], np.int8)
    items = [Labelled(feats=None, rows=np.arange(6), labels=labels, explicit=np.zeros((6, 2), bool))]  # type: ignore[arg-type]
    model = TfidfLogReg(2).fit(items, [texts])
    # idf of 'waiting' (in 2 of 6 sentences) is ln((1 + 6) / (1 + 2)) + 1 (smooth_idf)
    counter, weigher = model.vectorizer  # the fitted pipeline's two steps
    vocab = counter.vocabulary_
    assert weigher.idf_[vocab["waiting"]] == pytest.approx(math.log(7 / 3) + 1)
    assert "waiting list" in vocab  # word bigrams
    chosen, probs = model.choose(["still on the waiting list", "we saw a video", "nice day"])
    assert chosen.tolist() == [[True, False], [False, True], [False, False]]
    assert probs[0, 0] > 0.5 > probs[2, 0]


def _labelled(labels: list[list[int]]) -> Labelled:
    y = np.array(labels, np.int8)
    return Labelled(feats=None, rows=np.arange(len(y)), labels=y, explicit=np.zeros(y.shape, bool))  # type: ignore[arg-type]


def test_fold_tfidf_equals_a_vectorizer_fitted_on_the_fold_alone(repo_root: Path) -> None:
    """The baseline tokenises once and cuts each fold's TF-IDF from the whole corpus's counts; that
    must be the matrix TfidfVectorizer makes from the fold's sentences alone, on the example
    study's real turns (n-grams that only the test fold holds included): the same cells, and values
    equal but for the last bits of a row's norm (the vectorizer stores a fitted row's cells in the
    order its words first appeared, so it sums their squares in another order)."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    from piri_qual.core.study import StudyFolder

    study = StudyFolder(repo_root)
    corpus, fold = [], []
    for i, tid in enumerate(study.transcript_ids()[:8]):
        transcript = study.transcript(tid)
        turns = [transcript.text[t.start:t.end] for t in transcript.turns]
        corpus += turns
        fold += [i % 3] * len(turns)
    folds = np.array(fold)
    counts = CountVectorizer(ngram_range=(1, 2), dtype=np.float64).fit_transform(corpus).tocsr()
    for k in range(3):
        test = folds == k
        train_x, test_x = fold_tfidf(counts, test)
        alone = TfidfVectorizer(ngram_range=(1, 2))
        want_train = alone.fit_transform([t for t, m in zip(corpus, test, strict=True) if not m])
        want_test = alone.transform([t for t, m in zip(corpus, test, strict=True) if m])
        for got, want in ((train_x, want_train), (test_x, want_test)):
            assert got.shape == want.shape
            want.sort_indices()
            assert got.has_sorted_indices
            assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
            np.testing.assert_allclose(got.data, want.data, rtol=1e-14, atol=0)


def test_tfidf_logreg_cutoff_is_chosen_on_held_out_transcripts() -> None:
    """Two transcripts, so each is the other's held-out fold. Their waiting-list sentences are
    worded alike and the rest share no word with them, so held out every coded sentence scores
    above every uncoded one and the best-F1 cut-off is the lowest held-out positive."""
    a = ["we waited on the waiting list", "the garden was green", "my sister visited",
         "breakfast was late"]
    b = ["the waiting list took months", "our dog barked", "rain fell all day", "the bus was full"]
    ya = [[1], [0], [0], [0]]
    yb = [[1], [0], [0], [0]]
    held = np.concatenate([TfidfLogReg(1).fit([_labelled(yb)], [b]).predict(a),
                           TfidfLogReg(1).fit([_labelled(ya)], [a]).predict(b)])[:, 0]
    coded = np.array([1, 0, 0, 0, 1, 0, 0, 0], bool)
    assert held[coded].min() > held[~coded].max()  # separable held out, as intended
    model = TfidfLogReg(1).fit([_labelled(ya), _labelled(yb)], [a, b])
    assert model.cutoff == pytest.approx(float(held[coded].min()))
    chosen, _ = model.choose(["still on the waiting list", "the garden again"])
    assert chosen[:, 0].tolist() == [True, False]


def test_transcript_folds_follow_transcripts_or_thirds() -> None:
    # five transcripts: folds 0 1 2 3 0 (at most four); one transcript of seven sentences:
    # sentence i is in fold (3 i) // 7 -> 0 0 0 1 1 2 2
    assert transcript_folds([2, 1, 1, 1, 2]).tolist() == [0, 0, 1, 2, 3, 0, 0]
    assert transcript_folds([7]).tolist() == [0, 0, 0, 1, 1, 2, 2]


def test_tfidf_logreg_is_silent_before_it_has_learned() -> None:
    model = TfidfLogReg(3)
    chosen, probs = model.choose(["anything at all"])
    assert not chosen.any() and not probs.any()


def test_evaluate_scores_both_baselines_on_a_hand_worked_study(tmp_path: Path) -> None:
    """Two transcripts. The first is coded 'waiting' on its two waiting-list sentences; the second
    has one waiting-list sentence (coded) and one about a video (coded 'video').

    TF-IDF + LR: before T1 it knows nothing (no suggestions). After T1 it has learned 'waiting'
    (and has no positive for 'video', so none for it). T1 alone gives three folds, its thirds (one
    sentence each); the weather sentence's fold leaves no negative to learn from, so the cut-off is
    the lower of the two held-out waiting sentences' probabilities (0.503). On T2 both sentences
    reach it for 'waiting' (the video sentence shares no word with what was learned: its
    probability is the intercept's, 0.53), and two adjacent sentences of one turn and theme are one
    excerpt, which overlaps the gold 'waiting' coding. Totals: suggested 1, right 1; gold 2 + 2 = 4
    codings, found 1. So P = 1, R = 1/4, F1 = 2 * 1 * 0.25 / 1.25 = 0.4.
    """
    study = make_study(tmp_path / "s", CODEBOOK, turns=[
        ("Interviewer", "interviewer", "Tell me about the start."),
        ("P01", "participant", "We were on a waiting list for weeks. The waiting list was long. "
                               "The weather was nice."),
    ], tid="T1")
    save_transcript(study.root, "T2", [
        ("Interviewer", "interviewer", "And later?"),
        ("P02", "participant", "The waiting list felt long again. We watched a video of our play."),
    ])
    t1 = study.transcript("T1").text
    t2 = study.transcript("T2").text
    for tid, text, quote, theme in (
        ("T1", t1, "We were on a waiting list for weeks.", "waiting"),
        ("T1", t1, "The waiting list was long.", "waiting"),
        ("T2", t2, "The waiting list felt long again.", "waiting"),
        ("T2", t2, "We watched a video of our play.", "video"),
    ):
        start = text.index(quote)
        study.store.code("gold", tid, theme, start=start, end=start + len(quote))
    report = evaluate(study.root, "gold", retrain_every=1)
    lr = report.baseline["tfidf_logreg"]["micro"]
    assert (lr["suggested"], lr["right"], lr["gold"], lr["found"]) == (1, 1, 4, 1)
    assert (lr["precision"], lr["recall"], lr["f1"]) == (1.0, 0.25, 0.4)
    cosine = report.baseline["definition_cosine"]["micro"]
    assert cosine["gold"] == 4 and cosine["suggested"] >= 1  # nearest-theme suggestions at cold start
    assert set(report.baseline) == {"tfidf_logreg", "definition_cosine"}
    assert report.cold is not None and report.effort is not None and report.pr_curve
