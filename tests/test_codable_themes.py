"""Folders and grouping themes (``codable: false``, REFI-QDA ``isCodable="false"``) group codes:
they are never suggested, offered or coded, and they survive a .qdpx round trip as folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from test_assist_engine import make_study

from piri_qual.assist import engine
from piri_qual.cli import cli
from piri_qual.cli import main as cli_main
from piri_qual.errors import PiriQualError
from piri_qual.study import Study

CODEBOOK = """\
id: tiny
label: Tiny codebook
themes:
  - id: access
    label: Access to the service
    definition: How families reached the service and what stood in the way.
    keywords: [referral, social services]
    codable: false
  - id: referral_process
    label: Referral process
    parent: access
    definition: How the family came to be referred to the service.
    keywords: [referral]
  - id: stigma
    label: Stigma
    parent: access
    definition: Fear of being judged or reported.
    keywords: [social services]
"""


@pytest.fixture
def study(tmp_path: Path) -> Study:
    return make_study(tmp_path / "s", CODEBOOK)


def test_codable_false_loads_and_is_kept_out_of_the_codable_themes(study: Study) -> None:
    book = study.codebook
    assert [t.id for t in book.themes] == ["access", "referral_process", "stigma"]
    assert [t.id for t in book.codable] == ["referral_process", "stigma"]
    assert book.get("access").as_dict()["codable"] is False
    assert "codable" not in book.get("stigma").as_dict()


def test_a_folder_is_never_suggested_though_its_keywords_match(study: Study) -> None:
    found = engine.suggest_transcript(study, "P01", "alice")
    themes = {s.theme for s in found}
    assert "referral_process" in themes and "stigma" in themes  # the same words find its codes
    assert "access" not in themes


def test_coding_a_folder_is_refused_naming_its_codes(study: Study, capsys: pytest.CaptureFixture[str]) -> None:
    text = study.transcript("P01").text
    start = text.index("My health visitor")
    with pytest.raises(PiriQualError, match="folder") as caught:
        study.store.code("alice", "P01", "access", start=start, end=start + 17)
    assert "referral_process" in (caught.value.hint or "") and "stigma" in (caught.value.hint or "")
    assert not study.log("alice").path.exists() or not study.log("alice").read()  # nothing written
    code = cli_main(["codings", "add", "--study", str(study.root), "--coder", "alice", "--transcript", "P01",
                     "--theme", "Access to the service", "--quote", "My health visitor"])
    err = capsys.readouterr().err
    assert code == 2 and "is a folder (codable: false)" in err and "main.yaml" in err
    study.store.code("alice", "P01", "stigma", start=start, end=start + 17)  # its codes are fine


def test_a_folder_survives_a_qdpx_round_trip(study: Study, tmp_path: Path) -> None:
    out = tmp_path / "project.qdpx"
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "qdpx", str(out), "--study", str(study.root)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["import", str(out), "--into", str(tmp_path / "copy")])
    assert result.exit_code == 0, result.output
    book = Study(tmp_path / "copy").codebook
    folder = book.find("Access to the service")
    assert folder is not None and folder.codable is False
    assert {t.label for t in book.codable} == {"Referral process", "Stigma"}
