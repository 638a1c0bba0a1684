"""Benchmark: `piri-qual search` over a 1,000,000-word study against Python's `re` over the same text.

Why: a text search is something a researcher runs again and again while reviewing themes, so
it must cost no more than the obvious script would. Target (issue #14): the command runs at
least 0.5x the speed of a plain Python script that reads the same corpus files and runs `re`
over the same text with the same regular expression, i.e. it takes at most 2x the script's time.

The study is generated as it would be imported: 100 interviews of 10,000 words in alternating
interviewer and participant turns, from interview-like vocabulary, with "waiting list" and forms
of "wait" scattered through it. Each round runs, in fresh processes (nothing cached between
runs; the search uses no cache), the command as a user runs it in a pipe (`piri-qual search
PATTERN`: every hit in participants' talk found and counted by participant and group, the first
50 listed in context) and the baseline script doing the same work with `re` alone (every hit in
participant turns found and counted by participant, the first 50 printed with context; the two
must find the same number of hits). Two queries: a phrase, and a lemma search
(`--lemma`, whose baseline gets the very regular expression the command compiles). Rounds
alternate which goes first, after one unmeasured run of each that caches their bytecode (as an
installed tool has it); the figure is the best of 7 rounds, with the spread (worst/best), through
the shared harness (benchmarks/harness.py), and the script exits 1 when a target is missed.
Run: python benchmarks/bench_search.py
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _common import WORDS  # noqa: E402
from harness import Contender, Targets, interleaved, run  # noqa: E402

TRANSCRIPTS = 100
WORDS_EACH = 10_000
TARGET = 2.0  # ours / baseline: at least 0.5x the speed

BASELINE = r"""
import json, re, sys
from collections import Counter
from pathlib import Path
pattern = re.compile(sys.argv[2], re.IGNORECASE)
hits, shown, counts = 0, 0, Counter()
for path in sorted(Path(sys.argv[1], "corpus").glob("*.json")):
    data = json.loads(path.read_text(encoding="utf-8"))
    text = data["text"]
    for turn in data["turns"]:
        if turn["role"] != "participant":
            continue
        for match in pattern.finditer(text, turn["start"], turn["end"]):
            hits += 1
            counts[data["participant"]] += 1
            if shown < 50:
                a, b = match.span()
                print(path.stem, " ".join(text[max(turn["start"], a - 40):a].split()).rjust(40),
                      "[" + text[a:b] + "]", " ".join(text[b:min(turn["end"], b + 40)].split()))
                shown += 1
print(hits, "hits")
for participant, n in counts.items():
    print(participant, n)
"""


def make_study(folder: Path) -> Path:
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
    from piri_qual.core.settings import init_study

    root = init_study(folder, "Search bench", framework=False)
    rng = random.Random(14)
    extra = ["waiting list", "waited", "waits", "the wait"]
    rows = ["id,group,site"]
    for n in range(TRANSCRIPTS):
        pid = f"P{n:03d}"
        turns, roles, words = [], [], 0
        while words < WORDS_EACH:
            asking = len(turns) % 2 == 0
            size = rng.randrange(10, 25) if asking else rng.randrange(60, 160)
            said = [rng.choice(WORDS) for _ in range(size)]
            if not asking and rng.random() < 0.5:
                said.insert(rng.randrange(len(said)), rng.choice(extra))
            turns.append(RawTurn("Interviewer" if asking else pid, (" ".join(said).capitalize() + ".",)))
            roles.append("interviewer" if asking else "participant")
            words += size
        text, spans = assemble_text(turns, roles)
        group = "parent" if n % 3 else "staff"
        Transcript(id=pid, participant=pid, group=group, text=text, turns=spans, source=f"{pid}.txt",
                   source_sha256="0" * 64, format="txt", imported_at="2025-01-01T00:00:00+00:00").save(
            root / "corpus" / f"{pid}.json")
        rows.append(f"{pid},{group},{'Northvale' if n % 2 else 'Southby'}")
    (root / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def main() -> int:
    from piri_qual.analysis.text_search import compile_pattern
    from piri_qual.core.study import StudyFolder

    targets = Targets("bench_search")
    with tempfile.TemporaryDirectory(prefix="piri-bench-") as tmp:
        root = make_study(Path(tmp) / "study")
        study = StudyFolder(root)
        words = sum(study.transcript(t).words for t in study.transcript_ids())
        print(f"{len(study.transcript_ids())} transcripts, {words:,} words")
        queries = {
            "phrase 'waiting list'": (["waiting list"], compile_pattern("waiting list").pattern),
            "lemma 'wait' (--lemma)": (["wait", "--lemma"], compile_pattern("wait", lemma=True).pattern),
        }
        for label, (args, regex) in queries.items():
            ours = Contender(f"search {label}", [sys.executable, "-m", "piri_qual", "search", *args, "--study", str(root)])
            base = Contender("re script", [sys.executable, "-c", BASELINE, str(root), regex])
            times = interleaved([ours, base])
            found = int(run(ours.argv)[1].split(" hit")[0])
            lines = run(base.argv)[1].splitlines()
            base_hits = int(next(line for line in lines if line.endswith(" hits")).split()[0])
            targets.ratio(f"search {label} over {words:,} words vs re script (speed >= {1 / TARGET:.1f}x)",
                          times[ours.name], times[base.name], TARGET)
            targets.check(f"search {label} finds what the re script finds", found == base_hits,
                          f"{found:,} hits in participant talk, the re script {base_hits:,}")
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
