"""Import at scale (#18): the corpus index, no-op re-imports, batched durability, crash safety.

End to end through the command line on study folders in temporary directories, with real Word
files written by python-docx.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from study_builders import write_docx

from piri_qual.cli import main
from piri_qual.core.corpus import (
    CORPUS_FORMAT_VERSION,
    Transcript,
    _json_str,
    count_words,
    span_words,
)
from piri_qual.study import Study

INDEX = Path("corpus") / ".import-index"


def _interview(pid: str, words: str = "We talked about feeding and sleep and how I was coping.") -> list[str]:
    return ["Interviewer: How did the visits go?", f"{pid}: {words} (laughs) It helped.",
            "Interviewer: What changed?", f"{pid}: I feel closer to her now."]


def _sources(folder: Path, ids: list[str]) -> list[Path]:
    folder.mkdir(exist_ok=True)
    return [write_docx(folder / f"{pid}_parent.docx", _interview(pid)) for pid in ids]


def _times(root: Path) -> dict[str, int]:
    """Every file of the study but its cache and lock, with its modification time."""
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")
            if p.is_file() and ".piri-cache" not in p.parts and p.name != ".piri-qual.lock"}


def _import(study: Path, paths: list[Path], capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    capsys.readouterr()
    assert main(["import", *map(str, paths), "--study", str(study)]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_reimport_of_unchanged_sources_says_so_writes_nothing_and_opens_no_transcript(
        tiny_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = _sources(tmp_path / "sources", ["P20", "P21", "P22"])
    out, _ = _import(tiny_study, paths, capsys)
    assert out.strip().splitlines()[-1] == "3 imported"
    assert (tiny_study / INDEX).is_file()
    before = _times(tiny_study)
    # the index vouches for each corpus file by inode, size and time: spoil one's content behind
    # its back (same size, same time, same inode) and a re-import that opened it would fail
    spoilt = tiny_study / "corpus" / "P21.json"
    stat = spoilt.stat()
    with spoilt.open("r+b") as handle:
        handle.write(b"!" * stat.st_size)
    os.utime(spoilt, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    shutil.rmtree(tiny_study / ".piri-cache", ignore_errors=True)  # a cleaned cache keeps the index
    out, err = _import(tiny_study, paths, capsys)
    lines = out.strip().splitlines()
    assert lines[-1] == "3 unchanged"
    assert [line.split()[:2] for line in lines[:-1]] == [["unchanged", "P20"], ["unchanged", "P21"],
                                                         ["unchanged", "P22"]]
    assert "speakers Interviewer (interviewer), P21 (participant)" in lines[1]  # said from the index
    assert "warning" not in err
    assert _times(tiny_study) == before


def test_changed_source_is_imported_again_and_the_index_follows(
        tiny_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = _sources(tmp_path / "sources", ["P20", "P21"])
    _import(tiny_study, paths, capsys)
    write_docx(paths[1], _interview("P21", "Nothing about feeding; it was the sleep that mattered."))
    out, _ = _import(tiny_study, paths, capsys)
    assert out.strip().splitlines()[-1] == "1 updated, 1 unchanged"
    assert "the sleep that mattered" in Study(tiny_study).transcript("P21").text
    out, _ = _import(tiny_study, paths, capsys)
    assert out.strip().splitlines()[-1] == "2 unchanged"


def test_missing_or_corrupt_index_is_rebuilt_with_at_most_one_warning(
        tiny_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = _sources(tmp_path / "sources", ["P20", "P21"])
    # tiny_study's P01 was written before any index: the first import indexes it too
    _import(tiny_study, paths, capsys)
    ids = {row["id"] for row in json.loads((tiny_study / INDEX).read_text())["entries"]}
    assert ids == {"P01", "P20", "P21"}

    (tiny_study / INDEX).unlink()
    out, err = _import(tiny_study, paths, capsys)
    assert out.strip().splitlines()[-1] == "2 unchanged" and err == ""  # missing: rebuilt quietly
    assert (tiny_study / INDEX).is_file()

    (tiny_study / INDEX).write_text('{"version": 1, "entries": [{"id": "P20", "tru', encoding="utf-8")
    out, err = _import(tiny_study, paths, capsys)
    assert out.strip().splitlines()[-1] == "2 unchanged"
    warnings = [line for line in err.splitlines() if line.startswith("warning")]
    assert len(warnings) == 1 and ".import-index" in warnings[0] and "rebuilt" in warnings[0]
    out, err = _import(tiny_study, paths, capsys)  # rebuilt and written: no warning again
    assert out.strip().splitlines()[-1] == "2 unchanged" and err == ""


def test_hand_deleted_or_replaced_corpus_file_is_not_taken_as_unchanged(
        tiny_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = _sources(tmp_path / "sources", ["P20", "P21"])
    _import(tiny_study, paths, capsys)
    (tiny_study / "corpus" / "P20.json").unlink()
    # P21's corpus file replaced by another transcript's (as a restore from a backup might)
    other = Study(tiny_study).transcript("P01")
    (tiny_study / "corpus" / "P21.json").write_text(other.to_json(), encoding="utf-8")
    out, _ = _import(tiny_study, paths, capsys)
    lines = out.strip().splitlines()
    assert lines[0].split()[:2] == ["imported", "P20"]
    assert lines[1].split()[0] == "imported"  # P21's source is no longer known from the index
    assert (tiny_study / "corpus" / "P20.json").is_file()


def test_corpus_json_is_what_json_dumps_indent_1_writes(repo_root: Path, tmp_path: Path) -> None:
    """The fast writer keeps corpus files byte for byte as they were (diffs, older readers)."""
    files = sorted((repo_root / "corpus").glob("*.json"))
    assert files
    for path in files:
        transcript = Transcript.load(path)
        data = asdict(transcript)
        data["nonspeech"] = [list(span) for span in transcript.nonspeech]
        data["format_version"] = CORPUS_FORMAT_VERSION
        assert transcript.to_json() == json.dumps(data, ensure_ascii=False, indent=1) + "\n", path.name
    # odd values: times as ints and floats, none, a quote and a newline in a label, no turns
    odd = Transcript.load(files[0])
    odd.turns = [type(t)('Dr "Q"\n', t.role, t.start, t.end, 3, 2.5, "Intro") for t in odd.turns[:3]]
    odd.metadata = {"layout": {"name": "x", "structure": {"title": 1}}, "nested": [[1, 2.0, None]]}
    data = asdict(odd)
    data["nonspeech"] = [list(span) for span in odd.nonspeech]
    data["format_version"] = CORPUS_FORMAT_VERSION
    assert odd.to_json() == json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    odd.turns = []
    data["turns"] = []
    assert odd.to_json() == json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def test_word_counts_are_what_splitting_gives(repo_root: Path) -> None:
    """Counting words without splitting them gives len(text.split()) for every turn of the example
    corpus and for every kind of spacing the shortcut must leave to split (tabs, no-break and
    other Unicode spaces, runs, leading and trailing space, line and paragraph separators)."""
    files = sorted((repo_root / "corpus").glob("*.json"))
    assert files
    for path in files:
        transcript = Transcript.load(path)
        text = transcript.text
        assert transcript.turn_words() == [len(text[t.start : t.end].split()) for t in transcript.turns]
    odd = ["", " ", "\n", "one", "two words", " lead", "trail ", "two  spaces", "a\nb c", "a\n\nb",
           "tab\there", "no\u00a0break", "em\u2003space", "line\u2028sep", "unit\x1fsep", "zero\u200bwidth",
           "caf\u00e9 na\u00efve", "x \n y", "\n\nlead", "end\n"]
    for chunk in odd:
        assert count_words(chunk) == len(chunk.split()), repr(chunk)
    # counted in place over one text: plain ASCII, non-ASCII, and texts whose odd spacing makes
    # every span be split
    for joiner in ("\n\nP1: ", "\n\nCaf\u00e9: ", "\t"):
        text = joiner.join(odd)
        spans, pos = [], 0
        for chunk in odd:
            spans.append((pos, pos + len(chunk)))
            pos += len(chunk) + len(joiner)
        spans += [(0, len(text)), (5, 3), (len(text), len(text))]
        assert span_words(text, spans) == [len(text[a:b].split()) for a, b in spans], repr(joiner)


def test_corpus_text_is_written_as_json_writes_it() -> None:
    """The text of a corpus file, written by replacement where json would escape character by
    character, is json's string for plain, quoted, non-ASCII and control-character texts alike."""
    texts = ["", "plain words", 'she said "no"\nthen left', "back\\slash", "caf\u00e9 \u2028 \U0001f600",
             "tab\there", "nul\x00", "unit\x1fsep", "cr\r\n", "lone \ud800 surrogate", "slash /"]
    for text in texts:
        assert _json_str(text) == json.dumps(text, ensure_ascii=False), repr(text)


def test_sigkill_during_a_batched_import_leaves_each_file_absent_or_whole(
        tiny_study: Path, tmp_path: Path) -> None:
    """One command importing 150 files, killed once its first batch is reported (so while later
    files are being staged or committed): every corpus file is absent or whole, the study opens,
    and importing again completes it and clears what the killed process left."""
    sources = tmp_path / "sources"
    sources.mkdir()
    long_turn = " ".join(["We talked about feeding and sleep and how I was coping."] * 300)
    for n in range(150):
        pid = f"P{100 + n}"
        write_docx(sources / f"{pid}_parent.docx", ["Interviewer: Tell me more.", f"{pid}: {long_turn}"])
    paths = sorted(map(str, sources.glob("*.docx")))
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "piri_qual", "import", *paths, "--study", str(tiny_study)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    reported = [proc.stdout.readline().split() for _ in range(64)]  # the first batch, on disk
    proc.kill()  # SIGKILL: no clean-up runs
    proc.wait()
    assert all(line[0] == "imported" for line in reported)
    corpus = tiny_study / "corpus"
    study = Study(tiny_study)
    ids = study.transcript_ids()
    for tid in ids:
        assert json.loads((corpus / f"{tid}.json").read_text(encoding="utf-8"))["turns"]  # whole
        assert study.transcript(tid).turns
    assert {line[1] for line in reported} <= set(ids)
    assert main(["summary", "--study", str(tiny_study)]) == 0  # the study opens and reads
    assert main(["import", *paths, "--study", str(tiny_study)]) == 0
    assert len(Study(tiny_study).transcript_ids()) == 151  # P01 and the 150
    assert not [p.name for p in corpus.iterdir() if p.name.endswith(".staged")]
    assert not [p.name for p in (tiny_study / "transcripts").iterdir() if p.name.endswith(".staged")]


def test_a_study_without_its_index_is_read_once_and_its_corpus_left_alone(
        tiny_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A fresh clone has no ``corpus/.import-index`` (it is git-ignored): a command that only reads
    keeps the index it rebuilt in the cache, so the next command reads no corpus file for it."""
    paths = _sources(tmp_path / "sources", ["P20", "P21"])
    _import(tiny_study, paths, capsys)
    (tiny_study / INDEX).unlink()  # as in a clone
    shutil.rmtree(tiny_study / ".piri-cache", ignore_errors=True)
    before = _times(tiny_study)
    assert main(["summary", "--study", str(tiny_study)]) == 0
    kept = tiny_study / ".piri-cache" / "corpus-index"
    assert {row["id"] for row in json.loads(kept.read_text())["entries"]} == {"P01", "P20", "P21"}
    assert _times(tiny_study) == before  # corpus/ is the import's to write: nothing there changed
    (tiny_study / ".piri-cache" / "turn-settings.json").unlink()  # the check runs again
    written = kept.stat().st_mtime_ns
    # the cached index vouches for P21 by inode, size and time: a check that read it would fail
    spoilt = tiny_study / "corpus" / "P21.json"
    stat = spoilt.stat()
    with spoilt.open("r+b") as handle:
        handle.write(b"!" * stat.st_size)
    os.utime(spoilt, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    from piri_qual.core.study import StudyFolder
    from piri_qual.ingest.rederive import refresh_turns

    assert refresh_turns(StudyFolder(tiny_study)) == []
    assert kept.stat().st_mtime_ns == written  # nothing was read again, so nothing rewritten


def test_an_entry_loaded_earlier_in_the_process_serves_while_its_file_is_unchanged(
        tiny_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The roles check when a study opens and the import that follows both load the index: the
    second takes the entries the first made, as long as each corpus file has the same inode,
    size and time; a rewritten file (a new inode) is read again."""
    from piri_qual.core.atomic import atomic_write_bytes
    from piri_qual.ingest import corpus_index

    _import(tiny_study, _sources(tmp_path / "sources", ["P20", "P21"]), capsys)
    corpus = tiny_study / "corpus"
    monkeypatch.setattr(corpus_index, "_LOADED", {})
    loads: list[str] = []

    def load(path: Path) -> Transcript:
        loads.append(path.stem)
        return Transcript.load(path)

    first, _ = corpus_index.load_index(corpus, load=load)
    assert sorted(first.entries) == ["P01", "P20", "P21"] and loads == [] and not first.dirty

    def refuse(row: dict[str, object]) -> corpus_index.IndexEntry:
        raise AssertionError("an entry was built from the index file again")

    monkeypatch.setattr(corpus_index.IndexEntry, "from_json", classmethod(lambda cls, row: refuse(row)))
    second, _ = corpus_index.load_index(corpus, load=load)
    assert all(second.entries[tid] is first.entries[tid] for tid in first.entries)
    assert loads == [] and not second.dirty  # the study's own index already says the same

    atomic_write_bytes(corpus / "P20.json", (corpus / "P20.json").read_bytes())  # same bytes, new inode
    third, _ = corpus_index.load_index(corpus, load=load)
    assert loads == ["P20"] and third.read_again == ["P20"] and third.dirty
    assert third.entries["P21"] is first.entries["P21"]


def test_progress_and_errors_keep_their_order_in_one_log(tiny_study: Path, tmp_path: Path) -> None:
    """Into a pipe the progress lines go out in blocks, not a flush each: an error line still
    comes where its file is, when both streams go to one log (``> log 2>&1``)."""
    good = _sources(tmp_path / "sources", ["P20", "P21"])
    files = [good[0], tmp_path / "sources" / "P99_missing.docx", good[1]]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a user's shell has it
    done = subprocess.run([sys.executable, "-m", "piri_qual", "import", *map(str, files), "--study", str(tiny_study)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False, env=env)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 2
    assert [line.split()[0] for line in lines] == ["imported", "error:", "imported", "2"], lines
    assert "P99_missing.docx: file not found" in lines[1] and lines[-1] == "2 imported, 1 failed"
