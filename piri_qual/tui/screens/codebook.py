"""The codebook screen: the framework tree with this coder's counts, and each theme's rules.

Domains hold constructs, constructs hold themes (a theme with a parent sits under it). Moving
through the tree shows the theme's definition, inclusion and exclusion rules; ``a`` assigns the
highlighted theme to the current excerpt (a click only highlights, so reading the rules is safe).
"""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Label, Tree
from textual.widgets.tree import TreeNode

from piri_qual.core.framework import Codebook, Framework, Theme
from piri_qual.tui.widgets.suggestion_list import ThemeDetail


def _theme_label(theme: Theme, count: int) -> Text:
    text = Text(theme.label)
    text.append(f" ({count})", style="bold" if count else "dim")
    return text


class CodebookScreen(Screen[str | None]):
    BINDINGS = [
        Binding("a", "assign", "Assign to excerpt"),
        Binding("escape", "close", "Back"),
        Binding("c", "close", "Back", show=False),
        Binding("q", "close", "Back", show=False),
    ]

    def __init__(self, codebook: Codebook, framework: Framework | None, counts: Counter[str], coder: str) -> None:
        super().__init__()
        self.codebook = codebook
        self.framework = framework
        self.counts = counts
        self.coder = coder

    def compose(self) -> ComposeResult:
        yield Label(
            f"Codebook \u00b7 {self.coder}'s codings per theme \u00b7 a assigns the highlighted theme",
            id="codebook-title",
        )
        with Horizontal(id="codebook-body"):
            yield Tree(self.framework.label if self.framework else self.codebook.label, id="codebook-tree")
            yield ThemeDetail(id="codebook-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        tree = self.query_one(Tree)
        tree.root.expand()
        themes_by_construct: dict[str | None, list[Theme]] = {}
        for theme in self.codebook.themes:
            key = theme.construct if self.framework and theme.construct in self.framework.constructs else None
            themes_by_construct.setdefault(key, []).append(theme)
        if self.framework is not None:
            for domain in self.framework.domains:
                d_node = tree.root.add(Text(domain.label, style="bold"), expand=True)
                for construct in domain.constructs:
                    themes = themes_by_construct.get(construct.id, [])
                    total = sum(self.counts.get(t.id, 0) for t in themes)
                    label = Text(f"{construct.label} ({total})", style="" if themes else "dim")
                    if themes:
                        c_node = d_node.add(label, data=("construct", construct.id), expand=True)
                        self._add_themes(c_node, themes)
                    else:
                        d_node.add_leaf(label, data=("construct", construct.id))
        loose = themes_by_construct.get(None, [])
        if loose:
            o_node = tree.root.add(Text("Themes outside the framework", style="bold"), expand=True)
            self._add_themes(o_node, loose)
        tree.focus()
        self.query_one(ThemeDetail).show(None)

    def _add_themes(self, node: TreeNode[tuple[str, str]], themes: list[Theme]) -> None:
        ids = {t.id for t in themes}
        children: dict[str, list[Theme]] = {}
        for theme in themes:
            if theme.parent in ids:
                children.setdefault(theme.parent, []).append(theme)
        for theme in themes:
            if theme.parent in ids:
                continue
            kids = children.get(theme.id, [])
            t_node = node.add(_theme_label(theme, self.counts.get(theme.id, 0)), data=("theme", theme.id),
                              expand=bool(kids), allow_expand=bool(kids))
            for kid in kids:
                t_node.add_leaf(_theme_label(kid, self.counts.get(kid.id, 0)), data=("theme", kid.id))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[tuple[str, str]]) -> None:
        detail = self.query_one(ThemeDetail)
        kind, ident = event.node.data or ("", "")
        constructs = self.framework.constructs if self.framework is not None else {}
        if kind == "construct" and ident in constructs:
            construct = constructs[ident]
            detail.set_text(Text.assemble((construct.label, "bold"), "\n", construct.description or ""))
            return
        theme = self.codebook.get(ident) if kind == "theme" else None
        found = constructs.get(theme.construct) if theme is not None and theme.construct else None
        detail.show(theme, found.label if found else (theme.construct if theme else None))

    def action_assign(self) -> None:
        node = self.query_one(Tree).cursor_node
        if node is None or not node.data or node.data[0] != "theme":
            self.notify("highlight a theme (not a domain or construct) to assign it", severity="warning")
            return
        self.dismiss(node.data[1])

    def action_close(self) -> None:
        self.dismiss(None)
