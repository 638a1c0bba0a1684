"""Study commands: init, import, transcripts, summary (the codebook has its own module)."""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
import sys
from pathlib import Path

import click

from piri_qual.cli.options import FilePath, json_option, open_study, study_option
from piri_qual.cli.render import console, print_json, table
from piri_qual.errors import PiriQualError


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default=None, help="Study title (default: the folder name).")
@click.option("--no-framework", is_flag=True,
              help="Start without a framework and with an empty codebook (inductive coding).")
@click.option("--permissions", type=click.Choice(["private", "group", "umask"]), default="private", show_default=True,
              help="Who may read the files piri-qual writes: you alone, your Unix group too (a shared "
                   "drive), or as your umask says.")
def init(folder: Path, title: str | None, no_framework: bool, permissions: str) -> None:
    """Create a new study folder.

    \b
    Examples:
      piri-qual init piri-evaluation --title "PIRi service evaluation"
      piri-qual init parents-study --no-framework     # codes first, themes later
    """
    from piri_qual.core.settings import init_study

    root = init_study(folder, title, framework=not no_framework, permissions=permissions)
    click.echo(f"Created study {root}")
    if no_framework:
        click.echo("Next: `piri-qual import FILES...`, then create codes as you read "
                   "(`piri-qual code`, or `piri-qual codebook add`).")
    else:
        click.echo("Next: add your framework and codebook, then `piri-qual import FILES...`.")


@click.command(name="import")
@click.argument("files", nargs=-1, required=True, type=FilePath())
@click.option("--participant", default=None, help="Participant id for the (single) file, e.g. P07.")
@click.option("--group", default=None, help="Participant group, e.g. parent or staff.")
@click.option("--force", is_flag=True, help="Re-read files even when unchanged.")
@click.option("--replace", is_flag=True,
              help="A file named like an imported one but from another folder is its new version "
                   "(without this it is refused, never silently replaced).")
@click.option("--into", "into", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="For .qdpx/.qdc: the study folder to import into (created if missing).")
@click.option("--comments-as-codings", is_flag=True,
              help="For .docx coded in Word: turn each comment into codings by its author.")
@click.option("--add-themes", is_flag=True,
              help="With --comments-as-codings or .qdc: add unknown codes to the codebook.")
@click.option("--speakers", default=None, metavar="LABELS",
              help='The files\' speaker labels, each with an optional role: "HK=interviewer,Carer 3=participant"; '
                   '"none" when they have no speakers.')
@click.option("--preview", is_flag=True, help="Print the first turns as detected; import nothing.")
@click.option("--turns", "preview_turns", type=click.IntRange(1), default=12, show_default=True,
              help="With --preview: how many turns to show.")
@study_option
def import_(files: tuple[Path, ...], participant: str | None, group: str | None, force: bool, replace: bool,
            into: Path | None, comments_as_codings: bool, add_themes: bool, speakers: str | None,
            preview: bool, preview_turns: int, study_dir: Path | None) -> None:
    """Import transcripts, REFI-QDA projects (.qdpx) or codebooks (.qdc).

    Transcripts: .docx, .odt, .rtf, .doc (through LibreOffice), .pdf with a text layer, .vtt,
    .srt, .txt, .md and .html. Participant id and group come from --participant/--group, from
    participants.csv, or from the file name (P07_parent.docx). Each line names the speakers
    found; a file with no speaker labels, only one, or one speaker with over 90% of the words
    gets a warning. Unchanged files are skipped; changed files are re-read and their codings
    re-anchored. One bad file does not stop the others. A .qdpx from NVivo, ATLAS.ti, MAXQDA or
    QualCoder becomes a study (one coder log per user); a Word file coded with comments becomes
    codings by each comment's author.

    \b
    Examples:
      piri-qual import transcripts/*.docx
      piri-qual import --preview session4.odt          # check the speakers first
      piri-qual import session4.odt --speakers "HK=interviewer"
      piri-qual import interview3.vtt --participant P03 --group parent
      piri-qual import project.qdpx --into nvivo-study
      piri-qual import coded.docx --comments-as-codings --add-themes
    """
    if preview:
        _preview(files, speakers, preview_turns, study_dir)
        return
    exchange = [f for f in files if f.suffix.lower() in (".qdpx", ".qdc")]
    if exchange or comments_as_codings:
        from piri_qual.cli.exchange_import import run_exchange_import

        run_exchange_import(files, study_dir, into, comments_as_codings, add_themes)
        return
    study = open_study(study_dir)
    # ids come from file names (or are the ones already imported), so the longest name bounds
    # the column: a long id no longer pushes its line out of line with the others
    width = max([10, *(len(t) for t in study.transcript_ids()), *(len(f.stem) for f in files)])

    # A line a file, flushed at once on a terminal; into a pipe or file they go out in blocks,
    # flushed before each warning so the two streams keep their order (click.echo flushes every
    # line: a twentieth of a re-import of 1,000 unchanged files).
    live = sys.stdout.isatty()

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        if live:
            sys.stdout.flush()

    def warn(line: str) -> None:
        sys.stdout.flush()
        click.echo(line, err=True)

    def progress(outcome) -> None:  # noqa: ANN001
        if outcome.status == "failed":
            warn(f"error: {outcome.message}")
            return
        detail = f"{_count(outcome.turns, 'turn')}, {_count(outcome.words, 'word')}"
        if outcome.findings is not None:
            detail += f"; {outcome.findings.summary()}"
        if outcome.reanchored:
            detail += f", {_count(outcome.reanchored, 'coding')} re-anchored"
        say(f"{outcome.status:>9}  {outcome.transcript_id:<{width}} {outcome.path.name}  ({detail})")
        if outcome.findings is not None and outcome.status != "unchanged":  # warned when imported
            for warning in outcome.findings.warnings:
                warn(f"warning: {outcome.path.name}: {warning}")
        for orphan in outcome.orphaned:
            warn(f"warning: orphaned coding on {outcome.transcript_id}: {orphan} "
                 "(its quote is no longer in the text; re-code it)")

    report = study.import_files(list(files), participant=participant, group=group, force=force,
                                replace=replace, progress=progress, speakers=speakers)
    for warning in report.warnings:
        warn(f"warning: {warning}")
    counts = {s: sum(o.status == s for o in report.outcomes) for s in ("imported", "updated", "unchanged", "failed")}
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to do")
    if not report.ok:
        raise click.exceptions.Exit(2)


def _count(n: int, word: str) -> str:
    """``1 turn``, ``33 turns``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _preview(files: tuple[Path, ...], speakers: str | None, turns: int, study_dir: Path | None) -> None:
    """``import --preview``: each file's first turns under the study's roles (if in a study)."""
    from piri_qual.core.settings import SETTINGS_FILE, Settings, find_study_root
    from piri_qual.ingest.derive import speaker_list
    from piri_qual.ingest.preview import preview_lines

    roles: dict[str, str] = {}
    try:
        root = study_dir if study_dir is not None else find_study_root()
        if (root / SETTINGS_FILE).is_file():
            roles = Settings.load(root / SETTINGS_FILE).roles
    except PiriQualError:
        pass  # outside a study: no roles: to apply
    given = speaker_list(speakers)
    failed = False
    for n, path in enumerate(files):
        if n:
            click.echo("")
        try:
            for line in preview_lines(path, roles, given, turns):
                click.echo(line, err=line.startswith("warning: "))
        except PiriQualError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
    if failed:
        raise click.exceptions.Exit(2)


@click.command()
@study_option
@json_option
def transcripts(study_dir: Path | None, as_json: bool) -> None:
    """List imported transcripts: participant, group, turns, words, speakers.

    \b
    Example:
      piri-qual transcripts --study examples/piri
    """
    study = open_study(study_dir)
    frame = study.transcripts()
    if as_json:
        print_json(frame.to_dict(orient="records"))
        return
    rows = [[r.id, r.participant, r.group, r.format, r.turns, r.words, r.speakers] for r in frame.itertuples()]
    console().print(table(f"{len(rows)} transcripts", ["id", "participant", "group", "format", "turns", "words", "speakers"], rows))


@click.command()
@study_option
def summary(study_dir: Path | None) -> None:
    """Summarise the study: transcripts, turns and words by group; coders and codings.

    \b
    Example:
      piri-qual summary
    """
    # Plain Python, not pandas: on a small study importing pandas would cost more than the rest.
    study = open_study(study_dir)
    out = console()
    out.print(f"[bold]{study.settings.title}[/bold]  ({study.root})")
    by_group: dict[str, list[int]] = {}
    for t in study.iter_transcripts():
        counts = by_group.setdefault(t.group or "(none)", [0, 0, 0])
        counts[0] += 1
        counts[1] += len(t.turns)
        counts[2] += t.words
    if not by_group:
        raise PiriQualError("no transcripts imported yet", hint="Run `piri-qual import FILES...`.")
    rows: list[list[object]] = [[g, *by_group[g]] for g in sorted(by_group)]
    rows.append(["all", *[sum(c[i] for c in by_group.values()) for i in range(3)]])
    out.print(table("Transcripts by group", ["group", "transcripts", "turns", "words"], rows))
    coders = study.coders()
    if coders:
        crow = []
        for name in coders:
            current = study.fold(name).codings.values()
            crow.append([name, len(current), len({c.transcript for c in current}), len({c.theme for c in current})])
        out.print(table("Coders", ["coder", "codings", "transcripts", "themes"], crow))
        from piri_qual.core.theme_check import warn_theme_problems

        warn_theme_problems(study, coders)


COMMANDS = [init, import_, transcripts, summary]
