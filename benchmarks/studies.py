"""Generated studies the benchmarks run commands on: N interviews of about 8,000 words, two coders.

Why generated from the example study: the scale benchmarks (issue #18) must measure what a
research team's study costs, so the text is real interview talk (the example study's turns,
names and places included, so the pseudonym map and the identifier check have work to do), the
codebook and framework are the example's 25 themes under 13 constructs, and the codings are the
reading-based gold coding of the turns reused. Each transcript is a fresh sequence of interviewer
questions and participant answers drawn from the example's 796 turns, with turn times as a
Teams or Zoom import has them, until it holds about 8,000 words; a third are staff interviews.

Two coders code each transcript: ``alice`` about 50 excerpts (drawn from the gold codings of its
answers) plus a few rejections, an adjusted theme and a deletion, as a coding session leaves a
log; ``bob`` codes most of the same excerpts, a few with another theme, and some others of his
own, so agreement has real disagreements to find. Both keep theme memos, and ``alice`` a few
participant x theme cell memos (so ``export all`` writes the summary matrices too).

Logs and corpus files are written directly in the formats the product writes
(:meth:`Transcript.to_json`, :meth:`Event.to_json`), not through the store: these are fixtures,
and the store's fsync per batch would make building a 1,000-transcript study slow for nothing.
They hold what an import leaves: each transcript's turn settings and ``corpus/.import-index``.
Without those, every command on a cold cache read the whole corpus to check the study's
``roles:`` against each transcript (0.7 s of every command at 1,000 interviews), which no study
imported by piri-qual pays. Everything is seeded, so a study of a given size is the same in every run.

A run of ``make bench`` builds each size once (``benchmarks/run_all.py`` points
``PIRI_BENCH_STUDIES`` at a folder for the run); a script run on its own builds what it needs
into a temporary folder of its own.
"""

from __future__ import annotations

import atexit
import json
import os
import random
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Bumped whenever the generator changes, so a reused folder is never a stale study.
GENERATOR_VERSION = 1
WORDS_EACH = 8_000
CODINGS_EACH = 50
CODERS = ("alice", "bob")
SEED = 18
SITES = ("Northvale", "Eastmoor", "Riverside", "Westbrook")
ROLES = {"parent": ("mother", "father"), "staff": ("health visitor", "practitioner", "nursery nurse")}


@dataclass(frozen=True)
class Snippet:
    """One turn of the example study, with the gold codings that lie inside it."""

    role: str  # interviewer | participant
    group: str  # parent | staff: whose interview it comes from
    body: str
    codings: tuple[tuple[int, int, str], ...]  # (start, end, theme) relative to the body


@dataclass(frozen=True)
class GeneratedStudy:
    root: Path
    transcripts: int
    words: int
    codings: dict[str, int]  # coder -> events in the log


def _snippets() -> list[Snippet]:
    """The example study's turns with their gold codings (codings crossing a turn are left out)."""
    corpus = sorted((REPO / "corpus").glob("*.json"))
    if not corpus:
        raise SystemExit("the example study is not imported (corpus/ is empty): run `make demo` first")
    gold: dict[str, list[tuple[int, int, str]]] = {}
    for line in (REPO / "codings" / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event.get("op") == "add":
            gold.setdefault(event["transcript"], []).append((event["start"], event["end"], event["theme"]))
    out = []
    for path in corpus:
        data = json.loads(path.read_text(encoding="utf-8"))
        text = data["text"]
        for turn in data["turns"]:
            a, b = turn["start"], turn["end"]
            inside = tuple((s - a, e - a, theme) for s, e, theme in gold.get(data["id"], ()) if a <= s < e <= b)
            out.append(Snippet(turn["role"], data["group"], text[a:b], inside))
    return out


def _event_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def build_study(root: Path, transcripts: int, *, words_each: int = WORDS_EACH, codings_each: int = CODINGS_EACH,
                seed: int = SEED) -> GeneratedStudy:
    """Write a study of ``transcripts`` interviews into ``root`` (which must not exist yet)."""
    from piri_qual.core.codings import Event
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
    from piri_qual.core.settings import init_study
    from piri_qual.ingest.derive import turn_settings  # what an import records

    rng = random.Random(seed)
    root = init_study(root, f"Generated study of {transcripts} interviews")
    shutil.copy(REPO / "frameworks" / "piri.yaml", root / "frameworks" / "piri.yaml")
    shutil.copy(REPO / "codebooks" / "piri.yaml", root / "codebooks" / "piri.yaml")
    shutil.copy(REPO / "pseudonyms.yaml", root / "pseudonyms.yaml")
    settings = (root / "piri-qual.yaml").read_text(encoding="utf-8")
    settings = (settings.replace("frameworks/main.yaml", "frameworks/piri.yaml")
                .replace("codebooks/main.yaml", "codebooks/piri.yaml")
                .replace("coders: []", f"coders: [{', '.join(CODERS)}]")
                .replace("pseudonyms: {}", "pseudonyms: pseudonyms.yaml")
                + "identifier_allowlist: [PIRi, Moses]\n")
    (root / "piri-qual.yaml").write_text(settings, encoding="utf-8")
    (root / "frameworks" / "main.yaml").unlink()
    (root / "codebooks" / "main.yaml").unlink()
    themes = [line.split(":", 1)[1].strip() for line in
              (REPO / "codebooks" / "piri.yaml").read_text(encoding="utf-8").splitlines()
              if line.startswith("  - id: ")]

    snippets = _snippets()
    asking = [s for s in snippets if s.role == "interviewer"]
    answers = {g: [s for s in snippets if s.role == "participant" and s.group == g] for g in ("parent", "staff")}
    clock = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    logs: dict[str, list[str]] = {c: [] for c in CODERS}
    rows = ["id,group,role,site,interview_date,order"]
    words = 0

    def event(coder: str, op: str, **fields: object) -> Event:
        nonlocal clock
        clock += timedelta(milliseconds=rng.randrange(200, 20_000))
        made = Event(id=_event_id(rng), time=clock.isoformat(timespec="microseconds"), coder=coder, op=op,
                     **fields)  # type: ignore[arg-type]  # fields are the Event's own, by name
        logs[coder].append(made.to_json())
        return made

    for n in range(transcripts):
        group = "staff" if n % 3 == 2 else "parent"
        pid = f"{'S' if group == 'staff' else 'P'}{n + 1:04d}"
        raw: list[RawTurn] = []
        roles: list[str] = []
        used: list[Snippet] = []
        seconds = float(rng.randrange(5, 40))
        said = 0
        while said < words_each:
            for snippet in (rng.choice(asking), rng.choice(answers[group])):
                speaker = "Interviewer" if snippet.role == "interviewer" else pid
                raw.append(RawTurn(speaker, tuple(snippet.body.split("\n")), seconds))
                roles.append(snippet.role)
                used.append(snippet)
                count = len(snippet.body.split())
                seconds += 2 + count / 2.6  # about 155 words a minute
                said += count
        text, turns = assemble_text(raw, roles)
        words += said
        transcript = Transcript(id=pid, participant=pid, group=group, text=text, turns=turns,
                                source=f"transcripts/{pid}.vtt", source_sha256=f"{rng.getrandbits(256):064x}",
                                format="vtt", imported_at="2025-02-01T10:00:00+00:00",
                                turn_settings=turn_settings(["Interviewer", pid], {}, None))
        (root / "corpus" / f"{pid}.json").write_text(transcript.to_json(), encoding="utf-8")
        role = rng.choice(ROLES[group])
        rows.append(f"{pid},{group},{role},{rng.choice(SITES)},2024-{1 + n * 12 // transcripts:02d}-"
                    f"{1 + n % 28:02d},{n + 1}")

        # the gold codings of the answers used, placed where their turns now sit
        found = [(turn.start + s, turn.start + e, theme) for turn, snippet in zip(turns, used, strict=True)
                 for s, e, theme in snippet.codings]
        rng.shuffle(found)
        mine = sorted(found[:codings_each + 2])
        others = found[codings_each + 2:]
        added = [event("alice", "add", transcript=pid, start=s, end=e, quote=text[s:e], theme=t, source="manual")
                 for s, e, t in mine]
        if len(added) > 2:
            event("alice", "delete", target=added[-1].id)
            moved = added[len(added) // 2]
            event("alice", "adjust", target=moved.id, theme=themes[(themes.index(moved.theme or "") + 1) % len(themes)])
        for s, e, _ in others[:3]:
            event("alice", "reject", transcript=pid, start=s, end=e, theme=rng.choice(themes), source="suggested")
        for k, (s, e, t) in enumerate(mine[:codings_each]):
            if k % 10 == 9:
                continue  # an excerpt bob did not code
            theme = themes[(themes.index(t) + 3) % len(themes)] if k % 12 == 5 else t
            event("bob", "add", transcript=pid, start=s, end=e, quote=text[s:e], theme=theme, source="manual")
        for s, e, t in others[3:3 + codings_each // 10]:
            event("bob", "add", transcript=pid, start=s, end=e, quote=text[s:e], theme=t, source="manual")
        if n % 10 == 0:
            theme = rng.choice(themes)
            event("alice", "memo", scope="cell", participant=pid, theme=theme,
                  text=f"{pid} comes back to {theme.replace('_', ' ')} several times; see the quotes.")
    for coder in CODERS:
        for theme in themes:
            event(coder, "memo", scope="theme", theme=theme,
                  text=f"Memo of {coder} on {theme.replace('_', ' ')}: how it shows across the interviews.")
        (root / "codings" / f"{coder}.jsonl").write_text("\n".join(logs[coder]) + "\n", encoding="utf-8")
    (root / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    write_import_index(root)
    return GeneratedStudy(root, transcripts, words, {c: len(lines) for c, lines in logs.items()})


def write_import_index(root: Path) -> None:
    """``corpus/.import-index``, as ``piri-qual import`` leaves it: without it every command of a
    benchmark would first read the whole corpus to rebuild it (a study imported by piri-qual has it)."""
    from piri_qual.ingest.corpus_index import load_index

    index, _ = load_index(root / "corpus")
    index.save()


# -- one build per run ---------------------------------------------------------------------------
_OWN: list[Path] = []


def studies_dir() -> Path:
    """Where this run's generated studies live: ``PIRI_BENCH_STUDIES`` (set by ``run_all.py``), or
    a temporary folder of this process, removed when it exits."""
    shared = os.environ.get("PIRI_BENCH_STUDIES")
    if shared:
        path = Path(shared)
        path.mkdir(parents=True, exist_ok=True)
        return path
    if not _OWN:
        own = Path(tempfile.mkdtemp(prefix="piri-bench-studies-"))
        atexit.register(shutil.rmtree, own, ignore_errors=True)
        _OWN.append(own)
    return _OWN[0]


def study(transcripts: int) -> GeneratedStudy:
    """The generated study of ``transcripts`` interviews for this run, built on first use.

    Benchmarks that only read it share it; one that changes it (codings, imports) works on
    :func:`copy_of` it. ``.piri-cache/`` and ``exports/`` are the commands' own and are cleared
    by the harness before every timed run.
    """
    folder = studies_dir() / f"study-{transcripts}-v{GENERATOR_VERSION}"
    done = folder / ".generated.json"
    if done.exists():
        info = json.loads(done.read_text(encoding="utf-8"))
        return GeneratedStudy(folder, info["transcripts"], info["words"], info["codings"])
    shutil.rmtree(folder, ignore_errors=True)
    print(f"building a generated study of {transcripts:,} transcripts ...", flush=True)
    built = build_study(folder, transcripts)
    done.write_text(json.dumps({"transcripts": built.transcripts, "words": built.words,
                                "codings": built.codings}), encoding="utf-8")
    print(f"  {built.transcripts:,} transcripts, {built.words:,} words, "
          + ", ".join(f"{n:,} events by {c}" for c, n in built.codings.items()), flush=True)
    return built


def copy_of(generated: GeneratedStudy, where: Path) -> Path:
    """A private copy of a generated study (without caches or exports), for a benchmark that changes it."""
    target = where / generated.root.name
    shutil.copytree(generated.root, target, ignore=shutil.ignore_patterns(".piri-cache", "exports"))
    write_import_index(target)  # the copies' files have new inodes, so the index is made again
    return target
