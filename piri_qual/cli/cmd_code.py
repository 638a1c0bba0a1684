"""``piri-qual code``: open the coding terminal UI (or the reconciliation screen)."""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
from pathlib import Path

import click

from piri_qual.cli.options import coder_option, default_coder, open_study, study_option
from piri_qual.errors import PiriQualError


@click.command()
@click.argument("transcript", required=False)
@study_option
@coder_option(help_text="Coder to code as (their log is codings/<coder>.jsonl); you see only your own codings.")
@click.option("--read", "read_all", is_flag=True,
              help="Start in 'read the whole transcript' instead of 'suggestions first'.")
@click.option("--reconcile", "reconcile", default=None, metavar="A,B",
              help="Reconcile two coders: step through the units where they disagree.")
@click.option("--into", "into", default="consensus", show_default=True,
              help="With --reconcile: the coder log that receives the decisions.")
@click.option("--split", "split", default=None, metavar="THEME",
              help="Open the review queue of a split theme: choose the new theme for each of your codings of it.")
def code(transcript: str | None, study_dir: Path | None, coder: str | None, read_all: bool,
         reconcile: str | None, into: str, split: str | None) -> None:
    """Code transcripts in the terminal: review suggestions, code by hand, write memos.

    Without TRANSCRIPT it opens where the coder stopped last time (their latest decision). Every
    decision is appended to codings/<coder>.jsonl the moment it is made, so closing the terminal
    loses nothing. Press ? in the app for the keys (remap them under keys: in
    piri-qual.yaml). With --reconcile A,B the app shows where two coders disagree, side by side,
    and writes each decision to the --into coder's log. With --split THEME it opens the review
    queue of a split theme first (p opens it from the coding screen too).

    \b
    Examples:
      piri-qual code --coder alice            # where you stopped last time, suggestions first
      piri-qual code --coder alice P07 --read
      piri-qual code --reconcile alice,bob --into consensus
      piri-qual code --coder alice --split support     # after `piri-qual codebook split support ...`
    """
    from piri_qual.tui.app import CodingApp
    from piri_qual.tui.session import READ, SUGGESTIONS

    study = open_study(study_dir)
    if reconcile:
        pair = [name.strip() for name in reconcile.split(",") if name.strip()]
        if len(pair) != 2:
            raise PiriQualError(
                f"--reconcile needs two coder names separated by a comma, not {reconcile!r}",
                hint="e.g. --reconcile alice,bob",
            )
        app = CodingApp(study, reconcile=(pair[0], pair[1]), consensus=into)
    else:
        name = default_coder(study, coder)
        app = CodingApp(study, name, transcript, mode=READ if read_all else SUGGESTIONS, split=split)
    app.run()


COMMANDS = [code]
