"""Write ``piri_qual/data/names/common_words.txt``: first names that are more often English words.

The identifier check flags a first name at the start of a sentence (:mod:`piri_qual.analysis.name_list`),
but "Will", "Hope" and "Summer" open sentences as words far more often than as names. A name is
listed here when, in spaCy's English word probabilities (``spacy-lookups-data``, ``en_lexeme_prob``,
estimated from a large web corpus), its lower-case form is a common word (log probability above
``THRESHOLD``) and more frequent than its capitalised form. The names are those of
:data:`piri_qual.analysis.name_list.LOCALES` in the installed Faker.

Run after upgrading Faker (the list is reviewed like code)::

    python tools/build_name_words.py
"""

from __future__ import annotations

import gzip
import json
from importlib.resources import files

from piri_qual.analysis.name_list import COMMON_WORDS_FILE, faker_first_names

THRESHOLD = -11.5  # about one word in 100,000: "bill", "hope", "summer"; not "grace" or "ella"


def main() -> None:
    source = files("spacy_lookups_data") / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(str(source)) as handle:
        prob: dict[str, float] = json.load(handle)
    words = sorted(
        name for name in faker_first_names()
        if prob.get(name.lower(), -99.0) > THRESHOLD and prob.get(name.lower(), -99.0) > prob.get(name, -99.0)
    )
    header = [
        "# First names (Faker's person providers) that are more often English words; written by",
        "# tools/build_name_words.py from spacy-lookups-data's en_lexeme_prob. Not flagged at the",
        "# start of a sentence (still flagged mid-sentence). One name a line.",
    ]
    COMMON_WORDS_FILE.parent.mkdir(parents=True, exist_ok=True)
    COMMON_WORDS_FILE.write_text("\n".join([*header, *words]) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} names to {COMMON_WORDS_FILE}")


if __name__ == "__main__":
    main()
