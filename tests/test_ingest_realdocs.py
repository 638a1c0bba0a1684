"""The transcript readers against real third-party files in ../shared/realdocs.

Each file's expected behaviour is stated in ../shared/realdocs/README.md; the .docx stress
fixtures come from pandoc, mammoth, docx2python and python-docx test suites, whose published
expected texts are quoted in the assertions (e.g. pandoc ``test/docx/unicode.native``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from piri_qual.errors import PiriQualError
from piri_qual.ingest.readers import SourceDocument, read_source
from piri_qual.ingest.roles import assign_roles


def _read(shared_dir: Path, name: str) -> SourceDocument:
    return read_source(shared_dir / "realdocs" / name)


def _bodies(doc: SourceDocument) -> list[str]:
    return ["\n".join(t.paragraphs) for t in doc.turns]


def _text(doc: SourceDocument) -> str:
    return "\n\n".join(_bodies(doc))


def test_every_file_imports_or_fails_clearly(shared_dir: Path) -> None:
    files = sorted(p for p in (shared_dir / "realdocs").iterdir() if p.name != "README.md")
    assert len(files) >= 20
    for path in files:
        try:
            doc = read_source(path)
        except PiriQualError as exc:  # a clear, one-line message naming the file
            assert path.name in str(exc) and "\n" not in str(exc)
            continue
        assert doc.turns, path.name
        for turn in doc.turns:
            assert turn.paragraphs and all(p.strip() for p in turn.paragraphs), path.name
            assert turn.speaker is None or turn.speaker.strip() == turn.speaker
        assert len(assign_roles(doc.turns)) == len(doc.turns)


# -- .docx stress fixtures ----------------------------------------------------------------------


def test_tracked_insertion_is_accepted(shared_dir: Path) -> None:
    assert _text(_read(shared_dir, "tracked_insertion.docx")) == "This is a text with two exciting insertions."


def test_tracked_deletion_is_accepted(shared_dir: Path) -> None:
    doc = _read(shared_dir, "tracked_deletion.docx")
    assert _text(doc) == "This is a text with a deletion."
    assert "excessively" not in _text(doc)


def test_tracked_move_reads_text_in_its_new_place_once(shared_dir: Path) -> None:
    # pandoc test/docx/track_changes_move_accept.native: the moved paragraph sits second.
    doc = _read(shared_dir, "tracked_move.docx")
    assert _bodies(doc) == ["Here is some text.", "Here is the text to be moved.", "Here is some more text."]


def test_text_box_is_read_once(shared_dir: Path) -> None:
    assert _text(_read(shared_dir, "text_box.docx")).count("Datum plane") == 1


def test_unicode_and_symbol_characters(shared_dir: Path) -> None:
    # pandoc test/docx/unicode.native: "Hello, 世界. This costs €10." then w:sym U+2228 twice and
    # a Symbol-font private-use character that is "(".
    assert _text(_read(shared_dir, "unicode_pandoc.docx")) == "Hello, 世界. This costs €10.∨∨("


def test_utf8_bom_in_document_xml(shared_dir: Path) -> None:
    assert _text(_read(shared_dir, "utf8_bom.docx")) == "This XML has a byte order mark."


def test_smart_quotes_kept_exactly(shared_dir: Path) -> None:
    assert _bodies(_read(shared_dir, "smart_quotes.docx")) == ["“double quote”", "‘single quote’", "Apostrophe’s"]


def test_soft_line_breaks_stay_inside_the_paragraph(shared_dir: Path) -> None:
    doc = _read(shared_dir, "soft_line_breaks.docx")
    assert "Line1\nLine2\nLine3" in doc.turns[0].paragraphs[0]


def test_merged_table_cells_not_repeated(shared_dir: Path) -> None:
    text = _text(_read(shared_dir, "table_merged_cells.docx"))
    for value in ("0-12", "34-123", "12-0", "1-1", "4-0"):
        assert text.count(value) == 1, value
    assert "0-0 | 0-12 | 0-3" in text


def test_header_and_footer_kept_out_of_text(shared_dir: Path) -> None:
    doc = _read(shared_dir, "header_footer.docx")
    assert "Header" not in _text(doc) and "Footer" not in _text(doc)
    assert "section with header" in _text(doc)
    assert "Header for section-1" in doc.metadata["header_text"]
    assert "Footer for section 1" in doc.metadata["footer_text"]


@pytest.mark.parametrize("name,kind", [("footnotes.docx", "footnotes"), ("endnotes.docx", "endnotes")])
def test_notes_kept_out_of_text(shared_dir: Path, name: str, kind: str) -> None:
    doc = _read(shared_dir, name)
    assert _text(doc) == "Ouch."
    assert doc.metadata[kind] == ["A tachyon walks into a bar.", "Fin."]


def test_content_control_table_is_read(shared_dir: Path) -> None:
    bodies = _bodies(_read(shared_dir, "content_controls_sdt.docx"))
    assert bodies == ["col1Header | col2Header | col3Header", "col1 content | Body copy | col3 content"]


def test_google_docs_export(shared_dir: Path) -> None:
    doc = _read(shared_dir, "google_docs_export.docx")
    assert len(doc.turns) == 5 and doc.turns[0].paragraphs[0].startswith("Pop-up lomo waistcoat")
    assert all(t.speaker is None for t in doc.turns)


# -- transcripts --------------------------------------------------------------------------------


def test_teams_style_docx_rejoins_wrapped_paragraphs(shared_dir: Path) -> None:
    doc = _read(shared_dir, "teams_style_interview_A.docx")
    assert [t.speaker for t in doc.turns] == ["Jordan Lee", "Alex Morgan"] * 16
    assert all(len(t.paragraphs) == 1 for t in doc.turns)
    text = _text(doc)
    # Cut mid-word at 120 characters: the word is rejoined without a space ...
    for joined in ("sales to define", "keep track", "async updates", "feedback cycles", "which saved",
                   "to ‘switch off.’", "fabric.", "normalized.", "bonds.", "repeat yourself"):
        assert joined in text, joined
    # ... and cut between words: the space comes back.
    for spaced in ("how to replicate", "it’s not the same", "now a scheduled call"):
        assert spaced in text, spaced
    assert [t.time for t in doc.turns[:3]] == [1.0, 6.0, 15.0]
    assert doc.turns[-1].time == 181.0
    roles = assign_roles(doc.turns)
    assert roles[:2] == ["interviewer", "participant"]


def test_oral_history_colon_sentence_is_not_a_speaker(shared_dir: Path) -> None:
    doc = _read(shared_dir, "oral_history_bracket_timestamps.docx")
    assert {t.speaker for t in doc.turns} == {None, "Q", "Alpha"}
    assert doc.turns[0].speaker is None and doc.turns[0].paragraphs[0].startswith("Transcript of a fake")
    # the orphan paragraph before the first turn is the document's header, not participant talk
    assert doc.turns[0].role == "other" and assign_roles(doc.turns)[0] == "other"
    colon = next(t for t in doc.turns if any("What she kept repeating" in p for p in t.paragraphs))
    assert colon.speaker == "Alpha"
    assert "What she kept repeating was this: institutions outlive the people who build them." in colon.paragraphs
    first_answer = doc.turns[2]
    assert first_answer.speaker == "Alpha" and first_answer.time == 20.0 and len(first_answer.paragraphs) == 3
    assert first_answer.paragraphs[2].startswith("And then when I was fourteen")  # bare [00:02:10] dropped
    assert "[00:" not in _text(doc)
    assert "“first grants program”" in _text(doc)
    assert assign_roles(doc.turns)[1:3] == ["interviewer", "participant"]


def test_word_comments_are_metadata_with_anchors(shared_dir: Path) -> None:
    doc = _read(shared_dir, "survey_answers_coded_with_word_comments.docx")
    assert len(doc.turns) == 10 and all(t.speaker is None for t in doc.turns)
    assert "-----" not in _text(doc)
    comments = doc.metadata["comments"]
    assert len(comments) == 18
    assert {c["author"] for c in comments} == {"Author"}
    assert comments[0]["text"] == "emotional response"
    assert comments[0]["anchor_text"] == "makes the player feel isolated an alone"
    assert comments[2]["text"] == "immersion; interaction; comparison to conventional art forms"
    assert comments[17]["anchor_text"] == "from the visuals and music to the story and puzzles"
    bodies = _bodies(doc)
    for c in comments:
        assert bodies[c["turn"]][c["start"] : c["end"]] == c["anchor_text"] != ""
        assert c["text"] and "emotional response" not in _text(doc)


def test_comment_spanning_paragraphs_and_nested_comments(shared_dir: Path) -> None:
    doc = _read(shared_dir, "comments_pandoc.docx")
    comments = {c["id"]: c for c in doc.metadata["comments"]}
    assert len(comments) == 5
    assert comments["0"]["author"] == "Jesse Rosenthal" and comments["0"]["initials"] == "jkr"
    assert comments["0"]["date"] == "2016-05-09T16:13:00Z"
    assert comments["0"]["anchor_text"] == "some text to have a comment "
    # Two paragraphs without speakers are two turns: the anchor runs from one into the next.
    across = comments["1"]
    assert across["anchor_text"] == "a new paragraph.\nAnd so"
    assert (across["turn"], across["end_turn"], across["end_in_end_turn"]) == (1, 2, 6)
    assert comments["2"]["text"] == "This one has multiple paragraphs.\n\nSee?"
    assert comments["3"]["anchor_text"] == comments["4"]["anchor_text"] == "comment in a comment"
    assert "I left a comment" not in _text(doc)


def test_teams_vtt_merged_by_speaker(shared_dir: Path) -> None:
    doc = _read(shared_dir, "teams_meeting_real.vtt")
    assert doc.metadata["cues"] == 660
    assert len(doc.turns) < 200
    speakers = {t.speaker for t in doc.turns}
    assert len(speakers) == 8
    assert {"Daniel Ziekenoppasser-Powell", "Willem van Asperen", "Julia Christian-Edwards"} <= speakers
    assert all(a.speaker != b.speaker for a, b in zip(doc.turns, doc.turns[1:], strict=False))
    first = doc.turns[0]
    assert first.speaker == "Jochem Michiels" and first.time == 3.317
    assert first.end_time is not None and first.end_time > first.time
    # A cue's text wrapped over two lines inside one <v> tag reads as one sentence.
    assert "OK. But before we start, I thought it might be good to have a little intro" in first.paragraphs[0]
    assert "<v" not in _text(doc) and "</v>" not in _text(doc)


def test_zoom_vtt_without_speakers_keeps_file_order(shared_dir: Path) -> None:
    doc = _read(shared_dir, "zoom_auto_captions_real.vtt")
    assert len(doc.turns) == 20 and all(t.speaker is None for t in doc.turns)
    # Cue 3 starts (1:04.9) before cue 2 ends (1:10.4): overlapping cues stay in file order.
    assert doc.turns[3].time < doc.turns[2].end_time
    assert doc.turns[3].paragraphs == ("I give no permission for this to be transcripted.",)
    assert doc.turns[0].paragraphs == ("Workers link. Now you can play the streets.",)
    assert "…" in _text(doc)
    assert set(assign_roles(doc.turns)) == {"participant"}


def test_otter_export(shared_dir: Path) -> None:
    doc = _read(shared_dir, "otter_export_podcast_security.txt")
    text = _text(doc)
    assert "otter.ai" not in text and doc.metadata["transcribed_by"] == "otter.ai"
    counts = Counter(t.speaker for t in doc.turns)
    assert counts["Unknown Speaker"] == 81
    assert set(counts) == {"Emma", "Kelly", "Sidney", "Tailor", "Unknown Speaker"}
    assert doc.turns[0].time == 0.0 and doc.turns[-1].time == 3321.0  # 55:21
    assert doc.turns[-1].speaker == "Sidney"
    assert "Tailor  2:26" not in text and "  0:" not in text
    roles = dict(zip((t.speaker for t in doc.turns), assign_roles(doc.turns), strict=True))
    assert roles["Unknown Speaker"] == "participant"
    assert assign_roles(doc.turns, {"unknown speaker": "other"}).count("other") == 81


def test_research_interview_labels(shared_dir: Path) -> None:
    doc = _read(shared_dir, "research_interview_ml_quality_int12.txt")
    assert {t.speaker for t in doc.turns} == {"Interviewer 1", "Interviewer 2", "Interviewee"}
    first = doc.turns[0]
    assert first.speaker == "Interviewer 1" and len(first.paragraphs) == 4  # label repeated: one turn
    assert first.paragraphs[-1] == "It's alright, you"
    assert doc.turns[1].speaker == "Interviewee" and doc.turns[1].paragraphs[0].startswith("know? Okay.")
    assert "Interviewee:" not in _text(doc) and "Company X" in _text(doc)
    roles = dict(zip((t.speaker for t in doc.turns), assign_roles(doc.turns), strict=True))
    assert roles == {"Interviewer 1": "interviewer", "Interviewer 2": "interviewer", "Interviewee": "participant"}


def test_dutch_markdown_headings_as_speakers(shared_dir: Path) -> None:
    doc = _read(shared_dir, "research_interview_dutch_int1.md")
    assert doc.format == "md" and doc.metadata["title"] == "Transcript"
    assert {t.speaker for t in doc.turns} == {"Interviewer", "Business Process Manager"}
    text = _text(doc)
    assert "###" not in text and "oké" in text and "ü" in text
    roles = dict(zip((t.speaker for t in doc.turns), assign_roles(doc.turns), strict=True))
    assert roles == {"Interviewer": "interviewer", "Business Process Manager": "participant"}


def test_zoom_closed_captions_text(shared_dir: Path) -> None:
    doc = _read(shared_dir, "zoom_closed_caption_real.txt")
    assert len(doc.turns) == 20 and all(t.speaker is None for t in doc.turns)
    assert [t.time for t in doc.turns[:3]] == [0.0, 22.0, 28.0]  # from 16:37:03
    assert doc.metadata["clock_start"] == "16:37:03"
    assert doc.metadata["preamble"][0].startswith("Name: Willem Eekels")
    assert "Age: 20" not in _text(doc) and "16:37" not in _text(doc)
