"""Writing the write-up exports: one function per export, and ``export_all`` for the lot.

Each function takes prepared :class:`~piri_qual.analysis.selection.Selection`, computes with
the ``piri_qual.analysis`` functions, hands the result to a writer and returns an
:class:`ExportResult` naming the files and anything the researcher must look at (likely
identifiers left in quotes, orphaned codings left out). The command line renders that result;
it holds no logic of its own.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from piri_qual.core.output_path import OutputKind
from piri_qual.errors import PiriQualError, PiriQualWarning

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.matrix import FrameworkMatrix
    from piri_qual.analysis.selection import Selection
    from piri_qual.core.study import StudyFolder

FORMATS: dict[str, tuple[str, ...]] = {
    "matrix": ("xlsx", "docx", "csv", "md"),
    "quotes": ("docx", "md", "csv"),
    "codebook": ("docx", "md"),
    "frequencies": ("xlsx", "csv", "md", "png"),
}
#: What ``-o``/``--format`` may name for each export (see :mod:`piri_qual.core.output_path`).
OUTPUTS: dict[str, OutputKind] = {kind: OutputKind(f"a {kind} export", formats, kind)
                                  for kind, formats in FORMATS.items()}
TABLES = ("counts", "cooccurrence", "saturation")
MAX_ATTRIBUTE_VALUES = 20
#: A codebook with more themes than this is "large": per-theme tables and plots show only the
#: themes with codings (a 5,000-code import made matrices of 5,000 columns and a co-occurrence
#: table of 25 million cells), and co-occurrence becomes a list of the pairs found.
LARGE_CODEBOOK = 300


@dataclass
class ExportResult:
    """What an export wrote, and what the researcher should check."""

    paths: list[Path] = field(default_factory=list)
    flagged: pd.DataFrame | None = None  # texts in which the identifier check found something
    orphaned: int = 0

    def extend(self, other: ExportResult) -> None:
        self.paths.extend(other.paths)
        self.orphaned = max(self.orphaned, other.orphaned)
        if other.flagged is not None and len(other.flagged):
            import pandas as pd

            self.flagged = other.flagged if self.flagged is None else pd.concat([self.flagged, other.flagged])


def _group_sizes(data: Selection) -> str:
    """``3 staff, 4 parents``."""
    from piri_qual.analysis.matrix import plural

    return ", ".join(f"{n} {plural(str(g), n)}" for g, n in data.participants.group.value_counts(sort=False).items())


def intro(data: Selection, what: str) -> str:
    """One paragraph saying whose codings, which participants, which filters, and the date."""
    groups = _group_sizes(data)
    pseudonyms = len(data.pseudonymiser.mapping)
    text = (
        f"{what} for {data.study_title}: codings of coder {data.coder}; "
        f"{len(data.participants)} participants ({groups or 'none'}); {data.filters.describe()}. "
    )
    if pseudonyms:
        text += f"Names replaced from the study's pseudonym map ({pseudonyms} entries). "
    if data.orphaned:
        text += f"{data.orphaned} orphaned codings left out. "
    return text + f"Exported {date.today().isoformat()} by piri-qual."


def facts(data: Selection, what: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    out = {
        "Export": what,
        "Study": data.study_title,
        "Coder": data.coder,
        "Participants": _group_sizes(data),
        "Filters": data.filters.describe(),
        "Pseudonyms applied": str(len(data.pseudonymiser.mapping)),
        "Orphaned codings left out": str(data.orphaned),
        "Exported": date.today().isoformat(),
    }
    out.update(extra or {})
    return out


def focused(data: Selection) -> Selection:
    """``data`` with only the themes that have codings, when the codebook is large (one warning).

    Keeps every export's work linear in what was coded rather than in the size of an imported
    codebook; a codebook of ordinary size keeps its uncoded themes (an empty column says
    something).
    """
    if len(data.themes) <= LARGE_CODEBOOK:
        return data
    used = data.themes.index.isin(set(data.codings.theme))
    if used.all():
        return data
    warnings.warn(
        f"the codebook has {len(data.themes):,} themes; tables and plots show the {int(used.sum()):,} "
        "with codings (choose themes with --theme to see others)",
        PiriQualWarning,
        stacklevel=2,
    )
    return dataclasses.replace(data, themes=data.themes[used])


def _guard(flagged: pd.DataFrame | None, strict: bool, what: str) -> None:
    if strict and flagged is not None and len(flagged):
        raise PiriQualError(
            f"{len(flagged)} {what}{'s' if len(flagged) != 1 else ''} still hold{'s' if len(flagged) == 1 else ''} "
            "likely identifiers; nothing was written",
            hint="Add the names to `pseudonyms` in piri-qual.yaml (or `identifier_allowlist` for words that "
            "identify nobody), or pass --redact, then export again.",
        )


# -- matrix --------------------------------------------------------------------------------------
MODE_NAMES = {
    "count": "number of excerpts", "presence": "\u2713 where the theme was raised",
    "excerpts": "the excerpts", "summary": "the researcher's summary (cell memos)",
}


def _matrix_flags(matrix: FrameworkMatrix, data: Selection, redact: bool = False) -> pd.DataFrame | None:
    """Check the text cells of a matrix (excerpts, summaries); with ``redact``, mask what is found."""
    if matrix.mode not in ("excerpts", "summary"):
        return None
    import pandas as pd

    from piri_qual.analysis.anonymise import check_texts, describe_flags
    from piri_qual.analysis.anonymise import redact as redact_text

    stacked = matrix.cells.stack()
    assert isinstance(stacked, pd.Series)  # one level of columns stacks to a Series
    stacked = stacked[stacked.astype(str) != ""]
    if stacked.empty:
        return None
    flags, _ = check_texts(stacked.astype(str), data.checker)
    if redact:
        for (pid, theme), text, found in zip(stacked.index, stacked, flags, strict=True):
            if found:
                matrix.cells.at[pid, theme] = redact_text(str(text), found)
        return None
    rows = [
        {"theme": theme, "participant": pid, "location": f"matrix cell ({matrix.mode})",
         "flags": describe_flags(f), "quote": text}
        for (pid, theme), text, f in zip(stacked.index, stacked, flags, strict=True) if f
    ]
    return pd.DataFrame(rows, columns=["theme", "participant", "location", "flags", "quote"])


def write_matrix(data: Selection, path: Path, fmt: str, mode: str = "count", *, redact: bool = False,
                 strict: bool = False, matrix: FrameworkMatrix | None = None, check: bool = True) -> ExportResult:
    """The matrix (``matrix``: one already built in ``mode``, to reuse) in ``fmt``; ``check=False``
    skips the identifier check of text cells when its findings are reported elsewhere."""
    from piri_qual.analysis.matrix import matrix_from_data

    data = focused(data)
    if matrix is None:
        matrix = matrix_from_data(data, mode)
    flagged = _matrix_flags(matrix, data, redact) if check or redact or strict else None
    _guard(flagged, strict, "matrix cell")
    title = "Framework matrix"
    what = f"{title} (cells: {MODE_NAMES[mode]})"
    if fmt == "xlsx":
        from piri_qual.export.xlsx_writer import matrix_xlsx

        matrix_xlsx(matrix, path, title, facts(data, what, {"Cells": MODE_NAMES[mode]}))
    elif fmt == "docx":
        from piri_qual.export.docx_writer import matrix_docx

        matrix_docx(matrix, path, title, intro(data, what))
    elif fmt == "csv":
        from piri_qual.export.csv_markdown import matrix_csv

        matrix_csv(matrix, path)
    else:
        from piri_qual.export.csv_markdown import matrix_markdown, write_markdown

        write_markdown(matrix_markdown(matrix, title, intro(data, what)), path)
    return ExportResult([path], flagged, data.orphaned)


# -- quote bank ----------------------------------------------------------------------------------
def write_quotes(data: Selection, path: Path, fmt: str, *, per_theme: int | None = None, redact: bool = False,
                 strict: bool = False, quotes: pd.DataFrame | None = None) -> ExportResult:
    """The quote bank (``quotes``: one already built with these options, to reuse)."""
    from piri_qual.analysis.quotes import identifier_report, quote_bank

    data = focused(data)
    if quotes is None:
        quotes = quote_bank(data, per_theme=per_theme, check=True, redact=redact)
    flagged = identifier_report(quotes)
    _guard(flagged, strict, "quote")
    what = "Quote bank" + (f" (up to {per_theme} quotes per theme, spread across participants)" if per_theme else "")
    memos = theme_memos(data)
    if fmt == "docx":
        from piri_qual.export.docx_writer import quotes_docx

        quotes_docx(quotes, data.themes, path, "Quote bank", intro(data, what), memos)
    elif fmt == "csv":
        from piri_qual.export.csv_markdown import quotes_csv

        quotes_csv(quotes, path)
    else:
        from piri_qual.export.csv_markdown import quotes_markdown, write_markdown

        write_markdown(quotes_markdown(quotes, data.themes, "Quote bank", intro(data, what), memos), path)
    return ExportResult([path], flagged, data.orphaned)


def theme_memos(data: Selection) -> dict[str, str]:
    """The coder's theme memos (theme -> text) with the pseudonym map applied, for the quote bank."""
    return {key[0]: data.pseudonymiser.apply(memo.text) for (scope, key), memo in data.memos.items()
            if scope == "theme" and memo.text.strip()}


# -- memos ---------------------------------------------------------------------------------------
def write_memos(study: StudyFolder, data: Selection, path: Path, fmt: str) -> ExportResult:
    """The memo report of the export's coder (and the notes in memos/), pseudonymised."""
    from piri_qual.analysis.memos import collect_memos
    from piri_qual.export.memo_report import write_memo_report

    found = collect_memos(study, [data.coder])
    write_memo_report(found, path, fmt, data.study_title, data.pseudonymiser.apply, len(data.pseudonymiser.mapping))
    return ExportResult([path], None, data.orphaned)


# -- codebook ------------------------------------------------------------------------------------
def write_codebook(study: StudyFolder, data: Selection | None, path: Path, fmt: str, *,
                   developed: bool = False) -> ExportResult:
    """The codebook document; with export data (a coder), each theme carries its counts; with
    ``developed``, a last section says how the codebook developed (from its history)."""
    from piri_qual.export.codebook_doc import (
        codebook_docx,
        codebook_markdown,
        development,
        sections,
    )

    freq = None
    pseudonymiser = None
    if data is not None:
        from piri_qual.analysis.frequencies import theme_frequencies

        freq = theme_frequencies(data.codings, data.participants, data.themes, by="group")
        pseudonymiser = data.pseudonymiser
    else:
        from piri_qual.analysis.anonymise import Pseudonymiser

        pseudonymiser = Pseudonymiser(study.settings.pseudonyms)
    parts = sections(study.codebook, study.framework, freq, data.coder if data else "")
    dev = development(study.history, study.codebook) if developed else None
    if fmt == "docx":
        codebook_docx(study.codebook, study.framework, parts, path, pseudonymiser, dev)
    else:
        from piri_qual.export.csv_markdown import write_markdown

        write_markdown(codebook_markdown(study.codebook, study.framework, parts, pseudonymiser, dev), path)
    return ExportResult([path], None, data.orphaned if data else 0)


# -- frequencies ---------------------------------------------------------------------------------
def count_attributes(data: Selection) -> list[str]:
    """``group`` plus each exported attribute that sorts participants into a few categories.

    An attribute qualifies when it has 2 to 20 distinct values, and fewer than three for
    every five participants who have one, which leaves out identifiers, dates and most
    measurements.
    """
    out = ["group"]
    for attr in data.attributes:
        values = data.participants[attr].astype(str)
        values = values[values.str.strip() != ""]
        distinct = values.nunique()
        if 1 < distinct <= min(MAX_ATTRIBUTE_VALUES, 0.6 * len(values)):
            out.append(attr)
    return out


def frequency_tables(data: Selection, by: list[str]) -> dict[str, pd.DataFrame]:
    """Named tables: counts by each attribute, co-occurrence and saturation."""
    from piri_qual.analysis.frequencies import (
        cooccurrence,
        flat_frequencies,
        saturation,
        theme_frequencies,
    )

    tables: dict[str, pd.DataFrame] = {}
    for attr in by:
        freq = theme_frequencies(data.codings, data.participants, data.themes, by=attr)
        tables[f"By {attr}"] = flat_frequencies(freq, data.themes)
    if len(data.themes) <= LARGE_CODEBOOK:
        co = cooccurrence(data.codings, list(data.themes.index))
        co.index = [data.themes.at[t, "label"] for t in co.index]
        co.columns = list(co.index)
        tables["Co-occurrence"] = co.reset_index(names="theme")
    else:  # a table of themes x themes would grow with their square
        from piri_qual.analysis.frequencies import cooccurrence_pairs

        pairs = cooccurrence_pairs(data.codings, list(data.themes.index))
        labels = data.themes.label
        tables["Co-occurrence"] = pairs.assign(theme=pairs.theme.map(labels), **{"with": pairs["with"].map(labels)})
    tables["Saturation"] = saturation(data.codings, interview_order(data), list(data.themes.index))
    return tables


def interview_order(data: Selection) -> list[str]:
    """The selected participants' transcripts in interview order."""
    chosen = set(data.participants.index)
    return [t for t in data.order if data.transcripts[t].participant in chosen]


def plot_paths(path: Path, plot: str) -> dict[str, Path]:
    """Where each plot goes: ``-o x.png`` for one plot; ``x-heatmap.png`` ... for all of them."""
    from piri_qual.export.plots import PLOTS

    if plot != "all":
        return {plot: path}
    stem = path.with_suffix("")
    names = {"heatmap": "heatmap-participants", "groups": "heatmap-groups", "saturation": "saturation"}
    if stem.name in ("frequencies", ""):
        return {p: path.parent / f"{names[p]}.png" for p in PLOTS}
    return {p: path.parent / f"{stem.name}-{names[p]}.png" for p in PLOTS}


def write_plots(data: Selection, paths: dict[str, Path]) -> list[Path]:
    import pandas as pd

    from piri_qual.analysis.frequencies import (
        group_theme_share,
        participant_theme_counts,
        saturation,
        theme_frequencies,
    )
    from piri_qual.export import plots

    written = []
    who = f"coder {data.coder}"
    if "heatmap" in paths:
        counts = participant_theme_counts(data.codings, data.participants, data.themes)
        plots.heatmap_participants(counts, data.themes, data.participants.group, paths["heatmap"],
                                   f"Excerpts per theme and participant ({who})")
        written.append(paths["heatmap"])
    if "groups" in paths:
        share = group_theme_share(data.codings, data.participants, data.themes)
        freq = theme_frequencies(data.codings, data.participants, data.themes, by="group")
        raised = freq.xs("participants", axis=1, level="measure")
        assert isinstance(raised, pd.DataFrame)  # a cross-section of columns stays a frame
        sizes = {str(g): int(n) for g, n in data.participants.group.value_counts(sort=False).items()}
        plots.heatmap_groups(share, raised, sizes, data.themes, paths["groups"],
                             f"Participants raising each theme, by group ({who})")
        written.append(paths["groups"])
    if "saturation" in paths:
        table = saturation(data.codings, interview_order(data), list(data.themes.index))
        plots.saturation_curve(table, paths["saturation"], f"New themes per transcript, in interview order ({who})")
        written.append(paths["saturation"])
    return written


def write_frequencies(data: Selection, path: Path, fmt: str, *, by: str | None = None, table: str = "counts",
                      plot: str = "all", tables: dict[str, pd.DataFrame] | None = None) -> ExportResult:
    """The frequency tables or plots in ``fmt`` (``tables``: :func:`frequency_tables` already
    computed for the same attributes, to reuse)."""
    data = focused(data)
    if fmt == "png":
        return ExportResult(write_plots(data, plot_paths(path, plot)), None, data.orphaned)
    attrs = [by] if by else count_attributes(data)
    if fmt == "csv":
        if table not in TABLES:
            raise PiriQualError(f"unknown table {table!r}", hint=f"Use one of {', '.join(TABLES)}.")
        tables = tables or frequency_tables(data, attrs[:1])
        chosen = {"counts": f"By {attrs[0]}", "cooccurrence": "Co-occurrence", "saturation": "Saturation"}[table]
        from piri_qual.export.csv_markdown import write_csv

        write_csv(tables[chosen], path)
        return ExportResult([path], None, data.orphaned)
    tables = tables or frequency_tables(data, attrs)
    what = "Theme frequencies, co-occurrence and saturation"
    if fmt == "xlsx":
        from piri_qual.export.xlsx_writer import frames_xlsx

        frames_xlsx(tables, path, what, facts(data, what, {
            "Co-occurrence": "codings of two themes on overlapping excerpts (diagonal: codings of the theme)",
            "Saturation": "new themes per transcript in interview order",
        }))
    else:
        from piri_qual.export.csv_markdown import frame_markdown, write_markdown

        parts = [f"# {what}\n", intro(data, what) + "\n"]
        for name, frame in tables.items():
            parts.append(f"## {name}\n")
            parts.append(frame_markdown(frame))
        write_markdown("\n".join(parts), path)
    return ExportResult([path], None, data.orphaned)


# -- everything ----------------------------------------------------------------------------------
def export_all(study: StudyFolder, data: Selection, out_dir: Path, *, per_theme: int | None = None, redact: bool = False,
               strict: bool = False) -> ExportResult:
    """Every export into ``out_dir``; the identifier check runs before anything is written."""
    from piri_qual.analysis.matrix import matrix_from_data
    from piri_qual.analysis.quotes import identifier_report, quote_bank

    data = focused(data)
    quotes = quote_bank(data, per_theme=per_theme, check=True, redact=redact)
    if strict:
        _guard(identifier_report(quotes), strict, "quote")
        if any(scope == "cell" for scope, _ in data.memos):
            _guard(_matrix_flags(matrix_from_data(data, "summary"), data, redact), strict, "matrix cell")
        _guard(_matrix_flags(matrix_from_data(data, "excerpts"), data, redact), strict, "matrix cell")
    result = ExportResult(orphaned=data.orphaned)
    counts = matrix_from_data(data, "count")  # one matrix for the four formats
    for fmt in FORMATS["matrix"]:
        result.extend(write_matrix(data, out_dir / f"matrix.{fmt}", fmt, "count", matrix=counts))
    # The excerpts are the quotes checked below: their flags would only repeat those.
    result.paths.extend(write_matrix(data, out_dir / "matrix-excerpts.xlsx", "xlsx", "excerpts", redact=redact,
                                     check=False).paths)
    if any(scope == "cell" for scope, _ in data.memos):
        for fmt in ("xlsx", "docx"):
            written = write_matrix(data, out_dir / f"matrix-summaries.{fmt}", fmt, "summary", redact=redact)
            result.paths.extend(written.paths)
            summary_flagged = written.flagged
        result.extend(ExportResult(flagged=summary_flagged))
    quotes_flagged = None
    for fmt in FORMATS["quotes"]:
        written = write_quotes(data, out_dir / f"quotes.{fmt}", fmt, per_theme=per_theme, redact=redact, quotes=quotes)
        quotes_flagged = written.flagged
        result.paths.extend(written.paths)
    result.extend(ExportResult(flagged=quotes_flagged))
    for fmt in FORMATS["codebook"]:
        result.extend(write_codebook(study, data, out_dir / f"codebook.{fmt}", fmt,
                                     developed=bool(study.history.changes)))
    for fmt in ("md", "docx"):
        result.extend(write_memos(study, data, out_dir / f"memos.{fmt}", fmt))
    tables = frequency_tables(data, count_attributes(data))  # the first attribute is the group, as in CSV
    for fmt in ("xlsx", "md"):
        result.extend(write_frequencies(data, out_dir / f"frequencies.{fmt}", fmt, tables=tables))
    for table in TABLES:
        name = "frequencies" if table == "counts" else table
        result.extend(write_frequencies(data, out_dir / f"{name}.csv", "csv", table=table, tables=tables))
    result.extend(write_frequencies(data, out_dir / "frequencies.png", "png"))
    return result
