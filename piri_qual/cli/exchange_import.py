"""``piri-qual import`` for exchange files: .qdpx projects, .qdc codebooks, Word comments.

Called by the ``import`` command when a file is a .qdpx or .qdc, or with
``--comments-as-codings``. Each file is checked whole before anything is written; the result
is one summary line per file, with warnings (what was skipped, conventions detected) on stderr.
"""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import click

from piri_qual.errors import PiriQualError

EXCHANGE = (".qdpx", ".qdc")


class _Summary(Protocol):
    """What the three importers' summaries have in common."""

    warnings: list[str]

    def line(self) -> str: ...


def _warn(lines: list[str]) -> None:
    for line in lines:
        click.echo(f"warning: {line}", err=True)


def run_exchange_import(files: Sequence[Path], study_dir: Path | None, into: Path | None,
                        comments_as_codings: bool, add_themes: bool) -> None:
    """Import each exchange file into the study (``--into`` creates it when missing)."""
    from piri_qual.exchange.target import resolve_target

    paths = [Path(f) for f in files]
    others = [p for p in paths if p.suffix.lower() not in EXCHANGE]
    if comments_as_codings:
        wrong = [p for p in others if p.suffix.lower() != ".docx"]
        if wrong:
            raise PiriQualError(
                f"--comments-as-codings reads Word comments, but {wrong[0].name} is not a .docx file",
                path=wrong[0],
                hint="Give .docx files, or import other transcripts without --comments-as-codings.",
            )
    elif others:
        raise PiriQualError(
            f"{others[0].name} is a transcript, imported separately from .qdpx/.qdc files",
            path=others[0],
            hint="Run `piri-qual import` once for the transcripts and once for the exchange files.",
        )
    for path in paths:
        if not path.is_file():
            raise PiriQualError("file not found", path=path, hint="Check the path and try again.")
        suffix = path.suffix.lower()
        if suffix == ".qdpx":
            from piri_qual.exchange.into_study import plan_qdpx
            from piri_qual.exchange.refi_reader import read_qdpx

            project = read_qdpx(path)
            target = resolve_target(study_dir, into, project.name)
            with target.locked():
                summary: _Summary = plan_qdpx(project, path, target, add_themes=add_themes).apply()
        elif suffix == ".qdc":
            from piri_qual.exchange.qdc_import import import_qdc

            target = resolve_target(study_dir, into, path.stem)
            with target.locked():
                summary = import_qdc(path, target, add_themes=add_themes)
        else:
            from piri_qual.exchange.word_comments import import_word_comments

            target = resolve_target(study_dir, into, path.stem)
            with target.locked():
                summary = import_word_comments(path, target, add_themes=add_themes)
        _warn(summary.warnings)
        click.echo(summary.line())
