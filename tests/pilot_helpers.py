"""Waiting for a Textual app under the pilot to settle: its workers done and drawn."""

from __future__ import annotations

from typing import Any


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
