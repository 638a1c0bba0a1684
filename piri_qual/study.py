"""``Study``: the public Python API, for notebooks and scripts.

A :class:`~piri_qual.core.study.StudyFolder` (files, settings, codebook, transcripts, coder logs,
the write path) with the analyses as methods that return pandas DataFrames::

    from piri_qual import Study
    study = Study("piri-evaluation")
    study.matrix("consensus", cells="count")           # participants x themes
    study.quotes("consensus", group="parent", per_theme=5)
    study.frequencies("consensus", by="site")
    study.agreement(["alice", "bob"], unit="sentence")

Each method is one call of a typed function in :mod:`piri_qual.analysis` or
:mod:`piri_qual.ingest`, with the same filters (``group``, ``theme``, ``participant``, ``where``)
as the ``piri-qual export`` commands, so a notebook and the command line show the same numbers.
This module sits at the top of the layers, just under the CLI and the terminal UI, which both
build this class. Its methods import the analysis modules when called: the CLI builds a ``Study``
for every command, and ``piri-qual codings add`` should not load pandas-heavy analyses it never
uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piri_qual.core.study import StudyFolder

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.analysis.matrix import FrameworkMatrix
    from piri_qual.analysis.selection import Selection
    from piri_qual.ingest.rederive import Refreshed
    from piri_qual.ingest.study_import import ImportReport

Names = Iterable[str] | str | None
Where = Mapping[str, Iterable[str] | str] | None


class Study(StudyFolder):
    """An opened study folder with its analyses as DataFrame-returning methods."""

    # -- import ----------------------------------------------------------------------------------
    def import_files(
        self,
        paths: list[Path],
        *,
        participant: str | None = None,
        group: str | None = None,
        force: bool = False,
        replace: bool = False,
        progress: Any = None,
        speakers: str | None = None,
    ) -> ImportReport:
        """Import transcripts (.docx, .odt, .rtf, .doc, .pdf, .vtt, .srt, .txt, .md, .html) into
        ``corpus/``; ``speakers`` is ``--speakers`` (``"HK=interviewer,Carer 3"`` or ``"none"``);
        ``replace``: a file named like an imported source but from another folder is its new
        version, not refused."""
        from piri_qual.ingest.study_import import import_files

        return import_files(self, paths, participant=participant, group=group, force=force,
                            replace=replace, progress=progress, speakers=speakers)

    def refresh_turns(self, *, remember: bool = True) -> list[Refreshed]:
        """Derive again the transcripts whose turns depend on settings that changed (``roles:``),
        re-anchoring codings; every command does this first. Returns what was re-derived.
        ``remember=False`` keeps none of the transcripts the check reads (for a command that
        streams the corpus afterwards, so its memory does not grow with the study)."""
        from piri_qual.ingest.rederive import refresh_turns

        return refresh_turns(self, remember=remember)

    # -- analyses --------------------------------------------------------------------------------
    def selection(
        self,
        coder: str | None = None,
        *,
        group: Names = None,
        theme: Names = None,
        participant: Names = None,
        where: Where = None,
        attributes: Iterable[str] | None = None,
        ner: bool = True,
    ) -> Selection:
        """A coder's codings prepared for analysis (orphans dropped, filters applied)."""
        from piri_qual.analysis.selection import Filters, load_selection

        filters = Filters.make(groups=group, themes=theme, participants=participant, where=where)
        return load_selection(self, coder, filters, attributes=attributes, ner=ner)

    def framework_matrix(
        self, coder: str | None = None, *, cells: str = "count", group: Names = None, theme: Names = None,
        participant: Names = None, where: Where = None,
    ) -> FrameworkMatrix:
        """The matrix with everything its writers use (summary rows, labels, attributes)."""
        from piri_qual.analysis.matrix import matrix_from_data

        data = self.selection(coder, group=group, theme=theme, participant=participant, where=where, ner=False)
        return matrix_from_data(data, cells)

    def matrix(
        self, coder: str | None = None, *, cells: str = "count", attributes: bool = True, group: Names = None,
        theme: Names = None, participant: Names = None, where: Where = None,
    ) -> pd.DataFrame:
        """Participants (rows, by group) x themes (columns: domain, construct, theme).

        ``cells`` is ``count``, ``presence``, ``excerpts`` or ``summary`` (cell memos).
        """
        matrix = self.framework_matrix(coder, cells=cells, group=group, theme=theme, participant=participant,
                                       where=where)
        return matrix.to_frame(attributes=attributes)

    def quotes(
        self, coder: str | None = None, *, per_theme: int | None = None, check: bool = True, redact: bool = False,
        group: Names = None, theme: Names = None, participant: Names = None, where: Where = None,
    ) -> pd.DataFrame:
        """The anonymised quote bank, one row per quote, in framework order."""
        from piri_qual.analysis.quotes import quote_bank

        data = self.selection(coder, group=group, theme=theme, participant=participant, where=where, ner=check)
        return quote_bank(data, per_theme=per_theme, check=check, redact=redact)

    def frequencies(
        self, coder: str | None = None, *, by: str = "group", group: Names = None, theme: Names = None,
        participant: Names = None, where: Where = None,
    ) -> pd.DataFrame:
        """Themes x (value of ``by``, measure): participants raising each theme, of how many, excerpts."""
        from piri_qual.analysis.frequencies import theme_frequencies

        data = self.selection(coder, group=group, theme=theme, participant=participant, where=where, ner=False)
        return theme_frequencies(data.codings, data.participants, data.themes, by=by)

    def cooccurrence(
        self, coder: str | None = None, *, group: Names = None, theme: Names = None, participant: Names = None,
        where: Where = None,
    ) -> pd.DataFrame:
        """Themes x themes: codings on overlapping excerpts (diagonal: codings of the theme)."""
        from piri_qual.analysis.frequencies import cooccurrence

        data = self.selection(coder, group=group, theme=theme, participant=participant, where=where, ner=False)
        return cooccurrence(data.codings, list(data.themes.index))

    def saturation(
        self, coder: str | None = None, *, group: Names = None, theme: Names = None, participant: Names = None,
        where: Where = None,
    ) -> pd.DataFrame:
        """New themes per transcript in interview order, with the running total."""
        from piri_qual.analysis.frequencies import saturation

        data = self.selection(coder, group=group, theme=theme, participant=participant, where=where, ner=False)
        interviewed = set(data.participants.index)
        order = [t for t in data.order if data.transcripts[t].participant in interviewed]
        return saturation(data.codings, order, list(data.themes.index))

    def agreement(
        self, coders: Iterable[str], *, unit: str = "sentence", transcripts: Iterable[str] | None = None,
        ci: float = 0.95, n_boot: int = 1000, seed: int = 0,
    ) -> pd.DataFrame:
        """Inter-coder agreement per theme (and pooled), one row each, for the declared ``unit``."""
        from piri_qual.analysis.study_agreement import study_agreement

        result = study_agreement(self, list(coders), unit, transcripts, ci=ci, n_boot=n_boot, seed=seed)
        return result.table()

    def agreement_by(
        self, coders: Iterable[str], by: str, *, unit: str = "sentence", transcripts: Iterable[str] | None = None,
        ci: float = 0.95, n_boot: int = 1000, seed: int = 0,
    ) -> pd.DataFrame:
        """Agreement per transcript, participant, group, construct or week, worst first, then the
        whole comparison as ``(all)`` (``piri-qual agreement --by``)."""
        from piri_qual.analysis.agreement_slices import slice_agreement
        from piri_qual.analysis.study_agreement import coded_units

        units = coded_units(self, list(coders), unit, transcripts)
        return slice_agreement(self, units, by, ci=ci, n_boot=n_boot, seed=seed).table()
