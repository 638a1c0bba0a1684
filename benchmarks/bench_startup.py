"""`piri-qual --help` start-up against `python -c pass` (target <= 5x).

The CLI must not import spaCy, pandas, Textual or python-docx on its --help path; this measures
that promise as a ratio, and also lists any heavy module that slipped onto the path.
"""

from __future__ import annotations

import subprocess
import sys

from _common import best_of, report

HEAVY = ("spacy", "pandas", "textual", "docx", "numpy", "openpyxl", "matplotlib", "lxml")


def main() -> int:
    python = sys.executable
    bases: list[float] = []
    mines: list[float] = []
    for _ in range(7):  # interleaved, so both see the same machine load
        bases.append(best_of(lambda: subprocess.run([python, "-c", "pass"], check=True), repeat=1))
        mines.append(best_of(
            lambda: subprocess.run([python, "-m", "piri_qual", "--help"], check=True, capture_output=True),
            repeat=1,
        ))
    baseline, ours = min(bases), min(mines)
    ratio = report("cli_help_startup", ours, baseline, "<= 5x")
    print(f"  spread: ours {max(mines) / ours:.2f}x, baseline {max(bases) / baseline:.2f}x over 7 rounds")
    probe = (
        "import sys, piri_qual.cli; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    print(f"cli_help_heavy_imports: {loaded or 'none'}")
    if ratio > 5.0 or loaded:
        print("MISSED: piri-qual --help starts too slowly or imports a heavy module", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
