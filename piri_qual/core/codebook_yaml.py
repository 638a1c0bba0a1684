"""Editing the codebook YAML in place: only the lines a change touches are rewritten.

The codebook YAML is the researcher's document: comments, section rulers, the order of themes,
folded definitions and flow-style keyword lists are theirs. A codebook change (rename, merge,
edit, ...) therefore rewrites only the lines it must: the ``id:`` line of a renamed theme, the
block of one field, the lines of a removed theme, or new lines appended after the last theme.
Every other byte of the file stays as it was.

Why not a round-trip YAML library: ruamel.yaml, tried on the example codebook, re-emitted
untouched themes differently (a multi-line flow list joined onto one line, ``[{LEMMA: put}]``
written as ``[LEMMA: put]``), so an edit of one theme would have shown as a diff of dozens.
Line-level edits guided by the line numbers the loader already records change nothing else.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from piri_qual.core.yamlfile import LineDict, LineList, dump_yaml, parse_yaml
from piri_qual.errors import PiriQualError

#: The order a new theme's fields are written in.
FIELD_ORDER = (
    "id", "label", "construct", "parent", "section", "definition", "include", "exclude", "keywords",
    "patterns", "exclude_terms", "examples", "codable", "retired",
)


@dataclass(frozen=True)
class _Block:
    """Where one theme sits in the text (0-based line indexes, end exclusive)."""

    id: str
    start: int
    end: int
    column: int  # where its keys start
    keys: dict[str, tuple[int, int]]  # key -> its lines
    flow: bool  # written as {id: ..., ...} on one line


class CodebookText:
    """A codebook's YAML text, with the edits codebook changes need."""

    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        self.lines = text.splitlines(keepends=True)
        if self.lines and not self.lines[-1].endswith("\n"):
            self.lines[-1] += "\n"

    @property
    def text(self) -> str:
        return "".join(self.lines)

    # -- reading the layout --------------------------------------------------------------------
    def _data(self) -> LineDict:
        data = parse_yaml(self.text, self.path)
        if not isinstance(data, LineDict):
            raise PiriQualError("a codebook must be a mapping with a 'themes' list", path=self.path)
        return data

    def _blocks(self) -> tuple[list[_Block], int | None]:
        """Every theme's block, and the line of ``themes:`` when it is an empty flow list."""
        data = self._data()
        nodes = data.get("themes")
        themes_line = data.line_of("themes") - 1 if "themes" in data else None
        if not isinstance(nodes, LineList) or not nodes:
            return [], themes_line
        after_themes = [line - 1 for key, line in data.key_lines.items() if themes_line is not None
                        and line - 1 > themes_line and key != "themes"]
        limit = min(after_themes) if after_themes else len(self.lines)
        starts = [line - 1 for line in nodes.item_lines]
        blocks = []
        for index, node in enumerate(nodes):
            if not isinstance(node, LineDict):
                continue
            start = starts[index]
            end = self._trim(start, starts[index + 1] if index + 1 < len(starts) else limit)
            key_starts = sorted((line - 1, str(key)) for key, line in node.key_lines.items())
            keys: dict[str, tuple[int, int]] = {}
            for k, (line, key) in enumerate(key_starts):
                stop = key_starts[k + 1][0] if k + 1 < len(key_starts) else end
                keys[key] = (line, max(line + 1, self._trim(line, stop)))
            flow = self.lines[start].lstrip(" -").startswith("{")
            blocks.append(_Block(str(node.get("id")), start, end, node.column, keys, flow))
        return blocks, themes_line

    def _trim(self, start: int, end: int) -> int:
        """``end`` moved back over blank and comment lines (they belong to what follows)."""
        while end > start + 1:
            stripped = self.lines[end - 1].strip()
            if stripped and not stripped.startswith("#"):
                break
            end -= 1
        return end

    def _block(self, theme: str) -> _Block:
        for block in self._blocks()[0]:
            if block.id == theme:
                return block
        raise PiriQualError(f"theme {theme!r} is not in the codebook YAML", path=self.path)

    def has(self, theme: str) -> bool:
        return any(b.id == theme for b in self._blocks()[0])

    # -- edits ---------------------------------------------------------------------------------
    def rename(self, old: str, new: str) -> None:
        """Change a theme's id on its ``id:`` line, and every ``parent: old`` to ``parent: new``."""
        block = self._block(old)
        if block.flow:
            self._rewrite(block, {**self._record(old), "id": new})
        else:
            line, _ = block.keys["id"]
            self.lines[line] = _replace_value(self.lines[line], "id", old, new)
        self.repoint_parents({old}, new)

    def repoint_parents(self, old: set[str], new: str | None) -> None:
        for block in self._blocks()[0]:
            parent = self._record(block.id).get("parent")
            if parent in old:
                self.set_field(block.id, "parent", new if new != block.id else None)

    def set_field(self, theme: str, key: str, value: Any) -> None:
        """Set one field of a theme (None, False or an empty list removes it)."""
        block = self._block(theme)
        if block.flow:
            record = self._record(theme)
            record[key] = value
            self._rewrite(block, record)
            return
        text = [] if value is None or value is False or value == [] else _field_lines(key, value, block.column)
        if key in block.keys:
            start, end = block.keys[key]
            self.lines[start:end] = text
            return
        # a new key: after the theme's last key, in the theme's indentation
        self.lines[block.end:block.end] = text

    def remove(self, theme: str) -> None:
        block = self._block(theme)
        end = block.end
        if block.start > 0 and not self.lines[block.start - 1].strip():
            while end < len(self.lines) and not self.lines[end].strip():
                end += 1  # keep one blank line between the themes either side, not two
        del self.lines[block.start:end]

    def append(self, record: dict[str, Any]) -> None:
        """Add a theme after the last one, in the file's indentation."""
        blocks, themes_line = self._blocks()
        spaced = False
        if blocks:
            last = blocks[-1]
            column = last.column
            at = last.end
            spaced = last.start > 0 and not self.lines[last.start - 1].strip()
        else:
            column = 4
            if themes_line is None:
                if self.lines and not self.lines[-1].endswith("\n"):
                    self.lines[-1] += "\n"
                self.lines.append("themes:\n")
                at = len(self.lines)
            else:
                line = self.lines[themes_line]
                self.lines[themes_line] = re.sub(r"themes:\s*\[\s*\]", "themes:", line)
                at = themes_line + 1
        self.lines[at:at] = (["\n"] if spaced else []) + _theme_lines(record, column)

    def _record(self, theme: str) -> dict[str, Any]:
        data = self._data()
        for node in data.get("themes") or []:
            if isinstance(node, dict) and str(node.get("id")) == theme:
                return {str(k): v for k, v in node.items()}
        return {}

    def _rewrite(self, block: _Block, record: dict[str, Any]) -> None:
        self.lines[block.start:block.end] = _theme_lines(record, block.column)


def _replace_value(line: str, key: str, old: str, new: str) -> str:
    pattern = re.compile(rf"(\b{re.escape(key)}:\s*)(['\"]?){re.escape(old)}\2(?=\s*(#.*)?$)")
    replaced, count = pattern.subn(lambda m: m.group(1) + _scalar(new), line.rstrip("\n"))
    if not count:
        raise PiriQualError(f"cannot find {key}: {old} on its line to change it", hint="Edit the YAML by hand.")
    return replaced + "\n"


def _scalar(value: str) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10_000).strip()
    return dumped.removesuffix("\n...").removesuffix("...").strip()


def _field_lines(key: str, value: Any, column: int) -> list[str]:
    pad = " " * column
    if isinstance(value, str) and (len(value) > 70 or "\n" in value) and key not in ("id", "label"):
        # long text as a folded block, the way definitions are written by hand
        body = textwrap.wrap(" ".join(value.split()), width=max(40, 96 - column))
        return [f"{pad}{key}: >\n", *(f"{pad}  {line}\n" for line in body)]
    text = dump_yaml({key: value})
    return [pad + line + "\n" for line in text.splitlines()]


def _theme_lines(record: dict[str, Any], column: int) -> list[str]:
    def kept(key: str, value: Any) -> bool:  # `codable: false` is the one flag written when false
        return key == "codable" and value is False or value not in (None, [], (), "", False)

    ordered = {k: record[k] for k in FIELD_ORDER if k in record and kept(k, record[k])}
    ordered.update({k: v for k, v in record.items() if k not in ordered and kept(k, v)})
    lines = []
    for key, value in ordered.items():
        lines.extend(_field_lines(key, value, column))
    if lines:
        first = lines[0]
        lines[0] = " " * (column - 2) + "- " + first[column:]
    return lines
