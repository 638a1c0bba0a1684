"""``piri-qual codebook``: show the codebook, change it while coding, and read how it developed.

``piri-qual codebook`` alone prints the framework and codebook as a tree (and validates them).
Its subcommands change the codebook the way thematic analysis does (add, rename, merge, split,
move, retire, edit), each recorded with the coder, the time and ``--why`` in the codebook's
history, and read that history back (history, show --at, diff).
"""

from __future__ import annotations

# Library imports sit inside the commands: every command module loads for `piri-qual --help`, which
# must not pay for spaCy, pandas, Textual or python-docx (tests/test_study_cli.py, bench_startup).
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from piri_qual.cli.options import coder_option, default_coder, json_option, open_study, study_option
from piri_qual.cli.render import console, print_json
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.codebook_history import CodebookHistory
    from piri_qual.core.codebook_store import Outcome
    from piri_qual.core.framework import Framework, Theme
    from piri_qual.study import Study

F = TypeVar("F", bound=Callable[..., Any])
CODER_HELP = "Who makes the change (recorded in the history); default: PIRI_QUAL_CODER or the only coder."


def why_option(func: F) -> F:
    return click.option("--why", default=None, help="The reason, recorded in the codebook history.")(func)


@click.group(invoke_without_command=True)
@study_option
@click.option("--definitions", is_flag=True, help="Show each theme's definition.")
@click.option("--counts", "counts_of", default=None, metavar="CODER",
              help="Show how many codings of this coder each theme has.")
@json_option
@click.pass_context
def codebook(ctx: click.Context, study_dir: Path | None, definitions: bool, counts_of: str | None,
             as_json: bool) -> None:
    """Show the framework and codebook as a tree (and validate them); change the codebook.

    Codings whose theme is neither in the codebook nor renamed by its history are reported,
    with the command that fixes them.

    \b
    Examples:
      piri-qual codebook --definitions
      piri-qual codebook add feeling_judged --label "Feeling judged" --parent stigma_themes
      piri-qual codebook rename waiting_times waiting --why "shorter"
      piri-qual codebook history
    """
    ctx.ensure_object(dict)
    ctx.obj["study_dir"] = study_dir
    if ctx.invoked_subcommand is not None:
        return
    from piri_qual.core.theme_check import warn_theme_problems

    study = open_study(study_dir)
    book = study.codebook
    framework = study.framework
    if as_json:
        print_json({"codebook": book.id, "framework": framework.id if framework else None,
                    "themes": [t.as_dict() for t in book.all_themes]})
        return
    counts: Counter[str] | None = None
    if counts_of:
        study.require_coder(counts_of)
        counts = Counter(c.theme for c in study.fold(counts_of).codings.values())
    console().print(theme_tree(book.label, book.themes, book.retired, framework, definitions, counts))
    warn_theme_problems(study)


def theme_tree(title: str, themes: list[Theme], retired: list[Theme], framework: Framework | None,
               definitions: bool = False, counts: Counter[str] | None = None):  # noqa: ANN201 - a rich Tree
    """Domains -> constructs -> themes -> their sub-themes (``parent:``), then the rest and the retired."""
    from rich.markup import escape
    from rich.tree import Tree

    children: dict[str, list[Theme]] = {}
    ids = {t.id for t in themes}
    for theme in themes:
        if theme.parent and theme.parent in ids:
            children.setdefault(theme.parent, []).append(theme)

    def add(node: Tree, theme: Theme, depth: int = 0) -> None:
        label = f"[cyan]{escape(theme.id)}[/cyan]  {escape(theme.label)}"
        if counts is not None:
            label += f"  [dim]({counts.get(theme.id, 0)})[/dim]"
        child = node.add(label)
        if definitions and theme.definition:
            child.add(f"[dim]{escape(theme.definition)}[/dim]")
        if depth < 20:
            for sub in children.get(theme.id, []):
                add(child, sub, depth + 1)

    root = Tree(f"[bold]{escape(title)}[/bold] ({len(themes)} themes"
                + (f", {len(retired)} retired" if retired else "") + ")")
    tops = [t for t in themes if not (t.parent and t.parent in ids)]
    placed: set[str] = set()
    if framework is not None:
        for domain in framework.domains:
            d_node = root.add(f"[bold]{escape(domain.label)}[/bold]")
            for construct in domain.constructs:
                c_node = d_node.add(escape(construct.label))
                for theme in tops:
                    if theme.construct == construct.id:
                        add(c_node, theme)
                        placed.add(theme.id)
    rest = [t for t in tops if t.id not in placed]
    if rest:
        other = root.add("[bold]Not placed in the framework[/bold]") if framework is not None else root
        for theme in rest:
            add(other, theme)
    if retired:
        old = root.add("[bold]Retired[/bold] [dim](kept for the codings made with them)[/dim]")
        for theme in retired:
            old.add(f"[dim]{escape(theme.id)}  {escape(theme.label)}[/dim]")
    return root


# -- changes -------------------------------------------------------------------------------------
def _study(ctx: click.Context, study_dir: Path | None) -> Study:
    return open_study(study_dir or (ctx.obj or {}).get("study_dir"))


def _followers(study: Study, themes: set[str]) -> str:
    """``14 codings of 2 coders (alice 10, bob 4)`` now under the given themes."""
    counts: Counter[str] = Counter()
    for coder in study.coders():
        if study.log(coder).path.exists():
            counts[coder] = sum(1 for c in study.fold(coder).codings.values() if c.theme in themes)
    total = sum(counts.values())
    who = ", ".join(f"{c} {n}" for c, n in counts.items() if n)
    return f"{total} coding{'s' if total != 1 else ''}" + (f" ({who})" if who else "")


def _report(outcome: Outcome, line: str) -> None:
    for change in outcome.recorded:
        if change.op == "snapshot":
            click.echo(f"history started: the codebook's {len(change.records or {})} themes as they stood")
        else:
            click.echo(f"recorded a hand edit of the YAML: {change.describe()}")
    click.echo(line)
    for note in outcome.notes:
        click.echo(f"note: {note}", err=True)


@codebook.command("add")
@click.argument("theme")
@click.option("--label", default=None, help="The theme's label (default: from its id).")
@click.option("--construct", default=None, help="Place it under this framework construct.")
@click.option("--parent", default=None, help="Place it under this theme (codes under a candidate theme).")
@click.option("--definition", default=None, help="What the theme means.")
@click.option("--include", multiple=True, help="When to apply it (repeat).")
@click.option("--exclude", multiple=True, help="When not to (repeat).")
@click.option("--keyword", "keywords", multiple=True, help="A keyword for suggestions (repeat).")
@why_option
@coder_option(help_text=CODER_HELP)
@study_option
@click.pass_context
def add(ctx: click.Context, theme: str, label: str | None, construct: str | None, parent: str | None,
        definition: str | None, include: tuple[str, ...], exclude: tuple[str, ...], keywords: tuple[str, ...],
        why: str | None, coder: str | None, study_dir: Path | None) -> None:
    """Create a theme (a code) while coding.

    \b
    Examples:
      piri-qual codebook add feeling_judged --label "Feeling judged" --definition "..."
      piri-qual codebook add felt_like_mine --parent bonding --why "in vivo, P01"
    """
    study = _study(ctx, study_dir)
    name = default_coder(study, coder)
    outcome = study.codebook_store.add(name, theme, label=label, construct=construct, parent=parent,
                                       definition=definition, include=include, exclude=exclude,
                                       keywords=keywords, why=why)
    where = f" under {parent}" if parent else f" in construct {construct}" if construct else ""
    _report(outcome, f"added {theme}{where}; {_followers(open_study(study.root), {theme})} use it")


@codebook.command("rename")
@click.argument("old")
@click.argument("new")
@click.option("--label", default=None, help="A new label too.")
@why_option
@coder_option(help_text=CODER_HELP)
@study_option
@click.pass_context
def rename(ctx: click.Context, old: str, new: str, label: str | None, why: str | None, coder: str | None,
           study_dir: Path | None) -> None:
    """Rename a theme's id; every coding of every coder follows (on every branch).

    Also repairs a rename made by hand in the YAML: when OLD is gone and NEW is there, the
    codings still under OLD are mapped to NEW.

    \b
    Example:
      piri-qual codebook rename waiting_times waiting --label "Waiting" --why "shorter"
    """
    study = _study(ctx, study_dir)
    outcome = study.codebook_store.rename(default_coder(study, coder), old, new, label=label, why=why)
    _report(outcome, f"renamed {old} -> {new}; {_followers(open_study(study.root), {new})} now under {new}")


@codebook.command("merge")
@click.argument("themes", nargs=-1, required=True)
@click.option("--into", "into", required=True, help="The theme they become (existing or new).")
@click.option("--label", default=None, help="Label of the merged theme.")
@why_option
@coder_option(help_text=CODER_HELP)
@study_option
@click.pass_context
def merge(ctx: click.Context, themes: tuple[str, ...], into: str, label: str | None, why: str | None,
          coder: str | None, study_dir: Path | None) -> None:
    """Merge themes: their codings become codings of --into (a span coded with both counts once).

    \b
    Example:
      piri-qual codebook merge fear_of_judgement stigma --into feeling_judged --label "Feeling judged"
    """
    study = _study(ctx, study_dir)
    outcome = study.codebook_store.merge(default_coder(study, coder), list(themes), into, label=label, why=why)
    _report(outcome, f"merged {', '.join(themes)} into {into}; {_followers(open_study(study.root), {into})} "
            f"now under {into}")


@codebook.command("split")
@click.argument("theme")
@click.option("--into", "into", required=True, metavar="B,C", help="The themes it splits into (comma-separated).")
@why_option
@coder_option(help_text=CODER_HELP)
@study_option
@click.pass_context
def split(ctx: click.Context, theme: str, into: str, why: str | None, coder: str | None,
          study_dir: Path | None) -> None:
    """Split a theme in two or more; its codings go to a review queue in the coding screen.

    Each coder then decides each of their codings (`piri-qual code --coder NAME --split THEME`):
    one of the new themes (ranked by the suggestion engine), keep both, or neither. Every
    reassignment is a logged decision. The old theme is retired meanwhile.

    \b
    Example:
      piri-qual codebook split support --into emotional_support,practical_support
    """
    study = _study(ctx, study_dir)
    targets = [t.strip() for t in into.split(",") if t.strip()]
    outcome = study.codebook_store.split(default_coder(study, coder), theme, targets, why=why)
    _report(outcome, f"split {theme} into {', '.join(targets)}; {_followers(open_study(study.root), {theme})} "
            f"await review (piri-qual code --coder NAME --split {theme})")


@codebook.command("move")
@click.argument("theme")
@click.option("--construct", default=None, help="Place it under this framework construct.")
@click.option("--parent", default=None, help="Place it under this theme.")
@click.option("--top", is_flag=True, help="Place it at the top level (no construct, no parent).")
@why_option
@coder_option(help_text=CODER_HELP)
@study_option
@click.pass_context
def move(ctx: click.Context, theme: str, construct: str | None, parent: str | None, top: bool, why: str | None,
         coder: str | None, study_dir: Path | None) -> None:
    """Move a theme under a construct or a parent theme (grouping codes into candidate themes).

    \b
    Examples:
      piri-qual codebook move felt_like_mine --parent bonding
      piri-qual codebook move bonding --construct connection
    """
    study = _study(ctx, study_dir)
    outcome = study.codebook_store.move(default_coder(study, coder), theme, construct=construct, parent=parent,
                                        top=top, why=why)
    _report(outcome, f"moved {outcome.change.describe().removeprefix('moved ')}")


@codebook.command("retire")
@click.argument("theme")
@why_option
@coder_option(help_text=CODER_HELP)
@study_option
@click.pass_context
def retire(ctx: click.Context, theme: str, why: str | None, coder: str | None, study_dir: Path | None) -> None:
    """Stop offering a theme; it stays for its codings, the history and exports of old work.

    \b
    Example:
      piri-qual codebook retire other_notes --why "everything in it was recoded"
    """
    study = _study(ctx, study_dir)
    outcome = study.codebook_store.retire(default_coder(study, coder), theme, why=why)
    _report(outcome, f"retired {theme}; its {_followers(open_study(study.root), {theme})} are kept")


@codebook.command("edit")
@click.argument("theme")
@click.option("--label", default=None, help="A new label.")
@click.option("--definition", default=None, help="A new definition.")
@click.option("--include", multiple=True, help="When to apply it (repeat; replaces the list).")
@click.option("--exclude", multiple=True, help="When not to (repeat; replaces the list).")
@click.option("--keyword", "keywords", multiple=True, help="Keywords (repeat; replaces the list).")
@click.option("--example", "examples", multiple=True, help="Example quotes (repeat; replaces the list).")
@why_option
@coder_option(help_text=CODER_HELP)
@study_option
@click.pass_context
def edit(ctx: click.Context, theme: str, label: str | None, definition: str | None, include: tuple[str, ...],
         exclude: tuple[str, ...], keywords: tuple[str, ...], examples: tuple[str, ...], why: str | None,
         coder: str | None, study_dir: Path | None) -> None:
    """Change a theme's label, definition, rules, keywords or examples (the old ones stay in the history).

    \b
    Example:
      piri-qual codebook edit waiting --definition "Waiting after referral, before the first visit." --why "review"
    """
    study = _study(ctx, study_dir)
    fields: dict[str, Any] = {}
    for key, value in (("label", label), ("definition", definition)):
        if value is not None:
            fields[key] = value
    for key, values in (("include", include), ("exclude", exclude), ("keywords", keywords), ("examples", examples)):
        if values:
            fields[key] = list(values)
    if not fields:
        raise PiriQualError("nothing to edit", hint="Give --label, --definition, --include, --exclude, --keyword or --example.")
    outcome = study.codebook_store.edit(default_coder(study, coder), theme, fields, why=why)
    _report(outcome, f"edited {theme}: {', '.join(sorted(outcome.change.fields or {}))}")


# -- reading the history ---------------------------------------------------------------------------
def parse_version(history: CodebookHistory, text: str) -> int:
    """How many changes a VERSION names: ``v12``/``12``, ``now``, a date, a time, or a change id."""
    value = text.strip()
    total = len(history)
    if value.casefold() in ("now", "current", "latest", "head"):
        return total
    number = value[1:] if value[:1] in ("v", "V") else value
    if number.isdigit():
        n = int(number)
        if n > total:
            raise PiriQualError(f"no version {value}: the codebook history has {total} change{'s' if total != 1 else ''}",
                                hint="See `piri-qual codebook history`.")
        return n
    import re

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return sum(1 for c in history.changes if c.time[:10] <= value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+([+-]\d{2}:\d{2}|Z)?", value):
        return history.upto_time(value.replace("Z", "+00:00"))
    hits = [i for i, c in enumerate(history.changes) if len(value) >= 6 and c.id.startswith(value)]
    if len(hits) == 1:
        return hits[0] + 1
    raise PiriQualError(f"{value!r} is not a version",
                        hint="Give v12 (see `piri-qual codebook history`), a date 2025-03-14, a time, a change id, or now.")


@codebook.command("history")
@click.argument("theme", required=False)
@json_option
@study_option
@click.pass_context
def history(ctx: click.Context, theme: str | None, as_json: bool, study_dir: Path | None) -> None:
    """List every change to the codebook (of one theme and the ids it had), oldest first.

    \b
    Examples:
      piri-qual codebook history
      piri-qual codebook history waiting
    """
    study = _study(ctx, study_dir)
    log = study.history
    number = {c.id: i + 1 for i, c in enumerate(log.changes)}
    changes = log.about(theme) if theme else log.changes
    if theme and not changes:
        raise PiriQualError(f"the codebook history has nothing about {theme!r}",
                            hint="Changes are recorded by `piri-qual codebook add|rename|merge|...`.")
    if as_json:
        print_json([{"version": number[c.id], **{k: v for k, v in vars(c).items() if v not in (None, (), [])}}
                    for c in changes])
        return
    if not changes:
        click.echo("The codebook has no history yet: it starts with the first `piri-qual codebook` change.")
        return
    title = f"History of {theme}" if theme else f"Codebook history ({len(log)} changes)"
    click.echo(title)
    for c in changes:
        click.echo(f"v{number[c.id]:<4} {c.time[:16].replace('T', ' ')}  {c.coder}  {c.describe()}")
        if c.why:
            click.echo(f"      why: {c.why}")
        if c.op == "edit" and c.fields and theme:
            for key in sorted(c.fields):
                click.echo(f"      {key} now: {_short(c.fields[key], 400)}")
                click.echo(f"      {key} was: {_short((c.before or {}).get(key), 400)}")


@codebook.command("show")
@click.option("--at", "at", default="now", show_default=True, metavar="DATE|VERSION",
              help="A version (v12), a date (2025-03-14: the end of that day), a time or a change id.")
@click.option("--definitions", is_flag=True, help="Show each theme's definition.")
@click.option("--yaml", "as_yaml", is_flag=True, help="Print the themes as YAML.")
@json_option
@study_option
@click.pass_context
def show(ctx: click.Context, at: str, definitions: bool, as_yaml: bool, as_json: bool, study_dir: Path | None) -> None:
    """Print the codebook as it was at a date or version of its history.

    \b
    Examples:
      piri-qual codebook show --at 2025-03-14
      piri-qual codebook show --at v3 --yaml
    """
    from piri_qual.core.framework import Theme
    from piri_qual.core.yamlfile import dump_yaml

    study = _study(ctx, study_dir)
    log = study.history
    upto = parse_version(log, at)
    state = log.replay(upto)
    records = [dict(r, id=tid) for tid, r in state.themes.items()]
    if as_json:
        print_json({"version": upto, "themes": records})
        return
    if as_yaml:
        click.echo(dump_yaml({"themes": records}), nl=False)
        return
    themes = [_theme(Theme, r) for r in records]
    when = log.changes[upto - 1].time[:16].replace("T", " ") if upto else "before its history began"
    book = study.codebook
    console().print(theme_tree(f"{book.label} at v{upto} ({when})", [t for t in themes if not t.retired],
                               [t for t in themes if t.retired], study.framework, definitions))


def _theme(cls: type[Theme], record: dict[str, Any]) -> Theme:
    lists = ("include", "exclude", "keywords", "patterns", "exclude_terms", "examples")
    return cls(
        id=str(record["id"]), label=str(record.get("label") or record["id"]), construct=record.get("construct"),
        parent=record.get("parent"), definition=str(record.get("definition") or ""),
        section=record.get("section"), retired=bool(record.get("retired")),
        codable=record.get("codable") is not False,
        **{k: tuple(record.get(k) or ()) for k in lists},
    )


@codebook.command("diff")
@click.argument("old")
@click.argument("new", default="now")
@json_option
@study_option
@click.pass_context
def diff(ctx: click.Context, old: str, new: str, as_json: bool, study_dir: Path | None) -> None:
    """What changed in the codebook between two versions (or dates); NEW defaults to now.

    \b
    Examples:
      piri-qual codebook diff v1 v5
      piri-qual codebook diff 2025-03-01
    """
    study = _study(ctx, study_dir)
    log = study.history
    a, b = parse_version(log, old), parse_version(log, new)
    lines = codebook_diff(log, a, b)
    if as_json:
        print_json({"from": a, "to": b, "changes": lines})
        return
    click.echo(f"codebook v{a} -> v{b}")
    for line in lines or ["no changes"]:
        click.echo(f"  {line}")


def codebook_diff(log: CodebookHistory, a: int, b: int) -> list[str]:
    """Lines describing how the codebook after ``b`` changes differs from it after ``a``."""
    first, second = log.replay(a), log.replay(b)
    out: list[str] = []
    moved: set[str] = set()
    for tid in first.themes:
        if tid in second.themes:
            continue
        went = second.current(tid)
        if went != tid and went in second.themes:
            verb = "merged into" if any(c.op == "merge" and tid in c.themes for c in log.changes[a:b]) else "renamed to"
            out.append(f"{verb} {went}: {tid}")
            moved.add(went)
        else:
            out.append(f"removed: {tid}")
    for tid, record in second.themes.items():
        if tid not in first.themes:
            if tid not in moved:
                out.append(f"added: {tid} ({record.get('label', '')})")
            continue
        before = first.themes[tid]
        for key in sorted(set(before) | set(record)):
            if key != "id" and (before.get(key) or None) != (record.get(key) or None):
                if key == "retired":
                    out.append(f"{'retired' if record.get(key) else 'restored'}: {tid}")
                else:
                    out.append(f"{tid}.{key}: {_short(before.get(key))} -> {_short(record.get(key))}")
    return out


def _short(value: Any, limit: int = 60) -> str:
    text = " ".join(str(value).split()) if value not in (None, "", []) else "(none)"
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


COMMANDS = [codebook]
