"""REFI-QDA codebook export (``.qdc``), and the code tree the project export shares.

The framework's domains and constructs become codes that cannot be applied
(``isCodable="false"``), with the themes nested under their construct, and a theme with a
``parent`` nested under that theme. Each code's description carries the definition and the
rules (include, exclude, keywords, examples, ...) in a readable block layout that piri-qual
parses back on import (:mod:`piri_qual.exchange.refi_format`). GUIDs are derived from ids, so
exporting again gives the same GUIDs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual._version import __version__
from piri_qual.core.atomic import atomic_write_bytes
from piri_qual.core.framework import Codebook, Framework, Theme
from piri_qual.core.output_path import OutputKind
from piri_qual.errors import PiriQualError
from piri_qual.exchange.refi_format import CODEBOOK_NS, format_description, make_guid, xml_text
from piri_qual.exchange.refi_reader import schema_errors

if TYPE_CHECKING:
    from piri_qual.core.study import StudyFolder


@dataclass
class CodeNode:
    guid: str
    name: str
    codable: bool
    description: str
    theme: str | None = None
    children: list[CodeNode] = field(default_factory=list)


def theme_guid(theme_id: str) -> str:
    return make_guid("theme", theme_id)


def _theme_description(theme: Theme) -> str:
    return format_description(
        theme.definition,
        ident=theme.id,
        section=theme.section,
        include=theme.include,
        exclude=theme.exclude,
        keywords=theme.keywords,
        examples=theme.examples,
        patterns=theme.patterns,
        exclude_terms=theme.exclude_terms,
    )


def _effective_parents(codebook: Codebook) -> dict[str, str | None]:
    """Each theme's parent, dropping parents that are missing or lead round in a cycle."""
    parents: dict[str, str | None] = {}
    for theme in codebook.themes:
        parent = theme.parent if theme.parent in codebook else None
        seen = {theme.id}
        step = parent
        while step is not None:
            if step in seen:
                parent = None
                break
            seen.add(step)
            nxt = codebook.get(step)
            step = nxt.parent if nxt is not None and nxt.parent in codebook else None
        parents[theme.id] = parent
    return parents


def code_tree(codebook: Codebook, framework: Framework | None) -> list[CodeNode]:
    """Domains -> constructs -> themes (-> child themes), then themes outside the framework."""
    parents = _effective_parents(codebook)
    nodes = {
        t.id: CodeNode(theme_guid(t.id), t.label, t.codable, _theme_description(t), t.id)
        for t in codebook.themes
    }
    constructs: dict[str, CodeNode] = {}
    roots: list[CodeNode] = []
    if framework is not None:
        for domain in framework.domains:
            d_node = CodeNode(make_guid("domain", domain.id), domain.label, False,
                              format_description(domain.description, ident=domain.id))
            for construct in domain.constructs:
                c_node = CodeNode(make_guid("construct", construct.id), construct.label, False,
                                  format_description(construct.description, ident=construct.id))
                constructs[construct.id] = c_node
                d_node.children.append(c_node)
            roots.append(d_node)
    loose: list[CodeNode] = []
    for theme in codebook.themes:
        node = nodes[theme.id]
        parent = parents[theme.id]
        if parent is not None:
            nodes[parent].children.append(node)
        elif theme.construct and theme.construct in constructs:
            constructs[theme.construct].children.append(node)
        else:
            loose.append(node)
    return roots + loose


def append_codes(parent: Any, nodes: list[CodeNode], namespace: str,
                 notes: dict[str, list[str]] | None = None) -> None:
    """Write ``nodes`` as ``<Code>`` elements (with NoteRefs per theme id in the project form)."""
    from lxml import etree

    for node in nodes:
        el = etree.SubElement(parent, f"{{{namespace}}}Code", guid=node.guid, name=xml_text(node.name),
                              isCodable="true" if node.codable else "false")
        if node.description:
            etree.SubElement(el, f"{{{namespace}}}Description").text = xml_text(node.description)
        for note_guid in (notes or {}).get(node.theme or "", []):
            etree.SubElement(el, f"{{{namespace}}}NoteRef", targetGUID=note_guid)
        append_codes(el, node.children, namespace, notes)


def count_codes(nodes: list[CodeNode]) -> int:
    return sum(1 + count_codes(n.children) for n in nodes)


def build_qdc(codebook: Codebook, framework: Framework | None) -> bytes:
    """The ``.qdc`` document for a codebook, checked against the REFI-QDA codebook schema."""
    from lxml import etree

    tree = code_tree(codebook, framework)
    if not tree:
        raise PiriQualError(
            "the codebook has no themes and there is no framework to export",
            path=codebook.path,
            hint="Add themes to the codebook first.",
        )
    # lxml-stubs types nsmap as Mapping[str, str], but None is lxml's key for the default
    # namespace (https://github.com/lxml/lxml-stubs/issues/76)
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS},  # type: ignore[dict-item]
                         origin=f"piri-qual {__version__}")
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    append_codes(codes, tree, CODEBOOK_NS)
    errors = schema_errors(root, "codebook")
    if errors:  # a bug in this writer, never the user's doing
        raise RuntimeError("the codebook export does not validate: " + "; ".join(errors[:5]))
    return serialise(root)


#: ``export qdc [FILE]``: the default file is named after the study (see :mod:`.output_path`).
QDC = OutputKind("a REFI-QDA codebook", ("qdc",), "codebook")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def serialise(root: Any) -> bytes:
    """UTF-8 XML with the declaration every REFI tool expects (double-quoted, UTF-8)."""
    from lxml import etree

    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False,
                                            pretty_print=True)


@dataclass
class QdcReport:
    path: Path
    codes: int
    themes: int
    constructs: int

    def line(self) -> str:
        return (f"wrote {self.path}: {self.codes} codes ({self.themes} themes, "
                f"{self.constructs} framework constructs), valid REFI-QDA codebook")


def export_qdc(study: StudyFolder, path: Path) -> QdcReport:
    codebook = study.codebook
    framework = study.framework
    data = build_qdc(codebook, framework)
    atomic_write_bytes(path, data)
    constructs = len(framework.constructs) if framework is not None else 0
    return QdcReport(path, count_codes(code_tree(codebook, framework)), len(codebook.themes), constructs)
