"""Inter-coder agreement statistics on plain data.

Why this module exists: two coders double-code PIRi excerpts and the study reports how far they
agree. Reviewers ask for different coefficients (Cohen's kappa, Krippendorff's alpha, Gwet's
AC1 ...), so every one of them lives here as a pure function: no files, no study objects, no
printing. The study layer turns coder logs into the plain tables these functions take.

Each function returns an :class:`AgreementResult` carrying the coefficient together with the
observed and expected parts it was built from, so a report can show its working:

* agreement-based coefficients (percent agreement, kappa, AC1, Brennan-Prediger) have
  ``basis="agreement"`` and ``value = (observed - expected) / (1 - expected)``;
* Krippendorff's alphas have ``basis="disagreement"`` and ``value = 1 - observed / expected``.

Layout of reliability data, as in Krippendorff (2011): ``data[coder][unit]`` (coders x units,
a list of lists or a 2-D array), with ``None`` or NaN where a coder gave no value. Labels may be
numbers or strings; ordinal, interval and ratio levels need numbers.

Undefined coefficients (an empty table, one category everywhere so that chance agreement is
perfect) raise :class:`~piri_qual.errors.PiriQualError` with a message saying why, instead of
dividing by zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from piri_qual.analysis.agreement_weights import weight_matrix, weights_name
from piri_qual.core.resampling import bootstrap
from piri_qual.errors import PiriQualError

__all__ = [
    "LEVELS",
    "AgreementResult",
    "BootstrapResult",
    "UnitizingResult",
    "bootstrap_ci",
    "brennan_prediger",
    "coincidence_matrix",
    "cohen_kappa",
    "category_counts",
    "conger_kappa",
    "fleiss_kappa",
    "fleiss_kappa_ratings",
    "gwet_ac1",
    "gwet_ac2",
    "krippendorff_alpha",
    "light_kappa",
    "pairwise_kappa",
    "percent_agreement",
    "unitizing_alpha",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True)
class AgreementResult:
    """A coefficient with the parts it was computed from.

    ``observed`` and ``expected`` are agreements when ``basis == "agreement"`` and
    disagreements when ``basis == "disagreement"`` (Krippendorff's alphas). ``n_units`` counts
    the units that entered the computation (for alpha: pairable units only), ``n_values`` the
    individual values (labels) used, ``n_categories`` the distinct categories (or the size of
    the category set given by the caller), ``weights`` the agreement weights of a weighted
    coefficient (``identity`` when unweighted, ``custom`` for a matrix).
    """

    metric: str
    value: float
    observed: float
    expected: float
    basis: Literal["agreement", "disagreement"]
    n_units: int
    n_coders: int
    n_values: int
    n_categories: int
    level: str = "nominal"
    weights: str = "identity"


@dataclass(frozen=True)
class UnitizingResult(AgreementResult):
    """Unitizing alpha over a continuum: the overall value plus one result per category.

    A category whose expected disagreement is zero has ``value = nan`` in ``per_category``
    (alpha is undefined for it) and still contributes its parts to the overall value.
    """

    length: int = 0
    per_category: Mapping[Hashable, AgreementResult] = field(default_factory=dict)


@dataclass(frozen=True)
class BootstrapResult:
    """A percentile bootstrap interval around a point estimate.

    ``n_valid`` counts the resamples whose coefficient was defined; resamples where it was
    undefined (e.g. a resample that happens to hold one category only) are left out.
    """

    estimate: AgreementResult
    low: float
    high: float
    ci: float
    n_boot: int
    n_valid: int
    seed: int


# --------------------------------------------------------------------------------------------
# Encoding plain data into integer codes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ratings:
    """Coders x units integer codes (-1 = missing) and the sorted labels the codes index."""

    codes: np.ndarray
    labels: np.ndarray
    numeric: bool


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, float | np.floating) and value != value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating)


def _encode(data: Any) -> _Ratings:
    """Turn coders x units reliability data into integer codes, checking its shape.

    A numeric 2-D array takes a vectorised path (NaN = missing); anything else is read row by
    row so that strings, ``None`` and ragged rows are reported clearly.
    """
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        if data.ndim != 2:
            raise PiriQualError(
                f"reliability data must be a 2-D table of coders x units, got {data.ndim} "
                "dimension(s)",
                hint="Give one row per coder and one column per unit.",
            )
        values = data.astype(np.float64, copy=False)
        missing = np.isnan(values)
        labels, inverse = _unique_codes(values[~missing])
        codes = np.full(values.shape, -1, dtype=np.int64)
        codes[~missing] = inverse
        return _Ratings(codes, labels, True)

    rows = _rows(data)
    n_units = len(rows[0])
    flat: list[Any] = []
    for index, row in enumerate(rows):
        if len(row) != n_units:
            raise PiriQualError(
                f"coder {index + 1} has {len(row)} values but coder 1 has {n_units}: every coder "
                "needs one entry per unit",
                hint="Use None where a coder did not code a unit.",
            )
        flat.extend(row)
    missing = np.fromiter((_is_missing(v) for v in flat), dtype=bool, count=len(flat))
    present = [v for v, gone in zip(flat, missing, strict=True) if not gone]
    numbers = [_is_number(v) for v in present]
    if all(numbers):
        pool: np.ndarray = np.asarray(present, dtype=np.float64)
        numeric = True
    elif not any(numbers) and all(isinstance(v, str) for v in present):
        pool = np.asarray(present, dtype=np.str_)
        numeric = False
    else:
        odd = next((v for v in present if not _is_number(v) and not isinstance(v, str)), None)
        if odd is not None:
            raise PiriQualError(
                f"label {odd!r} of type {type(odd).__name__} is neither a number nor text",
                hint="Use numbers or strings as labels, and None for a missing value.",
            )
        raise PiriQualError(
            "labels mix numbers and text (for example 3 and '3')",
            hint="Use one kind of label throughout: all numbers or all strings.",
        )
    if pool.size:
        labels, inverse = _unique_codes(pool) if numeric else np.unique(pool, return_inverse=True)
    else:
        labels, inverse = pool, np.zeros(0, dtype=np.int64)
    codes = np.full(len(flat), -1, dtype=np.int64)
    codes[~missing] = inverse
    return _Ratings(codes.reshape(len(rows), n_units), labels, numeric)


def _unique_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each value's index among them (like ``np.unique`` with
    ``return_inverse``), in linear time when the values are whole numbers in a small range --
    the usual case of category codes and rating scales."""
    if values.size:
        low, high = float(values.min()), float(values.max())
        if high - low <= 4 * values.size + 1024 and bool(np.all(values == np.round(values))):
            offsets = (values - low).astype(np.int64)
            used = np.bincount(offsets) > 0
            rank = np.cumsum(used) - 1
            return low + np.flatnonzero(used).astype(np.float64), rank[offsets]
    labels, inverse = np.unique(values, return_inverse=True)
    return labels, inverse.reshape(-1)


def _rows(data: Any) -> list[list[Any]]:
    if isinstance(data, str | bytes) or not isinstance(data, Iterable):
        raise PiriQualError(
            "reliability data must be a table of coders x units (one list per coder)",
            hint="For example [[1, 2, None], [1, 3, 2]] for 2 coders and 3 units.",
        )
    rows: list[list[Any]] = []
    for row in data:
        if isinstance(row, str | bytes) or not isinstance(row, Iterable):
            raise PiriQualError(
                "reliability data must be a table of coders x units (one list per coder), "
                f"but a row is {row!r}",
                hint="Wrap each coder's labels in a list, e.g. [[1, 2], [1, 1]].",
            )
        rows.append(list(row))
    if not rows or not rows[0]:
        raise PiriQualError(
            "the reliability table is empty: there are no coders or no units",
            hint="Code at least two units by at least two coders before computing agreement.",
        )
    return rows


def _check_level(level: str) -> Level:
    if level not in LEVELS:
        raise PiriQualError(
            f"unknown level of measurement {level!r}",
            hint=f"Choose one of: {', '.join(LEVELS)}.",
        )
    return level


def _label(labels: np.ndarray, code: int) -> Any:
    """A label as plain Python for messages and tables (3.0 read from a float array -> 3)."""
    value = labels[code]
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha for coded units
# --------------------------------------------------------------------------------------------


def _pairable(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep units with at least two values; return codes, presence mask and values per unit."""
    present = codes >= 0
    m_u = present.sum(axis=0)
    keep = m_u >= 2
    if not keep.any():
        raise PiriQualError(
            "no unit was coded by two or more coders, so there is nothing to compare",
            hint="Double-code some units (two coders on the same unit) and try again.",
        )
    if keep.all():
        return codes, present, m_u
    return codes[:, keep], present[:, keep], m_u[keep]


def _pair_delta(level: Level, xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    """Squared difference delta^2 between two coders' coordinates, unit by unit
    (Krippendorff 2011, section D). Interval uses the values, ordinal the ranks built from the
    value frequencies; ratio divides by the sum (0 when both values are 0)."""
    if level == "ratio":
        total = xa + xb
        safe = np.where(total > 0, total, 1.0)
        return np.where(total > 0, ((xa - xb) / safe) ** 2, 0.0)
    return (xa - xb) ** 2


def _expected_sum(level: Level, n_c: np.ndarray, coord: np.ndarray | None) -> float:
    """Sum over value pairs c, k of n_c * n_k * delta^2_ck, without building a V x V table
    where a closed form exists."""
    n = float(n_c.sum())
    if level == "nominal" or coord is None:
        return n * n - float(np.dot(n_c, n_c))
    used = n_c > 0
    weights, x = n_c[used], coord[used]
    if level in ("interval", "ordinal"):
        # sum_ck n_c n_k (x_c - x_k)^2 = 2 n sum_c n_c (x_c - mean)^2, centred for stability
        mean = float(np.dot(weights, x)) / n
        return 2.0 * n * float(np.dot(weights, (x - mean) ** 2))
    total = 0.0
    step = max(1, 4_000_000 // max(1, x.size))
    for start in range(0, x.size, step):
        xs, ws = x[start : start + step, None], weights[start : start + step, None]
        denom = xs + x[None, :]
        safe = np.where(denom > 0, denom, 1.0)
        d2 = np.where(denom > 0, ((xs - x[None, :]) / safe) ** 2, 0.0)
        total += float((ws * weights[None, :] * d2).sum())
    return total


def krippendorff_alpha(data: Any, level: str = "nominal") -> AgreementResult:
    """Krippendorff's alpha for coders x units reliability data with missing values.

    Follows Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability": units coded by
    fewer than two coders are not pairable and are dropped; each pairable unit u with m_u values
    contributes its ordered value pairs with weight 1 / (m_u - 1) to the coincidence matrix;
    ``observed`` is D_o = sum o_ck delta_ck / n and ``expected`` is
    D_e = sum n_c n_k delta_ck / (n (n - 1)), where n counts the pairable values, and
    alpha = 1 - D_o / D_e.

    ``level`` picks delta: ``nominal`` (0/1), ``ordinal`` (squared rank distance built from the
    value frequencies), ``interval`` (squared difference) or ``ratio`` (squared difference over
    the squared sum; values must be non-negative).

    Why it is vectorised: double-coding studies are small, but the same function serves
    simulations and bootstraps. Values are coded once (``np.unique``-style inverse codes, in
    linear time for whole-number codes) and the disagreement sum_ck o_ck delta_ck is
    accumulated straight from the units with numpy -- per coder pair for nominal and ratio,
    from per-unit sums for interval and ordinal -- without a units x values table, so
    3 coders x 100,000 units take milliseconds. :func:`coincidence_matrix` builds o_ck itself
    for display.

    Raises PiriQualError for an empty table, no pairable unit, a single value everywhere
    (alpha is undefined: expected disagreement is zero), text labels at a non-nominal level, or
    an unknown level.
    """
    lvl = _check_level(level)
    ratings = _encode(data)
    if lvl != "nominal" and not ratings.numeric:
        raise PiriQualError(
            f"the {lvl} level needs numeric values but the labels are text",
            hint="Map the labels to numbers in their order first, or use level='nominal'.",
        )
    codes, present, m_u = _pairable(ratings.codes)
    n_labels = ratings.labels.size
    n_c = np.bincount(codes.ravel() + 1, minlength=n_labels + 1)[1:].astype(np.float64)
    used = int(np.count_nonzero(n_c))
    if used < 2:
        only = _label(ratings.labels, int(np.flatnonzero(n_c)[0]))
        raise PiriQualError(
            f"Krippendorff's alpha is undefined: every pairable value is {only!r}, so the "
            "expected disagreement is zero",
            hint="Agreement cannot be told from chance when only one value occurs; report "
            "percent agreement instead or code more varied units.",
        )
    coord: np.ndarray | None
    if lvl == "nominal":
        coord = None
    elif lvl == "ordinal":
        coord = np.cumsum(n_c) - n_c / 2.0
    else:
        coord = ratings.labels.astype(np.float64)
        if lvl == "ratio" and bool((coord[n_c > 0] < 0).any()):
            raise PiriQualError(
                "the ratio level needs non-negative values but some values are negative",
                hint="Use level='interval' for values that can be negative.",
            )
    weight = 1.0 / (m_u - 1.0)
    n_coders = codes.shape[0]
    observed_sum = 0.0
    if coord is None:
        for i in range(n_coders):
            for j in range(i + 1, n_coders):
                differ = present[i] & present[j] & (codes[i] != codes[j])
                observed_sum += 2.0 * float(weight[differ].sum())
    elif lvl in ("interval", "ordinal"):
        # per unit, the ordered pairs' sum of (x_a - x_b)^2 is 2 (m_u sum x^2 - (sum x)^2):
        # O(m N) instead of O(m^2 N); coordinates are centred first to keep it exact enough
        centre = float(np.dot(n_c, coord)) / float(n_c.sum())
        xs = np.where(present, coord[np.maximum(codes, 0)] - centre, 0.0)
        s1 = xs.sum(axis=0)
        s2 = np.einsum("ij,ij->j", xs, xs)
        per_unit = np.maximum(m_u * s2 - s1 * s1, 0.0)
        observed_sum = 2.0 * float(np.dot(weight, per_unit))
    else:
        # each coder's coordinate per unit (0 where missing: masked out below)
        xs = np.where(present, coord[np.maximum(codes, 0)], 0.0)
        for i in range(n_coders):
            for j in range(i + 1, n_coders):
                both = present[i] & present[j]
                pair_weight = np.where(both, weight, 0.0)
                observed_sum += 2.0 * float(np.dot(pair_weight, _pair_delta(lvl, xs[i], xs[j])))
    n = float(n_c.sum())
    observed = observed_sum / n
    expected = _expected_sum(lvl, n_c, coord) / (n * (n - 1.0))
    if expected <= 0.0:
        raise PiriQualError(
            "Krippendorff's alpha is undefined: the expected disagreement is zero",
            hint="This happens when all values are equal under the chosen level.",
        )
    return AgreementResult(
        metric="krippendorff_alpha",
        value=1.0 - observed / expected,
        observed=observed,
        expected=expected,
        basis="disagreement",
        n_units=int(m_u.size),
        n_coders=int(n_coders),
        n_values=int(n),
        n_categories=used,
        level=lvl,
    )


def coincidence_matrix(data: Any) -> tuple[list[Any], np.ndarray]:
    """Krippendorff's coincidence matrix o_ck of coders x units data, with its value labels.

    Why: reports on alpha conventionally show this table (Krippendorff 2011, section B); rows
    and columns follow the sorted labels. Units coded by fewer than two coders are dropped.
    """
    ratings = _encode(data)
    codes, present, m_u = _pairable(ratings.codes)
    size = ratings.labels.size
    weight = 1.0 / (m_u - 1.0)
    table = np.zeros(size * size, dtype=np.float64)
    for i in range(codes.shape[0]):
        for j in range(codes.shape[0]):
            if i == j:
                continue
            both = present[i] & present[j]
            cells = codes[i, both] * size + codes[j, both]
            table += np.bincount(cells, weights=weight[both], minlength=size * size)
    labels = [_label(ratings.labels, k) for k in range(size)]
    return labels, table.reshape(size, size)


# --------------------------------------------------------------------------------------------
# Agreement-based coefficients (Gwet 2014's general framework, weighted or not)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Space:
    """Coders x units codes into an ordered category set (-1 = missing), and its weights.

    ``weights`` is the q x q agreement-weight matrix, or None for identity weights (the
    unweighted coefficients, computed from label equality without a q x q table).
    """

    codes: np.ndarray
    categories: np.ndarray
    numeric: bool
    weights: np.ndarray | None
    weights_name: str
    given: bool

    @property
    def q(self) -> int:
        return int(self.categories.size)

    def total_weight(self) -> float:
        """T_w, the sum of all weights (q for identity weights)."""
        return float(self.q if self.weights is None else self.weights.sum())


def _space(
    ratings: _Ratings,
    categories: Sequence[Any] | None,
    weights: Any,
    metric: str,
    *,
    need_two: bool = True,
) -> _Space:
    """Re-code ``ratings`` into the categories open to the coders and build their weights.

    Without ``categories`` the categories are the labels seen, sorted. With them, every label
    must be one of them; numbers are put in ascending order, text keeps the order given (it is
    the order of the scale for weighted coefficients). Weights other than identity on text
    labels need that order, so they need ``categories``.
    """
    name = weights_name(weights)
    if categories is None:
        if name != "identity" and not ratings.numeric and ratings.labels.size > 1:
            raise PiriQualError(
                f"{metric}: {name} weights need the order of the categories, but the labels are text",
                hint="Pass categories=[...] listing the categories from lowest to highest "
                "(on the command line: --categories low,medium,high).",
            )
        cats, codes = ratings.labels, ratings.codes
    else:
        cats, codes = _recode(ratings, list(categories), metric)
    if need_two and cats.size < 2:
        raise PiriQualError(
            f"{metric} is undefined with a single category: chance agreement is 1",
            hint="Pass categories=[...] listing every category the coders could choose.",
        )
    matrix = weight_matrix(weights, cats, ratings.numeric)
    return _Space(codes, cats, ratings.numeric, matrix, name, categories is not None)


def _recode(ratings: _Ratings, cats: list[Any], metric: str) -> tuple[np.ndarray, np.ndarray]:
    if ratings.numeric:
        if not all(_is_number(c) and not _is_missing(c) for c in cats):
            raise PiriQualError(
                f"{metric}: the labels are numbers but categories holds non-numbers",
                hint="List the categories with the same kind of value the coders used.",
            )
        pool: np.ndarray = np.unique(np.asarray(cats, dtype=np.float64))
        position = np.searchsorted(pool, ratings.labels)
        position = np.minimum(position, max(pool.size - 1, 0))
        known = pool[position] == ratings.labels if pool.size else np.zeros(ratings.labels.size, dtype=bool)
    else:
        texts = [str(c) for c in cats]
        if len(set(texts)) != len(texts):
            twice = next(t for t in texts if texts.count(t) > 1)
            raise PiriQualError(
                f"{metric}: category {twice!r} is listed twice",
                hint="List each category once, in the order of the scale.",
            )
        pool = np.asarray(texts, dtype=np.str_)
        index = {t: k for k, t in enumerate(texts)}
        position = np.asarray([index.get(str(label), -1) for label in ratings.labels], dtype=np.int64)
        known = position >= 0
    if not bool(np.all(known)):
        unknown = ratings.labels[~known]
        raise PiriQualError(
            f"{metric}: label {_label(unknown, 0)!r} is not among the categories given",
            hint="Add it to categories, or fix the label.",
        )
    lookup = np.append(position.astype(np.int64), -1)  # code -1 (missing) stays -1
    return pool, lookup[ratings.codes]


def _agreeing_pairs(codes: np.ndarray, present: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Per unit, the ordered coder pairs that agree: counted 1 each, or w_kl with weights."""
    same = np.zeros(codes.shape[1], dtype=np.float64)
    for i in range(codes.shape[0]):
        for j in range(i + 1, codes.shape[0]):
            both = present[i] & present[j]
            if weights is None:
                same += 2.0 * (both & (codes[i] == codes[j]))
            else:
                same += 2.0 * np.where(both, weights[codes[i], codes[j]], 0.0)
    return same


def _observed_pa(codes: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, int, int]:
    """Gwet's (2014) multi-rater percent agreement: for units with r_u >= 2 ratings, the mean of
    sum_k r_uk (r*_uk - 1) / (r_u (r_u - 1)), where r*_uk = sum_l w_kl r_ul (= r_uk unweighted),
    i.e. the weighted share of agreeing ordered coder pairs. Returns (pa, units, values used)."""
    codes, present, r_u = _pairable(codes)
    same = _agreeing_pairs(codes, present, weights)
    pa = float(np.mean(same / (r_u * (r_u - 1.0))))
    return pa, int(r_u.size), int(r_u.sum())


def _unit_shares(codes: np.ndarray, q: int) -> np.ndarray:
    """pi_k: over units rated at least once, the mean share of the unit's ratings in category k."""
    present = codes >= 0
    r_u = present.sum(axis=0)
    rated = r_u >= 1
    codes, present, r_u = codes[:, rated], present[:, rated], r_u[rated]
    weights = np.broadcast_to(1.0 / r_u, codes.shape)[present]
    # numpy's stub types bincount as intp even when float weights make it float64
    pi: np.ndarray = np.bincount(codes[present], weights=weights, minlength=q)
    return pi / float(r_u.size)


def _coder_shares(codes: np.ndarray, q: int) -> np.ndarray:
    """p_gk: for each coder with at least one rating, the share of their ratings in category k."""
    rows = []
    for row in codes:
        mine = row[row >= 0]
        if mine.size:
            rows.append(np.bincount(mine, minlength=q) / float(mine.size))
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), q)


def _quadratic_form(left: np.ndarray, weights: np.ndarray | None, right: np.ndarray) -> float:
    """left' W right (left . right for identity weights)."""
    if weights is None:
        return float(np.dot(left, right))
    return float(left @ weights @ right)


def _result(
    metric: str, pa: float, pe: float, space: _Space, n_units: int, n_coders: int, n_values: int,
    n_categories: int | None = None,
) -> AgreementResult:
    if pe >= 1.0 - 1e-12:
        raise PiriQualError(
            f"{_NAMES.get(metric, metric)} is undefined: chance agreement is 1 (every rating "
            "falls where the weights count full agreement)",
            hint="Report percent agreement, or include units where other categories apply.",
        )
    return AgreementResult(
        metric=metric,
        value=(pa - pe) / (1.0 - pe),
        observed=pa,
        expected=pe,
        basis="agreement",
        n_units=n_units,
        n_coders=n_coders,
        n_values=n_values,
        n_categories=space.q if n_categories is None else n_categories,
        weights=space.weights_name,
    )


_NAMES = {
    "cohen_kappa": "Cohen's kappa", "fleiss_kappa": "Fleiss' kappa", "conger_kappa": "Conger's kappa",
    "gwet_ac1": "Gwet's AC1", "gwet_ac2": "Gwet's AC2", "brennan_prediger": "Brennan-Prediger",
    "light_kappa": "Light's kappa",
}


def percent_agreement(
    data: Any, weights: Any = None, categories: Sequence[Any] | None = None
) -> AgreementResult:
    """Share of agreeing coder pairs per unit, averaged over units coded at least twice.

    For two coders with complete data this is the familiar share of units given the same label.
    With ``weights`` (see :mod:`piri_qual.analysis.agreement_weights`) a pair of labels k, l
    counts w_kl of an agreement (Gwet 2014, ch. 3). ``expected`` is 0: percent agreement makes
    no correction for chance, which is why it should be reported beside a chance-corrected
    coefficient, not alone.
    """
    ratings = _encode(data)
    space = _space(ratings, categories, weights, "percent agreement", need_two=False)
    pa, n_units, n_values = _observed_pa(space.codes, space.weights)
    return AgreementResult(
        metric="percent_agreement",
        value=pa,
        observed=pa,
        expected=0.0,
        basis="agreement",
        n_units=n_units,
        n_coders=int(ratings.codes.shape[0]),
        n_values=n_values,
        n_categories=space.q,
        weights=space.weights_name,
    )


def _encode_pair(a: Sequence[Any], b: Sequence[Any]) -> _Ratings:
    """Two coders' labels as a 2 x units table; numeric input takes the vectorised path."""
    if (
        isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
        and a.ndim == 1 and b.ndim == 1 and a.size == b.size
        and a.dtype.kind in "biuf" and b.dtype.kind in "biuf"
    ):
        return _encode(np.vstack((a.astype(np.float64, copy=False), b.astype(np.float64, copy=False))))
    left, right = list(a), list(b)
    if len(left) != len(right):
        raise PiriQualError(
            f"coder A has {len(left)} labels but coder B has {len(right)}: Cohen's kappa needs "
            "one label from each coder per unit",
            hint="Use None where a coder did not code a unit.",
        )
    if _plain_numbers(left, right):
        table = np.asarray([left, right])
        if table.dtype.kind in "biuf":
            return _encode(table)
    return _encode([left, right])


def _plain_numbers(*rows: list[Any]) -> bool:
    """True when the first labels are plain numbers, so numpy can convert the rows at C speed
    (a None, a string or a ragged row anywhere makes the conversion fall back to objects,
    which go through the checked path)."""
    return all(row and _is_number(row[0]) for row in rows)


def _cohen(ca: np.ndarray, cb: np.ndarray, space: _Space, labels: np.ndarray) -> AgreementResult:
    """Cohen's kappa of two coders' complete pairs of category codes."""
    n = int(ca.size)
    q = space.q
    count_a = np.bincount(ca, minlength=q).astype(np.int64)
    count_b = np.bincount(cb, minlength=q).astype(np.int64)
    used = int(np.count_nonzero(count_a + count_b))
    if used == 1:
        only = _label(labels, int(ca[0]))
        raise PiriQualError(
            f"Cohen's kappa is undefined: both coders used the single category {only!r} for "
            "every unit, so chance agreement is 1",
            hint="Report percent agreement, or include units where other categories apply.",
        )
    if space.weights is None:
        observed = float(np.count_nonzero(ca == cb)) / n
        expected = int(np.dot(count_a, count_b)) / float(n * n)
    else:
        table = np.bincount(ca * q + cb, minlength=q * q).reshape(q, q)
        observed = float((space.weights * table).sum()) / n
        expected = _quadratic_form(count_a.astype(np.float64), space.weights, count_b.astype(np.float64)) / (
            float(n) * n
        )
    metric = "cohen_kappa"
    return _result(metric, observed, expected, space, n, 2, 2 * n, space.q if space.given else used)


def cohen_kappa(
    a: Sequence[Any], b: Sequence[Any], weights: Any = None, categories: Sequence[Any] | None = None
) -> AgreementResult:
    """Cohen's (1960) kappa, or Cohen's (1968) weighted kappa, for two coders' labels.

    ``a[i]`` and ``b[i]`` are the two labels of unit i; a pair where either label is missing
    (None or NaN) is left out, as Cohen's kappa is defined on complete pairs. ``observed`` is
    the (weighted) proportion of agreeing pairs p_o = sum_kl w_kl p_kl, ``expected`` the chance
    agreement p_c = sum_kl w_kl p_ak p_bl from each coder's own marginal proportions, and
    kappa = (p_o - p_c) / (1 - p_c). ``weights`` is None (w = identity), ``linear``,
    ``quadratic`` or another name in :data:`~piri_qual.analysis.agreement_weights.WEIGHTS`, or
    a q x q agreement-weight matrix over ``categories`` (default: the labels seen, sorted; text
    labels need ``categories`` in scale order for weights). Linear and quadratic weights are on
    the category values, as in Gwet (2014) and scikit-learn's ``cohen_kappa_score`` for
    consecutive integer codes.

    Numeric numpy arrays take a vectorised path: a 100,000-unit weighted kappa is a few
    milliseconds (``make bench``).

    Raises PiriQualError for sequences of different lengths, no complete pair, or both coders
    using one and the same category for every unit (p_c = 1: kappa is undefined).
    """
    ratings = _encode_pair(a, b)
    space = _space(ratings, categories, weights, "Cohen's kappa", need_two=False)
    codes = space.codes
    complete = (codes[0] >= 0) & (codes[1] >= 0)
    if not bool(complete.any()):
        raise PiriQualError(
            "Cohen's kappa needs units coded by both coders, but no unit has two labels",
            hint="Double-code some units and try again.",
        )
    labels = space.categories if space.given else ratings.labels
    return _cohen(codes[0, complete], codes[1, complete], space, labels)


def _counts_space(table: np.ndarray, weights: Any, categories: Sequence[Any] | None) -> _Space:
    """The category space of a subjects x categories table: columns in order, weights on the
    ``categories`` values when they are numbers, else on the column positions."""
    q = table.shape[1]
    if categories is None:
        cats: np.ndarray = np.arange(1, q + 1, dtype=np.float64)
        numeric = True
    else:
        given = list(categories)
        if len(given) != q:
            raise PiriQualError(
                f"Fleiss' kappa: {len(given)} categories given for a table with {q} columns",
                hint="Give one category per column, in the columns' order.",
            )
        numeric = all(_is_number(c) for c in given)
        cats = np.asarray(given, dtype=np.float64) if numeric else np.asarray([str(c) for c in given], dtype=np.str_)
        if numeric and bool(np.any(np.diff(cats) <= 0)):
            raise PiriQualError(
                "Fleiss' kappa: numeric categories must be in ascending order, like the columns",
                hint="Order the table's columns from the lowest to the highest value.",
            )
    matrix = weight_matrix(weights, cats, numeric)
    return _Space(np.zeros((0, 0), dtype=np.int64), cats, numeric, matrix, weights_name(weights), categories is not None)


def fleiss_kappa(counts: Any, weights: Any = None, categories: Sequence[Any] | None = None) -> AgreementResult:
    """Fleiss' (1971) kappa from a subjects x categories table of counts, in Gwet's (2014)
    generalisation to weights and to subjects rated by different numbers of raters.

    ``counts[i][k]`` is the number of raters who put subject i in category k (r_ik; r_i raters
    rated subject i). ``observed`` is p_a, the mean over subjects with r_i >= 2 of
    sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1)) with r*_ik = sum_l w_kl r_il (Fleiss' P-bar when
    unweighted); ``expected`` is p_e = sum_kl w_kl pi_k pi_l, where pi_k is the mean over
    subjects rated at least once of r_ik / r_i (the share of all ratings in k when every
    subject has the same number of raters); kappa = (p_a - p_e) / (1 - p_e). Subjects with a
    single rating count toward pi only.

    ``weights`` as for :func:`cohen_kappa`, over the columns in order; ``categories`` gives the
    columns' values (numbers, ascending) for value-based weights, else positions 1..q are used.
    """
    try:
        table = np.asarray(counts, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PiriQualError(
            "Fleiss' kappa needs a subjects x categories table of counts (numbers only)",
            hint="Each row is a subject, each column a category, each cell a count of raters.",
        ) from exc
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] == 0:
        raise PiriQualError(
            "Fleiss' kappa needs a non-empty subjects x categories table of counts",
            hint="Each row is a subject, each column a category, each cell a count of raters.",
        )
    if bool((table < 0).any()) or bool((table != np.round(table)).any()):
        raise PiriQualError(
            "Fleiss' kappa counts must be whole numbers of raters (0, 1, 2, ...)",
            hint="Check the table: each cell counts the raters who chose that category.",
        )
    space = _counts_space(table, weights, categories)
    per_subject = table.sum(axis=1)
    pairable = per_subject >= 2
    if not bool(pairable.any()):
        raise PiriQualError(
            "Fleiss' kappa needs at least 2 ratings per subject, but no subject has more than "
            f"{per_subject.max():g}",
            hint="Each subject must be rated by two or more raters.",
        )
    totals = table.sum(axis=0)
    if int(np.count_nonzero(totals)) == 1:
        raise PiriQualError(
            "Fleiss' kappa is undefined: every rating falls in a single category, so chance "
            "agreement is 1",
            hint="Report percent agreement, or include subjects where other categories apply.",
        )
    rows, raters = table[pairable], per_subject[pairable]
    weighted = rows if space.weights is None else rows @ space.weights.T
    observed = float(np.mean((rows * (weighted - 1.0)).sum(axis=1) / (raters * (raters - 1.0))))
    rated = per_subject >= 1
    pi = (table[rated] / per_subject[rated, None]).mean(axis=0)
    expected = _quadratic_form(pi, space.weights, pi)
    return _result(
        "fleiss_kappa", observed, expected, space, int(pairable.sum()), int(per_subject.max()),
        int(totals.sum()), int(np.count_nonzero(totals)) if categories is None else space.q,
    )


def category_counts(data: Any, categories: Sequence[Any] | None = None) -> tuple[list[Any], np.ndarray]:
    """Coders x units reliability data as the subjects x categories counts Fleiss' kappa takes.

    Returns the categories (sorted labels, or ``categories`` in scale order) and the units x
    categories table of how many coders chose each; units nobody rated are dropped.
    """
    ratings = _encode(data)
    space = _space(ratings, categories, None, "category counts", need_two=False)
    codes = space.codes
    rated = (codes >= 0).any(axis=0)
    codes = codes[:, rated]
    q = space.q
    n_units = codes.shape[1]
    present = codes >= 0
    cells = (np.broadcast_to(np.arange(n_units), codes.shape)[present] * q) + codes[present]
    table = np.bincount(cells, minlength=n_units * q).reshape(n_units, q).astype(np.float64)
    return [_label(space.categories, k) for k in range(q)], table


def _agreement_coefficient(
    metric: str, data: Any, categories: Sequence[Any] | None, weights: Any = None
) -> AgreementResult:
    ratings = _encode(data)
    label = "gwet_ac2" if metric == "gwet_ac1" and weights_name(weights) != "identity" else metric
    space = _space(ratings, categories, weights, _NAMES.get(label, label))
    q = space.q
    pa, n_units, n_values = _observed_pa(space.codes, space.weights)
    if metric == "brennan_prediger":
        pe = space.total_weight() / (q * q)
    elif metric == "gwet_ac1":
        pi = _unit_shares(space.codes, q)
        pe = space.total_weight() * float(np.dot(pi, 1.0 - pi)) / (q * (q - 1.0))
    elif metric == "fleiss_kappa":
        pi = _unit_shares(space.codes, q)
        pe = _quadratic_form(pi, space.weights, pi)
    else:  # conger_kappa
        shares = _coder_shares(space.codes, q)
        r = shares.shape[0]
        total = shares.sum(axis=0)
        own = sum(_quadratic_form(p, space.weights, p) for p in shares)
        pe = (_quadratic_form(total, space.weights, total) - own) / (r * (r - 1.0))
    return _result(label, pa, pe, space, n_units, int(ratings.codes.shape[0]), n_values)


def gwet_ac1(data: Any, categories: Sequence[Any] | None = None, weights: Any = None) -> AgreementResult:
    """Gwet's AC1 (AC2 with ``weights``) for two or more coders, with missing values
    (Gwet 2014, Handbook ch. 2-4).

    ``data`` is coders x units as for :func:`krippendorff_alpha`. ``observed`` is the
    percent agreement p_a over units rated at least twice (see :func:`percent_agreement`);
    ``expected`` is p_e = T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k), where pi_k is the mean over
    units rated at least once of the share of that unit's ratings in category k, q the number
    of categories and T_w the sum of the agreement weights (q unweighted, so AC1's
    p_e = sum_k pi_k (1 - pi_k) / (q - 1)). Pass ``categories`` (every category the coders
    could choose) so that q does not depend on which ones happened to be used; by default q
    counts the labels seen. With weights other than identity the result is named ``gwet_ac2``.
    """
    return _agreement_coefficient("gwet_ac1", data, categories, weights)


def gwet_ac2(data: Any, weights: Any = "quadratic", categories: Sequence[Any] | None = None) -> AgreementResult:
    """Gwet's AC2: :func:`gwet_ac1` with agreement weights for ordered categories (Gwet 2014,
    ch. 3); quadratic weights unless told otherwise."""
    return _agreement_coefficient("gwet_ac1", data, categories, weights)


def brennan_prediger(data: Any, categories: Sequence[Any] | None = None, weights: Any = None) -> AgreementResult:
    """Brennan and Prediger's (1981) coefficient for two or more coders, with missing values.

    Same inputs and observed agreement as :func:`gwet_ac1`; chance agreement is uniform,
    p_e = T_w / q^2 (1 / q unweighted), so ``categories`` (every category open to the coders)
    matters: by default q counts the labels seen. Gwet (2014) gives this multi-rater, weighted
    form.
    """
    return _agreement_coefficient("brennan_prediger", data, categories, weights)


def conger_kappa(data: Any, weights: Any = None, categories: Sequence[Any] | None = None) -> AgreementResult:
    """Conger's (1980) kappa for two or more coders: the multi-rater kappa that is Cohen's kappa
    for two, in Gwet's (2014) form with weights and missing values.

    ``observed`` is p_a as for :func:`gwet_ac1`. ``expected`` keeps each coder's own marginals,
    as Cohen's does: with p_gk the share of coder g's ratings in category k (over the units g
    rated), p_e = sum_kl w_kl (pbar_k pbar_l - s2_kl / r), which equals the mean over ordered
    pairs of different coders g, h of sum_kl w_kl p_gk p_hl. Coders who rated nothing are left
    out of p_e.
    """
    ratings = _encode(data)
    if int(((ratings.codes >= 0).any(axis=1)).sum()) < 2:
        raise PiriQualError(
            "Conger's kappa needs ratings from at least two coders",
            hint="Give one row per coder; each needs some ratings.",
        )
    return _agreement_coefficient("conger_kappa", data, categories, weights)


def fleiss_kappa_ratings(
    data: Any, weights: Any = None, categories: Sequence[Any] | None = None
) -> AgreementResult:
    """:func:`fleiss_kappa` computed straight from coders x units reliability data (missing values
    allowed: units are rated by however many coders rated them)."""
    return _agreement_coefficient("fleiss_kappa", data, categories, weights)


def pairwise_kappa(
    data: Any, weights: Any = None, categories: Sequence[Any] | None = None
) -> dict[tuple[int, int], AgreementResult | None]:
    """Cohen's (weighted) kappa of every pair of coders, each on the units both coded.

    Keys are (i, j) with i < j, coder indexes into ``data``; the value is None where the pair
    shares no unit or kappa is undefined for them. All pairs use one category set and one
    weight matrix, so their figures are comparable.
    """
    ratings = _encode(data)
    space = _space(ratings, categories, weights, "Cohen's kappa", need_two=False)
    codes = space.codes
    labels = space.categories if space.given else ratings.labels
    result: dict[tuple[int, int], AgreementResult | None] = {}
    for i in range(codes.shape[0]):
        for j in range(i + 1, codes.shape[0]):
            both = (codes[i] >= 0) & (codes[j] >= 0)
            try:
                result[(i, j)] = _cohen(codes[i, both], codes[j, both], space, labels) if both.any() else None
            except PiriQualError:
                result[(i, j)] = None
    return result


def light_kappa(data: Any, weights: Any = None, categories: Sequence[Any] | None = None) -> AgreementResult:
    """Light's (1971) kappa: the mean of the pairwise Cohen's kappas of all coders (weighted
    with ``weights``), as R's ``irr::kappam.light``.

    Pairs whose kappa is undefined are left out of the mean. ``value`` is that mean;
    ``observed`` and ``expected`` are the means of the pairs' p_o and p_c (so here ``value`` is
    not (observed - expected) / (1 - expected)).
    """
    ratings = _encode(data)
    if ratings.codes.shape[0] < 2:
        raise PiriQualError("Light's kappa needs at least two coders", hint="Give one row per coder.")
    pairs = [r for r in pairwise_kappa(data, weights, categories).values() if r is not None]
    if not pairs:
        raise PiriQualError(
            "Light's kappa is undefined: no pair of coders has a defined kappa",
            hint="Each pair needs units both coded, with more than one category between them.",
        )
    pairable = int(((ratings.codes >= 0).sum(axis=0) >= 2).sum())
    return AgreementResult(
        metric="light_kappa",
        value=float(np.mean([r.value for r in pairs])),
        observed=float(np.mean([r.observed for r in pairs])),
        expected=float(np.mean([r.expected for r in pairs])),
        basis="agreement",
        n_units=pairable,
        n_coders=int(ratings.codes.shape[0]),
        n_values=int((ratings.codes >= 0).sum()),
        n_categories=max(r.n_categories for r in pairs),
        weights=weights_name(weights),
    )


# --------------------------------------------------------------------------------------------
# Krippendorff's unitizing alpha over a continuum
# --------------------------------------------------------------------------------------------


def _normalise_segments(
    segments: Sequence[Iterable[Sequence[Any]]] | Mapping[Any, Iterable[Sequence[Any]]],
    length: int,
) -> tuple[int, dict[Hashable, list[tuple[np.ndarray, np.ndarray]]]]:
    """Check every (start, end, category) and return, per category, each coder's sorted,
    non-overlapping units as (starts, ends) arrays."""
    if isinstance(length, bool) or not isinstance(length, int | np.integer) or length <= 0:
        raise PiriQualError(
            f"the continuum length must be a positive whole number of characters, got {length!r}",
            hint="Pass the length of the transcript text, e.g. len(text).",
        )
    if isinstance(segments, Mapping):
        coders = [(str(name), spans) for name, spans in segments.items()]
    else:
        coders = [(f"coder {k + 1}", spans) for k, spans in enumerate(segments)]
    if len(coders) < 2:
        raise PiriQualError(
            f"unitizing alpha needs at least 2 coders' unitizations, got {len(coders)}",
            hint="Give one list of (start, end, category) segments per coder.",
        )
    raw: list[dict[Hashable, list[tuple[int, int]]]] = []
    order: dict[Hashable, None] = {}
    for name, spans in coders:
        mine: dict[Hashable, list[tuple[int, int]]] = {}
        for seg in spans:
            try:
                start, end, category = seg
            except (TypeError, ValueError) as exc:
                raise PiriQualError(
                    f"{name}: segment {seg!r} is not a (start, end, category) triple",
                    hint="Write each segment as (start, end, category) with end exclusive.",
                ) from exc
            if not all(
                isinstance(v, int | np.integer) and not isinstance(v, bool) for v in (start, end)
            ):
                raise PiriQualError(
                    f"{name}: segment {seg!r} has non-integer offsets",
                    hint="Offsets are whole character positions, start inclusive, end exclusive.",
                )
            if not 0 <= start < end <= length:
                raise PiriQualError(
                    f"{name}: segment {seg!r} is not inside the continuum [0, {length}) or is "
                    "empty",
                    hint="Each segment needs 0 <= start < end <= length.",
                )
            mine.setdefault(category, []).append((int(start), int(end)))
            order.setdefault(category, None)
        raw.append(mine)
    per_category: dict[Hashable, list[tuple[np.ndarray, np.ndarray]]] = {}
    for category in order:
        per_category[category] = [_merge(mine.get(category, [])) for mine in raw]
    return len(coders), per_category


def _merge(spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Sort one coder's units of one category and merge those that overlap (share a position).

    Krippendorff's definition assumes a coder's units of a category do not overlap; touching
    units (one ends where the next starts) stay separate units.
    """
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(spans):
        if ends and start < ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return np.asarray(starts, dtype=np.float64), np.asarray(ends, dtype=np.float64)


def _gap_lengths(starts: np.ndarray, ends: np.ndarray, length: int) -> np.ndarray:
    lengths = np.concatenate((starts, [float(length)])) - np.concatenate(([0.0], ends))
    return lengths[lengths > 0]


def _pair_disagreement(si: np.ndarray, ei: np.ndarray, sj: np.ndarray, ej: np.ndarray) -> float:
    """Sum of delta^2 over all (section of coder i, section of coder j) pairs.

    Krippendorff (1995; 2004 section 12.5): two overlapping units differ by
    (b_i - b_j)^2 + (e_i - e_j)^2; a unit lying wholly inside the other coder's gap differs by
    its length squared; every other pair (including a unit partly over a gap) by 0.
    """
    total = 0.0
    # units of i overlapping units of j: j's units are sorted and disjoint, so they form a run
    lo = np.searchsorted(ej, si, side="right")  # first j unit ending after i's start
    hi = np.searchsorted(sj, ei, side="left")  # first j unit starting at or after i's end
    runs = np.maximum(hi - lo, 0)
    total += float((((ei - si)[runs == 0]) ** 2).sum())
    lo_j = np.searchsorted(ei, sj, side="right")
    hi_j = np.searchsorted(si, ej, side="left")
    total += float((((ej - sj)[hi_j - lo_j <= 0]) ** 2).sum())
    n_pairs = int(runs.sum())
    if n_pairs:
        g = np.repeat(np.arange(si.size), runs)
        offsets = np.arange(n_pairs) - np.repeat(np.cumsum(runs) - runs, runs)
        h = np.repeat(lo, runs) + offsets
        total += float(((si[g] - sj[h]) ** 2 + (ei[g] - ej[h]) ** 2).sum())
    return total


def _unitizing_parts(
    units: list[tuple[np.ndarray, np.ndarray]], length: int
) -> tuple[float, float, int]:
    """Observed and expected disagreement of one category, and its number of units."""
    m = len(units)
    big_l = float(length)
    observed_sum = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            observed_sum += 2.0 * _pair_disagreement(*units[i], *units[j])
    observed = observed_sum / (m * (m - 1) * big_l * big_l)

    unit_lengths = np.concatenate([e - s for s, e in units])
    gaps = np.sort(np.concatenate([_gap_lengths(s, e, length) for s, e in units]))
    n_units = int(unit_lengths.size)
    if n_units == 0:
        return observed, 0.0, 0
    ll = unit_lengths
    # (N_c - 1)/3 * (2l^3 - 3l^2 + l): a unit against every other unit, all relative positions
    term_units = (n_units - 1) * float((ll * (ll - 1.0) * (2.0 * ll - 1.0)).sum()) / 3.0
    # l^2 * sum over gaps at least as long as the unit of the (l_gap - l + 1) ways to fit it
    first = np.searchsorted(gaps, ll, side="left")
    suffix = np.concatenate((np.cumsum(gaps[::-1])[::-1], [0.0]))
    fits = suffix[first] - (gaps.size - first) * (ll - 1.0)
    term_gaps = float((ll * ll * fits).sum())
    denominator = m * big_l * (m * big_l - 1.0) - float((ll * (ll - 1.0)).sum())
    expected = 2.0 * (term_units + term_gaps) / (big_l * denominator)
    return observed, expected, n_units


def unitizing_alpha(
    segments: Sequence[Iterable[Sequence[Any]]] | Mapping[Any, Iterable[Sequence[Any]]],
    length: int,
) -> UnitizingResult:
    """Krippendorff's unitizing alpha (u-alpha) for free-form spans over a text continuum.

    Variant: the u-alpha of Krippendorff (1995) "On the reliability of unitizing continuous
    data" as given in Content Analysis, 2nd ed. (2004), section 12.5 -- one alpha per category
    c, ``1 - uD_o(c) / uD_e(c)``, and the overall value ``1 - sum_c uD_o / sum_c uD_e``. It is
    not the cu-alpha family of Krippendorff et al. (2016), which revised the definition because
    this one can behave unexpectedly with more than two coders; use it for pairs of coders.

    ``segments`` holds, per coder (a list, or a mapping coder -> segments), an iterable of
    ``(start, end, category)`` with code-point offsets, start inclusive and end exclusive, over
    the continuum ``[0, length)``. For each category, a coder's units split the continuum into
    units and gaps. With m coders, L = length and N_c units of category c over all coders:

    * uD_o = sum over ordered coder pairs (i, j), i != j, and their section pairs of delta^2,
      divided by m (m - 1) L^2, where overlapping units differ by
      (start_i - start_j)^2 + (end_i - end_j)^2, a unit lying wholly inside the other coder's
      gap by its length squared, and all other pairs by 0;
    * uD_e = (2 / L) * sum over all units of length l of
      [(N_c - 1) (2 l^3 - 3 l^2 + l) / 3 + l^2 * sum over all gaps g with l_g >= l of
      (l_g - l + 1)] divided by [m L (m L - 1) - sum over units of l (l - 1)].

    Overlapping spans of one category by one coder are merged first (the definition assumes a
    coder's units of a category are disjoint); touching spans stay separate units.
    """
    n_coders, per_category = _normalise_segments(segments, length)
    if not per_category:
        raise PiriQualError(
            "unitizing alpha is undefined: no coder marked any segment",
            hint="Each coder needs to code at least one span of the transcript.",
        )
    results: dict[Hashable, AgreementResult] = {}
    total_observed = total_expected = 0.0
    total_units = 0
    for category, units in per_category.items():
        observed, expected, n_units = _unitizing_parts(units, length)
        total_observed += observed
        total_expected += expected
        total_units += n_units
        results[category] = AgreementResult(
            metric="unitizing_alpha",
            value=1.0 - observed / expected if expected > 0 else math.nan,
            observed=observed,
            expected=expected,
            basis="disagreement",
            n_units=n_units,
            n_coders=n_coders,
            n_values=n_units,
            n_categories=1,
        )
    if total_expected <= 0.0:
        raise PiriQualError(
            "unitizing alpha is undefined: the expected disagreement is zero",
            hint="This happens when units leave no room to differ (e.g. all units of length 1 "
            "filling the text).",
        )
    return UnitizingResult(
        metric="unitizing_alpha",
        value=1.0 - total_observed / total_expected,
        observed=total_observed,
        expected=total_expected,
        basis="disagreement",
        n_units=total_units,
        n_coders=n_coders,
        n_values=total_units,
        n_categories=len(results),
        length=int(length),
        per_category=results,
    )


# --------------------------------------------------------------------------------------------
# Bootstrap confidence intervals
# --------------------------------------------------------------------------------------------


def bootstrap_ci(
    metric: Callable[..., AgreementResult],
    data: Any,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    **options: Any,
) -> BootstrapResult:
    """Seeded percentile bootstrap over units for any coefficient in this module.

    ``data`` is what ``metric`` takes: coders x units for alpha, AC1, Brennan-Prediger and
    percent agreement; the pair ``(a, b)`` for :func:`cohen_kappa`; the subjects x categories
    table for :func:`fleiss_kappa` (its rows are resampled). Units are resampled by
    :func:`piri_qual.core.resampling.bootstrap` (drawn with replacement ``n_boot`` times from
    ``numpy.random.default_rng(seed)``; the interval is the ((1 - ci) / 2, (1 + ci) / 2)
    percentiles), the coefficient recomputed on each resample. Extra keyword ``options`` go to
    ``metric`` (e.g. ``level="ordinal"``). Resamples on which the coefficient is undefined are
    skipped and counted out of ``n_valid``.
    """
    if not 0.0 < ci < 1.0:
        raise PiriQualError(
            f"the confidence level must lie between 0 and 1, got {ci!r}",
            hint="Use e.g. ci=0.95 for a 95% interval.",
        )
    if n_boot < 1:
        raise PiriQualError(
            f"n_boot must be at least 1, got {n_boot!r}", hint="Use e.g. n_boot=1000."
        )

    if metric is fleiss_kappa:
        table = np.asarray(data, dtype=np.float64)
        estimate = fleiss_kappa(table)

        def compute(index: np.ndarray) -> AgreementResult:
            return fleiss_kappa(table[index])

        n_units = table.shape[0]
    else:
        if metric is cohen_kappa:
            pair = list(data)
            if len(pair) != 2:
                raise PiriQualError(
                    "bootstrap of Cohen's kappa needs data=(a, b): the two coders' labels",
                    hint="Pass the two label sequences as a pair.",
                )
            estimate = cohen_kappa(pair[0], pair[1])
        else:
            estimate = metric(data, **options)
        ratings = _encode(data)
        if ratings.numeric:
            matrix = np.where(
                ratings.codes >= 0, ratings.labels[np.maximum(ratings.codes, 0)], np.nan
            )
        else:
            # index -1 (missing) picks the trailing None
            lookup = np.empty(ratings.labels.size + 1, dtype=object)
            lookup[:-1] = [_label(ratings.labels, k) for k in range(ratings.labels.size)]
            lookup[-1] = None
            matrix = lookup[ratings.codes]

        def compute(index: np.ndarray) -> AgreementResult:
            sample = matrix[:, index]
            if metric is cohen_kappa:
                return cohen_kappa(list(sample[0]), list(sample[1]))
            return metric(sample, **options)

        n_units = matrix.shape[1]

    interval = bootstrap(
        lambda index: compute(index).value, n_units, n_boot=n_boot, seed=seed, ci=ci,
        undefined=(PiriQualError,),
    )
    if not interval.n_valid:
        raise PiriQualError(
            "every bootstrap resample gave an undefined coefficient",
            hint="The data are too small or too uniform for a bootstrap interval.",
        )
    return BootstrapResult(
        estimate=estimate,
        low=interval.low,
        high=interval.high,
        ci=ci,
        n_boot=n_boot,
        n_valid=interval.n_valid,
        seed=seed,
    )
