"""Benchmark: `piri-qual export all` on a study whose imported codebook is large (target <= 1.5x).

Why: a REFI-QDA project of 260 KB with 10,000 codes made `export all` run past 15 minutes at
7 GB, because every export did work for every theme (matrix columns, plot rows, a theme x theme
co-occurrence table). Exports must cost what was coded, not what the codebook holds.

Two studies are imported from generated .qdpx projects that differ only in their codebooks: the
floor has the 30 codes that are used; ours has the same 30 and 2,970 more, unused (3,000 codes).
Both hold one transcript and the same 300 codings by one coder. Each round runs the command a
researcher runs, `piri-qual export all`, in a fresh process with the exports folder and the
study's cache removed first (cold), ours and the floor interleaved; the best of the rounds counts
and the spread (slowest / best) is shown. A project of 10,000 codes must also be refused at
import within 10 s. The script exits 1 when a target is missed.
Run: python benchmarks/bench_large_codebook.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _common import report

REPO = Path(__file__).resolve().parents[1]
CLI = "import sys; from piri_qual.cli import main; sys.exit(main(sys.argv[1:]))"
NS = "urn:QDA-XML:project:1.0"
USED, LARGE, CODINGS, ROUNDS = 30, 3_000, 300, 5
TARGET = 1.5


def project(path: Path, codes: int) -> Path:
    text = "I feel happy today and the visits helped. " * 40
    step = len(text) // CODINGS
    code_xml = "".join(f'<Code guid="cccccccc-0000-4000-8000-{i:012d}" name="code {i}" isCodable="true"/>'
                       for i in range(codes))
    selections = "".join(
        f'<PlainTextSelection guid="dddddddd-0000-4000-8000-{i:012d}" startPosition="{i * step}" '
        f'endPosition="{i * step + step - 1}"><Coding guid="eeeeeeee-0000-4000-8000-{i:012d}">'
        f'<CodeRef targetGUID="cccccccc-0000-4000-8000-{i % USED:012d}"/></Coding></PlainTextSelection>'
        for i in range(CODINGS))
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="{NS}" name="P"><CodeBook><Codes>{code_xml}'
           '</Codes></CodeBook><Sources><TextSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="T1" '
           'plainTextPath="internal://bbbbbbbb-0000-4000-8000-000000000001.txt">'
           f"{selections}</TextSource></Sources></Project>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml)
        archive.writestr("sources/bbbbbbbb-0000-4000-8000-000000000001.txt", text)
    return path


def piri(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, cwd=REPO, timeout=3600)


def export_all(study: Path) -> float:
    for folder in (study / "exports", study / ".piri-cache"):
        shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    result = piri("export", "all", "--study", str(study))
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"export all failed on {study.name}: {result.stderr}")
    return elapsed


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="piri-bench-large-") as tmp:
        root = Path(tmp)
        studies = {}
        for name, codes in (("floor", USED), ("large", LARGE)):
            result = piri("import", str(project(root / f"{name}.qdpx", codes)), "--into", str(root / name))
            if result.returncode != 0:
                raise SystemExit(result.stderr)
            studies[name] = root / name
        ours: list[float] = []
        floor: list[float] = []
        for _ in range(ROUNDS):
            ours.append(export_all(studies["large"]))
            floor.append(export_all(studies["floor"]))
        print(f"export all, {LARGE:,} codes ({USED} used) against {USED} codes, {CODINGS} codings, "
              f"best of {ROUNDS} interleaved cold rounds; spread ours {max(ours) / min(ours):.2f}x, "
              f"floor {max(floor) / min(floor):.2f}x")
        ratio = report("export all on a large codebook", min(ours), min(floor), f"<= {TARGET}x")
        start = time.perf_counter()
        refused = piri("import", str(project(root / "huge.qdpx", 10_000)), "--into", str(root / "huge"))
        refusal = time.perf_counter() - start
        print(f"a 10,000-code project refused in {refusal:.2f} s (target <= 10 s, exit {refused.returncode})")
        ok = ratio <= TARGET and refused.returncode == 2 and refusal <= 10 and not (root / "huge").exists()
    if not ok:
        print("FAILED: a target was missed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
