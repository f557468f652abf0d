"""Interpretation rules for figures: every qualifier, with its bounds."""

import pytest

from kg.model.bounds import QUALIFIERS, BoundsError, interpret


@pytest.mark.parametrize(
    ("qualifier", "value", "lo", "hi", "rule"),
    [
        ("exact", 719, 719, 719, "exact-v1"),
        ("over", 200_000, 200_001, None, "over-v1"),
        ("more-than", 700_000, 700_001, None, "over-v1"),
        ("at-least", 50, 50, None, "at-least-v1"),
        ("about", 4000, 3600, 4400, "about-10pct-v1"),
        ("around", 15, 14, 16, "about-10pct-v1"),
        ("approximately", 1000, 900, 1100, "about-10pct-v1"),
        ("some", 84_000, 75_600, 92_400, "about-10pct-v1"),
        ("close-to", 1_000_000, 900_000, 1_100_000, "about-10pct-v1"),
        ("almost", 30, 27, 29, "almost-v1"),
        ("nearly", 1_000_000, 900_000, 999_999, "almost-v1"),
        ("up-to", 500, None, 500, "up-to-v1"),
        ("less-than", 100, None, 99, "less-than-v1"),
        ("dozens", None, 24, 99, "magnitude-word-v1"),
        ("hundreds", None, 100, 999, "magnitude-word-v1"),
        ("thousands", None, 1000, 9999, "magnitude-word-v1"),
        ("tens-of-thousands", None, 10_000, 99_999, "magnitude-word-v1"),
        ("hundreds-of-thousands", None, 100_000, 999_999, "magnitude-word-v1"),
        ("millions", None, 1_000_000, None, "magnitude-word-v1"),
        ("numerous", None, 2, None, "unquantified-plural-v1"),
        ("a-few", None, 2, 9, "a-few-v1"),
        ("several", None, 3, 9, "several-v1"),
    ],
)
def test_each_qualifier_has_its_bounds(qualifier, value, lo, hi, rule):
    b = interpret(qualifier, value)
    assert (b.minimum, b.maximum, b.rule) == (lo, hi, rule)


def test_every_qualifier_is_covered_by_the_table_above():
    assert len(QUALIFIERS) == 22


@pytest.mark.parametrize(
    ("qualifier", "value", "message"),
    [
        ("about", None, "needs the stated value"),
        ("hundreds", 300, "takes no value"),
        ("roughly-maybe", 3, "unknown qualifier"),
        ("exact", -1, "cannot be negative"),
    ],
)
def test_bad_combinations_are_refused(qualifier, value, message):
    with pytest.raises(BoundsError, match=message):
        interpret(qualifier, value)
