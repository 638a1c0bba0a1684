"""Checking a codebook's spaCy token patterns whole, without importing spaCy.

A theme's ``patterns`` are spaCy ``Matcher`` patterns (``[{LEMMA: refer}, {LOWER: to}]``). The
codebook is validated by ``piri-qual codebook`` and by every command that loads it, which must
stay fast, so spaCy is not imported here; but a pattern that passes must not then crash
``piri-qual suggest`` inside spaCy (an unclosed regex, a length given as text, an ``{IN: 5}``, an
``OP`` of ``{3,1}`` all did). This module checks what spaCy's own schema (``spacy.schemas``,
``TokenPattern``) checks: the attributes, the type of each attribute's value, the predicates a
value may use and their arguments, regular expressions that compile, and the operators.
"""

from __future__ import annotations

import re
from typing import Any

#: Attributes whose value is text, or a mapping of text predicates.
TEXT_ATTRS = frozenset({
    "ORTH", "TEXT", "NORM", "LOWER", "LEMMA", "POS", "TAG", "MORPH", "DEP", "SHAPE", "ENT_TYPE",
    "ENT_ID", "ENT_KB_ID", "PREFIX", "SUFFIX",
})
#: Attributes whose value is a whole number, or a mapping of number predicates.
NUMBER_ATTRS = frozenset({"LENGTH"})
#: Attributes whose value is true or false.
FLAG_ATTRS = frozenset({
    "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT", "IS_SPACE",
    "IS_STOP", "IS_SENT_START", "IS_SENT_END", "SENT_START", "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL",
    "SPACY", "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT", "IS_CURRENCY",
})
IOB_VALUES = ("", "B", "I", "O", 0, 1, 2, 3)
ATTRS = TEXT_ATTRS | NUMBER_ATTRS | FLAG_ATTRS | {"ENT_IOB", "OP", "_"}

_LIST_PREDICATES = ("IN", "NOT_IN", "IS_SUBSET", "IS_SUPERSET", "INTERSECTS")
_TEXT_PREDICATES = ("REGEX", "FUZZY", *(f"FUZZY{n}" for n in range(1, 10)))
_COMPARISONS = ("==", "!=", ">=", "<=", ">", "<")
_OP_RANGE = re.compile(r"\{(\d*)(,?)(\d*)\}")


def check_pattern(pattern: Any) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """A pattern normalised (attribute and predicate names upper-case) and its problems.

    The pattern is None when it has problems; each problem is a phrase such as
    ``token 2: LENGTH must be a whole number, not 'abc'``.
    """
    if not isinstance(pattern, list) or not pattern or not all(isinstance(t, dict) for t in pattern):
        return None, ["must be a non-empty list of token mappings, e.g. [{LEMMA: refer}, {LOWER: to}]"]
    problems: list[str] = []
    tokens: list[dict[str, Any]] = []
    for number, token in enumerate(pattern, start=1):
        normal: dict[str, Any] = {}
        for raw_attr, value in token.items():
            attr = str(raw_attr).upper()
            where = f"token {number}: {attr}"
            if attr not in ATTRS:
                problems.append(f"uses unknown token attribute {raw_attr!r} (token {number})")
                continue
            try:
                normal[attr] = _check_value(attr, value)
            except _Bad as bad:
                problems.append(f"{where} {bad}")
        tokens.append(normal)
    return (tokens if not problems else None), problems


class _Bad(Exception):
    """What is wrong with one attribute's value (a phrase that follows the attribute's name)."""


def _check_value(attr: str, value: Any) -> Any:
    """The normalised value, or :class:`_Bad` saying what is wrong with it."""
    if attr == "OP":
        return _check_op(value)
    if attr == "_":
        raise _Bad("(custom extension attributes) is not available in a codebook's patterns")
    if attr == "ENT_IOB":
        if value in IOB_VALUES and not isinstance(value, bool):
            return value
        raise _Bad(f"must be B, I, O or empty, not {value!r}")
    if attr in FLAG_ATTRS:
        if isinstance(value, bool):
            return value
        raise _Bad(f"must be true or false, not {value!r}")
    if attr in NUMBER_ATTRS:
        if _whole(value):
            return value
        if isinstance(value, dict):
            return _predicates(value, number=True)
        raise _Bad(f"must be a whole number or a mapping such as {{'>=': 3}}, not {value!r}")
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _predicates(value, number=False)
    raise _Bad(f"must be text or a mapping such as {{IN: [a, b]}}, not {value!r}")


def _predicates(value: dict[Any, Any], *, number: bool) -> dict[str, Any]:
    if not value:
        raise _Bad("has an empty mapping of predicates")
    out: dict[str, Any] = {}
    allowed = (*_LIST_PREDICATES, *_COMPARISONS) if number else (*_LIST_PREDICATES, *_TEXT_PREDICATES)
    for raw, argument in value.items():
        name = str(raw).upper()
        if name not in allowed:
            raise _Bad(f"uses unknown predicate {raw!r} (use {', '.join(allowed)})")
        if name in _LIST_PREDICATES:
            ok = isinstance(argument, list) and all(_whole(a) if number else isinstance(a, str) for a in argument)
            if not ok:
                kind = "whole numbers" if number else "text"
                raise _Bad(f"{name} needs a list of {kind}, not {argument!r}")
        elif name in _COMPARISONS:
            if not _whole(argument):
                raise _Bad(f"{name} needs a whole number, not {argument!r}")
        else:
            if not isinstance(argument, str):
                raise _Bad(f"{name} needs text, not {argument!r}")
            if name == "REGEX":
                try:
                    re.compile(argument)
                except re.error as exc:
                    raise _Bad(f"REGEX {argument!r} is not a valid regular expression ({exc})") from None
        out[name] = argument
    return out


def _check_op(value: Any) -> Any:
    if value in ("!", "?", "+", "*", "1"):
        return value
    match = _OP_RANGE.fullmatch(value) if isinstance(value, str) else None
    if match is not None:
        low, comma, high = match.groups()
        exact = bool(low) and not comma  # {n}
        open_range = bool(comma) and bool(low or high)  # {n,}, {,m}, {n,m}
        if (exact or open_range) and not (low and high and int(low) > int(high)):
            return value
    raise _Bad(f"is invalid: {value!r} (use ! ? + * or {{n}}, {{n,m}}, {{n,}}, {{,m}} with n <= m)")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
