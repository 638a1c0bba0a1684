"""The search matcher: its fast path finds exactly what its plain regular expression finds.

The fast path (lower-cased text, no look-behind, the word start checked by hand) exists only
for speed; these properties hold it to the meaning, the one regular expression a reader would
write (``(?<!\\w)words(?!\\w)``, ignoring case).
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from piri_qual.analysis.text_search import compile_pattern
from piri_qual.core.lemmas import forms_of, is_stop, lemma

ALPHABET = "aAbBwWiItT \n'\u2019-\u2013_9\u0130\u00e9"  # with a letter whose lower case is longer (U+0130)
WORDS = ["wait", "waiting list", "it's", "a-b", "tab*", "Wait", "b_a", "aa aa"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=60), pattern=st.sampled_from(WORDS),
       case_sensitive=st.booleans())
def test_fast_path_finds_what_the_plain_expression_finds(text: str, pattern: str, case_sensitive: bool) -> None:
    matcher = compile_pattern(pattern, case_sensitive=case_sensitive)
    expected = [m.span() for m in matcher.plain.finditer(text) if m.end() > m.start()]
    assert list(matcher.spans(text)) == expected


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="waitngsdWAIT \n.,", max_size=80))
def test_lemma_fast_path_matches_its_expression(text: str) -> None:
    matcher = compile_pattern("waited", lemma=True)
    assert list(matcher.spans(text)) == [m.span() for m in matcher.plain.finditer(text)]


def test_words_match_whole_and_tolerantly() -> None:
    text = "Waiting list; the waiting\nlist. Await it. It\u2019s a waiting-list thing, waitinglist."
    spans = list(compile_pattern("waiting list").spans(text))
    assert [text[a:b] for a, b in spans] == ["Waiting list", "waiting\nlist"]
    assert [text[a:b] for a, b in compile_pattern("it's").spans(text)] == ["It\u2019s"]
    assert [text[a:b] for a, b in compile_pattern("waiting-list").spans(text)] == ["waiting-list"]
    assert [text[a:b] for a, b in compile_pattern("wait*").spans(text)] == [
        "Waiting", "waiting", "waiting", "waitinglist"]
    assert list(compile_pattern("Waiting", case_sensitive=True).spans(text)) == [(0, 7)]


def test_lemmas_forms_and_stop_words_follow_the_lookup_table() -> None:
    assert lemma("waited") == "wait" and lemma("Families") == "family"
    assert forms_of("waiting") >= {"wait", "waits", "waited", "waiting"}
    pattern = compile_pattern("waiting", lemma=True)
    text = "We waited. She waits; the wait. Waiting. Awaited."
    assert [text[a:b] for a, b in pattern.spans(text)] == ["waited", "waits", "wait", "Waiting"]
    assert all(is_stop(w) for w in ("the", "didn't", "I\u2019d", "can't", "um", "yeah"))
    assert not any(is_stop(w) for w in ("baby", "mum's", "waiting"))
    assert re.compile(pattern.pattern, re.IGNORECASE).search("WAITED")
