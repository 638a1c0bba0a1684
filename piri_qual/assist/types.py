"""Records shared by the suggestion engine, the CLI and the terminal UI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Suggestion:
    """A proposed coding: theme ``theme`` on ``[start, end)`` of transcript ``transcript``.

    ``score`` is the combined score in [0, 1]; ``source`` says which signal dominated
    (``rule`` | ``similarity`` | ``model``); ``reason`` is a short human-readable account
    (matched words, similarity to the definition, the model's probability); ``signals`` holds
    each signal's own score so the UI can show them.
    """

    transcript: str
    start: int
    end: int
    quote: str
    theme: str
    score: float
    source: str
    reason: str
    signals: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.transcript, self.start, self.end, self.theme)
