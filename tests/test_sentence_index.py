"""The study's sentence index: one definition of a sentence, computed once, used by every caller.

Suggestions, agreement ``sentence`` units and the terminal UI all read
:attr:`StudyFolder.sentence_index`; these tests check what a sentence is (never across a turn or a
line break), that a transcript is split once whoever asks first, and that every caller gets the
same spans -- including the suggestion engine when a study names a pipeline that splits text
differently.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from piri_qual.analysis.unit_matrix import coded_units
from piri_qual.assist import engine
from piri_qual.assist.pipeline import load_pipeline
from piri_qual.core import sentences as sentence_module
from piri_qual.core.corpus import Transcript, Turn
from piri_qual.core.sentences import SentenceIndex, segments, sentence_turns, splits_like_index
from piri_qual.core.settings import init_study
from piri_qual.study import Study
from piri_qual.tui.reconcile import ReconcileSession
from piri_qual.tui.textindex import TextIndex

CODEBOOK = """\
id: tiny
label: Tiny codebook
themes:
  - id: referral_process
    label: Referral process
    definition: How the family came to be referred to the service.
    keywords: [referral, referred]
  - id: waiting_times
    label: Waiting
    definition: Waiting for support.
    keywords: [wait, waited, weeks]
"""

TURNS = [
    ("Interviewer", "interviewer", "So you waited"),  # no full stop: the sentence ends with the turn
    ("P01", "participant", "yes we did. For weeks!\nThen Dr. Okafor rang, e.g. on a Tuesday."),
    ("Interviewer", "interviewer", "Was there a referral?"),
    ("P01", "participant", "My health visitor referred me. It took ages."),
]


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


def make_study(root: Path, settings_extra: str = "") -> Study:
    init_study(root)
    (root / "codebooks" / "main.yaml").write_text(CODEBOOK, encoding="utf-8")
    settings = (root / "piri-qual.yaml").read_text(encoding="utf-8")
    settings = settings.replace("framework: frameworks/main.yaml\n", "") + settings_extra
    (root / "piri-qual.yaml").write_text(settings, encoding="utf-8")
    save_transcript(root, "P01", TURNS)
    return Study(root)


def texts(study: Study, tid: str = "P01") -> list[str]:
    text = study.transcript(tid).text
    return [text[a:b] for a, b in study.sentences(tid)]


# -- what a sentence is ----------------------------------------------------------------------
def test_sentences_never_cross_a_turn_or_a_line_break(tmp_path: Path) -> None:
    study = make_study(tmp_path / "s")
    assert texts(study) == [
        "So you waited",  # ends with its turn, though it has no full stop
        "yes we did.", "For weeks!",  # a lower-case start after the turn's label is still a sentence
        "Then Dr. Okafor rang, e.g. on a Tuesday.",  # a line break ends one; abbreviations do not
        "Was there a referral?",
        "My health visitor referred me.", "It took ages.",
    ]
    t = study.transcript("P01")
    spans = study.sentence_index.spans(t)
    owner = sentence_turns(t, spans)
    assert owner.tolist() == [0, 1, 1, 1, 2, 3, 3]
    for (a, b), k in zip(spans.tolist(), owner.tolist(), strict=True):
        assert t.turns[k].start <= a < b <= t.turns[k].end  # inside one speaker's turn
        assert ":" not in t.text[a:b] and t.text[a:b] == t.text[a:b].strip()


def test_text_without_turns_is_split_by_paragraph(tmp_path: Path) -> None:
    transcript = Transcript("X", "X", None, "One answer. Two!\n\nAnother paragraph", [], "x", "", "txt", "")
    index = SentenceIndex(tmp_path)
    spans = index.spans(transcript)
    assert segments(transcript) == [(0, 16), (18, 35)]
    assert [transcript.text[a:b] for a, b in spans.tolist()] == ["One answer.", "Two!", "Another paragraph"]
    assert sentence_turns(transcript, spans).tolist() == [-1, -1, -1]


# -- computed once -----------------------------------------------------------------------------
def test_a_transcript_is_split_once_whoever_asks_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []  # one entry per parse of the text: whose pipeline did it
    original = SentenceIndex.parse

    def counting(self: SentenceIndex, transcripts, nlp=None, attrs=()):  # noqa: ANN001, ANN202
        calls.append("index" if nlp is None else "engine")
        return original(self, transcripts, nlp, attrs)

    monkeypatch.setattr(SentenceIndex, "parse", counting)
    study = make_study(tmp_path / "s")
    assert engine.suggest_transcript(study, "P01", None)
    assert calls == ["engine"]  # the engine's own pass over the text built the index as well
    saved = study.cache_dir / "sentences" / "P01.npz"
    assert saved.is_file()
    stamp = saved.stat().st_mtime_ns
    expected = texts(study)

    fresh = Study(study.root)  # a new process, as far as memory goes
    assert texts(fresh) == expected
    text = fresh.transcript("P01").text
    for coder in ("a", "b"):
        start = text.index("For weeks!")
        fresh.store.append(coder, "add", transcript="P01", start=start, end=start + 10,
                           quote="For weeks!", theme="waiting_times")
    assert coded_units(fresh, ["a", "b"], "sentence").n_units == 5  # agreement reads the index
    TextIndex(fresh.transcript("P01"), fresh.sentences("P01"))  # as the terminal UI does
    engine.Engine(fresh).features(["P01"])  # features are cached too
    assert calls == ["engine"]  # nothing was split again
    assert saved.stat().st_mtime_ns == stamp  # and the index file was not rewritten

    # a changed transcript is split again (its key holds the text and the turns' offsets)
    save_transcript(study.root, "P01", [*TURNS[:-1], ("P01", "participant", "It took ages. Months.")])
    changed = Study(study.root)
    assert texts(changed)[-2:] == ["It took ages.", "Months."]
    assert calls == ["engine", "index"]


def test_spans_many_splits_every_missing_transcript_in_one_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    study = make_study(tmp_path / "s")
    save_transcript(study.root, "P02", [("P02", "participant", "Short one. Two.")])
    pipes: list[int] = []
    nlp = sentence_module._index_nlp()
    original = type(nlp).pipe

    def counting_pipe(self, *args: object, **kwargs: object):  # noqa: ANN001, ANN202
        pipes.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(nlp), "pipe", counting_pipe)
    found = study.sentence_index.spans_many([study.transcript("P01"), study.transcript("P02")])
    assert [len(s) for s in found] == [7, 2] and pipes == [1]
    assert not found[0].flags.writeable  # shared by every caller, so nobody may change it


# -- the same spans for every caller -----------------------------------------------------------
def test_suggestions_agreement_units_and_the_tui_use_the_same_sentences(tmp_path: Path) -> None:
    study = make_study(tmp_path / "s")
    t = study.transcript("P01")
    spans = [tuple(x) for x in study.sentence_index.spans(t).tolist()]
    participant = [s for s, k in zip(spans, sentence_turns(t, np.array(spans)).tolist(), strict=True)
                   if t.turns[k].role == "participant"]

    feats = engine.Engine(study).features(["P01"])["P01"]
    assert [tuple(x) for x in feats.sentences.tolist()] == spans
    assert engine.sentences(study, "P01") == spans
    assert engine.candidate_spans(study, "P01") == participant
    for s in engine.suggest_transcript(study, "P01", None):  # a suggestion is a run of sentences
        assert any(a == s.start for a, _ in participant) and any(b == s.end for _, b in participant)

    for coder in ("a", "b"):
        study.store.append(coder, "add", transcript="P01", start=spans[2][0], end=spans[2][1],
                           quote=t.text[spans[2][0]:spans[2][1]], theme="waiting_times")
    units = coded_units(study, ["a", "b"], "sentence")
    assert list(zip(units.unit_start.tolist(), units.unit_end.tolist(), strict=True)) == participant
    assert "spaCy sentencizer" in units.unit_description

    index = TextIndex(t, study.sentences("P01"))
    assert [(s.start, s.end) for s in index.sentences] == spans
    study.store.append("b", "add", transcript="P01", start=spans[5][0], end=spans[5][1],
                       quote=t.text[spans[5][0]:spans[5][1]], theme="referral_process")
    session = ReconcileSession(study, "a", "b", "consensus")
    assert [(u.start, u.end) for u in session.all_units] == [participant[1], participant[3]]  # the coded ones


# -- pipelines ---------------------------------------------------------------------------------
def test_the_built_in_pipeline_splits_like_the_index_and_others_do_not(tmp_path: Path) -> None:
    import spacy

    assert splits_like_index(load_pipeline().nlp)
    make_study(tmp_path / "s").sentences("P01")  # the index's pipeline has read text since
    sentence_module._COMPATIBLE.clear()  # (the answer is memoised per pipeline)
    assert splits_like_index(load_pipeline().nlp)
    assert not splits_like_index(spacy.blank("en"))  # no sentencizer
    bangs = spacy.blank("en")
    bangs.add_pipe("sentencizer", config={"punct_chars": ["!"]})
    assert not splits_like_index(bangs)
    twice = spacy.blank("en")
    twice.add_pipe("sentencizer")
    twice.add_pipe("sentencizer", name="again")
    assert not splits_like_index(twice)


def test_a_pipeline_that_splits_differently_still_gets_the_index_sentences(tmp_path: Path) -> None:
    import spacy

    custom = spacy.blank("en")
    custom.add_pipe("sentencizer", config={"punct_chars": ["!"]})  # would split only at "!"
    custom.to_disk(tmp_path / "bang-pipeline")
    study = make_study(tmp_path / "s")
    settings = study.settings_path.read_text(encoding="utf-8")
    assert "pipeline: null" in settings
    study.settings_path.write_text(settings.replace("pipeline: null", f"pipeline: {tmp_path / 'bang-pipeline'}"),
                                   encoding="utf-8")
    t = study.transcript("P01")
    eng = engine.Engine(study)
    assert eng.pipeline.name != "builtin" and not splits_like_index(eng.pipeline.nlp)

    feats = eng.features(["P01"])["P01"]
    assert feats.sentences.tolist() == study.sentence_index.spans(t).tolist()
    builtin = engine.Engine(make_study(tmp_path / "b")).features(["P01"])["P01"]
    assert builtin.sentences.tolist() == feats.sentences.tolist()
    assert feats.sentence_words.tolist() == builtin.sentence_words.tolist()  # each word in its sentence
    found = engine.suggest_transcript(study, "P01", None)
    assert "My health visitor referred me." in [s.quote for s in found if s.theme == "referral_process"]

    # the batches lay the index's sentences over the pipeline's own tokens by offset
    from spacy.attrs import IDX

    for batch in study.sentence_index.parse([t], eng.pipeline.nlp):  # docs live until the next batch
        starts = batch.column(IDX).astype(np.int64)
        doc = np.repeat(np.arange(len(batch.docs)), np.diff(np.r_[batch.doc_start, len(batch.tokens)]))
        where = starts + batch.segment_start[doc]
        sentence = batch.token_sentence
        assert ((where >= batch.spans[sentence, 0]) & (where < batch.spans[sentence, 1])).all()
