"""Benchmark: `piri-qual quotes` for one theme costs at most twice loading the coder's log.

Why: reading a theme's excerpts is how themes are reviewed, again and again, so it should cost
little more than what every reader of codings pays anyway: reading and folding the log. Target
(issue #14): on 200 transcripts and 20,000 codings, `piri-qual quotes THEME -o FILE` (every
excerpt of the theme, by participant, with turn and time, written as Markdown) takes at most
2x a fresh process that opens the study and folds the log (`StudyFolder(root).fold(coder)`).

The study is generated as it would be coded: 200 interviews of 5,000 words in alternating
interviewer and participant turns, 20 themes, and 20,000 codings of participant talk appended
through the store (so every quote is the text at its offsets). Each round runs both in fresh
processes (nothing is cached between runs; without --context no sentence index is read),
alternating which goes first, after one unmeasured run of each that caches their bytecode; the
figure is the best of the rounds, with the spread (worst/best). For information, the same
command printing to a pipe and with one sentence of context (sentence index already built) are
timed too. Best of 7 rounds through the shared harness (benchmarks/harness.py); the script exits 1
when a target is missed.
Run: python benchmarks/bench_quotes.py
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _common import WORDS  # noqa: E402
from harness import Contender, Targets, interleaved, run, timed_rounds  # noqa: E402

TRANSCRIPTS = 200
WORDS_EACH = 5_000
THEMES = 20
CODINGS = 20_000
TARGET = 2.0
THEME = "t07"


def make_study(folder: Path) -> Path:
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
    from piri_qual.core.settings import init_study
    from piri_qual.core.study import StudyFolder

    root = init_study(folder, "Quotes bench", framework=False)
    lines = ["id: main", "label: Codebook", "themes:"]
    for n in range(THEMES):
        lines += [f"  - id: t{n:02d}", f"    label: Theme {n:02d}", f"    definition: What t{n:02d} is about."]
    (root / "codebooks" / "main.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rng = random.Random(15)
    rows = ["id,group,site"]
    turns_of: dict[str, list[tuple[int, int]]] = {}
    for n in range(TRANSCRIPTS):
        pid = f"P{n:03d}"
        turns, roles, words = [], [], 0
        while words < WORDS_EACH:
            asking = len(turns) % 2 == 0
            size = rng.randrange(10, 25) if asking else rng.randrange(60, 160)
            sentences = []
            left = size
            while left > 0:
                k = min(left, rng.randrange(8, 20))
                sentences.append(" ".join(rng.choice(WORDS) for _ in range(k)).capitalize() + ".")
                left -= k
            turns.append(RawTurn("Interviewer" if asking else pid, (" ".join(sentences),)))
            roles.append("interviewer" if asking else "participant")
            words += size
        text, spans = assemble_text(turns, roles)
        group = "parent" if n % 3 else "staff"
        Transcript(id=pid, participant=pid, group=group, text=text, turns=spans, source=f"{pid}.txt",
                   source_sha256="0" * 64, format="txt", imported_at="2025-01-01T00:00:00+00:00").save(
            root / "corpus" / f"{pid}.json")
        turns_of[pid] = [(t.start, t.end) for t in spans if t.role == "participant"]
        rows.append(f"{pid},{group},{'Northvale' if n % 2 else 'Southby'}")
    (root / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    study = StudyFolder(root)
    batch = []
    for _ in range(CODINGS):
        pid = f"P{rng.randrange(TRANSCRIPTS):03d}"
        a, b = rng.choice(turns_of[pid])
        start = rng.randrange(a, max(a + 1, b - 200))
        end = min(b, start + rng.randrange(40, 300))
        batch.append(("add", {"transcript": pid, "start": start, "end": end, "theme": f"t{rng.randrange(THEMES):02d}",
                              "source": "manual"}))
        if len(batch) == 5000:
            study.store.append_many("coder", batch)
            batch = []
    if batch:
        study.store.append_many("coder", batch)
    return root


LOAD_LOG = "import sys; from piri_qual.core.study import StudyFolder; StudyFolder(sys.argv[1]).fold('coder')"


def main() -> int:
    from piri_qual.core.study import StudyFolder

    targets = Targets("bench_quotes")
    with tempfile.TemporaryDirectory(prefix="piri-bench-") as tmp:
        root = make_study(Path(tmp) / "study")
        study = StudyFolder(root)
        codings = study.fold("coder").codings
        wanted = sum(1 for c in codings.values() if c.theme == THEME)
        print(f"{len(study.transcript_ids())} transcripts, {len(codings):,} codings, {wanted:,} of theme {THEME}")
        out = Path(tmp) / "quotes.md"
        ours = Contender(f"quotes {THEME} -o FILE", [sys.executable, "-m", "piri_qual", "quotes", THEME, "--study",
                                                    str(root), "--coder", "coder", "-o", str(out)],
                         prepare=lambda: out.unlink(missing_ok=True))
        base = Contender("load the log", [sys.executable, "-c", LOAD_LOG, str(root)])
        times = interleaved([ours, base])
        found = out.read_text(encoding="utf-8").count("\n> ")
        targets.ratio(f"quotes {THEME} -o FILE ({wanted:,} excerpts) vs loading a {len(codings):,}-coding log",
                      times[ours.name], times[base.name], TARGET)
        targets.check("the file holds every excerpt of the theme", found == wanted,
                      f"{found:,} excerpts written, {wanted:,} in the log")
        pipe = timed_rounds("to a pipe", lambda: run(ours.argv[:-2]), rounds=3)
        print(f"  (information) quotes {THEME} printed to a pipe: {pipe.best / times[base.name].best:.2f}x the log load")
        run([*ours.argv, "--context", "1"])  # builds the sentence index once
        context = timed_rounds("with context", lambda: run([*ours.argv, "--context", "1"]), rounds=3)
        print(f"  (information) quotes {THEME} --context 1, sentence index built: "
              f"{context.best / times[base.name].best:.2f}x the log load")
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
