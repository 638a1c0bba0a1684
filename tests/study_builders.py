"""Every study the tests and benchmarks build, in one place.

* :func:`copy_example_study` -- the repository's example study (23 interviews, the `gold` coder)
  copied to a temp folder, so no test writes into the repository;
* :func:`build_tiny_study` -- a new study with the PIRi framework, a two-theme codebook and one
  short transcript, for tests of one behaviour;
* :func:`build_export_study` -- seven participants in two groups and two sites, two coders, cell
  memos and a pseudonym map, whose expected exports are derived from :data:`CODINGS`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_FILES = ("piri-qual.yaml", "pseudonyms.yaml", "participants.csv")
EXAMPLE_DIRS = ("frameworks", "codebooks", "corpus")


def copy_example_study(dest: Path, *, gold: bool = False, cache_from: Path | None = None) -> Path:
    """The example study copied to ``dest``: with the `gold` coder's log when ``gold`` is true,
    and with a suggestion cache copied from ``cache_from`` (to skip recomputing it)."""
    assert any((REPO / "corpus").glob("*.json")), "the example study's corpus/ is missing from the repository"
    dest.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLE_FILES:
        if (REPO / name).exists():
            shutil.copy(REPO / name, dest / name)
    for name in EXAMPLE_DIRS:
        shutil.copytree(REPO / name, dest / name)
    (dest / "codings").mkdir(exist_ok=True)
    if gold:
        shutil.copy(REPO / "codings" / "gold.jsonl", dest / "codings" / "gold.jsonl")
    if cache_from is not None and (cache_from / ".piri-cache").is_dir():
        shutil.copytree(cache_from / ".piri-cache", dest / ".piri-cache")
    return dest


def read_log(root: Path, coder: str) -> list[dict[str, Any]]:
    path = root / "codings" / f"{coder}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]



# -- the tiny study ------------------------------------------------------------------------------
TINY_CODEBOOK = """\
id: tiny
label: Tiny codebook
framework: piri
themes:
  - id: waiting_times
    label: Waiting after referral
    construct: referral
    definition: Waiting for support after being referred.
    keywords: [wait, waiting list]
  - id: bonding
    label: Bonding
    construct: connection
    definition: The felt bond between parent and baby.
    keywords: [bond, close]
"""



def build_tiny_study(folder: Path) -> Path:
    """A new study with the PIRi framework, a two-theme codebook and one imported transcript."""
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
    from piri_qual.core.settings import init_study

    root = init_study(folder, "Tiny study")
    shutil.copy(REPO / "frameworks" / "piri.yaml", root / "frameworks" / "piri.yaml")
    (root / "codebooks" / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    settings = (root / "piri-qual.yaml").read_text(encoding="utf-8")
    settings = settings.replace("frameworks/main.yaml", "frameworks/piri.yaml").replace(
        "codebooks/main.yaml", "codebooks/tiny.yaml"
    )
    (root / "piri-qual.yaml").write_text(settings, encoding="utf-8")
    turns = [
        RawTurn("Interviewer", ("How long did you wait?",)),
        RawTurn("P01", ("We waited about six weeks, which felt like forever.", "Then it all moved quickly.")),
        RawTurn("Interviewer", ("And how do you feel about her now?",)),
        RawTurn("P01", ("I feel so close to her now. She finally felt like mine.",)),
    ]
    text, spans = assemble_text(turns, ["interviewer", "participant", "interviewer", "participant"])
    Transcript(
        id="P01", participant="P01", group="parent", text=text, turns=spans,
        source="transcripts/P01_parent.txt", source_sha256="0" * 64, format="txt",
        imported_at="2024-01-01T00:00:00+00:00",
    ).save(root / "corpus" / "P01.json")
    (root / "participants.csv").write_text("id,group,site\nP01,parent,Northvale\n", encoding="utf-8")
    return root


# -- the export study ----------------------------------------------------------------------------
CODEBOOK = """\
id: exportkit
label: Export test codebook
framework: piri
themes:
  - id: waiting_times
    label: Waiting after referral
    construct: referral
    definition: Waiting for support after being referred.
    include: [Time between referral and first visit.]
    exclude: [Waiting in clinic -> not coded.]
    examples: ["We waited six weeks for Claire to come."]
  - id: fear_of_judgement
    label: Fear of being judged
    construct: stigma
    definition: Fear of being judged, labelled or reported.
  - id: bonding
    label: Bonding
    construct: connection
    definition: The felt bond between parent and baby.
    examples: ["I feel so close to her now."]
  - id: confidence_gain
    label: Growing confidence
    construct: confidence
    definition: Parents' belief in their own ability.
  - id: anxiety_and_mood
    label: Anxiety and mood
    construct: wellbeing
    definition: Anxiety, low mood and stress.
  - id: other_notes
    label: Other notes
    definition: Anything of interest that fits nowhere else.
"""

PARTICIPANTS = """\
id,group,role,site,interview_date
S01,staff,health visitor,Northvale,2023-03-01
S02,staff,health visitor,Southby,2023-03-08
S03,staff,practitioner,Northvale,2023-03-15
P01,parent,mother,Northvale,2023-02-21
P02,parent,father,Southby,2023-02-28
P03,parent,mother,Southby,2023-04-02
P04,parent,mother,Northvale,2023-04-10
"""

SETTINGS_EXTRA = """\
coders: [alice, bob]
attribution: "{participant}, {group}"
pseudonyms:
  Claire: Hannah
  Alfie: "[baby]"
  Northvale: "[town]"
  Larch Road: "[street]"
  Dr Okafor: "[GP]"
identifier_allowlist: [PIRi]
"""

# participant -> list of turns (speaker, text, time-in-seconds or None)
TURNS: dict[str, list[tuple[str, str, float | None]]] = {
    "S01": [
        ("Interviewer", "How do families come to you?", 5.0),
        ("S01", "Mostly through the eight-week check. The waiting list is about six weeks now, which is too long.", 12.0),
        ("Interviewer", "And how do parents feel about it?", 65.0),
        ("S01", "A lot of mums are scared we will judge them. Claire in our team says they worry about social services.", 71.5),
    ],
    "S02": [
        ("Interviewer", "What changes do you see?", None),
        ("S02", "Parents grow in confidence. They trust themselves again with the baby.", None),
        ("Interviewer", "Anything else?", None),
        ("S02", "The waiting is hard for them, some wait months in Southby.", None),
    ],
    "S03": [
        ("Interviewer", "Tell me about the video work.", 3.0),
        ("S03", "When a mum sees herself soothing her baby on the video, the bond just shows. She feels close.", 3725.0),
    ],
    "P01": [
        ("Interviewer", "How long did you wait?", 1.0),
        ("P01", "We waited six weeks for Claire to come out to Larch Road, which felt like forever.", 4.0),
        ("Interviewer", "And now?", 40.0),
        ("P01", "I feel so close to Alfie now. I was so anxious before, I couldn't sleep.", 44.0),
    ],
    "P02": [
        ("Interviewer", "What was it like for you as a dad?", None),
        ("P02", "I worried they'd think I was a bad dad. Now I'm more confident holding him.", None),
    ],
    "P03": [
        ("Interviewer", "How did it start?", None),
        ("P03", "Dr Okafor in Northvale referred me and we waited a month.", None),
        ("Interviewer", "How do you feel now?", None),
        ("P03", "Calmer. My mood is better and I trust myself.", None),
    ],
    "P04": [
        ("Interviewer", "Did anything worry you?", None),
        ("P04", "Honestly I was scared they'd take her off me if I said how low I felt.", None),
    ],
}

# coder -> (participant, turn index, excerpt, theme)
CODINGS: dict[str, list[tuple[str, int, str, str]]] = {
    "alice": [
        ("S01", 1, "The waiting list is about six weeks now, which is too long.", "waiting_times"),
        ("S01", 3, "A lot of mums are scared we will judge them.", "fear_of_judgement"),
        ("S01", 3, "Claire in our team says they worry about social services.", "fear_of_judgement"),
        ("S02", 1, "Parents grow in confidence. They trust themselves again with the baby.", "confidence_gain"),
        ("S02", 3, "The waiting is hard for them, some wait months in Southby.", "waiting_times"),
        ("S03", 1, "When a mum sees herself soothing her baby on the video, the bond just shows.", "bonding"),
        ("P01", 1, "We waited six weeks for Claire to come out to Larch Road, which felt like forever.", "waiting_times"),
        ("P01", 3, "I feel so close to Alfie now.", "bonding"),
        ("P01", 3, "I feel so close to Alfie now. I was so anxious before, I couldn't sleep.", "anxiety_and_mood"),
        ("P02", 1, "I worried they'd think I was a bad dad.", "fear_of_judgement"),
        ("P02", 1, "Now I'm more confident holding him.", "confidence_gain"),
        ("P03", 1, "Dr Okafor in Northvale referred me and we waited a month.", "waiting_times"),
        ("P03", 3, "Calmer. My mood is better and I trust myself.", "anxiety_and_mood"),
        ("P03", 3, "I trust myself.", "confidence_gain"),
        ("P04", 1, "Honestly I was scared they'd take her off me if I said how low I felt.", "fear_of_judgement"),
        ("P04", 1, "if I said how low I felt.", "anxiety_and_mood"),
    ],
    "bob": [
        ("S01", 1, "The waiting list is about six weeks now", "waiting_times"),
        ("P01", 3, "I feel so close to Alfie now.", "bonding"),
    ],
}

CELL_MEMOS = {
    ("P01", "waiting_times"): "Six-week wait to first visit from Claire; felt endless.",
    ("S01", "fear_of_judgement"): "Sees fear of social services as the main barrier.",
}


def build_export_study(folder: Path) -> Path:
    """Create the export test study in ``folder`` and return its root."""
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
    from piri_qual.core.settings import init_study
    from piri_qual.core.study import StudyFolder

    root = init_study(folder, "Export test study")
    shutil.copy(REPO / "frameworks" / "piri.yaml", root / "frameworks" / "piri.yaml")
    (root / "codebooks" / "exportkit.yaml").write_text(CODEBOOK, encoding="utf-8")
    settings = (root / "piri-qual.yaml").read_text(encoding="utf-8")
    settings = settings.replace("frameworks/main.yaml", "frameworks/piri.yaml").replace(
        "codebooks/main.yaml", "codebooks/exportkit.yaml"
    )
    kept = [line for line in settings.splitlines() if not line.startswith(("coders:", "attribution:", "pseudonyms:"))]
    (root / "piri-qual.yaml").write_text("\n".join(kept) + "\n" + SETTINGS_EXTRA, encoding="utf-8")
    (root / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    texts: dict[str, Transcript] = {}
    for pid, turns in TURNS.items():
        raw = [RawTurn(s, (t,), time) for s, t, time in turns]
        roles = ["interviewer" if s == "Interviewer" else "participant" for s, _, _ in turns]
        text, spans = assemble_text(raw, roles)
        group = "staff" if pid.startswith("S") else "parent"
        transcript = Transcript(
            id=pid, participant=pid, group=group, text=text, turns=spans,
            source=f"transcripts/{pid}_{group}.txt", source_sha256="0" * 64,
            format="vtt" if turns[0][2] is not None else "txt", imported_at="2024-01-01T00:00:00+00:00",
        )
        transcript.save(root / "corpus" / f"{pid}.json")
        texts[pid] = transcript
    store = StudyFolder(root).store
    for coder, items in CODINGS.items():
        events = []
        for pid, turn_index, excerpt, theme in items:
            t = texts[pid]
            turn = t.turns[turn_index]
            at = t.text.index(excerpt, turn.start, turn.end)
            events.append(("add", {"transcript": pid, "start": at, "end": at + len(excerpt), "quote": excerpt,
                                   "theme": theme, "source": "manual"}))
        store.append_many(coder, events)
    for (pid, theme), text in CELL_MEMOS.items():
        store.append("alice", "memo", scope="cell", participant=pid, theme=theme, text=text)
    return root


def pseudonym_names() -> list[str]:
    return ["Claire", "Alfie", "Northvale", "Larch Road", "Dr Okafor"]


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    """A Word file with one paragraph per item, written by python-docx as Word users' files are."""
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def example_gold_labelled(dest: Path) -> tuple[Any, list[Any]]:
    """The example study (copied to ``dest``) opened by the suggestion engine, and every
    transcript's sentences labelled with the gold coder's decisions, as a replay labels them."""
    from piri_qual.assist.evaluate import _open, gold_decisions
    from piri_qual.assist.learner import Decisions, label_transcript

    root = copy_example_study(dest, gold=True)
    engine = _open(root)
    gold = gold_decisions(engine, "gold", root)
    decisions, labelled = Decisions(), []
    for tid, feats in engine.features(engine.study.transcript_ids()).items():
        decisions.codings[tid] = list(gold.get(tid, []))
        decisions.reviewed[tid] = int(feats.sentences[:, 1].max())
        if (lab := label_transcript(feats, decisions, len(engine.themes))) is not None:
            labelled.append(lab)
    return engine, labelled
