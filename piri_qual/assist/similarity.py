"""Static word vectors and the similarity of excerpts to themes, with numpy alone.

The vectors in ``piri_qual/data/embeddings/`` were distilled offline from the sentence-transformer
all-MiniLM-L6-v2 (Apache-2.0) by ``tools/build_embeddings.py``: one vector per word, already
weighted by word frequency, so the average of a sentence's word vectors is a usable sentence
embedding (the SIF/model2vec idea) and run time needs no torch. Words outside the shipped
vocabulary are built from their WordPiece pieces, the way the original model would split them.

A study whose spaCy pipeline has its own word vectors (e.g. ``en_core_web_md``) uses those instead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from piri_qual.core.framework import Theme


@dataclass
class StaticVectors:
    """A word -> vector table addressed by spaCy string hashes, for vectorised lookups."""

    hashes: np.ndarray  # sorted uint64 string hashes of the vocabulary
    matrix: np.ndarray  # float32 (len(vocab) + 1, dims); the last row is zeros (no vector)
    version: str
    pieces: dict[str, int] = field(default_factory=dict)  # "##ing" -> row, for OOV words
    words: dict[str, int] = field(default_factory=dict)  # word -> row, for OOV words
    _oov: dict[int, np.ndarray | None] = field(default_factory=dict)
    _transposed: np.ndarray | None = None
    _negligible: np.ndarray | None = None

    @property
    def negligible(self) -> np.ndarray:
        """Rows too short to matter in a sum: the frequency weighting has shrunk the most common
        words (the, and, it, you) to a few percent of a content word, so sums can skip them.
        The last row (no vector) counts as negligible."""
        if self._negligible is None:
            norms = np.linalg.norm(self.matrix, axis=1)
            typical = float(np.median(norms[:-1])) if len(norms) > 1 else 0.0
            self._negligible = norms < 0.1 * typical
            self._negligible[-1] = True
        return self._negligible

    @property
    def matrix_t(self) -> np.ndarray:
        """The matrix transposed and contiguous (dims, rows): gathering columns from it and
        summing along the last axis is several times faster than the row-major equivalent."""
        if self._transposed is None:
            self._transposed = np.ascontiguousarray(self.matrix.T)
        return self._transposed

    @property
    def dims(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def none_row(self) -> int:
        return len(self.hashes)

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """Row index per string hash; ``none_row`` where the table has no vector."""
        keys = np.asarray(keys, dtype=np.uint64)
        pos = np.searchsorted(self.hashes, keys)
        pos[pos >= len(self.hashes)] = 0
        found = self.hashes[pos] == keys
        return np.where(found, pos, self.none_row)

    def oov_vector(self, word: str) -> np.ndarray | None:
        """A vector for an unknown word from its WordPiece pieces (greedy longest match)."""
        # spaCy's strings.pyi leaves out the compiled (cpdef) hash_string
        from spacy.strings import hash_string  # type: ignore[attr-defined]

        key = hash_string(word)
        if key in self._oov:
            return self._oov[key]
        rows: list[int] = []
        start = 0
        w = word.lower()
        while start < len(w):
            end = len(w)
            row = None
            while start < end:
                piece = w[start:end]
                row = self.words.get(piece) if start == 0 else self.pieces.get("##" + piece)
                if row is not None:
                    break
                end -= 1
            if row is None:
                rows = []
                break
            rows.append(row)
            start = end
        vector = self.matrix[rows].mean(0) if rows else None
        if len(self._oov) < 200_000:
            self._oov[key] = vector
        return vector

    def doc_token_vectors(self, doc: Doc | Any) -> np.ndarray:
        from spacy.attrs import IS_ALPHA, LEMMA, LOWER

        if not len(doc):
            return np.zeros((0, self.dims), np.float32)
        arr = doc.to_array([LOWER, LEMMA, IS_ALPHA])
        rows = self.rows(arr[:, 0])
        missing = rows == self.none_row
        if missing.any():
            rows[missing] = self.rows(arr[missing, 1])
        out = self.matrix[rows]
        for i in np.nonzero((rows == self.none_row) & (arr[:, 2] == 1))[0]:
            vec = self.oov_vector(doc[int(i)].lower_)
            if vec is not None:
                out[i] = vec
        return out


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return (v / norm).astype(np.float32) if norm > 0 else v.astype(np.float32)


def unit_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (m / norms).astype(np.float32)


@lru_cache(maxsize=1)
def shipped_vectors() -> StaticVectors:
    """The distilled all-MiniLM-L6-v2 word vectors shipped in the package (read once)."""
    # spaCy's strings.pyi leaves out the compiled (cpdef) hash_string
    from spacy.strings import hash_string  # type: ignore[attr-defined]

    folder = resources.files("piri_qual") / "data" / "embeddings"
    with resources.as_file(folder / "vectors.npz") as path:
        data = np.load(path, allow_pickle=False)
        words = [str(w) for w in data["words"]]
        matrix = data["q"].astype(np.float32) * data["scale"][:, None].astype(np.float32)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return _build_table(words, matrix, f"minilm-static:{digest}", hash_string)


def _build_table(words: list[str], matrix: np.ndarray, version: str, hasher: Any) -> StaticVectors:
    keys = np.array([hasher(w) for w in words], dtype=np.uint64)
    order = np.argsort(keys, kind="stable")
    sorted_matrix = np.vstack([matrix[order], np.zeros((1, matrix.shape[1]), np.float32)])
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    pieces = {w: int(position[i]) for i, w in enumerate(words) if w.startswith("##")}
    whole = {w: int(position[i]) for i, w in enumerate(words) if not w.startswith("##")}
    return StaticVectors(keys[order], sorted_matrix.astype(np.float32), version, pieces, whole)


def pipeline_vectors(nlp: Any) -> StaticVectors | None:
    """The pipeline's own word vectors (e.g. en_core_web_md), if it has any."""
    vectors = nlp.vocab.vectors
    if vectors.shape[0] == 0 or vectors.shape[1] == 0:
        return None
    keys = np.array(list(vectors.key2row.keys()), dtype=np.uint64)
    rows = np.array([vectors.key2row[int(k)] for k in keys], dtype=np.int64)
    order = np.argsort(keys)
    data = np.asarray(vectors.data, dtype=np.float32)[rows[order]]
    matrix = np.vstack([data, np.zeros((1, data.shape[1]), np.float32)])
    version = f"pipeline-vectors:{nlp.meta.get('name', '')}-{nlp.meta.get('version', '')}"
    return StaticVectors(keys[order], matrix, version)


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def readable_label(label: str) -> str:
    """``ReproduceModel`` / ``waiting_times`` -> ``Reproduce Model`` / ``waiting times``."""
    text = re.sub(r"[_\-./:]+", " ", label)
    return _CAMEL.sub(" ", text).strip()


def theme_texts(theme: Theme) -> dict[str, list[str]]:
    """The texts a theme is described by, grouped: its name, its definition, its examples."""
    name = readable_label(theme.label or theme.id)
    definition = " ".join(t for t in (theme.definition, *theme.include) if t)
    return {
        "label": [name],
        "definition": [definition] if definition else [],
        "examples": [e for e in theme.examples if e.strip()],
    }


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)")
SIMILARITY_VERSION = 3  # 3: name-only codes read their folder's description; part of the study statistics' cache key: how sentences meet themes
STATEMENT_BLEND = 0.5  # weight of the closest statement against the whole-theme prototype


def theme_statements(theme: Theme) -> list[str]:
    """The separate statements a theme is described by: each sentence of its definition (of
    three words or more) and each inclusion note.

    A definition often lists several facets ("never having heard of the service, partial
    knowledge, and misconceptions about its purpose"); an excerpt about one facet should not be
    diluted by the rest, as it is in one averaged vector.
    """
    parts = []
    if theme.definition:
        parts += [s for s in _SENTENCE_END.split(theme.definition.strip()) if len(s.split()) >= 3]
    parts += [t.strip() for t in theme.include if t and t.strip()]
    return parts


@dataclass
class ThemeVectors:
    """Each theme as one prototype vector, plus the vectors of its name and separate statements.

    The similarity of a sentence to a theme described by two or more statements blends the
    cosine to the prototype (the theme as a whole) with the cosine to the closest of its name
    and statements (the facet the sentence is about). A theme with a one-line definition keeps
    the prototype alone: on the development data, taking the closer of the name and a single
    definition line measured worse than their average.
    """

    mean: np.ndarray  # (themes, d) unit prototypes
    parts: np.ndarray  # (parts, d) unit vectors, grouped by theme; one row (unused) if no facets
    part_first: np.ndarray  # (themes,) index of each theme's first part
    blend: float = STATEMENT_BLEND

    def __len__(self) -> int:
        return len(self.mean)

    @property
    def faceted(self) -> np.ndarray:
        """Per theme: is it described by more than one part?"""
        return np.diff(np.r_[self.part_first, len(self.parts)]) > 1

    def similarity(self, v: np.ndarray) -> np.ndarray:
        """(sentences, themes) similarity of unit vectors ``v`` to each theme."""
        sims = v @ self.mean.T
        faceted = self.faceted
        if self.blend <= 0 or not len(v) or not faceted.any():
            return sims
        closest = np.maximum.reduceat(v @ self.parts.T, self.part_first, axis=1)
        sims[:, faceted] = (1.0 - self.blend) * sims[:, faceted] + self.blend * closest[:, faceted]
        return sims


def theme_vectors(themes: list[Theme], embed: Any) -> ThemeVectors:
    """Prototypes and part vectors for ``themes`` (``embed`` maps texts to unit rows)."""
    mean = theme_prototypes(themes, embed)
    groups = []
    for theme in themes:
        label = readable_label(theme.label or theme.id)
        statements = theme_statements(theme)
        groups.append([label, *statements] if len(statements) >= 2 else [label])
    flat = [p for g in groups for p in g]
    parts = embed(flat) if flat else np.zeros((0, mean.shape[1]), np.float32)
    first = np.r_[0, np.cumsum([len(g) for g in groups])[:-1]].astype(np.int64)
    return ThemeVectors(mean, parts, first[: len(groups)])


def theme_prototypes(themes: list[Theme], embed: Any) -> np.ndarray:
    """One unit vector per theme: the normalised sum of its label, definition and examples.

    ``embed`` maps a list of texts to unit vectors (rows). Each group counts once, so a theme
    with twenty examples is not pulled away from its definition.
    """
    if not themes:
        return np.zeros((0, 1), np.float32)
    groups = [theme_texts(t) for t in themes]
    flat: list[str] = []
    for g in groups:
        for key in ("label", "definition", "examples"):
            flat.extend(g[key])
    vecs = embed(flat) if flat else np.zeros((0, 1), np.float32)
    out = []
    i = 0
    for g in groups:
        total = None
        for key in ("label", "definition", "examples"):
            n = len(g[key])
            if n:
                part = _unit(vecs[i : i + n].mean(0))
                total = part if total is None else total + part
                i += n
        out.append(total)
    dims = vecs.shape[1] if len(flat) else 1
    return unit_rows(np.vstack([v if v is not None else np.zeros(dims, np.float32) for v in out]))
