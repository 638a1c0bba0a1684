"""A generated interview study with known answers, for tests and benchmarks of the engine.

Each transcript alternates interviewer questions and participant answers. Answer sentences are
either small talk or about one theme, written with that theme's own words. The codebook gives
*open* themes keywords and a definition in the same words the talk uses, and *blind* themes a
keyword that never occurs and an opaque definition, so rules and similarity cannot find them
and only a model that learns from the coder's decisions can. The gold coder ``gold`` has coded
every on-theme sentence.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from piri_qual.core.corpus import Transcript, Turn
from piri_qual.core.settings import init_study
from piri_qual.core.study import StudyFolder

TOPICS: dict[str, list[str]] = {
    "waiting": ["waiting list", "weeks of waiting", "delay", "months before anyone came", "long wait"],
    "referral": ["referred me", "the referral form", "my health visitor referred", "a referral", "the GP referred"],
    "stigma": ["judged", "social services", "a bad mum", "ashamed", "labelled"],
    "video": ["the video clips", "filmed us", "watching the footage", "the camera", "recorded play"],
    "bonding": ["closer to my baby", "the bond", "love him", "attachment", "connected"],
    "home": ["at home", "home visits", "in my living room", "came to the house", "our own space"],
    "money": ["the rent", "benefits", "afford nappies", "bills", "overdraft"],
    "sleep": ["nights awake", "no sleep", "naps", "bedtime", "exhausted at night"],
    "partner": ["my husband", "my partner", "his dad", "the father", "my boyfriend"],
    "work": ["back to work", "maternity leave", "my job", "the office", "shifts"],
}
OPEN_DEFINITIONS = {
    "waiting": ("Waiting times", "Delays, waiting lists and long waits before support started."),
    "referral": ("Referral", "How the family was referred: referral forms, who referred them."),
    "stigma": ("Stigma", "Feeling judged, ashamed or labelled; fear of social services."),
    "video": ("Video feedback", "Being filmed and watching video clips or footage of play."),
    "bonding": ("Bonding", "The bond, attachment and love between parent and baby."),
}
BLIND = {
    "home": "Theme F",
    "money": "Theme G",
    "sleep": "Theme H",
    "partner": "Theme J",
    "work": "Theme K",
}
FILLER = [
    "Yeah, I mean, it was fine really.",
    "I don't know, it's hard to say.",
    "We talked about all sorts.",
    "That was a while ago now.",
    "Honestly I can't remember the details.",
    "It is what it is, isn't it.",
    "Sorry, he's just woken up.",
    "Anyway, where was I.",
]
FRAMES = [
    "I think {a} was the thing, you know, and {b} too.",
    "What I remember is {a}, really.",
    "There was {a} and then {b}.",
    "To be honest {a} made a difference.",
    "It was mostly {a}, if I'm honest.",
]
QUESTIONS = [
    "Can you tell me more about that?",
    "How did that feel?",
    "What happened next?",
    "Was there anything else?",
]


@dataclass
class GeneratedStudy:
    root: Path
    transcripts: list[str]
    words: int
    open_themes: list[str]
    blind_themes: list[str]


def codebook_yaml(with_blind: bool = True) -> str:
    lines = ["id: generated", "label: Generated codebook", "themes:"]
    for tid, (label, definition) in OPEN_DEFINITIONS.items():
        words = TOPICS[tid][:2]
        lines += [f"  - id: {tid}", f"    label: {label}", f"    definition: {json.dumps(definition)}"]
        lines += ["    keywords: [" + ", ".join(f'"{w}"' for w in words) + "]"]
    if with_blind:
        for tid, label in BLIND.items():
            lines += [f"  - id: {tid}", f"    label: {label}", f"    definition: Category {label[-1]}, as agreed.",
                      "    keywords: [zyxwv]"]
    return "\n".join(lines) + "\n"


def init_synthetic_study(folder: Path, title: str) -> Path:
    """A new study folder whose codebook is the synthetic one (:func:`codebook_yaml`), with no
    framework: what a generated study (here, or a benchmark's) starts from."""
    root = init_study(folder, title=title)
    (root / "codebooks" / "main.yaml").write_text(codebook_yaml(), encoding="utf-8")
    settings = (root / "piri-qual.yaml").read_text(encoding="utf-8")
    (root / "piri-qual.yaml").write_text(settings.replace("framework: frameworks/main.yaml\n", ""), encoding="utf-8")
    return root


def generate_study(
    folder: Path,
    transcripts: int = 20,
    words_per_transcript: int = 1500,
    seed: int = 7,
    on_theme: float = 0.5,
    gold: bool = True,
) -> GeneratedStudy:
    """Write a study folder with ``transcripts`` generated interviews and a gold coder log."""
    rng = random.Random(seed)
    root = init_synthetic_study(folder, "Generated study")
    themes = list(TOPICS)
    ids: list[str] = []
    total = 0
    events: list[tuple[str, dict]] = []
    for n in range(transcripts):
        tid = f"G{n + 1:04d}"
        pieces: list[str] = []
        turns: list[Turn] = []
        codings: list[tuple[int, int, str]] = []
        pos = 0
        words = 0
        focus = rng.sample(themes, 4)
        while words < words_per_transcript:
            question = rng.choice(QUESTIONS)
            pos = _append(pieces, pos, "Interviewer: ")
            turns.append(Turn("Interviewer", "interviewer", pos, pos + len(question)))
            pos = _append(pieces, pos, question)
            pos = _append(pieces, pos, "\n\n")
            pos = _append(pieces, pos, f"{tid}: ")
            start = pos
            for k in range(rng.randint(2, 6)):
                if k:
                    pos = _append(pieces, pos, " ")
                if rng.random() < on_theme:
                    theme = rng.choice(focus)
                    a, b = rng.sample(TOPICS[theme], 2)
                    sentence = rng.choice(FRAMES).format(a=a, b=b)
                    sentence = sentence[0].upper() + sentence[1:]
                    codings.append((pos, pos + len(sentence), theme))
                else:
                    sentence = rng.choice(FILLER)
                pos = _append(pieces, pos, sentence)
                words += len(sentence.split())
            turns.append(Turn(tid, "participant", start, pos))
            pos = _append(pieces, pos, "\n\n")
            words += len(question.split())
        text = "".join(pieces).rstrip("\n")
        Transcript(
            id=tid, participant=tid, group="parent", text=text, turns=turns, source=f"{tid}.txt",
            source_sha256="", format="txt", imported_at="2024-01-01T00:00:00+00:00",
        ).save(root / "corpus" / f"{tid}.json")
        for start, end, theme in codings:
            events.append(("add", {"transcript": tid, "start": start, "end": end, "quote": text[start:end], "theme": theme}))
        ids.append(tid)
        total += words
    if gold:
        StudyFolder(root).store.append_many("gold", events)
    return GeneratedStudy(root, ids, total, list(OPEN_DEFINITIONS), list(BLIND))


def _append(pieces: list[str], pos: int, text: str) -> int:
    pieces.append(text)
    return pos + len(text)
