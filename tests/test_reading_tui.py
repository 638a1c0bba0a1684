"""Pilot tests of reading in the coding screen: the retrieval view of a theme across the study,
the memo's target (and ``m`` right after a decision), the jump list's pending counts and the
place a coder stopped, and the footer at 80 columns."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from pilot_helpers import settle
from study_builders import copy_example_study, read_log
from test_review_snapshots import FixedSuggestions, _suggestions
from textual.widgets import Label, OptionList

from piri_qual.study import Study
from piri_qual.tui import assist_bridge
from piri_qual.tui.app import CodingApp
from piri_qual.tui.screens.excerpts import ExcerptsScreen
from piri_qual.tui.screens.memo import MemoScreen
from piri_qual.tui.session import READ

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::UserWarning")]


class NoSuggestions(FixedSuggestions):
    def __init__(self) -> None:
        super().__init__([])


def _tiny_app(root: Path) -> CodingApp:
    study = Study(root)
    return CodingApp(study, "alice", "P01", assist=FixedSuggestions(_suggestions(study)), retrain_delay=0.01)


def _screen_text(app: CodingApp) -> str:
    import html

    svg = app.export_screenshot()
    return "".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg))


def _gold_adds(root: Path) -> list[dict[str, object]]:
    lines = (root / "codings" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example_study(tmp_path / "example", gold=True)


async def test_footer_keeps_quit_and_the_new_keys_at_80_columns(tiny_study: Path) -> None:
    app = _tiny_app(tiny_study)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = "".join(_screen_text(app).split())[-100:]  # the last line, without its spacing
        for key in ("j Next", "a Accept", "t Theme", "m Memo", "o Excerpts", "? Help", "q Quit"):
            assert "".join(key.split()) in footer, key
        assert footer.endswith("qQuit")
        await pilot.press("q")


async def test_memo_right_after_a_decision_is_on_the_excerpt_just_decided(tiny_study: Path) -> None:
    app = _tiny_app(tiny_study)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        session = app.screen.session
        decided_span = session.current
        await pilot.press("a")  # accept "waiting_times": the screen moves on to the next excerpt
        confirm = read_log(tiny_study, "alice")[-1]
        assert confirm["op"] == "confirm" and session.current != decided_span
        await pilot.press("m")
        await pilot.pause()
        memo = app.screen
        assert isinstance(memo, MemoScreen) and memo.scope == "decided"
        title = str(memo.query_one("#memo-title", Label).render())
        assert title.startswith("Memo on: just accepted Waiting after referral")
        assert "We waited about six weeks" in title
        await pilot.press(*"Six weeks felt endless")
        await pilot.press("ctrl+s")
        await pilot.pause()
        last = read_log(tiny_study, "alice")[-1]
        assert (last["op"], last["scope"], last["target"], last["text"]) == (
            "memo", "excerpt", confirm["id"], "Six weeks felt endless")
        assert last["quote"] == "We waited about six weeks, which felt like forever."
        memos = Study(tiny_study).fold("alice").memos
        assert memos[("excerpt", (confirm["id"],))].text == "Six weeks felt endless"

        # moving on by hand ends "just decided": the memo is then on this excerpt first
        await pilot.press("j")
        await pilot.press("m")
        await pilot.pause()
        assert [s for s, _ in app.screen.scopes][:1] == ["excerpt"]
        # ctrl+t walks the targets, and the title says which one is chosen
        seen = [app.screen.scope]
        for _ in range(len(app.screen.scopes)):
            await pilot.press("ctrl+t")
            seen.append(app.screen.scope)
        assert seen[-1] == seen[0] and set(seen) == {s for s, _ in app.screen.scopes}
        assert {"transcript", "participant", "study"} <= set(seen)
        while app.screen.scope != "study":
            await pilot.press("ctrl+t")
        assert str(app.screen.query_one("#memo-title", Label).render()) == "Memo on: the study"
        await pilot.press(*"Reflexive note")
        await pilot.press("ctrl+s")
        await pilot.pause()
        last = read_log(tiny_study, "alice")[-1]
        assert (last["op"], last["scope"], last["text"]) == ("memo", "study", "Reflexive note")
        await pilot.press("q")


async def test_retrieval_view_lists_every_excerpt_of_the_theme_and_jumps(example: Path) -> None:
    gold = [e for e in _gold_adds(example) if e["theme"] == "bonding"]
    study = Study(example)
    app = CodingApp(study, "gold", "P01", assist=NoSuggestions(), mode=READ, retrain_delay=0.01)
    async with app.run_test(size=(110, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.session.highlight = 0
        await pilot.press("f", *"bonding and emotional", "enter")  # with a theme filter, o opens that theme
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, ExcerptsScreen)
        # every excerpt of the theme, this coder's, grouped under one header per participant
        assert sorted((e.coding.transcript, e.coding.start, e.coding.end) for e in view.excerpts) == sorted(
            (e["transcript"], e["start"], e["end"]) for e in gold)
        listing = view.query_one(OptionList)
        options = [listing.get_option_at_index(i) for i in range(listing.option_count)]
        headers = [str(o.prompt) for o in options if o.disabled]
        per_participant = Counter(study.transcript(str(e["transcript"])).participant for e in gold)
        assert len(headers) == len(per_participant)
        assert f"P02 \u00b7 parent \u00b7 {per_participant['P02']}" in headers
        title = str(view.query_one("#excerpts-title", Label).render())
        assert title == (f"Bonding and emotional closeness: {len(gold)} excerpts from {len(per_participant)} "
                         "participants (gold's)")

        # other coders stay hidden before reconciliation
        await pilot.press("a")
        await pilot.pause()
        assert view.all_coders is False

        # jump to P02's first excerpt: the screen opens P02 with that excerpt current
        target = next(e for e in view.excerpts if e.coding.transcript == "P02")
        index = next(i for i, o in enumerate(options) if o.id == str(view.excerpts.index(target)))
        listing.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        session = app.screen.session
        assert session.transcript_id == "P02"
        assert (session.current.start, session.current.end) == (target.coding.start, target.coding.end)
        assert session.quote() == target.coding.quote
        await pilot.press("q")


async def test_retrieval_view_shows_every_coder_after_reconciliation(tiny_study: Path) -> None:
    study = Study(tiny_study)
    text = study.transcript("P01").text
    close = "I feel so close to her now."
    mine = "She finally felt like mine."
    for coder, quote, source in (("alice", close, "manual"), ("bob", mine, "manual"),
                                 ("consensus", close, "reconcile")):
        at = text.index(quote)
        study.store.append(coder, "add", transcript="P01", start=at, end=at + len(quote), theme="bonding",
                           source=source)
    app = CodingApp(study, "alice", "P01", assist=NoSuggestions(), mode=READ, retrain_delay=0.01)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.session.goto_offset(text.index(close))
        app.screen.refresh_view()
        await pilot.press("o")
        await pilot.pause()
        view = app.screen
        assert [(e.coding.coder, e.coding.quote) for e in view.excerpts] == [("alice", close)]
        await pilot.press("a")  # reconciled (consensus holds reconcile decisions): every coder's
        await pilot.pause()
        assert view.all_coders
        assert sorted((e.coding.coder, e.coding.quote) for e in view.excerpts) == [
            ("alice", close), ("bob", mine), ("consensus", close)]
        await pilot.press("escape")
        await pilot.press("q")


async def test_jump_list_counts_pending_suggestions_and_opens_where_the_coder_stopped(
        tmp_path: Path, tiny_study: Path) -> None:
    root = copy_example_study(tmp_path / "example")
    study = Study(root)
    text = study.transcript("P02").text
    quote = "I walked around the flat with her, up and down, up and down, for hours."
    at = text.index(quote)
    study.store.append("alice", "add", transcript="P02", start=at, end=at + len(quote), theme="bonding")
    # without a transcript, the app opens where alice stopped: P02, at that decision
    app = CodingApp(study, "alice", retrain_delay=0.01, mode=READ)
    assert app.transcript_id == "P02"
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        session = screen.session
        assert session.transcript_id == "P02" and session.current.start == at
        # the real engine counted every transcript's pending suggestions after suggesting
        assert set(screen.pending_counts) == set(study.transcript_ids())
        items = {item.key: item.detail for item in screen.jump_items()}
        assert f"{session.pending_total()} pending" in items["P02"]
        assert f"stopped {100 * at // len(text)}% in" in items["P02"]
        assert "stopped" not in items["P01"]
        await pilot.press("g")
        await pilot.pause()
        picker = app.screen
        listing = picker.query_one(OptionList)
        assert listing.get_option_at_index(listing.highlighted).id == "P02"  # starts at the current one
        await pilot.press("escape")
        await pilot.press("q")
    assert assist_bridge.pending_counts(Study(root), "alice")["P02"] == session.pending_total()

