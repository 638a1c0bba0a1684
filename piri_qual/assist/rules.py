"""Codebook rules: keywords, token patterns, exclusion terms and terms derived from definitions.

Keywords and phrases are matched with spaCy's ``PhraseMatcher`` on ``NORM``, which the pipeline
sets to a light stem of each word's lower-cased lemma: so matching is on lemma and lower case at
once (``Referral``, ``referrals``), and ``referral`` also finds "referred". (A separate lower-case
matcher would find nothing more, since NORM is a function of the lower-cased word.)
``Theme.patterns`` are spaCy ``Matcher`` token patterns. An exclusion term found in a sentence
vetoes that theme for the sentence.

A theme with no keywords and no patterns (as in a codebook imported from another tool) gets
*derived terms*: the content words of its label and definition that are specific to it (used by
few other themes and not generic codebook language such as "participant" or "describes"). They
count for less than keywords a researcher wrote.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from piri_qual.assist.similarity import readable_label
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from piri_qual.core.framework import Theme

KEYWORD, PATTERN, DERIVED, VETO = 0, 1, 2, 3

# Words that describe codes rather than the talk being coded.
CODEBOOK_WORDS = frozenset(
    """
    participant participants parent parents respondent respondents interviewee person people
    describe describes described description mention mentions mentioned talk talks talking discuss
    discusses discussed discussion refer refers referring reference include includes including
    example examples e.g. eg i.e. ie etc code codes coded coding theme themes answer answers
    response responses question questions statement statements comment comments express expresses
    expressed account accounts report reports reported reporting say says said view views
    experience experiences perceive perceived perception perceptions relate relates related
    regarding concerning around about use used using way ways thing things aspect aspects kind
    kinds type types also any other something anything whether within without need needs
    """.split()
)


@dataclass(frozen=True)
class Hit:
    """One rule match in a sentence."""

    sentence: int
    theme: int
    kind: int
    weight: float
    term: str


@dataclass
class CompiledRules:
    """Matchers built from a codebook for one pipeline."""

    norm: Any
    matcher: Any
    terms: dict[int, tuple[int, int, float, str]]  # match id -> (theme, kind, weight, term)
    derived: dict[int, list[tuple[int, float, str]]]  # NORM hash -> [(theme, weight, term)]
    derived_terms: dict[str, list[str]] = field(default_factory=dict)  # theme id -> terms

    def __post_init__(self) -> None:
        self.derived_keys = np.array(sorted(self.derived), dtype=np.uint64)

    def derived_hits(self, norms: np.ndarray, token_sentence: np.ndarray) -> list[Hit]:
        """Derived-term hits for a batch of tokens (their NORM hashes and sentence numbers)."""
        if not len(self.derived_keys):
            return []
        hits: list[Hit] = []
        seen: set[tuple[int, int, str]] = set()
        for i in np.nonzero(np.isin(norms, self.derived_keys))[0]:
            sentence = int(token_sentence[i])
            for theme, weight, term in self.derived[int(norms[i])]:
                if (sentence, theme, term) not in seen:
                    seen.add((sentence, theme, term))
                    hits.append(Hit(sentence, theme, DERIVED, weight, term))
        return hits


def derive_terms(themes: list[Theme], nlp: Any) -> dict[str, list[tuple[str, float]]]:
    """Candidate terms (with weights) for themes that have no keywords and no patterns.

    Label words weigh 1.0, definition and inclusion words 0.5. A word shared by more than
    ``max(2, 10%)`` of the themes that need derived terms is dropped: it cannot tell them apart.
    """
    needing = [t for t in themes if not t.keywords and not t.patterns]
    if not needing:
        return {}
    bags: dict[str, dict[str, float]] = {}
    for theme in needing:
        bag: dict[str, float] = {}
        sources = [(readable_label(theme.label or theme.id), 1.0)]
        sources += [(text, 0.5) for text in (theme.definition, *theme.include) if text]
        for text, weight in sources:
            for token in nlp(text):
                lemma = token.lemma_.lower()
                if (
                    not token.is_alpha
                    or len(lemma) < 3
                    or token.is_stop
                    or lemma in CODEBOOK_WORDS
                    or token.lower_ in CODEBOOK_WORDS
                ):
                    continue
                bag[lemma] = max(bag.get(lemma, 0.0), weight)
        bags[theme.id] = bag
    spread = Counter(term for bag in bags.values() for term in bag)
    limit = max(2, int(0.1 * len(needing)))
    return {
        tid: sorted(((t, w) for t, w in bag.items() if spread[t] <= limit), key=lambda x: (-x[1], x[0]))
        for tid, bag in bags.items()
    }


def compile_rules(themes: list[Theme], nlp: Any) -> CompiledRules:
    """Build the phrase matchers, the token-pattern matcher and the derived-term table."""
    from spacy.matcher import Matcher, PhraseMatcher

    strings = nlp.vocab.strings
    norm = PhraseMatcher(nlp.vocab, attr="NORM")
    matcher = Matcher(nlp.vocab)
    terms: dict[int, tuple[int, int, float, str]] = {}

    def add_phrase(index: int, kind: int, phrase: str, weight: float) -> None:
        phrase = phrase.strip()
        if not phrase:
            return
        key = f"piri:{index}:{kind}:{phrase.lower()}"
        match_id = strings.add(key)
        terms[match_id] = (index, kind, weight, phrase)
        norm.add(key, [nlp(phrase)])

    for index, theme in enumerate(themes):
        for keyword in theme.keywords:
            add_phrase(index, KEYWORD, keyword, 1.0)
        for term in theme.exclude_terms:
            add_phrase(index, VETO, term, 0.0)
        for number, pattern in enumerate(theme.patterns, start=1):
            key = f"piri:{index}:{PATTERN}:pattern {number}"
            match_id = strings.add(key)
            terms[match_id] = (index, PATTERN, 1.0, f"pattern {number}")
            try:
                matcher.add(key, [[_lower_values(token) for token in pattern]])
            except (ValueError, KeyError, TypeError, re.error) as exc:
                # the codebook's own check (core/token_patterns.py) mirrors spaCy's schema; this
                # is the net for anything a newer spaCy refuses that it does not know of
                raise PiriQualError(
                    f"theme {theme.id!r}: spaCy cannot use pattern {number} ({str(exc).splitlines()[0]})",
                    hint="Fix or remove the pattern in the codebook, then run `piri-qual codebook` to check it",
                ) from None

    derived: dict[int, list[tuple[int, float, str]]] = {}
    index_of = {t.id: i for i, t in enumerate(themes)}
    from piri_qual.assist.pipeline import light_stem

    found = derive_terms(themes, nlp)
    for tid, pairs in found.items():
        for term, weight in pairs:
            derived.setdefault(strings.add(light_stem(term)), []).append((index_of[tid], weight, term))
    return CompiledRules(
        norm, matcher, terms, derived, {tid: [t for t, _ in pairs] for tid, pairs in found.items()}
    )


def _lower_values(token: dict[str, Any]) -> dict[str, Any]:
    """Lemma and lower-case values in patterns are matched lower-case, like the pipeline's lemmas."""
    out = {}
    for attr, value in token.items():
        if attr in ("LEMMA", "LOWER") and isinstance(value, str):
            value = value.lower()
        out[attr] = value
    return out


_SPACE = re.compile(r"\s+")


def match_doc(doc: Doc, rules: CompiledRules, token_sentence: np.ndarray,
              windows: list[tuple[int, int]] | None = None) -> list[Hit]:
    """Keyword, pattern and exclusion hits in ``doc``; ``token_sentence`` maps tokens to sentences.

    Derived terms are matched for a whole batch of docs at once by :meth:`CompiledRules.derived_hits`.
    Token patterns are matched in the whole doc, or only in ``windows`` (token ranges, outside
    which no pattern can match: :mod:`piri_qual.assist.pattern_filter`; empty when none can).
    """
    hits: list[Hit] = []
    seen: set[tuple[int, int, int, str]] = set()

    def found(match_id: int, start: int, end: int) -> None:
        theme, kind, weight, term = rules.terms[match_id]
        sentence = int(token_sentence[start])
        key = (sentence, theme, kind, term.lower())
        if key in seen:
            return
        seen.add(key)
        words = _SPACE.sub(" ", doc[start:end].text)
        label = term if words.lower() == term.lower() else f"{term} ({words})"
        hits.append(Hit(sentence, theme, kind, weight, label))

    if len(rules.norm):
        for match_id, start, end in rules.norm(doc):
            found(match_id, start, end)
    if len(rules.matcher):
        if windows is None:
            for match_id, start, end in rules.matcher(doc):
                found(match_id, start, end)
        for a, b in windows or ():
            for match_id, start, end in rules.matcher(doc[a:b]):  # offsets from the window's start
                found(match_id, a + start, a + end)
    return hits
