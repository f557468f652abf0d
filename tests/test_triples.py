"""A statement's triples written as N-Triples without rdflib's serializer: the same lines."""

from __future__ import annotations

import pyoxigraph as ox
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


def test_the_shipped_statements_as_pyoxigraph_triples_are_what_their_n_triples_parse_to(built):
    """What a store gets from Triples.to_ox() (no text) is what it got by parsing ntriples()."""
    for statement in built.statements:
        parsed = ox.Dataset(ox.parse(statement.triples.ntriples(), format=ox.RdfFormat.N_TRIPLES))
        direct = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object)
                            for t in statement.triples.to_ox())
        assert len(direct) == len(statement.triples)
        parsed.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        direct.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        assert direct == parsed, statement.statement_id
