"""Interviewer questions, structure lines and stage directions are never suggested or counted.

The issue's case: a Rev/Temi layout used to come in with no speakers, so the interviewer's "How
did you get on with the staff?" was the top suggestion. These tests import real files through
the CLI and look at what the suggestion engine may suggest (assist) and at agreement's units
(analysis), for sentence, turn and character units.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from study_builders import build_tiny_study

from piri_qual.analysis.units import eligible_turns, transcript_units
from piri_qual.assist.candidates import units
from piri_qual.assist.engine import candidate_spans
from piri_qual.cli import main
from piri_qual.study import Study

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"


def imported(tmp_path: Path, name: str) -> tuple[Study, str]:
    root = build_tiny_study(tmp_path / "s")
    assert main(["import", str(LAYOUTS / name), "--study", str(root)]) == 0
    return Study(root), Path(name).stem


def test_interviewer_question_of_a_rev_transcript_is_never_a_candidate(tmp_path: Path) -> None:
    study, tid = imported(tmp_path, "rev_inline.txt")
    t = study.transcript(tid)
    texts = [t.text[a:b] for a, b in candidate_spans(study, tid)]
    assert "How did you get on with the staff?" not in " ".join(texts)
    assert texts == [
        "The health visitor mentioned it when Jamie was about ten weeks old.",
        "Really well, honestly.",
        "They never made me feel judged.",
    ]


def test_think_aloud_candidates_are_the_participants_speech_only(tmp_path: Path) -> None:
    study, tid = imported(tmp_path, "think_aloud.txt")
    t = study.transcript(tid)
    texts = [t.text[a:b] for a, b in candidate_spans(study, tid)]
    assert texts[0] == "I'd go to the top menu first, I think."
    joined = "\n".join(texts)
    for never in ("Usability session 4", "Date: 14 March", "Task 1. Find", "Could you show me",
                  "(long pause while she scrolls the page)", "3.b Did anything"):
        assert never not in joined, never
    # a sentence with words around a stage direction is still speech
    assert "Okay." in texts and any("(laughs)" in s for s in texts)
    assert any(s.startswith("Annoying, to be honest.") for s in texts)
    unit_texts = [t.text[u.start:u.end] for u in units(t) if u.candidate]
    assert "(long pause while she scrolls the page)" not in unit_texts
    assert all(not s.startswith(("Usability", "Task ", "3.b", "Date:")) for s in unit_texts)


def test_agreement_units_leave_out_structure_and_stage_directions(tmp_path: Path) -> None:
    study, tid = imported(tmp_path, "think_aloud.txt")
    t = study.transcript(tid)
    spans = study.sentence_index.spans(t)
    sentences = transcript_units(t, "sentence", sentences=spans)
    texts = [t.text[a:b] for a, b in zip(sentences.starts, sentences.ends, strict=True)]
    assert "(long pause while she scrolls the page)" not in texts
    assert "Oh, it's right at the bottom, in tiny grey text." in texts
    assert all(t.turns[int(i)].role == "participant" for i in sentences.turn)
    assert not any(s.startswith(("Could you", "Task ", "Usability")) for s in texts)
    # characters: none of a stage direction's characters is a unit
    chars = transcript_units(t, "character")
    quiet = np.zeros(len(t.text), bool)
    for a, b in t.nonspeech:
        quiet[a:b] = True
    assert not quiet[chars.starts].any()
    assert len(chars) == sum(b - a for i in eligible_turns(t) for a, b in t.speech_chars(t.turns[i].start, t.turns[i].end))


def test_a_turn_that_is_only_a_stage_direction_is_no_unit(tmp_path: Path) -> None:
    root = build_tiny_study(tmp_path / "s")
    path = tmp_path / "P02.txt"
    path.write_text("Interviewer: How did it go?\n\nP02: (laughs)\n\nInterviewer: Go on?\n\nP02: It went well.\n",
                    encoding="utf-8")
    assert main(["import", str(path), "--study", str(root)]) == 0
    t = Study(root).transcript("P02")
    assert [t.text[a:b] for a, b in t.nonspeech] == ["(laughs)"]
    turns = transcript_units(t, "turn")
    assert [t.text[a:b] for a, b in zip(turns.starts, turns.ends, strict=True)] == ["It went well."]
    assert [t.text[u.start:u.end] for u in units(t) if u.candidate] == ["It went well."]
