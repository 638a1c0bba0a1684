"""Helpers shared by the benchmark scripts: timing and the one-line ratio report."""

from __future__ import annotations

import time
from collections.abc import Callable

#: Vocabulary for generated transcripts: interview-like words, so tokenising costs what it would.
WORDS = (
    "the health visitor said we could have support at home and I was not sure at first but "
    "after a few weeks with the practitioner things felt easier with the baby sleeping better "
    "and me feeling more like myself again it was the waiting that was hard really because "
    "nobody told us how long it would take and the video sessions helped me notice the good "
    "moments when she looked at me and smiled so I think it changed how I see her now"
).split()


def best_of(func: Callable[[], object], repeat: int = 3) -> float:
    """Best wall-clock time of ``repeat`` runs (the least disturbed by the rest of the machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def report(name: str, ours: float, baseline: float, target: str, unit: str = "s") -> float:
    """Print ``name: ratio=R x (target ...) [ours, baseline]`` and return the ratio."""
    ratio = ours / baseline if baseline else float("inf")
    print(f"{name}: ratio={ratio:.2f}x (target {target}) [ours {ours:.4f} {unit}, baseline {baseline:.4f} {unit}]")
    return ratio
