"""The one exception type users can cause.

Every error a researcher can trigger (a bad file, a YAML typo, an unknown theme) is raised as a
:class:`PiriQualError` whose message says *where* (file and line), *what* is wrong and *what to
do*. The CLI turns it into one line on stderr and exit code 2; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import errno
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


class PiriQualNotice(PiriQualWarning):
    """Not a problem, but something the user should know while they wait (another process holds
    the study's lock). Shown without the ``warning:`` prefix."""


#: errno values that say something about the machine (full disk, permissions, a path that cannot
#: be), not about piri-qual: shown as one line, never as a traceback.
_OS_PROBLEMS = {
    errno.ENOSPC: ("the disk is full", "Free some space and run the command again."),
    errno.EDQUOT: ("your disk quota is used up", "Free some space and run the command again."),
    errno.EROFS: ("the folder is on a read-only file system", "Choose a folder you can write to (-o)."),
    errno.EACCES: ("permission denied", "Choose a folder you can write to, or check its permissions."),
    errno.EPERM: ("operation not permitted", "Choose a folder you can write to, or check its permissions."),
    errno.ENOTDIR: ("part of the path is a file, not a folder", "Check the path."),
    errno.EEXIST: ("part of the path is a file, not a folder", "Check the path."),
    errno.EISDIR: ("is a folder, not a file", "Give a file name."),
    errno.ENAMETOOLONG: ("the file name is too long", "Choose a shorter name."),
    errno.EIO: ("the disk reported an input/output error", "Check the disk or network drive."),
    errno.ENOENT: ("no such file or folder", "Check the path."),
}


def os_problem(exc: OSError, path: str | Path | None = None, doing: str = "") -> PiriQualError | None:
    """The one-line :class:`PiriQualError` for an operating-system error a user can meet, or None
    (a bug, which keeps its traceback). ``doing`` says what failed (``cannot write``)."""
    known = _OS_PROBLEMS.get(exc.errno or 0)
    if known is None:
        return None
    what, hint = known
    where = path if path is not None else exc.filename
    return PiriQualError(f"{doing}: {what}" if doing else what, path=where, hint=hint)
