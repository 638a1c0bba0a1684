"""Analytical frameworks and codebooks, loaded from YAML and checked whole.

A *framework* is domains -> constructs (e.g. implementation -> referral). A *codebook* is the
list of themes researchers code with; each theme sits under one construct and carries its
definition, inclusion and exclusion rules, keywords, spaCy token patterns and example quotes.

Validation reports every problem at once, each as ``file:line: what is wrong``, in the manner of
spaCy's config validation, because fixing a YAML file one error per run is miserable.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piri_qual.core.atomic import atomic_write_text
from piri_qual.core.token_patterns import check_pattern
from piri_qual.core.yamlfile import LineDict, LineList, dump_yaml, load_yaml, parse_yaml
from piri_qual.errors import PiriQualError, shown

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class Construct:
    id: str
    label: str
    description: str
    domain: str


@dataclass(frozen=True)
class Domain:
    id: str
    label: str
    description: str
    constructs: tuple[Construct, ...]


@dataclass(frozen=True)
class Framework:
    id: str
    label: str
    description: str
    domains: tuple[Domain, ...]
    path: Path | None = None

    @property
    def constructs(self) -> dict[str, Construct]:
        return {c.id: c for d in self.domains for c in d.constructs}

    def domain_of(self, construct_id: str) -> Domain | None:
        for domain in self.domains:
            if any(c.id == construct_id for c in domain.constructs):
                return domain
        return None


@dataclass(frozen=True)
class Theme:
    """One code of the codebook. ``construct`` places it in the framework."""

    id: str
    label: str
    construct: str | None = None
    parent: str | None = None
    definition: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    patterns: tuple[Any, ...] = ()
    exclude_terms: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    section: str | None = None
    retired: bool = False
    codable: bool = True  # False: a folder or grouping theme, never coded or suggested itself

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "label": self.label}
        if self.construct:
            data["construct"] = self.construct
        if self.parent:
            data["parent"] = self.parent
        if self.section:
            data["section"] = self.section
        data["definition"] = self.definition
        for name in ("include", "exclude", "keywords", "patterns", "exclude_terms", "examples"):
            value = getattr(self, name)
            if value:
                data[name] = [dict(p) if isinstance(p, dict) else p for p in value]
        if not self.codable:
            data["codable"] = False
        if self.retired:
            data["retired"] = True
        return data


@dataclass
class Codebook:
    """The themes a study codes with.

    ``themes`` are the ones offered for coding; ``retired`` ones (``retired: true`` in the YAML)
    stay in the file for the history and for exports of work coded with them, but are not
    offered, suggested or accepted for new codings. ``get``/``find``/``resolve`` and ``in`` see
    only the offered themes; :meth:`lookup` sees both.
    """

    id: str
    label: str
    framework_id: str | None
    themes: list[Theme] = field(default_factory=list)
    path: Path | None = None
    retired: list[Theme] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_id = {t.id: t for t in self.themes}
        self._retired = {t.id: t for t in self.retired}

    def lookup(self, theme_id: str) -> Theme | None:
        """An offered or a retired theme by id."""
        return self._by_id.get(theme_id) or self._retired.get(theme_id)

    @property
    def all_themes(self) -> list[Theme]:
        """Offered then retired themes."""
        return [*self.themes, *self.retired]

    def __contains__(self, theme_id: object) -> bool:
        return theme_id in self._by_id

    def get(self, theme_id: str) -> Theme | None:
        return self._by_id.get(theme_id)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def codable(self) -> list[Theme]:
        """The offered themes a coding may use: not the folders and grouping themes
        (``codable: false``, as REFI-QDA's ``isCodable="false"`` imports)."""
        return [t for t in self.themes if t.codable]

    def resolve(self, name: str, *, source: str | Path | None = None) -> Theme:
        """Find a theme by id or label (case-insensitive), or fail naming the close matches."""
        found = self.find(name)
        if found is not None:
            return found
        key = name.strip().casefold()
        old = next((t for t in self.retired if key in (t.id.casefold(), t.label.casefold())), None)
        if old is not None:
            raise PiriQualError(
                f"theme {old.id!r} is retired: it is kept for the codings made with it, not offered for new ones",
                path=source,
                hint="See `piri-qual codebook history " + old.id + "`.",
            )
        choices = difflib.get_close_matches(name.lower(), [i.lower() for i in self.ids], n=3)
        hint = (
            f"Did you mean {', '.join(choices)}?" if choices else "Run `piri-qual codebook` to list themes."
        )
        raise PiriQualError(f"unknown theme {name!r}", path=source, hint=hint)

    def find(self, name: str) -> Theme | None:
        key = name.strip()
        if key in self._by_id:
            return self._by_id[key]
        low = key.casefold()
        for theme in self.themes:
            if theme.id.casefold() == low or theme.label.casefold() == low:
                return theme
        return None

    def add_theme(self, theme: Theme) -> None:
        if theme.id in self._by_id or theme.id in self._retired:
            raise PiriQualError(f"theme {theme.id!r} already exists", path=self.path)
        self.themes.append(theme)
        self._by_id[theme.id] = theme

    def to_yaml(self) -> str:
        data: dict[str, Any] = {"id": self.id, "label": self.label}
        if self.framework_id:
            data["framework"] = self.framework_id
        data["themes"] = [t.as_dict() for t in self.all_themes]
        return "# piri-qual codebook\n" + dump_yaml(data)


class _Problems:
    """Collects validation problems so that all of them are reported together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, line: int | None, message: str) -> None:
        where = f"{shown(self.path)}:{line}" if line else shown(self.path)
        self.items.append(f"{where}: {message}")

    def raise_if_any(self, what: str) -> None:
        if self.items:
            count = len(self.items)
            head = f"{count} problem{'s' if count > 1 else ''} in {what} {shown(self.path)}"
            raise PiriQualError(
                head + ":\n  " + "\n  ".join(self.items),
                hint=None,
            )


def _text(node: LineDict, key: str, problems: _Problems, *, required: bool, what: str) -> str:
    value = node.get(key)
    if value is None:
        if required:
            problems.add(node.line, f"{what} has no {key!r}")
        return ""
    if not isinstance(value, str | int | float):
        problems.add(node.line_of(key), f"{what}: {key!r} must be text")
        return ""
    return str(value).strip()


def _text_list(node: LineDict, key: str, problems: _Problems, what: str) -> tuple[str, ...]:
    value = node.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),)
    if not isinstance(value, list):
        problems.add(node.line_of(key), f"{what}: {key!r} must be a list of text")
        return ()
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str | int | float):
            line = value.line_of(i) if isinstance(value, LineList) else node.line_of(key)
            problems.add(line, f"{what}: item {i + 1} of {key!r} must be text")
            continue
        out.append(str(item).strip())
    return tuple(out)


def _check_id(node: LineDict, problems: _Problems, what: str, seen: dict[str, int]) -> str:
    ident = _text(node, "id", problems, required=True, what=what)
    if not ident:
        return ""
    if not ID_PATTERN.match(ident):
        problems.add(node.line_of("id"), f"{what} id {ident!r} may use only letters, digits, _ . -")
    if ident in seen:
        problems.add(node.line_of("id"), f"duplicate id {ident!r} (first at line {seen[ident]})")
    else:
        seen[ident] = node.line_of("id")
    return ident


def load_framework(path: Path) -> Framework:
    """Load and validate a framework YAML file."""
    data = load_yaml(path)
    problems = _Problems(path)
    if not isinstance(data, LineDict):
        raise PiriQualError("a framework must be a mapping with 'id', 'label' and 'domains'", path=path)
    seen: dict[str, int] = {}
    fid = _check_id(data, problems, "framework", {})
    label = _text(data, "label", problems, required=True, what="framework")
    description = _text(data, "description", problems, required=False, what="framework")
    domains_node = data.get("domains")
    domains: list[Domain] = []
    if not isinstance(domains_node, LineList) or not domains_node:
        problems.add(data.line_of("domains"), "framework needs a non-empty 'domains' list")
        domains_node = LineList()
    for d_index, d_node in enumerate(domains_node):
        if not isinstance(d_node, LineDict):
            problems.add(domains_node.line_of(d_index), f"domain {d_index + 1} must be a mapping")
            continue
        did = _check_id(d_node, problems, f"domain {d_index + 1}", seen)
        d_label = _text(d_node, "label", problems, required=True, what=f"domain {did!r}")
        d_desc = _text(d_node, "description", problems, required=False, what=f"domain {did!r}")
        constructs: list[Construct] = []
        c_nodes = d_node.get("constructs") or LineList()
        if not isinstance(c_nodes, LineList):
            problems.add(d_node.line_of("constructs"), f"domain {did!r}: 'constructs' must be a list")
            c_nodes = LineList()
        for c_index, c_node in enumerate(c_nodes):
            if not isinstance(c_node, LineDict):
                problems.add(c_nodes.line_of(c_index), f"construct {c_index + 1} of {did!r} must be a mapping")
                continue
            cid = _check_id(c_node, problems, f"construct {c_index + 1} of {did!r}", seen)
            c_label = _text(c_node, "label", problems, required=True, what=f"construct {cid!r}")
            c_desc = _text(c_node, "description", problems, required=False, what=f"construct {cid!r}")
            constructs.append(Construct(cid, c_label, c_desc, did))
        domains.append(Domain(did, d_label, d_desc, tuple(constructs)))
    problems.raise_if_any("framework")
    return Framework(fid, label, description, tuple(domains), path)


THEME_KEYS = {
    "id", "label", "construct", "parent", "definition", "include", "exclude", "keywords",
    "patterns", "exclude_terms", "examples", "section", "description", "color", "colour", "retired",
    "codable",
}


def load_codebook(path: Path, framework: Framework | None = None, *, text: str | None = None) -> Codebook:
    """Load and validate a codebook YAML file against its framework (when there is one).

    ``text`` checks a new version of the file before it is written (errors still name ``path``).
    """
    data = load_yaml(path) if text is None else parse_yaml(text, path)
    problems = _Problems(path)
    if not isinstance(data, LineDict):
        raise PiriQualError("a codebook must be a mapping with a 'themes' list", path=path)
    cid = _text(data, "id", problems, required=False, what="codebook") or path.stem
    label = _text(data, "label", problems, required=False, what="codebook") or cid
    framework_id = _text(data, "framework", problems, required=False, what="codebook") or None
    constructs = framework.constructs if framework else {}
    theme_nodes = data.get("themes")
    if not isinstance(theme_nodes, LineList):
        problems.add(data.line_of("themes"), "codebook needs a 'themes' list")
        theme_nodes = LineList()
    seen: dict[str, int] = {}
    themes: list[Theme] = []
    parents: list[tuple[str, str, int]] = []
    for index, node in enumerate(theme_nodes):
        if not isinstance(node, LineDict):
            problems.add(theme_nodes.line_of(index), f"theme {index + 1} must be a mapping")
            continue
        tid = _check_id(node, problems, f"theme {index + 1}", seen)
        what = f"theme {tid!r}" if tid else f"theme {index + 1}"
        for key in node:
            if key not in THEME_KEYS:
                close = difflib.get_close_matches(str(key), sorted(THEME_KEYS), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.add(node.line_of(key), f"{what}: unknown field {key!r}{hint}")
        t_label = _text(node, "label", problems, required=True, what=what)
        construct = _text(node, "construct", problems, required=False, what=what) or None
        if construct and framework is not None and construct not in constructs:
            close = difflib.get_close_matches(construct, list(constructs), n=2)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            problems.add(
                node.line_of("construct"),
                f"{what} names unknown construct {construct!r}{hint}",
            )
        parent = _text(node, "parent", problems, required=False, what=what) or None
        if parent:
            parents.append((tid, parent, node.line_of("parent")))
        definition = _text(node, "definition", problems, required=False, what=what) or _text(
            node, "description", problems, required=False, what=what
        )
        patterns = _check_patterns(node, problems, what)
        themes.append(
            Theme(
                id=tid,
                label=t_label,
                construct=construct,
                parent=parent,
                definition=definition,
                include=_text_list(node, "include", problems, what),
                exclude=_text_list(node, "exclude", problems, what),
                keywords=_text_list(node, "keywords", problems, what),
                patterns=patterns,
                exclude_terms=_text_list(node, "exclude_terms", problems, what),
                examples=_text_list(node, "examples", problems, what),
                section=_text(node, "section", problems, required=False, what=what) or None,
                retired=_flag(node, "retired", problems, what),
                codable=_flag(node, "codable", problems, what, default=True),
            )
        )
    for tid, parent, line in parents:
        if parent not in seen:
            problems.add(line, f"theme {tid!r} names unknown parent theme {parent!r}")
        elif parent == tid:
            problems.add(line, f"theme {tid!r} cannot be its own parent")
    for cycle, line in _parent_cycles(parents):
        problems.add(line, f"themes {' -> '.join(repr(t) for t in cycle)} form a cycle of parents; "
                     "a theme cannot sit under its own sub-theme")
    problems.raise_if_any("codebook")
    offered = [t for t in themes if not t.retired]
    return Codebook(cid, label, framework_id, offered, path, [t for t in themes if t.retired])


def _flag(node: LineDict, key: str, problems: _Problems, what: str, default: bool = False) -> bool:
    value = node.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.add(node.line_of(key), f"{what}: {key!r} must be true or false")
        return default
    return value


def _parent_cycles(parents: list[tuple[str, str, int]]) -> list[tuple[list[str], int]]:
    """Each cycle of ``parent:`` links once (longer than a theme naming itself), with a line."""
    parent_of = {tid: parent for tid, parent, _ in parents if tid and tid != parent}
    line_of = {tid: line for tid, _, line in parents}
    found: list[tuple[list[str], int]] = []
    reported: set[str] = set()
    for start in parent_of:
        path: list[str] = []
        here: str | None = start
        while here is not None and here in parent_of and here not in path and here not in reported:
            path.append(here)
            here = parent_of.get(here)
        if here is not None and here in path:
            cycle = path[path.index(here):]
            reported.update(cycle)
            first = min(cycle, key=lambda t: line_of[t])
            at = cycle.index(first)
            ordered = cycle[at:] + cycle[:at]
            found.append(([*ordered, first], line_of[first]))
        reported.update(path)
    return found


def _check_patterns(node: LineDict, problems: _Problems, what: str) -> tuple[Any, ...]:
    """Check spaCy Matcher patterns as spaCy's schema would, without importing spaCy on this path."""
    value = node.get("patterns")
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.add(node.line_of("patterns"), f"{what}: 'patterns' must be a list of token patterns")
        return ()
    good: list[Any] = []
    for i, pattern in enumerate(value):
        line = value.line_of(i) if isinstance(value, LineList) else node.line_of("patterns")
        normal, found = check_pattern(pattern)
        for problem in found:
            problems.add(line, f"{what}: pattern {i + 1} {problem}")
        if normal is not None:
            good.append(normal)
    return tuple(good)


def save_codebook(codebook: Codebook, path: Path) -> None:
    """Write a codebook back to YAML atomically."""

    atomic_write_text(path, codebook.to_yaml())
