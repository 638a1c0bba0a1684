"""Turn the example study's reading-based gold coding into the `gold` coder's log.

The gold coding was written by reading each transcript (examples/gold/<ID>.yaml: quotes with
their themes). This script finds each quote in the imported transcript and appends one `add`
event per theme to codings/gold.jsonl, so the gold coder is an ordinary coder of the study.
It is idempotent: codings already in the log are not added again.

Run from the repository root after `piri-qual import transcripts/*.docx`:
    .venv/bin/python examples/build_gold.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from piri_qual.errors import PiriQualError
from piri_qual.study import Study

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    study = Study(ROOT)
    log = study.log("gold")
    existing = {(c.transcript, c.start, c.end, c.theme) for c in log.fold().codings.values()}
    by_participant = {t.participant: t for t in study.iter_transcripts()}
    pending: list[tuple[str, dict]] = []
    problems: list[str] = []
    for gold_file in sorted((ROOT / "examples" / "gold").glob("*.yaml")):
        transcript = by_participant.get(gold_file.stem)
        if transcript is None:
            problems.append(f"{gold_file}: no imported transcript for participant {gold_file.stem}")
            continue
        for number, item in enumerate(yaml.safe_load(gold_file.read_text(encoding="utf-8")), 1):
            quote = item["quote"]
            start = transcript.text.find(quote)
            if start < 0:
                problems.append(f"{gold_file}: coding {number}: quote not found in {transcript.id}")
                continue
            end = start + len(quote)
            turn = transcript.turn_at(start)
            if turn is None or transcript.turns[turn].role != "participant" or transcript.turns[turn].end < end:
                problems.append(f"{gold_file}: coding {number}: quote is not inside one participant turn")
                continue
            for theme in item["themes"]:
                study.codebook.resolve(theme, source=gold_file)
                if (transcript.id, start, end, theme) in existing:
                    continue
                existing.add((transcript.id, start, end, theme))
                pending.append(("add", {"transcript": transcript.id, "start": start, "end": end,
                                        "quote": quote, "theme": theme, "source": "manual"}))
    if pending:
        study.store.append_many("gold", pending)
    print(f"gold: {len(pending)} codings added, {len(existing)} in all")
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except PiriQualError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
