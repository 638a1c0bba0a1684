"""piri-qual: terminal-first qualitative thematic analysis for health-services research.

The Python API is :class:`piri_qual.Study`; it is imported lazily so that ``import piri_qual``
(and ``piri-qual --help``) stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piri_qual._version import __version__
from piri_qual.errors import PiriQualError

__all__ = ["PiriQualError", "Study", "__version__"]

if TYPE_CHECKING:
    from piri_qual.study import Study


def __getattr__(name: str) -> Any:
    if name == "Study":
        from piri_qual.study import Study

        return Study
    raise AttributeError(f"module 'piri_qual' has no attribute {name!r}")
