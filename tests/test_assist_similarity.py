"""Theme vectors: a theme described by several statements is matched facet by facet."""

from __future__ import annotations

import numpy as np

from piri_qual.assist.pipeline import load_pipeline
from piri_qual.assist.similarity import (
    shipped_vectors,
    theme_statements,
    theme_vectors,
    unit_rows,
)
from piri_qual.core.framework import Theme

FACETED = Theme(
    id="waiting_times",
    label="Waiting times",
    definition=(
        "How long families waited between referral and the first appointment. "
        "Also covers what the delay did to the baby's sleep and feeding. OK."
    ),
    include=["Parents saying the wait made them give up on the service."],
)
ONE_LINE = Theme(id="home_visits", label="Home visits", definition="Sessions held in the family's own home.")


def embed(texts: list[str]) -> np.ndarray:
    """Unit sentence vectors the way the engine makes them (sum of static word vectors)."""
    pipeline = load_pipeline(None)
    vectors = shipped_vectors()
    rows = [vectors.doc_token_vectors(doc).sum(0) for doc in pipeline.pipe(texts)]
    return unit_rows(np.vstack(rows))


def test_statements_are_definition_sentences_and_inclusion_notes() -> None:
    assert theme_statements(FACETED) == [
        "How long families waited between referral and the first appointment.",
        "Also covers what the delay did to the baby's sleep and feeding.",
        "Parents saying the wait made them give up on the service.",
    ]  # "OK." is too short to be a statement
    assert theme_statements(ONE_LINE) == ["Sessions held in the family's own home."]


def test_a_sentence_about_one_facet_is_closer_than_to_the_averaged_theme() -> None:
    tv = theme_vectors([FACETED, ONE_LINE], embed)
    assert tv.faceted.tolist() == [True, False]
    v = embed(["Her sleep and her feeding got worse and worse."])
    blended = tv.similarity(v)
    prototype_only = v @ tv.mean.T
    # the faceted theme gains from its closest statement (the blend never lowers it below the
    # prototype when a statement is closer) ...
    facet = float((v @ tv.parts.T)[0, tv.part_first[0] : tv.part_first[1]].max())
    assert facet > prototype_only[0, 0]
    assert blended[0, 0] == np.float32(0.5 * prototype_only[0, 0] + 0.5 * facet)
    # ... and a theme with a one-line definition keeps its prototype similarity exactly
    assert blended[0, 1] == prototype_only[0, 1]


def test_no_themes_gives_an_empty_table() -> None:
    tv = theme_vectors([], embed)
    assert len(tv) == 0
    assert tv.similarity(np.zeros((3, 1), np.float32)).shape == (3, 0)
