"""``piri-qual suggest``, ``suggestions`` (list / accept / reject) and ``evaluate``.

Thin: parse, call :mod:`piri_qual.assist.engine` or :mod:`piri_qual.assist.evaluate`, render.
spaCy and numpy load only when one of these commands runs.
"""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from piri_qual.cli.options import coder_option, default_coder, json_option, open_study, study_option
from piri_qual.cli.render import console, print_json, table
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.assist.evaluate import EvaluationReport
    from piri_qual.assist.types import Suggestion
    from piri_qual.study import Study


def _progress(total: int, label: str) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("words"), TimeRemainingColumn(),
        console=console(stderr=True), transient=True,
    )


class _Steps:
    """The suggest command's progress on stderr: one bar per pass, over transcripts; nothing
    when stderr is not a terminal (a log or a pipe gets the summary alone)."""

    def __init__(self, totals: dict[str, int]) -> None:
        self.totals = totals
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> _Steps:
        err = console(stderr=True)
        if err.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("transcripts"), TimeRemainingColumn(), console=err, transient=True)
            self.bar.start()
        return self

    def __call__(self, phase: str, n: int) -> None:
        if self.bar is None:
            return
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=self.totals.get(phase))
        self.bar.advance(self.tasks[phase], n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _coder_or_none(study: Study, coder: str | None) -> str | None:
    """--coder, else PIRI_QUAL_CODER or the only coder; None (cold start) when that is unclear."""
    try:
        return default_coder(study, coder)
    except PiriQualError:
        return None


@click.command()
@study_option
@coder_option(help_text="Learn from this coder's decisions (default: the only coder; none: rules and similarity).")
@click.option("--transcript", "transcript_id", default=None, help="Only this transcript (the study is still indexed).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes to read and score transcripts with (default: every core).")
@json_option
def suggest(study_dir: Path | None, coder: str | None, transcript_id: str | None, jobs: int | None,
            as_json: bool) -> None:
    """Compute suggested codings and store them in the cache (.piri-cache/).

    Sentences of participant turns are scored against every theme by codebook rules, similarity
    to the theme's definition and examples, and a model trained on the coder's confirmed and
    rejected suggestions (retrained first if they decided anything since). Unchanged
    transcripts are not recomputed, and a run that is stopped keeps what it finished: the next
    run picks up from there. Transcripts are read and scored in --jobs processes, one
    transcript at a time each, so memory does not grow with the study.

    \b
    Example:
      piri-qual suggest --coder alice
      piri-qual suggestions --coder alice --transcript P07
    """
    from piri_qual.assist.engine import Engine

    study = open_study(study_dir, remember_transcripts=False)  # the corpus is streamed, never held
    who = _coder_or_none(study, coder)
    ids = [transcript_id] if transcript_id else study.transcript_ids()
    if transcript_id:
        study.transcript(transcript_id)
    if not study.transcript_ids():
        raise PiriQualError("the study has no transcripts yet", path=study.corpus_dir,
                            hint="Import some with `piri-qual import FILE`.")
    import os

    engine = Engine(study)
    with _Steps({"reading": len(study.transcript_ids()), "scoring": len(ids)}) as steps:
        run = engine.suggest_all(ids, who, advance=steps, jobs=jobs or os.cpu_count() or 1)
    if as_json:
        print_json({
            "coder": who, "transcripts": run.transcripts, "computed": run.computed, "scored": run.scored,
            "suggestions": run.suggestions, "retrained": run.retrained,
            "learner": run.learner.as_dict() if run.learner else None,
        })
        return
    out = console()
    rows = [[tid, n] for tid, n in run.suggestions.items()]
    out.print(table(f"{sum(run.suggestions.values())} suggestions for {who or 'anyone (no coder: rules and similarity only)'}",
                    ["transcript", "suggestions"], rows))
    if run.learner is not None:
        info = run.learner
        out.print(f"model: trained on {info.decisions} decisions ({info.positives} coded sentences, "
                  f"{info.rejections} rejections), threshold {info.threshold}"
                  + (" - retrained now" if run.retrained else ""))
        if info.precision_target is not None:
            if info.precision_aimed:
                out.print(f"cut-offs per theme aim at precision {info.precision_target} "
                          f"(on held-out folds of your decisions: {info.expected_precision})")
            else:
                out.print(f"precision {info.precision_target} is out of reach on your decisions so far without "
                          f"losing half of what would be found; showing the best-F1 cut-off "
                          f"(expected precision {info.expected_precision}; set suggestion_precision in piri-qual.yaml)")
        if info.whole_units:
            out.print("suggestions cover whole turns and answers, as most of your codings do")
        if info.relative_cutoff and info.relative_cutoff >= 1:
            out.print("where a sentence fits several themes, only its strongest is shown "
                      "(learned: you give a sentence one theme)")
        elif info.relative_cutoff:
            out.print(f"where a sentence fits several themes, only those scoring at least {info.relative_cutoff:.0%} "
                      f"of its best are shown (learned from how many themes you give a sentence)")
    else:
        out.print("model: none yet (cold start: codebook rules and similarity alone)")
    out.print(f"indexed {run.computed} new or changed transcript(s); see them with `piri-qual suggestions`")


def _listing(study: Study, coder: str | None, transcript_id: str | None, theme: str | None) -> list[Suggestion]:
    from piri_qual.assist.engine import Engine

    engine = Engine(study)
    ids = [transcript_id] if transcript_id else study.transcript_ids()
    learner = engine.learner(coder)
    found: list[Suggestion] = []
    for tid in ids:
        found.extend(engine.without_decided(engine.suggestions(tid, learner, coder), coder))
    if theme:
        wanted = study.codebook.resolve(theme).id
        found = [s for s in found if s.theme == wanted]
    found.sort(key=lambda s: (-s.score, s.transcript, s.start, s.theme))
    return found


def _listing_path(study: Study, coder: str | None) -> Path:
    return study.cache_dir / "listings" / f"suggestions-{coder or '_cold'}.json"


def _filters_of(transcript_id: str | None, theme: str | None) -> dict[str, str | None]:
    return {"transcript": transcript_id, "theme": theme}


def _save_listing(study: Study, coder: str | None, transcript_id: str | None, theme: str | None,
                  ids: list[str]) -> None:
    """Remember what the numbers of this listing meant, so `accept 3` means this listing's 3
    even after `accept 1` changed what a new listing would show."""
    import json

    from piri_qual.core.atomic import atomic_write_text

    data = {"filters": _filters_of(transcript_id, theme), "ids": ids}
    atomic_write_text(_listing_path(study, coder), json.dumps(data) + "\n")


def _listed_id(study: Study, coder: str | None, transcript_id: str | None, theme: str | None, n: int) -> str:
    """The id of suggestion number ``n`` of the last listing with these filters, or a clear refusal."""
    import json

    hint = ("Numbers refer to the last listing with the same --coder, --transcript and --theme: list them "
            "with `piri-qual suggestions`, or accept by id (s1a2b3c4).")
    try:
        data = json.loads(_listing_path(study, coder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise PiriQualError(f"no listing to take suggestion number {n} from", hint=hint) from None
    if not isinstance(data, dict) or data.get("filters") != _filters_of(transcript_id, theme):
        raise PiriQualError(f"the last listing had other filters, so number {n} is ambiguous", hint=hint)
    ids = data.get("ids") or []
    if not 1 <= n <= len(ids):
        raise PiriQualError(f"no suggestion number {n} in the last listing ({len(ids)} shown)", hint=hint)
    return str(ids[n - 1])


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


_filters = [
    study_option,
    coder_option(help_text="Whose model ranks them, and whose decisions are left out."),
    click.option("--transcript", "transcript_id", default=None, help="Only this transcript."),
    click.option("--theme", default=None, help="Only this theme (id or label)."),
]


def _with_filters(func: Any) -> Any:
    for decorate in reversed(_filters):
        func = decorate(func)
    return func


@click.group(invoke_without_command=True)
@_with_filters
@click.option("--limit", type=int, default=30, show_default=True, help="Show at most this many (0: all).")
@json_option
@click.pass_context
def suggestions(ctx: click.Context, study_dir: Path | None, coder: str | None, transcript_id: str | None,
                theme: str | None, limit: int, as_json: bool) -> None:
    """List cached suggestions, best first, with their reasons; accept or reject them.

    Numbers refer to the last listing with the same --coder, --transcript and --theme, and keep
    their meaning after decisions (accept 1, then accept 3: the 3 listed); ids (s1a2b3c4) stay
    the same between listings. Accepting appends a `confirm` event and rejecting a `reject`
    event to the coder's log, each carrying the suggestion's source, score and reason.

    \b
    Example:
      piri-qual suggestions --coder alice --transcript P07
      piri-qual suggestions accept --coder alice --transcript P07 1 3
      piri-qual suggestions reject --coder alice s1a2b3c4
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.markup import escape

    from piri_qual.assist.engine import suggestion_id

    study = open_study(study_dir)
    who = _coder_or_none(study, coder)
    found = _listing(study, who, transcript_id, theme)
    shown = found if limit <= 0 else found[:limit]
    _save_listing(study, who, transcript_id, theme, [suggestion_id(s) for s in shown])
    if as_json:
        print_json([{"n": i, "id": suggestion_id(s), **s.__dict__} for i, s in enumerate(shown, start=1)])
        return
    if not found:
        console().print("no suggestions (run `piri-qual suggest` first, or everything is decided)")
        return
    out = console()
    title = f"{len(found)} suggestions" + (f" (showing {len(shown)})" if len(shown) < len(found) else "")
    out.print(f"[bold]{title}[/bold], best first")
    # One block per suggestion reads at any terminal width, unlike an eight-column table.
    for i, s in enumerate(shown, start=1):
        out.print(f"[bold]{i:>3}[/bold]  [cyan]{escape(s.theme)}[/cyan]  {s.score:.2f}  {s.source}  "
                  f"{escape(s.transcript)} \\[{suggestion_id(s)}]", highlight=False)
        out.print(f"     \u201c{escape(_short(s.quote, 160))}\u201d", highlight=False)
        out.print(f"     [dim]why: {escape(s.reason)}[/dim]", highlight=False)


def _decide(accept: bool) -> click.Command:
    verb = "accept" if accept else "reject"
    doc = (
        f"{verb.capitalize()} suggestions by number (in the listing with the same filters) or id.\n\n"
        f"{'Appends a confirm' if accept else 'Appends a reject'} event carrying the suggestion's "
        "source, score and reason to the coder's log.\n\n"
        "\b\nExample:\n"
        f"  piri-qual suggestions {verb} --coder alice --transcript P07 1 2 s1a2b3c4\n"
    )

    @click.command(verb, help=doc)
    @_with_filters
    @click.argument("items", nargs=-1, required=True)
    def command(study_dir: Path | None, coder: str | None, transcript_id: str | None, theme: str | None,
                items: tuple[str, ...]) -> None:
        from piri_qual.assist.engine import decide, suggestion_id

        study = open_study(study_dir)
        who = default_coder(study, coder)
        found = _listing(study, who, transcript_id, theme)
        by_id = {suggestion_id(s): s for s in found}
        chosen: list[Suggestion] = []
        for item in items:  # every number is read from the last listing before anything is decided
            ident = _listed_id(study, who, transcript_id, theme, int(item)) if item.isdigit() else item
            if ident not in by_id:
                what = f"suggestion number {item} ({ident})" if item.isdigit() else f"suggestion {item!r}"
                raise PiriQualError(f"{what} is no longer open: it was decided, or is no longer suggested",
                                    hint="List them again with `piri-qual suggestions` (numbers then change).")
            if by_id[ident] not in chosen:
                chosen.append(by_id[ident])
        for s in chosen:
            decide(study, who, s, accept)
            click.echo(f"{'confirmed' if accept else 'rejected'} {s.theme} on {s.transcript} "
                       f"[{s.start}, {s.end}) {suggestion_id(s)}: {_short(s.quote, 60)}")

    return command


suggestions.add_command(_decide(True))
suggestions.add_command(_decide(False))


@click.command()
@click.option("--gold", "gold", required=True, multiple=True, type=click.Path(path_type=Path, exists=True),
              help="A gold-coded study folder (a .qdpx is not read yet: import it first). Repeat to pool "
                   "several small studies.")
@click.option("--coder", required=True, help="The gold coder in that study.")
@click.option("--mode", type=click.Choice(["simulate", "split"]), default="simulate", show_default=True,
              help="simulate: a researcher working through transcripts in order; split: train on the "
                   "first part, test on the rest.")
@click.option("--retrain-every", type=int, default=50, show_default=True,
              help="simulate: retrain after this many decisions (at first; see --retrain-growth).")
@click.option("--retrain-growth", type=float, default=1.0, show_default=True,
              help="simulate: then retrain only once the decisions have grown by this fraction since the "
                   "last retrain (1: doubled), so the replay stays linear in the study; 0: retrain every "
                   "--retrain-every decisions throughout.")
@click.option("--train", "train_fraction", type=float, default=0.5, show_default=True,
              help="split: fraction of transcripts (in order) to train on.")
@click.option("--themes", "show_themes", is_flag=True, help="Show the per-theme table too.")
@json_option
def evaluate(gold: tuple[Path, ...], coder: str, mode: str, retrain_every: int, retrain_growth: float,
             train_fraction: float, show_themes: bool, as_json: bool) -> None:
    """Measure suggestion quality against a gold coder: P, R, F1, kappa, learning curve.

    In simulate mode the engine suggests before each transcript knowing only the earlier gold
    decisions; the gold coding then confirms, rejects and adds, and the model retrains on all of
    them every --retrain-every decisions, then each time they have grown by --retrain-growth. A suggestion is right if it overlaps a gold coding of the same
    theme. Kappa compares engine and gold at sentence level.

    \b
    Example:
      piri-qual evaluate --gold . --coder gold
      piri-qual evaluate --gold path/to/study --coder gold --mode split --train 0.5 --json
      piri-qual evaluate --gold q1 --gold q2 --gold q3 --coder gold --retrain-every 10
    """
    from piri_qual.assist.evaluate import evaluate as run

    with _progress(0, "indexing") as bar:
        task = bar.add_task("indexing", total=None)
        report = run(list(gold), coder, mode, retrain_every, train_fraction, advance=lambda n: bar.advance(task, n),
                     retrain_growth=retrain_growth)
    if as_json:
        print_json(report.as_dict())
        return
    _render_report(report, show_themes)


def _render_report(report: EvaluationReport, show_themes: bool) -> None:
    out = console()
    head = ["", "sugg.", "right", "P", "gold", "found", "R", "F1", "kappa"]

    def row(name: str, m: dict[str, Any]) -> list[Any]:
        return [name, m.get("suggested", ""), m.get("right", ""), f"{m['precision']:.3f}", m.get("gold", ""),
                m.get("found", ""), f"{m['recall']:.3f}", f"{m['f1']:.3f}", f"{m['kappa']:.3f}"]

    from piri_qual.assist.evaluate import BASELINE_NAMES

    rows = [row("engine micro", report.micro), row("engine macro", report.macro)]
    if report.cold:
        rows.append(row("cold micro", report.cold["micro"]))
        rows.append(row("cold macro", report.cold["macro"]))
    for name, figures in (report.baseline or {}).items():
        rows.append(row(f"{BASELINE_NAMES.get(name, name)} micro", figures["micro"]))
        rows.append(row(f"{BASELINE_NAMES.get(name, name)} macro", figures["macro"]))
    title = (f"{report.mode}: {report.transcripts} transcripts scored, {report.decisions} decisions "
             f"({report.coder} in {report.gold}, {report.seconds:.1f} s)")
    summary = table(title, head, rows, justify_numbers=False)
    summary.columns[0].no_wrap = True
    out.print(summary)
    ci = report.micro.get("ci95") or {}
    if ci:
        out.print("95% bootstrap intervals over transcripts (micro): "
                  + ", ".join(f"{name} {lo:.3f}-{hi:.3f}" for name, (lo, hi) in ci.items()))
    if report.micro.get("right"):
        beside = [f"{BASELINE_NAMES.get(name, name)} {figures['micro']['boundary']:.2f}"
                  for name, figures in (report.baseline or {}).items() if figures["micro"].get("right")]
        out.print(f"excerpt boundaries: a right suggestion shares {report.micro['boundary']:.2f} of the span it and "
                  f"its gold excerpt cover (Jaccard; 1 = the same span)" + (f"; {', '.join(beside)}" if beside else ""))
    if report.cold:
        out.print("cold = every scored transcript suggested by rules and similarity alone, as before any decision")
    if report.baseline:
        out.print("baselines, same replay, sentences and scoring: TF-IDF (word 1-2-grams) + one-vs-rest logistic "
                  "regression retrained with the engine; definition cosine = each sentence's nearest theme by "
                  "label and definition, when in the theme's top decile")
    out.print("macro = mean over the themes the gold coder used")
    target = report.settings.get("precision_target")
    if target is not None:
        out.print(f"engine: each theme's cut-off aims at precision {target} once it has learned "
                  "(piri-qual.yaml suggestion_precision)")
    effort = report.effort or {}
    if effort.get("gold"):
        def shown(n: int | None) -> str:
            return f"{n:,}" if n is not None else "not reached"

        out.print(f"decisions to find 80% of the {effort['gold']:,} gold codings: "
                  f"{shown(effort.get('with_suggestions'))} with suggestions first, "
                  f"{shown(effort.get('without_suggestions'))} reading every sentence")
    if report.pr_curve:
        curve_rows = [[f"{c['cutoff']:.1f}", c["suggested"], f"{c['precision']:.3f}", f"{c['recall']:.3f}",
                       f"{c['f1']:.3f}"] for c in report.pr_curve]
        out.print(table("precision and recall if only suggestions scoring at least the cut-off were shown",
                        ["cut-off", "suggested", "precision", "recall", "F1"], curve_rows))
    if report.curve:
        curve = [[c["decisions"], c["transcripts"], c["suggested"], f"{c['precision']:.3f}", f"{c['recall']:.3f}",
                  f"{c['f1']:.3f}"] for c in report.curve]
        out.print(table("learning curve: suggestions made after N decisions (until the next point)",
                        ["decisions", "transcripts", "suggested", "precision", "recall", "F1"], curve))
    if show_themes:
        rows = [row(name, m) for name, m in sorted(report.per_theme.items())]
        out.print(table("per theme", head, rows, justify_numbers=False))


COMMANDS: list[click.Command] = [suggest, suggestions, evaluate]
