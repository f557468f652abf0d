"""Time expressions: from an EDTF value (and a refinement) to earliest/latest dates.

Supports the EDTF forms statements need: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``,
decades ``YYYX`` and centuries ``YYXX``. A refinement narrows the interval:
for a decade, early/beginning-of = years 0-3, mid/middle-of = 4-6, late/end-of
= 7-9 (rule decade-part-v1); for a month, days 1-10, 11-20, 21-last
(month-part-v1); for a year, Jan-Apr, May-Aug, Sep-Dec (year-part-v1).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_EDTF = re.compile(r"^(?P<year>\d{4}|\d{3}X|\d{2}XX)(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")

REFINEMENTS = frozenset({"beginning-of", "middle-of", "end-of", "early", "mid", "late"})
_PART = {"beginning-of": 0, "early": 0, "middle-of": 1, "mid": 1, "end-of": 2, "late": 2}


@dataclass(frozen=True)
class Interval:
    """Earliest and latest day an expression can denote, and the rule used."""

    earliest: date
    latest: date
    rule: str


class TimeError(ValueError):
    """An EDTF value or refinement that cannot be interpreted."""


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def interpret_edtf(edtf: str, refinement: str | None = None) -> Interval:
    """Earliest/latest dates for an EDTF value, optionally refined."""
    match = _EDTF.match(edtf)
    if not match:
        raise TimeError(f"unsupported EDTF value {edtf!r} (use YYYY, YYYY-MM, YYYY-MM-DD, YYYX)")
    if refinement is not None and refinement not in REFINEMENTS:
        raise TimeError(f"unknown refinement {refinement!r}")
    year_text, month_text, day_text = match["year"], match["month"], match["day"]
    if "X" in year_text:
        if month_text:
            raise TimeError(f"a decade or century cannot have a month: {edtf!r}")
        width = 10 ** year_text.count("X")
        first = int(year_text.replace("X", "0"))
        if refinement is None:
            return Interval(date(first, 1, 1), date(first + width - 1, 12, 31), "edtf-v1")
        if width != 10:
            raise TimeError(f"refinements are supported for decades, not centuries: {edtf!r}")
        lo, hi = [(0, 3), (4, 6), (7, 9)][_PART[refinement]]
        return Interval(date(first + lo, 1, 1), date(first + hi, 12, 31), "decade-part-v1")
    year = int(year_text)
    try:
        if day_text:
            day = date(year, int(month_text), int(day_text))
            if refinement is not None:
                raise TimeError(f"a single day cannot be refined: {edtf!r}")
            return Interval(day, day, "edtf-v1")
        if month_text:
            month = int(month_text)
            end = _month_end(year, month)
            if refinement is None:
                return Interval(date(year, month, 1), end, "edtf-v1")
            lo, hi = [(1, 10), (11, 20), (21, end.day)][_PART[refinement]]
            return Interval(date(year, month, lo), date(year, month, hi), "month-part-v1")
    except ValueError as exc:
        if isinstance(exc, TimeError):
            raise
        raise TimeError(f"not a calendar date: {edtf!r}") from exc
    if refinement is None:
        return Interval(date(year, 1, 1), date(year, 12, 31), "edtf-v1")
    lo, hi = [(1, 4), (5, 8), (9, 12)][_PART[refinement]]
    return Interval(date(year, lo, 1), _month_end(year, hi), "year-part-v1")
