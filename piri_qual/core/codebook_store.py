"""The one write path for codebook changes: validated, the YAML edited in place, the history appended.

Every codebook operation (``piri-qual codebook add | rename | merge | split | move | retire |
edit``, creating a theme from the coding screen) goes through :class:`CodebookStore`, reached as
``study.codebook_store``. Under the history's lock it:

1. reads the codebook YAML and the history, and records as changes any edits made to the YAML
   by hand since the history last saw it (or, the first time, a snapshot of the codebook);
2. checks the operation against both (ids exist or are free, constructs and parents exist, no
   parent cycles, and an id that was renamed, merged away or retired is never reused, so the
   theme map can stay time-independent);
3. edits only the YAML lines the change touches (:mod:`piri_qual.core.codebook_yaml`), checks
   that the new file still loads, writes it atomically, and appends the change to
   ``codebooks/<name>.history.jsonl`` (fsynced).

The codings themselves are never rewritten: the coder logs stay append-only, and the fold maps
old ids through the history (:meth:`piri_qual.core.study.StudyFolder.fold`).
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from piri_qual.core.appendlog import append_lines
from piri_qual.core.atomic import atomic_write_text
from piri_qual.core.codebook_history import Change, CodebookHistory, Record, Replay
from piri_qual.core.codebook_yaml import CodebookText
from piri_qual.core.codings import Clock, validate_coder_name
from piri_qual.core.framework import ID_PATTERN, Codebook, load_codebook
from piri_qual.core.locking import log_lock, study_lock
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.study import StudyFolder

HISTORY_ATTRIBUTE = "codebooks/*.history.jsonl merge=union"
IMPORT_CODER = "import"  # who the history names for themes an exchange import added
EDITABLE = ("label", "definition", "include", "exclude", "keywords", "examples", "exclude_terms", "section")


@dataclass
class Outcome:
    """What a codebook operation wrote."""

    change: Change
    recorded: list[Change] = field(default_factory=list)  # hand edits / snapshot noticed first
    notes: list[str] = field(default_factory=list)


def humanise(theme_id: str) -> str:
    """A label for a theme created without one: ``practical_support`` -> ``Practical support``."""
    words = theme_id.replace("_", " ").replace("-", " ").replace(".", " ").split()
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def slug(name: str) -> str:
    """A theme id from words (``"felt like mine"`` -> ``felt_like_mine``)."""
    text = re.sub(r"[^0-9A-Za-z]+", "_", name.strip().casefold()).strip("_")
    return text[:48].rstrip("_") or "theme"


def _norm(record: Record) -> Record:
    """A theme record without its id and empty fields, for comparing versions."""
    return {k: v for k, v in record.items() if k != "id" and v not in (None, "", [], (), False)}


class CodebookStore:
    """Validates and records codebook changes for one study folder."""

    def __init__(self, study: StudyFolder) -> None:
        self.study = study
        self._clock = Clock()

    # -- the operations -----------------------------------------------------------------------
    def add(self, coder: str, theme: str, *, label: str | None = None, construct: str | None = None,
            parent: str | None = None, definition: str | None = None, include: Iterable[str] = (),
            exclude: Iterable[str] = (), keywords: Iterable[str] = (), why: str | None = None,
            source: str | None = None) -> Outcome:
        """Create a theme (a code), optionally under a construct or a parent theme."""
        def build(doc: CodebookText, book: Codebook, replay: Replay) -> Change:
            self._check_new_id(theme, book, replay)
            if construct and parent:
                raise PiriQualError("give --construct or --parent, not both",
                                    hint="A theme under a parent sits in its parent's construct.")
            self._check_placement(book, theme, construct, parent)
            record: Record = {"id": theme, "label": (label or "").strip() or humanise(theme)}
            if construct:
                record["construct"] = construct
            if parent:
                record["parent"] = parent
            record["definition"] = (definition or "").strip()
            for key, values in (("include", include), ("exclude", exclude), ("keywords", keywords)):
                items = [v.strip() for v in values if v.strip()]
                if items:
                    record[key] = items
            doc.append(record)
            return self._new(coder, "add", theme=theme, records={theme: _norm(record)}, why=why, source=source)

        return self._run(coder, build)

    def rename(self, coder: str, old: str, new: str, *, label: str | None = None, why: str | None = None) -> Outcome:
        """Give a theme a new id (and label); every coding of every coder follows."""
        def build(doc: CodebookText, book: Codebook, replay: Replay) -> Change:
            if old == new:
                raise PiriQualError(f"{old!r} is already the theme's id")
            in_yaml = book.lookup(old) is not None
            if not in_yaml:
                # the repair of a rename made by hand in the YAML: codings still use OLD
                if book.lookup(new) is None:
                    raise PiriQualError(f"no theme {old!r} in the codebook", path=book.path,
                                        hint=self._close_hint(old, book))
                if not self._used_or_known(old, replay):
                    raise PiriQualError(f"no theme {old!r} in the codebook, and no coding uses it", path=book.path)
                fields = {"label": label.strip()} if label else None
                if fields:
                    doc.set_field(new, "label", fields["label"])
                return self._new(coder, "rename", theme=old, to=new, fields=fields, why=why,
                                 before=None)
            self._check_new_id(new, book, replay, allow_back_to=old)
            before = book.lookup(old)
            assert before is not None
            doc.rename(old, new)
            fields = None
            if label and label.strip() != before.label:
                doc.set_field(new, "label", label.strip())
                fields = {"label": label.strip()}
            return self._new(coder, "rename", theme=old, to=new, fields=fields,
                             before={"label": before.label} if fields else None, why=why)

        return self._run(coder, build)

    def merge(self, coder: str, sources: list[str], into: str, *, label: str | None = None,
              why: str | None = None) -> Outcome:
        """Merge themes into one: their codings become codings of ``into`` (a span coded with two
        of them counts once). ``into`` may be one of the sources, an existing theme or a new id."""
        def build(doc: CodebookText, book: Codebook, replay: Replay) -> Change:
            names = list(dict.fromkeys(s.strip() for s in sources if s.strip()))
            if not [s for s in names if s != into]:
                raise PiriQualError("name at least one theme to merge into another",
                                    hint="e.g. piri-qual codebook merge A B --into C")
            for source in names:
                if book.lookup(source) is None and not self._used_or_known(source, replay):
                    raise PiriQualError(f"no theme {source!r} to merge", path=book.path,
                                        hint=self._close_hint(source, book))
            records: dict[str, Record] = {}
            target = book.lookup(into)
            if target is None:
                self._check_new_id(into, book, replay)
                first = next((book.lookup(s) for s in names if book.lookup(s) is not None), None)
                record: Record = {"id": into, "label": (label or "").strip() or humanise(into)}
                if first is not None and first.construct:
                    record["construct"] = first.construct
                if first is not None and first.parent and first.parent not in names:
                    record["parent"] = first.parent
                doc.append(record)
                records[into] = _norm(record)
            elif target.retired:
                raise PiriQualError(f"theme {into!r} is retired; merge into an offered theme", path=book.path)
            fields = None
            if target is not None and label and label.strip() != target.label:
                doc.set_field(into, "label", label.strip())
                fields = {"label": label.strip()}
            removed = {}
            for source in names:
                theme = book.lookup(source)
                if source != into and theme is not None:
                    removed[source] = _norm(theme.as_dict())
                    doc.remove(source)
            doc.repoint_parents({s for s in names if s != into}, into)
            return self._new(coder, "merge", to=into, themes=tuple(names), records=records or None,
                             removed=removed or None, fields=fields, why=why)

        return self._run(coder, build)

    def split(self, coder: str, source: str, into: list[str], *, why: str | None = None) -> Outcome:
        """Split a theme: new (or existing) themes take its place and its codings go to a review
        queue, where each coder decides each one; the old theme is retired meanwhile."""
        def build(doc: CodebookText, book: Codebook, replay: Replay) -> Change:
            theme = book.get(source)
            if theme is None:
                raise PiriQualError(f"no offered theme {source!r} to split", path=book.path,
                                    hint=self._close_hint(source, book))
            targets = list(dict.fromkeys(t.strip() for t in into if t.strip()))
            if len(targets) < 2 or source in targets:
                raise PiriQualError("split a theme into two or more other themes",
                                    hint=f"e.g. piri-qual codebook split {source} --into {source}_a,{source}_b")
            records: dict[str, Record] = {}
            for target in targets:
                found = book.lookup(target)
                if found is not None:
                    if found.retired:
                        raise PiriQualError(f"theme {target!r} is retired; split into offered themes", path=book.path)
                    continue
                self._check_new_id(target, book, replay)
                record: Record = {"id": target, "label": humanise(target)}
                if theme.construct:
                    record["construct"] = theme.construct
                if theme.parent:
                    record["parent"] = theme.parent
                doc.append(record)
                records[target] = _norm(record)
            doc.set_field(source, "retired", True)
            return self._new(coder, "split", theme=source, themes=tuple(targets), records=records or None, why=why)

        return self._run(coder, build)

    def move(self, coder: str, theme: str, *, construct: str | None = None, parent: str | None = None,
             top: bool = False, why: str | None = None) -> Outcome:
        """Place a theme under a construct, under a parent theme, or at the top level."""
        def build(doc: CodebookText, book: Codebook, replay: Replay) -> Change:
            found = book.lookup(theme)
            if found is None:
                raise PiriQualError(f"no theme {theme!r} in the codebook", path=book.path,
                                    hint=self._close_hint(theme, book))
            if sum(bool(x) for x in (construct, parent, top)) != 1:
                raise PiriQualError("give one of --construct C, --parent THEME or --top")
            self._check_placement(book, theme, construct, parent)
            fields = {"construct": construct, "parent": parent}
            before = {"construct": found.construct, "parent": found.parent}
            if fields == before:
                raise PiriQualError(f"theme {theme!r} is already there")
            for key, value in fields.items():
                doc.set_field(theme, key, value)
            return self._new(coder, "move", theme=theme, fields=fields, before=before, why=why)

        return self._run(coder, build)

    def retire(self, coder: str, theme: str, *, why: str | None = None) -> Outcome:
        """Stop offering a theme; it stays in the YAML for its codings and the history."""
        def build(doc: CodebookText, book: Codebook, replay: Replay) -> Change:
            found = book.lookup(theme)
            if found is None:
                raise PiriQualError(f"no theme {theme!r} in the codebook", path=book.path,
                                    hint=self._close_hint(theme, book))
            if found.retired:
                raise PiriQualError(f"theme {theme!r} is already retired")
            doc.set_field(theme, "retired", True)
            return self._new(coder, "retire", theme=theme, why=why)

        return self._run(coder, build)

    def edit(self, coder: str, theme: str, fields: dict[str, Any], *, why: str | None = None) -> Outcome:
        """Change a theme's label, definition, rules, keywords or examples."""
        def build(doc: CodebookText, book: Codebook, replay: Replay) -> Change:
            found = book.lookup(theme)
            if found is None:
                raise PiriQualError(f"no theme {theme!r} in the codebook", path=book.path,
                                    hint=self._close_hint(theme, book))
            unknown = set(fields) - set(EDITABLE)
            if unknown:
                raise PiriQualError(f"cannot edit {', '.join(sorted(unknown))} this way",
                                    hint=f"Editable: {', '.join(EDITABLE)}; use rename, move or retire for the rest.")
            current = found.as_dict()
            new: Record = {}
            before: Record = {}
            for key, value in fields.items():
                if isinstance(value, str):
                    value = value.strip()
                elif value is not None:
                    value = [str(v).strip() for v in value if str(v).strip()]
                if key == "label" and not value:
                    raise PiriQualError("a theme needs a label")
                if (current.get(key) or None) == (value or None):
                    continue
                new[key] = value or None
                before[key] = current.get(key)
                doc.set_field(theme, key, value or None)
            if not new:
                raise PiriQualError(f"nothing changes in theme {theme!r}")
            return self._new(coder, "edit", theme=theme, fields=new, before=before, why=why)

        return self._run(coder, build)

    def free_id(self, name: str) -> str:
        """An unused theme id made from ``name`` (never one the history renamed, merged or retired)."""
        base = slug(name)
        book = self.study.codebook
        replay = self.study.history.final
        candidate, n = base, 1
        while book.lookup(candidate) is not None or candidate in replay.parent or candidate in replay.fate:
            n += 1
            candidate = f"{base}_{n}"
        return candidate

    def note_import(self, why: str) -> list[Change]:
        """Record the themes an import just wrote into the YAML (as ``add`` changes with
        ``source: "import"``), so the history does not later take them for hand edits. A codebook
        without a history yet gets none: its first change will snapshot it whole."""
        path = self.study.history_path
        if path is None or not path.exists():
            return []
        with study_lock(self.study.root, "changing the codebook"), log_lock(path):
            history = CodebookHistory.load(path)
            book = load_codebook(self.study.codebook_path, self.study.framework)
            self._floor = history.changes[-1].time if history.changes else None
            noticed = self._noticed(IMPORT_CODER, book, history, why=why, source="import")
            append_lines(path, [c.to_json() for c in noticed], locked=True)
        return noticed

    # -- the shared machinery -------------------------------------------------------------------
    def _run(self, coder: str, build: Callable[[CodebookText, Codebook, Replay], Change]) -> Outcome:
        validate_coder_name(coder)
        study = self.study
        path = study.codebook_path
        history_path = study.history_path
        assert history_path is not None
        with study_lock(study.root, "changing the codebook"), log_lock(history_path):
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError as exc:
                raise PiriQualError("the codebook file is missing", path=path,
                                    hint="Create it, or fix `codebook:` in piri-qual.yaml.") from exc
            framework = study.framework
            book = load_codebook(path, framework, text=text)
            history = CodebookHistory.load(history_path)
            self._floor = history.changes[-1].time if history.changes else None
            noticed = self._noticed(coder, book, history)
            replay = CodebookHistory([*history.changes, *noticed]).final
            doc = CodebookText(text, path)
            change = build(doc, book, replay)
            new_text = doc.text
            if new_text != text:
                load_codebook(path, framework, text=new_text)  # never write a codebook that does not load
                atomic_write_text(path, new_text)
            append_lines(history_path, [c.to_json() for c in [*noticed, change]], locked=True)
        outcome = Outcome(change, noticed)
        attributes = study.root / ".gitattributes"
        if attributes.exists() and HISTORY_ATTRIBUTE not in attributes.read_text(encoding="utf-8"):
            outcome.notes.append(
                f"add the line `{HISTORY_ATTRIBUTE}` to .gitattributes, so git merges the codebook "
                "history the way it merges the coder logs"
            )
        return outcome

    def _new(self, coder: str, op: str, **values: Any) -> Change:
        values = {k: v for k, v in values.items() if v is not None}
        return Change(id=uuid.uuid4().hex, time=self._clock.now(self._floor), coder=coder, op=op, **values)

    def _noticed(self, coder: str, book: Codebook, history: CodebookHistory, *, why: str | None = None,
                 source: str = "hand") -> list[Change]:
        """Changes made to the YAML by hand since the history last saw it (or a first snapshot)."""
        yaml_themes = {t.id: _norm(t.as_dict()) for t in book.all_themes}
        if not history.changes:
            if not yaml_themes:
                return []
            change = self._new(coder, "snapshot", records=yaml_themes,
                               why="the codebook as it stood when its history began")
            self._floor = change.time
            return [change]
        replay = history.final
        known = {tid: _norm(record) for tid, record in replay.themes.items()}
        why = why or "edited by hand in the YAML (noticed when the next codebook command ran)"
        out: list[Change] = []
        for tid, record in yaml_themes.items():
            if tid not in known:
                out.append(self._new(coder, "add", theme=tid, records={tid: record}, why=why, source=source))
            elif record != known[tid]:
                keys = sorted(set(record) | set(known[tid]))
                fields = {k: record.get(k) for k in keys if record.get(k) != known[tid].get(k)}
                before = {k: known[tid].get(k) for k in fields}
                out.append(self._new(coder, "edit", theme=tid, fields=fields, before=before, why=why, source=source))
        for tid, record in known.items():
            if tid not in yaml_themes:
                out.append(self._new(coder, "remove", theme=tid, removed={tid: record}, why=why, source=source))
        if out:
            self._floor = out[-1].time
        return out

    def _check_new_id(self, theme: str, book: Codebook, replay: Replay, *, allow_back_to: str | None = None) -> None:
        if not ID_PATTERN.match(theme):
            raise PiriQualError(f"theme id {theme!r} may use only letters, digits, _ . - (and start with a letter or digit)")
        existing = book.lookup(theme)
        if existing is not None:
            state = " (retired)" if existing.retired else ""
            raise PiriQualError(f"theme {theme!r} already exists{state}", path=book.path,
                                hint="Choose another id, or use `piri-qual codebook merge` to combine themes.")
        went = replay.current(theme)
        fate = replay.fate.get(theme)
        if went != theme and went != allow_back_to:
            assert fate is not None
            raise PiriQualError(
                f"theme id {theme!r} was {'renamed to' if fate.op == 'rename' else 'merged into'} {went!r} "
                f"on {fate.time[:10]} by {fate.coder}; an id is never reused, so that codings made under "
                f"{theme!r} on other branches still find {went!r}",
                hint="Choose another id.",
            )
        if fate is not None and fate.op in ("retire", "split") and went == theme:
            raise PiriQualError(f"theme id {theme!r} was {fate.op}d on {fate.time[:10]} by {fate.coder}",
                                hint="Choose another id.")

    def _check_placement(self, book: Codebook, theme: str, construct: str | None, parent: str | None) -> None:
        framework = self.study.framework
        if construct:
            if framework is None:
                raise PiriQualError(f"construct {construct!r}: this study has no framework",
                                    hint="Group themes with --parent THEME instead, or add a framework to piri-qual.yaml.")
            if construct not in framework.constructs:
                close = difflib.get_close_matches(construct, list(framework.constructs), n=2)
                raise PiriQualError(f"no construct {construct!r} in the framework", path=framework.path,
                                    hint=f"Did you mean {' or '.join(close)}?" if close else
                                    f"Constructs: {', '.join(framework.constructs)}.")
        if parent:
            found = book.get(parent)
            if found is None:
                raise PiriQualError(f"no offered theme {parent!r} to be the parent", path=book.path,
                                    hint=self._close_hint(parent, book))
            here: str | None = parent
            seen: set[str] = set()
            while here is not None and here not in seen:
                if here == theme:
                    raise PiriQualError(f"{parent!r} sits under {theme!r}, so it cannot be {theme!r}'s parent")
                seen.add(here)
                node = book.lookup(here)
                here = node.parent if node is not None else None

    def _used_or_known(self, theme: str, replay: Replay) -> bool:
        if theme in replay.parent or theme in replay.fate:
            return True
        return any(theme in {c.theme for c in self.study.fold(coder).codings.values()}
                   for coder in self.study.coders() if self.study.log(coder).path.exists())

    @staticmethod
    def _close_hint(name: str, book: Codebook) -> str:
        close = difflib.get_close_matches(name, [t.id for t in book.all_themes], n=3)
        return f"Did you mean {', '.join(close)}?" if close else "Run `piri-qual codebook` to list themes."

