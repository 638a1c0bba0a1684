"""The line shapes of speaker headers that transcription services and dictation tools write.

Why its own module: the turn detector (:mod:`piri_qual.ingest.turns`) judges *whether* a
candidate is a speaker against the whole document; this module only says what a line looks like,
so each service's layout is one pattern here with a fixture in the tests.

Header lines carry a speaker and a time and nothing else; the words follow on the next lines:

* ``Jordan Lee   0:01`` (Teams, Otter; ``**Emma**  0:00`` in Otter's Markdown),
  ``Speaker 1 00:00:03`` (Word and Stream transcribe, Sonix, Happy Scribe),
  ``Speaker 1 [00:03]`` and ``Speaker 1 (00:00:03):`` (Descript, Trint, Rev, Temi);
* ``00:00:03 Speaker 1`` and ``[00:00:03] Name`` (timestamp first).

Timed labels put the words on the same line: ``Name (00:00:03): words``,
``Speaker 1 [00:00:03]: words`` (Rev, Temi, Descript). ``[00:01:02] Name: words`` and
``00:01:02 Name: words`` are read by the detector's own timestamp-then-label rule.
"""

from __future__ import annotations

import re
from typing import NamedTuple

CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_B = r"(?:\*\*|__)?"  # Markdown bold around a label
_SP = r"[ \t\u00a0]"
_LABEL = r"[^\W_][^\n*:\[\]]*?"

# ``Label <sep> time`` where sep is 2+ spaces, a tab, one space, or a dash/bar with spaces; the
# time may be in brackets or parentheses and be followed by a colon.
_LABEL_TIME_RE = re.compile(
    rf"{_SP}*{_B}(?P<label>{_LABEL}){_B}(?:{_SP}+[-\u2013|\u00b7]{_SP}*|{_SP}*(?=[\[(])|{_SP}+)"
    rf"(?:\[(?P<t1>{CLOCK})\]|\((?P<t2>{CLOCK})\)|(?P<t3>{CLOCK})){_B}{_SP}*:?{_B}{_SP}*"
)
# ``time <sep> Label`` (Word's transcribe export, Happy Scribe): a bracketed time may touch the label.
_TIME_LABEL_RE = re.compile(
    rf"{_SP}*(?:\[(?P<t1>{CLOCK})\]{_SP}*|\((?P<t2>{CLOCK})\){_SP}*|(?P<t3>{CLOCK}){_SP}+)"
    rf"(?:[-\u2013|\u00b7]{_SP}*)?{_B}(?P<label>[^\W_\d][^\n*:\[\]]*?){_B}{_SP}*:?{_B}{_SP}*"
)
# ``Label (time): words`` / ``Label [time]: words``: the colon after the time is required.
_TIMED_LABEL_RE = re.compile(
    rf"{_B}(?P<label>[^\W_][^\n*:\[\]]{{0,44}}?){_SP}*(?:\[(?P<t1>{CLOCK})\]|\((?P<t2>{CLOCK})\)){_B}"
    rf"{_SP}*:{_B}{_SP}*"
)


class Header(NamedTuple):
    """A speaker and time found on a line; ``end`` is where the words after them begin."""

    label: str
    time: str
    end: int
    order: str  # "label-time" | "time-label"


def _time(m: re.Match[str]) -> str:
    return m.group("t1") or m.group("t2") or m.group("t3") or ""


def match_header(text: str) -> Header | None:
    """A header line (speaker and time, nothing else), or None.

    Cheap tests first: this runs on every line of a text transcript. A header is short, holds a
    colon (every clock has one), and ends in a time (a digit, a bracket, a colon) or starts with one.
    """
    if len(text) > 120 or ":" not in text:
        return None
    stripped = text.strip()
    last = stripped[-1:]
    if last.isdigit() or last in ")]:*_":
        m = _LABEL_TIME_RE.fullmatch(text)
        if m is not None:
            label = m.group("label").strip()
            if label:
                return Header(label, _time(m), len(text), "label-time")
    first = stripped[:1]
    if not (first.isdigit() or first in "[("):
        return None
    m = _TIME_LABEL_RE.fullmatch(text)
    if m is not None:
        label = m.group("label").strip()
        if label:
            return Header(label, _time(m), len(text), "time-label")
    return None


def match_timed_label(text: str, pos: int) -> Header | None:
    """``Name (00:00:03): words`` at ``pos``: the label, its time and where the words begin."""
    probe = text.find("(", pos, pos + 50)
    square = text.find("[", pos, pos + 50)
    if probe == -1 and square == -1:
        return None
    m = _TIMED_LABEL_RE.match(text, pos)
    if m is None:
        return None
    label = m.group("label").strip()
    return Header(label, _time(m), m.end(), "label-time") if label else None
