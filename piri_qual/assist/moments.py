"""The study's similarity statistics, accumulated one transcript at a time.

Why: scoring standardises each sentence's similarity to a theme by that theme's mean and spread
over every candidate sentence of the study (:class:`~piri_qual.assist.scoring.StudyStats`).
Computing them by stacking every transcript's similarities held the whole study in memory; here
each transcript contributes its count, per-theme means and sums of squared deviations
(:class:`Moments`, a few hundred bytes, cached beside its features), and the contributions are
merged in transcript order (Chan et al.'s pairwise update), so the statistics cost constant
memory and come out the same whichever process computed which transcript. The result is the
shrunken mean and standard deviation of ``scoring._robust`` (tests hold the two together).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from piri_qual.assist.features import TranscriptFeatures
from piri_qual.assist.scoring import StudyStats, base_signals
from piri_qual.assist.similarity import SIMILARITY_VERSION, ThemeVectors
from piri_qual.core.cache import content_key, load_arrays, save_arrays

SHRINK = 30.0  # as scoring._robust: a theme's figures lean on the pooled ones when it has few rows


@dataclass
class Column:
    """Count, per-column mean and per-column sum of squared deviations of some rows."""

    n: int
    mean: np.ndarray  # (T,) float64
    m2: np.ndarray  # (T,) float64

    @classmethod
    def of(cls, rows: np.ndarray, n_themes: int) -> Column:
        if not len(rows):
            return cls(0, np.zeros(n_themes), np.zeros(n_themes))
        m = rows.astype(np.float64)
        mean = m.mean(0)
        return cls(len(m), mean, ((m - mean) ** 2).sum(0))

    def merged(self, other: Column) -> Column:
        if not other.n:
            return self
        if not self.n:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        return Column(n, self.mean + delta * (other.n / n), self.m2 + other.m2 + delta**2 * (self.n * other.n / n))

    def robust(self, n_themes: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation per column, shrunk towards the pooled values for small n."""
        if not self.n:
            return np.zeros(n_themes), np.full(n_themes, 0.1)
        n = self.n
        mean = self.mean
        std = np.sqrt(self.m2 / n)
        pooled_mean = float(mean.mean())
        pooled_var = float((self.m2 + n * (mean - pooled_mean) ** 2).sum() / (n * len(mean)))
        pooled_std = float(np.sqrt(pooled_var)) or 0.1
        mean = (n * mean + SHRINK * pooled_mean) / (n + SHRINK)
        std = np.sqrt((n * std**2 + SHRINK * pooled_std**2) / (n + SHRINK))
        return mean, np.maximum(std, 0.02)


@dataclass
class Moments:
    """One transcript's (or several merged) contribution to the study statistics."""

    sims: Column
    ctx: Column

    @classmethod
    def empty(cls, n_themes: int) -> Moments:
        zero = Column(0, np.zeros(n_themes), np.zeros(n_themes))
        return cls(zero, zero)

    @classmethod
    def of(cls, feats: TranscriptFeatures, prototypes: ThemeVectors) -> Moments:
        sims, ctx = base_signals(feats, feats.candidates, prototypes)
        n_themes = len(prototypes)
        return cls(Column.of(sims, n_themes), Column.of(ctx, n_themes))

    def merged(self, other: Moments) -> Moments:
        return Moments(self.sims.merged(other.sims), self.ctx.merged(other.ctx))

    def stats(self, n_themes: int) -> StudyStats:
        return StudyStats(*self.sims.robust(n_themes), *self.ctx.robust(n_themes))

    # -- the cache: one small file per transcript, keyed by its features ------------------------
    @staticmethod
    def key(features_key: str) -> str:
        return content_key("moments", SIMILARITY_VERSION, features_key)

    def save(self, path: Path, features_key: str) -> None:
        arrays = {"sims_mean": self.sims.mean, "sims_m2": self.sims.m2, "ctx_mean": self.ctx.mean, "ctx_m2": self.ctx.m2}
        save_arrays(path, self.key(features_key), arrays, {"sims_n": self.sims.n, "ctx_n": self.ctx.n})

    @classmethod
    def load(cls, path: Path, features_key: str) -> Moments | None:
        found = load_arrays(path, cls.key(features_key))
        if found is None:
            return None
        a, meta = found
        try:
            return cls(Column(int(meta["sims_n"]), a["sims_mean"], a["sims_m2"]),
                       Column(int(meta["ctx_n"]), a["ctx_mean"], a["ctx_m2"]))
        except (KeyError, TypeError, ValueError):
            return None
