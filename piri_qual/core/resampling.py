"""The percentile bootstrap: one seeded way of resampling behind every interval piri-qual reports.

Why one module: agreement coefficients (:mod:`piri_qual.analysis.agreement`), the study-level
agreement tables (:mod:`piri_qual.analysis.study_agreement`) and the evaluation of suggestions
(:mod:`piri_qual.assist.evaluate`) all report percentile bootstrap intervals. Written three times
they could drift apart (a different generator, quantile rule or treatment of undefined
resamples) and a report would mix intervals that mean different things. It lives in ``core``
because ``assist`` may not import ``analysis``.

The scheme, everywhere:

* *clusters* are resampled -- units, or whole transcripts when units within a transcript are
  not independent (characters, or suggestions in one interview) -- ``n`` drawn with
  replacement from ``n``, ``n_boot`` times;
* draws come from ``numpy.random.default_rng(seed)``, so a report is reproducible from its seed;
* the interval is the ``(1 - ci) / 2`` and ``(1 + ci) / 2`` quantiles (numpy's default, linear)
  of the resampled statistic, over the resamples where it is defined (finite).

A resample can be taken as indexes (:func:`resample_indices`, for statistics computed from the
resampled rows) or as how often each cluster was drawn (:func:`resample_counts`, the same draws,
for statistics that are weighted sums); when many units are alike, :func:`resample_kinds` draws
the number of units of each kind directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: What a seed may be: an int, a sequence of ints (e.g. ``[seed, construct]``), or a generator
#: already in use (so that several resamplings share one stream).
Seed = int | Sequence[int] | np.random.Generator


@dataclass(frozen=True)
class Interval:
    """A percentile interval and the number of resamples it was taken over."""

    low: float
    high: float
    n_valid: int


def generator(seed: Seed) -> np.random.Generator:
    """``numpy.random.default_rng(seed)``, or ``seed`` itself when it is already a generator."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def resample_indices(n_clusters: int, n_boot: int, seed: Seed) -> np.ndarray:
    """Which clusters each of ``n_boot`` resamples draws: (n_boot, n_clusters) indexes."""
    return generator(seed).integers(0, n_clusters, size=(n_boot, n_clusters))


def resample_counts(n_clusters: int, n_boot: int, seed: Seed) -> np.ndarray:
    """How often each cluster is drawn in each resample: (n_boot, n_clusters), float.

    The same draws as :func:`resample_indices` with the same seed. Drawing n clusters with
    replacement is the same as giving each a multinomial weight; a resample's total is then the
    weighted sum of the clusters' totals (one matrix product for every resample at once).
    """
    draws = resample_indices(n_clusters, n_boot, seed)
    flat = (draws + (np.arange(n_boot) * n_clusters)[:, None]).ravel()
    return np.bincount(flat, minlength=n_boot * n_clusters).reshape(n_boot, n_clusters).astype(np.float64)


def resample_kinds(counts: np.ndarray, n_boot: int, seed: Seed) -> np.ndarray:
    """How many units of each kind each resample holds: (n_boot, kinds), float.

    For units that are alike for every statistic (the same codes on every theme), resampling N
    units with replacement draws each with probability 1/N, so the number of each kind is
    multinomial with N trials and the kinds' shares: exact, and as cheap as the number of kinds.
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = int(round(counts.sum()))
    return generator(seed).multinomial(total, counts / counts.sum(), size=n_boot).astype(np.float64)


def percentile_interval(values: np.ndarray | Sequence[float], ci: float) -> Interval:
    """The percentile interval of the finite ``values`` (NaN bounds when there are none)."""
    array = np.asarray(values, dtype=np.float64)
    finite = array[np.isfinite(array)]
    if finite.size == 0:
        return Interval(float("nan"), float("nan"), 0)
    low, high = np.quantile(finite, [(1.0 - ci) / 2.0, (1.0 + ci) / 2.0])
    return Interval(float(low), float(high), int(finite.size))


def bootstrap(
    statistic: Callable[[np.ndarray], float],
    n_clusters: int,
    *,
    n_boot: int,
    seed: Seed,
    ci: float,
    undefined: tuple[type[Exception], ...] = (),
) -> Interval:
    """Percentile interval of ``statistic(indexes)`` over ``n_boot`` resamples of the clusters.

    ``statistic`` gets one resample's cluster indexes (with repeats). A resample on which it is
    undefined -- it raises one of ``undefined``, or returns NaN -- is left out of the interval
    and of ``n_valid``.
    """
    values: list[float] = []
    for index in resample_indices(n_clusters, n_boot, seed):
        try:
            values.append(statistic(index))
        except undefined:
            continue
    return percentile_interval(values, ci)
