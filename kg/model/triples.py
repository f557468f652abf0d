"""A statement's triples as its build makes them, written out as N-Triples or handed to
pyoxigraph as its own terms.

An rdflib ``Graph`` indexes every triple as it is added, which is most of the cost of
building a statement; the build only adds, so :class:`Triples` keeps them in a dictionary
(insertion order, each once) and makes a ``Graph`` only when one is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.term import Node

from kg.model.terms import TermCache, ox_triples

Triple = tuple[Node, Node, Node]


class Triples:
    """Distinct triples in the order they were added."""

    __slots__ = ("_triples",)

    def __init__(self, triples: Iterable[Triple] = ()) -> None:
        self._triples: dict[Triple, None] = dict.fromkeys(triples)

    def add(self, triple: Triple) -> None:
        self._triples[triple] = None

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def __contains__(self, triple: object) -> bool:
        return triple in self._triples

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        return [o for s, p, o in self._triples if s == subject and p == predicate]

    def subjects(self) -> list[Node]:
        """Each subject once, in order."""
        return list(dict.fromkeys(s for s, _, _ in self._triples))

    def graph(self) -> Graph:
        """The triples as a new rdflib graph (no prefixes bound)."""
        graph = Graph(bind_namespaces="none")
        for triple in self._triples:
            graph.add(triple)
        return graph

    def ntriples(self) -> str:
        """The triples as N-Triples, as rdflib's ``nt`` serializer writes them."""
        return ntriples(self._triples)

    def to_ox(self, memo: TermCache | None = None) -> list[ox.Triple]:
        """The triples as pyoxigraph triples (for a store's :class:`ChangeSet`), in order,
        through :mod:`kg.model.terms`: no N-Triples text written and parsed again."""
        return ox_triples(self._triples, memo)


def _literal(literal: Literal) -> str:
    text = '"' + str(literal).replace("\\", "\\\\").replace("\n", "\\n").replace(
        '"', '\\"').replace("\r", "\\r") + '"'
    if literal.language:
        return f"{text}@{literal.language}"
    if literal.datatype:
        return f"{text}^^<{literal.datatype}>"
    return text


def ntriples(triples: Iterable[Triple]) -> str:
    """N-Triples of ``triples``: the same lines as rdflib's ``nt`` serializer (which checks
    each IRI), written a term at a time with each distinct term written once."""
    written: dict[Node, str] = {}
    lines = []
    for triple in triples:
        terms = []
        for term in triple:
            text = written.get(term)
            if text is None:
                text = _literal(term) if isinstance(term, Literal) else term.n3()
                written[term] = text
            terms.append(text)
        lines.append(f"{terms[0]} {terms[1]} {terms[2]} .\n")
    return "".join(lines)
