"""SVG snapshots of the coding UI's main screens (pytest-textual-snapshot).

The snapshots pin the layout, not the engine's scores: the suggestions come from a fixed list
built here (the engine's numbers change as it is tuned; the pilot tests in test_review_app.py run
the real engine). Sentences still come from the real engine. Regenerate after a deliberate change
with ``pytest tests/test_review_snapshots.py --snapshot-update`` and look at the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pilot_helpers import settle

from piri_qual.assist.types import Suggestion
from piri_qual.study import Study
from piri_qual.tui.app import CodingApp

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


class FixedSuggestions:
    """The engine's interface with a fixed suggestion list (real sentences, no training)."""

    def __init__(self, suggestions: list[Suggestion]) -> None:
        self.suggestions = suggestions

    def engine_available(self) -> bool:
        return True

    def suggest(self, study: Study, transcript_id: str, coder: str) -> list[Suggestion]:
        return [s for s in self.suggestions if s.transcript == transcript_id]

    def retrain(self, study: Study, coder: str) -> None:
        return None


def _suggestions(study: Study) -> list[Suggestion]:
    text = study.transcript("P01").text

    def s(quote: str, theme: str, score: float, source: str, reason: str) -> Suggestion:
        start = text.index(quote)
        return Suggestion("P01", start, start + len(quote), quote, theme, score, source, reason)

    return [
        s("We waited about six weeks, which felt like forever.", "waiting_times", 0.91, "rule",
          "matched 'wait (waited)'; similar to the theme 0.62"),
        s("I feel so close to her now.", "bonding", 0.84, "rule", "matched 'close'; similar to the theme 0.55"),
        s("I feel so close to her now.", "waiting_times", 0.22, "similarity", "similar to the theme 0.31"),
    ]


def _app(root: Path, **kwargs: Any) -> CodingApp:
    study = Study(root)
    return CodingApp(study, "alice", "P01", assist=FixedSuggestions(_suggestions(study)), retrain_delay=0.01,
                     **kwargs)


def _then(*keys: str):  # noqa: ANN202 - a run_before callback: settle, press keys, settle
    async def run(pilot: Any) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await settle(pilot)
        for widget in pilot.app.screen.query("Input, TextArea"):
            widget.cursor_blink = False
        await pilot.pause()

    return run


def test_coding_screen_80x24(snap_compare: Any, tiny_study: Path) -> None:
    assert snap_compare(_app(tiny_study), terminal_size=(80, 24), run_before=_then())


def test_coding_screen_wide_after_accept_and_widen(snap_compare: Any, tiny_study: Path) -> None:
    assert snap_compare(_app(tiny_study), terminal_size=(130, 32),
                        run_before=_then("a", "greater_than_sign", "s"))


def test_coding_screen_no_color(snap_compare: Any, tiny_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(_app(tiny_study), terminal_size=(80, 24), run_before=_then("a"))


def test_theme_picker(snap_compare: Any, tiny_study: Path) -> None:
    assert snap_compare(_app(tiny_study), terminal_size=(80, 24), run_before=_then("t", "b", "o"))


def test_codebook_screen(snap_compare: Any, tiny_study: Path) -> None:
    assert snap_compare(_app(tiny_study), terminal_size=(80, 24), run_before=_then("a", "c", "down", "down", "down", "down"))


def test_help_screen(snap_compare: Any, tiny_study: Path) -> None:
    assert snap_compare(_app(tiny_study), terminal_size=(80, 24), run_before=_then("question_mark"))


def test_memo_screen(snap_compare: Any, tiny_study: Path) -> None:
    assert snap_compare(_app(tiny_study), terminal_size=(80, 24), run_before=_then("m"))


def test_reconcile_screen(snap_compare: Any, tiny_study: Path) -> None:
    study = Study(tiny_study)
    text = study.transcript("P01").text
    for coder, quote, theme in [
        ("alice", "We waited about six weeks, which felt like forever.", "waiting_times"),
        ("bob", "We waited about six weeks, which felt like forever.", "waiting_times"),
        ("alice", "I feel so close to her now.", "bonding"),
        ("bob", "I feel so close to her now.", "waiting_times"),
    ]:
        start = text.index(quote)
        study.store.append(coder, "add", transcript="P01", start=start, end=start + len(quote), quote=quote,
                                theme=theme)
    app = CodingApp(study, reconcile=("alice", "bob"), assist=FixedSuggestions([]))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_then())
