"""Agreement on a reliability table read from CSV, so any published example can be checked.

Why: a researcher who doubts a figure (ours, or one in a paper) should be able to type the
paper's reliability data into a spreadsheet and get the coefficients, without a study folder.
The table has one row per unit and one column per coder, a header row naming the coders, and a
blank cell where a coder gave no value (``*``, ``.``, ``NA`` and ``N/A`` also mean missing, as
in Krippendorff's and R's tables). A first column headed ``unit``, ``id`` or ``item`` (or with an
empty header) holds unit names and is not a coder. Values are numbers when every one reads as a
number, otherwise text labels. The coefficients come from :mod:`piri_qual.analysis.agreement`.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piri_qual.errors import PiriQualError

MISSING = frozenset({"", "*", ".", "na", "n/a"})
UNIT_HEADERS = frozenset({"", "unit", "units", "id", "item", "items"})


@dataclass(frozen=True)
class TableData:
    """Coders x units values (None = missing) as read from the file."""

    path: Path
    coders: tuple[str, ...]
    units: tuple[str, ...]
    values: list[list[Any]]
    numeric: bool


@dataclass(frozen=True)
class TableFigure:
    name: str
    value: float
    low: float
    high: float
    observed: float
    expected: float
    n_units: int
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if not math.isfinite(x) else round(x, 6)

        return {
            "value": num(self.value), "ci_low": num(self.low), "ci_high": num(self.high),
            "observed": num(self.observed), "expected": num(self.expected),
            "units": self.n_units, "note": self.note,
        }


@dataclass
class TableAgreement:
    data: TableData
    level: str
    ci: float
    n_boot: int
    seed: int
    figures: dict[str, TableFigure] = field(default_factory=dict)

    @property
    def pairable(self) -> int:
        """Units with values from at least two coders (the ones any coefficient can use)."""
        return sum(
            1 for u in range(len(self.data.units))
            if sum(row[u] is not None for row in self.data.values) >= 2
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": str(self.data.path),
            "coders": list(self.data.coders),
            "units": len(self.data.units),
            "pairable_units": self.pairable,
            "values": sum(v is not None for row in self.data.values for v in row),
            "level": self.level,
            "confidence": {"level": self.ci, "method": "percentile bootstrap", "resamples": self.n_boot,
                           "seed": self.seed, "resampling": "units"},
            **{name: fig.to_dict() for name, fig in self.figures.items()},
        }


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_table(path: Path) -> TableData:
    """Read a reliability table (rows = units, columns = coders) from a CSV file."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise PiriQualError("no such file", path=path, hint="Give the path of a .csv reliability table.") from exc
    except UnicodeDecodeError as exc:
        raise PiriQualError("the table is not UTF-8 text", path=path,
                            hint="Save it from the spreadsheet as 'CSV UTF-8'.") from exc
    first = raw.splitlines()[0] if raw.strip() else ""
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    rows = [r for r in csv.reader(io.StringIO(raw), delimiter=delimiter)]
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(cell.strip() for cell in r)]
    if len(numbered) < 2:
        raise PiriQualError(
            "the table needs a header row naming the coders and at least one unit row",
            path=path,
            hint="Write one column per coder, one row per unit, e.g. 'A,B' then '1,1'.",
        )
    _, header = numbered[0]
    header = [h.strip() for h in header]
    has_ids = header[0].casefold() in UNIT_HEADERS
    coders = header[1:] if has_ids else header
    if len(coders) < 2:
        raise PiriQualError(
            f"the table names {len(coders)} coder column(s); agreement needs at least two",
            path=path, line=numbered[0][0],
            hint="Put each coder in their own column.",
        )
    if len(set(coders)) != len(coders) or any(not c for c in coders):
        raise PiriQualError("every coder column needs its own, non-empty name", path=path,
                            line=numbered[0][0], hint="Name the columns e.g. A,B,C.")
    width = len(header)
    units: list[str] = []
    cells: list[list[str]] = []
    for number, row in numbered[1:]:
        row = row + [""] * (width - len(row)) if len(row) < width else row
        if len(row) > width and any(c.strip() for c in row[width:]):
            raise PiriQualError(
                f"this row has {len(row)} values but the header has {width} columns",
                path=path, line=number, hint="Check for a stray delimiter or a missing header.",
            )
        row = [c.strip() for c in row[:width]]
        units.append(row[0] if has_ids else str(len(units) + 1))
        cells.append(row[1:] if has_ids else row)
    present = [c for row in cells for c in row if c.casefold() not in MISSING]
    numeric = bool(present) and all(_number(c) is not None for c in present)

    def value(text: str) -> Any:
        if text.casefold() in MISSING:
            return None
        if numeric:
            number = _number(text)
            return int(number) if number is not None and number.is_integer() else number
        return text

    values = [[value(row[j]) for row in cells] for j in range(len(coders))]
    return TableData(path, tuple(coders), tuple(units), values, numeric)


def table_agreement(
    path: Path, level: str = "nominal", *, ci: float = 0.95, n_boot: int = 1000, seed: int = 0
) -> TableAgreement:
    """Percent agreement, Cohen's kappa (two coders) and Krippendorff's alpha at ``level``, with
    seeded percentile-bootstrap intervals over units."""
    from piri_qual.analysis.agreement import (
        LEVELS,
        bootstrap_ci,
        cohen_kappa,
        krippendorff_alpha,
        percent_agreement,
    )

    if level not in LEVELS:
        raise PiriQualError(f"unknown level {level!r}", hint=f"Choose one of: {', '.join(LEVELS)}.")
    data = read_table(path)
    result = TableAgreement(data, level, ci, n_boot, seed)
    jobs: list[tuple[str, Any, Any, dict[str, Any]]] = [
        ("percent_agreement", percent_agreement, data.values, {}),
    ]
    if len(data.coders) == 2:
        jobs.append(("cohen_kappa", cohen_kappa, (data.values[0], data.values[1]), {}))
    jobs.append(("krippendorff_alpha", krippendorff_alpha, data.values, {"level": level}))
    nan = float("nan")
    for name, metric, values, options in jobs:
        try:
            point = metric(*values, **options) if metric is cohen_kappa else metric(values, **options)
        except PiriQualError as exc:
            if name == "krippendorff_alpha" and level != "nominal" and not data.numeric:
                raise
            result.figures[name] = TableFigure(name, nan, nan, nan, nan, nan, 0, exc.detail)
            continue
        low = high = nan
        if n_boot > 0:
            try:
                boot = bootstrap_ci(metric, values, ci=ci, n_boot=n_boot, seed=seed, **options)
                low, high = boot.low, boot.high
            except PiriQualError:
                pass
        result.figures[name] = TableFigure(
            name, point.value, low, high, point.observed, point.expected, point.n_units
        )
    return result
