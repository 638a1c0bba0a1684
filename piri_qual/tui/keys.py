"""Key bindings of the coding UI: one table, remappable from ``piri-qual.yaml``.

Every action has an id (the name used in ``keys:`` of ``piri-qual.yaml``), a default key, a
short footer label and a help line. The screens build their Textual bindings from this table and
the help screen lists it, so the footer, the help and the remapping can never disagree::

    keys:
      accept: y
      reject: n
      next_excerpt: j,down
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from textual.binding import BindingType


@dataclass(frozen=True)
class KeyAction:
    id: str
    key: str
    label: str
    help: str
    screen: str = "coding"
    show: bool = True


ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("next_excerpt", "j", "Next", "Next excerpt (next suggested span, or next sentence when reading)"),
    KeyAction("prev_excerpt", "k", "", "Previous excerpt", show=False),
    KeyAction("next_suggestion", "down", "", "Highlight the next suggested theme", show=False),
    KeyAction("prev_suggestion", "up", "", "Highlight the previous suggested theme", show=False),
    KeyAction("accept", "a", "Accept", "Accept the highlighted theme for the current excerpt"),
    KeyAction("reject", "x", "Reject", "Reject the highlighted suggestion"),
    KeyAction("assign", "t", "Theme", "Assign a theme by fuzzy search over labels and ids (or type a new name to create one)"),
    KeyAction("in_vivo", "i", "", "In vivo: create a theme named by the excerpt's words and code it", show=False),
    KeyAction("split_queue", "p", "", "Review the codings of a split theme: choose the new theme for each", show=False),
    KeyAction("widen_sentence", "greater_than_sign", "", "Widen the excerpt by a sentence (at the active edge)", show=False),
    KeyAction("narrow_sentence", "less_than_sign", "", "Narrow the excerpt by a sentence (at the active edge)", show=False),
    KeyAction("widen_word", "full_stop", "", "Widen the excerpt by a word (at the active edge)", show=False),
    KeyAction("narrow_word", "comma", "", "Narrow the excerpt by a word (at the active edge)", show=False),
    KeyAction("switch_edge", "e", "", "Switch the edge that widen/narrow move (start or end)", show=False),
    KeyAction("delete", "d", "", "Delete the highlighted (or only) coding on this excerpt", show=False),
    KeyAction("undo", "u", "Undo", "Undo your last decision (the undo is logged too)"),
    KeyAction("redo", "r", "", "Redo the decision last undone", show=False),
    KeyAction("memo", "m", "Memo", "Write a memo: on the excerpt just decided (right after a decision), this "
              "excerpt, the theme, the participant x theme cell, the transcript, the participant or the study "
              "(ctrl+t changes the target)"),
    KeyAction("excerpts", "o", "Excerpts", "Open the highlighted theme: every excerpt of it across the study, "
              "by participant, with jump-to"),
    KeyAction("jump", "g", "", "Jump to another transcript (with its pending suggestions and where you stopped)",
              show=False),
    KeyAction("search", "slash", "", "Search the transcript text", show=False),
    KeyAction("search_next", "n", "", "Go to the next match of the last search", show=False),
    KeyAction("filter", "f", "", "Show only one theme (again to clear)", show=False),
    KeyAction("toggle_mode", "s", "", "Switch between 'suggestions first' and 'read the whole transcript'", show=False),
    KeyAction("codebook", "c", "", "The framework tree with your counts and each theme's rules", show=False),
    KeyAction("page_down", "pagedown", "", "Scroll the transcript down", show=False),
    KeyAction("page_up", "pageup", "", "Scroll the transcript up", show=False),
    KeyAction("help", "question_mark", "Help", "This help"),
    KeyAction("quit", "q", "Quit", "Quit (every decision is already saved)"),
    KeyAction("take_a", "a", "A's", "Take the first coder's themes for this unit", screen="reconcile"),
    KeyAction("take_b", "b", "B's", "Take the second coder's themes for this unit", screen="reconcile"),
    KeyAction("take_both", "o", "Both", "Take both coders' themes for this unit", screen="reconcile"),
    KeyAction("take_neither", "x", "Neither", "Take neither: the disputed themes are rejected", screen="reconcile"),
    KeyAction("edit", "t", "Edit", "Add a theme of your own choosing to this unit", screen="reconcile"),
    KeyAction("next_unit", "j", "Next", "Next unit where the coders disagree", screen="reconcile"),
    KeyAction("prev_unit", "k", "Prev", "Previous unit", screen="reconcile"),
    KeyAction("agree_all", "equals_sign", "", "Copy every agreed coding into the consensus log", screen="reconcile", show=False),
    KeyAction("rc_undo", "u", "Undo", "Undo the last consensus decision", screen="reconcile"),
    KeyAction("rc_help", "question_mark", "Help", "This help", screen="reconcile"),
    KeyAction("rc_quit", "q", "Quit", "Quit (every decision is already saved)", screen="reconcile"),
)

BY_ID = {a.id: a for a in ACTIONS}

_KEY_NAMES = {
    ">": "greater_than_sign", "<": "less_than_sign", ".": "full_stop", ",": "comma",
    "/": "slash", "?": "question_mark", "=": "equals_sign", "+": "plus", "-": "minus",
    "[": "left_square_bracket", "]": "right_square_bracket", "{": "left_curly_bracket",
    "}": "right_curly_bracket", " ": "space", ";": "semicolon", ":": "colon",
}
_KEY_SHAPE = re.compile(r"^([a-z]+\+)*([A-Za-z0-9]|[a-z_0-9]+)$")


def normalise_key(key: str) -> str:
    """A key as Textual names it: ``>`` -> ``greater_than_sign``, ``Ctrl+R`` -> ``ctrl+r``."""
    key = key.strip()
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if "+" in key and len(key) > 1:
        *mods, last = key.split("+")
        return "+".join([m.lower() for m in mods] + [_KEY_NAMES.get(last, last if len(last) == 1 else last.lower())])
    return key if len(key) == 1 else key.lower()


def display_key(key: str) -> str:
    reverse = {v: k for k, v in _KEY_NAMES.items() if k != " "}
    return ",".join(reverse.get(k, k) for k in key.split(","))


def keymap_from_settings(keys: dict[str, str], source: Path | None = None) -> dict[str, str]:
    """Translate ``keys:`` of piri-qual.yaml into a Textual keymap, listing every problem at once."""
    problems: list[str] = []
    keymap: dict[str, str] = {}
    for action, value in keys.items():
        if action not in BY_ID:
            close = difflib.get_close_matches(action, list(BY_ID), n=1)
            problems.append(
                f"unknown action {action!r} under keys" + (f" (did you mean {close[0]!r}?)" if close else "")
            )
            continue
        parts = [normalise_key(p) for p in str(value).split(",") if p.strip()]
        bad = [p for p in parts if not _KEY_SHAPE.match(p)]
        if not parts or bad:
            problems.append(f"key {value!r} for {action!r} is not a key name (e.g. a, ctrl+r, f5, >)")
            continue
        keymap[action] = ",".join(parts)
    clashes = _clashes(keymap)
    problems.extend(clashes)
    if problems:
        raise PiriQualError(
            "problems in the keys of the study settings:\n  " + "\n  ".join(problems),
            path=source,
            hint=f"Actions: {', '.join(a.id for a in ACTIONS)}.",
        )
    return keymap


def effective_keys(keymap: dict[str, str]) -> dict[str, str]:
    """Each action's key after remapping."""
    return {a.id: keymap.get(a.id, a.key) for a in ACTIONS}


def _clashes(keymap: dict[str, str]) -> list[str]:
    keys = effective_keys(keymap)
    problems = []
    for screen in ("coding", "reconcile"):
        owner: dict[str, str] = {}
        for action in ACTIONS:
            if action.screen != screen:
                continue
            for key in keys[action.id].split(","):
                if key in owner and (action.id in keymap or owner[key] in keymap):
                    problems.append(f"key {display_key(key)!r} is given to both {owner[key]!r} and {action.id!r}")
                owner.setdefault(key, action.id)
    return problems


def bindings(screen: str) -> list[BindingType]:
    """Textual ``Binding`` objects for one screen, each with its action id as binding id."""
    from textual.binding import Binding

    out: list[BindingType] = []
    for action in ACTIONS:
        if action.screen != screen:
            continue
        out.append(
            Binding(
                action.key,
                action.id,
                action.label or action.help,
                show=action.show,
                id=action.id,
                key_display=display_key(action.key) if not action.key.isalnum() else None,
            )
        )
    return out
