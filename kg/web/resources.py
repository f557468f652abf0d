"""Reading resources for the browse pages: descriptions, labels, and the page-specific views.

Every query here is the service's own (trusted, bounded by LIMITs). It runs through
``run`` (by default on the store in this thread; the service passes one that keeps
the query time limit). Values go into queries only as IRIs that ``pyoxigraph`` has
parsed and re-serialised, never as raw request text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.model.namespaces import IRIs
from kg.store.base import Store, python_value
from kg.web.results import Collected, collect

Runner = Callable[[str], Collected]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL_PROPS = ("http://www.w3.org/2000/01/rdf-schema#label",
               "http://www.w3.org/2004/02/skos/core#prefLabel",
               "http://xmlns.com/foaf/0.1/name")
PAGE = 50


def iri_term(iri: str) -> str:
    """The IRI as a SPARQL term; raises ValueError for anything that is not an IRI."""
    return str(ox.NamedNode(iri))


@dataclass
class Link:
    """A value on a page: an IRI with its label, or a literal."""

    value: str
    label: str
    is_iri: bool
    datatype: str | None = None
    language: str | None = None


class Resources:
    """Page data from the store."""

    def __init__(self, store: Store, iris: IRIs, run: Runner | None = None) -> None:
        self.store = store
        self.iris = iris
        self.prologue = iris.sparql_prologue()
        self.run: Runner = run or (lambda sparql: collect(store.query(sparql), 1_000_000))

    def select(self, body: str) -> list[dict[str, Any]]:
        """Rows of a SELECT, values as plain Python values."""
        result = self.run(self.prologue + body)
        return [{n: python_value(v) for n, v in zip(result.variables, row, strict=True)}
                for row in result.rows]

    def select_all(self, *bodies: str) -> list[list[dict[str, Any]]]:
        """Several SELECTs at once, each in a query process of its own while there are
        free ones: a page with three heavy queries waits for the longest, not the sum."""
        if len(bodies) < 2:
            return [self.select(body) for body in bodies]
        with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
            return list(pool.map(self.select, bodies))

    # -- generic ---------------------------------------------------------------------------
    def exists(self, iri: str) -> bool:
        term = iri_term(iri)
        return bool(self.run(f"ASK {{ {{ {term} ?p ?o }} UNION {{ ?s ?p {term} }} }}").boolean)

    def types(self, iri: str) -> set[str]:
        return {r["t"] for r in self.select(f"SELECT DISTINCT ?t WHERE {{ {iri_term(iri)} a ?t }}")}

    def labels(self, iris: set[str]) -> dict[str, str]:
        """English (or untagged) labels for many IRIs at once; missing ones are left out."""
        out: dict[str, str] = {}
        iris = {i for i in iris if i}
        for chunk in _chunks(sorted(iris), 200):
            values = " ".join(iri_term(i) for i in chunk)
            rows = self.select(
                f"SELECT ?x ?l (LANG(?l) AS ?lang) WHERE {{ VALUES ?x {{ {values} }} "
                "?x rdfs:label|skos:prefLabel|foaf:name ?l }")
            for row in sorted(rows, key=lambda r: r["lang"] not in ("en", "")):
                out.setdefault(row["x"], row["l"])
        return out

    def link(self, iri: str, labels: dict[str, str]) -> Link:
        return Link(iri, labels.get(iri) or self.curie(iri), True)

    def curie(self, iri: str) -> str:
        return self.iris.curie(iri)

    def terms(self, body: str) -> list[dict[str, Any]]:
        """Like select, but values stay RDF terms (IRIs and literals kept apart)."""
        result = self.run(self.prologue + body)
        return [dict(zip(result.variables, row, strict=True)) for row in result.rows]

    def outgoing(self, iri: str) -> list[tuple[Link, list[Link]]]:
        """Outgoing values grouped by property, properties and values labelled."""
        rows = self.terms(f"SELECT DISTINCT ?p ?o WHERE {{ {iri_term(iri)} ?p ?o }} LIMIT 2000")
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[row["p"].value].append(row["o"])
        iris = set(grouped) | {v.value for vs in grouped.values() for v in vs
                               if isinstance(v, ox.NamedNode)}
        labels = self.labels(iris)
        out = []
        for prop in sorted(grouped, key=lambda p: (p != RDF_TYPE, labels.get(p, p).lower())):
            values = [self.link(v.value, labels) if isinstance(v, ox.NamedNode) else _literal(v)
                      for v in grouped[prop]]
            out.append((self.link(prop, labels), sorted(values, key=lambda v: v.label.lower())))
        return out

    def incoming_counts(self, iri: str) -> list[tuple[Link, int]]:
        rows = self.select(f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) "
                           f"WHERE {{ ?s ?p {iri_term(iri)} }} "
                           "GROUP BY ?p ORDER BY DESC(?n)")
        labels = self.labels({r["p"] for r in rows})
        return [(self.link(r["p"], labels), r["n"]) for r in rows]

    def incoming(self, iri: str, prop: str, page: int = 1) -> list[Link]:
        rows = self.select(
            f"SELECT DISTINCT ?s WHERE {{ ?s {iri_term(prop)} {iri_term(iri)} }} ORDER BY ?s "
            f"LIMIT {PAGE} OFFSET {(page - 1) * PAGE}")
        labels = self.labels({r["s"] for r in rows})
        return [self.link(r["s"], labels) for r in rows]

    def describe_triples(self, iri: str) -> list[ox.Triple]:
        """The resource's own triples (its description as served in RDF)."""
        result = self.run(
            f"CONSTRUCT {{ {iri_term(iri)} ?p ?o }} WHERE {{ {iri_term(iri)} ?p ?o }}")
        return result.triples or []

    # -- counts for the home page and VoID ---------------------------------------------------
    def counts(self) -> dict[str, int]:
        row = self.select("""
            SELECT (COUNT(DISTINCT ?s) AS ?statements) WHERE { ?s a ekg:Statement }""")[0]
        claims = self.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a ekg:Claim }")[0]
        figures = self.select("SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a ekg:Figure }")[0]
        events = self.select(
            "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ekg:EventReference }")[0]
        delegations = self.select(
            "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?s a ekg:Statement ; ekg:delegation ?d }")[0]
        return {"statements": row["statements"], "claims": claims["n"], "figures": figures["n"],
                "events": events["n"], "delegations": delegations["n"]}


def _literal(term: Any) -> Link:
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if not term.language else None
        if datatype and datatype.endswith("#string"):
            datatype = None
        return Link(term.value, term.value, False, datatype, term.language)
    return Link(str(term.value), str(term.value), False)


def _chunks(items: list[str], size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
