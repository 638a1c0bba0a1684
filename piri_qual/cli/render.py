"""Small rendering helpers shared by commands (rich tables, one console)."""

from __future__ import annotations

import json
import os
import sys
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
        justify_numbers and rows and all(isinstance(r[i], int | float) for r in rows if r[i] is not None)
        for i in range(len(columns))
    ]
    for name, is_num in zip(columns, numeric, strict=True):
        out.add_column(name, justify="right" if is_num else "left")
    for row in rows:
        out.add_row(*["" if v is None else str(v) for v in row])
    return out
