"""Benchmark: ``piri-qual export all`` on generated studies of 100 and 1,000 interviews.

Why: the write-up exports are what a study ends in, and they must stay linear in the codings
(issue #18: at 1,000 interviews the command was killed after 900 s, stuck in a quote bank that
python-docx built in quadratic time). Targets, each measured through the command line in fresh
processes with cold caches (``.piri-cache/`` and the output folder removed before every run), best
of 7 interleaved rounds:

* ``export all`` at 1,000 interviews (about 8 million words, 51,000 current codings of ``alice``,
  22 files written) costs at most 5x its floor: a script that folds the same coder log and writes
  the quote bank's paragraphs (the very paragraphs of our ``quotes.docx``: style and text,
  read from a file prepared before the rounds) as WordprocessingML with lxml into a zip, fsynced;
* time(1,000 interviews) / time(100 interviews) of ``export all`` at most 12x (the data grows
  10x; the fixed costs of starting Python, pandas, matplotlib and the template do not);
* ``export quotes --format docx`` with the 51,000 quotes under 30 s.

Checks: every file is written and not empty, and ``quotes.docx`` holds one block quote per
current coding. For information, the in-process figure this benchmark used to report (export
data, framework matrix and quote bank built in memory, against folding the log; target 3x) is
kept, on the study it was measured on (200 interviews of 3,000 words, 20,000 codings).
Run: python benchmarks/bench_export.py
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _common import WORDS  # noqa: E402
from harness import Contender, Targets, clear_cache, interleaved, piri, run, script, timed_rounds  # noqa: E402
from studies import study  # noqa: E402

CODER = "alice"
FILES = 22
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

FLOOR = r"""
import json, os, sys, zipfile
from lxml import etree
from piri_qual.core.study import StudyFolder
StudyFolder(sys.argv[1]).fold(sys.argv[2])
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
document = etree.Element(f"{{{W}}}document", nsmap={"w": W})
body = etree.SubElement(document, f"{{{W}}}body")
with open(sys.argv[3], encoding="utf-8") as handle:
    for style, text in json.load(handle):
        p = etree.SubElement(body, f"{{{W}}}p")
        if style:
            etree.SubElement(etree.SubElement(p, f"{{{W}}}pPr"), f"{{{W}}}pStyle").set(f"{{{W}}}val", style)
        etree.SubElement(etree.SubElement(p, f"{{{W}}}r"), f"{{{W}}}t").text = text
with open(sys.argv[4], "wb") as out:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", etree.tostring(document, xml_declaration=True, encoding="UTF-8",
                                                            standalone=True))
    out.flush()
    os.fsync(out.fileno())
"""


def paragraphs(docx: Path) -> list[tuple[str | None, str]]:
    """Each paragraph of a .docx as (style id, text), in order."""
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(docx).read("word/document.xml"))
    out = []
    for p in root.iter(f"{{{W_NS}}}p"):
        style = p.find(f"{{{W_NS}}}pPr/{{{W_NS}}}pStyle")
        text = "".join(t.text or "" for t in p.iter(f"{{{W_NS}}}t"))
        out.append((style.get(f"{{{W_NS}}}val") if style is not None else None, text))
    return out


def current_codings(root: Path) -> int:
    from piri_qual.core.study import StudyFolder

    return len(StudyFolder(root).fold(CODER).codings)


def contenders(size: int, work: Path, problems: list[str]) -> tuple[Contender, Contender, int]:
    """``export all`` and its floor on the generated study of ``size`` interviews; what the
    export's check finds wrong goes to ``problems``."""
    root = study(size).root
    out = work / f"exports-{size}"
    floor_out = work / f"floor-{size}.docx"

    def fresh() -> None:
        clear_cache(root)
        shutil.rmtree(out, ignore_errors=True)

    fresh()
    run(piri("export", "all", "--study", root, "--coder", CODER, "-d", out))
    quoted = paragraphs(out / "quotes.docx")
    text_file = work / f"paragraphs-{size}.json"
    text_file.write_text(json.dumps(quoted, ensure_ascii=False), encoding="utf-8")
    expected = current_codings(root)

    def check(_: str) -> None:
        written = sorted(p.name for p in out.iterdir() if p.stat().st_size > 0)
        if len(written) != FILES:
            problems.append(f"{size:,}: {len(written)} files written, not {FILES}: {written}")
        quotes = sum(1 for style, _ in paragraphs(out / "quotes.docx") if style == "Quote")
        if quotes != expected:
            problems.append(f"{size:,}: quotes.docx holds {quotes:,} quotes, the log {expected:,} codings")

    ours = Contender(f"export all ({size:,})", piri("export", "all", "--study", root, "--coder", CODER, "-d", out),
                     prepare=fresh, check=check)
    floor = Contender(f"fold + lxml paragraphs ({size:,})", script(FLOOR, root, CODER, text_file, floor_out),
                      prepare=lambda: floor_out.unlink(missing_ok=True))
    return ours, floor, len(quoted)


# -- the in-process figure kept from before #18, on the study it was measured on -----------------
DENSE_TRANSCRIPTS = 200
DENSE_CODINGS = 20_000
DENSE_THEMES = 40
DENSE_SEED = 7
NAMES = [f"Name{chr(65 + i % 26)}{chr(97 + i // 26)}son" for i in range(60)]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 20))]
    if rng.random() < 0.3:
        words.insert(rng.randint(1, len(words)), rng.choice(NAMES))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def dense_study(root: Path) -> Path:
    """The study this benchmark used before #18: 200 interviews of 3,000 words, 20,000 codings."""
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
    from piri_qual.core.framework import load_framework
    from piri_qual.core.settings import init_study

    rng = random.Random(DENSE_SEED)
    repo = Path(__file__).resolve().parents[1]
    study = init_study(root / "study", "Export benchmark")
    shutil.copy(repo / "frameworks" / "piri.yaml", study / "frameworks" / "piri.yaml")
    constructs = list(load_framework(study / "frameworks" / "piri.yaml").constructs)
    themes = [f"theme_{i:02d}" for i in range(DENSE_THEMES)]
    lines = ["id: bench", "label: Benchmark codebook", "framework: piri", "themes:"]
    for i, theme in enumerate(themes):
        lines += [f"  - id: {theme}", f"    label: Theme {i}", f"    construct: {constructs[i % len(constructs)]}",
                  f"    definition: Benchmark theme {i}."]
    (study / "codebooks" / "bench.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pseudonyms = "\n".join(f"  {name}: P{i}" for i, name in enumerate(NAMES))
    settings = (study / "piri-qual.yaml").read_text(encoding="utf-8")
    settings = settings.replace("frameworks/main.yaml", "frameworks/piri.yaml").replace(
        "codebooks/main.yaml", "codebooks/bench.yaml").replace("pseudonyms: {}", "pseudonyms:\n" + pseudonyms)
    (study / "piri-qual.yaml").write_text(settings, encoding="utf-8")
    people = ["id,group,role,site"]
    texts: dict[str, Transcript] = {}
    for n in range(DENSE_TRANSCRIPTS):
        pid = f"{'S' if n % 4 == 0 else 'P'}{n:03d}"
        group = "staff" if pid[0] == "S" else "parent"
        people.append(f"{pid},{group},{rng.choice(['mother', 'father', 'health visitor'])},{rng.choice(['North', 'South'])}")
        turns, clock = [], 0.0
        for k in range(60):
            speaker = "Interviewer" if k % 2 == 0 else pid
            body = " ".join(_sentence(rng) for _ in range(1 if k % 2 == 0 else rng.randint(4, 8)))
            turns.append(RawTurn(speaker, (body,), clock))
            clock += len(body.split()) / 2.5
        text, spans = assemble_text(turns, ["interviewer" if k % 2 == 0 else "participant" for k in range(60)])
        transcript = Transcript(id=pid, participant=pid, group=group, text=text, turns=spans,
                                source=f"transcripts/{pid}.vtt", source_sha256="0" * 64, format="vtt",
                                imported_at="2024-01-01T00:00:00+00:00")
        transcript.save(study / "corpus" / f"{pid}.json")
        texts[pid] = transcript
    (study / "participants.csv").write_text("\n".join(people) + "\n", encoding="utf-8")
    events = []
    ids = list(texts)
    for i in range(DENSE_CODINGS):
        t = texts[ids[i % len(ids)]]
        turn = t.turns[rng.randrange(1, len(t.turns), 2)]
        start = rng.randint(turn.start, max(turn.start, turn.end - 200))
        end = min(turn.end, start + rng.randint(60, 300))
        events.append(("add", {"transcript": t.id, "start": start, "end": end, "quote": t.text[start:end],
                               "theme": themes[rng.randrange(DENSE_THEMES)], "source": "manual"}))
    from piri_qual.core.study import StudyFolder

    StudyFolder(study).store.append_many("alice", events)
    return study


def in_process(targets: Targets, work: Path) -> None:
    """The figure this benchmark reported before #18: export data, matrix and quote bank in memory."""
    warnings.simplefilter("ignore")
    from piri_qual.analysis.matrix import matrix_from_data
    from piri_qual.analysis.quotes import quote_bank
    from piri_qual.analysis.selection import load_selection
    from piri_qual.study import Study

    root = dense_study(work)

    def export_data() -> None:
        data = load_selection(Study(root), CODER)
        matrix_from_data(data, "count")
        quote_bank(data)

    export_data()  # imports outside the timing
    ours = timed_rounds("matrix + quote bank in process", export_data)
    floor = timed_rounds("fold in process", lambda: Study(root).fold(CODER))
    targets.ratio(f"export data, matrix and quote bank in process ({DENSE_TRANSCRIPTS} interviews, "
                  f"{DENSE_CODINGS:,} codings), vs folding the log", ours, floor, 3.0)


def main() -> int:
    targets = Targets("bench_export")
    with tempfile.TemporaryDirectory(prefix="piri-bench-export-") as tmp:
        work = Path(tmp)
        problems: list[str] = []
        small, small_floor, _ = contenders(100, work, problems)
        large, large_floor, n_paragraphs = contenders(1000, work, problems)
        root = study(1000).root
        quotes_out = work / "quotes-1000.docx"

        def fresh_quotes() -> None:
            clear_cache(root)
            quotes_out.unlink(missing_ok=True)

        quotes = Contender("export quotes --format docx (1,000)",
                           piri("export", "quotes", "--study", root, "--coder", CODER, "-o", quotes_out),
                           prepare=fresh_quotes)
        run(small_floor.argv)
        run(large_floor.argv)
        times = interleaved([large, large_floor, small, small_floor, quotes], warmup=False)
        n_quotes = current_codings(root)
        targets.ratio(f"export all, 1,000 interviews ({study(1000).words:,} words, {n_quotes:,} codings, {FILES} files) "
                      f"vs folding the log + writing the {n_paragraphs:,} quote-bank paragraphs with lxml",
                      times[large.name], times[large_floor.name], 5.0)
        targets.scaling("export all, time(1,000 interviews) / time(100 interviews)",
                        times[small.name], times[large.name], 12.0)
        targets.within(f"export quotes --format docx with {n_quotes:,} quotes", times[quotes.name], 30.0)
        print(f"  (information) export all, 100 interviews, vs its floor: "
              f"{times[small.name].best / times[small_floor.name].best:.2f}x "
              f"[{times[small.name].describe()}; {times[small_floor.name].describe()}]")
        targets.check("export all writes every file, and quotes.docx one block quote per coding", not problems,
                      "; ".join(problems) or f"{FILES} files at both sizes; {n_quotes:,} quotes at 1,000 interviews")
        in_process(targets, work)
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
