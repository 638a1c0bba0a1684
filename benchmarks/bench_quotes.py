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
timed too.
Run: python benchmarks/bench_quotes.py
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _common import WORDS, report  # noqa: E402
from bench_search import ENV, bench_env, timed  # noqa: E402

TRANSCRIPTS = 200
WORDS_EACH = 5_000
THEMES = 20
CODINGS = 20_000
ROUNDS = 5
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

    with tempfile.TemporaryDirectory(prefix="piri-bench-") as tmp:
        root = make_study(Path(tmp) / "study")
        ENV.update(bench_env(Path(tmp) / "pycache"))
        study = StudyFolder(root)
        codings = study.fold("coder").codings
        wanted = sum(1 for c in codings.values() if c.theme == THEME)
        print(f"{len(study.transcript_ids())} transcripts, {len(codings):,} codings, {wanted:,} of theme {THEME}")
        out = Path(tmp) / "quotes.md"
        ours_cmd = [sys.executable, "-m", "piri_qual", "quotes", THEME, "--study", str(root), "--coder", "coder",
                    "-o", str(out)]
        base_cmd = [sys.executable, "-c", LOAD_LOG, str(root)]
        timed(ours_cmd)  # bytecode cached, as an installed tool has it
        timed(base_cmd)
        times: dict[str, list[float]] = {"ours": [], "base": []}
        for round_ in range(ROUNDS):
            order = [("ours", ours_cmd), ("base", base_cmd)]
            if round_ % 2:
                order.reverse()
            for name, cmd in order:
                times[name].append(timed(cmd)[0])
        written = out.read_text(encoding="utf-8")
        found = written.count("\n> ")
        ok = found == wanted
        if not ok:
            print(f"MISMATCH: the file holds {found} excerpts, the log {wanted}", file=sys.stderr)
        best_ours, best_base = min(times["ours"]), min(times["base"])
        ratio = report(f"quotes {THEME} -o FILE ({wanted:,} excerpts) vs loading a {len(codings):,}-coding log",
                       best_ours, best_base, f"<= {TARGET}x")
        print(f"  spread: ours {max(times['ours']) / best_ours:.2f}x, log load {max(times['base']) / best_base:.2f}x "
              f"over {ROUNDS} rounds")
        ok &= ratio <= TARGET
        pipe = min(timed(ours_cmd[:-2])[0] for _ in range(3))
        report(f"  (information) quotes {THEME} printed to a pipe", pipe, best_base, "none")
        timed([*ours_cmd, "--context", "1"])  # builds the sentence index once
        context = min(timed([*ours_cmd, "--context", "1"])[0] for _ in range(3))
        report(f"  (information) quotes {THEME} --context 1, sentence index built", context, best_base, "none")
        if not ok:
            print("MISSED: retrieving a theme costs more than the target", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
