"""``piri-qual export ...`` end to end on a study folder in a temp dir."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import docx
import openpyxl
import pytest
from study_builders import CODINGS, pseudonym_names
from study_builders import build_export_study as build_study

from piri_qual.cli import main


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return build_study(tmp_path / "study")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_matrix_xlsx_with_filters(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "parents.xlsx"
    code, out, err = run(capsys, "export", "matrix", "--study", str(root), "--coder", "alice", "--group", "parent",
                         "--theme", "outcomes", "-o", str(target))
    assert code == 0, err
    assert "wrote" in out and "parents.xlsx" in out
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Outcomes", "About"]
    participants = [r[1] for r in book["Outcomes"].iter_rows(min_row=4, values_only=True) if r[0] == "parent"]
    assert participants == ["P01", "P02", "P03", "P04"]


def test_export_quotes_docx_default_path_and_identifier_warning(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "quotes", "--study", str(root), "--coder", "alice")
    assert code == 0, err
    path = root / "exports" / "quotes.docx"
    assert path.exists()
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "\u2014 P01, parent (P01, 0:00:04; coder alice)" in text
    for name in pseudonym_names():
        assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
    # Southby is not in the map: the check says so, naming where
    assert "may still identify someone" in err
    assert "S02 waiting_times (S02, turn 4): place 'Southby'" in err


def test_export_quotes_strict_refuses_and_redact_masks(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = root / "exports" / "q.md"
    code, _, err = run(capsys, "export", "quotes", "--study", str(root), "--coder", "alice", "--strict", "-o", str(target))
    assert code == 2
    assert err.startswith("error: 1 quote still holds likely identifiers; nothing was written")
    assert not target.exists()
    code, _, err = run(capsys, "export", "quotes", "--study", str(root), "--coder", "alice", "--strict", "--redact",
                       "-o", str(target))
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert "Southby" not in text and "some wait months in [place]." in text


def test_export_quotes_per_theme_and_where(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "q.csv"
    code, _, err = run(capsys, "export", "quotes", "--study", str(root), "--coder", "alice", "--per-theme", "1",
                       "--where", "site=Southby", "-o", str(target))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    southby = {"S02", "P02", "P03"}
    expected_themes = {t for pid, _, _, t in CODINGS["alice"] if pid in southby}
    assert {r["theme"] for r in rows} == expected_themes
    assert {r["participant"] for r in rows} <= southby
    assert len(rows) == len(expected_themes)


def test_export_codebook_and_frequencies(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "export", "codebook", "--study", str(root), "--coder", "alice", "--format", "md",
                       "-o", str(tmp_path / "cb.md"))
    assert code == 0, err
    assert "Coded 4 times by alice" in (tmp_path / "cb.md").read_text(encoding="utf-8")
    code, _, err = run(capsys, "export", "frequencies", "--study", str(root), "--coder", "alice", "--by", "role",
                       "--format", "csv", "-o", str(tmp_path / "f.csv"))
    assert code == 0, err
    header = next(csv.reader(io.StringIO((tmp_path / "f.csv").read_text(encoding="utf-8-sig"))))
    assert header[4:] == ["health visitor", "health visitor excerpts", "practitioner", "practitioner excerpts",
                          "mother", "mother excerpts", "father", "father excerpts", "all", "all excerpts"]
    code, out, err = run(capsys, "export", "frequencies", "--study", str(root), "--coder", "alice", "--format", "png",
                         "--plot", "groups", "-o", str(tmp_path / "g.png"))
    assert code == 0, err
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_output_without_extension_gets_the_format_s(root: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "export", "quotes", "--study", str(root), "--coder", "alice", "--format", "md",
                       "-o", str(tmp_path / "bank"))
    assert code == 0, err
    assert (tmp_path / "bank.md").read_text(encoding="utf-8").startswith("# Quote bank")


def test_export_all_into_exports(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "all", "--study", str(root), "--coder", "alice")
    assert code == 0, err
    written = sorted(p.name for p in (root / "exports").iterdir())
    assert f"{len(written)} files for coder alice in {root / 'exports'}" in out
    assert {"matrix.xlsx", "matrix.docx", "quotes.docx", "codebook.docx", "frequencies.xlsx",
            "saturation.png"} <= set(written)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "matrix", "--coder", "nobody"], "no coder 'nobody'"),
        (["export", "matrix"], "which coder? Pass --coder NAME"),
        (["export", "matrix", "--coder", "alice", "-o", "m.pdf"], "cannot write a matrix export as '.pdf'"),
        (["export", "quotes", "--coder", "alice", "--theme", "bondng"], "Did you mean bonding?"),
        (["export", "matrix", "--coder", "alice", "--where", "site"], "is not ATTRIBUTE=VALUE"),
        (["export", "matrix", "--coder", "alice", "--attributes", "ward"], "no participant attribute 'ward'"),
    ],
)
def test_export_user_errors_are_one_line(root: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                         message: str) -> None:
    code, _, err = run(capsys, *args, "--study", str(root))
    assert code == 2
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_every_export_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("matrix", "quotes", "codebook", "frequencies", "all"):
        code, out, _ = run(capsys, "export", command, "--help")
        assert code == 0
        assert "piri-qual export " + command in out
