"""Codebook operations with their history, on a study with two coders (alice, bob).

Each operation is run through the CLI on the export study (tests/study_builders.py) and checked
in what researchers read: the framework matrix, the quote bank and inter-coder agreement before
and after, the coder logs untouched, the YAML changed only where the change is, and the history
able to say how the codebook got there.
"""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import pytest
from study_builders import build_export_study, read_log

from piri_qual.cli import main
from piri_qual.core.codebook_history import CodebookHistory
from piri_qual.errors import PiriQualError, PiriQualWarning
from piri_qual.study import Study


@pytest.fixture
def study_root(tmp_path: Path) -> Path:
    return build_export_study(tmp_path / "study")


def run(root: Path, *args: str, coder: str = "alice") -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args, "--study", str(root), *(["--coder", coder] if coder else [])])
    return code, out.getvalue(), err.getvalue()


def matrix_counts(root: Path, coder: str = "alice") -> dict[tuple[str, str], int]:
    frame = Study(root).matrix(coder, cells="count", attributes=False)
    out = {}
    for pid, row in frame.iterrows():
        for column, value in row.items():
            if value:
                out[(str(pid[-1]), str(column[-1]))] = int(value)
    return out


def quote_themes(root: Path, coder: str = "alice") -> list[tuple[str, str]]:
    quotes = Study(root).quotes(coder, check=False)
    return sorted(zip(quotes.theme, quotes.quote, strict=True))


def agreement(root: Path) -> dict[str, tuple[float, float]]:
    frame = Study(root).agreement(["alice", "bob"], n_boot=0)
    return {str(r.theme): (r.percent_agreement, r.cohen_kappa) for r in frame.itertuples()}


def logs(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "codings").glob("*.jsonl"))}


def renamed(mapping: dict, old: str, new: str) -> dict:
    return {tuple(new if part == old else part for part in key) if isinstance(key, tuple) else
            (new if key == old else key): value for key, value in mapping.items()}


# -- rename ----------------------------------------------------------------------------------------
def test_rename_moves_every_coding_of_every_coder_and_keeps_figures(study_root: Path) -> None:
    before_matrix = matrix_counts(study_root)
    before_quotes = quote_themes(study_root)
    before_agreement = agreement(study_root)
    before_logs = logs(study_root)
    yaml_before = (study_root / "codebooks/exportkit.yaml").read_text(encoding="utf-8")

    code, out, err = run(study_root, "codebook", "rename", "waiting_times", "waiting",
                         "--label", "Waiting", "--why", "shorter id")
    assert code == 0, err
    assert "renamed waiting_times -> waiting; 5 codings (alice 4, bob 1) now under waiting" in out

    assert matrix_counts(study_root) == renamed(before_matrix, "waiting_times", "waiting")
    assert quote_themes(study_root) == sorted(
        ("waiting" if t == "waiting_times" else t, q) for t, q in before_quotes)
    assert agreement(study_root) == renamed(before_agreement, "waiting_times", "waiting")
    assert logs(study_root) == before_logs  # the coder logs are never rewritten
    # the YAML changed only on the id and label lines
    yaml_after = (study_root / "codebooks/exportkit.yaml").read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(yaml_before.splitlines(), yaml_after.splitlines(), strict=True) if a != b]
    assert changed == [("  - id: waiting_times", "  - id: waiting"),
                       ("    label: Waiting after referral", "    label: Waiting")]
    # codings list --theme NEW finds them; the old id is understood too
    code, out, _ = run(study_root, "codings", "list", "--theme", "waiting", "--json", coder="")
    assert code == 0 and len(json.loads(out)) == 5
    code, out, err = run(study_root, "codebook", coder="")
    assert code == 0 and "waiting  Waiting" in out and "warning" not in err
    # a script still using the old id codes the new theme
    study = Study(study_root)
    event = study.store.code("bob", "P02", "waiting_times", quote="Now I'm more confident holding him.")
    assert event.theme == "waiting"


def test_a_renamed_id_is_never_reused_and_a_rename_can_be_undone(study_root: Path) -> None:
    assert run(study_root, "codebook", "rename", "waiting_times", "waiting")[0] == 0
    code, _, err = run(study_root, "codebook", "add", "waiting_times", "--label", "Something else")
    assert code == 2
    assert "theme id 'waiting_times' was renamed to 'waiting' on " in err and "by alice" in err
    # renaming back is allowed (the map follows the latest rename)
    assert run(study_root, "codebook", "rename", "waiting", "waiting_times")[0] == 0
    assert {c.theme for c in Study(study_root).fold("alice").codings.values()} >= {"waiting_times"}
    assert "waiting" not in {c.theme for c in Study(study_root).fold("alice").codings.values()}


# -- merge -----------------------------------------------------------------------------------------
def test_merge_counts_a_span_coded_with_both_themes_once(study_root: Path) -> None:
    study = Study(study_root)
    # alice also codes one fear_of_judgement excerpt with anxiety_and_mood: the same span, two themes
    fear = next(c for c in study.fold("alice").codings.values()
                if c.theme == "fear_of_judgement" and c.transcript == "P04")
    study.store.code("alice", "P04", "anxiety_and_mood", start=fear.start, end=fear.end)
    before = matrix_counts(study_root)
    assert before[("P04", "fear_of_judgement")] == 1 and before[("P04", "anxiety_and_mood")] == 2

    code, out, err = run(study_root, "codebook", "merge", "fear_of_judgement", "anxiety_and_mood",
                         "--into", "worry", "--label", "Worry and fear", "--why", "one theme in review")
    assert code == 0, err
    after = matrix_counts(study_root)
    # P04: fear (1 span) + anxiety (2 spans, one of them the fear span) = 2 distinct spans
    assert after[("P04", "worry")] == 2
    for pid in ("S01", "P01", "P02", "P03"):
        expected = before.get((pid, "fear_of_judgement"), 0) + before.get((pid, "anxiety_and_mood"), 0)
        assert after.get((pid, "worry"), 0) == expected
    assert {t for _, t in after} == {"waiting_times", "worry", "confidence_gain", "bonding"}
    themes = Study(study_root).codebook.ids
    assert "worry" in themes and "fear_of_judgement" not in themes and "anxiety_and_mood" not in themes
    quotes = quote_themes(study_root)
    assert sum(1 for t, _ in quotes if t == "worry") == sum(after[k] for k in after if k[1] == "worry")
    rows = agreement(study_root)
    assert "worry" not in rows or rows["worry"][0] <= 1  # bob never coded either: present or not, no crash
    assert "fear_of_judgement" not in rows
    # the merged themes' full records stay in the history
    history = Study(study_root).history
    merge = history.changes[-1]
    assert merge.op == "merge" and set(merge.removed or {}) == {"fear_of_judgement", "anxiety_and_mood"}
    assert merge.removed["fear_of_judgement"]["definition"] == "Fear of being judged, labelled or reported."


def test_merge_joins_the_theme_memos_of_the_merged_themes(study_root: Path) -> None:
    study = Study(study_root)
    study.store.append("alice", "memo", scope="theme", theme="fear_of_judgement", text="Fear note.")
    study.store.append("alice", "memo", scope="theme", theme="anxiety_and_mood", text="Mood note.")
    assert run(study_root, "codebook", "merge", "fear_of_judgement", "anxiety_and_mood", "--into", "worry")[0] == 0
    memos = Study(study_root).fold("alice").memos
    assert memos[("theme", ("worry",))].text == "Fear note.\n\nMood note."
    # cell memos follow too
    assert ("cell", ("S01", "worry")) in memos


# -- split -----------------------------------------------------------------------------------------
def test_split_queues_codings_and_each_reassignment_is_a_logged_decision(study_root: Path) -> None:
    code, out, err = run(study_root, "codebook", "split", "fear_of_judgement",
                         "--into", "fear_of_services,fear_of_judgement_by_family", "--why", "two kinds")
    assert code == 0, err
    assert "4 codings (alice 4) await review" in out
    study = Study(study_root)
    assert [t.id for t in study.codebook.retired] == ["fear_of_judgement"]
    assert study.codebook.get("fear_of_services").construct == "stigma"  # placed where the old theme was
    # reported, with the command that opens the queue
    code, _, err = run(study_root, "summary", coder="")
    assert "4 codings of alice under 'fear_of_judgement' (split into fear_of_services, " in err
    assert "piri-qual code --coder alice --split fear_of_judgement" in err
    # the retired theme cannot be used for new codings
    with pytest.raises(PiriQualError, match="retired"):
        study.store.code("alice", "P02", "fear_of_judgement", quote="Now I'm more confident holding him.")
    # reassign through the store, as the review queue does
    from piri_qual.tui.split_queue import SplitQueue

    queue = SplitQueue(study, "alice", "fear_of_judgement", ranker=None)
    assert len(queue.items) == 4
    queue.choose(queue.items[0], ["fear_of_services"])  # each choice leaves the queue
    queue.choose(queue.items[0], ["fear_of_services", "fear_of_judgement_by_family"])  # keep both
    queue.choose(queue.items[0], [])  # neither
    log = read_log(study_root, "alice")
    assert [(e["op"], e.get("theme"), e.get("source")) for e in log[-4:]] == [
        ("adjust", "fear_of_services", "split"),
        ("adjust", "fear_of_services", "split"),
        ("add", "fear_of_judgement_by_family", "split"),
        ("delete", "fear_of_judgement", "split"),
    ]
    after = Study(study_root)
    assert len(SplitQueue(after, "alice", "fear_of_judgement", ranker=None).items) == 1
    counts = matrix_counts(study_root)
    assert sum(v for (p, t), v in counts.items() if t == "fear_of_services") == 2
    assert sum(v for (p, t), v in counts.items() if t == "fear_of_judgement_by_family") == 1
    assert sum(v for (p, t), v in counts.items() if t == "fear_of_judgement") == 1  # still awaiting review


# -- move, retire, edit ----------------------------------------------------------------------------
def test_move_nests_a_code_under_a_candidate_theme_and_refuses_cycles(study_root: Path) -> None:
    assert run(study_root, "codebook", "move", "anxiety_and_mood", "--parent", "bonding")[0] == 0
    book = Study(study_root).codebook
    assert book.get("anxiety_and_mood").parent == "bonding" and book.get("anxiety_and_mood").construct is None
    code, _, err = run(study_root, "codebook", "move", "bonding", "--parent", "anxiety_and_mood")
    assert code == 2 and "'anxiety_and_mood' sits under 'bonding'" in err
    frame = Study(study_root).framework_matrix("alice").themes
    assert frame.loc["anxiety_and_mood", "construct"] == "unplaced"
    code, out, _ = run(study_root, "codebook", coder="")
    assert "bonding  Bonding\n" in out.replace("│", " ").replace("├──", "").replace("└──", "") or "anxiety_and_mood" in out


def test_retired_themes_keep_their_codings_in_exports_and_are_not_offered(study_root: Path) -> None:
    before = matrix_counts(study_root)
    assert run(study_root, "codebook", "retire", "confidence_gain", "--why", "absorbed elsewhere")[0] == 0
    study = Study(study_root)
    assert "confidence_gain" not in study.codebook.ids
    assert matrix_counts(study_root) == before  # old work still exported
    themes = study.framework_matrix("alice").themes
    assert themes.loc["confidence_gain", "label"] == "Growing confidence (retired)"
    with pytest.raises(PiriQualError, match="retired on .* by alice"):
        study.store.code("bob", "P02", "confidence_gain", quote="Now I'm more confident holding him.")


def test_edit_keeps_the_definition_a_coding_was_made_under(study_root: Path) -> None:
    study = Study(study_root)
    coding = next(c for c in study.fold("alice").codings.values() if c.theme == "bonding")
    assert run(study_root, "codebook", "edit", "bonding", "--definition", "The bond, as the parent tells it.",
               "--why", "after team review")[0] == 0
    study = Study(study_root)
    assert study.codebook.get("bonding").definition == "The bond, as the parent tells it."
    assert study.history.record_at("bonding", coding.time)["definition"] == "The felt bond between parent and baby."
    code, out, _ = run(study_root, "codebook", "show", "--at", "v1", "--definitions", coder="")
    assert "The felt bond between parent and baby." in out
    code, out, _ = run(study_root, "codebook", "diff", "v1", coder="")
    assert "bonding.definition: The felt bond between parent and baby. -> The bond, as the parent tells it." in out
    code, out, _ = run(study_root, "codebook", "history", "bonding", coder="")
    assert "edited bonding: definition" in out and "why: after team review" in out
    assert "definition was: The felt bond between parent and baby." in out


# -- nothing orphaned silently ------------------------------------------------------------------------
def test_a_hand_rename_in_the_yaml_is_reported_and_repaired(study_root: Path) -> None:
    path = study_root / "codebooks/exportkit.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: waiting_times", "id: waiting"), encoding="utf-8")
    for command in (["codebook"], ["summary"], ["agreement", "--coders", "alice,bob"],
                    ["export", "matrix", "--coder", "alice", "-o", str(study_root / "m.csv")]):
        code, _, err = run(study_root, *command, coder="")
        assert code == 0, (command, err)
        assert ("use theme 'waiting_times', which is neither in exportkit.yaml nor renamed by its history: fix with "
                "`piri-qual codebook rename waiting_times waiting`") in err, command
    code, out, err = run(study_root, "codebook", "rename", "waiting_times", "waiting", "--why", "hand rename")
    assert code == 0, err
    assert "history started" in out  # the first change records the codebook as it is
    assert "5 codings (alice 4, bob 1) now under waiting" in out
    code, _, err = run(study_root, "summary", coder="")
    assert "warning" not in err


def test_an_unknown_theme_with_no_close_match_suggests_add(study_root: Path) -> None:
    path = study_root / "codebooks/exportkit.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: other_notes")
    path.write_text(text.replace("  - id: bonding\n", "  - id: zz_unrelated\n"), encoding="utf-8")
    del start
    code, _, err = run(study_root, "codebook", coder="")
    assert "`piri-qual codebook add bonding --label ...`" in err


def test_parent_cycles_are_reported_at_their_line(study_root: Path) -> None:
    path = study_root / "codebooks/exportkit.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  - id: bonding\n    label: Bonding\n    construct: connection\n",
                        "  - id: bonding\n    label: Bonding\n    parent: confidence_gain\n")
    text = text.replace("  - id: confidence_gain\n    label: Growing confidence\n    construct: confidence\n",
                        "  - id: confidence_gain\n    label: Growing confidence\n    parent: bonding\n")
    path.write_text(text, encoding="utf-8")
    code, _, err = run(study_root, "codebook", coder="")
    line = text.splitlines().index("    parent: confidence_gain") + 1
    assert code == 2
    assert f"exportkit.yaml:{line}: themes 'bonding' -> 'confidence_gain' -> 'bonding' form a cycle of parents" in err


def test_a_torn_history_line_is_reported_and_skipped(study_root: Path) -> None:
    assert run(study_root, "codebook", "rename", "waiting_times", "waiting")[0] == 0
    history = study_root / "codebooks/exportkit.history.jsonl"
    with history.open("ab") as handle:
        handle.write(b'{"id":"x","time":"2')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = CodebookHistory.load(history)
    assert [c.op for c in loaded.changes] == ["snapshot", "rename"]
    assert any("exportkit.history.jsonl:3: skipped an incomplete last line" in str(w.message)
               for w in caught if issubclass(w.category, PiriQualWarning))
    # the next change ends the torn line and appends after it
    assert run(study_root, "codebook", "retire", "other_notes")[0] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert [c.op for c in CodebookHistory.load(history).changes] == ["snapshot", "rename", "retire"]


def test_the_example_codebook_yaml_changes_only_where_a_change_is(example_study: Path) -> None:
    path = example_study / "codebooks/piri.yaml"
    before = path.read_text(encoding="utf-8").splitlines()
    assert run(example_study, "codebook", "rename", "waiting_times", "waiting", coder="gold")[0] == 0
    assert run(example_study, "codebook", "edit", "referral_process", "--keyword", "referral", coder="gold")[0] == 0
    after = path.read_text(encoding="utf-8").splitlines()
    import difflib

    changed = [line for line in difflib.unified_diff(before, after, n=0, lineterm="")
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == [
        "-    keywords: [refer, referral, \"self-referral\", \"self-refer\", \"referral form\", criteria, eligible,",
        "-               eligibility, threshold, consent, \"signed up\", \"put forward\", triage]",
        "+    keywords:",
        "+    - referral",
        "-  - id: waiting_times",
        "+  - id: waiting",
    ]


# -- git: branches and the union driver -------------------------------------------------------------
def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=root,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_rename_and_merge_on_one_branch_meet_old_id_codings_from_another(study_root: Path) -> None:
    git(study_root, "init", "-q", "-b", "main")
    git(study_root, "add", "-A")
    git(study_root, "commit", "-qm", "start")
    before = {coder: len(Study(study_root).fold(coder).codings) for coder in ("alice", "bob")}
    # branch "codebook": alice renames and merges
    git(study_root, "checkout", "-qb", "codebook")
    assert run(study_root, "codebook", "rename", "waiting_times", "waiting")[0] == 0
    assert run(study_root, "codebook", "merge", "fear_of_judgement", "anxiety_and_mood", "--into", "worry")[0] == 0
    git(study_root, "add", "-A")
    git(study_root, "commit", "-qm", "codebook review")
    # branch "coding" (from before the review): bob codes under the old ids
    git(study_root, "checkout", "-q", "main")
    study = Study(study_root)
    new = [
        study.store.code("bob", "S02", "waiting_times", quote="The waiting is hard for them"),
        study.store.code("bob", "P04", "fear_of_judgement", quote="I was scared they'd take her off me"),
        study.store.code("bob", "P04", "anxiety_and_mood", quote="I was scared they'd take her off me"),
        study.store.code("bob", "P03", "anxiety_and_mood", quote="My mood is better"),
    ]
    git(study_root, "add", "-A")
    git(study_root, "commit", "-qm", "bob codes")
    git(study_root, "merge", "-q", "--no-edit", "codebook")
    assert "<<<<<<<" not in (study_root / "codings/bob.jsonl").read_text(encoding="utf-8")

    merged = Study(study_root)
    bob = merged.fold("bob").codings
    # nothing lost: bob's earlier codings plus his four (two on one span merged into one)
    assert len(bob) == before["bob"] + 3
    assert bob[new[0].id].theme == "waiting" and bob[new[0].id].coded_as == "waiting_times"
    assert bob[new[1].id].theme == "worry" and new[2].id not in bob  # same span, merged themes: once
    assert bob[new[3].id].theme == "worry"
    assert len(merged.fold("alice").codings) == before["alice"]
    assert {c.theme for c in merged.fold("alice").codings.values()} <= set(merged.codebook.ids)
    code, _, err = run(study_root, "summary", coder="")
    assert code == 0 and "warning" not in err


def test_two_branches_renaming_one_theme_differently_is_a_reported_conflict(study_root: Path) -> None:
    (study_root / "codebooks/exportkit.yaml").write_text(
        (study_root / "codebooks/exportkit.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    git(study_root, "init", "-q", "-b", "main")
    assert run(study_root, "codebook", "edit", "other_notes", "--label", "Other")[0] == 0  # history starts
    git(study_root, "add", "-A")
    git(study_root, "commit", "-qm", "start")
    git(study_root, "checkout", "-qb", "a")
    assert run(study_root, "codebook", "rename", "waiting_times", "waiting", coder="alice")[0] == 0
    git(study_root, "commit", "-qam", "a")
    git(study_root, "checkout", "-q", "main")
    assert run(study_root, "codebook", "rename", "waiting_times", "delay", coder="bob")[0] == 0
    Study(study_root).store.code("bob", "S02", "delay", quote="The waiting is hard for them")
    git(study_root, "add", "-A")
    git(study_root, "commit", "-qm", "b")
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "merge", "-q", "a"],
                          cwd=study_root, capture_output=True, text=True, check=False)
    assert done.returncode != 0  # the YAML line conflicts; the history and logs merge cleanly
    history = (study_root / "codebooks/exportkit.history.jsonl").read_text(encoding="utf-8")
    assert "<<<<<<<" not in history
    # the researcher resolves the YAML by keeping 'waiting'
    path = study_root / "codebooks/exportkit.yaml"
    text = path.read_text(encoding="utf-8")
    resolved = []
    skip = False
    for line in text.splitlines():
        if line.startswith("<<<<<<<"):
            skip = True
            continue
        if line.startswith("======="):
            skip = False
            continue
        if line.startswith(">>>>>>>"):
            continue
        if not skip:
            resolved.append(line)
    path.write_text("\n".join(resolved) + "\n", encoding="utf-8")
    assert "id: waiting" in path.read_text(encoding="utf-8")
    code, _, err = run(study_root, "summary", coder="")
    assert "theme 'waiting_times' was renamed to 'delay' by bob" in err or "theme 'waiting_times' was renamed to 'waiting' by alice" in err
    assert "`piri-qual codebook merge delay --into waiting`" in err
    code, out, err = run(study_root, "codebook", "merge", "delay", "--into", "waiting", coder="alice")
    assert code == 0, err
    code, _, err = run(study_root, "summary", coder="")
    assert "warning" not in err
    themes = {c.theme for c in Study(study_root).fold("bob").codings.values()}
    assert "waiting" in themes and "delay" not in themes and "waiting_times" not in themes


# -- suggestions follow ------------------------------------------------------------------------------
def test_suggestions_keep_what_they_learned_across_a_rename(study_root: Path) -> None:
    from piri_qual.assist import engine

    study = Study(study_root)
    info = engine.retrain(study, "alice")
    before = engine.suggest_transcript(study, "P02", "alice")
    assert run(study_root, "codebook", "rename", "waiting_times", "waiting", "--why", "shorter")[0] == 0
    study = Study(study_root)
    assert engine.Engine(study).model_is_stale("alice")  # the codebook changed under the model
    after = engine.suggest_transcript(study, "P02", "alice", retrain_if_stale=True)
    assert engine.Engine(study).learner("alice").info.decisions == info.decisions
    expected = [(s.start, s.end, "waiting" if s.theme == "waiting_times" else s.theme, s.score) for s in before]
    assert [(s.start, s.end, s.theme, s.score) for s in after] == expected
    assert after, "the trained model suggested nothing for P02"


def test_a_qdpx_export_carries_the_current_codebook(study_root: Path, tmp_path: Path) -> None:
    from piri_qual.exchange.refi_reader import read_qdpx

    assert run(study_root, "codebook", "rename", "waiting_times", "waiting", "--label", "Waiting")[0] == 0
    assert run(study_root, "codebook", "merge", "fear_of_judgement", "anxiety_and_mood", "--into", "worry",
               "--label", "Worry and fear")[0] == 0
    out = tmp_path / "study.qdpx"
    code, stdout, err = run(study_root, "export", "qdpx", str(out), coder="")
    assert code == 0, err
    assert "skipped" not in stdout + err
    project = read_qdpx(out)
    names = {c.name for c in project.code_index().values() if c.codable}
    assert {"Waiting", "Worry and fear"} <= names
    assert not names & {"Waiting after referral", "Fear of being judged", "Anxiety and mood"}
    by_guid = project.code_index()
    coded = [by_guid[c.code].name for s in project.sources for sel in s.selections for c in sel.codings]
    assert coded.count("Waiting") == 5  # alice 4 + bob 1, all under the new name
    alice_fear_and_mood = sum(1 for c in Study(study_root).fold("alice").codings.values() if c.theme == "worry")
    assert coded.count("Worry and fear") == alice_fear_and_mood


def test_themes_added_by_an_import_are_recorded_as_such(study_root: Path, tmp_path: Path) -> None:
    other = build_export_study(tmp_path / "other")
    assert run(other, "codebook", "add", "felt_like_mine", "--label", "Felt like mine")[0] == 0
    code, _, err = run(other, "export", "qdc", str(tmp_path / "other.qdc"), coder="")
    assert code == 0, err
    assert run(study_root, "codebook", "retire", "other_notes")[0] == 0  # the history has begun
    code, out, err = run(study_root, "import", str(tmp_path / "other.qdc"), "--add-themes", coder="")
    assert code == 0, err
    last = Study(study_root).history.changes[-1]
    assert (last.op, last.theme, last.source, last.coder) == ("add", "felt_like_mine", "import", "import")
    assert last.why == "added by importing the codebook other.qdc"
    code, out, _ = run(study_root, "codebook", "add", "another", "--label", "Another")
    assert code == 0 and "recorded a hand edit" not in out
