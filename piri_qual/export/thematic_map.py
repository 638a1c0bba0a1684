"""The thematic map: themes and the codes under them, with counts, for the write-up.

In reflexive and inductive thematic analysis the map (Braun and Clarke's "thematic map") shows
candidate themes and the codes grouped under them. Here it is the codebook's hierarchy: domains
and constructs when the study has a framework, then each theme with its sub-themes and codes
(``parent:``), every node labelled with how many participants raised it and how many excerpts
were coded with it (a parent's figures include its codes: participants counted once). It is
written as SVG or PNG (drawn with matplotlib, no Graphviz needed), or as Graphviz DOT or Mermaid
text to paste into a report or a Markdown file.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual.core.atomic import atomic_write_bytes, atomic_write_text
from piri_qual.core.output_path import OutputKind

if TYPE_CHECKING:
    from piri_qual.analysis.selection import Selection
    from piri_qual.core.framework import Codebook, Framework

OUTPUT = OutputKind("a thematic map", ("svg", "png", "dot", "mmd"), "thematic-map")


@dataclass
class Node:
    """One box of the map: a domain, a construct, a theme or a code."""

    id: str
    label: str
    kind: str  # "root" | "domain" | "construct" | "theme"
    excerpts: int = 0  # coded with this theme itself
    participants: set[str] = field(default_factory=set)
    children: list[Node] = field(default_factory=list)

    def totals(self) -> tuple[int, int]:
        """(participants, excerpts) over this node and everything under it."""
        people = set(self.participants)
        excerpts = self.excerpts
        for child in self.children:
            _, n = child.totals()
            excerpts += n
            people |= child.people()
        return len(people), excerpts

    def people(self) -> set[str]:
        out = set(self.participants)
        for child in self.children:
            out |= child.people()
        return out

    def caption(self) -> str:
        people, excerpts = self.totals()
        return f"{people} participant{'s' if people != 1 else ''}, {excerpts} excerpt{'s' if excerpts != 1 else ''}"

    def walk(self) -> list[Node]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


def build_map(codebook: Codebook, framework: Framework | None, data: Selection, title: str) -> Node:
    """The map's tree from the codebook and one coder's selected codings."""
    counts: dict[str, tuple[int, set[str]]] = {}
    for theme_id, group in data.codings.groupby("theme"):
        counts[str(theme_id)] = (len(group), {str(p) for p in group.participant})
    themes = list(codebook.themes) + [t for t in codebook.retired if t.id in counts]
    ids = {t.id for t in themes}
    nodes = {}
    for theme in themes:
        n, people = counts.get(theme.id, (0, set()))
        label = theme.label + (" (retired)" if theme.retired else "")
        nodes[theme.id] = Node(theme.id, label, "theme", n, set(people))
    tops = []
    for theme in themes:
        if theme.parent and theme.parent in ids and theme.parent != theme.id:
            nodes[theme.parent].children.append(nodes[theme.id])
        else:
            tops.append(theme)
    root = Node("map", title, "root")
    placed: set[str] = set()
    if framework is not None:
        for domain in framework.domains:
            d_node = Node(domain.id, domain.label, "domain")
            for construct in domain.constructs:
                c_node = Node(construct.id, construct.label, "construct")
                for theme in tops:
                    if theme.construct == construct.id:
                        c_node.children.append(nodes[theme.id])
                        placed.add(theme.id)
                if c_node.children:
                    d_node.children.append(c_node)
            if d_node.children:
                root.children.append(d_node)
    root.children.extend(nodes[t.id] for t in tops if t.id not in placed)
    return root


# -- text formats --------------------------------------------------------------------------------
def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(root: Node) -> str:
    """Graphviz DOT, left to right (``dot -Tsvg map.dot > map.svg``)."""
    lines = [
        f'digraph "{_quote(root.label)}" {{',
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [color="#888888"];',
    ]
    fills = {"root": "#ffffff", "domain": "#dbe7f3", "construct": "#eaf1f8", "theme": "#fff4d6"}
    names: dict[int, str] = {}
    for i, node in enumerate(root.walk()):
        names[id(node)] = f"n{i}"
        lines.append(f'  n{i} [label="{_quote(node.label)}\\n{node.caption()}", fillcolor="{fills[node.kind]}"];')
    for node in root.walk():
        for child in node.children:
            lines.append(f"  {names[id(node)]} -> {names[id(child)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(root: Node) -> str:
    """A Mermaid flowchart (renders in GitHub, GitLab and many Markdown editors)."""
    lines = ["flowchart LR"]
    names: dict[int, str] = {}
    for i, node in enumerate(root.walk()):
        names[id(node)] = f"n{i}"
        text = re.sub(r'["<>]', "'", node.label)
        lines.append(f'  n{i}["{text}<br/><small>{node.caption()}</small>"]')
    for node in root.walk():
        for child in node.children:
            lines.append(f"  {names[id(node)]} --> {names[id(child)]}")
    return "\n".join(lines) + "\n"


# -- drawing ---------------------------------------------------------------------------------------
COLOURS = {"root": "#ffffff", "domain": "#dbe7f3", "construct": "#eaf1f8", "theme": "#fff4d6"}
COLUMN = 3.2  # inches per level
ROW = 0.62  # inches per leaf


def _layout(root: Node) -> tuple[dict[int, tuple[int, float]], int, int]:
    """Each node's (depth, row): leaves one row apart, parents centred on their children."""
    where: dict[int, tuple[int, float]] = {}
    next_row = [0.0]
    depth_max = [0]

    def place(node: Node, depth: int) -> float:
        depth_max[0] = max(depth_max[0], depth)
        if not node.children:
            row = next_row[0]
            next_row[0] += 1
        else:
            rows = [place(child, depth + 1) for child in node.children]
            row = (rows[0] + rows[-1]) / 2
        where[id(node)] = (depth, row)
        return row

    place(root, 0)
    return where, depth_max[0] + 1, max(1, int(next_row[0]))


def draw(root: Node, path: Path, fmt: str) -> None:
    """Draw the map as SVG or PNG, left to right, one column per level."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    where, levels, rows = _layout(root)
    width, height = max(6.0, levels * COLUMN), max(2.5, rows * ROW + 0.6)
    figure = Figure(figsize=(width, height), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(-0.1, levels * COLUMN)
    axes.set_ylim(rows * ROW + 0.3, -0.3)
    axes.axis("off")
    box_w, box_h = COLUMN * 0.82, ROW * 0.8

    def centre(node: Node) -> tuple[float, float]:
        depth, row = where[id(node)]
        return depth * COLUMN + 0.05, row * ROW + 0.3

    for node in root.walk():
        x, y = centre(node)
        for child in node.children:
            cx, cy = centre(child)
            axes.plot([x + box_w, cx], [y, cy], color="#999999", linewidth=0.8, zorder=1)
    for node in root.walk():
        x, y = centre(node)
        axes.add_patch(FancyBboxPatch((x, y - box_h / 2), box_w, box_h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                      facecolor=COLOURS[node.kind], edgecolor="#666666", linewidth=0.7, zorder=2))
        label = node.label if len(node.label) <= 34 else node.label[:33] + "\u2026"
        weight = "bold" if node.kind in ("root", "domain") else "normal"
        axes.text(x + 0.08, y - box_h * 0.12, label, fontsize=8, fontweight=weight, va="center", ha="left", zorder=3)
        axes.text(x + 0.08, y + box_h * 0.24, node.caption(), fontsize=6.5, color="#555555", va="center",
                  ha="left", zorder=3)
    buffer = io.BytesIO()
    if fmt == "svg":
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        figure.savefig(buffer, format="png")
    atomic_write_bytes(path, buffer.getvalue())


def write_map(root: Node, path: Path, fmt: str) -> None:
    if fmt == "dot":
        atomic_write_text(path, to_dot(root))
    elif fmt == "mmd":
        atomic_write_text(path, to_mermaid(root))
    else:
        draw(root, path, fmt)


def summary_lines(root: Node) -> list[str]:
    """The map as indented text lines (for the terminal)."""
    out: list[str] = []

    def visit(node: Node, depth: int) -> None:
        out.append(f"{'  ' * depth}{node.label}  ({node.caption()})")
        for child in node.children:
            visit(child, depth + 1)

    visit(root, 0)
    return out


def as_dict(node: Node) -> dict[str, Any]:
    people, excerpts = node.totals()
    return {"id": node.id, "label": node.label, "kind": node.kind, "participants": people, "excerpts": excerpts,
            "children": [as_dict(c) for c in node.children]}
