"""How good are the suggestions? A simulated researcher works through a gold-coded study.

``simulate``: transcripts are taken in order. Before each one the engine suggests, knowing only
the decisions made on earlier transcripts; then the gold coding confirms the right suggestions,
rejects the wrong ones and adds what was missed, and the model retrains on everything decided so
far, as the coding screen does, on the schedule of :func:`retrain_due`: every ``retrain_every``
decisions at first, then each time the decisions have grown by ``retrain_growth`` (by default,
doubled) since the last retrain. Only suggestions made *before* a transcript's gold was seen are
scored.

``split``: train once on the gold codings of the first ``train_fraction`` of transcripts and score
the rest, next to the cold-start engine (rules and similarity only) on the same transcripts.

A suggestion is right if it overlaps a gold coding of the same theme; a gold coding is found if a
suggestion of its theme overlaps it. Precision = right / suggested, recall = found / gold. Cohen's
kappa (Cohen 1960) compares engine and gold at sentence level: for every candidate sentence and
theme, "suggested" against "coded" (a sentence is coded when it shares at least half of itself or
of the coding with a gold coding of the theme).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from piri_qual.assist.baselines import (
    TfidfLogReg,
    definition_cosine,
    definition_cutoffs,
    definition_texts,
    sentence_texts,
)
from piri_qual.assist.effort import Replayed, decisions_to_recall, precision_recall_curve
from piri_qual.assist.engine import Engine, runs
from piri_qual.assist.features import TranscriptFeatures
from piri_qual.assist.learner import (
    Decisions,
    Labelled,
    Learner,
    cold_learner,
    label_transcript,
    overlaps,
    train,
    training_sample,
)
from piri_qual.assist.scoring import StudyStats
from piri_qual.assist.sidecar import Sidecar, sidecar
from piri_qual.assist.stream import cache_features
from piri_qual.assist.threads import fit_threads_at_most, one_blas_thread
from piri_qual.assist.types import Suggestion
from piri_qual.core.framework import Theme
from piri_qual.core.resampling import percentile_interval, resample_indices
from piri_qual.core.study import StudyFolder
from piri_qual.errors import PiriQualError

BASELINES = ("tfidf_logreg", "definition_cosine")
BASELINE_NAMES = {
    "tfidf_logreg": "TF-IDF+LR",
    "definition_cosine": "def. cosine",
}
RETRAIN_GROWTH = 1.0  # simulate: retrain once the decisions have doubled since the last retrain
CURVE_POINTS = (50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)
BOOTSTRAP = 1000
SIDECAR_NICE = 10  # the baselines' process: behind the engine's replay for a core


@dataclass
class Counts:
    """Confusion counts for one theme (or pooled)."""

    suggested: int = 0
    right: int = 0
    gold: int = 0
    found: int = 0
    table: np.ndarray = field(default_factory=lambda: np.zeros((2, 2), np.int64))  # [engine][gold]
    # over the right suggestions: the Jaccard overlap (shared characters / characters of either)
    # with the closest gold coding of their theme, summed: how much editing an accepted one needs
    overlap: float = 0.0

    def add(self, other: Counts) -> None:
        self.suggested += other.suggested
        self.right += other.right
        self.gold += other.gold
        self.found += other.found
        self.table += other.table
        self.overlap += other.overlap

    @property
    def boundary(self) -> float:
        """The mean Jaccard overlap of a right suggestion with its gold excerpt (1: the same span)."""
        return self.overlap / self.right if self.right else 0.0

    @property
    def precision(self) -> float:
        return self.right / self.suggested if self.suggested else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def kappa(self) -> float:
        return cohen_kappa(self.table)

    def summary(self) -> dict[str, Any]:
        return {
            "suggested": self.suggested,
            "right": self.right,
            "gold": self.gold,
            "found": self.found,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "kappa": round(self.kappa, 4),
            "boundary": round(self.boundary, 4),
        }


def cohen_kappa(table: np.ndarray) -> float:
    """Cohen's (1960) kappa from a 2x2 agreement table [rater A][rater B]."""
    n = float(table.sum())
    if n == 0:
        return 0.0
    observed = float(np.trace(table)) / n
    expected = float((table.sum(0) * table.sum(1)).sum()) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


@dataclass
class EvaluationReport:
    """Everything ``piri-qual evaluate`` shows (and prints as JSON with --json)."""

    mode: str
    gold: str
    coder: str
    transcripts: int
    decisions: int
    per_theme: dict[str, dict[str, Any]]
    micro: dict[str, Any]
    macro: dict[str, float]
    curve: list[dict[str, Any]] = field(default_factory=list)
    baseline: dict[str, Any] | None = None  # name -> {"micro", "macro"}: the textbook coders
    cold: dict[str, Any] | None = None  # the same transcripts at cold start
    effort: dict[str, Any] | None = None  # decisions to 80% recall with and without suggestions
    pr_curve: list[dict[str, Any]] = field(default_factory=list)  # stricter cut-offs than the default
    settings: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def gold_decisions(engine: Engine, coder: str, source: Path) -> dict[str, list[tuple[int, int, int, str]]]:
    """The gold coder's codings per transcript, failing clearly on themes the codebook lacks."""
    study = engine.study
    if coder not in study.coders() or not study.log(coder).path.exists():
        raise PiriQualError(
            f"the gold study has no coder {coder!r}",
            path=study.codings_dir,
            hint=f"Coders there: {', '.join(study.coders()) or 'none'}.",
        )
    codings = list(study.fold(coder).codings.values())
    if not codings:
        raise PiriQualError(f"coder {coder!r} has no codings to evaluate against", path=study.log(coder).path)
    def theme_of(name: str) -> Theme | None:  # theme ids, or labels as another tool may have written them
        return engine.codebook.find(name) if engine.codebook else None

    def index(name: str) -> int | None:
        if name in engine.index_of:
            return engine.index_of[name]
        theme = theme_of(name)
        return engine.index_of.get(theme.id) if theme else None

    folders = {c.theme for c in codings if (t := theme_of(c.theme)) is not None and not t.codable}
    codings = [c for c in codings if c.theme not in folders]  # no suggestion can ever match them
    unknown = Counter(c.theme for c in codings if index(c.theme) is None)
    if unknown:
        listed = ", ".join(f"{t!r} ({n})" for t, n in unknown.most_common())
        raise PiriQualError(
            f"{sum(unknown.values())} gold codings name themes that are not in the codebook "
            f"{engine.codebook.path if engine.codebook else '(none configured)'}: {listed}",
            path=study.log(coder).path,
            hint="Add those themes to the codebook, or correct the codings, then run evaluate again.",
        )
    known = set(study.transcript_ids())
    out: dict[str, list[tuple[int, int, int, str]]] = {}
    for c in codings:
        if c.transcript not in known:
            raise PiriQualError(
                f"a gold coding points into transcript {c.transcript!r}, which is not in corpus/",
                path=study.log(coder).path,
                hint="Import that transcript or remove its codings.",
            )
        theme = index(c.theme)
        assert theme is not None  # codings on unknown themes were refused above
        out.setdefault(c.transcript, []).append((c.start, c.end, theme, c.quote))
    return out


def score_transcript(
    feats: TranscriptFeatures,
    found: list[Suggestion],
    gold: list[tuple[int, int, int, str]],
    index_of: dict[str, int],
    n_themes: int,
) -> list[Counts]:
    """Per-theme counts for one transcript's suggestions against its gold codings.

    Whole arrays rather than a loop over suggestions and gold codings: it runs once per
    transcript for the engine and for each baseline, a few hundred times in a replay."""
    f_start = np.array([s.start for s in found], np.int64)
    f_end = np.array([s.end for s in found], np.int64)
    f_theme = np.array([index_of[s.theme] for s in found], np.int64)
    g_start = np.array([g[0] for g in gold], np.int64)
    g_end = np.array([g[1] for g in gold], np.int64)
    g_theme = np.array([g[2] for g in gold], np.int64)
    # (suggestion, gold coding) pairs of one theme that overlap
    hit = ((f_theme[:, None] == g_theme[None, :]) & (g_start[None, :] < f_end[:, None])
           & (f_start[:, None] < g_end[None, :]))
    suggested = np.bincount(f_theme, minlength=n_themes)
    right = np.bincount(f_theme[hit.any(1)], minlength=n_themes)
    shared = np.minimum(f_end[:, None], g_end[None, :]) - np.maximum(f_start[:, None], g_start[None, :])
    either = np.maximum(f_end[:, None], g_end[None, :]) - np.minimum(f_start[:, None], g_start[None, :])
    jaccard = np.where(hit, shared / np.maximum(either, 1), 0.0)
    overlap = np.bincount(f_theme, weights=jaccard.max(1) if jaccard.size else np.zeros(len(found)),
                          minlength=n_themes)
    gold_n = np.bincount(g_theme, minlength=n_themes)
    found_n = np.bincount(g_theme[hit.any(0)], minlength=n_themes)
    rows = feats.candidates
    spans = feats.sentences[rows]
    engine_label = np.zeros((len(rows), n_themes), bool)
    gold_label = np.zeros((len(rows), n_themes), bool)
    for s in found:
        engine_label[overlaps(spans, s.start, s.end), index_of[s.theme]] = True
    for start, end, t, _ in gold:
        gold_label[overlaps(spans, start, end), t] = True
    e, g = engine_label, gold_label
    tables = np.stack([np.stack([(~e & ~g).sum(0), (~e & g).sum(0)], 1),
                       np.stack([(e & ~g).sum(0), (e & g).sum(0)], 1)], 1).astype(np.int64)  # (T, 2, 2)
    counts = [Counts() for _ in range(n_themes)]
    for t, c in enumerate(counts):
        c.suggested, c.right, c.gold, c.found = int(suggested[t]), int(right[t]), int(gold_n[t]), int(found_n[t])
        c.overlap = float(overlap[t])
        c.table += tables[t]
    return counts


def bootstrap_ci(per_transcript: list[list[Counts]], level: float = 0.95, seed: int = 0) -> dict[str, list[float]]:
    """Percentile bootstrap intervals for micro precision, recall and F1, resampling transcripts.

    Transcripts, not suggestions, are resampled because suggestions within a transcript are not
    independent (one interview's themes and wording run through all of them). The resamples and
    the interval are the study's one bootstrap (:mod:`piri_qual.core.resampling`), seeded.
    """
    if len(per_transcript) < 2:
        return {}
    totals = np.array(
        [[sum(c.suggested for c in counts), sum(c.right for c in counts), sum(c.gold for c in counts),
          sum(c.found for c in counts)] for counts in per_transcript],
        dtype=np.float64,
    )
    picks = resample_indices(len(totals), BOOTSTRAP, seed)
    sums = totals[picks].sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(sums[:, 0] > 0, sums[:, 1] / sums[:, 0], 0.0)
        recall = np.where(sums[:, 2] > 0, sums[:, 3] / sums[:, 2], 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    intervals = {name: percentile_interval(x, level) for name, x in (("precision", precision), ("recall", recall), ("f1", f1))}
    return {name: [round(i.low, 4), round(i.high, 4)] for name, i in intervals.items()}


def _summarise(per: list[Counts], names: list[str]) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, float]]:
    pooled = Counts()
    for c in per:
        pooled.add(c)
    used = [c for c in per if c.gold]
    macro = {
        "precision": round(float(np.mean([c.precision for c in used])) if used else 0.0, 4),
        "recall": round(float(np.mean([c.recall for c in used])) if used else 0.0, 4),
        "f1": round(float(np.mean([c.f1 for c in used])) if used else 0.0, 4),
        "kappa": round(float(np.mean([c.kappa for c in used])) if used else 0.0, 4),
    }
    per_theme = {name: c.summary() for name, c in zip(names, per, strict=True) if c.gold or c.suggested}
    return per_theme, pooled.summary(), macro


def retrain_due(decisions: int, trained_at: int, every: int, growth: float = RETRAIN_GROWTH) -> bool:
    """Whether the replay retrains now, ``decisions`` made and the model trained at ``trained_at``.

    Every ``every`` decisions at first, then once the decisions have grown by ``growth`` (a
    fraction: 1 is doubled) since the last retrain, whichever comes later. Why: a retrain fits on
    everything decided so far, so retraining every ``every`` decisions costs the square of the
    study's length (a 100-interview study was killed after 400 s); with geometric steps the
    retrains number about log(decisions) and their total cost is a few times that of the last
    one, so the replay is linear in the study. The model a transcript is suggested with has always
    learned from at least 1 / (1 + growth) of the decisions made before it. ``growth`` 0 keeps
    the fixed schedule (every ``every`` decisions throughout).
    """
    if every < 1:
        raise PiriQualError(f"--retrain-every must be at least 1 (got {every})")
    if growth < 0:
        raise PiriQualError(f"--retrain-growth must be 0 or more (got {growth})")
    return decisions - trained_at >= max(every, growth * trained_at)


def _open(gold: Path) -> Engine:
    if gold.suffix.lower() == ".qdpx":
        raise PiriQualError(
            "evaluating against a .qdpx file is not supported yet",
            path=gold,
            hint="Import the project into a study folder first and pass that folder to --gold.",
        )
    return Engine(StudyFolder(gold))


def evaluate(
    gold: Path | list[Path],
    coder: str,
    mode: str = "simulate",
    retrain_every: int = 50,
    train_fraction: float = 0.5,
    advance: Callable[[int], None] | None = None,
    retrain_growth: float = RETRAIN_GROWTH,
    jobs: int | None = None,
) -> EvaluationReport:
    """Evaluate suggestions against ``coder``'s codings in one gold study, or several pooled.

    Pooling several small studies (say one per survey question) sums their counts: micro
    figures are over all suggestions and gold codings, macro figures over all their themes.
    The work is spread over ``jobs`` processes (default: one per core): the features missing
    from the cache are extracted by a pool of them, in ``simulate`` the baselines replay in a
    process of their own beside the engine's replay when there are two or more, and each
    process fits a retrain's themes on at most ``jobs`` threads; the figures are the same
    whatever ``jobs`` is.
    """
    # small products: idle BLAS threads only spin; the retrains' fits on at most ``jobs`` cores
    with one_blas_thread(), fit_threads_at_most(jobs):  # (assist/threads.py)
        return _evaluate(gold, coder, mode, retrain_every, train_fraction, advance, retrain_growth, jobs)


def _evaluate(gold: Path | list[Path], coder: str, mode: str, retrain_every: int, train_fraction: float,
              advance: Callable[[int], None] | None, retrain_growth: float, jobs: int | None) -> EvaluationReport:
    started = time.perf_counter()
    golds = [gold] if isinstance(gold, Path) else list(gold)
    if mode not in ("simulate", "split"):
        raise PiriQualError(f"unknown evaluation mode {mode!r}", hint="Use simulate or split.")
    if mode == "simulate":
        retrain_due(0, 0, retrain_every, retrain_growth)  # refuse a bad schedule before the slow work
    processes = jobs or os.cpu_count() or 1
    runs = []
    for path in golds:
        engine = _open(path)
        gold_codings = gold_decisions(engine, coder, path)
        tids = engine.study.transcript_ids()
        cache_features(engine, tids, jobs=processes, advance=advance)  # on every core
        feats = engine.features(tids)
        stats = engine.stats_from(list(feats.values()))
        gold_study = _Gold(engine, tids, feats, stats, gold_codings, coder)
        if mode == "simulate":
            run = _simulate(gold_study, retrain_every, retrain_growth, fork=processes > 1)
        else:
            run = _split(gold_study, train_fraction)
        prefix = f"{path.name}/" if len(golds) > 1 else ""
        run.names = [prefix + name for name in run.names]
        runs.append((engine, run))
    names = [n for _, r in runs for n in r.names]
    per = [c for _, r in runs for c in r.per]
    per_theme, micro, macro = _summarise(per, names)
    micro["ci95"] = bootstrap_ci([counts for _, r in runs for _, counts in r.timeline])
    cold = None
    if all(r.base is not None for _, r in runs):
        _, base_micro, base_macro = _summarise([c for _, r in runs for c in r.base or []], names)
        cold = {"micro": base_micro, "macro": base_macro}
    baseline = {}
    for name in BASELINES:
        per_base = [c for _, r in runs for c in (r.baselines.get(name) or [Counts() for _ in r.names])]
        _, b_micro, b_macro = _summarise(per_base, names)
        baseline[name] = {"micro": b_micro, "macro": b_macro}
    replay = [item for _, r in runs for item in r.replay]
    first = runs[0][0]
    settings: dict[str, Any] = {
        "precision_target": first.precision,
        "themes": len(names),
        "studies": len(runs),
        "pipeline": first.pipeline.name,
        "vectors": first.vectors.version,
    }
    if mode == "simulate":
        settings.update({
            "retrain_every": retrain_every,
            "retrain_growth": retrain_growth,
            "retrains": sum(r.retrains for _, r in runs),
            "retrain_seconds": round(sum(r.train_seconds for _, r in runs), 2),
            "baseline_retrain_seconds": round(sum(r.baseline_seconds for _, r in runs), 2),
        })
    else:
        settings.update({"train_fraction": train_fraction, "train_transcripts": sum(r.trained_on for _, r in runs)})
    if len(runs) == 1 and runs[0][1].learner is not None:
        settings["learner"] = runs[0][1].learner
    return EvaluationReport(
        mode=mode,
        gold=", ".join(str(p) for p in golds),
        coder=coder,
        transcripts=sum(r.transcripts for _, r in runs),
        decisions=sum(r.decisions for _, r in runs),
        per_theme=per_theme,
        micro=micro,
        macro=macro,
        curve=_curve([entry for _, r in runs for entry in r.timeline]) if mode == "simulate" else [],
        baseline=baseline,
        cold=cold,
        effort=decisions_to_recall(replay),
        pr_curve=precision_recall_curve(replay),
        settings=settings,
        seconds=round(time.perf_counter() - started, 2),
    )


@dataclass
class _Gold:
    """One gold study as a replay reads it: the engine over it, its transcripts in order, their
    features and statistics, and the gold coder's codings per transcript."""

    engine: Engine
    tids: list[str]
    feats: dict[str, TranscriptFeatures]
    stats: StudyStats
    codings: dict[str, list[tuple[int, int, int, str]]]
    coder: str


@dataclass
class _Run:
    """One gold study's raw counts, before pooling and summarising."""

    names: list[str]
    per: list[Counts]
    transcripts: int
    decisions: int
    timeline: list[tuple[int, list[Counts]]] = field(default_factory=list)
    base: list[Counts] | None = None
    baselines: dict[str, list[Counts]] = field(default_factory=dict)
    replay: list[Replayed] = field(default_factory=list)
    train_seconds: float = 0.0  # the engine's retrains
    baseline_seconds: float = 0.0  # the TF-IDF + LR baseline's retrains
    retrains: int = 0
    trained_on: int = 0
    learner: dict[str, Any] | None = None


# (transcript, rows, labels, explicit, weight): a Labelled, named by its transcript
Sample = list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]


class _Baselines:
    """The textbook coders of :mod:`piri_qual.assist.baselines`, replayed beside the engine.

    In ``simulate`` they run in a process of their own (:mod:`piri_qual.assist.sidecar`): the
    replay posts each transcript's gold (:meth:`add`) and each retrain's sample (:meth:`refit`),
    named by transcript, since the process already holds every transcript's features, and asks
    for the totals (:meth:`results`) at the end."""

    def __init__(self, engine: Engine, feats: dict[str, TranscriptFeatures]) -> None:
        self.engine = engine
        self.feats = feats
        self.n_themes = len(engine.themes)
        self.ids = [t.id for t in engine.themes]
        self.definitions = engine.embed_texts(definition_texts(engine.themes))
        self._sims = {tid: f.sentence_vectors(f.candidates) @ self.definitions.T for tid, f in feats.items()}
        self.cutoffs = definition_cutoffs(list(self._sims.values()), self.n_themes)
        self.logreg = TfidfLogReg(self.n_themes)
        self.totals: dict[str, list[Counts]] = {}
        self.seconds = 0.0  # the TF-IDF + LR coder's refits

    def texts(self, feats: TranscriptFeatures, rows: np.ndarray) -> list[str]:
        return sentence_texts(self.engine.study.transcript(feats.transcript).text, feats, rows)

    def retrain(self, labelled: list[Labelled]) -> None:
        self.logreg.fit(labelled, [self.texts(it.feats, it.rows) for it in labelled])

    def refit(self, sample: Sample) -> None:
        """Retrain on labelled sentences given as (transcript, rows, labels, explicit, weight)."""
        started = time.perf_counter()
        self.retrain([Labelled(self.feats[tid], rows, labels, explicit, weight)
                      for tid, rows, labels, explicit, weight in sample])
        self.seconds += time.perf_counter() - started

    def add(self, tid: str, gold: list[tuple[int, int, int, str]]) -> None:
        """Score both coders on one transcript with their current models; add to the totals."""
        _add_all(self.totals, self.counts(self.feats[tid], gold))

    def results(self) -> tuple[dict[str, list[Counts]], float]:
        return self.totals, self.seconds

    def counts(self, feats: TranscriptFeatures, gold: list[tuple[int, int, int, str]]) -> dict[str, list[Counts]]:
        rows = feats.candidates
        out = {}
        for name in BASELINES:
            if name == "tfidf_logreg":
                chosen, probs = self.logreg.choose(self.texts(feats, rows))
            else:
                chosen, probs = definition_cosine(self._sims[feats.transcript], self.cutoffs)
            found = cells_to_suggestions(feats, rows, chosen, probs, self.ids)
            out[name] = score_transcript(feats, found, gold, self.engine.index_of, self.n_themes)
        return out


def cells_to_suggestions(
    feats: TranscriptFeatures, rows: np.ndarray, chosen: np.ndarray, probs: np.ndarray, theme_ids: list[str]
) -> list[Suggestion]:
    """Chosen (sentence, theme) cells as suggestions, adjacent sentences of one theme and turn
    joined into one excerpt, as the engine joins its own."""
    units = feats.sentence_unit[rows]
    spans = feats.sentences[rows]
    out = []
    for theme in np.nonzero(chosen.any(0))[0].tolist():
        for run in runs(np.nonzero(chosen[:, theme])[0], units, rows):
            out.append(Suggestion(
                transcript=feats.transcript, start=int(spans[run[0], 0]), end=int(spans[run[-1], 1]), quote="",
                theme=theme_ids[theme], score=float(probs[run, theme].max()), source="baseline", reason="",
            ))
    return out


def _replayed(
    engine: Engine, feats: TranscriptFeatures, found: list[Suggestion], gold: list[tuple[int, int, int, str]],
    best: np.ndarray | None,
) -> Replayed:
    rows = feats.candidates
    return Replayed(
        feats.sentences[rows],
        [(s.start, s.end, engine.index_of[s.theme], s.score) for s in found],
        [(a, b, t) for a, b, t, _ in gold],
        best if best is not None and len(best) == len(rows) else np.zeros(len(rows), np.float32),
    )


def _score(engine: Engine, feats: TranscriptFeatures, learner: Learner, stats: StudyStats) -> tuple[list[Suggestion], np.ndarray | None]:
    """The engine's suggestions for a transcript (spans, themes and scores; the words of a
    reason are not needed to score them) and each candidate sentence's best score."""
    table = engine.score_table(feats, learner, stats)
    found = [
        Suggestion(transcript=feats.transcript, start=int(a), end=int(b), quote="", theme=engine.themes[t].id,
                   score=float(p), source="", reason="")
        for a, b, t, p in zip(table.start.tolist(), table.end.tolist(), table.theme.tolist(), table.score.tolist(),
                              strict=True)
    ]
    return found, table.best


def _add_all(totals: dict[str, list[Counts]], counts: dict[str, list[Counts]]) -> None:
    for name, per in counts.items():
        into = totals.setdefault(name, [Counts() for _ in per])
        for total, c in zip(into, per, strict=True):
            total.add(c)


def _simulate(given: _Gold, retrain_every: int, retrain_growth: float = RETRAIN_GROWTH, fork: bool = True) -> _Run:
    # beside the replay, in a process of its own that yields a core to the replay's retrains (the
    # replay waits on them; the baselines only have to be done by the end): docs/design.md
    with sidecar(_Baselines(given.engine, given.feats), fork, nice=SIDECAR_NICE) as baselines:
        run = _replay(given, retrain_every, retrain_growth, baselines)
        run.baselines, run.baseline_seconds = baselines.ask("results")
    return run


def _replay(given: _Gold, retrain_every: int, retrain_growth: float, baselines: Sidecar) -> _Run:
    """The engine's side of :func:`_simulate`; the baselines are posted what they need."""
    engine, tids, feats, stats, gold_codings, coder = given.engine, given.tids, given.feats, given.stats, given.codings, given.coder
    n_themes = len(engine.themes)
    decisions = Decisions()
    labelled: list[Labelled] = []  # each decided transcript's labels, made once (its decisions are final)
    learner = cold = cold_learner(n_themes)
    trained_at = 0
    per = [Counts() for _ in range(n_themes)]
    timeline: list[tuple[int, list[Counts]]] = []
    retrains = 0
    cold_totals = [Counts() for _ in range(n_themes)]
    replay: list[Replayed] = []
    train_seconds = 0.0
    for tid in tids:
        f = feats[tid]
        gold = gold_codings.get(tid, [])
        found, best = _score(engine, f, learner, stats)
        counts = score_transcript(f, found, gold, engine.index_of, n_themes)
        replay.append(_replayed(engine, f, found, gold, best))
        baselines.post("add", tid, gold)
        cold_found = found if learner is cold else _score(engine, f, cold, stats)[0]
        for total, c in zip(cold_totals, score_transcript(f, cold_found, gold, engine.index_of, n_themes), strict=True):
            total.add(c)
        timeline.append((decisions.count, counts))
        for total, c in zip(per, counts, strict=True):
            total.add(c)
        missed = sum(c.gold - c.found for c in counts)
        decisions.count += len(found) + missed  # a confirm or reject per suggestion, an add per miss
        decisions.codings[tid] = list(gold)
        decisions.rejections[tid] = [
            (s.start, s.end, engine.index_of[s.theme])
            for s in found
            if not any(g[2] == engine.index_of[s.theme] and g[0] < s.end and s.start < g[1] for g in gold)
        ]
        decisions.reviewed[tid] = int(f.sentences[:, 1].max()) if len(f.sentences) else 0
        if (lab := label_transcript(f, decisions, n_themes)) is not None:
            labelled.append(lab)
        if tid != tids[-1] and retrain_due(decisions.count, trained_at, retrain_every, retrain_growth):
            # (after the last transcript a model would suggest nothing more: not trained)
            # the baselines' refit first, so it runs while the engine trains: on the sentences the engine fits on
            baselines.post("refit", [(it.feats.transcript, it.rows, it.labels, it.explicit, it.weight)
                                     for it in training_sample(labelled)])
            started = time.perf_counter()
            learner = train(labelled, engine.prototypes, stats, coder, decisions.count, engine.examples, engine.precision)
            train_seconds += time.perf_counter() - started
            trained_at = decisions.count
            retrains += 1
    return _Run([t.id for t in engine.themes], per, len(tids), decisions.count, timeline, retrains=retrains,
                base=cold_totals, replay=replay, train_seconds=train_seconds,
                learner=learner.info.settled() if learner.info else None)  # the same study, the same report


def _curve(timeline: list[tuple[int, list[Counts]]]) -> list[dict[str, Any]]:
    """F1 of the suggestions made with 0-49, 50-99, 100-199, ... decisions learned from."""
    edges = [0, *CURVE_POINTS]
    out = []
    for lo, hi in zip(edges, [*edges[1:], None], strict=True):
        window = Counts()
        n = 0
        for before, counts in timeline:
            if before >= lo and (hi is None or before < hi):
                n += 1
                for c in counts:
                    window.add(c)
        if n:
            out.append({"decisions": lo, "transcripts": n, **window.summary()})
    return out


def _split(given: _Gold, fraction: float) -> _Run:
    engine, tids, feats, stats, gold_codings, coder = given.engine, given.tids, given.feats, given.stats, given.codings, given.coder
    if not 0 < fraction < 1:
        raise PiriQualError(f"--train must be between 0 and 1 (got {fraction})")
    if len(tids) < 2:
        raise PiriQualError("a split needs at least two transcripts", path=engine.study.corpus_dir)
    n_themes = len(engine.themes)
    cut = max(1, min(len(tids) - 1, round(len(tids) * fraction)))
    train_ids, test_ids = tids[:cut], tids[cut:]
    decisions = Decisions()
    for tid in train_ids:
        decisions.codings[tid] = list(gold_codings.get(tid, []))
        decisions.reviewed[tid] = int(feats[tid].sentences[:, 1].max()) if len(feats[tid].sentences) else 0
        decisions.count += len(decisions.codings[tid])
    labelled = [lab for t in train_ids if (lab := label_transcript(feats[t], decisions, n_themes)) is not None]
    learner = train(labelled, engine.prototypes, stats, coder, decisions.count, engine.examples, engine.precision)
    baselines = _Baselines(engine, feats)
    baselines.retrain(labelled)
    base_totals: dict[str, list[Counts]] = {}
    cold = cold_learner(n_themes)
    replay: list[Replayed] = []
    per = [Counts() for _ in range(n_themes)]
    base = [Counts() for _ in range(n_themes)]
    timeline: list[tuple[int, list[Counts]]] = []
    for tid in test_ids:
        gold = gold_codings.get(tid, [])
        _add_all(base_totals, baselines.counts(feats[tid], gold))
        for totals, model in ((per, learner), (base, cold)):
            found, best = _score(engine, feats[tid], model, stats)
            counts = score_transcript(feats[tid], found, gold, engine.index_of, n_themes)
            if model is learner:
                timeline.append((decisions.count, counts))
                replay.append(_replayed(engine, feats[tid], found, gold, best))
            for total, c in zip(totals, counts, strict=True):
                total.add(c)
    return _Run(
        [t.id for t in engine.themes], per, len(test_ids), decisions.count, timeline=timeline, base=base,
        baselines=base_totals, trained_on=len(train_ids), replay=replay,
        learner=learner.info.as_dict() if learner.info else None,
    )
