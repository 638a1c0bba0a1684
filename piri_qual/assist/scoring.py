"""From cached features to one score per (candidate sentence, theme), with its reasons.

Signals, each a (sentences x themes) numpy matrix:

* ``z`` - cosine similarity of the sentence to the theme's prototype (label, definition,
  inclusion notes, examples), blended with the closest of its separate statements when it has
  several (:class:`~piri_qual.assist.similarity.ThemeVectors`), standardised per theme over the
  study's candidate sentences;
* ``within`` - the same similarity standardised across the themes for this sentence (which
  theme is this sentence *most* about);
* ``context`` - similarity of the interviewer's preceding question to the theme;
* ``example`` - closeness to the theme's nearest codebook example quote (cosine - 0.5);
* ``rule`` / ``derived`` - keyword and pattern evidence, and evidence from derived terms;
* ``model`` - the learner's output for the sentence (ridge scores on the sentence and context
  vectors), ``lexical`` - naive-Bayes log-odds of the sentence's words for the theme, learned
  from the coder's decisions, ``near`` / ``near_rejected`` - the closest excerpt this coder coded / rejected with
  the theme, ``has_codings`` and ``prior`` - whether and how often the theme has been used,
  ``ngram`` - a logistic regression over the sentence's word 1-2-grams
  (:mod:`piri_qual.assist.ngrams`), its log-odds for the theme, and ``neighbours`` - the higher
  of that log-odds for the sentences just before and after it in its unit.

A logistic combiner turns them into a probability. Its cold-start weights (below) say "a keyword
or a clearly similar sentence is worth suggesting"; once the coder has made enough decisions the
learner refits the weights on those decisions (see :mod:`piri_qual.assist.learner`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from piri_qual.assist.features import TranscriptFeatures
from piri_qual.assist.rules import DERIVED, VETO
from piri_qual.assist.similarity import ThemeVectors

if TYPE_CHECKING:  # learner imports this module
    from piri_qual.assist.learner import Examples, Learner

FEATURES = (
    "bias", "z", "within", "context", "example", "rule", "derived", "model", "lexical", "near",
    "near_rejected", "has_codings", "prior", "ngram", "neighbours",
)
K = len(FEATURES)
F = {name: i for i, name in enumerate(FEATURES)}

# Cold-start weights: a keyword alone, or similarity about three standard deviations above the
# theme's typical sentence, reaches p ~ 0.6; derived terms need similarity to back them up. The
# signals learned from the coder's own decisions (lexical, near, has_codings, prior) start at 0
# and get weights only when the combiner is fitted on enough decisions: on small coded sets,
# fixed guesses for them measured worse than leaving them out.
DEFAULT_WEIGHTS = np.array(
    [-3.4, 1.0, 0.45, 0.3, 4.0, 5.6, 2.2, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0], dtype=np.float64
)
DEFAULT_THRESHOLD = 0.5
DEFAULT_PRECISION = 0.6  # the share of suggestions meant to be right (piri-qual.yaml: suggestion_precision)
THEMES_AT_DEFAULT_BIAS = 20
BIAS_PER_LOG_THEMES = 0.6


def default_weights(n_themes: int) -> np.ndarray:
    """Cold-start weights for a codebook of ``n_themes``.

    Every theme is a chance for a spurious match, so the bar rises with the log of the number
    of themes: a sentence must stand out more among 160 themes than among 10.
    """
    weights = DEFAULT_WEIGHTS.copy()
    weights[0] -= BIAS_PER_LOG_THEMES * np.log(max(n_themes, 1) / THEMES_AT_DEFAULT_BIAS)
    return weights
SIGNAL_GROUPS = {
    "rule": ("rule", "derived"),
    "similarity": ("z", "within", "context", "example"),
    "model": ("model", "lexical", "near", "near_rejected", "has_codings", "prior", "ngram", "neighbours"),
}


@dataclass
class StudyStats:
    """Per-theme location and spread of similarities over the study's candidate sentences."""

    mean: np.ndarray
    std: np.ndarray
    ctx_mean: np.ndarray
    ctx_std: np.ndarray

    @classmethod
    def fit(cls, sims: list[np.ndarray], ctx: list[np.ndarray], n_themes: int) -> StudyStats:
        return cls(*_robust(sims, n_themes), *_robust(ctx, n_themes))


def _robust(parts: list[np.ndarray], n_themes: int, shrink: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation per column, shrunk towards the pooled values for small n."""
    rows = [p for p in parts if len(p)]
    if not rows:
        return np.zeros(n_themes), np.full(n_themes, 0.1)
    m = np.concatenate(rows).astype(np.float64)
    n = len(m)
    mean = m.mean(0)
    std = m.std(0)
    pooled_mean = float(m.mean())
    pooled_std = float(m.std()) or 0.1
    mean = (n * mean + shrink * pooled_mean) / (n + shrink)
    std = np.sqrt((n * std**2 + shrink * pooled_std**2) / (n + shrink))
    return mean, np.maximum(std, 0.02)


def base_signals(
    feats: TranscriptFeatures, rows: np.ndarray, prototypes: ThemeVectors
) -> tuple[np.ndarray, np.ndarray]:
    """Raw cosine similarities of sentences ``rows`` and of their context to each theme."""
    v = feats.sentence_vectors(rows)
    sims = prototypes.similarity(v)
    ctx_vectors = feats.context_vectors(rows)
    has_ctx = np.abs(ctx_vectors).sum(1) > 0
    ctx = prototypes.similarity(ctx_vectors[has_ctx])
    return sims, ctx


@dataclass
class SignalMatrix:
    """The combiner's inputs for one transcript's candidate sentences: (n, themes, K)."""

    rows: np.ndarray  # sentence indices into the transcript's features
    values: np.ndarray  # (n, T, K) float32
    veto: np.ndarray  # (n, T) bool
    sims: np.ndarray  # (n, T) raw cosine similarity, for reasons
    vectors: np.ndarray | None = None  # (n, d) float32 sentence vectors


def rule_signals(feats: TranscriptFeatures, rows: np.ndarray, n_themes: int) -> tuple[np.ndarray, ...]:
    """Keyword/pattern evidence, derived-term evidence and vetoes for sentences ``rows``."""
    position = np.full(len(feats.sentences), -1, np.int64)
    position[rows] = np.arange(len(rows))
    explicit = np.zeros((len(rows), n_themes), np.float32)
    derived = np.zeros((len(rows), n_themes), np.float32)
    veto = np.zeros((len(rows), n_themes), bool)
    r = position[feats.hit_sentence] if len(feats.hit_sentence) else np.zeros(0, np.int64)
    ok = (r >= 0) & (feats.hit_theme < n_themes)
    r, t, kind, w = r[ok], feats.hit_theme[ok], feats.hit_kind[ok], feats.hit_weight[ok]
    veto[r[kind == VETO], t[kind == VETO]] = True
    is_derived = kind == DERIVED
    np.add.at(derived, (r[is_derived], t[is_derived]), w[is_derived])
    is_explicit = (kind != VETO) & ~is_derived
    np.add.at(explicit, (r[is_explicit], t[is_explicit]), w[is_explicit])
    return 1.0 - np.exp(-1.5 * explicit), 1.0 - np.exp(-derived), veto


def signal_matrix(
    feats: TranscriptFeatures,
    prototypes: ThemeVectors,
    stats: StudyStats,
    learner: Learner | None = None,
    rows: np.ndarray | None = None,
    examples: Examples | None = None,
) -> SignalMatrix:
    """Assemble every signal for the candidate sentences of one transcript."""
    if rows is None:
        rows = feats.candidates
    n_themes = len(prototypes)
    n = len(rows)
    values = np.zeros((n, n_themes, K), np.float32)
    if n == 0:
        return SignalMatrix(rows, values, np.zeros((0, n_themes), bool), np.zeros((0, n_themes), np.float32))
    v = feats.sentence_vectors(rows)
    sims = prototypes.similarity(v)
    ctx_vectors = feats.context_vectors(rows)
    has_ctx = np.abs(ctx_vectors).sum(1) > 0
    values[:, :, F["bias"]] = 1.0
    values[:, :, F["z"]] = np.clip((sims - stats.mean) / stats.std, -4, 8)
    spread = sims.std(1, keepdims=True) if n_themes > 1 else np.ones((n, 1), np.float32)
    values[:, :, F["within"]] = np.clip((sims - sims.mean(1, keepdims=True)) / np.maximum(spread, 1e-3), -4, 6)
    if has_ctx.any():
        ctx = prototypes.similarity(ctx_vectors[has_ctx])
        values[has_ctx, :, F["context"]] = np.clip((ctx - stats.ctx_mean) / stats.ctx_std, -4, 8)
    if examples is not None and len(examples.themes):
        ex_themes, first = np.unique(examples.themes, return_index=True)
        closest = np.maximum.reduceat(v @ examples.vectors.T, first, axis=1)
        values[:, ex_themes, F["example"]] = closest - 0.5
    explicit, derived, veto = rule_signals(feats, rows, n_themes)
    values[:, :, F["rule"]] = explicit
    values[:, :, F["derived"]] = derived
    if learner is not None:
        norms, counts = feats.token_norms(rows)
        learner.fill(values, v, ctx_vectors, norms, counts)
        values[:, :, F["neighbours"]] = neighbour_ngrams(feats, rows, learner, values[:, :, F["ngram"]])
    return SignalMatrix(rows, values, veto, sims, v)


def neighbour_ngrams(
    feats: TranscriptFeatures, rows: np.ndarray, learner: Learner, own: np.ndarray | None = None
) -> np.ndarray:
    """(rows, themes): the higher n-gram log-odds of each sentence's neighbours in its unit (the
    sentences just before and after it in the same turn or answer), zero where it has none.

    Why: a coded excerpt is often several sentences long (an interview answer, a think-aloud
    passage, a comment of two sentences), and a sentence that says little on its own ("so I'd go
    back then") belongs to the theme its neighbours are worded like. The combiner weighs this by
    how well it predicted the coder's held-out decisions (zero at cold start); a unit of one
    sentence gets nothing from it. The higher neighbour, not the mean: one strong neighbour is
    the evidence, and the mean measured worse on five of the eight ``make eval`` sets
    (docs/suggestions.md, *Session 6*). ``own``: the rows' own log-odds (clipped to +-8), when
    already computed, so only neighbours outside ``rows`` are scored again.
    """
    out = np.zeros((len(rows), learner.prior.shape[0]), np.float32)
    model = learner.ngrams
    if model is None or not len(model.vocab) or not len(rows):
        return out
    unit = feats.sentence_unit
    last = len(unit) - 1
    before = rows - 1
    after = rows + 1
    has_before = (rows > 0) & (unit[np.maximum(before, 0)] == unit[rows])
    has_after = (rows < last) & (unit[np.minimum(after, last)] == unit[rows])
    need = np.unique(np.concatenate([before[has_before], after[has_after]]))
    if not len(need):
        return out
    scores = np.zeros((len(need), out.shape[1]), np.float32)
    at = np.minimum(np.searchsorted(rows, need), len(rows) - 1)
    known = (rows[at] == need) if own is not None else np.zeros(len(need), bool)  # rows are in text order
    if own is not None:
        scores[known] = own[at[known]]
    if not known.all():
        scores[~known] = np.clip(model.scores(*feats.token_norms(need[~known])), -8, 8)
    total = np.full_like(out, -8.0)
    total[has_before] = np.maximum(total[has_before], scores[np.searchsorted(need, before[has_before])])
    total[has_after] = np.maximum(total[has_after], scores[np.searchsorted(need, after[has_after])])
    nonzero = has_before | has_after
    out[nonzero] = np.clip(total[nonzero], -8, 8)
    return out


def combine(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Probability per (sentence, theme) from the signals and combiner weights."""
    logits = values @ weights.astype(np.float32)
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))


def dominant_sources(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """For signal rows ``values`` (..., K): index into ``SIGNAL_GROUPS`` (rule, similarity,
    model) of the group that added most to the score."""
    member = np.zeros((len(FEATURES), len(SIGNAL_GROUPS)), np.float32)
    for g, names in enumerate(SIGNAL_GROUPS.values()):
        for name in names:
            member[F[name], g] = weights[F[name]]
    return (values @ member).argmax(-1)


def explain(
    values: np.ndarray,
    weights: np.ndarray,
    sim: float,
    terms: list[str],
    near_quote: str | None,
    example_quote: str | None = None,
) -> tuple[str, dict[str, float]]:
    """A short reason and the per-signal scores for one suggestion."""
    parts: list[str] = []
    if terms:
        parts.append("matched " + ", ".join(f"'{t}'" for t in terms[:4]))
    parts.append(f"similar to the theme {sim:.2f} (z {values[F['z']]:.1f})")
    if example_quote and values[F["example"]] > 0.2:
        parts.append(f"like the codebook example \u201c{_short(example_quote)}\u201d ({values[F['example']] + 0.5:.2f})")
    if values[F["context"]] >= 1.5:
        parts.append(f"the question before is about it (z {values[F['context']]:.1f})")
    if values[F["has_codings"]] and near_quote and weights[F["near"]] > 0:
        parts.append(f"like your coding \u201c{_short(near_quote)}\u201d ({values[F['near']]:.2f})")
    if weights[F["model"]] and values[F["model"]]:
        parts.append(f"model score {values[F['model']]:+.2f}")
    if weights[F["ngram"]] > 0 and values[F["ngram"]] >= 1.0:
        parts.append(f"worded like your codings (n-gram log-odds {values[F['ngram']]:+.1f})")
    if weights[F["neighbours"]] > 0 and values[F["neighbours"]] >= 1.0:
        parts.append(f"the sentences around it are worded like your codings (n-gram log-odds {values[F['neighbours']]:+.1f})")
    if values[F["near_rejected"]] >= 0.8:
        parts.append(f"close to an excerpt you rejected ({values[F['near_rejected']]:.2f})")
    signals = {
        "rule": round(float(max(values[F["rule"]], values[F["derived"]])), 3),
        "similarity": round(float(sim), 3),
        "context": round(float(values[F["context"]]), 3),
        "example": round(float(values[F["example"]] + 0.5) if values[F["example"]] else 0.0, 3),
        "model": round(float(values[F["model"]]), 3),
        "near": round(float(values[F["near"]]), 3),
        "ngram": round(float(values[F["ngram"]]), 3),
        "neighbours": round(float(values[F["neighbours"]]), 3),
    }
    return "; ".join(parts), signals


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


__all__ = [
    "DEFAULT_THRESHOLD", "DEFAULT_WEIGHTS", "FEATURES", "SignalMatrix",
    "StudyStats", "base_signals", "combine", "dominant_sources", "explain", "signal_matrix",
]
