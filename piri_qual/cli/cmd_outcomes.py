"""``piri-qual outcomes``: routine outcome data, and the joint display beside the themes."""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
from pathlib import Path

import click

from piri_qual.cli.options import (
    format_option,
    json_option,
    open_study,
    output_option,
    study_option,
)
from piri_qual.cli.render import console, print_json, table


@click.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="YAML spec: id, completion and date columns, and the measures.")
@click.option("--sheet", default=None, help="The sheet to read from an .xlsx with several.")
@click.option("--by", default=None, help="Also break down by a column, or by year | quarter | month.")
@format_option(["csv", "xlsx", "docx", "md"])
@output_option
@click.option("--joint-display", "joint", is_flag=True,
              help="Also write the joint display (exports/joint_display.docx, .md, .xlsx).")
@click.option("--coder", default=None, help="Whose codings feed the joint display (default: consensus, else gold).")
@click.option("--group", default="parent", show_default=True, help="Participant group for the joint display.")
@study_option
@json_option
def outcomes(data: Path, spec_path: Path, sheet: str | None, by: str | None, fmt: str | None,
             output: Path | None, joint: bool, coder: str | None, group: str, study_dir: Path | None,
             as_json: bool) -> None:
    """Summarise routine outcome data: referred, completed, and improved per measure.

    Shares are of families who completed support, written as a write-up shows them
    ("81%, n=62") with Wilson 95% intervals; completers with missing data are counted.

    \b
    Example:
      piri-qual outcomes examples/outcomes/piri_outcomes.csv --spec examples/outcomes/outcomes.yaml
      piri-qual outcomes data.xlsx --sheet 2024 --spec outcomes.yaml --by site -o outcomes.docx
      piri-qual outcomes data.csv --spec outcomes.yaml --joint-display --coder consensus
    """
    from piri_qual.analysis.outcomes import load_spec, read_data, summarise

    target: tuple[str, Path] | None = None
    if fmt or output:  # checked before the work, not after
        from piri_qual.core.output_path import resolve_output
        from piri_qual.export.outcomes_writer import OUTCOMES

        # With -o the table can be written outside any study; without it, into exports/.
        exports_dir = open_study(study_dir).exports_dir if output is None else None
        target = resolve_output(OUTCOMES, fmt, output, exports_dir)
    spec = load_spec(spec_path)
    summary = summarise(read_data(data, sheet), spec, by=by or None)
    from piri_qual.core.output_path import is_stdout

    to_stdout = target is not None and is_stdout(target[1])  # then standard output holds the table alone
    if as_json and not to_stdout:
        print_json({
            "referred": summary.referred, "completed": summary.completed,
            "outside_window": summary.excluded_out_of_window, "measures": summary.table_rows(),
            "by": {k: {v: s.table_rows() for v, s in g.items()} for k, g in summary.by_group.items()},
        })
    elif not to_stdout:
        _render(summary)
    if target is not None:
        from piri_qual.core.output_path import output_file
        from piri_qual.export.outcomes_writer import write_outcomes

        with output_file(target[1], target[0]) as real:
            write_outcomes(summary, real, target[0])
        if not to_stdout:
            click.echo(f"wrote {target[1]}", err=as_json)
    if joint:
        from piri_qual.analysis.joint_display import joint_display
        from piri_qual.export.outcomes_writer import JOINT_FORMATS, write_joint_display

        study = open_study(study_dir)
        rows = joint_display(study, summary, study.resolve_coder(coder), group=group)
        for ext in JOINT_FORMATS:
            joint_path = study.exports_dir / f"joint_display.{ext}"
            write_joint_display(rows, summary, joint_path, ext)
            click.echo(f"wrote {joint_path}", err=as_json or to_stdout)


def _render(summary) -> None:  # noqa: ANN001
    out = console()
    out.print(f"[bold]{summary.spec.title}[/bold]")
    out.print(f"Families referred: {summary.referred}   completed support: {summary.completed}"
              + (f"   (excluded, outside the date window: {summary.excluded_out_of_window})"
                 if summary.excluded_out_of_window else ""))
    rows = [[r["measure"], r["improved"], r["result"], r["wilson_95"], r["missing"]] for r in summary.table_rows()]
    out.print(table("Improved, of families who completed support",
                    ["measure", "improved", "result", "Wilson 95% CI", "missing"], rows))
    for by, groups in summary.by_group.items():
        grows = []
        for value, part in groups.items():
            for r in part.table_rows():
                grows.append([value, part.completed, r["measure"], r["result"], r["wilson_95"], r["missing"]])
        out.print(table(f"By {by}", [by, "completed", "measure", "result", "Wilson 95% CI", "missing"], grows))


COMMANDS = [outcomes]
