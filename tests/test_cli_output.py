"""One output rule for every command that writes a file: ``-o`` and ``--format`` mean the same
to ``export matrix``, ``agreement --disagreements``, ``outcomes`` and ``export qdpx``/``qdc``.

The rule (:mod:`piri_qual.core.output_path`): an explicit ``--format`` wins; else ``-o``'s
extension; an ``-o`` without one gets the default format's; an unknown extension is one line
listing the formats; without ``-o`` the file goes into the study's ``exports/``.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest
from study_builders import build_export_study as build_study

from piri_qual.cli import main
from piri_qual.core.output_path import OutputKind, resolve_output
from piri_qual.errors import PiriQualError

REPO = Path(__file__).resolve().parents[1]
OUTCOMES_DATA = REPO / "examples" / "outcomes" / "piri_outcomes.csv"
OUTCOMES_SPEC = REPO / "examples" / "outcomes" / "outcomes.yaml"

# command -> (arguments before -o/--format, default format, file written into exports/ by default)
COMMANDS: dict[str, tuple[list[str], str, str]] = {
    "export matrix": (["export", "matrix", "--coder", "alice"], "xlsx", "matrix"),
    "agreement --disagreements": (["agreement", "--coders", "alice,bob", "--boot", "0", "--disagreements"],
                                  "csv", "disagreements_alice_bob_sentence"),
    "outcomes": (["outcomes", str(OUTCOMES_DATA), "--spec", str(OUTCOMES_SPEC)], "csv", "outcomes"),
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return build_study(tmp_path / "study")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current folder, so that ``-o out`` lands somewhere we can list."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_is(path: Path, fmt: str) -> None:
    """The file really is ``fmt``, not just named so."""
    if fmt == "xlsx":
        assert openpyxl.load_workbook(path).sheetnames
    elif fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            assert len(next(csv.reader(handle))) > 1
    elif fmt == "md":
        assert path.read_text(encoding="utf-8").startswith("# ")
    elif fmt in ("qdpx", "docx"):
        assert zipfile.is_zipfile(path)
    elif fmt == "qdc":
        assert b"<CodeBook" in path.read_bytes()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_without_extension_gets_the_default_format(command: str, root: Path, workdir: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    args, default, _ = COMMANDS[command]
    code, out, err = run(capsys, [*args, "--study", str(root), "-o", "out"])
    assert code == 0, err
    assert sorted(p.name for p in workdir.iterdir()) == [f"out.{default}"]
    assert f"out.{default}" in out + err
    assert_is(workdir / f"out.{default}", default)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_extension_of_output_names_the_format(command: str, root: Path, workdir: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    args, _, _ = COMMANDS[command]
    assert run(capsys, [*args, "--study", str(root), "-o", "table.md"])[0] == 0
    assert run(capsys, [*args, "--study", str(root), "-o", "notes.markdown"])[0] == 0
    assert sorted(p.name for p in workdir.iterdir()) == ["notes.markdown", "table.md"]
    assert_is(workdir / "table.md", "md")
    assert_is(workdir / "notes.markdown", "md")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_explicit_format_wins(command: str, root: Path, workdir: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    args, _, _ = COMMANDS[command]
    assert run(capsys, [*args, "--study", str(root), "--format", "md", "-o", "out"])[0] == 0
    assert run(capsys, [*args, "--study", str(root), "--format", "md", "-o", "kept.txt"])[0] == 0
    assert sorted(p.name for p in workdir.iterdir()) == ["kept.txt", "out.md"]
    assert_is(workdir / "out.md", "md")
    assert_is(workdir / "kept.txt", "md")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_unknown_extension_is_one_line_listing_the_formats(command: str, root: Path, workdir: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    args, _, _ = COMMANDS[command]
    code, out, err = run(capsys, [*args, "--study", str(root), "-o", "out.pdf"])
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and "out.pdf" in err
    assert "as '.pdf' (it can be " in err and ".csv" in err and ".md" in err
    assert "or choose one with --format" in err
    assert not any(workdir.iterdir())
    assert "wrote" not in out


@pytest.mark.parametrize("command", list(COMMANDS))
def test_default_path_is_under_exports(command: str, root: Path, workdir: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    args, default, stem = COMMANDS[command]
    code, _, err = run(capsys, [*args, "--study", str(root), "--format", "md"])
    assert code == 0, err
    assert_is(root / "exports" / f"{stem}.md", "md")
    assert not any(workdir.iterdir())


@pytest.mark.parametrize(("command", "ext"), [("qdpx", "qdpx"), ("qdc", "qdc")])
def test_refi_exports_follow_the_same_rule(command: str, ext: str, root: Path, workdir: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, ["export", command, "out", "--study", str(root)])
    assert code == 0, err
    assert_is(workdir / f"out.{ext}", ext)
    code, _, err = run(capsys, ["export", command, "out.zip", "--study", str(root)])
    assert code == 2 and err.count("\n") == 1
    assert f"as '.zip' (only as .{ext}). End the file name in .{ext}." in err
    assert sorted(p.name for p in workdir.iterdir()) == [f"out.{ext}"]


KIND = OutputKind("a test table", ("xlsx", "csv", "md"), "table")


@pytest.mark.parametrize(
    ("fmt", "output", "expected"),
    [
        (None, None, ("xlsx", "EXPORTS/table.xlsx")),
        ("CSV", None, ("csv", "EXPORTS/table.csv")),
        ("markdown", None, ("md", "EXPORTS/table.md")),
        (None, "out", ("xlsx", "out.xlsx")),
        (None, "out.CSV", ("csv", "out.CSV")),
        (None, "dir.v1/out", ("xlsx", "dir.v1/out.xlsx")),
        ("md", "out", ("md", "out.md")),
        ("md", "out.csv", ("md", "out.csv")),
    ],
)
def test_resolve_output_rules(tmp_path: Path, fmt: str | None, output: str | None,
                              expected: tuple[str, str]) -> None:
    exports = tmp_path / "exports"
    got = resolve_output(KIND, fmt, Path(output) if output else None, exports)
    want_fmt, want_path = expected
    assert got == (want_fmt, Path(want_path.replace("EXPORTS", str(exports))))


def test_resolve_output_refusals(tmp_path: Path) -> None:
    with pytest.raises(PiriQualError, match=r"cannot write a test table as '\.v2' \(it can be \.xlsx, \.csv or \.md\)"):
        resolve_output(KIND, None, Path("report.v2"), tmp_path)
    with pytest.raises(PiriQualError, match=r"cannot write a test table as 'pdf'"):
        resolve_output(KIND, "pdf", None, tmp_path)
    assert resolve_output(KIND, None, Path("~/out.md"), tmp_path)[1] == Path.home() / "out.md"
    assert resolve_output(KIND, None, None, tmp_path, stem="special")[1] == tmp_path / "special.xlsx"
