"""``piri-qual agreement`` end to end: the study form on the example study, the --table form on
published reliability data, exports, JSON and one-line user errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from study_builders import copy_example_study

from piri_qual.analysis.disagreements import disagreement_list
from piri_qual.analysis.study_agreement import coded_units, study_agreement
from piri_qual.cli import main
from piri_qual.study import Study

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section E: 12 units (rows)
# coded by observers A-D (columns) on a 1-5 scale, blank = missing.
KRIPPENDORFF_2011_CSV = """\
unit,A,B,C,D
1,1,1,,1
2,2,2,3,2
3,3,3,3,3
4,3,3,3,3
5,2,2,2,2
6,1,2,3,4
7,4,4,4,4
8,1,1,2,1
9,2,2,2,2
10,,5,5,5
11,,,1,1
12,,3,,
"""

# Krippendorff (2011), section A: binary data, two observers, no missing data; alpha = 0.095.
KRIPPENDORFF_2011_BINARY_CSV = "A,B\n" + "\n".join(
    f"{a},{b}" for a, b in zip([0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0], strict=True)
) + "\n"


def run(args: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    """Run the real entry point (with its error handling) and capture its output."""
    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        with runner.isolation(env={"COLUMNS": "200"}) as (out, err, _):
            code = main(args)
            return code, out.getvalue().decode(), err.getvalue().decode()
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def study_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example study with `gold` and a `pert` coder that dropped every bonding coding of P01
    and added one on the first uncoded participant turn of P02."""
    root = copy_example_study(tmp_path_factory.mktemp("cli") / "study", gold=True)
    study = Study(root)
    gold = list(study.fold("gold").codings.values())
    study.store.append_many("pert", [
        ("add", {"transcript": c.transcript, "start": c.start, "end": c.end, "quote": c.quote, "theme": c.theme})
        for c in gold if not (c.transcript == "P01" and c.theme == "bonding")
    ])
    p02 = study.transcript("P02")
    coded_turns = {p02.turn_at(c.start) for c in gold if c.transcript == "P02"}
    free = next(i for i, t in enumerate(p02.turns) if t.role == "participant" and i not in coded_turns)
    turn = p02.turns[free]
    study.store.append("pert", "add", transcript="P02", start=turn.start, end=turn.end, quote=p02.text[turn.start : turn.end],
                theme="service_awareness")
    return root


def test_study_form_json_matches_the_library(study_root: Path) -> None:
    code, out, err = run(["agreement", "--study", str(study_root), "--coders", "gold,pert", "--unit", "turn",
                          "--boot", "200", "--seed", "4", "--json"])
    assert code == 0, err
    data = json.loads(out)
    expected = study_agreement(Study(study_root), ["gold", "pert"], "turn", n_boot=200, seed=4)
    assert data["unit"] == "turn" and data["unit_description"] == "turn (participant turns)"
    assert data["units"] == expected.n_units and data["coders"] == ["gold", "pert"]
    assert data["confidence"] == {"level": 0.95, "method": "percentile bootstrap", "resamples": 200,
                                  "seed": 4, "resampling": "units"}
    rows = {t["theme"]: t for t in data["themes"]}
    for theme in expected.themes:
        got = rows[theme.theme]["cohen_kappa"]
        assert got["value"] == pytest.approx(theme.cohen_kappa.value, abs=1e-6)  # type: ignore[union-attr]
        assert got["ci_low"] == pytest.approx(theme.cohen_kappa.low, abs=1e-6)  # type: ignore[union-attr]
    assert rows["bonding"]["disagreements"] > 0 and rows["service_awareness"]["disagreements"] == 1
    assert rows["bonding"]["positives"]["pert"] < rows["bonding"]["positives"]["gold"]
    pooled = data["overall"]["pooled"]
    assert pooled["krippendorff_alpha"]["value"] == pytest.approx(expected.pooled.krippendorff_alpha.value, abs=1e-6)
    assert "constructs" not in data


def test_study_form_prints_the_unit_and_flags_unstable_kappa(study_root: Path) -> None:
    code, out, err = run(["agreement", "--study", str(study_root), "--coders", "gold,pert", "--unit", "turn",
                          "--boot", "50", "--constructs"])
    assert code == 0, err
    assert "Unit: turn (participant turns);" in out and "units in 23 transcripts" in out
    assert "(pooled)" in out and "(weighted)" in out and "Constructs as one nominal variable" in out
    result = study_agreement(Study(study_root), ["gold", "pert"], "turn", n_boot=0)
    if result.unstable:
        assert "! kappa unstable for" in out
        assert f"{result.unstable[0].theme}" in out
    code, out, _ = run(["agreement", "--study", str(study_root), "--coders", "gold,pert", "--unit", "sentence",
                        "--transcripts", "P01", "--boot", "0"])
    assert code == 0 and "Unit: sentence (sentences of participant turns" in out
    assert "units in 1 transcript" in out and "! kappa unstable" in out


def test_disagreements_are_listed_and_exported(study_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "meeting.xlsx"
    code, out, err = run(["agreement", "--study", str(study_root), "--coders", "gold,pert", "--unit", "turn",
                          "--boot", "0", "--disagreements", "-o", str(target)])
    assert code == 0, err
    frame = Study(study_root)

    expected = disagreement_list(coded_units(frame, ["gold", "pert"], "turn"))
    assert f"{len(expected)} disagreements (turn units)" in out
    assert f"wrote {len(expected)} disagreements to {target}" in out
    import openpyxl

    assert openpyxl.load_workbook(target)["Disagreements"].max_row == len(expected) + 1
    code, out, err = run(["agreement", "--study", str(study_root), "--coders", "gold,pert", "--unit", "turn",
                          "--boot", "0", "--disagreements", "--format", "md", "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert Path(data["written"]) == study_root / "exports" / "disagreements_gold_pert_turn.md"
    assert len(data["disagreements"]) == len(expected)
    assert data["disagreements"][0]["transcript"] == "P01"


def test_table_form_reproduces_krippendorff_2011(tmp_path: Path) -> None:
    path = tmp_path / "k2011.csv"
    path.write_text(KRIPPENDORFF_2011_CSV, encoding="utf-8")
    for level, published in (("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)):
        code, out, err = run(["agreement", "--table", str(path), "--level", level, "--json", "--boot", "200"])
        assert code == 0, err
        data = json.loads(out)
        assert round(data["krippendorff_alpha"]["value"], 3) == published, level
        assert data["coders"] == ["A", "B", "C", "D"] and data["units"] == 12 and data["pairable_units"] == 11
        assert data["values"] == 41 and "cohen_kappa" not in data
        assert data["krippendorff_alpha"]["ci_low"] <= data["krippendorff_alpha"]["value"]
    code, out, _ = run(["agreement", "--table", str(path)])
    assert code == 0 and "Krippendorff's alpha (nominal)" in out and "0.743" in out
    assert "12 units x 4 coders" in out and "11 units coded by two or more" in out


def test_table_form_two_coders_gives_kappa(tmp_path: Path) -> None:
    """Krippendorff (2011) section A: alpha 0.095; kappa by hand from the 2 x 2 table
    (a=1, b=1, c=3, d=5): p_o = 0.6, p_e = 0.2*0.4 + 0.8*0.6 = 0.56, kappa = 0.04/0.44."""
    path = tmp_path / "binary.csv"
    path.write_text(KRIPPENDORFF_2011_BINARY_CSV, encoding="utf-8")
    code, out, err = run(["agreement", "--table", str(path), "--json", "--boot", "0"])
    assert code == 0, err
    data = json.loads(out)
    assert round(data["krippendorff_alpha"]["value"], 3) == 0.095
    assert data["cohen_kappa"]["value"] == pytest.approx(0.04 / 0.44, abs=1e-6)
    assert data["percent_agreement"]["value"] == pytest.approx(0.6)
    assert data["krippendorff_alpha"]["ci_low"] is None  # --boot 0: no interval


# Gwet's cac.raw4raters (irrCAC): Krippendorff's data in Gwet's layout (unit 12 rated by Rater3).
GWET_4RATERS_CSV = """\
Units,Rater1,Rater2,Rater3,Rater4
1,1,1,,1
2,2,2,3,2
3,3,3,3,3
4,3,3,3,3
5,2,2,2,2
6,1,2,3,4
7,4,4,4,4
8,1,1,2,1
9,2,2,2,2
10,,5,5,5
11,,,1,1
12,,,3,
"""


def test_table_form_weighted_reproduces_gwets_published_values(tmp_path: Path) -> None:
    """Gwet (2014) via irrCAC's weighting vignette, cac.raw4raters with quadratic weights:
    percent agreement 0.9753788, AC2 0.914 (p_e 0.7137044), Fleiss 0.86494 (p_e 0.8177083),
    Conger 0.85771 (p_e 0.8269638), Brennan-Prediger 0.90152 (p_e 0.75); interval alpha 0.849
    (Krippendorff 2011). Every figure comes with its observed and expected agreement."""
    path = tmp_path / "gwet.csv"
    path.write_text(GWET_4RATERS_CSV, encoding="utf-8")
    code, out, err = run(["agreement", "--table", str(path), "--weights", "quadratic", "--level", "interval",
                          "--boot", "200", "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["weights"] == "quadratic" and data["categories"] == [1, 2, 3, 4, 5]
    assert data["percent_agreement"]["value"] == pytest.approx(0.9753788, abs=5e-7)
    assert (round(data["gwet_ac2"]["value"], 3), data["gwet_ac2"]["expected"]) == (0.914, pytest.approx(0.7137044, abs=5e-7))
    assert (round(data["fleiss_kappa"]["value"], 5), data["fleiss_kappa"]["expected"]) == (0.86494, pytest.approx(0.8177083, abs=5e-7))
    assert (round(data["conger_kappa"]["value"], 5), data["conger_kappa"]["expected"]) == (0.85771, pytest.approx(0.8269638, abs=5e-7))
    assert data["brennan_prediger"]["value"] == pytest.approx(0.90152, abs=6e-6)  # published to 5 places, JSON to 6
    assert data["brennan_prediger"]["expected"] == 0.75
    assert round(data["krippendorff_alpha"]["value"], 3) == 0.849
    assert data["krippendorff_alpha"]["parts"] == "disagreement"
    for name in ("percent_agreement", "fleiss_kappa", "conger_kappa", "light_kappa", "gwet_ac2", "brennan_prediger"):
        fig = data[name]
        assert fig["ci_low"] <= fig["value"] <= fig["ci_high"], name
        assert fig["observed"] is not None and fig["expected"] is not None
    assert len(data["pairwise_kappa"]) == 6 and "cohen_kappa" not in data
    code, out, err = run(["agreement", "--table", str(path), "--weights", "quadratic", "--boot", "0"])
    assert code == 0, err
    assert "quadratic weights" in out and "Gwet's AC2" in out and "0.914" in out
    assert "Cohen's kappa of each pair of coders" in out


def test_table_form_orders_text_labels_with_categories(tmp_path: Path) -> None:
    """Gwet's cont3x3abstractors (irrCAC weighting vignette): with quadratic weights on the three
    ordered categories, Cohen's kappa 0.8921569 and AC2 0.9402369; irr's kappa2 documented
    example on anxiety[, 1:2] with squared weights: 0.297."""
    cells = [("ectopic", "ectopic")] * 13 + [("AIU", "AIU")] * 20 + [("AIU", "NIU")] * 7 + [("NIU", "AIU")] * 4 + [
        ("NIU", "NIU")] * 56
    path = tmp_path / "abstractors.csv"
    path.write_text("A,B\n" + "".join(f"{a},{b}\n" for a, b in cells), encoding="utf-8")
    order = "ectopic,AIU,NIU"
    code, out, err = run(["agreement", "--table", str(path), "--weights", "quadratic", "--categories", order,
                          "--boot", "0", "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["cohen_kappa"]["value"] == pytest.approx(0.8921569, abs=5e-7)
    assert data["gwet_ac2"]["value"] == pytest.approx(0.9402369, abs=5e-7)
    assert data["categories"] == ["ectopic", "AIU", "NIU"]
    code, _, err = run(["agreement", "--table", str(path), "--weights", "quadratic"])
    assert code == 2 and "need the order of the text labels" in err and "--categories" in err
    code, _, err = run(["agreement", "--table", str(path), "--categories", "ectopic,AIU"])
    assert code == 2 and "'NIU' is not among the categories given" in err
    anxiety = tmp_path / "anxiety.csv"
    r1 = [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3]
    r2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
    anxiety.write_text("rater1,rater2\n" + "".join(f"{a},{b}\n" for a, b in zip(r1, r2, strict=True)), encoding="utf-8")
    code, out, err = run(["agreement", "--table", str(anxiety), "--weights", "quadratic", "--boot", "0", "--json"])
    assert code == 0, err
    assert round(json.loads(out)["cohen_kappa"]["value"], 3) == 0.297


def test_user_errors_are_one_line(study_root: Path, tmp_path: Path) -> None:
    s = ["agreement", "--study", str(study_root)]
    cases = [
        ([*s, "--coders", "gold,nobody"], "no coder 'nobody'"),
        ([*s], "name the coders to compare with --coders"),
        ([*s, "--coders", "gold,pert", "-o", str(tmp_path / "x.csv")], "Add --disagreements"),
        ([*s, "--coders", "gold,pert", "--disagreements", "-o", str(tmp_path / "x.pdf")],
         "cannot write a disagreement list as '.pdf' (it can be .csv, .xlsx, .docx or .md)"),
        (["agreement", "--table", str(tmp_path / "none.csv")], "no such file"),
        (["agreement", "--table", str(tmp_path / "none.csv"), "--coders", "a,b"], "does not take --coders"),
        ([*s, "--coders", "gold,pert", "--unit", "character", "--cluster", "units", "--boot", "5"], "whole transcripts"),
    ]
    for args, message in cases:
        code, out, err = run(args)
        assert code == 2, (args, out, err)
        assert message in err and err.count("\n") == 1 and err.startswith("error: "), err
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("A,B\n1,2\n1,2,3\n", encoding="utf-8")
    code, _, err = run(["agreement", "--table", str(ragged)])
    assert code == 2 and f"{ragged}:3: this row has 3 values" in err


def test_help_has_an_example_and_start_stays_light() -> None:
    code, out, _ = run(["agreement", "--help"])
    assert code == 0 and "piri-qual agreement --coders alice,bob" in out and "--table" in out
    probe = "import sys, piri_qual.cli; print(sorted(m for m in ('numpy', 'pandas', 'spacy') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_cli_choices_match_the_library() -> None:
    """The command spells its choices out (so --help needs no numpy); they must not drift."""
    from piri_qual.analysis.agreement import LEVELS as LIBRARY_LEVELS
    from piri_qual.analysis.study_agreement import CLUSTERS as LIBRARY_CLUSTERS
    from piri_qual.analysis.units import UNIT_KINDS
    from piri_qual.cli.cmd_agreement import CLUSTERS, EXPORT_FORMATS, LEVELS, UNITS
    from piri_qual.export.disagreements import FORMATS

    assert (UNITS, LEVELS, CLUSTERS, tuple(EXPORT_FORMATS)) == (UNIT_KINDS, LIBRARY_LEVELS, LIBRARY_CLUSTERS, FORMATS)
