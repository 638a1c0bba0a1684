"""The example study with its `gold` coder, copied into a temp folder for the agreement tests.

When the repository root has been imported (``corpus/*.json`` and ``codings/gold.jsonl``), those
files are copied. Otherwise the study is built the way the lead builds it: the example scripts
(``examples/scripts/*.txt``) are imported and the reading-based gold coding
(``examples/gold/*.yaml``) is appended as the `gold` coder's log, as ``examples/build_gold.py``
does for the repository itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
STUDY_FILES = ("piri-qual.yaml", "participants.csv", "pseudonyms.yaml")


def build_example_study(dest: Path) -> Path:
    """A copy of the example study in ``dest`` with the `gold` coder's log; returns its root."""
    from piri_qual.study import Study

    dest.mkdir(parents=True, exist_ok=True)
    for name in STUDY_FILES:
        if (REPO / name).is_file():
            shutil.copy(REPO / name, dest / name)
    for folder in ("frameworks", "codebooks"):
        shutil.copytree(REPO / folder, dest / folder, dirs_exist_ok=True)
    (dest / "codings").mkdir(exist_ok=True)
    corpus = sorted((REPO / "corpus").glob("*.json")) if (REPO / "corpus").is_dir() else []
    gold_log = REPO / "codings" / "gold.jsonl"
    if corpus and gold_log.is_file():
        shutil.copytree(REPO / "corpus", dest / "corpus", dirs_exist_ok=True)
        shutil.copy(gold_log, dest / "codings" / "gold.jsonl")
        return dest
    (dest / "transcripts").mkdir(exist_ok=True)
    for script in sorted((REPO / "examples" / "scripts").glob("*.txt")):
        shutil.copy(script, dest / "transcripts" / script.name)
    study = Study(dest)
    report = study.import_files(sorted((dest / "transcripts").glob("*.txt")))
    assert report.ok, [o.message for o in report.failed]
    by_participant = {t.participant: t for t in study.iter_transcripts()}
    pending = []
    for gold_file in sorted((REPO / "examples" / "gold").glob("*.yaml")):
        transcript = by_participant[gold_file.stem]
        for item in yaml.safe_load(gold_file.read_text(encoding="utf-8")):
            start = transcript.text.find(item["quote"])
            assert start >= 0, (gold_file, item["quote"])
            for theme in item["themes"]:
                pending.append(("add", {
                    "transcript": transcript.id, "start": start, "end": start + len(item["quote"]),
                    "quote": item["quote"], "theme": theme, "source": "manual",
                }))
    study.store.append_many("gold", pending)
    return dest
