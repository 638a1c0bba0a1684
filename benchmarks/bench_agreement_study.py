"""Benchmark: study-level agreement, the command on generated studies and the analysis on the example.

Why: ``piri-qual agreement`` should cost little more than the reading it cannot avoid: both coders'
logs and the corpus. Targets (issue #18), through the command line in fresh processes, best of 7
interleaved rounds, on the generated studies of 100 and 1,000 interviews (coders alice and bob):

* ``agreement --coders alice,bob --unit turn`` with cold caches at most 5x a script that folds
  both logs and loads every transcript (``StudyFolder``: the reading any agreement needs);
* the same for sentence units (the default) once the study's sentence index exists: the index is
  a cache the first sentence-level command builds (spaCy's sentence splitter over the corpus) and
  every later one reuses, so its one-off cost is printed for information beside the target.

Kept from before #18, in process on the example study (a second coder ``pert`` derived from
``gold``: every 10th coding dropped, every 25th relabelled), each against reading the same data
with a fresh ``Study``, 1,000 bootstrap resamples: sentence and turn units at most 5x, character
units at most 10x.
Run: python benchmarks/bench_agreement_study.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

from harness import Contender, Targets, clear_cache, interleaved, piri, run, script, timed_rounds  # noqa: E402
from studies import study  # noqa: E402

READ = ("import sys\nfrom piri_qual.core.study import StudyFolder\nstudy = StudyFolder(sys.argv[1])\n"
        "for coder in ('alice', 'bob'):\n    study.fold(coder)\nfor _ in study.iter_transcripts():\n    pass\n")


def command_targets(targets: Targets) -> None:
    for size in (100, 1000):
        root = study(size).root
        floor = Contender(f"fold both logs + read the corpus ({size:,})", script(READ, root))
        turn = Contender(f"agreement --unit turn ({size:,})",
                         piri("agreement", "--study", root, "--coders", "alice,bob", "--unit", "turn"),
                         prepare=lambda root=root: clear_cache(root))
        clear_cache(root)
        index_build, _ = run(piri("agreement", "--study", root, "--coders", "alice,bob", "--unit", "sentence",
                                  "--boot", "0"))
        sentence = Contender(f"agreement, sentence index built ({size:,})",
                             piri("agreement", "--study", root, "--coders", "alice,bob"))
        times = interleaved([turn, sentence, floor])
        words = f"{study(size).words:,} words"
        targets.ratio(f"agreement --unit turn, {size:,} interviews ({words}), cold, vs reading both logs and the corpus",
                      times[turn.name], times[floor.name], 5.0)
        targets.ratio(f"agreement (sentence units), {size:,} interviews, index built, vs the same reading",
                      times[sentence.name], times[floor.name], 5.0)
        print(f"  (information) the first sentence-level command on a fresh study builds the index: "
              f"{index_build:.2f} s at {size:,} interviews ({index_build / times[floor.name].best:.1f}x the reading)")
        clear_cache(root)


def example_targets(targets: Targets) -> None:
    """The in-process figures this benchmark had before #18, with their targets."""
    from study_builders import copy_example_study

    from piri_qual.analysis.study_agreement import study_agreement
    from piri_qual.study import Study

    with tempfile.TemporaryDirectory() as tmp:
        root = copy_example_study(Path(tmp) / "study", gold=True)
        example = Study(root)
        gold = sorted(example.fold("gold").codings.values(), key=lambda c: (c.transcript, c.start, c.theme))
        themes = example.codebook.ids
        items = []
        for n, c in enumerate(gold):
            if n % 10 == 9:
                continue
            theme = themes[(themes.index(c.theme) + 1) % len(themes)] if n % 25 == 24 else c.theme
            items.append(("add", {"transcript": c.transcript, "start": c.start, "end": c.end, "quote": c.quote,
                                  "theme": theme}))
        example.store.append_many("pert", items)

        def reading() -> None:
            fresh = Study(root)
            fresh.codebook  # noqa: B018 -- the themes' labels and constructs are read too
            for coder in ("gold", "pert"):
                fresh.fold(coder)
            for _ in fresh.iter_transcripts():
                pass

        study_agreement(Study(root), ["gold", "pert"], "sentence", n_boot=0)  # builds the sentence index
        floor = timed_rounds("read the example study", reading)
        for unit, limit in (("sentence", 5.0), ("turn", 5.0), ("character", 10.0)):
            ours = timed_rounds(f"study_agreement {unit}", lambda unit=unit: study_agreement(
                Study(root), ["gold", "pert"], unit, n_boot=1000, seed=0))
            targets.ratio(f"study agreement in process, example study, {unit} units, 1,000 resamples, "
                          "vs reading the study", ours, floor, limit)


def main() -> int:
    targets = Targets("bench_agreement_study")
    command_targets(targets)
    example_targets(targets)
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
