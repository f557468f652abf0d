"""Draft claims of every kind from the sentences of a statement.

Each proposal says which kind of claim a sentence may hold (accusation, characterisation,
attribution, reported speech, appeal, self-report, event, figure), the cue it rests on, the
actor or category it points to, whether the key actor is named in the sentence
(``explicit``) or read from the sentences before it, and a confidence.

Two sources, both explainable:

- **rules**: the labels of the SKOS vocabularies are the cue words (accusation types,
  legal categories, event types, roles); a little grammar says where the actor stands
  ("X refuses to", "committed by X", "It has consistently obstructed": the actor of the
  sentences before). Their confidence is a fixed prior per rule.
- **models** (:mod:`kg.extract.models`, built by ``kg train`` from the development set):
  the probability that a sentence holds a claim of each kind, and the most likely
  accusation type and legal category. A rule proposal the model finds unlikely is
  dropped; a sentence the model finds likely with no rule cue is proposed with the
  model's category and its actor left for the reviewer.

A cue sentence (a blame or legal cue) that ends with no proposal is listed in
``unresolved`` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF, SKOS

from kg.extract.lexicon import cue_forms
from kg.extract.mentions import Attribution, Mention
from kg.extract.models import stem
from kg.model.namespaces import EKG, VOCAB

#: The claim kinds drafted, in the order proposals are listed (``claims[].kind``).
KINDS = ("accusation", "characterisation", "attribution", "reported-speech", "appeal",
         "self-report", "event", "figure")


@dataclass(frozen=True)
class Proposal:
    """One proposed claim over the sentence ``[start, end)``; IRIs or None."""

    kind: str
    start: int
    end: int
    sentence: str
    cue: str
    accused: str | None = None
    agent: str | None = None
    category: str | None = None
    about: str | None = None
    explicit: bool = True
    confidence: float = 0.5
    rule: str = "rule"
    role: str | None = None
    cites: str | None = None


@dataclass(frozen=True)
class SentenceView:
    """What the claim rules need of one sentence."""

    id: str
    start: int
    end: int
    text: str


#: Between two words of a label: a space or hyphen, and at most one article or possessive
#: ("obstructed the negotiations" is "obstructing negotiations").
_FILLER = r"(?:the|a|an|its|their|his|her|our|any|all|these|those|this)"
_GAP = rf"[\s-]+(?:{_FILLER}\s+)?"


def _normal(words: str) -> str:
    """Words as the cue tables key them: lower case, hyphens as spaces, each word stemmed
    (so "obstructed the negotiations" and "obstructing negotiations" share a key)."""
    return " ".join(stem(w) for w in re.sub(r"-", " ", words.lower()).split()
                    if not re.fullmatch(_FILLER, w))


def _label_pattern(forms: Iterable[str]) -> re.Pattern[str]:
    """Labels as one pattern, longest first: each word by its stem and any ending, so that
    an inflected form matches ("massacres", "occupied", "obstructed")."""
    parts = []
    for form in sorted({_normal(f) for f in forms}, key=lambda f: (-len(f), f)):
        parts.append(_GAP.join(f"{re.escape(w)}[a-z]*" for w in form.split()))
    body = "|".join(parts) if parts else r"(?!x)x"
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.I)


def unambiguous_forms(ontology: Graph, prefix: str) -> dict[str, str]:
    """Every label of the concepts of scheme ``prefix`` -> the concept's local name, like
    :func:`kg.extract.lexicon.cue_forms`, except that a form labelling two concepts is left
    out (it cannot say which one is meant; the model still may) instead of failing."""
    try:
        return cue_forms(ontology, prefix)
    except ValueError:
        pass
    seen: dict[str, set[str]] = {}
    namespace = str(VOCAB[prefix])
    for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
        for concept, label in ontology.subject_objects(prop):
            if str(concept).startswith(namespace) and (concept, SKOS.inScheme, None) in ontology:
                words = " ".join(str(label).lower().split())
                seen.setdefault(words, set()).add(str(concept)[len(namespace):])
    return {w: next(iter(c)) for w, c in sorted(seen.items()) if w and len(c) == 1}


class Cues:
    """Cue words of the claim kinds, read from the vocabularies of ``ontology``."""

    def __init__(self, ontology: Graph) -> None:
        self.legal = unambiguous_forms(ontology, "legal")
        self.accusation = unambiguous_forms(ontology, "acc")
        self.event = unambiguous_forms(ontology, "evt")
        for forms in (self.legal, self.accusation):
            for generic in ("conflict", "side", "mining", "arming", "threats", "terror",
                            "restoration", "flight", "destruction"):
                forms.pop(generic, None)  # too common to be a cue by itself
        self._spaced = {id(t): {_normal(k): v for k, v in sorted(t.items())}
                        for t in (self.legal, self.accusation, self.event)}
        self._legal_re = _label_pattern(self.legal)
        self._acc_re = _label_pattern(self.accusation)
        self._event_re = _label_pattern(self.event)

    def _hits(self, pattern: re.Pattern[str], table: dict[str, str], text: str
              ) -> list[tuple[int, int, str, str]]:
        found = []
        spaced = self._spaced[id(table)]
        for match in pattern.finditer(text):
            concept = spaced.get(_normal(match.group()))
            if concept:
                found.append((match.start(), match.end(), concept, match.group()))
        return found

    @lru_cache(maxsize=64)  # noqa: B019 (one Cues per extractor; the cache dies with it)
    def legal_hits(self, text: str) -> list[tuple[int, int, str, str]]:
        return self._hits(self._legal_re, self.legal, text)

    @lru_cache(maxsize=64)  # noqa: B019
    def accusation_hits(self, text: str) -> list[tuple[int, int, str, str]]:
        return self._hits(self._acc_re, self.accusation, text)

    def event_hits(self, text: str) -> list[tuple[int, int, str, str]]:
        return self._hits(self._event_re, self.event, text)


# -- grammar: where actors stand, what is asked, who reports -------------------------------

_PRONOUN_START = re.compile(r"^\W*(?:It|They|Its|Their|This\s+(?:country|State|regime)|"
                            r"The\s+(?:aggressor|occupying\s+Power|occupier|regime|"
                            r"other\s+side|neighbouring\s+country))\b")
_APPEAL = re.compile(
    r"\b(?:call(?:s|ed)?\s+(?:up)?on|urge[sd]?|appeal(?:s|ed)?\s+to|demand(?:s|ed)?|"
    r"we\s+ask|invite[sd]?\s+\w+(?:\s+\w+)?\s+to|request(?:s|ed)?\s+(?:the|all)|"
    r"must\s+(?:be\s+)?(?:immediately\s+)?(?:stop|cease|end|withdraw|release|hold|bring|"
    r"return|comply|respect|implement|condemn|act|ensure)|"
    r"(?:should|must)\s+(?:also\s+)?(?:put\s+an\s+end|exert|use\s+its|take\s+(?:all|"
    r"urgent|immediate)))\b", re.I)
_REPORTED = re.compile(
    r"\b(?:according\s+to|(?:has|have|had)\s+(?:repeatedly\s+|also\s+|clearly\s+)?"
    r"(?:stated|declared|reported|confirmed|noted|documented|recorded|acknowledged|"
    r"recognized|recognised|affirmed|reaffirmed|demanded|condemned|called)|"
    r"(?:said|stated|declared|reported|announced|admitted|confirmed|claimed|boasted|"
    r"threatened|proclaimed)\s+(?:that|on|in|at|:)|resolutions?\s+\d{2,4}|"
    r"reports?\s+of\s+the|in\s+(?:its|their|his|her)\s+(?:resolution|report|statement|"
    r"decision|declaration)s?)\b", re.I)
_SELF = re.compile(
    r"\b(?:we\s+(?:have|had|are|were|will|continue|remain|stand|support|welcome|"
    r"reaffirm|took|undertook|provided|offered|proposed|initiated|hosted|sent|built|"
    r"allocated|spent|launched|adopted|ratified|joined|did)|my\s+(?:country|Government|"
    r"delegation|people|nation)|our\s+(?:country|Government|Army|people|nation|State)|"
    r"I\s+(?:have|had)\s+(?:proposed|signed|offered|visited|met))\b", re.I)
#: Nouns after "launched by" etc. that make it a peace process, not hostilities.
_PEACEFUL = re.compile(r"\b(?:process|negotiations?|talks|dialogue|initiative|programme|"
                       r"program|platform|format|consultations|mediation|reconstruction|"
                       r"plan|proposal|appeal)\b", re.I)


def peaceful_subject(sentence: str, cue_start: int) -> bool:
    """Does the clause before a "launched by" cue speak of a peaceful undertaking?"""
    before = sentence[max(0, cue_start - 80):cue_start]
    return bool(_PEACEFUL.search(before)) and not re.search(
        r"\b(?:war|aggression|attack|offensive|hostilities|assault|shelling)\b", before, re.I)


# -- cited documents ---------------------------------------------------------------------------

_SYMBOL = re.compile(r"\b[AS]/(?:RES/)?[\w.-]+(?:/[\w.-]+)*(?:\s\(\d{4}\))?")
_RESOLUTION = re.compile(r"\bresolutions?\s+(\d{1,4}(?:/\d{1,4})?)", re.I)


class Documents:
    """The UN documents of the reference data, found by symbol ("S/RES/822 (1993)",
    "A/RES/62/243") or as "resolution 822" (Security Council) / "resolution 62/243"
    (General Assembly)."""

    def __init__(self, reference: Graph) -> None:
        self.by_key: dict[str, str] = {}
        for doc, symbol in sorted(reference.subject_objects(DCTERMS.identifier)):
            if (doc, RDF.type, EKG.UNDocument) not in reference:
                continue
            words = str(symbol)
            self.by_key.setdefault(words, str(doc))
            bare = re.sub(r"\s*\(\d{4}\)$", "", words)
            self.by_key.setdefault(bare, str(doc))
            if (m := re.fullmatch(r"([AS])/RES/(.+)", bare)):
                self.by_key.setdefault(f"{m.group(1)}:{m.group(2)}", str(doc))

    def cited(self, sentence: str) -> str | None:
        """The first document the sentence cites, if the reference data knows it."""
        for m in _SYMBOL.finditer(sentence):
            for key in (m.group(), re.sub(r"\s*\(\d{4}\)$", "", m.group())):
                if key in self.by_key:
                    return self.by_key[key]
        for m in _RESOLUTION.finditer(sentence):
            organ = "A" if "/" in m.group(1) else "S"
            if (found := self.by_key.get(f"{organ}:{m.group(1)}")):
                return found
        return None


# -- actors -------------------------------------------------------------------------------------

_STATE = "state"


def _actors(mentions: list[Mention], start: int, end: int, own: str | None) -> list[Mention]:
    return [m for m in mentions if start <= m.start < end and m.kind == _STATE
            and m.iri != own]


_OBJECT_BEFORE = re.compile(r"\b(?:against|to|on|towards|into|of|from|with|for|in)\s+"
                            r"(?:the\s+)?(?:republic\s+of\s+)?$")
_OBJECT_AFTER = re.compile(r"(?:['’]s)?\s+(?:(?:sovereign|internationally\s+recognized|"
                           r"occupied)\s+)?(?:territor|lands?\b|people|civilian|population|"
                           r"villag|towns?\b|cities|city\b|region|settlement|border|"
                           r"refugee|IDP|hostage|prisoner|captive|soldier|servicem|citizen|"
                           r"cultural|heritage|mosque|church)", re.I)


def _victim(text: str, mention: Mention) -> bool:
    """A state named as the object ("against Armenia", "Azerbaijani territories",
    "Armenia's civilians"), not as the one who acts."""
    before = text[max(0, mention.start - 25):mention.start].lower()
    return bool(_OBJECT_BEFORE.search(before) or
                _OBJECT_AFTER.match(text, mention.end, mention.end + 40))


def accused_near(text: str, sentence: SentenceView, cue_start: int,
                 mentions: list[Mention], own: str | None) -> Mention | None:
    """The state a blame cue points to in its sentence: the nearest subject before the cue,
    else the nearest state after it; never a state named as the object (the victim)."""
    candidates = _actors(mentions, sentence.start, sentence.end, own)
    before = [m for m in candidates if m.end <= cue_start and not _victim(text, m)]
    if before:
        return before[-1]
    after = [m for m in candidates if m.start >= cue_start and not _victim(text, m)]
    return after[0] if after else None


def _concept_iri(prefix: str, local: str | None) -> str | None:
    return str(VOCAB[prefix][local]) if local else None


# -- the rules ----------------------------------------------------------------------------------

@dataclass
class Context:
    """What the sentences before say: the last state blamed or named (not the speaker's)."""

    own: str | None = None
    last_actor: str | None = None
    age: int = 99

    def carried(self) -> str | None:
        return self.last_actor if self.age <= 2 else None

    def saw(self, iri: str | None) -> None:
        if iri:
            self.last_actor, self.age = iri, 0


def rule_proposals(text: str, sentence: SentenceView, cues: Cues, mentions: list[Mention],
                   attributions: list[Attribution], context: Context,
                   figures: int = 0, documents: Documents | None = None) -> list[Proposal]:
    """The rule proposals of one sentence (``figures``: how many figures it holds;
    ``documents``: the UN documents a reported-speech proposal may cite)."""
    words = sentence.text
    base = sentence.start
    found: list[Proposal] = []

    def add(kind: str, cue: str, confidence: float, rule: str, **fields: object) -> None:
        found.append(Proposal(kind, sentence.start, sentence.end, sentence.id, cue,
                              confidence=confidence, rule=rule, **fields))  # type: ignore[arg-type]

    events_named = [m for m in mentions if m.kind == "event" and
                    sentence.start <= m.start < sentence.end]
    about = events_named[0].iri if events_named else None
    pronoun = bool(_PRONOUN_START.match(words))

    # characterisations: one per legal category named
    seen: set[str] = set()
    for _s, _e, concept, cue in cues.legal_hits(words):
        if concept in seen:
            continue
        seen.add(concept)
        add("characterisation", cue, 0.6, "legal-label", about=about,
            category=_concept_iri("legal", concept))

    # accusations: an accusation-type label, or a blame cue of the attribution grammar
    blamed: set[str] = set()
    hits = list(cues.accusation_hits(words))
    hits += [(a.start - base, a.end - base, a.accusation or "", a.cue) for a in attributions
             if a.kind == "accusation"]
    for s, _e, concept, cue in sorted(hits):
        key = concept or cue
        if key in blamed:
            continue
        blamed.add(key)
        actor = accused_near(text, sentence, base + s, mentions, context.own)
        explicit = actor is not None and not pronoun
        accused = actor.iri if actor else context.carried()
        add("accusation", cue, 0.55 if actor else 0.4, "accusation-label",
            accused=accused, explicit=explicit, about=about,
            category=_concept_iri("acc", concept or None))
        context.saw(accused)

    # attributions from the role grammar ("committed by X", "X is responsible for")
    for a in attributions:
        if a.kind != "attribution" or not a.role:
            continue
        if a.role == "initiator" and peaceful_subject(words, a.start - base):
            continue  # "the process launched by X": not the initiation of hostilities
        add("attribution", a.cue, 0.6 if a.actor else 0.4, "role-cue", role=a.role,
            agent=a.actor or context.carried(), explicit=a.actor is not None, about=about,
            category=_concept_iri("role", a.role))

    if (m := _REPORTED.search(words)):
        sources = [x for x in mentions if sentence.start <= x.start < sentence.end
                   and x.kind in ("organisation", "person", "state")]
        add("reported-speech", m.group(), 0.5, "reporting-verb",
            agent=sources[0].iri if sources else None, explicit=bool(sources),
            cites=documents.cited(words) if documents else None)
    if (m := _APPEAL.search(words)):
        add("appeal", m.group(), 0.5, "appeal-verb")
    if (m := _SELF.search(words)):
        add("self-report", m.group(), 0.45, "first-person", agent=context.own,
            explicit=context.own is not None)
    evt = cues.event_hits(words)
    if events_named or evt:
        cue = events_named[0].text if events_named else evt[0][3]
        add("event", cue, 0.5, "event-name" if events_named else "event-label", about=about)
    if figures:
        add("figure", "figure", 0.8, "figure", about=about)

    context.age += 1
    for m in _actors(mentions, sentence.start, sentence.end, context.own):
        if not _victim(text, m):
            context.saw(m.iri)
            context.age = 0
    return found


def blame_cue(words: str, cues: Cues) -> str | None:
    """The first blame or legal cue of a sentence, if any (for ``unresolved``)."""
    for hits in (cues.accusation_hits(words), cues.legal_hits(words)):
        if hits:
            return hits[0][3]
    return None
