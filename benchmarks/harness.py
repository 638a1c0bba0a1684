"""The benchmark harness: commands in fresh processes, cold caches, interleaved rounds, ratio targets.

Why one harness (issue #18): each benchmark had grown its own timing loop, some timed a library
call where users run a command, some measured their baseline once, and some printed "a target was
missed" and exited 0, so ``make bench`` passed whatever happened. Here every figure is measured the
same way:

* **What users run.** A command is ``python -m piri_qual ...`` in a fresh process with the
  environment an installed tool has (bytecode cached in a folder of the run's own, even where the
  shell sets ``PYTHONDONTWRITEBYTECODE``; no colour; a fixed terminal width).
* **Cold caches.** A command's ``prepare`` runs untimed before every timed run: it removes the
  study's ``.piri-cache/`` and the files the command writes, so nothing computed by an earlier
  round is reused and every file is written again. (The operating system's page cache is warm for
  both sides alike: dropping it needs root and would disturb everyone else on the machine.)
* **A floor measured in the same run.** Each target is a ratio to the least the job needs (a
  script that reads the same files, ``python -c pass``), timed in the same rounds.
* **Interleaved rounds.** At least 7 rounds; each runs every contender once, the order rotating
  from round to round, so both sides meet the same load on a shared machine. The best round
  counts, and the spread (slowest / best) is printed beside it so a noisy figure shows as one.
* **A verdict.** :class:`Targets` prints one line per target and :meth:`Targets.finish` returns
  the exit code: 1 when any target is missed. ``benchmarks/run_all.py`` (``make bench``) runs
  every script and fails when any of them does.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Rounds per comparison. ``PIRI_BENCH_ROUNDS`` may lower it while developing a benchmark; a run
#: with fewer than 7 says so, and ``run_all.py`` never sets it.
ROUNDS = int(os.environ.get("PIRI_BENCH_ROUNDS", "7"))
if ROUNDS < 7:
    print(f"(PIRI_BENCH_ROUNDS={ROUNDS}: fewer than 7 rounds, figures for development only)", flush=True)
PYTHON = sys.executable


class BenchFailure(SystemExit):
    """A timed command failed: the benchmark stops with its error output."""


_PYCACHE: list[Path] = []


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of a timed process: as an installed tool runs, with bytecode cached in a
    folder of this run's own (so neither side recompiles its sources every round)."""
    if not _PYCACHE:
        folder = Path(tempfile.mkdtemp(prefix="piri-bench-pycache-"))
        import atexit

        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _PYCACHE.append(folder)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PIRI_QUAL_CODER")}
    # PIRI_BENCH_CODE: another checkout's code for the timed commands, to measure a "before"
    code = os.environ.get("PIRI_BENCH_CODE", str(REPO))
    env.update(PYTHONPATH=code, NO_COLOR="1", COLUMNS="120", PYTHONPYCACHEPREFIX=str(_PYCACHE[0]))
    env.update(extra)
    return env


def run(argv: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, str]:
    """Run ``argv`` to completion; its wall time and standard output. A failure stops the benchmark."""
    seconds, _, out = run_measured(argv, env=env, cwd=cwd)
    return seconds, out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(argv: Sequence[str], *, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> tuple[float, float, str]:
    """Run ``argv`` to completion; its wall time, its CPU time (user + system, from the
    resource usage of waited-for children: a shared machine's load slows the wall clock far more
    than the CPU a command needs) and standard output. A failure stops the benchmark."""
    code = os.environ.get("PIRI_BENCH_CODE")
    if cwd is None and code:
        # ``python -m`` puts the working folder first on the path, before PYTHONPATH: run from
        # the other checkout, or the "before" figures time this checkout's code
        cwd = Path(code)
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(list(argv), capture_output=True, text=True, env=env or bench_env(), cwd=cwd, check=False)
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        shown = " ".join(str(a) for a in argv[:6])
        raise BenchFailure(f"benchmark command failed ({done.returncode}): {shown} ...\n{done.stderr[-3000:]}")
    return seconds, cpu, done.stdout


def piri(*args: object) -> list[str]:
    """The argv of a piri-qual command."""
    return [PYTHON, "-m", "piri_qual", *[str(a) for a in args]]


def script(code: str, *args: object) -> list[str]:
    """The argv of a floor: a Python script given as text."""
    return [PYTHON, "-c", code, *[str(a) for a in args]]


def clear_cache(study: Path) -> None:
    """Remove a study's derived data (``.piri-cache/``): the next command starts cold."""
    shutil.rmtree(study / ".piri-cache", ignore_errors=True)


@dataclass
class Contender:
    """One side of a comparison: a command, what to do untimed before each run, and a check of
    what it printed or wrote (run once, after the rounds)."""

    name: str
    argv: list[str]
    prepare: Callable[[], None] | None = None
    check: Callable[[str], None] | None = None
    env: dict[str, str] | None = None


@dataclass
class Timing:
    name: str
    seconds: list[float] = field(default_factory=list)
    #: CPU seconds of each run (commands only: :func:`interleaved` records them beside the wall)
    cpu: list[float] = field(default_factory=list)

    def cpu_timing(self) -> Timing:
        """The same runs by their CPU time, for targets on CPU (what the job costs, whatever
        else the machine is doing)."""
        return Timing(f"{self.name} [CPU]", list(self.cpu))

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def spread(self) -> float:
        return max(self.seconds) / self.best

    def describe(self, unit: str = "s") -> str:
        scale = 1000.0 if unit == "ms" else 1.0
        return f"{self.name} best {self.best * scale:.3f} {unit}, spread {self.spread:.2f}x"


def interleaved(contenders: Sequence[Contender], rounds: int = ROUNDS, *, warmup: bool = True,
                rotate: bool = True) -> dict[str, Timing]:
    """Time every contender once per round, the order rotating each round (unless ``rotate`` is
    false: commands that act on each other's results, like an add and the undo of it); a first
    untimed run of each caches its bytecode. After the rounds each ``check`` reads its output."""
    timings = {c.name: Timing(c.name) for c in contenders}
    last: dict[str, str] = {}

    def once(contender: Contender) -> tuple[float, float]:
        if contender.prepare:
            contender.prepare()
        seconds, cpu, out = run_measured(contender.argv, env=contender.env)
        last[contender.name] = out
        return seconds, cpu

    if warmup:
        for contender in contenders:
            once(contender)
    for r in range(rounds):
        shift = r % len(contenders) if rotate else 0
        for contender in [*contenders[shift:], *contenders[:shift]]:
            seconds, cpu = once(contender)
            timings[contender.name].seconds.append(seconds)
            timings[contender.name].cpu.append(cpu)
    for contender in contenders:
        if contender.check:
            contender.check(last[contender.name])
    return timings


def timed_rounds(name: str, func: Callable[[], object], rounds: int = ROUNDS) -> Timing:
    """Time an in-process call ``rounds`` times (for figures that are not commands)."""
    timing = Timing(name)
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        timing.seconds.append(time.perf_counter() - start)
    return timing


class Targets:
    """The verdicts of one benchmark script: a line per target, and the exit code."""

    def __init__(self, script_name: str) -> None:
        self.script = script_name
        self.results: list[dict[str, object]] = []

    def _record(self, label: str, value: float, limit: float, kind: str, ok: bool, detail: str) -> bool:
        word = "ok" if ok else "MISSED"
        if kind == "ratio":
            head = f"{value:.2f}x (target <= {limit:g}x)"
        elif kind == "speed":
            head = f"{value:.2f}x (target >= {limit:g}x)"
        else:
            head = f"{value:.3f} s (target < {limit:g} s)"
        print(f"{label}: {head} {word} [{detail}]", flush=True)
        self.results.append({"script": self.script, "target": label, "value": round(value, 4), "limit": limit,
                             "kind": kind, "ok": ok, "detail": detail})
        return ok

    def ratio(self, label: str, ours: Timing, floor: Timing, limit: float, note: str = "") -> bool:
        """``ours`` costs at most ``limit`` times ``floor`` (best rounds)."""
        value = ours.best / floor.best
        return self._record(label, value, limit, "ratio", value <= limit,
                            f"{ours.describe()}; {floor.describe()}; {len(ours.seconds)} rounds" + note)

    def speed(self, label: str, ours: Timing, floor: Timing, limit: float, note: str = "") -> bool:
        """``ours`` runs at least ``limit`` times the speed of ``floor`` (floor time / our time)."""
        value = floor.best / ours.best
        return self._record(label, value, limit, "speed", value >= limit,
                            f"{ours.describe()}; {floor.describe()}; {len(ours.seconds)} rounds" + note)

    def scaling(self, label: str, small: Timing, large: Timing, limit: float, note: str = "") -> bool:
        """The larger study costs at most ``limit`` times the smaller one."""
        value = large.best / small.best
        return self._record(label, value, limit, "ratio", value <= limit,
                            f"{large.describe()}; {small.describe()}" + note)

    def within(self, label: str, ours: Timing, seconds: float, note: str = "") -> bool:
        """An absolute bound, for what a user waits on (text on screen, one large file)."""
        return self._record(label, ours.best, seconds, "seconds", ours.best < seconds,
                            f"{ours.describe()}; {len(ours.seconds)} rounds" + note)

    def bound(self, label: str, value: float, limit: float, *, unit: str, detail: str = "") -> bool:
        """A figure measured some other way (a percentile, a ratio of percentiles) at most ``limit``."""
        ok = value <= limit
        print(f"{label}: {value:.2f} {unit} (target <= {limit:g} {unit}) {'ok' if ok else 'MISSED'} [{detail}]",
              flush=True)
        self.results.append({"script": self.script, "target": label, "value": round(value, 4), "limit": limit,
                             "kind": unit, "ok": ok, "detail": detail})
        return ok

    def check(self, label: str, ok: bool, detail: str) -> bool:
        """A condition that must hold (the files written, the same answer as the floor)."""
        print(f"{label}: {'ok' if ok else 'MISSED'} [{detail}]", flush=True)
        self.results.append({"script": self.script, "target": label, "value": None, "limit": None,
                             "kind": "check", "ok": ok, "detail": detail})
        return ok

    def finish(self) -> int:
        """Print the verdict, hand the results to ``run_all.py`` and return the exit code."""
        missed = [r["target"] for r in self.results if not r["ok"]]
        out = os.environ.get("PIRI_BENCH_RESULTS")
        if out:
            with open(out, "a", encoding="utf-8") as handle:
                for result in self.results:
                    handle.write(json.dumps(result) + "\n")
        if missed:
            print(f"{self.script}: {len(missed)} of {len(self.results)} targets MISSED: {'; '.join(map(str, missed))}",
                  file=sys.stderr)
            return 1
        print(f"{self.script}: all {len(self.results)} targets met")
        return 0
