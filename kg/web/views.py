"""The data behind each kind of page: statement, event, delegation or speaker, claim, figure."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kg.model.kinds import REGISTRY, ClaimKind, Registry, generic
from kg.web.resources import Resources, iri_term
from kg.web.search import SearchIndex, names_query, quotes_query

FIGURE_VALUES = """
  OPTIONAL { ?figure schema:value ?value } OPTIONAL { ?figure schema:minValue ?min }
  OPTIONAL { ?figure schema:maxValue ?max } OPTIONAL { ?figure ekg:partOf ?whole }
"""
#: A claim's explicitness and a figure's unit, place from and to, currency and ratio parts,
#: each optional, for the rows of a figure table.
FIGURE_DETAILS = """
  OPTIONAL { ?claim ekg:explicitness ?explicitness }
  OPTIONAL { ?figure ekg:unit/skos:prefLabel ?unitLabel }
  OPTIONAL { ?figure ekg:currency ?currency }
  OPTIONAL { ?figure ekg:numerator ?numerator } OPTIONAL { ?figure ekg:denominator ?denominator }
  OPTIONAL { ?figure ekg:fromPlace/rdfs:label ?fromLabel }
  OPTIONAL { ?figure ekg:toPlace/rdfs:label ?toLabel }
"""
#: Whether the speaker said a claim in its sentence or the curator read it from elsewhere,
#: in the words pages use (by the local name of the explicitness concept).
EXPLICITNESS_WORDS = {
    "explicit": "said in the sentence",
    "implicit-context": "inferred by the curator from context",
    "anaphoric": "inferred by the curator from a pronoun",
}


def explicitness_words(iri: str | None) -> str:
    """A claim's explicitness in words ("said in the sentence"); unknown values by name."""
    if not iri:
        return EXPLICITNESS_WORDS["explicit"]
    local = str(iri).rsplit("/", 1)[-1]
    return EXPLICITNESS_WORDS.get(local, local.replace("-", " "))


def is_explicit(iri: str | None) -> bool:
    """True when the claim was said in its sentence (explicit, the default)."""
    return not iri or str(iri).endswith("/explicit")


#: Rows a page lists in one table.
SHOWN = 1000
#: The orders of the event page's and the actor page's figure tables (total, so that the
#: first SHOWN rows are always the same ones).
EVENT_FIGURE_ORDER = "?measureLabel STR(?date) ?delegationLabel ?stated ?figure ?event"
ACTOR_FIGURE_ORDER = "STR(?date) ?measureLabel ?stated ?figure ?event"
CHARACTERISATION_ORDER = "STR(?date) ?delegationLabel ?categoryLabel ?claim ?event"
ATTRIBUTION_ORDER = "STR(?date) ?delegationLabel ?claim ?event"


#: What the figures, characterisations and attributions of a page are sorted by, beside the
#: claim's own columns: its statement's date and delegation. It goes right after the required
#: patterns, before any OPTIONAL: after one, it is a join of its own, planned apart (minutes
#: instead of under a second for the event page's figures at 100,000 statements).
STATEMENT_KEYS = """
  ?statement dcterms:date ?date ; ekg:delegation ?delegation .
  OPTIONAL { ?delegation rdfs:label ?delegationLabel }
"""


def first_shown(columns: str, keys: str, choose: str, order: str, widen: str,
                then: str = "") -> str:
    """The first SHOWN rows, in ``order``, of the pattern ``choose`` (binding ``keys``, which
    hold the columns ``order`` needs), each given the rest of its ``columns`` by ``widen``.

    Rows are chosen and sorted on those few columns; only the rows shown get the rest
    (anchors, bounds, labels). At 100,000 statements the wide join over every figure of a
    hierarchy or a delegation, only to keep 1,000, took seconds (``bench/``). The shapes
    require every pattern of ``widen``, so no row is lost. ``widen`` is one connected pattern
    from ``?claim``: rdflib (the benchmark's baseline) evaluates it apart from the subquery,
    and disconnected patterns multiply out. ``then`` orders the rows one key widens to."""
    return f"""
        SELECT {columns} WHERE {{
          {{ SELECT {keys} WHERE {{ {choose} }} ORDER BY {order} LIMIT {SHOWN} }}
          {widen}
        }} ORDER BY {order} {then}"""


def figures_query(choose: str, order: str) -> str:
    """The first SHOWN figures, in ``order``, of the claims that ``choose`` leads to (it binds
    ``?event`` or ``?statement``), with everything a figure table shows."""
    return first_shown(
        """?claim ?figure ?stated ?measure ?measureLabel ?populationLabel ?qualifierLabel
           ?value ?min ?max ?whole ?sentence ?statement ?date ?delegation ?delegationLabel
           ?speaker ?speakerName ?event ?eventLabel ?explicitness ?unitLabel ?currency
           ?numerator ?denominator ?fromLabel ?toLabel""",
        """?claim ?figure ?stated ?measure ?measureLabel ?statement ?date ?delegation
           ?delegationLabel ?event""", f"""
          {choose}
          ?claim ekg:about ?event ; ekg:figure ?figure ; ekg:statedIn ?statement .
          ?figure ekg:statedText ?stated ; ekg:measure ?measure .
          {STATEMENT_KEYS}
          OPTIONAL {{ ?measure skos:prefLabel ?measureLabel }}""", order, f"""
          ?claim ekg:figure ?figure ; ekg:statedIn ?statement ; ekg:about ?event ;
                 ekg:anchor ?segment .
          ?segment ekg:segmentId ?sentence .
          ?figure ekg:population ?population ; ekg:approximation ?qualifier .
          ?statement ekg:speaker ?speaker .
          {FIGURE_VALUES}
          {FIGURE_DETAILS}
          OPTIONAL {{ ?population skos:prefLabel ?populationLabel }}
          OPTIONAL {{ ?qualifier skos:prefLabel ?qualifierLabel }}
          OPTIONAL {{ ?speaker foaf:name ?speakerName }}
          OPTIONAL {{ ?event rdfs:label ?eventLabel }}""", "?sentence")


def statements_of(term: str) -> str:
    """A pattern binding ``?statement`` to each statement of a delegation or speaker (the
    domain of ekg:delegation and ekg:speaker is ekg:Statement: asking for the type as well
    made Oxigraph's planner start from every statement, 0.6 s at 100,000 statements)."""
    return (f"{{ SELECT DISTINCT ?statement WHERE {{ {{ ?statement ekg:delegation {term} }} "
            f"UNION {{ ?statement ekg:speaker {term} }} }} }}")


@dataclass
class Chunk:
    """A piece of a statement's text: plain, or a sentence that claims are anchored to."""

    text: str
    sentence: str | None = None
    claims: list[dict[str, str]] = field(default_factory=list)


def statement_view(res: Resources, iri: str) -> dict[str, Any]:
    term = iri_term(iri)
    meta = res.select(f"""
        SELECT ?date ?speaker ?speakerName ?delegation ?delegationLabel ?meeting ?meetingLabel
               ?post ?postLabel ?doc ?text ?sha ?source ?symbol ?label ?curation ?curationLabel
               ?curationNote WHERE {{
          {term} dcterms:date ?date ; ekg:speaker ?speaker ; ekg:delegation ?delegation ;
                 ekg:atMeeting ?meeting ; prov:wasDerivedFrom ?doc ; rdfs:label ?label .
          ?speaker foaf:name ?speakerName . ?delegation rdfs:label ?delegationLabel .
          ?meeting rdfs:label ?meetingLabel .
          ?doc schema:text ?text ; ekg:sha256 ?sha .
          OPTIONAL {{ {term} dcterms:source ?source }}
          OPTIONAL {{ {term} ekg:documentSymbol ?symbol }}
          OPTIONAL {{ {term} ekg:inCapacityOf ?post . ?post rdfs:label ?postLabel }}
          OPTIONAL {{ {term} ekg:curationStatus ?curation .
                     OPTIONAL {{ ?curation skos:prefLabel ?curationLabel }} }}
          OPTIONAL {{ {term} ekg:curationNote ?curationNote }}
        }} LIMIT 1""")
    if not meta:
        return {}
    info = meta[0]
    segments = res.select(f"""
        SELECT ?segment ?sentence ?start ?end WHERE {{
          ?segment oa:hasSource ?doc ; ekg:segmentId ?sentence ; oa:hasSelector ?pos .
          ?pos oa:start ?start ; oa:end ?end .
          FILTER (?doc = {iri_term(info["doc"])})
        }} ORDER BY ?start""")
    claims = res.select(f"""
        SELECT ?claim ?type ?sentence ?span ?explicitness WHERE {{
          ?claim ekg:statedIn {term} ; a ?type ; ekg:anchor/ekg:segmentId ?sentence .
          FILTER (?type != ekg:Claim)
          OPTIONAL {{ ?claim ekg:anchorSpan/oa:exact ?span }}
          OPTIONAL {{ ?claim ekg:explicitness ?explicitness }}
        }}""")
    curated = res.select(f"""
        SELECT ?how ?kind WHERE {{
          {term} ?how ?kind .
          FILTER (?how IN (ekg:curatedCompletely, ekg:curatedPartially, ekg:notCurated))
        }}""")
    by_sentence: dict[str, list[dict[str, str]]] = defaultdict(list)
    by_kind: dict[str, list[dict[str, str]]] = defaultdict(list)
    kinds: dict[str, ClaimKind] = {}
    for row in _one_kind_each(claims):
        kind = kind_of(row["type"])
        kinds[str(kind.cls)] = kind
        entry = {"iri": row["claim"], "kind": kind.label, "sentence": row["sentence"],
                 "span": row.get("span") or ""}
        entry.update(explicitness=row.get("explicitness") or "",
                     explicit=is_explicit(row.get("explicitness")),
                     explicitnessWords=explicitness_words(row.get("explicitness")))
        by_sentence[row["sentence"]].append(entry)
        by_kind[str(kind.cls)].append(entry)
    text = info["text"]
    chunks: list[Chunk] = []
    cursor = 0
    for seg in segments:
        start, end = int(seg["start"]), int(seg["end"])
        if start < cursor or end > len(text):
            continue
        if start > cursor:
            chunks.append(Chunk(text[cursor:start]))
        chunks.append(Chunk(text[start:end], seg["sentence"],
                            sorted(by_sentence.get(seg["sentence"], []), key=lambda c: c["kind"])))
        cursor = end
    chunks.append(Chunk(text[cursor:]))
    groups = [(kinds[k].label, sorted(by_kind[k], key=lambda c: _sentence_key(c["sentence"])))
              for k in sorted(by_kind, key=lambda k: (REGISTRY.order(k), kinds[k].label))]
    highlighted = {c.sentence for c in chunks if c.sentence and c.claims}
    curation: dict[str, list[str]] = {"complete": [], "partial": [], "not curated": []}
    names = {"curatedCompletely": "complete", "curatedPartially": "partial",
             "notCurated": "not curated"}
    for row in curated:
        how = names[str(row["how"]).rsplit("#", 1)[-1]]
        kind = REGISTRY.by_class(row["kind"]) or generic(row["kind"])
        curation[how].append(kind.label)
    inferred = sum(1 for k in by_kind.values() for c in k if not c["explicit"])
    return {"info": info, "chunks": chunks, "groups": groups,
            "claim_count": sum(len(v) for v in by_kind.values()),
            "inferred_count": inferred,
            "curation": {k: sorted(v, key=lambda label: label) for k, v in curation.items()},
            "highlighted": highlighted}


def _sentence_key(sentence: str) -> tuple[int, int]:
    para, sent = sentence.split(".")
    return int(para[1:]), int(sent[1:])


def kind_of(iri: str, registry: Registry = REGISTRY) -> ClaimKind:
    """The registered kind of class ``iri``, or a generic stand-in named after the class:
    a claim of a kind the registry lacks is shown, never dropped."""
    return registry.by_class(iri) or generic(iri)


def _one_kind_each(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per claim and sentence: the one of its registered kind if it has one (a claim
    typed with a class the registry lacks as well is not listed twice)."""
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        at = (row["claim"], row["sentence"])
        held = chosen.get(at)
        if held is None or (REGISTRY.by_class(row["type"]) is not None
                            and REGISTRY.by_class(held["type"]) is None):
            chosen[at] = row
    return list(chosen.values())


def event_view(res: Resources, iri: str) -> dict[str, Any]:
    term = iri_term(iri)
    info = res.select(f"""
        SELECT ?label ?note ?earliest ?latest WHERE {{
          {term} rdfs:label ?label .
          OPTIONAL {{ {term} skos:note ?note }}
          OPTIONAL {{ {term} sem:hasEarliestBeginTimeStamp ?earliest }}
          OPTIONAL {{ {term} sem:hasLatestEndTimeStamp ?latest }}
        }} LIMIT 1""")
    alt = [r["alt"] for r in res.select(f"SELECT ?alt WHERE {{ {term} skos:altLabel ?alt }}")]
    parents = res.select(f"""
        SELECT ?parent ?label (COUNT(?mid) AS ?depth) WHERE {{
          {term} ekg:withinEvent ?parent . FILTER (?parent != {term})
          ?parent rdfs:label ?label ; ekg:withinEvent ?mid .
        }} GROUP BY ?parent ?label ORDER BY DESC(?depth)""")
    children = res.select(f"""
        SELECT ?child ?label WHERE {{ ?child sem:subEventOf {term} ; rdfs:label ?label }}
        ORDER BY ?label""")
    within = f"?event ekg:withinEvent {term} ."
    figures, characterisations, attributions = res.select_all(
        figures_query(within, EVENT_FIGURE_ORDER),
        first_shown(
            """?claim ?categoryLabel ?said ?cue ?sentence ?statement ?date ?delegationLabel
               ?speakerName ?eventLabel ?explicitness""",
            "?claim ?categoryLabel ?statement ?date ?delegationLabel ?event", f"""
              {within}
              ?claim a ekg:CharacterisationClaim ; ekg:about ?event ;
                     ekg:legalCategory/skos:prefLabel ?categoryLabel ; ekg:statedIn ?statement .
              {STATEMENT_KEYS}""", CHARACTERISATION_ORDER, """
              ?claim ekg:about ?event ; ekg:statedIn ?statement ;
                     ekg:anchor/ekg:segmentId ?sentence .
              ?event rdfs:label ?eventLabel .
              ?statement ekg:speaker/foaf:name ?speakerName .
              OPTIONAL { ?claim ekg:characterisedAs ?said }
              OPTIONAL { ?claim ekg:characterisationCue ?cue }
              OPTIONAL { ?claim ekg:explicitness ?explicitness }""", "?sentence"),
        first_shown(
            """?claim ?agent ?agentLabel ?role ?namedAs ?sentence ?statement ?date
               ?delegationLabel ?speakerName ?eventLabel ?explicitness""",
            "?claim ?statement ?date ?delegationLabel ?event", f"""
              {within}
              ?claim a ekg:AttributionClaim ; ekg:about ?event ; ekg:statedIn ?statement .
              {STATEMENT_KEYS}""", ATTRIBUTION_ORDER, """
              ?claim ekg:about ?event ; ekg:statedIn ?statement ; ekg:responsibleAgent ?agent ;
                     ekg:responsibilityRole/skos:prefLabel ?role ;
                     ekg:anchor/ekg:segmentId ?sentence .
              ?event rdfs:label ?eventLabel . ?agent rdfs:label ?agentLabel .
              ?statement ekg:speaker/foaf:name ?speakerName .
              OPTIONAL { ?claim ekg:agentNamedAs ?namedAs }
              OPTIONAL { ?claim ekg:explicitness ?explicitness }""", "?agent ?role ?sentence"))
    return {"info": info[0] if info else {"label": res.curie(iri)}, "alt": sorted(alt),
            "parents": parents, "children": children, "figures": figures,
            "charts": figure_charts(figures), "characterisations": characterisations,
            "attributions": attributions}


def actor_view(res: Resources, iri: str) -> dict[str, Any]:
    term = iri_term(iri)
    statements, figures = res.select_all(f"""
        SELECT ?statement ?label ?date ?meetingLabel ?speakerName ?delegationLabel
               (COUNT(DISTINCT ?claim) AS ?claims) WHERE {{
          {statements_of(term)}
          ?statement rdfs:label ?label ; dcterms:date ?date ;
                     ekg:atMeeting/rdfs:label ?meetingLabel ; ekg:speaker/foaf:name ?speakerName ;
                     ekg:delegation/rdfs:label ?delegationLabel .
          OPTIONAL {{ ?claim ekg:statedIn ?statement }}
        }} GROUP BY ?statement ?label ?date ?meetingLabel ?speakerName ?delegationLabel
        ORDER BY STR(?date) ?statement""",
        figures_query(statements_of(term), ACTOR_FIGURE_ORDER))
    return {"statements": statements, "figures": figures}


def claim_view(res: Resources, iri: str) -> dict[str, Any]:
    term = iri_term(iri)
    rows = res.select(f"""
        SELECT ?type ?statement ?statementLabel ?date ?delegationLabel ?speakerName ?segment
               ?sentence ?quote ?start ?end ?span ?spanStart ?explicitness ?meetingLabel
               WHERE {{
          {term} a ?type ; ekg:statedIn ?statement ; ekg:anchor ?segment .
          FILTER (?type != ekg:Claim)
          ?statement rdfs:label ?statementLabel ; dcterms:date ?date ;
                     ekg:delegation/rdfs:label ?delegationLabel ;
                     ekg:speaker/foaf:name ?speakerName .
          ?segment ekg:segmentId ?sentence ; oa:hasSelector ?q , ?p .
          ?q oa:exact ?quote . ?p oa:start ?start ; oa:end ?end .
          OPTIONAL {{ {term} ekg:anchorSpan ?s . ?s oa:exact ?span ; oa:start ?spanStart }}
          OPTIONAL {{ {term} ekg:explicitness ?explicitness }}
          OPTIONAL {{ ?statement ekg:atMeeting/rdfs:label ?meetingLabel }}
        }}""")
    if not rows:
        return {}
    known = [r for r in rows if REGISTRY.by_class(r["type"]) is not None]
    rows = known or rows
    first = rows[0]
    quote = first["quote"]
    parts = [quote]
    if first.get("span") and first.get("spanStart") is not None:
        at = int(first["spanStart"]) - int(first["start"])
        if 0 <= at and quote[at:at + len(first["span"])] == first["span"]:
            parts = [quote[:at], quote[at:at + len(first["span"])], quote[at + len(first["span"]):]]
    figures = res.select(f"""
        SELECT ?figure ?stated ?qualifierLabel ?value ?min ?max ?measureLabel ?populationLabel
               ?unitLabel ?currency ?numerator ?denominator ?fromLabel ?toLabel
        WHERE {{
          {term} ekg:figure ?figure .
          BIND ({term} AS ?claim)
          {FIGURE_DETAILS}
          ?figure ekg:statedText ?stated ; ekg:approximation/skos:prefLabel ?qualifierLabel ;
                  ekg:measure/skos:prefLabel ?measureLabel ;
                  ekg:population/skos:prefLabel ?populationLabel .
          OPTIONAL {{ ?figure schema:value ?value }} OPTIONAL {{ ?figure schema:minValue ?min }}
          OPTIONAL {{ ?figure schema:maxValue ?max }}
        }} ORDER BY ?stated""")
    kind = kind_of(first["type"])
    return {"info": first, "kind": kind.label, "article": kind.article,
            "sentences": sorted({r["sentence"] for r in rows}, key=_sentence_key),
            "quote_parts": parts, "figures": figures}


def figure_view(res: Resources, iri: str) -> dict[str, Any]:
    term = iri_term(iri)
    rows = res.select(f"""
        SELECT ?claim ?stated ?qualifierLabel ?value ?min ?max ?ruleLabel ?measureLabel
               ?populationLabel ?affiliationLabel ?whole ?wholeStated ?statement ?statementLabel
               ?date ?delegationLabel ?speakerName ?quote ?sentence ?event ?eventLabel
               ?explicitness ?unitLabel ?currency ?numerator ?denominator ?fromLabel ?toLabel
        WHERE {{
          ?claim ekg:figure {term} ; ekg:statedIn ?statement ; ekg:anchor ?segment .
          BIND ({term} AS ?figure)
          {term} ekg:statedText ?stated ; ekg:approximation/skos:prefLabel ?qualifierLabel ;
                 ekg:measure/skos:prefLabel ?measureLabel ;
                 ekg:population/skos:prefLabel ?populationLabel .
          ?statement rdfs:label ?statementLabel ; dcterms:date ?date ;
                     ekg:delegation/rdfs:label ?delegationLabel ;
                     ekg:speaker/foaf:name ?speakerName .
          ?segment ekg:segmentId ?sentence ; oa:hasSelector/oa:exact ?quote .
          OPTIONAL {{ {term} schema:value ?value }} OPTIONAL {{ {term} schema:minValue ?min }}
          OPTIONAL {{ {term} schema:maxValue ?max }}
          OPTIONAL {{ {term} ekg:boundsRule/skos:prefLabel ?ruleLabel }}
          OPTIONAL {{ {term} ekg:populationAffiliation/rdfs:label ?affiliationLabel }}
          OPTIONAL {{ {term} ekg:partOf ?whole . ?whole ekg:statedText ?wholeStated }}
          OPTIONAL {{ ?claim ekg:about ?event . ?event rdfs:label ?eventLabel }}
          {FIGURE_DETAILS}
        }} LIMIT 1""")
    parts = res.select(f"""
        SELECT ?part ?stated WHERE {{ ?part ekg:partOf {term} ; ekg:statedText ?stated }}
        ORDER BY ?stated""")
    return {"info": rows[0], "parts": parts} if rows else {}


def home_view(res: Resources) -> dict[str, Any]:
    latest = res.select("""
        SELECT ?statement ?label ?date ?delegationLabel ?speakerName WHERE {
          ?statement a ekg:Statement ; rdfs:label ?label ; dcterms:date ?date ;
                     ekg:delegation/rdfs:label ?delegationLabel ;
                     ekg:speaker/foaf:name ?speakerName .
        } ORDER BY DESC(STR(?date)) ?delegationLabel LIMIT 10""")
    events = res.select("""
        SELECT ?event ?label (COUNT(DISTINCT ?claim) AS ?claims) WHERE {
          ?event a ekg:EventReference ; rdfs:label ?label .
          ?claim ekg:about ?event .
        } GROUP BY ?event ?label ORDER BY DESC(?claims) ?label LIMIT 10""")
    return {"counts": res.counts(), "latest": latest, "events": events}


def search_view(res: Resources, text: str,
                index: Callable[[], SearchIndex | None] | None = None) -> dict[str, Any]:
    """Names and anchored sentences containing ``text``: from ``index()`` (the kept search
    index of the embedded store) when it gives one, else by SPARQL."""
    from kg.sources.queries import MAX_STRING

    needle = text.strip()[:MAX_STRING]
    if not needle:
        return {"labels": [], "quotes": []}
    kept = index() if index is not None else None
    found = kept.search(needle) if kept is not None else None
    if found is None:
        found = tuple(res.select_all(names_query(res.iris, needle), quotes_query(needle)))
    labels, quotes = found
    seen: dict[str, dict[str, str]] = {}
    for row in labels:
        seen.setdefault(row["x"], row)
    return {"labels": list(seen.values()), "quotes": quotes}


def figure_charts(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per measure, each figure's interval on a log scale, for an SVG range chart."""
    by_measure: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in figures:
        if row.get("min") is None and row.get("max") is None:
            continue
        by_measure[row["measureLabel"]].append(row)
    charts = []
    for measure, rows in sorted(by_measure.items()):
        numbers = [v for r in rows for v in (r.get("min"), r.get("max"), r.get("value"))
                   if isinstance(v, int) and v > 0]
        if not numbers:
            continue
        low = 10 ** math.floor(math.log10(min(numbers)))
        high = 10 ** math.ceil(math.log10(max(numbers) * 1.0001))
        if high <= low:
            high = low * 10

        def x(value: int | None, default: float, low: int = low, high: int = high) -> float:
            if value is None or value <= 0:
                return default
            return 200 + 560 * (math.log10(max(value, low)) - math.log10(low)) / (
                math.log10(high) - math.log10(low))

        bars = []
        for index, row in enumerate(rows):
            x1 = x(row.get("min"), 200.0)
            x2 = x(row.get("max"), 760.0)
            bars.append({"y": 30 + index * 26, "x1": x1, "x2": max(x2, x1 + 3),
                         "open": row.get("max") is None, "row": row,
                         "label": f"{row['delegationLabel']}, {row['date']}"})
        ticks = []
        value = low
        while value <= high:
            ticks.append({"x": x(value, 200.0), "label": f"{value:,}"})
            value *= 10
        charts.append({"measure": measure, "bars": bars, "ticks": ticks,
                       "height": 50 + 26 * len(rows)})
    return charts
