"""``make eval``: the suggestion engine beside both textbook baselines on every development set.

Why: a suggestion figure only means something next to what a plain method reaches on the same
data in the same run. For each set this script builds a scratch study, runs ``piri-qual
evaluate --json`` on it exactly as a researcher would (a fresh process, an empty cache), and
prints one table: the engine after learning beside TF-IDF + logistic regression, the engine at
cold start beside the definition-cosine baseline, micro and macro F1, precision at the default
threshold, decisions to 80% recall with and without suggestions, and the time taken.

Sets: the example study (coder ``gold``), the same study with definitions only (keywords,
patterns, exclusion terms and examples deleted), and, when ``../shared/eval`` is present, the
PDPilot interviews, the Games-as-Art answers, and the AIBOM survey (eight per-question studies
pooled, and the interview-like variant). Without ``../shared`` those rows are skipped. Then the
data-rich sets, from ``eval-data/`` in this repository (``tools/short_texts_to_study.py``):
BANKING77's short customer messages (thousands of units, 77 topics named only, one each), drawn
as sampled and with Zipf-skewed topic shares, and GoEmotions' Reddit comments (27 emotions named
only, none to three per comment).

    python tools/eval_suggestions.py [--shared DIR] [--only NAME ...] [--json OUT]

Exit status 0 when every set ran; 1 when an evaluation failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_FILES = ("piri-qual.yaml", "pseudonyms.yaml", "participants.csv")
EXAMPLE_DIRS = ("frameworks", "codebooks", "corpus")
AIBOM_QUESTIONS = ("AI7", "D5", "D7", "D8", "D9", "C1", "C2", "C7")
STRIPPED = ("keywords", "patterns", "exclude_terms", "examples")


def piri_qual(*args: str | Path, cwd: Path | None = None) -> str:
    """Run the CLI in a fresh process; its stdout."""
    done = subprocess.run([sys.executable, "-m", "piri_qual", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env=_env())
    if done.returncode:
        raise RuntimeError(f"piri-qual {' '.join(map(str, args))} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("COLUMNS", "200")
    return env


def copy_example(dest: Path, *, definitions_only: bool = False) -> Path:
    dest.mkdir(parents=True)
    for name in EXAMPLE_FILES:
        if (REPO / name).exists():
            shutil.copy(REPO / name, dest / name)
    for name in EXAMPLE_DIRS:
        shutil.copytree(REPO / name, dest / name)
    (dest / "codings").mkdir()
    shutil.copy(REPO / "codings" / "gold.jsonl", dest / "codings" / "gold.jsonl")
    if definitions_only:
        import yaml

        for path in (dest / "codebooks").glob("*.yaml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for theme in data.get("themes", []):
                for key in STRIPPED:
                    theme.pop(key, None)
            path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dest


def aibom(shared: Path, dest: Path, variant: str) -> Path:
    source = shared / "eval" / "boms-away-aibom" / "aibom_gold.json"
    subprocess.run([sys.executable, str(REPO / "tools" / "aibom_to_study.py"), str(source), str(dest), variant],
                   check=True, capture_output=True, env=_env())
    return dest


Builder = Callable[[Path, Path], list[str]]  # (scratch, shared) -> evaluate arguments


def _example(scratch: Path, shared: Path) -> list[str]:
    return ["--gold", str(copy_example(scratch / "example"))]


def _example_defs(scratch: Path, shared: Path) -> list[str]:
    return ["--gold", str(copy_example(scratch / "example-defs", definitions_only=True))]


def _qdpx(name: str) -> Builder:
    def build(scratch: Path, shared: Path) -> list[str]:
        folder = scratch / name
        piri_qual("import", shared / "eval" / name / _QDPX[name], "--into", folder)
        return ["--gold", str(folder)]
    return build


_QDPX = {"pdpilot-interviews": "pdpilot_interviews.qdpx", "games-as-art": "games_as_art.qdpx"}


def _aibom_questions(scratch: Path, shared: Path) -> list[str]:
    root = aibom(shared, scratch / "aibom", "--per-question")
    return [*(a for q in AIBOM_QUESTIONS for a in ("--gold", str(root / q))), "--retrain-every", "10"]


def _short_texts(kind: str, shape: str = "natural") -> Builder:
    def build(scratch: Path, shared: Path) -> list[str]:
        folder = scratch / f"{kind}-{shape}"
        subprocess.run([sys.executable, str(REPO / "tools" / "short_texts_to_study.py"), kind,
                        str(REPO / "eval-data" / kind), str(folder), "--shape", shape],
                       check=True, capture_output=True, env=_env())
        return ["--gold", str(folder)]
    return build


def _aibom_interview(scratch: Path, shared: Path) -> list[str]:
    return ["--gold", str(aibom(shared, scratch / "aibom-iv", "--interview")), "--retrain-every", "20"]


SETS: dict[str, tuple[str, Builder, bool]] = {  # name -> (description, builder, needs ../shared)
    "example": ("example study (25 themes, keywords and examples)", _example, False),
    "example-defs": ("example study, definitions only", _example_defs, False),
    "pdpilot": ("PDPilot interviews (76 codable codes, long segments)", _qdpx("pdpilot-interviews"), True),
    "games-as-art": ("Games-as-Art answers (39 codes, passages)", _qdpx("games-as-art"), True),
    "aibom": ("AIBOM survey, 8 questions pooled (whole answers)", _aibom_questions, True),
    "aibom-interview": ("AIBOM survey, interview-like (160 codes)", _aibom_interview, True),
    "banking77": ("BANKING77, 150 sources x 30 short messages (77 topics by name, one per message)",
                  _short_texts("banking77"), False),
    "banking77-skewed": ("BANKING77, topic shares by Zipf's law (3,275 messages, 12-199 per topic)",
                         _short_texts("banking77", "skewed"), False),
    "goemotions": ("GoEmotions, 150 sources x 30 Reddit comments (27 emotions by name, 0-3 per comment)",
                   _short_texts("goemotions"), False),
}


def run_set(name: str, scratch: Path, shared: Path) -> dict[str, Any]:
    _, build, _ = SETS[name]
    args = build(scratch, shared)
    started = time.perf_counter()
    report = json.loads(piri_qual("evaluate", *args, "--coder", "gold", "--json"))
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    return report


def _f(m: dict[str, Any] | None, key: str = "f1") -> str:
    return f"{m[key]:.3f}" if m and key in m else "  -  "


def table(results: dict[str, dict[str, Any]]) -> str:
    """The comparison, one row per set (Markdown, so the README can show it as printed)."""
    head = ("| set | engine micro-F1 (P / R) | macro-F1 | TF-IDF + LR micro / macro | engine cold start "
            "micro / macro | definition cosine micro / macro | decisions to 80% recall (with / without) "
            "| boundaries (engine / TF-IDF) | s |")
    lines = [head, "|" + "---|" * 9]
    for name, r in results.items():
        base = r.get("baseline") or {}
        lr, dc = base.get("tfidf_logreg", {}), base.get("definition_cosine", {})
        cold = r.get("cold") or {}
        effort = r.get("effort") or {}
        with_s = effort.get("with_suggestions")
        without = effort.get("without_suggestions")
        lines.append(
            f"| {name} | **{_f(r['micro'])}** ({_f(r['micro'], 'precision')} / {_f(r['micro'], 'recall')}) "
            f"| **{_f(r['macro'])}** | {_f(lr.get('micro'))} / {_f(lr.get('macro'))} "
            f"| {_f(cold.get('micro'))} / {_f(cold.get('macro'))} | {_f(dc.get('micro'))} / {_f(dc.get('macro'))} "
            f"| {with_s if with_s is not None else '-'} / {without if without is not None else '-'} "
            f"| {_f(r['micro'], 'boundary')} / {_f(lr.get('micro'), 'boundary')} | {r['wall_seconds']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_shared = Path(os.environ.get("PIRI_QUAL_SHARED") or REPO.parent / "shared")  # as the tests find it
    parser.add_argument("--shared", type=Path, default=default_shared,
                        help="the shared folder (../shared, or $PIRI_QUAL_SHARED from a git worktree)")
    parser.add_argument("--only", action="append", choices=sorted(SETS), help="only these sets")
    parser.add_argument("--json", type=Path, help="also write every report here")
    args = parser.parse_args(argv)
    names = args.only or list(SETS)
    has_shared = (args.shared / "eval").is_dir()
    results: dict[str, dict[str, Any]] = {}
    failed = False
    with tempfile.TemporaryDirectory(prefix="piri-eval-") as tmp:
        for name in names:
            description, _, needs_shared = SETS[name]
            if needs_shared and not has_shared:
                print(f"skip {name}: {args.shared / 'eval'} is not present", file=sys.stderr)
                continue
            print(f"== {name}: {description}", file=sys.stderr, flush=True)
            try:
                results[name] = run_set(name, Path(tmp), args.shared)
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                print(f"FAILED {name}: {exc}", file=sys.stderr)
                failed = True
    if results:
        print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
