"""The words extraction looks for: qualifiers, magnitudes, measures, populations, demonyms.

The cue words come from the SKOS vocabularies, so that curators and the extractor
share one source: every ``skos:prefLabel``, ``skos:altLabel`` (a label a speaker may
use) and ``skos:hiddenLabel`` (a cue form not shown to users, such as an inflection)
of the qualifier, measure and population concepts. The qualifiers in the collection
``apx:magnitude-words`` are stated instead of a numeral ("dozens of"); the others
before one ("about 30"). A word added to a vocabulary is found without changing code.
What stays here is grammar and reference data: demonyms and other state names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from kg.model.namespaces import VOCAB

#: The collection of the qualifiers stated by a word instead of a numeral.
MAGNITUDE_WORDS = URIRef(f"{VOCAB['apx']}magnitude-words")
#: The unit of a figure whose counted noun is of a population (default: persons).
POPULATION_UNITS: dict[str, str] = {"civilian-objects": "objects", "settlements": "settlements"}

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

    qualifiers: dict[str, str]
    magnitudes: dict[str, str]
    measures: dict[str, str]
    populations: dict[str, tuple[str, str]]

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


_LABELS = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)


def cue_forms(ontology: Graph, prefix: str) -> dict[str, str]:
    """Every label of the concepts of scheme ``prefix``, lower case with single spaces, and
    the concept's local name. ValueError if one form names two concepts."""
    found: dict[str, str] = {}
    namespace = str(VOCAB[prefix])
    for prop in _LABELS:
        for concept, label in sorted(ontology.subject_objects(prop)):
            if not (isinstance(concept, URIRef) and str(concept).startswith(namespace)):
                continue
            if (concept, SKOS.inScheme, None) not in ontology:
                continue  # a collection, not a concept
            words = " ".join(str(label).lower().split())
            local = str(concept)[len(namespace):]
            if words and found.setdefault(words, local) != local:
                raise ValueError(f"the cue form {words!r} is a label of both {prefix}:"
                                 f"{found[words]} and {prefix}:{local}")
    return found


def lexicon(ontology: Graph) -> Lexicon:
    """The cue words of the vocabularies in ``ontology`` (see the module's docstring)."""
    namespace = str(VOCAB["apx"])
    magnitude_concepts = {str(m)[len(namespace):]
                          for m in ontology.objects(MAGNITUDE_WORDS, SKOS.member)}
    qualifiers: dict[str, str] = {}
    magnitudes: dict[str, str] = {}
    for words, concept in cue_forms(ontology, "apx").items():
        if concept in magnitude_concepts:
            # "dozens of" and "dozens" are one form: the pattern takes an "of" after any
            magnitudes[words.removesuffix(" of")] = concept
        else:
            qualifiers[words] = concept
    populations = {words: (concept, POPULATION_UNITS.get(concept, "persons"))
                   for words, concept in cue_forms(ontology, "pop").items()}
    return Lexicon(qualifiers, magnitudes, cue_forms(ontology, "meas"), populations)
