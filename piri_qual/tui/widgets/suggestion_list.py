"""The suggestion pane (ranked themes for the excerpt) and the theme rules shown beside it.

Both are :class:`~piri_qual.tui.widgets.line_pane.LinePane` widgets, so moving from excerpt to
excerpt repaints them without a layout pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message

from piri_qual.core.framework import Codebook, Theme
from piri_qual.tui.session import Entry
from piri_qual.tui.widgets.line_pane import LinePane
from piri_qual.tui.widgets.transcript_view import theme_colour


def entry_prompt(entry: Entry, codebook: Codebook, colour: int) -> Text:
    """One item: a colour swatch, score or 'coded', the theme label, and the reason below."""
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


class SuggestionList(LinePane):
    """Ranked themes for the current excerpt: pending suggestions first, then your codings."""

    COMPONENT_CLASSES = {"suggestions--highlight"}

    class Clicked(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.highlighted: int | None = None
        self.count = 0

    def show(self, entries: Sequence[Entry], highlight: int, codebook: Codebook, colours: dict[str, int]) -> None:
        self.count = len(entries)
        self.set_blocks([entry_prompt(e, codebook, colours.get(e.theme, 0)) for e in entries])
        self.highlight(highlight if entries else None)

    def show_message(self, text: Text) -> None:
        self.count = 0
        self.highlighted = None
        self.set_blocks([text])

    def highlight(self, index: int | None) -> None:
        self.highlighted = index
        if index is not None:
            first, last = self.block_lines(index)
            self.show_line(first, last)
        self.refresh()

    def line_style(self, block: int) -> Style | None:
        if block == self.highlighted:
            return self.get_component_rich_style("suggestions--highlight")
        return None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self.count:
            return
        block = self.block_at(offset.y)
        if block is not None:
            self.post_message(self.Clicked(block))


class ThemeDetail(LinePane):
    """The highlighted theme's definition and its inclusion and exclusion rules."""

    def show(self, theme: Theme | None, construct: str | None = None, memo: str = "") -> None:
        if theme is None:
            self.set_text(Text("No theme highlighted.", style="dim"))
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
        self.set_text(text)
