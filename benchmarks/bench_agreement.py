"""Benchmark: agreement coefficients on large tables, each against a reference implementation
measured in the same run.

Why: weighted kappa and alpha run inside bootstraps and on large rating tables, so they must
cost no more than the libraries a researcher would otherwise reach for. Targets, each a ratio
ours / baseline:

* weighted Cohen's kappa (linear, quadratic) on 100,000 units, ours against scikit-learn's
  ``cohen_kappa_score(weights=...)`` -- on numpy arrays and on Python lists (what a script that
  read a CSV holds): at least as fast, <= 1.0x;
* the whole command a researcher runs on such a table, ``piri-qual agreement --table
  units.csv --weights linear --boot 0 --json`` (read the CSV, seven coefficients, JSON) in a
  fresh process, against a fresh process that reads the same CSV with the csv module and
  prints scikit-learn's one weighted kappa: <= 2.0x;
* Krippendorff's alpha (nominal, interval) on 3 coders x 100,000 units (~5% missing) against
  the ``krippendorff`` package: <= 1.0x.

Every pair is timed in interleaved rounds (ours, baseline, ours, baseline, ...), so both meet
the same machine load; the best round counts and the spread (slowest / best) is shown. Values
are checked to agree. The script exits 1 when a target is missed.
Run: python benchmarks/bench_agreement.py
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import bench_env  # noqa: E402

from piri_qual.analysis.agreement import cohen_kappa, krippendorff_alpha  # noqa: E402

UNITS = 100_000
ROUNDS = 7
CLI_ROUNDS = 7

BASELINE_SCRIPT = """\
import csv, json, sys
from sklearn.metrics import cohen_kappa_score
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    rows = list(csv.reader(handle))[1:]
a = [int(r[1]) for r in rows]
b = [int(r[2]) for r in rows]
print(json.dumps({"cohen_kappa": cohen_kappa_score(a, b, weights="linear")}))
"""


def interleaved(ours: Callable[[], float], baseline: Callable[[], float], rounds: int) -> tuple[list[float], list[float], float, float]:
    """Alternate the two calls ``rounds`` times; return both timings and their last values."""
    mine: list[float] = []
    theirs: list[float] = []
    value_ours = value_base = float("nan")
    for _ in range(rounds):
        start = time.perf_counter()
        value_ours = ours()
        mine.append(time.perf_counter() - start)
        start = time.perf_counter()
        value_base = baseline()
        theirs.append(time.perf_counter() - start)
    return mine, theirs, value_ours, value_base


def report(name: str, mine: list[float], theirs: list[float], target: float, same: bool, note: str = "") -> bool:
    best, base = min(mine), min(theirs)
    ratio = best / base
    ok = ratio <= target and same
    print(
        f"{name}: ratio={ratio:.2f}x (target <= {target:g}x) {'ok' if ok else 'MISSED'} "
        f"[ours best {best * 1000:.2f} ms, spread {max(mine) / best:.2f}x; "
        f"baseline best {base * 1000:.2f} ms, spread {max(theirs) / base:.2f}x; "
        f"{'same value' if same else 'VALUES DIFFER'}{note}]"
    )
    return ok


def ratings(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two coders on a 1-5 scale who mostly agree or differ by one step, like real ratings."""
    a = rng.integers(1, 6, UNITS)
    b = np.clip(a + rng.choice([-1, 0, 0, 0, 1], UNITS), 1, 5)
    return a, b


def kappa_targets(a: np.ndarray, b: np.ndarray) -> bool:
    from sklearn.metrics import cohen_kappa_score

    ok = True
    la, lb = a.tolist(), b.tolist()
    for weights in ("linear", "quadratic"):
        for kind, x, y in (("arrays", a, b), ("lists", la, lb)):
            mine, theirs, v_ours, v_base = interleaved(
                lambda w=weights, x=x, y=y: cohen_kappa(x, y, weights=w).value,
                lambda w=weights, x=x, y=y: float(cohen_kappa_score(x, y, weights=w)),
                ROUNDS,
            )
            ok &= report(f"weighted kappa {weights}, {UNITS:,} units, {kind} vs scikit-learn", mine, theirs, 1.0,
                         abs(v_ours - v_base) < 1e-9)
    return ok


def cli_target(a: np.ndarray, b: np.ndarray, folder: Path) -> bool:
    table = folder / "units.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit", "coder_a", "coder_b"])
        writer.writerows(zip(range(1, UNITS + 1), a.tolist(), b.tolist(), strict=True))
    script = folder / "sklearn_kappa.py"
    script.write_text(BASELINE_SCRIPT, encoding="utf-8")
    python = sys.executable
    import json

    def ours() -> float:
        out = subprocess.run(
            [python, "-m", "piri_qual", "agreement", "--table", str(table), "--weights", "linear", "--boot", "0",
             "--json"], check=True, capture_output=True, text=True, env=bench_env(),
        ).stdout
        return float(json.loads(out)["cohen_kappa"]["value"])

    def baseline() -> float:
        out = subprocess.run([python, str(script), str(table)], check=True, capture_output=True, text=True,
                             env=bench_env()).stdout
        return float(json.loads(out)["cohen_kappa"])

    mine, theirs, v_ours, v_base = interleaved(ours, baseline, CLI_ROUNDS)
    return report(
        f"piri-qual agreement --table ({UNITS:,} rows) --weights linear vs a script with scikit-learn",
        mine, theirs, 2.0, abs(v_ours - v_base) < 1e-6, "; ours also gives 6 more coefficients",
    )


def alpha_targets() -> bool:
    try:
        import krippendorff
    except ImportError:
        print("krippendorff_alpha: skipped (the `krippendorff` package is not installed)")
        return True
    rng = np.random.default_rng(20240601)
    data = rng.integers(1, 6, size=(3, UNITS)).astype(np.float64)
    data[rng.random(data.shape) < 0.05] = np.nan
    ok = True
    for level in ("nominal", "interval"):
        mine, theirs, v_ours, v_base = interleaved(
            lambda lv=level: krippendorff_alpha(data, level=lv).value,
            lambda lv=level: float(krippendorff.alpha(reliability_data=data, level_of_measurement=lv)),
            ROUNDS,
        )
        ok &= report(f"krippendorff_alpha {level}, 3 x {UNITS:,} vs the krippendorff package", mine, theirs, 1.0,
                     abs(v_ours - v_base) <= 1e-9)
    return ok


def main() -> int:
    a, b = ratings(np.random.default_rng(17))
    ok = kappa_targets(a, b)
    with tempfile.TemporaryDirectory() as tmp:
        ok &= cli_target(a, b, Path(tmp))
    ok &= alpha_targets()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
