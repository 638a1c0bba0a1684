"""Who is the interviewer? Roles for speaker labels.

Transcripts label speakers in many ways (``Interviewer 1``, ``INT``, ``P07``, ``R``, a full name).
Analysis needs to know whose words are data (participants) and whose are questions
(interviewers), so each turn gets one of :data:`piri_qual.core.corpus.ROLES`. Researchers can always
override a label; the rules below only decide what nobody told us.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from piri_qual.core.corpus import ROLES, RawTurn
from piri_qual.errors import PiriQualError

#: Label words that mean "the person asking the questions".
INTERVIEWER_WORDS = frozenset(
    {
        "interviewer", "int", "i", "q", "iv", "iwr", "moderator", "facilitator", "researcher",
        "evaluator", "question", "questioner", "host",
    }
)
#: Label words that mean "the person whose experience is the data".
PARTICIPANT_WORDS = frozenset(
    {
        "participant", "respondent", "interviewee", "r", "a", "p", "answer", "resp", "iee",
        "unknown", "user", "client", "patient", "carer", "parent",
    }
)
#: Label words for people in the room who are neither (their words are usually not coded).
OTHER_WORDS = frozenset(
    {"observer", "notetaker", "note-taker", "translator", "interpreter", "transcriber", "other"}
)

# Participant ids as studies write them: P07, S03, PT12, R2, "Participant 3".
_ID_RE = re.compile(r"[A-Z]{1,3}-?\d{1,4}[a-z]?")
_QUESTION_ID_RE = re.compile(r"q\d{1,3}[a-z]?")
_WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_PAREN_RE = re.compile(r"[(\[]([^()\[\]]*)[)\]]")


def _words(label: str) -> list[str]:
    return [w.casefold() for w in _WORD_RE.findall(label)]


def label_role(label: str) -> str | None:
    """The role a label names by itself (``INT`` -> interviewer, ``P07`` -> participant), or None.

    A parenthesised part is read first, so ``Researcher (Interviewer)`` and ``P07 (Parent)`` work;
    a label that is only a personal name returns None.
    """
    inner = _PAREN_RE.findall(label)
    outer = _PAREN_RE.sub(" ", label).strip()
    for part in [*inner, outer]:
        role = _role_of_part(part.strip())
        if role is not None:
            return role
    return None


def _role_of_part(part: str) -> str | None:
    if not part:
        return None
    words = _words(part)
    if not words:
        return None
    if "unknown" in words and ("speaker" in words or len(words) == 1):
        return "participant"
    if len(words) == 1 and _QUESTION_ID_RE.fullmatch(words[0]):
        return "interviewer"  # Q1, Q12: the interviewer asking question 1, 12
    if any(w in INTERVIEWER_WORDS for w in words if len(w) > 1) or (
        len(words) <= 2 and words[0] in INTERVIEWER_WORDS
    ):
        return "interviewer"
    if any(w in OTHER_WORDS for w in words):
        return "other"
    if any(w in PARTICIPANT_WORDS for w in words if len(w) > 1) or (
        len(words) <= 2 and words[0] in PARTICIPANT_WORDS
    ):
        return "participant"
    if _ID_RE.fullmatch(part.split()[0]) and len(part.split()) <= 2:
        return "participant"
    return None


def is_role_label(label: str) -> bool:
    """True when ``label`` names a role or a participant id rather than a person."""
    return label_role(label) is not None


def assign_roles(turns: list[RawTurn], overrides: Mapping[str, str] | None = None) -> list[str]:
    """One role (``interviewer | participant | other``) per turn, in order.

    ``overrides`` maps labels (case-insensitive) to roles and always wins. Labels that name a role
    or an id are mapped by :func:`label_role`. Personal names are resolved only when no
    interviewer was found that way: the speaker whose turns most often ask a question (``?``) is
    the interviewer and the other named speakers are participants. Turns without a speaker take
    the role their layout gave them (``other`` for a title or a study-script prompt,
    ``participant`` for unlabelled answers) and are otherwise participant text (captions, survey
    answers).
    """
    table: dict[str, str] = {}
    for label, role in (overrides or {}).items():
        if role not in ROLES:
            raise PiriQualError(
                f"unknown role {role!r} for speaker {label!r}",
                hint=f"Use one of: {', '.join(ROLES)}.",
            )
        table[_key(label)] = role

    decided: dict[str, str] = {}
    unnamed: list[str] = []
    keys: dict[str, str] = {}  # label as written -> key: a transcript repeats a few labels
    for turn in turns:
        speaker = turn.speaker
        if speaker is None or speaker in keys:
            continue
        key = keys[speaker] = _key(speaker)
        if key in decided or key in unnamed:
            continue
        if key in table:
            decided[key] = table[key]
        else:
            named = label_role(speaker)
            if named is None:
                unnamed.append(key)
            else:
                decided[key] = named

    if unnamed:
        if "interviewer" in decided.values():
            decided.update({key: "participant" for key in unnamed})
        else:
            decided.update(_guess_by_questions(turns, unnamed))

    role_of = {speaker: decided[key] for speaker, key in keys.items()}
    return [
        (turn.role or "participant") if turn.speaker is None else role_of[turn.speaker]
        for turn in turns
    ]


def _guess_by_questions(turns: list[RawTurn], names: list[str]) -> dict[str, str]:
    """Interviewer = the named speaker whose turns most often contain a question mark.

    The share is smoothed (questions / (turns + 1)) and speakers with very few turns are left
    out, so one speaker with a single question does not outrank the person who asked twenty.
    """
    asked: dict[str, int] = dict.fromkeys(names, 0)
    spoke: dict[str, int] = dict.fromkeys(names, 0)
    keys: dict[str, str] = {}
    for turn in turns:
        speaker = turn.speaker
        if speaker is None:
            continue
        key = keys.get(speaker)
        if key is None:
            key = keys[speaker] = _key(speaker)
        if key in spoke:
            spoke[key] += 1
            if any("?" in p for p in turn.paragraphs):
                asked[key] += 1
    # Speakers who barely spoke (a guest's one-liner) cannot be judged by a share.
    floor = max(2, 0.1 * max(spoke.values()))
    judged = [k for k in names if spoke[k] >= floor] or names
    best = max(judged, key=lambda k: (asked[k] / (spoke[k] + 1), asked[k]))
    roles = dict.fromkeys(names, "participant")
    if asked[best] > 0:
        roles[best] = "interviewer"
    return roles


def role_for(label: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """The role one label gets from the overrides or by itself (None: decided by questions)."""
    if overrides:
        table = {_key(k): v for k, v in overrides.items()}
        found = table.get(_key(label))
        if found is not None:
            return found
    return label_role(label)


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()
