"""Hardening (issue 16): no study file overwritten, private by default, bounded YAML, one line
for what the machine refuses.

Each test is named after the finding of the hostile test it guards against; each failed before
the fix (the finding says how).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

import pytest

from piri_qual.cli import main
from piri_qual.core.permissions import apply_permissions
from piri_qual.core.yamlfile import MAX_YAML_BYTES, parse_yaml
from piri_qual.errors import PiriQualError


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def _restore_umask():
    """main() sets the process umask; put the test process's back afterwards."""
    mask = os.umask(0o022)
    os.umask(mask)
    yield
    os.umask(mask)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- exports never write over a study's data ----------------------------------------------------
@pytest.mark.parametrize("target", [
    "codings/gold.jsonl", "corpus/P01.json", "codebooks/piri.yaml", "frameworks/piri.yaml",
    "piri-qual.yaml", "participants.csv", "pseudonyms.yaml", "corpus/new-file.csv", "transcripts/x.csv",
])
def test_export_o_over_a_study_file_is_refused(example_study: Path, target: str, capsys, monkeypatch) -> None:
    """Finding: `export ... -o codings/gold.jsonl` replaced 1,198 codings with a CSV without a word."""
    monkeypatch.chdir(example_study)
    before = {p: p.read_bytes() for p in example_study.rglob("*") if p.is_file() and not p.name.endswith(".lock")
              and ".piri-cache" not in p.parts}  # derived, regenerable: not study data
    code, _, err = run(["export", "matrix", "--coder", "gold", "--format", "csv", "-o", target], capsys)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "refusing to write an export" in err and target.split("/")[0] in err
    after = {p: p.read_bytes() for p in example_study.rglob("*") if p.is_file() and not p.name.endswith(".lock")
              and ".piri-cache" not in p.parts}  # derived, regenerable: not study data
    assert after == before


def test_export_through_a_symlink_or_from_another_study_is_refused(example_study: Path, tmp_path: Path,
                                                                   capsys) -> None:
    """The rule follows links and protects any study, not only the one the command opened."""
    link = tmp_path / "innocent.csv"
    link.symlink_to(example_study / "codings" / "gold.jsonl")
    log = (example_study / "codings" / "gold.jsonl").read_bytes()
    code, _, err = run(["export", "matrix", "--study", str(example_study), "--coder", "gold", "-o", str(link)], capsys)
    assert code == 2 and "codings/ folder" in err
    other = tmp_path / "other"
    other.mkdir()
    (other / "piri-qual.yaml").write_text("title: another study\n")
    code, _, err = run(["export", "quotes", "--study", str(example_study), "--coder", "gold", "--format", "csv",
                        "-o", str(other / "participants.csv")], capsys)
    assert code == 2 and "own files" in err
    assert (example_study / "codings" / "gold.jsonl").read_bytes() == log
    assert not (other / "participants.csv").exists()


def test_export_all_into_a_study_data_folder_is_refused(example_study: Path, capsys) -> None:
    code, _, err = run(["export", "all", "--study", str(example_study), "--coder", "gold",
                        "-d", str(example_study / "codings")], capsys)
    assert code == 2 and "into the study's codings/ folder" in err
    assert sorted(p.name for p in (example_study / "codings").iterdir()) == ["gold.jsonl"]


def test_export_outside_exports_and_a_replaced_export_still_work(example_study: Path, tmp_path: Path,
                                                                 capsys) -> None:
    """The refusal is narrow: any other path is written, and an existing export is replaced."""
    out = tmp_path / "report" / "matrix.csv"
    assert run(["export", "matrix", "--study", str(example_study), "--coder", "gold", "-o", str(out)], capsys)[0] == 0
    out.write_text("old export\n")
    assert run(["export", "matrix", "--study", str(example_study), "--coder", "gold", "-o", str(out)], capsys)[0] == 0
    assert out.read_text(encoding="utf-8-sig").startswith("group,participant")
    assert [p.name for p in out.parent.iterdir()] == ["matrix.csv"]  # no temporary file left


# -- what the machine refuses: one line, nothing half-written ------------------------------------
def test_export_on_a_full_disk_is_one_line_and_keeps_the_old_export(example_study: Path, capsys,
                                                                    monkeypatch) -> None:
    """Finding: disk full gave a traceback (exit 1). The old export must survive whole."""
    out = example_study / "exports" / "matrix.csv"
    out.parent.mkdir(exist_ok=True)
    out.write_text("the previous export\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("piri_qual.core.atomic.os.fsync", full)  # the write reaches the disk at fsync
    code, _, err = run(["export", "matrix", "--study", str(example_study), "--coder", "gold", "-o", str(out)], capsys)
    assert code == 2
    assert err.startswith("error: ") and "the disk is full" in err and "matrix.csv" in err
    assert out.read_text() == "the previous export\n"
    assert [p.name for p in out.parent.iterdir()] == ["matrix.csv"]


def test_export_to_a_read_only_folder_is_one_line(example_study: Path, tmp_path: Path, capsys,
                                                  monkeypatch) -> None:
    """Finding: a read-only export folder gave a traceback. (Root ignores file modes, so the
    read-only file system is simulated where it bites: creating the temporary file.)"""
    folder = tmp_path / "readonly"
    folder.mkdir()
    real = __import__("tempfile").mkstemp

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003
        if Path(kwargs.get("dir", "")) == folder:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real(*args, **kwargs)

    monkeypatch.setattr("piri_qual.core.atomic.tempfile.mkstemp", refuse)
    code, _, err = run(["export", "quotes", "--study", str(example_study), "--coder", "gold",
                        "-o", str(folder / "quotes.md")], capsys)
    assert code == 2 and "read-only" in err and err.count("\n") == 1
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="file modes do not bind root")
def test_export_to_an_unwritable_folder_is_one_line(example_study: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    code, _, err = run(["export", "quotes", "--study", str(example_study), "--coder", "gold",
                        "-o", str(folder / "quotes.md")], capsys)
    assert code == 2 and "permission denied" in err


def test_export_o_under_a_path_that_is_a_file_is_one_line(example_study: Path, capsys) -> None:
    """Finding: `-o` under a path that is a file gave a traceback."""
    (example_study / "exports.txt").write_text("a file, not a folder\n")
    code, _, err = run(["export", "matrix", "--study", str(example_study), "--coder", "gold",
                        "-o", str(example_study / "exports.txt" / "matrix.csv")], capsys)
    assert code == 2
    assert "part of its path is a file" in err and err.count("\n") == 1
    assert (example_study / "exports.txt").read_text() == "a file, not a folder\n"


# -- private by default --------------------------------------------------------------------------
def test_files_written_after_init_are_private(tmp_path: Path, capsys) -> None:
    """Finding: files written after `init` were 0644, including the transcripts' text in
    corpus/*.json, and exports outside the study (a .qdpx holds every transcript) world-readable."""
    os.umask(0o022)  # a typical user's umask, which used to decide
    study = tmp_path / "study"
    assert run(["init", str(study)], capsys)[0] == 0
    source = tmp_path / "P07_parent.txt"
    source.write_text("Interviewer: How was it?\nP07: We waited six weeks for Claire to come.\n")
    assert run(["import", str(source), "--study", str(study)], capsys)[0] == 0
    assert run(["codebook", "add", "waiting", "--label", "Waiting", "--construct", "experiences",
                "--study", str(study), "--coder", "alice"], capsys)[0] == 0
    assert run(["codings", "add", "--study", str(study), "--coder", "alice", "--transcript", "P07",
                "--theme", "waiting", "--quote", "We waited six weeks"], capsys)[0] == 0
    outside = tmp_path / "shared-drive" / "project.qdpx"
    assert run(["export", "qdpx", str(outside), "--study", str(study)], capsys)[0] == 0
    assert run(["export", "quotes", "--study", str(study), "--coder", "alice", "--format", "md",
                "-o", str(tmp_path / "quotes.md")], capsys)[0] == 0
    written = [study / "corpus" / "P07.json", study / "participants.csv", study / "transcripts" / "P07_parent.txt",
               study / "codings" / "alice.jsonl", study / "codebooks" / "main.history.jsonl", outside,
               tmp_path / "quotes.md"]
    for path in written:
        assert mode(path) == 0o600, (path, oct(mode(path)))
    for folder in (study / "corpus", outside.parent, study / ".piri-cache"):
        if folder.exists():
            assert mode(folder) & 0o077 == 0, (folder, oct(mode(folder)))


def test_permissions_group_setting_relaxes_for_a_shared_drive(tmp_path: Path, capsys) -> None:
    """A setting relaxes the policy: group-readable files and group-writable folders."""
    os.umask(0o022)
    study = tmp_path / "shared"
    assert run(["init", str(study), "--permissions", "group"], capsys)[0] == 0
    assert "permissions: group" in (study / "piri-qual.yaml").read_text()
    source = tmp_path / "P02_parent.txt"
    source.write_text("Interviewer: Hello.\nP02: Hello there, it was fine.\n")
    assert run(["import", str(source), "--study", str(study)], capsys)[0] == 0
    assert mode(study / "corpus" / "P02.json") == 0o660
    assert mode(study) == 0o770


def test_unknown_permissions_setting_is_one_clear_line(tiny_study: Path, capsys) -> None:
    settings = tiny_study / "piri-qual.yaml"
    settings.write_text(settings.read_text().replace("permissions: private", "permissions: everyone"))
    code, _, err = run(["summary", "--study", str(tiny_study)], capsys)
    assert code == 2 and "permissions 'everyone' must be one of private, group, umask" in err


def test_apply_permissions_umask_policy_restores_the_users_umask() -> None:
    os.umask(0o027)
    apply_permissions("private")
    assert apply_permissions("umask") == 0o027


# -- YAML: bounded everywhere ---------------------------------------------------------------------
BOMB = "\n".join(
    ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
) + "\n"


def test_yaml_alias_bomb_in_settings_is_refused(tiny_study: Path, capsys) -> None:
    """Finding: an alias bomb in piri-qual.yaml made every command hang with memory growing
    without bound (the same bomb in a codebook was refused)."""
    settings = tiny_study / "piri-qual.yaml"
    settings.write_text(BOMB + settings.read_text().replace("title: Tiny study", "title: *a8"))
    code, _, err = run(["summary", "--study", str(tiny_study)], capsys)
    assert code == 2
    assert "piri-qual.yaml" in err and "alias bomb" in err


@pytest.mark.parametrize("where", ["codebook", "framework", "pseudonyms"])
def test_yaml_alias_bomb_is_refused_in_every_yaml_file(tiny_study: Path, where: str, capsys) -> None:
    settings = tiny_study / "piri-qual.yaml"
    if where == "codebook":
        path = tiny_study / "codebooks" / "tiny.yaml"
        path.write_text(BOMB + path.read_text().replace("label: Tiny codebook", "label: *a8"))
    elif where == "framework":
        path = tiny_study / "frameworks" / "piri.yaml"
        path.write_text(BOMB + path.read_text())
    else:
        path = tiny_study / "names.yaml"
        path.write_text(BOMB + "Claire: *a8\n")
        settings.write_text(settings.read_text().replace("pseudonyms: {}", "pseudonyms: names.yaml"))
    code, _, err = run(["codebook", "--study", str(tiny_study)], capsys)
    assert code == 2 and "alias bomb" in err and path.name in err


def test_yaml_recursive_alias_deep_nesting_and_size_are_refused(tmp_path: Path) -> None:
    where = tmp_path / "x.yaml"
    with pytest.raises(PiriQualError, match="refers to a value that contains it"):
        parse_yaml("a: &a [1, *a]\n", where)
    with pytest.raises(PiriQualError, match="nested too deeply|maximum nesting depth"):
        parse_yaml("[" * 5000 + "]" * 5000, where)
    with pytest.raises(PiriQualError, match="larger than"):
        parse_yaml("#" * (MAX_YAML_BYTES + 1), where)
    with pytest.raises(PiriQualError, match="cannot be read"):
        parse_yaml("date: 2024-13-45\n", where)
    assert parse_yaml("a: &a [1, 2]\nb: *a\n", where) == {"a": [1, 2], "b": [1, 2]}
