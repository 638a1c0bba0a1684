"""The retrieval view: every excerpt of one theme across the study, by participant, with jump-to.

Reviewing a theme means reading its excerpts side by side (NVivo's "open the node"). ``o`` in the
coding screen opens this view for the highlighted theme: the coder's own excerpts (coding is
blind), or every coder's once the study has been reconciled (``a`` switches). Moving through the
list shows the whole excerpt below it; ``enter`` (or a click) jumps to it in its transcript.
The excerpts come from :meth:`piri_qual.tui.session.CodingSession.theme_excerpts`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from piri_qual.errors import PiriQualError
from piri_qual.tui.session import ThemeExcerpt

#: What choosing an excerpt returns: (transcript, start, end).
Target = tuple[str, int, int]


def _one_line(text: str, limit: int = 90) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[: limit - 1] + "\u2026"


class ExcerptsScreen(ModalScreen[Target | None]):
    """Every excerpt of a theme; enter jumps to one, ``a`` shows every coder's, escape closes."""

    BINDINGS = [
        Binding("a", "toggle_coders", "All coders"),
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("o", "close", "Close", show=False),
    ]

    def __init__(self, label: str, coder: str, load: Callable[[bool], list[ThemeExcerpt]], *,
                 here: tuple[str, int] | None = None) -> None:
        super().__init__()
        self.label = label
        self.coder = coder
        self.load = load
        self.all_coders = False
        self.here = here  # (transcript, offset) of the current excerpt, to start the list near it
        self.excerpts: list[ThemeExcerpt] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="excerpts-box"):
            yield Label("", id="excerpts-title")
            yield OptionList(id="excerpts-list")
            yield Static("", id="excerpts-detail")
            yield Label("enter jump to it \u00b7 a every coder's (after reconciliation) \u00b7 esc close",
                        id="excerpts-hint")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()

    def _fill(self) -> None:
        self.excerpts = self.load(self.all_coders)
        people = Counter(e.participant for e in self.excerpts)
        whose = "every coder's" if self.all_coders else f"{self.coder}'s"
        self.query_one("#excerpts-title", Label).update(Text.assemble(
            (self.label, "bold"), f": {len(self.excerpts)} excerpt{'s' if len(self.excerpts) != 1 else ''} "
            f"from {len(people)} participant{'s' if len(people) != 1 else ''} ({whose})"))
        options: list[Option] = []
        current = None
        start_at = None
        for i, e in enumerate(self.excerpts):
            if e.participant != current:
                current = e.participant
                options.append(Option(Text(f"{e.participant} \u00b7 {e.group or 'no group'} \u00b7 "
                                           f"{people[e.participant]}", style="bold"), disabled=True))
            c = e.coding
            prompt = Text(f"  {c.transcript} t{e.turn}  ", style="dim")
            if self.all_coders:
                prompt.append(f"{c.coder}  ", style="cyan")
            prompt.append(_one_line(c.quote))
            options.append(Option(prompt, id=str(i)))
            if self.here and start_at is None and c.transcript == self.here[0] and c.end > self.here[1]:
                start_at = len(options) - 1
        listing = self.query_one(OptionList)
        listing.set_options(options)
        enabled = [k for k, option in enumerate(options) if not option.disabled]
        if enabled:
            listing.highlighted = start_at if start_at is not None else enabled[0]
        else:
            self.query_one("#excerpts-detail", Static).update(Text("No excerpts of this theme yet.", style="dim"))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is None:
            return
        e = self.excerpts[int(event.option.id)]
        c = e.coding
        self.query_one("#excerpts-detail", Static).update(Text.assemble(
            (f"{c.transcript}, turn {e.turn} [{c.start}, {c.end})", "dim"),
            (f"  coded {c.coded_as or c.theme} by {c.coder}" + (f" ({c.source})" if c.source else ""), "dim"),
            "\n", (c.quote, "bold")))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            c = self.excerpts[int(event.option.id)].coding
            self.dismiss((c.transcript, c.start, c.end))

    def action_toggle_coders(self) -> None:
        self.all_coders = not self.all_coders
        try:
            self._fill()
        except PiriQualError as exc:
            self.all_coders = False
            self.notify(str(exc), severity="warning", timeout=6)

    def action_close(self) -> None:
        self.dismiss(None)
