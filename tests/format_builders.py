"""Writers for the binary transcript formats the tests import: .odt, .pdf and .rtf.

Why hand-written: each test states the exact text it expects back, so the fixture must be built
from that text here, in the layout a real program writes (LibreOffice's content.xml, a PDF
text layer with one text object per line, Word-style RTF), with nothing installed beyond the
test suite. The transcripts themselves are wholly fictional.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

# -- OpenDocument text ------------------------------------------------------------------------

ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3"'
)
MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def odt_paragraph(text: str, style: str = "Standard") -> str:
    """A ``text:p`` as LibreOffice writes it: runs of spaces as ``text:s``, tabs as ``text:tab``,
    line breaks as ``text:line-break``."""
    out: list[str] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            out.append("<text:line-break/>")
        pieces = line.split("\t")
        for j, piece in enumerate(pieces):
            if j:
                out.append("<text:tab/>")
            out.append(_odf_spaces(piece))
    return f'<text:p text:style-name="{style}">{"".join(out)}</text:p>'


def _odf_spaces(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == " ":
            j = i
            while j < len(text) and text[j] == " ":
                j += 1
            run = j - i
            if i == 0 or j == len(text):
                out.append(f'<text:s text:c="{run}"/>' if run > 1 else "<text:s/>")
            else:
                out.append(" " + (f'<text:s text:c="{run - 1}"/>' if run > 2 else "<text:s/>" if run == 2 else ""))
            i = j
        else:
            j = text.find(" ", i)
            j = len(text) if j == -1 else j
            out.append(escape(text[i:j]))
            i = j
    return "".join(out)


def write_odt(
    path: Path,
    body: str | list[str],
    *,
    header: str | None = None,
    footer: str | None = None,
    title: str | None = None,
    tracked: str = "",
    automatic_styles: str = "",
    mimetype: str = "application/vnd.oasis.opendocument.text",
    encrypted: bool = False,
    body_element: str = "office:text",
) -> Path:
    """An .odt package whose ``office:text`` is ``body`` (XML, or paragraphs to write)."""
    xml = body if isinstance(body, str) else "".join(odt_paragraph(p) for p in body)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODF_NS}>'
        f"<office:automatic-styles>{automatic_styles}</office:automatic-styles>"
        f"<office:body><{body_element}>{tracked}<text:sequence-decls/>{xml}</{body_element}></office:body>"
        "</office:document-content>"
    )
    master = ""
    if header or footer:
        parts = ""
        if header:
            parts += f"<style:header>{odt_paragraph(header, 'Header')}</style:header>"
        if footer:
            parts += f"<style:footer>{odt_paragraph(footer, 'Footer')}</style:footer>"
        master = f'<office:master-styles><style:master-page style:name="Standard">{parts}</style:master-page></office:master-styles>'
    styles = f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {ODF_NS}>{master}</office:document-styles>'
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {ODF_NS}><office:meta>'
        + (f"<dc:title>{escape(title)}</dc:title>" if title else "")
        + "<meta:generator>LibreOffice/7.6</meta:generator></office:meta></office:document-meta>"
    )
    manifest = MANIFEST
    if encrypted:  # the parts are then ciphertext, as LibreOffice writes them
        content = bytes(range(256)).decode("latin-1") * 4
        manifest = manifest.replace(
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
            'manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data '
            'manifest:checksum-type="SHA1/1K" manifest:checksum="x"/></manifest:file-entry>',
        )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored first and uncompressed, as ODF asks
        for name, data in (("content.xml", content), ("styles.xml", styles), ("meta.xml", meta),
                           ("META-INF/manifest.xml", manifest)):
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


# -- PDF with a text layer --------------------------------------------------------------------

def _pdf_string(text: str) -> bytes:
    data = text.encode("cp1252")
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def write_pdf(path: Path, pages: list[list[str]], *, size: int = 11, leading: int = 14) -> Path:
    """A PDF whose pages hold ``pages`` as text lines in Helvetica (WinAnsiEncoding); an empty
    string is a blank line (a paragraph gap), as a word processor lays text out."""
    objects: list[bytes] = []
    kids = []
    font_id = 3
    next_id = 4
    page_objs: list[tuple[int, bytes]] = []
    for lines in pages:
        ops = [b"BT", f"/F1 {size} Tf".encode()]
        y = 800
        for line in lines:
            if line:
                ops.append(f"1 0 0 1 56 {y} Tm".encode())
                ops.append(_pdf_string(line) + b" Tj")
            y -= leading
        ops.append(b"ET")
        stream = zlib.compress(b"\n".join(ops))
        content_id, page_id = next_id, next_id + 1
        next_id += 2
        page_objs.append((content_id, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
                          + stream + b"\nendstream"))
        page_objs.append((page_id, f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                                   f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>".encode()))
        kids.append(page_id)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects.extend(body for _, body in sorted(page_objs))
    return _write_objects(path, objects)


def write_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF whose pages are images only (a scan without OCR): no text layer at all."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = [3 + 3 * i + 2 for i in range(pages)]
    objects.append(f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {pages} >>".encode())
    pixels = zlib.compress(bytes(range(256)) * 16)
    for i in range(pages):
        image_id, content_id = 3 + 3 * i, 4 + 3 * i
        objects.append(b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                       b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(pixels)
                       + pixels + b"\nendstream")
        draw = b"q 400 0 0 560 90 140 cm /Im0 Do Q"
        objects.append(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject "
                       f"<< /Im0 {image_id} 0 R >> >> /Contents {content_id} 0 R >>".encode())
    return _write_objects(path, objects)


def _write_objects(path: Path, objects: list[bytes]) -> Path:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


# -- RTF as Word writes it --------------------------------------------------------------------

def rtf_escape(text: str) -> str:
    """Text for an RTF body: braces and backslashes escaped, non-ASCII as ``\\uN?``, tabs as ``\\tab``."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\t":
            out.append("\\tab ")
        elif code < 128:
            out.append(ch)
        else:
            out.append(f"\\u{code if code < 32768 else code - 65536}?")
    return "".join(out)


def write_rtf(path: Path, paragraphs: list[str], *, header: str | None = None, deleted: dict[int, str] | None = None) -> Path:
    """An RTF document with one ``\\par`` per paragraph; ``deleted[i]`` is text in paragraph ``i``
    marked as a tracked deletion (shown struck through by Word, gone once accepted)."""
    parts = [r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss\fcharset0 Arial;}}"
             r"{\colortbl;\red0\green0\blue0;}{\*\revtbl{Unknown;}{Sam Reviewer;}}"
             r"{\info{\title Fictional interview}{\author Sam Reviewer}}\viewkind4\uc1"]
    if header:
        parts.append(r"{\header\pard\plain " + rtf_escape(header) + r"\par}")
    for i, text in enumerate(paragraphs):
        body = rtf_escape(text)
        if deleted and i in deleted:
            body += r"{\deleted\revauthdel1 " + rtf_escape(deleted[i]) + "}"
        parts.append(r"\pard\plain\f0\fs22 " + body + r"\par" + "\n")
    parts.append("}")
    path.write_text("".join(parts), encoding="ascii")
    return path
