"""Re-derive the counts quoted in README.md from the raw files (stdlib only)."""
import collections
import csv
import json
import statistics
from pathlib import Path

here = Path(__file__).resolve().parent
cats = json.loads((here / "categories.json").read_text(encoding="utf-8"))
rows = []
for split in ("train", "test"):
    with open(here / f"{split}.csv", newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        assert next(reader) == ["text", "category"]
        part = [(t, c, split) for t, c in reader]
    print(f"{split}: {len(part)} rows")
    rows += part
freq = collections.Counter(c for _, c, _ in rows)
v = sorted(freq.values())
assert set(freq) == set(cats)
print(f"all: {len(rows)} texts, {len(freq)} labels, 1 label per text")
print(f"label frequency min/median/max: {v[0]}/{statistics.median(v)}/{v[-1]}")
w = [len(t.split()) for t, _, _ in rows]
print(f"words per text min/median/mean/max: {min(w)}/{statistics.median(w)}/{statistics.mean(w):.1f}/{max(w)}")
