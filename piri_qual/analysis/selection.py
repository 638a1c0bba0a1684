"""What every write-up export starts from, gathered once: codings, participants, themes, filters.

The framework matrix, the quote bank, the frequencies and the codebook export all need the same
things: one coder's current codings without orphans, the interviewed participants in group
order with their attributes, the themes in framework order, and the researcher's filters
(group, theme, participant, attribute) applied the same way. :func:`load_selection` builds
them from a :class:`~piri_qual.core.study.StudyFolder`; the analysis functions then work on plain
DataFrames, so a notebook can call them on frames of its own.
"""

from __future__ import annotations

import dataclasses
import difflib
import string
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual.analysis.anonymise import IdentifierChecker, Pseudonymiser, load_ner
from piri_qual.analysis.name_list import first_names
from piri_qual.core.coding_table import coding_table
from piri_qual.core.theme_check import warn_theme_problems
from piri_qual.errors import PiriQualError, PiriQualWarning

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.anonymise import IdentifierChecker, Pseudonymiser
    from piri_qual.core.codings import Memo
    from piri_qual.core.framework import Codebook, Framework
    from piri_qual.core.study import StudyFolder

UNPLACED = "unplaced"
UNPLACED_LABEL = "Not placed in the framework"
# participants.csv columns left out of exports unless asked for by name: they identify people.
IDENTIFYING_COLUMN_WORDS = ("name", "date", "dob", "birth", "email", "phone", "address", "postcode", "nhs")
THEME_COLUMNS = ["theme", "label", "construct", "construct_label", "domain", "domain_label", "in_codebook"]


@dataclass(frozen=True)
class Filters:
    """Which participants and themes an export covers; empty means all.

    ``themes`` may name themes (id or label), constructs or domains; ``where`` maps a
    participants.csv column to the values to keep (``{"site": ("Northvale",)}``).
    """

    groups: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def make(
        cls,
        groups: Iterable[str] | str | None = None,
        themes: Iterable[str] | str | None = None,
        participants: Iterable[str] | str | None = None,
        where: Mapping[str, Iterable[str] | str] | None = None,
    ) -> Filters:
        return cls(
            groups=_names(groups),
            themes=_names(themes),
            participants=_names(participants),
            where=tuple((str(k), _names(v)) for k, v in (where or {}).items()),
        )

    def describe(self) -> str:
        parts = []
        if self.groups:
            parts.append("groups " + ", ".join(self.groups))
        if self.themes:
            parts.append("themes " + ", ".join(self.themes))
        if self.participants:
            parts.append("participants " + ", ".join(self.participants))
        for key, values in self.where:
            parts.append(f"{key} = {' or '.join(values)}")
        return "; ".join(parts) if parts else "all participants and themes"


def _names(value: Iterable[str] | str | None) -> tuple[str, ...]:
    """Accept ``"a,b"``, ``["a", "b,c"]`` or None; split on commas; drop blanks."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return tuple(out)


def parse_where(options: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``["site=Northvale", "role=mother,father"]`` -> ``{"site": ("Northvale",), ...}``."""
    where: dict[str, tuple[str, ...]] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise PiriQualError(
                f"--where {option!r} is not ATTRIBUTE=VALUE",
                hint="Write e.g. --where site=Northvale (a column of participants.csv).",
            )
        where[key.strip()] = where.get(key.strip(), ()) + _names(value)
    return where


# -- themes --------------------------------------------------------------------------------------
def theme_table(
    codebook: Codebook | None, framework: Framework | None, extra: Iterable[str] = ()
) -> pd.DataFrame:
    """Themes in framework order: by domain, then construct, then codebook order.

    Themes without a construct follow under ``unplaced``; retired themes appear only when codings
    use them; theme ids that codings use but the codebook no longer has come last, so nothing
    coded silently disappears from an export (and :func:`load_selection` warns about them).
    """
    import pandas as pd

    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    used = set(extra)
    themes = list(codebook.themes) if codebook else []
    if codebook is not None:  # retired themes still hold the codings made with them
        themes += [dataclasses.replace(t, label=f"{t.label} (retired)") for t in codebook.retired if t.id in used]
    if framework is not None:
        for domain in framework.domains:
            for construct in domain.constructs:
                for theme in themes:
                    if theme.construct == construct.id and theme.id not in seen:
                        seen.add(theme.id)
                        rows.append({"theme": theme.id, "label": theme.label, "construct": construct.id,
                                     "construct_label": construct.label, "domain": domain.id,
                                     "domain_label": domain.label, "in_codebook": True})
    for theme in themes:
        if theme.id not in seen:
            seen.add(theme.id)
            rows.append({"theme": theme.id, "label": theme.label, "construct": theme.construct or UNPLACED,
                         "construct_label": theme.construct or UNPLACED_LABEL, "domain": UNPLACED,
                         "domain_label": UNPLACED_LABEL, "in_codebook": True})
    for theme_id in sorted(set(extra) - seen):
        rows.append({"theme": theme_id, "label": f"{theme_id} (not in codebook)", "construct": UNPLACED,
                     "construct_label": UNPLACED_LABEL, "domain": UNPLACED, "domain_label": UNPLACED_LABEL,
                     "in_codebook": False})
    frame = pd.DataFrame(rows, columns=THEME_COLUMNS)
    return frame.set_index("theme", drop=False)


def select_themes(themes: pd.DataFrame, names: Iterable[str], source: Path | None = None) -> pd.DataFrame:
    """Keep the themes named by theme id/label, construct id/label or domain id/label."""
    names = list(names)
    if not names:
        return themes
    keep: list[str] = []
    for name in names:
        low = name.casefold()
        hit = themes[(themes.theme.str.casefold() == low) | (themes.label.str.casefold() == low)]
        if hit.empty:
            hit = themes[(themes.construct.str.casefold() == low) | (themes.construct_label.str.casefold() == low)]
        if hit.empty:
            hit = themes[(themes.domain.str.casefold() == low) | (themes.domain_label.str.casefold() == low)]
        if hit.empty:
            choices = list(themes.theme) + list(dict.fromkeys(themes.construct)) + list(dict.fromkeys(themes.domain))
            close = difflib.get_close_matches(name, choices, n=3)
            raise PiriQualError(
                f"--theme {name!r} is not a theme, construct or domain of this study",
                path=source,
                hint=f"Did you mean {', '.join(close)}?" if close else "Run `piri-qual codebook` to list themes.",
            )
        keep.extend(t for t in hit.theme if t not in keep)
    return themes[themes.theme.isin(keep)]


# -- participants --------------------------------------------------------------------------------
def participant_frame(
    table: Mapping[str, Mapping[str, str]], interviewed: Mapping[str, str | None]
) -> pd.DataFrame:
    """The interviewed participants in group order, with attributes and their numbers.

    ``table`` is participants.csv (id -> columns), ``interviewed`` maps each participant with a
    transcript to the group its transcript gives. Groups come in the order they first appear in
    participants.csv; within a group participants keep the file's order. ``n_group`` and
    ``n_role`` number each participant within their group and within their role (from 1), so
    an attribution can read "Health visitor 3".
    """
    import pandas as pd

    ordered = [pid for pid in table if pid in interviewed]
    ordered += sorted(pid for pid in interviewed if pid not in table)
    columns: list[str] = []
    for row in table.values():
        for key in row:
            if key not in ("id", "group") and key not in columns:
                columns.append(key)
    rows = []
    for pid in ordered:
        attrs = table.get(pid, {})
        group = (attrs.get("group") or interviewed.get(pid) or "").strip() or "(no group)"
        rows.append({"participant": pid, "group": group, **{c: attrs.get(c, "") for c in columns}})
    frame = pd.DataFrame(rows, columns=["participant", "group", *columns])
    group_order = list(dict.fromkeys(frame.group))
    frame["_g"] = frame.group.map({g: i for i, g in enumerate(group_order)})
    frame = frame.sort_values("_g", kind="stable").drop(columns="_g")
    frame["n_group"] = frame.groupby("group").cumcount() + 1
    role = frame["role"].where(frame["role"].astype(bool), frame["group"]) if "role" in frame else frame["group"]
    frame["n_role"] = frame.groupby(role.to_numpy()).cumcount() + 1
    return frame.set_index("participant", drop=False)


def attribute_columns(participants: pd.DataFrame, chosen: Iterable[str] | None = None) -> list[str]:
    """The participants.csv columns an export shows: all but identifying ones, or those chosen."""
    available = [c for c in participants.columns if c not in ("participant", "group", "n_group", "n_role")]
    if chosen is None:
        return [c for c in available if not any(w in c.casefold() for w in IDENTIFYING_COLUMN_WORDS)]
    wanted = list(_names(list(chosen)))
    unknown = [c for c in wanted if c not in available]
    if unknown:
        raise PiriQualError(
            f"no participant attribute {', '.join(map(repr, unknown))}",
            hint=f"participants.csv columns: {', '.join(available) or 'none besides id and group'}.",
        )
    return wanted


def select_participants(participants: pd.DataFrame, filters: Filters, source: Path | None = None,
                        pseudonymiser: Pseudonymiser | None = None) -> pd.DataFrame:
    """Apply the group, participant and attribute filters, failing on names that match nothing.

    An attribute value may be given as written in participants.csv or as its pseudonym (what
    the exports show).
    """
    from piri_qual.analysis.participant_filter import filter_participants

    frame = participants.drop(columns=["n_group", "n_role"], errors="ignore").astype(str)
    people = [{str(k): str(v) for k, v in row.items()} for row in frame.to_dict("records")]
    shown = (lambda value: pseudonymiser.apply(value)) if pseudonymiser else None
    keep = filter_participants(people, filters.groups, filters.participants, filters.where,
                               source=source, shown=shown)
    return participants.loc[keep]


# -- attribution ---------------------------------------------------------------------------------
def attribution_fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def attributions(participants: pd.DataFrame, template: str, source: Path | None = None) -> pd.Series:
    """Each participant's attribution from the study's template, e.g. "P07, parent".

    Fields: ``participant`` (also ``id``), ``group``, ``role``, any participants.csv column,
    ``n_group`` and ``n_role`` (the participant's number within group or role) and ``n``
    (within role when the template uses ``{role}``, else within group). The first letter is
    capitalised, so ``{role} {n}`` gives "Health visitor 3".
    """
    import pandas as pd

    try:
        names = attribution_fields(template)
    except ValueError as exc:
        raise PiriQualError(f"attribution template {template!r} is not valid ({exc})", path=source,
                            hint='Write it like "{participant}, {group}".') from exc
    available = {"participant", "id", "group", "role", "n", "n_group", "n_role", *participants.columns}
    unknown = [n for n in names if n not in available]
    if unknown:
        raise PiriQualError(
            f"attribution template {template!r} uses unknown field {', '.join(map(repr, unknown))}",
            path=source,
            hint=f"Fields: {', '.join(sorted(available))}.",
        )
    by_role = "role" in names
    out = {}
    for pid, row in participants.iterrows():
        values = {str(k): ("" if v is None or (isinstance(v, float) and v != v) else str(v)) for k, v in row.items()}
        values.setdefault("role", "")
        values["id"] = values["participant"] = str(pid)
        values["n"] = values["n_role"] if by_role else values["n_group"]
        text = " ".join(template.format(**values).split()).strip(" ,;")
        out[pid] = text[:1].upper() + text[1:]
    return pd.Series(out, dtype=object)


# -- everything together -------------------------------------------------------------------------
@dataclass
class Selection:
    """One coder's codings prepared for export, with the participants and themes they cover."""

    study_title: str
    coder: str
    codings: pd.DataFrame  # non-orphaned, filtered; participant/group from participant frame
    participants: pd.DataFrame  # filtered, in group order
    all_participants: pd.DataFrame  # every interviewed participant (denominators, numbering)
    themes: pd.DataFrame  # filtered, framework order
    attributes: list[str]
    attribution: pd.Series  # participant -> attribution text
    memos: dict[tuple[str, tuple[str, ...]], Memo]
    pseudonymiser: Pseudonymiser
    checker: IdentifierChecker
    filters: Filters = field(default_factory=Filters)
    orphaned: int = 0
    order: list[str] = field(default_factory=list)  # transcript ids in interview order
    transcripts: dict[str, Any] = field(default_factory=dict)  # id -> Transcript
    _anonymised: tuple[pd.DataFrame, pd.Series] | None = field(default=None, repr=False, compare=False)

    def anonymised_quotes(self) -> pd.Series:
        """Every coding's quote with the pseudonym map applied, indexed like :attr:`codings`.

        Computed once per codings table: the quote bank and the excerpt matrix both show every
        quote, and the pseudonym pass over a large study's quotes is not free.
        """
        import pandas as pd

        if self._anonymised is None or self._anonymised[0] is not self.codings:
            quotes = pd.Series(self.pseudonymiser.apply_all(self.codings.quote), index=self.codings.index,
                               dtype=object)
            self._anonymised = (self.codings, quotes)
        return self._anonymised[1]


def _pseudonymise_attributes(participants: pd.DataFrame, pseudonymiser: Pseudonymiser) -> pd.DataFrame:
    out = participants.copy()
    for column in out.columns:
        if column not in ("participant", "group", "n_group", "n_role"):
            out[column] = pseudonymiser.apply_all(out[column].astype(str))
    return out


def interview_order(transcripts: Mapping[str, Any], table: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Transcript ids in the order the interviews happened, as far as the study knows it.

    By interview date when the transcript metadata or participants.csv has one
    (``interview_date`` or ``date``), undated ones after the dated, ties and the rest by id.
    """
    def date_of(tid: str) -> str:
        t = transcripts[tid]
        meta = getattr(t, "metadata", {}) or {}
        for key in ("interview_date", "date"):
            if meta.get(key):
                return str(meta[key])
        row = table.get(getattr(t, "participant", ""), {})
        for key in ("interview_date", "date"):
            if row.get(key):
                return str(row[key])
        return ""

    return sorted(transcripts, key=lambda tid: (date_of(tid) == "", date_of(tid), tid))


def _warn_left_out(codings: pd.DataFrame, coder: str, known: set[str]) -> None:
    """Say why codings are left out: their transcript is gone, or their quote moved away.

    (Codings on a theme the codebook no longer has are not left out: :func:`warn_theme_problems`
    reports them with the command that fixes them.)
    """
    left = codings[codings.orphaned.astype(bool)]
    gone = left[~left.transcript.isin(known)]
    moved = len(left) - len(gone)
    if len(gone):
        ids = ", ".join(sorted(set(gone.transcript))[:5])
        warnings.warn(
            f"{len(gone)} coding{'s' if len(gone) != 1 else ''} of coder {coder!r} left out of the export: "
            f"{'its transcript is' if len(gone) == 1 else 'their transcripts are'} no longer in the study "
            f"({ids}); import the transcript again, or delete the codings",
            PiriQualWarning,
            stacklevel=3,
        )
    if moved:
        warnings.warn(
            f"{moved} orphaned coding{'s' if moved != 1 else ''} of coder {coder!r} left out of the "
            "export (their quotes are no longer in the transcript text); re-code them after re-import",
            PiriQualWarning,
            stacklevel=3,
        )


def load_selection(
    study: StudyFolder,
    coder: str | None = None,
    filters: Filters | None = None,
    *,
    attributes: Iterable[str] | None = None,
    ner: bool = True,
) -> Selection:
    """Gather a coder's codings for export, dropping orphans with one warning that counts them."""

    filters = filters or Filters()
    coder = study.resolve_coder(coder)
    settings = study.settings
    framework = study.framework
    try:
        codebook: Codebook | None = study.codebook
    except PiriQualError:
        codebook = None
    transcripts = {tid: study.transcript(tid) for tid in study.transcript_ids()}
    table = study.participant_table()
    interviewed: dict[str, str | None] = {}
    for t in transcripts.values():
        interviewed.setdefault(t.participant, t.group)
    everyone = participant_frame(table, interviewed)
    codings = coding_table(study.fold(coder), transcripts, codebook, framework)
    warn_theme_problems(study, [coder])
    orphaned = int(codings.orphaned.sum())
    _warn_left_out(codings, coder, set(transcripts))
    codings = codings[~codings.orphaned.astype(bool)]
    codings = codings.assign(group=codings.participant.map(everyone.group))
    themes = theme_table(codebook, framework, extra=set(codings.theme))
    themes = select_themes(themes, filters.themes, study.codebook_path if codebook else None)
    pseudonymiser = Pseudonymiser(settings.pseudonyms)
    chosen = select_participants(everyone, filters, study.participants_path, pseudonymiser)
    codings = codings[codings.participant.isin(chosen.index) & codings.theme.isin(themes.index)]
    if pseudonymiser:
        # Attribute values (site, ward, ...) leave the tool in tables and attributions too.
        everyone = _pseudonymise_attributes(everyone, pseudonymiser)
        chosen = everyone.loc[chosen.index]
    allow = set(settings.pseudonyms.values())
    allow.update(str(w) for w in _names(settings.extra.get("identifier_allowlist")))
    allow.update(everyone.participant)
    allow.update(str(g) for g in everyone.group)
    if codebook is not None:
        allow.update(w for t in codebook.themes for w in t.label.split())
    if framework is not None:
        allow.update(w for d in framework.domains for w in d.label.split())
        allow.update(w for d in framework.domains for c in d.constructs for w in c.label.split())
    checker = IdentifierChecker(allow=frozenset(allow), nlp=load_ner(settings.pipeline) if ner else None,
                                names=first_names())
    return Selection(
        study_title=settings.title,
        coder=coder,
        codings=codings.reset_index(drop=True),
        participants=chosen,
        all_participants=everyone,
        themes=themes,
        attributes=attribute_columns(everyone, attributes),
        attribution=attributions(everyone, settings.attribution, study.settings_path),
        memos=study.fold(coder).memos,
        pseudonymiser=pseudonymiser,
        checker=checker,
        filters=filters,
        orphaned=orphaned,
        order=interview_order(transcripts, table),
        transcripts=transcripts,
    )
