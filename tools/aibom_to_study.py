"""Turn the AIBOM survey development set (shared/eval, GPL-3.0) into gold-coded study folders.

The data stays outside this repository (its licence is GPL-3.0); this script only reads it.
Following the eval set's README:

* ``--per-question`` (recommended there): one study per question; each respondent's answer is a
  transcript without speaker labels; the question's codes, with their definitions, are the
  codebook (no keywords); the gold coder ``gold`` codes the whole answer with its codes.
* ``--interview``: one study; each respondent is a transcript of eight question/answer turns;
  codes are namespaced by question (``C1.Security``); gold codings cover the answer turns.

Run::

    python tools/aibom_to_study.py /work/shared/eval/boms-away-aibom/aibom_gold.json OUT --per-question
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from piri_qual.core.corpus import Transcript, Turn
from piri_qual.core.framework import Codebook, Theme, save_codebook
from piri_qual.core.settings import init_study
from piri_qual.core.study import StudyFolder


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _tid(respondent: str) -> str:
    """Transcript ids must be file-name safe: keep letters, digits, '-' and '_'."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(respondent))


def _study(folder: Path, title: str, themes: list[Theme]) -> Path:
    root = init_study(folder, title=title)
    settings = (root / "piri-qual.yaml").read_text(encoding="utf-8")
    (root / "piri-qual.yaml").write_text(settings.replace("framework: frameworks/main.yaml\n", ""), encoding="utf-8")
    save_codebook(Codebook("main", title, None, themes), root / "codebooks" / "main.yaml")
    return root


def _save(root: Path, tid: str, text: str, turns: list[Turn]) -> None:
    Transcript(
        id=tid, participant=tid, group="respondent", text=text, turns=turns, source="aibom_gold.json",
        source_sha256="", format="json", imported_at="2024-01-23T00:00:00+00:00",
    ).save(root / "corpus" / f"{tid}.json")


def per_question(data: dict, out: Path) -> list[Path]:
    roots = []
    for q in data["questions"]:
        themes = [Theme(id=c["code"], label=c["code"], definition=_clean(c["definition"])) for c in q["codebook"]]
        root = _study(out / q["id"], f"AIBOM survey {q['id']}: {_clean(q['question'])}", themes)
        events = []
        for answer in q["answers"]:
            tid = _tid(answer["respondent_id"])
            text = answer["text"].strip()
            _save(root, tid, text, [Turn(None, "participant", 0, len(text))])
            for code in answer["codes"]:
                events.append(("add", {"transcript": tid, "start": 0, "end": len(text), "quote": text, "theme": code}))
        StudyFolder(root).store.append_many("gold", events)
        roots.append(root)
    return roots


def interview(data: dict, out: Path) -> Path:
    themes = [
        Theme(id=f"{q['id']}.{c['code']}", label=f"{q['id']} {c['code']}", definition=_clean(c["definition"]))
        for q in data["questions"]
        for c in q["codebook"]
    ]
    root = _study(out, "AIBOM survey as interviews", themes)
    answers: dict[str, list[tuple[dict, dict]]] = {}
    for q in data["questions"]:
        for a in q["answers"]:
            answers.setdefault(_tid(a["respondent_id"]), []).append((q, a))
    events = []
    for tid, pairs in sorted(answers.items()):
        pieces, turns, pos = [], [], 0
        for q, a in pairs:
            for speaker, role, body in (("Interviewer", "interviewer", _clean(q["question"])), (tid, "participant", a["text"].strip())):
                prefix = f"{speaker}: "
                if pieces:
                    pieces.append("\n\n")
                    pos += 2
                pieces.append(prefix + body)
                start = pos + len(prefix)
                pos = start + len(body)
                turns.append(Turn(speaker, role, start, pos))
            answer_turn = turns[-1]
            for code in a["codes"]:
                events.append((tid, answer_turn.start, answer_turn.end, f"{q['id']}.{code}"))
        text = "".join(pieces)
        _save(root, tid, text, turns)
    texts = {p.stem: Transcript.load(p).text for p in (root / "corpus").glob("*.json")}
    StudyFolder(root).store.append_many(
        "gold",
        [("add", {"transcript": t, "start": s, "end": e, "quote": texts[t][s:e], "theme": th})
         for t, s, e, th in events],
    )
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gold_json", type=Path)
    parser.add_argument("out", type=Path)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--per-question", action="store_true")
    mode.add_argument("--interview", action="store_true")
    args = parser.parse_args(argv)
    data = json.loads(args.gold_json.read_text(encoding="utf-8"))
    if args.per_question:
        for root in per_question(data, args.out):
            print(root)
    else:
        print(interview(data, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
