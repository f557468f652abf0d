"""The one bridge between rdflib terms and pyoxigraph terms, without a text round trip.

The build and the shapes work on rdflib terms; the stores hold pyoxigraph terms. Writing
N-Triples with one library and parsing them with the other costs a serialisation and a
parse per graph; these functions convert term by term:

- IRIs and blank nodes keep their text (a blank node label that N-Triples cannot spell is
  replaced by a label made from it, the same every time);
- literals keep their lexical form (no canonicalisation: ``"01"^^xsd:integer`` stays
  ``"01"``, where rdflib's parsers would make it ``"1"``), their language tag or datatype;
- a plain rdflib literal is an ``xsd:string`` literal in pyoxigraph (RDF 1.1: they are the
  same term); coming back, an ``xsd:string`` literal is a plain rdflib literal, as rdflib's
  N-Triples parser makes it. So ``rdflib → pyoxigraph → rdflib`` is exact except that
  ``Literal("x", datatype=XSD.string)`` comes back as ``Literal("x")``, and
  ``pyoxigraph → rdflib → pyoxigraph`` is exact.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
OxGraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
RdflibTriple = tuple[Node, Node, Node]
RdflibQuad = tuple[Node, Node, Node, Node | None]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_STRING = ox.NamedNode(XSD_STRING)
# N-Triples' BLANK_NODE_LABEL, for the labels pyoxigraph accepts as they are.
_LABEL = re.compile(r"[A-Za-z0-9_\u00C0-\uFFFF][A-Za-z0-9_\-.\u00B7\u00C0-\uFFFF]*")


def _blank(label: str) -> ox.BlankNode:
    if _LABEL.fullmatch(label) and not label.endswith("."):
        try:
            return ox.BlankNode(label)
        except ValueError:
            pass
    return ox.BlankNode("b" + hashlib.sha1(label.encode("utf-8")).hexdigest())


def to_ox(term: Node) -> OxTerm:
    """The pyoxigraph term of an rdflib IRI, blank node or literal."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return _blank(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"no pyoxigraph term for {term!r} ({type(term).__name__})")


def to_rdflib(term: OxTerm) -> Node:
    """The rdflib term of a pyoxigraph IRI, blank node or literal."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        datatype = term.datatype
        if datatype == _XSD_STRING:
            return Literal(term.value, normalize=False)
        return Literal(term.value, datatype=URIRef(datatype.value), normalize=False)
    raise TypeError(f"no rdflib term for {term!r} ({type(term).__name__})")


def graph_name_to_ox(name: Node | None) -> OxGraphName:
    """A graph name: None, rdflib's default graph identifier or a Graph's own → pyoxigraph."""
    if isinstance(name, Graph):
        name = name.identifier
    if name is None or name == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    converted = to_ox(name)
    if isinstance(converted, ox.Literal):
        raise TypeError(f"a literal cannot name a graph: {name!r}")
    return converted


def triple_to_ox(triple: RdflibTriple) -> ox.Triple:
    s, p, o = triple
    return ox.Triple(to_ox(s), to_ox(p), to_ox(o))


def triple_to_rdflib(triple: ox.Triple | ox.Quad) -> RdflibTriple:
    return to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)


def quad_to_ox(quad: RdflibQuad) -> ox.Quad:
    s, p, o, g = quad
    return ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph_name_to_ox(g))


def quad_to_rdflib(quad: ox.Quad) -> RdflibQuad:
    """``(s, p, o, graph)``, the graph None for the default graph."""
    g = quad.graph_name
    name = None if isinstance(g, ox.DefaultGraph) else to_rdflib(g)
    return (*triple_to_rdflib(quad), name)


class TermCache(dict):
    """rdflib terms → pyoxigraph terms, each distinct term converted once (a graph repeats
    its terms many times); keep one across calls to share it between graphs."""

    def __missing__(self, term: Node) -> OxTerm:
        converted = self[term] = to_ox(term)
        return converted


def ox_triples(triples: Iterable[RdflibTriple],
               memo: TermCache | None = None) -> list[ox.Triple]:
    """An rdflib graph (or any rdflib triples) as pyoxigraph triples, in its order.
    ``memo`` converts a term seen in an earlier call only once."""
    memo = TermCache() if memo is None else memo
    return [ox.Triple(memo[s], memo[p], memo[o]) for s, p, o in triples]


def ox_quads(triples: Iterable[RdflibTriple], graph: Node | None,
             memo: TermCache | None = None) -> list[ox.Quad]:
    """rdflib triples as pyoxigraph quads in ``graph`` (None: the default graph).
    ``memo`` as in :func:`ox_triples`."""
    memo = TermCache() if memo is None else memo
    name = graph_name_to_ox(graph)
    return [ox.Quad(memo[s], memo[p], memo[o], name) for s, p, o in triples]


def rdflib_graph(triples: Iterable[ox.Triple | ox.Quad],
                 identifier: Node | None = None) -> Graph:
    """pyoxigraph triples (or quads, their graph names ignored) as a new rdflib graph."""
    graph = Graph(identifier=identifier, bind_namespaces="none")
    memo: dict[OxTerm, Node] = {}

    def convert(term: OxTerm) -> Node:
        known = memo.get(term)
        if known is None:
            known = memo[term] = to_rdflib(term)
        return known

    for triple in triples:
        graph.add((convert(triple.subject), convert(triple.predicate), convert(triple.object)))
    return graph
