"""Benchmark: ``piri-qual --help`` start-up against ``python -c pass`` (target <= 5x).

The CLI must not import spaCy, pandas, Textual or python-docx on its --help path; this measures
that promise as a ratio (fresh processes, best of 7 interleaved rounds, bytecode cached as an
installed tool has it), and checks that no heavy module slipped onto the path.
Run: python benchmarks/bench_startup.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import Contender, Targets, interleaved, piri, run, script  # noqa: E402

HEAVY = ("spacy", "pandas", "textual", "docx", "numpy", "openpyxl", "matplotlib", "lxml")


def main() -> int:
    targets = Targets("bench_startup")
    times = interleaved([Contender("piri-qual --help", piri("--help")), Contender("python -c pass", script("pass"))])
    targets.ratio("piri-qual --help vs python -c pass", times["piri-qual --help"], times["python -c pass"], 5.0)
    probe = f"import sys, piri_qual.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = run(script(probe))[1].strip()
    targets.check("no heavy module on the --help path", not loaded, f"loaded: {loaded or 'none'}")
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
