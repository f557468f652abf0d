"""Interpretation rules: from a stated figure (qualifier + value) to integer bounds.

The rules are data in the ``rule`` concept scheme (ontology/vocab/rule.ttl);
this module is their one implementation. Bounds are inclusive integers: "over
200,000" is ``min = 200001`` with no maximum, so queries compare plain numbers.
The stated text and value are never changed by a rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Magnitude words and their bounds (rule magnitude-word-v1); ``None`` = open.
MAGNITUDES: dict[str, tuple[int, int | None]] = {
    "dozens": (24, 99),
    "hundreds": (100, 999),
    "thousands": (1_000, 9_999),
    "tens-of-thousands": (10_000, 99_999),
    "hundreds-of-thousands": (100_000, 999_999),
    "millions": (1_000_000, None),
}

#: Qualifiers that need a stated numeral, with their rule.
NUMERIC_RULES: dict[str, str] = {
    "exact": "exact-v1",
    "over": "over-v1",
    "more-than": "over-v1",
    "at-least": "at-least-v1",
    "about": "about-10pct-v1",
    "around": "about-10pct-v1",
    "approximately": "about-10pct-v1",
    "some": "about-10pct-v1",
    "close-to": "about-10pct-v1",
    "almost": "almost-v1",
    "nearly": "almost-v1",
    "up-to": "up-to-v1",
    "less-than": "less-than-v1",
}

#: Qualifiers that stand without a numeral, with their rule and bounds.
WORD_RULES: dict[str, tuple[str, int | None, int | None]] = {
    **{word: ("magnitude-word-v1", lo, hi) for word, (lo, hi) in MAGNITUDES.items()},
    "numerous": ("unquantified-plural-v1", 2, None),
    "a-few": ("a-few-v1", 2, 9),
    "several": ("several-v1", 3, 9),
}

QUALIFIERS = frozenset(NUMERIC_RULES) | frozenset(WORD_RULES)


@dataclass(frozen=True)
class Bounds:
    """An inclusive interval (either end may be open) and the rule that gave it."""

    minimum: int | None
    maximum: int | None
    rule: str


class BoundsError(ValueError):
    """The qualifier and value do not fit together."""


def interpret(qualifier: str, value: int | None) -> Bounds:
    """Bounds for a qualifier and an optional stated numeral."""
    if qualifier in WORD_RULES:
        rule, lo, hi = WORD_RULES[qualifier]
        if value is not None:
            # "hundreds" with a numeral makes no sense; "several thousand" is written as
            # qualifier "thousands" with no value.
            raise BoundsError(f"qualifier {qualifier!r} takes no value (got {value})")
        return Bounds(lo, hi, rule)
    if qualifier not in NUMERIC_RULES:
        raise BoundsError(f"unknown qualifier {qualifier!r}")
    if value is None:
        raise BoundsError(f"qualifier {qualifier!r} needs the stated value")
    if value < 0:
        raise BoundsError(f"a stated figure cannot be negative (got {value})")
    rule = NUMERIC_RULES[qualifier]
    if rule == "exact-v1":
        return Bounds(value, value, rule)
    if rule == "over-v1":
        return Bounds(value + 1, None, rule)
    if rule == "at-least-v1":
        return Bounds(value, None, rule)
    if rule == "about-10pct-v1":
        return Bounds(math.ceil(value * 9 / 10), math.floor(value * 11 / 10), rule)
    if rule == "almost-v1":
        return Bounds(math.ceil(value * 9 / 10), max(value - 1, 0), rule)
    if rule == "up-to-v1":
        return Bounds(None, value, rule)
    return Bounds(None, max(value - 1, 0), rule)  # less-than-v1
