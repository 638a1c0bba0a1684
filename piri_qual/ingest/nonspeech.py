"""Stage directions and transcriber notes: kept in the text, never analysed as talk.

Transcribers write what is not speech in brackets or parentheses: "(laughs)", "[inaudible
00:12:04]", "[crosstalk]", "(long pause while she scrolls the page)". Those words must stay in
the transcript (they are part of what happened, and codings point into the exact text) but a
sentence that is only a stage direction must never be suggested or counted as a unit of
agreement. This module finds their spans in the assembled text; the corpus records them
(:attr:`piri_qual.core.corpus.Transcript.nonspeech`) and units, candidates and the quote bank
leave out what lies wholly inside them.

Which spans count: every ``[...]`` (square brackets are the transcriber's voice by convention);
a ``(...)`` that is a whole paragraph, is written in capitals, holds a time, or opens with a word
transcribers use for what is not speech ("laughs", "pause", "inaudible", "sighs", "baby cries",
...). Other parentheses are a speaker's own aside ("my son (he's three) ...") and stay speech.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from piri_qual.core.corpus import Turn

_BRACKET_RE = re.compile(r"\[[^\[\]\n]{1,200}\]|\([^()\n]{1,300}\)")
_CLOCK_RE = re.compile(r"\d{1,2}:\d{2}")
_FIRST_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

#: First words of a parenthesised stage direction.
STAGE_WORDS = frozenset(
    """
    laugh laughs laughing laughed laughter chuckle chuckles chuckling giggle giggles giggling
    smile smiles smiling grin grins sigh sighs sighing pause pauses paused pausing long short
    brief silence silent quiet quietly inaudible unclear indistinct unintelligible untranscribable
    crosstalk overlapping overlap overtalk interruption interrupts interrupted interrupting cough
    coughs coughing clears sniff sniffs sniffing cry cries crying tearful tears sobbing upset
    emotional baby babies child children toddler dog phone door doorbell knock knocking noise
    background music gesture gestures gesturing point points pointing nod nods nodding shakes
    shaking shrug shrugs reads reading typing types type scrolls scrolling scroll click clicks
    clicking looks looking mumbles mumbling mutters muttering whispers whispering sarcastic
    sarcastically emphasis emphasised emphasized redacted removed anonymised anonymized name
    audio recording tape break end start transcriber transcribers sic unknown technical
    connection video mic microphone muted unmutes unmuted frozen lag writes writing drinks
    yawns yawning claps clapping groans exhales inhales breath breathes breathing
    """.split()
)


def is_stage_direction(inner: str, whole_paragraph: bool) -> bool:
    """Whether the words inside a ``(...)`` are a stage direction."""
    words = inner.strip()
    if not words:
        return False
    if whole_paragraph or _CLOCK_RE.search(words):
        return True
    letters = [ch for ch in words if ch.isalpha()]
    if len(letters) >= 3 and all(ch.isupper() for ch in letters):
        return True
    first = _FIRST_WORD_RE.search(words)
    return first is not None and first.group(0).casefold().replace("’", "'") in STAGE_WORDS


def find_nonspeech(text: str, turns: Iterable[Turn]) -> list[tuple[int, int]]:
    """The ``[start, end)`` spans of stage directions in the turns' words, in text order."""
    spans: list[tuple[int, int]] = []
    find = text.find
    for turn in turns:
        if turn.end <= turn.start:
            continue
        if find("(", turn.start, turn.end) == -1 and find("[", turn.start, turn.end) == -1:
            continue  # looked for in place: most turns have no bracket at all
        for m in _BRACKET_RE.finditer(text, turn.start, turn.end):
            a, b = m.span()
            if text[a] == "[":
                spans.append((a, b))
                continue
            line_start = text.rfind("\n", turn.start, a) + 1 or turn.start
            line_end = text.find("\n", b, turn.end)
            line_end = turn.end if line_end == -1 else line_end
            whole = not text[max(line_start, turn.start) : a].strip() and not text[b:line_end].strip(" \t.,;:!?")
            if is_stage_direction(text[a + 1 : b - 1], whole):
                spans.append((a, b))
    return spans
