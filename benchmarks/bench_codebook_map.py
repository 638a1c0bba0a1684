"""Benchmark: following a codebook's renames and merges costs little next to folding the log at all.

Why: every reader of codings (summary, exports, agreement, the coding screen) folds the coder
logs through the codebook history's theme map, so the map must not make studies with an
evolving codebook slower to open. Target (issue #13): `piri-qual summary` on a study whose
100,000-event log was coded under ids that were since renamed and merged costs at most 1.2x the
same command on a study with the same events under the current ids and no history.

Both studies are generated the way they arise: the events (85,000 adds, 8,000 deletes, 5,000
theme adjustments, 2,000 rejections on a 30,000-word transcript, 60 themes) are appended through
the store; then, in the mapped study only, 20 themes are renamed and 20 more merged pairwise into
10 through the codebook store, which writes the history the fold applies. The baseline study
logs the current ids from the start. Each round runs `piri-qual summary` in a fresh process
(cold: nothing cached between runs) for both studies, alternating which goes first; the figure
is the best of 7 rounds, with the spread (worst/best) shown (benchmarks/harness.py). The same comparison in process
(parse and fold alone, no start-up or table) is printed too, so the map's own cost is visible
without the command's fixed costs diluting it; it carries the same 1.2x target.
Run: python benchmarks/bench_codebook_map.py
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _common import WORDS  # noqa: E402
from harness import Contender, Targets, interleaved, piri, timed_rounds  # noqa: E402

EVENTS = 100_000
THEMES = 60
TARGET = 1.2


def theme_ids() -> tuple[list[str], dict[str, str]]:
    """The original ids and where each goes: t00-t19 renamed, t20-t39 merged in pairs, the rest kept."""
    old = [f"t{i:02d}" for i in range(THEMES)]
    where = {}
    for i in range(20):
        where[old[i]] = f"r{i:02d}"
    for i in range(20, 40):
        where[old[i]] = f"m{(i - 20) // 2:02d}"
    return old, where


def make_study(folder: Path, current_ids: bool) -> Path:
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
    from piri_qual.core.settings import init_study
    from piri_qual.core.study import StudyFolder

    root = init_study(folder, "Map bench", framework=False)
    old, where = theme_ids()
    ids = sorted(set(where.get(t, t) for t in old)) if current_ids else old
    lines = ["id: main", "label: Codebook", "themes:"]
    for tid in ids:
        lines += [f"  - id: {tid}", f"    label: Theme {tid}", f"    definition: What {tid} is about."]
    (root / "codebooks" / "main.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rng = random.Random(13)
    turns = [RawTurn("P01", (" ".join(rng.choice(WORDS) for _ in range(300)) + ".",)) for _ in range(100)]
    text, spans = assemble_text(turns, ["participant"] * len(turns))
    Transcript(id="P01", participant="P01", group="parent", text=text, turns=spans, source="P01.txt",
               source_sha256="0" * 64, format="txt", imported_at="2025-01-01T00:00:00+00:00").save(
        root / "corpus" / "P01.json")
    study = StudyFolder(root)
    rng = random.Random(7)
    added: list[str] = []
    batch: list[tuple[str, dict[str, object]]] = []

    def theme() -> str:
        t = rng.choice(old)
        return where.get(t, t) if current_ids else t

    def flush() -> None:
        if batch:
            added.extend(e.id for e in study.store.append_many("coder", batch) if e.op == "add")
            batch.clear()

    for n in range(EVENTS):
        kind = rng.random()
        if kind < 0.85 or len(added) < 100:
            start = rng.randrange(0, len(text) - 200)
            batch.append(("add", {"transcript": "P01", "start": start, "end": start + rng.randrange(20, 200),
                                  "theme": theme(), "source": "manual"}))
        elif kind < 0.93:
            batch.append(("delete", {"target": rng.choice(added)}))
        elif kind < 0.98:
            batch.append(("adjust", {"target": rng.choice(added), "theme": theme()}))
        else:
            start = rng.randrange(0, len(text) - 200)
            batch.append(("reject", {"transcript": "P01", "start": start, "end": start + 50, "theme": theme()}))
        if len(batch) == 5000 or n == EVENTS - 1:
            flush()
    if not current_ids:
        store = StudyFolder(root).codebook_store
        for i in range(20):
            store.rename("coder", old[i], where[old[i]], why="bench")
        for i in range(20, 40, 2):
            store.merge("coder", [old[i], old[i + 1]], where[old[i]], why="bench")
    return root


def fold_only(root: Path) -> float:
    from piri_qual.core.study import StudyFolder

    start = time.perf_counter()
    study = StudyFolder(root)
    study.fold("coder")
    return time.perf_counter() - start


def main() -> int:
    targets = Targets("bench_codebook_map")
    with tempfile.TemporaryDirectory() as tmp:
        base = make_study(Path(tmp) / "baseline", current_ids=True)
        mapped = make_study(Path(tmp) / "mapped", current_ids=False)
        from piri_qual.core.study import StudyFolder

        b, m = StudyFolder(base).fold("coder"), StudyFolder(mapped).fold("coder")
        history = StudyFolder(mapped).history
        print(f"{EVENTS:,} events per log; mapped study: {len(history)} history changes, "
              f"{len(StudyFolder(mapped).theme_map)} ids mapped; current codings: baseline {len(b.codings):,}, "
              f"mapped {len(m.codings):,}")
        assert {c.theme for c in m.codings.values()} <= set(StudyFolder(mapped).codebook.ids)
        ours = Contender("summary, mapped ids", piri("summary", "--study", mapped))
        floor = Contender("summary, current ids", piri("summary", "--study", base))
        times = interleaved([ours, floor])
        targets.ratio("theme map on a 100,000-event log, piri-qual summary (fresh process)", times[ours.name],
                      times[floor.name], TARGET)
        folded = timed_rounds("parse + fold, mapped ids", lambda: fold_only(mapped))
        plain = timed_rounds("parse + fold, current ids", lambda: fold_only(base))
        targets.ratio("theme map on a 100,000-event log, parse + fold in process", folded, plain, TARGET)
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
