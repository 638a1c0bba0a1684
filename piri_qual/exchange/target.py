"""Which study an exchange import writes into, and what that study already holds.

``--into DIR`` names a study folder, created when missing; otherwise the study is the one
``--study`` names or the one found by walking up from the current folder. Nothing is created
here: a new study is only made when the whole import has been checked.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from piri_qual.core.codings import FoldResult
from piri_qual.core.corpus import Transcript
from piri_qual.core.framework import Codebook, Framework
from piri_qual.core.locking import study_lock
from piri_qual.core.settings import SETTINGS_FILE, STARTER_FRAMEWORK, Settings, init_study
from piri_qual.core.study import StudyFolder
from piri_qual.errors import PiriQualError

NEW_FRAMEWORK = "frameworks/main.yaml"
NEW_CODEBOOK = "codebooks/main.yaml"


@dataclass
class Target:
    """A study to import into: an open :class:`Study`, or a folder still to be created."""

    root: Path
    study: StudyFolder | None
    title: str | None = None
    _folds: dict[str, FoldResult] = field(default_factory=dict)
    _indexes: dict[str, dict[tuple[str, int, int, str], str]] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.study is not None

    def locked(self) -> AbstractContextManager[None]:
        """The study's lock while an import plans and writes into an existing study (a new one is
        created only once the import is checked, and nobody else knows of it yet)."""
        if self.study is None:
            return nullcontext()
        return study_lock(self.root, "importing")

    @property
    def settings(self) -> Settings:
        return self.study.settings if self.study is not None else Settings()

    @property
    def framework_path(self) -> Path | None:
        if self.study is None:
            return self.root / NEW_FRAMEWORK
        value = self.study.settings.framework
        return self.root / value if value else None

    @property
    def codebook_path(self) -> Path:
        if self.study is None:
            return self.root / NEW_CODEBOOK
        return self.study.codebook_path

    @property
    def framework(self) -> Framework | None:
        return self.study.framework if self.study is not None else None

    @property
    def codebook(self) -> Codebook | None:
        return self.study.codebook if self.study is not None else None

    def codebook_text(self) -> str | None:
        path = self.codebook_path
        return path.read_text(encoding="utf-8") if self.study is not None and path.exists() else None

    def framework_replaceable(self) -> bool:
        """True for a new study, or one whose framework is still the untouched starter."""
        path = self.framework_path
        if path is None:
            return False
        if self.study is None or not path.exists():
            return True
        starter = STARTER_FRAMEWORK.format(framework=path.stem)
        if path.read_text(encoding="utf-8") != starter:
            return False
        book = self.codebook
        return book is None or not any(t.construct for t in book.themes)

    def transcripts(self) -> dict[str, Transcript]:
        if self.study is None:
            return {}
        return {t.id: t for t in self.study.iter_transcripts()}

    def participants(self) -> dict[str, dict[str, str]]:
        return dict(self.study.participant_table()) if self.study is not None else {}

    def coders(self) -> list[str]:
        return self.study.coders() if self.study is not None else []

    def fold(self, coder: str) -> FoldResult:
        if self.study is None or coder not in self.coders():
            return FoldResult()
        if coder not in self._folds:
            self._folds[coder] = self.study.fold(coder)
        return self._folds[coder]

    def coding_index(self, coder: str) -> dict[tuple[str, int, int, str], str]:
        """The coder's current codings by (transcript, start, end, theme) -> coding id."""
        key = f"index:{coder}"
        if key not in self._indexes:
            self._indexes[key] = {
                (c.transcript, c.start, c.end, c.theme): c.id for c in self.fold(coder).codings.values()
            }
        return self._indexes[key]

    def create(self) -> StudyFolder:
        """Create the study folder (after the import has been checked) and open it."""
        if self.study is None:
            init_study(self.root, self.title)
            self.study = StudyFolder(self.root)
        return self.study


def resolve_target(study_dir: Path | None, into: Path | None, title: str | None = None) -> Target:
    if into is not None:
        root = into.expanduser().resolve()
        if study_dir is not None and study_dir.expanduser().resolve() != root:
            raise PiriQualError(
                "--into and --study name different folders",
                hint="Give one of them: --into DIR creates the study when missing.",
            )
        if (root / SETTINGS_FILE).is_file():
            return Target(root, StudyFolder(root))
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise PiriQualError(
                "exists and is not a piri-qual study, so it cannot be made into one",
                path=root,
                hint="Give --into a new or empty folder, or an existing study.",
            )
        return Target(root, None, title)
    try:
        study = StudyFolder(study_dir)
    except PiriQualError as exc:
        if study_dir is not None:
            raise
        raise PiriQualError(
            "no study to import into: no folder here or above holds " + SETTINGS_FILE,
            hint="Pass --into DIR to create a study from the file, or --study DIR for an existing one.",
        ) from exc
    return Target(study.root, study)
