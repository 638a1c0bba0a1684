"""The text search prompt: returns what to look for in the transcript, or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class FindScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, initial: str | None = None) -> None:
        super().__init__()
        self.initial = initial or ""

    def compose(self) -> ComposeResult:
        with Vertical(id="find-box"):
            yield Label("Search the transcript (enter finds the next match, n repeats)")
            yield Input(self.initial, placeholder="words to find", id="find-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
