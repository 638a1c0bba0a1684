"""The memo editor: a note on the excerpt just decided, this excerpt, the theme, the participant x
theme cell, the transcript, the participant or the study.

What the memo is about is the first thing on the screen ("Memo on: ...") and ``ctrl+t`` moves to
the next target (the radio buttons take a click too), so a coder never writes a theme memo
believing it is on the excerpt. Right after a decision the excerpt just decided comes first:
accepting a suggestion moves on to the next excerpt, but the note is about the one just coded.
Cell memos are the summaries of the framework matrix. Each save is one ``memo`` event in the
coder's log; saving empty text clears the memo.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, RadioButton, RadioSet, TextArea

#: The key that moves to the next target, named in the screen's own hint line.
NEXT_TARGET = "ctrl+t"


class MemoScreen(ModalScreen[tuple[str, str] | None]):
    """Choose what the memo is about, write it, ctrl+s to save, escape to cancel."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding(NEXT_TARGET, "next_target", "Next target"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, scopes: Sequence[tuple[str, str]], texts: dict[str, str], scope: str | None = None) -> None:
        super().__init__()
        self.scopes = list(scopes)
        self.drafts = dict(texts)
        self.scope = scope if scope in dict(self.scopes) else self.scopes[0][0]

    def compose(self) -> ComposeResult:
        with Vertical(id="memo-box"):
            yield Label(self._title(), id="memo-title")
            with RadioSet(id="memo-scope"):
                for scope, description in self.scopes:
                    yield RadioButton(description, value=scope == self.scope, name=scope)
            yield TextArea(self.drafts.get(self.scope, ""), id="memo-text", soft_wrap=True)
            yield Label(f"ctrl+s save \u00b7 {NEXT_TARGET} next target \u00b7 esc cancel \u00b7 empty text clears it",
                        id="memo-hint")

    def _title(self) -> Text:
        description = dict(self.scopes).get(self.scope, self.scope)
        return Text.assemble(("Memo on: ", "bold"), (description, "bold reverse"))

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def _switch(self, scope: str) -> None:
        area = self.query_one(TextArea)
        self.drafts[self.scope] = area.text
        self.scope = scope
        area.load_text(self.drafts.get(self.scope, ""))
        self.query_one("#memo-title", Label).update(self._title())
        area.focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.pressed.name and event.pressed.name != self.scope:
            self._switch(event.pressed.name)

    def action_next_target(self) -> None:
        names = [scope for scope, _ in self.scopes]
        following = names[(names.index(self.scope) + 1) % len(names)]
        button = next(b for b in self.query(RadioButton) if b.name == following)
        button.value = True  # the RadioSet then reports the change, which switches the draft
        self._switch(following)

    def action_save(self) -> None:
        self.dismiss((self.scope, self.query_one(TextArea).text))

    def action_cancel(self) -> None:
        self.dismiss(None)
