"""Where coders disagree: slices (--by), three or more coders, and the pairwise matrix.

The study is the example study coded by `a` (the gold coding) and `b`, who coded the same but
left S02 almost uncoded and gave half of P05's codings another theme. Both coded the parent
interviews in one week and the staff interviews the next (timestamps written through the store),
so the worst transcripts, groups and weeks are known in advance; every slice's figures are also
checked against the same comparison built independently for that slice alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from study_builders import copy_example_study

from piri_qual.analysis.agreement import (
    cohen_kappa,
    conger_kappa,
    fleiss_kappa_ratings,
    krippendorff_alpha,
    light_kappa,
    percent_agreement,
)
from piri_qual.analysis.agreement_slices import MIN_SLICE_CODED, MIN_SLICE_UNITS, slice_agreement
from piri_qual.analysis.pattern_counts import Patterns
from piri_qual.analysis.pattern_kappas import kappa_coefficients
from piri_qual.analysis.study_agreement import coded_units, compute_agreement
from piri_qual.cli import main
from piri_qual.errors import PiriQualError
from piri_qual.study import Study

PARENT_WEEK = "2031-03-04T09:00:00+00:00"  # a Tuesday: ISO week 2031-W10
STAFF_WEEK = "2031-03-12T09:00:00+00:00"  # the Wednesday after: 2031-W11
UNCODED, RELABELLED = "S02", "P05"


@dataclass
class Slices:
    root: Path
    parents: list[str]
    staff: list[str]


def _add(c: object, theme: str | None = None) -> tuple[str, dict[str, object]]:
    return ("add", {"transcript": c.transcript, "start": c.start, "end": c.end,  # type: ignore[attr-defined]
                    "quote": c.quote, "theme": theme or c.theme})  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def sliced(tmp_path_factory: pytest.TempPathFactory) -> Slices:
    root = copy_example_study(tmp_path_factory.mktemp("slices") / "study", gold=True)
    study = Study(root)
    gold = sorted(study.fold("gold").codings.values(), key=lambda c: (c.transcript, c.start, c.theme))
    parents = sorted({c.transcript for c in gold if c.transcript.startswith("P")})
    staff = sorted({c.transcript for c in gold if c.transcript.startswith("S")})
    themes = study.codebook.ids
    b_items: dict[str, list] = {"P": [], "S": []}
    seen_uncoded = 0
    relabel = 0
    for c in gold:
        if c.transcript == UNCODED:
            seen_uncoded += 1
            if seen_uncoded > 1:
                continue  # b coded S02 once: the transcript is compared, and almost all of it differs
        theme = None
        if c.transcript == RELABELLED:
            relabel += 1
            if relabel % 2:
                theme = next(t for t in themes if t != c.theme)
        b_items[c.transcript[0]].append(_add(c, theme))
    for week, prefix in ((PARENT_WEEK, "P"), (STAFF_WEEK, "S")):
        study.store.append_many("a", [_add(c) for c in gold if c.transcript.startswith(prefix)], after=week)
        study.store.append_many("b", b_items[prefix], after=week)
    return Slices(root, parents, staff)


def _alpha_alone(root: Path, transcripts: list[str]) -> float:
    """The pooled alpha of the comparison built for these transcripts alone (coded_units's own
    transcript filter, not CodedUnits.restrict)."""
    units = coded_units(Study(root), ["a", "b"], "turn", transcripts)
    return compute_agreement(units, n_boot=0).pooled.krippendorff_alpha.value


def test_by_transcript_puts_the_known_worst_first_and_equals_each_transcript_alone(sliced: Slices) -> None:
    study = Study(sliced.root)
    units = coded_units(study, ["a", "b"], "turn")
    result = slice_agreement(study, units, "transcript", n_boot=0)
    readable = [r for r in result.rows if not r.small]
    assert [r.key for r in readable[:2]] == [UNCODED, RELABELLED]
    assert all(r.krippendorff_alpha.value == pytest.approx(1.0) for r in readable[2:])
    for row in result.rows:
        assert row.krippendorff_alpha.value == pytest.approx(_alpha_alone(sliced.root, [row.key]), abs=1e-12)
        assert row.kappa is not None and row.transcripts == (row.key,)
    values = [r.krippendorff_alpha.value for r in readable]
    assert values == sorted(values)
    assert result.overall.krippendorff_alpha.value == pytest.approx(_alpha_alone(sliced.root, units.transcripts))


def test_the_notebook_method_gives_the_same_slices(sliced: Slices) -> None:
    frame = Study(sliced.root).agreement_by(["a", "b"], "group", unit="turn", n_boot=0)
    assert list(frame["group"]) == ["staff", "parent", "(all)"]
    assert frame["krippendorff_alpha"].iloc[0] == pytest.approx(_alpha_alone(sliced.root, sliced.staff))


def test_by_group_and_participant_equal_the_groups_alone(sliced: Slices) -> None:
    study = Study(sliced.root)
    units = coded_units(study, ["a", "b"], "turn")
    groups = slice_agreement(study, units, "group", n_boot=0)
    assert [r.key for r in groups.rows] == ["staff", "parent"]  # S02 pulls staff lower than P05 parents
    by_key = {r.key: r for r in groups.rows}
    assert by_key["staff"].transcripts == tuple(sliced.staff)
    assert by_key["staff"].krippendorff_alpha.value == pytest.approx(_alpha_alone(sliced.root, sliced.staff))
    assert by_key["parent"].krippendorff_alpha.value == pytest.approx(_alpha_alone(sliced.root, sliced.parents))
    people = slice_agreement(study, units, "participant", n_boot=0)
    assert people.rows[0].key == UNCODED and {r.key for r in people.rows} == set(units.transcripts)


def test_by_week_uses_the_coding_times_in_the_logs(sliced: Slices) -> None:
    """Parents were double-coded in ISO week 2031-W10, staff in 2031-W11: the weeks are those
    slices, and the later week (with S02) is the worse one."""
    study = Study(sliced.root)
    units = coded_units(study, ["a", "b"], "turn")
    result = slice_agreement(study, units, "week", n_boot=0)
    weeks = {r.key: r for r in result.rows}
    parent_week = "{}-W{:02d}".format(*datetime.fromisoformat(PARENT_WEEK).isocalendar()[:2])
    staff_week = "{}-W{:02d}".format(*datetime.fromisoformat(STAFF_WEEK).isocalendar()[:2])
    assert (parent_week, staff_week) == ("2031-W10", "2031-W11")
    assert set(weeks) == {parent_week, staff_week}
    assert weeks[parent_week].transcripts == tuple(sliced.parents)
    assert weeks[staff_week].transcripts == tuple(sliced.staff)
    assert result.rows[0].key == staff_week
    assert weeks[parent_week].label == "3-9 Mar 2031"


def test_by_construct_pools_each_constructs_themes(sliced: Slices) -> None:
    """A construct's slice is alpha over its themes' (unit, theme) pairs: the library's nominal
    alpha on the flattened presence table of those themes (Krippendorff 2011)."""
    study = Study(sliced.root)
    units = coded_units(study, ["a", "b"], "turn")
    result = slice_agreement(study, units, "construct", n_boot=0)
    construct_of = units.construct_of
    for row in result.rows:
        cols = [k for k, t in enumerate(units.themes) if construct_of[t] == row.key]
        flat = units.presence[:, :, cols].reshape(2, -1).astype(int)
        assert row.krippendorff_alpha.value == pytest.approx(krippendorff_alpha(flat).value, abs=1e-12)
        assert row.themes == len(cols) and row.label == units.construct_labels[row.key]


def test_small_slices_are_flagged_and_listed_after_the_readable_ones(sliced: Slices) -> None:
    study = Study(sliced.root)
    units = coded_units(study, ["a", "b"], "turn", [RELABELLED])
    result = slice_agreement(study, units, "construct", n_boot=50, seed=3)
    small = [r for r in result.rows if r.small]
    assert small and all(r.coded < MIN_SLICE_CODED or r.units < MIN_SLICE_UNITS for r in small)
    assert all("too small to say anything" in (r.note or "") for r in small)
    order = [(r.small, r.krippendorff_alpha.value) for r in result.rows if np.isfinite(r.krippendorff_alpha.value)]
    assert order == sorted(order)


def test_character_slices_of_one_transcript_have_no_interval(sliced: Slices) -> None:
    """Character units resample whole transcripts; a one-transcript slice cannot, so it says so
    instead of printing an interval of zero width. Its unitizing alpha equals that transcript's
    own comparison."""
    study = Study(sliced.root)
    units = coded_units(study, ["a", "b"], "character", [UNCODED, RELABELLED, "P01"])
    result = slice_agreement(study, units, "transcript", n_boot=20)
    assert result.alpha_name == "unitizing_alpha"
    for row in result.rows:
        assert np.isnan(row.krippendorff_alpha.low) and "no interval" in (row.note or "")
        alone = compute_agreement(coded_units(study, ["a", "b"], "character", [row.key]), n_boot=0)
        assert row.krippendorff_alpha.value == pytest.approx(alone.pooled.krippendorff_alpha.value, abs=1e-9)
    groups = slice_agreement(study, units, "group", n_boot=20)
    parent = next(r for r in groups.rows if r.key == "parent")
    assert np.isfinite(parent.krippendorff_alpha.low)  # two transcripts: a real interval


# -- three coders ----------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, derandomize=True)
@given(m=st.integers(3, 4), n=st.integers(3, 40), seed=st.integers(0, 2**32 - 1))
def test_pattern_fleiss_and_conger_equal_the_library(m: int, n: int, seed: int) -> None:
    """Fleiss' and Conger's kappa from pattern counts equal fleiss_kappa_ratings and
    conger_kappa (Gwet 2014's forms) on the full binary table."""
    rng = np.random.default_rng(seed)
    table = (rng.random((m, n)) < rng.uniform(0.1, 0.6)).astype(np.int64)
    bits = (table * (1 << np.arange(m))[:, None]).sum(axis=0)
    counts = np.bincount(bits, minlength=2**m).astype(float)
    codes = ((np.arange(2**m)[:, None] >> np.arange(m)[None, :]) & 1).astype(np.int64)
    figures = kappa_coefficients(counts, Patterns(codes, 2))
    try:
        fleiss = fleiss_kappa_ratings(table).value
        conger = conger_kappa(table).value
    except PiriQualError:
        assert np.isnan(figures["fleiss_kappa"][0])
        return
    assert float(figures["fleiss_kappa"][0]) == pytest.approx(fleiss, abs=1e-10)
    assert float(figures["conger_kappa"][0]) == pytest.approx(conger, abs=1e-10)


def test_three_coders_get_fleiss_conger_pairs_and_light(sliced: Slices, tmp_path: Path) -> None:
    study = Study(sliced.root)
    gold = list(study.fold("gold").codings.values())
    if not (sliced.root / "codings" / "c.jsonl").exists():
        study.store.append_many("c", [_add(c) for c in gold if c.transcript != RELABELLED or c.theme < "m"])
    units = coded_units(study, ["a", "b", "c"], "turn")
    result = compute_agreement(units, n_boot=100, seed=1)
    for k, row in enumerate(result.themes):
        table = units.presence[:, :, k].astype(int)
        assert row.cohen_kappa is None and row.fleiss_kappa is not None and row.conger_kappa is not None
        if row.fleiss_kappa.defined:
            assert row.fleiss_kappa.value == pytest.approx(fleiss_kappa_ratings(table).value, abs=1e-10)
            assert row.conger_kappa.value == pytest.approx(conger_kappa(table).value, abs=1e-10)
        assert row.percent_agreement.value == pytest.approx(percent_agreement(table).value, abs=1e-12)
    pooled = units.presence.reshape(3, -1).astype(int)
    for pair in result.pairs:
        g, h = (units.coders.index(name) for name in pair.coders)
        assert pair.cohen_kappa.value == pytest.approx(cohen_kappa(pooled[g], pooled[h]).value, abs=1e-10)
        assert pair.cohen_kappa.low <= pair.cohen_kappa.value <= pair.cohen_kappa.high
    assert [p.coders for p in result.pairs] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert result.light_kappa is not None
    assert result.light_kappa.value == pytest.approx(light_kappa(pooled).value, abs=1e-10)
    matrix = result.pair_table()
    assert matrix.loc["a", "b"] == matrix.loc["b", "a"] == result.pairs[0].cohen_kappa.value
    assert result.pooled.fleiss_kappa.value == pytest.approx(fleiss_kappa_ratings(pooled).value, abs=1e-10)  # type: ignore[union-attr]

    code, out, err = _run(["agreement", "--study", str(sliced.root), "--coders", "a,b,c", "--unit", "turn",
                           "--boot", "50", "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert [p["coders"] for p in data["pairwise"]] == [["a", "b"], ["a", "c"], ["b", "c"]]
    assert data["light_kappa"]["value"] == pytest.approx(result.light_kappa.value, abs=1e-6)
    theme = data["themes"][0]
    assert {"fleiss_kappa", "conger_kappa"} <= set(theme) and "expected" in theme["fleiss_kappa"]
    code, out, err = _run(["agreement", "--study", str(sliced.root), "--coders", "a,b,c", "--unit", "turn",
                           "--boot", "0"], columns="80")
    assert code == 0, err
    assert "Fleiss" in out and "Conger" in out and "Pairwise Cohen's kappa" in out and "Light's kappa" in out
    assert max(len(line) for line in out.splitlines()) <= 80


# -- the command -----------------------------------------------------------------------------------
def _run(args: list[str], columns: str = "200") -> tuple[int, str, str]:
    runner = CliRunner()
    with runner.isolation(env={"COLUMNS": columns}) as (out, err, _):
        code = main(args)
        return code, out.getvalue().decode(), err.getvalue().decode()


def test_cli_by_transcript_json_and_table(sliced: Slices) -> None:
    base = ["agreement", "--study", str(sliced.root), "--coders", "a,b", "--unit", "turn"]
    code, out, err = _run([*base, "--by", "transcript", "--boot", "100", "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["by"] == "transcript" and data["kappa"] == "cohen_kappa"
    readable = [s for s in data["slices"] if not s["too_small"]]
    assert [s["slice"] for s in readable[:2]] == [UNCODED, RELABELLED]
    first = data["slices"][0]
    assert {"value", "ci_low", "ci_high", "observed", "expected"} <= set(first["kappa"])
    assert first["kappa"]["ci_low"] <= first["kappa"]["value"] <= first["kappa"]["ci_high"]
    assert data["overall"]["slice"] == "(all)"
    code, out, err = _run([*base, "--by", "week", "--boot", "0"], columns="80")
    assert code == 0, err
    assert "by week, worst first" in out and "2031-W11" in out and "2031-W10" in out
    assert out.index("2031-W11") < out.index("2031-W10")
    assert "2031-W10: 3-9 Mar 2031" in out and max(len(line) for line in out.splitlines()) <= 80


def test_cli_slice_errors_are_one_line(sliced: Slices, tmp_path: Path) -> None:
    base = ["agreement", "--study", str(sliced.root), "--coders", "a,b"]
    table = tmp_path / "t.csv"
    table.write_text("A,B\n1,1\n2,2\n", encoding="utf-8")
    cases = [
        ([*base, "--by", "transcript", "--disagreements"], "does not combine with --disagreements"),
        ([*base, "--weights", "linear"], "--weights and --categories apply to --table"),
        (["agreement", "--table", str(table), "--by", "week"], "does not take"),
    ]
    for args, message in cases:
        code, _, err = _run(args)
        assert code == 2 and message in err and err.count("\n") == 1, (args, err)
    code, _, err = _run([*base, "--by", "month"])
    assert code == 2 and "month" in err


def test_restrict_keeps_everything_when_nothing_is_left_out(sliced: Slices) -> None:
    units = coded_units(Study(sliced.root), ["a", "b"], "character", [UNCODED, "P01"])
    same = units.restrict(transcripts=units.transcripts)
    assert same.transcripts == units.transcripts and same.themes == units.themes
    assert np.array_equal(same.presence, units.presence) and same.segments == units.segments
    assert np.array_equal(same.offsets, units.offsets)
