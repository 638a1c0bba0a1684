"""Per-theme fits on several threads give the same models as on one, bit for bit
(:func:`piri_qual.assist.threads.each_theme`): the n-gram model of a retrain and the TF-IDF
baseline, fitted on the bundled example study's gold decisions (23 interviews, 24 themes)."""

from __future__ import annotations

import numpy as np
import pytest

from piri_qual.assist.baselines import TfidfLogReg, sentence_texts
from piri_qual.assist.learner import Labelled, _design, training_sample
from piri_qual.assist.ngrams import fit_ngrams
from piri_qual.assist.threads import each_theme


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Labelled], list[list[str]], int]:
    from study_builders import example_gold_labelled

    engine, labelled = example_gold_labelled(tmp_path_factory.mktemp("threads") / "example")
    items = training_sample(labelled)
    texts = [sentence_texts(engine.study.transcript(it.feats.transcript).text, it.feats, it.rows) for it in items]
    return items, texts, len(engine.themes)


def test_the_ngram_model_is_the_same_on_one_thread_and_on_three(decided: tuple[list[Labelled], list[list[str]], int]) -> None:
    items, _, _ = decided
    design = _design(items)
    one = fit_ngrams(design.norms, design.counts, design.y, threads=1)
    three = fit_ngrams(design.norms, design.counts, design.y, threads=3)
    assert one.learned.sum() >= 10
    assert np.array_equal(one.coef, three.coef) and np.array_equal(one.intercept, three.intercept)
    assert np.array_equal(one.learned, three.learned)


def test_the_tfidf_baseline_is_the_same_on_one_thread_and_on_three(decided: tuple[list[Labelled], list[list[str]], int]) -> None:
    items, texts, n_themes = decided
    one = TfidfLogReg(n_themes, threads=1).fit(items, texts)
    three = TfidfLogReg(n_themes, threads=3).fit(items, texts)
    assert one.cutoff == three.cutoff  # chosen on the folds' held-out probabilities, also threaded
    probe = [t for group in texts[:3] for t in group]
    assert np.array_equal(one.predict(probe), three.predict(probe))


def test_each_theme_keeps_the_order_of_the_themes() -> None:
    assert each_theme(lambda theme: theme * theme, 7, threads=3) == [0, 1, 4, 9, 16, 25, 36]


def test_jobs_caps_the_fit_threads_and_one_job_fits_on_the_calling_thread() -> None:
    import threading

    from piri_qual.assist.threads import fit_threads, fit_threads_at_most

    def where(theme: int) -> str:
        return threading.current_thread().name

    with fit_threads_at_most(1):
        assert fit_threads() == 1
        assert set(each_theme(where, 4)) == {threading.current_thread().name}
    with fit_threads_at_most(None):
        assert fit_threads() >= 1
    uncapped = fit_threads()
    with fit_threads_at_most(uncapped + 5):
        assert fit_threads() == uncapped  # a cap above the cores changes nothing


def test_the_baselines_probabilities_are_each_models_predict_proba(decided: tuple[list[Labelled], list[list[str]], int]) -> None:
    items, texts, n_themes = decided
    model = TfidfLogReg(n_themes).fit(items, texts)
    probe = [t for group in texts[:4] for t in group]
    x = model.vectorizer.transform(probe)
    want = np.zeros((len(probe), n_themes), np.float32)
    for theme, fitted in enumerate(model.models):
        if fitted is not None:
            want[:, theme] = fitted.predict_proba(x)[:, 1]
    assert sum(m is not None for m in model.models) >= 10
    assert np.array_equal(model.predict(probe), want)
