"""Numerals in running text: digits, number words and percentages, with exact offsets.

:func:`numerals` finds the numbers a speaker states as quantities: ``4000``,
``4,000``, ``4.000`` (thousands separated by full stops, when every group has
three digits), ``4 000`` (spaces, also no-break spaces), ``1,275``, ``twelve``,
``Twenty thousand``, ``twenty-five``, ``one hundred and five``, ``1 million``,
``3.5 million``, ``1.5 billion``, ``half a million``, and percentages
(``20 per cent``, ``20 percent``, ``20%``, and shares: ``one fifth of`` is 20 per cent),
areas (``2,300 square kilometres``, ``80,000 hectares``), sums of money (``$5 million``,
``300 million euros``) and ratios (``one out of every seven``, ``one in five``, ``a third
of``, ``two thirds of``: unit ``ratio``, the value a fraction between 0 and 1).

It leaves out what is not a quantity: ordinals (``75th``, ``twentieth``,
``seventy-second``), years (``1992``, ``in 2020``) and year ranges, day numbers
of dates (``25 May``, ``May 25``), document symbols and numbered references
(``S/2014/189``, ``S/PV.7138``, ``resolution 822 (1993)``, ``Article 51``,
``No. 5``, ``ext. 101``), times of day, telephone numbers and names with
numbers (``MH-17``, ``COVID-19``). The pronoun "one" alone is not a figure.
Number words are handled by the rules below rather than a library: the finder
needs offsets and these exclusions, which no maintained package gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
MONTHS = ("January February March April May June July August September October November "
          "December").split()

#: Fractions stated as shares ("one fifth of our territory" is 20 per cent); thirds are left
#: out, their share is not a whole number.
FRACTIONS = {"half": 50, "quarter": 25, "quarters": 25, "fifth": 20, "fifths": 20, "tenth": 10,
             "tenths": 10}

_MONTH = "|".join(MONTHS)
_FRACTION = re.compile(r"(?<![\w-])((?:one|a)[ \t\n]+(?:half|quarter|fifth|tenth)|half|"
                       r"(?:two|three|four)[ \t\n]+(?:quarters|fifths|tenths))(?=[ \t\n]+of\b)",
                       re.I)
_PERCENT = re.compile(r"\s*(?:%|per[ -]?cent\b|percent\b)", re.I)
_AREA = re.compile(r"[ \t\n]*(?:(square[ \t\n]+kilomet(?:re|er)s?|sq\.?[ \t\n]*km\b|km2\b|km²)|"
                   r"(hectares?\b|ha\b))", re.I)
#: Currency signs and words -> unit concept (ontology/vocab/unit.ttl).
CURRENCIES = {"$": "us-dollars", "us$": "us-dollars", "usd": "us-dollars",
              "dollars": "us-dollars", "us dollars": "us-dollars", "€": "euros", "eur": "euros",
              "euros": "euros", "£": "pounds-sterling", "pounds": "pounds-sterling",
              "azn": "manat", "manat": "manat", "amd": "drams", "drams": "drams",
              "rub": "roubles", "roubles": "roubles", "rubles": "roubles", "¥": "yen"}
#: Ordinal denominators of shares and ratios ("a third of", "one in every seven").
DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
                "fourth": 4, "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6,
                "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8, "ninth": 9,
                "ninths": 9, "tenth": 10, "tenths": 10}
_SMALL = "one|two|three|four|five|six|seven|eight|nine|ten|a|\\d{1,2}"
_RATIO = re.compile(
    rf"(?<![\w-])(?:(?P<num>{_SMALL})[ \t\n]+(?:out[ \t\n]+of|in)[ \t\n]+(?:every[ \t\n]+)?"
    rf"(?P<den>two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|fifty|hundred|"
    rf"\d{{1,3}})\b(?![ \t\n]+(?:years?|days?|months?|cases|hundred|thousand|million|billion)\b)|"
    rf"(?P<share>(?:one|a|two)(?:[ \t\n]+|[ \t\n]*-[ \t\n]*)"
    rf"(?:third|thirds|sixth|sixths|seventh|sevenths|eighth|eighths|ninth|ninths))"
    r"(?=[ \t\n]+of\b))", re.I)
_SCALE_AFTER = re.compile(r"[ \t\n]+(thousand|million|billion)\b", re.I)
_DIGITS = re.compile(
    r"(?<![\w/.,\-])"  # not inside a symbol, a word or another number
    r"(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d{3})+(?![.,]?\d)|"
    r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![ \u00a0\u202f]?\d)|\d+)"
    r"(?:\.\d+(?!\.?\d))?"
    r"(?![\w/]|[.,]\d|-\d|:\d)"
)
# Words after which a number is a reference, not a quantity ("resolution 822", "Article 51").
_REFERENCE_WORDS = re.compile(
    r"\b(?:resolutions?|articles?|art|arts|paragraphs?|paras?|para|no|nos|numbers?|ext|suite|"
    r"room|tel|fax|chapters?|sections?|items?|pages?|annex|protocol|rule|rules|principles?|"
    r"point|points|decisions?|session|meeting|agenda|line|flight|goal|goals|sdg|phase|"
    r"number|vol|p|pp|box|floor|route|avenue|street|unit|level|grade|class|category|"
    r"amendment|clause|code|figure|table|step|stage|option|round)\.?[ \t\n]*$",
    re.I)
_REFERENCE_LIST = re.compile(r"(?:\d+[ \t\n]*(?:\(\d{4}\))?[ \t\n]*(?:,|and|&)[ \t\n]*)+$")
_DATE_AFTER = re.compile(rf"^[ \t\n]*(?:{_MONTH})\b")
_DATE_BEFORE = re.compile(rf"\b(?:{_MONTH})[ \t\n]*$")
_TIME_AFTER = re.compile(r"^[ \t]*(?:a\.m\.|p\.m\.|am\b|pm\b|o'clock|hours\b(?= GMT| UTC))", re.I)
_CURRENCY_BEFORE = re.compile(r"(US\$|[$€£¥]|USD|EUR|AZN|AMD|RUB)[ \t]*$")
_CURRENCY_AFTER = re.compile(r"^[ \t\n]*(?:(?:thousand|million|billion)[ \t\n]+)?"
                             r"(dollars|euros|pounds|manat|drams|roubles|rubles|US dollars)\b",
                             re.I)
# After a year-like number, the words that make it a count ("2000 refugees", "1992 people").
_COUNTED = re.compile(r"[ \t\n]+(?:[a-z]+s|people|children|women|men|personnel|police|staff)\b")
# "one" is a count only before a singular noun for a person: "including one child".
_ONE_COUNTED = re.compile(
    r"[ \t\n]+(?:[A-Za-z-]+[ \t\n]+)?(?:child|civilian|person|man|woman|soldier|serviceman|"
    r"citizen|officer|resident|individual|journalist|girl|boy|infant|hostage|prisoner|refugee|"
    r"facility|house|school|hospital|bridge|building|hotel|church|mosque|village|town|city)\b")
_TEMPORAL_BEFORE = re.compile(
    r"\b(?:in|since|of|from|until|till|by|to|before|after|during|between|and|year|years|"
    r"early|late|mid|summer|spring|autumn|winter|fall|end|beginning|start|middle|circa|c\.)"
    r"[ \t\n-]*$", re.I)


@dataclass(frozen=True)
class Numeral:
    """A stated number: ``[start, end)`` offsets, its value and unit.

    ``unit`` is None (a count: its noun says of what), ``percent``, ``ratio``,
    ``square-kilometres``, ``hectares`` or a currency (then ``currency`` is true).
    """

    start: int
    end: int
    text: str
    value: int | float
    unit: str | None = None
    currency: bool = False


MAX_DIGITS = 18  # no stated figure needs more; Python refuses int() of 4,300 digits


def _digit_value(token: str) -> int | float:
    """Value of a digit token: "4,000" and "4.000" (3-digit groups) are 4000; "3.5" is 3.5."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", token):
        return int(token.replace(".", ""))
    token = re.sub(r"[, \u00a0\u202f]", "", token)
    if "." in token:
        value = float(token)
        return int(value) if value.is_integer() else value
    return int(token)


def _is_year(value: int | float, token: str) -> bool:
    return isinstance(value, int) and "," not in token and len(token) == 4 and \
        1800 <= value <= 2100


def _excluded_context(text: str, start: int, end: int) -> bool:
    """True if the number at ``[start, end)`` is a reference, a date part, a time or a symbol."""
    before = text[max(0, start - 40):start]
    after = text[end:end + 24]
    if _REFERENCE_WORDS.search(before):
        return True
    listed = _REFERENCE_LIST.search(before)
    if listed and _REFERENCE_WORDS.search(before[:listed.start()]):
        return True  # "resolutions 822 (1993) and 853 (1993)"
    if before.endswith("(") and after.startswith(")") and re.search(r"\d[ \t]*\($", before):
        return True  # the year of a resolution: "822 (1993)"
    if _DATE_AFTER.match(after) or _DATE_BEFORE.search(before):
        return True
    if _TIME_AFTER.match(after):
        return True
    if re.match(r"[ \t]*\)[ \t]*\d{3}-\d{4}", after) or re.search(r"\([ \t]*$", before) and \
            re.match(r"\)[ \t]*\d", after):
        return True  # telephone numbers: "(212) 371-2559"
    return False


def _word_pattern() -> re.Pattern[str]:
    units = "|".join(sorted(UNITS, key=len, reverse=True))
    tens = "|".join(TENS)
    small = rf"(?:(?:{tens})(?:[ \t]?-[ \t]?(?:{units})\b)?|(?:{units}))"
    hundreds = rf"(?:(?:{small}|a)[ \t\n]+hundred(?:[ \t\n]+(?:and[ \t\n]+)?{small})?|{small})"
    scales = "|".join(SCALES)
    return re.compile(
        rf"(?<![\w-])(?:half[ \t\n]+a[ \t\n]+(?:{scales})|"
        rf"(?:{hundreds}|a)(?:[ \t\n]+(?:{scales})(?:,?[ \t\n]+(?:and[ \t\n]+)?{hundreds}"
        rf"(?:[ \t\n]+(?:{scales}))?)*)?)\b",
        re.I)


_NUMBER_WORDS = _word_pattern()


def _word_value(phrase: str) -> int:
    """Value of a number-word phrase: "one hundred and five" is 105, "half a million" 500000."""
    words = re.findall(r"[a-z]+", phrase.lower())
    if words[0] == "half":
        return SCALES[words[-1]] // 2
    total = current = 0
    for word in words:
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in SCALES:
            total += (current or 1) * SCALES[word]
            current = 0
    return total + current


def _words(text: str, start: int, end: int) -> list[Numeral]:
    """Number words: "twelve", "Twenty thousand", "one hundred and five", "half a million"."""
    found = []
    for match in _NUMBER_WORDS.finditer(text, start, end):
        phrase = match.group()
        if phrase.lower() == "a" or phrase.lower() == "one" and \
                not _ONE_COUNTED.match(text, match.end(), end):
            continue  # the article "a", the pronoun "one" ("one of", "no one")
        if re.match(r"[ \t]?-[ \t]?[a-z]", text[match.end():match.end() + 3], re.I):
            continue  # "seventy-second", "two-thirds", "forty-eighth"
        found.append(Numeral(match.start(), match.end(), phrase, _word_value(phrase)))
    return found


def numerals(text: str, start: int = 0, end: int | None = None) -> list[Numeral]:
    """The quantities stated in ``text[start:end]``, in order, with their units."""
    end = len(text) if end is None else end
    found: list[Numeral] = []
    for match in _DIGITS.finditer(text, start, end):
        token = match.group()
        n_start, n_end = match.start(), match.end()
        if sum(c.isdigit() for c in token) > MAX_DIGITS:
            continue  # a serial number or noise, not a figure anyone states
        value = _digit_value(token)
        if _excluded_context(text, n_start, n_end):
            continue
        scale = _SCALE_AFTER.match(text, n_end, end)
        if scale:
            value = value * SCALES[scale.group(1).lower()]
            value = int(value) if float(value).is_integer() else value
            n_end = scale.end()
        elif _is_year(value, token):
            before = text[max(0, n_start - 30):n_start]
            if _TEMPORAL_BEFORE.search(before) or not _COUNTED.match(text, n_end, end):
                continue  # a year, not a count ("in 1992", "the 1970 Declaration", "2020 war")
            if re.match(r"[ \t\n]*[-–][ \t\n]*\d{4}", text[n_end:]):
                continue  # "1992- 1994"
        found.append(_with_unit(text, n_start, n_end, value, end))
    for match in _FRACTION.finditer(text, start, end):
        words = match.group(1).lower().split()
        share = FRACTIONS[words[-1]] * (UNITS.get(words[0], 1) if len(words) > 1 else 1)
        found.append(Numeral(match.start(), match.end(1), match.group(1), share, "percent"))
    for match in _RATIO.finditer(text, start, end):
        if match.group("share"):
            words = re.findall(r"[a-z]+", match.group("share").lower())
            numerator = 1 if words[0] in ("one", "a") else UNITS[words[0]]
            value = numerator / DENOMINATORS[words[-1]]
        else:
            num, den = match.group("num").lower(), match.group("den").lower()
            numerator = 1 if num == "a" else int(num) if num.isdigit() else UNITS[num]
            denominator = int(den) if den.isdigit() else \
                100 if den == "hundred" else UNITS.get(den) or TENS[den]
            if not denominator or numerator >= denominator:
                continue
            value = numerator / denominator
        found.append(Numeral(match.start(), match.end(), match.group(), round(value, 4),
                             "ratio"))
    for numeral in _words(text, start, end):
        if _excluded_context(text, numeral.start, numeral.end):
            continue
        found.append(_with_unit(text, numeral.start, numeral.end, numeral.value, end))
    found = [n for n in found if not _overlaps_any(n, found)]
    return sorted(found, key=lambda n: n.start)


def _overlaps_any(numeral: Numeral, others: list[Numeral]) -> bool:
    """True if a longer numeral covers this one (digits inside "3.5 million" words)."""
    return any(o is not numeral and o.start <= numeral.start and numeral.end <= o.end and
               (o.end - o.start) > (numeral.end - numeral.start) for o in others)


def _with_unit(text: str, start: int, end: int, value: int | float, limit: int) -> Numeral:
    unit = None
    percent = _PERCENT.match(text, end, limit)
    area = _AREA.match(text, end, limit)
    if percent:
        unit, end = "percent", percent.end()
    elif area:
        unit, end = ("square-kilometres" if area.group(1) else "hectares"), area.end()
    before = _CURRENCY_BEFORE.search(text[max(0, start - 6):start])
    after = _CURRENCY_AFTER.match(text[end:end + 30])
    currency = bool(before or after)
    if currency and unit is None:
        sign = before.group(1) if before else after.group(1)  # type: ignore[union-attr]
        unit = CURRENCIES.get(" ".join(sign.lower().split()))
    start = start - len(before.group()) if before else start
    end = end + after.end() if after and unit else end
    return Numeral(start, end, text[start:end], value, unit, currency)
