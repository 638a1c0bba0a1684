"""The suggestion engine on small studies built in tmp_path: matching, vetoes, candidates, cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from piri_qual.assist import engine
from piri_qual.assist.candidates import units
from piri_qual.assist.pipeline import light_stem, load_pipeline
from piri_qual.core.corpus import Transcript, Turn
from piri_qual.core.settings import init_study
from piri_qual.study import Study

CODEBOOK = """\
id: tiny
label: Tiny codebook
themes:
  - id: referral_process
    label: Referral process
    definition: How the family came to be referred to the service.
    keywords: [referral]
  - id: stigma
    label: Stigma
    definition: Fear of being judged or reported.
    keywords: [social services]
    exclude_terms: [joke]
"""


def make_study(root: Path, codebook: str = CODEBOOK, turns: list[tuple[str | None, str, str]] | None = None,
               tid: str = "P01", settings_extra: str = "") -> Study:
    init_study(root)
    (root / "codebooks" / "main.yaml").write_text(codebook, encoding="utf-8")
    settings = (root / "piri-qual.yaml").read_text(encoding="utf-8")
    settings = settings.replace("framework: frameworks/main.yaml\n", "") + settings_extra
    (root / "piri-qual.yaml").write_text(settings, encoding="utf-8")
    turns = turns or [
        ("Interviewer", "interviewer", "How did you come to the service? Was there a referral?"),
        ("P01", "participant", "My health visitor Referred me in March. It took ages. "
                               "I was scared social services would come."),
        ("Interviewer", "interviewer", "Anything else?"),
        ("P01", "participant", "We made a joke about social services once. The weather was nice."),
    ]
    save_transcript(root, tid, turns)
    return Study(root)


def save_transcript(root: Path, tid: str, turns: list[tuple[str | None, str, str]]) -> Transcript:
    pieces, out, pos = [], [], 0
    for speaker, role, body in turns:
        if pieces:
            pieces.append("\n\n")
            pos += 2
        prefix = f"{speaker}: " if speaker else ""
        pieces.append(prefix + body)
        start = pos + len(prefix)
        pos = start + len(body)
        out.append(Turn(speaker, role, start, pos))
    transcript = Transcript(tid, tid, "parent", "".join(pieces), out, f"{tid}.txt", "", "txt", "2024-01-01")
    transcript.save(root / "corpus" / f"{tid}.json")
    return transcript


def by_theme(found: list, theme: str) -> list[str]:
    return [s.quote for s in found if s.theme == theme]


def test_light_stem_folds_derivations_but_not_plurals_of_lemmas() -> None:
    assert light_stem("referral") == light_stem("refer") == "refer"
    assert light_stem("judgement") == light_stem("judge")
    assert light_stem("disclosure") == light_stem("disclose")
    assert light_stem("process") != light_stem("proceed")
    assert light_stem("bond") == "bond"


def test_pipeline_lemmas_fall_back_to_lower_case() -> None:
    doc = load_pipeline().nlp("Referred Zorblax waiting")
    assert [t.lemma_ for t in doc] == ["refer", "zorblax", "wait"]


def test_referral_keyword_matches_referred(tmp_path: Path) -> None:
    study = make_study(tmp_path / "s")
    found = engine.suggest_transcript(study, "P01", None)
    quotes = by_theme(found, "referral_process")
    assert "My health visitor Referred me in March." in quotes
    hit = next(s for s in found if s.quote.startswith("My health visitor"))
    assert "referral (Referred)" in hit.reason
    assert hit.signals["rule"] > 0


def test_exclusion_term_vetoes_the_theme_in_that_sentence(tmp_path: Path) -> None:
    study = make_study(tmp_path / "s")
    found = engine.suggest_transcript(study, "P01", None)
    stigma = by_theme(found, "stigma")
    assert "I was scared social services would come." in stigma
    assert not any("joke" in q for q in stigma)


def test_interviewer_turns_are_context_unless_the_study_says_otherwise(tmp_path: Path) -> None:
    study = make_study(tmp_path / "a")
    spans = engine.candidate_spans(study, "P01")
    text = study.transcript("P01").text
    assert all("Was there a referral" not in text[a:b] for a, b in spans)
    assert any(text[a:b] == "Was there a referral?" for a, b in engine.sentences(study, "P01"))
    assert not by_theme(engine.suggest_transcript(study, "P01", None), "referral_process") == []
    wide = make_study(tmp_path / "b", settings_extra="candidates_include_interviewer: true\n")
    spans = engine.candidate_spans(wide, "P01")
    assert any(wide.transcript("P01").text[a:b] == "Was there a referral?" for a, b in spans)


def test_unlabelled_text_is_participant_text_split_into_paragraphs(tmp_path: Path) -> None:
    study = make_study(tmp_path / "s", turns=[(None, "participant", "First answer here.\nSecond paragraph.")])
    t = study.transcript("P01")
    plan = units(t)
    assert [t.text[u.start:u.end] for u in plan] == ["First answer here.", "Second paragraph."]
    assert all(u.candidate for u in plan)
    no_turns = Transcript("X", "X", None, "One.\n\nTwo.", [], "x", "", "txt", "")
    assert [no_turns.text[u.start:u.end] for u in units(no_turns)] == ["One.", "Two."]


def test_themes_without_keywords_get_terms_from_label_and_definition(tmp_path: Path) -> None:
    from piri_qual.assist.rules import derive_terms

    codebook = """\
id: plain
label: Imported codebook
themes:
  - id: WaitingTimes
    label: WaitingTimes
    definition: Delays before the first appointment.
  - id: Housing
    label: Housing
    definition: Damp or overcrowded accommodation.
"""
    study = make_study(tmp_path / "s", codebook=codebook, turns=[
        ("Interviewer", "interviewer", "Tell me more."),
        ("P01", "participant", "The delays were awful. Our flat was damp and tiny."),
    ])
    terms = derive_terms(study.codebook.themes, load_pipeline().nlp)
    assert {"wait", "time", "delay", "appointment"} <= {t for t, _ in terms["WaitingTimes"]}
    assert "damp" in {t for t, _ in terms["Housing"]}
    from piri_qual.assist.scoring import F, signal_matrix

    eng = engine.Engine(study)
    feats = eng.features(["P01"])["P01"]
    _, stats = eng.stats()
    sm = signal_matrix(feats, eng.prototypes, stats)
    text = study.transcript("P01").text
    sentences = [text[a:b] for a, b in feats.sentences[sm.rows]]
    derived = sm.values[:, :, F["derived"]]
    delays, flat = sentences.index("The delays were awful."), sentences.index("Our flat was damp and tiny.")
    assert derived[delays, 0] > 0 and derived[delays, 1] == 0
    assert derived[flat, 1] > 0 and derived[flat, 0] == 0


def test_cache_is_reused_and_invalidated_when_the_codebook_changes(tmp_path: Path) -> None:
    study = make_study(tmp_path / "s")
    engine.suggest_transcript(study, "P01", None)
    features = study.cache_dir / "assist" / "features" / "P01.npz"
    first = features.stat().st_mtime_ns
    engine.suggest_transcript(study, "P01", None)
    assert features.stat().st_mtime_ns == first  # nothing recomputed
    changed = CODEBOOK + """\
  - id: weather
    label: Weather
    definition: Talk about the weather.
    keywords: [weather]
"""
    (study.root / "codebooks" / "main.yaml").write_text(changed, encoding="utf-8")
    study = Study(study.root)
    found = engine.suggest_transcript(study, "P01", None)
    assert features.stat().st_mtime_ns != first
    assert by_theme(found, "weather") == ["The weather was nice."]


def test_decided_suggestions_are_left_out_for_that_coder(tmp_path: Path) -> None:
    study = make_study(tmp_path / "s")
    found = engine.suggest_transcript(study, "P01", "alice")
    target = next(s for s in found if s.theme == "referral_process")
    engine.decide(study, "alice", target, accept=False)
    again = engine.suggest_transcript(study, "P01", "alice")
    assert target.key not in {s.key for s in again}
    assert target.key in {s.key for s in engine.suggest_transcript(study, "P01", "bob")}
    event = study.log("alice").read()[-1]
    assert (event.op, event.source, event.score, event.reason) == ("reject", target.source, target.score, target.reason)


def test_unknown_transcript_and_missing_pipeline_are_user_errors(tmp_path: Path) -> None:
    from piri_qual.errors import PiriQualError

    study = make_study(tmp_path / "s")
    with pytest.raises(PiriQualError, match="no transcript 'P99'"):
        engine.suggest_transcript(study, "P99", None)
    bad = make_study(tmp_path / "t", settings_extra="")
    text = (bad.root / "piri-qual.yaml").read_text().replace("pipeline: null", "pipeline: en_core_web_nonexistent")
    (bad.root / "piri-qual.yaml").write_text(text)
    with pytest.raises(PiriQualError, match="not installed"):
        engine.suggest_transcript(Study(bad.root), "P01", None)


def test_sentences_need_no_themes_but_suggestions_do(tmp_path: Path) -> None:
    from piri_qual.errors import PiriQualError

    study = make_study(tmp_path / "s", codebook="id: empty\nlabel: Empty\nthemes: []\n")
    spans = engine.sentences(study, "P01")
    text = study.transcript("P01").text
    assert [text[a:b] for a, b in spans][:3] == [
        "How did you come to the service?", "Was there a referral?", "My health visitor Referred me in March."
    ]
    with pytest.raises(PiriQualError, match="no themes"):
        engine.suggest_transcript(study, "P01", None)


def test_a_short_gap_between_two_suggestions_of_one_theme_is_bridged() -> None:
    import numpy as np

    # sentences 0-7: 0-5 one turn (consecutive), 6-7 another turn; one theme column
    units = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    rows = np.arange(8)
    chosen = np.zeros((8, 2), bool)
    chosen[[0, 2], 0] = True  # one-sentence gap -> bridged
    chosen[[2, 5], 1] = True  # two-sentence gap -> bridged
    allowed = np.ones((8, 2), bool)
    out = engine._bridge(chosen, allowed, units, rows)
    assert np.nonzero(out[:, 0])[0].tolist() == [0, 1, 2]
    assert np.nonzero(out[:, 1])[0].tolist() == [2, 3, 4, 5]
    # not across turns, not over a longer gap, not into a vetoed sentence, not over a
    # sentence that is not a candidate (rows not consecutive)
    chosen = np.zeros((8, 2), bool)
    chosen[[5, 6], 0] = True
    chosen[[0, 4], 1] = True
    assert (engine._bridge(chosen, allowed, units, rows) == chosen).all()
    chosen = np.zeros((8, 2), bool)
    chosen[[0, 2], 0] = True
    vetoed = allowed.copy()
    vetoed[1, 0] = False
    assert (engine._bridge(chosen, vetoed, units, rows) == chosen).all()
    assert (engine._bridge(chosen, allowed, units, np.array([0, 5, 6, 7, 8, 9, 10, 11])) == chosen).all()
