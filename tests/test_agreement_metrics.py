"""Inter-coder agreement metrics checked against published worked examples.

Every fixed-value test names the publication whose table and figure it reproduces. Where a
source gives only rounded figures the test compares at that rounding; where the arithmetic is
short it is written out so a reader can redo it by hand.
"""

from __future__ import annotations

import math
from fractions import Fraction

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piri_qual.analysis.agreement import (
    LEVELS,
    bootstrap_ci,
    brennan_prediger,
    cohen_kappa,
    coincidence_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    unitizing_alpha,
)
from piri_qual.errors import PiriQualError

_ = None

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section E: 4 observers
# A-D code 12 units on a 1-5 scale with missing values. Gwet (2014) Handbook of Inter-Rater
# Reliability, 4th ed., p. 120 uses the same data.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]

# Fleiss (1971) "Measuring nominal scale agreement among many raters", Psychol Bull 76:378,
# Table 1: 30 patients, 6 psychiatrists each, categories depression, personality disorder,
# schizophrenia, neurosis, other. Cell = number of psychiatrists choosing that diagnosis.
FLEISS_1971 = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
    [0, 0, 5, 0, 1], [3, 0, 0, 1, 2], [5, 1, 0, 0, 0], [0, 2, 0, 4, 0], [1, 0, 2, 0, 3],
    [0, 0, 0, 0, 6], [0, 1, 0, 5, 0], [0, 2, 0, 1, 3], [2, 0, 0, 4, 0], [1, 0, 0, 4, 1],
    [0, 5, 0, 1, 0], [4, 0, 0, 0, 2], [0, 2, 0, 4, 0], [1, 0, 5, 0, 0], [0, 0, 0, 0, 6],
]  # fmt: skip


def _pairs_from_table(table: list[list[int]], labels: list[str]) -> tuple[list[str], list[str]]:
    """Expand a two-coder contingency table (rows = coder A) into two label sequences."""
    a: list[str] = []
    b: list[str] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [labels[i]] * count
            b += [labels[j]] * count
    return a, b


# ------------------------------------------------------------------------------------------
# Krippendorff's alpha
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_reproduces_krippendorff_2011_worked_example(level: str, published: float) -> None:
    """Krippendorff (2011), section E: alpha_nominal .743, ordinal .815, interval .849,
    ratio .797 for the 4 x 12 data with missing values."""
    result = krippendorff_alpha(KRIPPENDORFF_2011, level=level)
    assert round(result.value, 3) == published
    assert result.value == pytest.approx(1 - result.observed / result.expected)
    # unit 12 has a single value and is not pairable: 11 units, 40 pairable values (n..)
    assert (result.n_units, result.n_values, result.n_coders) == (11, 40, 4)


def test_alpha_nominal_parts_match_krippendorff_2011_arithmetic() -> None:
    """Krippendorff (2011) section E: alpha_nominal = 1 - (n.. - 1) * sum_{c != k} o_ck /
    sum_{c != k} n_c n_k with n.. = 40, sum o_ck (c != k) = 8 and the marginals
    n_1..n_5 = 9, 13, 10, 5, 3: 1 - 39 * 8 / (1600 - 384) = 1 - 312 / 1216 = 0.7434."""
    labels, table = coincidence_matrix(KRIPPENDORFF_2011)
    assert labels == [1, 2, 3, 4, 5]
    assert table.sum(axis=0).tolist() == pytest.approx([9, 13, 10, 5, 3])
    off_diagonal = table.sum() - np.trace(table)
    assert off_diagonal == pytest.approx(8)
    result = krippendorff_alpha(KRIPPENDORFF_2011)
    assert result.observed == pytest.approx(8 / 40)
    assert result.expected == pytest.approx((1600 - 384) / (40 * 39))
    assert result.value == pytest.approx(1 - 312 / 1216)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_alpha_agrees_with_krippendorff_package_on_random_data(level: str, seed: int) -> None:
    """Cross-check against the `krippendorff` PyPI package on random data with ~15% missing."""
    rng = np.random.default_rng(seed)
    coders, units = int(rng.integers(2, 6)), int(rng.integers(20, 300))
    data = rng.integers(0, 7, size=(coders, units)).astype(float)
    data[rng.random(data.shape) < 0.15] = np.nan
    ours = krippendorff_alpha(data, level=level).value
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert ours == pytest.approx(theirs, abs=1e-10)


def test_alpha_accepts_text_labels_and_none_like_codes() -> None:
    """String labels (nominal) give the same alpha as the same data coded as numbers."""
    names = {1: "calm", 2: "warm", 3: "tense", 4: "flat", 5: "bright"}
    as_text = [[None if v is None else names[v] for v in row] for row in KRIPPENDORFF_2011]
    assert krippendorff_alpha(as_text).value == pytest.approx(0.743421052631579)
    with_nan = np.array(KRIPPENDORFF_2011, dtype=float)
    assert krippendorff_alpha(with_nan).value == pytest.approx(0.743421052631579)


def test_alpha_drops_units_with_fewer_than_two_values() -> None:
    """Adding units that only one coder coded must not change alpha (Krippendorff 2011)."""
    base = krippendorff_alpha(KRIPPENDORFF_2011, level="interval")
    padded = [row + [_, _] for row in KRIPPENDORFF_2011]
    padded[0][-1] = 5
    padded[2][-2] = 1
    again = krippendorff_alpha(padded, level="interval")
    assert again.value == pytest.approx(base.value)
    assert again.n_units == base.n_units


# ------------------------------------------------------------------------------------------
# Kappa family, AC1, Brennan-Prediger
# ------------------------------------------------------------------------------------------


def test_fleiss_kappa_reproduces_fleiss_1971_table_1() -> None:
    """Fleiss (1971): p_j = .144 .144 .167 .306 .239, P-bar = .556, P-bar_e = .220,
    kappa = (.556 - .220) / (1 - .220) = .430."""
    result = fleiss_kappa(FLEISS_1971)
    totals = np.asarray(FLEISS_1971).sum(axis=0) / 180
    assert [round(p, 3) for p in totals] == [0.144, 0.144, 0.167, 0.306, 0.239]
    assert round(result.observed, 3) == 0.556
    assert round(result.expected, 3) == 0.220
    assert round(result.value, 3) == 0.430
    assert (result.n_units, result.n_coders) == (30, 6)


def test_cohen_kappa_reproduces_cohen_1960_table_1() -> None:
    """Cohen (1960) "A coefficient of agreement for nominal scales", Table 1: proportions
    .44 .07 .09 / .05 .20 .05 / .01 .03 .06 (here x 200 judgements). p_o = .70,
    p_c = .60 x .50 + .30 x .30 + .10 x .20 = .41, kappa = .29 / .59 = .492."""
    a, b = _pairs_from_table([[88, 14, 18], [10, 40, 10], [2, 6, 12]], ["A", "B", "C"])
    result = cohen_kappa(a, b)
    assert result.observed == pytest.approx(0.70)
    assert result.expected == pytest.approx(0.41)
    assert round(result.value, 3) == 0.492
    assert result.value == pytest.approx(0.29 / 0.59)


def test_two_rater_coefficients_reproduce_gwet_2014_abstractors_table() -> None:
    """Gwet (2014) Handbook of Inter-Rater Reliability, 4th ed.: 100 pregnant women classified
    by two abstractors as ectopic / AIU / NIU (13 0 0 / 0 20 7 / 0 4 56), as distributed in
    Gwet's irrCAC (cont3x3abstractors): kappa 0.7964094, AC1 0.8493305, Brennan-Prediger
    0.835, Krippendorff's alpha 0.7972585, percent agreement 0.89."""
    a, b = _pairs_from_table([[13, 0, 0], [0, 20, 7], [0, 4, 56]], ["ectopic", "AIU", "NIU"])
    assert cohen_kappa(a, b).value == pytest.approx(0.7964094, abs=5e-8)
    assert gwet_ac1([a, b]).value == pytest.approx(0.8493305, abs=5e-8)
    assert brennan_prediger([a, b]).value == pytest.approx(0.835, abs=5e-8)
    assert krippendorff_alpha([a, b]).value == pytest.approx(0.7972585, abs=5e-8)
    assert percent_agreement([a, b]).value == pytest.approx(0.89)
    # AC1 chance agreement: pi = (13+13, 27+24, 60+63) / 200 = .13, .255, .615;
    # p_e = (.13 x .87 + .255 x .745 + .615 x .385) / 2 = .269925
    assert gwet_ac1([a, b]).expected == pytest.approx(0.269925)


def test_multi_rater_ac1_and_bp_on_gwet_2014_page_120_data_by_hand() -> None:
    """Gwet (2014) p. 120 (the Krippendorff 2011 data), 4 raters, 5 categories, missing values.

    p_a over the 11 units rated at least twice: units 1,3,4,5,7,9,10,11 agree fully (1 each),
    units 2 and 8 have a 3-1 split (3 x 2 / (4 x 3) = 1/2 each), unit 6 has four different
    ratings (0): p_a = 9 / 11.
    Brennan-Prediger: p_e = 1 / 5, BP = (9/11 - 1/5) / (4/5) = 17 / 22 = 0.7727.
    AC1: pi_k = mean over the 12 rated units of each unit's share in k:
    pi = (3, 3.25, 3.5, 1.25, 1) / 12; sum pi(1 - pi) = 109.625 / 144;
    p_e = 109.625 / 144 / 4 = 0.1903212; AC1 = (9/11 - p_e) / (1 - p_e) = 0.7754.
    """
    pa = Fraction(9, 11)
    bp = brennan_prediger(KRIPPENDORFF_2011)
    assert bp.observed == pytest.approx(float(pa))
    assert bp.expected == pytest.approx(0.2)
    assert bp.value == pytest.approx(17 / 22)
    pe = Fraction(109625, 144000) / 4
    ac1 = gwet_ac1(KRIPPENDORFF_2011)
    assert ac1.expected == pytest.approx(float(pe))
    assert ac1.value == pytest.approx(float((pa - pe) / (1 - pe)))
    assert round(ac1.value, 4) == 0.7754
    assert percent_agreement(KRIPPENDORFF_2011).value == pytest.approx(float(pa))


def test_categories_fix_the_number_of_categories_for_bp() -> None:
    """Brennan-Prediger's chance term 1/q depends on the categories open to the coders."""
    data = [["a", "b", "a", "a"], ["a", "b", "b", "a"]]
    seen = brennan_prediger(data)
    declared = brennan_prediger(data, categories=["a", "b", "c", "d"])
    assert seen.expected == pytest.approx(1 / 2)
    assert declared.expected == pytest.approx(1 / 4)
    assert declared.value == pytest.approx((0.75 - 0.25) / 0.75)


def test_cohen_kappa_excludes_pairs_with_a_missing_label() -> None:
    """Cohen's kappa is defined on complete pairs: a None on either side drops the unit."""
    a = ["x", "y", None, "x", "y", "x", float("nan"), "y"]
    b = ["x", "y", "x", None, "x", "x", "y", "y"]
    kept = [(p, q) for p, q in zip(a, b, strict=True) if p is not None and q is not None]
    kept = [(p, q) for p, q in kept if p == p]
    full = cohen_kappa(a, b)
    plain = cohen_kappa([p for p, _q in kept], [q for _p, q in kept])
    assert full.n_units == 5
    assert full.value == pytest.approx(plain.value)
    # by hand: 5 pairs x/x y/y y/x x/x y/y -> p_o = 4/5; A: x 2, y 3; B: x 3, y 2
    # p_c = (2 x 3 + 3 x 2) / 25 = 12/25; kappa = (20/25 - 12/25) / (13/25) = 8/13
    assert full.value == pytest.approx(8 / 13)


# ------------------------------------------------------------------------------------------
# Errors users can cause
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: krippendorff_alpha([]), "empty"),
        (lambda: krippendorff_alpha([[1, 2, 3], [1, 2]]), "coder 2 has 2 values"),
        (lambda: krippendorff_alpha([[1, None], [None, 2]]), "no unit was coded by two"),
        (lambda: krippendorff_alpha([[3, 3, 3], [3, 3, 3]]), "undefined"),
        (lambda: krippendorff_alpha([[1, 2], [1, 2]], level="nominalish"), "unknown level"),
        (lambda: krippendorff_alpha([["a", "b"], ["a", "b"]], level="interval"), "numeric"),
        (lambda: krippendorff_alpha([[-1, 2], [1, 2]], level="ratio"), "non-negative"),
        (lambda: krippendorff_alpha([[1, "1"], [1, 2]]), "mix numbers and text"),
        (lambda: krippendorff_alpha(["abc", "abd"]), "coders x units"),
        (lambda: cohen_kappa([1, 2, 3], [1, 2]), "coder A has 3 labels but coder B has 2"),
        (lambda: cohen_kappa(["yes", "yes"], ["yes", "yes"]), "single category 'yes'"),
        (lambda: cohen_kappa([None, 1], [1, None]), "no unit has two labels"),
        (lambda: fleiss_kappa([]), "non-empty"),
        (lambda: fleiss_kappa([[2, 1], [1, 1]], weights="cubic"), "unknown weights 'cubic'"),
        (lambda: fleiss_kappa([[3, 0], [3, 0]]), "single category"),
        (lambda: fleiss_kappa([[1, 0], [1, 0]]), "at least 2 ratings"),
        (lambda: gwet_ac1([["a", "a"], ["a", "a"]]), "single category"),
        (lambda: brennan_prediger([["a", "c"], ["a", "b"]], categories=["a", "b"]), "'c'"),
        (lambda: percent_agreement([[1, None], [None, 1]]), "no unit was coded by two"),
    ],
)
def test_user_errors_raise_piriqualerror_with_a_clear_message(call, fragment: str) -> None:
    with pytest.raises(PiriQualError) as caught:
        call()
    assert fragment in str(caught.value)


def test_unknown_level_message_lists_the_valid_choices() -> None:
    with pytest.raises(PiriQualError, match="nominal, ordinal, interval, ratio"):
        krippendorff_alpha([[1, 2], [1, 2]], level="metric")


# ------------------------------------------------------------------------------------------
# Properties (hypothesis)
# ------------------------------------------------------------------------------------------

labels_strategy = st.lists(st.integers(0, 4), min_size=2, max_size=40).filter(
    lambda xs: len(set(xs)) >= 2
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(units=labels_strategy, n_coders=st.integers(2, 5))
def test_perfect_agreement_gives_one(units: list[int], n_coders: int) -> None:
    data = [list(units) for _ in range(n_coders)]
    for level in LEVELS:
        shifted = [[v + 1 for v in row] for row in data]  # ratio wants positive values
        assert krippendorff_alpha(shifted, level=level).value == pytest.approx(1.0)
    assert cohen_kappa(units, units).value == pytest.approx(1.0)
    assert gwet_ac1(data).value == pytest.approx(1.0)
    assert brennan_prediger(data).value == pytest.approx(1.0)
    assert percent_agreement(data).value == pytest.approx(1.0)
    counts = [[row.count(k) for k in range(5)] for row in zip(*data, strict=True)]
    assert fleiss_kappa(counts).value == pytest.approx(1.0)


reliability_strategy = st.integers(2, 4).flatmap(
    lambda m: st.lists(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=m, max_size=m),
        min_size=3,
        max_size=30,
    )
)


def _columns_to_rows(columns: list[list[int | None]]) -> list[list[int | None]]:
    return [list(row) for row in zip(*columns, strict=True)]


def _defined(call):
    try:
        return call()
    except PiriQualError:
        return None


@settings(max_examples=80, deadline=None, derandomize=True)
@given(columns=reliability_strategy, data=st.data())
def test_coefficients_are_symmetric_in_coders_and_invariant_to_unit_order(columns, data) -> None:
    rows = _columns_to_rows(columns)
    coder_order = data.draw(st.permutations(range(len(rows))))
    unit_order = data.draw(st.permutations(range(len(columns))))
    swapped = [rows[i] for i in coder_order]
    shuffled = [[row[u] for u in unit_order] for row in rows]
    metrics = [
        lambda d: krippendorff_alpha(d, level="nominal"),
        lambda d: krippendorff_alpha(d, level="ordinal"),
        lambda d: krippendorff_alpha(d, level="interval"),
        lambda d: krippendorff_alpha(d, level="ratio"),
        gwet_ac1,
        brennan_prediger,
        percent_agreement,
    ]
    for metric in metrics:
        base = _defined(lambda m=metric: m(rows))
        if base is None:
            continue
        assert metric(swapped).value == pytest.approx(base.value, abs=1e-12)
        assert metric(shuffled).value == pytest.approx(base.value, abs=1e-12)
    kappa = _defined(lambda: cohen_kappa(rows[0], rows[1]))
    if kappa is not None:
        assert cohen_kappa(rows[1], rows[0]).value == pytest.approx(kappa.value, abs=1e-12)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(pairs=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=2, max_size=60))
def test_two_coder_alpha_is_scotts_pi_plus_a_small_sample_term(pairs) -> None:
    """For 2 coders with no missing data, n = 2N pairable values and
    D_o = 1 - p_o, D_e = (1 - sum p_c^2) n / (n - 1) with pooled proportions p_c, hence
    alpha = pi + (1 - pi) / (2N), where pi is Scott's pi. Kappa differs from pi only through
    the difference of the two coders' marginals (kappa >= pi)."""
    a = [p for p, _q in pairs]
    b = [q for _p, q in pairs]
    alpha = _defined(lambda: krippendorff_alpha([a, b]))
    kappa = _defined(lambda: cohen_kappa(a, b))
    if alpha is None or kappa is None:
        return
    n_units = len(pairs)
    pooled = np.bincount(a + b, minlength=4) / (2 * n_units)
    pe_scott = float(np.dot(pooled, pooled))
    pi = (kappa.observed - pe_scott) / (1 - pe_scott)
    assert alpha.value == pytest.approx(pi + (1 - pi) / (2 * n_units), abs=1e-12)
    assert kappa.value >= pi - 1e-12


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    n_units=st.integers(2000, 6000),
    n_labels=st.integers(2, 5),
    agree=st.floats(0.0, 0.9),
    seed=st.integers(0, 2**32 - 1),
)
def test_alpha_approaches_kappa_as_units_grow(n_units, n_labels, agree, seed) -> None:
    """Two exchangeable coders (same label distribution), no missing data: alpha - pi is
    exactly (1 - pi) / (2N) and kappa - pi shrinks like the squared marginal difference,
    O(1/N); so |alpha - kappa| <= 40 / N is a generous bound that still tends to 0."""
    rng = np.random.default_rng(seed)
    probs = 0.5 * rng.dirichlet(np.ones(n_labels)) + 0.5 / n_labels
    truth = rng.choice(n_labels, size=n_units, p=probs)
    a = np.where(rng.random(n_units) < agree, truth, rng.choice(n_labels, size=n_units, p=probs))
    b = np.where(rng.random(n_units) < agree, truth, rng.choice(n_labels, size=n_units, p=probs))
    alpha = krippendorff_alpha(np.vstack([a, b])).value
    kappa = cohen_kappa(a.tolist(), b.tolist()).value
    assert abs(alpha - kappa) <= 40 / n_units


@settings(max_examples=30, deadline=None, derandomize=True)
@given(n_coders=st.integers(2, 4), n_units=st.integers(1, 20), label=st.sampled_from(["a", 7]))
def test_single_category_everywhere_is_reported_not_divided_by_zero(n_coders, n_units, label):
    data = [[label] * n_units for _ in range(n_coders)]
    with pytest.raises(PiriQualError, match="undefined"):
        krippendorff_alpha(data)
    with pytest.raises(PiriQualError, match="undefined"):
        cohen_kappa(data[0], data[1])
    with pytest.raises(PiriQualError, match="single category"):
        fleiss_kappa([[n_coders] for _ in range(n_units)])
    with pytest.raises(PiriQualError, match="single category"):
        brennan_prediger(data)
    with pytest.raises(PiriQualError, match="single category"):
        gwet_ac1(data)


@pytest.mark.parametrize("empty", [[], [[]], [[], []], np.zeros((2, 0)), np.zeros((0, 3))])
def test_empty_tables_raise(empty) -> None:
    with pytest.raises(PiriQualError):
        krippendorff_alpha(empty)
    with pytest.raises(PiriQualError):
        gwet_ac1(empty)
    with pytest.raises(PiriQualError):
        fleiss_kappa(empty)


# ------------------------------------------------------------------------------------------
# Unitizing alpha
# ------------------------------------------------------------------------------------------


def test_unitizing_alpha_is_one_for_identical_unitizations() -> None:
    spans = [(3, 14, "support"), (22, 52, "support"), (30, 40, "barrier")]
    result = unitizing_alpha([spans, list(spans), list(spans)], length=60)
    assert result.value == 1.0
    assert result.observed == 0.0
    assert set(result.per_category) == {"support", "barrier"}
    assert all(r.value == 1.0 for r in result.per_category.values())


def test_unitizing_alpha_small_case_worked_by_hand() -> None:
    """Krippendorff (2004) section 12.5 formulas on a continuum of L = 10 characters.

    Coder A marks [2, 6) (l = 4); coder B marks [3, 6) (l = 3).
    Sections: A = gap 2, unit 4, gap 4; B = gap 3, unit 3, gap 4.
    Observed: the units overlap, delta^2 = (2 - 3)^2 + (6 - 6)^2 = 1; no unit lies wholly in
    the other's gap. Over both ordered coder pairs: 2; uD_o = 2 / (m (m-1) L^2) = 2 / 200.
    Expected (N = 2 units; gaps 2, 4, 3, 4):
      unit terms (N - 1) l (l - 1)(2l - 1) / 3: l=4: 4*3*7/3 = 28; l=3: 3*2*5/3 = 10 -> 38
      gap terms l^2 * sum_{gaps >= l} (l_g - l + 1): l=4: 16 * (1 + 1) = 32;
        l=3: 9 * (2 + 1 + 2) = 45 -> 77
      denominator m L (m L - 1) - sum l (l - 1) = 20 * 19 - (12 + 6) = 362
      uD_e = (2 / L) * (38 + 77) / 362 = 23 / 362
    u-alpha = 1 - (1/100) / (23/362) = 1 - 362/2300 = 969/1150 = 0.842609
    """
    result = unitizing_alpha([[(2, 6, "A")], [(3, 6, "A")]], length=10)
    assert result.observed == pytest.approx(2 / 200)
    assert result.expected == pytest.approx(23 / 362)
    assert result.value == pytest.approx(969 / 1150)


def test_unitizing_alpha_reproduces_krippendorff_2004_example() -> None:
    """Krippendorff (2004) Content Analysis, 2nd ed., section 12.5 (p. 254): a continuum from
    150 to 450 (L = 300), two coders, categories c and k. Shifted here to start at 0.

    Category c: coder i marks 225+70 and 370+30; coder j marks 220+80, 355+20, 400+20.
    delta^2: (225,70)-(220,80) = 5^2 + 5^2 = 50; (370,30)-(355,20) = 15^2 + 25^2 = 850;
    j's (400,20) lies in i's gap 400-450: 20^2 = 400. uD_o = 2 * 1300 / (2 * 300^2) = .0144.
    The book's figures: uD_o(c) = .0144, uD_e(c) = .0532, u-alpha(c) = .7286; k identical
    for both coders: u-alpha(k) = 1 with uD_e(k) = .0490; overall
    1 - .0144 / (.0532 + .0490) = .859.
    """
    i = [(225, 295, "c"), (370, 400, "c"), (180, 240, "k"), (300, 350, "k")]
    j = [(220, 300, "c"), (355, 375, "c"), (400, 420, "c"), (180, 240, "k"), (300, 350, "k")]
    shift = [[(s - 150, e - 150, cat) for s, e, cat in coder] for coder in (i, j)]
    result = unitizing_alpha({"i": shift[0], "j": shift[1]}, length=300)
    c, k = result.per_category["c"], result.per_category["k"]
    assert c.observed == pytest.approx(2600 / 180000)
    assert round(c.observed, 4) == 0.0144
    assert round(c.expected, 4) == 0.0532
    assert round(c.value, 4) == 0.7286
    assert k.observed == 0.0 and k.value == 1.0
    assert round(k.expected, 4) == 0.0490
    assert round(result.value, 3) == 0.859


def test_unitizing_merges_overlapping_spans_but_keeps_touching_ones() -> None:
    merged = unitizing_alpha([[(0, 5, "a"), (3, 9, "a")], [(0, 9, "a")]], length=20)
    assert merged.value == 1.0
    touching = unitizing_alpha([[(0, 5, "a"), (5, 9, "a")], [(0, 9, "a")]], length=20)
    assert touching.value < 1.0
    assert touching.per_category["a"].n_units == 3


@pytest.mark.parametrize(
    ("segments", "length", "fragment"),
    [
        ([[(0, 5, "a")]], 10, "at least 2 coders"),
        ([[(0, 5, "a")], [(4, 12, "a")]], 10, "not inside the continuum"),
        ([[(3, 3, "a")], [(0, 2, "a")]], 10, "is empty"),
        ([[(0, 5)], [(0, 5, "a")]], 10, "not a (start, end, category) triple"),
        ([[(0.5, 5, "a")], [(0, 5, "a")]], 10, "non-integer offsets"),
        ([[], []], 10, "no coder marked any segment"),
        ([[(0, 5, "a")], [(0, 5, "a")]], 0, "positive whole number"),
    ],
)
def test_unitizing_errors(segments, length, fragment) -> None:
    with pytest.raises(PiriQualError) as caught:
        unitizing_alpha(segments, length=length)
    assert fragment in str(caught.value)


def _sections(units: list[tuple[int, int]], length: int) -> list[tuple[int, int, int]]:
    """(begin, length, is_unit) for a coder's units and the gaps between them."""
    out: list[tuple[int, int, int]] = []
    at = 0
    for start, end in units:
        if start > at:
            out.append((at, start - at, 0))
        out.append((start, end - start, 1))
        at = end
    if at < length:
        out.append((at, length - at, 0))
    return out


def _delta2(g: tuple[int, int, int], h: tuple[int, int, int]) -> int:
    """Krippendorff's (2004, section 12.5) delta^2 of two sections, written case by case."""
    bg, lg, wg = g
    bh, lh, wh = h
    if wg and wh and -lg < bg - bh < lh:
        return (bg - bh) ** 2 + (bg + lg - bh - lh) ** 2
    if wg and not wh and lh - lg >= bg - bh >= 0:
        return lg**2
    if not wg and wh and lg - lh >= bh - bg >= 0:
        return lh**2
    return 0


def _reference_parts(coders: list[list[tuple[int, int]]], length: int) -> tuple[float, float]:
    """Straight loops over the published formulas, for comparison with the vectorised code."""
    m = len(coders)
    sections = [_sections(units, length) for units in coders]
    total = sum(
        _delta2(g, h)
        for i in range(m)
        for j in range(m)
        if i != j
        for g in sections[i]
        for h in sections[j]
    )
    observed = total / (m * (m - 1) * length**2)
    units = [s for secs in sections for s in secs if s[2]]
    gaps = [s for secs in sections for s in secs if not s[2]]
    big_n = len(units)
    acc = 0.0
    for _b, ll, _w in units:
        acc += (big_n - 1) * (2 * ll**3 - 3 * ll**2 + ll) / 3
        acc += ll**2 * sum(lg - ll + 1 for _bg, lg, _wg in gaps if lg >= ll)
    denominator = m * length * (m * length - 1) - sum(ll * (ll - 1) for _b, ll, _w in units)
    return observed, 2 * acc / (length * denominator)


unitization_strategy = st.integers(2, 3).flatmap(
    lambda m: st.lists(
        st.lists(st.integers(0, 40), min_size=0, max_size=10, unique=True).map(sorted),
        min_size=m,
        max_size=m,
    )
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(cuts=unitization_strategy, touching=st.booleans())
def test_unitizing_parts_match_the_published_formulas_term_by_term(cuts, touching) -> None:
    length = 41
    coders: list[list[tuple[int, int]]] = []
    for points in cuts:
        pairs = list(zip(points[0::2], points[1::2], strict=False))
        units = [(s, e) for s, e in pairs if e > s]
        if touching and len(units) >= 2:  # make the second unit start where the first ends
            units[1] = (units[0][1], max(units[1][1], units[0][1] + 1))
        coders.append(units)
    if not any(coders):
        return
    observed, expected = _reference_parts(coders, length)
    result = unitizing_alpha([[(s, e, "t") for s, e in u] for u in coders], length=length)
    part = result.per_category["t"]
    assert part.observed == pytest.approx(observed, abs=1e-15)
    assert part.expected == pytest.approx(expected, rel=1e-12)
    reversed_result = unitizing_alpha(
        [[(s, e, "t") for s, e in u] for u in reversed(coders)], length=length
    )
    if math.isnan(part.value):
        assert math.isnan(reversed_result.value)
    else:
        assert reversed_result.value == pytest.approx(part.value, abs=1e-12)


# ------------------------------------------------------------------------------------------
# Bootstrap
# ------------------------------------------------------------------------------------------


def _two_coders(seed: int, n_units: int = 80) -> tuple[list[str], list[str | None]]:
    rng = np.random.default_rng(seed)
    truth = rng.choice(["calm", "warm", "tense"], size=n_units, p=[0.5, 0.3, 0.2])
    other = np.where(
        rng.random(n_units) < 0.75, truth, rng.choice(["calm", "warm", "tense"], n_units)
    )
    b: list[str | None] = [str(x) for x in other]
    b[5] = None
    return [str(x) for x in truth], b


def test_bootstrap_is_deterministic_given_the_seed_and_brackets_the_estimate() -> None:
    a, b = _two_coders(11)
    first = bootstrap_ci(cohen_kappa, (a, b), n_boot=300, seed=7)
    again = bootstrap_ci(cohen_kappa, (a, b), n_boot=300, seed=7)
    other = bootstrap_ci(cohen_kappa, (a, b), n_boot=300, seed=8)
    assert (first.low, first.high) == (again.low, again.high)
    assert (first.low, first.high) != (other.low, other.high)
    assert first.estimate.value == pytest.approx(cohen_kappa(a, b).value)
    assert first.low <= first.estimate.value <= first.high
    assert 0 < first.high - first.low < 0.6
    assert first.n_valid == 300


@pytest.mark.parametrize("level", LEVELS)
def test_bootstrap_alpha_brackets_the_estimate(level: str) -> None:
    rng = np.random.default_rng(5)
    truth = rng.integers(1, 6, size=120).astype(float)
    data = np.vstack([truth + rng.integers(-1, 2, size=120) * (rng.random(120) < 0.4)
                      for _ in range(3)])  # fmt: skip
    data[rng.random(data.shape) < 0.1] = np.nan
    result = bootstrap_ci(krippendorff_alpha, data, ci=0.9, n_boot=250, seed=1, level=level)
    assert result.estimate.level == level
    assert result.low <= result.estimate.value <= result.high
    repeat = bootstrap_ci(krippendorff_alpha, data, ci=0.9, n_boot=250, seed=1, level=level)
    assert (repeat.low, repeat.high) == (result.low, result.high)
    wider = bootstrap_ci(krippendorff_alpha, data, ci=0.99, n_boot=250, seed=1, level=level)
    assert wider.low <= result.low and wider.high >= result.high


def test_bootstrap_works_for_text_labels_and_fleiss_tables() -> None:
    a, b = _two_coders(3, n_units=60)
    text = bootstrap_ci(krippendorff_alpha, [a, b], n_boot=200, seed=2)
    assert text.low <= text.estimate.value <= text.high
    fleiss = bootstrap_ci(fleiss_kappa, FLEISS_1971, n_boot=200, seed=2)
    assert fleiss.estimate.value == pytest.approx(0.4302445, abs=5e-8)
    assert fleiss.low <= fleiss.estimate.value <= fleiss.high


def test_bootstrap_rejects_bad_settings() -> None:
    with pytest.raises(PiriQualError, match="between 0 and 1"):
        bootstrap_ci(krippendorff_alpha, KRIPPENDORFF_2011, ci=95)
    with pytest.raises(PiriQualError, match="n_boot"):
        bootstrap_ci(krippendorff_alpha, KRIPPENDORFF_2011, n_boot=0)


def test_bootstrap_skips_resamples_where_the_coefficient_is_undefined() -> None:
    """Six units, one of them 'y': about a third of the resamples hold only 'x', where kappa
    is undefined; they are counted out rather than scored."""
    a = ["x", "x", "x", "x", "x", "y"]
    result = bootstrap_ci(cohen_kappa, (a, list(a)), n_boot=300, seed=0)
    assert 100 < result.n_valid < 300
    assert result.low == result.high == 1.0


@pytest.mark.parametrize("level", ["interval", "ratio", "ordinal"])
def test_alpha_on_non_integer_values_agrees_with_krippendorff_package(level: str) -> None:
    """Measurements with decimals (not category codes) take the general coding path."""
    rng = np.random.default_rng(42)
    truth = rng.gamma(2.0, 1.5, size=150)
    data = np.round(np.vstack([truth + rng.normal(0, 0.5, 150) for _ in range(3)]), 1)
    data = np.abs(data)
    data[rng.random(data.shape) < 0.1] = np.nan
    ours = krippendorff_alpha(data, level=level).value
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert ours == pytest.approx(theirs, abs=1e-10)
    as_lists = [[None if math.isnan(v) else float(v) for v in row] for row in data]
    assert krippendorff_alpha(as_lists, level=level).value == pytest.approx(ours, abs=1e-12)
