"""The suggestion engine: the public API the CLI and the terminal UI call.

::

    from piri_qual.assist import engine
    engine.suggest_transcript(study, "P01", "alice")   # -> list[Suggestion], best first (cached)
    engine.retrain(study, "alice")                      # -> LearnerInfo (safe in a worker thread)
    engine.candidate_spans(study, "P01")                # -> [(start, end)] sentences that may be suggested
    engine.sentences(study, "P01")                      # -> [(start, end)] every sentence, any speaker

Work is cached under ``.piri-cache/assist/``: per-transcript features (keyed by transcript text,
codebook, pipeline and vectors), the coder's trained model, and the suggestions (keyed by the
features, the model version and the study's similarity statistics). Nothing is recomputed unless
one of those changed. Suggestions already coded by the coder with the same theme, or rejected by
them, are filtered out when they are read, so deciding never invalidates the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from piri_qual.assist.cache import assist_dir, load_json, save_json
from piri_qual.assist.features import FeatureExtractor, TranscriptFeatures
from piri_qual.assist.learner import (
    LEARNER_VERSION,
    Decisions,
    Examples,
    Learner,
    LearnerInfo,
    cold_learner,
    label_transcript,
    relative_filter,
    train,
)
from piri_qual.assist.moments import Moments
from piri_qual.assist.pipeline import load_pipeline
from piri_qual.assist.rules import VETO, compile_rules
from piri_qual.assist.scoring import (
    SIGNAL_GROUPS,
    F,
    K,
    StudyStats,
    base_signals,
    combine,
    dominant_sources,
    explain,
    signal_matrix,
)
from piri_qual.assist.similarity import (
    SIMILARITY_VERSION,
    pipeline_vectors,
    shipped_vectors,
    theme_vectors,
    unit_rows,
)
from piri_qual.assist.types import Suggestion
from piri_qual.core.cache import content_key, load_arrays, save_arrays
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.framework import Codebook, Theme
    from piri_qual.core.study import StudyFolder

MAX_RUN = 5  # sentences merged into one suggestion at most
MAX_GAP = 2  # unchosen sentences bridged between two chosen ones of the same theme and turn
_SOURCES = tuple(SIGNAL_GROUPS)  # rule, similarity, model


@dataclass
class SuggestionTable:
    """One transcript's suggestions as arrays (best first): what the cache stores."""

    start: np.ndarray
    end: np.ndarray
    theme: np.ndarray  # codebook index
    sentence: np.ndarray  # the run's best sentence (index into the transcript's features)
    length: np.ndarray  # sentences in the run
    score: np.ndarray
    source: np.ndarray  # index into _SOURCES
    values: np.ndarray  # (m, K) signals of the best sentence
    sim: np.ndarray
    terms: list[list[str]]
    best: np.ndarray | None = None  # per candidate sentence: its highest score (not cached)

    ARRAYS = ("start", "end", "theme", "sentence", "length", "score", "source", "values", "sim")

    def __len__(self) -> int:
        return len(self.start)

    @classmethod
    def empty(cls) -> SuggestionTable:
        z = np.zeros(0, np.int64)
        return cls(z, z, z, z, z, np.zeros(0, np.float32), np.zeros(0, np.int8), np.zeros((0, K), np.float32),
                   np.zeros(0, np.float32), [])
DECISION_OPS = ("add", "confirm", "reject", "adjust", "delete")


# -- the public API -------------------------------------------------------------------------------
def suggest_transcript(study: StudyFolder, transcript_id: str, coder: str | None = None, *,
                       retrain_if_stale: bool = False) -> list[Suggestion]:
    """Suggestions for one transcript, best first, minus what ``coder`` already coded or rejected.

    Uses the coder's last trained model (see :func:`retrain`); with no coder, or before any
    training, rules and similarity alone. With ``retrain_if_stale`` the model is first retrained
    when it no longer fits the coder's decisions or the codebook (after a rename or merge, its
    decisions fold to the new ids, so it learns the same things under them).
    """
    eng = Engine(study)
    study.transcript(transcript_id)  # a clear error for an unknown id
    if coder and retrain_if_stale and eng.model_is_stale(coder) and eng.decisions(coder).count:
        eng.retrain(coder)
    learner = eng.learner(coder)
    found = eng.suggestions(transcript_id, learner, coder)
    return eng.without_decided(found, coder)


def retrain(study: StudyFolder, coder: str) -> LearnerInfo:
    """Train ``coder``'s model on their decisions so far and store it; return what it learned."""
    return Engine(study).retrain(coder)


def candidate_spans(study: StudyFolder, transcript_id: str) -> list[tuple[int, int]]:
    """The sentences that may be suggested (participant text), for "next excerpt" navigation."""
    feats = Engine(study).features([transcript_id])[transcript_id]
    return [(int(a), int(b)) for a, b in feats.sentences[feats.candidates]]


def sentences(study: StudyFolder, transcript_id: str) -> list[tuple[int, int]]:
    """Every sentence of the transcript, interviewer turns included, in text order.

    The study's sentence index (:attr:`StudyFolder.sentence_index`): the sentences suggestions
    are made on, and the ones agreement units and the terminal UI use.
    """
    return study.sentences(transcript_id)


class SpanRanker:
    """How well a coded span fits each of some themes, by the coder's own model (rules,
    similarity and what they have taught it): used to rank the new themes of a split for each
    coding of the old one. Per-transcript scores are computed once and reused."""

    def __init__(self, study: StudyFolder, coder: str | None) -> None:
        self.engine = Engine(study)
        self.engine.require_themes()
        self.learner = self.engine.learner(coder)
        self._scored: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, transcript_id: str, start: int, end: int, themes: Sequence[str]) -> list[tuple[str, float]]:
        spans, probs = self._scores(transcript_id)
        inside = (spans[:, 0] < end) & (start < spans[:, 1]) if len(spans) else np.zeros(0, bool)
        out = []
        for theme in themes:
            index = self.engine.index_of.get(theme)
            score = float(probs[inside, index].max()) if index is not None and inside.any() else 0.0
            out.append((theme, round(score, 4)))
        return sorted(out, key=lambda item: -item[1])

    def _scores(self, tid: str) -> tuple[np.ndarray, np.ndarray]:
        if tid not in self._scored:
            eng = self.engine
            feats = eng.features([tid])[tid]
            _, stats = eng.stats()
            sm = signal_matrix(feats, eng.prototypes, stats, self.learner, examples=eng.examples)
            probs = combine(sm.values, self.learner.weights) if len(sm.rows) else np.zeros((0, len(eng.themes)))
            if len(sm.rows):
                probs[sm.veto] = 0.0
            self._scored[tid] = (feats.sentences[sm.rows] if len(sm.rows) else np.zeros((0, 2), np.int64), probs)
        return self._scored[tid]


def suggestion_id(s: Suggestion) -> str:
    """A short stable id for a suggestion (for ``piri-qual suggestions accept ID``)."""
    raw = f"{s.transcript}:{s.start}:{s.end}:{s.theme}".encode()
    return "s" + hashlib.sha1(raw).hexdigest()[:7]


def decide(study: StudyFolder, coder: str, suggestion: Suggestion, accept: bool) -> None:
    """Record a decision on a suggestion: a ``confirm`` or ``reject`` event carrying its evidence."""
    # The same validated path as a hand-made coding: the theme must exist and the quote must
    # still sit at the suggestion's offsets (a stale cache after a re-import is refused).
    study.store.code(
        coder, suggestion.transcript, suggestion.theme,
        start=suggestion.start, end=suggestion.end, quote=suggestion.quote,
        op="confirm" if accept else "reject",
        source=suggestion.source, score=round(float(suggestion.score), 4), reason=suggestion.reason,
    )


# -- the engine -----------------------------------------------------------------------------------
@dataclass
class SuggestRun:
    """What :meth:`Engine.suggest_all` did, for the CLI's summary."""

    transcripts: int
    computed: int  # transcripts whose features were extracted now (not found in the cache)
    suggestions: dict[str, int]
    learner: LearnerInfo | None
    retrained: bool
    scored: int = 0  # transcripts whose suggestions were scored now (not found in the cache)


class Engine:
    """Suggestion machinery bound to one study (its settings and codebook at construction)."""

    def __init__(self, study: StudyFolder) -> None:
        self.study = study
        settings = study.settings
        try:
            self.codebook: Codebook | None = study.codebook
        except PiriQualError:
            if study.settings.codebook:  # named but broken: the user must hear about it
                raise
            self.codebook = None  # sentences and candidates need no codebook
        # folders and grouping themes (codable: false) are never suggested, learned or scored
        self.themes = list(self.codebook.codable) if self.codebook else []
        self.index_of = {t.id: i for i, t in enumerate(self.themes)}
        self.precision = settings.suggestion_precision  # what each theme's cut-off aims at
        self.pipeline = load_pipeline(settings.pipeline)
        self.vectors = pipeline_vectors(self.pipeline.nlp) or shipped_vectors()
        with self.pipeline.lock:
            self.rules = compile_rules(self.themes, self.pipeline.nlp)
        # similarity reads a name-only code's folder too, so the key covers what it reads
        self.described = described_themes(self.themes, self.codebook)
        self.codebook_key = content_key([t.as_dict() for t in self.described])
        # the features hold the rule hits, so they depend on the derived terms and their weights
        # as well as on the codebook (the derivation can change without the codebook changing)
        rules_key = content_key(self.codebook_key, sorted((k, v) for k, v in self.rules.derived.items()))
        self.extractor = FeatureExtractor(
            self.pipeline, self.vectors, self.rules, rules_key, settings.candidates_include_interviewer,
            study.sentence_index,
        )
        self.prototypes = theme_vectors(self.described, self.embed_texts)
        pairs = [(i, text) for i, t in enumerate(self.themes) for text in t.examples if text.strip()]
        self.examples = Examples(
            self.embed_texts([text for _, text in pairs]),
            np.array([i for i, _ in pairs], np.int64),
            [text for _, text in pairs],
        )
        self._features: dict[str, TranscriptFeatures] = {}
        self._stats: tuple[str, StudyStats] | None = None
        self._texts: dict[str, str] = {}
        self.computed: set[str] = set()  # transcripts whose features this engine computed

    def require_themes(self) -> None:
        """Suggesting and training need themes; sentences and candidates do not."""
        if not self.themes:
            path = self.codebook.path if self.codebook else self.study.settings_path
            raise PiriQualError(
                "the codebook has no themes, so there is nothing to suggest",
                path=path,
                hint="Add themes with a label and a definition (and, if you like, keywords and examples).",
            )

    # -- paths ----------------------------------------------------------------------------------
    def _path(self, *parts: str) -> Path:
        return assist_dir(self.study.cache_dir, *parts)

    # -- embedding helpers ----------------------------------------------------------------------
    def embed_texts(self, texts: list[str]) -> np.ndarray:
        rows = [self.vectors.doc_token_vectors(doc).sum(0) for doc in self.pipeline.pipe(texts)]
        return unit_rows(np.vstack(rows)) if rows else np.zeros((0, self.vectors.dims), np.float32)

    # -- features -------------------------------------------------------------------------------
    def features(
        self, transcript_ids: list[str], advance: Callable[[int], None] | None = None
    ) -> dict[str, TranscriptFeatures]:
        """Features per transcript from the cache, computing (in one batch) those missing."""
        out: dict[str, TranscriptFeatures] = {}
        missing = []
        for tid in transcript_ids:
            if tid in self._features:
                out[tid] = self._features[tid]
                continue
            transcript = self.study.transcript(tid)
            key = self.extractor.key(transcript)
            found = TranscriptFeatures.load(self._path("features", f"{tid}.npz"), key)
            if found is None:
                missing.append(transcript)
            else:
                out[tid] = found
                if advance is not None:
                    advance(transcript.words)
        if missing:
            for feats in self.extractor.extract(missing, advance):
                feats.save(self._path("features", f"{feats.transcript}.npz"))
                out[feats.transcript] = feats
                self.computed.add(feats.transcript)
        self._features.update(out)
        return {tid: out[tid] for tid in transcript_ids}

    def stats(self) -> tuple[str, StudyStats]:
        """Per-theme similarity statistics over the whole study (cached by its features' keys)."""
        if self._stats is not None:
            return self._stats
        tids = self.study.transcript_ids()
        keys = [self.extractor.key(self.study.transcript(t)) for t in tids]
        stats = self.cached_stats(keys)
        if stats is None:
            total = Moments.empty(len(self.themes))
            for tid in tids:  # one transcript's features in memory at a time
                total = total.merged(self.moments(tid))
            stats = self.save_stats(keys, total)
        return self.remember_stats(keys, stats)

    @staticmethod
    def stats_key(features_keys: list[str]) -> str:
        return content_key("stats", SIMILARITY_VERSION, features_keys)

    def cached_stats(self, features_keys: list[str]) -> StudyStats | None:
        """The study statistics stored for these features (every transcript's, in order), if any."""
        found = load_arrays(self._path("stats.npz"), self.stats_key(features_keys))
        if found is None:
            return None
        arrays, _ = found
        return StudyStats(arrays["mean"], arrays["std"], arrays["ctx_mean"], arrays["ctx_std"])

    def save_stats(self, features_keys: list[str], total: Moments) -> StudyStats:
        """Fit the study statistics from every transcript's moments, merged in order; store them."""
        stats = total.stats(len(self.themes))
        save_arrays(self._path("stats.npz"), self.stats_key(features_keys),
                    {"mean": stats.mean, "std": stats.std, "ctx_mean": stats.ctx_mean, "ctx_std": stats.ctx_std}, {})
        return stats

    def remember_stats(self, features_keys: list[str], stats: StudyStats) -> tuple[str, StudyStats]:
        self._stats = (self.stats_key(features_keys)[:16], stats)
        return self._stats

    def moments(self, tid: str, feats: TranscriptFeatures | None = None) -> Moments:
        """One transcript's contribution to the study statistics, from its cache file or computed."""
        if feats is None:
            feats = self.features_streamed(tid)
        path = self._path("moments", f"{tid}.npz")
        found = Moments.load(path, feats.key)
        if found is None:
            found = Moments.of(feats, self.prototypes)
            found.save(path, feats.key)
        return found

    def features_streamed(self, tid: str) -> TranscriptFeatures:
        """One transcript's features, from the cache or computed and cached, remembered nowhere
        (unlike :meth:`features`): passes over a whole study hold one transcript at a time."""
        if tid in self._features:
            return self._features[tid]
        transcript = self.study.transcript(tid, remember=False)
        key = self.extractor.key(transcript, remember=False)
        path = self._path("features", f"{tid}.npz")
        feats = TranscriptFeatures.load(path, key)
        if feats is None:
            feats = self.extractor.extract_one(transcript, key)
            feats.save(path)
            self.computed.add(tid)
            self.study.sentence_index.forget(tid)
        return feats

    def stats_from(self, feats: list[TranscriptFeatures]) -> StudyStats:
        sims, ctx = [], []
        for f in feats:
            s, c = base_signals(f, f.candidates, self.prototypes)
            sims.append(s)
            ctx.append(c)
        return StudyStats.fit(sims, ctx, len(self.themes))

    # -- decisions and the learner --------------------------------------------------------------
    def decisions(self, coder: str) -> Decisions:
        """The coder's current codings and rejections, in codebook theme indices."""
        fold = self.study.fold(coder)
        out = Decisions()
        for c in fold.codings.values():
            if c.theme in self.index_of:
                out.codings.setdefault(c.transcript, []).append((c.start, c.end, self.index_of[c.theme], c.quote))
        for r in fold.rejections:
            if r.theme in self.index_of and r.transcript and r.start is not None and r.end is not None:
                out.rejections.setdefault(r.transcript, []).append((r.start, r.end, self.index_of[r.theme]))
        for e in fold.effective:
            if e.op in DECISION_OPS:
                out.count += 1
                if e.transcript and e.end is not None:
                    out.reviewed[e.transcript] = max(out.reviewed.get(e.transcript, 0), e.end)
        for tid, items in out.codings.items():  # an adjusted or deleted coding still marks reading
            for _, end, _, _ in items:
                out.reviewed[tid] = max(out.reviewed.get(tid, 0), end)
        return out

    def _model_key(self) -> str:
        return content_key(
            LEARNER_VERSION, SIMILARITY_VERSION, self.codebook_key, self.vectors.version, self.extractor.include_interviewer,
            self.precision,
        )

    def _model_path(self, coder: str) -> Path:
        return self._path("models", f"{coder}.npz")

    def learner(self, coder: str | None) -> Learner:
        """The coder's stored model, or the cold-start one."""
        if coder:
            self.study.log(coder)  # validates the name
            found = Learner.load(self._model_path(coder), self._model_key())
            if found is not None:
                return found
        return cold_learner(len(self.themes))

    def model_is_stale(self, coder: str) -> bool:
        """True when the coder has decided something since their model was trained, or the model
        no longer fits the codebook (its cache key changed)."""
        meta = load_json(self._path("models", f"{coder}.json")) or {}
        if meta.get("fingerprint") != self.decisions(coder).fingerprint():
            return True
        return load_arrays(self._model_path(coder), self._model_key()) is None

    def retrain(self, coder: str) -> LearnerInfo:
        self.require_themes()
        decisions = self.decisions(coder)
        tids = [t for t in self.study.transcript_ids() if t in decisions.codings or t in decisions.rejections]
        labelled = [
            lab
            for tid in tids
            if (lab := label_transcript(self.features_streamed(tid), decisions, len(self.themes))) is not None
        ]
        _, stats = self.stats()
        learner = train(labelled, self.prototypes, stats, coder, decisions.count, self.examples, self.precision)
        info = learner.info
        assert info is not None  # train() always describes the model it fitted
        learner.save(self._model_path(coder), self._model_key())
        save_json(self._path("models", f"{coder}.json"), {"fingerprint": decisions.fingerprint(), **info.as_dict()})
        return info

    # -- suggestions ----------------------------------------------------------------------------
    def suggestions(self, tid: str, learner: Learner, coder: str | None) -> list[Suggestion]:
        """All suggestions for a transcript under ``learner``, best first, with their reasons."""
        table = self.suggestion_table(tid, learner, coder)
        return self.to_suggestions(table, self.features([tid])[tid], learner)

    def suggestion_table(self, tid: str, learner: Learner, coder: str | None) -> SuggestionTable:
        """The transcript's suggestions as arrays, from the cache when its key still holds."""
        self.require_themes()
        feats = self.features([tid])[tid]
        stats_key, stats = self.stats()
        return self.cached_table(tid, feats.key, lambda: feats, learner, coder, stats_key, stats)[0]

    def cached_table(
        self, tid: str, features_key: str, load_features: Callable[[], TranscriptFeatures], learner: Learner,
        coder: str | None, stats_key: str, stats: StudyStats,
    ) -> tuple[SuggestionTable, bool]:
        """The stored table when its key (features, model, statistics) still holds, else scored
        from the features ``load_features`` gives and stored; and whether it was scored now."""
        key = content_key(features_key, learner.version(), stats_key)
        path = self._path("suggestions", coder or "_cold", f"{tid}.npz")
        found = load_arrays(path, key)
        if found is not None and set(found[0]) == set(SuggestionTable.ARRAYS):
            arrays, meta = found
            return SuggestionTable(terms=meta["terms"], **arrays), False
        table = self.score_table(load_features(), learner, stats)
        save_arrays(path, key, {name: getattr(table, name) for name in SuggestionTable.ARRAYS}, {"terms": table.terms})
        return table, True

    def score(self, feats: TranscriptFeatures, learner: Learner, stats: StudyStats) -> list[Suggestion]:
        """Score a transcript and return its suggestions, best first (nothing cached)."""
        return self.to_suggestions(self.score_table(feats, learner, stats), feats, learner)

    def score_table(self, feats: TranscriptFeatures, learner: Learner, stats: StudyStats) -> SuggestionTable:
        """Score every candidate sentence against every theme; merge adjacent hits into runs.

        Only numbers are kept (span, theme, score, the winning sentence's signals); the words of
        a reason are written when a suggestion is shown (:meth:`to_suggestions`), since a study
        of a million words yields tens of thousands of suggestions and few are read at once.
        """
        sm = signal_matrix(feats, self.prototypes, stats, learner, examples=self.examples)
        if not len(sm.rows):
            return SuggestionTable.empty()
        probs = combine(sm.values, learner.weights)
        probs[sm.veto] = 0.0
        best_of_sentence = probs.max(1)
        chosen = relative_filter(probs, learner.relative) >= learner.cutoffs(probs.shape[1])[None, :]
        units = feats.sentence_unit[sm.rows]
        fallback = _fallback_units(feats, units, learner)
        if fallback.any():
            best = _unit_fallback(probs, units, learner.threshold * FALLBACK)
            chosen |= best & (fallback & ~_covered(chosen, units))[:, None]
        chosen = _bridge(chosen, ~sm.veto, units, sm.rows)
        if learner.whole_units:
            chosen = _whole_units(chosen, units) & ~sm.veto
        terms = _terms_by_cell(feats, sm.rows)
        spans = feats.sentences[sm.rows]
        rows: list[tuple[int, int, int, int, int]] = []  # start, end, theme, best, run length
        matched: list[list[str]] = []
        for theme_index in np.nonzero(chosen.any(0))[0].tolist():
            column = probs[:, theme_index]
            for run in runs(np.nonzero(chosen[:, theme_index])[0], units, sm.rows,
                            len(units) if learner.whole_units else MAX_RUN):
                top = run[int(np.argmax(column[run]))] if len(run) > 1 else run[0]
                rows.append((int(spans[run[0], 0]), int(spans[run[-1], 1]), theme_index, top, len(run)))
                matched.append(sorted({t for r in run for t in terms.get((r, theme_index), ())}) if terms else [])
        if not rows:
            empty = SuggestionTable.empty()
            empty.best = best_of_sentence
            return empty
        table = np.array(rows, np.int64)
        best, theme = table[:, 3], table[:, 2]
        order = np.lexsort((theme, table[:, 0], -probs[best, theme]))
        return SuggestionTable(
            start=table[order, 0],
            end=table[order, 1],
            theme=theme[order],
            sentence=sm.rows[best[order]],
            length=table[order, 4],
            score=probs[best, theme][order].astype(np.float32),
            source=dominant_sources(sm.values[best, theme][order], learner.weights).astype(np.int8),
            values=sm.values[best, theme][order],
            sim=sm.sims[best, theme][order].astype(np.float32),
            terms=[matched[i] for i in order.tolist()],
            best=best_of_sentence,
        )

    def to_suggestions(self, table: SuggestionTable, feats: TranscriptFeatures, learner: Learner) -> list[Suggestion]:
        """Suggestion records, with reasons, from a table (in its order: best first)."""
        text = self._text(feats.transcript)
        out = []
        vectors = feats.sentence_vectors(table.sentence) if len(table) else None
        for i in range(len(table)):
            values = table.values[i]
            theme_index = int(table.theme[i])
            near = example = None
            if values[F["has_codings"]] and vectors is not None and learner.weights[F["near"]] > 0:
                ref = learner.nearest_ref(vectors[i], theme_index)
                near = self._quote_of(ref) if ref else None
            if values[F["example"]] > 0.2 and vectors is not None:
                example = self._example_of(vectors[i], theme_index)
            reason, signals = explain(values, learner.weights, float(table.sim[i]), table.terms[i], near, example)
            if table.length[i] > 1:
                reason += f"; {int(table.length[i])} sentences"
            start, end = int(table.start[i]), int(table.end[i])
            out.append(
                Suggestion(
                    transcript=feats.transcript,
                    start=start,
                    end=end,
                    quote=text[start:end],
                    theme=self.themes[theme_index].id,
                    score=round(float(table.score[i]), 4),
                    source=_SOURCES[int(table.source[i])],
                    reason=reason,
                    signals=signals,
                )
            )
        return out

    def _text(self, tid: str) -> str:
        if tid not in self._texts:
            self._texts[tid] = self.study.transcript(tid).text
        return self._texts[tid]

    def _example_of(self, vector: np.ndarray, theme: int) -> str | None:
        """The codebook example of ``theme`` closest to ``vector``."""
        rows = np.nonzero(self.examples.themes == theme)[0]
        if not len(rows):
            return None
        return self.examples.texts[int(rows[np.argmax(self.examples.vectors[rows] @ vector)])]

    def _quote_of(self, ref: str) -> str | None:
        try:
            tid, span = ref.rsplit(":", 1)
            a, b = (int(x) for x in span.split("-"))
            return self._text(tid)[a:b]
        except (ValueError, PiriQualError):
            return None

    def _decided(self, coder: str | None) -> dict[tuple[str, str], list[tuple[int, int]]]:
        """Spans the coder coded or rejected, per (transcript, theme)."""
        taken: dict[tuple[str, str], list[tuple[int, int]]] = {}
        if not coder:
            return taken
        fold = self.study.fold(coder)
        for c in fold.codings.values():
            taken.setdefault((c.transcript, c.theme), []).append((c.start, c.end))
        for r in fold.rejections:
            if r.start is not None and r.end is not None:
                taken.setdefault((r.transcript or "", r.theme or ""), []).append((r.start, r.end))
        return taken

    def without_decided(self, found: list[Suggestion], coder: str | None) -> list[Suggestion]:
        """Drop suggestions overlapping a coding of the same theme by ``coder``, or one they rejected."""
        if not coder or not found:
            return found
        taken = self._decided(coder)
        return [
            s
            for s in found
            if not any(a < s.end and s.start < b for a, b in taken.get((s.transcript, s.theme), ()))
        ]

    def suggest_all(
        self,
        transcript_ids: list[str],
        coder: str | None,
        advance: Callable[[str, int], None] | None = None,
        retrain_if_stale: bool = True,
        jobs: int = 1,
    ) -> SuggestRun:
        """Compute and cache suggestions for these transcripts (the ``suggest`` command).

        Transcripts stream through :mod:`piri_qual.assist.stream` in ``jobs`` processes;
        ``advance(phase, transcripts)`` reports progress ("reading", then "scoring").
        """
        from piri_qual.assist.stream import suggest_streamed

        return suggest_streamed(self, transcript_ids, coder, jobs=jobs, advance=advance,
                                retrain_if_stale=retrain_if_stale)

    def undecided(self, table: SuggestionTable, tid: str, taken: dict[tuple[str, str], list[tuple[int, int]]]) -> int:
        """How many of a table's suggestions overlap nothing the coder decided (``taken``)."""
        return sum(
            1
            for a, b, t in zip(table.start.tolist(), table.end.tolist(), table.theme.tolist(), strict=True)
            if not any(x < b and a < y for x, y in taken.get((tid, self.themes[t].id), ()))
        )

def described_themes(themes: list[Theme], codebook: Codebook | None) -> list[Theme]:
    """The themes as similarity sees them: a code with a name but no definition of its own is
    described by its folder's label and description too ("Compliment" under "Benefits of the
    tool"), as codebooks from MAXQDA or NVivo often keep the memo on the folder alone. Rules and
    derived terms still use the theme as written."""
    if codebook is None:
        return themes
    out = []
    for theme in themes:
        parent = codebook.lookup(theme.parent) if theme.parent else None
        if parent is not None and not theme.definition.strip() and not theme.include:
            context = ". ".join(p for p in (parent.label, parent.definition.strip()) if p)
            theme = replace(theme, definition=context)
        out.append(theme)
    return out


def _terms_by_cell(feats: TranscriptFeatures, rows: np.ndarray) -> dict[tuple[int, int], list[str]]:
    position = {int(r): i for i, r in enumerate(rows)}
    out: dict[tuple[int, int], list[str]] = {}
    for s, t, kind, term in zip(feats.hit_sentence, feats.hit_theme, feats.hit_kind, feats.hit_terms, strict=True):
        if kind == VETO or int(s) not in position:
            continue
        out.setdefault((position[int(s)], int(t)), []).append(term)
    return out


FALLBACK = 0.5  # a unit's best theme is still suggested at half the threshold ...
UNIT_RATE_FOR_FALLBACK = 0.7  # ... where the coder codes at least this share of units


def _fallback_units(feats: TranscriptFeatures, units: np.ndarray, learner: Learner) -> np.ndarray:
    """Per candidate sentence: may its unit get its single best theme even below the threshold?

    A survey answer is there to be coded, while an interview turn may be small talk. Before
    any decision that is all the engine knows, so unlabelled units (answers, paragraphs) get the
    fallback and speaker turns do not. Once the coder has decided, it follows their practice:
    the fallback is on where they code at least 70% of the units they read.
    """
    if learner.unit_rate is not None:
        return np.full(len(units), learner.unit_rate >= UNIT_RATE_FOR_FALLBACK)
    return ~feats.unit_labelled[units]


def _unit_starts(units: np.ndarray) -> np.ndarray:
    """Where each unit's block begins among candidate sentences (in text order, a unit's
    sentences are adjacent)."""
    return np.r_[0, np.nonzero(np.diff(units))[0] + 1]


def _in_unit(chosen: np.ndarray, units: np.ndarray) -> np.ndarray:
    """(sentences, columns): is the column chosen in any sentence of this sentence's unit?"""
    if not len(units):
        return chosen.astype(bool)
    starts = _unit_starts(units)
    has = np.maximum.reduceat(chosen.astype(np.int8), starts, axis=0) > 0
    return np.repeat(has, np.diff(np.r_[starts, len(units)]), axis=0)


def _covered(chosen: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Per sentence: does its unit already have a suggestion?"""
    return _in_unit(np.any(chosen, axis=1, keepdims=True), units)[:, 0]


def _unit_fallback(probs: np.ndarray, units: np.ndarray, floor: float) -> np.ndarray:
    """The single best (sentence, theme) cell of each unit, if it reaches ``floor``."""
    out = np.zeros_like(probs, dtype=bool)
    starts = _unit_starts(units)
    ends = np.r_[starts[1:], len(units)]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        block = probs[a:b]
        r, t = np.unravel_index(int(np.argmax(block)), block.shape)
        if block[r, t] >= floor:
            out[a + r, t] = True
    return out


def _whole_units(chosen: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Every sentence of a unit (turn, answer) for each theme chosen in any of its sentences."""
    return _in_unit(chosen, units)


def _bridge(chosen: np.ndarray, allowed: np.ndarray, units: np.ndarray, rows: np.ndarray, max_gap: int = MAX_GAP) -> np.ndarray:
    """Join two suggestions of one theme in one turn that only a short gap separates.

    People code one excerpt per idea, and an idea often runs over a few sentences of which some
    ("you know, it was hard") say little on their own. Where sentences ``i`` and ``i + g + 1``
    of the same unit are both chosen for a theme and the ``g <= max_gap`` sentences between are
    not, those are chosen too (unless an exclusion term vetoes them), so the suggestion is one
    excerpt rather than fragments.
    """
    out = chosen.copy()
    n = len(chosen)
    for g in range(1, max_gap + 1):
        span = g + 1
        if n <= span:
            break
        same = (units[span:] == units[:-span]) & (rows[span:] == rows[:-span] + span)
        gap = chosen[:-span] & chosen[span:] & same[:, None]
        for j in range(1, span):
            gap &= ~chosen[j : n - span + j]
        for j in range(1, span):
            out[j : n - span + j] |= gap & allowed[j : n - span + j]
    return out


def runs(picked: np.ndarray, units: np.ndarray, rows: np.ndarray, limit: int = MAX_RUN) -> list[list[int]]:
    """Group chosen candidate positions into runs of adjacent sentences within one unit, of at
    most ``limit`` sentences."""
    runs: list[list[int]] = []
    units_list, rows_list = units.tolist(), rows.tolist()
    for p in picked.tolist():
        if (
            runs
            and runs[-1][-1] == p - 1
            and units_list[p] == units_list[p - 1]
            and rows_list[p] == rows_list[p - 1] + 1
            and len(runs[-1]) < limit
        ):
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs
