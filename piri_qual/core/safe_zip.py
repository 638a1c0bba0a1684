"""Reading ZIP archives from elsewhere without trusting them.

A ``.docx`` or ``.qdpx`` is a ZIP written by another program, possibly a hostile one, and this
is the one place piri-qual opens their members. Before any member is decompressed the whole
directory is checked: member names (no absolute paths, drive letters or ``..``; no symbolic
links), encryption, duplicates, the member count, the declared sizes and the compression ratio,
so that a zip bomb is refused from its directory alone. Members are never extracted to disk;
reading one stops as soon as it yields more bytes than declared or allowed, and a damaged member
(a corrupt deflate stream, a truncated archive, a bad CRC) is a one-line error, not a traceback.

Each format passes its own :class:`ZipLimits` and the words for its messages (``what`` it is,
and the ``fix`` to suggest), so a refused ``.docx`` says "save it again from Word".
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from piri_qual.errors import PiriQualError

try:  # Python can be built without lzma, as zipfile allows for
    from lzma import LZMAError
except ImportError:  # pragma: no cover
    LZMAError = zlib.error  # type: ignore[misc,assignment]

MiB = 1024 * 1024

#: What reading a member raises when its data is damaged: zipfile's own errors (bad CRC,
#: truncation), the decompressors' (zlib, lzma; bz2 raises OSError) and unsupported methods.
_DAMAGED = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error,
            LZMAError)


@dataclass(frozen=True)
class ZipLimits:
    """What an archive may contain.

    ``max_member_bytes`` is the REFI-QDA ceiling for one internal file (2^31 - 1, section 8.5);
    ``max_read_bytes`` bounds what is read into memory (text sources and the project XML).
    The ratio is only judged for members big enough for it to matter.
    """

    max_members: int = 100_000
    max_member_bytes: int = 2**31 - 1
    max_total_bytes: int = 16 * 1024 * MiB
    max_read_bytes: int = 256 * MiB
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1 * MiB


class NotAZipError(PiriQualError):
    """The file is not a ZIP archive at all; a format's reader may say better what it is."""


class SafeArchive:
    """A checked ZIP archive whose members can be looked up case-insensitively and read.

    ``what`` names the kind of file in messages (``REFI-QDA project (.qdpx)``, ``.docx``) and
    ``fix`` overrides the advice given with every refusal.
    """

    def __init__(self, path: Path, limits: ZipLimits | None = None, what: str = "archive",
                 fix: str | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or ZipLimits()
        self.what = what
        self._fix = fix
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError as exc:
            raise PiriQualError("file not found", path=self.path, hint="Check the path.") from exc
        except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError, zlib.error) as exc:
            raise NotAZipError(
                f"not a valid {what}: it is not a ZIP archive ({exc})",
                path=self.path,
                hint=fix or "Export the project again from the tool that made it.",
            ) from exc
        except OSError as exc:
            raise PiriQualError(f"cannot read the file ({exc.strerror or exc})", path=self.path,
                                hint="Check that the file is readable.") from exc
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self._by_folded: dict[str, str] = {}
        try:
            self._check_directory()
        except BaseException:
            self._zip.close()
            raise

    # -- context manager -------------------------------------------------------------------
    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- checks ----------------------------------------------------------------------------
    def _refuse(self, message: str) -> PiriQualError:
        return PiriQualError(
            f"refusing to read this {self.what}: {message}",
            path=self.path,
            hint=self._fix or "It may be damaged or crafted; ask for a fresh export from the tool that made it.",
        )

    def _check_directory(self) -> None:
        """Check every entry of the directory, filling the name tables as it goes."""
        limits = self.limits
        infos = self._zip.infolist()
        if len(infos) > limits.max_members:
            raise self._refuse(f"it holds {len(infos)} entries (the limit is {limits.max_members})")
        checked = self._infos
        folded = self._by_folded
        total = 0
        for info in infos:
            name = info.filename
            problem = unsafe_member_name(name)
            if problem:
                raise self._refuse(f"entry {name!r} {problem}")
            if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
                raise self._refuse(f"entry {name!r} is a symbolic link")
            if info.flag_bits & 0x1:
                raise self._refuse(f"entry {name!r} is encrypted")
            key = name.replace("\\", "/").casefold()
            if key in folded:
                raise self._refuse(f"entry {name!r} appears twice")
            folded[key] = name
            if info.file_size > limits.max_member_bytes:
                raise self._refuse(
                    f"entry {name!r} would unpack to {info.file_size:,} bytes "
                    f"(the limit is {limits.max_member_bytes:,})"
                )
            total += info.file_size
            if total > limits.max_total_bytes:
                raise self._refuse(
                    f"its entries would unpack to more than {limits.max_total_bytes:,} bytes"
                )
            if info.file_size > limits.ratio_floor_bytes:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_ratio:
                    raise self._refuse(
                        f"entry {name!r} is compressed {ratio:,.0f} to 1 "
                        f"(the limit is {limits.max_ratio:,.0f}), the signature of a zip bomb"
                    )
            checked[name] = info

    # -- access ----------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [n for n in self._infos if not n.endswith("/")]

    def find(self, name: str) -> str | None:
        """The member called ``name``, compared case-insensitively with ``\\`` as ``/``."""
        return self._by_folded.get(name.replace("\\", "/").casefold())

    def size(self, name: str) -> int:
        return self._infos[name].file_size

    def get(self, name: str) -> bytes | None:
        """The member called ``name`` (found as :meth:`find` does) read whole, or None if absent."""
        found = self.find(name)
        return None if found is None else self.read(found)

    def read(self, name: str) -> bytes:
        """Read one member, never more than declared nor more than ``max_read_bytes``."""
        info = self._infos[name]
        limit = self.limits.max_read_bytes
        if info.file_size > limit:
            raise self._refuse(
                f"entry {name!r} is {info.file_size:,} bytes, more than the {limit:,} read into memory"
            )
        try:
            with self._zip.open(info) as handle:
                # One bounded read: the decompressor never produces more than asked for, and
                # asking for one byte more than declared shows a member that lies about its size.
                data = handle.read(info.file_size + 1)
        except _DAMAGED as exc:
            raise PiriQualError(
                f"damaged {self.what}: entry {name!r} cannot be read ({exc})",
                path=self.path,
                hint=self._fix or "Export the project again from the tool that made it.",
            ) from exc
        if len(data) > info.file_size:
            raise self._refuse(f"entry {name!r} unpacks to more than it declares")
        return data


def unsafe_member_name(name: str) -> str | None:
    """Why a member name could write outside an extraction folder, or None if it is safe."""
    if not name or "\x00" in name:
        return "has an empty or invalid name"
    if not (name.startswith("/") or ":" in name or ".." in name or "\\" in name):
        return None  # the usual case, decided without splitting the name
    unified = name.replace("\\", "/")
    if unified.startswith("/"):
        return "has an absolute path"
    if len(unified) >= 2 and unified[1] == ":" and unified[0].isalpha():
        return "names a drive"
    if ".." in unified.split("/"):
        return "climbs out of the archive with '..'"
    return None
