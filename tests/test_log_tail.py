"""``codings undo``/``redo`` read the log's tail (core/log_tail.py) and must give the fold's answer.

The fold (core/codings.py: ``last_undoable``/``last_redoable`` over every event) is the reference.
The tail reader is compared with it on logs the store wrote (its fast path: file order is the
fold's), on the same logs reordered and with lines repeated as git's union merge leaves them, on
a log with a torn last line, with a hand-made line whose keys are laid out differently, and with
two processes' appends crossed in time, each over a few hundred random undo/redo sequences.
"""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

import pytest

from piri_qual.cli import main
from piri_qual.core import codings, log_tail
from piri_qual.core.codings import Event, parse_log_bytes
from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
from piri_qual.core.study import StudyFolder
from piri_qual.errors import PiriQualWarning

LONG = " ".join(f"word{i:04d}" for i in range(400))


@pytest.fixture
def study(tiny_study: Path) -> StudyFolder:
    text, spans = assemble_text([RawTurn("L01", (LONG,))], ["participant"])
    Transcript(id="L01", participant="L01", group="parent", text=text, turns=spans, source="L01.txt",
               source_sha256="1" * 64, format="txt", imported_at="2024-01-01T00:00:00+00:00").save(
        tiny_study / "corpus" / "L01.json")
    return StudyFolder(tiny_study)


def reference(path: Path) -> tuple[str | None, str | None]:
    """The fold's answers: the ids ``undo`` and ``redo`` would act on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events = list(parse_log_bytes(path.read_bytes(), path)) if path.exists() else []
    undo, redo = codings.last_undoable(events), codings.last_redoable(events)
    return (undo.id if undo else None, redo.id if redo else None)


def tail(path: Path) -> tuple[str | None, str | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        undo, redo = log_tail.last_undoable(path), log_tail.last_redoable(path)
    return (undo.id if undo else None, redo.id if redo else None)


def session(study: StudyFolder, rng: random.Random, steps: int, coder: str = "alice") -> None:
    """A coder at work: codes, deletes, undoes and redoes at random, through the store."""
    for _ in range(steps):
        path = study.log(coder).path
        roll = rng.random()
        if roll < 0.45 or not path.exists():
            start = rng.randrange(0, 3000)
            study.store.append(coder, "add", transcript="L01", start=start, end=start + 7,
                               theme=rng.choice(["waiting_times", "bonding"]))
        elif roll < 0.7:
            target = log_tail.last_undoable(path)
            if target is not None:
                study.store.append(coder, "undo", target=target.id, after=target.time)
        elif roll < 0.9:
            target = log_tail.last_redoable(path)
            if target is not None:
                study.store.append(coder, "undo", target=target.id, after=target.time)
        else:
            events = list(parse_log_bytes(path.read_bytes(), path))
            adds = [e for e in events if e.op == "add"]
            if adds:
                study.store.append(coder, "delete", target=rng.choice(adds).id)


def test_tail_matches_the_fold_on_store_written_logs(study: StudyFolder, monkeypatch: pytest.MonkeyPatch) -> None:
    def not_expected(self: log_tail.LogTail) -> None:
        raise AssertionError("a log the store wrote is read in file order, without sorting")

    monkeypatch.setattr(log_tail.LogTail, "_sorted", not_expected)
    rng = random.Random(18)
    path = study.log("alice").path
    checked = 0
    for _ in range(40):
        session(study, rng, 8)
        assert tail(path) == reference(path)
        checked += 1
    assert reference(path) != (None, None)  # the sequences did leave something to undo or redo
    assert checked == 40


def test_tail_matches_the_fold_on_merged_reordered_and_repeated_lines(study: StudyFolder, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """git's union driver: two branches' lines in blocks, lines repeated, order lost."""
    sorted_walks: list[int] = []
    original = log_tail.LogTail._sorted

    def counted(self: log_tail.LogTail):  # noqa: ANN202 - the walk's iterator
        sorted_walks.append(1)
        return original(self)

    monkeypatch.setattr(log_tail.LogTail, "_sorted", counted)
    rng = random.Random(7)
    session(study, rng, 120)
    lines = study.log("alice").path.read_bytes().splitlines()
    for trial in range(60):
        mixed = list(lines)
        if trial % 3 == 0:
            mixed += rng.sample(lines, 5)  # repeated lines
        rng.shuffle(mixed)
        merged = tmp_path / f"merged{trial}.jsonl"
        merged.write_bytes(b"\n".join(mixed) + b"\n")
        assert tail(merged) == reference(merged)
    assert len(sorted_walks) >= 60  # out of order: every one was sorted by (time, id)


def test_crossed_appends_of_two_processes_are_ordered_by_time(study: StudyFolder, tmp_path: Path) -> None:
    """Times are taken before the lock, so a later time can land on an earlier line."""
    session(study, random.Random(3), 30)
    lines = study.log("alice").path.read_bytes().splitlines()
    crossed = lines[:-2] + [lines[-1], lines[-2]]
    path = tmp_path / "crossed.jsonl"
    path.write_bytes(b"\n".join(crossed) + b"\n")
    assert tail(path) == reference(path)
    undo = log_tail.last_undoable(path)
    last = json.loads(lines[-1])
    assert undo is not None and (last["op"] == "undo" or undo.id == last["id"])


def test_torn_last_line_is_warned_about_and_skipped(study: StudyFolder) -> None:
    session(study, random.Random(5), 20)
    path = study.log("alice").path
    expected = reference(path)
    with path.open("ab") as handle:
        handle.write(b'{"id":"abc","time":"2999-01-01T00:00:00.000000+00:00","op":"ad')
    with pytest.warns(PiriQualWarning, match=r"alice\.jsonl:\d+: skipped an incomplete last line"):
        found = log_tail.last_undoable(path)
    assert (found.id if found else None) == expected[0]
    assert tail(path) == reference(path) == expected


def test_a_line_laid_out_by_another_tool_is_read_in_full(study: StudyFolder) -> None:
    session(study, random.Random(9), 20)
    path = study.log("alice").path
    latest = Event(id="f" * 32, time="2999-01-01T00:00:00.000000+00:00", coder="alice", op="add",
                   transcript="L01", start=0, end=7, quote=study.transcript("L01").text[0:7], theme="bonding")
    fields = json.loads(latest.to_json())
    with path.open("a", encoding="utf-8") as handle:  # keys in another order, spaces after colons
        handle.write(json.dumps(dict(reversed(list(fields.items())))) + "\n")
    assert tail(path) == reference(path)
    assert tail(path)[0] == "f" * 32


def test_no_log_and_an_empty_log(tmp_path: Path) -> None:
    missing = tmp_path / "none.jsonl"
    assert tail(missing) == reference(missing) == (None, None)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert tail(empty) == (None, None)


def test_cli_undo_and_redo_act_on_the_latest_decision(study: StudyFolder, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(study.root)
    for start in (0, 20, 40):
        assert main(["codings", "add", "--study", root, "--coder", "alice", "--transcript", "L01", "--theme",
                     "bonding", "--start", str(start), "--end", str(start + 5)]) == 0
    assert main(["codings", "undo", "--study", root, "--coder", "alice"]) == 0
    assert sorted(c.start for c in StudyFolder(root).fold("alice").codings.values()) == [0, 20]
    assert main(["codings", "redo", "--study", root, "--coder", "alice"]) == 0
    assert sorted(c.start for c in StudyFolder(root).fold("alice").codings.values()) == [0, 20, 40]
    capsys.readouterr()
    assert main(["codings", "redo", "--study", root, "--coder", "alice"]) == 2
    assert "nothing to redo" in capsys.readouterr().err


def test_where_the_coder_stopped_is_read_from_the_tail(study: StudyFolder, tmp_path: Path) -> None:
    """The coding screen opens on the transcript of the latest decision: the same from the tail."""
    from piri_qual.tui.session import where_stopped, where_stopped_in_log

    rng = random.Random(11)
    known = study.transcript_ids()
    for _ in range(5):
        for _ in range(15):
            tid = rng.choice(known)
            text = study.transcript(tid).text
            start = rng.randrange(0, max(1, len(text) - 10))
            study.store.append("alice", "add", transcript=tid, start=start, end=start + 5, theme="bonding")
        path = study.log("alice").path
        events = list(parse_log_bytes(path.read_bytes(), path))
        assert where_stopped_in_log(path, known) == where_stopped(events, known) == events[-1].transcript
        lines = path.read_bytes().splitlines()
        rng.shuffle(lines)
        merged = tmp_path / "merged.jsonl"
        merged.write_bytes(b"\n".join(lines) + b"\n")
        assert where_stopped_in_log(merged, known) == where_stopped(events, known)
    assert where_stopped_in_log(tmp_path / "none.jsonl", known) is None
