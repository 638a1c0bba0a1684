"""The one bootstrap (core.resampling) and the three places that report its intervals.

Agreement coefficients, study-level agreement tables and the evaluation of suggestions must
resample the same way, so these tests check the scheme itself (seeded draws, counts that are the
same draws as indexes, percentile bounds over the defined resamples) and that each caller's
interval is exactly what the shared functions give.
"""

from __future__ import annotations

import numpy as np
import pytest

from piri_qual.analysis.agreement import bootstrap_ci, cohen_kappa
from piri_qual.assist.evaluate import BOOTSTRAP, Counts
from piri_qual.assist.evaluate import bootstrap_ci as evaluation_ci
from piri_qual.core.resampling import (
    bootstrap,
    generator,
    percentile_interval,
    resample_counts,
    resample_indices,
    resample_kinds,
)
from piri_qual.errors import PiriQualError


def test_draws_are_seeded_and_counts_are_the_same_draws() -> None:
    first = resample_indices(7, 50, seed=3)
    assert first.shape == (50, 7) and first.min() >= 0 and first.max() < 7
    assert (resample_indices(7, 50, seed=3) == first).all()
    assert not (resample_indices(7, 50, seed=4) == first).all()
    counts = resample_counts(7, 50, seed=3)
    assert (counts.sum(axis=1) == 7).all()  # every resample draws n clusters
    for row, drawn in zip(counts, first, strict=True):
        assert row.tolist() == np.bincount(drawn, minlength=7).tolist()
    shared = generator(11)  # a generator passed on is one stream, not restarted
    assert not (resample_indices(5, 3, shared) == resample_indices(5, 3, shared)).all()


def test_kinds_resample_all_units() -> None:
    drawn = resample_kinds(np.array([90.0, 9.0, 1.0]), 2000, seed=0)
    assert (drawn.sum(axis=1) == 100).all()
    assert drawn.mean(axis=0) == pytest.approx([90, 9, 1], abs=0.3)


def test_percentile_interval_counts_only_defined_resamples() -> None:
    values = np.r_[np.arange(101, dtype=float), np.nan, np.inf]
    interval = percentile_interval(values, 0.9)
    assert (interval.low, interval.high) == pytest.approx((5.0, 95.0)) and interval.n_valid == 101
    empty = percentile_interval([np.nan], 0.95)
    assert empty.n_valid == 0 and np.isnan(empty.low) and np.isnan(empty.high)


def test_bootstrap_leaves_out_undefined_resamples() -> None:
    data = np.array([0.0, 0.0, 0.0, 1.0])

    def mean_unless_constant(index: np.ndarray) -> float:
        sample = data[index]
        if sample.min() == sample.max():
            raise PiriQualError("undefined")
        return float(sample.mean())

    interval = bootstrap(mean_unless_constant, 4, n_boot=400, seed=2, ci=0.9, undefined=(PiriQualError,))
    assert 0 < interval.n_valid < 400  # the all-zero resamples (about a third) were left out
    assert 0.25 <= interval.low <= interval.high <= 0.75


def test_agreement_and_evaluation_intervals_are_the_shared_bootstrap() -> None:
    a = [1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0]
    b = [1, 0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0]
    result = bootstrap_ci(cohen_kappa, (a, b), n_boot=200, seed=5, ci=0.9)
    own = bootstrap(
        lambda i: cohen_kappa([a[k] for k in i], [b[k] for k in i]).value, len(a),
        n_boot=200, seed=5, ci=0.9, undefined=(PiriQualError,),
    )
    assert (result.low, result.high, result.n_valid) == (own.low, own.high, own.n_valid)

    per = []
    for t in range(6):
        c = Counts(suggested=10 + t, right=5 + t % 3, gold=12, found=6 + t % 2)
        per.append([c])
    got = evaluation_ci(per, level=0.95, seed=1)
    totals = np.array([[c.suggested, c.right, c.gold, c.found] for (c,) in per], float)
    sums = totals[resample_indices(len(per), BOOTSTRAP, 1)].sum(1)
    precision = sums[:, 1] / sums[:, 0]
    interval = percentile_interval(precision, 0.95)
    assert got["precision"] == [round(interval.low, 4), round(interval.high, 4)]
