"""What a reader returns: :class:`SourceDocument`, the one type every transcript reader shares.

Why its own module: each reader (``docx``, ``txt``, ``vtt``) builds a ``SourceDocument`` and
:mod:`piri_qual.ingest.readers` dispatches to the readers, so if the type lived in ``readers`` each
reader would import the module that imports it -- an import cycle that forced the dispatcher to
import its readers inside a function. Here the readers and the dispatcher both import downwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from piri_qual.core.corpus import RawTurn


@dataclass(frozen=True)
class TurnOptions:
    """What the study says about a file's speakers, which changes the turns found.

    ``roles`` is the study's ``roles:`` (label -> role); it decides, among other things, whether
    a file that labels only one side is the interviewer's questions between unlabelled answers.
    ``speakers`` are labels named with ``import --speakers`` and accepted even where the
    detector would doubt them; an empty tuple means the file has no speaker labels at all.
    """

    roles: Mapping[str, str] = field(default_factory=dict)
    speakers: tuple[str, ...] | None = None


@dataclass
class Layout:
    """What the detector found: the layout's name, the labels accepted as speakers, the labels it
    saw but did not believe, whether only one side was labelled, and the structure lines kept."""

    name: str = "no speaker labels"
    labels: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    one_sided: bool = False
    structure: dict[str, int] = field(default_factory=dict)


@dataclass
class SourceDocument:
    """What a reader found in one file.

    ``turns`` never contains an empty turn. ``metadata`` holds what is not transcript text, e.g.
    ``comments`` (Word comments with their anchors), ``header_text``, ``title``, ``encoding``.
    """

    format: str
    turns: list[RawTurn]
    metadata: dict[str, Any] = field(default_factory=dict)
    layout: Layout = field(default_factory=Layout)
