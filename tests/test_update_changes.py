"""A SPARQL update evaluated once as a change set gives what Oxigraph's own update gives.

Each update runs two ways on the same data: natively in pyoxigraph, and as
``changes_of_update`` applied to a copy. The two stores must then hold the same quads
(blank nodes compared by structure). The data has named graphs, default-graph triples,
literals of several kinds and blank nodes.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.store.base import ChangeSet, QuerySyntaxError
from kg.store.changes import UpdateError, changes_of_update
from kg.store.embedded import EmbeddedStore

BASE = "http://example.org/base/"
DATA = """
PREFIX e: <http://e/>
INSERT DATA {
  e:d1 e:p 1 . e:d2 e:p "default" .
  GRAPH e:g1 { e:a e:p 1 , 2 ; e:q "x"@en . e:b e:p 3 . e:b e:p1 e:a . _:n e:p 4 . }
  GRAPH e:g2 { e:a e:p 1 . e:c e:p "y"^^<http://www.w3.org/2001/XMLSchema#string> . }
  GRAPH e:g9 { e:z e:p e:a . }
}
"""

UPDATES = [
    "INSERT DATA { GRAPH <http://e/g1> { <s> <p> <test> , '''long\nstring''' , true , 1.5 } }",
    "PREFIX e: <http://e/> INSERT DATA { e:x a e:T . GRAPH e:g3 { e:x e:p 'z'@fr } e:y e:p 2 }",
    "DELETE DATA { GRAPH <http://e/g1> { <http://e/a> <http://e/p> 1 } }",
    "DELETE DATA { <http://e/d1> <http://e/p> 1 }",
    "DELETE WHERE { GRAPH <http://e/g1> { ?s <http://e/p> ?o } }",
    "DELETE WHERE { ?s ?p ?o }",
    "WITH <http://e/g1> DELETE { ?s ?p ?o } INSERT { ?s ?p 'new' } WHERE { ?s ?p ?o "
    "FILTER (?o = 1) }",
    "INSERT { GRAPH ?g { ?s <http://e/copy> ?o } } WHERE { GRAPH ?g { ?s <http://e/p> ?o } }",
    "DELETE { GRAPH <http://e/g1> { ?s ?p ?o } } USING <http://e/g2> WHERE { ?s ?p ?o }",
    "INSERT { GRAPH <http://e/g7> { ?s ?p ?o } } USING NAMED <http://e/g1> "
    "WHERE { GRAPH ?g { ?s ?p ?o } }",
    "INSERT { GRAPH <http://e/g7> { ?s ?p ?o } } USING NAMED <http://e/g1> WHERE { ?s ?p ?o }",
    "INSERT { ?o <http://e/back> ?s } WHERE { GRAPH ?g { ?s <http://e/p> ?o } }",
    "INSERT { GRAPH <http://e/g5> { ?s <http://e/maybe> ?m } } WHERE { GRAPH ?g { ?s ?p ?o } "
    "OPTIONAL { ?s <http://e/q> ?m } }",
    "INSERT { GRAPH ?o { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "PREFIX e: <http://e/> DELETE { GRAPH ?g { ?s e:p ?o } } INSERT { GRAPH ?g { ?s e:p ?n } } "
    "WHERE { GRAPH ?g { ?s e:p ?o FILTER (isNumeric(?o)) BIND (?o + 10 AS ?n) } }",
    "WITH <http://e/g2> INSERT { ?s <http://e/w> ?o } WHERE { ?s ?p ?o }",
    "WITH <http://e/g2> DELETE { ?s ?p ?o } USING <http://e/g1> WHERE { ?s ?p ?o }",
    "CLEAR GRAPH <http://e/g1>",
    "DROP SILENT GRAPH <http://e/missing>",
    "CLEAR SILENT GRAPH <http://e/missing>",
    "CLEAR DEFAULT",
    "CLEAR NAMED",
    "DROP ALL",
    "CREATE SILENT GRAPH <http://e/g1>",
    "CREATE GRAPH <http://e/new>",
    "ADD <http://e/g1> TO <http://e/g2>",
    "MOVE <http://e/g1> TO <http://e/g3>",
    "COPY <http://e/g1> TO <http://e/g2>",
    "COPY DEFAULT TO <http://e/g2>",
    "MOVE <http://e/g1> TO DEFAULT",
    "ADD DEFAULT TO GRAPH <http://e/g9>",
    "MOVE SILENT <http://e/missing> TO <http://e/g2>",
    "COPY <http://e/g1> TO <http://e/g1>",
    # Later operations see what earlier ones did.
    "INSERT DATA { GRAPH <http://e/g4> { <http://e/x> <http://e/y> 1 } } ; "
    "INSERT { GRAPH <http://e/g5> { ?s ?p ?o } } WHERE { GRAPH <http://e/g4> { ?s ?p ?o } }",
    "CLEAR GRAPH <http://e/g1> ; INSERT { GRAPH <http://e/g6> { ?s ?p ?o } } "
    "WHERE { GRAPH <http://e/g1> { ?s ?p ?o } } ; INSERT DATA { GRAPH <http://e/g1> "
    "{ <http://e/back> <http://e/p> 5 } }",
    "PREFIX e: <http://e/> DELETE DATA { GRAPH e:g1 { e:b e:p 3 } } ; "
    "INSERT DATA { GRAPH e:g1 { <rel> e:p 3 } }",
    "DELETE DATA { GRAPH <http://e/g1> { <http://e/b> <http://e/p> 3 } } ; "
    "INSERT DATA { GRAPH <http://e/g1> { <http://e/b> <http://e/p> 3 } }",
    # Blank nodes: new per solution in INSERT templates.
    "PREFIX e: <http://e/> INSERT { GRAPH e:g8 { ?s e:n _:b . _:b e:v ?o ; e:l ( 1 [ e:k ?o ] ) "
    "} } WHERE { GRAPH e:g1 { ?s e:p ?o } }",
    "DELETE WHERE { GRAPH <http://e/g1> { ?s <http://e/p> 4 } }",
    "# a comment ; with a semicolon\nINSERT DATA { GRAPH <http://e/g1> { <http://e/s> "
    "<http://e/p> \"a ; b { c\" } }",
]


def _fresh() -> ox.Store:
    store = ox.Store()
    store.update(DATA)
    return store


def _apply(store: ox.Store, changes: ChangeSet) -> None:
    """Apply a change set with pyoxigraph's own calls, in the documented order."""
    for graph in changes.dropped | set(changes.graphs):
        store.remove_graph(ox.NamedNode(graph))
    for graph, triples in changes.graphs.items():
        store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                     for t in triples)
    for quad in changes.removed:
        store.remove(quad)
    store.extend(changes.added)


def _shape(store: ox.Store) -> list[str]:
    """The quads with blank nodes named by what they hold: comparable across stores."""
    quads = list(store.quads_for_pattern(None, None, None, None))
    names: dict[str, str] = {}
    for _ in range(3):  # name blank nodes by their outgoing triples, a few levels deep
        signature: dict[str, list[str]] = {}
        for quad in quads:
            if isinstance(quad.subject, ox.BlankNode):
                obj = quad.object
                shown = names.get(obj.value, "_") if isinstance(obj, ox.BlankNode) else str(obj)
                signature.setdefault(quad.subject.value, []).append(f"{quad.predicate} {shown}")
        names = {b: "[" + ";".join(sorted(s)) + "]" for b, s in signature.items()}

    def term(t: object) -> str:
        return names.get(t.value, "_") if isinstance(t, ox.BlankNode) else str(t)
    return sorted(f"{term(q.subject)} {q.predicate} {term(q.object)} {q.graph_name}"
                  for q in quads)


def _kg_store() -> EmbeddedStore:
    store = EmbeddedStore(None)
    store.oxigraph.update(DATA)
    return store


@pytest.mark.parametrize("update", UPDATES)
def test_the_change_set_does_what_the_update_does(update: str) -> None:
    native = _fresh()
    native.update(update, base_iri=BASE)
    store = _kg_store()
    changes = changes_of_update(store, update, base_iri=BASE)
    _apply(store.oxigraph, changes)
    assert _shape(store.oxigraph) == _shape(native)


def test_the_protocol_dataset_is_the_update_dataset() -> None:
    """using-graph-uri / using-named-graph-uri act as USING / USING NAMED."""
    template = "INSERT { GRAPH <http://e/out> { ?s ?p ?o } } WHERE { ?s ?p ?o }"
    native = _fresh()
    native.update(template.replace("WHERE", "USING <http://e/g2> WHERE"))
    store = _kg_store()
    _apply(store.oxigraph, changes_of_update(store, template, default_graphs=["http://e/g2"]))
    assert _shape(store.oxigraph) == _shape(native)
    named = "INSERT { GRAPH <http://e/out> { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }"
    native = _fresh()
    native.update(named.replace("WHERE", "USING NAMED <http://e/g9> WHERE"))
    store = _kg_store()
    _apply(store.oxigraph, changes_of_update(store, named, named_graphs=["http://e/g9"]))
    assert _shape(store.oxigraph) == _shape(native)


def test_random_values_are_drawn_once() -> None:
    update = ("INSERT { GRAPH <http://e/r> { <http://e/s> <http://e/p> ?r } } "
              "WHERE { BIND (STR(RAND()) AS ?r) }")
    changes = changes_of_update(_kg_store(), update)
    one, two = _fresh(), _fresh()
    _apply(one, changes)
    _apply(two, changes)
    assert _shape(one) == _shape(two)
    assert len(changes.added) == 1


def test_relative_iris_are_resolved_once_against_the_base() -> None:
    changes = changes_of_update(_kg_store(), "INSERT DATA { GRAPH <g> { <s> <p> <o> } }",
                                base_iri=BASE)
    (quad,) = changes.added
    assert quad.graph_name == ox.NamedNode(BASE + "g")
    assert quad.object == ox.NamedNode(BASE + "o")


@pytest.mark.parametrize(("update", "error", "words"), [
    ("DROP GRAPH <http://e/missing>", UpdateError, "does not exist"),
    ("CLEAR GRAPH <http://e/missing>", UpdateError, "does not exist"),
    ("CREATE GRAPH <http://e/g1>", UpdateError, "exists already"),
    ("MOVE <http://e/missing> TO <http://e/g2>", UpdateError, "does not exist"),
    ("LOAD <http://127.0.0.1:1/data.ttl>", UpdateError, "LOAD is not supported"),
    ("CLEAR XYZ", QuerySyntaxError, "error at 1:"),
    ("INSERT DATA { ?s <p> <o> }", QuerySyntaxError, "error at 1:"),
])
def test_an_update_that_cannot_be_applied_says_why(update: str, error: type,
                                                  words: str) -> None:
    with pytest.raises(error, match=words):
        changes_of_update(_kg_store(), update)


def test_a_dataset_given_twice_is_refused() -> None:
    with pytest.raises(UpdateError, match="give one of them"):
        changes_of_update(_kg_store(), "WITH <http://e/g1> DELETE { ?s ?p ?o } WHERE "
                          "{ ?s ?p ?o }", named_graphs=["http://e/g2"])


def test_nothing_is_written_while_the_change_is_computed() -> None:
    store = _kg_store()
    before = _shape(store.oxigraph)
    changes_of_update(store, "CLEAR ALL ; INSERT DATA { GRAPH <http://e/n> { <http://e/a> "
                             "<http://e/b> 1 } } ; INSERT { GRAPH <http://e/m> { ?s ?p ?o } } "
                             "WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert _shape(store.oxigraph) == before
