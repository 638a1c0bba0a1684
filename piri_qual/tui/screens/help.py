"""The help screen: every key of the current screen, after remapping from piri-qual.yaml."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from piri_qual.tui.keys import ACTIONS, display_key, effective_keys


def help_table(screen: str, keymap: dict[str, str]) -> Table:
    keys = effective_keys(keymap)
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("action", ratio=1)
    for action in ACTIONS:
        if action.screen == screen:
            table.add_row(display_key(keys[action.id]), action.help)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, screen: str, keymap: dict[str, str]) -> None:
        super().__init__()
        self.for_screen = screen
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Label(
                "Keys (remap them under keys: in piri-qual.yaml, e.g. accept: y) \u00b7 esc closes",
                id="help-title",
            )
            yield Static(help_table(self.for_screen, self.keymap))
            if self.for_screen == "coding":
                yield Static(
                    "Mouse: click a sentence to make it the excerpt, click a theme to see its rules, "
                    "scroll with the wheel, click a key in the footer.\nEvery decision is written to "
                    "codings/<you>.jsonl the moment you make it; you see only your own codings.",
                    id="help-notes",
                )

    def action_close(self) -> None:
        self.dismiss(None)
