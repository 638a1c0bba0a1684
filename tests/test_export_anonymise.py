"""The pseudonym map and the identifier check that guard every exported quote."""

from __future__ import annotations

import pandas as pd
import pytest

from piri_qual.analysis.anonymise import IdentifierChecker, Pseudonymiser, check_texts, redact


def test_pseudonyms_replace_longest_name_first_in_one_pass() -> None:
    p = Pseudonymiser({"Northvale": "[town]", "Northvale Children's Centre": "[children's centre]", "Jo": "Joanna"})
    text = "We went to Northvale Children\u2019s Centre in Northvale, and Jo came."
    out = p.apply(text)
    assert out == "We went to [children's centre] in [town], and Joanna came."
    # one pass: the pseudonym "Joanna" is not itself rewritten, and no mapped name is left
    assert p.find(out) == []


def test_pseudonyms_match_possessives_line_breaks_and_capitals_but_not_ordinary_words() -> None:
    p = Pseudonymiser({"Claire": "Hannah", "Larch Road": "[street]", "Will": "Sam"})
    text = "CLAIRE said Claire's visit to Larch\nRoad will help. Will agreed."
    assert p.apply(text) == "Hannah said Hannah's visit to [street] will help. Sam agreed."


def test_pseudonyms_leave_names_inside_other_words_alone() -> None:
    p = Pseudonymiser({"Dan": "Tom"})
    assert p.apply("Danny and Dan went dancing") == "Danny and Tom went dancing"


def test_empty_map_changes_nothing() -> None:
    p = Pseudonymiser({})
    assert not p
    assert p.apply("Claire came") == "Claire came"


@pytest.mark.parametrize(
    ("planted", "kind"),
    [
        ("Sarah", "name"),
        ("07700 900123", "phone"),
        ("+44 113 496 0000", "phone"),
        ("21st March 2023", "date"),
        ("21/03/2023", "date"),
        ("2023-03-21", "date"),
        ("March 21st", "date"),
        ("LS6 2AB", "postcode"),
        ("sarah.jones@example.org", "email"),
        ("Larch Road", "place"),
        ("Dr Okafor", "name"),
    ],
)
def test_check_flags_planted_identifiers(planted: str, kind: str) -> None:
    text = f"Honestly it was hard, and then {planted} came up when we talked."
    flags = IdentifierChecker().find(text)
    assert [(f.kind, f.text) for f in flags] == [(kind, planted)]
    assert text[flags[0].start : flags[0].end] == planted


def test_check_passes_ordinary_speech() -> None:
    text = ("I felt so close to him. My health visitor came on Thursday and I'm glad, "
            "because Mum said it was OK. It took about six weeks, which felt like forever.")
    assert IdentifierChecker().find(text) == []


def test_allowlist_and_pseudonyms_are_not_flagged() -> None:
    checker = IdentifierChecker(allow=frozenset({"PIRi", "Hannah"}))
    assert checker.find("I was referred to PIRi and Hannah came out.") == []
    assert [f.text for f in checker.find("I was referred to PIRi and Sarah came out.")] == ["Sarah"]


def test_sentence_initial_name_is_flagged_once_seen_mid_sentence_elsewhere() -> None:
    checker = IdentifierChecker()
    texts = pd.Series(["Sarah was lovely.", "I told Sarah everything.", "Because it helped."])
    flags, names = check_texts(texts, checker)
    assert names == frozenset({"Sarah"})
    assert [f.text for f in flags[0]] == ["Sarah"]
    assert [f.text for f in flags[1]] == ["Sarah"]
    assert flags[2] == []


def test_redact_masks_each_flag_with_its_kind() -> None:
    checker = IdentifierChecker()
    text = "Ring Sarah on 07700 900123 before 21/03/2023."
    out = redact(text, checker.find(text))
    assert out == "Ring [name] on [phone] before [date]."
    assert checker.find(out) == []


class _Entity:
    def __init__(self, text: str, label: str, start: int) -> None:
        self.text, self.label_, self.start_char, self.end_char = text, label, start, start + len(text)


class _Doc:
    def __init__(self, ents: list[_Entity]) -> None:
        self.ents = ents


class _FakeNer:
    """Stands in for a spaCy pipeline: tags every occurrence of the words it knows."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known

    def pipe(self, texts: list[str]):  # noqa: ANN201
        for text in texts:
            yield _Doc([_Entity(word, label, text.index(word)) for word, label in self.known.items() if word in text])


def test_named_entities_from_the_pipeline_are_flagged_with_their_label() -> None:
    # "the co-op" is lower case, so only the pipeline can know it names an organisation
    checker = IdentifierChecker(nlp=_FakeNer({"the co-op": "ORG", "six weeks": "DATE"}))
    flags = checker.find("We met at the co-op for six weeks.")
    assert [(f.kind, f.text) for f in flags] == [("entity:ORG", "the co-op")]  # DATE is not an identifier label
    assert redact("We met at the co-op.", flags) == "We met at [org]."


def test_load_ner_without_a_pipeline_returns_none() -> None:
    from piri_qual.analysis.anonymise import load_ner

    assert load_ner(None) is None
    assert load_ner("xx_no_such_pipeline_installed") is None
