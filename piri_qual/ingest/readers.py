"""One entry point for every transcript format: :func:`read_source`.

Each reader returns a :class:`~piri_qual.ingest.source.SourceDocument`: the speaker turns as
written (labels, paragraphs, times), what the turn detector found (the layout, the labels) and
whatever else the file carried that is not transcript text (Word comments, header text, a
caption file's preamble). Turning that into a study transcript (ids, hashing, roles,
``corpus/<id>.json``) is the job of the study-level import, so readers stay small and testable.

Nothing on the CLI's start-up path imports this module (the import command loads it when it
runs), so the readers are imported here at the top; the libraries only some formats need
(pypdf, striprtf) are imported by their readers when a file of that format is read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from piri_qual.errors import PiriQualError
from piri_qual.ingest.docx import read_docx
from piri_qual.ingest.html import read_html
from piri_qual.ingest.legacy_doc import read_doc
from piri_qual.ingest.odt import read_odt
from piri_qual.ingest.pdf import read_pdf
from piri_qual.ingest.rtf import read_rtf
from piri_qual.ingest.source import SourceDocument, TurnOptions
from piri_qual.ingest.srt import read_srt
from piri_qual.ingest.txt import read_text
from piri_qual.ingest.vtt import read_vtt

__all__ = ["SUPPORTED", "SourceDocument", "TurnOptions", "read_source"]

#: File extension -> format name.
SUPPORTED: dict[str, str] = {
    ".docx": "docx", ".odt": "odt", ".rtf": "rtf", ".doc": "doc", ".pdf": "pdf", ".vtt": "vtt",
    ".srt": "srt", ".txt": "txt", ".md": "md", ".html": "html", ".htm": "html",
}

_READERS: dict[str, Callable[[Path, TurnOptions | None], SourceDocument]] = {
    "docx": read_docx, "odt": read_odt, "rtf": read_rtf, "doc": read_doc, "pdf": read_pdf,
    "vtt": read_vtt, "srt": read_srt, "html": read_html,
    "txt": lambda path, options: read_text(path, False, options),
    "md": lambda path, options: read_text(path, True, options),
}

_ADVICE = {
    ".pages": "Export it from Pages as a Word (.docx) file.",
    ".wpd": "Open it in WordPerfect or LibreOffice and save it as .docx or .odt.",
    ".xlsx": "Copy the transcript into a Word or LibreOffice document, or save the sheet as .csv text.",
    ".ods": "Copy the transcript into a LibreOffice Writer document and save it as .odt.",
    ".json": "Export the transcript from its service as .docx, .txt, .vtt or .srt.",
    ".mp3": "piri-qual reads transcripts, not recordings: transcribe it first.",
    ".m4a": "piri-qual reads transcripts, not recordings: transcribe it first.",
    ".wav": "piri-qual reads transcripts, not recordings: transcribe it first.",
    ".mp4": "piri-qual reads transcripts, not recordings: export the recording's transcript (.vtt).",
}


def read_source(path: Path, options: TurnOptions | None = None) -> SourceDocument:
    """Read a transcript file, choosing the reader by its extension.

    ``options`` carries what the study says about speakers (``roles:``, ``--speakers``).
    Raises :class:`PiriQualError` with a one-line, actionable message for files it cannot read
    (unknown extension, binary .doc without LibreOffice, damaged or password-protected files,
    a scanned PDF, an empty file, ...).
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
    doc = _READERS[fmt](path, options)
    if not doc.turns:
        raise PiriQualError(
            "no transcript text found in the file",
            path=path,
            hint="Check that this is the right file (text in images or shapes cannot be read).",
        )
    return doc
