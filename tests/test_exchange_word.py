"""Coding done in Word: comments naming codes become codings by the comment's author.

The real example is a survey coded by a researcher with 18 Word comments
(``survey_answers_coded_with_word_comments.docx`` in ../shared/realdocs).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from piri_qual.cli import main
from piri_qual.core.framework import Codebook, Theme
from piri_qual.core.settings import init_study
from piri_qual.exchange.word_comments import CodeMatcher
from piri_qual.ingest.readers import read_source
from piri_qual.study import Study

DOCX = "realdocs/survey_answers_coded_with_word_comments.docx"


def run(args: list[str]) -> tuple[int, str, str]:
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        code = main(args)
        return code, out.getvalue().decode(), err.getvalue().decode()


def _codes(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]


def test_eighteen_comments_become_codings_on_their_spans(shared_dir: Path, tmp_path: Path) -> None:
    docx = shared_dir / DOCX
    comments = read_source(docx).metadata["comments"]
    assert len(comments) == 18
    code, out, err = run(["import", str(docx), "--comments-as-codings", "--add-themes",
                          "--into", str(tmp_path / "s")])
    assert code == 0, err
    assert "18 comments" in out and out.count("\n") == 1
    study = Study(tmp_path / "s")
    (tid,) = study.transcript_ids()
    text = study.transcript(tid).text
    frame = study.codings("Author")
    expected = sum(len(_codes(c["text"])) for c in comments)
    assert len(frame) == expected == 34
    by_span: dict[tuple[int, int], set[str]] = {}
    for row in frame.itertuples():
        assert text[row.start : row.end] == row.quote
        by_span.setdefault((row.start, row.end), set()).add(row.theme)
    book = study.codebook
    for comment in comments:
        anchored = comment["anchor_text"].strip()
        spans = [s for s in by_span if text[s[0] : s[1]] == anchored]
        assert spans, f"comment {comment['id']} has no coding on {anchored!r}"
        wanted = {book.find(name).id for name in _codes(comment["text"])}
        assert wanted <= set().union(*(by_span[s] for s in spans))
    assert {t.section for t in book.themes} == {"imported"}
    assert book.find("Thought-Provoking") is not None and book.find("left a mark").id == "left_a_mark"


def test_comments_match_existing_themes_by_id_or_label(shared_dir: Path, tmp_path: Path) -> None:
    root = init_study(tmp_path / "s", "Games as art")
    names = ["emotional response", "thought-provoking", "immersion", "interaction",
             "comparison to conventional art forms", "characters", "left a mark", "serenity",
             "setting", "creativity", "novelty", "beauty", "visuals", "audio", "narrative"]
    themes = "\n".join(
        f"  - id: t{i}\n    label: {name.title()!r}\n    definition: d" if i % 2 else
        f"  - id: {name.replace(' ', '_').replace('-', '_')}\n    label: Theme {i}\n    definition: d"
        for i, name in enumerate(names)
    )
    (root / "codebooks" / "main.yaml").write_text(
        f"id: main\nlabel: Codebook\nframework: main\nthemes:\n{themes}\n", encoding="utf-8")
    before = (root / "codebooks" / "main.yaml").read_bytes()
    code, out, err = run(["import", str(shared_dir / DOCX), "--comments-as-codings", "--study", str(root)])
    assert code == 0, err
    assert "0 new themes" in out and "34 codings" in out
    assert (root / "codebooks" / "main.yaml").read_bytes() == before
    expected = {f"t{i}" if i % 2 else name.replace(" ", "_").replace("-", "_") for i, name in enumerate(names)}
    assert set(Study(root).codings("Author").theme) == expected  # labels matched ignoring case, ids too


def test_unknown_codes_are_reported_and_nothing_is_written(shared_dir: Path, tmp_path: Path) -> None:
    root = init_study(tmp_path / "s", "Games as art")
    (root / "codebooks" / "main.yaml").write_text(
        "id: main\nlabel: Codebook\nframework: main\nthemes:\n"
        "  - id: emotional_response\n    label: Emotional response\n    definition: d\n", encoding="utf-8")
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.endswith(".lock")}
    code, out, err = run(["import", str(shared_dir / DOCX), "--comments-as-codings", "--study", str(root)])
    assert code == 2
    assert "14 codes named in the comments are not in the codebook" in err
    assert "'thought-provoking' (comments 4, 12, 13, 14, 16)" in err
    assert "emotional response" not in err.split("codebook:")[1].split("Nothing")[0]
    assert "--add-themes" in err and err.count("\n") == 1
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.endswith(".lock")} == snapshot


def test_reimport_adds_no_duplicates(shared_dir: Path, tmp_path: Path) -> None:
    args = ["import", str(shared_dir / DOCX), "--comments-as-codings", "--add-themes", "--into", str(tmp_path / "s")]
    assert run(args)[0] == 0
    code, out, _ = run(args)
    assert code == 0 and "0 codings (+34 already there)" in out and "0 new themes" in out
    assert len(Study(tmp_path / "s").codings("Author")) == 34


def test_comments_option_needs_docx(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text("Interviewer: hello", encoding="utf-8")
    code, _, err = run(["import", str(txt), "--comments-as-codings", "--into", str(tmp_path / "s")])
    assert code == 2 and "not a .docx" in err


@pytest.mark.parametrize("comment, themes, unknown", [
    ("emotional response; thought-provoking", ["emotional_response", "thought_provoking"], []),
    ("Emotional Response", ["emotional_response"], []),
    ("thought provoking.", ["thought_provoking"], []),
    ("- beauty\n- Visuals", ["beauty", "visuals"], []),
    ("beauty, visuals", ["beauty", "visuals"], []),
    ("beauty, something else", [], ["beauty, something else"]),
    ("Waiting, referral", ["waiting_referral"], []),
    ("beauty; nonsense", ["beauty"], ["nonsense"]),
])
def test_comment_text_is_split_into_codes(comment: str, themes: list[str], unknown: list[str]) -> None:
    book = Codebook("cb", "cb", None, [
        Theme("emotional_response", "Emotional response"),
        Theme("thought_provoking", "Thought-provoking"),
        Theme("beauty", "Beauty"),
        Theme("visuals", "Visuals"),
        Theme("waiting_referral", "Waiting, referral"),
    ])
    assert CodeMatcher(book).split(comment) == (themes, unknown)
