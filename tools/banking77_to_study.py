"""Turn BANKING77 (short customer messages, 77 human-assigned topics) into a gold-coded study.

Why: every development set in ``../shared/eval`` is small (at most a few hundred coded units), so
none shows how the engine does where the issue's hidden comment set lives: thousands of short
texts, dozens of codes, most of the evidence in the coder's own decisions. BANKING77 (Casanueva
et al. 2020, NLP4ConvAI, doi:10.18653/v1/2020.nlp4convai-1.5; CC BY 4.0; github.com/PolyAI-LDN/
task-specific-datasets, ``banking_data/``) is the nearest openly licensed set of that shape. The
data stays outside this repository; this script only reads its ``train.csv``,
``test.csv`` and ``categories.json``.

The study has the shape of the hidden set: ``--sources`` respondents of ``--per-source`` messages
each (150 x 30 = 4,500 by default), every message a paragraph of text without speaker labels,
coded whole by ``gold`` with its one topic. The codebook is the 77 topics by name only (the set
has no definitions: labels such as ``card_arrival`` become "card arrival").

* ``--shape natural``: messages drawn at random, so topics keep the data's own shares (fairly
  even: 75 to 227 per topic over ``train.csv`` and ``test.csv``).
* ``--shape skewed``: topic shares follow Zipf's law (share of the k-th topic in a seeded random
  order proportional to 1/k), as codes in real feedback do: a few common, many rare (capped by
  the messages a topic has: 4,500 drawn give 3,5xx, 12 to 227 per topic). This is the test of
  macro-F1, which the issue says the engine failed on its comment set (0.213).

Run::

    python tools/banking77_to_study.py /work/devsets/banking77 OUT [--shape skewed]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from pathlib import Path

from piri_qual.core.corpus import Transcript, Turn
from piri_qual.core.framework import Codebook, Theme, save_codebook
from piri_qual.core.settings import init_study
from piri_qual.core.study import StudyFolder


def theme_id(topic: str) -> str:
    """A codebook id may use only letters, digits, ``_ . -`` (one topic is ``reverted_card_payment?``)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "", topic)


def read_set(folder: Path) -> tuple[list[str], list[tuple[str, str]]]:
    topics = [theme_id(t) for t in json.loads((folder / "categories.json").read_text(encoding="utf-8"))]
    rows = []
    for split in ("train.csv", "test.csv"):  # the replay learns online, so both splits are material
        with (folder / split).open(encoding="utf-8", newline="") as handle:
            rows.extend((r["text"].strip(), theme_id(r["category"])) for r in csv.DictReader(handle))
    return topics, [(text, topic) for text, topic in rows if text]


def draw(rows: list[tuple[str, str]], topics: list[str], n: int, shape: str, seed: int) -> list[tuple[str, str]]:
    """``n`` messages without repeats, with the topic shares of ``shape``."""
    rng = random.Random(seed)
    if shape == "natural":
        return rng.sample(rows, n)
    by_topic: dict[str, list[tuple[str, str]]] = {t: [] for t in topics}
    for row in rows:
        by_topic[row[1]].append(row)
    for pool in by_topic.values():
        rng.shuffle(pool)
    order = topics[:]
    rng.shuffle(order)
    weights = [1.0 / (k + 1) for k in range(len(order))]
    total = sum(weights)
    wanted = {t: max(1, round(n * w / total)) for t, w in zip(order, weights, strict=True)}
    picked: list[tuple[str, str]] = []
    for topic in order:
        picked.extend(by_topic[topic][: wanted[topic]])  # a topic with fewer messages gives all it has
    rng.shuffle(picked)
    return picked[:n]


def build(folder: Path, out: Path, sources: int, per_source: int, shape: str, seed: int) -> Path:
    topics, rows = read_set(folder)
    messages = draw(rows, topics, sources * per_source, shape, seed)
    sources = -(-len(messages) // per_source)  # a skewed draw can run short of the common topics
    root = init_study(out, title=f"BANKING77 customer messages ({shape})")
    settings = (root / "piri-qual.yaml").read_text(encoding="utf-8")
    (root / "piri-qual.yaml").write_text(settings.replace("framework: frameworks/main.yaml\n", ""), encoding="utf-8")
    themes = [Theme(id=t, label=t.replace("_", " ")) for t in topics]
    save_codebook(Codebook("main", "BANKING77 topics", None, themes), root / "codebooks" / "main.yaml")
    events: list[tuple[str, dict[str, object]]] = []
    for s in range(sources):
        sid = f"R{s + 1:04d}"
        chunk = messages[s * per_source:(s + 1) * per_source]
        text, turns = "", []
        for body, topic in chunk:
            body = " ".join(body.split())
            start = len(text)
            text += body
            turns.append(Turn(None, "participant", start, len(text)))
            events.append(("add", {"transcript": sid, "start": start, "end": len(text), "quote": body, "theme": topic}))
            text += "\n\n"
        Transcript(
            id=sid, participant=sid, group="respondent", text=text.rstrip("\n"), turns=turns,
            source="banking77/train.csv", source_sha256="", format="csv", imported_at="2020-02-18T00:00:00+00:00",
        ).save(root / "corpus" / f"{sid}.json")
    StudyFolder(root).store.append_many("gold", events)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the BANKING77 folder (train.csv, categories.json)")
    parser.add_argument("out", type=Path)
    parser.add_argument("--sources", type=int, default=150)
    parser.add_argument("--per-source", type=int, default=30)
    parser.add_argument("--shape", choices=("natural", "skewed"), default="natural")
    parser.add_argument("--seed", type=int, default=77)
    args = parser.parse_args(argv)
    print(build(args.folder, args.out, args.sources, args.per_source, args.shape, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
