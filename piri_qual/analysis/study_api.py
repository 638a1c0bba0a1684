"""The write-up exports as :class:`~piri_qual.study.Study` methods, for notebooks.

``Study`` mixes in :class:`StudyAnalysisMixin`, so that::

    study = Study("piri-evaluation")
    study.matrix(coder="consensus", cells="count")        # participants x themes
    study.quotes(coder="consensus", group="parent", per_theme=5)
    study.frequencies(coder="consensus", by="site")
    study.cooccurrence(coder="consensus")

all return pandas DataFrames. Every method takes the same filters (``group``, ``theme``,
``participant``, ``where``) as the ``piri-qual export`` commands, so a notebook and the command
line show the same numbers. The logic lives in the ``piri_qual.analysis`` modules; these are
thin wrappers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.exportdata import ExportData
    from piri_qual.analysis.matrix import FrameworkMatrix
    from piri_qual.study import Study

Names = Iterable[str] | str | None


class StudyAnalysisMixin:
    """Framework matrix, quote bank, frequencies and co-occurrence as DataFrames."""

    def export_data(
        self,
        coder: str | None = None,
        *,
        group: Names = None,
        theme: Names = None,
        participant: Names = None,
        where: Mapping[str, Iterable[str] | str] | None = None,
        attributes: Iterable[str] | None = None,
        ner: bool = True,
    ) -> ExportData:
        """A coder's codings prepared for export (orphans dropped, filters applied)."""
        from piri_qual.analysis.exportdata import Filters, load_export_data

        filters = Filters.make(groups=group, themes=theme, participants=participant, where=where)
        study: Study = self  # type: ignore[assignment]
        return load_export_data(study, coder, filters, attributes=attributes, ner=ner)

    def framework_matrix(self, coder: str | None = None, *, cells: str = "count", **filters: object) -> FrameworkMatrix:
        """The matrix with everything its writers use (summary rows, labels, attributes)."""
        from piri_qual.analysis.matrix import matrix_from_data

        return matrix_from_data(self.export_data(coder, ner=False, **filters), cells)  # type: ignore[arg-type]

    def matrix(self, coder: str | None = None, *, cells: str = "count", attributes: bool = True,
               **filters: object) -> pd.DataFrame:
        """Participants (rows, by group) x themes (columns: domain, construct, theme).

        ``cells`` is ``count``, ``presence``, ``excerpts`` or ``summary`` (cell memos).
        """
        return self.framework_matrix(coder, cells=cells, **filters).to_frame(attributes=attributes)

    def quotes(self, coder: str | None = None, *, per_theme: int | None = None, check: bool = True,
               redact: bool = False, **filters: object) -> pd.DataFrame:
        """The anonymised quote bank, one row per quote, in framework order."""
        from piri_qual.analysis.quotes import quote_bank

        data = self.export_data(coder, ner=check, **filters)  # type: ignore[arg-type]
        return quote_bank(data, per_theme=per_theme, check=check, redact=redact)

    def frequencies(self, coder: str | None = None, *, by: str = "group", **filters: object) -> pd.DataFrame:
        """Themes x (value of ``by``, measure): participants raising each theme, of how many, excerpts."""
        from piri_qual.analysis.frequencies import theme_frequencies

        data = self.export_data(coder, ner=False, **filters)  # type: ignore[arg-type]
        return theme_frequencies(data.codings, data.participants, data.themes, by=by)

    def cooccurrence(self, coder: str | None = None, **filters: object) -> pd.DataFrame:
        """Themes x themes: codings on overlapping excerpts (diagonal: codings of the theme)."""
        from piri_qual.analysis.frequencies import cooccurrence

        data = self.export_data(coder, ner=False, **filters)  # type: ignore[arg-type]
        return cooccurrence(data.codings, list(data.themes.index))

    def saturation(self, coder: str | None = None, **filters: object) -> pd.DataFrame:
        """New themes per transcript in interview order, with the running total."""
        from piri_qual.analysis.frequencies import saturation

        data = self.export_data(coder, ner=False, **filters)  # type: ignore[arg-type]
        order = [t for t in data.order if data.transcripts[t].participant in set(data.participants.index)]
        return saturation(data.codings, order, list(data.themes.index))

    def agreement(self, coders: Iterable[str], *, unit: str = "sentence", transcripts: Iterable[str] | None = None,
                  ci: float = 0.95, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
        """Inter-coder agreement per theme (and pooled), one row each, for the declared ``unit``."""
        from piri_qual.analysis.study_agreement import study_agreement

        study: Study = self  # type: ignore[assignment]
        result = study_agreement(study, list(coders), unit, transcripts, ci=ci, n_boot=n_boot, seed=seed)
        return result.table()
