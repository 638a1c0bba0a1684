"""The transcript pane: turns with speaker and time, coded spans in theme colours, the excerpt marked.

Rendered with Textual's line API: the transcript is wrapped once per width into a list of
``(kind, start, end, turn)`` lines that point into the text, and only the lines on screen are
turned into segments when the widget paints. A 20,000-word transcript is ~2,500 lines of four
integers, so moving the excerpt repaints ~20 lines whatever the transcript's length.

Coded spans get their theme's background *and* an underline, and the current excerpt is shown in
reverse video with a bar in the gutter, so both stay visible with ``NO_COLOR`` set.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from piri_qual.core.corpus import Transcript
from piri_qual.tui.textindex import Span

HEADER, BODY, BLANK = 0, 1, 2
GUTTER = 2  # the excerpt bar and a space
INDENT = 2  # body text under the speaker label
_WORD = re.compile(r"\S+")
# a component class name, or (theme colour index or None, in the current excerpt, in a match)
StyleKey = str | tuple[int | None, bool, bool]

PALETTE = (
    "#1f4e79", "#7a3434", "#2c6b39", "#6e5318", "#5b2e6b", "#17696b", "#7a4e1f", "#3b3b80",
    "#6b1d4f", "#4e6b1d", "#1d4f6b", "#803d26",
)


def theme_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def format_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = int(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def wrap_paragraph(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text[start:end]`` into line spans at most ``width`` long."""
    width = max(8, width)
    lines: list[tuple[int, int]] = []
    line_start = line_end = -1
    for match in _WORD.finditer(text, start, end):
        ws, we = match.start(), match.end()
        if line_start < 0:
            line_start, line_end = ws, we
        elif we - line_start <= width:
            line_end = we
        else:
            lines.append((line_start, line_end))
            line_start, line_end = ws, we
        while line_end - line_start > width:  # a word longer than the line
            lines.append((line_start, line_start + width))
            line_start += width
    if line_start >= 0:
        lines.append((line_start, line_end))
    return lines


class TranscriptView(ScrollView, can_focus=False):
    """A lazily rendered, scrollable transcript with codings and the current excerpt."""

    COMPONENT_CLASSES = {
        "transcript--speaker",
        "transcript--interviewer",
        "transcript--time",
        "transcript--current",
        "transcript--bar",
        "transcript--match",
    }

    DEFAULT_CSS = """
    TranscriptView { overflow-x: hidden; }
    """

    class OffsetClicked(Message):
        """The user clicked a word: ``offset`` is where in the transcript text."""

        def __init__(self, offset: int) -> None:
            super().__init__()
            self.offset = offset

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.transcript: Transcript | None = None
        self._text = ""
        self._kinds: list[int] = []
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._turns: list[int] = []
        self._wrapped_for = -1
        self._codings: list[tuple[int, int, int]] = []
        self._line_codings: dict[int, list[tuple[int, int, int]]] = {}
        self._current: Span | None = None
        self._match: Span | None = None
        self._styles: dict[StyleKey, Style] = {}
        self.lines_rendered = 0  # for the benchmark: proves painting happened

    # -- content ---------------------------------------------------------------------------------
    def show_transcript(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self._text = transcript.text
        self._wrapped_for = -1
        self._current = None
        self._match = None
        self._rewrap()
        self.scroll_to(y=0, animate=False)

    def set_codings(self, codings: Sequence[tuple[int, int, int]]) -> None:
        """Codings as ``(start, end, colour index)``."""
        self._codings = sorted(codings)
        self._index_codings()
        self.refresh()

    def set_current(self, span: Span | None, *, scroll: bool = True) -> None:
        self._current = span
        if span is not None and scroll:
            self.scroll_to_span(span)
        self.refresh()

    def set_match(self, span: Span | None) -> None:
        self._match = span
        self.refresh()

    @property
    def line_count(self) -> int:
        return len(self._kinds)

    def line_of(self, offset: int) -> int:
        """Index of the display line holding ``offset`` (or the next one)."""
        return min(bisect_right(self._ends, offset), max(0, len(self._ends) - 1))

    def scroll_to_span(self, span: Span) -> None:
        """Bring the excerpt into view, with some context above it, if it is not already."""
        if not self._kinds:
            return
        first = self.line_of(span.start)
        last = self.line_of(max(span.start, span.end - 1))
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_y)
        if first >= top and last < top + height:
            return
        target = first - max(1, height // 4) if last - first < height - 2 else first - 1
        self.scroll_to(y=max(0, target), animate=False, immediate=True)

    # -- layout ----------------------------------------------------------------------------------
    def _wrap_width(self) -> int:
        # the full width less the vertical scrollbar (a transcript nearly always scrolls), so
        # the wrap does not change when the scrollbar appears
        width = (self.size.width or 80) - self.styles.scrollbar_size_vertical
        return max(8, width - GUTTER - INDENT)

    def _rewrap(self) -> None:
        transcript = self.transcript
        if transcript is None:
            self._kinds, self._starts, self._ends, self._turns = [], [], [], []
            self.virtual_size = Size(0, 0)
            return
        width = self._wrap_width()
        kinds: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        turns: list[int] = []
        text = self._text
        for i, turn in enumerate(transcript.turns):
            if i:
                kinds.append(BLANK)
                starts.append(turn.start)
                ends.append(turn.start)
                turns.append(i)
            kinds.append(HEADER)
            starts.append(turn.start)
            ends.append(turn.start)
            turns.append(i)
            para_start = turn.start
            while para_start < turn.end:
                nl = text.find("\n", para_start, turn.end)
                para_end = turn.end if nl == -1 else nl
                for a, b in wrap_paragraph(text, para_start, para_end, width) or [(para_start, para_start)]:
                    kinds.append(BODY)
                    starts.append(a)
                    ends.append(b)
                    turns.append(i)
                para_start = para_end + 1
        self._kinds, self._starts, self._ends, self._turns = kinds, starts, ends, turns
        self._wrapped_for = width
        self._index_codings()
        self.virtual_size = Size(1, len(kinds))

    def _index_codings(self) -> None:
        """Which codings touch which display line, so a line paints without scanning them all."""
        index: dict[int, list[tuple[int, int, int]]] = {}
        starts, ends, kinds = self._starts, self._ends, self._kinds
        for coding in self._codings:
            start, end = coding[0], coding[1]
            for y in range(bisect_right(ends, start), bisect_left(starts, end)):
                if kinds[y] == BODY:
                    index.setdefault(y, []).append(coding)
        self._line_codings = index

    def on_resize(self, event: events.Resize) -> None:
        if self.transcript is not None and self._wrap_width() != self._wrapped_for:
            self._rewrap()
            if self._current is not None:
                self.scroll_to_span(self._current)
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    # -- painting --------------------------------------------------------------------------------
    def _style(self, key: StyleKey) -> Style:
        style = self._styles.get(key)
        if style is None:
            base = self._styles.get("plain") or self.rich_style
            if key == "plain":
                style = base
            elif isinstance(key, str):
                style = base + self.get_component_rich_style(key)
            else:
                colour, current, match = key
                style = base
                if colour is not None:
                    style += Style(bgcolor=theme_colour(colour), color="#ffffff", underline=True)
                if match:
                    style += self.get_component_rich_style("transcript--match")
                if current:
                    style += self.get_component_rich_style("transcript--current")
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        scroll_y = int(self.scroll_y)
        width = self.size.width
        line = scroll_y + y
        base = self._style("plain")
        if line >= len(self._kinds):
            return Strip.blank(width, base)
        self.lines_rendered += 1
        kind = self._kinds[line]
        start, end = self._starts[line], self._ends[line]
        cur = self._current
        in_current = cur is not None and kind == BODY and cur.start < end and start < cur.end
        bar = Segment("\u258c ", self._style("transcript--bar")) if in_current else Segment("  ", self._style("plain"))
        if kind == BLANK:
            segments = [Segment(" " * width, self._style("plain"))]
        elif kind == HEADER:
            segments = [bar, *self._header(self._turns[line])]
        else:
            segments = [bar, Segment(" " * INDENT, self._style("plain")), *self._body(line, start, end)]
        return Strip(segments).crop_extend(0, width, base)

    def _header(self, turn_index: int) -> list[Segment]:
        assert self.transcript is not None
        turn = self.transcript.turns[turn_index]
        name = turn.speaker or "(no speaker)"
        key = "transcript--interviewer" if turn.role == "interviewer" else "transcript--speaker"
        out = [Segment(name, self._style(key))]
        when = format_time(turn.time)
        if when:
            out.append(Segment(f"  {when}", self._style("transcript--time")))
        return out

    def _body(self, line: int, start: int, end: int) -> list[Segment]:
        text = self._text
        codings = self._line_codings.get(line, ())
        cur = self._current
        match = self._match
        cuts = {start, end}
        for a, b, _ in codings:
            cuts.update(x for x in (a, b) if start < x < end)
        for span in (cur, match):
            if span is not None:
                cuts.update(x for x in (span.start, span.end) if start < x < end)
        points = sorted(cuts)
        out: list[Segment] = []
        for a, b in zip(points, points[1:], strict=False):
            colour = next((c for s, e, c in codings if s <= a and b <= e), None)
            is_cur = cur is not None and cur.start <= a and b <= cur.end
            is_match = match is not None and match.start <= a and b <= match.end
            out.append(Segment(text[a:b].replace("\t", " "), self._style((colour, is_cur, is_match))))
        return out

    # -- mouse -----------------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._kinds:
            return
        line = int(self.scroll_y) + offset.y
        if line >= len(self._kinds):
            return
        if self._kinds[line] != BODY:
            line = min(line + 1, len(self._kinds) - 1)
            while line < len(self._kinds) and self._kinds[line] != BODY:
                line += 1
            if line >= len(self._kinds):
                return
        start, end = self._starts[line], self._ends[line]
        at = min(max(start, start + offset.x - GUTTER - INDENT), max(start, end - 1))
        self.post_message(self.OffsetClicked(at))
