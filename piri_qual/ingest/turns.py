"""Speaker turns from paragraphs: one detector for .docx, .txt and .md layouts.

Transcribers and export tools lay speakers out in a handful of ways: ``Interviewer: words``,
``[00:01:02] P07: words``, a Teams/Otter header paragraph ``Name   0:03`` followed by the
utterance, a Markdown heading ``### Name``, or a table row. Readers turn their source into
:class:`SourceParagraph` records; :func:`segment` finds the labels, groups paragraphs into
:class:`~piri_qual.core.corpus.RawTurn` objects and keeps a map from every source character to its
place in a turn, so that anchors found in the source (Word comments) can be carried over.

Deciding what is a label is the delicate part: ``What she kept repeating was this: ...`` is a
sentence, not a speaker. A candidate must look like a label (short, capitalised, no sentence
punctuation, or an id such as ``P07``), and labels are judged against the whole document: a
candidate seen once, while others recur, is only accepted when it is unmistakably a label.
"""

from __future__ import annotations

import bisect
import gzip
import importlib.util
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import cast

from piri_qual.core.corpus import RawTurn
from piri_qual.ingest.layouts import Header, match_timed_label
from piri_qual.ingest.layouts import match_header as _match_header_line
from piri_qual.ingest.roles import is_role_label, role_for
from piri_qual.ingest.source import Layout, TurnOptions
from piri_qual.ingest.structure import Structure, find_structure

# -- patterns -----------------------------------------------------------------------------------

_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_CLOCK_RE = re.compile(r"(?:(\d{1,3}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?")
# A timestamp opening a paragraph: [00:01:02], (0:03), or a bare 00:01:02 with hours.
_STAMP_RE = re.compile(
    rf"[\[(](?P<a>{_CLOCK})[\])][ \t\u00a0]*|(?P<b>\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d{{1,3}})?)[ \t\u00a0]+"
)
_STAMP_STARTS = frozenset("[(0123456789")
# ``Label:`` (optionally **bold**) at the start of a paragraph or line; the class excludes the
# colon, so the match is one greedy scan.
_LABEL_RE = re.compile(
    r"(?:\*\*|__)?([^\W_][^:\n*]{0,44})(?:\*\*|__)?:(?:\*\*|__)?(?=[ \t\u00a0\n]|$|[^\W\d_])[ \t\u00a0\n]*"
)
_SEPARATOR_CHARS = frozenset("-*_=~•")
_SEPARATOR_RE = re.compile(r"[ \t]*([-*_=~•])(?:[ \t]*\1){2,}[ \t]*")
_ABBREV_RE = re.compile(r"\b(Dr|Mr|Mrs|Ms|Mx|Prof|St|Revd)\.")
_PAREN_RE = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")
_SENTENCE_PUNCT_RE = re.compile(r"[.?!;,\"“”…]")
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ENDWORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*$")
_STARTWORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

#: ``Key: value`` lines that are document metadata, never a speaker.
NOT_SPEAKERS = frozenset(
    {
        "note", "notes", "nb", "ps", "date", "time", "duration", "length", "location", "venue",
        "title", "subject", "re", "email", "e-mail", "tel", "phone", "mobile", "address", "url",
        "link", "source", "page", "file", "filename", "ref", "reference", "example", "warning",
        "caution", "tip", "important", "update", "edit", "agenda", "summary", "conclusion",
        "action", "actions", "name", "age", "role", "site", "group", "gender", "occupation",
        "transcript", "recording", "audio", "video", "start time", "end time", "interview date",
        "keywords", "tags", "ok", "yes", "no", "so", "and", "but", "well", "then", "also",
    }
)
# "Task 2: Find the opening hours" is the study script, not a speaker called "Task 2".
_SCRIPT_LABEL_RE = re.compile(
    r"(?i)(?:task|question|section|part|scenario|activity|exercise|topic|prompt|step|theme)\s*\d{1,3}[a-z]?(?:\.\d{1,3})*"
)
_CONNECTORS = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "al",
                         "el", "bin", "ter", "ten", "of", "and", "&", "the", "for"})
_ID_RE = re.compile(r"[A-Z]{1,3}-?\d{1,4}[a-z]?|[A-Z][a-z]+ \d{1,3}")
_TERMINAL = frozenset(".?!…:;—–-\"”’')]»")


def match_header(text: str) -> Header | None:
    """A speaker header line (``Name   0:03``, ``[00:00:03] Name``, ...; see
    :mod:`piri_qual.ingest.layouts`)."""
    return _match_header_line(text)


def is_separator(text: str) -> bool:
    """A rule such as ``-----`` or ``* * *`` between survey answers or sections."""
    first = text.lstrip()[:1]
    return bool(first) and first in _SEPARATOR_CHARS and _SEPARATOR_RE.fullmatch(text) is not None


def parse_clock(text: str) -> float | None:
    """Seconds for ``M:SS``, ``MM:SS``, ``H:MM:SS`` or ``HH:MM:SS.mmm``; None if not a time."""
    m = _CLOCK_RE.fullmatch(text.strip())
    if m is None:
        return None
    hours = int(m.group(1)) if m.group(1) else 0
    minutes, seconds = int(m.group(2)), int(m.group(3))
    if seconds >= 60 or (m.group(1) and minutes >= 60):
        return None
    frac = float("0." + m.group(4)) if m.group(4) else 0.0
    return round(hours * 3600 + minutes * 60 + seconds + frac, 3)


# -- input and output records -------------------------------------------------------------------


@dataclass(slots=True)
class SourceParagraph:
    """One paragraph as a reader found it.

    ``kind`` tells the detector how much it may guess: ``auto`` (find labels and timestamps),
    ``heading`` (a heading that may name the next speaker), ``turn`` (a new turn whose speaker
    the source states, e.g. a table row) or ``cont`` (more words of the current turn).
    """

    text: str
    kind: str = "auto"
    speaker: str | None = None
    time: float | None = None


@dataclass
class Segmentation:
    """The turns found and where each source character went.

    ``pieces`` holds ``(paragraph, src_start, src_end, turn, body_start)`` in reading order:
    characters ``[src_start, src_end)`` of source paragraph ``paragraph`` are the characters from
    ``body_start`` of ``"\\n".join(turns[turn].paragraphs)``.
    """

    turns: list[RawTurn]
    pieces: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    speakers_found: bool = False
    layout: Layout = field(default_factory=Layout)
    _keys: list[tuple[int, int]] = field(default_factory=list, repr=False)

    def locate(self, paragraph: int, pos: int, side: str = "start") -> tuple[int, int] | None:
        """(turn, offset in turn body) for position ``pos`` of source paragraph ``paragraph``.

        Positions that fell out of the text (a removed label, stripped space) move to the next
        kept character for ``side="start"`` and to the previous one for ``side="end"``.
        """
        if not self.pieces:
            return None
        if len(self._keys) != len(self.pieces):
            self._keys = [(p[0], p[1]) for p in self.pieces]
        keys = self._keys
        if side == "start":
            i = bisect.bisect_right(keys, (paragraph, pos)) - 1
            if i >= 0:
                para, s, e, turn, body = self.pieces[i]
                if para == paragraph and pos < e:
                    return turn, body + pos - s
            i += 1
            if i >= len(self.pieces):
                para, s, e, turn, body = self.pieces[-1]
                return turn, body + e - s
            para, s, e, turn, body = self.pieces[i]
            return turn, body
        i = bisect.bisect_left(keys, (paragraph, pos)) - 1
        if i < 0:
            para, s, e, turn, body = self.pieces[0]
            return turn, body
        para, s, e, turn, body = self.pieces[i]
        if para == paragraph:
            return turn, body + min(pos, e) - s
        return turn, body + e - s


# -- label judgement ----------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def speaker_key(label: str) -> str:
    """Labels compare case-insensitively with spacing collapsed (``INT`` == ``Int``)."""
    return " ".join(label.split()).casefold()


def label_shape(label: str) -> str | None:
    """How much ``label`` looks like a speaker label: ``"strict"``, ``"loose"`` or None.

    strict: an id (``P07``, ``INT``, ``R``), a role word (``Interviewer 1``) or a name whose
    every word is capitalised. loose: short and mostly capitalised. None: text (too long, sentence
    punctuation, starts lower-case, or a metadata key such as ``Date``).
    """
    label = label.strip()
    if not label or len(label) > 40:
        return None
    if speaker_key(label) in NOT_SPEAKERS:
        return None
    core = _PAREN_RE.sub("", _ABBREV_RE.sub(r"\1", label)).strip()
    if not core or _SENTENCE_PUNCT_RE.search(core):
        return None
    words = core.split()
    if len(words) > 4:
        return None
    if _ID_RE.fullmatch(core) or is_role_label(label):
        return "strict"
    if not (core[0].isupper() or core[0].isdigit()):
        return None
    capital = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    connectors = sum(1 for w in words if w.casefold() in _CONNECTORS)
    if capital + connectors == len(words) and capital >= 1:
        return "strict"
    if capital * 2 >= len(words):
        return "loose"
    return None


def _once_is_enough(label: str) -> bool:
    """May a label that occurs once be a speaker? Only ids, role words and full names."""
    core = _PAREN_RE.sub("", label).strip()
    if _ID_RE.fullmatch(core) or is_role_label(label):
        return True
    words = core.split()
    return len(words) >= 2 and label_shape(label) == "strict"


@dataclass(slots=True)
class _Cand:
    kind: str  # header | heading | inline | plain | turn | cont
    start: int  # where this piece of the paragraph begins
    after_time: int  # where the words begin if the label is not accepted
    after_label: int | None  # after ``Label:`` (None when no label candidate)
    label: str | None = None
    time: float | None = None
    key: str | None = None  # speaker_key(label), given by every constructor call with a label
    shape: str = ""  # the layout this candidate is written in (named in what the import reports)


_PLAIN = _Cand("plain", 0, 0, None)

#: Layout names, as the import reports them.
SHAPES = {
    "label": "labels (Name: words)",
    "stamp-label": "timestamp then label ([00:01:02] Name: words)",
    "timed-label": "timed labels (Name (00:00:03): words)",
    "label-time": "header lines (Name 00:00:03, then the words)",
    "time-label": "timestamp-first header lines ([00:00:03] Name, then the words)",
    "heading": "headings naming the speaker (### Name)",
    "turn": "a speaker column (table rows or voice tags)",
}


def _parse_line(text: str, start: int) -> _Cand:
    """Timestamp and label candidates at ``start`` (a paragraph or line start)."""
    pos = start
    time = None
    first = text[pos : pos + 1]
    if first in _STAMP_STARTS:
        m = _STAMP_RE.match(text, pos)
        if m is not None:
            time = parse_clock(m.group("a") or m.group("b"))
            pos = m.end()
    after_time = pos
    # ``Label:`` (or ``**Label:**``); the colon must be followed by a space, a letter or the end, so
    # ``10:30`` and ``https://`` are not labels. A cheap search for a colon near ``pos`` runs first.
    if text.find(":", pos, pos + 50) != -1:
        m = _LABEL_RE.match(text, pos)
        if m is not None:
            label = m.group(1).strip()
            if label:
                shape = "stamp-label" if time is not None else "label"
                return _Cand("inline", start, after_time, m.end(), label, time, speaker_key(label), shape)
    if time is None:
        timed = match_timed_label(text, pos)
        if timed is not None:
            return _Cand("header", start, after_time, timed.end, timed.label, parse_clock(timed.time),
                         speaker_key(timed.label), "timed-label")
    if start == 0 and pos == 0 and time is None:
        return _PLAIN  # most paragraphs: shared, never modified
    return _Cand("plain", start, after_time, None, None, time)


def _parse(para: SourceParagraph) -> _Cand:
    """The candidate at the start of a paragraph: header, heading, label, timestamp or words."""
    text = para.text
    kind = para.kind
    if kind == "auto" and para.time is None:
        return _parse_text(text)
    if kind == "turn":
        speaker = para.speaker
        key = speaker_key(speaker) if speaker is not None else None
        return _Cand("turn", 0, 0, 0, speaker, para.time, key, "turn")
    if kind == "cont":
        return _Cand("cont", 0, 0, None, None, para.time)
    if kind == "heading":
        label = text.strip()
        return _Cand("heading", 0, 0, len(text), label, para.time, speaker_key(label), "heading")
    first = _parse_text(text)
    if first.time is None and para.time is not None:
        first = _Cand(
            first.kind, first.start, first.after_time, first.after_label, first.label, para.time, first.key,
            "stamp-label" if first.shape == "label" else first.shape,
        )
    return first


#: ``Label: words`` candidates by their label, for :func:`_parse_text`: a transcript repeats a
#: handful of labels hundreds of times, and a candidate depends only on the label and on the one
#: space after its colon. Cleared when it grows past a few thousand labels.
_LABEL_MEMO: dict[str, _Cand] = {}


def _parse_text(text: str) -> _Cand:
    """:func:`_parse` for an ``auto`` paragraph given by its text alone.

    A header may fill the paragraph (the words follow in the next paragraphs) or be its first
    line, the words following after a line break.
    """
    colon = text.find(":", 1, 50)
    # "Label: words" with one space after the colon: seen before, the same candidate.
    memo = colon > 0 and text[colon + 1 : colon + 2] == " " and not text[colon + 2 : colon + 3].isspace()
    if memo:
        hit = _LABEL_MEMO.get(text[:colon])
        if hit is not None:
            return hit
    found = _parse_text_uncached(text)
    if memo and found.kind == "inline" and found.start == 0 and found.time is None and found.after_label == colon + 2:
        if len(_LABEL_MEMO) > 4096:
            _LABEL_MEMO.clear()
        _LABEL_MEMO[text[:colon]] = found
    return found


def _parse_text_uncached(text: str) -> _Cand:
    end = len(text)
    m = _match_header_line(text) if end <= 120 else None  # a header line is short
    if m is None:
        nl = text.find("\n", 0, 121)
        if nl != -1:
            m = _match_header_line(text[:nl])
            end = nl + 1
    if m is not None:
        # If the label is not believed, a leading timestamp is still not part of the words.
        after_time = _parse_line(text, 0).after_time if m.order == "time-label" else 0
        return _Cand("header", 0, after_time, end, m.label, parse_clock(m.time), speaker_key(m.label), m.order)
    return _parse_line(text, 0)


def _line_candidates(text: str) -> list[_Cand]:
    """Labels at the start of lines after a line break inside the paragraph."""
    cands = []
    nl = text.find("\n")
    while nl != -1:
        start = nl + 1
        while start < len(text) and text[start] == "\n":
            start += 1
        if start < len(text):
            cand = _parse_line(text, start)
            if cand.label is not None:
                cands.append(cand)
        nl = text.find("\n", start)
    return cands


def _accepted_labels(
    parsed: list[_Cand], extra: dict[int, list[_Cand]], forced: frozenset[str] = frozenset()
) -> tuple[set[str], dict[str, str], Counter[str]]:
    """The speaker keys believed, each key's label as first written, and how often each was seen."""
    counts: Counter[str] = Counter()
    written: dict[str, str] = {}
    header_keys: set[str] = set()
    explicit: set[str] = set()
    for cands in (parsed, *extra.values()):
        for cand in cands:
            key = cand.key
            if key is None:
                continue
            if cand.kind == "turn":
                explicit.add(key)
                continue
            counts[key] += 1
            assert cand.label is not None  # a key is speaker_key(label)
            written.setdefault(key, cand.label)
            if cand.kind in ("heading", "header"):
                header_keys.add(key)
    # Header paragraphs (``Name  0:03``) and headings are a layout: once the document uses it for
    # recurring speakers, a speaker who talks only once still gets a header of the same shape.
    layout_recurs = any(counts[k] >= 2 for k in header_keys if label_shape(written[k]))
    accepted: set[str] = set()
    for key, n in counts.items():
        label = written[key]
        if key in forced:
            accepted.add(key)
            continue
        if _SCRIPT_LABEL_RE.fullmatch(label):
            continue
        shape = label_shape(label)
        if shape is None:
            continue
        if key in header_keys:
            if n >= 2 or (layout_recurs and shape == "strict"):
                accepted.add(key)
        elif n >= 2 or _once_is_enough(label):
            accepted.add(key)
    recurring = any(counts[k] >= 2 for k in accepted)
    if not explicit and not recurring and len(accepted) < 2 and not (accepted & forced):
        accepted.clear()
    return accepted | explicit, written, counts


# -- wrapped paragraphs ---------------------------------------------------------------------------

_FUNCTION_WORDS = frozenset(
    "a an the and or but if so as at by for from in into of off on onto out over to up with "
    "about after again all also am are be been being both can could did do does done down each "
    "few had has have he her here hers him his how i is it its just me more most my no nor not "
    "now once only other our ours own same she should some such than that their them then there "
    "these they this those through too under until very was we were what when where which while "
    "who whom why will would you your yours yes yeah okay ok um uh".split()
)


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """English word forms from spaCy's lookup tables (installed with piri-qual), if present.

    Only used to decide whether a paragraph hard-wrapped at a fixed width split a word
    (``sale`` + ``s``) or fell between two words (``how`` + ``to``); loaded on first need.
    """
    spec = importlib.util.find_spec("spacy_lookups_data")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "en_lemma_lookup.json.gz"
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            table = json.load(handle)
    except (OSError, ValueError):
        return frozenset()
    return frozenset(table) | frozenset(table.values())


def _is_word(word: str, vocab: Counter[str], seen_at_boundary: int) -> bool:
    w = word.casefold().replace("’", "'")
    if w in _FUNCTION_WORDS or vocab[w] > seen_at_boundary:
        return True
    return w in _english_words()


def _join_separator(prev: str, nxt: str, width: int | None, vocab: Counter[str]) -> str:
    """``""`` when ``nxt`` continues a word cut at a fixed wrap width, else ``" "``."""
    if width is None or len(prev.rstrip()) < width or prev[-1:].isspace() or nxt[:1].isspace():
        return " "
    a = _ENDWORD_RE.search(prev)
    b = _STARTWORD_RE.match(nxt)
    if a is None or b is None:
        return " "
    left, right = a.group(0), b.group(0)
    if _is_word(left + right, vocab, 0):
        return ""
    if _is_word(left, vocab, 1) and _is_word(right, vocab, 1):
        return " "
    return ""


def _continues(prev: str, nxt: str) -> bool:
    """Does ``nxt`` look like the rest of a sentence that ``prev`` did not finish?"""
    prev = prev.rstrip()
    nxt = nxt.lstrip()
    return bool(prev) and bool(nxt) and nxt[0].islower() and prev[-1] not in _TERMINAL


# -- building -----------------------------------------------------------------------------------


#: Keys of turns that no label opened: the answers between a one-sided transcript's labelled
#: questions (grouped into one turn per answer), and structure lines (one turn each).
_ANSWER = "\x00answer"
_STRUCTURE = "\x00structure"


@dataclass(slots=True)
class _Turn:
    index: int
    speaker: str | None
    key: str | None
    time: float | None
    paragraphs: list[str] = field(default_factory=list)
    body_len: int = 0
    last_para: int = -1  # source paragraph that supplied the last words
    role: str | None = None
    section: str | None = None


class _Builder:
    def __init__(self, keep_map: bool = True) -> None:
        self.turns: list[_Turn] = []
        self.current: _Turn | None = None
        self.pieces: list[tuple[int, int, int, int, int]] = []
        self.keep_map = keep_map
        self.section: str | None = None

    def _drop_empty_current(self) -> None:
        current = self.current
        if current is not None and not current.paragraphs and self.turns[-1] is current:
            self.turns.pop()
        self.current = None

    def start(self, label: str | None, key: str | None, time: float | None, role: str | None = None) -> None:
        turns = self.turns
        current = self.current
        if current is not None and not current.paragraphs and turns[-1] is current:
            turns.pop()
        last = turns[-1] if turns else None
        if (
            key is not None and last is not None and last.key == key and not key.startswith("unknown")
            and key != _STRUCTURE
        ):
            self.current = last
            if last.time is None:
                last.time = time
            return
        self.current = _Turn(len(turns), label, key, time, [], 0, -1, role, self.section)
        turns.append(self.current)

    def structure(self, para: int, text: str, s: int, e: int, kind: Structure) -> None:
        """A title, metadata or prompt paragraph: a turn of its own (role ``other``)."""
        if kind.section is not None:
            self.section = kind.section
        self.start(None, _STRUCTURE, None, "other")
        self.add(para, text, s, e)
        self.current = None  # the next words start a turn of their own

    def add(self, para: int, text: str, start: int, end: int, sep: str | None = None) -> None:
        turn = self.current
        assert turn is not None
        words = text[start:end]
        if sep is not None and turn.paragraphs:
            offset = turn.body_len + len(sep)
            turn.paragraphs[-1] += sep + words
        else:
            offset = turn.body_len + (1 if turn.paragraphs else 0)
            turn.paragraphs.append(words)
        turn.body_len = offset + len(words)
        turn.last_para = para
        if self.keep_map:
            self.pieces.append((para, start, end, turn.index, offset))

    def finish(self) -> list[RawTurn]:
        self._drop_empty_current()
        # the named tuple made straight from its fields: its __new__ is a Python function
        return [
            _new_tuple(RawTurn, (t.speaker, tuple(t.paragraphs), t.time, None, t.role, t.section))
            for t in self.turns if t.paragraphs
        ]


_new_tuple = tuple.__new__


def _strip_range(text: str, start: int, end: int) -> tuple[int, int]:
    if start < end and text[start].isspace():
        start = end - len(text[start:end].lstrip())
    if end > start and text[end - 1].isspace():
        end = start + len(text[start:end].rstrip())
    return start, end


def _wrap_width(texts: list[str], parsed: list[_Cand]) -> int | None:
    """The fixed width at which an export hard-wrapped its paragraphs, if it did.

    Counted over unlabelled paragraphs that start lower-case after a paragraph that did not end
    a sentence; a width seen at least twice is the wrap width.
    """
    lengths: Counter[int] = Counter()
    prev_text: str | None = None
    for text, first in zip(texts, parsed, strict=True):
        if not text or text.isspace():
            continue
        if (
            prev_text is not None
            and first.kind == "plain"
            and first.time is None
            and (text[0].islower() or (text[0].isspace() and text.lstrip()[0].islower()))
            and _continues(prev_text, text)
        ):
            lengths[len(prev_text.rstrip())] += 1
        prev_text = text
    if lengths:
        common, count = lengths.most_common(1)[0]
        if count >= 2 and common >= 30:
            return common
    return None


def _place_words(
    builder: _Builder,
    cand: _Cand,
    si: int,
    pi: int,
    text: str,
    s: int,
    e: int,
    prev_para: int,
    texts: list[str],
    width: int | None,
    vocab: Counter[str],
    one_sided: bool = False,
) -> None:
    """Unlabelled words: continue the current speaker's turn, or stand alone without speakers.

    In a one-sided transcript (only the interviewer labelled) words after a labelled turn that
    already has words are the answer, unless they finish that turn's unfinished sentence.
    """
    current = builder.current
    if one_sided:
        if current is None or (
            current.key not in (None, _ANSWER)
            and current.paragraphs
            and not (si == 0 and current.last_para == prev_para and _continues(texts[prev_para], text[s:e]))
        ):
            builder.start(None, _ANSWER, cand.time, "participant")
            builder.add(pi, text, s, e)
            return
    if current is not None and (current.key is not None or cand.kind == "cont"):
        sep = None
        if (
            cand.kind == "plain"
            and si == 0
            and cand.time is None
            and current.last_para == prev_para
            and text[s].islower()
            and _continues(texts[prev_para], text)
        ):
            sep = _join_separator(texts[prev_para].rstrip(), text[s:e], width, vocab)
        builder.add(pi, text, s, e, sep)
    else:
        builder.start(None, None, cand.time)
        builder.add(pi, text, s, e)


def _one_sided(
    accepted: set[str], written: dict[str, str], parsed: list[_Cand], texts: list[str],
    options: TurnOptions,
) -> bool:
    """Does the transcript label only the interviewer, leaving the answers unlabelled?

    Yes when the accepted labels are interviewers' (by ``roles:`` or by the label itself), with
    perhaps an observer or note-taker, or when there is one label, of unknown role, whose
    paragraphs mostly ask questions; and in both cases unlabelled paragraphs follow labelled ones.
    """
    if not accepted or any(k not in written for k in accepted):
        return False
    roles = [role_for(written[k], options.roles) for k in accepted]
    if "interviewer" in roles and all(r in ("interviewer", "other") for r in roles):
        pass  # interviewers (and an observer or note-taker) are labelled, the participant is not
    elif len(accepted) == 1 and roles[0] is None:
        asked = [("?" in texts[i]) for i, c in enumerate(parsed) if c.key in accepted]
        if not asked or sum(asked) < 0.5 * len(asked):
            return False
    else:
        return False
    after_label = 0
    labelled_seen = False
    for cand, text in zip(parsed, texts, strict=True):
        if cand.key in accepted:
            labelled_seen = True
        elif labelled_seen and cand is _PLAIN and text.strip():
            after_label += 1
    return after_label > 0


def _layout_name(shapes: Counter[str], one_sided: bool, speaker_mode: bool) -> str:
    if not speaker_mode:
        return "no speaker labels"
    name = SHAPES.get(shapes.most_common(1)[0][0], "labels") if shapes else "labels"
    return f"{name}, interviewer only (unlabelled paragraphs are the answers)" if one_sided else name


def segment(
    paragraphs: Sequence[SourceParagraph | str], keep_map: bool = True, options: TurnOptions | None = None
) -> Segmentation:
    """Group ``paragraphs`` into speaker turns (or one turn per paragraph when no speakers).

    A plain string is an ``auto`` paragraph without a time (what most documents are made of).
    ``keep_map=False`` skips recording where each character went (``Segmentation.pieces``) when
    the caller has no source positions to carry over. ``options`` carries what the study says
    about speakers (``roles:``, ``import --speakers``).
    """
    options = options or TurnOptions()
    special: dict[int, SourceParagraph] = {}  # paragraphs that are more than text
    if all(type(p) is str for p in paragraphs):
        texts = cast("list[str]", list(paragraphs))  # all() has checked each is a str
    else:
        texts = []
        for i, p in enumerate(paragraphs):
            if isinstance(p, str):
                texts.append(p)
            else:
                texts.append(p.text)
                if p.kind != "auto" or p.time is not None:
                    special[i] = p
    # Most paragraphs are plain words: rule out a header, timestamp or label with cheap string
    # tests before the full parse.
    parsed = [
        _PLAIN
        # labels and header times both need a colon near the start
        if t.find(":", 0, 121) == -1 and t[:1] not in _STAMP_STARTS
        else _parse_text(t)
        for t in texts
    ]
    for i, para in special.items():
        parsed[i] = _parse(para)
    extra = {
        i: found
        for i, t in enumerate(texts)
        if "\n" in t
        and (i not in special or special[i].kind == "auto")
        and (found := _line_candidates(t))
    }
    forced = frozenset(speaker_key(label) for label in options.speakers or ())
    if options.speakers == ():
        accepted: set[str] = set()
        written: dict[str, str] = {}
        counts: Counter[str] = Counter()
    else:
        accepted, written, counts = _accepted_labels(parsed, extra, forced)
    for cand in parsed:
        if cand.kind == "turn" and cand.key is not None and cand.label is not None:
            written.setdefault(cand.key, cand.label)
    speaker_mode = bool(accepted)
    labelled = [c.key in accepted or c.kind == "turn" for c in parsed] if accepted else [
        c.kind == "turn" for c in parsed]
    headings = {i for i, c in enumerate(parsed) if c.kind == "heading" and not labelled[i] and texts[i].strip()}
    structure = find_structure(texts, labelled, speaker_mode, headings)
    if structure and accepted:
        # A label seen only in the header's metadata ("Participant: P3") names nobody who speaks.
        spoken = {c.key for i, c in enumerate(parsed) if labelled[i] and i not in structure}
        spoken.update(c.key for i, cands in extra.items() if i not in structure for c in cands)
        silent = {k for k in accepted if k not in spoken and k not in forced}
        if silent:
            accepted -= silent
            labelled = [lab and parsed[i].key not in silent for i, lab in enumerate(labelled)]
            speaker_mode = bool(accepted)
    one_sided = speaker_mode and _one_sided(accepted, written, parsed, texts, options)

    width = _wrap_width(texts, parsed) if speaker_mode else None
    vocab: Counter[str] = Counter()
    if width is not None:
        for text in texts:
            vocab.update(w.casefold().replace("’", "'") for w in _WORD_RE.findall(text))

    builder = _Builder(keep_map)
    start_turn, add = builder.start, builder.add
    shapes: Counter[str] = Counter(c.shape for c, lab in zip(parsed, labelled, strict=True) if lab)
    prev_para = -1
    for pi, text in enumerate(texts):
        if not text or text.isspace() or (text[0] in _SEPARATOR_CHARS and is_separator(text)):
            continue
        cand = parsed[pi]
        if structure and pi in structure:
            s, e = _strip_range(text, 0, len(text))
            if s < e:
                builder.structure(pi, text, s, e, structure[pi])
            prev_para = pi
            continue
        if pi not in extra:
            # One candidate (nearly every paragraph): the loop below, unrolled.
            if labelled[pi]:
                start_turn(cand.label, cand.key, cand.time)
                s = cand.after_label or 0
            else:
                s = cand.after_time
            e = len(text)
            if text[s : s + 1].isspace() or text[-1].isspace():
                s, e = _strip_range(text, s, e)
            if s < e:
                current = builder.current
                if labelled[pi] or (
                    not one_sided
                    and cand is _PLAIN
                    and current is not None
                    and current.key is not None
                    and not text[s].islower()
                ):
                    add(pi, text, s, e)  # a labelled turn, or the next paragraph of one
                else:
                    _place_words(builder, cand, 0, pi, text, s, e, prev_para, texts, width, vocab, one_sided)
            prev_para = pi
            continue
        cands = [cand] + [c for c in extra[pi] if c.key in accepted]
        last = len(cands) - 1
        for si, cand in enumerate(cands):
            end = cands[si + 1].start if si < last else len(text)
            if cand.kind == "turn" or (cand.key is not None and cand.key in accepted):
                start_turn(cand.label, cand.key, cand.time)
                if si:
                    shapes[cand.shape] += 1
                s, e = _strip_range(text, cand.after_label or cand.start, end)
                if s < e:
                    add(pi, text, s, e)
                continue
            s, e = _strip_range(text, cand.after_time, end)
            if s < e:
                _place_words(builder, cand, si, pi, text, s, e, prev_para, texts, width, vocab, one_sided)
        prev_para = pi
    turns = builder.finish()
    # Turn indices in pieces refer to builder turns; all kept turns are non-empty and in order.
    if len(turns) != len(builder.turns):
        kept = {t.index: i for i, t in enumerate(t for t in builder.turns if t.paragraphs)}
        pieces = [(p, s, e, kept[t], b) for p, s, e, t, b in builder.pieces]
    else:
        pieces = builder.pieces
    layout = Layout(
        name=_layout_name(shapes, one_sided, speaker_mode),
        # most frequent first, ties in the order first written (a set's order changes with the hash seed)
        labels=[written[k] for k in sorted((k for k in written if k in accepted), key=lambda k: -counts.get(k, 0))],
        rejected=[written[k] for k, n in counts.most_common() if k not in accepted and label_shape(written[k])],
        one_sided=one_sided,
        structure=dict(Counter(v.kind for v in structure.values())),
    )
    return Segmentation(turns, pieces, speaker_mode, layout)


def opens_turn(line: str) -> bool:
    """Whether a line of text could open a turn (a label, a header or a timestamp): readers of
    formats that wrap lines visually (PDF) keep such a line from being joined to the one above."""
    if line.find(":", 0, 121) == -1 and line[:1] not in _STAMP_STARTS:
        return False
    cand = _parse_text(line)
    return cand.label is not None or cand.time is not None
