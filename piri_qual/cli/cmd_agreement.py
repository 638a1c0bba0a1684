"""``piri-qual agreement``: inter-coder agreement on a study, or on a reliability table.

Thin: parse options, call :mod:`piri_qual.analysis.study_agreement` (or
:mod:`~piri_qual.analysis.reliability_table`), render. numpy and pandas load only when the
command runs, so the choices below are spelled out here rather than imported.
"""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from piri_qual.cli.options import (
    format_option,
    json_option,
    open_study,
    output_option,
    study_option,
)
from piri_qual.cli.render import console, print_json, table
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.analysis.agreement_slices import SliceAgreement
    from piri_qual.analysis.reliability_table import TableAgreement
    from piri_qual.analysis.study_agreement import Estimate, StudyAgreement

UNITS = ("sentence", "turn", "character")  # = piri_qual.analysis.units.UNIT_KINDS
LEVELS = ("nominal", "ordinal", "interval", "ratio")  # = piri_qual.analysis.agreement.LEVELS
CLUSTERS = ("units", "transcripts")  # = piri_qual.analysis.study_agreement.CLUSTERS
WEIGHTS = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio")  # = agreement_weights.WEIGHTS
BY = ("transcript", "participant", "group", "construct", "week")  # = agreement_slices.BY
EXPORT_FORMATS = ["csv", "xlsx", "docx", "md"]


def _split(values: tuple[str, ...] | str | None) -> list[str]:
    if not values:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


@click.command()
@study_option
@click.option("--coders", default=None, help="Two or more coders to compare, comma-separated: A,B[,C...].")
@click.option("--unit", type=click.Choice(UNITS), default="sentence", show_default=True,
              help="Unit of comparison: sentences or turns of participant talk, or characters "
                   "(unitizing alpha).")
@click.option("--transcripts", "transcript_ids", multiple=True,
              help="Only these transcripts (comma-separated or repeated), e.g. P01,P02.")
@click.option("--constructs", is_flag=True,
              help="Also compare each framework construct as one nominal variable (which of its themes).")
@click.option("--disagreements", is_flag=True,
              help="List every unit the coders coded differently; with -o/--format also write it.")
@output_option
@format_option(EXPORT_FORMATS)
@click.option("--table", "table_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Compute on a reliability table instead: CSV, rows = units, columns = coders, "
                   "blank = missing.")
@click.option("--level", type=click.Choice(LEVELS), default="nominal", show_default=True,
              help="Level of measurement for alpha on --table.")
@click.option("--weights", type=click.Choice(WEIGHTS), default=None,
              help="Agreement weights for ordered categories on --table (every kappa, AC2, "
                   "Brennan-Prediger, percent agreement).")
@click.option("--categories", "categories", default=None,
              help="The scale's categories in order, comma-separated, for --table: orders text "
                   "labels for --weights and counts categories nobody used, e.g. none,some,a lot.")
@click.option("--by", "by", type=click.Choice(BY), default=None,
              help="The same figures per transcript, participant, group, construct or week of "
                   "coding, worst first: where the coders should meet.")
@click.option("--ci", type=float, default=0.95, show_default=True, help="Confidence level of the intervals.")
@click.option("--boot", "n_boot", type=int, default=1000, show_default=True,
              help="Bootstrap resamples for the intervals (0: no intervals).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@click.option("--cluster", type=click.Choice(CLUSTERS), default=None,
              help="Resample units (default) or whole transcripts (default for --unit character).")
@json_option
def agreement(
    study_dir: Path | None, coders: str | None, unit: str, transcript_ids: tuple[str, ...],
    constructs: bool, disagreements: bool, output: Path | None, fmt: str | None,
    table_path: Path | None, level: str, weights: str | None, categories: str | None, by: str | None,
    ci: float, n_boot: int, seed: int, cluster: str | None, as_json: bool,
) -> None:
    """Inter-coder agreement per theme and overall, with confidence intervals.

    For the transcripts every named coder has coded, each coder's codings become presence or
    absence of each theme on each unit; the table gives per theme the prevalence, percent
    agreement, Cohen's kappa (two coders; Fleiss' and Conger's kappa and each pair's kappa for
    more) and Krippendorff's alpha, then the figures pooled over all (unit, theme) pairs and
    averaged with prevalence as weight. Kappa is flagged where the theme is too rare for it to
    be stable. --by gives the pooled figures per transcript, participant, group, construct or
    week of coding, worst first. With --table FILE.csv the coefficients are computed on a
    reliability table (rows = units, columns = coders, blank = missing), weighted with --weights.

    \b
    Examples:
      piri-qual agreement --coders alice,bob
      piri-qual agreement --coders alice,bob --by transcript
      piri-qual agreement --coders alice,bob,carol --unit turn --by week
      piri-qual agreement --coders alice,bob --unit turn --transcripts P01,P02 --constructs
      piri-qual agreement --coders alice,bob --disagreements -o disagreements.docx
      piri-qual agreement --table ratings.csv --weights quadratic --level ordinal --json
    """
    if table_path is not None:
        if coders or disagreements or constructs or transcript_ids or by:
            raise PiriQualError(
                "--table computes on a reliability table; it does not take --coders, "
                "--transcripts, --constructs, --disagreements or --by",
                hint="Run the table and the study forms separately.",
            )
        from piri_qual.analysis.reliability_table import table_agreement

        table_result = table_agreement(table_path, level, weights=weights, categories=_split(categories) or None,
                                       ci=ci, n_boot=n_boot, seed=seed)
        if as_json:
            print_json(table_result.to_dict())
        else:
            _render_table_form(table_result)
        return
    names = _split(coders)
    if not names:
        raise PiriQualError(
            "name the coders to compare with --coders A,B (or give --table FILE.csv)",
            hint="List the study's coders with `piri-qual codings list`.",
        )
    if weights is not None or categories is not None:
        raise PiriQualError(
            "--weights and --categories apply to --table: a study compares presence and absence "
            "of each theme, which has no order to weight",
            hint="Drop them, or give a reliability table with --table FILE.csv.",
        )
    if (output is not None or fmt is not None) and not disagreements:
        raise PiriQualError("-o/--format write the disagreement list", hint="Add --disagreements.")
    if by is not None and (disagreements or constructs):
        raise PiriQualError(
            "--by lists agreement per slice; it does not combine with --disagreements or --constructs",
            hint="Run them separately.",
        )
    if unit == "character" and cluster == "units":
        raise PiriQualError(
            "character units are not independent of their neighbours, so intervals resample "
            "whole transcripts",
            hint="Use --cluster transcripts (the default for --unit character).",
        )
    from piri_qual.analysis.disagreements import disagreement_list
    from piri_qual.analysis.study_agreement import coded_units, compute_agreement
    from piri_qual.core.output_path import resolve_output
    from piri_qual.export.disagreements import DISAGREEMENTS

    study = open_study(study_dir)
    target: tuple[str, Path] | None = None
    if output is not None or fmt is not None:  # checked before the work, not after
        stem = f"disagreements_{'_'.join(names)}_{unit}"
        target = resolve_output(DISAGREEMENTS, fmt, output, study.exports_dir, stem)
    units = coded_units(study, names, unit, _split(transcript_ids) or None)
    if by is not None:
        from piri_qual.analysis.agreement_slices import slice_agreement

        sliced = slice_agreement(study, units, by, ci=ci, n_boot=n_boot, seed=seed, cluster=cluster)
        if as_json:
            print_json(sliced.to_dict())
        else:
            _render_slices(sliced)
        return
    result = compute_agreement(units, ci=ci, n_boot=n_boot, seed=seed, cluster=cluster)
    frame = disagreement_list(units) if disagreements else None
    written: Path | None = None
    if frame is not None and target is not None:
        from piri_qual.core.output_path import is_stdout, output_file

        with output_file(target[1], target[0]) as real:
            _export(result, frame, target[0], real)
        if is_stdout(target[1]):  # standard output holds the list; the figures would garble it
            click.echo(f"{len(frame)} disagreement{'s' if len(frame) != 1 else ''} written to standard output",
                       err=True)
            return
        written = target[1]
    if as_json:
        data = result.to_dict(constructs=constructs)
        if frame is not None:
            data["disagreements"] = frame.to_dict(orient="records")
        if written is not None:
            data["written"] = str(written)
        print_json(data)
        return
    _render_study(result, constructs)
    if frame is not None:
        _render_disagreements(frame, result)
    if frame is not None and written is not None:
        click.echo(f"wrote {len(frame)} disagreement{'s' if len(frame) != 1 else ''} to {written}")


# -- rendering -----------------------------------------------------------------------------------
def _num(value: float | None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "\u2014"
    return f"{value:.{digits}f}"


def _with_ci(est: Estimate | None) -> str:
    if est is None:
        return "\u2014"
    if not est.defined:
        return "undefined"
    if not (math.isfinite(est.low) and math.isfinite(est.high)):
        return _num(est.value)
    # The interval goes on its own line so the table fits an 80-column terminal.
    return f"{_num(est.value)}\n[dim]{_num(est.low, 2)}\u2013{_num(est.high, 2)}[/dim]"


def _render_study(result: StudyAgreement, show_constructs: bool) -> None:
    from piri_qual.analysis.study_agreement import (
        LOW_PREVALENCE,
        LOW_PREVALENCE_UNITS,
        MIN_POSITIVE_UNITS,
    )

    out = console()
    pair = " and ".join(result.coders) if len(result.coders) == 2 else ", ".join(result.coders)
    n_t = len(result.transcripts)
    out.print(f"[bold]Agreement between {pair}[/bold]")
    out.print(f"Unit: {result.unit_description}; {result.n_units:,} units in {n_t} transcript{'s' if n_t != 1 else ''}")
    if result.n_boot:
        what = "units" if result.cluster == "units" else "transcripts (clusters)"
        out.print(f"Intervals: {result.ci:.0%} percentile bootstrap, {result.n_boot} resamples of {what}, seed {result.seed}")
    two = len(result.coders) == 2
    alpha = "u-alpha" if result.alpha_name == "unitizing_alpha" else "alpha"
    # Per-coder unit counts are in --json and the disagreement list; the table keeps to what
    # fits 80 columns: the figures and their intervals.
    # Three coders or more: Fleiss' and Conger's kappa take the place of kappa and of the
    # differ column (still in --json and the disagreement list), so the table keeps to 80 columns.
    kappas = ["kappa"] if two else ["Fleiss", "Conger"]
    columns = ["theme", "prev.", *(["differ"] if two else []), "% agree", *kappas, alpha]
    rows: list[list[Any]] = []
    for t in [*result.themes, result.pooled, result.weighted]:
        flag = " !" if t.warning else ""
        rows.append([
            t.theme,
            f"{t.prevalence:.1%}",
            *(["" if t is result.weighted else t.disagreements] if two else []),
            _with_ci(t.percent_agreement),
            *([_with_ci(t.cohen_kappa) + flag] if two else [_with_ci(t.fleiss_kappa), _with_ci(t.conger_kappa)]),
            _with_ci(t.krippendorff_alpha),
        ])
    grid = table(None, columns, rows)
    # Figures never truncate; long theme ids fold instead.
    grid.columns[0].overflow = "fold"
    grid.columns[0].min_width = 14
    for column in grid.columns[1:]:
        column.no_wrap = True
    if result.themes:
        grid.rows[len(result.themes) - 1].end_section = True
    out.print(grid)
    out.print(
        f"(pooled) = all {result.pooled.units:,} unit x theme pairs; (weighted) = mean of the theme "
        "figures weighted by prevalence; "
        + ("differ = units coded differently (each coder's counts: --json)." if two
           else "units coded differently and each coder's counts: --json.")
    )
    if result.unstable:
        n = len(result.unstable)
        out.print(
            f"! kappa unstable for {n} theme{'s' if n != 1 else ''}: fewer than {MIN_POSITIVE_UNITS} units "
            f"coded, or prevalence below {LOW_PREVALENCE:.0%} with fewer than {LOW_PREVALENCE_UNITS} units, "
            "where one or two units swing kappa; read the interval, not the point."
        )
    by_reason: dict[str, list[str]] = {}
    for tid, why in result.skipped.items():
        by_reason.setdefault(why, []).append(tid)
    for why, tids in by_reason.items():
        out.print(f"left out {len(tids)} transcript{'s' if len(tids) != 1 else ''} ({why}): {', '.join(tids)}")
    for coder, n in result.orphaned.items():
        if n:
            out.print(f"left out {n} orphaned coding{'s' if n != 1 else ''} of {coder} (quote no longer at its place)")
    for coder, n in result.outside.items():
        if n:
            out.print(f"{n} coding{'s' if n != 1 else ''} of {coder} cover no {result.unit} unit (e.g. in interviewer turns) and are not compared")
    if result.pairs:
        _render_pairs(result)
    if show_constructs:
        _render_constructs(result, two)


def _render_pairs(result: StudyAgreement) -> None:
    """Each pair's pooled Cohen's kappa as a matrix, then Light's kappa (their mean)."""
    out = console()
    kappa = {frozenset(p.coders): p.cohen_kappa for p in result.pairs}
    rows = [
        [a, *("" if a == b else _with_ci(kappa[frozenset((a, b))]) for b in result.coders)]
        for a in result.coders
    ]
    grid = table("Pairwise Cohen's kappa", ["", *result.coders], rows)
    for column in grid.columns[1:]:
        column.no_wrap = True
    out.print(grid)
    light = result.light_kappa
    text = _with_ci(light).replace("\n", " ").replace("[dim]", "(").replace("[/dim]", ")") if light else "\u2014"
    out.print(f"Each pair over all {result.pooled.units:,} unit x theme pairs; Light's kappa (their mean): {text}")


def _render_constructs(result: StudyAgreement, two: bool) -> None:
    out = console()
    if not result.constructs:
        out.print("No construct has two or more of the compared themes.")
        return
    rows = [
        [c.construct, len(c.themes), c.units, len(c.categories), _with_ci(c.percent_agreement),
         *([_with_ci(c.cohen_kappa)] if two else []), _with_ci(c.krippendorff_alpha)]
        for c in result.constructs
    ]
    columns = ["construct", "themes", "units", "values", "% agree", *(["kappa"] if two else []), "alpha"]
    out.print(table("Constructs as one nominal variable (which theme; units where any coder used one)", columns, rows))


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _render_disagreements(frame: Any, result: StudyAgreement) -> None:
    rows = [
        [r["transcript"], r["unit"], _short(r["text"]), *[r[c] or "\u2014" for c in result.coders], r["disputed"]]
        for r in frame.to_dict("records")
    ]
    columns = ["transcript", result.unit, "text", *result.coders, "differ on"]
    console().print(table(f"{len(rows)} disagreement{'s' if len(rows) != 1 else ''} ({result.unit} units)", columns, rows))


def _export(result: StudyAgreement, frame: Any, kind: str, path: Path) -> Path:
    from piri_qual.export.disagreements import write_disagreements

    facts = {
        "Coders": ", ".join(result.coders),
        "Unit": result.unit_description,
        "Transcripts": ", ".join(result.transcripts),
        "Disagreements": f"{len(frame)} of {result.n_units} units",
        "Order": "by transcript, then position in the text",
    }
    title = f"Disagreements: {' vs '.join(result.coders)}"
    return write_disagreements(frame, path, kind, coders=result.coders, title=title, facts=facts)


def _render_table_form(result: TableAgreement) -> None:
    from piri_qual.analysis.reliability_table import NAMES

    out = console()
    data = result.data
    out.print(f"[bold]Agreement on {data.path.name}[/bold]")
    weighting = "" if result.weights == "identity" else f"; {result.weights} weights"
    out.print(
        f"{len(data.units)} units x {len(data.coders)} coders ({', '.join(data.coders)}); "
        f"{result.pairable} units coded by two or more; level {result.level}{weighting}"
    )
    if result.n_boot:
        out.print(f"Intervals: {result.ci:.0%} percentile bootstrap, {result.n_boot} resamples of units, seed {result.seed}")
    rows = []
    for key, fig in result.figures.items():
        name = NAMES[key] + (f" ({result.level})" if key == "krippendorff_alpha" else "")
        ci_text = f"{_num(fig.low)}\u2013{_num(fig.high)}" if math.isfinite(fig.low) else "\u2014"
        rows.append([name, _num(fig.value) if fig.note is None else "undefined", ci_text,
                     _num(fig.observed), _num(fig.expected), fig.n_units, fig.note or ""])
    out.print(table(None, ["coefficient", "value", "interval", "observed", "expected", "units", "note"], rows))
    out.print("observed, expected: agreement p_a and p_e; for alpha, disagreement D_o and D_e.")
    if result.pairs:
        kappa = {frozenset(p.coders): p.value for p in result.pairs}
        grid = [[a, *("" if a == b else _num(kappa[frozenset((a, b))]) for b in data.coders)] for a in data.coders]
        out.print(table("Cohen's kappa of each pair of coders", ["", *data.coders], grid))


def _render_slices(result: SliceAgreement) -> None:
    from piri_qual.analysis.agreement_slices import MIN_SLICE_CODED, MIN_SLICE_UNITS

    out = console()
    pair = " and ".join(result.coders) if len(result.coders) == 2 else ", ".join(result.coders)
    out.print(f"[bold]Agreement between {pair} by {result.by}, worst first[/bold]")
    out.print(f"Unit: {result.unit_description}; figures pooled over each slice's unit x theme pairs")
    if result.n_boot:
        what = "units" if result.cluster == "units" else "transcripts (clusters)"
        out.print(f"Intervals: {result.ci:.0%} percentile bootstrap, {result.n_boot} resamples of {what}, seed {result.seed}")
    kappa = "kappa" if result.kappa_name == "cohen_kappa" else "Fleiss"
    alpha = "u-alpha" if result.alpha_name == "unitizing_alpha" else "alpha"
    rows = []
    for r in [*result.rows, result.overall]:
        rows.append([
            r.key + (" !" if r.small else ""), r.units, r.coded, r.disagreements,
            _with_ci(r.percent_agreement), _with_ci(r.kappa), _with_ci(r.krippendorff_alpha),
        ])
    grid = table(None, [result.by, "units", "coded", "differ", "% agree", kappa, alpha], rows)
    grid.columns[0].overflow = "fold"
    for column in grid.columns[1:]:
        column.no_wrap = True
    if result.rows:
        grid.rows[len(result.rows) - 1].end_section = True
    out.print(grid)
    out.print(
        "coded = unit x theme pairs any coder marked; differ = those coded differently; "
        f"! = too small to say anything (fewer than {MIN_SLICE_UNITS} units or {MIN_SLICE_CODED} coded "
        "pairs), listed after the slices that can be read; (all) = the whole comparison."
    )
    labelled = [r for r in result.rows if r.label and r.label != r.key]
    if labelled and result.by in ("week", "construct"):
        out.print("; ".join(f"{r.key}: {r.label}" for r in labelled))
    for r in result.rows:
        if r.note and not r.small:
            out.print(f"{r.key}: {r.note}")


COMMANDS = [agreement]
