"""Statement metadata found in a text: speaker, delegation, date, forum, meeting, symbols.

Two shapes of text are recognised: a verbatim-record speech that opens with the
speaker line ("Mr. Sergeyev (Ukraine):", "Sir Mark Lyall Grant (United
Kingdom):") and a published statement with a header ("Statement by H.E. Mr.
Yashar Aliyev, Permanent Representative of the Republic of Azerbaijan ..." and a
date line "*25 May 2021*"). Names are resolved against the reference data only
when exactly one node fits; otherwise the value is left for the curator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS

from kg.extract.mentions import EntityMatcher, Mention
from kg.extract.numbers import MONTHS
from kg.extract.segment import furniture, paragraphs
from kg.model.namespaces import EKG

_TITLE = r"(?:Mr|Mrs|Ms|Dr|Sir|Dame|Lord|Madam|Mme|Prince|Sheikh|Archbishop)\.?"
_SPEAKER_LINE = re.compile(
    rf"\A\s*(?P<title>{_TITLE})\s+(?P<name>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){{0,5}})\s*"
    r"\((?P<country>[^)\n]{2,60})\)(?:\s*\((?:spoke|interpretation)[^)\n]*\))*\s*:")
_STATEMENT_BY = re.compile(
    rf"Statement\s+by\s+(?:(?:H\.\s?E\.|His\s+Excellency|Her\s+Excellency)\s+)?"
    rf"(?:{_TITLE}\s+)?(?P<name>[A-Z][\w'’-]+(?:[ \t]+[A-Z][\w'’.-]+){{0,4}})")
_FULL_DATE = re.compile(rf"\b(\d{{1,2}})\s+({'|'.join(MONTHS)}),?\s+([12l]\d{{3}})\b")
SYMBOL = re.compile(
    r"(?<![\w/])(?:S/PV\.\d{3,5}(?:\s*\(Resumption\s+\d+\))?|A/\d{1,2}/PV\.\d{1,3}|"
    r"[AS]/RES/\d+(?:/\d+)?(?:\s*\(\d{4}\))?|S/\d{4}/\d{1,4}|A/\d{1,2}/\d{1,4}|"
    r"A/(?:ES-\d+/)?[A-Z]+\.\d+/\d+)")
_RESOLUTIONS = re.compile(
    r"\bresolutions?\s+(\d{1,4}(?:\s*\(\d{4}\))?(?:\s*(?:,|and|&)\s*\d{1,4}"
    r"(?:\s*\(\d{4}\))?)*)")
_RESOLUTION = re.compile(r"\d{1,4}(?:\s*\(\d{4}\))?")
_FORUMS = ("Security Council", "General Assembly", "Human Rights Council")


@dataclass
class Metadata:
    """What the text says about its own statement; ``None`` where it says nothing."""

    speaker_name: str | None = None
    speaker: str | None = None
    post: str | None = None
    delegation: str | None = None
    delegation_name: str | None = None
    date: str | None = None
    forum: str | None = None
    meeting: str | None = None
    symbols: list[dict[str, Any]] = field(default_factory=list)
    header: tuple[int, int] = (0, 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "speaker_name": self.speaker_name, "speaker": self.speaker, "post": self.post,
            "delegation": self.delegation, "delegation_name": self.delegation_name,
            "date": self.date, "forum": self.forum, "meeting": self.meeting,
            "symbols": self.symbols,
        }


def header_end(text: str) -> int:
    """End of the header: the paragraphs before the first one that reads as running prose.

    A paragraph of running prose has at least 12 words, ends with a full stop (or "!",
    "?", a closing quote) and has no markdown emphasis or heading.
    """
    end = 0
    for start, stop in paragraphs(text):
        block = text[start:stop]
        if len(block.split()) >= 12 and block.rstrip()[-1:] in ".!?”\"’)" and \
                "**" not in block and not block.startswith("#"):
            return end
        end = stop
    return 0


def _local(iri: URIRef | str) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _state(mentions: list[Mention]) -> Mention | None:
    return next((m for m in mentions if m.kind == "state"), None)


def _person(graph: Graph, name: str, delegation: str | None) -> str | None:
    """The person whose name is ``name`` (or whose family name it is), if exactly one fits."""
    people = [p for p in graph.subjects(RDF.type, EKG.Person) if isinstance(p, URIRef)]
    names = {p: {str(o) for prop in (FOAF.name, RDFS.label) for o in graph.objects(p, prop)}
             for p in people}
    wanted = " ".join(name.split())
    exact = sorted(p for p, ns in names.items() if wanted in ns)
    if len(exact) == 1:
        return _local(exact[0])
    family = wanted.split()[-1].lower()
    fits = sorted(p for p, ns in names.items() if any(n.split()[-1].lower() == family
                                                      for n in ns if n.split()))
    if len(fits) > 1 and delegation:
        state = next((s for s in graph.subjects(EKG.iso3, Literal(delegation))), None)
        fits = [p for p in fits
                if any((post, EKG.ofState, state) in graph for post in
                       graph.subjects(EKG.holder, p))]
    return _local(fits[0]) if len(fits) == 1 else None


def _post(graph: Graph, person: str | None, delegation: str | None) -> str | None:
    if person is None:
        return None
    node = next((p for p in graph.subjects(RDF.type, EKG.Person) if _local(p) == person), None)
    posts = sorted(p for p in graph.subjects(EKG.holder, node) if isinstance(p, URIRef))
    if delegation and len(posts) > 1:
        state = next((s for s in graph.subjects(EKG.iso3, Literal(delegation))), None)
        posts = [p for p in posts if (p, EKG.ofState, state) in graph]
    return _local(posts[0]) if len(posts) == 1 else None


def _meeting(graph: Graph, day: str | None) -> str | None:
    """The meeting held on ``day``, or the one meeting of its year dated by year only."""
    if not day:
        return None
    meetings = sorted(m for m in graph.subjects(RDF.type, EKG.Meeting) if isinstance(m, URIRef))
    for wanted in (day, day[:4]):
        found = [m for m in meetings if any(str(d) == wanted
                                            for d in graph.objects(m, DCTERMS.date))]
        if len(found) == 1:
            return _local(found[0])
    return None


def _date(text: str, head: int) -> str | None:
    """The date of the header, or of a running head of the record ("12 October l993")."""
    spans = [(0, head)] + furniture(text)
    for start, end in spans:
        match = _FULL_DATE.search(text, start, end)
        if match:
            year = match.group(3).replace("l", "1")
            month = MONTHS.index(match.group(2)) + 1
            return f"{year}-{month:02d}-{int(match.group(1)):02d}"
    return None


def metadata(text: str, graph: Graph, matcher: EntityMatcher) -> Metadata:
    """Speaker, delegation, date, forum, meeting and document symbols found in ``text``."""
    meta = Metadata()
    head = header_end(text)
    meta.header = (0, head)
    line = _SPEAKER_LINE.match(text)
    if line:
        meta.speaker_name = " ".join(line.group("name").split())
        country = _state(matcher.mentions(text, line.start("country"), line.end("country")))
        meta.delegation_name = line.group("country").strip()
        if country:
            meta.delegation = _local(country.iri)
    else:
        by = _STATEMENT_BY.search(text, 0, head or min(len(text), 600))
        if by:
            meta.speaker_name = " ".join(by.group("name").split())
            country = _state(matcher.mentions(text, by.end(), head or by.end() + 300))
            if country:
                meta.delegation, meta.delegation_name = _local(country.iri), country.text
    if meta.speaker_name:
        meta.speaker = _person(graph, meta.speaker_name, meta.delegation)
        meta.post = _post(graph, meta.speaker, meta.delegation)
    meta.date = _date(text, head)
    scope = text[:head] if head else text[:400]
    meta.forum = next((f for f in _FORUMS if f in scope), None)
    meta.meeting = _meeting(graph, meta.date)
    meta.symbols = symbols(text)
    return meta


def symbols(text: str) -> list[dict[str, Any]]:
    """Document symbols ("S/PV.7138", "S/2014/189") and resolutions ("822 (1993)") cited."""
    found = [{"text": m.group(), "start": m.start(), "end": m.end(),
              "symbol": " ".join(m.group().split())} for m in SYMBOL.finditer(text)]
    for listed in _RESOLUTIONS.finditer(text):
        for m in _RESOLUTION.finditer(text, listed.start(1), listed.end(1)):
            found.append({"text": m.group(), "start": m.start(), "end": m.end(),
                          "symbol": f"resolution {' '.join(m.group().split())}"})
    return sorted(found, key=lambda item: item["start"])
