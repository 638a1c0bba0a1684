"""The model that learns from one coder's decisions in this study.

What it learns from
    Confirmed and added codings are positives for their theme; rejected suggestions are
    negatives. Because a coder works through a transcript in order, the sentences they have
    already read past (up to their last decision in that transcript) and left uncoded for a theme
    are weaker, implicit negatives for it: without them a model cannot learn what *not* to
    suggest, and with them it learns the study's base rates.

What it is
    Per theme, a ridge (regularised least-squares) classifier on the sentence's static
    embedding and the embedding of the interviewer's question before it, solved in closed form
    for all themes at once; a nearest-coded-excerpt signal (cosine to the closest sentence the
    coder coded with the theme, and to the closest they rejected); and the logistic combiner of
    :mod:`piri_qual.assist.scoring`, refitted on the decisions with its cold-start weights as a
    prior, so a handful of decisions nudges it and hundreds reshape it. The suggestion threshold is
    the one that maximised F1 on held-out folds (grouped by transcript) of the coder's decisions.
    Two habits of the coder are read from the same decisions: how many themes they give one
    sentence (:func:`relative_cutoff`: how close to its sentence's best a theme must score) and
    whether they code whole turns or answers (:func:`codes_whole_units`).

Why not spaCy's ``textcat_multilabel``
    It was the first design. Measured on this machine: it classifies spaCy ``Doc`` objects, and
    turning 60,000 sentences (~900,000 words) into docs (``Span.as_doc``) alone took 6.7 s, nine
    times the tokenising of the same text; ten epochs of its bag-of-words model over 1,000
    decisions took 8.6 s. The closed-form model trains in well under a second on the same
    decisions, predicts with a few matrix products, and learns from a single example through
    the nearest-excerpt signal.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from piri_qual.assist.features import TranscriptFeatures
from piri_qual.assist.ngrams import NgramModel, fit_ngrams, sorted_unique
from piri_qual.assist.scoring import (
    DEFAULT_PRECISION,
    DEFAULT_THRESHOLD,
    FEATURES,
    F,
    StudyStats,
    combine,
    default_weights,
    signal_matrix,
)
from piri_qual.assist.similarity import ThemeVectors
from piri_qual.core.cache import content_key, load_arrays, save_arrays

LEARNER_VERSION = 8  # 3: per-theme cut-offs aimed at a precision; 4: n-gram model; 5: thirds; 6: relative cut-off;
# 7: the neighbouring sentences' n-gram signal; 8: whole units
NGRAM_ARRAYS = ("vocab", "idf", "coef", "intercept", "learned")
RIDGE_LAMBDA = 30.0
MAX_ROWS = 20_000
MAX_PAIRS = 300_000  # (sentence, theme) pairs the combiner is fitted on
MAX_BANK = 40  # coded / rejected sentences kept per theme for the nearest-excerpt signal ...
MAX_BANK_TOTAL = 320  # ... and over all themes, which bounds the cost of scoring a large study
MIN_POSITIVES_TO_FIT = 50
PRIOR_STRENGTH = 1.0
THRESHOLD_SHRINK = 20.0  # positives' worth of belief in the default threshold
BASE_RATE = 0.02


@dataclass
class Decisions:
    """One coder's decisions as spans, with themes as codebook indices."""

    codings: dict[str, list[tuple[int, int, int, str]]] = field(default_factory=dict)
    rejections: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    reviewed: dict[str, int] = field(default_factory=dict)  # transcript -> read up to offset
    count: int = 0

    def fingerprint(self) -> str:
        return content_key(self.codings, self.rejections, self.reviewed)


@dataclass
class Examples:
    """The codebook's example quotes as vectors: what a coded excerpt of each theme looks like.

    They give the ``example`` signal (closeness to the nearest example of the theme), so a theme
    with examples is recognised by its closest example from the start, not only by its average.
    """

    vectors: np.ndarray  # (e, d) unit rows
    themes: np.ndarray  # (e,) codebook index
    texts: list[str]

    @classmethod
    def none(cls, dims: int = 0) -> Examples:
        return cls(np.zeros((0, dims), np.float32), np.zeros(0, np.int64), [])


@dataclass
class LearnerInfo:
    """What the last training saw and produced (shown by the CLI and the TUI)."""

    coder: str
    version: str
    decisions: int
    positives: int
    rejections: int
    sentences: int
    themes_learned: int
    combiner: str
    threshold: float
    seconds: float
    trained_at: str
    precision_target: float | None = None  # what the per-theme cut-offs aim at
    precision_aimed: bool | None = None  # False: not reachable at half the best-F1 recall; best-F1 cut-offs
    expected_precision: float | None = None  # at the cut-offs, on held-out folds of the decisions
    relative_cutoff: float | None = None  # a theme is shown only at this share of its sentence's best score
    whole_units: bool | None = None  # suggestions cover whole turns or answers, as the coder's excerpts do

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def settled(self) -> dict[str, Any]:
        """What was learned, without the clock readings (``seconds``, ``trained_at``): the same
        decisions give the same dictionary."""
        return {k: v for k, v in self.as_dict().items() if k not in ("seconds", "trained_at")}


def overlaps(spans: np.ndarray, start: int, end: int) -> np.ndarray:
    """Sentences that share at least half of the shorter of (sentence, coding)."""
    inter = np.minimum(spans[:, 1], end) - np.maximum(spans[:, 0], start)
    shorter = np.minimum(spans[:, 1] - spans[:, 0], end - start)
    return (inter > 0) & (inter * 2 >= shorter)


@dataclass
class Labelled:
    """One transcript's candidate sentences with labels: 1 coded, 0 not, -1 unknown."""

    feats: TranscriptFeatures
    rows: np.ndarray
    labels: np.ndarray  # (n, T) int8
    explicit: np.ndarray  # (n, T) bool: rejected by the coder
    # how many of the transcript's sentences each row stands for: None when every sentence was
    # kept; 1 / rate for an implicit negative kept by :func:`training_sample` at ``rate``
    weight: np.ndarray | None = None

    def row_weights(self) -> np.ndarray:
        return np.ones(len(self.rows)) if self.weight is None else self.weight

    def part(self, keep: np.ndarray) -> Labelled:
        """The rows where ``keep`` is true, with their weights."""
        return Labelled(self.feats, self.rows[keep], self.labels[keep], self.explicit[keep],
                        None if self.weight is None else self.weight[keep])


def label_transcript(feats: TranscriptFeatures, decisions: Decisions, n_themes: int) -> Labelled | None:
    tid = feats.transcript
    codings = decisions.codings.get(tid, [])
    rejections = decisions.rejections.get(tid, [])
    if not codings and not rejections:
        return None
    rows = feats.candidates
    spans = feats.sentences[rows]
    labels = np.full((len(rows), n_themes), -1, np.int8)
    reviewed = decisions.reviewed.get(tid, 0)
    labels[spans[:, 1] <= reviewed] = 0
    explicit = np.zeros((len(rows), n_themes), bool)
    for start, end, theme in rejections:
        hit = overlaps(spans, start, end)
        labels[hit, theme] = 0
        explicit[hit, theme] = True
    for start, end, theme, _ in codings:
        labels[overlaps(spans, start, end), theme] = 1
    keep = (labels >= 0).any(1)
    return Labelled(feats, rows[keep], labels[keep], explicit[keep])


@dataclass
class Learner:
    """A trained model: ridge weights, banks of coded/rejected sentences, combiner weights."""

    ridge: np.ndarray | None  # (2d + 1, T)
    bank: np.ndarray  # (P, d) coded sentence vectors
    bank_theme: np.ndarray  # (P,)
    bank_refs: list[str]
    rejected: np.ndarray  # (R, d)
    rejected_theme: np.ndarray  # (R,)
    has_codings: np.ndarray  # (T,) bool
    prior: np.ndarray  # (T,)
    weights: np.ndarray  # (K,)
    threshold: float
    unit_rate: float | None = None  # share of the coder's read units (turns, answers) they coded
    thresholds: np.ndarray | None = None  # (T,) per-theme cut-offs; None: ``threshold`` for all
    relative: float = 0.0  # a theme is chosen only at this share of its sentence's best probability
    whole_units: bool = False  # a suggestion covers its whole turn or answer (the coder's excerpts do)
    ngrams: NgramModel | None = None  # logistic regression over word 1-2-grams
    lex_vocab: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))  # sorted NORM hashes
    lex_weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), np.float32))  # (T, V + 1)
    info: LearnerInfo | None = None
    _slices: dict[int, tuple[int, int]] | None = field(default=None, repr=False)
    _version: str | None = field(default=None, repr=False)

    def fill(
        self, values: np.ndarray, v: np.ndarray, ctx: np.ndarray, norms: np.ndarray, counts: np.ndarray
    ) -> None:
        """Write the model signals into ``values`` (sentences, themes, K).

        ``norms``/``counts``: the sentences' word keys, flattened, and how many each has.
        """
        n = len(v)
        if self.ridge is not None and n:
            x = np.hstack([v, ctx, np.ones((n, 1), np.float32)])
            values[:, :, F["model"]] = x @ self.ridge
        if len(self.lex_vocab) and n:
            values[:, :, F["lexical"]] = np.clip(lexical_scores(self.lex_vocab, self.lex_weights, norms, counts), -8, 8)
        if self.ngrams is not None and len(self.ngrams.vocab) and n:
            values[:, :, F["ngram"]] = np.clip(self.ngrams.scores(norms, counts), -8, 8)
        values[:, :, F["has_codings"]] = self.has_codings[None, :]
        values[:, :, F["prior"]] = self.prior[None, :]
        if n:
            _nearest(values, v, self.bank, self.bank_theme, F["near"])
            _nearest(values, v, self.rejected, self.rejected_theme, F["near_rejected"])

    def cutoffs(self, n_themes: int) -> np.ndarray:
        """The per-theme suggestion cut-offs (the global threshold where none was calibrated)."""
        if self.thresholds is not None and len(self.thresholds) == n_themes:
            return self.thresholds.astype(np.float32)
        return np.full(n_themes, self.threshold, np.float32)

    def nearest_ref(self, vector: np.ndarray, theme: int) -> str | None:
        """``transcript:start-end`` of the coded sentence closest to ``vector`` for ``theme``."""
        if self._slices is None:
            themes, first = np.unique(self.bank_theme, return_index=True)
            last = np.r_[first[1:], len(self.bank_theme)]
            self._slices = {int(t): (int(a), int(b)) for t, a, b in zip(themes, first, last, strict=True)}
        if theme not in self._slices:
            return None
        a, b = self._slices[theme]
        return self.bank_refs[a + int(np.argmax(self.bank[a:b] @ vector))]

    def arrays(self) -> dict[str, np.ndarray]:
        d = self.bank.shape[1] if self.bank.size else 0
        return {
            "ridge": self.ridge if self.ridge is not None else np.zeros((0, 0), np.float32),
            "bank": self.bank,
            "bank_theme": self.bank_theme,
            "rejected": self.rejected.reshape(-1, d) if d else self.rejected,
            "rejected_theme": self.rejected_theme,
            "has_codings": self.has_codings,
            "prior": self.prior,
            "weights": self.weights,
            "lex_vocab": self.lex_vocab,
            "lex_weights": self.lex_weights,
            "thresholds": self.thresholds if self.thresholds is not None else np.zeros(0, np.float32),
            **{f"ngram_{k}": v for k, v in asdict(self.ngrams or NgramModel.empty(len(self.prior))).items()},
        }

    def version(self) -> str:
        """A short hash of everything the model predicts with (part of the suggestion cache key)."""
        if self._version is None:
            self._version = self._hash()
        return self._version

    def _hash(self) -> str:
        import hashlib

        digest = hashlib.sha256(repr((self.threshold, self.relative, self.whole_units)).encode())
        for name, array in self.arrays().items():
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]

    def save(self, path: Path, key: str) -> None:
        meta = {
            "threshold": self.threshold,
            "relative": self.relative,
            "whole_units": self.whole_units,
            "unit_rate": self.unit_rate,
            "refs": self.bank_refs,
            "info": self.info.as_dict() if self.info else None,
        }
        save_arrays(path, key, self.arrays(), meta)

    @classmethod
    def load(cls, path: Path, key: str) -> Learner | None:
        found = load_arrays(path, key)
        if found is None:
            return None
        a, meta = found
        info = LearnerInfo(**meta["info"]) if meta.get("info") else None
        return cls(
            ridge=a["ridge"] if a["ridge"].size else None,
            bank=a["bank"],
            bank_theme=a["bank_theme"],
            bank_refs=list(meta["refs"]),
            rejected=a["rejected"],
            rejected_theme=a["rejected_theme"],
            has_codings=a["has_codings"],
            prior=a["prior"],
            weights=a["weights"],
            threshold=float(meta["threshold"]),
            unit_rate=meta.get("unit_rate"),
            relative=float(meta.get("relative") or 0.0),
            whole_units=bool(meta.get("whole_units")),
            lex_vocab=a["lex_vocab"],
            lex_weights=a["lex_weights"],
            thresholds=a["thresholds"] if "thresholds" in a and a["thresholds"].size else None,
            ngrams=NgramModel(**{k: a[f"ngram_{k}"] for k in NGRAM_ARRAYS}) if "ngram_vocab" in a else None,
            info=info,
        )


def _nearest(values: np.ndarray, v: np.ndarray, bank: np.ndarray, bank_theme: np.ndarray, column: int) -> None:
    """Max cosine of each sentence to the bank's sentences of each theme (bank sorted by theme)."""
    if not len(bank):
        return
    themes, first = np.unique(bank_theme, return_index=True)
    best = np.maximum.reduceat(v @ bank.T, first, axis=1)
    values[:, themes, column] = np.maximum(best, 0.0)


def lexical_scores(vocab: np.ndarray, weights_t: np.ndarray, norms: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sum of each sentence's word weights per theme: (sentences, themes).

    ``weights_t`` is (themes, len(vocab) + 1) with a zero last column for unknown words; one
    such zero is put at the head of every sentence so that empty sentences sum to zero.
    """
    pos = np.searchsorted(vocab, norms)
    pos[pos >= len(vocab)] = 0
    idx = np.where(vocab[pos] == norms, pos, len(vocab)) if len(vocab) else np.zeros(len(norms), np.int64)
    starts = np.r_[0, np.cumsum(counts + 1)[:-1]].astype(np.int64)
    full = np.full(len(idx) + len(counts), len(vocab), np.int64)
    body = np.ones(len(full), bool)
    body[starts] = False
    full[body] = idx
    return np.add.reduceat(np.take(weights_t, full, axis=1), starts, axis=1).T


def fit_lexicon(norms: np.ndarray, counts: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Naive-Bayes log-odds of word presence for each theme (Bernoulli, add-one smoothing).

    Words seen in fewer than two labelled sentences are left out: one sentence cannot tell a
    theme's word from a coincidence.
    """
    n_rows, n_themes = y.shape
    if not len(norms):
        return np.zeros(0, np.uint64), np.zeros((n_themes, 1), np.float32)
    row = np.repeat(np.arange(n_rows), counts)
    vocab, term = np.unique(norms, return_inverse=True)
    pairs = sorted_unique(row.astype(np.int64) * len(vocab) + term)
    p_row, p_term = pairs // len(vocab), pairs % len(vocab)
    df = np.bincount(p_term, minlength=len(vocab))
    keep = df >= 2
    weights = np.zeros((n_themes, len(vocab)), np.float32)
    for theme in range(n_themes):
        pos_rows = y[:, theme] == 1
        neg_rows = y[:, theme] == 0
        n_pos, n_neg = int(pos_rows.sum()), int(neg_rows.sum())
        if not n_pos or not n_neg:
            continue
        pos = np.bincount(p_term[pos_rows[p_row]], minlength=len(vocab))
        neg = np.bincount(p_term[neg_rows[p_row]], minlength=len(vocab))
        weights[theme] = np.log((pos + 1.0) / (n_pos + 2.0)) - np.log((neg + 1.0) / (n_neg + 2.0))
    weights[:, ~keep] = 0.0
    used = keep & (np.abs(weights).max(0) > 0)
    table = np.hstack([weights[:, used], np.zeros((n_themes, 1), np.float32)])
    return vocab[used], table.astype(np.float32)


def cold_learner(n_themes: int) -> Learner:
    """The untrained state: rules and similarity (and the codebook's examples), default weights."""
    return Learner(
        ridge=None,
        bank=np.zeros((0, 0), np.float32),
        bank_theme=np.zeros(0, np.int64),
        bank_refs=[],
        rejected=np.zeros((0, 0), np.float32),
        rejected_theme=np.zeros(0, np.int64),
        has_codings=np.zeros(n_themes, np.float32),
        prior=np.zeros(n_themes, np.float32),
        weights=default_weights(n_themes),
        threshold=DEFAULT_THRESHOLD,
    )


@dataclass
class _Design:
    v: np.ndarray
    ctx: np.ndarray
    y: np.ndarray
    explicit: np.ndarray
    norms: np.ndarray
    counts: np.ndarray
    w: np.ndarray | None = None  # row weights (see Labelled.weight); None: every row counts once


def _design(items: list[Labelled]) -> _Design:
    tokens = [it.feats.token_norms(it.rows) for it in items]
    sampled = any(it.weight is not None for it in items)
    return _Design(
        v=np.vstack([it.feats.sentence_vectors(it.rows) for it in items]),
        ctx=np.vstack([it.feats.context_vectors(it.rows) for it in items]),
        y=np.vstack([it.labels for it in items]),
        explicit=np.vstack([it.explicit for it in items]),
        norms=np.concatenate([t[0] for t in tokens]),
        counts=np.concatenate([t[1] for t in tokens]),
        w=np.concatenate([it.row_weights() for it in items]) if sampled else None,
    )


def _unit_rate(items: list[Labelled]) -> float | None:
    """The share of units (turns, answers) with a read sentence that got at least one coding."""
    coded = total = 0
    for it in items:
        units = it.feats.sentence_unit[it.rows]
        if not len(units):
            continue
        has = np.zeros(int(units.max()) + 1, bool)
        seen = np.zeros_like(has)
        seen[units] = True
        has[units[(it.labels == 1).any(1)]] = True
        coded += int(has.sum())
        total += int(seen.sum())
    return coded / total if total >= 10 else None


WHOLE_UNIT_SHARE = 0.5  # most of the coder's excerpts in turns of two or more sentences cover the turn
MIN_SHAPED = 10  # coded (turn, theme) pairs in turns of two or more sentences before the shape is judged


def codes_whole_units(items: list[Labelled]) -> bool:
    """Does this coder code whole turns or answers? Over the (unit, theme) pairs the coder coded
    in units of two or more read sentences, the share whose coding covers every sentence of the
    unit, against :data:`WHOLE_UNIT_SHARE`; no, until there are :data:`MIN_SHAPED` such pairs
    (as with the unit rate, a handful of codings says little about a practice).

    Why: a researcher who codes whole answers (a survey, a comment, an interview answer to one
    question) accepts a suggestion of one sentence and then has to widen it; suggesting the
    answer saves that edit and is one decision instead of several. Whether a coder works that
    way is in their own codings, so it is learned, not set.
    """
    whole = coded = 0
    for it in items:
        units = it.feats.sentence_unit[it.rows]
        _, inverse, size = np.unique(units, return_inverse=True, return_counts=True)
        positives = np.zeros((len(size), it.labels.shape[1]), np.int64)
        np.add.at(positives, inverse, (it.labels == 1).astype(np.int64))
        multi = (size >= 2)[:, None] & (positives > 0)
        coded += int(multi.sum())
        whole += int((multi & (positives == size[:, None])).sum())
    return coded >= MIN_SHAPED and whole / coded >= WHOLE_UNIT_SHARE


def _refs(items: list[Labelled]) -> list[str]:
    """``transcript:start-end`` of each row, so a reason can quote the nearest coded sentence."""
    out: list[str] = []
    for it in items:
        out.extend(f"{it.feats.transcript}:{a}-{b}" for a, b in it.feats.sentences[it.rows])
    return out


def _fit_parts(d: _Design, refs: list[str], n_themes: int) -> Learner:
    """Ridge weights, lexicon, banks and base rates from labelled sentences (default combiner)."""
    v, ctx, y, explicit = d.v, d.ctx, d.y, d.explicit
    known = y >= 0
    pos = y == 1
    x = np.hstack([v, ctx, np.ones((len(v), 1), np.float32)]).astype(np.float64)
    ridge = None
    if pos.any():
        target = np.where(pos, 1.0, 0.0)
        weighted = x if d.w is None else x * d.w[:, None]  # a sampled negative counts as those it stands for
        gram = x.T @ weighted + RIDGE_LAMBDA * np.eye(x.shape[1])
        gram[-1, -1] -= RIDGE_LAMBDA  # do not shrink the intercept
        ridge = np.linalg.solve(gram, weighted.T @ target).astype(np.float32)
        ridge[:, ~pos.any(0)] = 0.0
    rng = np.random.default_rng(0)
    per_theme = max(8, min(MAX_BANK, MAX_BANK_TOTAL // max(1, int(pos.any(0).sum()))))
    bank_rows, bank_theme = [], []
    rej_rows, rej_theme = [], []
    for theme in range(n_themes):
        rows = np.nonzero(pos[:, theme])[0]
        if len(rows) > per_theme:
            rows = np.sort(rows[exemplars(v[rows], per_theme, rng)])
        bank_rows.extend(rows.tolist())
        bank_theme.extend([theme] * len(rows))
        rows = np.nonzero(explicit[:, theme] & ~pos[:, theme])[0]
        if len(rows) > per_theme:
            rows = np.sort(rows[exemplars(v[rows], per_theme, rng)])
        rej_rows.extend(rows.tolist())
        rej_theme.extend([theme] * len(rows))
    n_pos = pos.sum(0)
    n_known = known.sum(0) if d.w is None else (known * d.w[:, None]).sum(0)
    rate = (n_pos + BASE_RATE * 10) / (n_known + 10)
    prior = (np.log(rate) - np.log(BASE_RATE)).astype(np.float32)
    lex_vocab, lex_weights = fit_lexicon(d.norms, d.counts, y)
    ngrams = fit_ngrams(d.norms, d.counts, y)
    return Learner(
        ridge=ridge,
        bank=v[bank_rows].astype(np.float32),
        bank_theme=np.array(bank_theme, np.int64),
        bank_refs=[refs[i] for i in bank_rows],
        rejected=v[rej_rows].astype(np.float32),
        rejected_theme=np.array(rej_theme, np.int64),
        has_codings=(n_pos > 0).astype(np.float32),
        prior=prior,
        weights=default_weights(n_themes),
        threshold=DEFAULT_THRESHOLD,
        lex_vocab=lex_vocab,
        lex_weights=lex_weights,
        ngrams=ngrams,
    )


def exemplars(vectors: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 5) -> np.ndarray:
    """Indices of at most ``k`` representative rows of ``vectors`` (unit length).

    Spherical k-means for a few rounds, then the member nearest each centre, so the kept rows
    are real coded sentences (their text can be quoted in a reason) that cover the theme's range.
    """
    if len(vectors) <= k:
        return np.arange(len(vectors))
    centres = vectors[rng.choice(len(vectors), k, replace=False)].astype(np.float32)
    for _ in range(rounds):
        assign = (vectors @ centres.T).argmax(1)
        for c in range(k):
            members = vectors[assign == c]
            if len(members):
                total = members.sum(0)
                centres[c] = total / max(float(np.linalg.norm(total)), 1e-9)
    return np.unique((vectors @ centres.T).argmax(0))


def _subsample(items: list[Labelled], limit: int) -> list[Labelled]:
    """Keep every sentence with a coding or rejection, and a sample of the implicit negatives."""
    total = sum(len(it.rows) for it in items)
    if total <= limit:
        return items
    informative = sum(int(((it.labels == 1) | it.explicit).any(1).sum()) for it in items)
    rate = max(0.0, (limit - informative) / max(total - informative, 1))
    rng = np.random.default_rng(1)
    out = []
    for it in items:
        informs = ((it.labels == 1) | it.explicit).any(1)
        keep = informs | (rng.random(len(it.rows)) < rate)
        weight = it.row_weights() * np.where(informs, 1.0, 1.0 / rate if rate > 0 else 1.0)
        out.append(Labelled(it.feats, it.rows[keep], it.labels[keep], it.explicit[keep], weight[keep]))
    return out


def training_sample(labelled: list[Labelled]) -> list[Labelled]:
    """The labelled sentences :func:`train` fits on: every coded or rejected sentence, and a
    seeded sample of the implicit negatives beyond :data:`MAX_ROWS` rows (so a retrain's cost is
    bounded however much has been coded). ``piri-qual evaluate`` gives its baseline the same."""
    return _subsample([it for it in labelled if len(it.rows)], MAX_ROWS)


def train(
    labelled: list[Labelled],
    prototypes: ThemeVectors,
    stats: StudyStats,
    coder: str,
    decisions: int,
    examples: Examples | None = None,
    precision: float = DEFAULT_PRECISION,
) -> Learner:
    """Fit the learner on labelled transcripts; the combiner is refitted once there is enough.

    With a fitted combiner, each theme's cut-off is the lowest at which its out-of-fold
    suggestions were right ``precision`` of the time (shrunk towards the cut-off that does so
    for all themes pooled, by how many positives the theme has), so by default a suggestion is
    shown only when it is more likely right than wrong enough to be worth a decision.
    """
    started = time.perf_counter()
    n_themes = len(prototypes)
    items = training_sample(labelled)
    if not items:
        learner = cold_learner(n_themes)
        learner.info = _info(learner, coder, decisions, 0, 0, 0, "cold start", started)
        return learner
    design = _design(items)
    learner = _fit_parts(design, _refs(items), n_themes)
    learner.unit_rate = _unit_rate([it for it in labelled if len(it.rows)])  # every sentence, not the sample
    learner.whole_units = codes_whole_units([it for it in labelled if len(it.rows)])
    y, explicit, v = design.y, design.explicit, design.v
    n_pos = int((y == 1).sum())
    combiner = "default weights"
    if n_pos >= MIN_POSITIVES_TO_FIT:
        oof = _out_of_fold(items, prototypes, stats, n_themes, examples)
        labels, weights, themes = oof.labels, oof.weights, oof.themes
        learner.weights = fit_combiner(oof.values, labels, weights, default_weights(n_themes))
        every = combine(oof.every, learner.weights).reshape(-1, n_themes)
        learner.relative = relative_cutoff(every, oof.every_labels.reshape(-1, n_themes),
                                           oof.every_weights.reshape(-1, n_themes))
        probs = relative_filter(every, learner.relative).reshape(-1)[oof.index].astype(np.float64)
        fitted = best_threshold(probs, labels, weights)
        learner.threshold = (n_pos * fitted + THRESHOLD_SHRINK * DEFAULT_THRESHOLD) / (n_pos + THRESHOLD_SHRINK)
        learner.thresholds, aimed = theme_thresholds(
            probs, labels, weights, themes, n_themes, precision, learner.threshold
        )
        shown = probs >= learner.thresholds[themes]
        learner.info = _info(learner, coder, decisions, n_pos, int(explicit.sum()), len(v), "fitted", started)
        learner.info.precision_target = precision
        learner.info.precision_aimed = aimed
        learner.info.expected_precision = round(_precision_at(shown.astype(np.float64), labels, weights, 0.5), 3)
        learner.info.relative_cutoff = learner.relative
        learner.info.whole_units = learner.whole_units
        return learner
    learner.info = _info(learner, coder, decisions, n_pos, int(explicit.sum()), len(v), combiner, started)
    learner.info.whole_units = learner.whole_units
    return learner


def _info(learner: Learner, coder: str, decisions: int, pos: int, rej: int, rows: int, combiner: str, started: float) -> LearnerInfo:
    return LearnerInfo(
        coder=coder,
        version=learner.version(),
        decisions=decisions,
        positives=pos,
        rejections=rej,
        sentences=rows,
        themes_learned=int(learner.has_codings.sum()),
        combiner=combiner,
        threshold=round(float(learner.threshold), 3),
        seconds=round(time.perf_counter() - started, 3),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _folds(items: list[Labelled]) -> list[list[int]]:
    """Group folds by transcript (predicting a new transcript is the real task)."""
    k = min(4, len(items))
    if k >= 2:
        return [list(range(i, len(items), k)) for i in range(k)]
    return []


@dataclass
class OutOfFold:
    """Combiner inputs with model signals from other folds (:func:`_out_of_fold`).

    ``values``/``labels``/``weights``/``themes``: the labelled (sentence, theme) pairs the
    combiner is fitted on (negatives sampled beyond :data:`MAX_PAIRS`, weighted to stay
    calibrated); ``index``: each such pair's position in ``every``, the (sentences x themes, K)
    inputs of every theme for every labelled sentence, whose labels and row weights are
    ``every_labels`` and ``every_weights`` (a sentence's best theme needs all its themes).
    """

    values: np.ndarray
    labels: np.ndarray
    weights: np.ndarray
    themes: np.ndarray
    index: np.ndarray
    every: np.ndarray
    every_labels: np.ndarray
    every_weights: np.ndarray


def _out_of_fold(
    items: list[Labelled], prototypes: ThemeVectors, stats: StudyStats, n_themes: int, examples: Examples | None
) -> OutOfFold:
    """Combiner inputs for every labelled (sentence, theme), with model signals from other folds."""
    folds = _folds(items)
    if not folds:
        # One transcript: its first, middle and last thirds are the folds. Alternating blocks of
        # five sentences leaked (a long excerpt's sentences fell in every fold, so the model's
        # signals looked better than they are on a new transcript): measured on the PDPilot
        # interviews, macro-F1 0.166 with blocks against 0.205 with thirds.
        only = items[0]
        blocks = (np.arange(len(only.rows)) * 3) // max(len(only.rows), 1)
        items = [only.part(blocks == b) for b in range(3)]
        items = [it for it in items if len(it.rows)]
        folds = [[i] for i in range(len(items))]
    values_parts, label_parts, weight_parts = [], [], []
    for fold in folds:
        rest = [it for i, it in enumerate(items) if i not in fold]
        if not rest:
            continue
        design = _design(rest)
        partial = _fit_parts(design, [""] * len(design.v), n_themes)
        for i in fold:
            it = items[i]
            sm = signal_matrix(it.feats, prototypes, stats, partial, rows=it.rows, examples=examples)
            values_parts.append(sm.values)
            label_parts.append(it.labels)
            weight_parts.append(it.weight)
    values = np.concatenate(values_parts).reshape(-1, len(FEATURES))
    labels = np.concatenate(label_parts).reshape(-1)
    themes = np.tile(np.arange(n_themes), len(labels) // max(n_themes, 1))
    known = np.nonzero(labels >= 0)[0]
    # a sampled implicit negative (training_sample) stands for 1 / rate sentences
    rows = [np.ones(len(parts)) if w is None else w for parts, w in zip(label_parts, weight_parts, strict=True)]
    every_weights = np.repeat(np.concatenate(rows), n_themes)
    weights = every_weights[known]
    negatives = labels[known] == 0
    if len(known) > MAX_PAIRS:  # keep every positive; sample negatives, weighted to stay calibrated
        rate = max(1e-3, (MAX_PAIRS - (~negatives).sum()) / max(int(negatives.sum()), 1))
        keep = ~negatives | (np.random.default_rng(2).random(len(known)) < rate)
        known, weights = known[keep], weights[keep] * np.where(negatives[keep], 1.0 / rate, 1.0)
    return OutOfFold(values[known].astype(np.float64), labels[known].astype(np.float64), weights, themes[known],
                     known, values, labels, every_weights)


def fit_combiner(
    values: np.ndarray, labels: np.ndarray, weights: np.ndarray, prior: np.ndarray, iterations: int = 30
) -> np.ndarray:
    """Logistic regression with a Gaussian prior at the default weights (damped Newton steps).

    The prior keeps a few decisions from swinging the weights and makes the problem well posed
    when the coder's decisions are perfectly separable, which small studies often are.
    """
    prior = prior.astype(np.float64)

    def objective(beta: np.ndarray) -> float:
        z = values @ beta
        loss = np.sum(weights * (np.logaddexp(0.0, z) - labels * z))
        return float(loss + 0.5 * PRIOR_STRENGTH * np.sum((beta - prior) ** 2))

    beta = prior.copy()
    current = objective(beta)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(values @ beta, -30, 30)))
        grad = values.T @ (weights * (p - labels)) + PRIOR_STRENGTH * (beta - prior)
        hess = (values * (weights * p * (1 - p))[:, None]).T @ values + PRIOR_STRENGTH * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        while scale > 1e-4:
            candidate = beta - scale * step
            value = objective(candidate)
            if value <= current:
                break
            scale /= 2
        else:
            break
        beta, improvement, current = candidate, current - value, value
        if improvement < 1e-7 * max(1.0, abs(current)):
            break
    return beta


def best_threshold(probs: np.ndarray, labels: np.ndarray, weights: np.ndarray, actual: float | None = None) -> float:
    """The probability cut-off with the best F1 on these labels (kept within 0.05-0.9).

    ``actual``: the weighted positives, when ``probs`` holds only the pairs that a cut-off of
    0.05 or more could show (the rest can only be missed)."""
    order = np.argsort(-probs)
    p_sorted = probs[order]
    y = labels[order] * weights[order]
    w = weights[order]
    tp = np.cumsum(y)
    predicted = np.cumsum(w)
    actual = float(y.sum()) if actual is None else actual
    if actual <= 0:
        return DEFAULT_THRESHOLD
    f1 = 2 * tp / (predicted + actual)
    valid = (p_sorted >= 0.05) & (p_sorted <= 0.9)
    if not valid.any():
        return DEFAULT_THRESHOLD
    best = int(np.argmax(np.where(valid, f1, -1)))
    return float(p_sorted[best])


RELATIVE_GRID = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def relative_filter(probs: np.ndarray, relative: float) -> np.ndarray:
    """(sentences, themes) probabilities with every theme below ``relative`` times its
    sentence's best probability set to zero (never chosen); ``relative = 0`` keeps them all."""
    if relative <= 0 or not probs.size:
        return probs
    return np.where(probs >= relative * probs.max(1, keepdims=True), probs, 0.0).astype(probs.dtype)


def relative_cutoff(probs: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """How much a theme must score against its sentence's best theme to be suggested, learned
    from the coder's practice on held-out folds.

    Why: each theme's probability is judged on its own, so where the codebook has near
    neighbours (``pending top up``, ``top up failed``) a sentence often clears the cut-off for
    two or three of them. A coder who gives a sentence one code shows that only the strongest
    is worth a decision; a coder who applies several codes to one passage shows the opposite.
    So the share is the one of :data:`RELATIVE_GRID` whose suggestions, each at its own best-F1
    cut-off, had the best F1 on the out-of-fold (sentence, theme) pairs (``labels`` 1 / 0,
    -1 unknown), the smallest on a tie; 0 where nothing is gained. Measured in
    docs/suggestions.md: on single-code data it is what lifted precision without losing recall,
    on multi-code passages it stays 0.
    """
    known = labels >= 0
    if not known.any() or not (labels[known] == 1).any():
        return 0.0
    y, w = labels[known].astype(np.float64), weights[known].astype(np.float64)
    actual = float((y * w).sum())
    best, best_f1 = 0.0, -1.0
    for share in RELATIVE_GRID:
        kept = relative_filter(probs, share)[known].astype(np.float64)
        showable = kept >= 0.05  # no cut-off is lower (best_threshold): the rest are misses
        kept, yk, wk = kept[showable], y[showable], w[showable]
        f1 = _f1_at(kept, yk, wk, best_threshold(kept, yk, wk, actual), actual)
        if f1 > best_f1 + 1e-9:
            best, best_f1 = share, f1
    return best


def _f1_at(probs: np.ndarray, labels: np.ndarray, weights: np.ndarray, cut: float, actual: float) -> float:
    shown = probs >= cut
    tp = float((labels * weights)[shown].sum())
    denominator = float(weights[shown].sum()) + actual
    return 2 * tp / denominator if denominator else 0.0


Z_ONE_SIDED = 1.645  # 95% one-sided: precision is claimed only where its lower bound reaches it


def wilson_lower(right: np.ndarray, shown: np.ndarray, z: float = Z_ONE_SIDED) -> np.ndarray:
    """Wilson's (1927) lower confidence bound of a proportion ``right / shown``."""
    n = np.maximum(shown, 1e-12)
    p = right / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(np.maximum(p * (1 - p) / n + z * z / (4 * n * n), 0.0))
    return (centre - spread) / (1 + z * z / n)


def precision_cutoff(probs: np.ndarray, labels: np.ndarray, weights: np.ndarray, target: float,
                     z: float = Z_ONE_SIDED) -> float | None:
    """The lowest cut-off whose suggestions (probability at or above it) are right at least
    ``target`` of the time, by the Wilson lower bound of their precision (so a cut-off chosen
    among many on a few decisions does not promise what held-out transcripts will not keep);
    None when no cut-off within 0.05-0.95 reaches it. ``z = 0`` uses the plain proportion."""
    order = np.argsort(-probs, kind="stable")
    p_sorted = probs[order]
    w = weights[order]
    tp = np.cumsum(labels[order] * w)
    shown = np.cumsum(w)
    precision = wilson_lower(tp, shown, z) if z > 0 else tp / np.maximum(shown, 1e-12)
    last_of_tie = np.r_[p_sorted[1:] != p_sorted[:-1], True]  # a cut keeps every tied score
    ok = (precision >= target) & last_of_tie & (p_sorted >= 0.05) & (p_sorted <= 0.95)
    if not ok.any():
        return None
    return float(p_sorted[np.nonzero(ok)[0][-1]])


def _recall_at(probs: np.ndarray, labels: np.ndarray, weights: np.ndarray, cut: float) -> float:
    positives = float((labels * weights).sum())
    return float((labels * weights)[probs >= cut].sum()) / positives if positives else 0.0


def _precision_at(probs: np.ndarray, labels: np.ndarray, weights: np.ndarray, cut: float) -> float:
    shown = probs >= cut
    total = float(weights[shown].sum())
    return float((labels * weights)[shown].sum()) / total if total else 0.0


THEME_SHRINK = 10.0  # positives' worth of belief in the pooled cut-off for a theme's own
RECALL_KEPT = 0.5  # the precision target may cost at most half of what the best-F1 cut-off finds


def aimed_cutoff(probs: np.ndarray, labels: np.ndarray, weights: np.ndarray, target: float,
                 f1_cut: float, z: float = Z_ONE_SIDED) -> float | None:
    """The cut-off aimed at ``target`` precision: the lowest that reaches it, if that still
    finds at least half of what the best-F1 cut-off ``f1_cut`` finds; otherwise None."""
    cut = precision_cutoff(probs, labels, weights, target, z)
    if cut is None:
        return None
    if _recall_at(probs, labels, weights, cut) < RECALL_KEPT * _recall_at(probs, labels, weights, f1_cut):
        return None
    return cut


def theme_thresholds(
    probs: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    themes: np.ndarray,
    n_themes: int,
    target: float,
    fallback: float,
) -> tuple[np.ndarray, bool]:
    """Per-theme cut-offs aimed at ``target`` precision on out-of-fold decisions, and whether
    the target could be aimed at.

    Pooled over all themes, the cut-off is the lowest whose suggestions were right ``target``
    of the time, unless reaching it would give up more than half of what the best-F1 cut-off
    (``fallback``) finds: then precision cannot be had at a price worth paying on these
    decisions, and ``fallback`` stands for every theme (per-theme best-F1 cut-offs measured
    worse than one shared cut-off on four of the six development sets). Where the target is
    reached, a theme's own cut-off (chosen the same way on its own pairs) moves the pooled one,
    in log-odds, by weight n / (n + 10) for a theme with n positives, so a theme with few
    decisions follows the pooled cut-off.
    """
    pooled = aimed_cutoff(probs, labels, weights, target, fallback)
    if pooled is None:
        return np.full(n_themes, fallback, np.float32), False
    base = _logit(pooled)
    out = np.full(n_themes, base, np.float64)
    for theme in range(n_themes):
        mine = themes == theme
        n_pos = float((labels[mine] * weights[mine]).sum())
        if n_pos < 1:
            continue
        own_f1 = best_threshold(probs[mine], labels[mine], weights[mine])
        own = aimed_cutoff(probs[mine], labels[mine], weights[mine], target, own_f1)
        if own is None:
            continue
        share = n_pos / (n_pos + THEME_SHRINK)
        out[theme] = share * _logit(own) + (1 - share) * base
    return (1.0 / (1.0 + np.exp(-out))).astype(np.float32), True


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))
