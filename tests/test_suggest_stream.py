"""``piri-qual suggest`` streamed over processes (issue #18): the same suggestions with one job or
two, a killed run keeps its work, and a re-run with nothing changed extracts and scores nothing.

Each command runs as a user runs it, ``python -m piri_qual`` in a fresh process, on study folders
in a temporary directory: the example study (the repository itself) and a generated one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from study_builders import copy_example_study

from piri_qual.assist.engine import Engine
from piri_qual.assist.learner import LearnerInfo
from piri_qual.assist.moments import Moments
from piri_qual.assist.scoring import StudyStats, base_signals
from piri_qual.assist.synthetic import generate_study
from piri_qual.study import Study

REPO = Path(__file__).resolve().parents[1]


def piri(*args: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "piri_qual", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def done(*args: object) -> str:
    proc = piri(*args)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return out


def suggest(root: Path, coder: str | None, jobs: int) -> dict:
    """``suggest --json``'s summary; its progress bars are for terminals, so stderr stays empty."""
    who = ["--coder", coder] if coder else []
    proc = piri("suggest", "--study", root, *who, "--jobs", jobs, "--json")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0 and err == "", err
    return json.loads(out)


def listing(root: Path, coder: str | None) -> list[dict]:
    who = ["--coder", coder] if coder else []
    return json.loads(done("suggestions", "--study", root, *who, "--json", "--limit", "0"))


def comparable(summary: dict) -> dict:
    """A suggest summary without what differs between runs by design (timings, cache counts)."""
    learner = LearnerInfo(**summary["learner"]).settled() if summary["learner"] else {}
    return {"suggestions": summary["suggestions"], "learner": learner, "retrained": summary["retrained"]}


def generated(root: Path, transcripts: int = 12, words: int = 1500, *, gold: bool = False) -> Path:
    """A generated study; with ``gold``, its only coder's model is trained by ``suggest`` on the
    first two thirds of the transcripts, and the rest are left to suggest on (the generated coder
    gives every on-topic sentence its one theme, so a coded transcript has nothing left to offer)."""
    study = generate_study(root, transcripts=transcripts, words_per_transcript=words, seed=3, gold=gold).root
    if gold:
        log = study / "codings" / "gold.jsonl"
        decided = {f"G{n + 1:04d}" for n in range(transcripts * 2 // 3)}
        lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
        log.write_text("".join(line for line in lines if json.loads(line)["transcript"] in decided), encoding="utf-8")
    return study


def test_one_job_and_two_give_the_same_suggestions_on_the_example_study(tmp_path: Path) -> None:
    one = copy_example_study(tmp_path / "one", gold=True)
    two = copy_example_study(tmp_path / "two", gold=True)
    first, second = suggest(one, "gold", 1), suggest(two, "gold", 2)
    assert first["retrained"] and first["computed"] == len(list((one / "corpus").glob("*.json")))
    assert comparable(first) == comparable(second)
    listed = listing(one, "gold")
    assert listed and listed == listing(two, "gold")  # same suggestions, order, scores and reasons


def test_one_job_and_two_give_the_same_suggestions_on_a_generated_study(tmp_path: Path) -> None:
    one, two = generated(tmp_path / "one", gold=True), generated(tmp_path / "two", gold=True)
    first, second = suggest(one, None, 1), suggest(two, None, 2)
    assert first["computed"] == second["computed"] == 12 and first["retrained"]
    assert comparable(first) == comparable(second)
    listed = listing(one, None)
    assert listed and listed == listing(two, None)


def _await_workers_gone(study: Path, timeout: float = 60.0) -> None:
    """Wait until no process runs a command on ``study`` (the killed command's workers see their
    parent go and exit). Read from /proc, so Linux only; elsewhere the test does not wait."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return
    marker = str(study).encode()
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for entry in proc_dir.iterdir():
            if entry.name.isdigit():
                try:
                    if marker in (entry / "cmdline").read_bytes():
                        alive.append(entry.name)
                except OSError:
                    continue
        if not alive:
            return
        assert time.monotonic() < deadline, f"suggest's workers {alive} outlived their parent by {timeout:.0f} s"
        time.sleep(0.01)


def test_a_killed_run_keeps_its_work_and_the_next_run_completes_it(tmp_path: Path) -> None:
    whole, killed = generated(tmp_path / "whole", 40, 3000), generated(tmp_path / "killed", 40, 3000)
    features = killed / ".piri-cache" / "assist" / "features"
    proc = piri("suggest", "--study", killed, "--jobs", 2, "--json")
    deadline = time.monotonic() + 300
    # the acknowledgement: a transcript's features written (atomically: a temp name first)
    while not any(not p.name.startswith(".") for p in features.glob("*.npz")):
        assert proc.poll() is None, "suggest ended before writing any transcript"
        assert time.monotonic() < deadline, "no transcript's features were written in 300 s"
        time.sleep(0.01)
    proc.kill()
    proc.wait(timeout=60)
    _await_workers_gone(killed)  # a worker may finish the file it was renaming as the parent dies
    kept = {p.stem: p.stat().st_mtime_ns for p in features.glob("*.npz") if not p.name.startswith(".")}
    assert 1 <= len(kept) < 40
    resumed = suggest(killed, None, 2)
    assert resumed["computed"] == 40 - len(kept)  # the kept transcripts were not extracted again
    assert all(features.joinpath(f"{tid}.npz").stat().st_mtime_ns == ns for tid, ns in kept.items())
    assert comparable(resumed) == comparable(suggest(whole, None, 2))
    assert listing(killed, None) == listing(whole, None)


def test_a_rerun_with_nothing_changed_extracts_and_scores_nothing(tmp_path: Path) -> None:
    root = generated(tmp_path / "s")
    cache = root / ".piri-cache" / "assist"
    first = suggest(root, None, 2)
    assert first["computed"] == 12 and first["scored"] == 12
    written = {p: p.stat().st_mtime_ns for p in cache.rglob("*.npz")}
    again = suggest(root, None, 2)
    assert again["computed"] == 0 and again["scored"] == 0
    assert again["suggestions"] == first["suggestions"]
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*.npz")} == written  # nothing rewritten
    # a changed transcript is the only one read and scored again
    corpus = root / "corpus" / "G0003.json"
    data = json.loads(corpus.read_text(encoding="utf-8"))
    data["text"] = data["text"].replace("the", "teh", 1)
    corpus.write_text(json.dumps(data), encoding="utf-8")
    changed = suggest(root, None, 2)
    assert changed["computed"] == 1


def test_study_statistics_merged_per_transcript_equal_the_stacked_fit(tmp_path: Path) -> None:
    """The streamed statistics are scoring's StudyStats.fit over every transcript stacked."""
    root = generated(tmp_path / "s", 8, 1200)
    engine = Engine(Study(root))
    total = Moments.empty(len(engine.themes))
    sims, ctx = [], []
    for tid in Study(root).transcript_ids():
        feats = engine.features_streamed(tid)
        total = total.merged(engine.moments(tid, feats))
        s, c = base_signals(feats, feats.candidates, engine.prototypes)
        sims.append(s)
        ctx.append(c)
    streamed = total.stats(len(engine.themes))
    stacked = StudyStats.fit(sims, ctx, len(engine.themes))
    for name in ("mean", "std", "ctx_mean", "ctx_std"):
        np.testing.assert_allclose(getattr(streamed, name), getattr(stacked, name), rtol=1e-12, atol=1e-15)
    assert Moments.empty(3).stats(3).std.tolist() == pytest.approx([0.1] * 3)


def test_the_pattern_prefilter_changes_no_feature(tmp_path: Path) -> None:
    """Running spaCy's Matcher only in the windows where a token pattern could match (and not at
    all where none can) finds every pattern hit the Matcher finds over whole docs."""
    from spacy.attrs import LEMMA, LOWER, NORM

    from piri_qual.assist.pattern_filter import PatternFilter
    from piri_qual.assist.rules import PATTERN

    root = copy_example_study(tmp_path / "s")
    study = Study(root)
    engine = Engine(study)
    extractor = engine.extractor
    prefilter = extractor._pattern_filter()
    assert prefilter.active and prefilter.patterns  # the example codebook's patterns are filterable
    everywhere = PatternFilter(extractor.rules.matcher, [], extractor.pipeline.nlp.vocab.strings, {})
    assert not everywhere.active  # no pattern to filter by: the Matcher runs on every doc
    ruled_out = pattern_hits = read = tokens = 0
    for tid in study.transcript_ids():
        transcript = study.transcript(tid)
        key = extractor.key(transcript)
        extractor._filter = prefilter
        filtered = extractor.extract_one(transcript, key)
        extractor._filter = everywhere
        unfiltered = extractor.extract_one(transcript, key)
        for name in ("hit_sentence", "hit_theme", "hit_kind", "hit_weight"):
            np.testing.assert_array_equal(getattr(filtered, name), getattr(unfiltered, name))
        assert filtered.hit_terms == unfiltered.hit_terms
        pattern_hits += int((filtered.hit_kind == PATTERN).sum())
        for batch in study.sentence_index.parse([transcript], engine.pipeline.nlp, attrs=(LOWER, LEMMA, NORM)):
            windows = prefilter.windows(batch.tokens, batch.doc_start)
            ruled_out += sum(1 for doc in windows if not doc)
            read += sum(b - a for doc in windows for a, b in doc)
            tokens += len(batch.tokens)
    assert pattern_hits and ruled_out  # patterns were found, and the Matcher was spared somewhere
    assert read < tokens / 2  # and it read under half of the tokens
