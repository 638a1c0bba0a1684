"""Headless pilot test of codebook work in the coding screen: the split review queue, a theme
created from the `t` picker and coded at once, and an in-vivo code, each asserted in the coder's
log and the codebook's history, with the real suggestion engine ranking the split."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import settle
from study_builders import read_log

from piri_qual.study import Study
from piri_qual.tui import assist_bridge
from piri_qual.tui.app import CodingApp
from piri_qual.tui.screens.split_review import SplitReviewScreen
from piri_qual.tui.session import READ

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::UserWarning")]


async def test_split_queue_create_from_picker_and_in_vivo(tiny_study: Path) -> None:
    assert assist_bridge.engine_available()
    study = Study(tiny_study)
    text = study.transcript("P01").text
    waited = "We waited about six weeks, which felt like forever."
    quickly = "Then it all moved quickly."
    study.store.code("alice", "P01", "waiting_times", quote=waited)
    study.store.code("alice", "P01", "waiting_times", quote=quickly)
    study.codebook_store.split("alice", "waiting_times", ["long_wait", "quick_start"], why="two experiences")
    done_before = len(read_log(tiny_study, "alice"))

    app = CodingApp(Study(tiny_study), "alice", "P01", mode=READ, retrain_delay=0.01, split="waiting_times")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        review = app.screen
        assert isinstance(review, SplitReviewScreen) and review.ranked
        queue = review.queue
        assert queue is not None and len(queue.items) == 2
        first = queue.current
        assert first is not None and first.coding.quote == waited
        assert {t for t, _ in first.ranking} == {"long_wait", "quick_start"}
        top = first.ranking[0][0]
        await pilot.press("1")  # the engine's first choice
        log = read_log(tiny_study, "alice")
        assert (log[-1]["op"], log[-1]["target"], log[-1]["theme"], log[-1]["source"]) == (
            "adjust", first.coding.id, top, "split")
        second = queue.current
        assert second is not None and second.coding.quote == quickly
        await pilot.press("b")  # keep both
        log = read_log(tiny_study, "alice")
        assert [(e["op"], e["source"]) for e in log[-2:]] == [("adjust", "split"), ("add", "split")]
        assert {log[-2]["theme"], log[-1]["theme"]} == {"long_wait", "quick_start"}
        assert log[-1]["quote"] == quickly
        assert queue.current is None and len(log) == done_before + 3
        await pilot.press("escape")
        await settle(pilot)

        screen = app.screen
        session = screen.session
        assert session is not None
        themes_now = sorted(c.theme for c in session.state.codings.values())
        assert themes_now == sorted([top, "long_wait", "quick_start"])

        # a theme typed in the `t` picker that matches none is created, then coded
        session.goto_offset(text.index("I feel so close"))
        screen.refresh_view()
        await pilot.press("t", *"pride", "enter")
        await pilot.pause()
        log = read_log(tiny_study, "alice")
        assert (log[-1]["op"], log[-1]["theme"], log[-1]["quote"]) == ("add", "pride", "I feel so close to her now.")
        book = Study(tiny_study).codebook
        assert book.get("pride") is not None and book.get("pride").label == "pride"
        assert Study(tiny_study).history.changes[-1].op == "add"
        assert "created while coding P01" in (Study(tiny_study).history.changes[-1].why or "")

        # in vivo: narrow "She finally felt like mine." to its last three words, press i
        session.goto_offset(text.index("She finally felt like mine."))
        screen.refresh_view()
        await pilot.press("e", "comma", "comma")  # the start edge: drop two words
        assert session.quote().startswith("felt like mine")
        await pilot.press("i")
        await pilot.pause()
        log = read_log(tiny_study, "alice")
        assert (log[-1]["op"], log[-1]["theme"]) == ("add", "felt_like_mine")
        change = Study(tiny_study).history.changes[-1]
        assert change.op == "add" and change.records["felt_like_mine"]["label"] == "felt like mine"
        assert change.why == "in vivo: \u201cfelt like mine\u201d (P01)"
        # the new theme is offered in the picker from now on, and the screen still works
        assert "felt_like_mine" in {item.key for item in screen._theme_items()}
        await settle(pilot)
