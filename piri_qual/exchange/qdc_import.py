"""Importing a REFI-QDA codebook (``.qdc``) into a study's framework and codebook.

A new study (``--into DIR``) takes the whole code tree; an existing study matches codes to its
themes and adds the rest only with ``--add-themes`` (see :mod:`.codebook_map`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from piri_qual.core.atomic import atomic_write_text
from piri_qual.exchange.codebook_map import codebook_yaml, framework_yaml, map_codes
from piri_qual.exchange.into_study import check_codebook
from piri_qual.exchange.refi_reader import read_qdc
from piri_qual.exchange.target import Target


@dataclass
class QdcSummary:
    file: Path
    root: Path
    created: bool
    origin: str
    codes: int = 0
    new: int = 0
    matched: int = 0
    constructs: int = 0
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        what = f" ({self.origin})" if self.origin else ""
        where = "new study " if self.created else ""
        extra = f", {self.constructs} framework constructs" if self.constructs else ""
        return (f"imported codebook {self.file.name}{what} into {where}{self.root}: {self.codes} codes, "
                f"{self.new} new themes, {self.matched} already in the codebook{extra}")


def import_qdc(path: Path, target: Target, *, add_themes: bool) -> QdcSummary:
    origin, codes, warnings = read_qdc(path)
    framework_path = target.framework_path
    mapping = map_codes(
        codes,
        codebook=target.codebook,
        framework=target.framework,
        framework_replaceable=target.framework_replaceable(),
        framework_id=framework_path.stem if framework_path is not None else "main",
        framework_label=f"{path.stem} framework",
        add_themes=add_themes,
        where=path,
    )
    framework_text = framework_yaml(mapping.framework) if mapping.framework and framework_path else None
    codebook_text = None
    if mapping.new_themes:
        codebook_text = codebook_yaml(
            target.codebook_text(), target.codebook, mapping.new_themes,
            codebook_id=target.codebook_path.stem, label=f"{path.stem} codebook",
            framework_id=framework_path.stem if framework_path is not None else None,
        )
    check_codebook(target, framework_text, codebook_text)
    summary = QdcSummary(path, target.root, not target.exists, origin,
                         codes=sum(len(c.walk()) for c in codes), new=len(mapping.new_themes),
                         matched=mapping.matched,
                         constructs=mapping.constructs if framework_text else 0,
                         warnings=warnings + mapping.warnings)
    study = target.create()
    if framework_text is not None and target.framework_path is not None:
        atomic_write_text(target.framework_path, framework_text)
    if codebook_text is not None:
        atomic_write_text(study.codebook_path, codebook_text)
        study.codebook_store.note_import(f"added by importing the codebook {path.name}")
    return summary
