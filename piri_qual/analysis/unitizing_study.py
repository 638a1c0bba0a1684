"""Unitizing alpha over a study of many transcripts, and its bootstrap over transcripts.

Why a module of its own: :func:`piri_qual.analysis.agreement.unitizing_alpha` takes one
continuum. A study has many transcripts, and the honest confidence interval resamples whole
transcripts -- recomputing alpha on a freshly concatenated continuum a thousand times costs
seconds. Krippendorff's u-alpha (1995; Content Analysis 2004, section 12.5) is instead built here
from per-transcript pieces:

* the observed disagreement's numerator is a sum over pairs of sections, and sections never
  cross transcripts, so it is a sum over transcripts;
* the expected disagreement needs, per category, the number of units N_c, the sums
  sum l(l-1)(2l-1)/3 and sum l(l-1) over units, the continuum length L, and the cross term
  sum over units u and gaps g with l_g >= l_u of l_u^2 (l_g - l_u + 1) -- the first four are
  sums over transcripts, the last a quadratic form over pairs of transcripts.

A resample that draws transcript t w_t times then has every piece as a weighted sum (or, for
the cross term, w' X w), so all resamples are a few matrix products. Each transcript is its own
stretch of the continuum: a gap never runs from the end of one interview into the start of the
next (in a plain concatenation it would, which depends on the order the transcripts happen to be
laid out in). With one transcript the value is exactly ``unitizing_alpha``'s, and with several it
equals ``unitizing_alpha`` on their concatenation whenever no gap meets a boundary (the tests
check both). Units of one coder and category that overlap are merged first, as there.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# The same merging and pair disagreement as the one-continuum function, so the definitions
# cannot drift apart.
from piri_qual.analysis.agreement import _merge, _pair_disagreement

Segments = Mapping[str, Sequence[tuple[int, int, Hashable]]]


@dataclass(frozen=True)
class StudyParts:
    """Per-transcript sufficient statistics of u-alpha (T transcripts, C categories)."""

    categories: tuple[Hashable, ...]
    n_coders: int
    lengths: np.ndarray  # (T,)
    observed: np.ndarray  # (T, C) sum over ordered coder pairs of section disagreements
    units: np.ndarray  # (T, C) number of units (all coders)
    cubic: np.ndarray  # (T, C) sum of l(l-1)(2l-1)/3 over units
    square: np.ndarray  # (T, C) sum of l(l-1) over units
    cross: np.ndarray  # (C, T, T) sum over units in t, gaps in s, l_g >= l_u, of l_u^2 (l_g - l_u + 1)


def study_parts(
    transcripts: Sequence[Segments], lengths: Sequence[int], coders: Sequence[str],
    categories: Sequence[Hashable],
) -> StudyParts:
    """Reduce each transcript's segments ``(start, end, category)`` per coder to the parts above.

    Offsets are relative to the transcript's own stretch ``[0, length)``.
    """
    n_t, n_c, m = len(transcripts), len(categories), len(coders)
    col = {c: k for k, c in enumerate(categories)}
    observed = np.zeros((n_t, n_c))
    units = np.zeros((n_t, n_c))
    cubic = np.zeros((n_t, n_c))
    square = np.zeros((n_t, n_c))
    unit_len: list[list[np.ndarray]] = [[] for _ in categories]
    unit_src: list[list[np.ndarray]] = [[] for _ in categories]
    gap_len: list[list[np.ndarray]] = [[] for _ in categories]
    gap_src: list[list[np.ndarray]] = [[] for _ in categories]
    for t, (segments, length) in enumerate(zip(transcripts, lengths, strict=True)):
        spans: dict[Hashable, list[list[tuple[int, int]]]] = {c: [[] for _ in coders] for c in categories}
        for i, coder in enumerate(coders):
            for start, end, category in segments.get(coder, ()):
                spans[category][i].append((int(start), int(end)))
        for category, per_coder in spans.items():
            k = col[category]
            merged = [_merge(s) for s in per_coder]
            for i in range(m):
                for j in range(m):
                    if i != j:
                        observed[t, k] += _pair_disagreement(*merged[i], *merged[j])
            for starts, ends in merged:
                ll = ends - starts
                units[t, k] += ll.size
                cubic[t, k] += float((ll * (ll - 1.0) * (2.0 * ll - 1.0)).sum()) / 3.0
                square[t, k] += float((ll * (ll - 1.0)).sum())
                unit_len[k].append(ll)
                unit_src[k].append(np.full(ll.size, t))
                gaps = np.concatenate((starts, [float(length)])) - np.concatenate(([0.0], ends))
                gaps = gaps[gaps > 0]
                gap_len[k].append(gaps)
                gap_src[k].append(np.full(gaps.size, t))
    cross = np.zeros((n_c, n_t, n_t))
    for k in range(n_c):
        if not unit_len[k]:
            continue
        lu, tu = np.concatenate(unit_len[k]), np.concatenate(unit_src[k]).astype(np.int64)
        lg, tg = np.concatenate(gap_len[k]), np.concatenate(gap_src[k]).astype(np.int64)
        if lu.size == 0 or lg.size == 0:
            continue
        fits = lg[None, :] - lu[:, None] + 1.0
        value = np.where(fits > 0, fits, 0.0) * (lu * lu)[:, None]
        cells = (tu[:, None] * n_t + tg[None, :]).ravel()
        cross[k] = np.bincount(cells, weights=value.ravel(), minlength=n_t * n_t).reshape(n_t, n_t)
    return StudyParts(tuple(categories), m, np.asarray(lengths, dtype=np.float64), observed, units,
                      cubic, square, cross)


@dataclass(frozen=True)
class UnitizingFigures:
    """u-alpha per category (..., C) and overall (...), with observed and expected parts."""

    value: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    overall: np.ndarray
    overall_observed: np.ndarray
    overall_expected: np.ndarray


def alpha_from_weights(parts: StudyParts, weights: np.ndarray) -> UnitizingFigures:
    """u-alpha of the study in which transcript t is present ``weights[..., t]`` times.

    ``weights`` of ones gives the study itself; a row of bootstrap counts gives a resample.
    Categories whose expected disagreement is zero get NaN (as in ``unitizing_alpha``) but
    still add their parts to the overall figure.
    """
    w = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    m = float(parts.n_coders)
    big_l = w @ parts.lengths  # (B,)
    n_c = w @ parts.units
    cubic = w @ parts.cubic
    square = w @ parts.square
    cross = np.einsum("bt,cts,bs->bc", w, parts.cross, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = (w @ parts.observed) / (m * (m - 1.0) * big_l[:, None] ** 2)
        denominator = m * big_l * (m * big_l - 1.0)
        expected = np.where(
            n_c > 0,
            2.0 * ((n_c - 1.0) * cubic + cross) / (big_l[:, None] * (denominator[:, None] - square)),
            0.0,
        )
        value = np.where(expected > 0, 1.0 - observed / expected, np.nan)
        total_o, total_e = observed.sum(axis=1), expected.sum(axis=1)
        overall = np.where(total_e > 0, 1.0 - total_o / total_e, np.nan)
    shape = np.shape(weights)[:-1]
    return UnitizingFigures(
        value.reshape(*shape, -1), observed.reshape(*shape, -1), expected.reshape(*shape, -1),
        overall.reshape(shape), total_o.reshape(shape), total_e.reshape(shape),
    )
