"""What a reader returns: :class:`SourceDocument`, the one type every transcript reader shares.

Why its own module: each reader (``docx``, ``txt``, ``vtt``) builds a ``SourceDocument`` and
:mod:`piri_qual.ingest.readers` dispatches to the readers, so if the type lived in ``readers`` each
reader would import the module that imports it -- an import cycle that forced the dispatcher to
import its readers inside a function. Here the readers and the dispatcher both import downwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from piri_qual.core.corpus import RawTurn


@dataclass
class SourceDocument:
    """What a reader found in one file.

    ``turns`` never contains an empty turn. ``metadata`` holds what is not transcript text, e.g.
    ``comments`` (Word comments with their anchors), ``header_text``, ``title``, ``encoding``.
    """

    format: str
    turns: list[RawTurn]
    metadata: dict[str, Any] = field(default_factory=dict)
