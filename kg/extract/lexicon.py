"""The words extraction looks for: qualifiers, magnitudes, measures, populations, demonyms.

The built-in lists below hold the words speakers use in the corpus; when the
ontology graph is given, :func:`lexicon` adds every ``skos:prefLabel`` and
``skos:altLabel`` of the measure, population and qualifier concepts, so a word
added to the vocabulary is found without changing code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from kg.model.namespaces import VOCAB

#: Words before a numeral and the qualifier concept they state.
QUALIFIER_WORDS: dict[str, str] = {
    "over": "over", "well over": "over", "just over": "over", "in excess of": "over",
    "exceeding": "over", "exceeds": "over", "exceeded": "over", "above": "over",
    "upwards of": "over",
    "more than": "more-than", "greater than": "more-than",
    "at least": "at-least", "no fewer than": "at-least", "no less than": "at-least",
    "not less than": "at-least", "not fewer than": "at-least", "a minimum of": "at-least",
    "about": "about", "roughly": "about", "circa": "about", "an estimated": "about",
    "estimated": "about", "some": "some",
    "around": "around", "in the region of": "around", "in the order of": "around",
    "approximately": "approximately", "approx.": "approximately",
    "almost": "almost", "just under": "almost", "not quite": "almost", "close to": "almost",
    "nearly": "nearly", "just short of": "nearly",
    "up to": "up-to", "as many as": "up-to", "a maximum of": "up-to", "no more than": "up-to",
    "not more than": "up-to",
    "less than": "less-than", "fewer than": "less-than", "under": "less-than",
    "below": "less-than",
    "exactly": "exact", "precisely": "exact", "a total of": "exact",
}

#: Vague magnitudes stated instead of a numeral, and their qualifier concept.
MAGNITUDE_WORDS: dict[str, str] = {
    "hundreds of thousands": "hundreds-of-thousands",
    "hundred of thousands": "hundreds-of-thousands",
    "tens of thousands": "tens-of-thousands", "ten of thousands": "tens-of-thousands",
    "millions": "millions", "many millions": "millions",
    "thousands and thousands": "thousands", "thousands upon thousands": "thousands",
    "thousands": "thousands",
    "several thousand": "thousands", "a few thousand": "thousands", "many thousands": "thousands",
    "hundreds": "hundreds", "several hundred": "hundreds", "a few hundred": "hundreds",
    "many hundreds": "hundreds",
    "dozens": "dozens", "scores": "dozens", "several dozen": "dozens", "a few dozen": "dozens",
    "numerous": "numerous", "many": "numerous", "multiple": "numerous", "countless": "numerous",
    "a large number of": "numerous", "a great number of": "numerous",
    "a few": "a-few", "a very few": "a-few", "a handful of": "a-few",
    "several": "several",
}

#: Words that say what a figure counts (the outcome), and the measure concept.
MEASURE_WORDS: dict[str, str] = {
    "killed or seriously wounded": "killed-or-wounded", "killed or wounded": "killed-or-wounded",
    "killed or injured": "killed-or-wounded", "killed and wounded": "killed-or-wounded",
    "killed and injured": "killed-or-wounded", "killed or maimed": "killed-or-wounded",
    "dead or wounded": "killed-or-wounded", "dead and wounded": "killed-or-wounded",
    "dead and injured": "killed-or-wounded", "killed or severely wounded": "killed-or-wounded",
    "killed and tortured": "killed-and-tortured", "tortured and killed": "killed-and-tortured",
    "tortured to death": "killed-and-tortured",
    "killed": "killed", "killing": "killed", "killings": "killed", "deaths": "killed",
    "death": "killed", "dead": "killed", "died": "killed", "lives": "killed",
    "lost their lives": "killed", "perished": "killed", "murdered": "killed",
    "massacred": "killed", "slaughtered": "killed", "executed": "killed",
    "fatalities": "killed", "death toll": "killed", "shot dead": "killed", "loss of": "killed",
    "wounded": "wounded", "injured": "wounded", "injuries": "wounded", "maimed": "wounded",
    "wounding": "wounded", "injuring": "wounded",
    "casualties": "casualties", "victims": "casualties", "human losses": "casualties",
    "missing": "missing", "went missing": "missing", "disappeared": "missing",
    "unaccounted for": "missing", "missing persons": "missing", "fate of": "missing",
    "whereabouts": "missing",
    "expelled": "expelled", "driven out": "expelled", "deported": "expelled",
    "ethnically cleansed": "expelled", "expulsion": "expelled", "deportation": "expelled",
    "displaced": "displaced", "displacement": "displaced", "forced to flee": "displaced",
    "fled": "displaced", "forced to leave their homes": "displaced",
    "forced to leave his home": "displaced", "forced to leave": "displaced",
    "uprooted": "displaced", "refugees": "displaced", "idps": "displaced",
    "internally displaced": "displaced", "no homes": "displaced", "homeless": "displaced",
    "lost their homes": "displaced", "right to return": "displaced",
    "left their homeland": "displaced", "left their homes": "displaced",
    "leave their homeland": "displaced", "hosts": "displaced", "hosting": "displaced",
    "right of return": "displaced", "dignified return": "displaced", "safe return": "displaced",
    "detained": "detained", "held captive": "detained", "captured": "detained",
    "imprisoned": "detained", "taken prisoner": "detained", "prisoners": "detained",
    "hostages": "detained", "taken hostage": "detained", "held hostage": "detained",
    "captives": "detained", "detainees": "detained", "abducted": "detained",
    "in captivity": "detained", "imprisonment": "detained",
    "returned": "returned", "came back": "returned", "resettled": "returned",
    "return of": "returned",
    "destroyed or damaged": "destroyed-or-damaged", "destroyed": "destroyed-or-damaged",
    "damaged": "destroyed-or-damaged", "razed": "destroyed-or-damaged",
    "ruined": "destroyed-or-damaged", "demolished": "destroyed-or-damaged",
    "burned": "destroyed-or-damaged", "burnt": "destroyed-or-damaged",
    "wiped out": "destroyed-or-damaged", "wiped off": "destroyed-or-damaged",
    "razed to the ground": "destroyed-or-damaged", "erased": "destroyed-or-damaged",
    "liberated": "settlements-retaken", "recaptured": "settlements-retaken",
    "retaken": "settlements-retaken",
    "occupied": "territory-occupied", "under occupation": "territory-occupied",
    "occupation of": "territory-occupied", "under armenian occupation": "territory-occupied",
    "under azerbaijani occupation": "territory-occupied",
    "under russian occupation": "territory-occupied",
    "under foreign occupation": "territory-occupied",
    "under military occupation": "territory-occupied",
}

#: Head nouns of a counted phrase: population concept and unit.
POPULATION_WORDS: dict[str, tuple[str, str]] = {
    **{w: ("people", "persons") for w in (
        "people", "persons", "person", "individuals", "inhabitants", "population", "residents",
        "souls", "human beings", "lives", "others", "aboard", "on board", "diplomats",
        "journalists", "medics", "doctors", "volunteers", "passengers", "aid workers",
        "humanitarian workers", "teachers", "students", "men", "brothers and sisters",
        "migrants")},
    **{w: ("national-group", "persons") for w in (
        "rohingya", "kurds", "yazidis", "uyghurs", "uighurs", "palestinians", "roma",
        "crimean tatars", "tatars")},
    **{w: ("civilians", "persons") for w in (
        "civilians", "civilian", "non-combatants", "civilian population", "peaceful population",
        "peaceful residents", "peaceful civilians")},
    **{w: ("children", "persons") for w in (
        "children", "child", "minors", "infants", "kids", "babies", "schoolchildren")},
    **{w: ("women", "persons") for w in ("women", "woman", "women and girls", "girls")},
    **{w: ("citizens", "persons") for w in (
        "citizens", "citizen", "nationals", "compatriots")},
    **{w: ("servicemembers", "persons") for w in (
        "soldiers", "servicemen", "servicemembers", "service members", "military personnel",
        "troops", "combatants", "officers", "military servicemen", "peacekeepers", "conscripts",
        "police officers", "policemen", "serviceman", "soldier")},
    **{w: ("idps", "persons") for w in (
        "idps", "internally displaced persons", "internally displaced people",
        "internally displaced")},
    "refugees": ("refugees", "persons"),
    **{w: ("civilian-objects", "objects") for w in (
        "houses", "homes", "buildings", "infrastructure", "cultural sites", "schools",
        "hospitals", "mosques", "churches", "monuments", "civilian objects", "objects",
        "facilities", "apartments", "dwellings", "kindergartens", "religious sites",
        "historical monuments", "cemeteries", "museums", "libraries", "residential buildings",
        "private houses", "civilian facilities", "medical facilities", "enterprises", "house",
        "school", "hospital", "facility", "building", "bridge", "bridges", "hotel", "hotels",
        "pipelines", "infrastructures", "civilian infrastructure", "civilian infrastructures",
        "power plants", "roads", "factories", "medical facility", "health facilities")},
    **{w: ("settlements", "settlements") for w in (
        "settlements", "towns", "villages", "cities", "localities", "hamlets")},
    **{w: ("territory", "persons") for w in (
        "territory", "territories", "lands", "districts", "regions", "square kilometres",
        "square kilometers", "km2", "hectares")},
}

#: Measures a head noun implies when no other word says what happened to the people counted.
IMPLIED_MEASURES: dict[str, str] = {"refugees": "displaced", "idps": "displaced",
                                    "lives": "killed", "migrants": "displaced"}
#: Measures that count people (a figure with one of them and no population counts people).
PERSON_MEASURES = frozenset({
    "killed", "wounded", "killed-or-wounded", "casualties", "missing", "expelled", "displaced",
    "killed-and-tortured", "detained", "returned"})

#: Demonyms: adjective or plural noun -> ISO 3166 alpha-3 (the states the corpus names).
DEMONYMS: dict[str, str] = {
    **dict.fromkeys(("Armenian", "Armenians"), "ARM"),
    **dict.fromkeys(("Azerbaijani", "Azerbaijanis", "Azeri", "Azeris"), "AZE"),
    **dict.fromkeys(("Russian", "Russians"), "RUS"),
    **dict.fromkeys(("Ukrainian", "Ukrainians"), "UKR"),
    **dict.fromkeys(("Turkish", "Turks"), "TUR"),
    "French": "FRA", "British": "GBR", "Chinese": "CHN", "Dutch": "NLD", "Sudanese": "SDN",
    **dict.fromkeys(("Canadian", "Canadians"), "CAN"),
    **dict.fromkeys(("American", "Americans"), "USA"),
    **dict.fromkeys(("Georgian", "Georgians"), "GEO"),
    **dict.fromkeys(("Syrian", "Syrians"), "SYR"),
    **dict.fromkeys(("Iranian", "Iranians"), "IRN"),
    **dict.fromkeys(("Israeli", "Israelis"), "ISR"),
    **dict.fromkeys(("Egyptian", "Egyptians"), "EGY"),
    **dict.fromkeys(("Namibian", "Namibians"), "NAM"),
    **dict.fromkeys(("Venezuelan", "Venezuelans"), "VEN"),
    **dict.fromkeys(("Belarusian", "Belarusians"), "BLR"),
    **dict.fromkeys(("German", "Germans"), "DEU"),
    **dict.fromkeys(("Iraqi", "Iraqis"), "IRQ"),
    **dict.fromkeys(("Afghan", "Afghans"), "AFG"),
    **dict.fromkeys(("Libyan", "Libyans"), "LBY"),
    **dict.fromkeys(("Yemeni", "Yemenis"), "YEM"),
    **dict.fromkeys(("Malaysian", "Malaysians"), "MYS"),
    **dict.fromkeys(("Kazakh", "Kazakhs"), "KAZ"),
    **dict.fromkeys(("Greek", "Greeks"), "GRC"),
    **dict.fromkeys(("Cypriot", "Cypriots"), "CYP"),
    **dict.fromkeys(("Pakistani", "Pakistanis"), "PAK"),
    **dict.fromkeys(("Indian", "Indians"), "IND"),
}
#: Other names of states than their labels in member-states.ttl.
STATE_NAMES: dict[str, str] = {
    "Turkey": "TUR", "Republic of Turkey": "TUR", "Viet Nam": "VNM", "the Sudan": "SDN",
    "United States of America": "USA", "Russian Federation": "RUS",
    "Democratic Republic of the Congo": "COD", "Republic of Moldova": "MDA",
}


def phrase_pattern(phrase: str) -> str:
    """A regex for ``phrase``: any run of white space between words, word boundaries at ends."""
    words = [re.escape(w) for w in phrase.split()]
    body = r"\s+".join(words)
    head = r"\b" if phrase[:1].isalnum() else ""
    tail = r"\b" if phrase[-1:].isalnum() else ""
    return f"{head}{body}{tail}"


def alternation(phrases: list[str] | set[str] | frozenset[str]) -> str:
    """One regex alternation of ``phrases``, longest first (so the longest one wins)."""
    return "|".join(phrase_pattern(p) for p in sorted(set(phrases), key=lambda p: (-len(p), p)))


@dataclass(frozen=True)
class Lexicon:
    """Word lists (lower case) with their compiled patterns."""

    qualifiers: dict[str, str] = field(default_factory=lambda: dict(QUALIFIER_WORDS))
    magnitudes: dict[str, str] = field(default_factory=lambda: dict(MAGNITUDE_WORDS))
    measures: dict[str, str] = field(default_factory=lambda: dict(MEASURE_WORDS))
    populations: dict[str, tuple[str, str]] = field(
        default_factory=lambda: dict(POPULATION_WORDS))

    def __post_init__(self) -> None:
        demonym_plurals = [d for d in DEMONYMS if d.endswith("s") or d in ("Sudanese",)]
        object.__setattr__(self, "qualifier_re", re.compile(
            rf"(?:{alternation(self.qualifiers.keys())})\s*(?:(?:our|their|its|his|her)\s+)?$",
            re.I))
        object.__setattr__(self, "magnitude_re", re.compile(
            rf"(?<![\w-])(?:{alternation(self.magnitudes.keys())})(?:\s+of)?\b", re.I))
        object.__setattr__(self, "measure_re", re.compile(
            alternation(self.measures.keys()), re.I))
        object.__setattr__(self, "population_re", re.compile(
            rf"(?:{alternation(self.populations.keys())})", re.I))
        object.__setattr__(self, "group_re", re.compile(
            rf"(?:ethnic\s+)?(?:{alternation(demonym_plurals)})\b"))

    def qualifier_before(self, text: str) -> tuple[str, int] | None:
        """The qualifier ending ``text`` and its length, if any ("about ", "more than ")."""
        match = self.qualifier_re.search(text)
        if not match:
            return None
        words = match.group().lower().split()
        if words[-1] in ("our", "their", "its", "his", "her"):
            words = words[:-1]
        return self.qualifiers[" ".join(words)], len(match.group())

    def magnitude(self, words: str) -> str:
        key = " ".join(words.lower().split())
        key = key[:-3].rstrip() if key.endswith(" of") else key
        return self.magnitudes[key]

    def measure(self, words: str) -> str:
        return self.measures[" ".join(words.lower().split())]

    def population(self, words: str) -> tuple[str, str]:
        return self.populations[" ".join(words.lower().split())]


_SCHEMES = {"qualifier": "apx", "measure": "meas", "population": "pop"}


def _labels(ontology: Graph, prefix: str) -> dict[str, str]:
    found: dict[str, str] = {}
    namespace = str(VOCAB[prefix])
    for prop in (SKOS.prefLabel, SKOS.altLabel):
        for concept, label in ontology.subject_objects(prop):
            if isinstance(concept, URIRef) and str(concept).startswith(namespace):
                words = " ".join(str(label).lower().split())
                if words and words not in found:
                    found[words] = str(concept)[len(namespace):]
    return found


def lexicon(ontology: Graph | None = None) -> Lexicon:
    """The built-in word lists, with the vocabulary's labels added when ``ontology`` is given."""
    if ontology is None:
        return _default()
    qualifiers = dict(QUALIFIER_WORDS)
    for words, concept in _labels(ontology, "apx").items():
        if concept in MAGNITUDE_WORDS.values() or concept in ("numerous", "a-few", "several"):
            continue  # magnitudes are listed with their "of" forms above
        qualifiers.setdefault(words, concept)
    measures = dict(MEASURE_WORDS)
    for words, concept in _labels(ontology, "meas").items():
        measures.setdefault(words, concept)
    populations = dict(POPULATION_WORDS)
    units = {"civilian-objects": "objects", "settlements": "settlements"}
    for words, concept in _labels(ontology, "pop").items():
        if concept != "national-group":  # "community", "ethnic group": not counted nouns
            populations.setdefault(words, (concept, units.get(concept, "persons")))
    return Lexicon(qualifiers, dict(MAGNITUDE_WORDS), measures, populations)


@lru_cache(maxsize=1)
def _default() -> Lexicon:
    return Lexicon()
