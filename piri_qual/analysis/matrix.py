"""The framework matrix: the chart of the Framework Method (Gale et al. 2013, BMC Med Res Methodol 13:117).

Rows are participants, grouped by group (staff, parent) and carrying their attributes; columns
are themes, grouped by framework domain and construct; each cell says what a participant said
on a theme: how many excerpts, whether any, the excerpts themselves, or the researcher's
summary of them (a ``cell`` memo keyed by participant and theme). Summary rows count how many
participants of each group raised each theme ("10 of 14 parents"), the figure a write-up quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from piri_qual.analysis.quotes import locate
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.selection import Selection
    from piri_qual.core.codings import Memo

CELL_MODES = ("count", "presence", "excerpts", "summary")
UNCOUNTABLE = {"staff", "personnel", "faculty", "clergy", "police", "people", "family", "(no group)"}
ALL = "all"


def plural(group: str, n: int) -> str:
    """``parent`` -> ``parents`` (and ``staff`` stays ``staff``) for "10 of 14 parents"."""
    if n == 1 or group.casefold() in UNCOUNTABLE or group.endswith("s"):
        return group
    if group.endswith("y") and group[-2:-1] not in "aeiou":
        return group[:-1] + "ies"
    return group + "s"


@dataclass
class FrameworkMatrix:
    """A framework matrix and what its writers need to lay it out."""

    cells: pd.DataFrame  # participant x theme, values per ``mode``
    counts: pd.DataFrame  # participant x theme excerpt counts (always, for the summary rows)
    participants: pd.DataFrame  # rows, in order, with group and attributes
    themes: pd.DataFrame  # columns, in framework order, with construct and domain labels
    attributes: list[str]
    mode: str
    coder: str
    sizes: dict[str, int] = field(default_factory=dict)  # group -> participants in the matrix

    @property
    def groups(self) -> list[str]:
        return list(self.sizes)

    def members(self) -> dict[str, list[str]]:
        """Each group's participants, in row order (the writers lay the rows out by group)."""
        group_of = self.participants.group.reindex(self.cells.index).tolist()
        out: dict[str, list[str]] = {group: [] for group in self.groups}
        for pid, group in zip(self.cells.index, group_of, strict=True):
            if group in out:
                out[group].append(str(pid))
        return out

    def row_values(self, theme_ids: list[str]) -> dict[str, list[object]]:
        """Each participant's cells for ``theme_ids`` as plain Python values (ints, bools, text).

        Writers go through rows of thousands of participants; a pandas look-up per cell cost
        more than writing the cell.
        """
        values = self.cells[theme_ids].to_numpy().tolist()
        return {str(pid): row for pid, row in zip(self.cells.index, values, strict=True)}

    def attribute_values(self) -> dict[str, list[object]]:
        """Each participant's values of the shown attributes, in :attr:`attributes` order."""
        frame = self.participants.reindex(self.cells.index)[self.attributes]
        return {str(pid): row for pid, row in zip(self.cells.index, frame.to_numpy().tolist(), strict=True)}

    @property
    def raised(self) -> pd.DataFrame:
        """How many participants of each group (and in all) raised each theme."""
        present = (self.counts > 0).astype(int)
        by_group = present.groupby(self.participants.group.reindex(present.index), sort=False).sum()
        by_group = by_group.reindex(self.groups).fillna(0).astype(int)
        by_group.loc[ALL] = present.sum()
        return by_group

    def raised_text(self) -> pd.DataFrame:
        """The summary rows as text: "10 of 14 parents", one row per group, then all."""
        raised = self.raised
        total = sum(self.sizes.values())
        rows = {}
        for group in raised.index:
            n = total if group == ALL else self.sizes[group]
            noun = "participants" if group == ALL else plural(group, n)
            rows[group] = [f"{k} of {n} {noun}" for k in raised.loc[group]]
        import pandas as pd

        return pd.DataFrame.from_dict(rows, orient="index", columns=list(self.counts.columns))

    def to_frame(self, attributes: bool = True) -> pd.DataFrame:
        """One DataFrame for notebooks: rows (group, participant); columns (domain, construct, theme).

        Attributes, when asked for, come first under the top-level column ``attributes``.
        """
        import pandas as pd

        cells = self.cells.copy()
        cells.columns = pd.MultiIndex.from_frame(
            self.themes.loc[cells.columns, ["domain", "construct", "theme"]].reset_index(drop=True)
        )
        if attributes and self.attributes:
            attrs = self.participants.loc[cells.index, self.attributes].copy()
            attrs.columns = pd.MultiIndex.from_tuples(
                [("attributes", "", a) for a in self.attributes], names=cells.columns.names
            )
            cells = pd.concat([attrs, cells], axis=1)
        groups = self.participants.group.reindex(cells.index)
        cells.index = pd.MultiIndex.from_arrays([groups.to_numpy(), cells.index], names=["group", "participant"])
        return cells


def build_matrix(
    codings: pd.DataFrame,
    participants: pd.DataFrame,
    themes: pd.DataFrame,
    *,
    mode: str = "count",
    memos: dict[tuple[str, tuple[str, ...]], Memo] | None = None,
    excerpt_text: pd.Series | None = None,
    attributes: list[str] | None = None,
    coder: str = "",
) -> FrameworkMatrix:
    """Build the matrix from plain frames.

    ``codings`` needs participant and theme (and, for ``excerpts``, transcript and start);
    ``participants`` is indexed by participant id with a ``group`` column; ``themes`` is
    indexed by theme id in column order. ``excerpt_text`` (aligned with ``codings``) gives
    each excerpt as the cell shows it (already anonymised, with its location); ``memos`` is a
    coder's fold memos, of which ``cell`` memos keyed (participant, theme) fill ``summary``.
    """
    import pandas as pd

    if mode not in CELL_MODES:
        raise PiriQualError(f"unknown matrix cell content {mode!r}", hint=f"Use one of {', '.join(CELL_MODES)}.")
    rows = pd.Index(participants.index, name="participant")
    cols = pd.Index(themes.index, name="theme")
    if len(codings):
        counts = codings.groupby(["participant", "theme"]).size().unstack(fill_value=0)
    else:
        counts = pd.DataFrame()
    counts = counts.reindex(index=rows, columns=cols, fill_value=0).fillna(0).astype(int)
    if mode == "count":
        cells = counts.copy()
    elif mode == "presence":
        cells = counts > 0
    elif mode == "excerpts":
        cells = pd.DataFrame("", index=rows, columns=cols, dtype=object)
        if len(codings):
            texts = excerpt_text if excerpt_text is not None else codings.quote
            frame = codings.assign(_text=texts.to_numpy()).sort_values(["participant", "transcript", "start"])
            joined = frame.groupby(["participant", "theme"], sort=False)._text.agg("\n\n".join)
            # one reshape rather than a look-up per cell: participants x themes, "" where nothing was said
            table = joined.unstack().reindex(index=rows, columns=cols).astype(object)
            cells = table.where(table.notna(), "")
    else:
        cells = pd.DataFrame("", index=rows, columns=cols, dtype=object)
        for (scope, key), memo in (memos or {}).items():
            if scope == "cell" and len(key) == 2 and key[0] in cells.index and key[1] in cells.columns:
                cells.at[key[0], key[1]] = memo.text
    group_of = participants.group
    sizes = {str(g): int(n) for g, n in group_of.value_counts(sort=False).reindex(list(dict.fromkeys(group_of))).items()}
    return FrameworkMatrix(
        cells=cells, counts=counts, participants=participants, themes=themes,
        attributes=list(attributes or []), mode=mode, coder=coder, sizes=sizes,
    )


def matrix_from_data(data: Selection, mode: str = "count") -> FrameworkMatrix:
    """The matrix of prepared export data, with excerpts and summaries anonymised."""
    excerpt_text = None
    memos = data.memos
    if mode == "excerpts":
        located = locate(data.codings, data.transcripts)
        quotes = data.anonymised_quotes().tolist()
        import pandas as pd

        excerpt_text = pd.Series(
            [f"\u201c{q.strip()}\u201d ({loc})" for q, loc in zip(quotes, located.location.tolist(), strict=True)],
            index=data.codings.index,
        )
    elif mode == "summary" and data.pseudonymiser:
        from dataclasses import replace

        memos = {k: replace(m, text=data.pseudonymiser.apply(m.text)) for k, m in memos.items()}
    return build_matrix(
        data.codings, data.participants, data.themes, mode=mode, memos=memos,
        excerpt_text=excerpt_text, attributes=data.attributes, coder=data.coder,
    )
