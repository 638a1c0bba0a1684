"""The memo editor: a note on the excerpt, the theme, or the participant x theme cell.

Cell memos are the summaries of the framework matrix (one per participant and theme). Each
save is one ``memo`` event in the coder's log; saving empty text clears the memo.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, RadioButton, RadioSet, TextArea


class MemoScreen(ModalScreen[tuple[str, str] | None]):
    """Choose what the memo is about, write it, ctrl+s to save, escape to cancel."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, scopes: Sequence[tuple[str, str]], texts: dict[str, str], scope: str | None = None) -> None:
        super().__init__()
        self.scopes = list(scopes)
        self.drafts = dict(texts)
        self.scope = scope if scope in dict(self.scopes) else self.scopes[0][0]

    def compose(self) -> ComposeResult:
        with Vertical(id="memo-box"):
            yield Label("Memo on", id="memo-title")
            with RadioSet(id="memo-scope"):
                for scope, description in self.scopes:
                    yield RadioButton(description, value=scope == self.scope, name=scope)
            yield TextArea(self.drafts.get(self.scope, ""), id="memo-text", soft_wrap=True)
            yield Label("ctrl+s save \u00b7 esc cancel \u00b7 empty text clears the memo", id="memo-hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        area = self.query_one(TextArea)
        self.drafts[self.scope] = area.text
        self.scope = event.pressed.name or self.scope
        area.load_text(self.drafts.get(self.scope, ""))
        area.focus()

    def action_save(self) -> None:
        self.dismiss((self.scope, self.query_one(TextArea).text))

    def action_cancel(self) -> None:
        self.dismiss(None)
