"""A retrain's sample of implicit negatives counts as the sentences it stands for.

Beyond ``learner.MAX_ROWS`` sentences a retrain keeps every coded or rejected sentence and a
seeded share ``rate`` of the rest; each kept implicit negative then weighs ``1 / rate`` in the
ridge, the base rates, the combiner and the cut-offs (which aim at a precision, and precision
measured on a sample short of negatives is too high). Checked on the bundled example study's
gold decisions (23 interviews, 4,003 read sentences).
"""

from __future__ import annotations

import numpy as np
import pytest

from piri_qual.assist import learner as learner_module
from piri_qual.assist.learner import (
    Labelled,
    _design,
    _fit_parts,
    training_sample,
)


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Labelled], int]:
    from study_builders import example_gold_labelled

    engine, out = example_gold_labelled(tmp_path_factory.mktemp("weights") / "example")
    return out, len(engine.themes)


def _informative(it: Labelled) -> np.ndarray:
    return ((it.labels == 1) | it.explicit).any(1)


def test_below_the_limit_every_sentence_is_kept_unweighted(labelled: tuple[list[Labelled], int]) -> None:
    items, _ = labelled
    sample = training_sample(items)
    assert sum(len(it.rows) for it in sample) == sum(len(it.rows) for it in items) < learner_module.MAX_ROWS
    assert all(it.weight is None for it in sample)
    assert _design(sample).w is None  # so a study under the limit trains exactly as before


def test_sampled_negatives_weigh_one_over_the_rate(labelled: tuple[list[Labelled], int],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    items, _ = labelled
    total = sum(len(it.rows) for it in items)
    informative = sum(int(_informative(it).sum()) for it in items)
    limit = informative + (total - informative) // 4
    monkeypatch.setattr(learner_module, "MAX_ROWS", limit)
    sample = training_sample(items)
    rate = (limit - informative) / (total - informative)
    kept = sum(len(it.rows) for it in sample)
    assert informative < kept < total
    for it in sample:
        assert it.weight is not None
        assert np.all(it.weight[_informative(it)] == 1.0)  # every coding and rejection, once
        assert np.allclose(it.weight[~_informative(it)], 1.0 / rate)
    # the weights add up to the sentences sampled from (a binomial draw: within 5%)
    assert abs(sum(float(it.weight.sum()) for it in sample if it.weight is not None) - total) < 0.05 * total


def test_a_weight_of_two_is_the_sentence_twice(labelled: tuple[list[Labelled], int]) -> None:
    items, n_themes = labelled
    first = items[:6]
    weighted, doubled = [], []
    for it in first:
        twice = ~_informative(it) & (np.arange(len(it.rows)) % 3 == 0)  # some implicit negatives
        weighted.append(Labelled(it.feats, it.rows, it.labels, it.explicit, np.where(twice, 2.0, 1.0)))
        again = np.concatenate([np.arange(len(it.rows)), np.nonzero(twice)[0]])
        doubled.append(Labelled(it.feats, it.rows[again], it.labels[again], it.explicit[again]))
    a = _fit_parts(_design(weighted), [""] * sum(len(it.rows) for it in weighted), n_themes)
    b = _fit_parts(_design(doubled), [""] * sum(len(it.rows) for it in doubled), n_themes)
    assert a.ridge is not None and b.ridge is not None
    assert np.allclose(a.ridge, b.ridge, atol=1e-5)
    assert np.allclose(a.prior, b.prior, atol=1e-6)
    plain = _fit_parts(_design(first), [""] * sum(len(it.rows) for it in first), n_themes)
    assert plain.ridge is not None and not np.allclose(plain.ridge, a.ridge, atol=1e-5)  # the weights did something
