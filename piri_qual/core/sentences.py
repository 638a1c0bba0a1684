"""The sentence index: where each transcript's sentences are, computed once and cached.

Why one index: suggestions are made per sentence, agreement's ``sentence`` units are sentences,
and the terminal UI moves, resizes and reconciles excerpts by sentence. If each of them split
the text its own way, a suggestion could cover half an agreement unit, and the unit a coder
reconciles could differ from the one they widened an excerpt to. So a sentence is defined once,
here:

* the text is cut into *segments*, the paragraphs of each turn (of the whole text when a
  transcript has no turns): a sentence never crosses a turn, so never spans two speakers, and
  never crosses a line break, where transcribers start a new thought;
* each segment is split by spaCy's blank English tokenizer and its rule-based ``sentencizer``
  (:func:`sentence_pipeline`), and every sentence is trimmed of whitespace at both ends.

The spans are cached in ``.piri-cache/sentences/<id>.npz`` under a key of the transcript's text,
its turns' offsets, this module's version and spaCy's version, so a transcript is split once,
by whichever caller asks first, and again only when it changes. The suggestion engine tokenises
the same segments for its own features; it hands its pipeline to :meth:`SentenceIndex.parse`,
which splits with it when it splits exactly as the index does (the built-in pipeline is
:func:`sentence_pipeline` plus components that leave sentence starts alone), so a cold study is
tokenised once, and otherwise lays the index's sentences over that pipeline's tokens by offset.

spaCy is imported only when sentences are computed, so opening a study stays fast.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from piri_qual.core.cache import content_key, load_arrays, save_arrays
from piri_qual.core.corpus import Transcript

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

#: Part of every cache key: raise it when the definition of a sentence changes.
SENTENCES_VERSION = 1

#: Segments per :class:`SentenceBatch` (and per ``nlp.pipe`` batch).
BATCH_SIZE = 256

_PARAGRAPH = re.compile(r"\n\s*\n|\n")

# Components that set sentence starts: a pipeline with one of these after its sentencizer does
# not split as the index does.
_SENTENCE_SETTERS = frozenset({"parser", "beam_parser", "senter", "sentencizer"})


# -- segments ------------------------------------------------------------------------------------
def paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Non-blank paragraphs (lines) of ``text[start:end]``, trimmed, as absolute offsets."""
    if text.find("\n", start, end) < 0:  # the common case: one paragraph
        piece = text[start:end]
        stripped = piece.strip()
        if not stripped:
            return []
        lead = len(piece) - len(piece.lstrip())
        return [(start + lead, start + lead + len(stripped))]
    out = []
    pos = start
    for match in _PARAGRAPH.finditer(text, start, end):
        out.append((pos, match.start()))
        pos = match.end()
    out.append((pos, end))
    trimmed = []
    for a, b in out:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if b - trail > a + lead:
            trimmed.append((a + lead, b - trail))
    return trimmed


def segments(transcript: Transcript) -> list[tuple[int, int]]:
    """The stretches of text that are split into sentences: each turn's paragraphs, in order."""
    text = transcript.text
    if not transcript.turns:
        return paragraphs(text, 0, len(text))
    out: list[tuple[int, int]] = []
    for turn in transcript.turns:
        if turn.end > turn.start:
            out.extend(paragraphs(text, turn.start, turn.end))
    return out


def sentence_turns(transcript: Transcript, spans: np.ndarray) -> np.ndarray:
    """The index of the turn each sentence lies in (-1 for every sentence when there are none)."""
    if not transcript.turns:
        return np.full(len(spans), -1, np.int64)
    starts = np.asarray([t.start for t in transcript.turns], np.int64)
    return np.searchsorted(starts, np.asarray(spans, np.int64).reshape(-1, 2)[:, 0], side="right") - 1


# -- the pipeline --------------------------------------------------------------------------------
def sentence_pipeline() -> Language:
    """A new blank English pipeline with the rule-based sentencizer: how the index splits text.

    A new object each call, so that the suggestion engine can add its own components after the
    sentencizer without changing the index's pipeline.
    """
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=1)
def _index_nlp() -> Language:
    nlp = sentence_pipeline()
    nlp.initialize()
    return nlp


# spaCy's string store is not safe for concurrent writes, and the TUI asks from worker threads.
_INDEX_LOCK = threading.RLock()
_COMPATIBLE: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def splits_like_index(nlp: Language) -> bool:
    """Whether ``nlp`` finds exactly the index's sentences: the blank English tokenizer, a
    default sentencizer first, and no later component that sets sentence starts."""
    known = _COMPATIBLE.get(nlp)
    if known is not None:
        return known
    from spacy.pipeline import Sentencizer

    names = nlp.pipe_names
    first = nlp.get_pipe(names[0]) if names else None
    tokenizer: Any = nlp.tokenizer  # spaCy types it as a callable; it is a Tokenizer with to_bytes
    same = bool(
        nlp.lang == "en"
        and isinstance(first, Sentencizer)
        and set(first.punct_chars) == set(Sentencizer.default_punct_chars)
        and not any(nlp.get_pipe_meta(n).factory in _SENTENCE_SETTERS for n in names[1:])
        # the rules only: the vocab's strings grow with every text either pipeline has read
        and tokenizer.to_bytes(exclude=["vocab"]) == _index_tokenizer_bytes()
    )
    _COMPATIBLE[nlp] = same
    return same


def _index_tokenizer_bytes() -> bytes:
    tokenizer: Any = _index_nlp().tokenizer
    return bytes(tokenizer.to_bytes(exclude=["vocab"]))


@lru_cache(maxsize=1)
def _spacy_version() -> str:
    try:
        return version("spacy")
    except PackageNotFoundError:  # a source checkout of spaCy: its sentencizer still counts
        return "unknown"


# -- batches ---------------------------------------------------------------------------------------
#: Token attributes every batch carries (offset, length, sentence start, whitespace).
_IDX, _LENGTH, _SENT_START, _IS_SPACE = "IDX", "LENGTH", "SENT_START", "IS_SPACE"


@dataclass
class SentenceBatch:
    """Up to :data:`BATCH_SIZE` parsed segments: their docs, tokens and sentences.

    ``tokens`` holds the docs' tokens one after another, one column per attribute asked for
    (:meth:`column` finds one). Sentences are in text order; ``starts`` is each sentence's first
    token and ``spans`` its offsets in its transcript, whitespace trimmed.
    """

    docs: list[Doc]
    transcript: np.ndarray  # (d,) position of each doc's transcript in the list given to parse
    segment_start: np.ndarray  # (d,) offset of each doc's text in its transcript
    columns: tuple[int, ...]
    tokens: np.ndarray  # (t, columns) uint64
    doc_start: np.ndarray  # (d,) first token of each doc
    starts: np.ndarray  # (s,) first token of each sentence
    spans: np.ndarray  # (s, 2) int64
    sentence_doc: np.ndarray  # (s,) doc of each sentence

    def column(self, attr: int) -> np.ndarray:
        """The values of one token attribute (a ``spacy.attrs`` id) for every token."""
        return self.tokens[:, self.columns.index(attr)]

    @property
    def token_sentence(self) -> np.ndarray:
        """The sentence (index into ``spans``) of every token."""
        is_start = np.zeros(len(self.tokens), bool)
        is_start[self.starts] = True
        return np.cumsum(is_start) - 1


def _batch_columns(attrs: Sequence[int]) -> tuple[int, ...]:
    from spacy import attrs as spacy_attrs

    needed = [getattr(spacy_attrs, name) for name in (_IDX, _LENGTH, _SENT_START, _IS_SPACE)]
    return tuple(attrs) + tuple(a for a in needed if a not in attrs)


def _tokens(docs: list[Doc], columns: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    arrays = [doc.to_array(list(columns)) for doc in docs]
    lengths = np.array([len(a) for a in arrays], np.int64)
    doc_start = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64)
    return np.concatenate(arrays), doc_start


def _split_by_docs(
    tokens: np.ndarray, columns: tuple[int, ...], doc_start: np.ndarray, segment_start: np.ndarray,
    texts: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sentences from the docs' own sentence starts (the index's way of splitting)."""
    from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START

    is_start = tokens[:, columns.index(SENT_START)] == 1
    is_start[doc_start] = True
    starts = np.nonzero(is_start)[0]
    ends = np.r_[starts[1:], len(tokens)]
    sentence_doc = np.searchsorted(doc_start, starts, side="right") - 1
    idx = tokens[:, columns.index(IDX)].astype(np.int64)
    length = tokens[:, columns.index(LENGTH)].astype(np.int64)
    spans = np.stack([idx[starts], idx[ends - 1] + length[ends - 1]], axis=1) + segment_start[sentence_doc, None]
    space = tokens[:, columns.index(IS_SPACE)] == 1
    for r in np.nonzero(space[starts] | space[ends - 1])[0]:  # whitespace tokens at an edge (rare)
        text = texts[int(sentence_doc[r])]
        a, b = (int(x) for x in spans[r])
        piece = text[a:b]
        spans[r] = (a + len(piece) - len(piece.lstrip()), b - (len(piece) - len(piece.rstrip())))
    return starts, spans, sentence_doc


def _lay_over_docs(
    tokens: np.ndarray, columns: tuple[int, ...], doc_start: np.ndarray, docs: list[Doc],
    segment_start: np.ndarray, known: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The index's sentences laid over another pipeline's tokens: each token joins the sentence
    its first character lies in. A sentence no token starts in is left out (it has no words)."""
    from spacy.attrs import IDX

    pieces, owners = [], []
    for d, (doc, own) in enumerate(zip(docs, known, strict=True)):
        a = int(segment_start[d])
        lo, hi = np.searchsorted(own[:, 0], [a, a + len(doc.text)])
        pieces.append(own[lo:hi])
        owners.append(np.full(hi - lo, d, np.int64))
    spans = np.concatenate(pieces) if pieces else np.zeros((0, 2), np.int64)
    sentence_doc = np.concatenate(owners) if owners else np.zeros(0, np.int64)
    token_doc = np.repeat(np.arange(len(docs), dtype=np.int64), np.diff(np.r_[doc_start, len(tokens)]))
    token_key = (token_doc << 32) | tokens[:, columns.index(IDX)].astype(np.int64)
    sentence_key = (sentence_doc << 32) | (spans[:, 0] - segment_start[sentence_doc])
    starts = np.searchsorted(token_key, sentence_key, side="left")
    inside = starts < len(tokens)
    inside[inside] &= token_doc[starts[inside]] == sentence_doc[inside]
    inside &= np.r_[starts[1:] != starts[:-1], True]  # the later of two sentences on one token
    starts, spans, sentence_doc = starts[inside], spans[inside], sentence_doc[inside]
    first = np.r_[True, sentence_doc[1:] != sentence_doc[:-1]]
    starts[first] = doc_start[sentence_doc[first]]  # a doc's first tokens join its first sentence
    return starts, spans, sentence_doc


# -- the index -----------------------------------------------------------------------------------
class SentenceIndex:
    """A study's sentence index (``.piri-cache/sentences/``), shared by everything that needs it.

    :meth:`spans` is what callers want; :meth:`parse` is for callers that need spaCy docs of
    the same segments too (the suggestion engine), so the text is tokenised once.
    """

    def __init__(self, cache_dir: Path) -> None:
        self.folder = Path(cache_dir) / "sentences"
        self._memo: dict[str, tuple[str, np.ndarray]] = {}
        self._keys: dict[str, tuple[Transcript, str]] = {}

    def key(self, transcript: Transcript) -> str:
        """Everything the sentences depend on, hashed; memoised per transcript object."""
        memo = self._keys.get(transcript.id)
        if memo is not None and memo[0] is transcript:
            return memo[1]
        key = content_key(
            "sentences", SENTENCES_VERSION, _spacy_version(), transcript.text,
            [(t.start, t.end) for t in transcript.turns],
        )
        self._keys[transcript.id] = (transcript, key)
        return key

    def _path(self, transcript_id: str) -> Path:
        return self.folder / f"{transcript_id}.npz"

    def forget(self, transcript_id: str) -> None:
        """Drop what is remembered in memory of one transcript (its file stays): a pass over a
        whole study calls it after each transcript, so memory does not grow with the study."""
        self._memo.pop(transcript_id, None)
        self._keys.pop(transcript_id, None)

    def cached(self, transcript: Transcript) -> np.ndarray | None:
        """The transcript's sentences if they are already known (memory or disk), else None."""
        key = self.key(transcript)
        hit = self._memo.get(transcript.id)
        if hit is not None and hit[0] == key:
            return hit[1]
        found = load_arrays(self._path(transcript.id), key)
        if found is None or "spans" not in found[0]:
            return None
        return self._remember(transcript, found[0]["spans"].astype(np.int64).reshape(-1, 2))

    def _remember(self, transcript: Transcript, spans: np.ndarray) -> np.ndarray:
        spans.flags.writeable = False  # shared by every caller
        self._memo[transcript.id] = (self.key(transcript), spans)
        return spans

    def spans(self, transcript: Transcript) -> np.ndarray:
        """The transcript's sentences as an (n, 2) array of ``[start, end)``, in text order."""
        return self.spans_many([transcript])[0]

    def spans_many(self, transcripts: Sequence[Transcript]) -> list[np.ndarray]:
        """Sentences of each transcript, splitting those not yet indexed in one spaCy batch."""
        found = [self.cached(t) for t in transcripts]
        missing = [t for t, spans in zip(transcripts, found, strict=True) if spans is None]
        if missing:
            for _ in self.parse(missing):  # records and saves the spans as a side effect
                pass
            found = [self._memo[t.id][1] if spans is None else spans for t, spans in zip(transcripts, found, strict=True)]
        return [spans for spans in found if spans is not None]

    def parse(
        self,
        transcripts: Sequence[Transcript],
        nlp: Language | None = None,
        attrs: Sequence[int] = (),
    ) -> Iterator[SentenceBatch]:
        """Parse every segment of ``transcripts`` with ``nlp`` (default: the index's pipeline).

        Yields batches of docs with the token attributes ``attrs`` (plus the offsets the index
        needs) and their sentences; a batch's ``docs`` are emptied when the next batch is asked
        for, so use them before that. When ``nlp`` splits like the index, the sentences come from
        the docs and are indexed once the whole stream has been read; otherwise they come from
        the index (computed first if need be) and are laid over ``nlp``'s tokens. The caller
        serialises its own ``nlp`` across threads; the index's pipeline is locked here.
        """
        own = nlp is None
        pipeline = _index_nlp() if own else nlp
        assert pipeline is not None
        compatible = own or splits_like_index(pipeline)
        known = None if compatible else self.spans_many(transcripts)
        columns = _batch_columns(attrs)
        collected: list[list[np.ndarray]] = [[] for _ in transcripts]
        places: deque[tuple[int, int]] = deque()

        def stream() -> Iterable[str]:
            for ti, transcript in enumerate(transcripts):
                for a, b in segments(transcript):
                    places.append((ti, a))
                    yield transcript.text[a:b]

        docs: list[Doc] = []
        where: list[tuple[int, int]] = []
        with _INDEX_LOCK if own else nullcontext():
            for doc in pipeline.pipe(stream(), batch_size=BATCH_SIZE):
                place = places.popleft()
                if len(doc):
                    docs.append(doc)
                    where.append(place)
                if len(docs) >= BATCH_SIZE:
                    yield self._batch(transcripts, docs, where, columns, known, collected)
                    # The caller has asked for the next batch, so it is done with these docs:
                    # dropping them now keeps one batch alive, not two (over a million words,
                    # the second batch made the garbage collector's full passes twice as many).
                    docs.clear()
                    docs, where = [], []
            if docs:
                yield self._batch(transcripts, docs, where, columns, known, collected)
                docs.clear()
        if compatible:
            for transcript, parts in zip(transcripts, collected, strict=True):
                spans = np.concatenate(parts) if parts else np.zeros((0, 2), np.int64)
                if self.cached(transcript) is None:
                    save_arrays(self._path(transcript.id), self.key(transcript), {"spans": spans},
                                {"transcript": transcript.id})
                    self._remember(transcript, spans)

    def _batch(
        self,
        transcripts: Sequence[Transcript],
        docs: list[Doc],
        where: list[tuple[int, int]],
        columns: tuple[int, ...],
        known: list[np.ndarray] | None,
        collected: list[list[np.ndarray]],
    ) -> SentenceBatch:
        owner = np.array([ti for ti, _ in where], np.int64)
        segment_start = np.array([a for _, a in where], np.int64)
        tokens, doc_start = _tokens(docs, columns)
        if known is None:
            texts = [transcripts[int(ti)].text for ti in owner]
            starts, spans, sentence_doc = _split_by_docs(tokens, columns, doc_start, segment_start, texts)
            sentence_owner = owner[sentence_doc]
            cuts = np.r_[0, np.nonzero(np.diff(sentence_owner))[0] + 1, len(spans)]
            for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
                if hi > lo:
                    collected[int(sentence_owner[lo])].append(spans[lo:hi])
        else:
            starts, spans, sentence_doc = _lay_over_docs(
                tokens, columns, doc_start, docs, segment_start, [known[int(ti)] for ti in owner]
            )
        return SentenceBatch(
            docs=docs, transcript=owner, segment_start=segment_start, columns=columns, tokens=tokens,
            doc_start=doc_start, starts=starts, spans=spans, sentence_doc=sentence_doc,
        )
