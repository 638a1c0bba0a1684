"""The coding session logic behind the TUI: navigation, resizing, decisions, fuzzy search, keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from piri_qual.assist.types import Suggestion
from piri_qual.errors import PiriQualError
from piri_qual.study import Study
from piri_qual.tui.fuzzy import fuzzy_score, rank
from piri_qual.tui.keys import keymap_from_settings, normalise_key
from piri_qual.tui.session import READ, SUGGESTIONS, CodingSession
from piri_qual.tui.textindex import Span, TextIndex


def _log(root: Path, coder: str) -> list[dict]:
    path = root / "codings" / f"{coder}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _suggestion(study: Study, text: str, theme: str, score: float, reason: str = "") -> Suggestion:
    t = study.transcript("P01")
    start = t.text.index(text)
    return Suggestion("P01", start, start + len(text), text, theme, score, "rule", reason or f"matched {text.split()[0]!r}")


@pytest.fixture
def session(tiny_study: Path) -> CodingSession:
    study = Study(tiny_study)
    return CodingSession(study, "alice", study.transcript("P01"), study.sentences("P01"), mode=READ)


def test_sentences_stay_inside_turns(tiny_study: Path) -> None:
    study = Study(tiny_study)
    t = study.transcript("P01")
    index = TextIndex(t, study.sentences("P01"))
    texts = [t.text[s.start : s.end] for s in index.sentences]
    assert "We waited about six weeks, which felt like forever." in texts
    assert "She finally felt like mine." in texts
    assert not any(":" in x for x in texts)  # no speaker labels


def test_widen_and_narrow_by_sentence_and_word(session: CodingSession) -> None:
    text = session.transcript.text
    assert session.goto_offset(text.index("We waited"))
    assert session.quote() == "We waited about six weeks, which felt like forever."
    assert session.resize("sentence", widen=True)
    assert session.quote().endswith("Then it all moved quickly.")
    # the next sentence is the interviewer's: widening stops at the turn
    assert not session.resize("sentence", widen=True)
    assert session.resize("word", widen=False)
    assert session.quote().endswith("it all moved")
    assert session.resize("sentence", widen=False)
    assert session.quote() == "We waited about six weeks, which felt like forever."
    assert session.resize("word", widen=False)
    assert session.quote() == "We waited about six weeks, which felt like"
    session.switch_edge()
    assert session.resize("word", widen=False)
    assert session.quote() == "waited about six weeks, which felt like"
    assert session.resize("word", widen=True)
    assert session.quote() == "We waited about six weeks, which felt like"
    assert not session.resize("word", widen=True)  # start of the turn


def test_read_mode_steps_through_every_sentence(session: CodingSession) -> None:
    seen = [session.quote()]
    while session.next_excerpt():
        seen.append(session.quote())
    assert seen[0] == "How long did you wait?"
    assert seen[-1] == "She finally felt like mine."
    assert len(seen) == len(session.index.sentences)
    assert session.prev_excerpt()
    assert session.quote() == seen[-2]


def test_decisions_are_logged_at_once_and_undo_redo(tiny_study: Path, session: CodingSession) -> None:
    study = session.study
    wait = _suggestion(study, "We waited about six weeks, which felt like forever.", "waiting_times", 0.9)
    close_b = _suggestion(study, "I feel so close to her now.", "bonding", 0.8)
    close_w = _suggestion(study, "I feel so close to her now.", "waiting_times", 0.3)
    session.set_mode(SUGGESTIONS)
    session.set_suggestions([wait, close_b, close_w])
    assert session.units == [Span(wait.start, wait.end), Span(close_b.start, close_b.end)]
    assert session.quote() == wait.quote
    assert [e.theme for e in session.entries()] == ["waiting_times"]

    session.accept()
    log = _log(tiny_study, "alice")
    assert [(e["op"], e["theme"], e["quote"], e["source"], e["score"]) for e in log] == [
        ("confirm", "waiting_times", wait.quote, "rule", 0.9)
    ]
    # no suggestion left on this excerpt: the session moves to the next one, best theme first
    assert session.quote() == close_b.quote
    assert [e.theme for e in session.entries()] == ["bonding", "waiting_times"]
    session.move_highlight(1)
    session.reject()
    assert _log(tiny_study, "alice")[-1]["op"] == "reject"
    assert _log(tiny_study, "alice")[-1]["theme"] == "waiting_times"
    assert [e.theme for e in session.entries()] == ["bonding"]

    outcome = session.undo()
    assert outcome.event.op == "undo"
    assert sorted(e.theme for e in session.entries()) == ["bonding", "waiting_times"]
    session.redo()
    assert [e.theme for e in session.entries()] == ["bonding"]
    folded = Study(tiny_study).fold("alice")
    assert [c.theme for c in folded.codings.values()] == ["waiting_times"]
    assert [r.theme for r in folded.rejections] == ["waiting_times"]


def test_assign_delete_and_memos(tiny_study: Path, session: CodingSession) -> None:
    session.goto_offset(session.transcript.text.index("I feel so close"))
    session.assign("Bonding")  # by label
    with pytest.raises(PiriQualError, match="already coded"):
        session.assign("bonding")
    assert [(e.kind, e.theme) for e in session.entries()] == [("coded", "bonding")]
    session.write_memo("excerpt", "Strong bonding language.")
    session.write_memo("cell", "P01 talks about closeness late on.")
    session.write_memo("theme", "Bonding vs. attachment: keep apart.")
    assert session.memo_text("cell") == "P01 talks about closeness late on."
    session.delete()
    assert session.entries() == []
    with pytest.raises(PiriQualError, match="no coding to delete"):
        session.delete()
    ops = [(e["op"], e.get("scope")) for e in _log(tiny_study, "alice")]
    assert ops == [("add", None), ("memo", "excerpt"), ("memo", "cell"), ("memo", "theme"), ("delete", None)]
    memos = Study(tiny_study).fold("alice").memos
    assert memos[("cell", ("P01", "bonding"))].text == "P01 talks about closeness late on."
    assert memos[("theme", ("bonding",))].text.startswith("Bonding vs.")


def test_filter_search_and_blindness(tiny_study: Path) -> None:
    study = Study(tiny_study)
    t = study.transcript("P01")
    # bob's coding must not show in alice's session
    study.store.append("bob", "add", transcript="P01", start=t.text.index("I feel"), end=t.text.index("I feel") + 6,
                            quote="I feel", theme="bonding")
    s = CodingSession(study, "alice", t, study.sentences("P01"), mode=READ)
    s.goto_offset(t.text.index("I feel"))
    assert s.entries() == []
    assert s.theme_counts() == {}
    hit = s.find("MOVED")
    assert hit == t.text.index("moved")
    s.goto_offset(hit)
    assert s.quote() == "Then it all moved quickly."
    s.set_filter("bonding")
    assert s.units == []  # alice has no bonding codings and there are no suggestions
    s.set_filter(None)
    assert len(s.units) == len(s.index.sentences)
    with pytest.raises(PiriQualError, match="unknown theme"):
        s.set_filter("nonesuch")


def test_fuzzy_ranks_word_starts_and_substrings() -> None:
    items = [("waiting_times", ["waiting_times", "Waiting after referral"]),
             ("bonding", ["bonding", "Bonding"]),
             ("wellbeing", ["wellbeing", "Parent mental health and wellbeing"])]
    assert [m.key for m in rank("wait", items)][0] == "waiting_times"
    assert [m.key for m in rank("bond", items)] == ["bonding"]
    assert [m.key for m in rank("pmh", items)] == ["wellbeing"]
    assert fuzzy_score("xyz", "bonding") is None
    assert [m.key for m in rank("", items)] == ["waiting_times", "bonding", "wellbeing"]


def test_keymap_from_settings() -> None:
    assert keymap_from_settings({"accept": "y", "widen_sentence": "]"}) == {
        "accept": "y", "widen_sentence": "right_square_bracket",
    }
    assert normalise_key("Ctrl+R") == "ctrl+R"  # a shifted letter stays upper case
    with pytest.raises(PiriQualError) as err:
        keymap_from_settings({"acept": "y", "reject": "a"})
    message = str(err.value)
    assert "did you mean 'accept'" in message
    assert "'a' is given to both 'accept' and 'reject'" in message


def test_docs_list_every_key_action(repo_root: Path) -> None:
    """docs/tui.md must document every remappable action, so the README never falls behind."""
    from piri_qual.tui.keys import ACTIONS

    doc = (repo_root / "docs" / "tui.md").read_text(encoding="utf-8")
    missing = [a.id for a in ACTIONS if f"`{a.id}`" not in doc]
    assert not missing, f"docs/tui.md does not mention: {missing}"


def test_suggestions_first_puts_the_best_scoring_excerpt_first_and_keeps_that_order(session: CodingSession) -> None:
    study = session.study
    early_weak = _suggestion(study, "We waited about six weeks, which felt like forever.", "waiting_times", 0.55)
    late_strong = _suggestion(study, "She finally felt like mine.", "bonding", 0.92)
    middle = _suggestion(study, "I feel so close to her now.", "bonding", 0.7)
    session.set_mode(SUGGESTIONS)
    session.set_suggestions([early_weak, late_strong, middle])
    # the most likely right decision first, whatever its place in the text
    assert session.quote() == late_strong.quote
    assert session.position() == (1, 3)
    assert session.next_excerpt() and session.quote() == middle.quote
    assert session.next_excerpt() and session.quote() == early_weak.quote
    assert not session.next_excerpt()
    assert session.prev_excerpt() and session.quote() == middle.quote
    # deciding the current excerpt moves to the next best, not the next in the text
    session.accept()
    assert session.quote() == early_weak.quote
    assert session.position() == (2, 2)
    # reading mode keeps text order
    session.set_mode(READ)
    assert session.order() == session.units
