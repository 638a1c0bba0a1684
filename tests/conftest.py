"""Shared fixtures: the ../shared material (skipped when absent) and the studies of
:mod:`study_builders`, each built in a temp folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from study_builders import REPO, build_tiny_study, copy_example_study

# ../shared beside the repository (as CI lays it out); PIRI_QUAL_SHARED points elsewhere, e.g.
# from a git worktree that has no ../shared of its own.
SHARED = Path(os.environ.get("PIRI_QUAL_SHARED") or REPO.parent / "shared")


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def tiny_study(tmp_path: Path) -> Path:
    """A new study with the PIRi framework, a two-theme codebook and one imported transcript."""
    return build_tiny_study(tmp_path / "study")


@pytest.fixture
def example_study(tmp_path: Path) -> Path:
    """A copy of the bundled example study (imported corpus and the gold coder) in a temp dir."""
    return copy_example_study(tmp_path / "example", gold=True)
