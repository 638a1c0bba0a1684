"""Opening an office document's zip package (.docx, .odt) with advice for what it really is.

A file that is not a zip but carries a .docx or .odt name is nearly always one of a few things:
an empty file, an old binary Word file (.doc, an OLE container) renamed, or a password-protected
document (also an OLE container). Each gets its own one-line advice; the format's reader only
supplies its limits, its wording and what an OLE container of its name means.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from piri_qual.core.safe_zip import NotAZipError, SafeArchive, ZipLimits
from piri_qual.errors import PiriQualError


def open_package(
    path: Path,
    limits: ZipLimits,
    *,
    what: str,
    fix: str,
    empty_hint: str,
    not_zip: str,
    explain_head: Callable[[bytes, Path], None],
) -> SafeArchive:
    """The hardened archive of ``path``; when it is no zip, one line saying what it is instead.

    ``explain_head`` sees the file's first 8 bytes and raises for a format it recognises (an
    OLE container); otherwise the file is reported as ``not_zip`` (damaged or renamed).
    """
    try:
        return SafeArchive(path, limits, what=what, fix=fix)
    except NotAZipError as exc:
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(8)
        except OSError as err:
            raise PiriQualError(f"cannot read the file ({err.strerror})", path=path) from err
        if size == 0:
            raise PiriQualError("the file is empty", path=path, hint=empty_hint) from exc
        try:
            explain_head(head, path)
        except PiriQualError as known:
            raise known from exc
        raise PiriQualError(not_zip, path=path, hint=fix) from exc
