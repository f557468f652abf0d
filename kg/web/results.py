"""Serialising query results: SPARQL JSON, XML, CSV, TSV and the RDF formats.

Results are collected up to a row limit first (so an oversized result is refused
before a status line is sent), then written in the negotiated format.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.web.conneg import BOOLEAN, GRAPH, OX_RDF, SOLUTIONS

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class ResultTooLarge(Exception):
    """The result has more rows (or triples) than this endpoint returns."""


@dataclass
class Collected:
    """A result held in memory, within the limit."""

    kind: str
    variables: list[str]
    rows: list[list[object | None]]
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None
    nbytes: int = 0  # its size as sent from a query process (0: not measured)


def kind_of(result: object) -> str:
    if isinstance(result, ox.QuerySolutions):
        return SOLUTIONS
    if isinstance(result, ox.QueryBoolean):
        return BOOLEAN
    return GRAPH


def collect(result: object, limit: int) -> Collected:
    """Pull at most ``limit`` rows or triples; raise ResultTooLarge beyond that."""
    kind = kind_of(result)
    if kind == BOOLEAN:
        return Collected(kind, [], [], boolean=bool(result))
    if kind == SOLUTIONS:
        assert isinstance(result, ox.QuerySolutions)
        variables = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) >= limit:
                raise ResultTooLarge(f"the result has more than {limit} rows; add a LIMIT "
                                     "(and OFFSET to page), or download the dumps")
            rows.append(list(solution))  # in the order of the variables; 2-3 x faster than
            # looking each one up by name
        return Collected(kind, variables, rows)
    triples = []
    for triple in result:  # type: ignore[union-attr]
        if len(triples) >= limit:
            raise ResultTooLarge(f"the result has more than {limit} triples; add a LIMIT, "
                                 "or download the dumps")
        triples.append(triple)
    return Collected(kind, [], [], triples=triples)


def _json_term(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {  # type: ignore[dict-item]
            "subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
            "object": _json_term(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


def to_json(c: Collected) -> bytes:
    if c.kind == BOOLEAN:
        return json.dumps({"head": {}, "boolean": c.boolean}).encode()
    terms: dict[object, dict[str, str]] = {}  # a repeated term is converted once

    def term(t: object) -> dict[str, str]:
        found = terms.get(t)
        if found is None:
            found = terms[t] = _json_term(t)
        return found

    bindings = [{v: term(t) for v, t in zip(c.variables, row, strict=True) if t is not None}
                for row in c.rows]
    return json.dumps({"head": {"vars": c.variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode()


def _xml_term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (f"<literal datatype={quoteattr(term.datatype.value)}>"
                    f"{escape(term.value)}</literal>")
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>"
                f"{_xml_term(term.predicate)}</predicate><object>{_xml_term(term.object)}"
                "</object></triple>")
    raise TypeError(f"unexpected term {term!r}")


def to_xml(c: Collected) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
           "<head>"]
    out += [f"<variable name={quoteattr(v)}/>" for v in c.variables]
    out.append("</head>")
    if c.kind == BOOLEAN:
        out.append(f"<boolean>{'true' if c.boolean else 'false'}</boolean>")
    else:
        out.append("<results>")
        for row in c.rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(c.variables, row, strict=True) if t is not None]
            out.append("</result>")
        out.append("</results>")
    out.append("</sparql>\n")
    return "\n".join(out).encode()


def _csv_value(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def to_csv(c: Collected) -> bytes:
    if c.kind == BOOLEAN:  # as Apache Jena writes it; the W3C CSV format defines no boolean
        return f"_askResult\r\n{'true' if c.boolean else 'false'}\r\n".encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(c.variables)
    for row in c.rows:
        writer.writerow([_csv_value(t) for t in row])
    return buffer.getvalue().encode()


def to_tsv(c: Collected) -> bytes:
    if c.kind == BOOLEAN:  # as Apache Jena writes (and reads) it
        return f"?_askResult\n{'true' if c.boolean else 'false'}\n".encode()
    lines = ["\t".join(f"?{v}" for v in c.variables)]
    for row in c.rows:
        lines.append("\t".join("" if t is None else str(t).replace("\t", "\\t") for t in row))
    return ("\n".join(lines) + "\n").encode()


def to_rdf(triples: Iterable[ox.Triple], fmt: str,
           prefixes: dict[str, str] | None = None) -> bytes:
    data = ox.serialize(list(triples), format=OX_RDF[fmt],
                        prefixes=prefixes if fmt in ("turtle", "trig", "rdfxml") else None)
    return data or b""


def serialize(c: Collected, fmt: str, prefixes: dict[str, str] | None = None) -> bytes:
    """The body for a collected result in format ``fmt`` (a conneg Format name)."""
    if c.kind == GRAPH:
        return to_rdf(c.triples or [], fmt, prefixes)
    writers = {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv}
    return writers[fmt](c)


def used_prefixes(prefixes: dict[str, str], triples: Sequence[ox.Triple]) -> dict[str, str]:
    """Only the prefixes a graph actually uses (keeps Turtle output short)."""
    iris = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in iris)}
