"""A linear model over a sentence's word 1-2-grams, learned from one coder's decisions.

Why: with a few hundred decisions, the words a coder's excerpts use are the strongest evidence
of a theme, and a logistic regression over TF-IDF n-grams is what beats hand-tuned similarity
once there is data (the textbook coder of :mod:`piri_qual.assist.baselines` beat the earlier
engine on a large human-coded set). Here it is one more signal for the combiner, which weighs it
against similarity, rules and the nearest coded excerpt by how well each predicted the coder's
held-out decisions.

The n-grams come from the features already cached for every sentence (the NORM of each
alphabetic token: lemma, lower case, light stem), so nothing is re-tokenised: unigrams are the
norms, bigrams a hash of two adjacent norms of one sentence. Weights are sublinear TF-IDF with
unit length; one L2-regularised logistic regression per theme (scikit-learn's liblinear, classes
balanced), fitted only at retrain time by liblinear's primal solver (scikit-learn's default).
Its dual solver was used for a while, on a measurement of nine times faster where n-grams
outnumber sentences, taken before scikit-learn's fits were held to one BLAS thread, when
scipy's OpenBLAS spun a second thread in the primal's products (:mod:`piri_qual.assist.threads`).
With one BLAS thread the primal is as fast or faster everywhere it was measured (25 themes,
7 December 2026): example study 4,003 sentences x 7,026 n-grams 0.27 s against the dual's
0.36 s; PDPilot 1,479 x 2,879 0.47 against 0.98 s; a generated study's 20,120 x 13,536 1.8
against 4.3 s. Both reach the same optimum to liblinear's tolerance.

Prediction is a sparse product with numpy alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from piri_qual.assist.threads import each_theme

MIN_DF = 2  # an n-gram seen in one labelled sentence cannot tell a theme's word from chance
MAX_FEATURES = 40_000  # the most frequent n-grams kept, bounding the stored model
C = 1.0
_MIX = np.uint64(0x9E3779B97F4A7C15)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by sorting: numpy 2's hash-based ``unique`` took a second on the
    600,000 (sentence, n-gram) cells of a 20,000-row retrain, sorting takes milliseconds."""
    ordered = np.sort(values)
    if not len(ordered):
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def sentence_ngrams(norms: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (sentence, n-gram key) occurrence: unigrams, then bigrams of adjacent norms."""
    norms = norms.astype(np.uint64)
    row = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    if len(norms) > 1:
        same = row[1:] == row[:-1]
        with np.errstate(over="ignore"):
            bigrams = (norms[:-1] * _MIX) ^ (norms[1:] + np.uint64(1))
        keys = np.concatenate([norms, bigrams[same]])
        rows = np.concatenate([row, row[1:][same]])
    else:
        keys, rows = norms, row
    return rows, keys


@dataclass
class NgramModel:
    """Vocabulary, IDF and per-theme coefficients: ``score = tfidf(x) @ coef.T + intercept``."""

    vocab: np.ndarray  # (V,) sorted uint64 n-gram keys
    idf: np.ndarray  # (V,) float32
    coef: np.ndarray  # (T, V) float32
    intercept: np.ndarray  # (T,) float32
    learned: np.ndarray  # (T,) bool: themes with both classes to learn from

    @classmethod
    def empty(cls, n_themes: int) -> NgramModel:
        return cls(np.zeros(0, np.uint64), np.zeros(0, np.float32), np.zeros((n_themes, 0), np.float32),
                   np.zeros(n_themes, np.float32), np.zeros(n_themes, bool))

    def design(self, norms: np.ndarray, counts: np.ndarray) -> Any:
        """The (sentences, V) sparse TF-IDF matrix of sentences given by their norms."""
        from scipy.sparse import csr_matrix

        rows, keys = sentence_ngrams(norms, counts)
        n = len(counts)
        if not len(self.vocab) or not len(keys):
            return csr_matrix((n, len(self.vocab)), dtype=np.float32)
        pos = np.searchsorted(self.vocab, keys)
        pos[pos >= len(self.vocab)] = 0
        known = self.vocab[pos] == keys
        rows, cols = rows[known], pos[known]
        cell = rows * len(self.vocab) + cols
        cell, tf = np.unique(cell, return_counts=True)
        rows, cols = cell // len(self.vocab), cell % len(self.vocab)
        data = (1.0 + np.log(tf)) * self.idf[cols]
        norm = np.sqrt(np.bincount(rows, weights=data**2, minlength=n))
        data = data / np.maximum(norm[rows], 1e-12)
        return csr_matrix((data.astype(np.float32), (rows, cols)), shape=(n, len(self.vocab)))

    def scores(self, norms: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """(sentences, themes) log-odds; zero for themes it has not learned."""
        n = len(counts)
        if not len(self.vocab) or not n:
            return np.zeros((n, len(self.intercept)), np.float32)
        x = self.design(norms, counts)
        out = np.asarray(x @ self.coef.T) + self.intercept[None, :]
        out[:, ~self.learned] = 0.0
        return out.astype(np.float32)


def fit_ngrams(norms: np.ndarray, counts: np.ndarray, y: np.ndarray, threads: int | None = None) -> NgramModel:
    """Fit on labelled sentences: ``y`` (sentences, themes) is 1 coded, 0 not, -1 unknown; the
    themes' regressions on ``threads`` threads (:func:`~piri_qual.assist.threads.each_theme`)."""
    from sklearn.linear_model import LogisticRegression

    n_rows, n_themes = y.shape
    rows, keys = sentence_ngrams(norms, counts)
    if not len(keys) or not (y == 1).any():
        return NgramModel.empty(n_themes)
    vocab, inverse = np.unique(keys, return_inverse=True)
    df = np.bincount(sorted_unique(rows * len(vocab) + inverse) % len(vocab), minlength=len(vocab))
    keep = df >= MIN_DF
    if keep.sum() > MAX_FEATURES:
        cut = np.sort(df[keep])[-MAX_FEATURES]
        keep &= df >= cut
    if not keep.any():
        return NgramModel.empty(n_themes)
    idf = (np.log((1.0 + n_rows) / (1.0 + df[keep])) + 1.0).astype(np.float32)
    model = NgramModel(vocab[keep], idf, np.zeros((n_themes, int(keep.sum())), np.float32),
                       np.zeros(n_themes, np.float32), np.zeros(n_themes, bool))
    x = model.design(norms, counts).astype(np.float64)  # liblinear's type, converted once, not per theme
    x.sum_duplicates()  # canonical before the threads share it (each_theme)

    def fit(theme: int) -> tuple[np.ndarray, float] | None:
        known = y[:, theme] >= 0
        target = y[known, theme]
        if not (target == 1).any() or not (target == 0).any():
            return None
        fitted = LogisticRegression(C=C, solver="liblinear", random_state=0, class_weight="balanced",
                                    max_iter=1000).fit(x if known.all() else x[known], target)
        return fitted.coef_[0], float(fitted.intercept_[0])

    for theme, result in enumerate(each_theme(fit, n_themes, threads)):
        if result is not None:
            model.coef[theme], model.intercept[theme] = result
            model.learned[theme] = True
    return model
