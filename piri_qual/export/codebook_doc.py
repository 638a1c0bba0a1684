"""The codebook as a document (.docx, Markdown): the framework, then every theme in full.

The methods appendix of a qualitative report shows the analytical framework and, for each theme,
its definition, when to apply it and when not, examples, and how often it was used. Counts come
from one coder's codings ("coded 23 times; raised by 8 of 14 parents, 3 of 9 staff").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, SupportsInt, cast

from piri_qual.analysis.matrix import plural
from piri_qual.export.docx_writer import new_document
from piri_qual.export.word_xml import Run, style_id

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.anonymise import Pseudonymiser
    from piri_qual.core.codebook_history import CodebookHistory
    from piri_qual.core.framework import Codebook, Framework, Theme


@dataclass
class ThemeEntry:
    theme: Theme
    counts: str = ""
    children: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A domain (level 1) or construct (level 2) heading with its description and themes."""

    level: int
    title: str
    description: str = ""
    themes: list[ThemeEntry] = field(default_factory=list)


def count_text(freq: pd.DataFrame | None, theme_id: str, coder: str) -> str:
    if freq is None or theme_id not in freq.index:
        return ""
    groups = [g for g in dict.fromkeys(freq.columns.get_level_values(0)) if g != "all"]
    # every cell of a frequency table is a count; pandas types a cell as any scalar
    excerpts = int(cast(SupportsInt, freq.at[theme_id, ("all", "excerpts")]))

    parts = []
    for group in groups:
        n = int(cast(SupportsInt, freq.at[theme_id, (group, "of")]))
        raised = int(cast(SupportsInt, freq.at[theme_id, (group, "participants")]))
        parts.append(f"{raised} of {n} {plural(group, n)}")
    text = f"Coded {excerpts} time{'s' if excerpts != 1 else ''} by {coder}"
    return text + (f"; raised by {', '.join(parts)}." if parts else ".")


def sections(codebook: Codebook, framework: Framework | None, freq: pd.DataFrame | None = None,
             coder: str = "") -> list[Section]:
    """The codebook in framework order, with each theme's counts."""
    out: list[Section] = []
    placed: set[str] = set()
    children: dict[str, list[str]] = {}
    for theme in codebook.themes:
        if theme.parent:
            children.setdefault(theme.parent, []).append(theme.label)

    def entry(theme: Theme) -> ThemeEntry:
        placed.add(theme.id)
        return ThemeEntry(theme, count_text(freq, theme.id, coder), children.get(theme.id, []))

    if framework is not None:
        for domain in framework.domains:
            out.append(Section(1, domain.label, domain.description))
            for construct in domain.constructs:
                out.append(Section(2, construct.label, construct.description,
                                   [entry(t) for t in codebook.themes if t.construct == construct.id]))
    rest = [t for t in codebook.themes if t.id not in placed]
    if rest:
        out.append(Section(1, "Not placed in the framework", "", [entry(t) for t in rest]))
    return out


@dataclass
class Development:
    """How the codebook developed: a summary line, then each theme's changes in order."""

    summary: str
    themes: list[tuple[str, list[str]]]  # ("Label (id)", ["2025-03-04, alice: renamed a -> b (why)", ...])


def development(history: CodebookHistory, codebook: Codebook) -> Development | None:
    """Each theme's origin and changes (created, renamed from, merged from, split from, edited),
    with dates, coders and reasons, from the codebook's history; None when it has none."""
    if not history.changes:
        return None
    coders = sorted({c.coder for c in history.changes})
    first, last = history.changes[0].time[:10], history.changes[-1].time[:10]
    real = [c for c in history.changes if c.op != "snapshot"]
    summary = (f"{len(real)} change{'s' if len(real) != 1 else ''} to the codebook recorded between {first} and "
               f"{last} by {', '.join(coders)}, in piri-qual's codebook history.")
    out = []
    for theme in [*codebook.themes, *codebook.retired]:
        lines = []
        for change in history.about(theme.id):
            if change.op == "snapshot":
                lines.append(f"{change.time[:10]}: in the codebook when its history began")
                continue
            text = f"{change.time[:10]}, {change.coder}: {change.describe()}"
            lines.append(text + (f" ({change.why})" if change.why else ""))
        out.append((f"{theme.label} ({theme.id})" + (" [retired]" if theme.retired else ""), lines))
    return Development(summary, out)


def _development_markdown(dev: Development) -> list[str]:
    lines = ["## How the codebook developed\n", f"{dev.summary}\n"]
    for title, items in dev.themes:
        lines.append(f"**{title}**\n")
        lines += [f"- {item}" for item in items] or ["- no recorded change"]
        lines.append("")
    return lines


def _rules(theme: Theme) -> list[tuple[str, tuple[str, ...]]]:
    return [("Include", theme.include), ("Exclude", theme.exclude)]


def codebook_markdown(codebook: Codebook, framework: Framework | None, parts: list[Section],
                      pseudonymiser: Pseudonymiser | None = None, dev: Development | None = None) -> str:
    clean = pseudonymiser.apply if pseudonymiser else (lambda s: s)
    lines = [f"# {codebook.label}\n"]
    if framework is not None:
        lines.append(f"Framework: **{framework.label}**. {framework.description}\n")
        lines.append("## Framework\n")
        for domain in framework.domains:
            lines.append(f"- **{domain.label}**: {domain.description}")
            lines += [f"  - *{c.label}*: {c.description}" for c in domain.constructs]
        lines.append("")
    lines.append("## Themes\n")
    for part in parts:
        lines.append(f"{'###' if part.level == 1 else '####'} {part.title}\n")
        if part.description:
            lines.append(f"{part.description}\n")
        for item in part.themes:
            theme = item.theme
            lines.append(f"{'####' if part.level == 1 else '#####'} {theme.label} (`{theme.id}`)\n")
            if theme.parent:
                lines.append(f"*Sub-theme of `{theme.parent}`.*\n")
            if theme.definition:
                lines.append(f"**Definition.** {theme.definition}\n")
            for name, rules in _rules(theme):
                if rules:
                    lines.append(f"**{name}:**\n")
                    lines += [f"- {r}" for r in rules]
                    lines.append("")
            if theme.examples:
                lines.append("**Examples:**\n")
                lines += [f"> {clean(e)}\n" for e in theme.examples]
            if item.children:
                lines.append(f"**Sub-themes:** {', '.join(item.children)}\n")
            if item.counts:
                lines.append(f"*{item.counts}*\n")
    if dev is not None:
        lines += _development_markdown(dev)
    return "\n".join(lines)


def codebook_docx(codebook: Codebook, framework: Framework | None, parts: list[Section], path: Path,
                  pseudonymiser: Pseudonymiser | None = None, dev: Development | None = None) -> None:
    from piri_qual.export.word_stream import streamed_docx

    clean = pseudonymiser.apply if pseudonymiser else (lambda s: s)
    bullet, bullet2 = style_id("List Bullet"), style_id("List Bullet 2")
    with streamed_docx(new_document(codebook.label), path) as body:
        if framework is not None:
            body.paragraph(f"Framework: {framework.label}. {framework.description}".strip())
            body.heading("Framework", 1)
            for domain in framework.domains:
                body.runs(Run(domain.label, bold=True),
                          Run(f": {domain.description}" if domain.description else ""), style=bullet)
                for construct in domain.constructs:
                    body.runs(Run(construct.label, italic=True),
                              Run(f": {construct.description}" if construct.description else ""), style=bullet2)
        body.heading("Themes", 1)
        for part in parts:
            body.heading(part.title, part.level + 1)
            if part.description:
                body.paragraph(part.description)
            for item in part.themes:
                theme = item.theme
                body.heading(f"{theme.label} ({theme.id})", min(part.level + 2, 4))
                if theme.parent:
                    body.runs(Run(f"Sub-theme of {theme.parent}.", italic=True))
                if theme.definition:
                    body.runs(Run("Definition. ", bold=True), Run(theme.definition))
                for name, rules in _rules(theme):
                    if rules:
                        body.runs(Run(f"{name}:", bold=True))
                        for rule in rules:
                            body.paragraph(rule, bullet)
                if theme.examples:
                    body.runs(Run("Examples:", bold=True))
                    for example in theme.examples:
                        body.paragraph(f"\u201c{clean(example)}\u201d", "Quote")
                if item.children:
                    body.paragraph(f"Sub-themes: {', '.join(item.children)}")
                if item.counts:
                    body.runs(Run(item.counts, italic=True, size=9))
        if dev is not None:
            body.heading("How the codebook developed", 1)
            body.paragraph(dev.summary)
            for title, changes in dev.themes:
                body.runs(Run(title, bold=True))
                for line in changes or ["no recorded change"]:
                    body.paragraph(line, bullet)
