"""The coding screen: the transcript, the suggestions for the current excerpt, the theme's rules.

All logic is in :class:`~piri_qual.tui.session.CodingSession`; this screen turns keys and clicks
into its calls, redraws, and runs the slow work (loading sentences, suggesting, retraining) in
worker threads so the interface never freezes. Decisions are written to the log inside the key
handler, before the screen redraws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from piri_qual.errors import PiriQualError, PiriQualWarning
from piri_qual.tui import keys
from piri_qual.tui.assist_bridge import EngineUnavailable
from piri_qual.tui.screens.codebook import CodebookScreen
from piri_qual.tui.screens.find import FindScreen
from piri_qual.tui.screens.help import HelpScreen
from piri_qual.tui.screens.memo import MemoScreen
from piri_qual.tui.screens.search import CREATE, FuzzyPicker, PickItem
from piri_qual.tui.session import READ, SUGGESTIONS, CodingSession
from piri_qual.tui.textindex import Span
from piri_qual.tui.widgets.suggestion_list import SuggestionList, ThemeDetail
from piri_qual.tui.widgets.transcript_view import TranscriptView

if TYPE_CHECKING:
    from piri_qual.assist.types import Suggestion
    from piri_qual.core.corpus import Transcript
    from piri_qual.tui.app import CodingApp


def _freeze_heap() -> None:
    """Keep the garbage collector's full passes off the key path.

    Loading the language pipeline, the engine's tables and a long transcript leaves hundreds of
    thousands of long-lived objects; a full collection walks them all (over 100 ms, measured) and
    lands on whichever key press triggers it. Freezing them after each load takes them out of the
    collector's walks; unreachable objects are still freed by reference counting.
    """
    import gc

    gc.freeze()


class CodingScreen(Screen[None]):
    BINDINGS = keys.bindings("coding")

    def __init__(self, transcript_id: str, mode: str = SUGGESTIONS, split: str | None = None) -> None:
        super().__init__()
        self.transcript_id = transcript_id
        self.start_mode = mode
        self.open_split = split  # a split theme whose review queue opens once the screen has loaded
        self.session: CodingSession | None = None
        self.engine_state = "starting"
        self._suggesting = False
        self._queued_retrain: bool | None = None
        self._retrain_timer: Timer | None = None
        self._last_hit: int | None = None
        self._shown_codings: object = None
        self._shown_entries: object = None
        self._shown_detail: object = None
        self._shown_status = ""
        self._goto_after_load: tuple[int, int] | None = None  # an excerpt chosen in the retrieval view
        self.pending_counts: dict[str, int] = {}  # pending suggestions per transcript (the jump list)

    @property
    def review_app(self) -> CodingApp:
        # Textual types .app as App[object]; getters.app(CodingApp) would be an import cycle
        return cast("CodingApp", self.app)

    # -- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Container(id="body"):
            yield TranscriptView(id="transcript")
            with Container(id="side"):
                yield SuggestionList(id="suggestions")
                yield ThemeDetail(id="detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#suggestions").border_title = "Suggestions"
        self.query_one("#detail").border_title = "Theme"
        self.add_class("-loading")
        self._update_status()
        self.load(self.transcript_id)

    # -- loading and suggesting (worker threads) -----------------------------------------------
    def load(self, transcript_id: str) -> None:
        self.add_class("-loading")
        self.engine_state = "loading"
        self._update_status()
        self._load_worker(transcript_id)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_worker(self, transcript_id: str) -> None:
        app = self.review_app
        try:
            transcript = app.study.transcript(transcript_id)
            if self.session is None:
                # The first screen shows the words at once; the sentences (spaCy, on a new study)
                # and the coder's log (a large one takes a second to fold) follow.
                app.call_from_thread(self._preview, transcript)
            sentences = app.study.sentences(transcript_id)  # the study's sentence index
        except Exception as exc:  # noqa: BLE001 - reported in the UI, the session stays usable
            app.call_from_thread(self._worker_failed, "could not open the transcript", exc)
            return
        if not get_current_worker().is_cancelled:
            app.call_from_thread(self._on_loaded, transcript, sentences)

    def _preview(self, transcript: Transcript) -> None:
        """The transcript's text before the coding session is ready (keys wait for the session)."""
        if self.session is None:
            self.query_one(TranscriptView).show_transcript(transcript)

    def _on_loaded(self, transcript: Transcript, sentences: list[tuple[int, int]]) -> None:
        import warnings

        app = self.review_app
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", PiriQualWarning)
            if self.session is None:
                mode = self.start_mode if app.engine_ok else READ
                self.session = CodingSession(app.study, app.coder, transcript, sentences, mode=mode)
            else:
                self.session.load(transcript, sentences)
        for warning in caught:  # a torn last line in the log, say: shown, not lost on stderr
            if issubclass(warning.category, PiriQualWarning):
                self.notify(str(warning.message), severity="warning", timeout=10)
        self.transcript_id = transcript.id
        if self._goto_after_load is not None:
            start, end = self._goto_after_load
            self._goto_after_load = None
            self.session.goto_span(start, end)
        self._shown_codings = self._shown_entries = self._shown_detail = None
        self.query_one(TranscriptView).show_transcript(transcript)
        self.remove_class("-loading")
        self.engine_state = "suggesting" if app.engine_ok else "off"
        self.refresh_view()
        _freeze_heap()
        if app.engine_ok:
            self._start_suggest(retrain=False)
        if self.open_split:
            theme, self.open_split = self.open_split, None
            self.open_split_queue(theme)

    def _start_suggest(self, retrain: bool) -> None:
        if not self.review_app.engine_ok or self.session is None:
            return
        if self._suggesting:
            self._queued_retrain = bool(self._queued_retrain) or retrain
            return
        self._suggesting = True
        self.engine_state = "retraining" if retrain else "suggesting"
        self.query_one("#status").add_class("-busy")
        self._update_status()
        self._suggest_worker(self.session.transcript_id, retrain)

    @work(thread=True, group="suggest", exit_on_error=False)
    def _suggest_worker(self, transcript_id: str, retrain: bool) -> None:
        app = self.review_app
        try:
            if retrain:
                app.assist.retrain(app.study, app.coder)
            found = app.assist.suggest(app.study, transcript_id, app.coder)
        except Exception as exc:  # noqa: BLE001 - manual coding goes on without suggestions
            app.call_from_thread(self._worker_failed, "suggestions failed", exc)
            return
        app.call_from_thread(self._on_suggestions, transcript_id, found)
        counter = getattr(app.assist, "pending_counts", None)
        if counter is not None:  # for the jump list; an adapter without it shows this transcript's only
            try:
                counts = counter(app.study, app.coder)
            except Exception:  # noqa: BLE001 - the counts are a convenience, never an error to show
                return
            app.call_from_thread(self._on_pending_counts, counts)

    def _on_suggestions(self, transcript_id: str, found: list[Suggestion]) -> None:
        self._suggesting = False
        self.query_one("#status").remove_class("-busy")
        self.engine_state = "ready"
        if self.session is not None and transcript_id == self.session.transcript_id:
            self.session.set_suggestions(found)
        self.refresh_view()
        _freeze_heap()
        self._drain_queue()

    def _on_pending_counts(self, counts: dict[str, int]) -> None:
        self.pending_counts.update(counts)

    def _worker_failed(self, what: str, exc: Exception) -> None:
        self._suggesting = False
        self.query_one("#status").remove_class("-busy")
        if isinstance(exc, EngineUnavailable):
            self.review_app.engine_ok = False
            self.engine_state = "off"
            self.notify("The suggestion engine is not available: code by hand (t assigns a theme).",
                        severity="warning")
            if self.session is not None and self.session.mode == SUGGESTIONS:
                self.session.set_mode(READ)
        else:
            self.engine_state = "error"
            message = str(exc) if isinstance(exc, PiriQualError) else f"{type(exc).__name__}: {exc}"
            self.notify(f"{what}: {message}", severity="error", timeout=8)
            session = self.session
            if session is not None and session.mode == SUGGESTIONS and not session.suggestions_ready:
                session.set_mode(READ)  # nothing to step through: read the transcript instead
        self.refresh_view()
        self._drain_queue()

    def _drain_queue(self) -> None:
        if self._queued_retrain is not None:
            retrain, self._queued_retrain = self._queued_retrain, None
            self._start_suggest(retrain)

    def _schedule_retrain(self) -> None:
        """Retrain after a short pause in decisions, so a burst of keys trains once."""
        if not self.review_app.engine_ok:
            return
        if self._retrain_timer is not None:
            self._retrain_timer.stop()
        self._retrain_timer = self.set_timer(self.review_app.retrain_delay, self._retrain_now)

    def _retrain_now(self) -> None:
        self._retrain_timer = None
        self._start_suggest(True)

    @property
    def busy(self) -> bool:
        """Loading, suggesting, or about to retrain (tests and the benchmark wait on this)."""
        return (
            self.session is None or self._suggesting or self._retrain_timer is not None
            or self._queued_retrain is not None
        )

    # -- drawing -------------------------------------------------------------------------------
    def refresh_view(self, *, scroll: bool = True) -> None:
        session = self.session
        view = self.query_one(TranscriptView)
        if session is None:
            self._update_status()
            return
        colours = self.review_app.theme_colours
        codings_key = (session.transcript_id, len(session.events))
        if self._shown_codings != codings_key:
            view.set_codings([(c.start, c.end, colours.get(c.theme, 0)) for c in session.codings])
            self._shown_codings = codings_key
        view.set_current(session.current, scroll=scroll)
        entries = session.entries()
        listing = self.query_one(SuggestionList)
        # Rebuilding the list (or the theme text) costs a layout pass: only do it on a change.
        shown = (tuple(entries), None if entries else self._empty_hint().plain)
        if shown != self._shown_entries:
            self._shown_entries = shown
            if entries:
                listing.show(entries, session.highlight, session.codebook, colours)
            else:
                listing.show_message(self._empty_hint())
            pending = sum(1 for e in entries if e.kind == "suggested")
            listing.border_title = f"Suggestions ({pending})" if pending else "Suggestions"
        elif entries and listing.highlighted != session.highlight:
            listing.highlight(session.highlight)
        self._show_detail()
        self._update_status()

    def _empty_hint(self) -> Text:
        session = self.session
        assert session is not None
        if session.current is None:
            if session.mode == SUGGESTIONS and not session.suggestions_ready:
                return Text("Waiting for suggestions\u2026", style="dim")
            return Text("No pending suggestions. s: read the whole transcript \u00b7 g: another transcript",
                        style="dim")
        return Text("Nothing suggested here. t: assign a theme \u00b7 j/k: move", style="dim")

    def _show_detail(self) -> None:
        session = self.session
        assert session is not None
        theme = session.highlighted_theme()
        construct = None
        framework = session.study.framework
        if theme is not None and framework is not None and theme.construct:
            found = framework.constructs.get(theme.construct)
            construct = found.label if found else theme.construct
        memo = ""
        if theme is not None:
            found_memo = session.state.memos.get(("theme", (theme.id,)))
            memo = found_memo.text if found_memo else ""
        shown = (theme.id if theme else None, memo)
        if shown != self._shown_detail:
            self._shown_detail = shown
            self.query_one(ThemeDetail).show(theme, construct, memo)

    def _update_status(self) -> None:
        app = self.review_app
        session = self.session
        parts = [app.coder]
        if session is None:
            parts.append(f"{self.transcript_id} (loading\u2026)")
        else:
            t = session.transcript
            parts.append(f"{t.id} {t.group or ''}".strip())
            parts.append("suggestions first" if session.mode == SUGGESTIONS else "reading")
            at, total = session.position()
            if total == 0 and session.mode == SUGGESTIONS:
                parts.append("none pending" if session.suggestions_ready else "waiting")
            else:
                parts.append(f"{at or '-'}/{total}")
            parts.append(f"edge: {session.edge}")
            if session.theme_filter:
                theme = session.codebook.get(session.theme_filter)
                parts.append(f"only: {theme.label if theme else session.theme_filter}")
        parts.append(f"model: {self.engine_state}")
        line = " \u2502 ".join(parts)
        if line != self._shown_status:
            self._shown_status = line
            status = self.query_one("#status", Static)
            status.update(Text(line, no_wrap=True, overflow="ellipsis"), layout=False)
        self.set_class(session is not None and session.mode == READ, "-reading")

    # -- doing things --------------------------------------------------------------------------
    def _run(self, func: Callable[[CodingSession], Any], *, changed: bool = False, scroll: bool = True) -> Any:
        """Call the session; show user errors with notify(); redraw; retrain after decisions."""
        if self.session is None:
            self.notify("still loading the transcript", severity="warning")
            return None
        try:
            result = func(self.session)
        except PiriQualError as exc:
            self.notify(str(exc), severity="error")
            return None
        if changed:
            self._schedule_retrain()
        message = getattr(result, "message", None)
        if message:
            # shown under the suggestions, not as a toast: a toast costs a layout pass per key
            self.query_one(SuggestionList).border_subtitle = f"\u2713 {message}"
        self.refresh_view(scroll=scroll)
        return result

    def action_next_excerpt(self) -> None:
        if self._run(lambda s: s.next_excerpt()) is False:
            self.notify("no more excerpts after this one", timeout=2)

    def action_prev_excerpt(self) -> None:
        if self._run(lambda s: s.prev_excerpt()) is False:
            self.notify("this is the first excerpt", timeout=2)

    def action_next_suggestion(self) -> None:
        self._run(lambda s: s.move_highlight(1))

    def action_prev_suggestion(self) -> None:
        self._run(lambda s: s.move_highlight(-1))

    def action_accept(self) -> None:
        self._run(lambda s: s.accept(), changed=True)

    def action_reject(self) -> None:
        self._run(lambda s: s.reject(), changed=True)

    def action_delete(self) -> None:
        self._run(lambda s: s.delete(), changed=True)

    def action_undo(self) -> None:
        self._run(lambda s: s.undo(), changed=True)

    def action_redo(self) -> None:
        self._run(lambda s: s.redo(), changed=True)

    def _resize(self, unit: str, widen: bool) -> None:
        if self._run(lambda s: s.resize(unit, widen)) is False:
            what = "turn edge" if widen else "smallest excerpt"
            self.notify(f"cannot {'widen' if widen else 'narrow'} by a {unit}: at the {what}", timeout=2)

    def action_widen_sentence(self) -> None:
        self._resize("sentence", True)

    def action_narrow_sentence(self) -> None:
        self._resize("sentence", False)

    def action_widen_word(self) -> None:
        self._resize("word", True)

    def action_narrow_word(self) -> None:
        self._resize("word", False)

    def action_switch_edge(self) -> None:
        self._run(lambda s: s.switch_edge())

    def action_toggle_mode(self) -> None:
        if not self.review_app.engine_ok and self.session is not None and self.session.mode == READ:
            self.notify("no suggestions without the engine: reading the whole transcript", severity="warning")
            return
        self._run(lambda s: s.toggle_mode())

    def action_page_down(self) -> None:
        self.query_one(TranscriptView).scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.query_one(TranscriptView).scroll_page_up(animate=False)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("coding", self.review_app.keymap))

    def action_quit(self) -> None:
        self.app.exit()

    # -- pickers and editors -------------------------------------------------------------------
    def _theme_items(self) -> list[Any]:
        session = self.session
        assert session is not None
        counts = session.theme_counts()
        return [
            PickItem(t.id, t.label, f"{t.id} \u00b7 {counts.get(t.id, 0)} coded", (t.construct or "",))
            for t in session.codebook.codable  # folders (codable: false) group themes, are not coded
        ]

    def action_assign(self) -> None:
        if self.session is None or self.session.current is None:
            self._run(lambda s: s._require_current())
            return

        def chosen(theme_id: str | None) -> None:
            if theme_id and theme_id.startswith(CREATE):
                name = theme_id.removeprefix(CREATE)
                self._run(lambda s: s.create_and_assign(name), changed=True)
                self._codebook_changed()
            elif theme_id:
                self._run(lambda s: s.assign(theme_id), changed=True)

        self.app.push_screen(FuzzyPicker("Assign a theme to the excerpt (or type a new one)", self._theme_items(),
                                         create="create theme"), chosen)

    def action_in_vivo(self) -> None:
        if self._run(lambda s: s.in_vivo(), changed=True) is not None:
            self._codebook_changed()

    def _codebook_changed(self) -> None:
        """A theme was created here: give it a colour (the engine learns it at the next retrain)."""
        colours = self.review_app.theme_colours
        for theme in self.review_app.study.codebook.themes:
            colours.setdefault(theme.id, len(colours))
        self._shown_codings = None
        self.refresh_view()

    def action_split_queue(self) -> None:
        """Open the review queue of a split theme this coder still has codings of."""
        session = self.session
        if session is None:
            return
        split = session.study.history.final.split
        waiting = sorted({c.theme for c in session.state.codings.values() if c.theme in split})
        if not waiting:
            self.notify("no codings of a split theme await review", timeout=3)
            return
        if len(waiting) == 1:
            self.open_split_queue(waiting[0])
            return
        items = [PickItem(t, t, f"split into {', '.join(split[t])}") for t in waiting]
        self.app.push_screen(FuzzyPicker("Review which split theme?", items),
                             lambda t: self.open_split_queue(t) if t else None)

    def open_split_queue(self, theme: str) -> None:
        from piri_qual.tui.screens.split_review import SplitReviewScreen

        def done(_: object) -> None:
            if self.session is not None:
                self.session.reload_log()
            self._shown_codings = None
            self._schedule_retrain()
            self.refresh_view()

        self.app.push_screen(SplitReviewScreen(theme), done)

    def action_filter(self) -> None:
        if self.session is None:
            return

        def chosen(theme_id: str | None) -> None:
            if theme_id is not None:
                self._run(lambda s: s.set_filter(theme_id or None))

        items = [PickItem("", "(all themes)", "clear the filter"), *self._theme_items()]
        self.app.push_screen(FuzzyPicker("Show only one theme", items), chosen)

    def jump_items(self) -> list[PickItem]:
        """The jump list: each transcript with its pending suggestions and where this coder stopped."""
        study = self.review_app.study
        session = self.session
        counts = dict(self.pending_counts)
        if session is not None and session.suggestions_ready:
            counts[session.transcript_id] = session.pending_total()  # this one is known exactly, now
        items = []
        for tid in study.transcript_ids():
            t = study.transcript(tid)
            parts = [t.participant, t.group or "no group", f"{t.words} words"]
            if tid in counts:
                parts.append(f"{counts[tid]} pending")
            stopped = session.stopped_at(tid) if session is not None else None
            if stopped is not None and t.text:
                parts.append(f"stopped {100 * stopped // len(t.text)}% in")
            items.append(PickItem(tid, tid, " \u00b7 ".join(parts), (t.participant, t.group or "")))
        return items

    def action_jump(self) -> None:
        def chosen(tid: str | None) -> None:
            if tid:
                self.load(tid)

        session = self.session
        here = session.transcript_id if session is not None else self.transcript_id
        self.app.push_screen(FuzzyPicker("Jump to a transcript (opens where you stopped)", self.jump_items(),
                                         initial=here), chosen)

    def action_excerpts(self) -> None:
        """The retrieval view of the highlighted theme (or of one chosen, when none is)."""
        session = self.session
        if session is None:
            return
        theme = session.highlighted_theme()
        if theme is None:
            self.app.push_screen(FuzzyPicker("Open which theme's excerpts?", self._theme_items()),
                                 lambda t: self.open_excerpts(t) if t else None)
            return
        self.open_excerpts(theme.id)

    def open_excerpts(self, theme_id: str) -> None:
        from piri_qual.tui.screens.excerpts import ExcerptsScreen

        session = self.session
        assert session is not None
        theme = session.codebook.lookup(theme_id)
        here = (session.transcript_id, session.current.start) if session.current is not None else None

        def chosen(target: tuple[str, int, int] | None) -> None:
            if target is None or self.session is None:
                return
            tid, start, end = target
            if tid == self.session.transcript_id:
                self._run(lambda s: s.goto_span(start, end))
            else:
                self._goto_after_load = (start, end)
                self.load(tid)

        self.app.push_screen(
            ExcerptsScreen(theme.label if theme else theme_id, session.coder,
                           lambda every: session.theme_excerpts(theme_id, all_coders=every), here=here),
            chosen,
        )

    def action_codebook(self) -> None:
        if self.session is None:
            return

        session = self.session

        def chosen(theme_id: str | None) -> None:
            if theme_id:
                self._run(lambda s: s.assign(theme_id), changed=True)

        self.app.push_screen(
            CodebookScreen(session.codebook, session.study.framework, session.theme_counts(), session.coder),
            chosen,
        )

    def action_memo(self) -> None:
        session = self.session
        if session is None:
            return

        scopes = session.memo_scopes()
        try:
            texts = {scope: session.memo_text(scope) for scope, _ in scopes}
        except PiriQualError as exc:
            self.notify(str(exc), severity="error")
            return

        def chosen(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            scope, text = result
            if text.strip() == texts.get(scope, "").strip():
                self.notify("memo unchanged", timeout=2)
                return
            self._run(lambda s: s.write_memo(scope, text))

        self.app.push_screen(MemoScreen(scopes, texts), chosen)

    def action_search(self) -> None:
        if self.session is None:
            return

        def chosen(query: str | None) -> None:
            if query:
                self._find(query, None)

        self.app.push_screen(FindScreen(self.session.last_query), chosen)

    def action_search_next(self) -> None:
        session = self.session
        if session is None or not session.last_query:
            self.notify("nothing searched yet: press / to search", severity="warning")
            return
        start = (self._last_hit + 1) if self._last_hit is not None else None
        self._find(session.last_query, start)

    def _find(self, query: str, start: int | None) -> None:
        session = self.session
        assert session is not None
        hit = session.find(query, from_offset=start)
        view = self.query_one(TranscriptView)
        if hit is None:
            view.set_match(None)
            self.notify(f"{query!r} is not in this transcript", severity="warning")
            return
        self._last_hit = hit
        session.goto_offset(hit)
        view.set_match(Span(hit, hit + len(query)))
        self.refresh_view()

    # -- mouse ---------------------------------------------------------------------------------
    def on_transcript_view_offset_clicked(self, event: TranscriptView.OffsetClicked) -> None:
        self._run(lambda s: s.goto_offset(event.offset), scroll=False)

    def on_suggestion_list_clicked(self, event: SuggestionList.Clicked) -> None:
        """A click highlights a theme (to read its rules); deciding stays on the keys."""
        if self.session is not None:
            self._run(lambda s: setattr(s, "highlight", event.index), scroll=False)
