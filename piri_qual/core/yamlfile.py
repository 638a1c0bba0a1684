"""YAML reading that remembers line numbers, so every problem can be reported as file:line.

PyYAML's safe loader is wrapped so that each mapping it builds is a :class:`LineDict` that knows
the line of the mapping and of each of its keys. Validation code can then say
``codebooks/piri.yaml:41: theme 'x' names unknown construct 'y'`` instead of "invalid codebook".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from piri_qual.errors import PiriQualError


class LineDict(dict):
    """A dict from YAML that also records ``line`` (1-based) and ``key_lines``."""

    line: int = 0
    column: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list from YAML that records its own line and each item's line."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class _LineLoader(yaml.SafeLoader):
    """Safe loader whose mappings and sequences carry line numbers."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.column = node.start_mark.column
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path) -> Any:
    """Load a YAML file, turning syntax errors into a PiriQualError at file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PiriQualError("file not found", path=path, hint="Check the path in piri-qual.yaml.") from exc
    except UnicodeDecodeError as exc:
        raise PiriQualError("not UTF-8 text", path=path, hint="Save the file as UTF-8.") from exc
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> Any:
    """Parse YAML text read from ``path`` (named in errors), with line numbers kept."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise PiriQualError(
            f"YAML syntax error: {problem}",
            path=path,
            line=line,
            hint="Check indentation, colons and quotes on that line or the one before.",
        ) from exc
    except yaml.YAMLError as exc:
        raise PiriQualError(f"YAML error: {exc}", path=path) from exc


def dump_yaml(data: Any) -> str:
    """Serialise plain data as readable block YAML, keys in the order given."""
    return yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True, width=100)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
