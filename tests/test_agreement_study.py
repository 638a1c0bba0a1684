"""Study-level agreement: units, the cover rule, and the gold coder against known perturbations.

The main tests derive a coder `pert` from the example study's `gold` coder by perturbations
whose effect is known in advance -- delete k codings of one theme, relabel m codings of a theme
to another, add n codings on units nobody coded -- and check the figures against the 2 x 2
tables those perturbations imply, computed here by hand with Cohen's (1960) kappa and
Krippendorff's (2011) alpha for binary data, alpha = 1 - (n - 1) o_01 / (n_0 n_1).
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from study_builders import copy_example_study

from piri_qual.analysis.agreement import cohen_kappa, krippendorff_alpha, percent_agreement
from piri_qual.analysis.disagreements import disagreement_list
from piri_qual.analysis.pattern_counts import Patterns, cluster_table, coefficients, row_kinds
from piri_qual.analysis.study_agreement import (
    LOW_PREVALENCE,
    LOW_PREVALENCE_UNITS,
    NONE_CATEGORY,
    coded_units,
    compute_agreement,
    study_agreement,
)
from piri_qual.analysis.units import MIN_COVER, UnitSpans, covered
from piri_qual.core.codings import Coding
from piri_qual.errors import PiriQualError
from piri_qual.study import Study

X = "fear_of_judgement"  # k codings deleted
A, B = "referral_process", "waiting_times"  # m codings relabelled A -> B (same construct)
Z = "home_visits"  # n codings added on uncoded turns
K, M, N_ADD = 6, 5, 4


# -- hand computations -----------------------------------------------------------------------
def binary_figures(a: int, b: int, c: int, d: int) -> tuple[float, float, float]:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha of a 2 x 2 table
    (a = both present, b = first only, c = second only, d = neither)."""
    n = a + b + c + d
    p_o = (a + d) / n
    p_e = ((a + b) * (a + c) + (c + d) * (b + d)) / n**2
    values, n1, n0 = 2 * n, 2 * a + b + c, 2 * d + b + c
    return p_o, (p_o - p_e) / (1 - p_e), 1 - (values - 1) * (b + c) / (n1 * n0)


def nominal_kappa(pairs: list[tuple[str, str]]) -> float:
    n = len(pairs)
    p_o = sum(x == y for x, y in pairs) / n
    left, right = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    p_e = sum(left[k] * right[k] for k in left) / n**2
    return (p_o - p_e) / (1 - p_e)


# -- the perturbed study ---------------------------------------------------------------------
@dataclass
class Perturbed:
    root: Path
    turns: int
    gold_units: dict[str, set[tuple[str, int]]]
    deleted: list[Coding]
    relabelled: list[Coding]
    added: list[tuple[str, int, int, int]]  # transcript, turn, start, end
    gold: list[Coding]


@pytest.fixture(scope="module")
def perturbed(tmp_path_factory: pytest.TempPathFactory) -> Perturbed:
    root = copy_example_study(tmp_path_factory.mktemp("example") / "study", gold=True)
    study = Study(root)
    gold = sorted(study.fold("gold").codings.values(), key=lambda c: (c.transcript, c.start, c.end, c.theme))

    def unit(c: Coding) -> tuple[str, int]:
        turn = study.transcript(c.transcript).turn_at(c.start)
        assert turn is not None
        return (c.transcript, turn)

    per_unit_theme = Counter((unit(c), c.theme) for c in gold)
    gold_units: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for c in gold:
        gold_units[c.theme].add(unit(c))
    coded = {unit(c) for c in gold}
    taken: set[tuple[str, int]] = set()

    def pick(theme: str, count: int, avoid: set[tuple[str, int]]) -> list[Coding]:
        chosen = []
        for c in gold:
            u = unit(c)
            if c.theme == theme and per_unit_theme[(u, theme)] == 1 and u not in taken and u not in avoid:
                chosen.append(c)
                taken.add(u)
                if len(chosen) == count:
                    return chosen
        raise AssertionError(f"the example study has too few {theme} codings to perturb")

    deleted = pick(X, K, set())
    relabelled = pick(A, M, gold_units[B])
    added = []
    for t in study.iter_transcripts():
        for i, turn in enumerate(t.turns):
            if turn.role == "participant" and (t.id, i) not in coded and len(added) < N_ADD:
                added.append((t.id, i, turn.start, turn.end))
                break  # one per transcript, so they spread over interviews

    events = study.store.append_many("pert", [
        ("add", {"transcript": c.transcript, "start": c.start, "end": c.end, "quote": c.quote,
                 "theme": c.theme, "source": "manual"})
        for c in gold
    ])
    pert_id = {c.id: e.id for c, e in zip(gold, events, strict=True)}
    texts = {tid: study.transcript(tid).text for tid, *_ in added}
    study.store.append_many(
        "pert",
        [("delete", {"target": pert_id[c.id]}) for c in deleted]
        + [("adjust", {"target": pert_id[c.id], "theme": B}) for c in relabelled]
        + [("add", {"transcript": tid, "start": s, "end": e, "quote": texts[tid][s:e], "theme": Z})
           for tid, _, s, e in added]
    )
    turns = sum(
        1 for t in study.iter_transcripts() for turn in t.turns
        if turn.role == "participant" and turn.end > turn.start
    )
    return Perturbed(root, turns, dict(gold_units), deleted, relabelled, added, gold)


def expected_tables(p: Perturbed) -> dict[str, tuple[int, int, int, int]]:
    """The 2 x 2 table (gold x pert) each theme must have at the turn level."""
    n = p.turns
    out = {}
    for theme, units in p.gold_units.items():
        g = len(units)
        if theme == X:
            out[theme] = (g - K, K, 0, n - g)
        elif theme == A:
            out[theme] = (g - M, M, 0, n - g)
        elif theme == B:
            out[theme] = (g, 0, M, n - g - M)
        elif theme == Z:
            out[theme] = (g, 0, N_ADD, n - g - N_ADD)
        else:
            out[theme] = (g, 0, 0, n - g)
    return out


# -- pattern coefficients = the metrics library ----------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 3).flatmap(
        lambda m: st.integers(2, 4).flatmap(
            lambda v: st.lists(st.lists(st.integers(0, v - 1), min_size=m, max_size=m), min_size=2, max_size=40)
        )
    )
)
def test_pattern_coefficients_equal_the_metrics_library(units: list[list[int]]) -> None:
    """Reducing a complete table to pattern counts changes none of the three coefficients."""
    table = np.asarray(units)
    m = table.shape[1]
    distinct, inverse = np.unique(table, axis=0, return_inverse=True)
    counts = np.bincount(inverse.reshape(-1), minlength=distinct.shape[0]).astype(float)
    ours = coefficients(counts, Patterns(distinct, int(table.max()) + 1))
    data = table.T.tolist()
    assert float(ours["percent_agreement"][0]) == pytest.approx(percent_agreement(data).value, abs=1e-12)
    cases = [("krippendorff_alpha", lambda: krippendorff_alpha(data).value)]
    if m == 2:
        cases.append(("cohen_kappa", lambda: cohen_kappa(data[0], data[1]).value))
    for name, reference in cases:
        value = float(ours[name][0])
        try:
            expected = reference()
        except PiriQualError:
            assert math.isnan(value), name
        else:
            assert value == pytest.approx(expected, abs=1e-9), name


# -- units -----------------------------------------------------------------------------------
def test_cover_rule_half_the_unit_or_inside_it() -> None:
    units = UnitSpans("T", np.array([0, 10, 20]), np.array([10, 20, 30]), np.array([0, 0, 0]))
    assert MIN_COVER == 0.5
    assert covered(units, 5, 20).tolist() == [0, 1]  # half of unit 0 exactly, all of unit 1
    assert covered(units, 6, 20).tolist() == [1]  # 4 of 10 characters of unit 0: not enough
    assert covered(units, 12, 14).tolist() == [1]  # a short phrase inside a unit covers it
    assert covered(units, 8, 25).tolist() == [1, 2]
    assert covered(units, 30, 40).tolist() == []


def test_units_of_a_transcript_by_kind(tiny_study: Path) -> None:
    study = Study(tiny_study)
    for name in ("a", "b"):
        study.store.append(name, "add", transcript="P01", start=60, end=70, quote=study.transcript("P01").text[60:70], theme="waiting_times")
    t = study.transcript("P01")
    units = coded_units(study, ["a", "b"], "sentence")
    texts = [t.text[s:e] for s, e in zip(units.unit_start, units.unit_end, strict=True)]
    assert texts == [
        "We waited about six weeks, which felt like forever.", "Then it all moved quickly.",
        "I feel so close to her now.", "She finally felt like mine.",
    ]
    assert "sentences of participant turns" in units.unit_description
    turns = coded_units(study, ["a", "b"], "turn")
    assert [t.text[s:e] for s, e in zip(turns.unit_start, turns.unit_end, strict=True)] == [
        t.text[t.turns[1].start : t.turns[1].end], t.text[t.turns[3].start : t.turns[3].end],
    ]
    chars = coded_units(study, ["a", "b"], "character")
    assert chars.n_units == (t.turns[1].end - t.turns[1].start) + (t.turns[3].end - t.turns[3].start)
    settings_path = tiny_study / "piri-qual.yaml"
    settings_path.write_text(settings_path.read_text() + "candidates_include_interviewer: true\n")
    both = coded_units(Study(tiny_study), ["a", "b"], "sentence")
    assert both.n_units == 6 and "participant and interviewer turns" in both.unit_description


# -- the gold coder against known perturbations ----------------------------------------------
def test_gold_perturbation_gives_the_implied_figures_per_theme(perturbed: Perturbed) -> None:
    result = study_agreement(Study(perturbed.root), ["gold", "pert"], "turn", n_boot=200, seed=1)
    assert result.n_units == perturbed.turns
    tables = expected_tables(perturbed)
    assert {t.theme for t in result.themes} == set(tables)
    for row in result.themes:
        a, b, c, d = tables[row.theme]
        pa, kappa, alpha = binary_figures(a, b, c, d)
        assert row.disagreements == b + c, row.theme
        assert row.positives == {"gold": a + b, "pert": a + c}, row.theme
        assert row.prevalence == pytest.approx((2 * a + b + c) / (2 * perturbed.turns))
        assert row.percent_agreement.value == pytest.approx(pa, abs=1e-12), row.theme
        assert row.cohen_kappa is not None
        assert row.cohen_kappa.value == pytest.approx(kappa, abs=1e-12), row.theme
        assert row.krippendorff_alpha.value == pytest.approx(alpha, abs=1e-12), row.theme
        assert row.cohen_kappa.low <= row.cohen_kappa.value <= row.cohen_kappa.high
    untouched = next(t for t in result.themes if t.theme not in (X, A, B, Z))
    assert untouched.cohen_kappa.value == 1.0 and untouched.disagreements == 0  # type: ignore[union-attr]


def test_gold_perturbation_gives_the_implied_overall_figures(perturbed: Perturbed) -> None:
    result = study_agreement(Study(perturbed.root), ["gold", "pert"], "turn", n_boot=0)
    tables = expected_tables(perturbed)
    a, b, c, d = (sum(t[i] for t in tables.values()) for i in range(4))
    pa, kappa, alpha = binary_figures(a, b, c, d)
    assert result.pooled.units == perturbed.turns * len(tables)
    assert result.pooled.disagreements == K + 2 * M + N_ADD
    assert result.pooled.percent_agreement.value == pytest.approx(pa, abs=1e-12)
    assert result.pooled.cohen_kappa.value == pytest.approx(kappa, abs=1e-12)  # type: ignore[union-attr]
    assert result.pooled.krippendorff_alpha.value == pytest.approx(alpha, abs=1e-12)
    weights = {t: (2 * x[0] + x[1] + x[2]) / (2 * perturbed.turns) for t, x in tables.items()}
    mean = sum(weights[t] * binary_figures(*x)[1] for t, x in tables.items()) / sum(weights.values())
    assert result.weighted.cohen_kappa.value == pytest.approx(mean, abs=1e-12)  # type: ignore[union-attr]
    assert math.isnan(result.weighted.cohen_kappa.low)  # no resamples asked for


def test_gold_perturbation_construct_as_one_nominal_variable(perturbed: Perturbed) -> None:
    """Relabelling referral_process -> waiting_times keeps the construct but changes which theme."""
    result = study_agreement(Study(perturbed.root), ["gold", "pert"], "turn", n_boot=0)
    referral = next(c for c in result.constructs if c.construct == "referral")
    assert set(referral.themes) == {A, B}
    units = perturbed.gold_units[A] | perturbed.gold_units[B]
    moved = {(c.transcript, Study(perturbed.root).transcript(c.transcript).turn_at(c.start)) for c in perturbed.relabelled}

    def category(themes: set[str]) -> str:
        return "+".join(t for t in (A, B) if t in themes) or NONE_CATEGORY

    pairs = []
    for u in sorted(units):
        gold = {t for t in (A, B) if u in perturbed.gold_units[t]}
        pert = (gold - {A}) | {B} if u in moved else gold
        pairs.append((category(gold), category(pert)))
    assert referral.units == len(units)
    assert referral.percent_agreement.value == pytest.approx(1 - M / len(units), abs=1e-12)
    assert referral.cohen_kappa.value == pytest.approx(nominal_kappa(pairs), abs=1e-12)  # type: ignore[union-attr]
    stigma_untouched = next(c for c in result.constructs if c.construct == "knowledge_skills")
    assert stigma_untouched.percent_agreement.value == 1.0


def _chars(spans: list[tuple[str, int, int]]) -> set[tuple[str, int]]:
    return {(tid, i) for tid, s, e in spans for i in range(s, e)}


def test_gold_perturbation_at_the_character_level(perturbed: Perturbed) -> None:
    study = Study(perturbed.root)
    units = coded_units(study, ["gold", "pert"], "character")
    result = compute_agreement(units, n_boot=20, seed=3)
    assert result.alpha_name == "unitizing_alpha" and result.cluster == "transcripts"
    gold_chars = {
        theme: _chars([(c.transcript, c.start, c.end) for c in perturbed.gold if c.theme == theme])
        for theme in (X, A, B)
    }
    lost_x = _chars([(c.transcript, c.start, c.end) for c in perturbed.deleted])
    kept_x = _chars([(c.transcript, c.start, c.end) for c in perturbed.gold if c.theme == X and c not in perturbed.deleted])
    moved = _chars([(c.transcript, c.start, c.end) for c in perturbed.relabelled])
    kept_a = _chars([(c.transcript, c.start, c.end) for c in perturbed.gold if c.theme == A and c not in perturbed.relabelled])
    expected = {
        X: len(lost_x - kept_x),
        A: len(moved - kept_a),
        B: len(moved - gold_chars[B]),
        Z: sum(e - s for _, _, s, e in perturbed.added),
    }
    by_theme = {t.theme: t for t in result.themes}
    n_chars = units.n_units
    for theme, differ in expected.items():
        assert by_theme[theme].disagreements == differ, theme
        assert by_theme[theme].percent_agreement.value == pytest.approx(1 - differ / n_chars, abs=1e-12)
        assert by_theme[theme].krippendorff_alpha.value < 1.0
    untouched = next(t for t in result.themes if t.theme not in expected)
    assert untouched.krippendorff_alpha.value == pytest.approx(1.0) and untouched.disagreements == 0
    assert 0.0 < result.pooled.krippendorff_alpha.value < 1.0


def test_gold_perturbation_disagreement_list(perturbed: Perturbed) -> None:
    study = Study(perturbed.root)
    frame = disagreement_list(coded_units(study, ["gold", "pert"], "turn"))
    assert len(frame) == K + M + N_ADD
    order = {tid: k for k, tid in enumerate(study.transcript_ids())}
    keys = [(order[r.transcript], r.start) for r in frame.itertuples()]
    assert keys == sorted(keys)
    labels = {t.id: t.label for t in study.codebook.themes}
    by_start = {(r["transcript"], r["start"]): r for r in frame.to_dict("records")}
    for tid, _turn, s, e in perturbed.added:
        row = by_start[(tid, s)]
        assert row["text"] == study.transcript(tid).text[s:e]
        assert row["gold"] == "" and row["pert"] == labels[Z] and row["disputed_ids"] == Z
    for c in perturbed.relabelled:
        t = study.transcript(c.transcript)
        row = by_start[(c.transcript, t.turns[t.turn_at(c.start)].start)]  # type: ignore[index]
        assert row["disputed_ids"].split(",") == [A, B]
        assert labels[A] in row["gold"] and labels[A] not in row["pert"] and labels[B] in row["pert"]


def test_disagreement_exports_hold_the_same_rows(perturbed: Perturbed, tmp_path: Path) -> None:
    import docx
    import openpyxl

    from piri_qual.export.disagreements import write_disagreements

    study = Study(perturbed.root)
    frame = disagreement_list(coded_units(study, ["gold", "pert"], "turn"))
    facts = {"Coders": "gold, pert", "Unit": "turn"}
    paths = {fmt: write_disagreements(frame, tmp_path / f"d.{fmt}", fmt, coders=["gold", "pert"],
                                      title="Disagreements", facts=facts) for fmt in ("csv", "xlsx", "docx", "md")}
    with paths["csv"].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["text"] for r in rows] == list(frame.text)
    assert rows[0]["agreed"] == "" and set(rows[0]) >= {"transcript", "gold", "pert", "disputed"}
    sheet = openpyxl.load_workbook(paths["xlsx"])["Disagreements"]
    header = [c.value for c in sheet[1]]
    texts = [sheet.cell(row=r, column=header.index("text") + 1).value for r in range(2, sheet.max_row + 1)]
    assert texts == list(frame.text) and "agreed" in header
    document = docx.Document(str(paths["docx"]))
    body_rows = sum(len(table.rows) - 1 for table in document.tables)
    assert body_rows == len(frame)
    assert document.tables[0].rows[0].cells[2].text == "gold"
    markdown = paths["md"].read_text(encoding="utf-8")
    assert markdown.count("- **Differ on:**") == len(frame)
    assert f"## {frame.transcript.iloc[0]}" in markdown


# -- which transcripts, codings and coders take part -----------------------------------------
def test_only_transcripts_every_coder_coded_and_no_orphans(perturbed: Perturbed, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "study"
    shutil.copytree(perturbed.root, root)
    study = Study(root)
    p01, p02 = study.transcript("P01"), study.transcript("P02")
    gold_p01 = [c for c in perturbed.gold if c.transcript == "P01"]
    study.store.append_many("partial", [("add", {"transcript": c.transcript, "start": c.start, "end": c.end,
                                  "quote": c.quote, "theme": c.theme}) for c in gold_p01])
    # P02: one coding in an interviewer turn (outside every unit) and one orphan.
    interviewer = next(t for t in p02.turns if t.role == "interviewer")
    study.store.append("partial", "add", transcript="P02", start=interviewer.start, end=interviewer.end,
                   quote=p02.text[interviewer.start : interviewer.end], theme="bonding")
    # An orphan as a re-import leaves it: the store refuses to write one, so the line goes in raw.
    with study.log("partial").path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "orphan1", "time": "2099-01-01T00:00:00+00:00", "coder": "partial",
                                 "op": "add", "transcript": "P02", "start": 10, "end": 20,
                                 "quote": "not the text", "theme": "bonding"}) + "\n")
    units = coded_units(study, ["gold", "partial"], "turn")
    assert units.transcripts == ("P01", "P02")
    assert set(units.skipped) == set(study.transcript_ids()) - {"P01", "P02"}
    assert units.skipped["P03"] == "not coded by partial"
    assert units.orphaned == {"gold": 0, "partial": 1}
    assert units.outside == {"gold": 0, "partial": 1}
    only = coded_units(study, ["gold", "partial"], "turn", ["P01", "P03"])
    assert only.transcripts == ("P01",) and only.skipped == {"P03": "not coded by partial"}
    result = compute_agreement(only, n_boot=0)
    assert result.pooled.disagreements == 0
    assert p01.id == "P01"


def test_three_coders_give_alpha_but_no_kappa(tiny_study: Path) -> None:
    study = Study(tiny_study)
    text = study.transcript("P01").text
    sentences = ["We waited about six weeks, which felt like forever.", "Then it all moved quickly.",
                 "I feel so close to her now.", "She finally felt like mine."]
    spans = [(text.index(s), text.index(s) + len(s)) for s in sentences]
    marks = {  # coder -> sentence numbers coded with waiting_times
        "a": [0, 1], "b": [0], "c": [0, 1, 2],
    }
    for coder, rows in marks.items():
        for r in rows:
            s, e = spans[r]
            study.store.append(coder, "add", transcript="P01", start=s, end=e, quote=text[s:e], theme="waiting_times")
    result = study_agreement(study, ["a", "b", "c"], "sentence", n_boot=0)
    (row,) = result.themes
    table = [[int(i in rows) for i in range(4)] for rows in marks.values()]
    assert row.cohen_kappa is None
    assert row.krippendorff_alpha.value == pytest.approx(krippendorff_alpha(table).value, abs=1e-12)
    assert row.percent_agreement.value == pytest.approx(percent_agreement(table).value, abs=1e-12)
    assert row.positives == {"a": 2, "b": 1, "c": 3}


def test_low_prevalence_and_few_units_are_flagged(perturbed: Perturbed, tiny_study: Path) -> None:
    result = study_agreement(Study(perturbed.root), ["gold", "pert"], "turn", n_boot=0)
    for row in result.themes:
        carried = row.either
        low = row.prevalence < LOW_PREVALENCE and carried < LOW_PREVALENCE_UNITS
        assert (row.warning is not None and "prevalence" in row.warning) == low
    study = Study(tiny_study)
    text = study.transcript("P01").text
    quote = "I feel so close to her now."
    for coder in ("a", "b"):
        study.store.append(coder, "add", transcript="P01", start=text.index(quote),
                                end=text.index(quote) + len(quote), quote=quote, theme="bonding")
    (row,) = study_agreement(study, ["a", "b"], "sentence", n_boot=0).themes
    assert row.prevalence == 0.25 and row.warning is not None and "only 1 unit coded" in row.warning
    assert row.cohen_kappa.value == 1.0  # type: ignore[union-attr]


def test_bootstrap_is_seeded_and_can_resample_transcripts(perturbed: Perturbed) -> None:
    units = coded_units(Study(perturbed.root), ["gold", "pert"], "turn")
    first = compute_agreement(units, n_boot=300, seed=7)
    again = compute_agreement(units, n_boot=300, seed=7)
    other = compute_agreement(units, n_boot=300, seed=8)
    clustered = compute_agreement(units, n_boot=300, seed=7, cluster="transcripts")
    x = lambda r: next(t for t in r.themes if t.theme == X).cohen_kappa  # noqa: E731
    assert (x(first).low, x(first).high) == (x(again).low, x(again).high)
    assert (x(first).low, x(first).high) != (x(other).low, x(other).high)
    assert x(clustered).value == x(first).value and x(clustered).low != x(first).low
    assert x(first).low < x(first).value < x(first).high and x(first).n_valid > 250
    assert clustered.cluster == "transcripts"
    with pytest.raises(PiriQualError, match="whole transcripts"):
        compute_agreement(coded_units(Study(perturbed.root), ["gold", "pert"], "character"), n_boot=5, cluster="units")


def test_user_errors_name_the_fix(perturbed: Perturbed) -> None:
    study = Study(perturbed.root)
    with pytest.raises(PiriQualError, match="at least two different coders"):
        coded_units(study, ["gold", "gold"])
    with pytest.raises(PiriQualError, match="no coder 'nobody'"):
        coded_units(study, ["gold", "nobody"])
    with pytest.raises(PiriQualError, match="no transcript 'P99'"):
        coded_units(study, ["gold", "pert"], "turn", ["P99"])
    with pytest.raises(PiriQualError, match="unknown unit 'word'"):
        coded_units(study, ["gold", "pert"], "word")
    study.store.append("empty", "memo", scope="study", text="nothing coded yet")
    with pytest.raises(PiriQualError, match="no transcript has been coded by all of gold, empty"):
        coded_units(study, ["gold", "empty"], "turn")


# -- unitizing alpha over many transcripts ---------------------------------------------------
def _random_unitization(rng: np.random.Generator, length: int, edges: bool) -> dict[str, list[tuple[int, int, str]]]:
    """Two coders' random segments of categories a and b; with ``edges``, each coder also has a
    unit of each category at both ends, so no gap touches the ends of the stretch."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    for coder in ("c1", "c2"):
        segs = []
        for category in ("a", "b"):
            for _ in range(int(rng.integers(0, 4))):
                start = int(rng.integers(0, length - 1))
                segs.append((start, int(rng.integers(start + 1, min(length, start + 12) + 1)), category))
            if edges:
                segs += [(0, 1, category), (length - 1, length, category)]
        out[coder] = segs
    return out


def _library(segments: dict[str, list[tuple[int, int, str]]], length: int) -> tuple[dict[str, float], float]:
    from piri_qual.analysis.agreement import unitizing_alpha

    result = unitizing_alpha(segments, length)
    return {c: r.value for c, r in result.per_category.items()}, result.value


def _concatenate(pieces: list[tuple[dict[str, list[tuple[int, int, str]]], int]]) -> tuple[dict, int]:
    joined: dict[str, list[tuple[int, int, str]]] = {"c1": [], "c2": []}
    base = 0
    for segments, length in pieces:
        for coder, segs in segments.items():
            joined[coder] += [(s + base, e + base, c) for s, e, c in segs]
        base += length
    return joined, base


@pytest.mark.parametrize("seed", range(8))
def test_study_unitizing_alpha_equals_the_one_continuum_function(seed: int) -> None:
    """Krippendorff's u-alpha (2004, section 12.5) from per-transcript parts equals
    ``unitizing_alpha`` for one transcript, for several laid end to end (when no gap meets a
    boundary), and for a resample that repeats and drops transcripts."""
    from piri_qual.analysis.unitizing_study import alpha_from_weights, study_parts

    rng = np.random.default_rng(seed)
    single_len = int(rng.integers(20, 60))
    single = _random_unitization(rng, single_len, edges=False)
    if any(single.values()):
        parts = study_parts([single], [single_len], ["c1", "c2"], ["a", "b"])
        ours = alpha_from_weights(parts, np.ones(1))
        per_category, overall = _library(single, single_len)
        assert float(ours.overall) == pytest.approx(overall, abs=1e-12)
        for k, category in enumerate(("a", "b")):
            expected = per_category.get(category, float("nan"))
            assert np.isnan(ours.value[k]) == np.isnan(expected)
            if not np.isnan(expected):
                assert float(ours.value[k]) == pytest.approx(expected, abs=1e-12)
    lengths = [int(x) for x in rng.integers(15, 50, size=3)]
    pieces = [(_random_unitization(rng, n, edges=True), n) for n in lengths]
    parts = study_parts([p for p, _ in pieces], lengths, ["c1", "c2"], ["a", "b"])
    for weights in ([1, 1, 1], [2, 0, 1], [0, 3, 0]):
        repeated = [pieces[t] for t, w in enumerate(weights) for _ in range(w)]
        per_category, overall = _library(*_concatenate(repeated))
        ours = alpha_from_weights(parts, np.asarray([weights], dtype=float))
        assert float(ours.overall[0]) == pytest.approx(overall, abs=1e-12), weights
        assert ours.value[0] == pytest.approx([per_category["a"], per_category["b"]], abs=1e-12)


def test_transcripts_seen_but_never_coded_give_a_clear_error(tiny_study: Path) -> None:
    """A rejected suggestion marks a transcript as coded, but with no theme applied there is
    nothing to compare: say so instead of printing a table of undefined figures."""
    study = Study(tiny_study)
    turn = study.transcript("P01").turns[1]
    for coder in ("a", "b"):
        study.store.append(coder, "reject", transcript="P01", start=turn.start, end=turn.end, theme="bonding")
    with pytest.raises(PiriQualError, match="a, b applied no theme in the transcripts they all coded \\(P01\\)"):
        coded_units(study, ["a", "b"], "turn")


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 70), st.integers(0, 300), st.integers(0, 2**32 - 1))
def test_row_kinds_and_cluster_table_count_what_numpy_counts(m: int, columns: int, units: int, seed: int) -> None:
    """The packed-integer sort of unit kinds gives np.unique(axis=0)'s rows, order and counts (so
    the bootstrap draws the same resamples), whether the columns fit one 63-bit key or several;
    and the run-folded pattern table is the plain per-cluster count."""
    rng = np.random.default_rng(seed)
    n_p = 2**m
    codes = np.where(rng.random((units, columns)) < 0.2, rng.integers(0, n_p, (units, columns)), 0).astype(np.int32)
    codes[units // 2:] = codes[: units - units // 2]  # runs of repeated rows, as characters make
    codes = np.sort(codes, axis=0) if seed % 2 else codes
    kinds, counts = row_kinds(codes, n_p)
    want_kinds, want_counts = np.unique(codes, axis=0, return_counts=True)
    assert np.array_equal(kinds, want_kinds) and np.array_equal(counts, want_counts)
    clusters = np.sort(rng.integers(0, 4, units))
    table = cluster_table(codes, clusters, 4, n_p).reshape(4, columns, n_p)
    for c in range(4):
        for p in range(n_p):
            assert np.array_equal(table[c, :, p], (codes[clusters == c] == p).sum(axis=0))
