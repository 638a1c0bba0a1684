"""Headless pilot tests of the coding UI: whole sessions driven by keys, asserting the coder logs.

The example study is copied into a temporary folder, and the real suggestion engine runs in the
app's worker threads (its cache is warmed once per test session).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from pilot_helpers import settle
from study_builders import copy_example_study, read_log

from piri_qual.study import Study
from piri_qual.tui import assist_bridge
from piri_qual.tui.app import CodingApp
from piri_qual.tui.session import READ, SUGGESTIONS
from piri_qual.tui.widgets.transcript_view import TranscriptView

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::UserWarning")]


@pytest.fixture(scope="session")
def warm_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example study with the engine's features and statistics already cached."""
    root = copy_example_study(tmp_path_factory.mktemp("warm") / "study")
    if assist_bridge.engine_available():
        assist_bridge.suggest(Study(root), "P01", "alice")
    return root


@pytest.fixture
def example(tmp_path: Path, warm_example: Path) -> Path:
    dest = tmp_path / "study"
    shutil.copytree(warm_example, dest)
    return dest


def _screen(app: CodingApp):  # noqa: ANN202 - the current CodingScreen
    return app.screen


async def test_whole_coding_session_writes_every_decision(example: Path) -> None:
    assert assist_bridge.engine_available()
    study = Study(example)
    app = CodingApp(study, "alice", "P01", retrain_delay=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = _screen(app)
        session = screen.session
        assert session.mode == SUGGESTIONS and session.suggestions_ready
        assert session.suggestions, "the engine suggested nothing for P01"
        first = session.highlighted()
        assert first is not None and first.kind == "suggested"
        span = session.current

        # accept: a confirm event is on disk before the next key
        await pilot.press("a")
        log = read_log(example, "alice")
        assert [(e["op"], e["theme"], e["start"], e["end"]) for e in log] == [
            ("confirm", first.theme, span.start, span.end)
        ]
        assert log[0]["source"] == first.source and log[0]["reason"] == first.reason
        await settle(pilot)  # the model retrains in the background, then suggestions return

        # reject the top suggestion of the next excerpt
        entry = session.highlighted()
        assert entry is not None and entry.kind == "suggested"
        await pilot.press("x")
        last = read_log(example, "alice")[-1]
        assert (last["op"], last["theme"], last["start"], last["end"]) == (
            "reject", entry.theme, entry.suggestion.start, entry.suggestion.end,
        )

        # read the whole transcript, go to a sentence, widen it by a sentence and assign by search
        await pilot.press("s")
        assert session.mode == READ
        text = session.transcript.text
        target = text.index("I hadn't told anyone.")
        session.goto_offset(target)
        screen.refresh_view()
        await pilot.press("greater_than_sign")
        assert session.quote() == "I hadn't told anyone. Not Dan, not my mum."
        await pilot.press("t")
        await pilot.press(*"fear judg")
        await pilot.press("enter")
        await pilot.pause()
        last = read_log(example, "alice")[-1]
        assert (last["op"], last["theme"], last["quote"], last["source"]) == (
            "add", "fear_of_judgement", "I hadn't told anyone. Not Dan, not my mum.", "manual",
        )
        added_id = last["id"]

        # narrow by a word, assign another theme, then undo it
        await pilot.press("comma")
        assert session.quote() == "I hadn't told anyone. Not Dan, not my"
        await pilot.press("t", *"wellbeing", "enter")
        await pilot.pause()
        wrong = read_log(example, "alice")[-1]
        assert wrong["op"] == "add" and wrong["quote"] == "I hadn't told anyone. Not Dan, not my"
        await pilot.press("u")
        last = read_log(example, "alice")[-1]
        assert (last["op"], last["target"]) == ("undo", wrong["id"])
        themes_here = {c.theme for c in Study(example).fold("alice").codings.values()}
        assert "fear_of_judgement" in themes_here and wrong["theme"] not in themes_here - {first.theme}

        # a memo on the participant x theme cell (the framework matrix summary)
        session.goto_offset(target)
        session.highlight = next(i for i, e in enumerate(session.entries()) if e.theme == "fear_of_judgement")
        screen.refresh_view()
        await pilot.press("m")
        await pilot.pause()
        memo_screen = app.screen
        from textual.widgets import RadioButton

        cell = next(b for b in memo_screen.query(RadioButton) if b.name == "cell")
        await pilot.click(cell)
        await pilot.press(*"Scared to say it aloud.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        last = read_log(example, "alice")[-1]
        assert (last["op"], last["scope"], last["participant"], last["theme"], last["text"]) == (
            "memo", "cell", "P01", "fear_of_judgement", "Scared to say it aloud.",
        )
        memos = Study(example).fold("alice").memos
        assert memos[("cell", ("P01", "fear_of_judgement"))].text == "Scared to say it aloud."

        await settle(pilot)
        assert screen.engine_state == "ready"
        await pilot.press("q")
    assert app.return_code == 0
    ops = [e["op"] for e in read_log(example, "alice")]
    assert ops == ["confirm", "reject", "add", "add", "undo", "memo"]
    assert added_id in Study(example).fold("alice").codings
    # the model was retrained from the decisions in the background
    assert (example / ".piri-cache" / "assist" / "models" / "alice.npz").exists()


async def test_blind_coding_shows_only_my_codings(example: Path) -> None:
    study = Study(example)
    text = study.transcript("P02").text
    start = text.index("\n", 10) + 3
    study.store.append("bob", "add", transcript="P02", start=start, end=start + 20,
                            quote=text[start : start + 20], theme="bonding")
    app = CodingApp(study, "alice", "P02", mode=READ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = app.screen.query_one(TranscriptView)
        assert view._codings == []
        assert all(e.kind != "coded" for e in app.screen.session.entries())
        await pilot.press("q")


async def test_reconcile_two_coders_into_consensus(tiny_study: Path) -> None:
    study = Study(tiny_study)
    t = study.transcript("P01")

    def add(coder: str, quote: str, theme: str) -> None:
        start = t.text.index(quote)
        study.store.append(coder, "add", transcript="P01", start=start, end=start + len(quote), quote=quote, theme=theme)

    wait = "We waited about six weeks, which felt like forever."
    add("alice", wait, "waiting_times")
    add("bob", wait, "waiting_times")
    add("alice", "I feel so close to her now.", "bonding")
    add("bob", "She finally felt like mine.", "bonding")
    app = CodingApp(study, reconcile=("alice", "bob"), consensus="consensus")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        rs = screen.session
        assert [u.text for u in rs.units] == ["I feel so close to her now.", "She finally felt like mine."]
        await pilot.press("a")  # take alice's bonding on the first unit
        log = read_log(tiny_study, "consensus")
        assert [(e["op"], e["theme"], e["quote"], e["reason"]) for e in log] == [
            ("confirm", "bonding", "I feel so close to her now.", "from alice")
        ]
        assert rs.position == 1  # moved on to the next open unit
        await pilot.press("x")  # neither: bob's bonding on the second sentence is dropped
        last = read_log(tiny_study, "consensus")[-1]
        assert (last["op"], last["theme"], last["quote"]) == ("reject", "bonding", "She finally felt like mine.")
        assert rs.open_count() == 0
        await pilot.press("u")  # undo the last decision, then decide again by editing
        assert rs.open_count() == 1
        await pilot.press("t", *"bond", "enter")
        await pilot.pause()
        last = read_log(tiny_study, "consensus")[-1]
        assert (last["op"], last["theme"], last["reason"]) == ("add", "bonding", "edited in reconciliation")
        await pilot.press("equals_sign")  # copy the agreed coding
        last = read_log(tiny_study, "consensus")[-1]
        assert (last["op"], last["theme"], last["quote"]) == ("confirm", "waiting_times", wait)
        await pilot.press("q")
    consensus = Study(tiny_study).fold("consensus")
    assert sorted((c.theme, c.quote) for c in consensus.codings.values()) == [
        ("bonding", "I feel so close to her now."),
        ("bonding", "She finally felt like mine."),
        ("waiting_times", wait),
    ]
    # the coders' own logs are untouched
    assert len(read_log(tiny_study, "alice")) == 2 and len(read_log(tiny_study, "bob")) == 2


async def test_remapped_keys_mouse_and_layouts(tiny_study: Path) -> None:
    settings = tiny_study / "piri-qual.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "keys:\n  next_excerpt: l\n  assign: ctrl+t\n",
                        encoding="utf-8")
    study = Study(tiny_study)
    app = CodingApp(study, "alice", "P01", mode=READ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-narrow")
        session = screen.session
        assert session.quote() == "How long did you wait?"
        await pilot.press("l")
        assert session.quote() == "We waited about six weeks, which felt like forever."
        await pilot.press("j")  # the old key no longer moves
        assert session.quote() == "We waited about six weeks, which felt like forever."
        await pilot.press("ctrl+t", *"bond", "enter")
        await pilot.pause()
        assert read_log(tiny_study, "alice")[-1]["theme"] == "bonding"
        # a click on a word makes its sentence the excerpt
        view = screen.query_one(TranscriptView)
        line = next(y for y in range(view.line_count) if view._kinds[y] == 1
                    and "finally" in session.transcript.text[view._starts[y] : view._ends[y]])
        col = session.transcript.text[view._starts[line] : view._ends[line]].index("finally") + 4
        await pilot.click(TranscriptView, offset=(col, line - int(view.scroll_y)))
        assert session.quote() == "She finally felt like mine."
        # the help screen lists the remapped keys
        await pilot.press("question_mark")
        from rich.console import Console

        from piri_qual.tui.screens.help import HelpScreen, help_table

        assert isinstance(app.screen, HelpScreen)
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(help_table(app.screen.for_screen, app.screen.keymap))
        rows = console.export_text().splitlines()
        assert any(r.split()[:1] == ["ctrl+t"] and "Assign a theme" in r for r in rows)
        assert any(r.split()[:1] == ["l"] and "Next excerpt" in r for r in rows)
        await pilot.press("escape")
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert screen.has_class("-wide")
        side = screen.query_one("#side")
        assert side.region.x > 60 and side.region.height > 20
        await pilot.press("q")


async def test_no_color_keeps_the_excerpt_visible(tiny_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = CodingApp(Study(tiny_study), "alice", "P01", mode=READ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.no_color
        view = app.screen.query_one(TranscriptView)
        session = app.screen.session
        y = view.line_of(session.current.start) - int(view.scroll_y)
        strip = view.render_line(y)
        marked = [seg for seg in strip if seg.text.strip() and seg.style and seg.style.reverse]
        assert "".join(s.text for s in marked).strip() == session.quote()
        await pilot.press("q")


async def test_without_engine_codes_by_hand(tiny_study: Path) -> None:
    def unavailable(*args: object) -> None:
        raise assist_bridge.EngineUnavailable("no engine in this build")

    assist = SimpleNamespace(
        engine_available=lambda: False, suggest=unavailable, retrain=unavailable,
    )
    app = CodingApp(Study(tiny_study), "alice", "P01", assist=assist)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.session.mode == READ and screen.engine_state == "off"
        await pilot.press("j", "t", *"wait", "enter")
        await pilot.pause()
        assert read_log(tiny_study, "alice")[-1]["theme"] == "waiting_times"
        await pilot.press("a")  # nothing suggested: a notification, not a crash
        assert len(read_log(tiny_study, "alice")) == 1
        await pilot.press("q")
    assert app.return_code == 0


def test_code_command_errors_are_one_line(tiny_study: Path) -> None:
    from click.testing import CliRunner

    from piri_qual.cli import cli, main

    assert "--reconcile" in CliRunner().invoke(cli, ["code", "--help"]).output
    assert main(["code", "--study", str(tiny_study), "--coder", "alice", "P99"]) == 2
    assert main(["code", "--study", str(tiny_study), "--reconcile", "alice"]) == 2
    assert main(["code", "--study", str(tiny_study), "--reconcile", "alice,bob"]) == 2  # no such coders


async def test_codebook_screen_counts_and_assigns(tiny_study: Path) -> None:
    from textual.widgets import Tree

    from piri_qual.tui.screens.codebook import CodebookScreen

    app = CodingApp(Study(tiny_study), "alice", "P01", mode=READ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "c")
        await pilot.pause()
        assert isinstance(app.screen, CodebookScreen)
        tree = app.screen.query_one(Tree)

        def node_for(theme: str):  # noqa: ANN202
            stack = [tree.root]
            while stack:
                node = stack.pop()
                if node.data == ("theme", theme):
                    return node
                stack.extend(node.children)
            raise AssertionError(theme)

        assert str(node_for("waiting_times").label).endswith("(0)")
        await pilot.press("a")  # a construct or domain is highlighted: refused with a notice
        assert isinstance(app.screen, CodebookScreen)
        tree.move_cursor(node_for("waiting_times"))
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        last = read_log(tiny_study, "alice")[-1]
        assert (last["op"], last["theme"], last["quote"]) == (
            "add", "waiting_times", "We waited about six weeks, which felt like forever.",
        )
        await pilot.press("c")
        await pilot.pause()
        tree = app.screen.query_one(Tree)
        assert str(node_for("waiting_times").label).endswith("(1)")
        await pilot.press("escape", "q")


async def test_search_jump_and_filter(example: Path) -> None:
    app = CodingApp(Study(example), "alice", "P01", mode=READ, retrain_delay=0.01)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        session = screen.session
        await pilot.press("slash", *"larch road", "enter")
        await pilot.pause()
        assert "Larch Road" in session.quote()
        first_hit = screen._last_hit
        text = session.transcript.text
        hits = [i for i in range(len(text)) if text[i : i + 6] == "Claire"]
        await pilot.press("slash", *"claire", "enter")
        await pilot.pause()
        seen = [screen._last_hit]
        for _ in range(len(hits)):
            await pilot.press("n")
            seen.append(screen._last_hit)
        # every occurrence in turn after the first excerpt, then round to the start again
        assert sorted(set(seen)) == hits and len(seen) == len(hits) + 1
        assert "Claire" in session.quote()
        assert first_hit is not None

        await pilot.press("f", *"waiting for", "enter")
        await pilot.pause()
        assert session.theme_filter == "waiting_times"
        assert session.units and all(
            any(s.theme == "waiting_times" and u.overlaps(s.start, s.end) for s in session.suggestions)
            for u in session.units
        )
        await pilot.press("f", "enter")  # the first item clears the filter
        await pilot.pause()
        assert session.theme_filter is None

        await pilot.press("g", *"P02", "enter")
        await settle(pilot)
        assert screen.session.transcript_id == "P02"
        assert screen.session.current is not None
        assert screen.session.quote() in screen.session.transcript.text
        await pilot.press("q")


async def test_retraining_runs_in_the_background(example: Path) -> None:
    """Keys keep working while the model retrains; the new suggestions arrive when it is done."""
    import threading

    assert assist_bridge.engine_available()
    release = threading.Event()
    started = threading.Event()

    def slow_retrain(study: Study, coder: str) -> object:
        started.set()
        release.wait(30)  # hold the worker thread until the test has pressed its keys
        return assist_bridge.retrain(study, coder)

    assist = SimpleNamespace(
        engine_available=assist_bridge.engine_available, suggest=assist_bridge.suggest,
        retrain=slow_retrain,
    )
    app = CodingApp(Study(example), "alice", "P01", assist=assist, retrain_delay=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        session = screen.session
        await pilot.press("a")
        await pilot.pause(0.1)
        assert started.wait(5) and screen.engine_state == "retraining"
        before = session.anchor
        await pilot.press("j")
        await pilot.press("s", "j", "j")
        assert session.anchor != before and len(read_log(example, "alice")) == 1
        release.set()
        await settle(pilot)
        assert screen.engine_state == "ready"
        assert (example / ".piri-cache" / "assist" / "models" / "alice.npz").exists()
        await pilot.press("q")


async def test_a_torn_log_line_is_reported_in_the_app(tiny_study: Path) -> None:
    study = Study(tiny_study)
    t = study.transcript("P01")
    quote = "I feel so close to her now."
    start = t.text.index(quote)
    study.store.append("alice", "add", transcript="P01", start=start, end=start + len(quote), quote=quote,
                              theme="bonding")
    with (tiny_study / "codings" / "alice.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"id": "x", "op": "add", "transc')  # a write cut off by a crash
    app = CodingApp(study, "alice", "P01", mode=READ)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("alice.jsonl:2" in m and "incomplete last line" in m for m in messages)
        assert [c.theme for c in app.screen.session.codings] == ["bonding"]
        await pilot.press("q")
