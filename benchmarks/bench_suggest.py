"""Benchmark: ``piri-qual suggest`` on generated studies of 100 and 1,000 interviews.

Why (issue #18): ``suggest`` held every transcript's features until the end (2 GB at 1,000
interviews, 5.6 GB at 3,000) on one core, and this benchmark hid it: its floor was the project's
own heavier pipeline and its model was trained outside the timer. Now every figure is the command
a user runs, ``piri-qual suggest --study S`` (both coders have logs, so no coder is implied: rules
and similarity, nothing to train), in a fresh process with cold caches (``.piri-cache/`` removed
before every run), on private copies of the generated studies, best of 7 interleaved rounds with
the spread. Targets:

* throughput at 1,000 interviews (about 8 million words) at least 0.2x its floor: a script that
  reads the same corpus files (``json.load``) and runs bare ``spacy.blank('en')`` + ``sentencizer``
  ``nlp.pipe`` over every turn's text, in one process, timed in the same rounds;
* peak memory at 1,000 interviews at most 1 GiB, and at most 1.5x the peak at 100 interviews (the
  study grows 10x). Measured on one cold run of each outside the rounds, by a wrapper process
  that samples the proportional set size (PSS: pages shared by the forked workers counted once)
  of the command and all its workers every 50 ms; the largest single process's ``ru_maxrss``
  is printed beside it;
* a re-run with nothing changed at most 0.1x the cold run (1,000 interviews).

For information: the same at 100 interviews, and with ``PIRI_BENCH_SUGGEST_TRAINED=1``,
``suggest --coder alice`` at 100 interviews (the command then trains alice's model on her 5,700
decisions first, timed with it; the learner's cost, not the pipeline's).
Run: python benchmarks/bench_suggest.py
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from harness import Contender, Targets, bench_env, clear_cache, interleaved, piri, run, script  # noqa: E402
from studies import copy_of, study  # noqa: E402

GIB = 2**30
#: The two study sizes compared; ``PIRI_BENCH_SUGGEST_SIZES=10,100`` tries the script quickly.
SIZES = tuple(int(n) for n in os.environ.get("PIRI_BENCH_SUGGEST_SIZES", "100,1000").split(","))

FLOOR = r"""
import json, sys
from pathlib import Path
import spacy
nlp = spacy.blank("en")
nlp.add_pipe("sentencizer")

def texts():
    for path in sorted(Path(sys.argv[1]).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        text = data["text"]
        for turn in data["turns"]:
            yield text[turn["start"]:turn["end"]]

print(sum(len(doc) for doc in nlp.pipe(texts(), batch_size=256)))
"""

# Runs a command and reports its peak memory: the largest sampled sum of the proportional set
# sizes of the command and every process under it, and the largest single process's ru_maxrss.
PEAK = r"""
import json, os, resource, subprocess, sys, time

def tree(root):
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found

def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0

proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
peak = 0
while proc.poll() is None:
    peak = max(peak, sum(pss(pid) for pid in tree(proc.pid)))
    time.sleep(0.05)
err = proc.stderr.read().decode()
largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
with open(sys.argv[1], "w") as out:
    json.dump({"code": proc.returncode, "tree_pss": peak, "largest_rss": largest, "stderr": err[-2000:]}, out)
"""


def peak_memory(argv: list[str], root: Path, work: Path, name: str) -> dict[str, int]:
    """One cold run of ``argv`` under the PEAK wrapper: its peak memory figures."""
    clear_cache(root)
    report = work / f"peak-{name}.json"
    run(script(PEAK, report, *argv), env=bench_env())
    figures = json.loads(report.read_text(encoding="utf-8"))
    if figures["code"] != 0:
        raise SystemExit(f"suggest failed under the memory wrapper: {figures['stderr']}")
    return figures


def contenders(size: int, work: Path) -> tuple[Contender, Contender, Contender, Path]:
    """Cold ``suggest``, its floor and the cached re-run on a private copy of the ``size`` study."""
    root = copy_of(study(size), work / f"s{size}")
    argv = piri("suggest", "--study", root, "--json")
    expected = len(list((root / "corpus").glob("*.json")))

    def cold_check(out: str) -> None:
        summary = json.loads(out)
        if summary["computed"] != expected or len(summary["suggestions"]) != expected:
            raise SystemExit(f"suggest ({size:,}) read {summary['computed']} transcripts, not {expected}")

    def warm() -> None:
        suggestions = root / ".piri-cache" / "assist" / "suggestions" / "_cold"
        if len(list(suggestions.glob("*.npz"))) != expected:
            run(argv)  # untimed: the cached re-run needs a complete cache

    def cached_check(out: str) -> None:
        summary = json.loads(out)
        if summary["computed"] or summary.get("scored"):
            raise SystemExit(f"the cached re-run ({size:,}) extracted {summary['computed']} and scored "
                             f"{summary.get('scored')} transcripts again")

    cold = Contender(f"suggest, cold ({size:,})", argv, prepare=lambda: clear_cache(root), check=cold_check)
    cached = Contender(f"suggest, cached re-run ({size:,})", argv, prepare=warm, check=cached_check)
    floor = Contender(f"spacy.blank + sentencizer nlp.pipe ({size:,})", script(FLOOR, root / "corpus"))
    return cold, floor, cached, root


def main() -> int:
    targets = Targets("bench_suggest")
    with tempfile.TemporaryDirectory(prefix="piri-bench-suggest-") as tmp:
        work = Path(tmp)
        small_n, large_n = SIZES
        cold_s, floor_s, cached_s, root_s = contenders(small_n, work)
        cold_l, floor_l, cached_l, root_l = contenders(large_n, work)
        run(cached_s.argv)  # untimed: bytecode compiled once, as an installed tool has it
        times = interleaved([cold_l, floor_l, cached_l, cold_s, floor_s, cached_s], warmup=False)
        words_l, words_s = study(large_n).words, study(small_n).words
        targets.speed(f"suggest, cold, {large_n:,} interviews ({words_l:,} words) vs bare spaCy nlp.pipe over the "
                      "same texts", times[cold_l.name], times[floor_l.name], 0.2,
                      f"; {words_l / times[cold_l.name].best:,.0f} words/s")
        targets.ratio(f"suggest re-run with nothing changed vs cold, {large_n:,} interviews",
                      times[cached_l.name], times[cold_l.name], 0.1)
        print(f"  (information) {small_n:,} interviews: cold {words_s / times[cold_s.name].best:,.0f} words/s, "
              f"{times[floor_s.name].best / times[cold_s.name].best:.2f}x its floor "
              f"[{times[cold_s.name].describe()}; {times[floor_s.name].describe()}]; cached re-run "
              f"{times[cached_s.name].best / times[cold_s.name].best:.2f}x cold [{times[cached_s.name].describe()}]",
              flush=True)
        if os.environ.get("PIRI_BENCH_SUGGEST_TRAINED"):
            trained = Contender(f"suggest --coder alice, cold, model trained ({small_n:,})",
                                piri("suggest", "--study", root_s, "--coder", "alice", "--json"),
                                prepare=lambda: clear_cache(root_s))
            took = interleaved([trained, floor_s], warmup=False)
            print(f"  (information) suggest --coder alice, {small_n:,} interviews, training her model included: "
                  f"{took[floor_s.name].best / took[trained.name].best:.2f}x the floor "
                  f"[{took[trained.name].describe()}; {took[floor_s.name].describe()}]", flush=True)
        small = peak_memory(cold_s.argv, root_s, work, "small")
        large = peak_memory(cold_l.argv, root_l, work, "large")
        detail = (f"PSS of the command and its workers: {large['tree_pss'] / GIB:.2f} GiB at {large_n:,}, "
                  f"{small['tree_pss'] / GIB:.2f} GiB at {small_n:,}; largest single process ru_maxrss "
                  f"{large['largest_rss'] / GIB:.2f} GiB at {large_n:,}, {small['largest_rss'] / GIB:.2f} GiB "
                  f"at {small_n:,}")
        targets.bound(f"suggest peak memory, {large_n:,} interviews", large["tree_pss"] / GIB, 1.0, unit="GiB",
                      detail=detail)
        targets.bound(f"suggest peak memory, {large_n:,} / {small_n:,} interviews",
                      large["tree_pss"] / small["tree_pss"], 1.5, unit="x", detail=detail)
        for root in (root_s, root_l):
            shutil.rmtree(root, ignore_errors=True)
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
