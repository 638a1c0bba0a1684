"""Which coder a command acts as: the one rule every command and the notebook API share.

``--coder NAME`` wins; else the ``PIRI_QUAL_CODER`` environment variable (so a coder sets their
name once per shell); else the study's only coder. A command that *reads* codings needs a coder
with a log; one that *writes* may start a new log.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from piri_qual.errors import PiriQualError

if TYPE_CHECKING:
    from piri_qual.core.study import StudyFolder

ENV_VAR = "PIRI_QUAL_CODER"


def resolve_coder(study: StudyFolder, coder: str | None, *, reading: bool = True) -> str:
    """The coder named by ``coder``, ``PIRI_QUAL_CODER`` or the study's only coder.

    With ``reading``, the coder must have a log (exports, agreement, listing); without it
    (coding, suggestions) a new name starts a new log.
    """
    name = coder or os.environ.get(ENV_VAR) or None
    if name:
        return study.require_coder(name) if reading else study.validate_coder(name)
    known = study.coders()
    candidates = [c for c in known if study.log(c).path.exists()] if reading else known
    if len(candidates) == 1:
        return candidates[0]
    raise PiriQualError(
        f"which coder? Pass --coder NAME (or set {ENV_VAR})",
        path=study.codings_dir,
        hint=f"Coders in this study: {', '.join(known)}." if known else "No coder has coded yet.",
    )
