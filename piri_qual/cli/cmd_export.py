"""``piri-qual export matrix|quotes|codebook|frequencies|all``: the write-up exports.

Thin commands: parse options, gather the export data once, call one writer in
:mod:`piri_qual.export.study_exports`, and report the files written and anything to check (likely
identifiers left in quotes). The ``export`` group itself lives in :mod:`piri_qual.cli.groups`.
"""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from piri_qual.cli.groups import export
from piri_qual.cli.options import (
    coder_option,
    format_option,
    open_study,
    output_option,
    study_option,
)

if TYPE_CHECKING:
    from piri_qual.analysis.selection import Selection
    from piri_qual.export.study_exports import ExportResult
    from piri_qual.study import Study

F = TypeVar("F", bound=Callable[..., Any])
CODER_HELP = "Whose codings to export (a consensus coder is just another name); default: the only coder."
SHOWN_FLAGS = 12


def filter_options(func: F) -> F:
    """``--group``, ``--theme``, ``--participant``, ``--where`` and ``--attributes``, declared once."""
    options = [
        click.option("--group", "groups", multiple=True, help="Only this participant group (repeat or comma-separate)."),
        click.option("--theme", "themes", multiple=True,
                     help="Only this theme, or every theme of a construct or domain (repeat or comma-separate)."),
        click.option("--participant", "participants", multiple=True, help="Only this participant, e.g. P07."),
        click.option("--where", "where", multiple=True, metavar="ATTR=VALUE",
                     help="Only participants whose participants.csv column ATTR has VALUE (e.g. site=Northvale)."),
        click.option("--attributes", default=None, metavar="COLS",
                     help="Participant columns to show (comma-separated); default: all but identifying ones."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _data(study: Study, coder: str | None, groups: tuple[str, ...], themes: tuple[str, ...],
          participants: tuple[str, ...], where: tuple[str, ...], attributes: str | None) -> Selection:
    from piri_qual.analysis.selection import Filters, load_selection, parse_where

    filters = Filters.make(groups=groups, themes=themes, participants=participants, where=parse_where(where))
    return load_selection(study, coder, filters, attributes=attributes.split(",") if attributes else None)


def _report(result: ExportResult, study: Study, stdout: bool = False) -> None:
    """List the files written (none for ``-o -``: standard output holds the file), then any
    likely identifiers left in exported text (on standard error, as always)."""
    from piri_qual.cli.render import shown_path

    for path in result.paths if not stdout else []:
        click.echo(f"wrote {shown_path(path)}")
    flagged = result.flagged
    if flagged is not None and len(flagged):
        # one line per text: the same excerpt coded with several themes is listed once
        flagged = (flagged.groupby(["participant", "location", "flags"], sort=False)
                   .theme.agg(lambda t: ", ".join(dict.fromkeys(t))).reset_index())
        click.echo(
            f"warning: {len(flagged)} exported text{'s' if len(flagged) != 1 else ''} may still identify someone. "
            f"Check them; add names to `pseudonyms` in {study.settings_path.name} (or harmless words to "
            "`identifier_allowlist`), or export again with --redact:",
            err=True,
        )
        for row in flagged.head(SHOWN_FLAGS).itertuples():
            click.echo(f"  {row.participant} {row.theme} ({row.location}): {row.flags}", err=True)
        if len(flagged) > SHOWN_FLAGS:
            click.echo(f"  ... and {len(flagged) - SHOWN_FLAGS} more", err=True)


@export.command("matrix")
@study_option
@coder_option(help_text=CODER_HELP)
@format_option(["xlsx", "docx", "csv", "md"])
@output_option
@click.option("--cells", type=click.Choice(["count", "presence", "excerpts", "summary"]), default="count",
              show_default=True, help="What each cell shows: excerpt count, a tick, the excerpts, or the cell memo.")
@click.option("--redact", is_flag=True, help="Mask likely identifiers the check finds in excerpt or summary cells.")
@click.option("--strict", is_flag=True, help="Write nothing if any cell text still holds a likely identifier.")
@filter_options
def matrix(study_dir: Path | None, coder: str | None, fmt: str | None, output: Path | None, cells: str,
           redact: bool, strict: bool, groups: tuple[str, ...], themes: tuple[str, ...],
           participants: tuple[str, ...], where: tuple[str, ...], attributes: str | None) -> None:
    """Write the framework matrix: participants by group x themes by domain and construct.

    Summary rows give how many participants of each group raised each theme ("10 of 14
    parents"). The .xlsx has a sheet per domain with frozen headers; the .docx is a landscape
    table for a report appendix.

    \b
    Examples:
      piri-qual export matrix --coder consensus -o matrix.xlsx
      piri-qual export matrix --coder gold --cells summary --format docx --group parent
    """
    from piri_qual.core.output_path import is_stdout, output_file, resolve_output
    from piri_qual.export.study_exports import OUTPUTS, write_matrix

    study = open_study(study_dir)
    fmt, path = resolve_output(OUTPUTS["matrix"], fmt, output, study.exports_dir)
    data = _data(study, coder, groups, themes, participants, where, attributes)
    with output_file(path, fmt) as real:
        result = write_matrix(data, real, fmt, cells, redact=redact, strict=strict)
    _report(result, study, is_stdout(path))


@export.command("quotes")
@study_option
@coder_option(help_text=CODER_HELP)
@format_option(["docx", "md", "csv"])
@output_option
@click.option("--per-theme", type=click.IntRange(min=1), default=None,
              help="At most N quotes per theme, spread across participants and groups.")
@click.option("--redact", is_flag=True, help="Replace likely identifiers the check finds with [name], [phone], ...")
@click.option("--strict", is_flag=True, help="Write nothing if any quote still holds a likely identifier.")
@filter_options
def quotes(study_dir: Path | None, coder: str | None, fmt: str | None, output: Path | None, per_theme: int | None,
           redact: bool, strict: bool, groups: tuple[str, ...], themes: tuple[str, ...],
           participants: tuple[str, ...], where: tuple[str, ...], attributes: str | None) -> None:
    """Write the quote bank: per theme, in framework order, anonymised quotes with attributions.

    Names in the study's pseudonym map are replaced in every quote, and a check warns about
    likely identifiers left (names, places, dates, phone numbers).

    \b
    Examples:
      piri-qual export quotes --coder consensus --per-theme 5 -o quotes.docx
      piri-qual export quotes --coder gold --group parent --theme outcomes --format md
    """
    from piri_qual.core.output_path import is_stdout, output_file, resolve_output
    from piri_qual.export.study_exports import OUTPUTS, write_quotes

    study = open_study(study_dir)
    fmt, path = resolve_output(OUTPUTS["quotes"], fmt, output, study.exports_dir)
    data = _data(study, coder, groups, themes, participants, where, attributes)
    with output_file(path, fmt) as real:
        result = write_quotes(data, real, fmt, per_theme=per_theme, redact=redact, strict=strict)
    _report(result, study, is_stdout(path))


@export.command("codebook")
@study_option
@coder_option(help_text="Count each theme's use in this coder's codings (default: the only coder, if any).")
@format_option(["docx", "md"])
@output_option
@click.option("--development", is_flag=True,
              help="Append how the codebook developed: each theme's origin and changes, with dates and reasons.")
def codebook(study_dir: Path | None, coder: str | None, fmt: str | None, output: Path | None,
             development: bool) -> None:
    """Write the codebook: the framework, then each theme's definition, rules, examples and counts.

    With --development, a last section tells how the codebook developed (created, renamed from,
    merged from, split from, edited; dates, coders and reasons), as COREQ and SRQR ask.

    \b
    Example:
      piri-qual export codebook --coder consensus -o codebook.docx --development
    """
    from piri_qual.analysis.selection import load_selection
    from piri_qual.core.output_path import is_stdout, output_file, resolve_output
    from piri_qual.errors import PiriQualError
    from piri_qual.export.study_exports import OUTPUTS, write_codebook

    study = open_study(study_dir)
    fmt, path = resolve_output(OUTPUTS["codebook"], fmt, output, study.exports_dir)
    try:
        data = load_selection(study, coder, ner=False)
    except PiriQualError:
        if coder:
            raise
        data = None  # no single coder to count for: the codebook alone
    with output_file(path, fmt) as real:
        result = write_codebook(study, data, real, fmt, developed=development)
    _report(result, study, is_stdout(path))


@export.command("map")
@study_option
@coder_option(help_text=CODER_HELP)
@format_option(["svg", "png", "dot", "mmd"])
@output_option
@filter_options
def map_(study_dir: Path | None, coder: str | None, fmt: str | None, output: Path | None, groups: tuple[str, ...],
         themes: tuple[str, ...], participants: tuple[str, ...], where: tuple[str, ...],
         attributes: str | None) -> None:
    """Write the thematic map: themes and the codes under them, with participants and excerpts.

    The hierarchy is the codebook's (constructs when there is a framework, then themes and the
    codes placed under them with --parent). SVG and PNG are drawn; .dot is Graphviz text and
    .mmd a Mermaid flowchart, for a report or a Markdown file.

    \b
    Examples:
      piri-qual export map --coder alice                 # exports/thematic-map.svg
      piri-qual export map --coder alice -o map.mmd
    """
    from piri_qual.core.output_path import is_stdout, output_file, resolve_output
    from piri_qual.export.thematic_map import OUTPUT, build_map, summary_lines, write_map

    study = open_study(study_dir)
    fmt, path = resolve_output(OUTPUT, fmt, output, study.exports_dir)
    data = _data(study, coder, groups, themes, participants, where, attributes)
    root = build_map(study.codebook, study.framework, data, f"Thematic map: {study.settings.title}")
    with output_file(path, fmt) as real:
        write_map(root, real, fmt)
    for line in summary_lines(root)[1:]:
        click.echo(line, err=is_stdout(path))  # standard output holds the map itself
    from piri_qual.export.study_exports import ExportResult

    _report(ExportResult([path]), study, is_stdout(path))


@export.command("frequencies")
@study_option
@coder_option(help_text=CODER_HELP)
@format_option(["xlsx", "csv", "md", "png"])
@output_option
@click.option("--by", default=None, metavar="ATTR",
              help="Count by this participant attribute (default: group, plus each attribute for xlsx/md).")
@click.option("--table", type=click.Choice(["counts", "cooccurrence", "saturation"]), default="counts",
              show_default=True, help="For --format csv: which table to write.")
@click.option("--plot", type=click.Choice(["heatmap", "groups", "saturation", "all"]), default="all",
              show_default=True, help="For --format png: which plot (all: three files named after -o).")
@filter_options
def frequencies(study_dir: Path | None, coder: str | None, fmt: str | None, output: Path | None, by: str | None,
                table: str, plot: str, groups: tuple[str, ...], themes: tuple[str, ...],
                participants: tuple[str, ...], where: tuple[str, ...], attributes: str | None) -> None:
    """Write theme frequencies by group or attribute, co-occurrence, saturation, and plots.

    \b
    Examples:
      piri-qual export frequencies --coder consensus -o frequencies.xlsx
      piri-qual export frequencies --coder gold --by site --format csv
      piri-qual export frequencies --coder gold --format png --plot saturation -o saturation.png
    """
    from piri_qual.core.output_path import is_stdout, output_file, resolve_output
    from piri_qual.errors import PiriQualError
    from piri_qual.export.study_exports import OUTPUTS, write_frequencies

    study = open_study(study_dir)
    fmt, path = resolve_output(OUTPUTS["frequencies"], fmt, output, study.exports_dir)
    if is_stdout(path) and fmt == "png" and plot == "all":
        raise PiriQualError("-o - writes one file, and --plot all draws three",
                            hint="Choose one with --plot heatmap, groups or saturation.")
    data = _data(study, coder, groups, themes, participants, where, attributes)
    with output_file(path, fmt) as real:
        result = write_frequencies(data, real, fmt, by=by, table=table, plot=plot)
    _report(result, study, is_stdout(path))


@export.command("all")
@study_option
@coder_option(help_text=CODER_HELP)
@click.option("--output-dir", "-d", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into (default: the study's exports/).")
@click.option("--per-theme", type=click.IntRange(min=1), default=None, help="Cap the quote bank at N quotes per theme.")
@click.option("--redact", is_flag=True, help="Replace likely identifiers the check finds with [name], [phone], ...")
@click.option("--strict", is_flag=True, help="Write nothing if any exported text still holds a likely identifier.")
@filter_options
def all_(study_dir: Path | None, coder: str | None, output_dir: Path | None, per_theme: int | None, redact: bool,
         strict: bool, groups: tuple[str, ...], themes: tuple[str, ...], participants: tuple[str, ...],
         where: tuple[str, ...], attributes: str | None) -> None:
    """Write every export (matrix, quotes, codebook, frequencies, plots) into exports/.

    \b
    Example:
      piri-qual export all --coder consensus
    """
    from piri_qual.core.output_path import refuse_study_file
    from piri_qual.export.study_exports import export_all

    study = open_study(study_dir)
    out_dir = output_dir.expanduser() if output_dir is not None else study.exports_dir
    refuse_study_file(out_dir, folder=True)
    data = _data(study, coder, groups, themes, participants, where, attributes)
    result = export_all(study, data, out_dir, per_theme=per_theme, redact=redact, strict=strict)
    _report(result, study)
    click.echo(f"{len(result.paths)} files for coder {data.coder} in {out_dir}")


COMMANDS: list[click.Command] = []
