"""The one place the terminal UI talks to the suggestion engine (:mod:`piri_qual.assist.engine`).

The UI needs four things from the engine: ranked suggestions for a transcript, a retrain after new
decisions, the candidate spans, and the sentence boundaries used to move and resize excerpts.
Going through this adapter keeps the screens independent of the engine's module layout, and lets
a study still be coded by hand when the engine cannot run (its absence is reported once, in the
UI, rather than as a traceback).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from piri_qual.assist.types import Suggestion
    from piri_qual.study import Study


class EngineUnavailable(RuntimeError):
    """The suggestion engine is not installed in this build of piri-qual."""


def _engine() -> ModuleType:
    try:
        from piri_qual.assist import engine
    except ImportError as exc:  # only a missing engine module; the engine's own errors propagate
        if exc.name and exc.name.startswith("piri_qual.assist.engine"):
            raise EngineUnavailable("the suggestion engine (piri_qual.assist.engine) is not available") from exc
        raise
    return engine


def engine_available() -> bool:
    try:
        _engine()
    except EngineUnavailable:
        return False
    return True


def suggest(study: Study, transcript_id: str, coder: str) -> list[Suggestion]:
    """Ranked suggestions for one transcript, minus what this coder already decided."""
    # a codebook change (rename, merge, new theme) leaves the stored model stale: retrain it first
    return list(_engine().suggest_transcript(study, transcript_id, coder, retrain_if_stale=True))


def retrain(study: Study, coder: str) -> object:
    """Update the coder's model from their log (slow: call it from a worker thread)."""
    return _engine().retrain(study, coder)


def span_ranker(study: Study, coder: str) -> Callable[[str, int, int, Sequence[str]], list[tuple[str, float]]]:
    """Ranks themes for a coded span by the engine (slow to build: call it from a worker thread)."""
    ranker: Callable[[str, int, int, Sequence[str]], list[tuple[str, float]]] = _engine().SpanRanker(study, coder)
    return ranker


def candidate_spans(study: Study, transcript_id: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in _engine().candidate_spans(study, transcript_id)]


def sentences(study: Study, transcript_id: str) -> list[tuple[int, int]]:
    """Sentence spans of a transcript: the engine's (cached), else the agreement units' splitter."""
    try:
        engine = _engine()
    except EngineUnavailable:
        from piri_qual.analysis.units import regex_source

        return regex_source(study.transcript(transcript_id))
    return [(int(a), int(b)) for a, b in engine.sentences(study, transcript_id)]
