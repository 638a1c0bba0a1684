"""The study folder and the CLI end to end on real study folders in a temp dir."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

from click.testing import CliRunner

from piri_qual.cli import load_commands, main
from piri_qual.study import Study


def run(args: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    """Run the real entry point (with its error handling) and capture its output."""
    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        with runner.isolation() as (out, err, _):
            code = main(args)
            return code, out.getvalue().decode(), err.getvalue().decode()
    finally:
        os.chdir(old)


def test_init_creates_a_private_study(tmp_path: Path) -> None:
    code, out, _ = run(["init", str(tmp_path / "s"), "--title", "My study"])
    assert code == 0 and "Created study" in out
    root = tmp_path / "s"
    if sys.platform != "win32":  # Windows has ACLs, not mode bits: a new folder inherits its parent's
        assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for name in ("corpus", "codings", "transcripts", "frameworks", "codebooks", "memos"):
        assert (root / name).is_dir()
    assert (root / ".gitattributes").read_text() == "codings/*.jsonl merge=union\ncodebooks/*.history.jsonl merge=union\n"
    assert ".piri-cache/" in (root / ".gitignore").read_text()
    assert Study(root).settings.title == "My study"
    code, _, err = run(["init", str(root)])
    assert code == 2 and err.startswith("error: ") and "already exists" in err and err.count("\n") == 1


def test_study_is_found_by_walking_up(tiny_study: Path) -> None:
    deep = tiny_study / "memos" / "a" / "b"
    deep.mkdir(parents=True)
    code, out, _ = run(["codebook"], cwd=deep)
    assert code == 0 and "waiting_times" in out


def test_no_study_gives_one_clear_line(tmp_path: Path) -> None:
    code, out, err = run(["transcripts"], cwd=tmp_path)
    assert code == 2
    assert "no study here" in err and "piri-qual init" in err and err.count("\n") == 1


def test_codings_add_list_undo_end_to_end(tiny_study: Path) -> None:
    s = ["--study", str(tiny_study)]
    code, out, err = run(["codings", "add", *s, "--coder", "alice", "--transcript", "P01",
                          "--theme", "Bonding", "--quote", "She finally felt like mine."])
    assert code == 0, err
    code, out, err = run(["codings", "add", *s, "--coder", "alice", "--transcript", "P01",
                          "--theme", "waiting_times", "--quote", "We waited about six weeks"])
    assert code == 0, err
    code, out, err = run(["codings", "list", *s, "--coder", "alice", "--json"])
    assert code == 0, err
    rows = json.loads(out)
    assert sorted(r["theme"] for r in rows) == ["bonding", "waiting_times"]
    text = Study(tiny_study).transcript("P01").text
    for r in rows:
        assert text[r["start"]:r["end"]] == r["quote"]
        assert r["participant"] == "P01" and r["group"] == "parent"
    assert {r["construct"] for r in rows} == {"connection", "referral"}
    code, out, _ = run(["codings", "undo", *s, "--coder", "alice"])
    assert code == 0 and "undid add waiting_times" in out
    assert list(Study(tiny_study).codings("alice").theme) == ["bonding"]
    code, out, _ = run(["codings", "redo", *s, "--coder", "alice"])
    assert code == 0
    assert sorted(Study(tiny_study).codings("alice").theme) == ["bonding", "waiting_times"]


def test_codings_add_rejects_unknown_theme_and_bad_quote(tiny_study: Path) -> None:
    s = ["--study", str(tiny_study)]
    code, _, err = run(["codings", "add", *s, "--coder", "alice", "--transcript", "P01",
                        "--theme", "bondin", "--quote", "close to her"])
    assert code == 2 and "unknown theme 'bondin'" in err and "Did you mean bonding" in err
    code, _, err = run(["codings", "add", *s, "--coder", "alice", "--transcript", "P01",
                        "--theme", "bonding", "--quote", "not in the text"])
    assert code == 2 and "not in transcript 'P01'" in err
    code, _, err = run(["codings", "add", *s, "--coder", "alice", "--transcript", "P99",
                        "--theme", "bonding", "--quote", "x"])
    assert code == 2 and "no transcript 'P99'" in err
    assert not (tiny_study / "codings" / "alice.jsonl").exists()


def test_every_command_has_help_with_an_example() -> None:
    """Like sqlite-utils' docs test: each command documents itself with an example."""
    import click

    def walk(group: click.Group, prefix: str = ""):
        for name, command in group.commands.items():
            yield prefix + name, command
            if isinstance(command, click.Group):
                yield from walk(command, prefix + name + " ")

    missing = [name for name, command in walk(load_commands()) if "Example" not in (command.help or "")]
    assert not missing, f"commands without an example in --help: {missing}"


def test_help_path_imports_no_heavy_library() -> None:
    """`piri-qual --help` must stay fast: no spaCy, pandas, Textual or python-docx on its path."""
    import subprocess
    import sys

    probe = (
        "import sys\nfrom piri_qual.cli import load_commands, main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('spacy','pandas','textual','docx','numpy','openpyxl','matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_a_command_that_takes_no_lock_does_not_load_the_lock_library(tiny_study: Path) -> None:
    """filelock is imported with the first lock taken (core/locking.py): ``summary`` only reads."""
    import subprocess
    import sys

    probe = (
        "import sys\nfrom piri_qual.cli import main\n"
        f"code = main(['summary', '--study', {str(tiny_study)!r}])\n"
        "print(code, 'filelock' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 False"


def test_each_command_loads_from_the_modules_the_table_names() -> None:
    """A command imports only its own modules (cli.COMMAND_MODULES): the table must name every
    command of every module, and every module that adds to ``export``."""
    import importlib
    import pkgutil
    import subprocess
    import sys

    import piri_qual.cli as package
    from piri_qual.cli import COMMAND_MODULES

    made: dict[str, set[str]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"piri_qual.cli.{info.name}")
            for command in module.COMMANDS:
                made.setdefault(command.name, set()).add(info.name)
            if "from piri_qual.cli.groups import" in Path(module.__file__ or "").read_text(encoding="utf-8"):
                made.setdefault("export", set()).add(info.name)
    assert set(made) == set(COMMAND_MODULES)
    assert all(made[name] <= set(COMMAND_MODULES[name]) for name in made), made
    everything = sorted(load_commands().commands["export"].commands)
    assert {"all", "qdpx", "quotes"} <= set(everything)
    probe = ("import sys\nfrom piri_qual.cli import cli\nimport click\n"
             "group = cli.get_command(click.Context(cli), 'export')\n"
             "print(sorted(group.commands), 'piri_qual.cli.cmd_codings' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"{everything} False"  # export's own modules only, and all of export
