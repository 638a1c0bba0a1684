"""The coder log and the store that writes it: append, fold, undo/redo, merge tolerance, torn
lines, validation of every event, crash safety, and a core that runs without ``fcntl``."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from piri_qual.core.codings import (
    CoderLog,
    Event,
    fold,
    last_redoable,
    last_undoable,
    parse_log_bytes,
)
from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
from piri_qual.core.store import CodingStore
from piri_qual.core.study import StudyFolder
from piri_qual.errors import PiriQualError, PiriQualWarning

LONG = " ".join(f"word{i:04d}" for i in range(1200))  # 10,799 characters of participant talk
TEXT = "L01: " + LONG  # the transcript text: "Speaker: words"


@pytest.fixture
def study(tiny_study: Path) -> StudyFolder:
    """The tiny study plus a long transcript L01, so tests can code many distinct spans."""
    text, spans = assemble_text([RawTurn("L01", (LONG,))], ["participant"])
    Transcript(
        id="L01", participant="L01", group="parent", text=text, turns=spans, source="transcripts/L01.txt",
        source_sha256="1" * 64, format="txt", imported_at="2024-01-01T00:00:00+00:00",
    ).save(tiny_study / "corpus" / "L01.json")
    folder = StudyFolder(tiny_study)
    assert folder.transcript("L01").text == TEXT
    return folder


class _Log:
    """One coder's log written through the store, read through CoderLog (as the tool does)."""

    def __init__(self, study: StudyFolder, coder: str = "alice") -> None:
        self.store: CodingStore = study.store
        self.coder = coder
        self.reader = study.log(coder)
        self.path = self.reader.path

    def append(self, op: str, **fields: object) -> Event:
        return self.store.append(self.coder, op, **fields)

    def read(self) -> list[Event]:
        return self.reader.read()

    def fold(self):  # noqa: ANN201 - FoldResult
        return self.reader.fold()


@pytest.fixture
def log(study: StudyFolder) -> _Log:
    return _Log(study)


def _add(log: _Log, start: int, theme: str = "bonding") -> Event:
    return log.append("add", transcript="L01", start=start, end=start + 5, theme=theme)


def test_fold_applies_adds_deletes_adjusts(log: _Log) -> None:
    a = _add(log, 0)
    b = _add(log, 10)
    log.append("adjust", target=a.id, transcript="L01", start=1, end=4)
    log.append("delete", target=b.id)
    result = log.fold()
    assert list(result.codings) == [a.id]
    coding = result.codings[a.id]
    assert (coding.start, coding.end, coding.quote, coding.theme) == (1, 4, TEXT[1:4], "bonding")


def test_undo_and_redo_chain(log: _Log) -> None:
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


def test_fold_ignores_line_order_and_duplicates(log: _Log, tmp_path: Path) -> None:
    """git's union merge can reorder and repeat lines; the fold must not care."""
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


def test_torn_last_line_is_reported_and_later_appends_are_clean(log: _Log) -> None:
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


def test_bad_events_are_refused_and_nothing_of_their_batch_is_written(study: StudyFolder, log: _Log) -> None:
    store = study.store
    with pytest.raises(PiriQualError, match="needs 'theme'"):
        log.append("add", transcript="L01", start=0, end=3)
    with pytest.raises(PiriQualError, match="invalid span"):
        log.append("add", transcript="L01", start=5, end=3, theme="bonding")
    with pytest.raises(PiriQualError, match="outside transcript 'L01'"):
        log.append("add", transcript="L01", start=5, end=len(TEXT) + 1, theme="bonding")
    with pytest.raises(PiriQualError, match="no transcript 'P99'"):
        log.append("add", transcript="P99", start=0, end=3, theme="bonding")
    with pytest.raises(PiriQualError, match="unknown theme 'bondng'.*Did you mean bonding"):
        log.append("add", transcript="L01", start=0, end=3, theme="bondng")
    with pytest.raises(PiriQualError, match="quote does not match"):
        log.append("add", transcript="L01", start=0, end=3, quote="xyz", theme="bonding")
    with pytest.raises(PiriQualError, match="must be a whole number"):
        log.append("add", transcript="L01", start="0", end=3, theme="bonding")
    with pytest.raises(PiriQualError, match="unknown memo scope"):
        log.append("memo", scope="everything", text="hi")
    with pytest.raises(PiriQualError, match="invalid coder name"):
        store.append("../etc", "memo", scope="study", text="hi")
    with pytest.raises(PiriQualError, match="unknown theme"):  # one bad event stops the whole batch
        store.append_many("alice", [("add", {"transcript": "L01", "start": 0, "end": 3, "theme": "bonding"}),
                                    ("add", {"transcript": "L01", "start": 9, "end": 12, "theme": "nope"})])
    with pytest.raises(PiriQualError, match="invalid coder name"):
        CoderLog(study.codings_dir / "x.jsonl", "../etc")
    assert not log.path.exists()


def test_store_fills_the_quote_and_turns_a_label_into_the_theme_id(log: _Log) -> None:
    event = log.append("add", transcript="L01", start=5, end=13, theme="Waiting after referral")
    assert (event.quote, event.theme) == ("word0000", "waiting_times")
    assert json.loads(log.path.read_text())["quote"] == "word0000"


def test_a_log_line_with_wrong_field_types_is_skipped_with_its_line(log: _Log) -> None:
    kept = _add(log, 0)
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "x1", "time": "2030", "coder": "alice", "op": "add", "transcript": "L01",
                                 "start": "zero", "end": 5, "theme": "bonding"}) + "\n")
    with pytest.warns(PiriQualWarning, match=r"alice\.jsonl:2: skipped a line that is not a valid event \(field 'start' is str"):
        assert list(log.fold().codings) == [kept.id]


NO_FCNTL = """
import sys
sys.modules["fcntl"] = None  # as on Windows: `import fcntl` raises ImportError
from piri_qual import Study
study = Study(sys.argv[1])
event = study.store.code("carol", "P01", "bonding", quote="I feel so close to her now.")
study.store.append("carol", "undo", target=event.id)
study.store.append("carol", "undo", target=study.log("carol").read()[-1].id)
print(len(study.fold("carol").codings), "fcntl" in sys.modules and sys.modules["fcntl"] is None)
"""


def test_core_runs_where_fcntl_does_not_exist(tiny_study: Path) -> None:
    """Windows has no fcntl: the study, the store and the fold must not need it."""
    done = subprocess.run([sys.executable, "-c", NO_FCNTL, str(tiny_study)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "True"]


BURST = """
import sys
from piri_qual.core.study import StudyFolder
store = StudyFolder(sys.argv[1]).store
offset, i = int(sys.argv[2]), 0
while True:
    start = offset + i % 4000
    theme = ("bonding", "waiting_times")[i // 4000 % 2]
    event = store.append("alice", "add", transcript="L01", start=start, end=start + 3, theme=theme)
    print(event.id, flush=True)
    i += 1
"""


def test_sigkill_during_burst_of_appends_loses_no_acknowledged_event(study: StudyFolder) -> None:
    path = study.log("alice").path
    proc = subprocess.Popen([sys.executable, "-c", BURST, str(study.root), "0"], stdout=subprocess.PIPE, text=True)
    acknowledged: list[str] = []
    deadline = time.monotonic() + 20
    assert proc.stdout is not None
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            acknowledged.append(line.strip())
    proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up runs
    proc.wait()
    assert len(acknowledged) >= 150
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PiriQualWarning)  # a torn last line is allowed
        codings = CoderLog(path, "alice").fold().codings
    assert set(acknowledged) <= set(codings)


def test_two_processes_never_interleave_lines(study: StudyFolder) -> None:
    path = study.log("alice").path
    procs = [
        subprocess.Popen([sys.executable, "-c", BURST, str(study.root), str(offset)], stdout=subprocess.PIPE,
                         text=True)
        for offset in (0, 5000)
    ]
    # both writers are under way (each has acknowledged 50 appends) before they are killed
    deadline = time.monotonic() + 60
    for proc in procs:
        assert proc.stdout is not None
        acknowledged = 0
        while acknowledged < 50 and time.monotonic() < deadline:
            acknowledged += bool(proc.stdout.readline())
        assert acknowledged == 50, "a writer acknowledged no appends within a minute"
    for proc in procs:
        proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up runs
        proc.wait()
    lines = path.read_bytes().split(b"\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events = list(parse_log_bytes(path.read_bytes(), path))
    bad = [w for w in caught if "incomplete last line" not in str(w.message)]
    assert not bad, [str(w.message) for w in bad]
    assert len(events) >= len([x for x in lines if x]) - 1 > 10


def test_every_event_field_has_a_checked_type() -> None:
    """A field added to Event without a type in the log reader would be dropped from every log."""
    from piri_qual.core.codings import _FIELD_TYPES

    assert set(_FIELD_TYPES) == set(Event.__dataclass_fields__)
