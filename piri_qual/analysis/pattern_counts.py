"""Agreement coefficients from counts of value patterns, for a fast cluster bootstrap.

Why: a study's presence table has thousands of units, and a bootstrap recomputes every
coefficient a thousand times per theme. With complete data (every coder gave every unit a
value) percent agreement, Cohen's kappa and nominal Krippendorff's alpha depend on the units
only through how many units show each *pattern* of values across coders -- for two coders and
one theme, the four cells of a 2 x 2 table. So the table is reduced once to pattern counts per
cluster (per unit, or per transcript), a resample is a weighted sum of those counts (the weights
come from :mod:`piri_qual.core.resampling`, the one bootstrap), and the coefficients are a few
matrix products over all resamples and themes at once. The values equal
those of :mod:`piri_qual.analysis.agreement` on the full table (``tests/test_agreement_study.py``
checks this).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Patterns:
    """Distinct rows of coder values (patterns x coders, category codes) and derived tables."""

    codes: np.ndarray
    n_categories: int

    @property
    def m(self) -> int:
        return int(self.codes.shape[1])

    def per_category(self) -> np.ndarray:
        """n_pc: how many coders gave category c in pattern p (patterns x categories)."""
        table = np.zeros((self.codes.shape[0], self.n_categories))
        rows = np.arange(self.codes.shape[0])
        for j in range(self.m):
            np.add.at(table, (rows, self.codes[:, j]), 1.0)
        return table

    def coder_onehot(self, j: int) -> np.ndarray:
        table = np.zeros((self.codes.shape[0], self.n_categories))
        table[np.arange(self.codes.shape[0]), self.codes[:, j]] = 1.0
        return table


def binary_patterns(m: int) -> Patterns:
    p = np.arange(2**m)
    return Patterns(((p[:, None] >> np.arange(m)[None, :]) & 1).astype(np.int64), 2)


def coefficients(counts: np.ndarray, patterns: Patterns) -> dict[str, tuple[np.ndarray, ...]]:
    """Percent agreement, kappa (two coders) and nominal alpha from pattern counts.

    ``counts[..., p]`` is the number of units showing pattern p (complete data: every coder
    gave every unit a value). With n_pc coders giving category c in pattern p, m coders and
    N units: percent agreement = sum_p count_p sum_c n_pc (n_pc - 1) / (m (m - 1)) / N;
    alpha's D_o = sum_p count_p sum_c n_pc (m - n_pc) / (m - 1) / (N m) and
    D_e = (n^2 - sum_c n_c^2) / (n (n - 1)) with n = N m values (Krippendorff 2011);
    kappa's p_e = sum_c a_c b_c / N^2 from the two coders' marginals (Cohen 1960).
    Returns (value, observed, expected) arrays; undefined values are NaN.
    """
    m = patterns.m
    npc = patterns.per_category()
    pa_p = (npc * (npc - 1.0)).sum(axis=1) / (m * (m - 1.0))
    do_p = (npc * (m - npc)).sum(axis=1) / (m - 1.0)
    n_units = counts.sum(axis=-1)
    out: dict[str, tuple[np.ndarray, ...]] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = np.where(n_units > 0, (counts @ pa_p) / n_units, np.nan)
        out["percent_agreement"] = (pa, pa, np.zeros_like(pa))
        n = n_units * m
        d_o = (counts @ do_p) / n
        n_c = counts @ npc
        d_e = (n * n - (n_c * n_c).sum(axis=-1)) / (n * (n - 1.0))
        alpha = np.where(d_e > 0, 1.0 - d_o / d_e, np.nan)
        out["krippendorff_alpha"] = (alpha, d_o, d_e)
        if m == 2:
            a_c = counts @ patterns.coder_onehot(0)
            b_c = counts @ patterns.coder_onehot(1)
            p_e = (a_c * b_c).sum(axis=-1) / (n_units * n_units)
            kappa = np.where(p_e < 1.0 - 1e-12, (pa - p_e) / (1.0 - p_e), np.nan)
            out["cohen_kappa"] = (kappa, pa, p_e)
    return out


def cluster_table(codes: np.ndarray, clusters: np.ndarray | None, n_clusters: int, n_patterns: int) -> np.ndarray:
    """Pattern counts per cluster: (clusters, columns x patterns) for ``codes`` (units x columns).

    With ``clusters=None`` every unit is its own cluster (a one-hot table). When the clusters
    are runs of consecutive units (units sorted by transcript, as a study's are), each pattern
    is counted with one pass of ``np.add.reduceat`` instead of a bincount over every cell, after
    runs of identical consecutive units within a cluster are folded into one weighted row: with
    character units a transcript's hundred thousand characters change codes only at the few
    thousand ends of codings, and counting the runs made character-level agreement on the
    example study 1.3x faster (the counts are integers either way, so the table is identical).
    """
    n_units, n_cols = codes.shape
    if clusters is None:
        table = np.zeros((n_units, n_cols * n_patterns))
        table[np.arange(n_units)[:, None], np.arange(n_cols)[None, :] * n_patterns + codes] = 1.0
        return table
    table = np.zeros((n_clusters, n_cols, n_patterns))
    if n_units == 0:
        return table.reshape(n_clusters, -1)
    if bool(np.all(clusters[1:] >= clusters[:-1])):
        new_cluster = clusters[1:] != clusters[:-1]
        kept = np.flatnonzero(np.concatenate(([True], new_cluster | (codes[1:] != codes[:-1]).any(axis=1))))
        runs = np.diff(np.append(kept, n_units))[:, None]  # units each kept row stands for
        codes, clusters = codes[kept], clusters[kept]
        starts = np.flatnonzero(np.concatenate(([True], clusters[1:] != clusters[:-1])))
        present = clusters[starts]
        for p in range(n_patterns):
            table[present, :, p] = np.add.reduceat(np.where(codes == p, runs, 0), starts, axis=0)
        return table.reshape(n_clusters, -1)
    flat = (clusters[:, None] * (n_cols * n_patterns) + np.arange(n_cols)[None, :] * n_patterns + codes).ravel()
    return np.bincount(flat, minlength=n_clusters * n_cols * n_patterns).reshape(
        n_clusters, n_cols * n_patterns
    ).astype(np.float64)


def small_unique(values: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of non-negative ints below ``bound`` and each value's index among
    them, by counting instead of sorting (``np.unique(..., return_inverse=True)`` for codes)."""
    used = np.bincount(values.ravel(), minlength=bound) > 0
    rank = np.cumsum(used) - 1
    return np.flatnonzero(used), rank[values]


def row_kinds(codes: np.ndarray, n_patterns: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``codes`` (units x columns, values below ``n_patterns``) in
    lexicographic order, and how many units show each: ``np.unique(codes, axis=0,
    return_counts=True)``, which sorts the rows as records and took half of a sentence-level
    agreement at 100 interviews (0.5 s for 54,000 units x 25 themes). Here each row's values are
    packed, first column most significant, into as few 63-bit integers as hold them, so the
    order is the same and the sort is one of integers."""
    n_units, n_cols = codes.shape
    if n_units == 0 or n_cols == 0:
        return np.unique(codes, axis=0, return_counts=True)
    bits = max(1, (n_patterns - 1).bit_length())
    per = max(1, 63 // bits)
    keys = []
    for first in range(0, n_cols, per):
        key = np.zeros(n_units, np.int64)
        for col in range(first, min(first + per, n_cols)):
            key = (key << bits) | codes[:, col].astype(np.int64)
        keys.append(key)
    if len(keys) == 1:
        _, index, counts = np.unique(keys[0], return_index=True, return_counts=True)
        return codes[index], counts
    order = np.lexsort(keys[::-1])  # np.lexsort sorts by its last key first
    packed = np.stack(keys, axis=1)[order]
    starts = np.flatnonzero(np.concatenate(([True], (packed[1:] != packed[:-1]).any(axis=1))))
    return codes[order[starts]], np.diff(np.append(starts, n_units))
