"""Parsing XML from elsewhere with entities, DTDs and the network switched off.

REFI-QDA documents never need a DOCTYPE, so one is refused outright: that closes both entity
expansion ("billion laughs") and external entities (reading local files or URLs) however the
XML library is configured. The parser is also set up not to resolve entities, not to load DTDs,
not to touch the network and to keep libxml2's size limits (``huge_tree=False``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from piri_qual.errors import PiriQualError

_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def hardened_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def parse_xml(data: bytes, where: Path | str, part: str | None = None) -> Any:
    """Parse ``data`` to an lxml root element, refusing DTDs and entities with a clear error."""
    from lxml import etree

    label = f"{part} in this file" if part else "this file"
    refuse_hint = "REFI-QDA files never declare a DOCTYPE; refusing it protects against entity attacks."
    if _DTD_RE.search(data[:65536]) or _DTD_RE.search(data.replace(b"\x00", b"")[:65536]):
        raise PiriQualError(f"{label} declares a DOCTYPE or entities", path=where, hint=refuse_hint)
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        raise PiriQualError(
            f"{label} is not well-formed XML ({exc.msg})",
            path=where,
            line=line if not part else None,
            hint="The file is damaged or not a REFI-QDA document; export it again.",
        ) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise PiriQualError(f"{label} declares a DOCTYPE or entities", path=where, hint=refuse_hint)
    for node in root.iter():
        if isinstance(node, etree._Entity):  # noqa: SLF001 - lxml's public entity node class
            raise PiriQualError(f"{label} uses XML entities", path=where, hint=refuse_hint)
    return root
