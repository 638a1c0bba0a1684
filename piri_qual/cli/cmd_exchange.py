"""``piri-qual export qdpx`` and ``export qdc``: projects and codebooks for other QDA tools."""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
from pathlib import Path
from typing import TYPE_CHECKING

import click

from piri_qual.cli.groups import export
from piri_qual.cli.options import open_study, study_option

if TYPE_CHECKING:
    from piri_qual.core.output_path import OutputKind
    from piri_qual.study import Study


def _target(study: Study, kind: OutputKind, file: Path | None) -> Path:
    """FILE, or exports/<study title>.<ext>, by the rule every export follows."""
    from piri_qual.core.output_path import resolve_output
    from piri_qual.exchange.refi_format import slug

    stem = slug(study.settings.title or study.root.name, "study")
    return resolve_output(kind, None, file, study.exports_dir, stem)[1]


def _stdout_line(line: str) -> str:
    """A report line for ``-`` (standard output): the temporary file's name is of no use."""
    return "wrote to standard output: " + line.split(": ", 1)[-1]


def _warn(lines: list[str]) -> None:
    for line in lines:
        click.echo(f"warning: {line}", err=True)


@click.command("qdpx")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@study_option
@click.option("--coder", "coders", multiple=True,
              help="Export only this coder's codings and memos (repeat for several; default: all).")
def qdpx(file: Path | None, study_dir: Path | None, coders: tuple[str, ...]) -> None:
    """Export the whole study as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder.

    Coders become users, the framework and codebook become codes, participants become cases
    with their attributes, transcripts become text sources and codings become coded
    selections attributed to their coder. Positions are Unicode characters, end exclusive.

    \b
    Examples:
      piri-qual export qdpx piri.qdpx
      piri-qual export qdpx --coder alice --coder bob double-coded.qdpx
    """
    from piri_qual.core.output_path import is_stdout, output_file
    from piri_qual.exchange.qdpx_writer import QDPX, export_qdpx

    study = open_study(study_dir)
    path = _target(study, QDPX, file)
    with output_file(path, "qdpx") as real:
        report = export_qdpx(study, real, list(coders) or None)
    _warn(report.warnings())
    click.echo(report.line() if not is_stdout(path) else _stdout_line(report.line()), err=is_stdout(path))


@click.command("qdc")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@study_option
def qdc(file: Path | None, study_dir: Path | None) -> None:
    """Export the framework and codebook as a REFI-QDA codebook (.qdc).

    Domains and constructs become folder codes that cannot be applied; themes become codes
    whose description holds the definition, include/exclude rules, keywords and examples.

    \b
    Example:
      piri-qual export qdc codebook.qdc
    """
    from piri_qual.core.output_path import is_stdout, output_file
    from piri_qual.exchange.qdc_writer import QDC, export_qdc

    study = open_study(study_dir)
    path = _target(study, QDC, file)
    with output_file(path, "qdc") as real:
        line = export_qdc(study, real).line()
    click.echo(line if not is_stdout(path) else _stdout_line(line), err=is_stdout(path))


export.add_command(qdpx)
export.add_command(qdc)

COMMANDS: list[click.Command] = []
