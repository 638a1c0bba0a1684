"""``StudyFolder``: a study folder opened for reading and work; the data model's one entry point.

Everything above ``core`` (ingest, analysis, assist, exports, exchange, the CLI and the terminal
UI) reads a study through this class and writes coder decisions through :attr:`StudyFolder.store`.
The public notebook API, :class:`piri_qual.Study`, is this class plus analysis methods::

    from piri_qual import Study
    study = Study("path/to/study")
    study.transcripts()          # pandas DataFrame, one row per transcript
    study.codings("alice")       # one row per current coding

Files are read lazily and cached by modification time, so a long-lived object (the TUI) sees
other processes' appends.

Opening a study applies its ``permissions`` setting to the process (files written from then on
are owner-only unless the study is shared; :mod:`piri_qual.core.permissions`), and points
matplotlib's cache into ``.piri-cache/`` so that an export writes nothing outside the study
and the export folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from piri_qual.core.codebook_history import CodebookHistory
from piri_qual.core.coders import resolve_coder
from piri_qual.core.coding_table import CODING_COLUMNS, coding_table
from piri_qual.core.codings import CoderLog, FoldResult, fold, validate_coder_name
from piri_qual.core.corpus import Transcript
from piri_qual.core.framework import Codebook, Framework, load_codebook, load_framework
from piri_qual.core.participants import load_participants
from piri_qual.core.permissions import DEFAULT_PERMISSIONS, apply_permissions
from piri_qual.core.settings import CACHE_DIR, SETTINGS_FILE, Settings, find_study_root
from piri_qual.core.store import CodingStore

if TYPE_CHECKING:
    from piri_qual.core.codebook_store import CodebookStore
from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    import pandas as pd

    from piri_qual.core.sentences import SentenceIndex

T = TypeVar("T")
_mpl_dir: str | None = None  # the MPLCONFIGDIR a StudyFolder set (the user's own is never changed)
HISTORY_SUFFIX = ".history.jsonl"


@dataclass(frozen=True)
class _Stamp:
    mtime_ns: int
    size: int


def _stamp(path: Path) -> _Stamp | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _Stamp(stat.st_mtime_ns, stat.st_size)


def corpus_ids(corpus_dir: Path) -> list[str]:
    """The ids of the corpus files (``<id>.json``, not hidden), in the folder's order; none when
    there is no folder. Listed by name with ``os.scandir``: a glob made a path object of each of
    1,000 files for every command that listed them (issue #18)."""
    try:
        names = [e.name for e in os.scandir(corpus_dir)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [n[:-5] for n in names if n.endswith(".json") and not n.startswith(".")]


class StudyFolder:
    """An opened study folder: its files, settings, codebook, transcripts and coder logs."""

    def __init__(self, path: str | Path | None = None) -> None:
        start = Path(path) if path is not None else Path.cwd()
        if path is not None and not (start / SETTINGS_FILE).is_file():
            if not start.exists():
                raise PiriQualError(
                    "no such folder", path=start, hint="Create a study with `piri-qual init DIR`."
                )
            raise PiriQualError(
                f"not a study folder (no {SETTINGS_FILE})",
                path=start,
                hint="Create one with `piri-qual init DIR`, or point --study at the folder holding it.",
            )
        self.root = find_study_root(start)
        self._cache: dict[str, tuple[Any, Any]] = {}
        self._store: CodingStore | None = None
        self._codebook_store: CodebookStore | None = None
        self._sentence_index: SentenceIndex | None = None
        self._apply_environment()

    def _apply_environment(self) -> None:
        """The study's permissions for every file written from now on, and matplotlib's cache."""
        try:
            policy = self.settings.permissions
        except PiriQualError:
            policy = DEFAULT_PERMISSIONS  # broken settings are reported by whatever reads them
        apply_permissions(policy)
        global _mpl_dir
        if os.environ.get("MPLCONFIGDIR") in (None, _mpl_dir) and "matplotlib" not in sys.modules:
            _mpl_dir = os.environ["MPLCONFIGDIR"] = str(self.cache_dir / "matplotlib")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.root)!r})"

    # -- folders ---------------------------------------------------------------------------------
    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"

    @property
    def codings_dir(self) -> Path:
        return self.root / "codings"

    @property
    def transcripts_dir(self) -> Path:
        return self.root / "transcripts"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_DIR

    @property
    def participants_path(self) -> Path:
        return self.root / "participants.csv"

    def _cached(self, key: str, path: Path, load: Callable[[], T]) -> T:
        stamp = _stamp(path)
        hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = load()
        self._cache[key] = (stamp, value)
        return value

    # -- settings, framework, codebook -----------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._cached("settings", self.settings_path, lambda: Settings.load(self.settings_path))

    def _configured(self, key: str) -> Path | None:
        value = getattr(self.settings, key)
        return (self.root / value) if value else None

    @property
    def framework(self) -> Framework | None:
        path = self._configured("framework")
        if path is None:
            return None
        return self._cached("framework", path, lambda: load_framework(path))

    @property
    def codebook_path(self) -> Path:
        path = self._configured("codebook")
        if path is None:
            raise PiriQualError(
                "the study names no codebook",
                path=self.settings_path,
                hint="Add `codebook: codebooks/<name>.yaml`.",
            )
        return path

    @property
    def codebook(self) -> Codebook:
        path = self.codebook_path
        framework = self.framework
        stamp_key = f"codebook:{_stamp(self._configured('framework') or path)}"
        return self._cached(stamp_key, path, lambda: load_codebook(path, framework))

    # -- the codebook's history -------------------------------------------------------------------
    @property
    def history_path(self) -> Path | None:
        """``codebooks/<name>.history.jsonl`` beside the codebook (None without a codebook)."""
        path = self._configured("codebook")
        return path.with_name(path.stem + HISTORY_SUFFIX) if path is not None else None

    @property
    def history(self) -> CodebookHistory:
        """The codebook's change history (empty when it has none yet)."""
        path = self.history_path
        if path is None:
            return CodebookHistory([])
        return self._cached("history", path, lambda: CodebookHistory.load(path))

    @property
    def theme_map(self) -> dict[str, str]:
        """Every theme id the history renamed or merged -> the id its codings belong to now."""
        path = self.history_path
        if path is None:
            return {}
        return self._cached("theme_map", path, lambda: self.history.theme_map())

    @property
    def codebook_store(self) -> CodebookStore:
        """The one write path for codebook changes: the YAML updated in place, the history appended."""
        if self._codebook_store is None:
            from piri_qual.core.codebook_store import CodebookStore

            self._codebook_store = CodebookStore(self)
        return self._codebook_store

    # -- participants ----------------------------------------------------------------------------
    def participant_table(self) -> dict[str, dict[str, str]]:
        path = self.participants_path
        return self._cached("participants", path, lambda: load_participants(path))

    def participants(self) -> pd.DataFrame:
        import pandas as pd

        rows = list(self.participant_table().values())
        frame = pd.DataFrame(rows)
        if frame.empty:
            frame = pd.DataFrame(columns=["id", "group"])
        return frame.set_index("id", drop=False)

    # -- transcripts -----------------------------------------------------------------------------
    def transcript_ids(self) -> list[str]:
        return sorted(corpus_ids(self.corpus_dir))

    def transcript(self, transcript_id: str, *, remember: bool = True) -> Transcript:
        """The transcript ``transcript_id``, read once and kept while its file is unchanged.

        ``remember=False`` reads it without keeping it: a pass over every transcript of a large
        study (``suggest``) then holds one transcript at a time, not the whole corpus.
        """
        path = self.corpus_dir / f"{transcript_id}.json"
        if not path.exists():
            known = self.transcript_ids()
            raise PiriQualError(
                f"no transcript {transcript_id!r} in this study",
                path=self.corpus_dir,
                hint=f"Known: {', '.join(known[:12])}{' ...' if len(known) > 12 else ''}"
                if known
                else "Import one with `piri-qual import FILE`.",
            )
        if not remember:
            hit = self._cache.get(f"transcript:{transcript_id}")
            return hit[1] if hit is not None and hit[0] == _stamp(path) else Transcript.load(path)
        return self._cached(f"transcript:{transcript_id}", path, lambda: Transcript.load(path))

    def iter_transcripts(self) -> Iterator[Transcript]:
        for tid in self.transcript_ids():
            yield self.transcript(tid)

    @property
    def sentence_index(self) -> SentenceIndex:
        """The sentence index every sentence-based feature reads (suggestions, agreement units,
        the terminal UI): computed once per transcript and cached in ``.piri-cache/sentences/``."""
        if self._sentence_index is None:
            # Deferred: the index imports numpy (about 60 ms), which commands that only read the
            # study's files (summary, codings list) would otherwise pay on every start.
            from piri_qual.core.sentences import SentenceIndex

            self._sentence_index = SentenceIndex(self.cache_dir)
        return self._sentence_index

    def sentences(self, transcript_id: str) -> list[tuple[int, int]]:
        """The sentences of one transcript as ``(start, end)`` pairs, in text order."""
        spans = self.sentence_index.spans(self.transcript(transcript_id))
        return [(int(a), int(b)) for a, b in spans.tolist()]

    def transcripts(self) -> pd.DataFrame:
        """One row per transcript: participant, group, format, turns, words, speakers."""
        import pandas as pd

        rows = []
        for t in self.iter_transcripts():
            rows.append(
                {
                    "id": t.id,
                    "participant": t.participant,
                    "group": t.group,
                    "format": t.format,
                    "turns": len(t.turns),
                    "words": t.words,
                    "speakers": ", ".join(t.speakers),
                    "source": t.source,
                }
            )
        columns = ["id", "participant", "group", "format", "turns", "words", "speakers", "source"]
        return pd.DataFrame(rows, columns=columns)

    # -- coders and codings ----------------------------------------------------------------------
    def coders(self) -> list[str]:
        """Coders named in the settings plus every coder with a log."""
        names = list(self.settings.coders)
        if self.codings_dir.is_dir():
            for path in sorted(self.codings_dir.glob("*.jsonl")):
                if path.stem not in names:
                    names.append(path.stem)
        return names

    def log(self, coder: str) -> CoderLog:
        validate_coder_name(coder)
        return CoderLog(self.codings_dir / f"{coder}.jsonl", coder)

    def fold(self, coder: str) -> FoldResult:
        """The coder's current codings, with theme ids as the codebook history has them now."""
        log = self.log(coder)
        history = self.history_path
        key = f"fold:{coder}:{_stamp(history) if history is not None else None}"
        return self._cached(key, log.path, lambda: fold(log.read(), self.theme_map))

    @property
    def store(self) -> CodingStore:
        """The one write path for coder decisions: validated, locked, fsynced."""
        if self._store is None:
            self._store = CodingStore(self)
        return self._store

    def validate_coder(self, coder: str) -> str:
        """A coder name that can be a log's file name, or a clear error."""
        return validate_coder_name(coder)

    def resolve_coder(self, coder: str | None = None, *, reading: bool = True) -> str:
        """Which coder a command acts as (``--coder``, else ``PIRI_QUAL_CODER``, else the only one)."""
        return resolve_coder(self, coder, reading=reading)

    def require_coder(self, coder: str) -> str:
        """Check that a coder has a log (for commands that read codings)."""
        validate_coder_name(coder)
        if coder not in self.coders():
            raise PiriQualError(
                f"no coder {coder!r} in this study",
                path=self.codings_dir,
                hint=f"Coders: {', '.join(self.coders()) or 'none yet'}.",
            )
        return coder

    def codings(self, coder: str | list[str] | None = None) -> pd.DataFrame:
        """Current codings, one row each, with participant, group, construct, domain and
        ``orphaned`` (its quote is no longer at its offsets after an edit of the source: shown,
        never silently moved onto other words)."""
        import pandas as pd

        coders = [coder] if isinstance(coder, str) else (coder or self.coders())
        try:
            codebook: Codebook | None = self.codebook
        except PiriQualError:
            codebook = None
        transcripts = {tid: self.transcript(tid) for tid in self.transcript_ids()}
        frames = [coding_table(self.fold(name), transcripts, codebook, self.framework) for name in coders]
        if not frames:
            return pd.DataFrame(columns=CODING_COLUMNS)
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return frame.sort_values(["coder", "transcript", "start", "end", "theme"]).reset_index(drop=True)
