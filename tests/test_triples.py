"""A statement's triples written as N-Triples without rdflib's serializer: the same lines."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from kg.model.triples import Triples

S, P = URIRef("https://example.org/s"), URIRef("https://example.org/p")


def _rdflib_lines(graph: Graph) -> set[str]:
    return {line for line in graph.serialize(format="nt").splitlines() if line}


def test_the_shipped_statements_are_written_as_rdflib_writes_them(built):
    assert built.statements
    for statement in built.statements:
        text = statement.triples.ntriples()
        assert set(text.splitlines()) == _rdflib_lines(statement.graph)
        assert isomorphic(Graph().parse(data=text, format="nt"), statement.graph)


def test_literals_and_odd_characters():
    triples = Triples()
    for value in ['quote " and \\ backslash', "two\nlines\r\n", "tab\tand é and 𝄞", ""]:
        triples.add((S, P, Literal(value)))
        triples.add((S, P, Literal(value, lang="en")))
    triples.add((S, P, Literal(5)))
    triples.add((S, P, Literal("2021-05-25", datatype=XSD.date)))
    triples.add((S, P, BNode("b1")))
    triples.add((S, P, Literal(5)))  # once only
    graph = triples.graph()
    assert len(triples) == len(graph) == 11
    assert set(triples.ntriples().splitlines()) == _rdflib_lines(graph)
    assert isomorphic(Graph().parse(data=triples.ntriples(), format="nt"), graph)
    assert triples.objects(S, P)[0] == Literal('quote " and \\ backslash')
    assert triples.subjects() == [S]
