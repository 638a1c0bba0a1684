"""Command groups that several topic modules add commands to (e.g. ``export``)."""

from __future__ import annotations

import click


@click.group()
def export() -> None:
    """Write exports for the write-up and for other tools.

    \b
    Example:
      piri-qual export all --coder gold
      piri-qual export matrix --coder gold --format xlsx -o matrix.xlsx
    """
