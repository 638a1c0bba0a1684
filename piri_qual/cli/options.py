"""Options shared by many commands, declared once (as sqlite-utils and Datasette do)."""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from piri_qual.study import Study

F = TypeVar("F", bound=Callable[..., Any])


class FilePath(click.ParamType):
    """A path as given, not looked at: the command says what is wrong with each file in its own
    words, one file at a time. ``click.Path`` stats every value while parsing, which for the
    1,000 files of one ``import`` was a twentieth of a re-import that finds nothing to do."""

    name = "path"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        return value if isinstance(value, Path) else Path(os.fsdecode(value))


def study_option(func: F) -> F:
    """``--study DIR``; without it the study is found by walking up from the current folder."""
    return click.option(
        "--study",
        "study_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Study folder (default: found by walking up from the current folder).",
    )(func)


def coder_option(required: bool = False, help_text: str | None = None) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        return click.option(
            "--coder",
            required=required,
            default=None,
            help=help_text or "Coder name (their log is codings/<coder>.jsonl).",
        )(func)

    return decorate


def format_option(choices: list[str], default: str | None = None) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(choices, case_sensitive=False),
            default=default,
            help=f"Output format ({' | '.join(choices)}); by default taken from -o's extension.",
        )(func)

    return decorate


def output_option(func: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="File to write (default: under the study's exports/ folder); - for standard output.",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def open_study(study_dir: Path | None, *, remember_transcripts: bool = True) -> Study:
    """Build the Study in one place for every command, and apply settings that change turns.

    A change of ``roles:`` in piri-qual.yaml takes effect here, on the next command: the
    transcripts it affects are derived again (codings re-anchored) and each gets one line on
    stderr. ``remember_transcripts=False`` is for a command that streams the corpus (suggest):
    the check then keeps none of the transcripts it reads.
    """
    from piri_qual.study import Study

    study = Study(study_dir)
    for done in study.refresh_turns(remember=remember_transcripts):
        detail = f"{done.roles_changed} turn roles changed"
        if done.reanchored:
            detail += f", {done.reanchored} codings re-anchored"
        how = "re-read from its source" if done.how == "re-read" else "roles assigned again"
        click.echo(f"note: {done.transcript}: turns {how} because {done.reason} ({detail})"
                   + (f"; {done.note}" if done.note else ""), err=True)
        for orphan in done.orphaned:
            click.echo(f"warning: orphaned coding on {done.transcript}: {orphan} "
                       "(its quote is no longer in the text; re-code it)", err=True)
    return study


def default_coder(study: Study, coder: str | None) -> str:
    """The coder to act as (the study's one rule: --coder, PIRI_QUAL_CODER, the only coder)."""
    return study.resolve_coder(coder, reading=False)


def participant_filters(func: F) -> F:
    """``--group``, ``--participant`` and ``--where``: which participants a reading command covers."""
    options = [
        click.option("--group", "groups", multiple=True, help="Only this participant group (repeat or comma-separate)."),
        click.option("--participant", "participants", multiple=True,
                     help="Only this participant, e.g. P07 (repeat or comma-separate)."),
        click.option("--where", "where", multiple=True, metavar="ATTR=VALUE",
                     help="Only participants whose participants.csv column ATTR has VALUE (e.g. site=Northvale)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def split_names(values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeated and comma-separated option values as one tuple (``--group a,b --group c``)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def where_pairs(values: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``--where site=A,B`` options as ``(("site", ("A", "B")),)`` (a clear error when malformed)."""
    from piri_qual.analysis.selection import parse_where

    return tuple(parse_where(values).items())


def context_option(func: F) -> F:
    return click.option("--context", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
                        help="Sentences of context shown before and after each excerpt.")(func)


def _completion_study(ctx: click.Context) -> Path | None:
    """The study a command line being completed points at (--study, else found from here)."""
    from piri_qual.core.settings import SETTINGS_FILE

    given = ctx.params.get("study_dir")
    start = Path(given) if given else Path.cwd()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def complete_transcripts(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of a transcript id: the study's corpus file names (nothing else is read)."""
    root = _completion_study(ctx)
    if root is None:
        return []
    return sorted(p.stem for p in (root / "corpus").glob("*.json") if p.stem.startswith(incomplete))


def complete_themes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of a theme id from the study's codebook (silent when it cannot be read)."""
    root = _completion_study(ctx)
    if root is None:
        return []
    try:
        from piri_qual.core.study import StudyFolder

        return [t.id for t in StudyFolder(root).codebook.all_themes if t.id.startswith(incomplete)]
    except Exception:  # noqa: BLE001 - a broken codebook must not break the shell's completion
        return []
