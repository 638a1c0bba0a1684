"""The ``piri-qual`` command line: a thin face over the library.

Commands live in ``piri_qual/cli/cmd_*.py`` modules, each exposing ``COMMANDS`` (a list of click
commands). No module on this path imports spaCy, pandas, Textual or python-docx at import time, so
that ``piri-qual --help`` starts fast. A command loads only its own module (:data:`COMMAND_MODULES`,
click's documented pattern for lazy subcommands): the other fourteen cost about 15 ms of every
command's start-up; ``--help`` loads them all. A new topic is a new module and a line in that
table; ``tests/test_study_cli.py`` checks the table against the modules.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import sys
import warnings

import click

from piri_qual._version import __version__
from piri_qual.errors import PiriQualError, PiriQualNotice, PiriQualWarning, os_problem

#: Each top-level command and the modules that make it (``export``'s subcommands come from three).
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "agreement": ("cmd_agreement",),
    "code": ("cmd_code",),
    "codebook": ("cmd_codebook",),
    "codings": ("cmd_codings",),
    "evaluate": ("cmd_suggest",),
    "export": ("cmd_groups", "cmd_export", "cmd_exchange"),
    "import": ("cmd_study",),
    "init": ("cmd_study",),
    "memos": ("cmd_memos",),
    "outcomes": ("cmd_outcomes",),
    "quotes": ("cmd_quotes",),
    "search": ("cmd_search",),
    "show": ("cmd_show",),
    "suggest": ("cmd_suggest",),
    "suggestions": ("cmd_suggest",),
    "summary": ("cmd_study",),
    "transcripts": ("cmd_study",),
    "words": ("cmd_words",),
}


class _Commands(click.Group):
    """The top-level group: a command's module is imported when the command is looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            load_commands(COMMAND_MODULES[cmd_name])
        return super().get_command(ctx, cmd_name)


def load_commands(modules: tuple[str, ...] | None = None) -> click.Group:
    """Import the command modules ``modules`` (every ``cmd_*`` module when None) and add their
    commands to :data:`cli`; returns it."""
    if modules is None:
        import piri_qual.cli as package

        modules = tuple(sorted(info.name for info in pkgutil.iter_modules(package.__path__)
                               if info.name.startswith("cmd_")))
    for name in modules:
        module = importlib.import_module(f"piri_qual.cli.{name}")
        for command in getattr(module, "COMMANDS", []):
            if command.name not in cli.commands:
                cli.add_command(command)
    return cli


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="piri-qual")
def cli() -> None:
    """piri-qual: qualitative thematic analysis in the terminal.

    A study is a folder of plain-text files: transcripts, a framework, a codebook and one
    decision log per coder. Commands find the study by walking up from the current folder
    (like git), or take --study DIR.

    \b
    Example, from import to exports:
      piri-qual init my-study && cd my-study
      piri-qual import ~/interviews/*.docx
      piri-qual suggest --coder alice
      piri-qual code --coder alice
      piri-qual agreement --coders alice,bob
      piri-qual export all
    """


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    if issubclass(category, PiriQualNotice):
        click.echo(str(message), err=True)
    elif issubclass(category, PiriQualWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


#: Python's cyclic garbage collector starts a collection every 700 new objects, and a full one,
#: which walks everything the process holds, every 70,000; a command on a large study creates
#: millions (events, codings, cells, paragraphs) and holds the corpus, pandas and lxml trees, so
#: collections cost about a sixth of ``export all`` on 1,000 interviews. Commands are short-lived
#: and reference counting frees nearly everything, so collections run far less often.
GC_THRESHOLDS = (100_000, 20, 100)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning user errors into one stderr line and exit code 2.

    Every file written from here on is owner-only (the umask is set before anything else; a
    study's ``permissions`` setting may relax it when the study is opened). An operating-system
    error a user can meet (disk full, permission denied, a path through a file) is one line too.
    """
    from piri_qual.core.permissions import apply_permissions

    apply_permissions()
    gc.set_threshold(*GC_THRESHOLDS)
    warnings.showwarning = _show_warning
    try:
        result = cli.main(args=argv, prog_name="piri-qual", standalone_mode=False)
    except PiriQualError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:
        problem = os_problem(exc)
        if problem is None:
            raise
        click.echo(f"error: {problem}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
