"""Per-transcript features: sentences, their vectors and rule hits, computed once and cached.

This is the expensive part of suggesting (running spaCy over the text), so it is batched with
``nlp.pipe`` across all transcripts that need it, vectorised with numpy, and cached per transcript
under a key of everything it depends on. The sentences are the study's sentence index
(:mod:`piri_qual.core.sentences`), parsed in the same pass. Scoring against themes and the
learned model happens later, from these arrays, and is cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from piri_qual.assist.candidates import Unit, units
from piri_qual.assist.pattern_filter import PatternFilter
from piri_qual.assist.rules import PATTERN, CompiledRules, match_doc
from piri_qual.assist.similarity import StaticVectors, unit_rows
from piri_qual.core.cache import content_key, load_arrays, save_arrays, stored_key
from piri_qual.core.corpus import Transcript
from piri_qual.core.sentences import SENTENCES_VERSION, SentenceBatch, SentenceIndex

FEATURES_VERSION = 8  # 8: stage directions (corpus nonspeech) are never candidates

_ARRAY_FIELDS = (
    "sentences", "sentence_unit", "sentence_words", "sentence_speech", "units", "unit_candidate", "unit_labelled", "unit_context",
    "vectors", "vector_scale", "unit_vectors", "hit_sentence", "hit_theme", "hit_kind", "hit_weight", "norms",
)


@dataclass
class TranscriptFeatures:
    """What the engine knows about one transcript before any theme is scored."""

    transcript: str
    key: str
    sentences: np.ndarray  # (n, 2) int64 [start, end) offsets into the transcript text
    sentence_unit: np.ndarray  # (n,) int32 unit of each sentence
    sentence_words: np.ndarray  # (n,) int32 alphabetic tokens in each sentence
    sentence_speech: np.ndarray  # (n,) bool: not wholly a stage direction ("(laughs)")
    units: np.ndarray  # (u, 2) int64
    unit_candidate: np.ndarray  # (u,) bool
    unit_labelled: np.ndarray  # (u,) bool: a speaker's turn (not an unlabelled answer or paragraph)
    unit_context: np.ndarray  # (u,) int32 the interviewer unit before it, or -1
    vectors: np.ndarray  # (n, d) int8: unit-length sentence vectors, quantised per row ...
    vector_scale: np.ndarray  # (n,) float32 ... by this scale (see sentence_vectors)
    unit_vectors: np.ndarray  # (u, d) float16, unit length
    hit_sentence: np.ndarray  # (h,) int32
    hit_theme: np.ndarray  # (h,) int32
    hit_kind: np.ndarray  # (h,) int8
    hit_weight: np.ndarray  # (h,) float32
    hit_terms: list[str]
    norms: np.ndarray  # (sum(sentence_words),) uint64 NORM of each alphabetic token, in order

    def token_norms(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The NORM hashes of sentences ``rows``, flattened, and each sentence's token count."""
        ptr = np.r_[0, np.cumsum(self.sentence_words, dtype=np.int64)]
        counts = self.sentence_words[rows].astype(np.int64)
        if not len(rows):
            return np.zeros(0, np.uint64), counts
        index = np.repeat(ptr[rows] - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(counts.sum())
        return self.norms[index], counts

    @property
    def candidates(self) -> np.ndarray:
        """Indices of the sentences that may be suggested."""
        return np.nonzero(
            self.unit_candidate[self.sentence_unit] & (self.sentence_words > 0) & self.sentence_speech
        )[0]

    def sentence_vectors(self, rows: np.ndarray) -> np.ndarray:
        """Unit vectors (float32) of sentences ``rows``."""
        return self.vectors[rows].astype(np.float32) * self.vector_scale[rows, None]

    def context_vectors(self, rows: np.ndarray) -> np.ndarray:
        """For sentences ``rows``: the vector of the interviewer turn just before their unit."""
        ctx = self.unit_context[self.sentence_unit[rows]]
        out = np.zeros((len(rows), self.unit_vectors.shape[1]), np.float32)
        has = ctx >= 0
        out[has] = self.unit_vectors[ctx[has]]
        return out

    def save(self, path: Path) -> None:
        arrays = {name: getattr(self, name) for name in _ARRAY_FIELDS}
        save_arrays(path, self.key, arrays, {"transcript": self.transcript, "terms": self.hit_terms})

    @staticmethod
    def stored_key(path: Path) -> str | None:
        """The key the features at ``path`` were computed for, reading only their header."""
        return stored_key(path)

    @classmethod
    def load(cls, path: Path, key: str) -> TranscriptFeatures | None:
        found = load_arrays(path, key)
        if found is None:
            return None
        arrays, meta = found
        if any(name not in arrays for name in _ARRAY_FIELDS):
            return None
        return cls(transcript=meta["transcript"], key=key, hit_terms=list(meta["terms"]), **arrays)


class FeatureExtractor:
    """Turns transcripts into :class:`TranscriptFeatures` with one spaCy pipeline and codebook.

    Sentences are the study's sentence index (:mod:`piri_qual.core.sentences`): the extractor
    parses the index's segments with its own pipeline through :meth:`SentenceIndex.parse`, so a
    transcript is tokenised once, and its sentences are the ones agreement and the terminal UI use.
    """

    def __init__(
        self,
        pipeline: Any,
        vectors: StaticVectors,
        rules: CompiledRules,
        codebook_key: str,
        include_interviewer: bool,
        index: SentenceIndex,
    ) -> None:
        self.pipeline = pipeline
        self.vectors = vectors
        self.rules = rules
        self.codebook_key = codebook_key
        self.include_interviewer = include_interviewer
        self.index = index
        self._keys: dict[str, tuple[Transcript, str]] = {}
        self._filter: PatternFilter | None = None

    def key(self, transcript: Transcript, *, remember: bool = True) -> str:
        """Everything the features depend on, hashed; memoised per transcript object unless
        ``remember`` is false (a pass over a whole study keeps no transcript alive)."""
        if not remember:
            return self._key(transcript)
        memo = self._keys.get(transcript.id)
        if memo is not None and memo[0] is transcript:
            return memo[1]
        key = self._key(transcript)
        self._keys[transcript.id] = (transcript, key)
        return key

    def _key(self, transcript: Transcript) -> str:
        turns = [(t.speaker, t.role, t.start, t.end) for t in transcript.turns]
        return content_key(
            FEATURES_VERSION,
            SENTENCES_VERSION,
            self.pipeline.version,
            self.vectors.version,
            self.codebook_key,
            self.include_interviewer,
            transcript.text,
            turns,
            transcript.nonspeech,
        )

    def extract_one(self, transcript: Transcript, key: str) -> TranscriptFeatures:
        """Features of one transcript, parsed in a stream of its own.

        What ``suggest`` calls: the features are then a function of the transcript alone (spaCy's
        batches start at its first segment, so no sum depends on which transcripts were parsed
        with it), identical whichever process or chunk computes them.
        """
        return self.extract([transcript], keys=[key])[0]

    def extract(
        self, transcripts: list[Transcript], advance: Callable[[int], None] | None = None,
        keys: list[str] | None = None,
    ) -> list[TranscriptFeatures]:
        """Features of each transcript, in order; ``advance(words)`` reports progress."""
        from spacy.attrs import IDX, IS_ALPHA, IS_SPACE, LEMMA, LENGTH, LOWER, NORM, SENT_START

        columns = (LOWER, LEMMA, NORM, IDX, LENGTH, SENT_START, IS_ALPHA, IS_SPACE)
        plans = [units(t, self.include_interviewer) for t in transcripts]
        builders = [_Builder(t, u, self.vectors.dims) for t, u in zip(transcripts, plans, strict=True)]
        where = _UnitLookup(plans)
        # the pipeline's lock is held for the whole stream (spaCy's string store is shared)
        with self.pipeline.lock:
            for batch in self.index.parse(transcripts, self.pipeline.nlp, attrs=columns):
                assert batch.columns == columns
                self._flush(batch, builders, where, advance)
        if keys is None:
            keys = [self.key(t) for t in transcripts]
        return [b.finish(k) for b, k in zip(builders, keys, strict=True)]

    def _flush(
        self,
        batch: SentenceBatch,
        builders: list[_Builder],
        where: _UnitLookup,
        advance: Callable[[int], None] | None,
    ) -> None:
        """Vectorised work for a batch of docs: their sentences' vectors and rule hits.

        ``batch.tokens`` columns: LOWER, LEMMA, NORM, IDX, LENGTH, SENT_START, IS_ALPHA, IS_SPACE.
        """
        a = batch.tokens
        doc_start = batch.doc_start
        lengths = np.diff(np.r_[doc_start, len(a)])
        starts = batch.starts
        spans = batch.spans
        sent_doc = batch.sentence_doc
        token_sentence = batch.token_sentence
        sums_t = self._sentence_sums(a, token_sentence, len(starts))  # (dims, sentences)
        sums = sums_t.T
        words = np.add.reduceat(a[:, 6].astype(np.int64), starts).astype(np.int32)
        alpha = a[:, 6] == 1
        alpha_norms = a[alpha, 2]
        alpha_ptr = np.r_[0, np.cumsum(np.bincount(token_sentence[alpha], minlength=len(starts)))]
        doc_ti = batch.transcript
        doc_unit = where.unit_of(doc_ti, batch.segment_start)
        doc_ui = doc_unit - where.first[doc_ti]
        doc_candidate = where.candidate[doc_unit]
        sent_ti, sent_ui = doc_ti[sent_doc], doc_ui[sent_doc]
        hits = [h for h in self.rules.derived_hits(a[:, 2], token_sentence) if doc_candidate[sent_doc[h.sentence]]]
        windows = self._pattern_filter().windows(a, doc_start)
        for d, doc in enumerate(batch.docs):
            if doc_candidate[d]:
                hits.extend(match_doc(doc, self.rules, token_sentence[doc_start[d] : doc_start[d] + lengths[d]],
                                      windows[d]))
        hits.sort(key=lambda h: h.sentence)
        hit_sentence = np.array([h.sentence for h in hits], np.int64)
        groups = np.r_[0, np.nonzero(np.diff(sent_ti) | np.diff(sent_ui))[0] + 1]
        unit_partial = np.add.reduceat(sums_t, groups, axis=1).T  # per (transcript, unit) run
        cuts = np.r_[0, np.nonzero(np.diff(sent_ti))[0] + 1, len(starts)]
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            h_lo, h_hi = np.searchsorted(hit_sentence, [lo, hi])
            g_lo, g_hi = np.searchsorted(groups, [lo, hi])
            builder = builders[int(sent_ti[lo])]
            builder.unit_sums[sent_ui[groups[g_lo:g_hi]]] += unit_partial[g_lo:g_hi]
            builder.add(
                spans[lo:hi], sums[lo:hi], words[lo:hi], sent_ui[lo:hi],
                [(h.sentence - lo, h.theme, h.kind, h.weight, h.term) for h in hits[h_lo:h_hi]],
                alpha_norms[alpha_ptr[lo] : alpha_ptr[hi]],
            )
        if advance is not None:
            advance(int(words.sum()))

    def _pattern_filter(self) -> PatternFilter:
        """The codebook's token patterns as a prefilter over a batch's LOWER, LEMMA, NORM columns."""
        if self._filter is None:
            ids = [match_id for match_id, (_, kind, _, _) in self.rules.terms.items() if kind == PATTERN]
            self._filter = PatternFilter(self.rules.matcher, ids, self.pipeline.nlp.vocab.strings,
                                         {"LOWER": 0, "LEMMA": 1, "NORM": 2})
        return self._filter

    def _sentence_sums(self, a: np.ndarray, token_sentence: np.ndarray, n_sentences: int) -> np.ndarray:
        """Sum of each sentence's word vectors: (sentences, dims).

        A word's vector is found by its lower-case form, else its lemma, else built from its
        word pieces. Words whose weighted vector is negligible are skipped. The sum runs along
        the last axis of a (dims, tokens) gather from the transposed table, which numpy does
        several times faster than the row-major equivalent; each sentence's segment starts with
        the zero column so that empty sentences are allowed.
        """
        vectors = self.vectors
        keys, inverse = np.unique(a[:, 0], return_inverse=True)
        rows_u = vectors.rows(keys)
        missing = rows_u == vectors.none_row
        if missing.any():  # look the missing words up by lemma (per token: lemma can differ)
            rows = rows_u[inverse]
            by_lemma = missing[inverse]
            rows[by_lemma] = vectors.rows(a[by_lemma, 1])
        else:
            rows = rows_u[inverse]
        oov = (rows == vectors.none_row) & (a[:, 6] == 1)
        keep = ~vectors.negligible[rows] | oov
        kept = np.nonzero(keep)[0]
        counts = np.bincount(token_sentence[kept], minlength=n_sentences)
        seg = np.arange(n_sentences) + np.r_[0, np.cumsum(counts)[:-1]]
        full = np.full(n_sentences + len(kept), vectors.none_row, np.int64)
        body = np.ones(len(full), bool)
        body[seg] = False
        full[body] = rows[kept]
        columns = np.take(vectors.matrix_t, full, axis=1)
        if oov.any():
            strings = self.pipeline.nlp.vocab.strings
            position = np.nonzero(body)[0]
            oov_kept = oov[kept]
            for key in np.unique(a[kept[oov_kept], 0]):
                vec = vectors.oov_vector(strings[int(key)])
                if vec is not None:
                    columns[:, position[oov_kept & (a[kept, 0] == key)]] = vec[:, None]
        return np.add.reduceat(columns, seg, axis=1)


class _UnitLookup:
    """Which unit each parsed segment belongs to, for a list of transcripts at once.

    Units of one transcript are sorted and do not overlap, and every segment lies inside one, so
    a segment's unit is the last one starting at or before it: one ``searchsorted`` per batch
    over keys that put the transcript's position above the offset.
    """

    def __init__(self, plans: list[list[Unit]]) -> None:
        counts = np.array([len(p) for p in plans], np.int64)
        self.first = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
        owner = np.repeat(np.arange(len(plans), dtype=np.int64), counts)
        starts = np.array([u.start for p in plans for u in p], np.int64)
        self.keys = (owner << 40) | starts
        self.candidate = np.array([u.candidate for p in plans for u in p], bool)

    def unit_of(self, transcript: np.ndarray, offset: np.ndarray) -> np.ndarray:
        """The (study-wide) unit holding each segment ``offset`` of transcript ``transcript``."""
        return np.searchsorted(self.keys, (transcript << 40) | offset, side="right") - 1


class _Builder:
    """Accumulates one transcript's sentences, vectors and hits as its docs stream past."""

    def __init__(self, transcript: Transcript, plan: list[Unit], dims: int) -> None:
        self.transcript = transcript
        self.plan = plan
        self.dims = dims
        self.spans: list[np.ndarray] = []
        self.unit_of: list[np.ndarray] = []
        self.unit_sums = np.zeros((len(plan), dims), np.float32)
        self.words: list[np.ndarray] = []
        self.sums: list[np.ndarray] = []
        self.hits: list[tuple[int, int, int, float]] = []
        self.terms: list[str] = []
        self.norms: list[np.ndarray] = []
        self.count = 0

    def add(
        self,
        spans: np.ndarray,
        sums: np.ndarray,
        words: np.ndarray,
        unit_of: np.ndarray,
        hits: list[tuple[int, int, int, float, str]],
        norms: np.ndarray,
    ) -> None:
        """Append a block of consecutive sentences (hits numbered within the block)."""
        self.spans.append(spans)
        self.unit_of.append(unit_of.astype(np.int32))
        self.words.append(words)
        self.sums.append(sums)
        self.norms.append(norms)
        for sentence, theme, kind, weight, term in hits:
            self.hits.append((self.count + sentence, theme, kind, weight))
            self.terms.append(term)
        self.count += len(spans)

    def _quantised(self) -> tuple[np.ndarray, np.ndarray]:
        """Sentence vectors as int8 with one scale per row: half the cache of float16, and a
        cosine error well under 1%."""
        if not self.sums:
            return np.zeros((0, self.dims), np.int8), np.zeros(0, np.float32)
        unit = unit_rows(np.concatenate(self.sums))
        scale = np.abs(unit).max(1) / 127.0
        scale[scale == 0] = 1.0
        return np.rint(unit / scale[:, None]).astype(np.int8), scale.astype(np.float32)

    def finish(self, key: str) -> TranscriptFeatures:
        plan = self.plan
        context = np.full(len(plan), -1, np.int32)
        last = -1
        for i, unit in enumerate(plan):
            turn = self.transcript.turns[unit.turn] if unit.turn is not None else None
            context[i] = last
            if turn is not None and turn.role == "interviewer":
                last = i
        hits = np.array(self.hits, dtype=np.float64).reshape(-1, 4)
        q, scale = self._quantised()
        sentences = np.concatenate(self.spans) if self.spans else np.zeros((0, 2), np.int64)
        speech = np.ones(len(sentences), bool)
        if self.transcript.nonspeech:
            quiet = self.transcript.is_nonspeech
            speech = np.array([not quiet(int(a), int(b)) for a, b in sentences], bool).reshape(-1)
        return TranscriptFeatures(
            transcript=self.transcript.id,
            key=key,
            sentences=sentences,
            sentence_speech=speech,
            sentence_unit=np.concatenate(self.unit_of) if self.unit_of else np.zeros(0, np.int32),
            sentence_words=np.concatenate(self.words) if self.words else np.zeros(0, np.int32),
            units=np.array([(u.start, u.end) for u in plan], np.int64).reshape(-1, 2),
            unit_candidate=np.array([u.candidate for u in plan], bool),
            unit_labelled=np.array(
                [u.turn is not None and self.transcript.turns[u.turn].speaker is not None for u in plan], bool
            ),
            unit_context=context,
            vectors=q,
            vector_scale=scale,
            unit_vectors=unit_rows(self.unit_sums).astype(np.float16),
            hit_sentence=hits[:, 0].astype(np.int32),
            hit_theme=hits[:, 1].astype(np.int32),
            hit_kind=hits[:, 2].astype(np.int8),
            hit_weight=hits[:, 3].astype(np.float32),
            hit_terms=self.terms,
            norms=np.concatenate(self.norms).astype(np.uint64) if self.norms else np.zeros(0, np.uint64),
        )
