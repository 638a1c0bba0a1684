"""Themes named on a command line, in framework order: ids, labels, constructs, domains, old ids.

``piri-qual quotes bonding`` should find the theme by id or label; ``quotes connection`` every
theme of the construct; ``quotes outcomes`` every theme of the domain; ``quotes waiting_times``
the theme that id was renamed to. A theme with codes placed under it (``parent:``) brings its
codes along, as opening a node with its children does in NVivo. Plain Python, so commands that
only read codings need not load pandas.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from piri_qual.core.framework import Codebook, Framework, Theme
from piri_qual.errors import PiriQualError


def framework_order(codebook: Codebook, framework: Framework | None) -> list[Theme]:
    """Every theme (offered, then retired) by domain and construct order, then codebook order."""
    themes = codebook.all_themes
    rank = {}
    if framework is not None:
        for position, construct in enumerate(c for d in framework.domains for c in d.constructs):
            rank[construct.id] = position
    unplaced = len(rank)
    keyed = sorted(enumerate(themes), key=lambda item: (rank.get(item[1].construct or "", unplaced), item[0]))
    return [theme for _, theme in keyed]


def themes_named(names: Iterable[str], codebook: Codebook, framework: Framework | None,
                 theme_map: Mapping[str, str] | None = None, *, children: bool = True) -> list[Theme]:
    """The themes ``names`` name, in framework order, each once (with their codes, if ``children``).

    A name may be a theme id or label (a retired one too: its codings still exist), an id the
    codebook history renamed or merged (it names the theme that id became), a construct's id or
    label, or a domain's id or label. An unknown name is an error naming the closest ones.
    """
    ordered = framework_order(codebook, framework)
    by_id = {t.id: t for t in ordered}
    chosen: set[str] = set()
    for name in names:
        found = _one(name.strip(), ordered, by_id, framework, theme_map or {})
        if found is None:
            choices = [t.id for t in ordered] + [t.label for t in ordered]
            if framework is not None:
                choices += [c.id for d in framework.domains for c in d.constructs] + [d.id for d in framework.domains]
            close = difflib.get_close_matches(name, choices, n=3)
            raise PiriQualError(
                f"{name!r} is not a theme, construct or domain of this study",
                path=codebook.path,
                hint=f"Did you mean {', '.join(close)}?" if close else "Run `piri-qual codebook` to list themes.",
            )
        chosen.update(found)
    if children:
        parents = {t.id: t.parent for t in ordered if t.parent}
        for theme in ordered:
            seen: set[str] = set()
            parent = parents.get(theme.id)
            while parent and parent not in seen:
                if parent in chosen:
                    chosen.add(theme.id)
                    break
                seen.add(parent)
                parent = parents.get(parent)
    return [t for t in ordered if t.id in chosen]


def _one(name: str, ordered: list[Theme], by_id: dict[str, Theme], framework: Framework | None,
         theme_map: Mapping[str, str]) -> set[str] | None:
    """The ids one name stands for (possibly none: a construct without themes), or None."""
    if name in by_id:
        return {name}
    if name in theme_map and theme_map[name] in by_id:
        return {theme_map[name]}
    low = name.casefold()
    hit = {t.id for t in ordered if low in (t.id.casefold(), t.label.casefold())}
    if hit:
        return hit
    if framework is None:
        return None
    for domain in framework.domains:
        if low in (domain.id.casefold(), domain.label.casefold()):
            ids = {c.id for c in domain.constructs}
            return {t.id for t in ordered if t.construct in ids}
        for construct in domain.constructs:
            if low in (construct.id.casefold(), construct.label.casefold()):
                return {t.id for t in ordered if t.construct == construct.id}
    return None


def theme_path(theme: Theme, codebook: Codebook, framework: Framework | None) -> str:
    """Where a theme sits: ``Outcomes > Connection with baby`` (or its parent theme's label)."""
    parts: list[str] = []
    if theme.parent:
        parent = codebook.lookup(theme.parent)
        parts.append(parent.label if parent else theme.parent)
    if framework is not None and theme.construct in framework.constructs:
        construct = framework.constructs[theme.construct]
        domain = framework.domain_of(construct.id)
        parts = [*([domain.label] if domain else []), construct.label, *parts]
    return " > ".join(parts)

