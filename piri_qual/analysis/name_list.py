"""First names for the identifier check: the lists Faker ships, less the names that are words.

The check flags a capitalised word mid-sentence, where only a proper noun takes a capital; at the
start of a sentence every word has one, so "Mohammed rang me..." and "Siobhan visited..." went
through unflagged unless the same name also appeared mid-sentence somewhere. A list of first names
settles those. The list comes from `Faker <https://faker.readthedocs.io>`_ (MIT licence, a
registry package maintained for fifteen years), whose person providers carry the given names of
many locales: England and Ireland, but also the South Asian, West African, Eastern European,
Turkish, Arabic and Persian names of the families an NHS service sees. No data is downloaded.

A first name that is also a common English word ("Will you...", "Hope so", "Summer was hard")
would be flagged at the start of every such sentence, so the names whose lower-case form is the
more frequent in English are left out at sentence start (they are still flagged mid-sentence).
That list, ``data/names/common_words.txt``, is made by ``tools/build_name_words.py`` from the
same Faker lists and spaCy's English word probabilities (``spacy-lookups-data``, MIT).
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from pathlib import Path

#: The Faker locales whose given names are used (Latin script: transcripts are in English).
LOCALES = (
    "en", "en_GB", "en_IE", "ga_IE", "en_US", "en_NZ", "en_IN", "en_PK", "en_NG", "en_KE", "hi_IN",
    "bn_BD", "yo_NG", "ig_NG", "ha_NG", "tw_GH", "sw", "zu_ZA", "ar_AA", "fa_IR", "tr_TR", "pl_PL",
    "ro_RO", "lt_LT", "lv_LV", "sk_SK", "cs_CZ", "hu_HU", "bg_BG", "ru_RU", "uk_UA", "fr_FR", "de_DE",
    "es_ES", "it_IT", "pt_PT", "pt_BR",
)
_ATTRIBUTES = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")
_NAME = re.compile(r"[A-Z\u00c0-\u00d6\u00d8-\u00de][a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017e'\u2019-]+")
COMMON_WORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "names" / "common_words.txt"


def faker_first_names() -> frozenset[str]:
    """Every Latin-script given name of :data:`LOCALES` (empty when Faker is not installed)."""
    found: set[str] = set()
    for locale in LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attribute in _ATTRIBUTES:
            names = getattr(provider, attribute, None)
            if names:
                found.update(names.keys() if isinstance(names, dict) else names)
    return frozenset(n for n in found if isinstance(n, str) and _NAME.fullmatch(n))


def common_word_names() -> frozenset[str]:
    """Names that are more often an English word (``Will``, ``Hope``, ``Summer``)."""
    try:
        lines = COMMON_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """The names the identifier check flags at the start of a sentence too."""
    return faker_first_names() - common_word_names()
