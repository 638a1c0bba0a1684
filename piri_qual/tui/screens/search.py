"""A fuzzy picker: type a few letters of a theme's label or id (or a transcript id) and choose.

Used to assign a theme, to filter to one theme, to jump to a transcript and to add a theme in
reconciliation. It returns the chosen item's key, or None when cancelled. Given ``create`` (e.g.
"create theme"), a search that names no item exactly also offers to create one by that name,
returned as ``CREATE + name``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from piri_qual.tui.fuzzy import rank

#: The key prefix of the "create ..." option (see ``create``).
CREATE = "\x00create:"


@dataclass(frozen=True)
class PickItem:
    key: str
    label: str
    detail: str = ""
    search: tuple[str, ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.key, self.label, *self.search)


class FuzzyPicker(ModalScreen[str | None]):
    """Type to filter; up/down to move; enter or a click to choose; escape to cancel."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
    ]

    def __init__(self, title: str, items: Sequence[PickItem], *, limit: int = 60, create: str | None = None,
                 initial: str | None = None) -> None:
        super().__init__(classes="picker")
        self.title_text = title
        self.items = list(items)
        self.by_key = {item.key: item for item in self.items}
        self.limit = limit
        self.create = create
        self.initial = initial  # the item highlighted before anything is typed

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label(self.title_text, id="picker-title")
            yield Input(placeholder="type to search labels and ids", id="picker-input")
            yield OptionList(id="picker-options")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        limit = self.limit if query else max(self.limit, len(self.items))  # all of them before any typing
        matches = rank(query, [(i.key, i.texts) for i in self.items], limit=limit)
        options = []
        for match in matches:
            item = self.by_key[match.key]
            prompt = Text(item.label)
            if item.detail:
                prompt.append(f"  {item.detail}", style="dim")
            options.append(Option(prompt, id=item.key))
        name = " ".join(query.split())
        if self.create and name and not any(name.casefold() in (i.key.casefold(), i.label.casefold())
                                            for i in self.items):
            offer = Option(Text.assemble(("+ ", "bold green"), f"{self.create} \u201c{name}\u201d"), id=CREATE + name)
            # first when nothing matches well, else after the matches
            options = [offer, *options] if not matches else [*options, offer]
        listing = self.query_one(OptionList)
        listing.set_options(options)
        start = 0
        if not query and self.initial is not None:
            start = next((i for i, option in enumerate(options) if option.id == self.initial), 0)
        listing.highlighted = start if options else None

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        option = self.query_one(OptionList).highlighted_option
        if option is None:
            self.notify("nothing matches; change the search or press escape", severity="warning")
            return
        self.dismiss(option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            current = listing.highlighted if listing.highlighted is not None else -step
            listing.highlighted = (current + step) % listing.option_count

    def action_cancel(self) -> None:
        self.dismiss(None)
