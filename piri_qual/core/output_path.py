"""Where a command writes its file and in which format: one rule for every export.

There used to be two rules: ``export matrix -o out`` wrote ``out.xlsx`` while ``agreement
--disagreements -o out`` failed. Every command that writes a file now asks :func:`resolve_output`:

1. an explicit ``--format`` wins (the file is written where ``-o`` says, extension and all);
2. else the extension of ``-o`` names the format (``.markdown`` counts as ``.md``);
3. an ``-o`` without an extension gets the default format and its extension;
4. an extension that is not one of the formats is one clear error listing them;
5. without ``-o`` the file is ``<stem>.<format>`` in the study's ``exports/`` folder;
6. ``-o -`` writes to standard output, in ``--format`` or the default format, so an export can be
   piped (``piri-qual export quotes -o - --format md | less``). A binary format (.docx, .xlsx,
   .png, .qdpx) is refused when standard output is a terminal. Writers still write a file: they
   are handed a temporary one by :func:`output_file`, whose bytes then go to standard output.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from piri_qual.errors import PiriQualError

_ALIASES = {"markdown": "md"}
#: ``-o -``: standard output.
STDOUT = Path("-")
#: Formats that are not text, refused on a terminal.
BINARY = frozenset({"xlsx", "docx", "png", "qdpx"})


def is_stdout(path: Path | None) -> bool:
    """Whether ``path`` is ``-o -`` (standard output)."""
    return path is not None and str(path) == "-"


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
    if is_stdout(output):
        chosen = fmt or kind.formats[0]
        if chosen in BINARY and sys.stdout.isatty():
            raise PiriQualError(
                f"{kind.what} as .{chosen} is binary and would garble the terminal",
                hint="Redirect it (`-o - > file`), pipe it, or give -o FILE"
                + (f" (or --format {next((f for f in kind.formats if f not in BINARY), '')})"
                   if any(f not in BINARY for f in kind.formats) else "") + ".",
            )
        return chosen, STDOUT
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


@contextmanager
def output_file(path: Path, fmt: str) -> Iterator[Path]:
    """The file a writer should write: ``path`` itself, or for ``-o -`` a temporary file whose
    bytes are copied to standard output once the ``with`` block ends without an error.

    A temporary file rather than a stream because the .docx and .xlsx writers need a seekable
    file (they are zip archives) and every writer writes atomically by path.
    """
    if not is_stdout(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="piri-qual-") as folder:
        real = Path(folder) / f"output.{fmt}"
        yield real
        data = real.read_bytes() if real.exists() else b""
        data = data.removeprefix(b"\xef\xbb\xbf")  # the CSV byte-order mark is for Excel, not for a pipe
        sys.stdout.flush()
        stream = getattr(sys.stdout, "buffer", None)
        if stream is not None:
            stream.write(data)
            stream.flush()
        else:  # a text-only stream (rare): text formats still arrive intact
            sys.stdout.write(data.decode("utf-8-sig", errors="replace"))
            sys.stdout.flush()
