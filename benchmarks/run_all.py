"""``make bench``: every benchmark script, the generated studies built once, one verdict.

Builds the generated studies of 10, 100, 300 and 1,000 interviews (benchmarks/studies.py) once into a
folder of this run, points every script at them (``PIRI_BENCH_STUDIES``), runs each
``benchmarks/bench_*.py`` in turn (all of them, even after one fails, so one run shows every
figure), collects the targets the scripts report through the harness (``PIRI_BENCH_RESULTS``), and
prints them in one table with the time each script took. Exits 1 when any script fails or any
target is missed.

Run: python benchmarks/run_all.py [NAME ...]   (names like ``export`` or ``bench_export`` pick scripts)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def chosen(names: list[str]) -> list[Path]:
    scripts = sorted(HERE.glob("bench_*.py"))
    if not names:
        return scripts
    wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in (Path(n).stem for n in names)}
    picked = [s for s in scripts if s.stem in wanted]
    unknown = wanted - {s.stem for s in picked}
    if unknown:
        raise SystemExit(f"no benchmark {', '.join(sorted(unknown))}; there are {', '.join(s.stem for s in scripts)}")
    return picked


def main(argv: list[str]) -> int:
    scripts = chosen(argv)
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="piri-bench-run-"))
    results = folder / "results.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "PIRI_BENCH_ROUNDS"}
    env.update(PIRI_BENCH_STUDIES=str(folder / "studies"), PIRI_BENCH_RESULTS=str(results),
               PYTHONPATH=str(HERE.parent))
    os.environ.update(PIRI_BENCH_STUDIES=env["PIRI_BENCH_STUDIES"])
    try:
        from studies import study

        build = time.perf_counter()
        for size in (10, 100, 300, 1000):  # 300: bench_evaluate's time(3N) / time(N)
            study(size)
        print(f"== generated studies built in {time.perf_counter() - build:.0f} s", flush=True)
        took: dict[str, tuple[float, int]] = {}
        for path in scripts:
            print(f"\n== {path.name}", flush=True)
            begin = time.perf_counter()
            code = subprocess.run([sys.executable, str(path)], env=env, check=False).returncode
            took[path.stem] = (time.perf_counter() - begin, code)
        rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()] if results.exists() else []
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("\n== summary")
    for row in rows:
        mark = "ok    " if row["ok"] else "MISSED"
        value = "" if row["value"] is None else f"{row['value']:.3g} (limit {row['limit']:g})"
        print(f"{mark} {row['script']}: {row['target']}: {value}")
    failed = [name for name, (_, code) in took.items() if code != 0]
    for name, (seconds, code) in took.items():
        print(f"{'ok    ' if code == 0 else 'FAILED'} {name} ({seconds:.0f} s)")
    total = time.perf_counter() - started
    missed = sum(1 for row in rows if not row["ok"])
    print(f"\n{len(scripts)} scripts in {total / 60:.1f} minutes; {len(rows)} harness targets, {missed} missed; "
          f"{len(failed)} scripts failed{': ' + ', '.join(failed) if failed else ''}")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
