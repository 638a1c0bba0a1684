"""Lines that are the transcript's structure, not anyone's talk: titles, metadata, script prompts.

Why: a transcript often opens with a title ("Interview with carer 3") and a metadata block
("Date: 12 May 2024   Interviewer: HK"), and usability and think-aloud sessions are divided by
the prompts of the study script ("Task 2. Find the opening hours", "3.b Did anything surprise
you?"). Read as paragraphs without a speaker, those lines became participant talk: suggested,
counted in agreement and quoted. Here they are recognised so that the detector keeps them in the
text as turns of role ``other``; a prompt also becomes the ``section`` of the turns after it.

The rules are deliberately cautious, because a participant's own words must never be taken for
structure:

* before the first speaker turn of a transcript that has speakers, every paragraph is header
  (nobody is speaking yet); in a transcript without speakers only a short title that names what
  the document is ("Transcript", "Interview", "Session" ...) or a metadata block is;
* a metadata block is lines of ``Key: value`` with short values before the first turn, with a
  metadata word among the keys (date, time, duration, location ...), a person named by an id or
  initials (``Participant: P3``, ``Interviewer: HK``), or at least two such lines; so
  ``Interviewer: HK`` is metadata while ``Interviewer: Hello.`` opening the interview is a turn;
* a prompt is a short paragraph that starts with a script word and a number ("Task 2.",
  "Question 3:", "Q3.") or, for a bare number ("2. Find", "3.b Did"), one of at least two such
  paragraphs whose numbers rise through the document with talk between them -- a participant's
  own numbered list is consecutive paragraphs and is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: Keys of metadata lines (compared case-insensitively, spacing collapsed).
META_KEYS = frozenset(
    {
        "date", "time", "duration", "length", "location", "venue", "place", "setting", "mode",
        "title", "subject", "project", "study", "session", "session id", "recording", "audio",
        "video", "file", "filename", "file name", "transcript", "transcriber", "transcribed by",
        "transcription", "interview date", "date of interview", "start time", "end time",
        "recorded", "recorded on", "site", "service", "group", "language", "wave", "round",
        "version", "id", "pid", "participant id", "participant code", "code", "consent", "age",
        "gender", "role", "occupation", "notes", "note", "keywords", "tags",
    }
)
#: People named in a metadata block (``Interviewer: HK``): metadata only beside a metadata key.
PEOPLE_KEYS = frozenset(
    {
        "interviewer", "interviewers", "interviewee", "participant", "participants", "respondent",
        "facilitator", "moderator", "observer", "observers", "researcher", "note taker",
        "notetaker", "carer", "parent", "staff", "present", "attendees", "speaker", "speakers",
    }
)
#: Words that say a short first line is a document title, in a transcript without speakers.
TITLE_WORDS = re.compile(
    r"(?i)\b(?:transcripts?|interviews?|focus\s+group|session|recording|meeting|usability|"
    r"think[- ]aloud|test|participant|notes|evaluation|study|conversation|discussion|debrief)\b"
)

_META_LINE_RE = re.compile(r"[ \t]*([A-Za-z][A-Za-z .'/&-]{0,30}?)[ \t]*:[ \t]*(\S.*?)?[ \t]*")
_SCRIPT_PROMPT_RE = re.compile(
    r"(?i)[ \t]*(?:task|question|q|section|part|scenario|activity|exercise|topic|prompt|step|theme)"
    r"[ \t]*(\d{1,3})[a-z]?(?:\.\d{1,3})*(?P<punct>[.):\u2013-]|[ \t])[ \t]*\S"
)
# Either kind of prompt's opening, in one anchored pattern: most paragraphs fail it at once.
_ANY_PROMPT_RE = re.compile(
    r"(?i)[ \t]*(?:\d|(?:task|question|q|section|part|scenario|activity|exercise|topic|prompt|step|theme)[ \t]*\d)"
)
_BARE_PROMPT_RE = re.compile(r"[ \t]*(\d{1,2})(?:\.\d{1,2})*(?:\.?[a-z])?[.)]?[ \t]+[A-Z\u201c\"']")
_TERMINAL_VALUE = frozenset(".?!\u2026")
# How a metadata block names a person: an id (P3, PT-12) or initials (HK, J.S.).
_PERSON_ID_RE = re.compile(r"[A-Z]{1,3}-?\d{1,4}[a-z]?|(?:[A-Z]\.?){2,4}")
MAX_PROMPT_WORDS = 25
MAX_TITLE_WORDS = 15


@dataclass(frozen=True)
class Structure:
    """What a structure paragraph is: ``title``, ``meta``, ``header`` (other lines before the
    first speaker) or ``prompt``; ``section`` is set for a prompt (its text)."""

    kind: str
    section: str | None = None


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def meta_lines(text: str) -> tuple[bool, int] | None:
    """For a paragraph: None when it is not all ``Key: value`` lines, else (sure it is metadata,
    how many lines). Sure: a metadata key (``Date:``), or a person named by an id or initials
    (``Participant: P3``, ``Interviewer: HK``)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines or len(lines) > 12:
        return None
    sure = False
    for line in lines:
        m = _META_LINE_RE.fullmatch(line)
        if m is None:
            return None
        key = _key(m.group(1))
        value = (m.group(2) or "").strip()
        if key in META_KEYS:
            sure = True
            continue
        if key not in PEOPLE_KEYS:
            return None
        if len(value.split()) > 6 or value[-1:] in _TERMINAL_VALUE:
            return None  # "Interviewer: Hello, thanks for coming." opens the interview
        if _PERSON_ID_RE.fullmatch(value):
            sure = True
    return sure, len(lines)


def is_title(text: str, speaker_mode: bool) -> bool:
    """A short line that reads as a document title."""
    stripped = text.strip()
    if not stripped or "\n" in stripped or len(stripped.split()) > MAX_TITLE_WORDS:
        return False
    if stripped[-1] in ".?!":
        return False
    return speaker_mode or TITLE_WORDS.search(stripped) is not None


def prompt_number(text: str) -> tuple[str, int] | None:
    """("script", n) or ("bare", n) when ``text`` looks like a numbered study-script prompt."""
    if _ANY_PROMPT_RE.match(text) is None:  # nearly every paragraph stops here
        return None
    script = _SCRIPT_PROMPT_RE.match(text)
    bare = None if script is not None else _BARE_PROMPT_RE.match(text)
    if script is None and bare is None:
        return None
    if len(text) > 300 or "\n" in text.strip() or len(text.split()) > MAX_PROMPT_WORDS:
        return None
    # "Task 2. Find ..." or "Question 3 How ...?"; not "Part 2 of the course was hard."
    if script is not None:
        if not script.group("punct").isspace() or not text.rstrip().endswith("."):
            return "script", int(script.group(1))
        return None
    assert bare is not None
    return "bare", int(bare.group(1))


def _with_words(texts: list[str]) -> Iterator[int]:
    """Indexes of the paragraphs that hold words, in order (read lazily: the header is short)."""
    for i, text in enumerate(texts):
        if text and not text.isspace():
            yield i


def find_structure(
    texts: list[str], labelled: list[bool], speaker_mode: bool, headings: set[int] | None = None
) -> dict[int, Structure]:
    """Which paragraphs are structure. ``labelled[i]``: paragraph ``i`` opens a speaker's turn;
    ``headings``: paragraphs the source marked as headings that name no speaker."""
    found: dict[int, Structure] = {}
    # -- the header: title and metadata before the first turn --
    meta_block: dict[int, tuple[bool, int]] = {}
    for i in _with_words(texts):
        shape = meta_lines(texts[i])
        if shape is None:
            if labelled[i] or not is_title(texts[i], True):
                break
            continue
        meta_block[i] = shape
    # metadata when one line is sure of it, or when two or more lines name people
    has_meta_key = any(shape[0] for shape in meta_block.values()) or sum(
        shape[1] for shape in meta_block.values()) >= 2
    for pos, i in enumerate(_with_words(texts)):
        text = texts[i]
        if i in meta_block and has_meta_key:
            found[i] = Structure("meta")
            continue
        if labelled[i]:
            break
        if speaker_mode:
            if prompt_number(text) is not None:
                break  # the script's first prompt: judged with the others below
            found[i] = Structure("title" if pos == 0 and is_title(text, True) else "header")
            continue
        if pos == 0 and is_title(text, False):
            found[i] = Structure("title")
            continue
        break
    # -- prompts of the study script: only paragraphs that open no turn --
    numbered: list[tuple[int, int, str]] = []  # (paragraph, number, script | bare)
    for i, lab in enumerate(labelled):
        if lab or i in found:
            continue
        text = texts[i]
        if not text or text.isspace():
            continue
        if headings and i in headings:
            found[i] = Structure("prompt", text.strip())
            continue
        number = prompt_number(text)
        if number is None:
            continue
        kind, n = number
        numbered.append((i, n, kind))
        if kind == "script":
            found[i] = Structure("prompt", text.strip())
    bare = [(i, n) for i, n, kind in numbered if kind == "bare"]
    if bare and len(numbered) >= 2:
        # Bare numbers count only as one rising sequence with talk between the prompts.
        numbers = [n for _, n, _ in numbered]
        rising = all(b >= a for a, b in zip(numbers, numbers[1:], strict=False))
        order = {i: k for k, i in enumerate(_with_words(texts))}
        apart = all(order[b] - order[a] >= 2 for (a, _, _), (b, _, _) in zip(numbered, numbered[1:], strict=False))
        if rising and apart:
            for i, _ in bare:
                found[i] = Structure("prompt", texts[i].strip())
    return found
