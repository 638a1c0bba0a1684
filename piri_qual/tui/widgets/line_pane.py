"""A fixed-size pane of rich text that scrolls itself, so updating it never costs a layout pass.

Textual re-lays out the whole screen when a widget's content size changes (a ``Static`` in a
scrolling container, an ``OptionList`` given new options). On the coding screen the suggestion
list and the theme rules change on almost every key, and those layout passes were most of a
key's cost. A ``LinePane`` keeps its size from CSS, wraps its text once per width, paints only
its own lines, scrolls by its own offset (mouse wheel, or :meth:`show_line`), and marks hidden
text with an arrow in the last line.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.widget import Widget


class LinePane(Widget, can_focus=False):
    DEFAULT_CSS = """
    LinePane { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._blocks: list[Text] = []
        self._strips: list[Strip] = []
        self._owner: list[int] = []  # block index of each wrapped line
        self._built_for = -1
        self._base: Style | None = None
        self.top = 0

    # -- content ---------------------------------------------------------------------------------
    def set_blocks(self, blocks: list[Text]) -> None:
        """Replace the content with text blocks (each may wrap over several lines)."""
        self._blocks = blocks
        self._built_for = -1
        self.top = 0
        self.refresh()

    def set_text(self, text: Text) -> None:
        self.set_blocks([text])

    def _build(self) -> None:
        width = self.size.width
        if width <= 0 or width == self._built_for:
            return
        console = self.app.console
        options = console.options.update_width(width)
        strips: list[Strip] = []
        owner: list[int] = []
        for index, block in enumerate(self._blocks):
            for line in console.render_lines(block, options, pad=False, new_lines=False):
                strips.append(Strip(line))
                owner.append(index)
        self._strips, self._owner = strips, owner
        self._built_for = width

    @property
    def line_count(self) -> int:
        self._build()
        return len(self._strips)

    def block_lines(self, index: int) -> tuple[int, int]:
        """First and last wrapped line of a block."""
        self._build()
        lines = [i for i, owner in enumerate(self._owner) if owner == index]
        return (lines[0], lines[-1]) if lines else (0, 0)

    def show_line(self, first: int, last: int) -> None:
        """Scroll so that lines ``first..last`` are visible."""
        height = self.size.height
        if height <= 0:
            return
        top = self.top
        if last >= top + height:
            top = last - height + 1
        if first < top:
            top = first
        top = max(0, min(top, max(0, self.line_count - height)))
        if top != self.top:
            self.top = top
            self.refresh()

    # -- painting --------------------------------------------------------------------------------
    def line_style(self, block: int) -> Style | None:
        """An extra style for every line of a block (the highlighted suggestion, say)."""
        return None

    def render_line(self, y: int) -> Strip:
        self._build()
        width = self.size.width
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        index = self.top + y
        if index >= len(self._strips):
            return Strip.blank(width, base)
        strip = self._strips[index]
        extra = self.line_style(self._owner[index])
        segments = list(Segment.apply_style(strip, base, extra))
        if y == self.size.height - 1 and index < len(self._strips) - 1:
            more = Segment("\u2193", base + Style(bold=True))
            line = Strip(segments).crop_extend(0, max(0, width - 1), extra and base + extra or base)
            return Strip([*line, more])
        return Strip(segments).crop_extend(0, width, extra and base + extra or base)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None

    def on_resize(self, event: events.Resize) -> None:
        self._built_for = -1
        self.top = max(0, min(self.top, max(0, self.line_count - self.size.height)))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        if self.top + self.size.height < self.line_count:
            self.top += 1
            self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        if self.top > 0:
            self.top -= 1
            self.refresh()

    def block_at(self, y: int) -> int | None:
        """The block under content row ``y`` (for clicks)."""
        index = self.top + y
        return self._owner[index] if 0 <= index < len(self._owner) else None
