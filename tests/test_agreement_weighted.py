"""Weighted coefficients, Gwet's missing-ratings generalisations, Conger's and Light's kappa,
checked against published values.

Sources, each named again where it is used:

* R's ``irr`` package (Gamer et al.): the documented examples of ``kappa2`` on its ``anxiety``
  data and of ``kappam.light`` / ``kappa2`` on its ``diagnoses`` data; the data sets are
  transcribed below from the package's ``data/*.rda`` files.
* Gwet (2014) Handbook of Inter-Rater Reliability, 4th ed., as computed by Gwet's own ``irrCAC``
  package in its published vignettes ("Calculating Chance-corrected Agreement Coefficients" and
  "Weighted Chance-corrected Agreement Coefficients"): the 4-rater data with missing ratings
  (``cac.raw4raters``), the 6-rater distribution (``distrib.6raters``, the first 15 subjects of
  Fleiss 1971) and the two abstractors' 3 x 3 table (``cont3x3abstractors``).
* scikit-learn's ``cohen_kappa_score(weights=...)`` as an oracle on random tables.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from piri_qual.analysis.agreement import (
    brennan_prediger,
    category_counts,
    cohen_kappa,
    conger_kappa,
    fleiss_kappa,
    fleiss_kappa_ratings,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    light_kappa,
    pairwise_kappa,
    percent_agreement,
)
from piri_qual.analysis.agreement_weights import WEIGHTS, weight_matrix
from piri_qual.errors import PiriQualError

_ = None

# irr's `anxiety`: 20 subjects rated 1 (not anxious) to 6 (extremely anxious) by 3 raters.
ANXIETY = [
    [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3],
    [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4],
    [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2],
]

# irr's `diagnoses`: Fleiss (1971), 30 patients, 6 raters, categories 1 depression,
# 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other (rater by rater, as in irr).
DIAGNOSES = [
    [4, 2, 2, 5, 2, 1, 3, 1, 1, 5, 1, 1, 2, 1, 2, 3, 1, 1, 2, 1, 5, 2, 2, 1, 1, 2, 1, 2, 1, 5],
    [4, 2, 3, 5, 2, 1, 3, 1, 1, 5, 4, 2, 2, 4, 2, 3, 1, 1, 2, 3, 5, 4, 2, 1, 4, 2, 1, 2, 3, 5],
    [4, 2, 3, 5, 2, 3, 3, 3, 4, 5, 4, 4, 2, 4, 4, 3, 1, 1, 4, 3, 5, 4, 4, 4, 4, 2, 1, 4, 3, 5],
    [4, 5, 3, 5, 4, 3, 3, 3, 4, 5, 4, 4, 3, 4, 4, 3, 4, 1, 4, 5, 5, 4, 5, 4, 4, 2, 1, 4, 3, 5],
    [4, 5, 3, 5, 4, 3, 5, 3, 4, 5, 4, 4, 3, 4, 4, 3, 5, 1, 4, 5, 5, 4, 5, 4, 4, 2, 5, 4, 3, 5],
    [4, 5, 5, 5, 4, 3, 5, 4, 4, 5, 4, 4, 3, 4, 5, 5, 5, 2, 4, 5, 5, 4, 5, 4, 5, 4, 5, 4, 3, 5],
]  # fmt: skip

# Gwet's `cac.raw4raters` (irrCAC): Krippendorff's (2011) 12 units, 4 raters, 1-5, with missing
# ratings; in Gwet's layout unit 12's single rating is Rater3's.
GWET_4RATERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, _],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]

# Gwet's `distrib.6raters` (irrCAC): subjects 1-15 of Fleiss (1971) Table 1, raters per category.
DISTRIB_6RATERS = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
]  # fmt: skip

ABSTRACTORS = ["ectopic", "AIU", "NIU"]  # Gwet's cont3x3abstractors, in the table's order


def _pairs_from_table(table: list[list[int]], labels: list[str]) -> tuple[list[str], list[str]]:
    a: list[str] = []
    b: list[str] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [labels[i]] * count
            b += [labels[j]] * count
    return a, b


def _irr_weights(disagreement: list[float]) -> np.ndarray:
    """irr::kappa2's own weights: a vector of disagreement weights by distance between levels,
    turned into agreement weights 1 - (v - min) / (max - min), as kappa2 does."""
    v = np.asarray(disagreement, dtype=float)
    w = 1.0 - (v - v.min()) / (v.max() - v.min())
    q = v.size
    return np.asarray([[w[abs(i - j)] for j in range(q)] for i in range(q)])


def _raw_from_counts(counts: list[list[int]]) -> list[list[int]]:
    """A raters x subjects table from a subjects x categories distribution (rater j gives the
    subject's j-th rating; coefficients built on units, not raters, do not depend on which)."""
    per_subject = [[k + 1 for k, c in enumerate(row) for _ in range(c)] for row in counts]
    return [list(column) for column in zip(*per_subject, strict=True)]


# ------------------------------------------------------------------------------------------
# Weights
# ------------------------------------------------------------------------------------------


def test_named_weights_match_gwets_published_matrices() -> None:
    """irrCAC weighting vignette (Gwet): weights for categories 1:3 -- linear 0.5, quadratic
    0.75, radical 0.2928932, ordinal 0.6666667 between neighbours, 0 between the ends."""
    cats = np.asarray([1.0, 2.0, 3.0])
    for name, neighbour in (("linear", 0.5), ("quadratic", 0.75), ("radical", 0.2928932), ("ordinal", 0.6666667)):
        w = weight_matrix(name, cats, True)
        assert w is not None
        assert w[0, 1] == pytest.approx(neighbour, abs=5e-8) and w[1, 2] == pytest.approx(neighbour, abs=5e-8)
        assert w[0, 2] == 0.0 and np.all(np.diag(w) == 1.0)
    # ratio weights by hand: (x_max - x_min) / (x_max + x_min) = 2 / 4; between 1 and 2,
    # ((1 - 2) / (1 + 2))^2 = 1/9, so w = 1 - (1/9) / (1/4) = 5/9.
    ratio = weight_matrix("ratio", cats, True)
    assert ratio is not None and ratio[0, 1] == pytest.approx(5 / 9) and ratio[0, 2] == pytest.approx(0.0)
    assert weight_matrix(None, cats, True) is None and weight_matrix("identity", cats, True) is None
    assert set(WEIGHTS) == {"identity", "linear", "quadratic", "ordinal", "radical", "ratio"}


def test_weights_use_values_for_numbers_and_positions_for_ordered_text() -> None:
    """Gwet (2014, ch. 3): weights are built on the category values when they are numbers; text
    categories are placed at positions 1..q in the order given."""
    numbers = weight_matrix("linear", np.asarray([0.0, 1.0, 5.0]), True)
    texts = weight_matrix("linear", np.asarray(["none", "some", "a lot"]), False)
    assert numbers is not None and texts is not None
    assert numbers[0, 1] == pytest.approx(1 - 1 / 5) and texts[0, 1] == pytest.approx(0.5)


# ------------------------------------------------------------------------------------------
# Cohen's weighted kappa
# ------------------------------------------------------------------------------------------


def test_weighted_kappa_reproduces_irr_kappa2_on_anxiety() -> None:
    """irr's documented kappa2 examples on anxiety[, 1:2] (all six levels used, so irr's level
    positions are the values): "squared" gives Kappa = 0.297, and the own weights (0:5)^2 give the
    same; own weights c(0,0,0,1,1,1) give 0.1891892 and c(0,0,1,1,2,2) 0.2820513 (R output as
    recorded in statsmodels' irr comparison tests)."""
    a, b = np.asarray(ANXIETY[0]), np.asarray(ANXIETY[1])
    squared = cohen_kappa(a, b, weights="quadratic")
    assert round(squared.value, 3) == 0.297
    assert cohen_kappa(a, b, weights=_irr_weights([x**2 for x in range(6)])).value == pytest.approx(squared.value)
    assert cohen_kappa(a, b, weights=_irr_weights([0, 0, 0, 1, 1, 1])).value == pytest.approx(0.1891892, abs=5e-8)
    assert cohen_kappa(a, b, weights=_irr_weights([0, 0, 1, 1, 2, 2])).value == pytest.approx(0.2820513, abs=5e-8)
    assert squared.weights == "quadratic" and cohen_kappa(a, b).weights == "identity"


def test_weighted_kappa_on_level_positions_reproduces_irr_when_a_level_is_unused() -> None:
    """irr's kappa2 on anxiety[, 2:3] (R output recorded in statsmodels' tests): unweighted
    -0.006289308, "equal" 0.1459075, "squared" 0.2520325, own weights c(0,0,1,1,2) 0.2391304.
    Level 5 is never used there and irr weights the positions of the levels seen (6 sits next
    to 4); text labels in scale order give exactly that, while numeric labels are weighted on
    their values (6 is two steps from 4) and so differ."""
    levels = ["1", "2", "3", "4", "6"]
    b = [str(x) for x in ANXIETY[1]]
    c = [str(x) for x in ANXIETY[2]]
    assert cohen_kappa(b, c).value == pytest.approx(-0.006289308, abs=5e-10)
    assert cohen_kappa(b, c, "linear", levels).value == pytest.approx(0.1459075, abs=5e-8)
    assert cohen_kappa(b, c, "quadratic", levels).value == pytest.approx(0.2520325, abs=5e-8)
    assert cohen_kappa(b, c, _irr_weights([0, 0, 1, 1, 2]), levels).value == pytest.approx(0.2391304, abs=5e-8)
    on_values = cohen_kappa(ANXIETY[1], ANXIETY[2], "linear")
    assert abs(on_values.value - 0.1459075) > 1e-3


def test_weighted_two_rater_coefficients_reproduce_gwets_abstractors_table() -> None:
    """irrCAC weighting vignette (Gwet): cont3x3abstractors with quadratic.weights(1:3) gives
    Cohen's kappa 0.8921569, AC2 0.9402369, Brennan-Prediger 0.9175, percent agreement 0.9725."""
    a, b = _pairs_from_table([[13, 0, 0], [0, 20, 7], [0, 4, 56]], ABSTRACTORS)
    assert cohen_kappa(a, b, "quadratic", ABSTRACTORS).value == pytest.approx(0.8921569, abs=5e-8)
    assert gwet_ac2([a, b], "quadratic", ABSTRACTORS).value == pytest.approx(0.9402369, abs=5e-8)
    assert brennan_prediger([a, b], ABSTRACTORS, weights="quadratic").value == pytest.approx(0.9175)
    assert percent_agreement([a, b], "quadratic", ABSTRACTORS).value == pytest.approx(0.9725)
    # quadratic weights on 3 positions: neighbours 0.75; 7 + 4 neighbour disagreements out of 100
    assert percent_agreement([a, b], "quadratic", ABSTRACTORS).observed == pytest.approx((89 + 0.75 * 11) / 100)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    q=st.integers(2, 7),
    n=st.integers(2, 150),
    weights=st.sampled_from([None, "linear", "quadratic"]),
    seed=st.integers(0, 2**32 - 1),
    agree=st.floats(0.0, 0.9),
)
def test_weighted_kappa_equals_scikit_learn(q: int, n: int, weights: str | None, seed: int, agree: float) -> None:
    """scikit-learn's cohen_kappa_score(weights=None|'linear'|'quadratic') as an oracle on random
    two-coder tables (labels 0..q-1, some units copied so that agreement varies)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, q, n)
    b = np.where(rng.random(n) < agree, a, rng.integers(0, q, n))
    if np.unique(np.concatenate([a, b])).size < 2:
        return  # both coders used one category: kappa is undefined (we raise, sklearn gives nan)
    theirs = cohen_kappa_score(a, b, weights=weights, labels=list(range(q)))
    if not np.isfinite(theirs):
        return
    ours = cohen_kappa(a, b, weights=weights)
    assert ours.value == pytest.approx(theirs, abs=1e-10)
    assert cohen_kappa(a.tolist(), b.tolist(), weights=weights).value == pytest.approx(theirs, abs=1e-10)


def test_array_and_list_inputs_agree_including_missing_values() -> None:
    """The vectorised path (numeric arrays, NaN = missing) gives what the checked path gives."""
    rng = np.random.default_rng(3)
    a = rng.integers(1, 6, 500).astype(float)
    b = np.clip(a + rng.integers(-1, 2, 500), 1, 5)
    a[rng.random(500) < 0.1] = np.nan
    as_lists = [None if np.isnan(x) else int(x) for x in a], [int(x) for x in b]
    for weights in (None, "linear", "quadratic"):
        fast = cohen_kappa(a, b, weights=weights)
        slow = cohen_kappa(*as_lists, weights=weights)
        assert fast.value == pytest.approx(slow.value, abs=1e-12) and fast.n_units == slow.n_units


# ------------------------------------------------------------------------------------------
# Gwet's generalisations with missing ratings; AC2; Conger
# ------------------------------------------------------------------------------------------


def test_unweighted_coefficients_reproduce_gwets_four_raters_with_missing_ratings() -> None:
    """Gwet (2014) via irrCAC's overview vignette, cac.raw4raters: percent agreement 0.8181818;
    AC1 0.77544 (p_e 0.1903212); Fleiss' kappa 0.76117 (p_e 0.2387153); Conger's kappa 0.76282
    (p_e 0.2334252); Brennan-Prediger 0.77273 (p_e 0.2). Units are rated by 1 to 4 raters."""
    assert percent_agreement(GWET_4RATERS).value == pytest.approx(0.8181818, abs=5e-8)
    ac1 = gwet_ac1(GWET_4RATERS)
    assert (round(ac1.value, 5), ac1.expected) == (0.77544, pytest.approx(0.1903212, abs=5e-8))
    fleiss = fleiss_kappa_ratings(GWET_4RATERS)
    assert (round(fleiss.value, 5), fleiss.expected) == (0.76117, pytest.approx(0.2387153, abs=5e-8))
    conger = conger_kappa(GWET_4RATERS)
    assert (round(conger.value, 5), conger.expected) == (0.76282, pytest.approx(0.2334252, abs=5e-8))
    bp = brennan_prediger(GWET_4RATERS)
    assert (round(bp.value, 5), bp.expected) == (0.77273, pytest.approx(0.2))


def test_quadratic_coefficients_reproduce_gwets_four_raters_with_missing_ratings() -> None:
    """Gwet (2014) via irrCAC's weighting vignette, cac.raw4raters with quadratic weights:
    percent agreement 0.9753788; AC2 0.914 (p_e 0.7137044); Fleiss' kappa 0.86494 (p_e
    0.8177083); Conger's kappa 0.85771 (p_e 0.8269638); Brennan-Prediger 0.90152 (p_e 0.75);
    Krippendorff's alpha 0.84911 (= interval alpha, Krippendorff 2011: 0.849)."""
    w = "quadratic"
    assert percent_agreement(GWET_4RATERS, weights=w).value == pytest.approx(0.9753788, abs=5e-8)
    ac2 = gwet_ac1(GWET_4RATERS, weights=w)
    assert ac2.metric == "gwet_ac2" and ac2.weights == "quadratic"
    assert (round(ac2.value, 3), ac2.expected) == (0.914, pytest.approx(0.7137044, abs=5e-8))
    assert gwet_ac2(GWET_4RATERS).value == ac2.value
    fleiss = fleiss_kappa_ratings(GWET_4RATERS, weights=w)
    assert (round(fleiss.value, 5), fleiss.expected) == (0.86494, pytest.approx(0.8177083, abs=5e-8))
    conger = conger_kappa(GWET_4RATERS, weights=w)
    assert (round(conger.value, 5), conger.expected) == (0.85771, pytest.approx(0.8269638, abs=5e-8))
    bp = brennan_prediger(GWET_4RATERS, weights=w)
    assert (round(bp.value, 5), bp.expected) == (0.90152, pytest.approx(0.75))
    assert round(krippendorff_alpha(GWET_4RATERS, level="interval").value, 5) == 0.84911


def test_fleiss_kappa_on_a_table_with_varying_numbers_of_raters() -> None:
    """Gwet (2014): Fleiss' kappa generalised to subjects rated by different numbers of raters.
    The counts table of cac.raw4raters has 3, 4, 4, 4, 4, 4, 4, 4, 4, 3, 2 and 1 ratings per
    subject and gives Gwet's 0.76117 (0.86494 with quadratic weights on the values 1-5)."""
    labels, counts = category_counts(GWET_4RATERS)
    assert labels == [1, 2, 3, 4, 5]
    assert counts.sum(axis=1).tolist() == [3, 4, 4, 4, 4, 4, 4, 4, 4, 3, 2, 1]
    assert round(fleiss_kappa(counts).value, 5) == 0.76117
    weighted = fleiss_kappa(counts, weights="quadratic", categories=labels)
    assert round(weighted.value, 5) == 0.86494
    assert weighted.n_units == 11 and weighted.n_coders == 4  # subject 12 counts toward pi only


def test_distribution_of_six_raters_reproduces_gwets_published_values() -> None:
    """Gwet (2014) via irrCAC's vignettes, distrib.6raters (Fleiss 1971, subjects 1-15):
    unweighted Fleiss' kappa 0.4139265 (p_e 0.2340741), AC1 0.4448007 (p_e 0.1914815),
    Brennan-Prediger 0.4388889; with quadratic.weights(1:5) Fleiss' kappa 0.2511909
    (p_e 0.8056173), AC2 0.4837438 (p_a 0.8544444, p_e 0.7180556), Brennan-Prediger 0.4177778."""
    fleiss = fleiss_kappa(DISTRIB_6RATERS)
    assert fleiss.value == pytest.approx(0.4139265, abs=5e-8) and fleiss.expected == pytest.approx(0.2340741, abs=5e-8)
    quad = fleiss_kappa(DISTRIB_6RATERS, weights="quadratic")
    assert quad.value == pytest.approx(0.2511909, abs=5e-8) and quad.expected == pytest.approx(0.8056173, abs=5e-8)
    raw = _raw_from_counts(DISTRIB_6RATERS)
    assert gwet_ac1(raw).value == pytest.approx(0.4448007, abs=5e-8)
    assert gwet_ac1(raw).expected == pytest.approx(0.1914815, abs=5e-8)
    assert brennan_prediger(raw).value == pytest.approx(0.4388889, abs=5e-8)
    ac2 = gwet_ac2(raw, "quadratic")
    assert ac2.value == pytest.approx(0.4837438, abs=5e-8)
    assert (ac2.observed, ac2.expected) == (pytest.approx(0.8544444, abs=5e-8), pytest.approx(0.7180556, abs=5e-8))
    assert brennan_prediger(raw, weights="quadratic").value == pytest.approx(0.4177778, abs=5e-8)
    assert fleiss_kappa_ratings(raw, weights="quadratic").value == pytest.approx(quad.value)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    q=st.integers(2, 5), n=st.integers(3, 60), seed=st.integers(0, 2**32 - 1),
    weights=st.sampled_from([None, "linear", "quadratic"]),
)
def test_conger_is_cohen_for_two_coders(q: int, n: int, seed: int, weights: str | None) -> None:
    """Conger (1980): his multi-rater kappa reduces to Cohen's kappa for two raters (here with
    complete data, and weighted as in Gwet 2014)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, q, n)
    b = np.where(rng.random(n) < 0.5, a, rng.integers(0, q, n))
    try:
        cohen = cohen_kappa(a, b, weights=weights)
    except PiriQualError:
        return
    conger = conger_kappa(np.vstack([a, b]).astype(float), weights=weights)
    assert conger.value == pytest.approx(cohen.value, abs=1e-10)
    assert conger.expected == pytest.approx(cohen.expected, abs=1e-12)


# ------------------------------------------------------------------------------------------
# Light's kappa and the pairwise matrix
# ------------------------------------------------------------------------------------------


def test_light_kappa_reproduces_irr_on_diagnoses() -> None:
    """irr's documented examples: kappam.light(diagnoses) gives Kappa = 0.459 for 6 raters;
    kappa2(diagnoses[, 2:3]) gives 0.631, and kappam.light(diagnoses[, 1:3]) the mean of the
    three pairs' kappas 0.651, 0.384 and 0.631, 0.555."""
    assert round(light_kappa(DIAGNOSES).value, 3) == 0.459
    assert round(cohen_kappa(DIAGNOSES[1], DIAGNOSES[2]).value, 3) == 0.631
    pairs = pairwise_kappa(DIAGNOSES[:3])
    assert [round(pairs[p].value, 3) for p in [(0, 1), (0, 2), (1, 2)]] == [0.651, 0.384, 0.631]  # type: ignore[union-attr]
    assert round(light_kappa(DIAGNOSES[:3]).value, 3) == 0.555
    # Fleiss (1971) on the same data: 0.430 (irr: kappam.fleiss(diagnoses) = 0.4302445)
    assert fleiss_kappa_ratings(DIAGNOSES).value == pytest.approx(0.4302445, abs=5e-8)


def test_pairwise_kappa_skips_pairs_without_shared_units() -> None:
    data = [[1, 2, 1, _, _], [1, 2, 2, _, _], [_, _, _, 1, 2]]
    pairs = pairwise_kappa(data)
    assert pairs[(0, 2)] is None and pairs[(1, 2)] is None
    assert pairs[(0, 1)] is not None
    assert light_kappa(data).value == pytest.approx(pairs[(0, 1)].value)  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------
# Errors a user can cause
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: cohen_kappa(["low", "high"], ["low", "low"], weights="linear"), "need the order of the categories"),
        (lambda: cohen_kappa([1, 2], [1, 3], weights="cubic"), "unknown weights 'cubic'"),
        (lambda: cohen_kappa([1, 2], [1, 3], weights=[[1, 0], [0, 1]]), "must be 3x3"),
        (lambda: cohen_kappa([1, 2], [2, 1], weights=[[1, 0.5], [0.2, 1]]), "symmetric"),
        (lambda: cohen_kappa([1, 2], [2, 1], weights=[[0.9, 0.5], [0.5, 1]]), "1 on the diagonal"),
        (lambda: cohen_kappa([1, 2], [2, 1], weights=[[1, 2], [2, 1]]), "between 0"),
        (lambda: cohen_kappa([-1, 2], [2, 1], weights="ratio"), "non-negative"),
        (lambda: cohen_kappa(["a", "b"], ["a", "c"], categories=["a", "b"]), "'c' is not among"),
        (lambda: gwet_ac1([["a", "b"], ["a", "b"]], categories=["a", "b", "a"]), "listed twice"),
        (lambda: fleiss_kappa([[1, 1], [2, 0]], categories=[1, 2, 3]), "3 categories given for a table with 2"),
        (lambda: fleiss_kappa([[1, 0], [0, 1]]), "at least 2 ratings"),
        (lambda: conger_kappa([[1, 2], [_, _]]), "at least two coders"),
        (lambda: light_kappa([[1, _], [_, 2]]), "no pair of coders"),
    ],
)
def test_weighted_user_errors_name_the_fix(call, fragment: str) -> None:
    with pytest.raises(PiriQualError) as caught:
        call()
    assert fragment in str(caught.value)
