"""Mentions of reference nodes (states, organisations, places, events, people) in text.

Surface forms are the reference data's own names (``rdfs:label``,
``skos:altLabel``, ``foaf:name``, ``ekg:acronym``, and a label without its
trailing parenthesis, "Khojaly killings (February 1992)" → "Khojaly killings"),
plus demonyms and other common names of states from :mod:`kg.extract.lexicon`
("Armenian forces" mentions Armenia). Matching is case-sensitive (a name is a
proper noun) except for the first letter of a lower-case form ("front line");
where two forms overlap the longest wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, SKOS

from kg.extract.lexicon import DEMONYMS, STATE_NAMES
from kg.model.kinds import REGISTRY
from kg.model.namespaces import EKG

KINDS: dict[URIRef, str] = {
    EKG.MemberState: "state",
    EKG.Organisation: "organisation",
    EKG.Place: "place",
    EKG.EventReference: "event",
    EKG.Person: "person",
}
#: Kinds that can be the actor of an attribution or accusation.
ACTOR_KINDS = frozenset({"state", "organisation", "person"})


@dataclass(frozen=True)
class Mention:
    """A reference node named in the text: ``[start, end)``, the words and the node's IRI."""

    start: int
    end: int
    text: str
    iri: str
    kind: str


def surface_forms(reference: Graph) -> dict[str, tuple[str, str]]:
    """Every name of every reference node of a known kind: form -> (IRI, kind)."""
    forms: dict[str, tuple[str, str]] = {}
    nodes: list[tuple[str, str]] = []
    for cls, kind in KINDS.items():
        nodes += [(str(n), kind) for n in reference.subjects(RDF.type, cls)
                  if isinstance(n, URIRef)]
    by_iso3: dict[str, str] = {}
    for iri, kind in sorted(nodes):
        node = URIRef(iri)
        names = []
        for prop in (RDFS.label, SKOS.altLabel, FOAF.name, EKG.acronym):
            names += [str(o) for o in reference.objects(node, prop)]
        for name in sorted(set(names)):
            for form in {name, re.sub(r"\s*\([^)]*\)\s*$", "", name)}:
                if len(form) >= 2 and form not in forms:
                    forms[form] = (iri, kind)
        if kind == "state":
            for iso3 in reference.objects(node, EKG.iso3):
                by_iso3[str(iso3)] = iri
    for table in (STATE_NAMES, DEMONYMS):
        for form, iso3 in sorted(table.items()):
            if iso3 in by_iso3:
                forms.setdefault(form, (by_iso3[iso3], "state"))
    return forms


def _key(words: str) -> str:
    """Forms compared with hyphens and runs of white space as one space ("Nagorno Karabakh")."""
    return " ".join(re.sub(r"(?<=\w)-(?=\w)", " ", words).split())


def _form_pattern(form: str) -> str:
    words = [re.escape(w) for w in _key(form).split()]
    if form[:1].islower():
        words[0] = f"[{form[0]}{form[0].upper()}]{re.escape(_key(form).split()[0][1:])}"
    return r"(?:\s+|-)".join(words)


class EntityMatcher:
    """Finds mentions of reference nodes; build it once per reference graph."""

    def __init__(self, reference: Graph) -> None:
        self.forms = surface_forms(reference)
        ordered = sorted(self.forms, key=lambda f: (-len(f), f))
        self._lookup = {_key(f): f for f in reversed(ordered)}
        self._lookup_lower = {k[:1].upper() + k[1:]: f for k, f in self._lookup.items()
                              if k[:1].islower()}
        body = "|".join(_form_pattern(f) for f in ordered)
        self.pattern = re.compile(rf"(?<![\w-])(?:{body})(?![\w]|-\w)") if ordered else None

    def mentions(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        """Mentions in ``text[start:end]``, in order, not overlapping."""
        if self.pattern is None:
            return []
        end = len(text) if end is None else end
        found = []
        for match in self.pattern.finditer(text, start, end):
            words = _key(match.group())
            form = self._lookup.get(words) or self._lookup_lower.get(words)
            if form is None:
                continue
            iri, kind = self.forms[form]
            found.append(Mention(match.start(), match.end(), match.group(), iri, kind))
        return found


# -- attribution cues ------------------------------------------------------------------------

#: Cues whose actor follows them ("committed by Armenian forces"): cue -> (role, accusation).
BY_CUES: dict[str, tuple[str | None, str | None]] = {
    "committed by": ("perpetrator", None),
    "carried out by": ("perpetrator", None),
    "perpetrated by": ("perpetrator", None),
    "unleashed by": ("initiator", "initiating-war"),
    "launched by": ("initiator", None),
    "started by": ("initiator", None),
    "initiated by": ("initiator", None),
    "act of aggression by": ("initiator", "aggression"),
    "acts of aggression by": ("initiator", "aggression"),
    "aggression by": ("initiator", "aggression"),
}
#: Cues whose actor precedes them ("Armenia refuses to"): cue -> (role, accusation).
SUBJECT_CUES: dict[str, tuple[str | None, str | None]] = {
    "refuses to": (None, ""),
    "refused to": (None, ""),
    "continues to refuse": (None, ""),
    "still refuses to": (None, ""),
    "is responsible for": ("responsible-party", None),
    "are responsible for": ("responsible-party", None),
    "bears responsibility for": ("responsible-party", None),
    "bear responsibility for": ("responsible-party", None),
    "responsible for": ("responsible-party", None),
}
_BY_CUE = re.compile(
    r"\b(?:(?:acts?\s+of\s+)?aggression|committed|carried\s+out|perpetrated|unleashed"
    r"(?:\s+against\s+(?:it|us|them|him|her|\w+))?|launched|started|initiated)\s+by\b", re.I)
_SUBJECT_CUE = re.compile(
    r"\b(?:(?:still\s+)?refuses\s+to|refused\s+to|continues\s+to\s+refuse|"
    r"(?:is|are)\s+responsible\s+for|bears?\s+responsibility\s+for|responsible\s+for)\b", re.I)
#: Words in the sentence that suggest the type of an accusation made with "refuses to".
ACCUSATION_HINTS: list[tuple[str, str]] = [
    (r"\bmissing\b|\bfate\b|\baccount\s+for\b|\bwhereabouts\b",
     "non-cooperation-on-missing-persons"),
    (r"\b(?:land)?mines?\b|\bminefields?\b|\bmine\s+maps\b", "withholding-landmine-information"),
    (r"\breturn\b", "obstruction-of-return"),
    (r"\bwithdraw", "occupation-of-territory"),
    (r"\bcease-?fire\b", "ceasefire-violation"),
]
# What may stand between a cue and its actor: "by Armenia", "by the armed forces of Armenia",
# "by Armenian forces" (the demonym is the mention); "Armenia still refuses to".
_NAMED_AFTER = re.compile(
    r"\s+(?:the\s+)?(?:(?:(?:armed|military|regular|occupying|security)\s+)?(?:forces|troops|"
    r"army|authorities|government|leadership|regime|side)\s+of\s+(?:the\s+)?)?")
_NAMED_BY_DEMONYM = re.compile(
    r"\s+(?:armed\s+)?(?:forces|troops|army|military|authorities|side|units|servicemen|"
    r"soldiers|government|leadership)\b")
_NAMED_BEFORE = re.compile(r"(?:['’]s)?\s+(?:(?:forces|troops|army|authorities|government|"
                           r"leadership|regime|side)\s+)?(?:(?:still|also|now|again|"
                           r"continuously|consistently)\s+)?")


@dataclass(frozen=True)
class Attribution:
    """A proposed attribution or accusation: the cue, the actor it points to, if found."""

    start: int
    end: int
    text: str
    cue: str
    actor: str | None
    actor_text: str | None
    role: str | None
    accusation: str | None
    kind: str


def _cue_key(words: str) -> str:
    key = " ".join(words.lower().split())
    if key.startswith("unleashed against"):
        return "unleashed by"
    return key


def attributions(text: str, start: int, end: int,
                 mentions: list[Mention]) -> list[Attribution]:
    """Attribution and accusation proposals in the sentence ``text[start:end]``."""
    actors = [m for m in mentions if m.kind in ACTOR_KINDS and start <= m.start < end]
    found: list[Attribution] = []
    for match in _BY_CUE.finditer(text, start, end):
        role, accusation = BY_CUES[_cue_key(match.group())]
        after = [m for m in actors if match.end() <= m.start and
                 _NAMED_AFTER.fullmatch(text, match.end(), m.start)]
        actor = after[0] if after else None
        span_end = actor.end if actor else match.end()
        named = _NAMED_BY_DEMONYM.match(text, span_end, end) if actor else None
        if named:  # "committed by Armenian forces"
            span_end = named.end()
        found.append(_proposal(text, match.start(), span_end, match.group(), actor, role,
                               accusation, text[actor.start:span_end] if actor else None))
    for match in _SUBJECT_CUE.finditer(text, start, end):
        role, accusation = SUBJECT_CUES[" ".join(match.group().lower().split())]
        if accusation == "":
            accusation = _hint(text[start:end])
        before = [m for m in actors if m.end <= match.start() and
                  _NAMED_BEFORE.fullmatch(text, m.end, match.start())]
        actor = before[-1] if before else None
        span_start = actor.start if actor else match.start()
        found.append(_proposal(text, span_start, match.end(), match.group(), actor, role,
                               accusation))
    return sorted(found, key=lambda a: (a.start, a.end))


def _hint(sentence: str) -> str | None:
    for pattern, kind in ACCUSATION_HINTS:
        if re.search(pattern, sentence, re.I):
            return kind
    return None


def _proposal(text: str, start: int, end: int, cue: str, actor: Mention | None,
              role: str | None, accusation: str | None,
              named: str | None = None) -> Attribution:
    kind = REGISTRY.by_extraction("attribution" if role else "accusation").extraction
    return Attribution(start, end, text[start:end], " ".join(cue.split()),
                       actor.iri if actor else None, named or (actor.text if actor else None),
                       role, accusation, kind)
