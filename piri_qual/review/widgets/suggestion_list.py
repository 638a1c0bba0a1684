"""The suggestion pane (ranked themes for the excerpt) and the theme detail shown beside it."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from piri_qual.framework import Codebook, Theme
from piri_qual.review.session import Entry
from piri_qual.review.widgets.transcript_view import theme_colour


def entry_prompt(entry: Entry, codebook: Codebook, colour: int) -> Text:
    """One option: a colour swatch, score or 'coded', the theme label, and the reason below."""
    theme = codebook.get(entry.theme)
    label = theme.label if theme else entry.theme
    text = Text()
    text.append("\u25a0 ", style=theme_colour(colour))
    if entry.kind == "coded":
        text.append("coded ", style="bold")
    else:
        text.append(f"{entry.score:.2f} " if entry.score is not None else "  -  ", style="bold")
    text.append(label)
    detail = entry.reason if entry.kind == "suggested" else (
        f"{entry.source or 'manual'}" + (f": {entry.reason}" if entry.reason else "")
    )
    if detail:
        text.append("\n  " + detail, style="dim")
    return text


class SuggestionList(OptionList, can_focus=False):
    """Ranked themes for the current excerpt: pending suggestions first, then your codings."""

    def show(self, entries: Sequence[Entry], highlight: int, codebook: Codebook, colours: dict[str, int]) -> None:
        self.set_options(
            Option(entry_prompt(e, codebook, colours.get(e.theme, 0)), id=f"{i}:{e.kind}:{e.theme}")
            for i, e in enumerate(entries)
        )
        self.highlighted = highlight if entries else None


class ThemeDetail(Static):
    """The highlighted theme's definition and its inclusion and exclusion rules."""

    def show(self, theme: Theme | None, construct: str | None = None, memo: str = "") -> None:
        if theme is None:
            self.update(Text("No theme highlighted.", style="dim"))
            return
        text = Text()
        text.append(theme.label, style="bold")
        text.append(f"\n{theme.id}" + (f" \u00b7 {construct}" if construct else ""), style="dim")
        if theme.definition:
            text.append("\n" + " ".join(theme.definition.split()))
        if theme.include:
            text.append("\nInclude", style="bold green")
            for rule in theme.include:
                text.append(f"\n \u2022 {rule}")
        if theme.exclude:
            text.append("\nExclude", style="bold red")
            for rule in theme.exclude:
                text.append(f"\n \u2022 {rule}")
        if memo:
            text.append("\nYour memo", style="bold")
            text.append(f"\n {memo}")
        self.update(text)
