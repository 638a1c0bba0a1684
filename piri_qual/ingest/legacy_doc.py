"""Old binary Word files (.doc), converted to .docx by LibreOffice when it is installed.

Why through LibreOffice: the .doc format (an OLE compound file of Word 97-2003 records) has no
well-kept pure-Python reader, and LibreOffice converts it faithfully. It is used only when its
``soffice`` program is on the PATH (or named by ``PIRI_QUAL_SOFFICE``); the conversion runs
headless, with a throw-away profile so that an open LibreOffice window does not block it, into a
temporary folder that is removed afterwards, and the converted file is read by the .docx reader.
Without LibreOffice the file gets one line saying how to convert it by hand. A ``.doc`` that is
really RTF or a .docx (Word saves both under that name) is read as what it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from piri_qual.errors import PiriQualError
from piri_qual.ingest.docx import read_docx
from piri_qual.ingest.rtf import read_rtf
from piri_qual.ingest.source import SourceDocument, TurnOptions

#: Seconds one conversion may take before it is abandoned.
CONVERT_TIMEOUT = 180
NO_OFFICE = "This is an old binary Word file: open it in Word and save it as .docx (Word Document)."


def soffice() -> str | None:
    """The LibreOffice program to convert with, or None when it is not installed."""
    named = os.environ.get("PIRI_QUAL_SOFFICE")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_doc(path: Path, options: TurnOptions | None = None) -> SourceDocument:
    """Read a .doc: RTF or .docx inside are read directly, a binary .doc through LibreOffice."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise PiriQualError("the file is empty", path=path, hint="Save the transcript again.")
    if head.startswith(b"{\\rtf"):
        document = read_rtf(path, options)
        document.format = "doc"
        return document
    if head.startswith(b"PK"):
        document = read_docx(path, options)
        document.format = "doc"
        return document
    program = soffice()
    if program is None:
        raise PiriQualError(
            "this is an old binary Word (.doc) file, and LibreOffice (soffice), which piri-qual "
            "uses to convert it, is not installed",
            path=path,
            hint=NO_OFFICE + " Or install LibreOffice and import it again.",
        )
    with tempfile.TemporaryDirectory(prefix="piri-doc-") as tmp:
        folder = Path(tmp)
        profile = (folder / "profile").as_uri()
        try:
            done = subprocess.run(
                [program, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                 "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "out"), str(path)],
                capture_output=True, text=True, timeout=CONVERT_TIMEOUT, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PiriQualError(f"LibreOffice could not convert this .doc ({exc})", path=path,
                                hint=NO_OFFICE) from exc
        converted = folder / "out" / (path.stem + ".docx")
        if done.returncode != 0 or not converted.is_file():
            reason = " ".join((done.stderr or done.stdout or "no output").split())[:200]
            raise PiriQualError(f"LibreOffice could not convert this .doc ({reason})", path=path,
                                hint=NO_OFFICE)
        document = read_docx(converted, options)
    document.format = "doc"
    document.metadata["converted_by"] = "LibreOffice"
    return document
