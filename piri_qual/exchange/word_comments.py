"""Coding done in Word: comments whose text names the codes become codings.

Researchers without a CAQDAS licence often code in Word: they select a passage, add a comment
and type the codes into it (``emotional response; thought-provoking``). Importing such a file
with ``--comments-as-codings`` imports the transcript as usual and turns each comment into one
coding per code on the commented span, attributed to the comment's author as the coder.

Codes are matched to themes by id or label, ignoring case, spaces, hyphens and punctuation;
several codes in one comment are separated by ``;`` or new lines (or commas, when every
comma-separated part is a theme). Comments naming codes that are not in the codebook stop the
import with a list of them, unless ``--add-themes`` adds those codes to an ``imported`` section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piri_qual.core.anchoring import relocate
from piri_qual.core.atomic import atomic_write_text
from piri_qual.core.corpus import assemble_text
from piri_qual.core.framework import ID_PATTERN, Codebook, Theme
from piri_qual.errors import PiriQualError
from piri_qual.exchange.codebook_map import IMPORTED_SECTION, codebook_yaml
from piri_qual.exchange.into_study import check_codebook
from piri_qual.exchange.refi_format import safe_coder_name, slug
from piri_qual.exchange.target import Target
from piri_qual.ingest.readers import read_source
from piri_qual.ingest.roles import assign_roles
from piri_qual.ingest.study_import import import_files

_SPLIT = re.compile(r"[;\n\r]+")
_EDGE = re.compile(r"^[\s\-\u2022*#\"'\u201c\u201d\u2018\u2019]+|[\s.:,\"'\u201c\u201d\u2018\u2019]+$")


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _clean(part: str) -> str:
    return _EDGE.sub("", part).strip()


class CodeMatcher:
    """Finds themes for code names written by hand, and invents new ones when allowed."""

    def __init__(self, codebook: Codebook | None) -> None:
        self.themes = list(codebook.themes) if codebook is not None else []
        self.by_key: dict[str, str] = {}
        for theme in self.themes:  # ids win over labels, earlier themes over later ones
            self.by_key.setdefault(_key(theme.id), theme.id)
        for theme in self.themes:
            self.by_key.setdefault(_key(theme.label), theme.id)
        self.taken = {t.id for t in (codebook.all_themes if codebook is not None else [])}
        self.new: dict[str, Theme] = {}

    def match(self, name: str) -> str | None:
        key = _key(name)
        if not key:
            return None
        if key in self.by_key:
            return self.by_key[key]
        return self.new[key].id if key in self.new else None

    def split(self, comment: str) -> tuple[list[str], list[str]]:
        """(theme ids, names that match no theme) for one comment's text."""
        whole = self.match(_clean(comment))
        if whole is not None:
            return [whole], []
        found: list[str] = []
        unknown: list[str] = []
        for raw in _SPLIT.split(comment):
            part = _clean(raw)
            if not part:
                continue
            theme = self.match(part)
            if theme is None and "," in part:
                pieces = [_clean(p) for p in part.split(",") if _clean(p)]
                ids = [self.match(p) for p in pieces]
                if pieces and all(ids):
                    found.extend(i for i in ids if i and i not in found)
                    continue
            if theme is None:
                unknown.append(part)
            elif theme not in found:
                found.append(theme)
        return found, unknown

    def add(self, name: str) -> str:
        key = _key(name)
        if key in self.new:
            return self.new[key].id
        base = slug(name, "code")
        tid = base if ID_PATTERN.match(base) else f"code_{base}"
        n = 2
        while tid in self.taken:
            tid = f"{base}_{n}"
            n += 1
        self.taken.add(tid)
        self.new[key] = Theme(id=tid, label=name, section=IMPORTED_SECTION)
        return tid


@dataclass
class WordSummary:
    file: Path
    root: Path
    created: bool
    transcript: str = ""
    comments: int = 0
    codings: int = 0
    already: int = 0
    coders: list[str] = field(default_factory=list)
    themes_new: int = 0
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        where = "new study " if self.created else ""
        extra = f" (+{self.already} already there)" if self.already else ""
        return (f"imported {self.file.name} into {where}{self.root} as transcript {self.transcript}: "
                f"{self.comments} comments -> {self.codings} codings{extra} by "
                f"{', '.join(self.coders) or 'nobody'}, {self.themes_new} new themes")


@dataclass
class _CommentCoding:
    coder: str
    start: int
    end: int
    quote: str
    theme: str
    comment: str


def _turn_starts(turns: list[Any], assembled: list[Any]) -> dict[int, int]:
    """Reader turn index -> start of its words in the assembled text (empty turns are dropped)."""
    starts: dict[int, int] = {}
    kept = 0
    for index, raw in enumerate(turns):
        if not "\n".join(raw.paragraphs).strip():
            continue
        starts[index] = assembled[kept].start
        kept += 1
    return starts


def _span(record: dict[str, Any], starts: dict[int, int], text: str) -> tuple[int, int] | None:
    turn, begin, finish = record.get("turn"), record.get("start"), record.get("end")
    if turn is None or begin is None or finish is None or turn not in starts:
        return None
    start = starts[turn] + int(begin)
    end_turn = record.get("end_turn")
    if end_turn is not None and end_turn in starts and record.get("end_in_end_turn") is not None:
        end = starts[end_turn] + int(record["end_in_end_turn"])
    else:
        end = starts[turn] + int(finish)
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def import_word_comments(path: Path, target: Target, *, add_themes: bool) -> WordSummary:
    """Import a .docx and its comments as codings (checked whole before anything is written)."""

    document = read_source(path)
    comments = document.metadata.get("comments") or []
    if not comments:
        raise PiriQualError(
            "the Word file has no comments to turn into codings",
            path=path,
            hint="Import it without --comments-as-codings, or check the comments were not deleted.",
        )
    roles = assign_roles(document.turns, target.settings.roles)
    text, turns = assemble_text(document.turns, roles)
    starts = _turn_starts(document.turns, turns)
    matcher = CodeMatcher(target.codebook)
    summary = WordSummary(path, target.root, not target.exists, comments=len(comments))
    planned: list[_CommentCoding] = []
    unknown: dict[str, tuple[str, list[str]]] = {}  # key -> (name as first written, comment ids)
    unanchored = 0
    for record in comments:
        span = _span(record, starts, text)
        label = f"comment {record.get('id', '?')}"
        if span is None:
            unanchored += 1
            continue
        themes, missing = matcher.split(record.get("text") or "")
        quote = text[span[0] : span[1]]
        if missing:
            if add_themes:
                themes.extend(matcher.add(name) for name in missing)
            else:
                for name in missing:
                    unknown.setdefault(_key(name), (name, []))[1].append(str(record.get("id", "?")))
        if not themes and not missing:
            summary.warnings.append(f"{label} on \u201c{_short(quote)}\u201d names no code; skipped")
        author = record.get("author") or record.get("initials")
        coder = safe_coder_name(author, safe_coder_name(record.get("initials"), "word"))
        for theme in themes:
            planned.append(_CommentCoding(coder, span[0], span[1], quote, theme, str(record.get("id", ""))))
    if unanchored:
        summary.warnings.append(f"{unanchored} comments are not anchored to any text and were skipped")
    if unknown:
        items = [f"{name!r} (comment{'s' if len(ids) > 1 else ''} {', '.join(ids[:5])}"
                 f"{', ...' if len(ids) > 5 else ''})" for name, ids in unknown.values()]
        shown = "; ".join(items[:12]) + (f"; and {len(items) - 12} more" if len(items) > 12 else "")
        raise PiriQualError(
            f"{len(unknown)} codes named in the comments are not in the codebook: {shown}",
            path=path,
            hint="Nothing was written. Fix the comments or the codebook, or rerun with --add-themes "
            f"to add them to an '{IMPORTED_SECTION}' section",
        )
    if not text.strip():
        raise PiriQualError("no text found in the Word file", path=path,
                            hint="Check it is the coded transcript.")
    new_themes = list(matcher.new.values())
    codebook_text = None
    if new_themes:
        framework_path = target.framework_path
        codebook_text = codebook_yaml(
            target.codebook_text(), target.codebook, new_themes,
            codebook_id=target.codebook_path.stem, label=f"{path.stem} codebook",
            framework_id=framework_path.stem if framework_path is not None else None,
        )
        check_codebook(target, None, codebook_text)

    # -- write: the transcript (through the ordinary import), the codebook, the codings --------
    study = target.create()
    report = import_files(study, [path])
    outcome = report.outcomes[0]
    if outcome.status == "failed" or outcome.transcript_id is None:
        raise PiriQualError(outcome.message or "the transcript could not be imported", path=path)
    if codebook_text is not None:
        atomic_write_text(study.codebook_path, codebook_text)
        study.codebook_store.note_import(f"added by importing the Word comments of {path.name}")
    summary.themes_new = len(new_themes)
    transcript = study.transcript(outcome.transcript_id)
    summary.transcript = transcript.id
    by_coder: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    seen: set[tuple[str, int, int, str]] = set()
    for item in planned:
        start, end = item.start, item.end
        if transcript.text != text:
            anchor = relocate(item.quote, start, len(text), transcript.text)
            if anchor is None:
                summary.warnings.append(
                    f"comment {item.comment} on \u201c{_short(item.quote)}\u201d could not be placed "
                    "in the imported transcript; skipped")
                continue
            start, end = anchor.start, anchor.end
        key = (item.coder, start, end, item.theme)
        if key in seen:
            continue
        seen.add(key)
        fold = study.fold(item.coder) if item.coder in study.coders() else None
        if fold is not None and any(
            (c.transcript, c.start, c.end, c.theme) == (transcript.id, start, end, item.theme)
            for c in fold.codings.values()
        ):
            summary.already += 1
            continue
        by_coder.setdefault(item.coder, []).append(
            ("add", {"transcript": transcript.id, "start": start, "end": end,
                     "quote": transcript.text[start:end], "theme": item.theme,
                     "source": "word-comment", "reason": f"Word comment {item.comment} in {path.name}"})
        )
    for coder, additions in by_coder.items():
        study.store.append_many(coder, additions)
        summary.codings += len(additions)
    summary.coders = sorted({i.coder for i in planned})
    return summary
