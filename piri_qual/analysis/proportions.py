"""Proportions as a write-up reports them: Wilson score intervals and "80%, n=62" text."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from piri_qual.errors import PiriQualError

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Proportion:
    """``count`` of ``total`` with its Wilson interval at confidence ``level``."""

    count: int
    total: int
    low: float
    high: float
    level: float = 0.95

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else float("nan")

    def percent_text(self, decimals: int = 0) -> str:
        """``80%, n=62``: the percentage rounded half up (as readers expect), then the count."""
        return f"{round_half_up(100 * self.share, decimals)}%, n={self.count}"

    def interval_text(self, decimals: int = 0) -> str:
        return f"{round_half_up(100 * self.low, decimals)}\u2013{round_half_up(100 * self.high, decimals)}%"


def round_half_up(value: float, decimals: int = 0) -> str:
    """Round as a reader would (62.5 -> 63), not Python's banker's rounding (62.5 -> 62)."""
    if math.isnan(value):
        return "n/a"
    quantum = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def wilson_interval(count: int, total: int, level: float = 0.95) -> Proportion:
    """Wilson (1927) score interval, without continuity correction (Newcombe 1998, method 3)."""
    if total <= 0:
        raise PiriQualError("a proportion needs at least one case in its denominator")
    if not 0 <= count <= total:
        raise PiriQualError(f"count {count} is outside 0..{total}")
    z = Z_95 if level == 0.95 else _z_for(level)
    p = count / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return Proportion(count, total, max(0.0, centre - half), min(1.0, centre + half), level)


def _z_for(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)
