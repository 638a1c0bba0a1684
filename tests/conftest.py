"""Shared fixtures: the ../shared material (skipped when absent) and small real studies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture
def repo_root() -> Path:
    return REPO


TINY_CODEBOOK = """\
id: tiny
label: Tiny codebook
framework: piri
themes:
  - id: waiting_times
    label: Waiting after referral
    construct: referral
    definition: Waiting for support after being referred.
    keywords: [wait, waiting list]
  - id: bonding
    label: Bonding
    construct: connection
    definition: The felt bond between parent and baby.
    keywords: [bond, close]
"""


@pytest.fixture
def tiny_study(tmp_path: Path) -> Path:
    """A new study with the PIRi framework, a two-theme codebook and one imported transcript."""
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
    from piri_qual.core.settings import init_study

    root = init_study(tmp_path / "study", "Tiny study")
    shutil.copy(REPO / "frameworks" / "piri.yaml", root / "frameworks" / "piri.yaml")
    (root / "codebooks" / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    settings = (root / "piri-qual.yaml").read_text(encoding="utf-8")
    settings = settings.replace("frameworks/main.yaml", "frameworks/piri.yaml").replace(
        "codebooks/main.yaml", "codebooks/tiny.yaml"
    )
    (root / "piri-qual.yaml").write_text(settings, encoding="utf-8")
    turns = [
        RawTurn("Interviewer", ("How long did you wait?",)),
        RawTurn("P01", ("We waited about six weeks, which felt like forever.", "Then it all moved quickly.")),
        RawTurn("Interviewer", ("And how do you feel about her now?",)),
        RawTurn("P01", ("I feel so close to her now. She finally felt like mine.",)),
    ]
    text, spans = assemble_text(turns, ["interviewer", "participant", "interviewer", "participant"])
    Transcript(
        id="P01", participant="P01", group="parent", text=text, turns=spans,
        source="transcripts/P01_parent.txt", source_sha256="0" * 64, format="txt",
        imported_at="2024-01-01T00:00:00+00:00",
    ).save(root / "corpus" / "P01.json")
    (root / "participants.csv").write_text("id,group,site\nP01,parent,Northvale\n", encoding="utf-8")
    return root


EXAMPLE_FILES = ("piri-qual.yaml", "pseudonyms.yaml", "participants.csv")
EXAMPLE_DIRS = ("frameworks", "codebooks", "corpus", "codings")


@pytest.fixture
def example_study(tmp_path: Path) -> Path:
    """A copy of the bundled example study (imported corpus and the gold coder) in a temp dir."""
    root = tmp_path / "example"
    root.mkdir()
    for name in EXAMPLE_FILES:
        shutil.copy(REPO / name, root / name)
    for name in EXAMPLE_DIRS:
        shutil.copytree(REPO / name, root / name)
    return root
