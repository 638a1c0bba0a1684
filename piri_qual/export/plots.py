"""PNG plots for the write-up: theme heatmaps (by participant, by group) and a saturation curve.

Drawn with matplotlib's object API on the Agg canvas (never pyplot), so no window system or
global backend state is involved and plots can be made from any thread or a headless server.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, SupportsInt, cast

from piri_qual.core.atomic import atomic_stream

if TYPE_CHECKING:
    import pandas as pd

PLOTS = ("heatmap", "groups", "saturation")
DPI = 150
MAX_INCHES = 24.0
MAX_TICKS = 80
#: Beyond this many bars a bar chart is drawn as one collection: matplotlib's ``bar`` makes a patch
#: per bar and updates the axes' limits for each (half a second for 1,000 transcripts).
MANY_BARS = 200


def _ticks(labels: list[str]) -> tuple[list[int], list[str]]:
    """Every label when they fit, else every k-th, so a 200-transcript plot stays legible."""
    step = max(1, -(-len(labels) // MAX_TICKS))
    positions = list(range(0, len(labels), step))
    return positions, [labels[i] for i in positions]


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Any, path: Path) -> None:
    with atomic_stream(path) as handle:
        figure.canvas.print_png(handle)


def _shorten(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def heatmap_participants(counts: pd.DataFrame, themes: pd.DataFrame, groups: pd.Series, path: Path, title: str) -> None:
    """Excerpt counts, themes (rows) by participants (columns), participants grouped by group."""
    import numpy as np

    values = counts.to_numpy(dtype=float)
    rows, cols = values.shape
    figure = _figure(min(MAX_INCHES, max(6.0, 2.8 + 0.32 * cols)), min(MAX_INCHES, max(3.0, 1.4 + 0.26 * rows)))
    axes = figure.add_subplot()
    image = axes.imshow(np.where(values > 0, values, np.nan), aspect="auto", cmap="Blues",
                        vmin=0, vmax=max(1.0, float(values.max()) if values.size else 1.0),
                        interpolation="nearest")
    axes.set_facecolor("#f7f7f7")
    axes.set_yticks(*_ticks([_shorten(str(themes.at[t, "label"])) for t in counts.index]), fontsize=7)
    axes.set_xticks(*_ticks([str(c) for c in counts.columns]), fontsize=7, rotation=90)
    member = groups.reindex(counts.columns).tolist()
    for i in range(1, cols):
        if member[i] != member[i - 1]:
            axes.axvline(i - 0.5, color="black", linewidth=1.2)
    start = 0
    for i in range(1, cols + 1):
        if i == cols or member[i] != member[start]:
            axes.text((start + i - 1) / 2, -0.8, str(member[start]), ha="center", va="bottom", fontsize=8,
                      fontweight="bold", transform=axes.transData, clip_on=False)
            start = i
    if rows and cols and values.max() <= 20 and rows * cols <= 1500:
        for r in range(rows):
            for c in range(cols):
                if values[r, c] > 0:
                    dark = values[r, c] > 0.6 * values.max()
                    # clipped, so the layout engine need not measure hundreds of labels
                    axes.text(c, r, int(values[r, c]), ha="center", va="center", fontsize=6,
                              color="white" if dark else "black", clip_on=True)
    axes.set_title(title, fontsize=10, pad=22)
    colorbar = figure.colorbar(image, ax=axes, shrink=0.6)
    colorbar.set_label("excerpts", fontsize=8)
    colorbar.ax.tick_params(labelsize=7)
    from matplotlib.ticker import MaxNLocator

    colorbar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _save(figure, path)


def heatmap_groups(share: pd.DataFrame, raised: pd.DataFrame, sizes: dict[str, int], themes: pd.DataFrame,
                   path: Path, title: str) -> None:
    """Share of each group's participants raising each theme, annotated "k/n"."""
    values = share.to_numpy(dtype=float)
    rows, cols = values.shape
    figure = _figure(min(MAX_INCHES, max(4.5, 3.2 + 1.1 * cols)), min(MAX_INCHES, max(3.0, 1.4 + 0.26 * rows)))
    axes = figure.add_subplot()
    image = axes.imshow(values, aspect="auto", cmap="Greens", vmin=0, vmax=1, interpolation="nearest")
    axes.set_yticks(*_ticks([_shorten(str(themes.at[t, "label"])) for t in share.index]), fontsize=7)
    axes.set_xticks(range(cols), [f"{g}\n(n={sizes.get(g, 0)})" for g in share.columns], fontsize=8)
    # one "k/n" per cell while they can be read; past MAX_TICKS rows the colour says it
    annotated: list[Any] = list(share.index) if rows <= MAX_TICKS else []
    for r, theme in enumerate(annotated):
        for c, group in enumerate(share.columns):
            k = int(cast(SupportsInt, raised.at[theme, group]))  # a count; pandas types it as any scalar
            axes.text(c, r, f"{k}/{sizes.get(group, 0)}", ha="center", va="center", fontsize=7,
                      color="white" if values[r, c] > 0.6 else "black", clip_on=True)
    axes.set_title(title, fontsize=10)
    colorbar = figure.colorbar(image, ax=axes, shrink=0.6)
    colorbar.set_label("share of participants", fontsize=8)
    colorbar.ax.tick_params(labelsize=7)
    _save(figure, path)


def saturation_curve(table: pd.DataFrame, path: Path, title: str) -> None:
    """New themes per transcript (bars) and the running total (line) in interview order."""
    figure = _figure(min(MAX_INCHES, max(6.0, 1.5 + 0.3 * len(table))), 3.8)
    axes = figure.add_subplot()
    positions = table.position.to_numpy()
    _bars(axes, positions, table.new.to_numpy(), color="#9ecae1", label="new themes in this transcript")
    axes.plot(positions, table.cumulative.to_numpy(), color="#08519c", marker="o", markersize=3,
              label="themes so far")
    at, labels = _ticks(table.transcript.astype(str).tolist())
    axes.set_xticks([positions[i] for i in at], labels, rotation=90, fontsize=7)
    axes.tick_params(axis="y", labelsize=7)
    axes.set_xlabel("transcript, in interview order", fontsize=8)
    axes.set_ylabel("themes", fontsize=8)
    axes.set_ylim(0, max(1, int(table.cumulative.max()) if len(table) else 1) * 1.1)
    axes.legend(fontsize=7, loc="center right")
    axes.set_title(title, fontsize=10)
    axes.grid(axis="y", alpha=0.3)
    _save(figure, path)


def _bars(axes: Any, positions: Any, heights: Any, *, color: str, label: str) -> None:
    """Vertical bars 0.8 wide, as ``axes.bar`` draws them; many bars as one collection."""
    if len(positions) <= MANY_BARS:
        axes.bar(positions, heights, color=color, label=label)
        return
    from matplotlib.collections import PolyCollection

    boxes = [((x - 0.4, 0.0), (x - 0.4, h), (x + 0.4, h), (x + 0.4, 0.0)) for x, h in zip(positions, heights, strict=True)]
    axes.add_collection(PolyCollection(boxes, facecolors=color, edgecolors="none", linewidths=0, label=label))
    axes.autoscale_view()


def word_chart(terms: list[tuple[str, float, dict[str, float]]], values: list[str], path: Path, title: str,
               measure: str) -> None:
    """Horizontal bars of word frequencies, most frequent at the top; one bar per value of the
    ``--by`` attribute when ``values`` are given (each a rate within that value's talk).

    ``terms`` are ``(word, overall, {value: figure})``.
    """
    import numpy as np

    n = len(terms)
    groups = values or [""]
    figure = _figure(7.5, min(MAX_INCHES, max(2.5, 0.9 + 0.28 * n * max(1, len(groups)) ** 0.5)))
    axes = figure.add_subplot()
    positions = np.arange(n)[::-1]
    if values:
        height = 0.8 / len(values)
        for k, value in enumerate(values):
            figures = [by.get(value, 0.0) for _, _, by in terms]
            axes.barh(positions + (len(values) - 1 - 2 * k) * height / 2, figures, height=height, label=value)
        axes.legend(loc="lower right", fontsize=8, frameon=False)
    else:
        axes.barh(positions, [overall for _, overall, _ in terms], height=0.7, color="#1f4e79")
    axes.set_yticks(positions, [_shorten(word, 30) for word, _, _ in terms], fontsize=8)
    axes.set_xlabel(measure, fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(title, fontsize=10, loc="left")
    _save(figure, path)
