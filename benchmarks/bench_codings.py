"""Benchmark: the small commands a coder runs between others, against their floors.

Why: ``codings undo`` used to fold the whole log to find the decision to cancel (about 10x the
``codings add`` it undoes at 100,000 events), and ``summary`` imported pandas to count ten
transcripts. Targets (issue #18), through the command line in fresh processes with cold caches,
best of 7 interleaved rounds:

* ``codings undo`` at most 2x ``codings add`` on a log of 100,000 events (the add that each undo
  then cancels; the log stays at 100,000 events plus the rounds');
* ``summary`` of a 10-interview study at most 10x ``python -c pass``.

The 100,000 events are written as the store writes them (:meth:`Event.to_json`, rising times)
into a copy of the generated 10-interview study: adds on random participant sentences, with some
deletes, theme changes and rejections, as weeks of coding leave a log. ``codings redo`` is timed
too, for information.
Run: python benchmarks/bench_codings.py
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from harness import Contender, Targets, clear_cache, interleaved, piri, script  # noqa: E402
from studies import copy_of, study  # noqa: E402

EVENTS = 100_000
CODER = "carol"


def long_log(root: Path) -> int:
    """``EVENTS`` decisions of coder carol, in the store's format, on the study's transcripts."""
    from piri_qual.core.codings import Event
    from piri_qual.core.study import StudyFolder

    folder = StudyFolder(root)
    themes = folder.codebook.ids
    texts = {tid: folder.transcript(tid) for tid in folder.transcript_ids()}
    spans = [(tid, turn.start, turn.end) for tid, t in texts.items() for turn in t.turns if turn.role == "participant"]
    rng = random.Random(18)
    clock = datetime(2025, 3, 1, tzinfo=UTC)
    added: list[str] = []
    lines = []
    for _ in range(EVENTS):
        clock += timedelta(milliseconds=rng.randrange(50, 5000))
        stamp = clock.isoformat(timespec="microseconds")
        event_id = f"{rng.getrandbits(128):032x}"
        roll = rng.random()
        if roll < 0.9 or len(added) < 100:
            tid, a, b = rng.choice(spans)
            start = rng.randrange(a, max(a + 1, b - 40))
            end = min(b, start + rng.randrange(20, 200))
            event = Event(id=event_id, time=stamp, coder=CODER, op="add", transcript=tid, start=start, end=end,
                          quote=texts[tid].text[start:end], theme=rng.choice(themes), source="manual")
            added.append(event_id)
        elif roll < 0.95:
            event = Event(id=event_id, time=stamp, coder=CODER, op="delete", target=rng.choice(added))
        elif roll < 0.98:
            event = Event(id=event_id, time=stamp, coder=CODER, op="adjust", target=rng.choice(added),
                          theme=rng.choice(themes))
        else:
            tid, a, b = rng.choice(spans)
            event = Event(id=event_id, time=stamp, coder=CODER, op="reject", transcript=tid, start=a,
                          end=min(b, a + 50), theme=rng.choice(themes))
        lines.append(event.to_json())
    (root / "codings" / f"{CODER}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def main() -> int:
    targets = Targets("bench_codings")
    with tempfile.TemporaryDirectory(prefix="piri-bench-codings-") as tmp:
        root = copy_of(study(10), Path(tmp))
        events = long_log(root)
        first = next(iter(sorted((root / "corpus").glob("*.json")))).stem
        seen: dict[str, str] = {}

        def cold() -> None:
            clear_cache(root)

        def remember(name: str):  # noqa: ANN202 - a check that keeps the last output
            return lambda out: seen.__setitem__(name, out)

        add = Contender("codings add", piri("codings", "add", "--study", root, "--coder", CODER, "--transcript", first,
                                            "--theme", "waiting_times", "--start", 200, "--end", 260),
                        prepare=cold, check=remember("add"))
        undo = Contender("codings undo", piri("codings", "undo", "--study", root, "--coder", CODER), prepare=cold,
                         check=remember("undo"))
        redo = Contender("codings redo", piri("codings", "redo", "--study", root, "--coder", CODER), prepare=cold,
                         check=remember("redo"))
        # each round in this order: add, undo (cancels that add), redo (restores it)
        times = interleaved([add, undo, redo], rotate=False)
        targets.ratio(f"codings undo vs codings add, {events:,}-event log", times[undo.name], times[add.name], 2.0)
        print(f"  (information) codings redo vs codings add: {times[redo.name].best / times[add.name].best:.2f}x "
              f"[{times[redo.name].describe()}]")
        targets.check("undo cancels the add before it and redo restores it",
                      seen.get("undo", "").startswith("undid add waiting_times on " + first)
                      and seen.get("redo", "").startswith("redid"),
                      f"last outputs: {seen.get('undo', '').strip()!r}, {seen.get('redo', '').strip()!r}")

        small = study(10).root
        summary = Contender("summary (10 interviews)", piri("summary", "--study", small),
                            prepare=lambda: clear_cache(small))
        bare = Contender("python -c pass", script("pass"))
        times = interleaved([summary, bare])
        targets.ratio("summary of 10 interviews vs python -c pass", times[summary.name], times[bare.name], 10.0)
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
