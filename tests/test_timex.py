"""EDTF values and refinements to earliest/latest dates."""

from datetime import date

import pytest

from kg.model.timex import TimeError, interpret_edtf


@pytest.mark.parametrize(
    ("edtf", "refinement", "earliest", "latest", "rule"),
    [
        ("1992-02", None, date(1992, 2, 1), date(1992, 2, 29), "edtf-v1"),
        ("2021-05-25", None, date(2021, 5, 25), date(2021, 5, 25), "edtf-v1"),
        ("1993", None, date(1993, 1, 1), date(1993, 12, 31), "edtf-v1"),
        ("199X", None, date(1990, 1, 1), date(1999, 12, 31), "edtf-v1"),
        ("19XX", None, date(1900, 1, 1), date(1999, 12, 31), "edtf-v1"),
        ("199X", "early", date(1990, 1, 1), date(1993, 12, 31), "decade-part-v1"),
        ("199X", "beginning-of", date(1990, 1, 1), date(1993, 12, 31), "decade-part-v1"),
        ("199X", "mid", date(1994, 1, 1), date(1996, 12, 31), "decade-part-v1"),
        ("199X", "late", date(1997, 1, 1), date(1999, 12, 31), "decade-part-v1"),
        ("2020-09", "end-of", date(2020, 9, 21), date(2020, 9, 30), "month-part-v1"),
        ("2020-02", "end-of", date(2020, 2, 21), date(2020, 2, 29), "month-part-v1"),
        ("2020-09", "beginning-of", date(2020, 9, 1), date(2020, 9, 10), "month-part-v1"),
        ("2020-09", "middle-of", date(2020, 9, 11), date(2020, 9, 20), "month-part-v1"),
        ("2020", "end-of", date(2020, 9, 1), date(2020, 12, 31), "year-part-v1"),
        ("2020", "early", date(2020, 1, 1), date(2020, 4, 30), "year-part-v1"),
    ],
)
def test_edtf_bounds(edtf, refinement, earliest, latest, rule):
    interval = interpret_edtf(edtf, refinement)
    assert (interval.earliest, interval.latest, interval.rule) == (earliest, latest, rule)


@pytest.mark.parametrize(
    ("edtf", "refinement", "message"),
    [
        ("1992-13", None, "not a calendar date"),
        ("1992-02-30", None, "not a calendar date"),
        ("early 1990s", None, "unsupported EDTF"),
        ("199X", "sometime", "unknown refinement"),
        ("2021-05-25", "end-of", "cannot be refined"),
        ("19XX", "early", "centuries"),
    ],
)
def test_bad_time_values(edtf, refinement, message):
    with pytest.raises(TimeError, match=message):
        interpret_edtf(edtf, refinement)
