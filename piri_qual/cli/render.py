"""Small rendering helpers shared by commands (rich tables, one console)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def table(title: str | None, columns: list[str], rows: list[list[Any]], justify_numbers: bool = True):  # noqa: ANN201
    from rich.table import Table

    out = Table(title=title, title_justify="left", header_style="bold")
    numeric = [
        justify_numbers and rows and all(isinstance(r[i], int | float) for r in rows if blank(r[i]))
        for i in range(len(columns))
    ]
    for name, is_num in zip(columns, numeric, strict=True):
        out.add_column(name, justify="right" if is_num else "left")
    for row in rows:
        out.add_row(*[blank(v) for v in row])
    return out


def blank(value: Any) -> str:
    """A cell's text: empty for None and for pandas' NaN (a missing group, a missing time),
    which would otherwise print as "nan"."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def write_output(path: Path, fmt: str, text: str) -> None:
    """Write a text export to ``path`` (atomically), or to standard output for ``-o -``."""
    from piri_qual.core.atomic import atomic_write_text
    from piri_qual.core.output_path import is_stdout

    if is_stdout(path):
        sys.stdout.write(text.removeprefix("\ufeff"))  # no byte-order mark in a pipe
        sys.stdout.flush()
        return
    atomic_write_text(path, text)


def shown_path(path: Path) -> str:
    """A written file's path relative to the current folder when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def print_indented(out: Console, text: Any, indent: int = 0) -> None:
    """Print rich ``Text`` indented: wrapped under its indent on a terminal; in a pipe one line
    per line of the text, never wrapped (so what is copied from it is the text itself)."""
    from rich.padding import Padding
    from rich.text import Text

    if out.is_terminal:
        out.print(Padding(text, (0, 0, 0, indent)) if indent else text)
    else:
        out.print(Text(" " * indent) + text if indent else text, soft_wrap=True)


def print_line(out: Console, text: Any) -> None:
    """One line: cut with an ellipsis at the terminal's width, whole in a pipe."""
    if out.is_terminal:
        out.print(text, no_wrap=True, overflow="ellipsis")
    else:
        out.print(text, soft_wrap=True)
