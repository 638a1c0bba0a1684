"""CSV and Markdown writers for the write-up exports.

CSV is for other software (R, Excel, NVivo's importers): one header row, one record per line,
UTF-8 with a byte-order mark so Excel opens accents correctly. Markdown is for reading and for
pasting into a report draft: tables grouped the way the framework groups them, quotes as block
quotes. Both stream into place (:func:`~piri_qual.core.atomic.atomic_stream`): CSV as pandas
writes it, Markdown piece by piece as the writers produce it, so a quote bank of any size is
never built as one string.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, SupportsInt, TextIO, cast

from piri_qual.core.atomic import atomic_stream

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.matrix import FrameworkMatrix

CHECK = "\u2713"


def cell_text(value: object, mode: str) -> str:
    """How a matrix cell reads in a document: counts and ticks blank when nothing was said."""
    if mode == "count":
        # A count-mode cell holds a whole number; pandas can only type it as any cell value.
        return str(int(cast(SupportsInt, value))) if value else ""
    if mode == "presence":
        return CHECK if value else ""
    return "" if value is None else str(value)


@contextmanager
def text_stream(path: Path) -> Iterator[TextIO]:
    """UTF-8 text written through to ``path`` atomically, newlines as given."""
    with atomic_stream(path) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        try:
            yield text
            text.flush()
        finally:
            text.detach()


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    with text_stream(path) as out:
        out.write("\ufeff")  # a byte-order mark, so Excel reads the accents right
        frame.to_csv(out, index=False, lineterminator="\n")


def md_escape(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n\n", "<br><br>").replace("\n", "<br>")


def md_table(columns: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(md_escape(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(md_escape(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# -- framework matrix ----------------------------------------------------------------------------
def matrix_table(matrix: FrameworkMatrix) -> pd.DataFrame:
    """The matrix as one flat table: group, participant, attributes, a column per theme id,
    then the summary rows (group ``raised by``, participant = the group counted)."""
    import pandas as pd

    people = matrix.participants.loc[matrix.cells.index]
    left = pd.DataFrame({"group": people.group.to_numpy(), "participant": people.participant.to_numpy()})
    for attr in matrix.attributes:
        left[attr] = people[attr].to_numpy()
    cells = matrix.cells.reset_index(drop=True)
    if matrix.mode == "presence":
        cells = cells.astype(int)
    body = pd.concat([left, cells], axis=1)
    summary = matrix.raised_text().reset_index(names="participant")
    summary.insert(0, "group", "raised by")
    for attr in matrix.attributes:
        summary[attr] = ""
    summary = summary[list(body.columns)]
    return pd.concat([body.astype(object), summary.astype(object)], ignore_index=True)


def matrix_csv(matrix: FrameworkMatrix, path: Path) -> None:
    write_csv(matrix_table(matrix), path)


def matrix_markdown(matrix: FrameworkMatrix, title: str, intro: str) -> Iterator[str]:
    """A table per domain; themes headed by label and construct; summary rows in bold.

    The document's pieces, to be joined by newlines (:func:`write_markdown` does).
    """
    yield f"# {title}\n"
    yield intro + "\n"
    themes = matrix.themes
    raised = matrix.raised_text()
    members = matrix.members()
    attributes = matrix.attribute_values()
    for _domain, dthemes in themes.groupby("domain", sort=False):
        yield f"## {dthemes.domain_label.iloc[0]}\n"
        ids = list(dthemes.index)
        values = matrix.row_values(ids)
        columns = ["Participant", *[a.replace("_", " ").capitalize() for a in matrix.attributes]]
        columns += [f"{row.label} ({row.construct_label})" for row in dthemes.itertuples()]
        rows: list[list[object]] = []
        for group in matrix.groups:
            rows.append([f"**{group} ({len(members[group])})**", *[""] * (len(columns) - 1)])
            for pid in members[group]:
                rows.append([pid, *attributes[pid], *[cell_text(v, matrix.mode) for v in values[pid]]])
        for group in raised.index:
            label = "all participants" if group == "all" else group
            rows.append([f"**Raised by {label}**", *[""] * len(matrix.attributes), *raised.loc[group, ids].tolist()])
        yield md_table(columns, rows)


# -- quote bank ----------------------------------------------------------------------------------
QUOTE_CSV_COLUMNS = [
    "domain_label", "construct_label", "theme", "theme_label", "quote", "attribution", "participant", "group",
    "transcript", "turn", "time", "coder", "flags",
]


def quotes_csv(quotes: pd.DataFrame, path: Path) -> None:
    write_csv(quotes[QUOTE_CSV_COLUMNS].rename(columns={"domain_label": "domain", "construct_label": "construct"}), path)


class QuoteRow(Protocol):
    """A quote-bank row (a pandas ``itertuples`` record) as :func:`quote_source` reads it."""

    @property
    def location(self) -> object: ...
    @property
    def coder(self) -> object: ...


def quote_source(row: QuoteRow) -> str:
    """``P07, 0:12:31; coder gold`` for a quote's reference line."""
    return f"{row.location}; coder {row.coder}"


def quotes_markdown(quotes: pd.DataFrame, themes: pd.DataFrame, title: str, intro: str,
                    memos: Mapping[str, str] | None = None) -> Iterator[str]:
    """Quotes under domain and theme headings; a theme's memo (``memos``: theme -> text) under
    its heading, before its quotes. The document's pieces, to be joined by newlines."""
    yield f"# {title}\n"
    yield intro + "\n"
    by_theme: dict[Hashable, pd.DataFrame] = {t: part for t, part in quotes.groupby("theme", sort=False)}
    for _domain, dthemes in themes.groupby("domain", sort=False):
        yield f"## {dthemes.domain_label.iloc[0]}\n"
        for theme in dthemes.itertuples():
            part = by_theme.get(theme.theme)
            count = 0 if part is None else len(part)
            yield f"### {theme.label}\n"
            yield f"*{theme.construct_label}; {count} quote{'s' if count != 1 else ''}*\n"
            memo = (memos or {}).get(str(theme.theme))
            if memo:
                yield "**Memo:** " + md_escape(memo).replace("<br>", "  \n") + "\n"
            if part is None:
                continue
            for quote, who, location, coder in zip(part.quote, part.attribution, part.location, part.coder,
                                                   strict=True):
                text = str(quote).replace("\n", " ")
                yield f"> \u201c{text}\u201d\n>\n> \u2014 {who} ({location}; coder {coder})\n"


# -- frequencies ---------------------------------------------------------------------------------
def frame_markdown(frame: pd.DataFrame, index: bool = False) -> str:
    columns = ([frame.index.name or ""] if index else []) + [str(c) for c in frame.columns]
    rows = [([idx] if index else []) + list(values) for idx, values in zip(frame.index, frame.itertuples(index=False), strict=True)]
    return md_table(columns, rows)


def write_markdown(text: str | Iterable[str], path: Path) -> None:
    """Write Markdown ending in a newline: a string, or pieces joined by newlines as they come."""
    pieces = (text,) if isinstance(text, str) else text
    with text_stream(path) as out:
        last = ""
        for n, piece in enumerate(pieces):
            if n:
                out.write("\n")
            out.write(piece)
            last = piece[-1:] or ("\n" if n else "")
        if last != "\n":
            out.write("\n")
