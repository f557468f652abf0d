"""Time expressions and durations in running text, with EDTF values and bounds.

Dates ("25 May 2021", "May 2021", "in February 1992", "1993"), parts of months,
years and decades ("at the end of September 2020", "the early 1990s", "mid-2019"),
year ranges ("1992-1994") and durations ("almost thirty years", "within a very
few hours", "for 30 years", "44-day", "more than a month"; decades are counted in
years: "three decades" is 30 years). Earliest and latest dates come from
:func:`kg.model.timex.interpret_edtf`; the bounds of a duration's count from
:func:`kg.model.bounds.interpret`. A day or month without a year ("on 14 June") takes
the year of the statement when it is known, and is left out otherwise; so do
"yesterday" (the day before the statement's), "last year" and "this year".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from kg.extract.numbers import MONTHS, SCALES, TENS, UNITS, numerals
from kg.model import bounds, timex

_MONTH = "|".join(MONTHS)
_MONTH_NO = {name: n for n, name in enumerate(MONTHS, start=1)}
_REFINE = {"beginning": "beginning-of", "start": "beginning-of", "middle": "middle-of",
           "end": "end-of", "early": "early", "mid": "mid", "late": "late"}
_LEAD = r"(?:(?:[Ii]n|[Oo]n|[Aa]t|[Dd]uring|of)\s+)?"
_YEAR = r"(1[89]\d\d|20\d\d)"
_EDGE = r"(?![\w/]|[.,]\d|-\d)"
_NUMBER_WORD = "|".join(sorted([*UNITS, *TENS], key=len, reverse=True))
_DURATION_UNITS = {"year": "year", "month": "month", "week": "week", "day": "day",
                   "hour": "hour"}
_ISO_UNIT = {"year": "Y", "month": "M", "week": "W", "day": "D", "hour": "H"}
_DURATION_QUALIFIERS = {
    "almost": "almost", "nearly": "nearly", "over": "over", "more than": "more-than",
    "about": "about", "some": "some", "at least": "at-least", "up to": "up-to",
    "less than": "less-than", "around": "around", "approximately": "approximately",
    "fewer than": "less-than", "just over": "over", "well over": "over",
}

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("day-month-year", re.compile(
        rf"(?<![\w/]){_LEAD}(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH}),?\s+{_YEAR}"
        rf"{_EDGE}")),
    ("month-day-year", re.compile(rf"{_LEAD}\b({_MONTH})\s+(\d{{1,2}}),\s*{_YEAR}{_EDGE}")),
    ("part-month", re.compile(
        rf"(?:(?:at|in|by|until|towards?)\s+)?(?:the\s+)?(beginning|start|middle|end)\s+of\s+"
        rf"({_MONTH})(?:\s+{_YEAR})?{_EDGE}", re.I)),
    ("part-month", re.compile(
        rf"(?:in\s+)?(early|mid|late)[- ]\s*({_MONTH})(?:\s+{_YEAR})?{_EDGE}", re.I)),
    ("day-month", re.compile(
        rf"(?<![\w/]){_LEAD}(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b"
        rf"(?!,?\s+\d)")),
    ("month-day", re.compile(rf"{_LEAD}\b({_MONTH})\s+(\d{{1,2}})\b(?!,?\s*\d)")),
    ("month-year", re.compile(rf"{_LEAD}\b({_MONTH}),?\s+{_YEAR}{_EDGE}")),
    ("day-month-last-year", re.compile(
        rf"{_LEAD}(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\s+last\s+year\b")),
    ("month-last-year", re.compile(rf"{_LEAD}\b({_MONTH})\s+last\s+year\b")),
    ("last-year", re.compile(r"\b(?:[Ll]ast|[Tt]his)\s+year\b(?!['’]s)")),
    ("month", re.compile(rf"\b(?:in|since|until|of|last|early|late|this|This)\s+({_MONTH})\b"
                         rf"(?!\s+\d)")),
    ("part-decade", re.compile(
        r"(?:in\s+)?(?:the\s+)?(?:(early|mid|late)[- ]?\s*|(beginning|start|middle|end)\s+of\s+"
        r"the\s+)(1[89]\d|20\d)0'?s\b", re.I)),
    ("decade", re.compile(r"(?:in\s+)?(?:the\s+)?\b(1[89]\d|20\d)0'?s\b")),
    ("part-year", re.compile(rf"(?:in\s+)?\b(early|mid|late)[- ]\s*{_YEAR}{_EDGE}", re.I)),
    ("part-year", re.compile(
        rf"(?:(?:at|in|by|until|towards?)\s+)?(?:the\s+)?(beginning|start|middle|end)\s+of\s+"
        rf"{_YEAR}{_EDGE}", re.I)),
    ("year-range", re.compile(
        rf"(?<![\w/.-])(?:from\s+)?{_YEAR}\s*(?:[-–—]\s*|\s+(?:to|until)\s+){_YEAR}{_EDGE}")),
    ("year-range", re.compile(rf"\bbetween\s+{_YEAR}\s+and\s+{_YEAR}{_EDGE}")),
    ("year", re.compile(rf"(?<![\w/.,-])(?:(?:in|of|since|by|until|from)\s+)?{_YEAR}{_EDGE}")),
]
_YESTERDAY = re.compile(r"\b[Yy]esterday\b(?!['’]s)")
_DURATION = re.compile(
    rf"(?:(within)\s+)?(?:({'|'.join(sorted(_DURATION_QUALIFIERS, key=len, reverse=True))})"
    rf"\s+)?(\d+|(?:{_NUMBER_WORD})(?:-(?:{_NUMBER_WORD}))?|a\s+(?:very\s+)?few|several|"
    rf"a\s+couple\s+of|an?)\s+(years?|months?|weeks?|days?|hours?|decades?)\b"
    rf"(?!\s+(?:ago|old|later)\b)", re.I)
_DURATION_ADJ = re.compile(
    rf"(?<![\w-])(\d+|{_NUMBER_WORD})-(year|month|week|day|hour|decade)s?\b(?!-old)", re.I)


@dataclass(frozen=True)
class TimeExpression:
    """A date-like expression (``kind`` "date") or a duration (``kind`` "duration")."""

    start: int
    end: int
    text: str
    kind: str
    edtf: str | None = None
    refinement: str | None = None
    earliest: date | None = None
    latest: date | None = None
    rule: str | None = None
    value: int | None = None
    unit: str | None = None
    qualifier: str | None = None
    minimum: int | None = None
    maximum: int | None = None


def _number(words: str) -> int | None:
    words = words.lower()
    if words.isdigit():
        return int(words)
    total = 0
    for word in words.split("-"):
        if word in UNITS:
            total += UNITS[word]
        elif word in TENS:
            total += TENS[word]
        elif word in SCALES:
            return None
        else:
            return None
    return total


def _date(kind: str, match: re.Match[str], year: int | None) -> tuple[str, str | None] | None:
    """EDTF value and refinement for one match, or None when it cannot be dated."""
    g = match.groups()
    if kind == "day-month-year":
        return f"{g[2]}-{_MONTH_NO[g[1]]:02d}-{int(g[0]):02d}", None
    if kind == "month-day-year":
        return f"{g[2]}-{_MONTH_NO[g[0]]:02d}-{int(g[1]):02d}", None
    if kind == "part-month":
        month = _MONTH_NO.get(g[1].capitalize())
        when = g[2] or year
        return (f"{when}-{month:02d}", _REFINE[g[0].lower()]) if when and month else None
    if kind == "day-month":
        return (f"{year}-{_MONTH_NO[g[1]]:02d}-{int(g[0]):02d}", None) if year else None
    if kind == "month-day":
        return (f"{year}-{_MONTH_NO[g[0]]:02d}-{int(g[1]):02d}", None) if year else None
    if kind == "month-year":
        return f"{g[1]}-{_MONTH_NO[g[0]]:02d}", None
    if kind == "day-month-last-year":
        return (f"{year - 1}-{_MONTH_NO[g[1]]:02d}-{int(g[0]):02d}", None) if year else None
    if kind == "month-last-year":
        return (f"{year - 1}-{_MONTH_NO[g[0]]:02d}", None) if year else None
    if kind == "last-year":
        if not year:
            return None
        return str(year - 1 if match.group().lower().startswith("last") else year), None
    if kind == "month":
        return (f"{year}-{_MONTH_NO[g[0]]:02d}", None) if year else None
    if kind == "part-decade":
        return f"{g[2]}X", _REFINE[(g[0] or g[1]).lower()]
    if kind == "decade":
        return f"{g[0]}X", None
    if kind == "part-year":
        return g[1], _REFINE[g[0].lower()]
    if kind == "year-range":
        return f"{g[0]}/{g[1]}", None
    return g[0], None


def _interval(edtf: str, refinement: str | None) -> timex.Interval | None:
    try:
        if "/" in edtf:
            first, last = edtf.split("/")
            lo, hi = timex.interpret_edtf(first), timex.interpret_edtf(last)
            return timex.Interval(lo.earliest, hi.latest, "edtf-v1") if lo.earliest <= \
                hi.latest else None
        return timex.interpret_edtf(edtf, refinement)
    except timex.TimeError:
        return None


def dates(text: str, start: int, end: int, year: int | None = None,
          today: date | None = None) -> list[TimeExpression]:
    """Date-like time expressions in ``text[start:end]``.

    ``year`` (the statement's) completes "14 June"; ``today`` (the statement's day) dates
    "yesterday".
    """
    found: list[TimeExpression] = []
    if today is not None:
        for match in _YESTERDAY.finditer(text, start, end):
            day = today - timedelta(days=1)
            found.append(TimeExpression(match.start(), match.end(), match.group(), "date",
                                        day.isoformat(), None, day, day, "edtf-v1"))
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text, start, end):
            dated = _date(kind, match, year)
            if dated is None:
                continue
            edtf, refinement = dated
            if kind == "year" and _not_a_year(text, match):
                continue
            interval = _interval(edtf, refinement)
            if interval is None:
                continue
            found.append(TimeExpression(
                match.start(), match.end(), match.group(), "date", edtf, refinement,
                interval.earliest, interval.latest, interval.rule))
    return found


def _not_a_year(text: str, match: re.Match[str]) -> bool:
    """A four-digit number that names a thing or belongs to a symbol, not a time."""
    before = text[max(0, match.start() - 12):match.start()]
    after = text[match.end():match.end() + 20]
    if re.search(r"\d\s*\($", before) and after.startswith(")"):
        return True  # the year of a resolution: "822 (1993)"
    if re.match(r"\s+[A-Z][a-z]", after) and not re.match(r"\s*(?:in|of|since|by|until|from)\s",
                                                         match.group()):
        return True  # a name: "the 1970 Declaration", "the 2030 Agenda"
    if re.match(r"\s+[a-z]", after) and not re.match(r"(?:in|of|since|by|until|from)\s",
                                                     match.group()):
        return any(n.start == match.start() for n in numerals(text, match.start(),
                                                               match.end() + 20))
    return False


def durations(text: str, start: int, end: int) -> list[TimeExpression]:
    """Durations: "almost thirty years", "within a very few hours", "44-day"."""
    found: list[TimeExpression] = []
    for match in _DURATION.finditer(text, start, end):
        within, said, count, unit_word = match.groups()
        unit, scale = _unit(unit_word)
        amount = " ".join(count.lower().split())
        value: int | None = None
        if amount in ("a", "an"):
            if scale != 1 or not (said or within):
                continue  # "a year" alone is not a stated duration; "a decade" is left out
            value, qualifier = 1, _DURATION_QUALIFIERS[" ".join(said.lower().split())] if \
                said else "up-to"
        elif amount in ("a few", "a very few", "a couple of"):
            if scale != 1:
                continue
            qualifier = "a-few"
        elif amount == "several":
            if scale != 1:
                continue
            qualifier = "several"
        else:
            value = _number(amount)
            if value is None:
                continue
            value *= scale
            qualifier = _DURATION_QUALIFIERS[" ".join(said.lower().split())] if said else \
                ("up-to" if within else "exact")
        begin = match.start() if within else match.start(2) if said else match.start(3)
        found.append(_duration(text, begin, match.end(), value, unit, qualifier))
    for match in _DURATION_ADJ.finditer(text, start, end):
        value = _number(match.group(1))
        if value is not None:
            unit, scale = _unit(match.group(2))
            found.append(_duration(text, match.start(), match.end(), value * scale, unit,
                                   "exact"))
    return found


def _unit(word: str) -> tuple[str, int]:
    """Duration unit of a word and the factor to it: a decade is counted as ten years."""
    word = word.lower().rstrip("s")
    return ("year", 10) if word == "decade" else (_DURATION_UNITS[word], 1)


def _duration(text: str, start: int, end: int, value: int | None, unit: str,
              qualifier: str) -> TimeExpression:
    interpreted = bounds.interpret(qualifier, value)
    edtf = None
    if value is not None:
        edtf = f"PT{value}H" if unit == "hour" else f"P{value}{_ISO_UNIT[unit]}"
    return TimeExpression(start, end, text[start:end], "duration", edtf, None, None, None,
                          interpreted.rule, value, unit, qualifier, interpreted.minimum,
                          interpreted.maximum)


def time_expressions(text: str, start: int, end: int, year: int | None = None,
                     today: date | None = None) -> list[TimeExpression]:
    """Dates and durations in ``text[start:end]``: the longest wins where two overlap."""
    candidates = dates(text, start, end, year, today) + durations(text, start, end)
    candidates.sort(key=lambda t: (-(t.end - t.start), t.start))
    kept: list[TimeExpression] = []
    for candidate in candidates:
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda t: t.start)
