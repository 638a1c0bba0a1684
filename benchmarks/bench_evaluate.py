"""``piri-qual evaluate`` against the work it cannot avoid, measured in one run.

Evaluating replays a researcher: the engine must score every transcript once and retrain as
decisions accumulate, so the floor is one ``piri-qual suggest`` pass over the study (a fresh
process, an empty cache: reading, tokenising, sentences, vectors, rules, scoring) plus the
retrains the replay makes (their seconds as evaluate reports them). Everything else evaluate
does (scoring the cold-start engine beside the learned one, both baselines with their own
retrains, the curves, the bootstrap) must fit in the rest. Target: evaluate within 3x the floor,
on a generated study of 150 sources of short answers (several thousand sentences), best of two
interleaved rounds with the spread shown; exit 1 when the target is missed.

Run: ``python benchmarks/bench_evaluate.py [--sources 150]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the same piri_qual in this process as in the commands it runs
TARGET = 3.0


def cli(*args: str) -> tuple[float, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "piri_qual", *args], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"piri-qual {' '.join(args)} failed: {done.stderr[-400:]}")
    return seconds, done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=150)
    parser.add_argument("--words", type=int, default=300, help="words per source")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)

    from piri_qual.assist.synthetic import generate_study
    from piri_qual.core.study import StudyFolder

    with tempfile.TemporaryDirectory(prefix="piri-bench-eval-") as tmp:
        gen = generate_study(Path(tmp) / "study", transcripts=args.sources, words_per_transcript=args.words, seed=5)
        root = str(gen.root)
        study = StudyFolder(gen.root)
        codings = len(study.fold("gold").codings)
        floors, evals, reports = [], [], []
        for _ in range(args.rounds):  # interleaved: the machine is shared
            shutil.rmtree(gen.root / ".piri-cache", ignore_errors=True)
            suggest_s, _ = cli("suggest", "--study", root, "--json")
            shutil.rmtree(gen.root / ".piri-cache", ignore_errors=True)
            eval_s, out = cli("evaluate", "--gold", root, "--coder", "gold", "--json")
            report = json.loads(out)
            floors.append(suggest_s + report["settings"]["retrain_seconds"])
            evals.append(eval_s)
            reports.append(report)
        report = reports[-1]
        sentences = sum(len(study.sentences(t)) for t in study.transcript_ids())
    best_floor, best_eval = min(floors), min(evals)
    ratio = best_eval / best_floor
    spread = ", ".join(f"{e:.1f}/{f:.1f}" for e, f in zip(evals, floors, strict=True))
    print(f"evaluate_vs_suggest_plus_retrains: ratio={ratio:.2f}x (target <= {TARGET:.0f}x) "
          f"[evaluate {best_eval:.1f} s, floor {best_floor:.1f} s = suggest pass + "
          f"{report['settings']['retrains']} retrains ({report['settings']['retrain_seconds']:.1f} s); "
          f"rounds evaluate/floor: {spread}; {args.sources} sources, {sentences:,} sentences, {codings:,} gold codings]")
    if ratio > TARGET:
        print("bench_evaluate: target missed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
