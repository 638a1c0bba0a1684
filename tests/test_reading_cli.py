"""Reading what was coded, end to end through the CLI on copies of the example study: ``show``,
``quotes``, ``search``, ``words`` and ``memos``, and ``-o -`` on every export command.

Expected values are computed here from the raw files (the gold log's JSON lines, the corpus
JSON, a plain regular expression), never from the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import docx
import pytest
from study_builders import REPO, build_export_study, copy_example_study, read_log

from piri_qual.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One read-only copy of the example study for the tests that only read it."""
    return copy_example_study(tmp_path_factory.mktemp("reading") / "example", gold=True)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def corpus(root: Path, tid: str) -> dict:
    return json.loads((root / "corpus" / f"{tid}.json").read_text(encoding="utf-8"))


def gold(root: Path, theme: str | None = None) -> list[dict]:
    events = read_log(root, "gold")
    assert {e["op"] for e in events} == {"add"}  # the gold log holds adds only: its fold is itself
    return [e for e in events if theme is None or e["theme"] == theme]


def participant_of(root: Path) -> dict[str, str]:
    return {p.stem: corpus(root, p.stem)["participant"] for p in (root / "corpus").glob("*.json")}


# -- show ------------------------------------------------------------------------------------------
def test_show_prints_each_turn_exactly_with_its_codings(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "P02", "--study", str(example), "--coder", "gold")
    assert code == 0 and not err
    data = corpus(example, "P02")
    lines = out.splitlines()
    for n, turn in enumerate(data["turns"], start=1):
        seconds = int(turn["time"])
        clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        role = " (interviewer)" if turn["role"] == "interviewer" else ""
        header = f"[{n}] {turn['speaker']}{role}  {clock}  [{turn['start']}, {turn['end']})"
        at = lines.index(header)
        body = data["text"][turn["start"]:turn["end"]]
        assert lines[at + 1:at + 1 + body.count("\n") + 1] == body.split("\n")  # exact, unwrapped
    mine = gold(example)
    on_p02 = [e for e in mine if e["transcript"] == "P02"]
    assert sum(1 for line in lines if line.startswith("  = ")) == len(on_p02)
    first = min(on_p02, key=lambda e: (e["start"], e["end"], e["theme"]))
    assert any(line.startswith(f"  = {first['theme']}  [{first['start']}, {first['end']})") for line in lines)
    assert lines[1] == f"{len(on_p02)} codings of gold; each listed under the turn it starts in"


def test_show_json_and_a_quote_copied_from_it_codes_exactly(tiny_study: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "P01", "--study", str(tiny_study), "--json")
    shown = json.loads(out)
    text = corpus(tiny_study, "P01")["text"]
    assert [t["text"] for t in shown["turns"]] == [text[t["start"]:t["end"]] for t in corpus(tiny_study, "P01")["turns"]]
    quote = shown["turns"][1]["text"].split("\n")[0]
    assert run(capsys, "codings", "add", "--study", str(tiny_study), "--coder", "alice", "--transcript", "P01",
               "--theme", "waiting_times", "--quote", quote)[0] == 0
    code, out, _ = run(capsys, "show", "P01", "--study", str(tiny_study), "--coder", "alice")
    assert f"  = waiting_times  [{text.index(quote)}, {text.index(quote) + len(quote)})  {quote}" in out


def test_show_unknown_transcript_is_one_line(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "P99", "--study", str(example))
    assert code == 2 and err.startswith("error: ") and "no transcript 'P99'" in err and len(err.splitlines()) == 1


# -- quotes ----------------------------------------------------------------------------------------
def test_quotes_lists_every_excerpt_of_a_theme_by_participant(example: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "quotes", "bonding", "--study", str(example), "--coder", "gold",
                         "-o", "-", "--format", "json")
    assert code == 0 and not err
    data = json.loads(out)
    expected = gold(example, "bonding")
    got = data["excerpts"]
    assert sorted((e["coding"], e["quote"]) for e in got) == sorted((e["id"], e["quote"]) for e in expected)
    who = participant_of(example)
    assert Counter(e["participant"] for e in got) == Counter(who[e["transcript"]] for e in expected)
    # grouped by participant in participants.csv order, then in text order
    table = [row.split(",")[0] for row in (example / "participants.csv").read_text().splitlines()[1:]]
    order = [table.index(e["participant"]) for e in got]
    assert order == sorted(order)
    p02 = [(e["start"], e["end"]) for e in got if e["participant"] == "P02"]
    assert p02 == sorted(p02)
    text = corpus(example, "P02")["text"]
    quote = "And I thought, she doesn't like me. I really thought this. I thought, maybe other mother is " \
            "better for her, maybe I am doing something wrong."
    hit = next(e for e in got if e["quote"] == quote)
    assert (hit["transcript"], hit["start"], hit["end"], hit["turn"], hit["time"]) == (
        "P02", text.index(quote), text.index(quote) + len(quote), 6, "0:01:30")
    assert data["themes"] == [{"id": "bonding", "label": "Bonding and emotional closeness",
                               "path": "Outcomes > Connection with baby", "memo": "", "parent": None}]


def test_quotes_context_is_whole_sentences_around_the_excerpt(example: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "quotes", "bonding", "--study", str(example), "--coder", "gold", "--participant", "P02",
                       "--context", "1", "-o", "-", "--format", "json")
    assert code == 0
    hit = next(e for e in json.loads(out)["excerpts"] if e["quote"].startswith("And I thought, she doesn't like me."))
    # the sentence before (same turn) and the one after (the next paragraph of the turn)
    assert hit["before"] == "I walked around the flat with her, up and down, up and down, for hours. "
    assert hit["after"] == "\nAnd I was very, um, how you say, anxious."
    # context reaching into the turn before starts at its speaker's label
    code, out, _ = run(capsys, "quotes", "waiting_times", "--study", str(example), "--coder", "gold",
                       "--participant", "P07", "--context", "1", "-o", "-", "--format", "json")
    data = corpus(example, "P07")
    first = json.loads(out)["excerpts"][0]
    turns = data["turns"]
    k = next(i for i, t in enumerate(turns) if t["start"] <= first["start"] < t["end"])
    asked = turns[k - 1]
    assert first["start"] == turns[k]["start"]  # the excerpt opens its turn: the question is its context
    assert first["before"] == (f"{asked['speaker']}: {data['text'][asked['start']:asked['end']]}\n\n"
                               f"{turns[k]['speaker']}: ")


def test_quotes_markdown_to_stdout_and_files(example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = gold(example, "bonding")
    who = participant_of(example)
    per = Counter(who[e["transcript"]] for e in expected)
    code, out, err = run(capsys, "quotes", "bonding", "--study", str(example), "--coder", "gold", "--group", "parent",
                         "-o", "-", "--format", "md")
    assert code == 0 and not err
    assert out.startswith("# Quotes: Bonding and emotional closeness\n")
    assert f"### P02 (parent), {per['P02']} excerpts" in out and "### S01" not in out
    target = tmp_path / "bonding.csv"
    code, out, _ = run(capsys, "quotes", "bonding", "--study", str(example), "--coder", "gold", "-o", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(expected) and out.strip() == f"wrote {len(expected)} excerpts to {target}"


def test_quotes_takes_constructs_and_filters(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a construct brings every theme placed in it
    book = (example / "codebooks" / "piri.yaml").read_text(encoding="utf-8")
    in_connection = set(re.findall(r"- id: (\w+)\n    label: [^\n]+\n    construct: connection\n", book))
    code, out, _ = run(capsys, "quotes", "connection", "--study", str(example), "--coder", "gold", "-o", "-",
                       "--format", "json")
    assert code == 0 and {t["id"] for t in json.loads(out)["themes"]} == in_connection
    # a --where value nobody has is an error, not an empty listing
    code, out, err = run(capsys, "quotes", "bonding", "--study", str(example), "--coder", "gold",
                         "--where", "site=Nowhere")
    assert code == 2 and err.startswith("error: ") and "no participant has site = Nowhere" in err
    assert "Eastmoor" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "quotes", "bondng", "--study", str(example), "--coder", "gold")
    assert code == 2 and "did you mean bonding" in err.casefold()


def test_quotes_follow_a_renamed_theme_and_show_its_memo(tiny_study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(tiny_study)
    run(capsys, "codings", "add", "--study", root, "--coder", "alice", "--transcript", "P01", "--theme", "bonding",
        "--quote", "I feel so close to her now.")
    run(capsys, "memos", "add", "--study", root, "--coder", "alice", "--theme", "bonding", "Closeness comes late.")
    assert run(capsys, "codebook", "rename", "bonding", "closeness", "--study", root, "--coder", "alice")[0] == 0
    code, out, _ = run(capsys, "quotes", "bonding", "--study", root, "-o", "-", "--format", "json")
    data = json.loads(out)
    assert [t["id"] for t in data["themes"]] == ["closeness"] and data["themes"][0]["memo"] == "Closeness comes late."
    assert [e["quote"] for e in data["excerpts"]] == ["I feel so close to her now."]
    code, out, _ = run(capsys, "quotes", "closeness", "--study", root)
    assert "memo: Closeness comes late." in out and "I feel so close to her now." in out


# -- search ----------------------------------------------------------------------------------------
def _independent_counts(root: Path, pattern: str, role: str = "participant") -> Counter[str]:
    found: Counter[str] = Counter()
    regex = re.compile(pattern, re.IGNORECASE)
    for path in (root / "corpus").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for turn in data["turns"]:
            if turn["role"] == role:
                found[data["participant"]] += len(regex.findall(data["text"][turn["start"]:turn["end"]]))
    return +found


def test_search_counts_by_participant_and_group(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "waiting list", "--study", str(example), "--json")
    assert code == 0 and not err
    data = json.loads(out)
    expected = _independent_counts(example, r"\bwaiting\s+list\b")
    assert {p["participant"]: p["hits"] for p in data["by_participant"] if p["hits"]} == dict(expected)
    groups = {row["participant"]: row["group"] for row in data["by_participant"]}
    by_group = Counter()
    for pid, n in expected.items():
        by_group[groups[pid]] += n
    assert {g["group"]: g["hits"] for g in data["by_group"]} == {"parent": by_group["parent"], "staff": by_group["staff"]}
    first = data["hits"][0]
    assert first["hit"].casefold() == "waiting list"
    text = corpus(example, first["transcript"])["text"]
    assert text[first["start"]:first["end"]].casefold() == "waiting list"
    # the interviewer's talk is searched only when asked for
    code, out, _ = run(capsys, "search", "waiting list", "--study", str(example), "--speaker", "interviewer", "--json")
    assert sum(p["hits"] for p in json.loads(out)["by_participant"]) == sum(
        _independent_counts(example, r"\bwaiting\s+list\b", "interviewer").values())


def test_search_lemma_finds_every_form(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "waited", "--lemma", "--study", str(example), "--json")
    data = json.loads(out)
    expected = _independent_counts(example, r"\b(?:wait|waits|waited|waiting)\b")
    assert sum(p["hits"] for p in data["by_participant"]) == sum(expected.values())
    assert {h["hit"].casefold() for h in data["hits"]} <= {"wait", "waits", "waited", "waiting"}
    assert {h["hit"].casefold() for h in data["hits"]} >= {"wait", "waited", "waiting"}


def test_search_terminal_listing_and_errors(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "social services", "--study", str(example), "--limit", "3")
    total = sum(_independent_counts(example, r"\bsocial\s+services\b").values())
    lines = out.splitlines()
    assert lines[0].startswith(f"{total} hits of 'social services' (words) from ")
    assert sum(1 for line in lines if "[social services]" in line.casefold()) == 3
    assert f"(showing 3 of {total}; --limit 0 lists all)" in out and "Hits by participant" in out
    code, _, err = run(capsys, "search", "(unclosed", "--regex", "--study", str(example))
    assert code == 2 and err.startswith("error: '(unclosed' is not a valid regular expression")
    code, _, err = run(capsys, "search", "wait", "--study", str(example), "--coded-as", "bonding", "--not-coded",
                       "--coder", "gold")
    assert code == 2 and "contradict" in err


def test_search_coded_and_not_coded_split_the_hits(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["search", "judg*", "--study", str(example), "--json", "--coder", "gold"]
    every = json.loads(run(capsys, *args[:-2])[1])["hits"]
    outside = json.loads(run(capsys, *args, "--not-coded")[1])["hits"]
    spans: dict[str, list[tuple[int, int]]] = {}
    for e in gold(example):
        spans.setdefault(e["transcript"], []).append((e["start"], e["end"]))
    inside = [h for h in every if any(a < h["end"] and h["start"] < b for a, b in spans.get(h["transcript"], []))]
    assert len(outside) == len(every) - len(inside) > 0
    fear = json.loads(run(capsys, *args, "--coded-as", "fear_of_judgement")[1])["hits"]
    fear_spans = {}
    for e in gold(example, "fear_of_judgement"):
        fear_spans.setdefault(e["transcript"], []).append((e["start"], e["end"]))
    assert len(fear) == sum(1 for h in every if any(a < h["end"] and h["start"] < b
                                                  for a, b in fear_spans.get(h["transcript"], [])))


def test_search_codes_the_hits_as_logged_decisions(tiny_study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(tiny_study)
    code, out, err = run(capsys, "search", "waited", "--study", root, "--code-as", "waiting_times", "--coder", "alice")
    assert code == 0 and "coded 1 excerpt with waiting_times as alice (source search, spread to sentence)" in out
    events = read_log(tiny_study, "alice")
    assert [(e["op"], e["theme"], e["quote"], e["source"]) for e in events] == [
        ("add", "waiting_times", "We waited about six weeks, which felt like forever.", "search")]
    assert "text search words 'waited'" in events[0]["reason"]
    # again: the excerpt is coded already, nothing new is logged
    code, out, _ = run(capsys, "search", "waited", "--study", root, "--code-as", "waiting_times", "--coder", "alice")
    assert "coded 0 excerpts" in out and "1 already coded" in out and len(read_log(tiny_study, "alice")) == 1
    # the hit itself, and the whole turn
    run(capsys, "search", "close", "--study", root, "--code-as", "bonding", "--coder", "bob", "--spread", "hit")
    run(capsys, "search", "close", "--study", root, "--code-as", "bonding", "--coder", "carol", "--spread", "turn")
    assert [e["quote"] for e in read_log(tiny_study, "bob")] == ["close"]
    assert [e["quote"] for e in read_log(tiny_study, "carol")] == [
        "I feel so close to her now. She finally felt like mine."]


# -- words -----------------------------------------------------------------------------------------
def test_words_counts_lemmas_without_stop_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from piri_qual.core.corpus import RawTurn, Transcript, assemble_text
    from piri_qual.core.settings import init_study

    root = init_study(tmp_path / "w", "Words", framework=False)
    talk = {
        "P01": ("parent", "We waited and waited. The waiting list was long, um, really long."),
        "P02": ("parent", "Waiting list again! I didn't like the waiting list."),
        "S01": ("staff", "The waiting list is the problem. Families wait."),
    }
    for pid, (group, words) in talk.items():
        text, spans = assemble_text([RawTurn("Interviewer", ("Waiting list? Tell me.",)), RawTurn(pid, (words,))],
                                    ["interviewer", "participant"])
        Transcript(id=pid, participant=pid, group=group, text=text, turns=spans, source=f"{pid}.txt",
                   source_sha256="0" * 64, format="txt", imported_at="2025-01-01T00:00:00+00:00").save(
            root / "corpus" / f"{pid}.json")
    code, out, err = run(capsys, "words", "--study", str(root), "--by", "group", "-o", "-", "--format", "json")
    assert code == 0 and not err
    data = json.loads(out)
    terms = {(t["kind"], t["lemma"]): t for t in data["terms"]}
    # by hand: wait = waited x2 + waiting x4 + wait x1; list x4; long x2; problem, families x1
    assert terms[("word", "wait")]["count"] == 7 and terms[("word", "wait")]["participants"] == 3
    assert terms[("word", "list")]["count"] == 4
    assert terms[("word", "long")]["count"] == 2
    assert terms[("word", "wait")]["group=parent"] == 5 and terms[("word", "wait")]["group=staff"] == 2
    assert terms[("phrase", "wait list")]["term"] == "waiting list" and terms[("phrase", "wait list")]["count"] == 4
    words = {lemma for kind, lemma in terms if kind == "word"}
    assert not words & {"we", "and", "the", "was", "um", "didn't", "again", "is", "i"}  # stop words, fillers
    # 12 + 9 + 8 words of participant talk (the interviewer's are not counted)
    assert data["words_counted"] == 29 and data["totals"] == {"parent": 21, "staff": 8}
    assert terms[("word", "wait")]["per_1000_words"] == round(1000 * 7 / 29, 3)
    png = tmp_path / "words.png"
    assert run(capsys, "words", "--study", str(root), "-o", str(png))[0] == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_words_table_on_the_example(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    word = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
    total = 0
    for path in (example / "corpus").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        total += sum(len(word.findall(data["text"][t["start"]:t["end"]])) for t in data["turns"]
                     if t["role"] == "participant")
    code, out, _ = run(capsys, "words", "--study", str(example), "--top", "5", "--no-phrases")
    assert code == 0 and out.startswith(f"{total:,} words of participant talk from 23 participants")
    rows = [line for line in out.splitlines() if re.match(r"^\S*\s*[1-5]\s", line.strip("\u2502 "))]
    assert len(rows) == 5


# -- memos -----------------------------------------------------------------------------------------
def test_memos_of_every_kind_listed_shown_and_exported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_export_study(tmp_path / "s")
    r = str(root)
    coding = next(e for e in read_log(root, "alice") if e["quote"].startswith("We waited six weeks for Claire"))
    adds = [
        ("--theme", "waiting_times", "Waits feel longer to parents than staff think."),
        ("--participant", "P02", "Only father interviewed."),
        ("--transcript", "S01", "Recorded on a noisy ward."),
        ("--excerpt", coding["id"][:10], "Claire's visit ended the wait."),
    ]
    for option, value, text in adds:
        assert run(capsys, "memos", "add", "--study", r, "--coder", "alice", option, value, text)[0] == 0
    assert run(capsys, "memos", "add", "--study", r, "--coder", "alice", "Codebook agreed at meeting 2.")[0] == 0
    (root / "memos").mkdir(exist_ok=True)
    (root / "memos" / "journal.md").write_text("# Reflexive journal\n\nI trained as a nurse.\n", encoding="utf-8")
    code, out, _ = run(capsys, "memos", "--study", r, "--json")
    listed = {m["handle"]: m for m in json.loads(out)}
    assert set(listed) == {"study", "theme:waiting_times", "cell:P01:waiting_times", "cell:S01:fear_of_judgement",
                           "participant:P02", "transcript:S01", f"excerpt:{coding['id'][:8]}", "note:journal.md"}
    assert [m["kind"] for m in json.loads(out)] == ["study", "theme", "cell", "cell", "participant", "transcript",
                                                    "excerpt", "note"]
    excerpt = listed[f"excerpt:{coding['id'][:8]}"]
    assert excerpt["quote"] == coding["quote"] and any(coding["id"][:8] in link for link in excerpt["links"])
    theme_links = listed["theme:waiting_times"]["links"]
    alice_waits = sum(1 for e in read_log(root, "alice") if e.get("theme") == "waiting_times" and e["op"] == "add")
    assert theme_links[0].startswith(f"{alice_waits} codings of waiting_times by alice")
    code, out, _ = run(capsys, "memos", "show", "cell:P01:waiting_times", "--study", r)
    assert "Six-week wait to first visit from Claire; felt endless." in out
    code, _, err = run(capsys, "memos", "show", "theme:waiting", "--study", r)
    assert code == 2 and "did you mean theme:waiting_times" in err.casefold()

    # the report: pseudonyms applied (Claire -> Hannah), every memo under its kind
    code, out, _ = run(capsys, "memos", "export", "--study", r, "-o", "-")
    assert out.startswith("# Memos: Export test study") and "Claire" not in out and "Hannah's visit ended the wait." in out
    for heading in ("## Study memos", "## Theme memos", "## Participant x theme memos", "## Participant memos",
                    "## Transcript memos", "## Excerpt memos", "## Notes in memos/"):
        assert heading in out
    report = tmp_path / "memos.docx"
    assert run(capsys, "memos", "export", "--study", r, "-o", str(report))[0] == 0
    paragraphs = [p.text for p in docx.Document(str(report)).paragraphs]
    assert "Waits feel longer to parents than staff think." in paragraphs and "I trained as a nurse." in "\n".join(paragraphs)

    # export all writes the memo report and puts the theme memo under its theme in the quote bank
    out_dir = tmp_path / "all"
    assert run(capsys, "export", "all", "--study", r, "--coder", "alice", "-d", str(out_dir))[0] == 0
    assert (out_dir / "memos.md").exists() and (out_dir / "memos.docx").exists()
    bank = (out_dir / "quotes.md").read_text(encoding="utf-8")
    theme_at = bank.index("### Waiting after referral")
    assert bank.index("**Memo:** Waits feel longer to parents than staff think.") > theme_at
    assert bank.index("**Memo:** Waits feel longer") < bank.index("> \u201c", theme_at)


# -- -o - everywhere -------------------------------------------------------------------------------
def test_every_export_command_writes_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_export_study(tmp_path / "s")
    r = str(root)
    code, out, _ = run(capsys, "export", "matrix", "--study", r, "--coder", "alice", "--format", "csv", "-o", "-")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0][:2] == ["group", "participant"] and "wrote" not in out
    code, out, _ = run(capsys, "export", "quotes", "--study", r, "--coder", "alice", "--format", "md", "-o", "-")
    assert out.startswith("# Quote bank")
    code, out, _ = run(capsys, "export", "codebook", "--study", r, "--format", "md", "-o", "-")
    assert code == 0 and "Waiting after referral" in out
    code, out, err = run(capsys, "export", "map", "--study", r, "--coder", "alice", "-o", "-", "--format", "mmd")
    assert out.startswith("flowchart") and "Waiting after referral" in err  # the summary moves to stderr
    code, out, _ = run(capsys, "export", "frequencies", "--study", r, "--coder", "alice", "--format", "csv", "-o", "-")
    assert code == 0 and out.lstrip("\ufeff").startswith("theme")
    code, out, err = run(capsys, "agreement", "--study", r, "--coders", "alice,bob", "--disagreements", "-o", "-",
                         "--format", "csv")
    assert code == 0 and out.lstrip("\ufeff").startswith("transcript,participant,group,unit")
    assert "disagreements written to standard output" in err and "kappa" not in out
    code, out, _ = run(capsys, "export", "qdc", "-", "--study", r)
    assert code == 0 and out.startswith("<?xml")
    code, _, err = run(capsys, "export", "frequencies", "--study", r, "--coder", "alice", "--format", "png", "-o", "-")
    assert code == 2 and "--plot" in err
    # binary formats go through the pipe intact
    done = subprocess.run([sys.executable, "-m", "piri_qual", "export", "quotes", "--study", r, "--coder", "alice",
                           "-o", "-"], capture_output=True, check=True, cwd=REPO)
    assert done.stdout[:2] == b"PK" and b"wrote" not in done.stdout
    path = tmp_path / "from-pipe.docx"
    path.write_bytes(done.stdout)
    assert any("Quote bank" in p.text for p in docx.Document(str(path)).paragraphs)
    assert not (root / "exports").exists() or not list((root / "exports").iterdir())  # nothing written besides
