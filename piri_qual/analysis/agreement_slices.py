"""Where coders agree and where they drift apart: agreement per slice of the study, worst first.

Why: a study-level kappa says how much two coders agree, not where. Before a reconciliation
meeting a team wants to know which interviews, which participants or groups, which part of the
framework and which period of the coding pull agreement down, so that is where they meet. Each
slice is the same comparison as the whole study (:mod:`piri_qual.analysis.study_agreement`)
restricted to some transcripts or some themes, and reports the figures *pooled* over its
(unit, theme) pairs:

* ``transcript`` -- each compared transcript;
* ``participant`` -- each participant's transcripts;
* ``group`` -- each participant group (``participants.csv``'s group, else the transcript's);
* ``construct`` -- each framework construct's themes, over every compared transcript (themes
  without a construct form ``(no construct)``);
* ``week`` -- the ISO week (Monday to Sunday, UTC) in which each transcript was double-coded:
  per coder, the median time of their current codings and rejections in it (the times in the
  coder logs); the transcript belongs to the week of the later of those medians, when the
  comparison became possible. Agreement falling week by week is coders drifting apart.

Within a slice only the themes someone applied there count (the study's rule). Slices are
sorted worst first by Krippendorff's alpha (defined for any number of coders and every unit),
but a slice with fewer than :data:`MIN_SLICE_UNITS` units or fewer than :data:`MIN_SLICE_CODED`
coded (unit, theme) pairs is *too small to say anything*: it is flagged and listed after the
slices that can be read, and slices whose figures are undefined come last.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from piri_qual.analysis.study_agreement import Estimate, compute_agreement
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.unit_matrix import CodedUnits
    from piri_qual.core.study import StudyFolder

__all__ = ["BY", "MIN_SLICE_CODED", "MIN_SLICE_UNITS", "SliceAgreement", "SliceRow", "slice_agreement"]

BY: tuple[str, ...] = ("transcript", "participant", "group", "construct", "week")
#: A slice with fewer units than this is too small to say anything.
MIN_SLICE_UNITS = 10
#: A slice with fewer (unit, theme) pairs coded by any coder than this is too small as well:
#: kappa and alpha rest on the coded pairs, and a handful swing them from 0 to 1.
MIN_SLICE_CODED = 10
NO_CONSTRUCT = "(no construct)"
NO_GROUP = "(no group)"


@dataclass(frozen=True)
class SliceRow:
    """One slice's pooled figures. ``kappa`` is Cohen's for two coders, Fleiss' for more."""

    key: str
    label: str
    transcripts: tuple[str, ...]
    themes: int
    units: int
    pairs: int
    coded: int
    disagreements: int
    percent_agreement: Estimate
    kappa: Estimate | None
    krippendorff_alpha: Estimate
    small: bool
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "slice": self.key, "label": self.label, "transcripts": list(self.transcripts),
            "themes": self.themes, "units": self.units, "unit_theme_pairs": self.pairs,
            "coded_pairs": self.coded, "disagreements": self.disagreements,
            "percent_agreement": self.percent_agreement.to_dict(),
            "kappa": self.kappa.to_dict() if self.kappa else None,
            "krippendorff_alpha": self.krippendorff_alpha.to_dict(),
            "too_small": self.small, "note": self.note,
        }


@dataclass
class SliceAgreement:
    """Agreement per slice, worst first, with the whole comparison for reference."""

    by: str
    coders: tuple[str, ...]
    unit: str
    unit_description: str
    rows: list[SliceRow]
    overall: SliceRow
    ci: float
    n_boot: int
    seed: int
    cluster: str
    kappa_name: str
    alpha_name: str
    skipped: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by, "coders": list(self.coders), "unit": self.unit,
            "unit_description": self.unit_description, "kappa": self.kappa_name, "alpha": self.alpha_name,
            "order": "worst first by alpha; slices too small to say anything after, undefined last",
            "too_small_rule": {"units_below": MIN_SLICE_UNITS, "coded_pairs_below": MIN_SLICE_CODED},
            "confidence": {"level": self.ci, "method": "percentile bootstrap", "resamples": self.n_boot,
                           "seed": self.seed, "resampling": self.cluster},
            "skipped_transcripts": dict(self.skipped),
            "slices": [r.to_dict() for r in self.rows],
            "overall": self.overall.to_dict(),
        }

    def table(self) -> pd.DataFrame:
        """One row per slice, worst first, then the whole comparison as ``(all)``."""
        import pandas as pd

        records = []
        for r in [*self.rows, self.overall]:
            rec: dict[str, Any] = {
                self.by: r.key, "label": r.label, "transcripts": len(r.transcripts), "units": r.units,
                "coded_pairs": r.coded, "disagreements": r.disagreements,
            }
            for name, est in (("percent_agreement", r.percent_agreement), (self.kappa_name, r.kappa),
                              (self.alpha_name, r.krippendorff_alpha)):
                rec[name] = est.value if est else None
                rec[f"{name}_low"] = est.low if est else None
                rec[f"{name}_high"] = est.high if est else None
            rec["too_small"] = r.small
            records.append(rec)
        return pd.DataFrame(records)


# -- which slice each transcript or theme falls in -------------------------------------------------
def _participant_groups(study: StudyFolder, units: CodedUnits) -> dict[str, str]:
    table = study.participant_table()
    groups = {}
    for tid in units.transcripts:
        t = units.texts.get(tid) or study.transcript(tid)
        attrs = table.get(t.participant, {})
        groups[tid] = (attrs.get("group") or t.group or "").strip() or NO_GROUP
    return groups


def _parse_time(text: str) -> datetime | None:
    """An event time as an aware datetime (a time without an offset, from a foreign or edited
    log, is taken as UTC, the time every log written here carries)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def coding_times(study: StudyFolder, units: CodedUnits) -> dict[str, datetime]:
    """When each transcript was double-coded: the later of the coders' median decision times."""
    medians: dict[str, list[datetime]] = {tid: [] for tid in units.transcripts}
    for coder in units.coders:
        folded = study.fold(coder)
        times: dict[str, list[datetime]] = {}
        for c in folded.codings.values():
            moment = _parse_time(c.time)
            if moment is not None and c.transcript in medians:
                times.setdefault(c.transcript, []).append(moment)
        for e in folded.rejections:
            moment = _parse_time(e.time)
            if moment is not None and e.transcript in medians:
                times.setdefault(e.transcript, []).append(moment)
        for tid, moments in times.items():
            medians[tid].append(statistics.median_low(sorted(moments)))
    return {tid: max(ms) for tid, ms in medians.items() if ms}


def _week(moment: datetime) -> tuple[str, str]:
    day = (moment if moment.tzinfo is None else moment.astimezone(UTC)).date()
    year, week, _ = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    span = (f"{monday.day} {monday:%b} - {sunday.day} {sunday:%b %Y}" if monday.month != sunday.month
            else f"{monday.day}-{sunday.day} {sunday:%b %Y}")
    return f"{year}-W{week:02d}", span


def _transcript_slices(study: StudyFolder, units: CodedUnits, by: str) -> dict[str, tuple[str, list[str]]]:
    """slice key -> (label, transcripts), in first-seen order."""
    slices: dict[str, tuple[str, list[str]]] = {}
    if by == "transcript":
        for tid in units.transcripts:
            t = units.texts.get(tid)
            who = f"{t.participant}, {t.group}" if t is not None and t.group else (t.participant if t else tid)
            slices[tid] = (who, [tid])
    elif by == "participant":
        for tid in units.transcripts:
            t = units.texts.get(tid) or study.transcript(tid)
            slices.setdefault(t.participant, (t.group or "", []))[1].append(tid)
    elif by == "group":
        for tid, group in _participant_groups(study, units).items():
            slices.setdefault(group, (group, []))[1].append(tid)
    else:  # week
        times = coding_times(study, units)
        for tid in sorted(times, key=lambda t: times[t]):
            key, span = _week(times[tid])
            slices.setdefault(key, (span, []))[1].append(tid)
        missing = [t for t in units.transcripts if t not in times]
        if missing:
            slices["(no time)"] = ("coding times missing from the logs", missing)
    return slices


def _theme_slices(units: CodedUnits) -> dict[str, tuple[str, list[str]]]:
    slices: dict[str, tuple[str, list[str]]] = {}
    for theme in units.themes:
        construct = units.construct_of.get(theme) or NO_CONSTRUCT
        label = units.construct_labels.get(construct, construct)
        slices.setdefault(construct, (label, []))[1].append(theme)
    return slices


# -- the figures ---------------------------------------------------------------------------------
def _undefined(why: str) -> Estimate:
    return Estimate(float("nan"), note=why)


def _row(
    key: str, label: str, part: CodedUnits, *, ci: float, n_boot: int, seed: int, cluster: str | None,
) -> SliceRow:
    units = part.n_units
    if not part.themes:
        empty = _undefined("no codings in this slice")
        return SliceRow(key, label, part.transcripts, 0, units, 0, 0, 0, empty, empty, empty, True,
                        "no coder applied a theme here")
    resampling = cluster or ("transcripts" if part.unit == "character" else "units")
    single = resampling == "transcripts" and len(part.transcripts) < 2
    result = compute_agreement(part, ci=ci, n_boot=0 if single else n_boot, seed=seed,
                               cluster=resampling, constructs=False)
    pooled = result.pooled
    kappa = pooled.cohen_kappa if len(part.coders) == 2 else pooled.fleiss_kappa
    small = units < MIN_SLICE_UNITS or pooled.either < MIN_SLICE_CODED
    notes = []
    if small:
        notes.append(f"too small to say anything: {units} units, {pooled.either} coded unit x theme pairs")
    if single and n_boot:
        notes.append("no interval: resampling transcripts needs two or more")
    return SliceRow(
        key, label, part.transcripts, len(part.themes), units, pooled.units, pooled.either,
        pooled.disagreements, pooled.percent_agreement, kappa, pooled.krippendorff_alpha, small,
        "; ".join(notes) or None,
    )


def _order(row: SliceRow) -> tuple[int, float, str]:
    value = row.krippendorff_alpha.value
    if not math.isfinite(value):
        return (2, 0.0, row.key)
    return (1 if row.small else 0, value, row.key)


def slice_agreement(
    study: StudyFolder,
    units: CodedUnits,
    by: str,
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    cluster: str | None = None,
) -> SliceAgreement:
    """Agreement of ``units``' coders per slice ``by`` (see the module doc), worst first."""
    if by not in BY:
        raise PiriQualError(f"unknown slice {by!r}", hint=f"Choose one of: {', '.join(BY)}.")
    whole = compute_agreement(units, ci=ci, n_boot=n_boot, seed=seed, cluster=cluster, constructs=False)
    rows: list[SliceRow] = []
    if by == "construct":
        if not any(units.construct_of.get(t) for t in units.themes):
            raise PiriQualError(
                "no compared theme belongs to a framework construct, so there is nothing to slice by",
                hint="Give the codebook's themes a construct from the framework, or slice by transcript.",
            )
        for key, (label, themes) in _theme_slices(units).items():
            rows.append(_row(key, label, units.restrict(themes=themes), ci=ci, n_boot=n_boot, seed=seed,
                             cluster=cluster))
    else:
        for key, (label, tids) in _transcript_slices(study, units, by).items():
            rows.append(_row(key, label, units.restrict(transcripts=tids), ci=ci, n_boot=n_boot, seed=seed,
                             cluster=cluster))
    rows.sort(key=_order)
    m = len(units.coders)
    overall = SliceRow(
        "(all)", "the whole comparison", units.transcripts, len(units.themes), units.n_units,
        whole.pooled.units, whole.pooled.either, whole.pooled.disagreements,
        whole.pooled.percent_agreement, whole.pooled.cohen_kappa if m == 2 else whole.pooled.fleiss_kappa,
        whole.pooled.krippendorff_alpha, False,
    )
    return SliceAgreement(
        by=by, coders=units.coders, unit=units.unit, unit_description=units.unit_description,
        rows=rows, overall=overall, ci=ci, n_boot=n_boot, seed=seed, cluster=whole.cluster,
        kappa_name="cohen_kappa" if m == 2 else "fleiss_kappa", alpha_name=whole.alpha_name,
        skipped=dict(units.skipped),
    )

