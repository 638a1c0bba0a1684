"""``piri-qual show``: print a transcript with its speakers, times and codings.

Why: a coder writing ``codings add --quote`` or checking what a colleague coded needs the text as
piri-qual holds it (the imported, normalised text every offset points into), not the Word file.
Each turn is printed exactly as stored, under a header with its number, speaker, time and
offsets; the codings that start in the turn are listed under it. On a terminal the coded words
are also marked in their theme's colour; in a pipe the output is plain text and no line is
wrapped, so a quote copied from it is the transcript's own text.
"""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
from pathlib import Path
from typing import TYPE_CHECKING

import click

from piri_qual.cli.options import (
    complete_transcripts,
    json_option,
    open_study,
    split_names,
    study_option,
)
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.codings import Coding
    from piri_qual.core.corpus import Transcript
    from piri_qual.study import Study

#: Background colours of coded spans on a terminal (readable with white text), by theme.
COLOURS = ("blue", "dark_red", "green4", "dark_goldenrod", "purple4", "dark_cyan", "orange4", "navy_blue",
           "deep_pink4", "chartreuse4", "deep_sky_blue4", "red3")
QUOTE_SHOWN = 90  # longer quotes are listed as their first and last words


def _codings(study: Study, transcript_id: str, coders: list[str]) -> list[Coding]:
    found = [c for coder in coders for c in study.fold(coder).codings.values() if c.transcript == transcript_id]
    return sorted(found, key=lambda c: (c.start, c.end, c.theme, c.coder))


def _coders(study: Study, asked: tuple[str, ...], none: bool) -> list[str]:
    """--coder names, else the one coder rule; no codings (and a note) when that is unclear."""
    if none:
        return []
    names = split_names(asked)
    if names:
        return [study.require_coder(n) for n in names]
    try:
        return [study.resolve_coder(None)]
    except PiriQualError:
        if study.coders():
            click.echo("note: codings not shown: pass --coder NAME (or set PIRI_QUAL_CODER)", err=True)
        return []


def _short(quote: str) -> str:
    text = " ".join(quote.split())
    if len(text) <= QUOTE_SHOWN:
        return text
    words = text.split()
    head, tail = " ".join(words[:8]), " ".join(words[-5:])
    return f"{head} \u2026 {tail}" if len(head) + len(tail) < len(text) else text


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


@click.command()
@click.argument("transcript_id", metavar="TRANSCRIPT", shell_complete=complete_transcripts)
@study_option
@click.option("--coder", "coders", multiple=True,
              help="Whose codings to mark (repeat or comma-separate; default: PIRI_QUAL_CODER or the only coder).")
@click.option("--no-codings", is_flag=True, help="The text alone.")
@json_option
def show(transcript_id: str, study_dir: Path | None, coders: tuple[str, ...], no_codings: bool,
         as_json: bool) -> None:
    """Print a transcript: each turn with its speaker, time and offsets, and the codings in it.

    The text is the one codings point into, so a quote copied from here can be given to
    `codings add --quote`, and the offsets to --start/--end.

    \b
    Examples:
      piri-qual show P07 --coder alice
      piri-qual show P07 --coder alice,bob | less
      piri-qual show P07 --json
    """
    study = open_study(study_dir)
    transcript = study.transcript(transcript_id)
    names = _coders(study, coders, no_codings)
    found = _codings(study, transcript.id, names)
    if as_json:
        from piri_qual.cli.render import print_json

        print_json(_as_json(transcript, found, names))
        return
    _render(study, transcript, found, len(names) > 1)


def _turns(transcript: Transcript) -> list[tuple[int, int, str | None, str, float | None]]:
    """(start, end, speaker, role, time) of each turn; the whole text when there are no turns."""
    if not transcript.turns:
        return [(0, len(transcript.text), None, "", None)]
    return [(t.start, t.end, t.speaker, t.role, t.time) for t in transcript.turns]


def _as_json(transcript: Transcript, codings: list[Coding], coders: list[str]) -> dict[str, object]:
    return {
        "transcript": transcript.id, "participant": transcript.participant, "group": transcript.group,
        "source": transcript.source, "coders": coders,
        "turns": [{"turn": n, "speaker": speaker, "role": role, "time": time, "start": a, "end": b,
                   "text": transcript.text[a:b]}
                  for n, (a, b, speaker, role, time) in enumerate(_turns(transcript), start=1)],
        "codings": [{"coder": c.coder, "theme": c.theme, "start": c.start, "end": c.end, "quote": c.quote,
                     "id": c.id, "source": c.source} for c in codings],
    }


def _render(study: Study, transcript: Transcript, codings: list[Coding], several: bool) -> None:
    from bisect import bisect_right

    from rich.text import Text

    from piri_qual.cli.render import console

    out = console()
    styled = out.is_terminal
    try:
        order = [t.id for t in study.codebook.all_themes]
    except PiriQualError:
        order = []
    colour = {theme: COLOURS[i % len(COLOURS)] for i, theme in enumerate(order)}
    coders = sorted({c.coder for c in codings})
    head = (f"{transcript.id} \u00b7 participant {transcript.participant} \u00b7 {transcript.group or 'no group'} "
            f"\u00b7 {Path(transcript.source).name} \u00b7 {len(transcript.turns)} turn"
            f"{'' if len(transcript.turns) == 1 else 's'}, {transcript.words:,} words")
    out.print(Text(head, style="bold"), soft_wrap=not styled)
    if coders:
        out.print(Text(f"{len(codings)} coding{'' if len(codings) == 1 else 's'} of {', '.join(coders)}; "
                       "each listed under the turn it starts in", style="dim"), soft_wrap=not styled)
    turns = _turns(transcript)
    starts = [a for a, *_ in turns]
    under: dict[int, list[Coding]] = {}
    for c in codings:
        index = max(0, bisect_right(starts, c.start) - 1)
        if index + 1 < len(turns) and c.start >= turns[index][1]:  # on the label of the next turn
            index += 1
        under.setdefault(index, []).append(c)
    for n, (a, b, speaker, role, time) in enumerate(turns):
        label = speaker or "(no speaker)"
        header = Text(f"\n[{n + 1}] ", style="dim")
        header.append(label, style="bold" if role != "interviewer" else "bold italic")
        if role and role != "participant":
            header.append(f" ({role})", style="dim")
        when = _clock(time)
        if when:
            header.append(f"  {when}", style="dim")
        header.append(f"  [{a}, {b})", style="dim")
        out.print(header, soft_wrap=not styled)
        body = Text(transcript.text[a:b])
        if styled:
            for c in codings:
                lo, hi = max(a, c.start), min(b, c.end)
                if lo < hi:
                    body.stylize(f"underline on {colour.get(c.theme, 'grey30')}", lo - a, hi - a)
        out.print(body, soft_wrap=not styled)
        for c in under.get(n, []):
            who = f" ({c.coder})" if several else ""
            line = Text("  = ", style="dim")
            line.append(c.theme, style=f"bold on {colour.get(c.theme, 'grey30')}" if styled else "")
            line.append(f"{who}  [{c.start}, {c.end})  ", style="dim")
            line.append(_short(c.quote), style="italic" if styled else "")
            if transcript.text[c.start:c.end] != c.quote:
                line.append("  [orphaned: its quote is no longer at these offsets]", style="bold red")
            out.print(line, soft_wrap=not styled)


COMMANDS = [show]
