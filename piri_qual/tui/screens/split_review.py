"""The split review queue: each coding of a split theme, the new themes ranked, one key to decide.

``piri-qual codebook split A --into B,C`` retires A; this screen walks one coder through their
codings of A. Each shows the excerpt in its turn and the new themes ranked by the suggestion
engine (the coder's own model); ``1``-``9`` choose one, ``b`` keeps them all, ``x`` neither, ``j``/``k``
skip back and forth. Every choice is logged at once (see :mod:`piri_qual.tui.split_queue`). The
engine loads in a worker thread; until it is ready the themes are listed unranked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from piri_qual.errors import PiriQualError
from piri_qual.tui.split_queue import QueueItem, Ranker, SplitQueue

if TYPE_CHECKING:
    from piri_qual.tui.app import CodingApp

CONTEXT = 160  # characters of the turn shown either side of the excerpt


class SplitReviewScreen(ModalScreen[int]):
    """Reassign one coder's codings of a split theme; dismissed with how many were decided."""

    BINDINGS = [
        *(Binding(str(n), f"choose({n})", f"{n}", show=n <= 3) for n in range(1, 10)),
        Binding("b", "both", "Keep all"),
        Binding("x", "neither", "Neither"),
        Binding("j", "step(1)", "Skip"),
        Binding("k", "step(-1)", "Back", show=False),
        Binding("escape", "close", "Done"),
        Binding("q", "close", "Done", show=False),
    ]

    def __init__(self, theme: str) -> None:
        super().__init__()
        self.theme = theme
        self.queue: SplitQueue | None = None
        self.decided = 0
        self.ranked = False

    @property
    def review_app(self) -> CodingApp:
        return cast("CodingApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="split-box"):
            yield Label(f"Split review: {self.theme}", id="split-title")
            yield Static(id="split-excerpt")
            yield Static(id="split-choices")
            yield Label("1-9 choose \u00b7 b keep all \u00b7 x neither \u00b7 j/k skip \u00b7 esc done", id="split-hint")

    def on_mount(self) -> None:
        app = self.review_app
        try:
            self.queue = SplitQueue(app.study, app.coder, self.theme, ranker=None)
        except PiriQualError as exc:
            self.notify(str(exc), severity="error")
            self.dismiss(0)
            return
        self.show()
        if app.engine_ok:
            self._rank_worker()

    @work(thread=True, exclusive=True, group="split-rank", exit_on_error=False)
    def _rank_worker(self) -> None:
        app = self.review_app
        try:
            ranker = app.assist.span_ranker(app.study, app.coder)
        except Exception as exc:  # noqa: BLE001 - the queue works unranked without the engine
            app.call_from_thread(self.notify, f"no ranking: {exc}", severity="warning")
            return
        app.call_from_thread(self._ranked, ranker)

    def _ranked(self, ranker: Ranker) -> None:
        if self.queue is None:
            return
        self.queue.ranker = ranker
        self.queue.refresh()
        self.ranked = True
        self.show()

    @property
    def busy(self) -> bool:
        """Still ranking (tests wait on this, as on the coding screen)."""
        return self.review_app.engine_ok and not self.ranked

    # -- drawing -------------------------------------------------------------------------------
    def show(self) -> None:
        queue = self.queue
        assert queue is not None
        item = queue.current
        title = self.query_one("#split-title", Label)
        if item is None:
            title.update(f"Split review: {self.theme} \u00b7 nothing left to review")
            self.query_one("#split-excerpt", Static).update(Text("All codings reassigned. esc returns.", style="dim"))
            self.query_one("#split-choices", Static).update("")
            return
        into = ", ".join(queue.targets)
        title.update(f"Split review: {self.theme} -> {into} \u00b7 {queue.position + 1} of {len(queue.items)}")
        self.query_one("#split-excerpt", Static).update(self._excerpt(item))
        lines = Text()
        book = self.review_app.study.codebook
        for n, (theme, score) in enumerate(item.ranking, start=1):
            found = book.get(theme)
            lines.append(f"{n}  ", style="bold")
            lines.append(found.label if found else theme)
            lines.append(f"  {theme}", style="dim")
            lines.append(f"  {score:.2f}\n" if self.ranked else "  (ranking\u2026)\n", style="cyan")
        self.query_one("#split-choices", Static).update(lines)

    def _excerpt(self, item: QueueItem) -> Text:
        c = item.coding
        text = self.review_app.study.transcript(c.transcript).text
        before = text[max(0, c.start - CONTEXT):c.start]
        after = text[c.end:c.end + CONTEXT]
        out = Text(f"{c.transcript} [{c.start}, {c.end})\n", style="dim")
        out.append(before, style="dim")
        out.append(text[c.start:c.end], style="bold reverse")
        out.append(after, style="dim")
        return out

    # -- deciding ------------------------------------------------------------------------------
    def _decide(self, themes: list[str]) -> None:
        queue = self.queue
        if queue is None or queue.current is None:
            return
        try:
            queue.choose(queue.current, themes)
        except PiriQualError as exc:
            self.notify(str(exc), severity="error")
            return
        self.decided += 1
        self.show()

    def action_choose(self, n: int) -> None:
        item = self.queue.current if self.queue else None
        if item is None:
            return
        if n > len(item.ranking):
            self.notify(f"there are {len(item.ranking)} themes to choose from", severity="warning")
            return
        self._decide([item.ranking[n - 1][0]])

    def action_both(self) -> None:
        item = self.queue.current if self.queue else None
        if item is not None:
            self._decide([theme for theme, _ in item.ranking])

    def action_neither(self) -> None:
        self._decide([])

    def action_step(self, step: int) -> None:
        queue = self.queue
        if queue is not None and queue.items:
            queue.position = (queue.position + step) % len(queue.items)
            self.show()

    def action_close(self) -> None:
        self.dismiss(self.decided)
