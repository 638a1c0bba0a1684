"""Speaker layouts of the transcription services, and structure lines, checked turn by turn.

Each fixture in tests/fixtures/layouts/ was written for these tests (wholly fictional) in the
layout a service or a transcriber writes; each expected row is (speaker, role, time in seconds,
first three words, last two words) of one turn, read off the fixture by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from piri_qual.ingest.derive import Derived, derive

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"

Row = tuple[str | None, str, float | None, str, str]


def rows(derived: Derived) -> list[Row]:
    out = []
    for turn in derived.turns:
        words = derived.text[turn.start : turn.end].split()
        out.append((turn.speaker, turn.role, turn.time, " ".join(words[:3]), " ".join(words[-2:])))
    return out


TWO_SIDED: dict[str, tuple[str, list[Row]]] = {
    # Rev and Temi: "Name (00:00:03): words"
    "rev_inline.txt": ("timed labels", [
        ("Interviewer", "interviewer", 3.0, "Thanks for making", "the service?"),
        ("Carer 3", "participant", 9.0, "The health visitor", "weeks old."),
        ("Interviewer", "interviewer", 21.0, "And how did", "the staff?"),
        ("Carer 3", "participant", 26.0, "Really well, honestly.", "feel judged."),
    ]),
    # Rev with the label on its own line: "Speaker 1 (00:00:03):"
    "rev_own_line.txt": ("header lines", [
        ("Speaker 1", "interviewer", 3.0, "Thanks for making", "the service?"),
        ("Speaker 2", "participant", 9.0, "The health visitor", "going, mind."),
        ("Speaker 1", "interviewer", 75.0, "How did you", "the staff?"),
        ("Speaker 2", "participant", 80.0, "Really well. They", "feel judged."),
    ]),
    # Descript: "Speaker 1 [00:00:03]: words"
    "descript_colon.txt": ("timed labels", [
        ("Speaker 1", "interviewer", 3.0, "Welcome, and thanks", "the group?"),
        ("Speaker 2", "participant", 11.0, "My partner found", "said go."),
        ("Speaker 1", "interviewer", 19.0, "What was the", "session like?"),
        ("Speaker 2", "participant", 24.0, "Nerve-wracking at first,", "was on."),
    ]),
    # Trint-style: "Speaker 1 [00:03]" on its own line
    "trint_header.txt": ("header lines", [
        ("Speaker 1", "interviewer", 3.0, "Could you tell", "your role?"),
        ("Speaker 2", "participant", 7.0, "I'm a family", "the patch."),
        ("Speaker 1", "interviewer", 72.0, "What gets in", "of referrals?"),
        ("Speaker 2", "participant", 78.0, "Mostly the forms.", "Friday afternoon."),
    ]),
    # Timestamp first, label and words on the line: "00:00:03 Name: words"
    "stamp_label.txt": ("timestamp then label", [
        ("Interviewer", "interviewer", 3.0, "Shall we start", "the service?"),
        ("Mum 2", "participant", 8.0, "The midwife rang", "back then."),
        ("Interviewer", "interviewer", 20.0, "What changed after", "first visit?"),
        ("Mum 2", "participant", 27.0, "I started sleeping", "him more."),
    ]),
    # Timestamp first on its own line: "[00:00:03] Name"
    "stamp_header.txt": ("timestamp-first header lines", [
        ("Researcher", "interviewer", 3.0, "What would you", "the sessions?"),
        ("Dad 1", "participant", 10.0, "Go. Even if", "just go."),
        ("Researcher", "interviewer", 31.0, "Anything you would", "would change?"),
        ("Dad 1", "participant", 35.0, "Evening sessions. I", "work days."),
    ]),
    # Microsoft Word's transcribe export: "00:00:02 Speaker 1"
    "word_transcribe.txt": ("timestamp-first header lines", [
        ("Speaker 1", "interviewer", 2.0, "Thanks for agreeing", "the team?"),
        ("Speaker 2", "participant", 9.0, "Nearly four years", "service started."),
        ("Speaker 1", "interviewer", 20.0, "What do families", "waiting list?"),
        ("Speaker 2", "participant", 26.0, "That it is", "a newborn."),
    ]),
    # Sonix, Happy Scribe, Stream: "Name 00:00:04" (one space)
    "sonix_header.txt": ("header lines", [
        ("Priya Shah", "interviewer", 4.0, "Could you describe", "for me?"),
        ("Tom Reid", "participant", 10.0, "Three home visits,", "much paperwork."),
        ("Priya Shah", "interviewer", 25.0, "Which part of", "to families?"),
        ("Tom Reid", "participant", 31.0, "The visits. That's", "gets built."),
    ]),
    # Teams, as a text file: "Jordan Lee   0:01"
    "teams_docx_like.txt": ("header lines", [
        ("Jordan Lee", "interviewer", 1.0, "How did the", "reach you?"),
        ("Alex Morgan", "participant", 6.0, "By email from", "baby's sleep."),
        ("Jordan Lee", "interviewer", 15.0, "And what happened", "happened next?"),
        ("Alex Morgan", "participant", 18.0, "We booked a", "the fortnight."),
    ]),
    # Otter's Markdown: "**Name**  0:00", footer dropped
    "otter_bold.md": ("header lines", [
        ("Lena Park", "interviewer", 0.0, "Okay, we're recording.", "at home?"),
        ("Sam Okafor", "participant", 6.0, "Honestly? Exhausting. But", "for me."),
        ("Lena Park", "interviewer", 62.0, "What did you", "the video?"),
        ("Sam Okafor", "participant", 69.0, "That she calms", "that before."),
    ]),
    "q_and_a.txt": ("labels", [
        ("Q", "interviewer", None, "How did you", "group sessions?"),
        ("A", "participant", None, "Good. Better than", "I'm honest."),
        ("Q", "interviewer", None, "What was hardest?", "was hardest?"),
        ("A", "participant", None, "Getting out of", "a toddler."),
    ]),
}


@pytest.mark.parametrize("name", sorted(TWO_SIDED))
def test_service_layouts_turn_by_turn(name: str) -> None:
    layout, expected = TWO_SIDED[name]
    derived = derive(LAYOUTS / name, {})
    assert rows(derived) == expected
    assert derived.document.layout.name.startswith(layout)
    assert not derived.document.layout.one_sided
    # labels and times are not words of the text the codings point into
    for turn in derived.turns:
        body = derived.text[turn.start : turn.end]
        assert "00:0" not in body and not body.startswith(("[", "**"))


def test_otter_footer_is_dropped() -> None:
    derived = derive(LAYOUTS / "otter_bold.md", {})
    assert "otter.ai" not in derived.text and derived.metadata["transcribed_by"] == "otter.ai"


def test_think_aloud_with_interviewer_only_labels() -> None:
    """A usability session: title, metadata, numbered script prompts, `Facilitator:` lines and
    the participant's thinking aloud in unlabelled paragraphs with stage directions."""
    derived = derive(LAYOUTS / "think_aloud.txt", {})
    task1, task2, task3 = ("Task 1. Find the opening hours", "Task 2. Book a visit",
                           "3.b Did anything surprise you?")
    assert [(*row, turn.section) for row, turn in zip(rows(derived), derived.turns, strict=True)] == [
        (None, "other", None, "Usability session 4", "parent portal", None),
        (None, "other", None, "Date: 14 March", "42 minutes", None),
        (None, "other", None, "Task 1. Find", "opening hours", task1),
        ("Facilitator", "interviewer", None, "Could you show", "is open?", task1),
        (None, "participant", None, "I'd go to", "grey text.", task1),
        ("Facilitator", "interviewer", None, "How did that", "that feel?", task1),
        (None, "participant", None, "Annoying, to be", "gave up.", task1),
        (None, "other", None, "Task 2. Book", "a visit", task2),
        ("Facilitator", "interviewer", None, "Now try to", "next week.", task2),
        (None, "participant", None, "Okay. Book, there.", "by heart.", task2),
        (None, "other", None, "3.b Did anything", "surprise you?", task3),
        ("Facilitator", "interviewer", None, "Did anything surprise", "surprise you?", task3),
        (None, "participant", None, "That it worked", "not to.", task3),
    ]
    layout = derived.document.layout
    assert layout.one_sided and layout.labels == ["Facilitator"]
    assert layout.structure == {"title": 1, "meta": 1, "prompt": 3}
    stage = [derived.text[a:b] for a, b in derived.nonspeech]
    assert stage == ["(long pause while she scrolls the page)", "[inaudible 00:12:04]", "(laughs)"]
    # the answer keeps its stage direction as a paragraph of its own
    answer = derived.turns[4]
    assert derived.text[answer.start : answer.end].split("\n")[1] == "(long pause while she scrolls the page)"


def test_title_and_metadata_block_are_structure_not_talk() -> None:
    derived = derive(LAYOUTS / "titled_interview.txt", {})
    assert rows(derived) == [
        (None, "other", None, "Interview with carer", "carer 3"),
        (None, "other", None, "Date: 12 May", "hub, Westbrook"),
        ("HK", "interviewer", None, "Thank you for", "the staff?"),
        ("Carer 3", "participant", None, "Fine. Better than", "to me."),
        ("HK", "interviewer", None, "And the waiting", "waiting list?"),
        ("Carer 3", "participant", None, "Six weeks. It", "going on."),
    ]
    meta = derived.turns[1]
    # "Interviewer: HK" inside the metadata block is metadata, not a turn of an interviewer
    assert derived.text[meta.start : meta.end] == "Date: 12 May 2024\nInterviewer: HK\nLocation: Family hub, Westbrook"
    assert [derived.text[a:b] for a, b in derived.nonspeech] == ["(sighs)"]


@pytest.mark.parametrize(
    "text,roles",
    [
        # "Interviewer: Hello." opens the interview: not metadata, even under a title
        ("Interview 7\n\nInterviewer: Hello, thanks for coming.\n\nP07: Hi.\n\nInterviewer: Ready?\n\nP07: Yes.\n",
         ["other", "interviewer", "participant", "interviewer", "participant"]),
        # a participant's own numbered list stays theirs
        ("Interviewer: What helped?\n\nP07: Two things.\n\n1. The visits.\n\n2. The group.\n\nInterviewer: Thanks.\n",
         ["interviewer", "participant", "interviewer"]),
        # "Part 2 of ..." starting an answer is talk, not a script prompt
        ("Interviewer: And then?\n\nP07: It got better.\n\nPart 2 of the course was the hard bit.\n\n"
         "Interviewer: Why?\n", ["interviewer", "participant", "interviewer"]),
    ],
)
def test_participant_words_are_never_taken_for_structure(tmp_path: Path, text: str, roles: list[str]) -> None:
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    assert [t.role for t in derive(path, {}).turns] == roles


def test_survey_answers_without_speakers_stay_participant_text(tmp_path: Path) -> None:
    path = tmp_path / "answers.txt"
    path.write_text("The waiting was the worst part\n\n-----\n\nStaff were kind\n", encoding="utf-8")
    derived = derive(path, {})
    assert [(t.speaker, t.role) for t in derived.turns] == [(None, "participant"), (None, "participant")]
    assert derived.document.layout.name == "no speaker labels"


def test_a_title_names_what_the_document_is_before_it_is_taken_out(tmp_path: Path) -> None:
    path = tmp_path / "answers.txt"
    path.write_text("Transcript of focus group 2\n\nWe all found the waiting hard.\n\nThe staff were kind.\n",
                    encoding="utf-8")
    assert [t.role for t in derive(path, {}).turns] == ["other", "participant", "participant"]


def test_roles_decide_an_unknown_single_label(tmp_path: Path) -> None:
    """One recurring label of unknown role that asks questions is the interviewer's, and the
    paragraphs after it are answers; roles: can say otherwise."""
    path = tmp_path / "hk.txt"
    path.write_text("HK: How was it?\n\nFine, thanks.\n\nHK: And the staff?\n\nLovely.\n", encoding="utf-8")
    derived = derive(path, {})
    assert [(t.speaker, t.role) for t in derived.turns] == [
        ("HK", "interviewer"), (None, "participant"), ("HK", "interviewer"), (None, "participant")]
    assert derived.turn_settings == {"roles": {"hk": None}, "speakers": None}
    told = derive(path, {"hk": "participant"})
    assert [(t.speaker, t.role) for t in told.turns] == [("HK", "participant")]  # no longer one-sided
    assert told.turn_settings["roles"] == {"hk": "participant"}


def test_speakers_option_accepts_a_label_seen_once_and_none_turns_detection_off(tmp_path: Path) -> None:
    path = tmp_path / "once.txt"
    path.write_text("Nurse Ada: Come in, sit down. How are things?\n\nThey are okay. Better.\n", encoding="utf-8")
    assert [t.speaker for t in derive(path, {}).turns] == [None, None]
    named = derive(path, {}, ["Nurse Ada=interviewer"])
    assert [(t.speaker, t.role) for t in named.turns] == [("Nurse Ada", "interviewer"), (None, "participant")]
    labelled = tmp_path / "labelled.txt"
    labelled.write_text("Interviewer: Hi?\n\nP01: Hello.\n", encoding="utf-8")
    assert [t.speaker for t in derive(labelled, {}, []).turns] == [None, None]


def test_script_prompts_written_with_a_colon_are_not_speakers(tmp_path: Path) -> None:
    path = tmp_path / "session.txt"
    path.write_text(
        "Task 1: Find the opening hours\n\nF: Where would you look first?\n\nThe top menu, I think.\n\n"
        "Task 2: Book a visit\n\nF: And now?\n\nI click Book. (laughs)\n", encoding="utf-8")
    derived = derive(path, {})
    assert [(t.speaker, t.role, t.section) for t in derived.turns] == [
        (None, "other", "Task 1: Find the opening hours"),
        ("F", "interviewer", "Task 1: Find the opening hours"),
        (None, "participant", "Task 1: Find the opening hours"),
        (None, "other", "Task 2: Book a visit"),
        ("F", "interviewer", "Task 2: Book a visit"),
        (None, "participant", "Task 2: Book a visit"),
    ]


def test_numbered_question_labels_are_the_interviewer(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text("Q1: How did you hear about us?\n\nUser: From the nurse.\n\nQ2: And then?\n\nUser: I rang.\n",
                    encoding="utf-8")
    assert [(t.speaker, t.role) for t in derive(path, {}).turns] == [
        ("Q1", "interviewer"), ("User", "participant"), ("Q2", "interviewer"), ("User", "participant")]


def test_interviewer_only_with_an_observer_labelled_too(tmp_path: Path) -> None:
    path = tmp_path / "obs.txt"
    path.write_text("Moderator: What do you see first?\n\nThe big red button.\n\nObserver: Noted the time.\n\n"
                    "Moderator: And then?\n\nI would press it.\n", encoding="utf-8")
    assert [(t.speaker, t.role) for t in derive(path, {}).turns] == [
        ("Moderator", "interviewer"), (None, "participant"), ("Observer", "other"),
        ("Moderator", "interviewer"), (None, "participant")]


def test_people_named_in_a_header_are_metadata_not_turns(tmp_path: Path) -> None:
    """Without these, "Participant: P3" would be a participant turn and the transcript no longer
    one-sided: every answer would then run into the facilitator's turns."""
    path = tmp_path / "p3.txt"
    path.write_text("Participant: P3\n\nFacilitator: HK\n\nFacilitator: Shall we start with the home page?\n\n"
                    "Sure. It looks busy.\n\nFacilitator: What catches your eye?\n\nThe photo of the nurse.\n",
                    encoding="utf-8")
    derived = derive(path, {})
    assert [(t.speaker, t.role) for t in derived.turns] == [
        (None, "other"), (None, "other"), ("Facilitator", "interviewer"), (None, "participant"),
        ("Facilitator", "interviewer"), (None, "participant")]



def test_labels_seen_equally_often_are_listed_in_the_order_first_written(tmp_path: Path) -> None:
    """The layout's labels are part of the corpus file: ties in frequency must not follow a set's
    order, which changes with the hash seed (two imports of one file differed). Run under several
    seeds in fresh processes, the labels come out as first written every time."""
    code = ("import sys; from pathlib import Path; from piri_qual.ingest.derive import derive; "
            "print(derive(Path(sys.argv[1]), {}).document.layout.labels)")
    source = tmp_path / "tied.txt"
    source.write_text("".join(f"{who}: {what} number {n}.\n" for n in range(3) for who, what in
                              (("Zara", "A question"), ("Interviewer", "An answer"), ("P03", "More"))),
                      encoding="utf-8")
    seen = {
        subprocess.run([sys.executable, "-c", code, str(source)], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip()
        for seed in range(6)
    }
    assert seen == {"['Zara', 'Interviewer', 'P03']"}
