"""Inductive coding end to end through the CLI, as the README's section walks it: a study with no
framework and an empty codebook, codes created while reading, grouped under a candidate theme,
and the thematic map written as Mermaid, Graphviz, SVG and PNG with the counts it should show."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from piri_qual.cli import main
from piri_qual.study import Study

INTERVIEWS = {
    "P01_parent.txt": (
        "Interviewer: How was the first visit?\n\n"
        "P01: I was nervous she would judge the mess. She didn't. She finally felt like mine after that.\n"
    ),
    "P02_parent.txt": (
        "Interviewer: What changed for you?\n\n"
        "P02: I stopped feeling judged. I could hold him without shaking. He felt like mine at last.\n"
    ),
}


def cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if cwd is not None:
            with contextlib.chdir(cwd):
                code = main(list(args))
        else:
            code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_from_an_empty_codebook_to_a_thematic_map(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PIRI_QUAL_CODER", "alice")
    root = tmp_path / "parents"
    assert cli("init", str(root), "--no-framework", "--title", "Parents' experiences")[0] == 0
    assert Study(root).framework is None and Study(root).codebook.themes == []
    for name, text in INTERVIEWS.items():
        (root / "transcripts" / name).write_text(text, encoding="utf-8")
    code, out, err = cli("import", *(str(root / "transcripts" / n) for n in INTERVIEWS), cwd=root)
    assert code == 0, err

    # codes, created while reading, and codings with them
    for code_id, label in (("fear_of_judgement", "Fear of being judged"), ("felt_like_mine", "Felt like mine"),
                           ("physical_confidence", "Confidence in handling the baby")):
        assert cli("codebook", "add", code_id, "--label", label, "--why", "open coding", cwd=root)[0] == 0
    codings = [
        ("P01", "fear_of_judgement", "I was nervous she would judge the mess."),
        ("P02", "fear_of_judgement", "I stopped feeling judged."),
        ("P01", "felt_like_mine", "She finally felt like mine after that."),
        ("P02", "felt_like_mine", "He felt like mine at last."),
        ("P02", "physical_confidence", "I could hold him without shaking."),
    ]
    for transcript, theme, quote in codings:
        code, _, err = cli("codings", "add", "--transcript", transcript, "--theme", theme, "--quote", quote, cwd=root)
        assert code == 0, err
    # a candidate theme gathers two codes
    assert cli("codebook", "add", "becoming_a_parent", "--label", "Becoming their parent", cwd=root)[0] == 0
    for child in ("felt_like_mine", "physical_confidence"):
        code, out, err = cli("codebook", "move", child, "--parent", "becoming_a_parent", "--why", "review", cwd=root)
        assert code == 0, err
    code, out, _ = cli("codebook", cwd=root)
    assert "becoming_a_parent  Becoming their parent" in out

    code, out, err = cli("export", "map", "-o", str(tmp_path / "map.mmd"), cwd=root)
    assert code == 0, err
    mermaid = (tmp_path / "map.mmd").read_text(encoding="utf-8")
    assert mermaid.startswith("flowchart LR\n")
    assert '["Becoming their parent<br/><small>2 participants, 3 excerpts</small>"]' in mermaid
    assert '["Felt like mine<br/><small>2 participants, 2 excerpts</small>"]' in mermaid
    assert '["Confidence in handling the baby<br/><small>1 participant, 1 excerpt</small>"]' in mermaid
    assert '["Fear of being judged<br/><small>2 participants, 2 excerpts</small>"]' in mermaid
    edges = [line.strip() for line in mermaid.splitlines() if "-->" in line]
    assert len(edges) == 4  # root -> fear, root -> becoming, becoming -> felt, becoming -> confidence
    assert "  Becoming their parent  (2 participants, 3 excerpts)" in out

    assert cli("export", "map", "-o", str(tmp_path / "map.dot"), cwd=root)[0] == 0
    dot = (tmp_path / "map.dot").read_text(encoding="utf-8")
    assert 'label="Becoming their parent\\n2 participants, 3 excerpts"' in dot and dot.count("->") == 4
    assert cli("export", "map", cwd=root)[0] == 0
    svg = (root / "exports" / "thematic-map.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "Becoming their parent" in svg
    assert cli("export", "map", "--format", "png", "-o", str(tmp_path / "map"), cwd=root)[0] == 0
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the codebook document can say how the codebook developed
    code, _, err = cli("export", "codebook", "--development", "-o", str(tmp_path / "codebook.md"), cwd=root)
    assert code == 0, err
    doc = (tmp_path / "codebook.md").read_text(encoding="utf-8")
    section = doc[doc.index("## How the codebook developed"):]
    assert "**Felt like mine (felt_like_mine)**" in section
    assert ", alice: created felt_like_mine (open coding)" in section
    assert ", alice: moved felt_like_mine under becoming_a_parent (review)" in section
