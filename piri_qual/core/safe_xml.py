"""Parsing XML from elsewhere with DTDs, entities and the network switched off.

Every XML part piri-qual reads from another program's file (``word/*.xml`` in a ``.docx``, the
``project.qde`` in a ``.qdpx``, a ``.qdc`` codebook) is parsed here and nowhere else, so there is
one rule to audit. Neither Word nor REFI-QDA ever writes a DOCTYPE, so one is refused outright:
that closes entity expansion ("billion laughs") and external entities (reading local files or
URLs) however the XML library is configured. The check runs three times, because each catches
what the others can miss:

* before parsing, the first 64 KiB are searched for ``<!DOCTYPE`` or ``<!ENTITY`` in any letter
  case, also with NUL bytes dropped so that UTF-16 and UTF-32 documents are searched too (a DTD
  must come before the root element, so only a very long prolog could push it further);
* the parser does not resolve entities, load DTDs or touch the network, and keeps libxml2's size
  limits (``huge_tree=False``);
* after parsing, a document that still has a DTD or an entity node is refused (a DTD hidden after
  a long comment: entities stay unexpanded in the tree, but serialising it as text expands them).

A format's readers pass an :class:`XmlDialect` so that the one-line errors speak their language
("Open the file in Word and save it again").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from piri_qual.errors import PiriQualError

#: How much of a document is searched for a DTD before parsing.
SCAN_BYTES = 64 * 1024
_DTD_RE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class XmlDialect:
    """How one format's XML is parsed and how its problems are told to the user.

    ``name`` names the kind of file in messages (``.docx``); ``never`` finishes the sentence
    "declares a DTD, which ..."; ``fix`` says what to do. ``compact`` drops comments and
    whitespace-only text between tags, for formats such as WordprocessingML whose text lives only
    in text elements (the .docx reader's fast path relies on it); REFI-QDA keeps them.
    """

    name: str = "file"
    never: str = "this format never needs"
    fix: str = "Ask for a fresh export from the program that made it."
    compact: bool = False


#: For callers with no format of their own (and the REFI-QDA readers, which pass their own).
GENERIC = XmlDialect()


def hardened_parser(*, compact: bool = False) -> Any:
    """An lxml parser that resolves no entities, loads no DTD and never touches the network."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=compact,
        remove_blank_text=compact,
    )


def declares_dtd(data: bytes) -> bool:
    """Whether the first 64 KiB of ``data`` declare a DOCTYPE or an entity, in any case or encoding."""
    if _DTD_RE.search(data, 0, SCAN_BYTES):
        return True
    # UTF-16/32 put NULs between the ASCII letters of "<!DOCTYPE"; four times the bytes covers
    # 64 KiB of characters in any of them. XML never holds a NUL as such, so UTF-8 documents
    # (nearly all) skip the copy.
    wide = 4 * SCAN_BYTES
    if data.find(b"\x00", 0, wide) != -1:
        return _DTD_RE.search(data[:wide].replace(b"\x00", b""), 0, SCAN_BYTES) is not None
    return False


def parse_xml(data: bytes, where: Path | str, part: str | None = None,
              dialect: XmlDialect = GENERIC) -> Any:
    """Parse ``data`` (``part`` of the file at ``where``) to an lxml root element.

    Raises a one-line :class:`PiriQualError` naming the file (and part) when the XML declares
    a DTD or entities or is not well-formed.
    """
    from lxml import etree

    label = part or "the file"
    if declares_dtd(data):
        raise _dtd_error(where, label, dialect)
    try:
        root = etree.fromstring(data, hardened_parser(compact=dialect.compact))
    except etree.XMLSyntaxError as exc:
        what = f"{part} is not well-formed XML" if part else "not well-formed XML"
        reason = " ".join(str(exc.msg).split())  # one line, whatever libxml2 says
        raise PiriQualError(
            f"damaged {dialect.name}: {what} ({reason})",
            path=where,
            line=getattr(exc, "lineno", None) if not part else None,
            hint=dialect.fix,
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _dtd_error(where, label, dialect)
    # an entity reference needs an "&" (and, undeclared, fails to parse): most parts have none
    if b"&" in data and next(root.iter(etree.Entity), None) is not None:
        raise PiriQualError(f"{label} uses XML entities, which {dialect.never}; refusing to read it",
                            path=where, hint=dialect.fix)
    return root


def _dtd_error(where: Path | str, label: str, dialect: XmlDialect) -> PiriQualError:
    return PiriQualError(
        f"{label} declares a DTD (a <!DOCTYPE> or <!ENTITY>), which {dialect.never}; refusing to read it",
        path=where,
        hint=dialect.fix,
    )


@lru_cache(maxsize=4)
def xml_schema(path: Path) -> Any:
    """The compiled XML Schema shipped at ``path`` (parsed with the same hardened parser)."""
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(path), hardened_parser()))


def parse_html(data: bytes, where: Path | str, dialect: XmlDialect = GENERIC) -> Any:
    """Parse an HTML page from elsewhere with the network off and libxml2's size limits kept.

    HTML has no entity declarations of its own, only the standard named characters, so the
    DTD check above does not apply; scripts, comments and processing instructions are dropped.
    """
    from lxml import etree

    parser = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                              huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, etree.ParserError, ValueError) as exc:
        raise PiriQualError(f"damaged {dialect.name}: it cannot be parsed ({exc})", path=where,
                            hint=dialect.fix) from exc
    if root is None:
        raise PiriQualError(f"no HTML content in this {dialect.name}", path=where, hint=dialect.fix)
    return root
