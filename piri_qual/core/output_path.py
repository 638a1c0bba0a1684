"""Where a command writes its file and in which format: one rule for every export.

There used to be two rules: ``export matrix -o out`` wrote ``out.xlsx`` while ``agreement
--disagreements -o out`` failed. Every command that writes a file now asks :func:`resolve_output`:

1. an explicit ``--format`` wins (the file is written where ``-o`` says, extension and all);
2. else the extension of ``-o`` names the format (``.markdown`` counts as ``.md``);
3. an ``-o`` without an extension gets the default format and its extension;
4. an extension that is not one of the formats is one clear error listing them;
5. without ``-o`` the file is ``<stem>.<format>`` in the study's ``exports/`` folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from piri_qual.errors import PiriQualError

_ALIASES = {"markdown": "md"}


@dataclass(frozen=True)
class OutputKind:
    """One kind of file a command writes.

    ``what`` names it in messages with its article (``a matrix export``); ``formats`` are the
    formats its writer knows, the first being the default; ``stem`` names the file written into
    ``exports/`` when no ``-o`` is given (a command may pass a more specific one).
    """

    what: str
    formats: tuple[str, ...]
    stem: str

    def extensions(self) -> str:
        names = [f".{f}" for f in self.formats]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def resolve_output(kind: OutputKind, fmt: str | None, output: Path | None,
                   exports_dir: Path | None, stem: str | None = None) -> tuple[str, Path]:
    """The format and the file to write (see the module's rules).

    ``exports_dir`` may be None only when ``output`` is given (a command run outside a study).
    """
    if fmt is not None:
        fmt = _ALIASES.get(fmt.lower(), fmt.lower())
        if fmt not in kind.formats:
            raise _unknown(kind, repr(fmt), output)
    if output is None:
        if exports_dir is None:
            raise ValueError("resolve_output needs the exports folder when no output is given")
        chosen = fmt or kind.formats[0]
        return chosen, exports_dir / f"{stem or kind.stem}.{chosen}"
    output = output.expanduser()
    suffix = output.suffix
    if fmt is not None:
        return fmt, output if suffix else output.with_name(f"{output.name}.{fmt}")
    if not suffix:
        chosen = kind.formats[0]
        return chosen, output.with_name(f"{output.name}.{chosen}")
    guessed = suffix[1:].lower()
    guessed = _ALIASES.get(guessed, guessed)
    if guessed not in kind.formats:
        raise _unknown(kind, repr(suffix), output)
    return guessed, output


def _unknown(kind: OutputKind, shown: str, output: Path | None) -> PiriQualError:
    if len(kind.formats) == 1:
        what, hint = f"only as {kind.extensions()}", f"End the file name in {kind.extensions()}."
    else:
        what = f"it can be {kind.extensions()}"
        hint = "End the file name in one of those, or choose one with --format."
    return PiriQualError(f"cannot write {kind.what} as {shown} ({what})", path=output, hint=hint)
