"""``piri-qual search``: keyword in context across the study, counts by participant and group,
and autocoding of what was found.

Thin: parse, call :mod:`piri_qual.analysis.text_search`, render (or write the concordance as CSV,
Markdown or JSON with ``-o``; ``-o -`` for standard output).
"""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from piri_qual.cli.options import (
    coder_option,
    format_option,
    json_option,
    open_study,
    output_option,
    participant_filters,
    split_names,
    study_option,
    where_pairs,
)

if TYPE_CHECKING:
    from piri_qual.analysis.text_search import SearchResult

CONTEXT = 40  # characters of context on each side of a hit


@click.command()
@click.argument("pattern")
@study_option
@click.option("--regex", is_flag=True, help="PATTERN is a Python regular expression.")
@click.option("--lemma", is_flag=True, help="Match every form of each word (wait: waited, waiting, waits).")
@click.option("--case-sensitive", is_flag=True, help="Match case exactly (default: ignore case).")
@click.option("--speaker", default="participant", show_default=True, metavar="ROLE|LABEL",
              help="Whose talk: participant, interviewer, other, all, or a speaker label.")
@participant_filters
@coder_option(help_text="Whose codings --coded-as, --not-coded and --code-as use (default: the one coder rule).")
@click.option("--coded-as", "coded_as", multiple=True, metavar="THEME",
              help="Only hits inside a coding of THEME (a theme, construct or domain; repeatable).")
@click.option("--not-coded", is_flag=True, help="Only hits outside every coding of the coder.")
@click.option("--code-as", "code_as", default=None, metavar="THEME",
              help="Code every hit with THEME (each a logged decision, source 'search').")
@click.option("--spread", type=click.Choice(["hit", "sentence", "turn"]), default="sentence", show_default=True,
              help="With --code-as: code the hit itself, its sentence, or its whole turn.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="Hits listed on the terminal (0: all); the counts always cover every hit.")
@format_option(["csv", "md", "json"])
@output_option
@json_option
def search(pattern: str, study_dir: Path | None, regex: bool, lemma: bool, case_sensitive: bool, speaker: str,
           groups: tuple[str, ...], participants: tuple[str, ...], where: tuple[str, ...], coder: str | None,
           coded_as: tuple[str, ...], not_coded: bool, code_as: str | None, spread: str, limit: int,
           fmt: str | None, output: Path | None, as_json: bool) -> None:
    """Find PATTERN across the study: each hit in context, and hits by participant and group.

    PATTERN is words matched whole and regardless of case (a phrase matches across any spacing;
    `judg*` matches any ending), every form of them with --lemma, or a regular expression with
    --regex. Participants' talk is searched unless --speaker says otherwise.

    \b
    Examples:
      piri-qual search "waiting list"
      piri-qual search wait --lemma --group parent
      piri-qual search "judg*" --not-coded --coder alice
      piri-qual search "social services" --code-as fear_of_judgement --coder alice
      piri-qual search "health visitor" -o - --format csv > hits.csv
    """
    from piri_qual.analysis.text_search import code_hits
    from piri_qual.analysis.text_search import search as run

    study = open_study(study_dir)
    target = None
    if fmt is not None or output is not None:  # checked before the work, not after
        from piri_qual.core.output_path import resolve_output
        from piri_qual.export.search_writer import HITS

        target = resolve_output(HITS, fmt, output, study.exports_dir)
    writer = None
    if code_as:
        from piri_qual.cli.options import default_coder

        writer = default_coder(study, coder)
        study.codebook.resolve(code_as, source=study.codebook_path)  # a clear error before searching
    result = run(study, pattern, regex=regex, lemma=lemma, case_sensitive=case_sensitive, speaker=speaker,
                 groups=split_names(groups), participants=split_names(participants), where=where_pairs(where),
                 coder=coder, coded_as=split_names(coded_as), not_coded=not_coded)
    if target is not None:
        from piri_qual.cli.render import shown_path, write_output
        from piri_qual.core.output_path import is_stdout
        from piri_qual.export.search_writer import render

        write_output(target[1], target[0], render(result, target[0], CONTEXT))
        if not is_stdout(target[1]):
            click.echo(f"wrote {len(result.hits)} hits to {shown_path(target[1])}")
    elif as_json:
        from piri_qual.cli.render import print_json
        from piri_qual.export.search_writer import as_dict

        print_json(as_dict(result, CONTEXT))
    else:
        _render(result, limit)
    if code_as and writer is not None:
        done = code_hits(study, writer, code_as, result, spread)
        quiet = target is not None and str(target[1]) == "-"
        message = (f"coded {len(done.events)} excerpt{'s' if len(done.events) != 1 else ''} with {done.theme} "
                   f"as {writer} (source search, spread to {spread})"
                   + (f"; {done.already} already coded" if done.already else ""))
        click.echo(message, err=quiet or as_json)


def _render(result: SearchResult, limit: int) -> None:
    """The hits in context, then the counts by group and by participant: styled tables on a
    terminal; in a pipe plain aligned columns (the hit in brackets), written without rich, so a
    search piped to grep or less costs what the search costs."""
    people = result.by_participant()
    mode = {"lemma": "every form", "regex": "regular expression", "words": "words"}[result.mode]
    head = (f"{len(result.hits)} hit{'s' if len(result.hits) != 1 else ''} of {result.pattern!r} ({mode}) "
            f"from {len(people)} of {len(result.people)} participants ({result.speakers}; {result.filters})")
    shown = result.hits if limit == 0 else result.hits[:limit]
    width = max((len(f"{h.transcript} t{h.turn}") for h in shown), default=0)
    lines = [(f"{h.transcript} t{h.turn}".ljust(width), *result.context(h, CONTEXT)) for h in shown]
    more = f"(showing {len(shown)} of {len(result.hits)}; --limit 0 lists all)" if len(shown) < len(result.hits) else ""
    groups = []
    for group, (hits, said, size) in result.by_group().items():
        words = sum(result.words[p] for p, g in result.people if g == group)
        groups.append([group, hits, f"{said} of {size}", _rate(hits, words)])
    participants = [[pid, group, people[pid], _rate(people[pid], result.words[pid])]
                    for pid, group in result.people if people[pid]]
    if sys.stdout.isatty():
        _render_terminal(head, lines, more, groups, participants, bool(result.hits))
        return
    out = [head]
    out += [f"{where}  {left.rjust(CONTEXT)}[{match}]{right}" for where, left, match, right in lines]
    if more:
        out.append(more)
    if result.hits:
        out += ["", "Hits by group", *_columns(["group", "hits", "participants", "per 1,000 words"], groups)]
        out += ["", "Hits by participant",
                *_columns(["participant", "group", "hits", "per 1,000 words"], participants)]
    sys.stdout.write("\n".join(out) + "\n")


def _columns(head: list[str], rows: list[list[object]]) -> list[str]:
    """Rows as plain left-aligned columns (numbers right-aligned), two spaces apart."""
    cells = [head, *[[str(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    numeric = [all(isinstance(row[i], int | float) for row in rows) for i in range(len(head))]
    return ["  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric, strict=True)).rstrip()
            for r in cells]


def _render_terminal(head: str, lines: list[tuple[str, str, str, str]], more: str, groups: list[list[object]],
                     participants: list[list[object]], any_hits: bool) -> None:
    from rich.text import Text

    from piri_qual.cli.render import console, table

    out = console()
    out.print(Text(head, style="bold"))
    for where, left, match, right in lines:
        line = Text(f"{where}  ", style="dim")
        line.append(left.rjust(CONTEXT))
        line.append(match, style="bold yellow")
        line.append(right)
        out.print(line, no_wrap=True, overflow="ellipsis")
    if more:
        out.print(more, style="dim")
    if any_hits:
        out.print(table("Hits by group", ["group", "hits", "participants", "per 1,000 words"], groups))
        out.print(table("Hits by participant", ["participant", "group", "hits", "per 1,000 words"], participants))


def _rate(hits: int, words: int) -> str:
    return f"{1000 * hits / words:.2f}" if words else "-"


COMMANDS = [search]
