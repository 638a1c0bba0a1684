"""Writing a .docx whose body streams: blocks are serialised into ``word/document.xml`` as they come.

python-docx makes the rest of the package (styles, settings, page size and margins, document
properties, the title): that part is small and the same whatever the study's size. The body is
what grows with the codings, so it is never held whole: :class:`StreamedBody` collects blocks
(built with :mod:`piri_qual.export.word_xml`) a few hundred at a time under a scratch ``w:body``
that declares the document's namespaces, serialises them with lxml (so they read byte for byte as
they would inside the document) and writes them into the zip entry, which goes to a temporary
file that replaces the output only when everything is written (:func:`atomic_stream`).

The package is python-docx's own save of the skeleton, with one marker paragraph where the body
goes; each of its parts is copied over in order and ``word/document.xml`` is the skeleton's text
up to the marker, the streamed blocks, then the rest.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from lxml import etree

from piri_qual.core.atomic import atomic_stream
from piri_qual.export import word_xml
from piri_qual.export.word_xml import Run, Table

DOCUMENT_PART = "word/document.xml"
#: Blocks serialised per write: enough to amortise the call, few enough to bound memory.
CHUNK = 256
#: What a paragraph written as text may not hold: a tab or line break (their own elements), a
#: character XML forbids, or a lone surrogate; such a paragraph goes through lxml instead, which
#: splits or refuses it as python-docx would.
_NOT_TEXT = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff]")


class StreamedBody:
    """The body of a document being written: add blocks in reading order."""

    def __init__(self, out: IO[bytes], nsmap: dict[str, str], block_width: int) -> None:
        self._out = out
        self._nsmap = nsmap
        self._scratch = self._new_scratch()
        self._pending = 0
        self._texts: list[str] = []
        self._templates = word_xml.Templates()
        #: The width between the page margins, in EMU (what ``Document.add_table`` shares out).
        self.block_width = block_width

    def _new_scratch(self) -> Any:
        return etree.Element(word_xml._w("body"), nsmap=self._nsmap)

    @property
    def parent(self) -> Any:
        """Where the next block is built (a builder's ``parent``); call :meth:`added` after it."""
        return self._scratch

    def added(self) -> None:
        if self._texts:  # blocks written as text came first: keep the order
            self._flush_texts()
        self._pending += 1
        if self._pending >= CHUNK:
            self.flush()

    def flush(self) -> None:
        self._flush_texts()
        if not self._pending:
            return
        data = etree.tostring(self._scratch, encoding="utf-8")
        self._out.write(data[data.index(b">") + 1 : data.rindex(b"</")])
        self._scratch = self._new_scratch()
        self._pending = 0

    def _flush_texts(self) -> None:
        if self._texts:
            self._out.write("".join(self._texts).encode("utf-8"))
            self._texts.clear()

    # -- the blocks the exports use --------------------------------------------------------------
    def paragraph(self, text: str = "", style: str | None = None, **kwargs: Any) -> Any:
        if kwargs or not text or not word_xml.plain(text):
            element = word_xml.paragraph(self._scratch, text, style, **kwargs)
        else:  # the quote bank's thousands: a copy of the paragraph's shape with the text set
            key = (style, word_xml.needs_preserve(text))
            element = self._templates.copy(key, lambda: word_xml.paragraph(etree.Element("scratch"), text, style))
            element[-1][-1].text = text  # p / r / t
            self._scratch.append(element)
        self.added()
        return element

    def text(self, text: str, style: str | None = None) -> None:
        """A paragraph of one plain run in ``style`` (an id), written as XML text directly.

        For the quote bank's tens of thousands of paragraphs: the markup is what lxml writes for
        :func:`~piri_qual.export.word_xml.paragraph` (``&``, ``<`` and ``>`` escaped as libxml2
        escapes them; ``xml:space`` on text with outer white space), without building elements.
        """
        if not text or _NOT_TEXT.search(text):
            self.paragraph(text, style)
            return
        if self._pending:
            self.flush()
        props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        space = ' xml:space="preserve"' if word_xml.needs_preserve(text) else ""
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self._texts.append(f"<w:p>{props}<w:r><w:t{space}>{escaped}</w:t></w:r></w:p>")
        if len(self._texts) >= CHUNK:
            self._flush_texts()

    def styled(self, text: str, style_name: str) -> Any:
        """A paragraph in a built-in or added style named as Word names it ("List Bullet")."""
        return self.paragraph(text, word_xml.style_id(style_name))

    def runs(self, *runs: Run, style: str | None = None, **kwargs: Any) -> Any:
        return self.paragraph("", style, runs=runs, **kwargs)

    def heading(self, text: str, level: int) -> Any:
        element = word_xml.heading(self._scratch, text, level)
        self.added()
        return element

    def table(self, widths: list[int], *, centred: bool = False) -> Table:
        """A table of ``widths`` (EMU) columns; its rows are added to it, and it counts as one block."""
        table = Table(self._scratch, widths, initial=self.block_width // len(widths), centred=centred)
        self.added()
        return table


def block_width(document: Any) -> int:
    """The width between the margins of the document's last section, in EMU."""
    section = document.sections[-1]
    return int(section.page_width - section.left_margin - section.right_margin)


@contextmanager
def streamed_docx(document: Any, path: Path) -> Iterator[StreamedBody]:
    """Write ``document`` (a python-docx skeleton: styles, page setup, anything already in its body)
    to ``path``, with the blocks added to the yielded body after what the skeleton holds.

    The file appears only if the ``with`` block completes; an error leaves ``path`` as it was.
    """
    marker = f"piri-qual-body-{uuid.uuid4().hex}"
    body = document.element.body
    placeholder = word_xml.paragraph(etree.Element("scratch"), marker)
    sect = body.find(word_xml._w("sectPr"))
    if sect is not None:
        sect.addprevious(placeholder)
    else:
        body.append(placeholder)
    skeleton = io.BytesIO()
    document.save(skeleton)
    body.remove(placeholder)
    with zipfile.ZipFile(skeleton) as source, atomic_stream(path) as handle, \
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            if info.filename != DOCUMENT_PART:
                target.writestr(entry, source.read(info.filename))
                continue
            xml = source.read(info.filename)
            at = xml.index(marker.encode("ascii"))
            start, end = xml.rindex(b"<w:p>", 0, at), xml.index(b"</w:p>", at) + len(b"</w:p>")
            with target.open(entry, "w") as out:
                out.write(xml[:start])
                nsmap = {prefix: uri for prefix, uri in body.nsmap.items() if prefix}  # python-docx declares no default
                streamed = StreamedBody(out, nsmap, block_width(document))
                yield streamed
                streamed.flush()
                out.write(xml[end:])
