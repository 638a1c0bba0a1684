"""From a REFI-QDA code tree to piri-qual's framework and codebook.

A code tree says little about meaning, so the mapping follows its shape:

* a top-level code that cannot be applied (``isCodable="false"``) whose children also cannot be
  applied, and whose grandchildren can, is a framework *domain*, its children *constructs* and
  the codes below them themes placed under that construct (this is how piri-qual itself
  exports a framework, and how researchers often lay out deductive codebooks);
* every other code is a theme, and a code nested in another gets that theme as ``parent``.

Against an existing study, codes are matched to themes by the ``Id:`` line piri-qual writes in
descriptions, then by id or label (case-insensitive); codes that match nothing are new themes,
which an existing codebook only takes when asked (``--add-themes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piri_qual.core.framework import ID_PATTERN, Codebook, Framework, Theme
from piri_qual.core.yamlfile import dump_yaml, parse_yaml
from piri_qual.errors import PiriQualError
from piri_qual.exchange.refi_format import Described, parse_description, slug
from piri_qual.exchange.refi_model import RefiCode

IMPORTED_SECTION = "imported"


@dataclass
class CodeMap:
    """Where each code went and what has to be added to the study."""

    theme_of: dict[str, str] = field(default_factory=dict)  # code GUID -> theme id
    new_themes: list[Theme] = field(default_factory=list)
    matched: int = 0
    framework: dict[str, Any] | None = None  # a new framework (YAML data), when one is written
    constructs: int = 0
    domains: int = 0
    warnings: list[str] = field(default_factory=list)


def is_domain(code: RefiCode) -> bool:
    """A non-codable code whose children are non-codable and whose grandchildren are codable."""
    if code.codable or not code.children:
        return False
    for construct in code.children:
        if construct.codable or any(not theme.codable for theme in construct.children):
            return False
    return True


class _Ids:
    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def claim(self, wanted: str | None, name: str, parent: str | None, fallback: str) -> str:
        options = []
        if wanted and ID_PATTERN.match(wanted):
            options.append(wanted)
        base = slug(name, fallback)
        options.append(base)
        if parent:
            options.append(f"{parent}.{base}")
        for option in options:
            if option not in self.taken:
                self.taken.add(option)
                return option
        n = 2
        while f"{base}_{n}" in self.taken:
            n += 1
        self.taken.add(f"{base}_{n}")
        return f"{base}_{n}"


def _clean_patterns(patterns: list[Any]) -> tuple[Any, ...]:
    return tuple(p for p in patterns if isinstance(p, list) and p and all(isinstance(t, dict) for t in p))


def _find_construct(code: RefiCode, described: Described, framework: Framework) -> str | None:
    constructs = framework.constructs
    if described.id and described.id in constructs:
        return described.id
    wanted = code.name.casefold()
    for construct in constructs.values():
        if construct.id.casefold() == wanted or construct.label.casefold() == wanted:
            return construct.id
    if slug(code.name) in constructs:
        return slug(code.name)
    return None


def _find_theme(code: RefiCode, described: Described, codebook: Codebook) -> Theme | None:
    """The study's theme a code is, retired ones included (a retired id must not be added again)."""
    if described.id and codebook.lookup(described.id) is not None:
        return codebook.lookup(described.id)
    found = codebook.find(code.name)
    if found is not None:
        return found
    wanted = code.name.strip().casefold()
    retired = next((t for t in codebook.retired if wanted in (t.id.casefold(), t.label.casefold())), None)
    return retired or codebook.lookup(slug(code.name))


def map_codes(
    codes: list[RefiCode],
    *,
    codebook: Codebook | None,
    framework: Framework | None,
    framework_replaceable: bool,
    framework_id: str,
    framework_label: str,
    add_themes: bool,
    where: Path | str,
) -> CodeMap:
    """Map a code tree onto the study's framework and codebook (see the module docstring)."""
    result = CodeMap()
    fresh = codebook is None or not codebook.themes
    existing_ids = {t.id for t in codebook.all_themes} if codebook is not None else set()
    theme_ids = _Ids(existing_ids)
    section = None if fresh else IMPORTED_SECTION
    domains = [c for c in codes if is_domain(c)]
    if domains:  # beside real domains, an empty folder at the top is a domain with no constructs
        domains += [c for c in codes if not c.codable and not c.children and c not in domains]
        domains.sort(key=codes.index)
    use_framework = bool(domains) and (framework_replaceable or framework is not None)

    construct_of_code: dict[str, str | None] = {}
    unplaced: list[str] = []
    if use_framework and framework_replaceable:
        ids = _Ids(set())
        data_domains = []
        for domain in domains:
            d_desc = parse_description(domain.description)
            did = ids.claim(d_desc.id, domain.name, None, "domain")
            constructs = []
            for construct in domain.children:
                c_desc = parse_description(construct.description)
                cid = ids.claim(c_desc.id, construct.name, did, "construct")
                construct_of_code[construct.guid] = cid
                constructs.append({"id": cid, "label": construct.name, "description": c_desc.definition})
            data_domains.append({"id": did, "label": domain.name, "description": d_desc.definition,
                                 "constructs": constructs})
        result.framework = {"id": framework_id, "label": framework_label,
                            "description": "Imported from a REFI-QDA project.", "domains": data_domains}
        result.domains = len(data_domains)
        result.constructs = sum(len(d["constructs"]) for d in data_domains)
    elif use_framework and framework is not None:
        for domain in domains:
            for construct in domain.children:
                found = _find_construct(construct, parse_description(construct.description), framework)
                construct_of_code[construct.guid] = found
                if found is None:
                    unplaced.append(f"{domain.name} > {construct.name}")
        result.domains = len(domains)
        result.constructs = sum(1 for v in construct_of_code.values() if v)
        if unplaced and not add_themes:
            raise PiriQualError(
                f"{len(unplaced)} construct codes are not in the framework {framework.id!r}: "
                + "; ".join(unplaced[:10]) + (f" and {len(unplaced) - 10} more" if len(unplaced) > 10 else ""),
                path=where,
                hint="Nothing was written. Add them to the framework, import into a new study "
                "with --into DIR, or pass --add-themes to add their themes without a construct",
            )
        if unplaced:
            result.warnings.append(
                f"{len(unplaced)} construct codes are not in the framework; their themes were "
                "added without a construct"
            )

    unknown: list[str] = []

    def theme(code: RefiCode, construct: str | None, parent: str | None) -> None:
        described = parse_description(code.description)
        existing = _find_theme(code, described, codebook) if codebook is not None and not fresh else None
        if existing is not None:
            tid = existing.id
            result.matched += 1
        else:
            tid = theme_ids.claim(described.id, code.name, parent, "code")
            unknown.append(code.name)
            result.new_themes.append(
                Theme(
                    id=tid,
                    label=code.name,
                    construct=construct,
                    parent=parent,
                    definition=described.definition,
                    include=tuple(described.include),
                    exclude=tuple(described.exclude),
                    keywords=tuple(described.keywords),
                    patterns=_clean_patterns(described.patterns),
                    exclude_terms=tuple(described.exclude_terms),
                    examples=tuple(described.examples),
                    section=described.section or section,
                    codable=code.codable,
                )
            )
        result.theme_of[code.guid] = tid
        for child in code.children:
            theme(child, construct, tid)

    for code in codes:
        if use_framework and code in domains:
            for construct in code.children:
                for child in construct.children:
                    theme(child, construct_of_code.get(construct.guid), None)
        else:
            theme(code, None, None)

    if unknown and not fresh and not add_themes:
        shown = ", ".join(repr(n) for n in unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise PiriQualError(
            f"{len(unknown)} codes are not in the codebook: {shown}",
            path=where,
            hint="Nothing was written. Add them to the codebook, or rerun with --add-themes to add "
            f"them to an '{IMPORTED_SECTION}' section",
        )
    return result


# -- writing the codebook -------------------------------------------------------------------


def framework_yaml(data: dict[str, Any]) -> str:
    return "# piri-qual framework (imported)\n" + dump_yaml(data)


def codebook_yaml(old_text: str | None, codebook: Codebook | None, new_themes: list[Theme],
                  *, codebook_id: str, label: str, framework_id: str | None) -> str:
    """The codebook file with ``new_themes`` added.

    New themes are appended to the end of the existing text when ``themes:`` is its last block,
    so the researcher's comments and layout survive; otherwise the file is rewritten whole.
    """
    new_items = [t.as_dict() for t in new_themes]
    if old_text is not None and codebook is not None and codebook.themes:
        appended = _append_themes(old_text, new_items)
        if appended is not None:
            return appended
        themes = [*codebook.themes, *new_themes]
        return Codebook(codebook.id, codebook.label, codebook.framework_id, themes).to_yaml()
    fid = codebook.framework_id if codebook is not None and codebook.framework_id else framework_id
    cid = codebook.id if codebook is not None else codebook_id
    clabel = codebook.label if codebook is not None and codebook.label != codebook.id else label
    return Codebook(cid, clabel, fid, list(new_themes)).to_yaml()


def _append_themes(old_text: str, new_items: list[dict[str, Any]]) -> str | None:
    try:
        before = parse_yaml(old_text, Path("codebook"))
    except PiriQualError:
        return None
    if not isinstance(before, dict) or not isinstance(before.get("themes"), list):
        return None
    indent = None
    for line in old_text.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith("- id:"):
            indent = len(line) - len(stripped)
            break
    if indent is None:
        return None
    block = dump_yaml(new_items)
    pad = " " * indent
    body = "\n".join((pad + line) if line else line for line in block.splitlines())
    candidate = old_text.rstrip("\n") + "\n\n" + pad + "# imported\n" + body + "\n"
    try:
        after = parse_yaml(candidate, Path("codebook"))
        added = parse_yaml(block, Path("codebook"))
    except PiriQualError:
        return None
    expected = dict(before)
    expected["themes"] = [*before["themes"], *added]
    return candidate if after == expected else None
