"""The one write path: every coder decision enters a log here, validated, locked and fsynced.

The coding screen, reconciliation, REFI-QDA and Word-comment import, re-anchoring after a
re-import, accepted suggestions, the CLI and generated studies all write through
:class:`CodingStore`, so no log can hold an event that points at nothing: the coder name is a
valid file name, the transcript exists, the theme is in the codebook (a label is turned into its
id), the span lies inside the transcript text and the quote is the text at that span (filled in
when omitted). A bad event raises :class:`~piri_qual.errors.PiriQualError` and nothing of its
batch is written.

Appends happen under a cross-platform lock (:mod:`piri_qual.core.locking`) and are fsynced
before the call returns; a torn last line from a crash is ended so that it stays one bad line.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual.core.codings import MEMO_SCOPES, OPS, Clock, Event, validate_coder_name
from piri_qual.core.quote_match import find_quote
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.corpus import Transcript
    from piri_qual.core.framework import Codebook
    from piri_qual.core.study import StudyFolder

#: Fields every op needs, beyond id, time, coder and op.
REQUIRED: dict[str, tuple[str, ...]] = {
    "add": ("transcript", "start", "end", "theme"),
    "confirm": ("transcript", "start", "end", "theme"),
    "reject": ("transcript", "start", "end", "theme"),
    "adjust": ("target",),
    "delete": ("target",),
    "undo": ("target",),
    "memo": (),
}
_STR_FIELDS = ("transcript", "quote", "theme", "target", "source", "reason", "text", "scope", "participant")


class CodingStore:
    """Validates and appends coder decisions for one study folder."""

    def __init__(self, study: StudyFolder) -> None:
        self.study = study
        self._clocks: dict[str, Clock] = {}

    # -- the write path ----------------------------------------------------------------------
    def append(self, coder: str, op: str, *, after: str | None = None, **fields: Any) -> Event:
        """Validate and append one event; return it once it is on disk."""
        return self.append_many(coder, [(op, fields)], after=after)[0]

    def append_many(
        self,
        coder: str,
        items: Iterable[tuple[str, Mapping[str, Any]]],
        *,
        after: str | None = None,
        against: Transcript | None = None,
    ) -> list[Event]:
        """Validate every event, then append them all under one lock and one fsync.

        ``after`` is a timestamp the new events must follow (a decision made after one read
        from another process's log), so the fold orders them after it. ``against`` is a
        transcript to check spans on instead of the saved one: re-anchoring after a re-import
        records the moves before the new text replaces the old, so a crash in between leaves
        the old text and old offsets together.
        """
        validate_coder_name(coder)
        checked = [self._validate(op, dict(values), against) for op, values in items]
        if not checked:
            return []
        clock = self._clocks.setdefault(coder, Clock())
        events = [
            Event(id=uuid.uuid4().hex, time=clock.now(after), coder=coder, op=op, **values)
            for op, values in checked
        ]
        self._write(self.study.log(coder).path, [e.to_json() for e in events])
        return events

    def code(
        self,
        coder: str,
        transcript_id: str,
        theme: str,
        *,
        start: int | None = None,
        end: int | None = None,
        quote: str | None = None,
        op: str = "add",
        source: str | None = "manual",
        score: float | None = None,
        reason: str | None = None,
    ) -> Event:
        """Code an excerpt given by offsets or by a quote that occurs once in the transcript."""
        if start is None or end is None:
            if not quote:
                raise PiriQualError("give the excerpt as --quote TEXT or as --start and --end offsets")
            transcript = self.study.transcript(transcript_id)
            start, end = locate_quote(transcript, quote)
            quote = transcript.text[start:end]  # the transcript's own characters, however it was typed
        return self.append(
            coder, op, transcript=transcript_id, start=start, end=end, quote=quote, theme=theme,
            source=source, score=score, reason=reason,
        )

    # -- validation --------------------------------------------------------------------------
    def _validate(self, op: str, values: dict[str, Any], against: Transcript | None = None) -> tuple[str, dict[str, Any]]:
        if op not in OPS:
            raise PiriQualError(f"unknown coding operation {op!r}", hint=f"Use one of {', '.join(OPS)}.")
        values = {k: v for k, v in values.items() if v is not None}
        unknown = (set(values) - set(Event.__dataclass_fields__)) | (set(values) & {"id", "time", "coder", "op"})
        if unknown:
            raise PiriQualError(f"a {op} event cannot carry {', '.join(sorted(unknown))}")
        for key in REQUIRED[op]:
            if key not in values:
                raise PiriQualError(f"a {op} event needs {key!r}")
        for key in _STR_FIELDS:
            if key in values and not isinstance(values[key], str):
                raise PiriQualError(f"a {op} event's {key!r} must be text, not {values[key]!r}")
        if "score" in values and (isinstance(values["score"], bool) or not isinstance(values["score"], int | float)):
            raise PiriQualError(f"a {op} event's score must be a number, not {values['score']!r}")
        if op in ("adjust", "delete", "undo") and not values["target"]:
            raise PiriQualError(f"a {op} event needs the id of what it acts on ('target')")
        if op == "memo" and values.get("scope", "excerpt") not in MEMO_SCOPES:
            raise PiriQualError(f"unknown memo scope {values['scope']!r}", hint=f"Use one of {', '.join(MEMO_SCOPES)}.")
        if "theme" in values and op != "memo":
            values["theme"] = self._theme(op, values["theme"])
        has_span = "start" in values or "end" in values
        if has_span:
            self._check_span(op, values, against)
        elif "transcript" in values:
            self._transcript(values["transcript"], against)  # exists, or a clear error
        return op, values

    def _transcript(self, transcript_id: str, against: Transcript | None) -> Transcript:
        if against is not None and against.id == transcript_id:
            return against
        return self.study.transcript(transcript_id)

    def _check_span(self, op: str, values: dict[str, Any], against: Transcript | None) -> None:
        start, end = values.get("start"), values.get("end")
        for name, value in (("start", start), ("end", end)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise PiriQualError(f"a {op} event's {name!r} must be a whole number, not {value!r}")
        assert isinstance(start, int) and isinstance(end, int)
        if not 0 <= start < end:
            raise PiriQualError(f"invalid span [{start}, {end})", hint="start must be >= 0 and less than end.")
        if "transcript" not in values:
            raise PiriQualError(f"a {op} event with a span needs its 'transcript'")
        transcript = self._transcript(values["transcript"], against)
        if end > len(transcript.text):
            raise PiriQualError(
                f"span [{start}, {end}) is outside transcript {transcript.id!r} (0-{len(transcript.text)})",
                hint="Offsets are Unicode characters from the start of the transcript text.",
            )
        text = transcript.text[start:end]
        quote = values.get("quote")
        if quote is not None and quote != text:
            raise PiriQualError(
                f"the quote does not match the text at [{start}, {end}) of {transcript.id!r}",
                hint="Give the offsets or the quote, not two that disagree.",
            )
        values["quote"] = text

    def _codebook(self) -> Codebook:
        return self.study.codebook

    def _theme(self, op: str, name: str) -> str:
        """The current id of the theme ``name`` names (an id, a label, or an id the codebook
        history renamed or merged away), refusing retired themes for new codings.

        A delete carries its coding's theme only as a record, so any id is kept for it; a
        rejection of a retired theme is harmless and kept too.
        """
        book = self._codebook()
        found = book.find(name)
        current = self.study.theme_map.get(name.strip())
        if found is None and current is not None:
            found = book.find(current)
        if found is not None:
            if not found.codable and op in ("add", "confirm"):
                children = [t.id for t in book.codable if t.parent == found.id]
                raise PiriQualError(
                    f"theme {found.id!r} is a folder (codable: false): it groups themes and is not coded itself",
                    path=self.study.codebook_path,
                    hint=(f"Code with one of the themes under it: {', '.join(children[:6])}"
                          + (" ..." if len(children) > 6 else "") + "." if children
                          else "Set codable: true on it in the codebook if it should be coded."),
                )
            return found.id
        old = book.lookup(current or name.strip())
        if op in ("delete", "reject") and old is not None:
            return old.id
        if op == "delete":
            return name
        if old is not None:
            change = self.study.history.fate(old.id)
            when = f" on {change.time[:10]} by {change.coder}" if change is not None else ""
            raise PiriQualError(
                f"theme {old.id!r} was retired{when}: it is kept for the codings made with it, "
                "not offered for new ones",
                path=self.study.codebook_path,
                hint=f"See `piri-qual codebook history {old.id}`.",
            )
        return book.resolve(name, source=self.study.codebook_path).id

    # -- the append itself -------------------------------------------------------------------
    @staticmethod
    def _write(path: Path, lines: list[str]) -> None:
        # Deferred: the lock library costs 40 ms to import, which every command that only reads
        # the study (search, quotes, show) would otherwise pay for a store it never writes with.
        from piri_qual.core.appendlog import append_lines

        append_lines(path, lines)


def locate_quote(transcript: Transcript, quote: str) -> tuple[int, int]:
    """The one place ``quote`` occurs in a transcript, or a clear error.

    Curly and straight quotation marks, dashes and runs of white space are forgiven
    (:mod:`piri_qual.core.quote_match`); the offsets are the transcript's, so the caller stores
    the transcript's own text at them.
    """
    hits = find_quote(transcript.text, quote)
    if not hits:
        raise PiriQualError(
            f"the quote is not in transcript {transcript.id!r}",
            hint=f"Copy it from `piri-qual show {transcript.id}` (quotation marks, dashes and spacing "
            "need not match), or give --start/--end.",
        )
    if len(hits) > 1:
        raise PiriQualError(
            f"the quote occurs more than once in transcript {transcript.id!r}",
            hint="Quote more words, or give --start/--end.",
        )
    return hits[0]
