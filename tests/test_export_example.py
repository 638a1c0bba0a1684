"""Exports of the bundled example study (the repository root), once its transcripts are imported."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import docx
import pytest

from piri_qual.study import Study


@pytest.fixture
def example(repo_root: Path) -> Study:
    assert (repo_root / "codings" / "gold.jsonl").exists() and any((repo_root / "corpus").glob("*.json"))
    return Study(repo_root)


def test_no_name_from_the_pseudonym_map_leaves_in_any_quote(example: Study, tmp_path: Path) -> None:
    from piri_qual.analysis.selection import load_selection
    from piri_qual.export.study_exports import write_quotes

    names = list(example.settings.pseudonyms)
    assert names, "the example study has a pseudonym map"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_selection(example, "gold")
    raw = " ".join(data.codings.quote)
    present = [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", raw)]
    assert present, "the example quotes mention mapped names, so this test can fail"
    write_quotes(data, tmp_path / "quotes.docx", "docx")
    write_quotes(data, tmp_path / "quotes.md", "md")
    texts = {
        "docx": "\n".join(p.text for p in docx.Document(str(tmp_path / "quotes.docx")).paragraphs),
        "md": (tmp_path / "quotes.md").read_text(encoding="utf-8"),
    }
    for kind, text in texts.items():
        left = [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text)]
        assert left == [], f"{kind} quote bank still names {left}"
