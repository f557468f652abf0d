"""The Graph Store Protocol endpoint: reads, token-only writes, SHACL before replacing, and
hostile uploads that change nothing and reach nothing."""

from __future__ import annotations

import time

import pytest
from conftest import FIRST, make_app
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from test_sparql_safety import Listener

TOKEN = "gs-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://w3id.org/ekg/"
STATEMENT_GRAPH = f"{BASE}graph/statement/{FIRST}"
OTHER = "http://example.org/graph/notes"
NEW = f"{BASE}graph/statement/new-statement"  # a statement graph the store does not hold


@pytest.fixture
def writable(built_file):
    app = make_app(built_file, UPDATE_TOKEN=TOKEN, MAX_BODY=3_000_000)
    yield app, app.test_client()
    app.extensions["kg"].close()


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.close()


def _graph(client, iri: str) -> Graph:
    r = client.get("/graph-store", query_string={"graph": iri}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    return Graph().parse(data=r.data, format="turtle")


def _put(client, iri, body, content_type="text/turtle", headers=AUTH):
    return client.put("/graph-store", query_string={"graph": iri}, data=body,
                      content_type=content_type, headers=headers)


def test_read_a_statement_graph(client):
    graph = _graph(client, STATEMENT_GRAPH)
    assert len(graph) > 2000
    assert client.get("/graph-store", query_string={"graph": OTHER}).status_code == 404
    assert client.get("/graph-store", query_string={"default": ""}).status_code == 400


def test_writes_need_the_token(client, writable):
    assert _put(client, NEW, "<http://e/s> <http://e/p> 1 .", headers={}).status_code == 403
    _, w = writable
    assert _put(w, NEW, "<http://e/s> <http://e/p> 1 .", headers={}).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert _put(w, NEW, "<http://e/s> <http://e/p> 1 .", headers=wrong).status_code == 403
    assert w.get("/graph-store", query_string={"graph": NEW}).status_code == 404


def _renamed(graph: Graph, old: str, new: str) -> Graph:
    """``graph`` with every IRI containing ``old`` renamed to contain ``new``."""
    def term(t):
        return URIRef(str(t).replace(old, new)) if isinstance(t, URIRef) else t
    renamed = Graph()
    for s, p, o in graph:
        renamed.add((term(s), term(p), term(o)))
    return renamed


def test_put_post_delete_a_statement_graph(writable):
    _, client = writable
    statement = _graph(client, STATEMENT_GRAPH)
    copy = _renamed(statement, FIRST, "new-statement")
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#comment")
    subject = URIRef(f"{BASE}id/statement/new-statement")
    assert _put(client, NEW, copy.serialize(format="nt"), "application/n-triples"
                ).status_code == 201
    assert _put(client, NEW, copy.serialize(format="turtle")).status_code == 204
    assert isomorphic(_graph(client, NEW), copy)
    r = client.post("/graph-store", query_string={"graph": NEW},
                    data=f'{{"@id": "{subject}", "{label}": "three"}}',
                    content_type="application/ld+json", headers=AUTH)
    assert r.status_code == 204
    assert (subject, label, Literal("three")) in _graph(client, NEW)
    assert len(_graph(client, NEW)) == len(copy) + 1
    assert client.delete("/graph-store", query_string={"graph": NEW},
                         headers=AUTH).status_code == 204
    assert client.delete("/graph-store", query_string={"graph": NEW},
                         headers=AUTH).status_code == 404


def test_only_statement_graphs_can_be_written(writable):
    _, client = writable
    r = _put(client, OTHER, "<http://e/s> <http://e/p> 1 .")
    assert r.status_code == 403 and "only statement graphs" in r.get_data(as_text=True)
    assert client.get("/graph-store", query_string={"graph": OTHER}).status_code == 404
    r = client.post("/graph-store", query_string={"graph": OTHER},
                    data="<http://e/s> <http://e/p> 1 .", content_type="text/turtle",
                    headers=AUTH)
    assert r.status_code == 403
    assert client.delete("/graph-store", query_string={"graph": OTHER},
                         headers=AUTH).status_code == 403


def test_a_statement_graph_that_fails_shacl_changes_nothing(writable):
    app, client = writable
    before = _graph(client, STATEMENT_GRAPH)
    broken = Graph()
    measure = URIRef("https://w3id.org/ekg/ont#measure")
    dropped = next(before.triples((None, measure, None)))
    for triple in before:
        if triple != dropped:
            broken.add(triple)
    r = _put(client, STATEMENT_GRAPH, broken.serialize(format="nt"), "application/n-triples")
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "fails the SHACL shapes" in text and "exactly one measure" in text
    assert STATEMENT_GRAPH in text
    assert "nothing was changed" in text
    assert isomorphic(_graph(client, STATEMENT_GRAPH), before)
    ok = _put(client, STATEMENT_GRAPH, before.serialize(format="turtle"))
    assert ok.status_code == 204


def test_the_reference_and_ontology_graphs_are_not_writable(writable):
    _, client = writable
    for graph in (f"{BASE}graph/reference", f"{BASE}graph/ontology"):
        assert _put(client, graph, "<http://e/s> <http://e/p> 1 .").status_code == 403


@pytest.mark.parametrize(("body", "content_type", "status", "words"), [
    ("<http://e/s> <http://e/p> .", "text/turtle", 400, "could not be parsed"),
    ("not json", "application/ld+json", 400, "could not be parsed"),
    ("<rdf:RDF", "application/rdf+xml", 400, "could not be parsed"),
    ("<http://e/s> <http://e/p> 1 <http://e/g> .", "application/n-quads", 415, "Content-Type"),
    ("<http://e/s> <http://e/p> 1 .", "text/csv", 415, "Content-Type"),
    ("{ <http://e/s> <http://e/p> 1 }", "application/trig", 415, "Content-Type"),
])
def test_malformed_uploads_are_refused(writable, body, content_type, status, words):
    _, client = writable
    r = _put(client, NEW, body, content_type)
    assert r.status_code == status and words in r.get_data(as_text=True)
    assert client.get("/graph-store", query_string={"graph": NEW}).status_code == 404


def test_hostile_documents_reach_nothing_and_crash_nothing(writable, listener):
    _, client = writable
    remote = f'{{"@context": "{listener.url}ctx.jsonld", "@id": "http://e/s", "name": "x"}}'
    r = _put(client, NEW, remote, "application/ld+json")
    assert r.status_code == 400 and "remote JSON-LD contexts are not fetched" in r.data.decode()
    xxe = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{listener.url}secret">]>'
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="http://e/s"><rdf:value>&x;</rdf:value>'
           "</rdf:Description></rdf:RDF>")
    r = _put(client, NEW, xxe, "application/rdf+xml")
    assert r.status_code == 400 and "entities are not accepted" in r.data.decode()
    laughs = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
                        for p, c in zip("abcdefgh", "bcdefghi", strict=True))
              + ']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              '<rdf:Description rdf:about="http://e/s"><rdf:value>&i;</rdf:value>'
              "</rdf:Description></rdf:RDF>")
    assert _put(client, NEW, laughs, "application/rdf+xml").status_code == 400
    deep = '{"@id": "http://e/s", "http://e/p": ' + '{"http://e/p": ' * 100_000 + '"x"' \
        + "}" * 100_000 + "}"
    r = _put(client, NEW, deep, "application/ld+json")
    assert r.status_code == 400 and "could not be parsed" in r.data.decode()
    nested = "<http://e/s> <http://e/p> " + "( " * 200_000 + '"x"' + " )" * 200_000 + " ."
    assert _put(client, NEW, nested).status_code in (400, 422)
    time.sleep(0.3)
    assert listener.received == []
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_oversized_uploads_are_413(writable):
    _, client = writable
    huge = '<http://e/s> <http://e/p> "' + "x" * 3_100_000 + '" .'
    assert _put(client, NEW, huge).status_code == 413


def test_deeply_nested_sparql_is_refused(client):
    query = "SELECT * WHERE { " + "{ " * 300 + "?s ?p ?o" + " }" * 300 + " }"
    r = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert r.status_code == 400 and b"nested more than 256 levels" in r.data


# The guards cannot be walked around (each of these was accepted before the one write path).

def test_a_one_triple_put_to_a_statement_graph_is_refused(writable):
    _, client = writable
    before = _graph(client, STATEMENT_GRAPH)
    one = f"<{BASE}id/statement/{FIRST}> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" ."
    r = _put(client, STATEMENT_GRAPH, one)
    assert r.status_code == 422, r.get_data(as_text=True)
    assert isomorphic(_graph(client, STATEMENT_GRAPH), before)


def test_a_statement_graph_without_its_statement_is_refused(writable):
    _, client = writable
    typed = ("<http://e/s> a <https://w3id.org/ekg/ont#Claim> .")
    r = _put(client, NEW, typed)
    assert r.status_code == 422
    assert "holds no ekg:Statement" in r.get_data(as_text=True)
    assert client.get("/graph-store", query_string={"graph": NEW}).status_code == 404
    # another statement's description, put under a new name
    other = _renamed(_graph(client, STATEMENT_GRAPH), "nothing", "nothing")
    r = _put(client, NEW, other.serialize(format="nt"), "application/n-triples")
    assert r.status_code == 422 and "holds no ekg:Statement" in r.get_data(as_text=True)
    assert "is another statement" in r.get_data(as_text=True)
    assert client.get("/graph-store", query_string={"graph": NEW}).status_code == 404


def test_untyped_subjects_in_a_statement_graph_are_refused(writable):
    _, client = writable
    statement = _graph(client, STATEMENT_GRAPH)
    statement.add((URIRef("http://e/untyped"), URIRef("http://e/p"), Literal(1)))
    r = _put(client, STATEMENT_GRAPH, statement.serialize(format="nt"), "application/n-triples")
    assert r.status_code == 422
    assert "<http://e/untyped> has no rdf:type" in r.get_data(as_text=True)
    r = client.post("/graph-store", query_string={"graph": STATEMENT_GRAPH},
                    data="<http://e/untyped> <http://e/p> 1 .", content_type="text/turtle",
                    headers=AUTH)
    assert r.status_code == 422
    assert (URIRef("http://e/untyped"), None, None) not in _graph(client, STATEMENT_GRAPH)


@pytest.mark.parametrize(("name", "status"), [
    (f"{BASE}graph/reference/", 400),
    (f"{BASE}graph/reference#x", 400),
    ("HTTPS://W3ID.ORG/ekg/graph/reference", 403),
    (f"{BASE}graph/ontology?", 400),
    (f"{BASE}graph/statement/x/../{FIRST}", 400),
    (f"{BASE}graph/statement/{FIRST.replace('-', '%2D')}", 400),
    (f"{BASE}graph/", 400),
])
def test_variants_of_protected_names_are_refused(writable, name, status):
    _, client = writable
    body = "<http://e/s> <http://e/p> 1 ."
    for method in ("put", "post", "delete"):
        r = getattr(client, method)("/graph-store", query_string={"graph": name}, data=body,
                                    content_type="text/turtle", headers=AUTH)
        assert r.status_code == status, (method, r.get_data(as_text=True))
    ask = "ASK { <http://e/s> ?p ?o }"
    r = client.get("/sparql", query_string={"query": ask},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.get_json()["boolean"] is False
    assert r.status_code == 200
