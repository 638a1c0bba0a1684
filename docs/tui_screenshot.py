"""Regenerate docs/tui.svg: the coding screen on a copy of the example study.

Run from the repository root: ``.venv/bin/python docs/tui_screenshot.py``. The study is copied to
a temporary folder, so the repository's codings are never touched.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


async def shoot(root: Path, out: Path) -> None:
    from pilot_helpers import settle

    from piri_qual.study import Study
    from piri_qual.tui.app import CodingApp

    app = CodingApp(Study(root), "alice", "P03", retrain_delay=0.01)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, rounds=400)
        for key in ("j", "a", "j"):
            await pilot.press(key)
            await settle(pilot)
        app.save_screenshot(out.name, str(out.parent))


def main() -> None:
    from study_builders import copy_example_study

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_example_study(Path(tmp) / "study")
        asyncio.run(shoot(root, REPO / "docs" / "tui.svg"))
    print(f"wrote {REPO / 'docs' / 'tui.svg'}")


if __name__ == "__main__":
    main()
