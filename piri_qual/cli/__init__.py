"""The ``piri-qual`` command line: a thin face over the library.

Commands live in ``piri_qual/cli/cmd_*.py`` modules, each exposing ``COMMANDS`` (a list of click
commands); they are collected here so that a new topic is a new module, not an edit of this one.
No module on this path imports spaCy, pandas, Textual or python-docx at import time, so that
``piri-qual --help`` starts fast.
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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def _register() -> None:
    import piri_qual.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"piri_qual.cli.{info.name}")
            for command in getattr(module, "COMMANDS", []):
                cli.add_command(command)


_register()


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
