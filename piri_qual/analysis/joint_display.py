"""The mixed-methods joint display: each outcome measure beside the themes that explain it.

For every measure of the outcomes spec: its linked framework construct(s), the quantitative
result ("81%, n=62" with its Wilson interval), the themes under those constructs with how many
participants of the chosen group raised each ("12 of 14 parents"), and one or two anonymised
quotes chosen from different participants (the quote bank's own selection and pseudonymising).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.outcomes import OutcomeSummary
    from piri_qual.core.study import StudyFolder


@dataclass
class ThemeEvidence:
    theme: str
    label: str
    raised_by: int
    of: int
    group: str

    @property
    def text(self) -> str:
        return f"{self.label} ({self.raised_by} of {self.of} {self.group}s)"


@dataclass
class JointRow:
    measure: str
    result: str
    interval: str
    missing: int
    constructs: list[str]
    themes: list[ThemeEvidence] = field(default_factory=list)
    quotes: list[tuple[str, str]] = field(default_factory=list)  # (quote, attribution)


def joint_display(
    study: StudyFolder,
    summary: OutcomeSummary,
    coder: str,
    *,
    group: str = "parent",
    quotes_per_measure: int = 2,
) -> list[JointRow]:
    """Build the joint display rows for ``summary`` from ``coder``'s codings of ``group``."""
    study.require_coder(coder)
    framework = study.framework
    if framework is None:
        raise PiriQualError("the joint display needs a framework", path=study.settings_path,
                            hint="Name one with `framework: frameworks/<name>.yaml`.")
    constructs = framework.constructs
    book = study.codebook
    people = [p for p, row in study.participant_table().items() if row.get("group") == group]
    if not people:
        raise PiriQualError(f"no participants in group {group!r}", path=study.participants_path,
                            hint="Choose the group with --group.")
    codings = study.codings(coder)
    codings = codings[(~codings.orphaned) & (codings.group == group)]
    rows: list[JointRow] = []
    for result in summary.results:
        measure = result.measure
        unknown = [c for c in measure.constructs if c not in constructs]
        if unknown:
            raise PiriQualError(
                f"measure {measure.id!r} links unknown construct(s) {', '.join(unknown)}",
                path=summary.spec.path,
                hint=f"Use construct ids from {framework.path.name if framework.path else 'the framework'}.",
            )
        p = result.proportion
        row = JointRow(
            measure=measure.label,
            result=result.text,
            interval=p.interval_text() if p else "n/a",
            missing=result.missing,
            constructs=[constructs[c].label for c in measure.constructs],
        )
        themes = [t for t in book.themes if t.construct in measure.constructs]
        for theme in themes:
            raised = codings[codings.theme == theme.id].participant.nunique()
            row.themes.append(ThemeEvidence(theme.id, theme.label, int(raised), len(people), group))
        row.themes.sort(key=lambda e: -e.raised_by)
        if themes and quotes_per_measure:
            row.quotes = _pick_quotes(study, coder, group, [t.id for t in themes], quotes_per_measure)
        rows.append(row)
    return rows


def _pick_quotes(study: StudyFolder, coder: str, group: str, themes: list[str], wanted: int) -> list[tuple[str, str]]:
    """Quotes of readable length (about 25 words) from different participants, one theme at a time."""
    from piri_qual.analysis.quotes import quote_bank
    from piri_qual.analysis.selection import Filters, load_selection

    # what Study.quotes does, called here because a plain StudyFolder has no quotes() method
    data = load_selection(study, coder, Filters.make(groups=group, themes=themes), ner=True)
    bank = quote_bank(data, check=True, redact=True)
    if bank.empty:
        return []
    # pandas documents .str.len() for list elements too; pandas-stubs types it for strings only
    words = bank.quote.str.split().str.len()  # type: ignore[misc]
    bank = bank.assign(fit=(words - 25).abs())[(words >= 10) & (words <= 60)]
    bank = bank.sort_values(["fit", "participant"], kind="stable")
    picked: list[tuple[str, str]] = []
    seen: set[object] = set()
    while len(picked) < wanted:
        added = False
        for theme in themes:
            for row in bank[bank.theme == theme].itertuples():
                if row.participant not in seen:
                    picked.append((str(row.quote), str(row.attribution)))
                    seen.add(row.participant)
                    added = True
                    break
            if len(picked) >= wanted:
                break
        if not added:
            break
    return picked


def joint_frame(rows: list[JointRow]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "measure": r.measure,
                "result": r.result,
                "wilson_95": r.interval,
                "missing": r.missing,
                "constructs": "; ".join(r.constructs),
                "themes": "; ".join(t.text for t in r.themes),
                "quotes": "\n".join(f"\u201c{q}\u201d ({a})" for q, a in r.quotes),
            }
            for r in rows
        ]
    )
