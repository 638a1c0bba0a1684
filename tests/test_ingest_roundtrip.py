"""Scripts rendered by examples/build_transcripts.py in every layout read back unchanged."""

from __future__ import annotations

import csv
import importlib.util
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from piri_qual.ingest.readers import read_source
from piri_qual.ingest.roles import assign_roles

REPO = Path(__file__).resolve().parents[1]

SCRIPT = """\
---
id: P07
group: parent
role: mother
site: Northvale
baby_age_months: 8
referral_source: health visitor
interview_date: 2023-06-14
names: [Maisie]
---
Interviewer: Thanks for talking to me. How did you first hear about PIRi?

P07: Um, my health visitor mentioned it when Maisie was about six weeks.

What she said stuck with me: you know her best. I still think about that, you know?

And then I rang them, which took a while.

Interviewer: What happened next?

P07: We waited. Quite a long time, honestly, and that was hard.
"""

STAFF = """\
---
id: S03
group: staff
role: health visitor
site: Eastmoor
years_in_role: 6
interview_date: 2023-05-02
---
Interviewer: Could you tell me about your role?

S03: I'm a health visitor in Eastmoor. Caseloads are big.
"""


@pytest.fixture
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_transcripts", REPO / "examples" / "build_transcripts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_transcripts"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("layout", ["labels", "int_r", "bracket", "table", "teams"])
def test_round_trip_every_layout(tmp_path: Path, builder: ModuleType, layout: str) -> None:
    source = tmp_path / "P07.txt"
    source.write_text(SCRIPT, encoding="utf-8")
    script = builder.parse_script(source)
    path = tmp_path / f"P07_{layout}.docx"
    path.write_bytes(builder.render(script, layout))

    doc = read_source(path)
    names = builder._display_names(script, layout)
    assert [(t.speaker, t.paragraphs) for t in doc.turns] == [
        (names[t.speaker], tuple(t.paragraphs)) for t in script.turns
    ]
    assert assign_roles(doc.turns) == ["interviewer", "participant", "interviewer", "participant"]
    assert doc.metadata["title"] == "PIRi evaluation interview P07"
    assert doc.metadata["header_text"] == ["CONFIDENTIAL - PIRi evaluation interview P07"]
    text = "\n".join(p for t in doc.turns for p in t.paragraphs)
    assert "CONFIDENTIAL" not in text and "page" not in text
    if layout in ("bracket", "table", "teams"):
        assert doc.turns[0].time == 3.0 and doc.turns[1].time > doc.turns[0].time


def test_build_is_deterministic_and_writes_participants(tmp_path: Path, builder: ModuleType) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "P07.txt").write_text(SCRIPT, encoding="utf-8")
    (scripts / "S03.txt").write_text(STAFF, encoding="utf-8")
    out = tmp_path / "transcripts"
    first = builder.build(scripts, out, tmp_path / "participants.csv")
    assert sorted(p.name for p in first) == ["P07_parent.docx", "S03_staff.docx"]
    blobs = {p.name: p.read_bytes() for p in first}
    builder.build(scripts, out, tmp_path / "participants.csv")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == blobs
    with zipfile.ZipFile(out / "P07_parent.docx") as zf:
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}

    with (tmp_path / "participants.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["id"], r["order"], r["interview_date"]) for r in rows] == [
        ("S03", "1", "2023-05-02"),
        ("P07", "2", "2023-06-14"),
    ]
    assert rows[0]["years_in_role"] == "6" and rows[0]["baby_age_months"] == ""
    assert rows[1]["referral_source"] == "health visitor" and rows[1]["group"] == "parent"


def test_every_layout_is_used_by_the_example_study(builder: ModuleType) -> None:
    scripts = sorted((REPO / "examples" / "scripts").glob("*.txt"))
    assert len(scripts) == 23
    layouts = {builder.layout_for(builder.parse_script(p)) for p in scripts}
    assert layouts == set(builder.LAYOUTS)
