"""Writing a theme retrieval (``piri-qual quotes``) as Markdown, CSV or JSON.

Markdown is for reading and for a review meeting: a section per theme with its memo, a heading
per participant, each excerpt in bold inside its context. CSV (one row per excerpt, context in
its own columns) goes into a spreadsheet or R; JSON carries the same rows plus the themes, for
scripts. Built as strings without pandas, so ``quotes`` stays as quick as reading the log; the
caller writes them (to a file atomically, or to standard output for ``-o -``).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import TYPE_CHECKING

from piri_qual.core.output_path import OutputKind

if TYPE_CHECKING:
    from piri_qual.analysis.retrieval import Excerpt, Retrieval

#: What ``quotes -o/--format`` may write.
QUOTES = OutputKind("a quote retrieval", ("md", "csv", "json"), "quotes")
CSV_COLUMNS = ["theme", "theme_label", "coded_as", "participant", "group", "transcript", "turn", "speaker", "time",
               "start", "end", "before", "quote", "after", "coder", "coding", "source", "memo"]
_MD_SPECIAL = str.maketrans({"\\": "\\\\", "*": "\\*", "_": "\\_", "`": "\\`", "<": "&lt;"})


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(result: Retrieval) -> str:
    """``Coder gold; all participants; 1 sentence of context. 34 excerpts from 12 participants.``"""
    people = len({e.participant for e in result.excerpts})
    context = f"{plural(result.context, 'sentence')} of context" if result.context else "no context"
    line = (f"Coder {result.coder}; {result.filters}; {context}. "
            f"{plural(len(result.excerpts), 'excerpt')} from {plural(people, 'participant')}.")
    if result.orphaned:
        line += f" {plural(result.orphaned, 'orphaned coding')} left out (re-code after the re-import)."
    return line


def location(excerpt: Excerpt) -> str:
    """``P07, turn 5, 0:12:31 [1200, 1260)``."""
    c = excerpt.coding
    parts = [c.transcript]
    if excerpt.turn:
        parts.append(f"turn {excerpt.turn}")
    if excerpt.time:
        parts.append(excerpt.time)
    where = ", ".join(parts) + f" [{c.start}, {c.end})"
    if c.coded_as or excerpt.theme != c.theme:
        where += f" coded as {c.coded_as or c.theme}"
    return where


def _md(text: str) -> str:
    return text.translate(_MD_SPECIAL)


def _md_marked(before: str, quote: str, after: str) -> list[str]:
    """Block-quote lines with the excerpt in bold (bold closed at each line break)."""
    lines: list[list[str]] = [[]]
    for piece, bold in ((before, False), (quote, True), (after, False)):
        for i, part in enumerate(piece.split("\n")):
            if i:
                lines.append([])
            if not part:
                continue
            if bold and part.strip():
                lead = part[: len(part) - len(part.lstrip())]
                trail = part[len(part.rstrip()):]
                lines[-1].append(f"{lead}**{_md(part.strip())}**{trail}")
            else:
                lines[-1].append(_md(part))
    return ["> " + "".join(parts) if parts else ">" for parts in lines]


def retrieval_markdown(result: Retrieval, title: str) -> str:
    out = [f"# {title}", "", summary_line(result), ""]
    for theme in result.themes:
        excerpts = result.by_theme(theme.id)
        people = Counter(e.participant for e in excerpts)
        out += [f"## {_md(theme.label)} ({theme.id})", ""]
        where = f"{_md(theme.path)}; " if theme.path else ""
        out += [f"*{where}{plural(len(excerpts), 'excerpt')} from {plural(len(people), 'participant')}*", ""]
        if theme.memo:
            out += ["**Memo:** " + _md(theme.memo).replace("\n", "  \n"), ""]
        current = None
        for e in excerpts:
            if e.participant != current:
                current = e.participant
                out += [f"### {_md(e.participant)} ({_md(e.group)}), {plural(people[e.participant], 'excerpt')}", ""]
            speaker = f"; speaker {_md(e.speaker)}" if e.speaker and e.speaker != e.participant else ""
            out += [f"*{_md(location(e))}{speaker}*", ""]
            out += _md_marked(e.before, e.quote, e.after)
            if e.memo:
                out += ["", "**Memo:** " + _md(e.memo).replace("\n", "  \n")]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def retrieval_csv(result: Retrieval) -> str:
    labels = {t.id: t.label for t in result.themes}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in result.excerpts:
        writer.writerow({**e.as_dict(), "theme_label": labels.get(e.theme, e.theme)})
    return "\ufeff" + buffer.getvalue()  # a byte-order mark, so Excel reads the accents right


def retrieval_json(result: Retrieval) -> str:
    data = {
        "coder": result.coder,
        "filters": result.filters,
        "context": result.context,
        "orphaned": result.orphaned,
        "themes": [{"id": t.id, "label": t.label, "path": t.path, "memo": t.memo, "parent": t.parent}
                   for t in result.themes],
        "excerpts": [e.as_dict() for e in result.excerpts],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render(result: Retrieval, fmt: str, title: str) -> str:
    """The retrieval in ``fmt`` (md, csv or json)."""
    if fmt == "csv":
        return retrieval_csv(result)
    if fmt == "json":
        return retrieval_json(result)
    return retrieval_markdown(result, title)
