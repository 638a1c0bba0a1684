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
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
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
        # No leading (?<!\w): it would stop the regex engine skipping ahead to a name's first
        # letter (ten times slower); the start of a word is checked on each match instead.
        regex = re.compile("(?:" + "|".join(p for _, p in alternatives) + r")(?!\w)") if alternatives else None
        object.__setattr__(self, "_regex", regex)
        object.__setattr__(self, "_lookup", lookup)

    def __bool__(self) -> bool:
        return self._regex is not None

    def apply(self, text: str) -> str:
        if self._regex is None or not text:
            return text

        lookup = self._lookup

        def replace(m: re.Match[str]) -> str:
            found = m.group(0)
            start = m.start()
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                return found  # inside a longer word
            pseudonym = lookup.get(found)
            return pseudonym if pseudonym is not None else lookup.get(_normal(found), found)

        return self._regex.sub(replace, text)

    def apply_all(self, texts: Iterable[str]) -> list[str]:
        """:meth:`apply` on many texts, in one regex pass over them joined by NUL (no name spans one)."""
        items = texts.tolist() if hasattr(texts, "tolist") else list(texts)
        if self._regex is None:
            return items
        if len(items) < 32 or not all(isinstance(t, str) and "\x00" not in t for t in items):
            return [self.apply(t) if isinstance(t, str) else t for t in items]
        return self.apply("\x00".join(items)).split("\x00")

    def find(self, text: str) -> list[str]:
        """The mapped names still present in ``text`` (for tests and the check)."""
        if self._regex is None or not text:
            return []
        return [m.group(0) for m in self._regex.finditer(text) if not _inside_word(text, m.start())]


def _inside_word(text: str, start: int) -> bool:
    if not start:
        return False
    before = text[start - 1]
    return before.isalnum() or before == "_"


def _normal(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


# -- the identifier check ------------------------------------------------------------------------
#
# The check runs over every exported quote, so it is built for speed: the texts are joined with a
# separator no pattern crosses, three cheap scans find the candidates (capitalised words, runs of
# digits, "@"), and the exact patterns below are only tried where a candidate sits.

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec")
_MONTH = r"(?:" + "|".join(MONTHS + _MONTH_ABBREVIATIONS) + r")\.?"
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
_END = r"(?![\w/-])"
# Tried at a run of digits: 21/02/2023, 21.2.23, 2023-02-21, 21st (of) February (2023).
_NUMERIC_DATE = re.compile(rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{1,2}}-\d{{1,2}}){_END}")
_ORDINAL_DATE = re.compile(rf"{_ORDINAL}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?{_END}")
# Tried at a month name: February 21st(, 2023), February 2023.
_MONTH_DATE = re.compile(rf"{_MONTH}\s+(?:{_ORDINAL}(?:,?\s+\d{{4}})?|\d{{4}}){_END}")
_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}(?![\w])")
# A run of digits and the separators of dates and phone numbers. It starts with a character
# class so that the regex engine can skip ahead to candidates (three times faster than \+?\(?\d).
_DIGITS = re.compile(r"[+(\d][\d \t./()+-]*")
_AT = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-")
_CAPITALISED = re.compile(r"[A-Z][a-z][\w'\u2019-]*")
_HONORIFIC = re.compile(r"(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Nurse|Sister|Prof|Professor)\.?[ \t]+[A-Z][\w'\u2019-]+")
PLACE_WORDS = frozenset((
    "Road", "Rd", "Street", "St", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Court",
    "Gardens", "Square", "Terrace", "Grove", "Park", "Estate", "Hospital", "Centre", "Center",
    "Surgery", "Practice", "Clinic", "Ward", "School", "Nursery", "Academy", "Church", "Trust",
    "Library", "Hall", "House",
))
_PLACE_WORD = re.compile(r"(?:" + "|".join(sorted(PLACE_WORDS, key=len, reverse=True)) + r")(?![\w'\u2019])")
_PLACE_BEFORE = re.compile(r"(?<![\w'\u2019-])(?:[A-Z][\w'\u2019-]*[ \t]+){1,3}$")
_PLACE_CUE = re.compile(r"\b(?:in|from|near|outside)\s+$")
# Joins texts for one-pass scanning: no pattern crosses a NUL, and the newline makes each text
# start a line, so a sentence.
SEPARATOR = "\x00\n"
_OPENING = "\"\u201c"
_CLOSING = "\"'\u201d\u2019)"

# Capitalised words that name nobody: the pronoun I, family words used as names, days,
# months on their own, and the like. A study adds its own (service names, ...) in settings.
COMMON_CAPITALISED = frozenset(
    """I I'm I'd I've I'll Mum Mummy Mam Mom Mommy Dad Daddy Nan Nana Nanna Gran Granny Grandma
    Grandad Granddad Grandpa God Christ Jesus OK Okay English British Christmas Easter Eid
    Diwali Ramadan Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mondays Tuesdays
    Wednesdays Thursdays Fridays Saturdays Sundays Internet Google Facebook WhatsApp Instagram
    YouTube TikTok Netflix iPhone iPad PowerPoint Wi-Fi WiFi Skype Bluetooth Zoom Teams Covid COVID
    Lockdown""".split()
) | frozenset(MONTHS)
# Words that open sentences in speech and are nobody's name, so the check can pass over them
# cheaply. Words that are also names (Will, May, Grace, Bill, Rose) are deliberately absent.
COMMON_WORDS = frozenset(
    """A About Absolutely Actually After Again Ah All Also Although Always An And Another Any
    Anyway Anything Apparently Are As At Basically Be Because Been Before Being Both But By Can
    Certainly Could Definitely Did Didn't Do Does Doesn't Don't Each Eh Either Er Erm Especially
    Even Eventually Ever Every Everyone Everything Finally First For From Generally Had Has Have
    He He'd He's Her Here Here's Hers Him His Honestly Hopefully How However If In Initially
    Instead Is Isn't It It'd It'll It's Its Just Lastly Later Let's Like Literally Luckily Mainly
    Maybe Me Meanwhile Mine Mm Mmm Most Mostly Much My No Nobody None Nor Not Nothing Now Obviously
    Of Oh Ok On Once One Only Or Other Our Ours Perhaps Personally Possibly Probably Quite Rather
    Really Right She She'd She's Should Since So Some Somebody Someone Something Sometimes Sorry
    Still Such Sure Thankfully Than Thank Thanks That That's The Their Them Then There There's
    These They They'd They're They've This Those Though Through To Today Too Totally Uh Um
    Unfortunately Until Up Us Usually Very Was Wasn't We We'd We'll We're We've Well Were Weren't
    What What's When Where Which While Who Whoever Why With Without Would Wouldn't Yeah Yep Yes
    Yet You You'd You'll You're You've Your Yours""".split()
)


@dataclass(frozen=True)
class IdentifierFlag:
    """A span of exported text that may identify someone: ``kind`` says why it was flagged."""

    kind: str  # name | place | date | phone | email | postcode | entity:<LABEL>
    text: str
    start: int
    end: int


def _sentence_initial(joined: str, start: int) -> bool:
    """Whether a word at ``start`` opens a sentence (where every word takes a capital).

    True at the start of a text or line, after an opening quote mark, after a colon and a
    space, and after . ! ? or an ellipsis (and any closing quotes) and a space.
    """
    j = start - 1
    while j >= 0 and joined[j] in " \t":
        j -= 1
    if j < 0 or joined[j] in "\n\x00" or joined[j] in _OPENING:
        return True
    if j == start - 1:
        return False
    if joined[j] == ":":
        return True
    while j >= 0 and joined[j] in _CLOSING:
        j -= 1
    return j >= 0 and joined[j] in ".!?\u2026"


def _starts_inside_word(joined: str, start: int) -> bool:
    return bool(start) and (joined[start - 1].isalnum() or joined[start - 1] in "_'\u2019-")


def _skip_space(joined: str, at: int) -> int:
    while at < len(joined) and joined[at] in " \t":
        at += 1
    return at


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_'\u2019-"


@dataclass
class IdentifierChecker:
    """Flags likely identifiers in text that has already been pseudonymised.

    ``allow`` holds words never to flag as names (pseudonyms, the service's name, theme
    words). ``names`` are known first names, flagged at the start of a sentence too (where
    capitalisation says nothing); the allowlist wins over them. ``nlp`` is an optional spaCy
    pipeline with an ``ner`` component.
    """

    allow: frozenset[str] = frozenset()
    nlp: Any = None
    names: frozenset[str] = frozenset()
    entity_labels: frozenset[str] = frozenset({"PERSON", "GPE", "LOC", "ORG", "FAC", "NORP"})

    def __post_init__(self) -> None:
        words: set[str] = set(COMMON_CAPITALISED) | COMMON_WORDS
        for item in self.allow:
            words.update(_normal(item).split())
            words.add(_normal(item))
        self._allow = {w.strip(".,;:!?\"'()") for w in words}

    def find(self, text: str, *, names: frozenset[str] = frozenset()) -> list[IdentifierFlag]:
        """Likely identifiers in ``text``; see :meth:`find_many`."""
        return self.find_many([text], names=names)[0]

    def find_many(self, texts: list[str], *, names: frozenset[str] = frozenset()) -> list[list[IdentifierFlag]]:
        """Likely identifiers in each text.

        Capitalised words are flagged where they sit mid-sentence (where only a proper noun
        takes a capital) and are not allowed. At the start of a sentence, where every word is
        capitalised, a word is flagged only when it is a name: one of ``names`` or of the
        checker's known first names, or a word found capitalised mid-sentence in any of ``texts``.
        """
        return self.scan(texts, names=names)[0]

    def scan(self, texts: list[str], *, names: frozenset[str] = frozenset()
             ) -> tuple[list[list[IdentifierFlag]], frozenset[str]]:
        """:meth:`find_many`, also returning the words it treated as names (``names`` and the
        capitalised words of ``texts`` that it flagged as names)."""
        joined, starts = _join(texts)
        flags: list[list[IdentifierFlag]] = [[] for _ in texts]
        taken: list[list[tuple[int, int]]] = [[] for _ in texts]

        def add(kind: str, start: int, end: int) -> None:
            i = bisect_right(starts, start) - 1
            spans = taken[i]
            for s, e in spans:
                if s < end and start < e:
                    return
            spans.append((start, end))
            flags[i].append(IdentifierFlag(kind, joined[start:end], start - starts[i], end - starts[i]))

        for m in _AT.finditer(joined):
            j = m.start()
            while j > 0 and joined[j - 1] in _EMAIL_LOCAL:
                j -= 1
            if j < m.start():
                add("email", j, m.end())
        for m in _DIGITS.finditer(joined):
            start, end = m.start(), m.end()
            if start and joined[start - 1].isalpha() and not joined[end : end + 2].isupper():
                continue  # digits inside a word (P12, x2, COVID19), and not a postcode's "6 2AB"
            self._digits(joined, m, add)
        for m in _MONTH_DATE.finditer(joined):
            if not _starts_inside_word(joined, m.start()):
                add("date", m.start(), m.end())
        for m in _HONORIFIC.finditer(joined):
            if not _starts_inside_word(joined, m.start()):
                add("name", m.start(), m.end())
        for m in _PLACE_WORD.finditer(joined):
            self._place(joined, m.start(), m.end(), add)
        words = self._capitalised(joined)
        found = set(names) | self.names
        for start, _, bare in words:
            if bare not in found and not _sentence_initial(joined, start):
                found.add(bare)
        for start, end, bare in words:
            # every word capitalised mid-sentence is among the names, so this covers them too
            if bare in found:
                cue = _PLACE_CUE.search(joined, max(0, start - 12), start)
                add("place" if cue else "name", start, end)
        if self.nlp is not None:
            for i, doc in enumerate(self.nlp.pipe(texts)):
                for ent in doc.ents:
                    if ent.label_ in self.entity_labels and ent.text not in self._allow:
                        add(f"entity:{ent.label_}", starts[i] + ent.start_char, starts[i] + ent.end_char)
        for found_flags in flags:
            found_flags.sort(key=lambda f: f.start)
        return flags, frozenset(bare for _, _, bare in words if bare in found) | names

    @staticmethod
    def _digits(joined: str, m: re.Match[str], add: Any) -> None:
        """Dates, postcodes and phone numbers at a run of digits (cheapest tests first)."""
        start = m.start()
        before = joined[start - 1] if start else " "
        if before.isupper():  # LS6 2AB: the letters come first
            back = start - 1
            if back > 0 and joined[back - 1].isupper():
                back -= 1
            if back == 0 or not _is_word_char(joined[back - 1]):
                code = _POSTCODE.match(joined, back)
                if code:
                    add("postcode", back, code.end())
            return
        if _is_word_char(before):
            return
        run = m.group(0)
        if not run[0].isdigit():  # +44 ... or (0113) ...: only a phone number starts so
            run = run.rstrip(" \t./(-+")
            if sum(ch.isdigit() for ch in run) >= 9:
                add("phone", start, start + len(run))
            return
        if len(run) <= 4:
            date = _ORDINAL_DATE.match(joined, start)
        else:
            date = _NUMERIC_DATE.match(joined, start) or _ORDINAL_DATE.match(joined, start)
        if date:
            add("date", start, date.end())
            return
        if len(run) >= 9:
            run = run.rstrip(" \t./(-")
            if sum(ch.isdigit() for ch in run) >= 9:
                add("phone", start, start + len(run))

    def _capitalised(self, joined: str) -> list[tuple[int, int, str]]:
        """Capitalised words that start a word and are not allowed: (start, end, bare word).

        The allow check comes first: most capitals in speech open a sentence with a common
        word ("So", "The", "Honestly"), and this loop sees every one of them.
        """
        allow = self._allow
        out: list[tuple[int, int, str]] = []
        append = out.append
        for m in _CAPITALISED.finditer(joined):
            word = m.group(0)
            if word in allow:
                continue
            start = m.start()
            if start:
                before = joined[start - 1]
                if before.isalnum() or before in "_'\u2019-":
                    continue
            bare = _bare(word) if ("'" in word or "\u2019" in word) else word
            if bare not in allow:
                append((start, start + len(bare), bare))
        return out

    def _place(self, joined: str, start: int, end: int, add: Any) -> None:
        """A place word (Road, Centre, ...) after one to three capitalised words: "Larch Road"."""
        if not start or not joined[start - 1].isspace():
            return
        before = _PLACE_BEFORE.search(joined, max(0, start - 80), start)
        if before is None:
            return
        words = before.group(0).split()
        if all(_bare(w) in self._allow for w in words):
            return  # "The Children's Centre" names no place of its own
        first = before.start()
        while words and words[0] in self._allow and _bare(words[0]) not in PLACE_WORDS and len(words) > 1:
            first += len(words[0])
            first = _skip_space(joined, first)
            words = words[1:]
        add("place", first, end)

    def name_candidates(self, texts: Iterable[str]) -> frozenset[str]:
        """Words capitalised mid-sentence somewhere in ``texts``: treated as names everywhere."""
        joined, _ = _join([t for t in texts if isinstance(t, str)])
        return frozenset(bare for start, _, bare in self._capitalised(joined)
                         if bare not in self._allow and not _sentence_initial(joined, start))


def _join(texts: list[str]) -> tuple[str, list[int]]:
    """Texts joined by ``SEPARATOR``, and where each starts (NUL characters made spaces)."""
    if not texts:
        return "", []
    texts = [t or "" for t in texts]
    joined = SEPARATOR.join(texts)
    if joined.count("\x00") != max(0, len(texts) - 1):
        texts = [t.replace("\x00", " ") for t in texts]
        joined = SEPARATOR.join(texts)
    step = len(SEPARATOR)
    starts = list(accumulate((len(t) + step for t in texts[:-1]), initial=0))
    return joined, starts


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
    return checker.scan(values)
