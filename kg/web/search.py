"""The search page's two searches: names, and the sentences claims are anchored to.

Both are case-insensitive substring searches. As SPARQL (``FILTER CONTAINS(LCASE(...))``)
each scans every label or sentence of the store: seconds at 100,000 statements. On the
embedded store the service instead keeps, per store version, every name row and every
sentence row in the order the page lists them, with their lower-cased text joined into one
string: a search is a few ``str.find`` calls over it, and the first 50 hits are the answer.
The rows come from the same queries without their FILTER, so both ways give the same rows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.model.namespaces import IRIs

LIMIT = 50
Select = Callable[[str], list[dict[str, Any]]]


def _literal(text: str) -> str:
    return str(ox.Literal(text))  # pyoxigraph escapes it as an N-Triples literal


def names_query(iris: IRIs, needle: str | None) -> str:
    """Names of the reference and ontology graphs' resources, and of statements: those that
    contain ``needle`` (any case), the shortest first, 50 at most; every one, in no order,
    if ``needle`` is None.

    Claims, figures and sentences have labels made from their words, which the sentence
    search covers; left out, the scan is 10 x shorter."""
    graphs = " ".join(f"<{g}>" for g in (iris.reference_graph, iris.ontology_graph))
    where = "" if needle is None else \
        f"FILTER (CONTAINS(LCASE(STR(?label)), LCASE({_literal(needle)})))"
    order = "" if needle is None else f"ORDER BY STRLEN(STR(?label)) ?label LIMIT {LIMIT}"
    return f"""
        SELECT DISTINCT ?x ?label ?type WHERE {{
          {{ VALUES ?g {{ {graphs} }}
             GRAPH ?g {{ ?x rdfs:label|skos:prefLabel|skos:altLabel|foaf:name ?label }} }}
          UNION {{ ?x a ekg:Statement ; rdfs:label ?label }}
          {where}
          OPTIONAL {{ ?x a ?type }}
        }} {order}"""


def quotes_query(needle: str | None) -> str:
    """Sentences that claims are anchored to and that contain ``needle`` (any case), by
    statement, 50 at most; every one, in no order, if ``needle`` is None."""
    where = "" if needle is None else \
        f"FILTER (CONTAINS(LCASE(?quote), LCASE({_literal(needle)})))"
    order = "" if needle is None else f"ORDER BY ?statementLabel ?sentence LIMIT {LIMIT}"
    return f"""
        SELECT DISTINCT ?segment ?sentence ?quote ?statement ?statementLabel WHERE {{
          ?segment a ekg:Segment ; ekg:segmentId ?sentence ; oa:hasSelector/oa:exact ?quote .
          {where}
          ?claim ekg:anchor ?segment ; ekg:statedIn ?statement .
          ?statement rdfs:label ?statementLabel .
        }} {order}"""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class _Column:
    """Rows in page order, and their lower-cased text joined by NULs."""

    def __init__(self, rows: list[dict[str, Any]], field: str) -> None:
        self.rows = rows
        self.starts: list[int] = []
        parts = []
        at = 0
        for row in rows:
            part = _text(row.get(field)).lower()
            self.starts.append(at)
            parts.append(part)
            at += len(part) + 1
        self.text = "\0".join(parts)

    def find(self, needle: str, limit: int) -> list[dict[str, Any]]:
        """The first ``limit`` rows whose text contains ``needle`` (lower-cased, no NUL)."""
        found: list[dict[str, Any]] = []
        at = self.text.find(needle)
        while at != -1 and len(found) < limit:
            index = bisect_right(self.starts, at) - 1
            found.append(self.rows[index])
            following = index + 1
            if following >= len(self.starts):
                break
            at = self.text.find(needle, self.starts[following])
        return found


@dataclass
class SearchIndex:
    """Every name row and every sentence row of one store version (see the module)."""

    names: _Column
    quotes: _Column

    @classmethod
    def build(cls, select: Select, iris: IRIs) -> SearchIndex:
        names = select(names_query(iris, None))
        # Within a length and a label, by resource and type: one fixed order (SPARQL leaves
        # it open, and the page keeps each resource's first row).
        names.sort(key=lambda r: (len(_text(r["label"])), _text(r["label"]), _text(r["x"]),
                                  _text(r.get("type"))))
        quotes = select(quotes_query(None))
        quotes.sort(key=lambda r: (_text(r["statementLabel"]), _text(r["sentence"]),
                                   _text(r["segment"]), _text(r["statement"])))
        return cls(_Column(names, "label"), _Column(quotes, "quote"))

    def search(self, needle: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
        """Name rows and sentence rows for ``needle``; None when the index cannot answer (a
        NUL in the text, which the joined text uses between rows)."""
        if "\0" in needle:
            return None
        lowered = needle.lower()
        return self.names.find(lowered, LIMIT), self.quotes.find(lowered, LIMIT)
