"""English lemmas, word forms and stop words: the one word rule of suggestions, search and counts.

Why in ``core``: the suggestion engine (``assist``) lemmatises every token, and ``search --lemma``
and ``words`` (``analysis``) must lemmatise the same way, or "waiting" would count under one word
in a frequency table and be found under another by a search. ``analysis`` may not import
``assist``, so the rule lives below both. It needs no spaCy pipeline: a lemma is a look-up in the
English table that ``spacy-lookups-data`` ships (the word as written, then lower-cased, else the
lower-cased word itself), which is also what the engine's ``piri_lemma_norm`` component does per
token. Reading the table takes about 20 ms; importing spaCy would take a second, which a search
in the terminal should not pay.

Words for search and counting are runs of letters, apostrophes joining letters (``don't``,
``mum's``) and hyphens joining letters (``health-visitor``) -- :data:`WORD`. The stop words are
spaCy's English list, read from its source file without importing spaCy, plus the fillers of
spoken English that transcripts are full of (:data:`FILLERS`).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path

from piri_qual.errors import PiriQualError

#: A word: letters, with apostrophes or hyphens between letters.
WORD = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*")
#: What transcribed speech is full of and a word count is not about: hesitations, backchannels and
#: discourse markers ("it was, like, you know, a bit much"). Left out of word counts with the stop
#: words unless ``words --keep-fillers``.
FILLERS = frozenset({
    "um", "umm", "uh", "uhm", "erm", "er", "mm", "mmm", "mhm", "hmm", "hm", "ah", "oh", "ooh", "yeah",
    "yep", "ok", "okay", "gonna", "wanna", "'cause", "cos", "like", "know", "mean", "think", "sort",
    "kind", "actually", "basically", "literally", "obviously", "honestly", "thing", "things", "stuff",
    "bit", "lot",
})
#: The clitics spaCy splits off (``did|n't``, ``I|'d``); a word made of a stop word and one of
#: these is a stop word too, since here a word keeps its apostrophe.
CLITICS = ("n't", "'d", "'ll", "'m", "'re", "'s", "'ve")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """English word -> lemma, the lookup table shipped by spacy-lookups-data (read once)."""
    spec = importlib.util.find_spec("spacy_lookups_data")
    path = Path(spec.origin).parent / "data" / "en_lemma_lookup.json.gz" if spec and spec.origin else None
    if path is None or not path.exists():
        raise PiriQualError(
            "the English lemma table is missing (spacy-lookups-data is not installed)",
            hint="Reinstall piri-qual, which depends on spacy-lookups-data.",
        )
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        table: dict[str, str] = json.load(handle)
    return table


def lemma(word: str) -> str:
    """The lemma of one word, lower-case: the table's entry for the word as written, then for
    its lower-case form, else the lower-case word (names, jargon and misspellings stay whole)."""
    table = lemma_table()
    lower = word.lower()
    return (table.get(word) or table.get(lower) or lower).lower()


@lru_cache(maxsize=256)
def forms_of(word: str) -> frozenset[str]:
    """Every lower-case word form whose lemma is the lemma of ``word`` (the word itself included):
    ``waited`` -> {wait, waited, waiting, waits}. One pass over the table (a few milliseconds),
    not an inverted copy of it, since a search asks for a word or two."""
    base = lemma(word)
    table = lemma_table()
    forms = {form.lower() for form, target in table.items() if target == base or target.lower() == base}
    return frozenset(forms | {base, word.lower()})


@lru_cache(maxsize=2)
def stop_words(fillers: bool = True) -> frozenset[str]:
    """spaCy's English stop words (apostrophes straightened), plus :data:`FILLERS` unless
    ``fillers`` is false, lower-case."""
    words = {w.translate(_APOSTROPHES) for w in _spacy_stop_words()}
    return frozenset(words | FILLERS) if fillers else frozenset(words)


def _spacy_stop_words() -> set[str]:
    """spaCy's list, read from its module file: importing ``spacy.lang.en`` costs a second."""
    spec = importlib.util.find_spec("spacy")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / "lang" / "en" / "stop_words.py"
        if path.is_file():
            namespace: dict[str, object] = {}
            # spaCy's own data file, a literal set: executing it is what importing it would do
            exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
            found = namespace.get("STOP_WORDS")
            if isinstance(found, set):
                return {str(w).lower() for w in found}
    from spacy.lang.en.stop_words import STOP_WORDS  # the slow way, if the file moved

    return {str(w).lower() for w in STOP_WORDS}


def is_stop(word: str, stops: frozenset[str] | set[str] | None = None) -> bool:
    """Whether a word (any case, either apostrophe) is a stop word (of ``stops``, by default
    :func:`stop_words`), counting a stop word with a clitic (``didn't``, ``I'd``) as one."""
    stops = stop_words() if stops is None else stops
    low = word.lower().translate(_APOSTROPHES)
    if low in stops:
        return True
    for clitic in CLITICS:
        if low.endswith(clitic) and len(low) > len(clitic):
            base = low[: -len(clitic)]
            return base in stops or (clitic == "n't" and base + "n" in stops)  # ca|n't, wo|n't; do|n't
    return False
