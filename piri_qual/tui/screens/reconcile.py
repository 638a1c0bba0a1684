"""The reconciliation screen: where two coders disagree, side by side, and a decision per unit.

Each decision is written at once to the consensus coder's log (see
:mod:`piri_qual.tui.reconcile`). The units and the sentences behind them are built in a worker
thread, as they need every coded transcript's sentences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from piri_qual.errors import PiriQualError, PiriQualWarning
from piri_qual.tui import keys
from piri_qual.tui.reconcile import ReconcileSession, Unit, covers
from piri_qual.tui.screens.help import HelpScreen
from piri_qual.tui.screens.search import FuzzyPicker, PickItem
from piri_qual.tui.widgets.transcript_view import theme_colour

if TYPE_CHECKING:
    from piri_qual.core.codings import Coding
    from piri_qual.tui.app import CodingApp


class ReconcileScreen(Screen[None]):
    BINDINGS = keys.bindings("reconcile")

    def __init__(self, coder_a: str, coder_b: str, consensus: str) -> None:
        super().__init__()
        self.coder_a, self.coder_b, self.consensus = coder_a, coder_b, consensus
        self.session: ReconcileSession | None = None

    @property
    def review_app(self) -> CodingApp:
        # Textual types .app as App[object]; getters.app(CodingApp) would be an import cycle
        return cast("CodingApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(id="rc-status")
        with VerticalScroll(id="rc-unit-box"):
            yield Static(id="rc-unit")
        with Horizontal(id="rc-sides"):
            with VerticalScroll(id="rc-a-box", classes="rc-side"):
                yield Static(id="rc-a")
            with VerticalScroll(id="rc-b-box", classes="rc-side"):
                yield Static(id="rc-b")
        with VerticalScroll(id="rc-consensus-box"):
            yield Static(id="rc-consensus")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#rc-a-box").border_title = f"A: {self.coder_a}"
        self.query_one("#rc-b-box").border_title = f"B: {self.coder_b}"
        self.query_one("#rc-consensus-box").border_title = f"Decided ({self.consensus})"
        self.query_one("#rc-status", Static).update(
            f"Reconciling {self.coder_a} and {self.coder_b} into {self.consensus}: finding disagreements\u2026"
        )
        self.add_class("-loading")
        self._build()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _build(self) -> None:
        import warnings

        app = self.review_app
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", PiriQualWarning)
                session = ReconcileSession(app.study, self.coder_a, self.coder_b, self.consensus)
        except Exception as exc:  # noqa: BLE001 - shown in the UI
            app.call_from_thread(self._failed, exc)
            return
        for warning in caught:
            if issubclass(warning.category, PiriQualWarning):
                app.call_from_thread(self.notify, str(warning.message), severity="warning", timeout=10)
        app.call_from_thread(self._ready, session)

    def _failed(self, exc: Exception) -> None:
        message = str(exc) if isinstance(exc, PiriQualError) else f"{type(exc).__name__}: {exc}"
        self.notify(message, severity="error", timeout=10)
        self.query_one("#rc-status", Static).update(f"Cannot reconcile: {message}")

    def _ready(self, session: ReconcileSession) -> None:
        self.session = session
        self.remove_class("-loading")
        self.refresh_view()

    # -- drawing -------------------------------------------------------------------------------
    def _label(self, theme_id: str) -> str:
        theme = self.review_app.study.codebook.get(theme_id)
        return theme.label if theme else theme_id

    def _themes(self, unit: Unit, side: dict[str, Coding], other: dict[str, Coding]) -> Text:
        text = Text()
        colours = self.review_app.theme_colours
        if not side:
            return Text("(nothing coded here)", style="dim")
        for theme_id, coding in sorted(side.items()):
            mark = "=" if theme_id in other else "\u2260"
            text.append(f"{mark} ", style="bold")
            text.append("\u25a0 ", style=theme_colour(colours.get(theme_id, 0)))
            text.append(self._label(theme_id), style="bold" if theme_id not in other else "")
            if (coding.start, coding.end) != (unit.start, unit.end):
                quote = " ".join(coding.quote.split())
                if len(quote) > 160:
                    quote = quote[:159] + "\u2026"
                text.append(f"\n   \u201c{quote}\u201d", style="dim")
            text.append("\n")
        return text

    def refresh_view(self) -> None:
        session = self.session
        if session is None:
            return
        status = self.query_one("#rc-status", Static)
        unit = session.unit
        if unit is None:
            agreed = sum(len(u.agreed) for u in session.all_units)
            status.update(
                f"{self.coder_a} and {self.coder_b} agree on every unit ({agreed} theme-units). "
                f"Press {keys.display_key(keys.effective_keys(self.review_app.keymap)['agree_all'])} "
                f"to copy the agreed codings into {self.consensus}."
            )
            for name in ("#rc-unit", "#rc-a", "#rc-b", "#rc-consensus"):
                self.query_one(name, Static).update("")
            return
        decided = session.decided(unit)
        self.set_class(decided, "-decided")
        status.update(Text(
            f"unit {session.position + 1}/{len(session.units)} \u2502 {session.open_count()} open \u2502 "
            f"{unit.transcript} \u2502 {'decided' if decided else 'open'} \u2502 into {self.consensus}",
            no_wrap=True, overflow="ellipsis",
        ))
        transcript = self.review_app.study.transcript(unit.transcript)
        text = transcript.text
        line_start = text.rfind("\n", 0, unit.start) + 1
        line_end = text.find("\n", unit.end)
        line_end = len(text) if line_end == -1 else line_end
        start, end = max(line_start, unit.start - 160), min(line_end, unit.end + 160)
        context = Text()
        context.append(("\u2026" if start > line_start else "") + text[start : unit.start], style="dim")
        context.append(unit.text, style="bold reverse")
        context.append(text[unit.end : end] + ("\u2026" if end < line_end else ""), style="dim")
        self.query_one("#rc-unit", Static).update(context)
        self.query_one("#rc-a", Static).update(self._themes(unit, unit.a, unit.b))
        self.query_one("#rc-b", Static).update(self._themes(unit, unit.b, unit.a))
        self.query_one("#rc-consensus", Static).update(self._consensus_text(unit))

    def _consensus_text(self, unit: Unit) -> Text:
        session = self.session
        assert session is not None
        text = Text()
        for c in session.state.codings.values():
            if c.transcript == unit.transcript and covers(c.start, c.end, unit.start, unit.end):
                text.append(f"kept {self._label(c.theme)}" + (f" ({c.reason})" if c.reason else "") + "\n")
        for e in session.state.rejections:
            if e.transcript == unit.transcript and covers(e.start or 0, e.end or 0, unit.start, unit.end):
                text.append(f"dropped {self._label(e.theme or '')}\n", style="dim")
        return text if text.plain else Text("nothing decided yet", style="dim")

    # -- actions -------------------------------------------------------------------------------
    def _decide(self, choice: str) -> None:
        if self.session is None:
            return
        try:
            events = self.session.decide(choice)
        except PiriQualError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"{len(events)} decision{'s' if len(events) != 1 else ''} written to {self.consensus}",
                    timeout=2)
        self.refresh_view()

    def action_take_a(self) -> None:
        self._decide("a")

    def action_take_b(self) -> None:
        self._decide("b")

    def action_take_both(self) -> None:
        self._decide("both")

    def action_take_neither(self) -> None:
        self._decide("neither")

    def action_next_unit(self) -> None:
        if self.session is not None and not self.session.move(1):
            self.notify("last unit", timeout=2)
        self.refresh_view()

    def action_prev_unit(self) -> None:
        if self.session is not None and not self.session.move(-1):
            self.notify("first unit", timeout=2)
        self.refresh_view()

    def action_agree_all(self) -> None:
        if self.session is None:
            return
        events = self.session.agree_all()
        self.notify(f"copied {len(events)} agreed coding{'s' if len(events) != 1 else ''} into {self.consensus}")
        self.refresh_view()

    def action_rc_undo(self) -> None:
        if self.session is None:
            return
        try:
            target = self.session.undo()
        except PiriQualError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"undid {target.op} {self._label(target.theme or '')}", timeout=2)
        self.refresh_view()

    def action_edit(self) -> None:
        if self.session is None or self.session.unit is None:
            return

        codebook = self.review_app.study.codebook
        items = [PickItem(t.id, t.label, t.id) for t in codebook.codable]

        def chosen(theme_id: str | None) -> None:
            if not theme_id or self.session is None:
                return
            try:
                self.session.edit(theme_id)
            except PiriQualError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"added {self._label(theme_id)} to {self.consensus}", timeout=2)
            self.refresh_view()

        self.app.push_screen(FuzzyPicker("Add a theme to this unit (consensus)", items), chosen)

    def action_rc_help(self) -> None:
        self.app.push_screen(HelpScreen("reconcile", self.review_app.keymap))

    def action_rc_quit(self) -> None:
        self.app.exit()
