"""One entry point for every transcript format: :func:`read_source`.

Each reader returns a :class:`~piri_qual.ingest.source.SourceDocument`: the speaker turns as
written (labels, paragraphs, times) and whatever else the file carried that is not transcript
text (Word comments, header text, a caption file's preamble). Turning that into a study
transcript (ids, hashing, roles, ``corpus/<id>.json``) is the job of the study-level import, so
readers stay small and testable.

Nothing on the CLI's start-up path imports this module (the import command loads it when it
runs), so the readers, and the lxml the Word reader needs, are imported here at the top.
"""

from __future__ import annotations

from pathlib import Path

from piri_qual.errors import PiriQualError
from piri_qual.ingest.docx import read_docx
from piri_qual.ingest.source import SourceDocument
from piri_qual.ingest.txt import read_text
from piri_qual.ingest.vtt import read_vtt

__all__ = ["SUPPORTED", "SourceDocument", "read_source"]

#: File extension -> format name.
SUPPORTED: dict[str, str] = {".docx": "docx", ".vtt": "vtt", ".txt": "txt", ".md": "md"}

_ADVICE = {
    ".doc": "This is an old binary Word file: open it in Word and save it as .docx (Word Document).",
    ".rtf": "Open it in Word and save it as .docx.",
    ".odt": "Open it in LibreOffice or Word and save it as .docx.",
    ".pages": "Export it from Pages as a Word (.docx) file.",
    ".pdf": "PDF text is not reliable enough to code: export the transcript as .docx or .txt.",
    ".srt": "Convert the subtitles to WebVTT (.vtt) or export the transcript as .txt.",
}


def read_source(path: Path) -> SourceDocument:
    """Read a transcript file, choosing the reader by its extension.

    Raises :class:`PiriQualError` with a one-line, actionable message for files it cannot read
    (unknown extension, binary .doc, damaged or password-protected .docx, empty file, ...).
    """
    path = Path(path)
    suffix = path.suffix.casefold()
    fmt = SUPPORTED.get(suffix)
    if fmt is None:
        supported = ", ".join(SUPPORTED)
        advice = _ADVICE.get(suffix, f"Save or export the transcript in one of: {supported}.")
        what = f"unsupported file type {suffix!r}" if suffix else "the file has no extension"
        raise PiriQualError(f"{what}; piri-qual reads {supported}", path=path, hint=advice)
    if not path.is_file():
        raise PiriQualError("file not found", path=path, hint="Check the path and try again.")
    if fmt == "docx":
        doc = read_docx(path)
    elif fmt == "vtt":
        doc = read_vtt(path)
    else:
        doc = read_text(path, markdown=(fmt == "md"))
    if not doc.turns:
        raise PiriQualError(
            "no transcript text found in the file",
            path=path,
            hint="Check that this is the right file (text in images or shapes cannot be read).",
        )
    return doc
