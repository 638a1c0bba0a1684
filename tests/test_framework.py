"""Framework and codebook YAML: loading, and validation that lists every problem at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from piri_qual.core.framework import load_codebook, load_framework
from piri_qual.errors import PiriQualError

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["piri", "proctor", "reaim", "cfir2"])
def test_shipped_frameworks_load(name: str) -> None:
    path = REPO / "frameworks" / f"{name}.yaml"
    framework = load_framework(path)
    assert framework.domains and all(d.constructs for d in framework.domains)


def test_piri_framework_has_the_two_domains() -> None:
    framework = load_framework(REPO / "frameworks" / "piri.yaml")
    assert [d.id for d in framework.domains] == ["implementation", "outcomes"]
    assert framework.domain_of("referral").id == "implementation"
    assert framework.domain_of("connection").id == "outcomes"
    assert len(framework.constructs) == 13


def test_example_codebook_is_valid_and_complete() -> None:
    framework = load_framework(REPO / "frameworks" / "piri.yaml")
    path = REPO / "codebooks" / "piri.yaml"
    book = load_codebook(path, framework)
    assert len(book.themes) >= 20
    for theme in book.themes:
        assert theme.definition and theme.include and theme.exclude and theme.keywords and theme.examples, theme.id
        assert theme.construct in framework.constructs


BROKEN = """\
id: broken
framework: piri
themes:
  - id: a
    label: First
    construct: referal
  - id: a
    label: Duplicate
    construct: referral
  - id: b
    construct: referral
    keywrds: [x]
  - id: c
    label: Bad pattern
    construct: referral
    patterns:
      - [{LEMA: refer}]
      - "refer"
"""


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    framework = load_framework(REPO / "frameworks" / "piri.yaml")
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    with pytest.raises(PiriQualError) as info:
        load_codebook(path, framework)
    message = str(info.value)
    assert "5 problems" in message or "6 problems" in message
    assert f"{path}:6: theme 'a' names unknown construct 'referal'; did you mean 'referral'?" in message
    assert f"{path}:7: duplicate id 'a' (first at line 4)" in message
    assert f"{path}:10: theme 'b' has no 'label'" in message
    assert f"{path}:12: theme 'b': unknown field 'keywrds' (did you mean 'keywords'?)" in message
    assert f"{path}:17: theme 'c': pattern 1 uses unknown token attribute 'LEMA'" in message
    assert f"{path}:18: theme 'c': pattern 2 must be a non-empty list of token mappings" in message


def test_yaml_typo_points_at_the_line(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("id: x\nthemes:\n  - id: a\n    label: [unclosed\n  - id: b\n")
    with pytest.raises(PiriQualError, match=rf"{path.name}:\d+: YAML syntax error"):
        load_codebook(path)


def test_theme_lookup_suggests_close_ids(tiny_study: Path) -> None:
    from piri_qual.study import Study

    book = Study(tiny_study).codebook
    assert book.resolve("BONDING").id == "bonding"
    assert book.resolve("Waiting after referral").id == "waiting_times"
    with pytest.raises(PiriQualError, match="unknown theme 'bondng'.*Did you mean bonding"):
        book.resolve("bondng")
