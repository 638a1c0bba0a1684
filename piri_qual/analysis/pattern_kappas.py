"""Multi-coder kappas from counts of value patterns: Fleiss', Conger's, and each pair's Cohen's.

Why: with three or more coders a study reports Fleiss' or Conger's kappa beside Krippendorff's
alpha, and a team wants to see which pair of coders pulls agreement down. Like
:mod:`piri_qual.analysis.pattern_counts`, these work on how many units show each pattern of
values across coders (complete data), so a thousand bootstrap resamples and every theme are a
few matrix products. They equal :func:`~piri_qual.analysis.agreement.fleiss_kappa_ratings`,
:func:`~piri_qual.analysis.agreement.conger_kappa` and
:func:`~piri_qual.analysis.agreement.cohen_kappa` on the full table
(``tests/test_agreement_coders.py`` checks this).

With N units, m coders, n_pc coders giving category c in pattern p:

* Fleiss' p_e = sum_c pi_c^2, pi_c = sum_p count_p n_pc / (N m) (Fleiss 1971);
* Conger's p_e = mean over ordered pairs of different coders g, h of sum_c p_gc p_hc, with
  p_gc = the share of units coder g put in c (Conger 1980; Gwet 2014);
* both with p_a = percent agreement, kappa = (p_a - p_e) / (1 - p_e).
"""

from __future__ import annotations

import numpy as np

from piri_qual.analysis.pattern_counts import Patterns, binary_patterns, coefficients


def kappa_coefficients(counts: np.ndarray, patterns: Patterns) -> dict[str, tuple[np.ndarray, ...]]:
    """Fleiss' and Conger's kappa as (value, observed, expected) arrays over ``counts[..., p]``;
    undefined values (no units, or chance agreement 1) are NaN."""
    m = patterns.m
    npc = patterns.per_category()
    pa = coefficients(counts, patterns)["percent_agreement"][0]
    n_units = counts.sum(axis=-1)
    out: dict[str, tuple[np.ndarray, ...]] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = (counts @ npc) / (n_units * m)[..., None]
        fleiss_pe = (pi * pi).sum(axis=-1)
        out["fleiss_kappa"] = _kappa(pa, fleiss_pe)
        per_coder = [(counts @ patterns.coder_onehot(g)) / n_units[..., None] for g in range(m)]
        total = sum(per_coder[1:], per_coder[0])
        own = sum(((p * p).sum(axis=-1) for p in per_coder[1:]), (per_coder[0] * per_coder[0]).sum(axis=-1))
        conger_pe = ((total * total).sum(axis=-1) - own) / (m * (m - 1.0))
        out["conger_kappa"] = _kappa(pa, conger_pe)
    return out


def _kappa(pa: np.ndarray, pe: np.ndarray) -> tuple[np.ndarray, ...]:
    value = np.where(pe < 1.0 - 1e-12, (pa - pe) / (1.0 - pe), np.nan)
    return value, pa, pe


def pair_projection(patterns: Patterns, g: int, h: int) -> np.ndarray:
    """(patterns x 4) matrix taking counts of m-coder patterns to the 2 x 2 patterns of coders
    g and h (the pair's own table), in the order of ``binary_patterns(2)``."""
    codes = patterns.codes
    pair = codes[:, g] + 2 * codes[:, h]
    projection = np.zeros((codes.shape[0], 4))
    projection[np.arange(codes.shape[0]), pair] = 1.0
    return projection


def pair_coefficients(counts: np.ndarray, patterns: Patterns, g: int, h: int) -> dict[str, tuple[np.ndarray, ...]]:
    """Percent agreement, Cohen's kappa and alpha of coders g and h alone (binary patterns)."""
    return coefficients(counts @ pair_projection(patterns, g, h), binary_patterns(2))
