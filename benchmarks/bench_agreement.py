"""Benchmark: Krippendorff's alpha, ours against the `krippendorff` package on the same matrix.

Why: agreement is recomputed inside bootstraps and simulations, so alpha must stay cheap. The
baseline is the `krippendorff` PyPI package (a vectorised numpy implementation), run in the same
process on the same 3 coders x 100,000 units matrix (random labels 1-5, ~5% missing, fixed
seed). Each side is timed best of 3; the printed ratio is ours / baseline (target <= 1.0x).
Run: python benchmarks/bench_agreement.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from piri_qual.analysis.agreement import krippendorff_alpha  # noqa: E402


def best_of(call: Callable[[], float], repeats: int = 3) -> tuple[float, float]:
    """Fastest wall time of ``repeats`` runs and the value the call returned."""
    best, value = float("inf"), float("nan")
    for _ in range(repeats):
        start = time.perf_counter()
        value = call()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> int:
    try:
        import krippendorff
    except ImportError:
        print("krippendorff_alpha: skipped (the `krippendorff` package is not installed)")
        return 0
    rng = np.random.default_rng(20240601)
    data = rng.integers(1, 6, size=(3, 100_000)).astype(np.float64)
    data[rng.random(data.shape) < 0.05] = np.nan
    for level, target in (("nominal", 1.0), ("interval", 1.0)):
        ours_s, ours = best_of(lambda lv=level: krippendorff_alpha(data, level=lv).value)
        base_s, base = best_of(
            lambda lv=level: float(
                krippendorff.alpha(reliability_data=data, level_of_measurement=lv)
            )
        )
        same = "same value" if abs(ours - base) <= 1e-9 else f"VALUES DIFFER {ours!r} vs {base!r}"
        print(
            f"krippendorff_alpha {level} 3x100000: ratio={ours_s / base_s:.2f}x "
            f"(target <= {target:g}x) [ours {ours_s:.4f} s, baseline {base_s:.4f} s; {same}]"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
