"""``piri-qual codings``: add, list, undo and redo codings without the terminal UI."""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from piri_qual.cli.options import coder_option, default_coder, json_option, open_study, study_option
from piri_qual.cli.render import console, print_json, table
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.codings import Event


@click.group()
def codings() -> None:
    """Add, list and undo codings from the command line (scriptable).

    \b
    Example:
      piri-qual codings add --coder alice --transcript P07 --theme bonding --quote "I just held her"
      piri-qual codings list --coder alice --theme bonding
      piri-qual codings undo --coder alice
    """


@codings.command("add")
@study_option
@coder_option(help_text="Coder to code as (default: PIRI_QUAL_CODER, or the study's only coder).")
@click.option("--transcript", "transcript_id", required=True, help="Transcript id, e.g. P07.")
@click.option("--theme", required=True, help="Theme id or label.")
@click.option("--quote", default=None, help="The exact excerpt text (must occur once).")
@click.option("--start", type=int, default=None, help="Start offset (Unicode characters).")
@click.option("--end", type=int, default=None, help="End offset (exclusive).")
@click.option("--memo", default=None, help="A memo to attach to the new coding.")
def add(study_dir: Path | None, coder: str | None, transcript_id: str, theme: str, quote: str | None,
        start: int | None, end: int | None, memo: str | None) -> None:
    """Code an excerpt with a theme.

    \b
    Example:
      piri-qual codings add --coder alice --transcript P07 --theme waiting_times --start 120 --end 190
    """
    study = open_study(study_dir)
    coder = default_coder(study, coder)
    event = study.store.code(coder, transcript_id, theme, start=start, end=end, quote=quote)
    if memo:
        study.store.append(coder, "memo", scope="excerpt", target=event.id, text=memo)
    click.echo(f"added {event.theme} on {transcript_id} [{event.start}, {event.end}) as {coder} (event {event.id[:8]})")


@codings.command("list")
@study_option
@coder_option()
@click.option("--transcript", "transcript_id", default=None, help="Only this transcript.")
@click.option("--theme", default=None, help="Only this theme (id or label).")
@click.option("--full", is_flag=True, help="Whole quotes (by default cut at 70 characters; `piri-qual quotes` reads them in context).")
@json_option
def list_(study_dir: Path | None, coder: str | None, transcript_id: str | None, theme: str | None,
          full: bool, as_json: bool) -> None:
    """List current codings (the fold of the coder logs).

    \b
    Example:
      piri-qual codings list --coder gold --transcript P07
      piri-qual codings list --coder gold --theme bonding --full
    """
    study = open_study(study_dir)
    if coder:
        study.require_coder(coder)
    frame = study.codings(coder)
    if transcript_id:
        frame = frame[frame.transcript == transcript_id]
    if theme:
        frame = frame[frame.theme == study.codebook.resolve(theme).id]
    if as_json:
        print_json(frame.drop(columns=["time"]).to_dict(orient="records"))
        return
    rows = [[r.coder, r.transcript, r.start, r.end, r.theme,
             (str(r.quote) if full else _short(str(r.quote))) + (" [orphaned]" if r.orphaned else "")]
            for r in frame.itertuples()]
    console().print(table(f"{len(rows)} codings", ["coder", "transcript", "start", "end", "theme", "quote"], rows))


@codings.command("undo")
@study_option
@coder_option()
def undo(study_dir: Path | None, coder: str | None) -> None:
    """Undo this coder's most recent decision (an undo is itself logged).

    \b
    Example:
      piri-qual codings undo --coder alice
    """
    from piri_qual.core.log_tail import last_undoable

    target = _log_undo(study_dir, coder, last_undoable, "undo")
    click.echo(f"undid {target.op} {target.theme or ''} on {target.transcript or ''} ({target.id[:8]})")


@codings.command("redo")
@study_option
@coder_option()
def redo(study_dir: Path | None, coder: str | None) -> None:
    """Redo the decision most recently undone.

    \b
    Example:
      piri-qual codings redo --coder alice
    """
    from piri_qual.core.log_tail import last_redoable

    target = _log_undo(study_dir, coder, last_redoable, "redo")
    click.echo(f"redid the decision undone by {target.id[:8]}")


def _log_undo(study_dir: Path | None, coder: str | None, pick: Callable[[Path], Event | None],
              verb: str) -> Event:
    """Append an undo of the event ``pick`` chooses from the log's tail (a redo is an undo of an undo)."""
    study = open_study(study_dir)
    name = default_coder(study, coder)
    log = study.log(name)
    target = pick(log.path)
    if target is None:
        raise PiriQualError(f"nothing to {verb} for coder {name!r}", path=log.path)
    study.store.append(name, "undo", target=target.id, after=target.time)
    return target


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


COMMANDS = [codings]
