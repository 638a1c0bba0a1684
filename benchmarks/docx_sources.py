"""Generated .docx interview transcripts for the import benchmark, built once per run.

Why .docx from the generated studies: ``piri-qual import`` is measured on what research teams
send (Word files of about 8,000 words, a bold ``Speaker:`` label starting each turn), with the
real interview talk of :mod:`studies` (its transcripts' turns, paragraph by paragraph). Each file
is the package python-docx writes for a new document (its styles, settings, theme and properties)
with ``word/document.xml`` replaced, so the reader meets what Word-made files hold; writing the
XML directly builds 1,000 files in seconds where python-docx would take minutes.

The files of a size are built once into the studies folder (``PIRI_BENCH_STUDIES``, see
:func:`studies.studies_dir`) next to the studies they are drawn from, and reused by later runs.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from studies import studies_dir, study

#: Bumped whenever the files change, so a reused folder is never stale.
SOURCES_VERSION = 1
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _template() -> dict[str, bytes]:
    """The parts of python-docx's new document (all but ``word/document.xml`` are kept)."""
    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as package:
        return {name: package.read(name) for name in package.namelist()}


def _paragraph(label: str | None, text: str) -> str:
    runs = []
    if label:
        runs.append(f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{escape(label)}: </w:t></w:r>')
    runs.append(f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>')
    return f"<w:p>{''.join(runs)}</w:p>"


def document_xml(transcript: dict[str, object]) -> bytes:
    """WordprocessingML for a stored transcript: a paragraph per paragraph of each turn, the
    first with the speaker's label in bold."""
    text = str(transcript["text"])
    body = []
    for turn in transcript["turns"]:  # type: ignore[attr-defined]
        for k, paragraph in enumerate(text[turn["start"]:turn["end"]].split("\n")):
            if paragraph.strip():
                body.append(_paragraph(turn["speaker"] if k == 0 else None, paragraph))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W_NS}"><w:body>'
            f'{"".join(body)}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
            ).encode()


def docx_sources(size: int) -> list[Path]:
    """The .docx files of the generated study of ``size`` interviews (``P0001.docx`` ...)."""
    folder = studies_dir() / f"docx-{size}-v{SOURCES_VERSION}"
    done = folder / ".generated.json"
    if done.exists():
        return [folder / name for name in json.loads(done.read_text(encoding="utf-8"))["files"]]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"writing {size:,} .docx transcripts ...", flush=True)
    parts = _template()
    names = []
    for path in sorted((study(size).root / "corpus").glob("*.json")):
        transcript = json.loads(path.read_text(encoding="utf-8"))
        name = f"{transcript['id']}.docx"
        with zipfile.ZipFile(folder / name, "w", zipfile.ZIP_DEFLATED) as package:
            for part, data in parts.items():
                package.writestr(part, document_xml(transcript) if part == "word/document.xml" else data)
        names.append(name)
    done.write_text(json.dumps({"files": names}), encoding="utf-8")
    return [folder / name for name in names]
