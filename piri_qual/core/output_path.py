"""Where a command writes its file and in which format: one rule for every export.

There used to be two rules: ``export matrix -o out`` wrote ``out.xlsx`` while ``agreement
--disagreements -o out`` failed. Every command that writes a file now asks :func:`resolve_output`:

1. an explicit ``--format`` wins (the file is written where ``-o`` says, extension and all);
2. else the extension of ``-o`` names the format (``.markdown`` counts as ``.md``);
3. an ``-o`` without an extension gets the default format and its extension;
4. an extension that is not one of the formats is one clear error listing them;
5. without ``-o`` the file is ``<stem>.<format>`` in the study's ``exports/`` folder;
6. never over a study's own files (:func:`refuse_study_file`): ``-o codings/gold.jsonl`` once
   turned 1,198 codings into a CSV without a word. An existing export is replaced atomically
   (:mod:`piri_qual.core.atomic`), so a failed write leaves the old one whole;
7. ``-o -`` writes to standard output, in ``--format`` or the default format, so an export can be
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

from piri_qual.core.settings import CACHE_DIR, SETTINGS_FILE
from piri_qual.core.yamlfile import load_yaml
from piri_qual.errors import PiriQualError, shown

_ALIASES = {"markdown": "md"}
#: ``-o -``: standard output.
STDOUT = Path("-")
#: Formats that are not text, refused on a terminal.
BINARY = frozenset({"xlsx", "docx", "png", "qdpx"})
#: Folders of a study that hold its data, never an export.
STUDY_DATA_FOLDERS = ("codings", "corpus", "codebooks", "frameworks", "transcripts", "memos", CACHE_DIR, ".git")
#: Files at a study's root that are its data (the settings may name more: framework, codebook, pseudonyms).
STUDY_DATA_FILES = (SETTINGS_FILE, "participants.csv", "pseudonyms.yaml", ".gitignore", ".gitattributes")


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
    chosen, path = _resolve(kind, fmt, output, exports_dir, stem)
    refuse_study_file(path)
    return chosen, path


def is_stdout(path: Path | None) -> bool:
    """Whether ``path`` is ``-o -`` (standard output)."""
    return path is not None and str(path) == "-"


def _resolve(kind: OutputKind, fmt: str | None, output: Path | None, exports_dir: Path | None,
             stem: str | None) -> tuple[str, Path]:
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


def refuse_study_file(path: Path, *, folder: bool = False) -> None:
    """Refuse to write an export at ``path`` (or into it, with ``folder``) when that is a study's data.

    The study is any folder above the path that holds ``piri-qual.yaml`` (not only the one the
    command works on), found after resolving symbolic links, so ``-o`` cannot reach a coder log,
    a transcript, the codebook or the settings through a link or another study either.
    """
    target = _resolved(path)
    for root in _studies_above(target if folder else target.parent):
        relative = target.relative_to(root)
        parts = relative.parts
        if not parts:
            if folder:
                continue  # writing into the study's root folder itself: only its own files are refused
            break
        protected = parts[0] in STUDY_DATA_FOLDERS or (
            len(parts) == 1 and not folder and (parts[0] in STUDY_DATA_FILES or target in _named_files(root))
        )
        if protected:
            if parts[0] in STUDY_DATA_FOLDERS:
                what = f"{'over a file in' if target.exists() and not folder else 'into'} the study's {parts[0]}/ folder"
            else:
                what = "over one of the study's own files"
            raise PiriQualError(
                f"refusing to write an export {what}: it holds the study's data",
                path=path,
                hint=f"Exports go in {shown(root / 'exports')} or anywhere outside the study's data folders; "
                "choose another -o",
            )


def _resolved(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except (OSError, RuntimeError):  # a symlink loop: the write itself will fail with a clear line
        return path.expanduser().absolute()


def _studies_above(folder: Path) -> list[Path]:
    found = []
    for candidate in (folder, *folder.parents):
        try:
            if (candidate / SETTINGS_FILE).is_file():
                found.append(candidate)
        except OSError:
            continue
    return found


def _named_files(root: Path) -> set[Path]:
    """The framework, codebook and pseudonym files the study's settings name."""
    try:
        data = load_yaml(root / SETTINGS_FILE)
    except PiriQualError:
        return set()
    if not isinstance(data, dict):
        return set()
    named = [data.get(key) for key in ("framework", "codebook", "pseudonyms")]
    return {_resolved(root / name) for name in named if isinstance(name, str) and name}


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
