"""What a REFI-QDA project or codebook holds, as read (before it is mapped onto a study).

GUID fields hold lookup keys (:func:`piri_qual.exchange.refi_format.guid_key`). Text positions
are 0-based Unicode code points, end exclusive, after the reader has settled which end
convention the file used.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RefiUser:
    guid: str
    name: str | None
    short: str | None


@dataclass
class RefiCode:
    guid: str
    name: str
    codable: bool
    description: str = ""
    color: str | None = None
    children: list[RefiCode] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def walk(self) -> list[RefiCode]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass
class RefiCoding:
    guid: str
    code: str
    user: str | None
    created: str | None
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSelection:
    guid: str
    name: str
    start: int
    end: int
    user: str | None
    created: str | None
    description: str = ""
    codings: list[RefiCoding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSource:
    """A text source (or a PDF's plain-text representation)."""

    guid: str
    name: str
    kind: str  # text | pdf
    text: str
    member: str | None  # archive member the text came from (None for inline text)
    bom: bool = False
    description: str = ""
    user: str | None = None
    selections: list[RefiSelection] = field(default_factory=list)
    codings: list[RefiCoding] = field(default_factory=list)  # codings of the whole source
    notes: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class RefiCase:
    guid: str
    name: str
    description: str = ""
    values: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)


@dataclass
class RefiNote:
    guid: str
    name: str
    text: str
    user: str | None
    created: str | None


@dataclass
class RefiProject:
    name: str
    origin: str
    creator: str | None = None
    users: dict[str, RefiUser] = field(default_factory=dict)
    user_order: list[str] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    notes: dict[str, RefiNote] = field(default_factory=dict)
    project_notes: list[str] = field(default_factory=list)
    end_convention: str = "exclusive"
    warnings: list[str] = field(default_factory=list)

    def code_index(self) -> dict[str, RefiCode]:
        return {c.guid: c for root in self.codes for c in root.walk()}
