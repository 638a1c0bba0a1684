"""``piri-qual memos``: list, read, write and export the memos of every kind, with their links.

Thin: parse, call :mod:`piri_qual.analysis.memos` (and the store for ``add``), render or write
the memo report (:mod:`piri_qual.export.memo_report`).
"""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
from pathlib import Path
from typing import TYPE_CHECKING

import click

from piri_qual.cli.options import (
    coder_option,
    default_coder,
    format_option,
    json_option,
    open_study,
    output_option,
    split_names,
    study_option,
)

if TYPE_CHECKING:
    from piri_qual.analysis.memos import MemoNote
    from piri_qual.study import Study

KIND_CHOICES = ["study", "theme", "cell", "participant", "transcript", "excerpt", "note"]


def _coders(study: Study, coders: tuple[str, ...]) -> list[str] | None:
    names = split_names(coders)
    return [study.require_coder(n) for n in names] if names else None


def _select(study: Study, coders: tuple[str, ...], kinds: tuple[str, ...]) -> list[MemoNote]:
    from piri_qual.analysis.memos import collect_memos

    memos = collect_memos(study, _coders(study, coders), notes=not coders)
    return [m for m in memos if m.kind in kinds] if kinds else memos


def _as_dict(memo: MemoNote) -> dict[str, object]:
    return {"handle": memo.handle, "kind": memo.kind, "target": memo.target, "coder": memo.coder,
            "time": memo.time, "text": memo.text, "quote": memo.quote, "links": memo.links}


_filters = [
    study_option,
    click.option("--coder", "coders", multiple=True,
                 help="Only this coder's memos (repeat or comma-separate; default: everyone's, and the notes in memos/)."),
    click.option("--kind", "kinds", multiple=True, type=click.Choice(KIND_CHOICES),
                 help="Only memos of this kind (repeatable)."),
]


def _with_filters(func):  # noqa: ANN001, ANN202 - a click decorator stack
    for decorate in reversed(_filters):
        func = decorate(func)
    return func


@click.group(invoke_without_command=True)
@_with_filters
@json_option
@click.pass_context
def memos(ctx: click.Context, study_dir: Path | None, coders: tuple[str, ...], kinds: tuple[str, ...],
          as_json: bool) -> None:
    """List the study's memos of every kind, with what each is about (`memos list`).

    A memo is on an excerpt, a theme, a participant x theme cell, a participant, a transcript or
    the study; Markdown files in memos/ are listed as notes. Each has a handle
    (theme:bonding, cell:P07:bonding, excerpt:1a2b3c4d, note:journal.md) for `memos show`.

    \b
    Examples:
      piri-qual memos
      piri-qual memos show theme:bonding
      piri-qual memos add --coder alice --theme bonding "Closeness grows after the video work."
      piri-qual memos export -o exports/memos.docx
    """
    if ctx.invoked_subcommand is None:
        _list(study_dir, coders, kinds, as_json)


@memos.command("list")
@_with_filters
@json_option
def list_(study_dir: Path | None, coders: tuple[str, ...], kinds: tuple[str, ...], as_json: bool) -> None:
    """List memos: handle, what it is about, author, date and first words.

    \b
    Example:
      piri-qual memos list --kind theme --kind cell
    """
    _list(study_dir, coders, kinds, as_json)


def _list(study_dir: Path | None, coders: tuple[str, ...], kinds: tuple[str, ...], as_json: bool) -> None:
    from rich.text import Text

    from piri_qual.cli.render import console, print_json, print_line

    study = open_study(study_dir)
    found = _select(study, coders, kinds)
    if as_json:
        print_json([_as_dict(m) for m in found])
        return
    out = console()
    if not found:
        out.print("no memos yet (m in the coding screen, or `piri-qual memos add`)")
        return
    out.print(Text(f"{len(found)} memo{'s' if len(found) != 1 else ''}", style="bold"))
    width = min(34, max(len(m.handle) for m in found))
    for memo in found:
        line = Text(memo.handle.ljust(width), style="cyan")
        line.append(f"  {memo.coder or 'file'} {memo.time[:10]}  ", style="dim")
        line.append(memo.target + ": ", style="bold")
        line.append(memo.first_line)
        print_line(out, line)


@memos.command("show")
@click.argument("handle")
@study_option
@click.option("--coder", "coders", multiple=True, help="Only this coder's memo on it.")
@json_option
def show(handle: str, study_dir: Path | None, coders: tuple[str, ...], as_json: bool) -> None:
    """Show the memos on one target in full, with their links (excerpt, codings, commands).

    \b
    Examples:
      piri-qual memos show theme:bonding
      piri-qual memos show cell:P07:waiting_times --coder alice
    """
    from rich.text import Text

    from piri_qual.analysis.memos import find_memos
    from piri_qual.cli.render import console, print_indented, print_json

    study = open_study(study_dir)
    found = find_memos(_select(study, coders, ()), handle)
    if as_json:
        print_json([_as_dict(m) for m in found])
        return
    out = console()
    for memo in found:
        print_indented(out, Text.assemble((memo.target, "bold"), (f"  {memo.coder or 'file'}, {memo.time[:16]}", "dim")))
        if memo.quote:
            print_indented(out, Text(f"\u201c{memo.quote}\u201d", style="italic"), 2)
        print_indented(out, Text(memo.text), 2)
        for link in memo.links:
            print_indented(out, Text(f"\u2192 {link}", style="dim"), 2)
        out.print()


@memos.command("add")
@click.argument("text")
@study_option
@coder_option(help_text="Whose memo (default: PIRI_QUAL_CODER, or the study's only coder).")
@click.option("--theme", default=None, help="A memo on this theme (with --participant: on the cell).")
@click.option("--participant", default=None, help="A memo on this participant (with --theme: on the cell).")
@click.option("--transcript", "transcript_id", default=None, help="A memo on this transcript.")
@click.option("--excerpt", default=None, metavar="CODING", help="A memo on this coding (its id or first characters).")
def add(text: str, study_dir: Path | None, coder: str | None, theme: str | None, participant: str | None,
        transcript_id: str | None, excerpt: str | None) -> None:
    """Write (or replace) a memo; with no target option it is a memo on the study. Empty text clears it.

    \b
    Examples:
      piri-qual memos add --theme bonding "Closeness grows after the video work."
      piri-qual memos add --theme waiting_times --participant P07 "Six weeks; felt endless."
      piri-qual memos add "Team agreed to code disclosure separately (meeting 3 May)."
    """
    from piri_qual.analysis.memos import memo_fields

    study = open_study(study_dir)
    who = default_coder(study, coder)
    fields = memo_fields(study, who, theme=theme, participant=participant, transcript=transcript_id, excerpt=excerpt)
    event = study.store.append(who, "memo", text=text.strip() or None, **fields)
    verb = "cleared" if not text.strip() else "saved"
    click.echo(f"{verb} {event.scope} memo as {who} (event {event.id[:8]})")


@memos.command("export")
@_with_filters
@format_option(["md", "docx"])
@output_option
@click.option("--exact", is_flag=True, help="Do not apply the study's pseudonym map.")
def export(study_dir: Path | None, coders: tuple[str, ...], kinds: tuple[str, ...], fmt: str | None,
           output: Path | None, exact: bool) -> None:
    """Write the memo report (.md or .docx): every memo under what it is about, with its links.

    \b
    Examples:
      piri-qual memos export                      # exports/memos.md
      piri-qual memos export -o memos.docx --coder alice
      piri-qual memos export -o - | less
    """
    from piri_qual.cli.render import shown_path
    from piri_qual.core.output_path import is_stdout, output_file, resolve_output
    from piri_qual.export.memo_report import MEMOS, write_memo_report

    study = open_study(study_dir)
    chosen, path = resolve_output(MEMOS, fmt, output, study.exports_dir)
    found = _select(study, coders, kinds)
    clean, pseudonyms = None, 0
    if not exact and study.settings.pseudonyms:
        from piri_qual.analysis.anonymise import Pseudonymiser

        pseudonymiser = Pseudonymiser(study.settings.pseudonyms)
        clean, pseudonyms = pseudonymiser.apply, len(pseudonymiser.mapping)
    with output_file(path, chosen) as real:
        write_memo_report(found, real, chosen, study.settings.title, clean, pseudonyms)
    if not is_stdout(path):
        click.echo(f"wrote {len(found)} memo{'s' if len(found) != 1 else ''} to {shown_path(path)}")


COMMANDS = [memos]
