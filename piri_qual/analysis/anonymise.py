"""Anonymising exported text: the study's pseudonym map, and a check for identifiers left over.

Transcripts are health data. Every quote that leaves the tool (quote bank, matrix excerpts,
cell summaries, codebook examples) first goes through :class:`Pseudonymiser`, which replaces
each name of the study's ``pseudonyms`` map (people, places, organisations) with its pseudonym.
A map is only as good as the names someone thought to put in it, so :class:`IdentifierChecker`
then looks for what is still likely to identify someone: capitalised names, places, dates,
phone and other long numbers, e-mail addresses, postcodes, and, where the study's spaCy pipeline
has a named-entity recogniser, the entities it finds. The check flags; it never edits text
unless asked to redact (:func:`redact`).

Pure functions on strings and pandas objects; nothing here reads files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_APOSTROPHES = "'\u2019"


def _name_pattern(name: str) -> str:
    """A regex for one name: any run of whitespace between words, either apostrophe."""
    words = []
    for word in name.split():
        words.append("".join(f"[{_APOSTROPHES}]" if ch in _APOSTROPHES else re.escape(ch) for ch in word))
    return r"\s+".join(words)


def _variants(name: str) -> list[str]:
    """The spellings a name is matched in: as written, upper case and with a capital first letter.

    Not lower case: a map entry such as ``Will`` or ``Grace`` must not eat the ordinary words.
    """
    out = [name, name.upper()]
    if name[:1].islower():
        out.append(name[:1].upper() + name[1:])
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Pseudonymiser:
    """Replaces every name of a pseudonym map, in one pass, longest name first.

    One pass matters: a pseudonym is never itself replaced again, and ``Northvale Children's
    Centre`` is replaced whole before ``Northvale`` could match inside it.
    """

    mapping: Mapping[str, str]
    _regex: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _lookup: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        alternatives: list[tuple[int, str]] = []
        for name, pseudonym in self.mapping.items():
            name = str(name).strip()
            if not name:
                continue
            for variant in _variants(name):
                key = _normal(variant)
                if key not in lookup:
                    lookup[key] = str(pseudonym)
                    alternatives.append((len(variant), _name_pattern(variant)))
        alternatives.sort(key=lambda item: -item[0])
        regex = (
            re.compile(r"(?<!\w)(?:" + "|".join(p for _, p in alternatives) + r")(?!\w)")
            if alternatives
            else None
        )
        object.__setattr__(self, "_regex", regex)
        object.__setattr__(self, "_lookup", lookup)

    def __bool__(self) -> bool:
        return self._regex is not None

    def apply(self, text: str) -> str:
        if self._regex is None or not text:
            return text
        return self._regex.sub(lambda m: self._lookup.get(_normal(m.group(0)), m.group(0)), text)

    def apply_all(self, texts: Iterable[str]) -> list[str]:
        return [self.apply(t) if isinstance(t, str) else t for t in texts]

    def find(self, text: str) -> list[str]:
        """The mapped names still present in ``text`` (for tests and the check)."""
        if self._regex is None or not text:
            return []
        return [m.group(0) for m in self._regex.finditer(text)]


def _normal(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


# -- the identifier check ------------------------------------------------------------------------

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
_MONTH = r"(?:" + "|".join(MONTHS) + r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"

_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"  # 21/02/2023, 21.2.23
    r"|\d{4}-\d{1,2}-\d{1,2}"  # 2023-02-21
    rf"|{_ORDINAL}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"  # 21st of February 2023
    rf"|{_MONTH}\s+{_ORDINAL}(?:,?\s+\d{{4}})?"  # February 21st, 2023
    rf"|{_MONTH}\s+\d{{4}}"  # February 2023
    r")(?![\w/-])"
)
# A phone or other long number: 9+ digits, optionally in groups, optionally +44 / (0113).
_LONG_NUMBER = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(?\d[\d\s.()-]{7,}\d)(?![\w])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b")
_PLACE_WORDS = (
    "Road", "Rd", "Street", "St", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Court",
    "Gardens", "Square", "Terrace", "Grove", "Park", "Estate", "Hospital", "Centre", "Center",
    "Surgery", "Practice", "Clinic", "Ward", "School", "Nursery", "Academy", "Church", "Trust",
    "Library", "Hall", "House",
)
_CAP = r"[A-Z][\w'\u2019-]*"
_PLACE = re.compile(rf"\b(?:{_CAP}\s+){{1,3}}(?:{'|'.join(_PLACE_WORDS)})\b")
_HONORIFIC = re.compile(r"\b(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Nurse|Sister|Prof|Professor)\.?\s+[A-Z][\w'\u2019-]+")
_CAPITALISED = re.compile(r"(?<![\w'\u2019-])[A-Z][a-z][\w'\u2019-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?\u2026]+[\"'\u201d\u2019)]*\s+|\n\s*|:\s+|[\"\u201c]\s*)$")
_PLACE_CUE = re.compile(r"\b(?:in|from|near|outside)\s+$")

# Capitalised words that name nobody: the pronoun I, family words used as names, days,
# months on their own, and the like. A study adds its own (service names, ...) in settings.
COMMON_CAPITALISED = frozenset(
    """I I'm I'd I've I'll Mum Mummy Mam Mom Mommy Dad Daddy Nan Nana Nanna Gran Granny Grandma
    Grandad Granddad Grandpa God Christ Jesus OK Okay English British Christmas Easter Eid
    Diwali Ramadan Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mondays Tuesdays
    Wednesdays Thursdays Fridays Saturdays Sundays Internet Google Facebook WhatsApp Instagram
    YouTube TikTok Netflix iPhone Zoom Teams Covid COVID Lockdown""".split()
) | frozenset(MONTHS)


@dataclass(frozen=True)
class IdentifierFlag:
    """A span of exported text that may identify someone: ``kind`` says why it was flagged."""

    kind: str  # name | place | date | phone | email | postcode | entity:<LABEL>
    text: str
    start: int
    end: int


@dataclass
class IdentifierChecker:
    """Flags likely identifiers in text that has already been pseudonymised.

    ``allow`` holds words never to flag as names (pseudonyms, the service's name, theme
    words). ``nlp`` is an optional spaCy pipeline with an ``ner`` component.
    """

    allow: frozenset[str] = frozenset()
    nlp: Any = None
    entity_labels: frozenset[str] = frozenset({"PERSON", "GPE", "LOC", "ORG", "FAC", "NORP"})

    def __post_init__(self) -> None:
        words: set[str] = set(COMMON_CAPITALISED)
        for item in self.allow:
            words.update(_normal(item).split())
            words.add(_normal(item))
        self._allow = {w.strip(".,;:!?\"'()") for w in words}

    def find(self, text: str, *, names: frozenset[str] = frozenset()) -> list[IdentifierFlag]:
        """Likely identifiers in ``text``; ``names`` are words already judged to be names.

        Capitalised words are flagged when they sit mid-sentence (where only a proper noun
        takes a capital) and are not allowed; at the start of a sentence only when they are in
        ``names``, because there every word is capitalised.
        """
        if not text:
            return []
        flags: list[IdentifierFlag] = []
        taken: list[tuple[int, int]] = []

        def add(kind: str, start: int, end: int) -> None:
            if any(s < end and start < e for s, e in taken):
                return
            taken.append((start, end))
            flags.append(IdentifierFlag(kind, text[start:end], start, end))

        for kind, regex in (("email", _EMAIL), ("date", _DATE), ("postcode", _POSTCODE)):
            for m in regex.finditer(text):
                add(kind, m.start(), m.end())
        for m in _LONG_NUMBER.finditer(text):
            if sum(ch.isdigit() for ch in m.group(0)) >= 9:
                add("phone", m.start(), m.end())
        for m in _HONORIFIC.finditer(text):
            add("name", m.start(), m.end())
        for m in _PLACE.finditer(text):
            words = m.group(0).split()
            if all(w in self._allow for w in words[:-1]):
                continue
            add("place", m.start(), m.end())
        for m in _CAPITALISED.finditer(text):
            word = m.group(0)
            bare = _bare(word)
            if word in self._allow or bare in self._allow:
                continue
            before = text[max(0, m.start() - 40) : m.start()]
            initial = m.start() == 0 or bool(_SENTENCE_START.search(before))
            if initial and bare not in names:
                continue
            kind = "place" if _PLACE_CUE.search(before) else "name"
            add(kind, m.start(), m.start() + len(bare))
        if self.nlp is not None:
            for ent in self.nlp(text).ents:
                if ent.label_ in self.entity_labels and ent.text not in self._allow:
                    add(f"entity:{ent.label_}", ent.start_char, ent.end_char)
        flags.sort(key=lambda f: f.start)
        return flags

    def name_candidates(self, texts: Iterable[str]) -> frozenset[str]:
        """Words capitalised mid-sentence somewhere in ``texts``: treated as names everywhere."""
        found: set[str] = set()
        for text in texts:
            if not isinstance(text, str) or not text:
                continue
            for m in _CAPITALISED.finditer(text):
                word = m.group(0)
                bare = _bare(word)
                if word in self._allow or bare in self._allow or bare in found or m.start() == 0:
                    continue
                if not _SENTENCE_START.search(text[max(0, m.start() - 40) : m.start()]):
                    found.add(bare)
        return frozenset(found)


def _bare(word: str) -> str:
    """``Claire's`` -> ``Claire``: the name without a possessive or trailing apostrophe."""
    return word.removesuffix("'s").removesuffix("\u2019s").rstrip("'\u2019")


def redact(text: str, flags: Iterable[IdentifierFlag]) -> str:
    """Replace each flagged span with ``[kind]`` (e.g. ``[phone]``), right to left."""
    out = text
    for flag in sorted(flags, key=lambda f: f.start, reverse=True):
        label = flag.kind.split(":", 1)[-1].lower()
        out = out[: flag.start] + f"[{label}]" + out[flag.end :]
    return out


def describe_flags(flags: Iterable[IdentifierFlag]) -> str:
    """``name 'Sarah'; phone '07700 900123'`` for a report column."""
    return "; ".join(f"{f.kind} {f.text!r}" for f in flags)


def load_ner(pipeline: str | None) -> Any:
    """The study's spaCy pipeline with only its named-entity recogniser, or None.

    Returns None (the regex checks still run) when no pipeline is configured, it is not
    installed, or it has no ``ner`` component: the check must never download anything.
    """
    if not pipeline:
        return None
    try:
        import spacy
        from spacy.util import is_package
    except ImportError:
        return None
    if not is_package(pipeline):
        return None
    nlp = spacy.load(pipeline)
    if "ner" not in nlp.pipe_names:
        return None
    keep = {"ner", "tok2vec", "transformer"}
    return spacy.load(pipeline, disable=[p for p in nlp.pipe_names if p not in keep])


def check_texts(
    texts: pd.Series, checker: IdentifierChecker
) -> tuple[list[list[IdentifierFlag]], frozenset[str]]:
    """Flags for each text of a Series, using names seen mid-sentence anywhere among them."""
    values = ["" if not isinstance(t, str) else t for t in texts.tolist()]
    names = checker.name_candidates(values)
    return [checker.find(t, names=names) for t in values], names
