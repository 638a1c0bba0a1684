"""The presence table: which coder applied which theme to which unit, for agreement.

Why: kappa and alpha compare coders unit by unit, but coders mark free spans. This module reads
each coder's current codings (the fold of their log), keeps the transcripts every named coder
has coded (made at least one coding, or rejected a suggestion, in them), leaves out orphaned
codings (whose quote no longer sits at their offsets), divides the text into units
(:mod:`piri_qual.analysis.units`) and marks, per coder, unit and theme, whether the coder's
codings cover the unit. Themes are those any of the coders applied there, in codebook order: a
theme nobody used carries no information about agreement and would only inflate pooled figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from piri_qual.analysis.units import (
    UnitSpans,
    check_kind,
    covered,
    describe,
    transcript_units,
)
from piri_qual.core.theme_check import warn_theme_problems
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.core.corpus import Transcript
    from piri_qual.core.study import StudyFolder


@dataclass
class CodedUnits:
    """The presence table: for each coder, unit and theme, whether the coder applied the theme.

    ``presence`` has shape (coders, units, themes). Unit ``i`` sits in transcript
    ``transcripts[unit_transcript[i]]`` at ``[unit_start[i], unit_end[i])``, in turn
    ``unit_turn[i]``. For ``character`` units, ``segments`` holds each coder's codings as
    ``(start, end, theme)`` on the continuum (unit indexes), for unitizing alpha.
    """

    coders: tuple[str, ...]
    unit: str
    unit_description: str
    transcripts: tuple[str, ...]
    skipped: dict[str, str]
    themes: tuple[str, ...]
    labels: dict[str, str]
    construct_of: dict[str, str | None]
    construct_labels: dict[str, str]
    unit_transcript: np.ndarray
    unit_start: np.ndarray
    unit_end: np.ndarray
    unit_turn: np.ndarray
    presence: np.ndarray
    offsets: np.ndarray
    orphaned: dict[str, int]
    outside: dict[str, int]
    segments: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    texts: dict[str, Transcript] = field(default_factory=dict, repr=False)

    @property
    def n_units(self) -> int:
        return int(self.unit_start.size)

    def pattern_codes(self) -> np.ndarray:
        """(units, themes) integer code of which coders marked each pair: bit j = coder j."""
        m = len(self.coders)
        codes = np.zeros(self.presence.shape[1:], dtype=np.int32)
        for j in range(m):
            codes |= self.presence[j].astype(np.int32) << j
        return codes

    def restrict(
        self, transcripts: Iterable[str] | None = None, themes: Iterable[str] | None = None
    ) -> CodedUnits:
        """The same comparison on some of its transcripts and themes (a slice of the study).

        Units keep their order; the character continuum is laid out anew over the transcripts
        kept, and each coder's segments move with it. Themes nobody applied within the slice
        are dropped, by the rule the whole study follows (they carry no information about
        agreement). Orphaned and outside counts stay those of the whole comparison.
        """
        wanted_t = None if transcripts is None else set(transcripts)
        kept = [k for k, tid in enumerate(self.transcripts) if wanted_t is None or tid in wanted_t]
        wanted_h = None if themes is None else set(themes)
        cols = [k for k, th in enumerate(self.themes) if wanted_h is None or th in wanted_h]
        rows = np.flatnonzero(np.isin(self.unit_transcript, kept))
        presence = self.presence[:, rows][:, :, cols]
        used = np.flatnonzero(presence.any(axis=(0, 1)))
        cols = [cols[i] for i in used]
        presence = presence[:, :, used]
        sizes = np.diff(self.offsets)[kept]
        offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        new_index = {k: i for i, k in enumerate(kept)}
        names = [self.themes[c] for c in cols]
        segments: dict[str, list[tuple[int, int, str]]] = {}
        if self.segments:
            theme_set = set(names)
            for coder, segs in self.segments.items():
                moved = []
                for start, end, theme in segs:
                    k = int(self.unit_transcript[start])
                    if k in new_index and theme in theme_set:
                        shift = int(offsets[new_index[k]]) - int(self.offsets[k])
                        moved.append((start + shift, end + shift, theme))
                segments[coder] = moved
        tids = tuple(self.transcripts[k] for k in kept)
        return CodedUnits(
            coders=self.coders,
            unit=self.unit,
            unit_description=self.unit_description,
            transcripts=tids,
            skipped={},
            themes=tuple(names),
            labels={t: self.labels[t] for t in names},
            construct_of={t: self.construct_of[t] for t in names},
            construct_labels=self.construct_labels,
            unit_transcript=np.repeat(np.arange(len(kept), dtype=np.int64), sizes),
            unit_start=self.unit_start[rows],
            unit_end=self.unit_end[rows],
            unit_turn=self.unit_turn[rows],
            presence=presence,
            offsets=offsets,
            orphaned=self.orphaned,
            outside=self.outside,
            segments=segments,
            texts={t: self.texts[t] for t in tids if t in self.texts},
        )

    def presence_frame(self, coder: str) -> pd.DataFrame:
        """One coder's presence table as a DataFrame (rows = units, columns = themes)."""
        import pandas as pd

        j = self.coders.index(coder)
        index = pd.MultiIndex.from_arrays(
            [np.asarray(self.transcripts, dtype=object)[self.unit_transcript], self.unit_start, self.unit_end],
            names=["transcript", "start", "end"],
        )
        return pd.DataFrame(self.presence[j], index=index, columns=list(self.themes))


def _coded_transcripts(study: StudyFolder, coder: str) -> set[str]:
    folded = study.fold(coder)
    seen = {c.transcript for c in folded.codings.values()}
    seen.update(e.transcript for e in folded.rejections if e.transcript)
    return seen


def _parse_coders(study: StudyFolder, coders: Sequence[str]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(c.strip() for c in coders if c.strip()))
    if len(names) < 2:
        raise PiriQualError(
            "agreement needs at least two different coders",
            hint="Name them with --coders A,B (e.g. --coders alice,bob).",
        )
    for name in names:
        study.require_coder(name)
    return names


def coded_units(
    study: StudyFolder,
    coders: Sequence[str],
    unit: str = "sentence",
    transcripts: Iterable[str] | None = None,
) -> CodedUnits:
    """Build the presence table of ``coders`` over the units of the transcripts they all coded.

    Sentence units are the sentences of the study's sentence index (``study.sentence_index``),
    the ones suggestions are made on and the terminal UI moves by.
    """
    check_kind(unit)
    names = _parse_coders(study, coders)
    warn_theme_problems(study, names)  # codings the codebook no longer explains: said, not hidden
    known = study.transcript_ids()
    wanted: list[str] | None = None
    if transcripts is not None:
        wanted = list(dict.fromkeys(t.strip() for t in transcripts if t.strip()))
        unknown = [t for t in wanted if t not in known]
        if unknown:
            raise PiriQualError(
                f"no transcript {', '.join(repr(t) for t in unknown)} in this study",
                path=study.corpus_dir,
                hint=f"Known: {', '.join(known[:12])}{' ...' if len(known) > 12 else ''}.",
            )
    coded = {name: _coded_transcripts(study, name) for name in names}
    pool = wanted if wanted is not None else known
    compared: list[str] = []
    skipped: dict[str, str] = {}
    for tid in pool:
        missing = [n for n in names if tid not in coded[n]]
        if not missing:
            compared.append(tid)
        elif wanted is not None or len(missing) < len(names):
            skipped[tid] = f"not coded by {', '.join(missing)}"
    if not compared:
        raise PiriQualError(
            f"no transcript has been coded by all of {', '.join(names)}",
            hint="Agreement compares transcripts every named coder has coded; "
            "check the names with `piri-qual codings list`.",
        )

    include_interviewer = study.settings.candidates_include_interviewer
    texts = {tid: study.transcript(tid) for tid in compared}
    sentences = (
        study.sentence_index.spans_many([texts[tid] for tid in compared])
        if unit == "sentence" else [None] * len(compared)
    )
    spans: list[UnitSpans] = [
        transcript_units(texts[tid], unit, include_interviewer=include_interviewer, sentences=found)
        for tid, found in zip(compared, sentences, strict=True)
    ]
    sizes = np.asarray([len(s) for s in spans], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    index = {tid: k for k, tid in enumerate(compared)}

    # Current codings of each coder in the compared transcripts, orphans left out.
    orphaned = dict.fromkeys(names, 0)
    kept: dict[str, list[Any]] = {n: [] for n in names}
    for name in names:
        for c in study.fold(name).codings.values():
            t = texts.get(c.transcript)
            if t is None:
                continue
            if t.text[c.start : c.end] != c.quote:
                orphaned[name] += 1
                continue
            kept[name].append(c)

    try:
        codebook = study.codebook
    except PiriQualError:
        codebook = None
    used = {c.theme for name in names for c in kept[name]}
    if not used:
        raise PiriQualError(
            f"{', '.join(names)} applied no theme in the transcripts they all coded "
            f"({', '.join(compared[:6])}{' ...' if len(compared) > 6 else ''}), so there is nothing to compare",
            hint="Agreement needs codings; rejected suggestions alone mark a transcript as seen.",
        )
    order = [t for t in (codebook.ids if codebook else []) if t in used]
    order += sorted(used - set(order))
    col = {t: k for k, t in enumerate(order)}
    labels: dict[str, str] = {}
    construct_of: dict[str, str | None] = {}
    for theme_id in order:
        theme = codebook.get(theme_id) if codebook else None
        labels[theme_id] = theme.label if theme else theme_id
        construct_of[theme_id] = theme.construct if theme else None
    framework = study.framework
    construct_labels = {cid: c.label for cid, c in (framework.constructs.items() if framework else [])}

    n_units = int(offsets[-1])
    presence = np.zeros((len(names), n_units, len(order)), dtype=bool)
    outside = dict.fromkeys(names, 0)
    segments: dict[str, list[tuple[int, int, str]]] = {n: [] for n in names}
    for j, name in enumerate(names):
        for c in kept[name]:
            k = index[c.transcript]
            hit = covered(spans[k], c.start, c.end)
            if hit.size == 0:
                outside[name] += 1
                continue
            rows = hit + offsets[k]
            presence[j, rows, col[c.theme]] = True
            if unit == "character":
                segments[name].append((int(rows[0]), int(rows[-1]) + 1, c.theme))

    if n_units == 0:
        raise PiriQualError(
            f"the transcripts coded by {', '.join(names)} hold no {unit} units",
            hint="Units come from participant turns; check the speaker roles with `piri-qual show`.",
        )

    def cat(parts: list[np.ndarray], dtype: Any = np.int64) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return CodedUnits(
        coders=names,
        unit=unit,
        unit_description=describe(unit, include_interviewer),
        transcripts=tuple(compared),
        skipped=skipped,
        themes=tuple(order),
        labels=labels,
        construct_of=construct_of,
        construct_labels=construct_labels,
        unit_transcript=np.repeat(np.arange(len(compared), dtype=np.int64), sizes),
        unit_start=cat([s.starts for s in spans]),
        unit_end=cat([s.ends for s in spans]),
        unit_turn=cat([s.turn for s in spans]),
        presence=presence,
        offsets=offsets,
        orphaned=orphaned,
        outside=outside,
        segments=segments if unit == "character" else {},
        texts=texts,
    )
