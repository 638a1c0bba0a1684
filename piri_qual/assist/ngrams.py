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
balanced), fitted only at retrain time. liblinear solves it in its dual form: the same optimum
as the primal (probabilities equal to three decimals on the example study) in a ninth of the
time, since the n-grams outnumber the labelled sentences (24,338 against 4,003 there).
Prediction is a sparse product with numpy alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from piri_qual.assist.threads import fitting_blas

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


def fit_ngrams(norms: np.ndarray, counts: np.ndarray, y: np.ndarray) -> NgramModel:
    """Fit on labelled sentences: ``y`` (sentences, themes) is 1 coded, 0 not, -1 unknown."""
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
    x = model.design(norms, counts)
    with fitting_blas():
        for theme in range(n_themes):
            known = y[:, theme] >= 0
            target = y[known, theme]
            if not (target == 1).any() or not (target == 0).any():
                continue
            # the dual only where n-grams outnumber the sentences (as on every development set): with
            # more sentences than n-grams (20,000 sampled rows of a large study) it converged slowly
            # and liblinear warned on the user's terminal; the primal reaches the same optimum there
            fit = LogisticRegression(C=C, solver="liblinear", dual=bool(x.shape[1] > int(known.sum())),
                                     random_state=0, class_weight="balanced", max_iter=1000).fit(x[known], target)
            model.coef[theme] = fit.coef_[0]
            model.intercept[theme] = fit.intercept_[0]
            model.learned[theme] = True
    return model
