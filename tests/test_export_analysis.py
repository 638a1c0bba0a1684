"""Framework matrix, quote bank, frequencies, co-occurrence and saturation on a real study folder.

Expected values are derived from the codings the test study was built with (tests/study_builders.py),
not copied from the output.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest
from study_builders import CELL_MEMOS, CODINGS, PARTICIPANTS, TURNS, pseudonym_names
from study_builders import build_export_study as build_study

from piri_qual.analysis.frequencies import cooccurrence, saturation
from piri_qual.analysis.quotes import quote_bank, spread_pick
from piri_qual.analysis.selection import Filters, attributions, load_selection, participant_frame
from piri_qual.errors import PiriQualError, PiriQualWarning
from piri_qual.study import Study


@pytest.fixture
def study(tmp_path: Path) -> Study:
    return Study(build_study(tmp_path / "study"))


def group_of(pid: str) -> str:
    return "staff" if pid.startswith("S") else "parent"


def alice_counts() -> Counter[tuple[str, str]]:
    return Counter((pid, theme) for pid, _, _, theme in CODINGS["alice"])


# -- matrix --------------------------------------------------------------------------------------
def test_matrix_counts_rows_by_group_and_columns_by_framework(study: Study) -> None:
    frame = study.matrix("alice")
    counts = alice_counts()
    assert list(frame.index.get_level_values("group")) == ["staff"] * 3 + ["parent"] * 4
    assert list(frame.index.get_level_values("participant")) == ["S01", "S02", "S03", "P01", "P02", "P03", "P04"]
    themes = [c for c in frame.columns if c[0] != "attributes"]
    # implementation domain before outcomes, unplaced last (framework order, not codebook order)
    assert [c[0] for c in themes] == ["implementation"] * 2 + ["outcomes"] * 3 + ["unplaced"]
    assert ("outcomes", "connection", "bonding") in themes
    for (group, pid), row in frame.iterrows():
        assert group == group_of(pid)
        for domain, construct, theme in themes:
            assert row[(domain, construct, theme)] == counts[(pid, theme)]
    assert frame.loc[("parent", "P02"), ("attributes", "", "role")] == "father"


def test_matrix_summary_rows_count_participants_per_group(study: Study) -> None:
    matrix = study.framework_matrix("alice")
    text = matrix.raised_text()
    raised: dict[tuple[str, str], set[str]] = defaultdict(set)
    for pid, _, _, theme in CODINGS["alice"]:
        raised[(group_of(pid), theme)].add(pid)
    for theme in matrix.themes.index:
        assert text.at["staff", theme] == f"{len(raised[('staff', theme)])} of 3 staff"
        assert text.at["parent", theme] == f"{len(raised[('parent', theme)])} of 4 parents"
        total = len(raised[("staff", theme)] | raised[("parent", theme)])
        assert text.at["all", theme] == f"{total} of 7 participants"


def test_matrix_presence_summary_and_excerpt_cells(study: Study) -> None:
    presence = study.matrix("alice", cells="presence", attributes=False)
    assert all(d.kind == "b" for d in presence.dtypes)
    assert bool(presence.loc[("parent", "P01"), ("outcomes", "connection", "bonding")]) is True
    assert bool(presence.loc[("parent", "P02"), ("outcomes", "connection", "bonding")]) is False

    summary = study.matrix("alice", cells="summary", attributes=False)
    memo = summary.loc[("parent", "P01"), ("implementation", "referral", "waiting_times")]
    # the memo text, with the pseudonym map applied (it names Claire)
    assert memo == CELL_MEMOS[("P01", "waiting_times")].replace("Claire", "Hannah")
    assert summary.loc[("parent", "P02"), ("implementation", "referral", "waiting_times")] == ""

    excerpts = study.matrix("alice", cells="excerpts", attributes=False)
    cell = excerpts.loc[("staff", "S01"), ("implementation", "stigma", "fear_of_judgement")]
    assert cell.count("\u201c") == 2  # both of S01's excerpts, in transcript order
    assert cell.index("scared we will judge") < cell.index("social services")
    assert "(S01, 0:01:11)" in cell
    for name in pseudonym_names():
        assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", " ".join(excerpts.astype(str).to_numpy().ravel()))


def test_matrix_filters(study: Study) -> None:
    parents = study.matrix("alice", group="parent", theme="outcomes", attributes=False)
    assert set(parents.index.get_level_values("group")) == {"parent"}
    assert {c[0] for c in parents.columns} == {"outcomes"}
    site = study.matrix("alice", where={"site": "Southby"}, attributes=False)
    southby = [line.split(",")[0] for line in PARTICIPANTS.splitlines()[1:] if ",Southby," in line]
    assert list(site.index.get_level_values("participant")) == sorted(southby, key=lambda p: (p[0] != "S", p))
    # a filter value may be the real one or its pseudonym
    town = study.matrix("alice", where={"site": "[town]"}, attributes=False)
    assert list(town.index.get_level_values("participant")) == list(
        study.matrix("alice", where={"site": "Northvale"}, attributes=False).index.get_level_values("participant"))
    assert len(town) == 4
    one = study.matrix("alice", participant="P03", theme="waiting_times", attributes=False)
    assert one.shape == (1, 1) and int(one.iloc[0, 0]) == 1
    with pytest.raises(PiriQualError, match="not a theme, construct or domain"):
        study.matrix("alice", theme="no_such_theme")
    with pytest.raises(PiriQualError, match="no participant group 'carers'"):
        study.matrix("alice", group="carers")
    with pytest.raises(PiriQualError, match="no participant attribute 'ward'"):
        study.matrix("alice", where={"ward": "x"})


def test_orphaned_codings_are_left_out_with_a_warning(study: Study) -> None:
    path = study.corpus_dir / "P04.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["text"] = data["text"].replace("Honestly", "To be honest")  # the P04 quotes no longer match
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.warns(PiriQualWarning, match="2 orphaned codings of coder 'alice' left out"):
        frame = study.matrix("alice", attributes=False)
    assert frame.loc[("parent", "P04")].sum() == 0


def test_consensus_coder_is_just_another_name(study: Study) -> None:
    frame = study.matrix("bob", attributes=False)
    assert int(frame.to_numpy().sum()) == len(CODINGS["bob"])
    with pytest.raises(PiriQualError, match="no coder 'carol'"):
        study.matrix("carol")
    with pytest.raises(PiriQualError, match="which coder"):
        study.matrix()


# -- quote bank ----------------------------------------------------------------------------------
def test_quote_bank_order_attribution_location_and_anonymity(study: Study) -> None:
    quotes = study.quotes("alice")
    assert len(quotes) == len(CODINGS["alice"])
    theme_order = list(study.framework_matrix("alice").themes.index)
    ranks = [theme_order.index(t) for t in quotes.theme]
    assert ranks == sorted(ranks)
    assert set(quotes.attribution) == {f"{pid}, {group_of(pid)}" for pid, _, _, _ in CODINGS["alice"]}
    assert set(quotes.coder) == {"alice"}
    row = quotes[quotes.quote.str.startswith("When a mum sees herself")].iloc[0]
    assert (row.turn, row.time, row.location) == (2, "1:02:05", "S03, 1:02:05")  # 3725 s into the recording
    untimed = quotes[quotes.participant == "P03"].iloc[0]
    assert untimed.time == "" and untimed.location == f"P03, turn {untimed.turn}"
    joined = " ".join(quotes.quote)
    for name in pseudonym_names():
        assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", joined), name
    assert "[GP] in [town] referred me" in joined


def test_identifier_check_flags_what_the_map_missed(study: Study) -> None:
    quotes = study.quotes("alice")
    flagged = quotes[quotes["flags"] != ""]
    assert list(flagged.participant) == ["S02"]
    assert "Southby" in flagged.iloc[0]["flags"]
    redacted = study.quotes("alice", redact=True)
    assert "Southby" not in " ".join(redacted.quote)
    assert "[place]" in " ".join(redacted.quote)
    assert "Southby" not in " ".join(redacted["flags"])


def test_attribution_template_with_role_number(tmp_path: Path) -> None:
    table = {
        "S01": {"id": "S01", "group": "staff", "role": "health visitor"},
        "S02": {"id": "S02", "group": "staff", "role": "practitioner"},
        "S03": {"id": "S03", "group": "staff", "role": "health visitor"},
        "P01": {"id": "P01", "group": "parent", "role": "mother"},
    }
    people = participant_frame(table, dict.fromkeys(table, None))
    labels = attributions(people, "{role} {n}")
    assert labels.to_dict() == {"S01": "Health visitor 1", "S02": "Practitioner 1", "S03": "Health visitor 2",
                                "P01": "Mother 1"}
    assert attributions(people, "{group} {n}")["S03"] == "Staff 3"
    with pytest.raises(PiriQualError, match="unknown field 'ward'"):
        attributions(people, "{ward}")


def test_attribution_from_study_settings(study: Study) -> None:
    settings = study.settings_path.read_text(encoding="utf-8")
    study.settings_path.write_text(settings.replace('attribution: "{participant}, {group}"',
                                                    'attribution: "{role} {n}, {site}"'), encoding="utf-8")
    quotes = study.quotes("alice")
    by_participant = dict(zip(quotes.participant, quotes.attribution, strict=True))
    assert by_participant["S03"] == "Practitioner 1, [town]"  # the pseudonym map covers attributions too
    assert by_participant["S02"] == "Health visitor 2, Southby"
    assert by_participant["P02"] == "Father 1, Southby"


def test_cap_per_theme_spreads_across_participants_and_groups(study: Study) -> None:
    capped = study.quotes("alice", per_theme=2)
    per_theme = capped.groupby("theme").size()
    assert (per_theme <= 2).all()
    for _, part in capped.groupby("theme"):
        assert part.participant.is_unique
        available = {group_of(pid) for pid, _, _, t in CODINGS["alice"] if t == part.theme.iloc[0]}
        assert set(part.group) == available  # one from each group when both raised it


def test_spread_pick_round_robin() -> None:
    frame = pd.DataFrame({"participant": ["A", "A", "A", "B", "C", "C"], "n": range(6)})
    picked = spread_pick(frame, 4, ["A", "B", "C"], {"A": "x", "B": "x", "C": "y"})
    # first pass A (x), C (y), B (x); second pass A again
    assert sorted(picked.n) == [0, 1, 3, 4]
    assert spread_pick(frame, 10, ["A", "B", "C"], {}).equals(frame)


# -- frequencies ---------------------------------------------------------------------------------
def test_frequencies_by_group_and_attribute(study: Study) -> None:
    freq = study.frequencies("alice")
    excerpts = Counter((group_of(pid), theme) for pid, _, _, theme in CODINGS["alice"])
    for theme in freq.index:
        for group in ("staff", "parent"):
            assert freq.at[theme, (group, "excerpts")] == excerpts[(group, theme)]
        assert freq.at[theme, ("all", "of")] == 7
    assert freq.at["anxiety_and_mood", ("parent", "participants")] == 3
    # sites are shown as the pseudonym map has them: Northvale is "[town]"
    site_of = {line.split(",")[0]: line.split(",")[3].replace("Northvale", "[town]")
               for line in PARTICIPANTS.splitlines()[1:]}
    by_site = study.frequencies("alice", by="site")
    assert list(dict.fromkeys(by_site.columns.get_level_values(0))) == ["[town]", "Southby", "all"]
    raised = {(site_of[pid], theme) for pid, _, _, theme in CODINGS["alice"]}
    for theme in by_site.index:
        for site in ("[town]", "Southby"):
            people = {pid for pid, _, _, t in CODINGS["alice"] if t == theme and site_of[pid] == site}
            assert by_site.at[theme, (site, "participants")] == len(people)
            assert ((site, theme) in raised) == bool(len(people))
    with pytest.raises(PiriQualError, match="no participant attribute 'ward'"):
        study.frequencies("alice", by="ward")


def test_cooccurrence_counts_overlapping_codings(study: Study) -> None:
    co = study.cooccurrence("alice")
    assert (co.to_numpy() == co.to_numpy().T).all()
    diagonal = Counter(theme for _, _, _, theme in CODINGS["alice"])
    for theme in co.index:
        assert co.at[theme, theme] == diagonal[theme]
    # P01's bonding excerpt lies inside its anxiety excerpt; P04's two overlap; P03's too
    assert co.at["bonding", "anxiety_and_mood"] == 1
    assert co.at["fear_of_judgement", "anxiety_and_mood"] == 1
    assert co.at["confidence_gain", "anxiety_and_mood"] == 1
    assert co.at["waiting_times", "fear_of_judgement"] == 0


def test_cooccurrence_touching_spans_do_not_overlap() -> None:
    codings = pd.DataFrame({"transcript": ["T"] * 3, "start": [0, 10, 5], "end": [10, 20, 12],
                            "theme": ["a", "b", "c"]})
    co = cooccurrence(codings, ["a", "b", "c"])
    assert co.at["a", "b"] == 0  # [0,10) and [10,20) only touch
    assert co.at["a", "c"] == 1 and co.at["b", "c"] == 1


def test_saturation_in_interview_order(study: Study) -> None:
    table = study.saturation("alice")
    dates = {line.split(",")[0]: line.split(",")[4] for line in PARTICIPANTS.splitlines()[1:]}
    assert list(table.transcript) == sorted(TURNS, key=lambda pid: dates[pid])
    seen: set[str] = set()
    for row in table.itertuples():
        themes = {t for pid, _, _, t in CODINGS["alice"] if pid == row.transcript}
        assert row.new == len(themes - seen)
        seen |= themes
        assert row.cumulative == len(seen)


def test_saturation_counts_uncoded_interviews() -> None:
    codings = pd.DataFrame({"transcript": ["A", "A", "C"], "start": [0, 5, 0], "theme": ["x", "y", "x"],
                            "participant": ["A", "A", "C"]})
    table = saturation(codings, ["A", "B", "C"])
    assert list(table.new) == [2, 0, 0]
    assert list(table.cumulative) == [2, 2, 2]


def test_export_data_filters_describe(study: Study) -> None:
    data = load_selection(study, "alice", Filters.make(groups="parent", where={"site": "Southby,Northvale"}))
    assert set(data.participants.group) == {"parent"}
    assert "groups parent" in data.filters.describe()
    assert set(data.codings.participant) <= set(data.participants.index)
    assert len(quote_bank(data)) == sum(1 for pid, _, _, _ in CODINGS["alice"] if pid.startswith("P"))


def test_codings_mark_orphans_after_a_text_change(study: Study) -> None:
    """A coding whose quote is no longer at its offsets is marked orphaned, never moved."""
    path = study.corpus_dir / "P04.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["text"] = data["text"].replace("Honestly", "To be honest")
    path.write_text(json.dumps(data), encoding="utf-8")
    frame = study.codings("alice")
    assert int(frame.orphaned.sum()) == 2
    assert set(frame[frame.orphaned].transcript) == {"P04"}
    with pytest.warns(PiriQualWarning, match="2 orphaned codings of coder 'alice' left out"):
        export = load_selection(study, "alice", Filters.make())
    assert len(export.codings) == len(frame) - 2
