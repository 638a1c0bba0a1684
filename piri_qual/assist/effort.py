"""What suggestions save a researcher, from a replay: decisions to reach a recall, and the
precision-recall trade-off of showing fewer suggestions.

*Decisions to 80% recall.* A decision is reading one candidate sentence and coding what it
holds: every gold coding overlapping the sentence is then found. Without suggestions the
sentences are read in text order, transcript by transcript. With suggestions ("suggestions
first") the sentences are read in the engine's order: those its suggestions cover first, then the
rest, each group by the sentence's best score, highest first. The count is of sentences read
until 80% of the gold codings are found; ``None`` when reading everything cannot reach it
(codings on text that is not a candidate, such as interviewer turns).

*Precision-recall curve.* The suggestions made in the replay, kept only when their score reaches
each cut-off: what a researcher would see with a stricter threshold than the one in force.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

CUTOFFS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
RECALL_TARGET = 0.8


@dataclass
class Replayed:
    """One transcript of a replay: its candidate sentences, the suggestions made before its gold
    was seen (start, end, theme, score) and its gold codings (start, end, theme)."""

    sentences: np.ndarray  # (n, 2) in text order
    suggestions: list[tuple[int, int, int, float]]
    gold: list[tuple[int, int, int]]
    best: np.ndarray  # (n,) each sentence's highest score over the themes


def _hits(a: int, b: int, theme: int | None, gold: list[tuple[int, int, int]]) -> list[int]:
    return [i for i, (s, e, t) in enumerate(gold) if s < b and a < e and (theme is None or t == theme)]


def decisions_to_recall(replay: list[Replayed], target: float = RECALL_TARGET) -> dict[str, int | None]:
    """Sentences read until ``target`` of the gold codings are found, in the engine's order and
    in text order."""
    total = sum(len(r.gold) for r in replay)
    if not total:
        return {"with_suggestions": None, "without_suggestions": None, "gold": 0}
    need = math.ceil(target * total)
    text_order: list[tuple[int, int]] = []
    keys: list[tuple[float, float]] = []
    for k, r in enumerate(replay):
        covered = np.zeros(len(r.sentences), bool)
        for a, b, _, _ in r.suggestions:
            covered |= (r.sentences[:, 0] < b) & (a < r.sentences[:, 1])
        for i in range(len(r.sentences)):
            text_order.append((k, i))
            keys.append((-float(covered[i]), -float(r.best[i]) if i < len(r.best) else 0.0))
    ranked = [text_order[j] for j in sorted(range(len(text_order)), key=lambda j: keys[j])]

    def read(order: list[tuple[int, int]]) -> int | None:
        found: set[tuple[int, int]] = set()
        for n, (k, i) in enumerate(order, start=1):
            a, b = replay[k].sentences[i].tolist()
            found.update((k, g) for g in _hits(a, b, None, replay[k].gold))
            if len(found) >= need:
                return n
        return None

    return {"with_suggestions": read(ranked), "without_suggestions": read(text_order), "gold": total}


def precision_recall_curve(replay: list[Replayed], cutoffs: tuple[float, ...] = CUTOFFS) -> list[dict[str, Any]]:
    """Micro precision and recall of the replay's suggestions scoring at least each cut-off."""
    total = sum(len(r.gold) for r in replay)
    out = []
    for cut in cutoffs:
        shown = right = 0
        found: set[tuple[int, int]] = set()
        for k, r in enumerate(replay):
            for a, b, theme, score in r.suggestions:
                if score < cut:
                    continue
                shown += 1
                hits = _hits(a, b, theme, r.gold)
                right += bool(hits)
                found.update((k, i) for i in hits)
        precision = right / shown if shown else 0.0
        recall = len(found) / total if total else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.append({"cutoff": cut, "suggested": shown, "precision": round(precision, 4),
                    "recall": round(recall, 4), "f1": round(f1, 4)})
    return out
