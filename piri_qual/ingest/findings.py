"""What the import found in a file, said to the researcher: speakers, their share, warnings.

Why: a transcript whose speakers were not recognised looks like any other once imported, yet all
of it is then participant talk -- the interviewer's questions suggested, counted in agreement and
quoted. So every import line names the speakers found, and a file where no speaker or only one
label was found, or where one speaker has over 90% of the words, gets a warning that names the
layout to check and the two fixes (``roles:`` in piri-qual.yaml, ``import --speakers``).

The share is judged with the turns beside it: in a well-read in-depth interview the participant
often has over 90% of the words, with the interviewer's short questions alternating with long
answers. What a misread layout leaves is one speaker with nearly all the words *and* the others
with hardly a turn, or a dominant speaker who also asks the questions (their labels were missed,
so the questions run into the answers). Only that is warned about; a warning every researcher
learns to ignore would hide the one that matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from piri_qual.core.corpus import Transcript, count_words

#: One speaker holding more than this share of the words is worth a look.
DOMINANT_SHARE = 0.9
#: ... in a transcript of at least this many words (a short note says little).
MIN_WORDS_FOR_SHARE = 150
#: ... while the other speakers have fewer turns than this ...
FEW_TURNS = 3
#: ... or this share of the dominant speaker's turns end in a question.
QUESTION_SHARE = 0.4
UNLABELLED = "(unlabelled)"

FIX = (
    "check it with `piri-qual import --preview {name}`; if it has speakers written another way, "
    "name them with --speakers \"Label=interviewer,Label=participant\", or set each label's role "
    "under roles: in piri-qual.yaml"
)


@dataclass
class Findings:
    """Speakers found (label, role, words), the layout, structure kept and stage directions."""

    layout: str
    speakers: list[tuple[str, str, int]] = field(default_factory=list)
    turns: dict[str, int] = field(default_factory=dict)  # label -> turns
    asking: dict[str, int] = field(default_factory=dict)  # label -> turns that end in a question
    structure: dict[str, int] = field(default_factory=dict)
    stage_directions: int = 0
    rejected: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """``speakers Interviewer (interviewer), P07 (participant)`` or ``no speakers found``."""
        if not any(label != UNLABELLED for label, _, _ in self.speakers):
            return "no speakers found (all of it counts as participant talk)"
        return "speakers " + ", ".join(f"{label} ({role})" for label, role, _ in self.speakers)


def find(transcript: Transcript, name: str, speakers_option: list[str] | None = None,
         turn_words: list[int] | None = None) -> Findings:
    """Findings for an imported transcript (``name`` is the file's name, for the advice);
    ``turn_words``: :meth:`Transcript.turn_words` when the caller has counted them already."""
    layout: dict[str, Any] = transcript.metadata.get("layout") or {}
    words: dict[tuple[str, str], int] = {}
    turns: dict[str, int] = {}
    asking: dict[str, int] = {}
    text = transcript.text
    spans = transcript.nonspeech
    n_spans = len(spans)
    next_span = 0  # the first stage direction that does not end before the current turn
    for k, turn in enumerate(transcript.turns):
        role, start, end, speaker = turn.role, turn.start, turn.end, turn.speaker
        if role == "other" and speaker is None:
            continue
        label = speaker or UNLABELLED
        if n_spans:
            while next_span < n_spans and spans[next_span][1] <= start:
                next_span += 1
        if turn_words is not None and (next_span == n_spans or spans[next_span][0] >= end):
            count = turn_words[k]  # no stage direction in the turn: its speech is all of its words
        else:
            count = 0
            for a, b in transcript.speech_chars(start, end):
                count += count_words(text[a:b])
        key = (label, role)
        words[key] = words.get(key, 0) + count
        turns[label] = turns.get(label, 0) + 1
        # does the turn end with a question mark (trailing space aside)?
        last = text[end - 1] if end > start else ""
        if last == "?":
            asking[label] = asking.get(label, 0) + 1
        elif last.isspace() and text[start:end].rstrip().endswith("?"):
            asking[label] = asking.get(label, 0) + 1
        elif label not in asking:
            asking[label] = 0
    found = Findings(
        layout=str(layout.get("name") or ("labels" if transcript.speakers else "no speaker labels")),
        speakers=[(label, role, n) for (label, role), n in words.items() if label != UNLABELLED or n],
        structure=dict(layout.get("structure") or {}),
        stage_directions=len(transcript.nonspeech),
        rejected=list(layout.get("rejected") or []),
        turns=dict(turns),
        asking=dict(asking),
    )
    if speakers_option == []:  # --speakers none: the researcher said there are none
        return found
    labels = [label for label, _, _ in found.speakers if label != UNLABELLED]
    if speakers_option and labels:  # the researcher named the speakers: only the share is checked
        _check_share(found, FIX.format(name=name))
        return found
    fix = FIX.format(name=name)
    doubted = ""
    if found.rejected:
        shown = ", ".join(repr(r) for r in found.rejected[:3])
        doubted = f" (seen but not taken for speakers: {shown})"
    if not labels:
        found.warnings.append(
            f"no speaker labels found{doubted}, so every paragraph counts as participant talk; {fix}"
        )
        return found
    if len(labels) == 1:
        role = next(r for label, r, _ in found.speakers if label == labels[0])
        if layout.get("one_sided"):
            found.warnings.append(
                f"only one speaker label found ({labels[0]!r}, {role}): the unlabelled paragraphs "
                f"between its turns were taken as the participant's answers; {fix}"
            )
        else:
            found.warnings.append(
                f"only one speaker label found ({labels[0]!r}, {role}){doubted}: everything else is "
                f"part of its turns; {fix}"
            )
        return found
    _check_share(found, fix)
    return found


def _check_share(found: Findings, fix: str) -> None:
    total = sum(n for _, _, n in found.speakers)
    if total < MIN_WORDS_FOR_SHARE or len(found.speakers) < 2:
        return
    label, role, most = max(found.speakers, key=lambda s: s[2])
    others = sum(n for who, n in found.turns.items() if who != label)
    asks = found.asking.get(label, 0) >= QUESTION_SHARE * found.turns.get(label, 1)
    if most > DOMINANT_SHARE * total and (others < FEW_TURNS or asks):
        found.warnings.append(
            f"{most / total:.0%} of the words fall to one speaker ({label!r}, {role}): the "
            f"layout ({found.layout}) may not have been read right; {fix}"
        )
