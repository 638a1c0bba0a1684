"""The one place the terminal UI talks to the suggestion engine (:mod:`piri_qual.assist.engine`).

The UI needs three things from the engine: ranked suggestions for a transcript, a retrain after
new decisions, and (for the jump list) how many suggestions each transcript still has pending. (Sentences are not the engine's: the UI reads them from the study's sentence
index, ``study.sentences(id)``, like the agreement units.) Going through this adapter keeps the
screens independent of the engine's module layout, and lets the app run with another adapter
(tests pass fixed suggestions); an adapter that cannot suggest raises :class:`EngineUnavailable`,
and the coding screen then says so once and lets the coder code by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from piri_qual.assist import engine

if TYPE_CHECKING:
    from piri_qual.assist.types import Suggestion
    from piri_qual.study import Study


class EngineUnavailable(RuntimeError):
    """The suggestion engine cannot run: the study is coded by hand."""


def engine_available() -> bool:
    """Whether this adapter can suggest (the built-in engine always can)."""
    return True


def suggest(study: Study, transcript_id: str, coder: str) -> list[Suggestion]:
    """Ranked suggestions for one transcript, minus what this coder already decided."""
    # a codebook change (rename, merge, new theme) leaves the stored model stale: retrain it first
    return list(engine.suggest_transcript(study, transcript_id, coder, retrain_if_stale=True))


def retrain(study: Study, coder: str) -> object:
    """Update the coder's model from their log (slow: call it from a worker thread)."""
    return engine.retrain(study, coder)


def pending_counts(study: Study, coder: str) -> dict[str, int]:
    """Pending suggestions per transcript (the jump list), from the cached suggestions, never retraining."""
    run = engine.Engine(study).suggest_all(study.transcript_ids(), coder, retrain_if_stale=False)
    return dict(run.suggestions)


def span_ranker(study: Study, coder: str) -> Callable[[str, int, int, Sequence[str]], list[tuple[str, float]]]:
    """Ranks themes for a coded span by the engine (slow to build: call it from a worker thread)."""
    ranker: Callable[[str, int, int, Sequence[str]], list[tuple[str, float]]] = engine.SpanRanker(study, coder)
    return ranker
