"""Benchmark: ``piri-qual evaluate`` (the simulated researcher) against one ``suggest`` pass.

Why (issue #18 item 2, issue #12 item 6): the replay retrained on everything labelled so far
after nearly every transcript, so it was quadratic in the study: a generated study of 100
interviews was killed at 400 s (30: 180 s), and a 150-source survey of several thousand short
answers took 15 minutes. It now retrains every ``--retrain-every`` decisions at first, then each
time the decisions have doubled (``--retrain-growth``), so it must be linear in the study.

Each figure is the command a researcher runs, in a fresh process with a cold cache
(``.piri-cache/`` removed before every run), best of 7 interleaved rounds with the spread:

* ``evaluate`` on the generated study of 100 interviews (coder ``alice``, about 12,000 decisions)
  costs at most 5x its floor, one ``piri-qual suggest`` pass over the same study (reading,
  sentences, vectors, rules and scoring every transcript once, cold start: ``--coder none``);
  evaluate does that pass too, plus a second scoring per transcript (the cold-start engine), both
  baselines, and the retrains;
* time(300 interviews) / time(100 interviews) of ``evaluate`` at most 3.5x (3x the study);
* issue #12's study: 150 sources of 30 short comments each (4,500 comments, coded by ``gold``),
  ``evaluate`` within 3x one ``suggest`` pass plus the retrains evaluate reports (their seconds
  in the last round's ``--json``);
* a check that the retrains stay few: at most 2 + log2(decisions / --retrain-every) per study.

Run: python benchmarks/bench_evaluate.py   (PIRI_BENCH_CODE=... times another checkout's code;
``--small 2 --large 6 --sources 5`` is a quick run of the script itself)
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from harness import Contender, Targets, Timing, clear_cache, interleaved, piri  # noqa: E402
from studies import studies_dir, study, write_import_index  # noqa: E402

SMALL, LARGE = 100, 300
SOURCES, COMMENTS = 150, 30
COMMENTS_VERSION = 1
RETRAIN_EVERY = 50  # evaluate's default


def comments_study(sources: int = SOURCES, comments: int = COMMENTS, seed: int = 12) -> Path:
    """Issue #12's shape: ``sources`` respondents of ``comments`` short comments each (one or two
    sentences, most on one theme), every on-theme comment coded by ``gold``. Built once per run."""
    folder = studies_dir() / f"comments-{sources}x{comments}-v{COMMENTS_VERSION}"
    done = folder / ".generated.json"
    if done.exists():
        return folder
    from piri_qual.assist.synthetic import FILLER, FRAMES, TOPICS, init_synthetic_study
    from piri_qual.core.corpus import Transcript, Turn
    from piri_qual.core.study import StudyFolder
    from piri_qual.ingest.derive import turn_settings  # as an import records them (studies.py)

    shutil.rmtree(folder, ignore_errors=True)
    rng = random.Random(seed)
    root = init_synthetic_study(folder, "Generated short comments")
    themes = list(TOPICS)
    events: list[tuple[str, dict[str, object]]] = []
    for n in range(sources):
        sid = f"R{n + 1:04d}"
        text, turns, pos = "", [], 0
        for _ in range(comments):
            start = pos
            if rng.random() < 0.7:
                theme = rng.choice(themes)
                a, b = rng.sample(TOPICS[theme], 2)
                sentence = rng.choice(FRAMES).format(a=a, b=b)
                body = sentence[0].upper() + sentence[1:]
                events.append(("add", {"transcript": sid, "start": start, "end": start + len(body), "quote": body,
                                       "theme": theme}))
            else:
                body = rng.choice(FILLER)
            if rng.random() < 0.3:
                body += " " + rng.choice(FILLER)
            text += body + "\n\n"
            turns.append(Turn(sid, "participant", start, start + len(body)))
            pos = len(text)
        Transcript(id=sid, participant=sid, group="respondent", text=text.rstrip("\n"), turns=turns,
                   source=f"{sid}.txt", source_sha256="", format="txt",
                   imported_at="2024-01-01T00:00:00+00:00",
                   turn_settings=turn_settings([sid], {}, None)).save(root / "corpus" / f"{sid}.json")
    StudyFolder(root).store.append_many("gold", events)
    write_import_index(root)
    done.write_text(json.dumps({"sources": sources, "comments": comments, "codings": len(events)}), encoding="utf-8")
    return folder


def pair(root: Path, coder: str, label: str, reports: dict[str, dict]) -> tuple[Contender, Contender]:
    """The ``suggest`` pass (cold start) and ``evaluate`` on one study, each from a cold cache;
    evaluate's last report goes to ``reports`` under its name."""
    def keep(out: str) -> None:
        reports[f"evaluate ({label})"] = json.loads(out)

    fresh = lambda: clear_cache(root)  # noqa: E731
    suggest = Contender(f"suggest ({label})", piri("suggest", "--study", root, "--coder", "none", "--json"),
                        prepare=fresh)
    evaluate = Contender(f"evaluate ({label})", piri("evaluate", "--gold", root, "--coder", coder, "--json"),
                         prepare=fresh, check=keep)
    return suggest, evaluate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=SMALL, help="interviews in the smaller generated study")
    parser.add_argument("--large", type=int, default=LARGE, help="interviews in the larger one (3x: the target)")
    parser.add_argument("--sources", type=int, default=SOURCES, help="sources of short comments (issue #12)")
    args = parser.parse_args(argv)
    small, large, sources = args.small, args.large, args.sources
    targets = Targets("bench_evaluate")
    reports: dict[str, dict] = {}
    small_s, small_e = pair(study(small).root, "alice", f"{small} interviews", reports)
    _, large_e = pair(study(large).root, "alice", f"{large} interviews", reports)
    short_s, short_e = pair(comments_study(sources), "gold", f"{sources} sources x {COMMENTS} comments", reports)
    times = interleaved([small_s, small_e, large_e, short_s, short_e], warmup=False)

    targets.ratio(f"evaluate vs one suggest pass, {small} interviews "
                  f"({reports[small_e.name]['decisions']:,} decisions)",
                  times[small_e.name], times[small_s.name], 5.0)
    targets.scaling(f"evaluate, time({large} interviews) / time({small} interviews)",
                    times[small_e.name], times[large_e.name], 3.5)
    short = reports[short_e.name]
    retrain_s = short["settings"]["retrain_seconds"]
    floor = Timing(f"suggest pass + {short['settings']['retrains']} retrains ({retrain_s:.1f} s)",
                   [s + retrain_s for s in times[short_s.name].seconds])
    targets.ratio(f"evaluate vs one suggest pass plus the retrains, {sources} sources of {COMMENTS} short comments "
                  f"({short['decisions']:,} decisions)", times[short_e.name], floor, 3.0)
    bounded = []
    for label, report in reports.items():
        settings = report["settings"]
        limit = 2 + math.log2(max(report["decisions"], RETRAIN_EVERY) / RETRAIN_EVERY)
        bounded.append((label, settings["retrains"], limit, report["decisions"], settings["retrain_seconds"],
                        settings["baseline_retrain_seconds"]))
    targets.check("retrains at most 2 + log2(decisions / 50) per study", all(n <= lim for _, n, lim, *_ in bounded),
                  "; ".join(f"{label}: {n} retrains for {d:,} decisions (limit {lim:.1f}; engine {e:.0f} s, "
                            f"baseline {b:.0f} s)" for label, n, lim, d, e, b in bounded))
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
