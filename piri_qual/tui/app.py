"""The Textual app: it only wires the study, the coder and the key map to the screens.

``piri-qual code`` builds a :class:`CodingApp` and runs it; tests build one and drive it with
``App.run_test()``. Everything slow happens in the screens' worker threads; everything that
decides happens in :mod:`piri_qual.tui.session` and :mod:`piri_qual.tui.reconcile`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from textual.app import App

from piri_qual.errors import PiriQualError
from piri_qual.study import Study
from piri_qual.tui import assist_bridge
from piri_qual.tui.keys import keymap_from_settings
from piri_qual.tui.screens.coding import CodingScreen
from piri_qual.tui.screens.reconcile import ReconcileScreen
from piri_qual.tui.session import SUGGESTIONS, where_stopped_in_log


class CodingApp(App[None]):
    """Code one coder's transcripts, or reconcile two coders (``reconcile=(a, b)``)."""

    CSS_PATH = "app.tcss"
    TITLE = "piri-qual"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        study: Study,
        coder: str | None = None,
        transcript_id: str | None = None,
        *,
        reconcile: tuple[str, str] | None = None,
        consensus: str = "consensus",
        mode: str = SUGGESTIONS,
        assist: ModuleType | Any = None,
        retrain_delay: float = 2.0,
        split: str | None = None,
    ) -> None:
        super().__init__()
        self.study = study
        self.reconcile = reconcile
        self.consensus = consensus
        self.assist = assist if assist is not None else assist_bridge
        self.engine_ok = getattr(self.assist, "engine_available", lambda: True)()
        self.retrain_delay = max(0.01, retrain_delay)  # a zero-second Textual timer divides by zero
        self.keymap = keymap_from_settings(study.settings.keys, study.settings_path)
        self.theme_colours = {t.id: i for i, t in enumerate(study.codebook.all_themes)}
        if reconcile is not None:
            a, b = reconcile
            if len({a, b, consensus}) != 3:
                raise PiriQualError(
                    "reconciliation needs two different coders and a third name for the consensus log",
                    hint="e.g. --reconcile alice,bob --into consensus",
                )
            study.require_coder(a)
            study.require_coder(b)
            study.log(consensus)  # validates the name
        else:
            if not coder:
                raise PiriQualError("which coder? Pass --coder NAME")
            study.log(coder)  # validates the name
            ids = study.transcript_ids()
            if not ids:
                raise PiriQualError(
                    "this study has no imported transcripts", path=study.corpus_dir,
                    hint="Import some with `piri-qual import FILE...`.",
                )
            if transcript_id is None:  # where this coder stopped last time, else the first
                transcript_id = where_stopped_in_log(study.log(coder).path, ids) or ids[0]
            else:
                study.transcript(transcript_id)  # a clear error for an unknown id
        self.coder = coder or consensus
        self.transcript_id = transcript_id
        self.start_mode = mode
        self.split = split
        if split is not None and split not in study.history.final.split:
            raise PiriQualError(f"theme {split!r} has not been split",
                                hint="Split one with `piri-qual codebook split THEME --into B,C`.")

    def on_mount(self) -> None:
        self.set_keymap(self.keymap)
        if self.reconcile is not None:
            self.sub_title = f"reconcile {self.reconcile[0]} and {self.reconcile[1]}"
            self.push_screen(ReconcileScreen(self.reconcile[0], self.reconcile[1], self.consensus))
        else:
            self.sub_title = f"coding as {self.coder}"
            assert self.transcript_id is not None
            self.push_screen(CodingScreen(self.transcript_id, self.start_mode, split=self.split))
