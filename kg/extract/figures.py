"""Figures: a stated quantity, its qualifier and bounds, what it counts and whom.

A figure is drafted where a numeral or a vague magnitude ("hundreds of") is
followed by a counted noun (a population such as "civilians", or an outcome
noun such as "casualties"), and a word of the sentence says what happened to
those counted (the measure: "were killed", "went missing", "forced to leave
their homes"). The measure is looked for first in the counted noun itself,
then after the noun up to the next figure, then before the quantity back to
the previous figure, and only among measures that fit the population (a
settlement is not "wounded"). "including N …" makes a figure part of the one
before it in the sentence. Bounds come from :func:`kg.model.bounds.interpret`.

A figure is never dropped for want of a measure: a count of a known population,
an area or a sum of money with no measure cue is drafted with ``measure`` None
(left open for the reviewer) and a lower confidence. Counted nouns outside the
vocabularies ("25 convoys") are taken when a measure cue says what happened to
them. Every figure carries its unit (persons, objects, settlements, events,
percent, ratio, square-kilometres, hectares or a currency), the place it was
taken *from* when the sentence says so ("expelled from Armenia"), and a
confidence between 0 and 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from kg.extract.lexicon import IMPLIED_MEASURES, PERSON_MEASURES, Lexicon
from kg.extract.mentions import Mention
from kg.extract.numbers import numerals
from kg.model import bounds

# Between a whole and its part: "101 civilians, including 12 children", "613 residents of
# Khojaly, among them 106 women", "six citizens — two civilians and four police officers",
# "7,600 persons, mostly women and elderly people, among them 1,437 children".
_PART = re.compile(r"(?:^|,)[^,]*?(?:[\s,;(–—-](?:including|among\s+them|among\s+whom|"
                   r"of\s+whom|of\s+which|among\s+which|out\s+of\s+(?:which|whom|them))|"
                   r"^\s*[—–:]|^\s+-)\s*$", re.I)
_OF_THEM = re.compile(r"(?:\s+of)?\s+(them|whom|those)\b", re.I)
# A count with no noun, then a passive verb of the measure: "and 26 were wounded".
_PASSIVE = re.compile(r"\s+(?:were|was|are|is|remain|(?:have|has|had)\s+(?:now\s+|already\s+)?"
                      r"been)\s+"
                      r"(?:(?:also|still|reportedly|seriously|severely|badly|later|either)\s+)?",
                      re.I)
_NUMBER_OF = re.compile(
    r"\b[Tt]he\s+(?:total\s+)?number\s+of\s+(.{1,80}?)\s+(?:(?:is|was|are|were|exceeds|"
    r"exceeded|has\s+reached|reached|stands\s+at|amounts\s+to|totals|is\s+now)\s+"
    r"(?:\w+\s+){0,2})?$")
_LIST = re.compile(r"^\s*(?:,|;|and|or|,\s*and)\s*$", re.I)
_AND_PART = re.compile(r"^\s*(?:,|and|,\s*and|as\s+well\s+as)\s*$", re.I)
_RATIO = re.compile(r"(?:\bevery|\bout\s+of|\bone\s+in|\bper|\bin\s+every)\s*$", re.I)
_STOP = frozenset("""
    were was is are be been being have has had who whom which that to in for from with by on at
    as than and or but including while when where during after before since into out per
    within over under through until between against remain remains remained live lived
""".split())
_WORD = re.compile(r"[\w’'-]+|[^\w\s]")
_MEASURE_NOUNS = frozenset({
    "casualties", "victims", "deaths", "fatalities", "dead", "wounded", "injured",
    "missing persons", "hostages", "prisoners", "detainees", "captives", "human losses",
    "death toll", "missing", "displaced", "displaced persons", "killings", "murders",
    "executions", "disappearances", "abductions"})
#: Nouns after which "of" still leads to the counted noun ("numerous instances of killings").
_VESSELS = frozenset({"instances", "cases", "acts", "incidents", "number", "total", "families"})
_POPULATION_MEASURES = {
    "civilian-objects": {"destroyed-or-damaged"},
    "settlements": {"settlements-retaken", "destroyed-or-damaged", "territory-occupied"},
    "territory": {"territory-occupied", "settlements-retaken"},
}
#: Measures of an area ("80,000 hectares of forest were burnt").
_AREA_MEASURES = frozenset({"territory-occupied", "settlements-retaken", "destroyed-or-damaged"})
_MODIFIERS = 4
_WINDOW = 160
_VAGUE = frozenset({"numerous", "a-few", "several"})
#: Words of a measurement between a numeral and a noun: "120 millimetre mortars".
_MEASUREMENT = frozenset("""
    millimetre millimeter mm calibre caliber kilogram kg ton tonne metre meter kilometre
    kilometer km inch megawatt kilowatt litre liter gram year month day week hour minute
""".split())
_AREA_UNITS = frozenset({"square-kilometres", "hectares"})
_MONEY_UNITS = frozenset({"us-dollars", "euros", "pounds-sterling", "manat", "drams", "roubles",
                          "yen"})
#: Plural nouns that count what no figure claim is about (time, documents, members).
_NOT_COUNTED = frozenset("""
    years months weeks days hours minutes seconds decades centuries times sessions members
    states countries nations resolutions goals targets articles paragraphs pages words
    points principles steps votes seats parties delegations languages languages elections
    others ones terms rounds kilometres kilometers metres meters miles tons tonnes dollars
    euros percent degrees things ways means issues questions areas aspects sides megawatts
    kilowatts gigawatts barrels litres liters kilograms grams cubic hectares inches feet
    billions millions thousands hundreds dozens
""".split())
#: Plural nouns that count events (unit events).
_EVENT_NOUNS = frozenset("""
    attacks incidents violations shellings strikes airstrikes raids assaults explosions
    provocations clashes offensives bombings massacres operations crimes cases
""".split())
#: Something happened to what is counted, though no measure word says what ("were stopped").
_PASSIVE_AFTER = re.compile(r"(?:\s+(?:of|in|on|at|from)\s+[\w\s,'’-]{0,50}?)?,?\s+"
                            r"(?:were|was|have|has|had)\s+(?:been\s+)?(?:\w+ly\s+)?"
                            r"\w+(?:ed|en|wn|ne|lt|pt|nt|me)\b", re.I)
_FROM = re.compile(r"\b(?:from|out\s+of)\s+(?:the\s+)?$", re.I)


@dataclass(frozen=True)
class Figure:
    """A drafted figure; ``part_of`` is the index of the whole in the sentence's list."""

    start: int
    end: int
    text: str
    sentence: str
    qualifier: str
    value: int | float | None
    minimum: int | None
    maximum: int | None
    rule: str
    measure: str | None
    population: str | None
    unit: str | None
    affiliation: str | None
    part_of: int | None = None
    quantity: tuple[int, int] = (0, 0)
    from_place: str | None = None
    confidence: float = 0.5


@dataclass
class _Candidate:
    start: int  # qualifier or quantity start
    q_start: int
    q_end: int
    qualifier: str
    value: int | float | None
    unit: str | None
    head: tuple[int, int] | None = None
    end: int = 0
    population: str | None = None
    pop_unit: str | None = None
    head_measure: str | None = None
    anaphoric: bool = False  # "many of them": counts some of the figure before
    generic: bool = False  # the counted noun is outside the vocabularies


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def _candidates(text: str, start: int, end: int, lex: Lexicon,
                masked: list[tuple[int, int]]) -> list[_Candidate]:
    found: list[_Candidate] = []
    for n in numerals(text, start, end):
        if _overlaps(n.start, n.end, masked):
            continue
        if n.unit != "ratio" and _RATIO.search(text[max(start, n.start - 12):n.start]):
            continue
        qualifier, begin = "exact", n.start
        said = lex.qualifier_before(text[max(start, n.start - 30):n.start])
        if said:
            qualifier, begin = said[0], n.start - said[1]
        found.append(_Candidate(begin, n.start, n.end, qualifier, n.value, n.unit))
    for m in lex.magnitude_re.finditer(text, start, end):
        if _overlaps(m.start(), m.end(), masked):
            continue
        if any(c.start <= m.start() < c.q_start for c in found):
            continue  # "as many as 30": the qualifier of a numeral
        inside = [c for c in found if c.q_start <= m.start() < c.q_end]
        if any(c.q_end - c.q_start >= m.end() - m.start() for c in inside):
            continue
        # "ten thousands of": the magnitude words cover a shorter numeral ("ten")
        found = [c for c in found if c not in inside]
        found.append(_Candidate(m.start(), m.start(), m.end(), lex.magnitude(m.group()), None,
                                None))
    return sorted(found, key=lambda c: c.q_start)


def _head(text: str, c: _Candidate, limit: int, lex: Lexicon) -> None:
    """Find the counted noun after the quantity: a population or an outcome noun.

    Up to four modifiers may stand between ("101 Azerbaijani civilians", "1 million of
    our country's civilians", "20 per cent of the territory").
    """
    pos = c.q_end
    if c.unit in _AREA_UNITS or c.unit in _MONEY_UNITS:
        # the unit is the counted noun: "2,300 square kilometres", "$5 million"
        c.head = (pos, pos)
        c.population = "territory" if c.unit in _AREA_UNITS else None
        c.pop_unit = c.unit
        return
    them = _OF_THEM.match(text, pos, limit)
    if c.value is None and them and "of" in (text[c.q_start:c.q_end] + them.group()).split():
        c.head, c.anaphoric = (them.start(1), them.end()), True
        return
    passive = _PASSIVE.match(text, pos, limit)
    measure = passive and lex.measure_re.match(text, passive.end(), limit)
    if c.value is not None and measure:
        c.head, c.head_measure, c.anaphoric = (pos, pos), lex.measure(measure.group()), True
        return
    said = passive and lex.population_re.match(text, passive.end(), limit)
    if c.value is not None and said and not re.match(r"\w", text[said.end():said.end() + 1]):
        # "of them, 600 were civilians": the population is stated after the verb
        c.head = (said.start(), said.end())
        c.population, c.pop_unit = lex.population(said.group())
        return
    for step in range(_MODIFIERS + 1):
        gap = re.match(r"\s*", text[pos:limit])
        at = pos + (gap.end() if gap else 0)
        if at >= limit:
            return
        group = lex.group_re.match(text, at, limit)
        if group:
            c.head, c.population, c.pop_unit = (at, group.end()), "national-group", "persons"
            return
        pop = lex.population_re.match(text, at, limit)
        if pop and not re.match(r"\w", text[pop.end():pop.end() + 1]):
            noun = lex.population_re.match(text, pop.end() + 1, limit)
            if text[pop.end():pop.end() + 1] == " " and noun and \
                    not re.match(r"\w", text[noun.end():noun.end() + 1]):
                pop = noun  # "civilian infrastructures": the last noun is the head
            c.head = (at, pop.end())
            c.population, c.pop_unit = lex.population(pop.group())
            c.head_measure = IMPLIED_MEASURES.get(c.population) or \
                IMPLIED_MEASURES.get(pop.group().lower())
            return
        measure = lex.measure_re.match(text, at, limit)
        if measure and " ".join(measure.group().lower().split()) in _MEASURE_NOUNS:
            c.head, c.head_measure = (at, measure.end()), lex.measure(measure.group())
            _noun_after_measure(text, c, limit, lex)
            return
        word = _WORD.match(text, at, limit)
        if not word or not word.group()[0].isalnum():
            return
        if word.group().lower().rstrip("s") in _MEASUREMENT:
            return  # "120 millimetre mortars", "20-year-old"
        if _generic_head(word.group(), step, c):
            c.head, c.generic = (at, word.end()), True
            c.pop_unit = "events" if word.group().lower() in _EVENT_NOUNS else "objects"
            return
        vessel = text[pos - 12:pos].split()[-1:] if pos > c.q_end else []
        if word.group().lower() in _STOP and not (word.group().lower() == "of" and (
                step == 0 or vessel and vessel[0].lower() in _VESSELS)):
            return
        pos = word.end()


def _noun_after_measure(text: str, c: _Candidate, limit: int, lex: Lexicon) -> None:
    """Keep the noun after a measure word in the span: "displaced persons", "missing
    Azerbaijanis", "forcibly displaced persons of Azerbaijani origin"."""
    assert c.head is not None
    gap = re.match(r"\s+", text[c.head[1]:limit])
    if not gap:
        return
    at = c.head[1] + gap.end()
    group = lex.group_re.match(text, at, limit)
    pop = lex.population_re.match(text, at, limit)
    if group:
        c.head, c.population, c.pop_unit = (c.head[0], group.end()), "national-group", "persons"
    elif pop and not re.match(r"\w", text[pop.end():pop.end() + 1]):
        population, unit = lex.population(pop.group())
        if unit == "persons":
            c.head, c.population, c.pop_unit = (c.head[0], pop.end()), population, unit


def _generic_head(word: str, step: int, c: _Candidate) -> bool:
    """A plural noun outside the vocabularies may be the counted noun ("25 convoys")."""
    lower = word.lower()
    return (c.unit is None and c.value is not None and word.islower() and len(lower) > 3
            and lower.endswith("s") and not lower.endswith(("ss", "us", "is", "ous"))
            and lower not in _STOP and lower not in _NOT_COUNTED and step <= 2)


def _number_of(text: str, c: _Candidate, start: int, lex: Lexicon) -> None:
    """A counted noun before the figure: "the number of victims and missing persons exceeds 207"."""
    said = _NUMBER_OF.search(text, max(start, c.start - 120), c.start)
    if not said:
        return
    probe = _Candidate(said.start(), said.start(1), said.start(1), c.qualifier, None, None)
    _head(text, probe, said.end(1), lex)
    if probe.head:
        c.start, c.head = said.start(), (c.q_end, c.q_end)
        c.population, c.pop_unit = probe.population, probe.pop_unit
        c.head_measure = probe.head_measure
        if c.head_measure is None:
            c.head_measure = _measure_in(text, said.start(1), said.end(1), lex, c.population,
                                         last=False)


def _extend(text: str, c: _Candidate, limit: int, lex: Lexicon,
            mentions: list[Mention]) -> tuple[int, str | None]:
    """End of the figure's words (coordinated nouns, "of Azerbaijan", "among X civilians")."""
    assert c.head is not None
    end = c.head[1]
    while True:  # "cities, towns and villages"
        more = re.match(r",?\s+(?:and\s+|or\s+)?|,\s*", text[end:limit])
        if not more:
            break
        at = end + more.end()
        pop = lex.population_re.match(text, at, limit)
        if pop and c.population and lex.population(pop.group())[0] == c.population:
            end = pop.end()
            continue
        break
    affiliation = None
    states = {m.start: m for m in mentions if m.kind == "state"}
    tail = re.match(r"\s+(?:of|from)\s+(?:the\s+)?", text[end:limit])
    if tail and end + tail.end() in states:
        mention = states[end + tail.end()]
        end, affiliation = mention.end, mention.iri
    among = re.match(r"\s+among\s+", text[end:limit])
    if c.population is None and among:
        probe = _Candidate(c.start, end, end + among.end(), c.qualifier, None, None)
        _head(text, probe, limit, lex)
        if probe.head and probe.population:
            c.population, c.pop_unit = probe.population, probe.pop_unit
            end = probe.head[1]
    if affiliation is None:
        for m in mentions:
            if m.kind == "state" and c.q_end <= m.start and m.end <= end:
                affiliation = m.iri
                break
    return end, affiliation


def _fits(measure: str, population: str | None) -> bool:
    if population in _POPULATION_MEASURES:
        return measure in _POPULATION_MEASURES[population]
    if population is None:
        return True
    return measure in PERSON_MEASURES


def _measure_in(text: str, start: int, end: int, lex: Lexicon, population: str | None,
                last: bool) -> str | None:
    found = [lex.measure(m.group()) for m in lex.measure_re.finditer(text, start, end)]
    found = [m for m in found if _fits(m, population)]
    if not found:
        return None
    return found[-1] if last else found[0]


def figures(text: str, sentence_id: str, start: int, end: int, lex: Lexicon,
            mentions: list[Mention], masked: list[tuple[int, int]]) -> list[Figure]:
    """The figures of one sentence ``text[start:end]``."""
    return read_figures(text, sentence_id, start, end, lex, mentions, masked)[0]


@dataclass(frozen=True)
class Unread:
    """A quantity of the sentence that gave no figure: its offsets, words and the reason."""

    start: int
    end: int
    text: str
    why: str


def read_figures(text: str, sentence_id: str, start: int, end: int, lex: Lexicon,
                 mentions: list[Mention], masked: list[tuple[int, int]],
                 carried: str | None = None) -> tuple[list[Figure], list[Unread]]:
    """The figures of one sentence, and the quantities in it that gave none (with why).

    ``carried`` is the measure of the figure of the sentence before when this one
    counts some of it ("… went missing. Of them, 600 were civilians"): the first
    figure and its parts take it when no word of their own names one.
    """
    cands = _candidates(text, start, end, lex, masked)
    for i, c in enumerate(cands):
        limit = cands[i + 1].start if i + 1 < len(cands) else end
        _head(text, c, max(limit, c.q_end), lex)
    bounds_at = sorted(c.start for c in cands)
    for c in cands:
        if c.head is None and c.value is not None:
            _number_of(text, c, start, lex)
    # "many", "several" with no counted noun ("many countries") are no quantity to read
    unread = [Unread(c.q_start, c.q_end, text[c.q_start:c.q_end],
                     f"no counted noun after {text[c.q_start:c.q_end]!r}")
              for c in cands if c.head is None and c.qualifier not in _VAGUE]
    cands = [c for c in cands if c.head is not None]
    affiliations: list[str | None] = []
    for i, c in enumerate(cands):
        limit = cands[i + 1].start if i + 1 < len(cands) else end
        c.end, affiliation = _extend(text, c, max(limit, c.head[1]), lex, mentions)
        affiliations.append(affiliation)
    parts = _parts(text, cands)
    measures = _measures(text, cands, parts, bounds_at, start, end, lex)
    if carried and cands and measures[0] is None:
        measures[0] = carried
        for i in range(1, len(cands)):
            if measures[i] is None and parts[i] is not None:
                measures[i] = measures[parts[i]]
    result: list[Figure] = []
    index: dict[int, int] = {}
    for i, c in enumerate(cands):
        measure = measures[i]
        if measure is None and c.qualifier in _VAGUE:
            unread.append(Unread(c.q_start, c.end, text[c.q_start:c.end],
                                 f"{text[c.start:c.end]!r}: a vague quantity and no measure "
                                 "word says what happened to those counted"))
            continue
        if measure is None and c.unit in _AREA_UNITS:
            following = cands[i + 1].start if i + 1 < len(cands) else end
            found = [lex.measure(m.group()) for m in
                     lex.measure_re.finditer(text, c.end, min(following, c.end + _WINDOW))]
            measure = next((m for m in found if m in _AREA_MEASURES), None)
        if (measure == "damage-cost") != (c.unit in _MONEY_UNITS):
            measure = None  # "damage" is the measure of sums of money, and their only one
        if measure is None and (c.generic or c.population is None and c.anaphoric):
            unread.append(Unread(c.q_start, c.end, text[c.q_start:c.end],
                                 f"{text[c.start:c.end]!r}: what is counted is not in the "
                                 "vocabularies and no measure word says what happened to it"))
            continue
        if measure is None and not _PASSIVE_AFTER.match(text, c.end, end):
            unread.append(Unread(c.q_start, c.end, text[c.q_start:c.end],
                                 f"{text[c.start:c.end]!r}: a count with no measure word and "
                                 "no verb saying what happened to those counted"))
            continue
        population = c.population
        if population is None and measure in PERSON_MEASURES:
            population = "people"
        unit = _unit(c, population)
        rule = bounds.interpret(c.qualifier, c.value)
        low, high = (None, None) if unit == "ratio" else (rule.minimum, rule.maximum)
        limit = cands[i + 1].start if i + 1 < len(cands) else end
        index[i] = len(result)
        result.append(Figure(
            c.start, c.end, text[c.start:c.end], sentence_id, c.qualifier, c.value,
            low, high, rule.rule, measure, population, unit, affiliations[i],
            None, (c.q_start, c.q_end), _from_place(text, c, limit, mentions),
            _confidence(c, measure, population, unit)))
        if parts[i] is not None and parts[i] in index:
            result[-1] = replace(result[-1], part_of=index[parts[i]])
    return result, sorted(unread, key=lambda u: u.start)


def _unit(c: _Candidate, population: str | None) -> str | None:
    """The unit: the numeral's (percent, ratio, an area, a currency), else the noun's."""
    if c.unit is not None:
        return c.unit
    if population == "territory":
        return c.pop_unit if c.pop_unit in _AREA_UNITS else "districts" if c.value else None
    return c.pop_unit or "persons"


def _from_place(text: str, c: _Candidate, limit: int, mentions: list[Mention]) -> str | None:
    """The state or place the counted were taken from: "expelled from Armenia"."""
    for m in mentions:
        if m.kind in ("state", "place") and c.end <= m.start < min(limit, c.end + _WINDOW) \
                and _FROM.search(text, max(c.end, m.start - 40), m.start):
            return m.iri
    return None


def _confidence(c: _Candidate, measure: str | None, population: str | None,
                unit: str | None) -> float:
    """How sure the draft is: a vocabulary noun and a measure word make a sure figure."""
    score = 0.9
    if measure is None:
        score = 0.45
    if c.generic:
        score -= 0.25
    if population is None:
        score -= 0.1
    if unit in ("ratio", *_MONEY_UNITS):
        score -= 0.1
    return round(max(0.1, min(1.0, score)), 2)


def _parts(text: str, cands: list[_Candidate]) -> list[int | None]:
    """For each figure, the index of the figure it is part of ("including 12 children")."""
    parts: list[int | None] = []
    for i, c in enumerate(cands):
        part = None
        if i > 0:
            between = text[cands[i - 1].end:c.start]
            if _PART.search(between) and len(between) < 100:
                part = i - 1
            elif _AND_PART.match(between) and parts[i - 1] is not None:
                part = parts[i - 1]
            elif re.match(r"\s+of\s+(?:them|whom|these|those)\b", text[c.q_end:c.q_end + 20],
                          re.I):  # "412 persons, 190 of them civilians"
                part = i - 1
            elif c.anaphoric and not c.head_measure:  # "many of them"
                part = i - 1
            if c.anaphoric:  # "many of them", "and 26 were wounded": the same population
                c.population, c.pop_unit = cands[i - 1].population, cands[i - 1].pop_unit
        parts.append(part)
    return parts


def _measures(text: str, cands: list[_Candidate], parts: list[int | None],
              bounds_at: list[int], start: int, end: int, lex: Lexicon) -> list[str | None]:
    """The measure of each figure: its noun, the words after it, a list it is in, before it."""
    measures: list[str | None] = []
    for c in cands:  # the counted noun, or the words after the figure
        measure = c.head_measure
        if measure is None:
            own_end = next((b for b in bounds_at if b >= c.end), end)
            measure = _measure_in(text, c.end, min(own_end, c.end + _WINDOW), lex,
                                  c.population, last=False)
        measures.append(measure)
    for i, c in enumerate(cands):  # a whole takes the words after its parts
        if measures[i] is None and parts[i] is None:
            last = i
            while last + 1 < len(cands) and parts[last + 1] is not None:
                last += 1
            if last > i:
                tail = cands[last].end
                limit = cands[last + 1].start if last + 1 < len(cands) else end
                measures[i] = _measure_in(text, tail, min(limit, tail + _WINDOW), lex,
                                          c.population, last=False)
    for i in range(len(cands) - 2, -1, -1):  # "192 houses, three hotels ... were destroyed"
        between = text[cands[i].end:cands[i + 1].start]
        following = measures[i + 1]
        if measures[i] is None and following and _LIST.match(between) and \
                parts[i] is None and parts[i + 1] is None and \
                _fits(following, cands[i].population):
            measures[i] = following
    for i, c in enumerate(cands):  # a part takes its whole's; else the words before it
        if measures[i] is None and parts[i] is not None:
            measures[i] = measures[parts[i]]
        if measures[i] is None and parts[i] is None:
            before = cands[i - 1].end if i > 0 else start
            measures[i] = _measure_in(text, max(before, c.start - _WINDOW), c.start, lex,
                                      c.population, last=True)
        if measures[i] is None and parts[i] is not None:
            measures[i] = measures[parts[i]]
    return measures
