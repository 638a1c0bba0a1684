"""Benchmark: study-level agreement over the whole example study, against just reading its data.

Why: `piri-qual agreement` should feel instant next to the unavoidable cost of reading the coder
logs and transcripts, even with 1,000 bootstrap resamples per theme. The baseline opens the
study, folds both coder logs, loads every transcript and reads the codebook (which agreement
needs for the themes' order, labels and constructs, and which is YAML parsed with line
numbers, so it is a large part of any command's start); ours does the same and then builds
the units, the presence table, per-theme / pooled / weighted / construct figures and their
bootstrap intervals (1,000 resamples, seed 0). Both use a fresh ``Study`` each run (no warm
object cache) and are timed best of 3 in the same process. The second coder, ``pert``, is
derived from ``gold`` deterministically (every 10th coding dropped, every 25th relabelled).

Sentence units come from the study's sentence index; it is computed once first, so the figure is
the agreement work and not a one-off spaCy start.
Run: python benchmarks/bench_agreement_study.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from _common import best_of, report  # noqa: E402

from piri_qual.study import Study  # noqa: E402


def example_study(folder: Path) -> Path:
    """The example study with `gold` (copied or built, as the tests do) and a derived `pert`."""
    from study_builders import copy_example_study

    root = copy_example_study(folder / "study", gold=True)
    study = Study(root)
    gold = sorted(study.fold("gold").codings.values(), key=lambda c: (c.transcript, c.start, c.theme))
    themes = study.codebook.ids
    items = []
    for n, c in enumerate(gold):
        if n % 10 == 9:
            continue
        theme = themes[(themes.index(c.theme) + 1) % len(themes)] if n % 25 == 24 else c.theme
        items.append(("add", {"transcript": c.transcript, "start": c.start, "end": c.end,
                              "quote": c.quote, "theme": theme}))
    study.store.append_many("pert", items)
    return root


def main() -> int:
    from piri_qual.analysis.study_agreement import study_agreement

    with tempfile.TemporaryDirectory() as tmp:
        root = example_study(Path(tmp))

        def baseline() -> None:
            study = Study(root)
            study.codebook  # noqa: B018 -- the themes' labels and constructs are read too
            for coder in ("gold", "pert"):
                study.fold(coder)
            for _ in study.iter_transcripts():
                pass

        base = best_of(baseline)
        study_agreement(Study(root), ["gold", "pert"], "sentence", n_boot=0)  # build the sentence index
        probe = Study(root)
        words = sum(t.words for t in probe.iter_transcripts())
        codings = sum(len(probe.fold(c).codings) for c in ("gold", "pert"))
        print(f"example study: {len(probe.transcript_ids())} transcripts, {words:,} words, "
              f"{codings:,} codings by 2 coders")
        for unit, target in (("sentence", 5.0), ("turn", 5.0), ("character", 10.0)):
            holder: dict[str, object] = {}

            def ours(unit: str = unit, holder: dict[str, object] = holder) -> None:
                holder["r"] = study_agreement(Study(root), ["gold", "pert"], unit, n_boot=1000, seed=0)

            seconds = best_of(ours)
            result = holder["r"]
            pooled = result.pooled  # type: ignore[attr-defined]
            kappa = pooled.cohen_kappa.value
            report(
                f"study agreement {unit} ({result.n_units:,} units x {len(result.themes)} themes, "  # type: ignore[attr-defined]
                f"1000 resamples; pooled kappa {kappa:.3f})",
                seconds, base, f"<= {target:g}x",
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
