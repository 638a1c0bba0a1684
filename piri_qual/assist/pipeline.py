"""The language pipeline: tokens, sentences, lemmas and a matching key, offline and fast.

By default this is the sentence index's pipeline (:func:`piri_qual.core.sentences.sentence_pipeline`:
spaCy's blank English tokenizer and the rule-based ``sentencizer``) plus one small component of
our own, ``piri_lemma_norm``, so that the engine's docs split into exactly the index's sentences
and a transcript is tokenised once. That component gives every token

* a lemma from spaCy's English lookup table (``spacy-lookups-data``, read once by
  :func:`piri_qual.core.lemmas.lemma_table`, the table search and word counts use too), trying the word as written, then lower-cased, and falling back to the lower-case
  word itself when the table has neither (names, jargon, misspellings); and
* a ``NORM`` that is the lemma with a few derivational suffixes taken off (:func:`light_stem`),
  so that a codebook keyword ``referral`` finds "referred" and "referring", and ``judgement``
  finds "judged". Codebook phrases are matched on this attribute.

A study can instead name an installed spaCy pipeline (``pipeline: en_core_web_sm`` in
``piri-qual.yaml``); its own lemmatizer then provides the lemmas and ``piri_lemma_norm`` only adds
the ``NORM`` key; its tokens are laid over the index's sentences by offset, so sentences stay the
same whichever pipeline tokenises. Nothing is ever downloaded: a pipeline that is not installed
is a user error with a clear message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from piri_qual.core.lemmas import lemma_table
from piri_qual.core.sentences import sentence_pipeline
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

PIPELINE_VERSION = "piri-pipeline-1"

# Longest first. Only stripped when at least four letters remain, so short words stay whole.
# No bare plural -s: the input is already a lemma, and stripping it would split process/processes.
_SUFFIXES = (
    "isations", "izations", "isation", "ization", "ations", "ation", "ments", "ment", "ities",
    "ity", "ness", "ings", "ing", "als", "al", "ures", "ure", "ives", "ive", "ers", "er", "ate",
    "ed",
)
_VOWELS = set("aeiouy")


def light_stem(word: str) -> str:
    """A conservative derivational key: ``referral``/``referred`` -> ``refer``, ``judgement`` -> ``judg``.

    Applied to lemmas, so inflection is already gone; this only folds the common derivations that
    researchers write as keywords (noun forms of verbs and the like). It is deliberately weaker than
    a Porter stemmer: over-merging words in a codebook rule produces confident wrong suggestions.
    """
    w = word.lower()
    if len(w) <= 4 or not w.isalpha():
        return w
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    if len(w) >= 5 and w[-1] == w[-2] and w[-1] not in _VOWELS and w[-1] not in "sl":
        w = w[:-1]  # referr -> refer, but keep assess, install
    if len(w) >= 5 and w.endswith("e"):
        w = w[:-1]  # judge / judgement -> judg, disclose / disclosure -> disclos
    return w


@dataclass
class LemmaNorm:
    """The ``piri_lemma_norm`` component: lookup lemma with lower-case fallback, stem as NORM.

    Results are memoised per word form (ORTH hash), so the per-token cost is one dict lookup.
    """

    vocab: Any
    table: dict[str, str] | None
    keep_lemmas: bool = False
    _memo: dict[int, tuple[int, int]] = field(default_factory=dict)

    def _forms(self, orth: int) -> tuple[int, int]:
        strings = self.vocab.strings
        text = strings[orth]
        lower = text.lower()
        lemma = lower
        if self.table is not None:
            lemma = (self.table.get(text) or self.table.get(lower) or lower).lower()
        pair = (strings.add(lemma), strings.add(light_stem(lemma)))
        self._memo[orth] = pair
        return pair

    def __call__(self, doc: Doc) -> Doc:
        import numpy as np
        from spacy.attrs import LEMMA, NORM, ORTH

        if not len(doc):
            return doc
        strings = self.vocab.strings
        memo = self._memo
        if self.keep_lemmas:
            lemmas = doc.to_array([LEMMA])
            out = np.empty((len(doc), 1), dtype=np.uint64)
            for i, lemma in enumerate(lemmas.tolist()):
                text = strings[lemma].lower() if lemma else doc[i].lower_
                out[i, 0] = strings.add(light_stem(text))
            doc.from_array([NORM], out)  # type: ignore[arg-type]  # spaCy's stub wants thinc's Ints2d
            return doc
        orths = doc.to_array(ORTH).tolist()
        pairs = [memo.get(o) or self._forms(o) for o in orths]
        # spaCy's stub wants thinc's Ints2d, a type no numpy array has
        doc.from_array([LEMMA, NORM], np.array(pairs, dtype=np.uint64))  # type: ignore[arg-type]
        return doc


def _register_factory() -> None:
    from spacy.language import Language

    if Language.has_factory("piri_lemma_norm"):
        return

    @Language.factory("piri_lemma_norm", default_config={"keep_lemmas": False})
    def make_lemma_norm(nlp: Language, name: str, keep_lemmas: bool) -> LemmaNorm:
        table = None if keep_lemmas else lemma_table()
        return LemmaNorm(nlp.vocab, table, keep_lemmas)


@dataclass
class Pipeline:
    """A loaded pipeline and the lock that serialises its use across threads."""

    nlp: Language
    name: str
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def version(self) -> str:
        return f"{PIPELINE_VERSION}:{self.name}"

    def pipe(self, texts: Any, batch_size: int = 256, as_tuples: bool = False) -> Any:
        """``nlp.pipe`` under the lock (spaCy's string store is not safe for concurrent writes)."""
        with self.lock:
            # spaCy overloads pipe() on a Literal as_tuples; this wrapper passes a plain bool through
            yield from self.nlp.pipe(texts, batch_size=batch_size, as_tuples=as_tuples)  # type: ignore[call-overload]


@lru_cache(maxsize=4)
def load_pipeline(name: str | None = None) -> Pipeline:
    """The built-in pipeline, or the installed spaCy pipeline ``name``; cached per process.

    Cached because building it reads the lemma table (a fraction of a second) and a TUI asks for
    suggestions many times; the object is read-only apart from spaCy's string store, which the
    returned :class:`Pipeline` guards with a lock.
    """
    import spacy

    _register_factory()
    if not name or name in ("builtin", "blank:en", "en"):
        nlp = sentence_pipeline()
        nlp.add_pipe("piri_lemma_norm")
        nlp.initialize()
        return Pipeline(nlp, "builtin")
    if not spacy.util.is_package(name) and not _is_path(name):
        installed = ", ".join(sorted(spacy.util.get_installed_models())) or "none"
        raise PiriQualError(
            f"the spaCy pipeline {name!r} named in piri-qual.yaml is not installed",
            hint=f"Install it with pip (e.g. `pip install {name}` from a wheel you trust), or remove "
            f"the `pipeline:` line to use the built-in one. Installed pipelines: {installed}",
        )
    nlp = spacy.load(name, exclude=["ner"])  # sentences come from the index, not its parser
    keep = nlp.has_pipe("lemmatizer")
    nlp.add_pipe("piri_lemma_norm", config={"keep_lemmas": keep}, last=True)
    return Pipeline(nlp, name)


def _is_path(name: str) -> bool:
    from pathlib import Path

    return Path(name).is_dir()
