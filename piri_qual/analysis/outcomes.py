"""Routine outcome data: who was referred, who completed, and who improved on each measure.

The quantitative strand of a mixed-methods evaluation. A YAML *spec* says which columns hold the
family id, completion, the referral date and each measure, and how a measure counts as improved:
either pre/post scores with a direction and a minimum change, or a yes/no column. Shares are of
completers, as a write-up reports them ("80%, n=62"), with Wilson 95% intervals; completers with
missing data on a measure are counted and reported, never dropped silently.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from piri_qual.analysis.proportions import Proportion, wilson_interval
from piri_qual.core.yamlfile import LineDict, LineList, load_yaml
from piri_qual.errors import PiriQualError

TRUE_WORDS = {"yes", "y", "true", "t", "1", "improved", "completed", "complete"}
FALSE_WORDS = {"no", "n", "false", "f", "0", "not improved", "no change", "dropped out", "incomplete"}


@dataclass(frozen=True)
class Measure:
    id: str
    label: str
    constructs: tuple[str, ...] = ()
    improved: str | None = None
    pre: str | None = None
    post: str | None = None
    direction: str = "higher"
    min_change: float = 0.0

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.improved, self.pre, self.post) if c)


@dataclass(frozen=True)
class OutcomeSpec:
    path: Path
    title: str
    id_column: str
    completion_column: str
    completed_values: tuple[str, ...]
    date_column: str | None
    date_from: date | None
    date_to: date | None
    measures: tuple[Measure, ...]
    subgroups: tuple[str, ...] = ()
    period: str | None = None


@dataclass
class MeasureResult:
    measure: Measure
    improved: int
    with_data: int
    missing: int
    proportion: Proportion | None

    @property
    def text(self) -> str:
        return self.proportion.percent_text() if self.proportion else "n/a"


@dataclass
class OutcomeSummary:
    spec: OutcomeSpec
    referred: int
    completed: int
    excluded_out_of_window: int
    results: list[MeasureResult]
    by_group: dict[str, dict[str, OutcomeSummary]] = field(default_factory=dict)
    outside_window_lines: list[int] = field(default_factory=list)

    def table_rows(self) -> list[dict[str, Any]]:
        rows = []
        for r in self.results:
            p = r.proportion
            rows.append(
                {
                    "measure": r.measure.label,
                    "improved": r.improved,
                    "completers": self.completed,
                    "result": r.text,
                    "percent": round(100 * p.share, 1) if p else None,
                    "ci_low": round(100 * p.low, 1) if p else None,
                    "ci_high": round(100 * p.high, 1) if p else None,
                    "wilson_95": p.interval_text() if p else "n/a",
                    "missing": r.missing,
                }
            )
        return rows


# -- the spec ----------------------------------------------------------------------------------

def load_spec(path: Path) -> OutcomeSpec:
    """Read and check an outcomes spec, listing every problem with its line."""
    data = load_yaml(path)
    if not isinstance(data, LineDict):
        raise PiriQualError("an outcomes spec must be a mapping (see examples/outcomes/outcomes.yaml)", path=path)
    problems: list[str] = []

    def need(node: LineDict, key: str, what: str) -> Any:
        if node.get(key) in (None, ""):
            problems.append(f"{path}:{node.line}: {what} needs {key!r}")
        return node.get(key)

    id_column = need(data, "id_column", "the spec")
    completion = data.get("completion")
    if isinstance(completion, LineDict):
        completion_column = need(completion, "column", "'completion'")
        values = completion.get("values") or ["yes", "true", "1", "completed"]
    else:
        completion_column = completion
        values = ["yes", "true", "1", "completed"]
        if not completion:
            problems.append(f"{path}:{data.line}: the spec needs 'completion' (the column saying who completed)")
    date_column = date_from = date_to = None
    window = data.get("date")
    if window is not None:
        if not isinstance(window, LineDict):
            problems.append(f"{path}:{data.line_of('date')}: 'date' must be a mapping with column, from, to")
        else:
            date_column = need(window, "column", "'date'")
            date_from = _as_date(window.get("from"), path, window.line_of("from"), problems)
            date_to = _as_date(window.get("to"), path, window.line_of("to"), problems)
    measures: list[Measure] = []
    nodes = data.get("measures")
    if not isinstance(nodes, LineList) or not nodes:
        problems.append(f"{path}:{data.line_of('measures')}: the spec needs a non-empty 'measures' list")
        nodes = LineList()
    for node in nodes:
        if not isinstance(node, LineDict):
            problems.append(f"{path}:{nodes.line}: each measure must be a mapping")
            continue
        mid = str(need(node, "id", "a measure") or "")
        has_flag = bool(node.get("improved"))
        has_scores = bool(node.get("pre")) and bool(node.get("post"))
        if has_flag == has_scores:
            problems.append(
                f"{path}:{node.line}: measure {mid!r} needs either 'improved' (a yes/no column) "
                "or both 'pre' and 'post' (score columns)"
            )
        direction = str(node.get("direction", "higher"))
        if direction not in ("higher", "lower"):
            problems.append(f"{path}:{node.line_of('direction')}: measure {mid!r}: direction must be higher or lower")
        constructs = node.get("constructs") or node.get("construct") or []
        if isinstance(constructs, str):
            constructs = [constructs]
        try:
            min_change = float(node.get("min_change", 0) or 0)
        except (TypeError, ValueError):
            problems.append(f"{path}:{node.line_of('min_change')}: measure {mid!r}: min_change must be a number")
            min_change = 0.0
        measures.append(
            Measure(
                id=mid,
                label=str(node.get("label") or mid),
                constructs=tuple(str(c) for c in constructs),
                improved=node.get("improved"),
                pre=node.get("pre"),
                post=node.get("post"),
                direction=direction,
                min_change=min_change,
            )
        )
    subgroups = data.get("subgroups") or []
    period = data.get("period")
    if period not in (None, "year", "quarter", "month"):
        problems.append(f"{path}:{data.line_of('period')}: period must be year, quarter or month")
    if problems:
        raise PiriQualError(f"{len(problems)} problem(s) in outcomes spec:\n  " + "\n  ".join(problems))
    return OutcomeSpec(
        path=path,
        title=str(data.get("title") or "Routine outcome data"),
        id_column=str(id_column),
        completion_column=str(completion_column),
        completed_values=tuple(str(v).strip().casefold() for v in values),
        date_column=date_column,
        date_from=date_from,
        date_to=date_to,
        measures=tuple(measures),
        subgroups=tuple(str(s) for s in subgroups),
        period=period,
    )


def _as_date(value: Any, path: Path, line: int, problems: list[str]) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = _parse_date(str(value))
    if parsed is None:
        problems.append(f"{path}:{line}: {value!r} is not a date (use YYYY-MM-DD)")
    return parsed


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S")


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# -- the data ----------------------------------------------------------------------------------

@dataclass
class DataTable:
    """Rows of the service data as text, with the file line (or sheet row) of each."""

    path: Path
    columns: list[str]
    rows: list[dict[str, str]]
    lines: list[int]
    where: str = "line"


def read_data(path: Path, sheet: str | None = None) -> DataTable:
    """Read a .csv or .xlsx (one sheet, or the one named by ``sheet``) as text cells."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise PiriQualError("file not found", path=path)
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = path.read_text(encoding="cp1252")
        reader = csv.reader(io.StringIO(text))
        table = [row for row in reader]
        if not table:
            raise PiriQualError("the file is empty", path=path, hint="Export the data with a header row.")
        header = [h.strip() for h in table[0]]
        rows, lines = [], []
        for number, row in enumerate(table[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            rows.append({h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)})
            lines.append(number)
        return DataTable(path, header, rows, lines)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    raise PiriQualError(f"unsupported data file type {suffix!r}", path=path, hint="Use .csv or .xlsx.")


def _read_xlsx(path: Path, sheet: str | None) -> DataTable:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise PiriQualError(f"not a readable .xlsx file ({exc})", path=path,
                            hint="Open it in Excel and save it again as .xlsx.") from exc
    names = book.sheetnames
    if sheet is None:
        if len(names) > 1:
            raise PiriQualError(
                f"the workbook has {len(names)} sheets ({', '.join(names)})",
                path=path,
                hint="Name the one with the data: --sheet NAME.",
            )
        sheet = names[0]
    if sheet not in names:
        raise PiriQualError(f"no sheet {sheet!r} (sheets: {', '.join(names)})", path=path)
    ws = book[sheet]
    values = list(ws.iter_rows(values_only=True))
    book.close()
    if not values:
        raise PiriQualError(f"sheet {sheet!r} is empty", path=path)
    header = [str(h).strip() if h is not None else "" for h in values[0]]
    rows, lines = [], []
    for number, row in enumerate(values[1:], start=2):
        if not any(v not in (None, "") for v in row):
            continue
        rows.append({h: _cell_text(row[i] if i < len(row) else None) for i, h in enumerate(header)})
        lines.append(number)
    return DataTable(path, header, rows, lines, where=f"sheet {sheet!r} row")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- the analysis ------------------------------------------------------------------------------

def summarise(table: DataTable, spec: OutcomeSpec, by: str | None = None) -> OutcomeSummary:
    """Check the data against the spec (every problem with its row), then count."""
    _check(table, spec, by)
    rows = []
    excluded = 0
    outside: list[int] = []
    for row, line in zip(table.rows, table.lines, strict=True):
        if spec.date_column:
            when = _parse_date(row[spec.date_column])
            assert when is not None, "_check refuses rows whose date does not parse"
            if (spec.date_from and when < spec.date_from) or (spec.date_to and when > spec.date_to):
                excluded += 1
                outside.append(line)
                continue
        rows.append(row)
    summary = _count(rows, spec, excluded)
    summary.outside_window_lines = outside
    if by:
        groups: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            groups.setdefault(_group_value(row, by, spec), []).append(row)
        summary.by_group[by] = {k: _count(v, spec, 0) for k, v in sorted(groups.items())}
    return summary


def _group_value(row: dict[str, str], by: str, spec: OutcomeSpec) -> str:
    if by in ("year", "quarter", "month") and spec.date_column:
        when = _parse_date(row[spec.date_column])
        if when is None:
            return "(no date)"
        if by == "year":
            return str(when.year)
        if by == "quarter":
            return f"{when.year} Q{(when.month - 1) // 3 + 1}"
        return f"{when.year}-{when.month:02d}"
    return row.get(by, "") or "(blank)"


def _count(rows: list[dict[str, str]], spec: OutcomeSpec, excluded: int) -> OutcomeSummary:
    completers = [r for r in rows if r[spec.completion_column].strip().casefold() in spec.completed_values]
    results = []
    for measure in spec.measures:
        improved = missing = 0
        for row in completers:
            verdict = _improved(row, measure)
            if verdict is None:
                missing += 1
            elif verdict:
                improved += 1
        total = len(completers)
        proportion = wilson_interval(improved, total) if total else None
        results.append(MeasureResult(measure, improved, total - missing, missing, proportion))
    return OutcomeSummary(spec, len(rows), len(completers), excluded, results)


def _improved(row: dict[str, str], measure: Measure) -> bool | None:
    if measure.improved:
        value = row[measure.improved].strip().casefold()
        if not value:
            return None
        return value in TRUE_WORDS
    pre, post = _number(row[measure.pre or ""]), _number(row[measure.post or ""])
    if pre is None or post is None:
        return None
    change = post - pre if measure.direction == "higher" else pre - post
    return change >= measure.min_change and change > 0


def _number(text: str) -> float | None:
    if not text.strip():
        return None
    value = float(text)
    return None if math.isnan(value) else value


def _check(table: DataTable, spec: OutcomeSpec, by: str | None) -> None:
    problems: list[str] = []
    where = f"{table.path}"
    needed = [spec.id_column, spec.completion_column]
    if spec.date_column:
        needed.append(spec.date_column)
    for measure in spec.measures:
        needed.extend(measure.columns)
    if by and by not in ("year", "quarter", "month"):
        needed.append(by)
    unknown = [c for c in dict.fromkeys(needed) if c not in table.columns]
    if unknown:
        raise PiriQualError(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(c) for c in unknown)} "
            f"named in {spec.path.name}",
            path=table.path,
            hint=f"The data's columns are: {', '.join(table.columns)}.",
        )
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        at = f"{where} {table.where} {line}" if table.where != "line" else f"{where}:{line}"
        fid = row[spec.id_column]
        if not fid:
            problems.append(f"{at}: no family id in column {spec.id_column!r}")
        elif fid in seen:
            problems.append(f"{at}: duplicate id {fid!r} (first at {seen[fid]})")
        else:
            seen[fid] = line
        if spec.date_column:
            raw = row[spec.date_column]
            if not raw:
                problems.append(f"{at}: no date in column {spec.date_column!r}")
            elif (when := _parse_date(raw)) is None:
                problems.append(f"{at}: {raw!r} in column {spec.date_column!r} is not a date (use YYYY-MM-DD)")
            elif when > date.today() or when.year < 1950:
                problems.append(f"{at}: date {raw!r} in column {spec.date_column!r} is out of range "
                                "(in the future or before 1950): check it was typed correctly")
        for measure in spec.measures:
            for column in (measure.pre, measure.post):
                if column and row[column]:
                    try:
                        float(row[column])
                    except ValueError:
                        problems.append(f"{at}: {row[column]!r} in column {column!r} is not a number")
            if measure.improved and row[measure.improved]:
                value = row[measure.improved].strip().casefold()
                if value not in TRUE_WORDS and value not in FALSE_WORDS:
                    problems.append(f"{at}: {row[measure.improved]!r} in column {measure.improved!r} is not yes/no")
    if problems:
        shown = problems[:20]
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise PiriQualError(f"{len(problems)} problem(s) in the outcome data:\n  " + "\n  ".join(shown) + more)
