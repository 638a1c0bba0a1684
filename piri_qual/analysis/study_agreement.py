"""Study-level inter-coder agreement: coder logs -> units -> per-theme and overall figures.

Why this module exists: ``agreement.py`` computes coefficients on plain tables; a study needs
the step before (turning each coder's free spans into presence or absence of each theme on a
fixed set of units, see :mod:`piri_qual.analysis.units`) and the step after (per-theme and
overall figures with confidence intervals, a construct-level comparison and the list of
disagreements for a reconciliation meeting). Everything returns dataclasses and pandas
DataFrames, so a notebook gets what the CLI prints::

    from piri_qual.core.study import StudyFolder
    from piri_qual.analysis.disagreements import disagreement_list
    from piri_qual.analysis.study_agreement import coded_units, compute_agreement
    units = coded_units(StudyFolder("."), ["alice", "bob"], unit="sentence")
    result = compute_agreement(units, n_boot=1000, seed=0)
    result.table()               # one row per theme, then the overall rows
    disagreement_list(units)     # one row per unit the coders coded differently

Which transcripts, codings and themes take part is decided when the presence table is built
(:mod:`piri_qual.analysis.unit_matrix`): the transcripts every named coder has coded, without
orphaned codings, and the themes any of the coders applied there.

The figures, per theme, with units as the rows and coders as the columns of a presence table:

* *prevalence* -- the share of (unit, coder) cells marked present;
* *percent agreement* -- the share of agreeing coder pairs per unit (Gwet's multi-rater form;
  for two coders simply the share of units on which they agree);
* *Cohen's kappa* (two coders only) and *Krippendorff's alpha* (nominal, any number of coders);
  for ``character`` units alpha is Krippendorff's unitizing alpha over the continuum.

They are computed from the counts of each *pattern* of presence across coders (for two coders
the four cells of the 2 x 2 table), which equals ``percent_agreement``, ``cohen_kappa`` and
``krippendorff_alpha`` of :mod:`piri_qual.analysis.agreement` on the full table (the tests check
this) and makes a bootstrap a matter of resampling counts. Overall figures are given two ways:
*pooled* over all (unit, theme) pairs, and the per-theme figures' *mean weighted by
prevalence*. Confidence intervals are seeded percentile bootstraps, resampling units (default)
or whole transcripts as clusters (``cluster="transcripts"``, the honest choice when units of
one interview are not independent; always used for ``character`` units). A theme whose
prevalence is under :data:`LOW_PREVALENCE` or that fewer than :data:`MIN_POSITIVE_UNITS` units
carry is flagged: there kappa swings with one or two units and can be low despite high
agreement (Feinstein and Cicchetti 1990, "High agreement but low kappa").

A framework *construct* can also be compared as one nominal variable -- which of its themes a
coder applied to a unit (a combination such as ``a+b`` when several, ``(none)`` when none) --
over the units where at least one coder applied one of its themes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from piri_qual.analysis.pattern_counts import (
    Patterns,
    binary_patterns,
    cluster_table,
    coefficients,
    row_kinds,
    small_unique,
)
from piri_qual.analysis.pattern_kappas import kappa_coefficients, pair_coefficients
from piri_qual.analysis.unit_matrix import CodedUnits, coded_units
from piri_qual.analysis.unitizing_study import alpha_from_weights, study_parts
from piri_qual.core.resampling import (
    generator,
    percentile_interval,
    resample_counts,
    resample_kinds,
)
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.core.study import StudyFolder

__all__ = [
    "CLUSTERS", "LOW_PREVALENCE", "LOW_PREVALENCE_UNITS", "MIN_POSITIVE_UNITS", "NONE_CATEGORY", "CodedUnits",
    "ConstructAgreement", "Estimate", "PairAgreement", "StudyAgreement", "ThemeAgreement", "coded_units",
    "compute_agreement", "study_agreement",
]

#: Below this prevalence kappa is flagged as unstable, when too few units carry the theme to
#: outweigh it (:data:`LOW_PREVALENCE_UNITS`): 2% of 4,000 sentences is 80 units and a stable
#: kappa, 2% of 200 turns is 4 units and not.
LOW_PREVALENCE = 0.05
LOW_PREVALENCE_UNITS = 20
#: The coefficients computed per theme, in the order they are reported.
FIGURES: tuple[str, ...] = ("percent_agreement", "cohen_kappa", "fleiss_kappa", "conger_kappa", "krippendorff_alpha")
#: Fewer units than this marked present (by any coder) and kappa is flagged as unstable.
MIN_POSITIVE_UNITS = 5
CLUSTERS: tuple[str, ...] = ("units", "transcripts")
NONE_CATEGORY = "(none)"


# -- records -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """A coefficient with its bootstrap interval and the parts it was built from.

    ``value`` is NaN when the coefficient is undefined (``note`` says why); ``low``/``high`` are
    NaN when no resample gave a defined value. For kappa and percent agreement ``observed`` and
    ``expected`` are agreements, for alpha disagreements.
    """

    value: float
    low: float = float("nan")
    high: float = float("nan")
    observed: float = float("nan")
    expected: float = float("nan")
    n_valid: int = 0
    note: str | None = None

    @property
    def defined(self) -> bool:
        return bool(np.isfinite(self.value))

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if not np.isfinite(x) else round(float(x), 6)

        return {
            "value": num(self.value), "ci_low": num(self.low), "ci_high": num(self.high),
            "observed": num(self.observed), "expected": num(self.expected),
            "valid_resamples": self.n_valid, "note": self.note,
        }


@dataclass(frozen=True)
class ThemeAgreement:
    """Agreement on one theme (or, for the overall rows, on all (unit, theme) pairs)."""

    theme: str
    label: str
    construct: str | None
    units: int
    prevalence: float
    positives: dict[str, int]
    either: int
    disagreements: int
    percent_agreement: Estimate
    cohen_kappa: Estimate | None
    krippendorff_alpha: Estimate
    warning: str | None = None
    fleiss_kappa: Estimate | None = None
    conger_kappa: Estimate | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "theme": self.theme, "label": self.label, "construct": self.construct,
            "units": self.units,
            "prevalence": round(self.prevalence, 6) if np.isfinite(self.prevalence) else None,
            "positives": dict(self.positives), "either": self.either,
            "disagreements": self.disagreements,
            "percent_agreement": self.percent_agreement.to_dict(),
            "cohen_kappa": self.cohen_kappa.to_dict() if self.cohen_kappa else None,
            **_multi(self.fleiss_kappa, self.conger_kappa),
            "krippendorff_alpha": self.krippendorff_alpha.to_dict(),
            "warning": self.warning,
        }


def _multi(fleiss: Estimate | None, conger: Estimate | None) -> dict[str, Any]:
    """Fleiss' and Conger's kappa for JSON, present when three or more coders are compared."""
    if fleiss is None and conger is None:
        return {}
    return {"fleiss_kappa": fleiss.to_dict() if fleiss else None,
            "conger_kappa": conger.to_dict() if conger else None}


@dataclass(frozen=True)
class PairAgreement:
    """Two of the compared coders alone, over every (unit, theme) pair: the pairwise matrix."""

    coders: tuple[str, str]
    units: int
    disagreements: int
    percent_agreement: Estimate
    cohen_kappa: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {"coders": list(self.coders), "units": self.units, "disagreements": self.disagreements,
                "percent_agreement": self.percent_agreement.to_dict(),
                "cohen_kappa": self.cohen_kappa.to_dict()}


@dataclass(frozen=True)
class ConstructAgreement:
    """A construct compared as one nominal variable: which of its themes each coder applied."""

    construct: str
    label: str
    themes: tuple[str, ...]
    units: int
    categories: tuple[str, ...]
    combined: int
    percent_agreement: Estimate
    cohen_kappa: Estimate | None
    krippendorff_alpha: Estimate
    fleiss_kappa: Estimate | None = None
    conger_kappa: Estimate | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "construct": self.construct, "label": self.label, "themes": list(self.themes),
            "units": self.units, "categories": list(self.categories),
            "units_with_combined_themes": self.combined,
            "percent_agreement": self.percent_agreement.to_dict(),
            "cohen_kappa": self.cohen_kappa.to_dict() if self.cohen_kappa else None,
            **_multi(self.fleiss_kappa, self.conger_kappa),
            "krippendorff_alpha": self.krippendorff_alpha.to_dict(),
        }


@dataclass
class StudyAgreement:
    """Everything ``piri-qual agreement`` reports, ready for a table or JSON."""

    coders: tuple[str, ...]
    unit: str
    unit_description: str
    transcripts: tuple[str, ...]
    skipped: dict[str, str]
    n_units: int
    themes: list[ThemeAgreement]
    pooled: ThemeAgreement
    weighted: ThemeAgreement
    constructs: list[ConstructAgreement]
    ci: float
    n_boot: int
    seed: int
    cluster: str
    orphaned: dict[str, int]
    outside: dict[str, int]
    alpha_name: str = "krippendorff_alpha"
    pairs: list[PairAgreement] = field(default_factory=list)
    light_kappa: Estimate | None = None

    @property
    def unstable(self) -> list[ThemeAgreement]:
        return [t for t in self.themes if t.warning]

    def table(self, overall: bool = True) -> pd.DataFrame:
        """One row per theme (then the pooled and prevalence-weighted rows): the figures and CIs."""
        import pandas as pd

        rows = [*self.themes, *([self.pooled, self.weighted] if overall else [])]
        records = []
        for t in rows:
            rec: dict[str, Any] = {
                "theme": t.theme, "label": t.label, "construct": t.construct, "unit": self.unit,
                "units": t.units, "prevalence": t.prevalence,
            }
            for coder in self.coders:
                rec[f"positive_{coder}"] = t.positives.get(coder)
            rec["either"] = t.either
            rec["disagreements"] = t.disagreements
            for name, est in (
                ("percent_agreement", t.percent_agreement),
                ("cohen_kappa", t.cohen_kappa),
                *((("fleiss_kappa", t.fleiss_kappa), ("conger_kappa", t.conger_kappa)) if len(self.coders) > 2 else ()),
                (self.alpha_name, t.krippendorff_alpha),
            ):
                rec[name] = est.value if est else None
                rec[f"{name}_low"] = est.low if est else None
                rec[f"{name}_high"] = est.high if est else None
            rec["warning"] = t.warning
            records.append(rec)
        return pd.DataFrame(records)

    def construct_table(self) -> pd.DataFrame:
        import pandas as pd

        records = []
        for c in self.constructs:
            rec: dict[str, Any] = {
                "construct": c.construct, "label": c.label, "themes": ", ".join(c.themes),
                "unit": self.unit, "units": c.units, "categories": len(c.categories),
                "units_with_combined_themes": c.combined,
            }
            for name, est in (
                ("percent_agreement", c.percent_agreement),
                ("cohen_kappa", c.cohen_kappa),
                ("krippendorff_alpha", c.krippendorff_alpha),
            ):
                rec[name] = est.value if est else None
                rec[f"{name}_low"] = est.low if est else None
                rec[f"{name}_high"] = est.high if est else None
            records.append(rec)
        return pd.DataFrame(records)

    def to_dict(self, constructs: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "coders": list(self.coders),
            "unit": self.unit,
            "unit_description": self.unit_description,
            "alpha": self.alpha_name,
            "transcripts": list(self.transcripts),
            "skipped_transcripts": dict(self.skipped),
            "units": self.n_units,
            "confidence": {
                "level": self.ci, "method": "percentile bootstrap", "resamples": self.n_boot,
                "seed": self.seed, "resampling": self.cluster,
            },
            "orphaned_codings": dict(self.orphaned),
            "codings_outside_units": dict(self.outside),
            "low_prevalence_rule": {
                "prevalence_below": LOW_PREVALENCE, "positive_units_below": MIN_POSITIVE_UNITS,
            },
            "themes": [t.to_dict() for t in self.themes],
            "overall": {"pooled": self.pooled.to_dict(), "weighted_by_prevalence": self.weighted.to_dict()},
        }
        if constructs:
            data["constructs"] = [c.to_dict() for c in self.constructs]
        if self.pairs:
            data["pairwise"] = [p.to_dict() for p in self.pairs]
            data["light_kappa"] = self.light_kappa.to_dict() if self.light_kappa else None
        return data

    def pair_table(self) -> pd.DataFrame:
        """Each pair of coders' pooled Cohen's kappa as a coders x coders matrix (NaN diagonal)."""
        import pandas as pd

        frame = pd.DataFrame(np.nan, index=list(self.coders), columns=list(self.coders))
        for pair in self.pairs:
            a, b = pair.coders
            frame.loc[a, b] = frame.loc[b, a] = pair.cohen_kappa.value
        if len(self.coders) == 2 and self.pooled.cohen_kappa is not None:  # the one pair is the pooled row
            a, b = self.coders
            frame.loc[a, b] = frame.loc[b, a] = self.pooled.cohen_kappa.value
        return frame


def _present(estimate: Estimate | None) -> Estimate:
    """Percent agreement or alpha, which every table has (only kappa needs exactly two coders)."""
    assert estimate is not None, "coefficients() always computes percent agreement and alpha"
    return estimate


def _estimate(point: tuple[np.ndarray, ...], boot: np.ndarray | None, ci: float, why: str) -> Estimate:
    value, observed, expected = (float(np.asarray(x)) for x in point)
    found = percentile_interval(boot, ci) if boot is not None else None
    low, high, valid = (found.low, found.high, found.n_valid) if found else (float("nan"), float("nan"), 0)
    return Estimate(value, low, high, observed, expected, valid, None if np.isfinite(value) else why)


_UNDEFINED = {
    "percent_agreement": "no units",
    "cohen_kappa": "undefined: both coders gave every unit the same value",
    "fleiss_kappa": "undefined: every value is the same, so chance agreement is 1",
    "conger_kappa": "undefined: every coder gave every unit the same value",
    "krippendorff_alpha": "undefined: every value is the same, so expected disagreement is zero",
}


def _check_options(ci: float, n_boot: int) -> None:
    if not 0.0 < ci < 1.0:
        raise PiriQualError(f"the confidence level must lie between 0 and 1, got {ci!r}",
                            hint="Use e.g. --ci 0.95.")
    if n_boot < 0:
        raise PiriQualError(f"the number of bootstrap resamples must be 0 or more, got {n_boot}",
                            hint="Use e.g. --boot 1000 (0 leaves out the intervals).")


def compute_agreement(
    units: CodedUnits,
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    cluster: str | None = None,
    constructs: bool = True,
) -> StudyAgreement:
    """Per-theme, pooled, prevalence-weighted and construct-level agreement with bootstrap CIs.

    With three or more coders, Fleiss' and Conger's kappa join the figures, and every pair of
    coders gets its pooled Cohen's kappa (the pairwise matrix) and their mean, Light's kappa.
    ``constructs=False`` skips the construct comparison (slices do not report it).
    """
    _check_options(ci, n_boot)
    if cluster is None:
        cluster = "transcripts" if units.unit == "character" else "units"
    if cluster not in CLUSTERS:
        raise PiriQualError(f"unknown resampling {cluster!r}", hint=f"Choose one of: {', '.join(CLUSTERS)}.")
    if units.unit == "character" and cluster != "transcripts":
        raise PiriQualError(
            "character units are not independent of their neighbours, so intervals resample "
            "whole transcripts",
            hint="Use --cluster transcripts (the default for --unit character).",
        )
    m = len(units.coders)
    n_themes = len(units.themes)
    patterns = binary_patterns(m)
    n_p = 2**m
    codes = units.pattern_codes()  # units x themes
    clusters = None if cluster == "units" else units.unit_transcript
    n_clusters = units.n_units if clusters is None else len(units.transcripts)
    rng = generator(seed)  # one stream for the units' (or transcripts') resamples of every theme

    flat = (np.arange(n_themes)[None, :] * n_p + codes).ravel()
    observed = np.bincount(flat, minlength=n_themes * n_p).reshape(n_themes, n_p).astype(np.float64)
    ones = patterns.codes.sum(axis=1).astype(np.float64)  # coders present in each pattern

    boot_counts: np.ndarray | None = None
    weights: np.ndarray | None = None  # per resample, how often each transcript was drawn
    if n_boot > 0 and n_themes:
        if clusters is None:
            # Units drawn with replacement = a multinomial draw over the kinds of unit (units
            # with the same codes on every theme); most units are coded by nobody, so the kinds
            # are few and a thousand resamples cost one small matrix product.
            kinds, per_kind = row_kinds(codes, n_p)
            table = cluster_table(kinds, None, kinds.shape[0], n_p)
            boot_counts = (resample_kinds(per_kind, n_boot, rng) @ table).reshape(n_boot, n_themes, n_p)
        else:
            table = cluster_table(codes, clusters, n_clusters, n_p)
            weights = resample_counts(n_clusters, n_boot, rng)
            boot_counts = (weights @ table).reshape(n_boot, n_themes, n_p)

    point = _figures(observed, patterns)
    boot = _figures(boot_counts, patterns) if boot_counts is not None else None
    n_units = units.n_units
    prevalence = (observed @ ones) / (n_units * m)
    boot_prev = (boot_counts @ ones) / (n_units * m) if boot_counts is not None else None

    alpha_point: dict[str, Any] = {}
    alpha_boot: dict[str, np.ndarray] = {}
    alpha_name = "krippendorff_alpha"
    if units.unit == "character":
        alpha_name = "unitizing_alpha"
        alpha_point, alpha_boot = _unitizing(units, weights)

    def theme_estimates(k: int | None, pt: dict, bt: dict | None) -> dict[str, Estimate | None]:
        sel = (lambda a: a) if k is None else (lambda a: a[..., k])
        result: dict[str, Estimate | None] = {}
        for name in FIGURES:
            if name not in pt:
                result[name] = None
                continue
            result[name] = _estimate(
                tuple(sel(x) for x in pt[name]), sel(bt[name][0]) if bt else None, ci, _UNDEFINED[name]
            )
        return result

    # from the pattern counts, not another pass over the units (a million cells with characters):
    # pattern 0 is nobody's, the last everybody's, and bit j of a pattern is coder j
    counted = observed.astype(np.int64)  # themes x patterns
    either_k = counted[:, 1:].sum(axis=1)  # some coder marked it
    differ_k = counted[:, 1:n_p - 1].sum(axis=1)  # some but not all did
    positives_k = (counted @ patterns.codes).T  # coders x themes
    themes: list[ThemeAgreement] = []
    for k, theme in enumerate(units.themes):
        est = theme_estimates(k, point, boot)
        if units.unit == "character":
            est["krippendorff_alpha"] = _estimate(
                alpha_point[theme], alpha_boot.get(theme), ci, _UNDEFINED["krippendorff_alpha"]
            )
        either = int(either_k[k])
        themes.append(
            ThemeAgreement(
                theme=theme,
                label=units.labels[theme],
                construct=units.construct_of[theme],
                units=n_units,
                prevalence=float(prevalence[k]),
                positives={c: int(positives_k[j, k]) for j, c in enumerate(units.coders)},
                either=either,
                disagreements=int(differ_k[k]),
                percent_agreement=_present(est["percent_agreement"]),
                cohen_kappa=est["cohen_kappa"],
                krippendorff_alpha=_present(est["krippendorff_alpha"]),
                warning=_stability_warning(float(prevalence[k]), either, units.unit) if m == 2 else None,
                fleiss_kappa=est["fleiss_kappa"],
                conger_kappa=est["conger_kappa"],
            )
        )

    # Pooled: all (unit, theme) pairs as one table.
    pooled_counts = observed.sum(axis=0)
    pooled_resampled = boot_counts.sum(axis=1) if boot_counts is not None else None
    pooled_point = _figures(pooled_counts, patterns)
    pooled_boot = _figures(pooled_resampled, patterns) if pooled_resampled is not None else None
    est = theme_estimates(None, pooled_point, pooled_boot)
    if units.unit == "character":
        est["krippendorff_alpha"] = _estimate(
            alpha_point["(overall)"], alpha_boot.get("(overall)"), ci, _UNDEFINED["krippendorff_alpha"]
        )
    pooled = ThemeAgreement(
        theme="(pooled)",
        label=f"All themes, pooled over {n_units * n_themes} unit x theme pairs",
        construct=None,
        units=n_units * n_themes,
        prevalence=float(prevalence @ np.ones(n_themes) / n_themes) if n_themes else float("nan"),
        positives={c: int(positives_k[j].sum()) for j, c in enumerate(units.coders)},
        either=int(either_k.sum()),
        disagreements=int(differ_k.sum()),
        percent_agreement=_present(est["percent_agreement"]),
        cohen_kappa=est["cohen_kappa"],
        krippendorff_alpha=_present(est["krippendorff_alpha"]),
        fleiss_kappa=est["fleiss_kappa"],
        conger_kappa=est["conger_kappa"],
    )

    # Weighted: per-theme figures averaged with weights = prevalence (per resample, too).
    def weighted(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        ok = np.isfinite(values) & (weights > 0)
        w = np.where(ok, weights, 0.0)
        total = w.sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0, (np.where(ok, values, 0.0) * w).sum(axis=-1) / total, np.nan)

    w_est: dict[str, Estimate | None] = {}
    for name in FIGURES:
        if units.unit == "character" and name == "krippendorff_alpha":
            vals = np.asarray([alpha_point[t][0] for t in units.themes])
            bvals = (
                np.stack([alpha_boot[t] for t in units.themes], axis=1)
                if alpha_boot and boot_prev is not None
                else None
            )
        elif name in point:
            vals = point[name][0]
            bvals = boot[name][0] if boot else None
        else:
            w_est[name] = None
            continue
        value = float(weighted(vals, prevalence)) if n_themes else float("nan")
        found = percentile_interval(weighted(bvals, boot_prev), ci) if bvals is not None and boot_prev is not None else None
        low, high, valid = (found.low, found.high, found.n_valid) if found else (float("nan"), float("nan"), 0)
        w_est[name] = Estimate(value, low, high, n_valid=valid,
                               note=None if np.isfinite(value) else "no theme has a defined value")
    weighted_row = ThemeAgreement(
        theme="(weighted)",
        label="Mean of the theme figures weighted by prevalence",
        construct=None,
        units=n_units,
        prevalence=pooled.prevalence,
        positives=pooled.positives,
        either=pooled.either,
        disagreements=pooled.disagreements,
        percent_agreement=_present(w_est["percent_agreement"]),
        cohen_kappa=w_est["cohen_kappa"],
        krippendorff_alpha=_present(w_est["krippendorff_alpha"]),
        fleiss_kappa=w_est["fleiss_kappa"],
        conger_kappa=w_est["conger_kappa"],
    )
    pairs, light = _pairs(units, patterns, pooled_counts, pooled_resampled, ci) if m > 2 else ([], None)

    return StudyAgreement(
        coders=units.coders,
        unit=units.unit,
        unit_description=units.unit_description,
        transcripts=units.transcripts,
        skipped=units.skipped,
        n_units=n_units,
        themes=themes,
        pooled=pooled,
        weighted=weighted_row,
        constructs=_constructs(units, ci, n_boot, seed, clusters) if constructs else [],
        ci=ci,
        n_boot=n_boot,
        seed=seed,
        cluster=cluster,
        orphaned=units.orphaned,
        outside=units.outside,
        alpha_name=alpha_name,
        pairs=pairs,
        light_kappa=light,
    )


def _figures(counts: np.ndarray, patterns: Patterns) -> dict[str, tuple[np.ndarray, ...]]:
    """Every figure of a pattern table: Fleiss' and Conger's kappa join with three coders or more."""
    figures = coefficients(counts, patterns)
    if patterns.m > 2:
        figures.update(kappa_coefficients(counts, patterns))
    return figures


def _pairs(
    units: CodedUnits, patterns: Patterns, counts: np.ndarray, resampled: np.ndarray | None, ci: float
) -> tuple[list[PairAgreement], Estimate]:
    """Each pair of coders' pooled agreement and kappa, and Light's kappa (their mean), with
    intervals from the same resamples as every other figure."""
    pairs: list[PairAgreement] = []
    kappas: list[np.ndarray] = []
    boot_kappas: list[np.ndarray] = []
    m = len(units.coders)
    for g in range(m):
        for h in range(g + 1, m):
            point = pair_coefficients(counts, patterns, g, h)
            boot = pair_coefficients(resampled, patterns, g, h) if resampled is not None else None
            differ = int((units.presence[g] != units.presence[h]).sum())
            est = {
                name: _estimate(point[name], boot[name][0] if boot else None, ci, _UNDEFINED[name])
                for name in ("percent_agreement", "cohen_kappa")
            }
            pairs.append(PairAgreement(
                (units.coders[g], units.coders[h]), int(counts.sum()), differ,
                est["percent_agreement"], est["cohen_kappa"],
            ))
            kappas.append(point["cohen_kappa"][0])
            if boot is not None:
                boot_kappas.append(boot["cohen_kappa"][0])
    with np.errstate(invalid="ignore"):
        value = float(np.nanmean(kappas)) if np.isfinite(kappas).any() else float("nan")
        low = high = float("nan")
        valid = 0
        if boot_kappas:
            stacked = np.stack(boot_kappas, axis=-1)
            defined = np.isfinite(stacked).any(axis=-1)
            means = np.full(stacked.shape[0], np.nan)
            means[defined] = np.nanmean(stacked[defined], axis=-1)
            found = percentile_interval(means, ci)
            low, high, valid = found.low, found.high, found.n_valid
    light = Estimate(value, low, high, n_valid=valid,
                     note=None if np.isfinite(value) else "no pair of coders has a defined kappa")
    return pairs, light


def _stability_warning(prevalence: float, either: int, unit: str) -> str | None:
    if prevalence < LOW_PREVALENCE and (unit == "character" or either < LOW_PREVALENCE_UNITS):
        carried = "" if unit == "character" else f" and only {either} units carry it"
        return f"kappa unstable: prevalence {prevalence:.1%} is below {LOW_PREVALENCE:.0%}{carried}"
    if unit != "character" and either < MIN_POSITIVE_UNITS:
        return f"kappa unstable: only {either} unit{'s' if either != 1 else ''} coded (fewer than {MIN_POSITIVE_UNITS})"
    return None


def _unitizing(
    units: CodedUnits, weights: np.ndarray | None
) -> tuple[dict[str, tuple[float, float, float]], dict[str, np.ndarray]]:
    """Unitizing alpha per theme and overall over the study's transcripts, and per resample of
    transcripts (``weights``), by :mod:`~piri_qual.analysis.unitizing_study`."""

    # Each transcript's segments, relative to the start of its own stretch of the continuum.
    local: list[dict[str, list[tuple[int, int, str]]]] = [{c: [] for c in units.coders} for _ in units.transcripts]
    for coder, segs in units.segments.items():
        for start, end, theme in segs:
            k = int(units.unit_transcript[start])
            base = int(units.offsets[k])
            local[k][coder].append((start - base, end - base, theme))
    parts = study_parts(local, np.diff(units.offsets).tolist(), units.coders, units.themes)
    figures = alpha_from_weights(parts, np.ones(len(units.transcripts)))
    point = {
        theme: (float(figures.value[k]), float(figures.observed[k]), float(figures.expected[k]))
        for k, theme in enumerate(units.themes)
    }
    point["(overall)"] = (float(figures.overall), float(figures.overall_observed), float(figures.overall_expected))
    if weights is None:
        return point, {}
    boot = alpha_from_weights(parts, weights)
    resampled = {theme: boot.value[:, k] for k, theme in enumerate(units.themes)}
    resampled["(overall)"] = boot.overall
    return point, resampled


def _constructs(
    units: CodedUnits, ci: float, n_boot: int, seed: int, clusters: np.ndarray | None
) -> list[ConstructAgreement]:
    """Each construct with two or more used themes as one nominal variable (see module doc)."""
    by_construct: dict[str, list[int]] = {}
    for k, theme in enumerate(units.themes):
        construct = units.construct_of.get(theme)
        if construct:
            by_construct.setdefault(construct, []).append(k)
    results: list[ConstructAgreement] = []
    m = len(units.coders)
    for number, (construct, cols) in enumerate(by_construct.items(), start=1):
        if len(cols) < 2:
            continue
        weights = (1 << np.arange(len(cols), dtype=np.int64))
        marked = units.presence[:, :, cols]  # coders x units x the construct's themes
        rows = np.flatnonzero(marked.any(axis=(0, 2)))  # units some coder put under the construct
        if rows.size == 0:
            continue
        masks = np.stack([marked[j, rows].astype(np.int64) @ weights for j in range(m)], axis=1)
        values, coded = small_unique(masks, 1 << len(cols))  # categories used, and codes
        n_values = int(values.size)
        keys = coded @ (n_values ** np.arange(m, dtype=np.int64))  # one number per coder tuple
        used_keys, unit_pattern = small_unique(keys, n_values**m)
        distinct = (used_keys[:, None] // (n_values ** np.arange(m))[None, :]) % n_values
        patterns = Patterns(distinct.astype(np.int64), n_values)
        n_pat = distinct.shape[0]
        observed = np.bincount(unit_pattern, minlength=n_pat).astype(np.float64)
        point = _figures(observed, patterns)
        boot = None
        if n_boot > 0:
            rng = generator([seed, number])
            if clusters is None:
                resampled = resample_kinds(observed, n_boot, rng)  # units are their patterns
            else:
                n_t = len(units.transcripts)
                table = cluster_table(unit_pattern[:, None], clusters[rows], n_t, n_pat)
                resampled = resample_counts(n_t, n_boot, rng) @ table
            boot = _figures(resampled, patterns)

        def est(name: str, point: dict = point, boot: dict | None = boot) -> Estimate | None:
            if name not in point:
                return None
            return _estimate(point[name], boot[name][0] if boot else None, ci, _UNDEFINED[name])

        names = [units.themes[k] for k in cols]
        categories = tuple(
            "+".join(names[i] for i in range(len(cols)) if int(v) >> i & 1) or NONE_CATEGORY
            for v in values
        )
        results.append(
            ConstructAgreement(
                construct=construct,
                label=units.construct_labels.get(construct, construct),
                themes=tuple(names),
                units=int(rows.size),
                categories=categories,
                combined=int(((masks & (masks - 1)) != 0).any(axis=1).sum()),
                percent_agreement=_present(est("percent_agreement")),
                cohen_kappa=est("cohen_kappa"),
                krippendorff_alpha=_present(est("krippendorff_alpha")),
                fleiss_kappa=est("fleiss_kappa"),
                conger_kappa=est("conger_kappa"),
            )
        )
    return results


def study_agreement(
    study: StudyFolder,
    coders: Sequence[str],
    unit: str = "sentence",
    transcripts: Iterable[str] | None = None,
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    cluster: str | None = None,
) -> StudyAgreement:
    """One call from a study to its agreement figures (see :func:`coded_units`)."""
    units = coded_units(study, coders, unit, transcripts)
    return compute_agreement(units, ci=ci, n_boot=n_boot, seed=seed, cluster=cluster)
