"""Import a fixed set of real and generated transcripts with one checkout's code and keep the corpus.

Why: a faster importer must write the same corpus, byte for byte (diffs, coder logs anchored to
the text, older readers). Run this once with the code before a change and once after, then
compare the two folders (``diff -r``): every ``corpus/*.json`` and what each import printed.

The inputs are the example study's ``transcripts/*.docx`` (this repository is the example study),
every file in ``../shared/realdocs`` (third-party .docx, .vtt, .txt and .md with the quirks the
readers must handle; see its README) and the first 20 generated benchmark sources
(``benchmarks/docx_sources.py``, when ``PIRI_BENCH_STUDIES`` holds them). Each set is imported
into its own new study; the paths of the sources are the same in both runs, so the recorded
origins match. Each corpus file's ``imported_at`` line is blanked (it is the clock), and the
processes run with a fixed ``PYTHONHASHSEED`` so that anything ordered by a set is ordered the
same way in both runs.

Run: python tools/corpus_snapshot.py CODE_DIR OUT_DIR
     python tools/corpus_snapshot.py --compare BEFORE_CODE AFTER_CODE   (exit 1 on any difference)
(CODE_DIR: a checkout whose ``piri_qual`` runs, e.g. ``git archive BASE piri_qual | tar -x -C DIR``.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAMP = re.compile(rb'"imported_at": "[^"]*"')
#: ``../shared/realdocs`` beside the repository (or beside the folder of its worktrees), or
#: ``PIRI_REALDOCS``.
_REALDOCS_AT = [Path(os.environ["PIRI_REALDOCS"])] if os.environ.get("PIRI_REALDOCS") else [
    REPO.parent / "shared" / "realdocs", REPO.parent.parent / "shared" / "realdocs"]


def _sets() -> dict[str, list[Path]]:
    sets = {"example": sorted((REPO / "transcripts").glob("*.docx"))}
    realdocs = next((p for p in _REALDOCS_AT if p.is_dir()), None)
    if realdocs is not None:
        sets["realdocs"] = sorted(p for p in realdocs.iterdir() if p.name != "README.md")
    else:
        print(f"(no realdocs folder at {_REALDOCS_AT[0]}: set PIRI_REALDOCS)", file=sys.stderr)
    if not os.environ.get("PIRI_BENCH_STUDIES"):
        print("(PIRI_BENCH_STUDIES unset: the generated interviews are left out)", file=sys.stderr)
    studies = os.environ.get("PIRI_BENCH_STUDIES")
    generated = Path(studies) / "docx-100-v1" if studies else None
    if generated and generated.is_dir():
        sets["generated"] = sorted(generated.glob("*.docx"))[:20]
    return sets


def _piri(code: Path, *args: str | Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(code), NO_COLOR="1", COLUMNS="120", PYTHONDONTWRITEBYTECODE="1",
               PYTHONHASHSEED="0")
    done = subprocess.run([sys.executable, "-m", "piri_qual", *map(str, args)], cwd=code, env=env,
                          capture_output=True, text=True, check=False)
    return f"exit {done.returncode}\n{done.stdout}{done.stderr}"


def snapshot(code: Path, out: Path) -> None:
    """Import every set with ``code``'s piri_qual into new studies; copy their corpora to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="piri-corpus-snapshot-") as tmp:
        for name, files in _sets().items():
            study = Path(tmp) / name
            _piri(code, "init", study)
            said = _piri(code, "import", *files, "--study", study)
            (out / f"{name}.out").write_text(said.replace(str(study), "STUDY"), encoding="utf-8")
            target = out / name
            target.mkdir(exist_ok=True)
            for path in sorted((study / "corpus").glob("*.json")):
                (target / path.name).write_bytes(STAMP.sub(b'"imported_at": "-"', path.read_bytes()))


def compare(before: Path, after: Path) -> list[str]:
    """Snapshot both checkouts; the files (corpus JSON and import output) that differ."""
    with tempfile.TemporaryDirectory(prefix="piri-corpus-compare-") as tmp:
        a, b = Path(tmp) / "before", Path(tmp) / "after"
        snapshot(before, a)
        snapshot(after, b)
        names = sorted({p.relative_to(a) for p in a.rglob("*") if p.is_file()}
                       | {p.relative_to(b) for p in b.rglob("*") if p.is_file()})
        differ = [str(n) for n in names if not (a / n).is_file() or not (b / n).is_file()
                  or (a / n).read_bytes() != (b / n).read_bytes()]
        print(f"{len(names) - len(differ)} of {len(names)} files byte for byte the same")
        return differ


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--compare":
        changed = compare(Path(sys.argv[2]).resolve(), Path(sys.argv[3]).resolve())
        for name in changed:
            print(f"differs: {name}")
        raise SystemExit(1 if changed else 0)
    if len(sys.argv) != 3:
        raise SystemExit("usage: python tools/corpus_snapshot.py CODE_DIR OUT_DIR | --compare BEFORE AFTER")
    snapshot(Path(sys.argv[1]).resolve(), Path(sys.argv[2]))
