"""``suggest`` over a whole study in constant memory, on every core.

Issue #18: ``suggest`` held every transcript's features until the end (2 GB at 1,000 interviews)
and used one core. Here transcripts stream through two passes, each spread over ``jobs``
processes, and nothing of a transcript outlives its step:

1. **reading**: each transcript's features are found in the cache (by their key, reading only
   the file's header) or extracted and cached, and its contribution to the study statistics
   (:class:`~piri_qual.assist.moments.Moments`) is found or computed and cached too. A worker
   returns only the features' key and those moments; the parent merges the moments in transcript
   order, so the statistics do not depend on which process did what.
2. the coder's model is retrained if their decisions changed (in the parent, between passes).
3. **scoring**: each transcript's suggestions are found in the cache (keyed by its features, the
   model and the statistics) or scored from its features and cached; a worker returns the count
   of suggestions the coder has not decided.

Every file is written atomically as soon as its transcript is done, so a run that is killed
keeps the work it finished and the next run picks it up. Why processes and not spaCy's
``n_process``: with ``n_process`` the docs are pickled back to one parent, which then builds
every transcript's features alone; a worker that reads, extracts, scores and writes whole
transcripts sends back a few numbers (docs/design.md gives the measurement). On Linux workers
are forked from the parent with the pipeline, vectors and codebook already loaded; elsewhere
each starts its own.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual.assist.features import TranscriptFeatures
from piri_qual.assist.moments import Moments
from piri_qual.assist.sidecar import follow_parent
from piri_qual.assist.threads import fit_threads_at_most, one_blas_thread

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from piri_qual.assist.engine import Engine, SuggestRun
    from piri_qual.assist.learner import Learner
    from piri_qual.assist.scoring import StudyStats

Advance = Callable[[str, int], None]


@dataclass
class Read:
    """What the reading pass learned of one transcript."""

    transcript: str
    key: str  # its features' key
    moments: Moments
    extracted: bool  # features computed now, not found in the cache


@dataclass
class ScoreJob:
    transcript: str
    features_key: str
    coder: str | None
    stats_key: str
    stats: StudyStats


class Work:
    """What one process needs to read and score transcripts: an engine, and the scoring run's
    model and decided spans (loaded on its first transcript)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._scoring: tuple[tuple[str | None, str], Learner, dict[tuple[str, str], list[tuple[int, int]]]] | None = None

    def cached(self, tid: str) -> tuple[str, TranscriptFeatures | None, int]:
        """A transcript's features made sure of in the cache (found by their key, reading only the
        file's header, or extracted and saved): their key, the features when extracted now, and
        the transcript's words."""
        eng = self.engine
        transcript = eng.study.transcript(tid, remember=False)
        key = eng.extractor.key(transcript, remember=False)
        feats: TranscriptFeatures | None = None
        path = eng._path("features", f"{tid}.npz")
        if TranscriptFeatures.stored_key(path) != key:
            feats = eng.extractor.extract_one(transcript, key)
            feats.save(path)
            eng.study.sentence_index.forget(tid)
        return key, feats, transcript.words

    def read(self, tid: str) -> Read:
        eng = self.engine
        key, feats, _ = self.cached(tid)
        extracted = feats is not None
        moments = Moments.load(eng._path("moments", f"{tid}.npz"), key)
        if moments is None:
            if feats is None:
                feats = TranscriptFeatures.load(eng._path("features", f"{tid}.npz"), key)
            if feats is None:  # removed or replaced since its header was read
                feats = eng.features_streamed(tid)
            moments = eng.moments(tid, feats)
        return Read(tid, key, moments, extracted)

    def words(self, tid: str) -> int:
        """Make sure of a transcript's features in the cache; its words (for progress)."""
        return self.cached(tid)[2]

    def score(self, job: ScoreJob) -> tuple[str, int, bool]:
        eng = self.engine
        learner, taken = self._scoring_for(job)
        path = eng._path("features", f"{job.transcript}.npz")

        def features() -> TranscriptFeatures:
            return TranscriptFeatures.load(path, job.features_key) or eng.features_streamed(job.transcript)

        table, scored = eng.cached_table(job.transcript, job.features_key, features, learner, job.coder,
                                         job.stats_key, job.stats)
        return job.transcript, eng.undecided(table, job.transcript, taken), scored

    def _scoring_for(self, job: ScoreJob) -> tuple[Learner, dict[tuple[str, str], list[tuple[int, int]]]]:
        wanted = (job.coder, job.stats_key)
        if self._scoring is None or self._scoring[0] != wanted:
            self._scoring = (wanted, self.engine.learner(job.coder), self.engine._decided(job.coder))
        return self._scoring[1], self._scoring[2]


# -- the worker processes -------------------------------------------------------------------------
_WORK: Work | None = None  # this process's, in a worker


def _start_worker(root: str) -> None:
    """Pool initializer: leave Ctrl-C to the parent, exit with it, and have an engine."""
    global _WORK
    follow_parent()
    if _WORK is None:  # started fresh (spawn), not forked from the parent's
        from piri_qual.assist.engine import Engine
        from piri_qual.core.study import StudyFolder

        _WORK = Work(Engine(StudyFolder(Path(root))))


def _read_task(tid: str) -> Read:
    assert _WORK is not None
    return _WORK.read(tid)


def _words_task(tid: str) -> int:
    assert _WORK is not None
    return _WORK.words(tid)


def _score_task(job: ScoreJob) -> tuple[str, int, bool]:
    assert _WORK is not None
    return _WORK.score(job)


@contextmanager
def _pool(engine: Engine, jobs: int, tasks: int) -> Iterator[Pool | None]:
    """``jobs`` worker processes (none when one would do), closed on the way out."""
    global _WORK
    jobs = min(jobs, tasks)
    if jobs <= 1:
        yield None
        return
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    if method == "fork":
        _WORK = Work(engine)  # inherited by the forked workers: nothing to load again
    try:
        pool = context.Pool(jobs, initializer=_start_worker, initargs=(str(engine.study.root),))
    finally:
        _WORK = None
    try:
        yield pool
        pool.close()
        pool.join()
    finally:
        pool.terminate()


def _mapped(pool: Pool | None, local: Callable[[Any], Any], remote: Callable[[Any], Any],
            items: Iterable[Any]) -> Iterator[Any]:
    """Results in the order of ``items``: in this process, or from the workers as they finish."""
    if pool is None:
        for item in items:
            yield local(item)
    else:
        yield from pool.imap(remote, items, chunksize=1)


# -- the runs ---------------------------------------------------------------------------------------
def cache_features(engine: Engine, transcript_ids: list[str], *, jobs: int = 1,
                   advance: Callable[[int], None] | None = None) -> None:
    """Make sure every transcript's features are in the cache, extracting the missing ones in
    ``jobs`` processes, as the reading pass of ``suggest`` does; ``advance(words)`` per transcript.

    What ``piri-qual evaluate`` does before its replay, which then holds every transcript's
    features at once (its replay visits them all, many times): extracting them in one process
    took 7 of its seconds on the generated study of 100 interviews. Extracted one transcript at
    a time, they are the features ``suggest`` computes and caches (a function of the transcript
    alone, :meth:`~piri_qual.assist.features.FeatureExtractor.extract_one`)."""
    work = Work(engine)
    with one_blas_thread(), _pool(engine, jobs, len(transcript_ids)) as pool:
        for words in _mapped(pool, work.words, _words_task, transcript_ids):
            if advance is not None:
                advance(words)


def suggest_streamed(engine: Engine, transcript_ids: list[str], coder: str | None, *, jobs: int = 1,
                     advance: Advance | None = None, retrain_if_stale: bool = True) -> SuggestRun:
    """Compute and cache suggestions for ``transcript_ids`` (statistics over the whole study)."""
    engine.require_themes()
    with one_blas_thread(), fit_threads_at_most(jobs):  # a retrain's fits on at most ``jobs`` cores too
        return _suggest_streamed(engine, transcript_ids, coder, jobs, advance, retrain_if_stale)


def _suggest_streamed(engine: Engine, transcript_ids: list[str], coder: str | None, jobs: int,
                      advance: Advance | None, retrain_if_stale: bool) -> SuggestRun:
    from piri_qual.assist.engine import SuggestRun

    step = advance or (lambda phase, n: None)
    all_ids = engine.study.transcript_ids()
    work = Work(engine)
    keys: list[str] = []
    total = Moments.empty(len(engine.themes))
    extracted = 0
    with _pool(engine, jobs, len(all_ids)) as pool:
        for read in _mapped(pool, work.read, _read_task, all_ids):
            keys.append(read.key)
            total = total.merged(read.moments)
            extracted += read.extracted
            step("reading", 1)
    stats = engine.cached_stats(keys) or engine.save_stats(keys, total)
    stats_key, _ = engine.remember_stats(keys, stats)
    key_of = dict(zip(all_ids, keys, strict=True))

    retrained = False
    if coder and retrain_if_stale and engine.model_is_stale(coder) and engine.decisions(coder).count:
        engine.retrain(coder)
        retrained = True
    learner = engine.learner(coder)

    jobs_to_score = (ScoreJob(tid, key_of[tid], coder, stats_key, stats) for tid in transcript_ids)
    counts: dict[str, int] = {}
    scored = 0
    with _pool(engine, jobs, len(transcript_ids)) as pool:
        for tid, count, fresh in _mapped(pool, work.score, _score_task, jobs_to_score):
            counts[tid] = count
            scored += fresh
            step("scoring", 1)
    return SuggestRun(transcripts=len(transcript_ids), computed=extracted + len(engine.computed),
                      suggestions=counts, learner=learner.info, retrained=retrained, scored=scored)

