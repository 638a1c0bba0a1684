"""Speaker-turn detection and roles on small transcripts written the way researchers write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from piri_qual.core.corpus import RawTurn
from piri_qual.errors import PiriQualError
from piri_qual.ingest.readers import read_source
from piri_qual.ingest.roles import assign_roles, label_role
from piri_qual.ingest.turns import SourceParagraph, label_shape, parse_clock, segment


def _txt(tmp_path: Path, text: str, name: str = "t.txt") -> list[RawTurn]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_source(path).turns


def _pairs(turns: list[RawTurn]) -> list[tuple[str | None, tuple[str, ...]]]:
    return [(t.speaker, t.paragraphs) for t in turns]


@pytest.mark.parametrize(
    "text,seconds",
    [("0:03", 3.0), ("55:21", 3321.0), ("1:02:03", 3723.0), ("00:01:02.500", 62.5), ("12:60", None), ("x", None)],
)
def test_parse_clock(text: str, seconds: float | None) -> None:
    assert parse_clock(text) == seconds


@pytest.mark.parametrize(
    "label,shape",
    [
        ("Interviewer", "strict"), ("Interviewer 1", "strict"), ("P07", "strict"), ("INT", "strict"),
        ("R", "strict"), ("Jordan Lee", "strict"), ("Willem van Asperen", "strict"),
        ("P07 (Parent)", "strict"), ("Dr. Patel", "strict"), ("My mum", "loose"),
        ("What she kept repeating was this", None), ("so basically", None), ("Date", None),
        ("Well, you know", None), ("A" * 41, None),
    ],
)
def test_label_shape(label: str, shape: str | None) -> None:
    assert label_shape(label) == shape


def test_labelled_paragraphs_and_continuations(tmp_path: Path) -> None:
    turns = _txt(
        tmp_path,
        "Interviewer: How did you hear about PIRi?\n\n"
        "P07: My health visitor told me.\n\n"
        "What she said stuck with me: you know him best.\n\n"
        "Interviewer: And then?\n\n"
        "P07: We waited.\n",
    )
    assert _pairs(turns) == [
        ("Interviewer", ("How did you hear about PIRi?",)),
        ("P07", ("My health visitor told me.", "What she said stuck with me: you know him best.")),
        ("Interviewer", ("And then?",)),
        ("P07", ("We waited.",)),
    ]


def test_int_r_and_bold_markdown_labels(tmp_path: Path) -> None:
    turns = _txt(tmp_path, "**INT:** Hello?\n\n**R:** Hi.\n\nINT: Go on?\n\nR: Fine.\n", "t.md")
    assert _pairs(turns) == [("INT", ("Hello?",)), ("R", ("Hi.",)), ("INT", ("Go on?",)), ("R", ("Fine.",))]


def test_label_alone_then_text_paragraphs(tmp_path: Path) -> None:
    turns = _txt(tmp_path, "Interviewer:\n\nHow are you?\n\nParticipant:\n\nGood.\n\nThanks.\n")
    assert _pairs(turns) == [("Interviewer", ("How are you?",)), ("Participant", ("Good.", "Thanks."))]


def test_label_after_a_line_break_inside_a_paragraph(tmp_path: Path) -> None:
    turns = _txt(tmp_path, "Interviewer 1: It's alright, you\nInterviewee: know? Okay.\n\nInterviewer 1: Good?\n")
    assert _pairs(turns) == [
        ("Interviewer 1", ("It's alright, you",)),
        ("Interviewee", ("know? Okay.",)),
        ("Interviewer 1", ("Good?",)),
    ]


def test_lines_without_labels_stay_in_the_paragraph(tmp_path: Path) -> None:
    turns = _txt(tmp_path, "Interviewer: Tell me.\n\nP01: First line\nsecond line\n")
    assert turns[1].paragraphs == ("First line\nsecond line",)


def test_a_one_off_sentence_with_a_colon_is_text(tmp_path: Path) -> None:
    turns = _txt(
        tmp_path,
        "Q: One?\n\nA: Yes.\n\nQ: Two?\n\nA: No.\n\nMy mum said one thing: keep going.\n\nQ: Three?\n",
    )
    assert [t.speaker for t in turns] == ["Q", "A", "Q", "A", "Q"]
    assert turns[3].paragraphs == ("No.", "My mum said one thing: keep going.")


def test_times_and_colons_in_words_are_not_labels(tmp_path: Path) -> None:
    turns = _txt(tmp_path, "We met at 10:30 and saw https://example.org together.\n\nThen home.\n")
    assert _pairs(turns) == [
        (None, ("We met at 10:30 and saw https://example.org together.",)),
        (None, ("Then home.",)),
    ]


def test_no_speakers_gives_one_turn_per_paragraph(tmp_path: Path) -> None:
    turns = _txt(tmp_path, "First answer.\n\n-----\n\nSecond answer.\n")
    assert _pairs(turns) == [(None, ("First answer.",)), (None, ("Second answer.",))]


def test_bracket_timestamps(tmp_path: Path) -> None:
    turns = _txt(
        tmp_path,
        "[00:00:05] Q: Where did you grow up?\n\n[00:00:20] Alpha: By the river.\n\n"
        "[00:02:10] Then we moved.\n\n[00:03:00] Q: Why?\n\n[00:03:10] Alpha: Work.\n",
    )
    assert [(t.speaker, t.time) for t in turns] == [("Q", 5.0), ("Alpha", 20.0), ("Q", 180.0), ("Alpha", 190.0)]
    assert turns[1].paragraphs == ("By the river.", "Then we moved.")


def test_otter_header_lines_bold_variant(tmp_path: Path) -> None:
    turns = _txt(
        tmp_path,
        "**Emma**  0:00  \nWelcome back?\n\n**Kelly**  0:34  \nThanks.\n\n**Emma**  1:02:03  \nBye?\n",
        "t.md",
    )
    assert [(t.speaker, t.time, t.paragraphs) for t in turns] == [
        ("Emma", 0.0, ("Welcome back?",)),
        ("Kelly", 34.0, ("Thanks.",)),
        ("Emma", 3723.0, ("Bye?",)),
    ]


def test_markdown_headings_as_speakers_and_title(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text("# Interview 3\n\n### Interviewer\nHoe gaat het?\n\n### Manager\n\nGoed, dank je.\n\n"
                    "### Interviewer\n\nEn verder?\n", encoding="utf-8")
    doc = read_source(path)
    assert doc.metadata["title"] == "Interview 3"
    assert _pairs(doc.turns) == [
        ("Interviewer", ("Hoe gaat het?",)),
        ("Manager", ("Goed, dank je.",)),
        ("Interviewer", ("En verder?",)),
    ]


def test_hard_wrapped_paragraphs_rejoin(tmp_path: Path) -> None:
    width = 60
    answer = (
        "I coordinate between engineering, design, and sales to define the roadmap and I also "
        "keep track of what we promised to customers and what we actually delivered to them."
    )
    cut = [answer[i : i + width] for i in range(0, len(answer), width)]
    lines = [c.strip() for c in cut]
    text = "Jordan Lee   0:01\nWhat do you do?\n\nAlex Morgan   0:06\n" + "\n".join(lines)
    text += "\n\nJordan Lee   0:15\nThanks?\n\nAlex Morgan   0:18\n" + "\n".join(lines) + "\n"
    path = tmp_path / "wrapped.txt"
    path.write_text(text, encoding="utf-8")
    doc = read_source(path)
    # In a .txt file the wrapped lines of one block stay lines of one paragraph ...
    assert doc.turns[1].paragraphs == ("\n".join(lines),)
    # ... while paragraphs cut at a fixed width (the Teams .docx layout) are joined back.
    paras = [SourceParagraph("Jordan Lee   0:01"), SourceParagraph("What do you do?")]
    paras += [SourceParagraph("Alex Morgan   0:06")] + [SourceParagraph(c.strip()) for c in cut]
    paras += [SourceParagraph("Jordan Lee   0:15"), SourceParagraph("Thanks?")]
    paras += [SourceParagraph("Alex Morgan   0:18")] + [SourceParagraph(c.strip()) for c in cut]
    seg = segment(paras)
    assert seg.turns[1].paragraphs == (answer,)
    assert seg.turns[3].paragraphs == (answer,)


def test_unfinished_paragraph_continuing_lowercase_joins_with_a_space() -> None:
    seg = segment(
        [
            SourceParagraph("Interviewer: So how was it?"),
            SourceParagraph("P01: It was hard because"),
            SourceParagraph("we had nobody nearby."),
            SourceParagraph("Interviewer: I see?"),
        ]
    )
    assert seg.turns[1].paragraphs == ("It was hard because we had nobody nearby.",)


def test_segmentation_maps_source_positions() -> None:
    paras = [SourceParagraph("Interviewer: Hi there?"), SourceParagraph("P01: Hello."), SourceParagraph("More.")]
    seg = segment(paras)
    body = "\n".join(seg.turns[1].paragraphs)
    turn, start = seg.locate(2, 0, "start")
    assert (turn, body[start:]) == (1, "More.")
    assert seg.locate(1, 0, "start") == (1, 0)  # inside the removed label: moves to the words
    assert seg.locate(0, len("Interviewer: Hi"), "end") == (0, 2)


def test_consecutive_same_speaker_merge_but_not_unknown_speakers(tmp_path: Path) -> None:
    turns = _txt(
        tmp_path,
        "Kelly  0:01\nOne.\n\nKelly  0:05\nTwo.\n\nUnknown Speaker  0:09\nThree.\n\n"
        "Unknown Speaker  0:12\nFour.\n\nKelly  0:20\n\nEmma  0:30\nFive?\n",
    )
    assert [(t.speaker, t.time, t.paragraphs) for t in turns] == [
        ("Kelly", 1.0, ("One.", "Two.")),
        ("Unknown Speaker", 9.0, ("Three.",)),
        ("Unknown Speaker", 12.0, ("Four.",)),
        ("Emma", 30.0, ("Five?",)),
    ]


def test_vtt_voice_tags_entities_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "m.vtt"
    path.write_text(
        "WEBVTT\n\nNOTE exported by a tool\n\nabc/1-0\n00:00:01.000 --> 00:00:03.000\n"
        "<v Ana Lima>Fish &amp; chips,\nplease</v>\n\nabc/1-1\n00:00:03.000 --> 00:00:04.500\n"
        "<v Ana Lima>and <i>tea</i>.</v>\n\n00:00:05.000 --> 00:00:06.000\n<v.loud Ben>Sure?</v>\n",
        encoding="utf-8",
    )
    doc = read_source(path)
    assert [(t.speaker, t.paragraphs, t.time, t.end_time) for t in doc.turns] == [
        ("Ana Lima", ("Fish & chips, please and tea.",), 1.0, 4.5),
        ("Ben", ("Sure?",), 5.0, 6.0),
    ]


def test_vtt_speaker_prefix_in_cue_text(tmp_path: Path) -> None:
    path = tmp_path / "z.vtt"
    path.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAna Lima: Hello?\n\n2\n00:00:02.000 --> 00:00:03.000\n"
        "Ben: Hi.\n\n3\n00:00:03.000 --> 00:00:04.000\nAna Lima: How are you?\n\n"
        "4\n00:00:04.000 --> 00:00:05.000\nBen: Well: thanks.\n",
        encoding="utf-8",
    )
    doc = read_source(path)
    assert [t.speaker for t in doc.turns] == ["Ana Lima", "Ben", "Ana Lima", "Ben"]
    assert doc.turns[3].paragraphs == ("Well: thanks.",)


# -- roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label,role",
    [
        ("Interviewer", "interviewer"), ("Interviewer 2", "interviewer"), ("INT", "interviewer"),
        ("I", "interviewer"), ("Q", "interviewer"), ("Moderator", "interviewer"),
        ("Facilitator", "interviewer"), ("Researcher", "interviewer"),
        ("Researcher (Interviewer)", "interviewer"), ("P07", "participant"), ("S03", "participant"),
        ("R", "participant"), ("Respondent", "participant"), ("Interviewee", "participant"),
        ("Participant", "participant"), ("A", "participant"), ("Unknown Speaker", "participant"),
        ("P07 (Parent)", "participant"), ("Observer", "other"), ("Jordan Lee", None), ("Kelly", None),
    ],
)
def test_label_roles(label: str, role: str | None) -> None:
    assert label_role(label) == role


def test_named_speakers_interviewer_by_questions() -> None:
    turns = [
        RawTurn("Sam Hill", ("Could you tell me about it?",)),
        RawTurn("Jo Bell", ("Well, it was fine. Was it? Yes.",)),
        RawTurn("Sam Hill", ("And then what happened?",)),
        RawTurn("Jo Bell", ("We went home.",)),
        RawTurn("Sam Hill", ("How did that feel?",)),
        RawTurn("Jo Bell", ("Good.",)),
        RawTurn(None, ("[inaudible]",)),
    ]
    assert assign_roles(turns) == ["interviewer", "participant"] * 3 + ["participant"]


def test_role_labels_win_over_question_marks() -> None:
    turns = [RawTurn("Interviewer", ("Hello.",)), RawTurn("Business Manager", ("Why? Why? Why?",))]
    assert assign_roles(turns) == ["interviewer", "participant"]


def test_overrides_are_case_insensitive_and_win() -> None:
    turns = [RawTurn("INT", ("Hi?",)), RawTurn("Kelly", ("Yes.",)), RawTurn("Unknown Speaker", ("Mm.",))]
    roles = assign_roles(turns, {"kelly": "interviewer", "int": "other", "UNKNOWN SPEAKER": "other"})
    assert roles == ["other", "interviewer", "other"]


def test_bad_override_role_is_a_user_error() -> None:
    with pytest.raises(PiriQualError, match="interviewer, participant, other"):
        assign_roles([RawTurn("Kelly", ("Hi",))], {"Kelly": "host"})
