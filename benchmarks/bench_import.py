"""Benchmark: ``piri-qual import`` of .docx transcripts through the command line, 100 and 1,000 at once.

Why: importing is how every study starts, and issue #18 measured it at 13.7x the CPU of merely
parsing the same files, with 3,000 transcripts costing 4.5x the time of 1,000: each new file
globbed ``corpus/`` and compiled a pattern per known participant, every corpus file was parsed
before the first source was looked at, and each file waited twice for the disk. The benchmark
then timed the reader, not the command, so none of it showed.

The sources are generated Word files of about 8,000 words (:mod:`docx_sources`: the generated
studies' interview talk, a bold ``Speaker:`` label starting each turn), built once per run.
Every figure is a command in a fresh process (the harness), best of 7 interleaved rounds with the
spread printed; targets are on CPU time (user + system of the process: what the import costs,
whatever else the shared machine is doing), and the wall time is printed beside each:

* ``import`` of 1,000 files into a new study (a fresh copy of an initialised study before every
  run: cold caches, every corpus file and kept source written and made durable) costs at most 4x
  the CPU of the floor: a script that opens each file's zip, reads ``word/document.xml`` and
  parses it with lxml -- the least any .docx reader does;
* time(1,000 files) / time(100 files) of ``import`` at most 11x (the work grows 10x; starting
  Python and the command line does not);
* re-importing the 1,000 unchanged files (``.piri-cache/`` removed before every run) costs at
  most 3x a script that reads and hashes them with SHA-256 as the import does: deciding that
  nothing changed must not read the transcripts;
* adding 40 new files to the study of 1,000 costs at most 1.5x adding them to an empty study: the
  cost of a file does not grow with the study.

Checks: every import reports what it did (``1000 imported``, ``1000 unchanged``, ``40 imported``)
and leaves one corpus file per source; the re-import changes no file's modification time.
Run: python benchmarks/bench_import.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from docx_sources import docx_sources  # noqa: E402
from harness import Contender, Targets, Timing, clear_cache, interleaved, piri, run, script  # noqa: E402

ADDED = 40

PARSE_FLOOR = r"""
import sys, zipfile
from lxml import etree
for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as package:
        etree.fromstring(package.read("word/document.xml"))
"""

HASH_FLOOR = r"""
import hashlib, sys
for path in sys.argv[1:]:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    digest.hexdigest()
"""


def _expect(out: str, summary: str, problems: list[str], what: str) -> None:
    last = out.strip().splitlines()[-1] if out.strip() else "(nothing)"
    if last != summary:
        problems.append(f"{what}: said {last!r}, not {summary!r}")


def _corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "corpus").glob("*.json") if not p.name.startswith("."))


def _times(root: Path) -> dict[str, int]:
    """Every file of the study but its cache and lock, with its modification time."""
    out = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and rel.parts[0] != ".piri-cache" and path.name != ".piri-qual.lock":
            out[str(rel)] = path.stat().st_mtime_ns
    return out


class Fresh:
    """A new study for every run: a copy of one initialised study, made untimed.

    The previous run's study is moved aside, not deleted: deleting its 2,000 files just before
    the next import made that import's file creation dearer than any user's (on ext4 a new
    inode is looked for past the group's recently freed ones, which cost 10-12% of the import's
    CPU in perf on this machine). They are deleted with the benchmark's folder at the end.
    """

    def __init__(self, template: Path, root: Path) -> None:
        self.template, self.root = template, root
        self.runs = 0

    def __call__(self) -> None:
        if self.root.exists():
            self.runs += 1
            self.root.rename(self.root.with_name(f"{self.root.name}.run{self.runs}"))
        shutil.copytree(self.template, self.root)


def import_contenders(size: int, template: Path, work: Path, problems: list[str]) -> tuple[Contender, Contender]:
    sources = docx_sources(size)
    fresh = Fresh(template, work / f"import-{size}")

    def check(out: str) -> None:
        _expect(out, f"{size} imported", problems, f"import of {size:,} files")
        if len(_corpus_files(fresh.root)) != size:
            problems.append(f"import of {size:,} files left {len(_corpus_files(fresh.root))} corpus files")

    ours = Contender(f"import ({size:,} files)", piri("import", *sources, "--study", fresh.root), prepare=fresh,
                     check=check)
    floor = Contender(f"zip + lxml parse ({size:,} files)", script(PARSE_FLOOR, *sources))
    return ours, floor


def imported_1000(template: Path, root: Path) -> Path:
    """A study with the 1,000 files imported (untimed)."""
    Fresh(template, root)()
    run(piri("import", *docx_sources(1000), "--study", root))
    return root


def noop_contenders(template: Path, work: Path, problems: list[str]) -> tuple[Contender, Contender]:
    """Re-importing 1,000 unchanged files, and hashing them."""
    sources = docx_sources(1000)
    root = imported_1000(template, work / "imported-1000")
    before = _times(root)

    def check(out: str) -> None:
        _expect(out, "1000 unchanged", problems, "re-import of 1,000 unchanged files")
        changed = sorted(k for k, v in _times(root).items() if before.get(k) != v)
        if changed or set(before) != set(_times(root)):
            problems.append(f"re-import of unchanged files wrote {len(changed)} files: {changed[:5]}")

    ours = Contender("re-import, unchanged (1,000 files)", piri("import", *sources, "--study", root),
                     prepare=lambda: clear_cache(root), check=check)
    floor = Contender("read + SHA-256 (1,000 files)", script(HASH_FLOOR, *sources))
    return ours, floor


def added_contenders(template: Path, work: Path, problems: list[str]) -> tuple[Contender, Contender]:
    """Adding 40 new files to a study with the 1,000 imported, and to an empty study.

    The study of 1,000 is put back before every run by removing what the run added (a copy would
    give every corpus file a new inode, and so a study its index no longer vouches for)."""
    big = imported_1000(template, work / "grown-1000")
    folder = work / "new"
    folder.mkdir()
    new = []
    for k, path in enumerate(docx_sources(100)[:ADDED]):
        target = folder / f"N{k + 1:04d}.docx"
        shutil.copyfile(path, target)
        new.append(target)
    kept = {name: (big / name).read_bytes() for name in ("participants.csv", "corpus/.import-index")
            if (big / name).exists()}
    names = {p.stem for p in new}

    def restore() -> None:
        for sub, suffix in (("corpus", ".json"), ("transcripts", ".docx")):
            for stem in names:
                (big / sub / f"{stem}{suffix}").unlink(missing_ok=True)
        for name, data in kept.items():
            (big / name).write_bytes(data)
        clear_cache(big)

    empty = Fresh(template, work / "added-empty")

    def check(root: Path, what: str) -> Callable[[str], None]:
        def checked(out: str) -> None:
            _expect(out, f"{ADDED} imported", problems, what)
            missing = [p.stem for p in new if not (root / "corpus" / f"{p.stem}.json").exists()]
            if missing:
                problems.append(f"{what}: no corpus file for {missing[:5]}")
        return checked

    into_big = Contender(f"import {ADDED} new files into the study of 1,000", piri("import", *new, "--study", big),
                         prepare=restore, check=check(big, "adding to 1,000"))
    into_empty = Contender(f"import {ADDED} new files into an empty study",
                           piri("import", *new, "--study", empty.root), prepare=empty,
                           check=check(empty.root, "adding to an empty study"))
    return into_big, into_empty


def _walls(ours: Timing, floor: Timing) -> str:
    return f"; wall: {ours.describe()}, {floor.describe()}, {ours.best / floor.best:.2f}x"


def main() -> int:
    targets = Targets("bench_import")
    with tempfile.TemporaryDirectory(prefix="piri-bench-import-") as tmp:
        work = Path(tmp)
        template = work / "template"
        run(piri("init", template))
        problems: list[str] = []
        small, small_floor = import_contenders(100, template, work, problems)
        large, large_floor = import_contenders(1000, template, work, problems)
        noop, hashing = noop_contenders(template, work, problems)
        into_big, into_empty = added_contenders(template, work, problems)
        code = os.environ.get("PIRI_BENCH_CODE")
        if code:
            print(f"(timing the code in {code})", flush=True)
        times = interleaved([large, large_floor, small, small_floor, noop, hashing, into_big, into_empty])
        cpu = {name: timing.cpu_timing() for name, timing in times.items()}
        targets.ratio("import of 1,000 .docx files (about 8,000 words each) into a new study, CPU, vs opening "
                      "each zip and parsing word/document.xml with lxml",
                      cpu[large.name], cpu[large_floor.name], 4.0, _walls(times[large.name], times[large_floor.name]))
        print(f"  (information) import of 100 files vs its floor, CPU: "
              f"{cpu[small.name].best / cpu[small_floor.name].best:.2f}x "
              f"[{cpu[small.name].describe()}; {cpu[small_floor.name].describe()}"
              f"{_walls(times[small.name], times[small_floor.name])}]")
        targets.scaling("import, CPU time(1,000 files) / time(100 files)", cpu[small.name], cpu[large.name], 11.0,
                        f"; wall {times[large.name].best / times[small.name].best:.2f}x")
        targets.ratio("re-import of 1,000 unchanged files, CPU, vs reading and hashing them (SHA-256)",
                      cpu[noop.name], cpu[hashing.name], 3.0, _walls(times[noop.name], times[hashing.name]))
        targets.ratio(f"import of {ADDED} new files into the study of 1,000 vs into an empty study, CPU",
                      cpu[into_big.name], cpu[into_empty.name], 1.5,
                      _walls(times[into_big.name], times[into_empty.name]))
        targets.check("every import says what it did and leaves one corpus file per source; the re-import "
                      "writes nothing", not problems, "; ".join(problems) or "all as expected")
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
