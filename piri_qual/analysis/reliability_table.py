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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.analysis.agreement import AgreementResult

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
    metric: str = ""
    basis: str = "agreement"

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if not math.isfinite(x) else round(x, 6)

        return {
            "metric": self.metric or self.name, "value": num(self.value), "ci_low": num(self.low),
            "ci_high": num(self.high), "observed": num(self.observed), "expected": num(self.expected),
            "parts": "disagreement" if self.basis == "disagreement" else "agreement",
            "units": self.n_units, "note": self.note,
        }


@dataclass(frozen=True)
class PairFigure:
    """Cohen's (weighted) kappa of one pair of coders, on the units both coded."""

    coders: tuple[str, str]
    value: float
    observed: float
    expected: float
    n_units: int

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if not math.isfinite(x) else round(x, 6)

        return {"coders": list(self.coders), "value": num(self.value), "observed": num(self.observed),
                "expected": num(self.expected), "units": self.n_units}


@dataclass
class TableAgreement:
    data: TableData
    level: str
    ci: float
    n_boot: int
    seed: int
    figures: dict[str, TableFigure] = field(default_factory=dict)
    weights: str = "identity"
    categories: tuple[Any, ...] = ()
    pairs: list[PairFigure] = field(default_factory=list)

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
            "weights": self.weights,
            "categories": list(self.categories),
            "confidence": {"level": self.ci, "method": "percentile bootstrap", "resamples": self.n_boot,
                           "seed": self.seed, "resampling": "units"},
            **{name: fig.to_dict() for name, fig in self.figures.items()},
            **({"pairwise_kappa": [p.to_dict() for p in self.pairs]} if self.pairs else {}),
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


def _category_list(data: TableData, categories: Sequence[str] | None) -> list[Any]:
    """The categories in scale order: those given (numbers for a numeric table), else the
    labels seen, sorted."""
    seen = {v for row in data.values for v in row if v is not None}
    if categories is None:
        return sorted(seen)
    if data.numeric:
        numbers = [_number(c.strip()) for c in categories]
        bad = [c for c, x in zip(categories, numbers, strict=True) if x is None]
        if bad:
            raise PiriQualError(
                f"category {bad[0]!r} is not a number, but the table's values are numbers",
                path=data.path, hint="List the scale's values, e.g. --categories 1,2,3,4,5.",
            )
        return [int(x) if x is not None and x.is_integer() else x for x in numbers]
    return [c.strip() for c in categories]


def _coded(data: TableData, cats: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """The table as a numeric coders x units array (NaN = missing) for the resamples: numeric
    values as they are, text labels as their positions 1..q in scale order. Positions keep
    every nominal coefficient and, since weights on text use positions, every weighted one."""
    if data.numeric:
        table = np.asarray([[np.nan if v is None else float(v) for v in row] for row in data.values])
        return table, cats
    position = {c: k + 1 for k, c in enumerate(cats)}
    table = np.asarray([[np.nan if v is None else float(position.get(v, np.nan)) for v in row]
                        for row in data.values])
    return table, list(range(1, len(cats) + 1))


def _cohen_of_rows(data: Any, weights: Any = None, categories: Any = None) -> AgreementResult:
    """Cohen's kappa of a two-row coders x units table (the shape the bootstrap resamples)."""
    from piri_qual.analysis.agreement import cohen_kappa

    rows = np.asarray(data, dtype=object) if not isinstance(data, np.ndarray) else data
    return cohen_kappa(rows[0], rows[1], weights=weights, categories=categories)


#: Display names of the coefficients, in the order they are reported.
NAMES = {
    "percent_agreement": "percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "fleiss_kappa": "Fleiss' kappa",
    "conger_kappa": "Conger's kappa",
    "light_kappa": "Light's kappa",
    "gwet_ac1": "Gwet's AC1",
    "gwet_ac2": "Gwet's AC2",
    "brennan_prediger": "Brennan-Prediger",
    "krippendorff_alpha": "Krippendorff's alpha",
}


def table_agreement(
    path: Path,
    level: str = "nominal",
    *,
    weights: str | None = None,
    categories: Sequence[str] | None = None,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> TableAgreement:
    """Every coefficient of :mod:`piri_qual.analysis.agreement` that fits the table, with seeded
    percentile-bootstrap intervals over units.

    Always: percent agreement, Fleiss' kappa (Gwet's form for units rated by different numbers
    of coders), Gwet's AC1 (AC2 when weighted), Brennan-Prediger and Krippendorff's alpha at
    ``level``; Cohen's kappa for two coders; Conger's and Light's kappa and every pair's Cohen's
    kappa for more. ``weights`` (linear, quadratic, ...) weight every coefficient but alpha,
    whose ``level`` plays that part; ``categories`` lists the scale in order (needed to weight
    text labels, and to count categories nobody used).
    """
    from piri_qual.analysis.agreement import (
        LEVELS,
        bootstrap_ci,
        brennan_prediger,
        category_counts,
        conger_kappa,
        fleiss_kappa_ratings,
        gwet_ac1,
        krippendorff_alpha,
        light_kappa,
        pairwise_kappa,
        percent_agreement,
    )
    from piri_qual.analysis.agreement_weights import WEIGHTS

    if level not in LEVELS:
        raise PiriQualError(f"unknown level {level!r}", hint=f"Choose one of: {', '.join(LEVELS)}.")
    if weights is not None and weights not in WEIGHTS:
        raise PiriQualError(f"unknown weights {weights!r}", hint=f"Choose one of: {', '.join(WEIGHTS)}.")
    data = read_table(path)
    cats = _category_list(data, categories)
    coded, coded_cats = _coded(data, cats)
    weighted = weights not in (None, "identity")
    if weighted and not data.numeric and categories is None and len(cats) > 1:
        raise PiriQualError(
            f"{weights} weights need the order of the text labels ({', '.join(map(str, cats[:6]))}"
            f"{' ...' if len(cats) > 6 else ''})",
            path=path, hint="Give the scale from lowest to highest with --categories, e.g. --categories low,medium,high.",
        )
    category_counts(data.values, cats)  # every label must be one of the categories given
    result = TableAgreement(data, level, ci, n_boot, seed, weights=weights or "identity", categories=tuple(cats))
    kinds: dict[str, Any] = {"weights": weights, "categories": cats}
    boot_kinds: dict[str, Any] = {"weights": weights, "categories": coded_cats}
    m = len(data.coders)
    jobs: list[tuple[str, Any, dict[str, Any], dict[str, Any]]] = [
        ("percent_agreement", percent_agreement, kinds, boot_kinds),
    ]
    if m == 2:
        jobs.append(("cohen_kappa", _cohen_of_rows, kinds, boot_kinds))
    jobs.append(("fleiss_kappa", fleiss_kappa_ratings, kinds, boot_kinds))
    if m > 2:
        jobs += [("conger_kappa", conger_kappa, kinds, boot_kinds), ("light_kappa", light_kappa, kinds, boot_kinds)]
    jobs += [
        ("gwet_ac2" if weighted else "gwet_ac1", gwet_ac1, kinds, boot_kinds),
        ("brennan_prediger", brennan_prediger, kinds, boot_kinds),
        ("krippendorff_alpha", krippendorff_alpha, {"level": level}, {"level": level}),
    ]
    nan = float("nan")
    for name, metric, options, boot_options in jobs:
        try:
            point = metric(data.values, **options)
        except PiriQualError as exc:
            if name == "krippendorff_alpha" and level != "nominal" and not data.numeric:
                raise
            result.figures[name] = TableFigure(name, nan, nan, nan, nan, nan, 0, exc.detail, metric=name)
            continue
        low = high = nan
        if n_boot > 0:
            try:
                boot = bootstrap_ci(metric, coded, ci=ci, n_boot=n_boot, seed=seed, **boot_options)
                low, high = boot.low, boot.high
            except PiriQualError:
                pass
        result.figures[name] = TableFigure(
            name, point.value, low, high, point.observed, point.expected, point.n_units,
            metric=point.metric, basis=point.basis,
        )
    if m > 2:
        for (i, j), pair in pairwise_kappa(data.values, weights, cats).items():
            result.pairs.append(PairFigure(
                (data.coders[i], data.coders[j]),
                pair.value if pair else nan, pair.observed if pair else nan,
                pair.expected if pair else nan, pair.n_units if pair else 0,
            ))
    return result
