"""CSV and Markdown writers for the write-up exports.

CSV is for other software (R, Excel, NVivo's importers): one header row, one record per line,
UTF-8 with a byte-order mark so Excel opens accents correctly. Markdown is for reading and for
pasting into a report draft: tables grouped the way the framework groups them, quotes as block
quotes. Both are built as strings and written atomically.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, SupportsInt, cast

from piri_qual.core.atomic import atomic_write_bytes, atomic_write_text

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


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    atomic_write_bytes(path, b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def md_escape(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n\n", "<br><br>").replace("\n", "<br>")


def md_table(columns: Sequence[object], rows: Sequence[Sequence[object]]) -> str:
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


def matrix_markdown(matrix: FrameworkMatrix, title: str, intro: str) -> str:
    """A table per domain; themes headed by label and construct; summary rows in bold."""
    out = [f"# {title}\n", intro + "\n"]
    themes = matrix.themes
    raised = matrix.raised_text()
    for _domain, dthemes in themes.groupby("domain", sort=False):
        out.append(f"## {dthemes.domain_label.iloc[0]}\n")
        ids = list(dthemes.index)
        columns = ["Participant", *[a.replace("_", " ").capitalize() for a in matrix.attributes]]
        columns += [f"{row.label} ({row.construct_label})" for row in dthemes.itertuples()]
        rows: list[list[object]] = []
        for group in matrix.groups:
            members = [p for p in matrix.cells.index if matrix.participants.at[p, "group"] == group]
            rows.append([f"**{group} ({len(members)})**", *[""] * (len(columns) - 1)])
            for pid in members:
                attrs = [matrix.participants.at[pid, a] for a in matrix.attributes]
                rows.append([pid, *attrs, *[cell_text(matrix.cells.at[pid, t], matrix.mode) for t in ids]])
        for group in raised.index:
            label = "all participants" if group == "all" else group
            rows.append([f"**Raised by {label}**", *[""] * len(matrix.attributes), *[raised.at[group, t] for t in ids]])
        out.append(md_table(columns, rows))
    return "\n".join(out)


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
                    memos: Mapping[str, str] | None = None) -> str:
    """Quotes under domain and theme headings; a theme's memo (``memos``: theme -> text) under
    its heading, before its quotes."""
    out = [f"# {title}\n", intro + "\n"]
    by_theme: dict[Hashable, pd.DataFrame] = {t: part for t, part in quotes.groupby("theme", sort=False)}
    for _domain, dthemes in themes.groupby("domain", sort=False):
        out.append(f"## {dthemes.domain_label.iloc[0]}\n")
        for theme in dthemes.itertuples():
            part = by_theme.get(theme.theme)
            count = 0 if part is None else len(part)
            out.append(f"### {theme.label}\n")
            out.append(f"*{theme.construct_label}; {count} quote{'s' if count != 1 else ''}*\n")
            memo = (memos or {}).get(str(theme.theme))
            if memo:
                out.append("**Memo:** " + md_escape(memo).replace("<br>", "  \n") + "\n")
            if part is None:
                continue
            for row in part.itertuples():
                text = str(row.quote).replace("\n", " ")
                out.append(f"> \u201c{text}\u201d\n>\n> \u2014 {row.attribution} ({quote_source(row)})\n")
    return "\n".join(out)


# -- frequencies ---------------------------------------------------------------------------------
def frame_markdown(frame: pd.DataFrame, index: bool = False) -> str:
    columns = ([frame.index.name or ""] if index else []) + [str(c) for c in frame.columns]
    rows = [([idx] if index else []) + list(values) for idx, values in zip(frame.index, frame.itertuples(index=False), strict=True)]
    return md_table(columns, rows)


def write_markdown(text: str, path: Path) -> None:
    atomic_write_text(path, text if text.endswith("\n") else text + "\n")
