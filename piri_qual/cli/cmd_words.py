"""``piri-qual words``: word and phrase frequencies on lemmas, as a table and a chart.

Thin: parse, call :func:`piri_qual.analysis.word_counts.count_words`, then print the tables (with
a bar per word) or write them as CSV, Markdown or JSON, or the chart as PNG (``-o``; ``-o -`` for
standard output).
"""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from piri_qual.cli.options import (
    format_option,
    open_study,
    output_option,
    participant_filters,
    split_names,
    study_option,
    where_pairs,
)

if TYPE_CHECKING:
    from piri_qual.analysis.word_counts import Term, WordCounts

BAR = 20  # characters of the longest bar on the terminal


@click.command()
@study_option
@click.option("--by", default=None, metavar="ATTR", help="Count by a participant attribute too, e.g. group or site.")
@click.option("--top", type=click.IntRange(min=1), default=30, show_default=True, help="How many words and phrases.")
@click.option("--speaker", default="participant", show_default=True, metavar="ROLE|LABEL",
              help="Whose talk: participant, interviewer, other, all, or a speaker label.")
@participant_filters
@click.option("--stop", "stop", multiple=True, metavar="WORD",
              help="More words to leave out (repeat or comma-separate; also `stop_words:` in piri-qual.yaml).")
@click.option("--no-phrases", is_flag=True, help="Words only.")
@click.option("--keep-fillers", is_flag=True, help="Count um, yeah, like, you know and the other fillers of speech too.")
@format_option(["csv", "md", "json", "png"])
@output_option
def words(study_dir: Path | None, by: str | None, top: int, speaker: str, groups: tuple[str, ...],
          participants: tuple[str, ...], where: tuple[str, ...], stop: tuple[str, ...], no_phrases: bool,
          keep_fillers: bool, fmt: str | None, output: Path | None) -> None:
    """The words and phrases participants use most, on lemmas, without stop words.

    Each word is counted with every form of it (waited, waiting: wait), shown as said most
    often, with a rate per 1,000 words of the talk counted and the number of participants who
    used it. Phrases are two or three content words in a row. -o words.png draws the chart.

    \b
    Examples:
      piri-qual words --by group --top 20
      piri-qual words --group parent --stop baby,mum
      piri-qual words --by site -o exports/words.png
      piri-qual words -o - --format csv > words.csv
    """
    from piri_qual.analysis.word_counts import count_words

    study = open_study(study_dir)
    target = None
    if fmt is not None or output is not None:  # checked before the work, not after
        from piri_qual.core.output_path import OutputKind, resolve_output

        kind = OutputKind("a word-frequency table or chart", ("csv", "md", "json", "png"), "words")
        target = resolve_output(kind, fmt, output, study.exports_dir)
    counts = count_words(study, by=by, top=top, speaker=speaker, groups=split_names(groups),
                         participants=split_names(participants), where=where_pairs(where), stop=split_names(stop),
                         phrases=not no_phrases, fillers=keep_fillers)
    if target is None:
        _render(counts)
        return
    from piri_qual.cli.render import shown_path, write_output
    from piri_qual.core.output_path import is_stdout, output_file

    chosen, path = target
    if chosen == "png":
        from piri_qual.export.plots import word_chart

        terms = [(t.shown, t.rate(counts.total),
                  {v: 1000 * t.by.get(v, 0) / n if n else 0.0 for v, n in counts.totals.items()})
                 for t in counts.words]
        with output_file(path, chosen) as real:
            word_chart(terms, list(counts.totals), real, f"Most frequent words ({counts.speakers})", "per 1,000 words")
    else:
        write_output(path, chosen, _text(counts, chosen))
    if not is_stdout(path):
        click.echo(f"wrote {shown_path(path)}")


def _records(counts: WordCounts, terms: list[Term], kind: str) -> list[dict[str, object]]:
    out = []
    for t in terms:
        row: dict[str, object] = {"kind": kind, "term": t.shown, "lemma": t.key, "count": t.count,
                                  "per_1000_words": round(t.rate(counts.total), 3), "participants": t.participants}
        for value, words in counts.totals.items():
            row[f"{counts.by}={value}"] = t.by.get(value, 0)
            row[f"{counts.by}={value} per 1000"] = round(1000 * t.by.get(value, 0) / words, 3) if words else 0
        out.append(row)
    return out


def _text(counts: WordCounts, fmt: str) -> str:
    rows = _records(counts, counts.words, "word") + _records(counts, counts.phrases, "phrase")
    if fmt == "json":
        return json.dumps({"words_counted": counts.total, "by": counts.by, "totals": counts.totals,
                           "speakers": counts.speakers, "filters": counts.filters, "terms": rows},
                          ensure_ascii=False, indent=2) + "\n"
    columns = list(rows[0]) if rows else ["kind", "term", "lemma", "count", "per_1000_words", "participants"]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return "\ufeff" + buffer.getvalue()
    from piri_qual.export.csv_markdown import md_table

    head = (f"# Word frequencies\n\n{counts.total:,} words of {counts.speakers} counted ({counts.filters}); "
            "lemmas, without stop words.\n\n")
    return head + md_table(columns, [[r[c] for c in columns] for r in rows])


def _render(counts: WordCounts) -> None:
    """A table per kind: the term, its count and rate, how many participants said it, each
    ``--by`` value's count and rate, and a bar (drawn to scale within the table)."""
    from rich.table import Table

    from piri_qual.cli.render import console

    out = console()
    out.print(f"[bold]{counts.total:,} words[/bold] of {counts.speakers} from {counts.people} participants "
              f"({counts.filters}); lemmas, without stop words"
              + (f"; by {counts.by}: n (per 1,000 words of that {counts.by})" if counts.by else ""))
    for title, terms in (("Words", counts.words), ("Phrases", counts.phrases)):
        if not terms:
            continue
        peak = max(t.rate(counts.total) for t in terms) or 1.0
        grid = Table(title=title, title_justify="left", header_style="bold", pad_edge=False)
        grid.add_column("#", justify="right", no_wrap=True)
        grid.add_column(title[:-1].lower(), no_wrap=True)
        for name in ("n", "/1,000", "people"):
            grid.add_column(name, justify="right", no_wrap=True)
        for value in counts.totals:  # n (per 1,000 words of that value's talk)
            grid.add_column(value, justify="right", no_wrap=True)
        if not counts.totals:
            grid.add_column("", no_wrap=True)
        for i, t in enumerate(terms, start=1):
            cells = [str(i), t.shown, str(t.count), f"{t.rate(counts.total):.2f}", str(t.participants)]
            for value, words in counts.totals.items():
                n = t.by.get(value, 0)
                cells.append(f"{n} ({1000 * n / words:.1f})" if words else "0")
            if not counts.totals:
                cells.append("\u2588" * max(1, round(BAR * t.rate(counts.total) / peak)))
            grid.add_row(*cells)
        out.print(grid)


COMMANDS = [words]
