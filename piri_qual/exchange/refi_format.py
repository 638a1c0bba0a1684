"""Conventions shared by the REFI-QDA reader and writers.

* Namespaces and GUIDs: GUIDs are compared case-insensitively and without braces (tools write
  both); the writers make them deterministic (UUID5 of what the object is), so exporting the
  same study twice gives the same GUIDs and other tools can match objects across exports.
* Theme descriptions: a REFI code has one free-text ``Description``. piri-qual writes the theme
  definition first and then labelled blocks (``Include:``, ``Exclude:``, ``Keywords:``, ...,
  ``Id: waiting_times``) that people can read in NVivo or ATLAS.ti and that the reader parses
  back, so a codebook survives the round trip. A description from another tool is simply the
  definition.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

_GUID_NS = uuid.UUID("5b0f3c55-7d7e-4d0c-9a52-61b1e3f0c2a7")
_GUID_RE = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ID_CHARS = re.compile(r"[^a-z0-9_.\-]+")


def guid_key(value: str | None) -> str | None:
    """A GUID as a lookup key: braces and surrounding space removed, lower case."""
    if value is None:
        return None
    value = value.strip()
    match = _GUID_RE.match(value)
    if match:
        return match.group(1).lower()
    return value.strip("{}").lower() or None


def make_guid(*parts: object) -> str:
    """A deterministic upper-case GUID for the object named by ``parts``."""
    return str(uuid.uuid5(_GUID_NS, "\x1f".join(str(p) for p in parts))).upper()


def xml_text(value: str) -> str:
    """``value`` without the control characters XML 1.0 cannot carry."""
    return _INVALID_XML.sub("\ufffd", value)


def refi_datetime(value: str | None) -> str | None:
    """An ISO time as an xsd:dateTime in UTC with ``Z`` (None when it cannot be read)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_refi() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slug(text: str, fallback: str = "code") -> str:
    """An id (letters, digits, ``_ . -``) made from a name: ``Emotional response`` -> ``emotional_response``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = _ID_CHARS.sub("_", ascii_text.casefold()).strip("_.-")
    out = re.sub(r"_+", "_", out)
    if not out:
        return fallback
    if not out[0].isalnum():
        out = f"{fallback}_{out}"
    return out


# -- theme descriptions ----------------------------------------------------------------------

#: Block label in a description -> field of the parsed description (lists unless noted).
_LIST_BLOCKS = {
    "include": "include",
    "exclude": "exclude",
    "keywords": "keywords",
    "examples": "examples",
    "patterns": "patterns",
    "exclude terms": "exclude_terms",
}
_SINGLE_BLOCKS = {"section": "section", "id": "id"}
_HEADER_RE = re.compile(r"^(Include|Exclude|Keywords|Examples|Patterns|Exclude terms|Section|Id):[ \t]*(.*)$")


@dataclass
class Described:
    """What a code description says, once the piri-qual blocks are taken off its end."""

    definition: str = ""
    id: str | None = None
    section: str | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    patterns: list[Any] = field(default_factory=list)
    exclude_terms: list[str] = field(default_factory=list)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def format_description(
    definition: str,
    *,
    ident: str | None = None,
    section: str | None = None,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    keywords: tuple[str, ...] = (),
    examples: tuple[str, ...] = (),
    patterns: tuple[Any, ...] = (),
    exclude_terms: tuple[str, ...] = (),
) -> str:
    """The description text for a theme, construct or domain (see the module docstring)."""
    blocks: list[str] = []
    for label, items in (
        ("Include", include), ("Exclude", exclude), ("Keywords", keywords),
        ("Examples", examples), ("Exclude terms", exclude_terms),
    ):
        if items:
            blocks.append(f"{label}:\n" + "\n".join(f"- {_one_line(i)}" for i in items))
    if patterns:
        lines = [json.dumps(p, ensure_ascii=False, separators=(", ", ": ")) for p in patterns]
        blocks.append("Patterns:\n" + "\n".join(f"- {line}" for line in lines))
    if section:
        blocks.append(f"Section: {_one_line(section)}")
    if ident:
        blocks.append(f"Id: {ident}")
    head = definition.strip()
    tail = "\n".join(blocks)
    if head and tail:
        return f"{head}\n\n{tail}"
    return head or tail


def parse_description(text: str | None) -> Described:
    """Split a description into the definition and the piri-qual blocks at its end.

    Only a trailing run of block headers and ``- item`` lines, after a blank line (or making up
    the whole description), counts as blocks, so a definition that happens to contain
    ``Include:`` in its prose stays prose.
    """
    result = Described()
    if not text:
        return result
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    first_block = len(lines)
    i = len(lines) - 1
    while i >= 0:
        line = lines[i]
        if _HEADER_RE.match(line):
            first_block = i
        elif not line.startswith("- "):
            break
        i -= 1
    if first_block < len(lines) and not (first_block == 0 or not lines[first_block - 1].strip()):
        first_block = len(lines)
    if first_block < len(lines) and lines[first_block].startswith("- "):
        first_block = len(lines)
    result.definition = "\n".join(lines[:first_block]).strip()
    current: str | None = None
    for line in lines[first_block:]:
        header = _HEADER_RE.match(line)
        if header:
            label = header.group(1).lower()
            value = header.group(2).strip()
            if label in _SINGLE_BLOCKS:
                setattr(result, _SINGLE_BLOCKS[label], value or None)
                current = None
            else:
                current = _LIST_BLOCKS[label]
                if value:
                    getattr(result, current).append(value)
            continue
        if current is None:
            continue
        item = line[2:].strip()
        if current == "patterns":
            try:
                result.patterns.append(json.loads(item))
            except ValueError:
                continue
        elif item:
            getattr(result, current).append(item)
    return result


_CODER_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")


def safe_coder_name(raw: str | None, fallback: str) -> str:
    """A valid coder name (it becomes ``codings/<name>.jsonl``) made from a user or author name."""
    ascii_text = unicodedata.normalize("NFKD", raw or "").encode("ascii", "ignore").decode("ascii")
    name = _CODER_BAD.sub("_", ascii_text.strip()).strip("_.-")
    name = re.sub(r"_+", "_", name)[:64].rstrip("_.-")
    return name or fallback
