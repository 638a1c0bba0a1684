"""YAML reading that remembers line numbers and bounds its work: the one loader for every YAML file.

PyYAML's safe loader is wrapped so that each mapping it builds is a :class:`LineDict` that knows
the line of the mapping and of each of its keys. Validation code can then say
``codebooks/piri.yaml:41: theme 'x' names unknown construct 'y'`` instead of "invalid codebook".

Every YAML file piri-qual reads (``piri-qual.yaml``, frameworks, codebooks, the pseudonym map,
outcome specs) goes through :func:`load_yaml` or :func:`parse_yaml`, which bound the work a file
can cause: its size (:data:`MAX_YAML_BYTES`), the number of values it holds once its aliases are
expanded (:data:`MAX_YAML_VALUES`; a "billion laughs" alias bomb is a few hundred bytes that
expand to 10^9 values, and any code that walks the result, even ``str()``, then runs for ever),
recursive aliases, and nesting deeper than the parser's stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from piri_qual.errors import PiriQualError

#: The largest YAML file read (a codebook of a thousand themes is well under 1 MB).
MAX_YAML_BYTES = 8 * 1024 * 1024
#: The most values (scalars, lists and mappings) a YAML document may hold with aliases expanded.
MAX_YAML_VALUES = 1_000_000


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


class YamlTooBig(Exception):
    """A document whose aliases expand past :data:`MAX_YAML_VALUES`, or refer to themselves."""


_SafeBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


class _LineLoader(_SafeBase):
    """Safe loader whose mappings and sequences carry line numbers, and whose aliases are bounded.

    Built on libyaml's parser when PyYAML has it (ten times faster on a codebook of thousands of
    themes, and it records the same line marks), else on the pure-Python one.
    """

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        expanded_size(node)
        return self.construct_document(node)


def expanded_size(root: yaml.Node, limit: int = MAX_YAML_VALUES) -> int:
    """How many values ``root`` holds once every alias is expanded; :class:`YamlTooBig` past ``limit``.

    Aliases are shared nodes in the composed graph, so each node's size is computed once (linear
    in the file) and a node met again while its own size is being computed is a recursive alias.
    Iterative, so deep nesting cannot exhaust the stack here.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            if total > limit:
                raise YamlTooBig(f"its aliases expand to more than {limit:,} values")
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise YamlTooBig("an alias refers to a value that contains it")
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise YamlTooBig("an alias refers to a value that contains it")
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


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
        with path.open("rb") as handle:
            data = handle.read(MAX_YAML_BYTES + 1)
    except FileNotFoundError as exc:
        raise PiriQualError("file not found", path=path, hint="Check the path in piri-qual.yaml.") from exc
    except IsADirectoryError as exc:
        raise PiriQualError("is a folder, not a YAML file", path=path, hint="Check the path in piri-qual.yaml.") from exc
    except OSError as exc:
        raise PiriQualError(f"cannot be read ({exc.strerror or exc})", path=path,
                            hint="Check that the file exists and that you may read it.") from exc
    if len(data) > MAX_YAML_BYTES:
        raise PiriQualError(
            f"is larger than the {MAX_YAML_BYTES // (1024 * 1024)} MB a study's YAML file may be",
            path=path,
            hint="Check that this is the file meant; split a very long pseudonym map or codebook.",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PiriQualError("not UTF-8 text", path=path, hint="Save the file as UTF-8.") from exc
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> Any:
    """Parse YAML text read from ``path`` (named in errors), with line numbers kept and its work bounded."""
    if len(text) > MAX_YAML_BYTES:
        raise PiriQualError(
            f"is larger than the {MAX_YAML_BYTES // (1024 * 1024)} MB a study's YAML file may be",
            path=path,
            hint="Check that this is the file meant; split a very long pseudonym map or codebook.",
        )
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except YamlTooBig as exc:
        raise PiriQualError(
            f"refused: {exc} (an alias bomb?)",
            path=path,
            hint="Write the values out instead of repeating them through &anchors and *aliases.",
        ) from None
    except RecursionError:
        raise PiriQualError(
            "refused: its values are nested too deeply",
            path=path,
            hint="Check the brackets and indentation; a study's YAML needs a few levels at most.",
        ) from None
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
    except (ValueError, OverflowError) as exc:  # e.g. a date such as 2024-13-45 that cannot exist
        raise PiriQualError(f"YAML value cannot be read: {exc}", path=path,
                            hint="Quote the value if it is meant as text.") from exc


def dump_yaml(data: Any) -> str:
    """Serialise plain data as readable block YAML, keys in the order given."""
    return yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True, width=100)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
