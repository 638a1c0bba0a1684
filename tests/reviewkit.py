"""Helpers for the coding-UI tests: copies of the example study, and waiting for the app to settle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
STUDY_FILES = ("piri-qual.yaml", "pseudonyms.yaml", "participants.csv")
STUDY_DIRS = ("frameworks", "codebooks", "corpus")


def copy_example_study(dest: Path, *, gold: bool = False, cache_from: Path | None = None) -> Path:
    """The repository's example study copied to ``dest`` (so tests never write into the repo)."""
    assert any((REPO / "corpus").glob("*.json")), "the example study's corpus/ is missing from the repository"
    dest.mkdir(parents=True, exist_ok=True)
    for name in STUDY_FILES:
        if (REPO / name).exists():
            shutil.copy(REPO / name, dest / name)
    for name in STUDY_DIRS:
        shutil.copytree(REPO / name, dest / name)
    (dest / "codings").mkdir(exist_ok=True)
    if gold:
        shutil.copy(REPO / "codings" / "gold.jsonl", dest / "codings" / "gold.jsonl")
    if cache_from is not None and (cache_from / ".piri-cache").is_dir():
        shutil.copytree(cache_from / ".piri-cache", dest / ".piri-cache")
    return dest


def read_log(root: Path, coder: str) -> list[dict[str, Any]]:
    path = root / "codings" / f"{coder}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


async def settle(pilot: Any, rounds: int = 50) -> None:
    """Wait until the app's worker threads (loading, suggesting, retraining) are done and drawn."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        busy = getattr(screen, "busy", False) or getattr(screen, "session", 0) is None
        if not busy and not any(w.is_running for w in app.workers):
            return
        await pilot.pause(0.05)
