"""Build the example study's fictional routine outcome dataset (deterministic).

The figures are built to match the model study's headline results: of 77 families who completed
support, 62 improved on parent-infant interaction, 68 on connection with baby and 49 on parent
mental health. Everything else (sites, dates, scores, non-completers, a few rows outside the
April 2022 - December 2024 window, two completers with a missing follow-up score) is invented.

    .venv/bin/python examples/outcomes/build_outcomes.py
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITES = ("Northvale", "Eastmoor", "Riverside")
WINDOW = (date(2022, 4, 1), date(2024, 12, 31))


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def build(rng: random.Random) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    completers = 77
    interaction_up = set(rng.sample(range(completers), 62))
    connection_up = set(rng.sample(range(completers), 68))
    not_mh = [i for i in range(completers)]
    rng.shuffle(not_mh)
    mh_up = set(not_mh[:49])
    mh_missing = set(not_mh[49:51])  # two completers never returned the follow-up measure
    for i in range(completers):
        pre_i = rng.randint(2, 6)
        post_i = pre_i + rng.randint(1, 3) if i in interaction_up else pre_i - rng.randint(0, 1)
        pre_m = rng.randint(14, 30)
        if i in mh_up:
            post_m = pre_m - rng.randint(3, 10)
        elif i in mh_missing:
            post_m = None
        else:
            post_m = pre_m - rng.randint(-2, 2)
        rows.append(_row(rng, "completed", pre_i, post_i, "yes" if i in connection_up else "no", pre_m, post_m))
    for status, count in (("dropped out", 21), ("declined", 14), ("ongoing", 19)):
        for _ in range(count):
            pre_i, pre_m = rng.randint(2, 6), rng.randint(14, 30)
            rows.append(_row(rng, status, pre_i, None, "", pre_m, None))
    for when in (date(2022, 1, 17), date(2022, 2, 8), date(2022, 3, 21), date(2025, 1, 9), date(2025, 1, 20)):
        rows.append(_row(rng, "completed", 3, 6, "yes", 25, 15, when=when))
    rng.shuffle(rows)
    for n, row in enumerate(rows, start=1):
        row["family_id"] = f"F{n:03d}"
    return rows


def _row(rng: random.Random, status: str, pre_i: int, post_i: int | None, connection: str,
         pre_m: int, post_m: int | None, when: date | None = None) -> dict[str, str]:
    referral = when or _day(rng, *WINDOW)
    return {
        "family_id": "",
        "site": rng.choice(SITES),
        "referral_date": referral.isoformat(),
        "referral_source": rng.choice(("health visitor", "health visitor", "GP", "midwife", "perinatal team", "self")),
        "status": status,
        "sessions": str(rng.randint(6, 14) if status == "completed" else rng.randint(0, 5)),
        "interaction_pre": str(pre_i),
        "interaction_post": "" if post_i is None else str(post_i),
        "connection_improved": connection,
        "distress_pre": str(pre_m),
        "distress_post": "" if post_m is None else str(post_m),
    }


def main() -> None:
    rows = build(random.Random(77))
    with (HERE / "piri_outcomes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} families to {HERE / 'piri_outcomes.csv'}")


if __name__ == "__main__":
    main()
