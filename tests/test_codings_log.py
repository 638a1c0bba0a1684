"""The coder log: append, fold, undo/redo, merge tolerance, torn lines, and crash safety."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from piri_qual.codings import CoderLog, fold, last_redoable, last_undoable, parse_log_bytes
from piri_qual.errors import PiriQualError, PiriQualWarning


def _add(log: CoderLog, start: int, theme: str = "bonding"):
    return log.append("add", transcript="P01", start=start, end=start + 5, quote="x" * 5, theme=theme)


def test_fold_applies_adds_deletes_adjusts(tmp_path: Path) -> None:
    log = CoderLog(tmp_path / "alice.jsonl", "alice")
    a = _add(log, 0)
    b = _add(log, 10)
    log.append("adjust", target=a.id, start=1, end=4, quote="yyy")
    log.append("delete", target=b.id)
    result = log.fold()
    assert list(result.codings) == [a.id]
    coding = result.codings[a.id]
    assert (coding.start, coding.end, coding.quote, coding.theme) == (1, 4, "yyy", "bonding")


def test_undo_and_redo_chain(tmp_path: Path) -> None:
    log = CoderLog(tmp_path / "alice.jsonl", "alice")
    _add(log, 0)
    second = _add(log, 10)
    target = last_undoable(log.read())
    assert target is not None and target.id == second.id
    undo = log.append("undo", target=target.id)
    assert len(log.fold().codings) == 1
    redo_of = last_redoable(log.read())
    assert redo_of is not None and redo_of.id == undo.id
    log.append("undo", target=undo.id)
    assert len(log.fold().codings) == 2
    assert last_redoable(log.read()) is None


def test_fold_ignores_line_order_and_duplicates(tmp_path: Path) -> None:
    """git's union merge can reorder and repeat lines; the fold must not care."""
    log = CoderLog(tmp_path / "alice.jsonl", "alice")
    events = [_add(log, i * 10, "bonding" if i % 2 else "waiting_times") for i in range(20)]
    log.append("delete", target=events[3].id)
    log.append("undo", target=events[4].id)
    lines = log.path.read_text().splitlines()
    expected = log.fold().codings
    shuffled = lines + lines[:7]
    random.Random(4).shuffle(shuffled)
    merged = tmp_path / "merged.jsonl"
    merged.write_text("\n".join(shuffled) + "\n")
    again = fold(parse_log_bytes(merged.read_bytes(), merged))
    assert again.codings == expected
    assert len(expected) == 18


def test_torn_last_line_is_reported_and_later_appends_are_clean(tmp_path: Path) -> None:
    log = CoderLog(tmp_path / "alice.jsonl", "alice")
    kept = _add(log, 0)
    with log.path.open("ab") as handle:
        handle.write(b'{"id":"abc","time":"2024","op":"ad')  # a write cut off by a crash
    with pytest.warns(PiriQualWarning, match=r"alice\.jsonl:2: skipped an incomplete last line"):
        assert list(log.fold().codings) == [kept.id]
    after = _add(log, 20)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        codings = log.fold().codings
    assert set(codings) == {kept.id, after.id}
    assert any("alice.jsonl:2" in str(w.message) for w in caught)
    assert log.path.read_bytes().count(b"\n") == 3  # the torn line was ended, never rewritten


def test_bad_events_are_refused(tmp_path: Path) -> None:
    log = CoderLog(tmp_path / "alice.jsonl", "alice")
    with pytest.raises(PiriQualError, match="needs 'theme'"):
        log.append("add", transcript="P01", start=0, end=3)
    with pytest.raises(PiriQualError, match="invalid span"):
        log.append("add", transcript="P01", start=5, end=3, theme="x")
    with pytest.raises(PiriQualError, match="invalid coder name"):
        CoderLog(tmp_path / "x.jsonl", "../etc")
    assert not log.path.exists() or log.path.read_text() == ""


BURST = """
import sys
from pathlib import Path
from piri_qual.codings import CoderLog
log = CoderLog(Path(sys.argv[1]), "alice")
i = 0
while True:
    event = log.append("add", transcript="P01", start=i, end=i + 3, quote="abc", theme="bonding")
    print(event.id, flush=True)
    i += 1
"""


def test_sigkill_during_burst_of_appends_loses_no_acknowledged_event(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", BURST, str(path)], stdout=subprocess.PIPE, text=True)
    acknowledged: list[str] = []
    deadline = time.monotonic() + 20
    assert proc.stdout is not None
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            acknowledged.append(line.strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(acknowledged) >= 150
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PiriQualWarning)  # a torn last line is allowed
        codings = CoderLog(path, "alice").fold().codings
    assert set(acknowledged) <= set(codings)


def test_two_processes_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    procs = [
        subprocess.Popen([sys.executable, "-c", BURST, str(path)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    time.sleep(1.5)
    for proc in procs:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    lines = path.read_bytes().split(b"\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events = list(parse_log_bytes(path.read_bytes(), path))
    bad = [w for w in caught if "incomplete last line" not in str(w.message)]
    assert not bad, [str(w.message) for w in bad]
    assert len(events) >= len([x for x in lines if x]) - 1 > 10
