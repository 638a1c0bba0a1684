"""``piri-qual quotes``: read every coded excerpt of a theme, by participant, in context.

Thin: parse, call :func:`piri_qual.analysis.retrieval.retrieve`, then either render it in the
terminal (styled on a terminal, plain text in a pipe) or write it as Markdown, CSV or JSON
(:mod:`piri_qual.export.retrieval_writer`) to a file or, with ``-o -``, to standard output.
"""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
import re
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from piri_qual.cli.options import (
    coder_option,
    complete_themes,
    context_option,
    format_option,
    open_study,
    output_option,
    participant_filters,
    split_names,
    study_option,
    where_pairs,
)

if TYPE_CHECKING:
    from piri_qual.analysis.retrieval import Retrieval


@click.command()
@click.argument("themes", nargs=-1, required=True, shell_complete=complete_themes)
@study_option
@coder_option(help_text="Whose codings (default: PIRI_QUAL_CODER, or the study's only coder).")
@participant_filters
@context_option
@click.option("--no-codes", "no_children", is_flag=True,
              help="Leave out the codes placed under a theme (parent:); by default they come with it.")
@format_option(["md", "csv", "json"])
@output_option
def quotes(themes: tuple[str, ...], study_dir: Path | None, coder: str | None, groups: tuple[str, ...],
           participants: tuple[str, ...], where: tuple[str, ...], context: int, no_children: bool,
           fmt: str | None, output: Path | None) -> None:
    """Every coded excerpt of THEMES, grouped by participant, with sentences of context.

    A THEME is a theme id or label, a construct or a domain (all its themes), or an id the
    codebook history renamed. Shown in the terminal by default; --format or -o writes Markdown,
    CSV or JSON (-o - writes it to standard output). The text is exact, not pseudonymised: use
    `export quotes` for the anonymised quote bank of a report.

    \b
    Examples:
      piri-qual quotes bonding --coder gold --context 1
      piri-qual quotes waiting_times referral_process --group parent
      piri-qual quotes connection --where site=Northvale -o - --format csv > bonding.csv
    """
    from piri_qual.analysis.retrieval import retrieve

    study = open_study(study_dir)
    target = None
    if fmt is not None or output is not None:  # checked before the work, not after
        from piri_qual.core.output_path import resolve_output
        from piri_qual.export.retrieval_writer import QUOTES

        stem = "quotes-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(themes))[:60]
        target = resolve_output(QUOTES, fmt, output, study.exports_dir, stem)
    result = retrieve(study, split_names(themes), coder, groups=split_names(groups),
                      participants=split_names(participants), where=where_pairs(where), context=context,
                      children=not no_children)
    title = "Quotes: " + "; ".join(t.label for t in result.themes)
    if target is None:
        _render(result)
        return
    from piri_qual.cli.render import shown_path, write_output
    from piri_qual.core.output_path import is_stdout
    from piri_qual.export.retrieval_writer import render

    fmt_chosen, path = target
    write_output(path, fmt_chosen, render(result, fmt_chosen, title))
    if not is_stdout(path):
        click.echo(f"wrote {len(result.excerpts)} excerpts to {shown_path(path)}")


def _render(result: Retrieval) -> None:
    """Themes, then participants, then each excerpt in its context.

    On a terminal the excerpt is bold inside its dimmed context; in a pipe the output is plain
    text written without rich (quick for a thousand excerpts), the excerpt set off by ``[[`` and
    ``]]`` when context surrounds it, and no line is ever wrapped, so a quote can be copied
    exactly.
    """
    from piri_qual.export.retrieval_writer import location, plural, summary_line

    styled = sys.stdout.isatty()
    blocks: list[tuple[int, list[tuple[str, str]]]] = []  # (indent, [(text, style)])
    blocks.append((0, [(summary_line(result), "dim")]))
    for theme in result.themes:
        excerpts = result.by_theme(theme.id)
        people = Counter(e.participant for e in excerpts)
        head = [("\n", ""), (theme.label, "bold cyan"), (f"  {theme.id}", "")]
        if theme.path:
            head.append((f"  ({theme.path})", "dim"))
        head.append((f"  {plural(len(excerpts), 'excerpt')}, {plural(len(people), 'participant')}", ""))
        blocks.append((0, head))
        if theme.memo:
            blocks.append((2, [("memo: ", "bold"), (theme.memo, "")]))
        current = None
        for e in excerpts:
            if e.participant != current:
                current = e.participant
                blocks.append((2, [(e.participant, "bold"), (f" \u00b7 {e.group} \u00b7 "
                                                             f"{plural(people[e.participant], 'excerpt')}", "")]))
            speaker = f"{e.speaker}, " if e.speaker and e.speaker != e.participant else ""
            blocks.append((4, [(speaker + location(e), "dim")]))
            marks = ("", "") if styled or not (e.before or e.after) else ("[[", "]]")
            blocks.append((6, [(e.before, "dim"), (marks[0], ""), (e.quote, "bold"), (marks[1], ""),
                               (e.after, "dim")]))
            if e.memo:
                blocks.append((6, [("memo: ", "bold"), (e.memo, "")]))
    if not styled:
        sys.stdout.write("".join(" " * indent + "".join(text for text, _ in parts) + "\n" for indent, parts in blocks))
        return
    from rich.text import Text

    from piri_qual.cli.render import console, print_indented

    out = console()
    for indent, parts in blocks:
        print_indented(out, Text.assemble(*[(text, style) if style else text for text, style in parts]), indent)


COMMANDS = [quotes]
