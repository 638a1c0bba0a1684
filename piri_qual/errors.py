"""The one exception type users can cause.

Every error a researcher can trigger (a bad file, a YAML typo, an unknown theme) is raised as a
:class:`PiriQualError` whose message says *where* (file and line), *what* is wrong and *what to
do*. The CLI turns it into one line on stderr and exit code 2; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

from pathlib import Path


def shown(path: str | Path) -> str:
    """A path as a user would type it: relative to the current folder when it is below it."""
    candidate = Path(path)
    try:
        text = str(candidate.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        text = str(candidate)
    return text + "/" if candidate.is_dir() and not text.endswith("/") else text


class PiriQualError(Exception):
    """A problem the user can fix, with a message that tells them how."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.hint = hint
        self.detail = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = ""
        if self.path is not None:
            where = shown(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        text = where + self.detail
        if self.hint:
            text = text.rstrip(".") + ". " + self.hint
        return text


class PiriQualWarning(UserWarning):
    """Something was skipped or repaired but the command could go on (e.g. a torn log line)."""
