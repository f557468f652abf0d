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
    assert _put(client, OTHER, "<http://e/s> <http://e/p> 1 .", headers={}).status_code == 403
    _, w = writable
    assert _put(w, OTHER, "<http://e/s> <http://e/p> 1 .", headers={}).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert _put(w, OTHER, "<http://e/s> <http://e/p> 1 .", headers=wrong).status_code == 403
    assert w.get("/graph-store", query_string={"graph": OTHER}).status_code == 404


def test_put_post_delete_a_plain_graph(writable):
    _, client = writable
    assert _put(client, OTHER, "<http://e/s> <http://e/p> 1 .").status_code == 201
    assert _put(client, OTHER, "<http://e/s> <http://e/p> 2 .").status_code == 204
    assert set(_graph(client, OTHER).objects()) == {Literal(2)}
    r = client.post("/graph-store", query_string={"graph": OTHER},
                    data='{"@id": "http://e/s", "http://e/q": "three"}',
                    content_type="application/ld+json", headers=AUTH)
    assert r.status_code == 204
    assert set(_graph(client, OTHER).objects()) == {Literal(2), Literal("three")}
    assert client.delete("/graph-store", query_string={"graph": OTHER},
                         headers=AUTH).status_code == 204
    assert client.delete("/graph-store", query_string={"graph": OTHER},
                         headers=AUTH).status_code == 404


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
    r = _put(client, OTHER, body, content_type)
    assert r.status_code == status and words in r.get_data(as_text=True)
    assert client.get("/graph-store", query_string={"graph": OTHER}).status_code == 404


def test_hostile_documents_reach_nothing_and_crash_nothing(writable, listener):
    _, client = writable
    remote = f'{{"@context": "{listener.url}ctx.jsonld", "@id": "http://e/s", "name": "x"}}'
    r = _put(client, OTHER, remote, "application/ld+json")
    assert r.status_code == 400 and "remote JSON-LD contexts are not fetched" in r.data.decode()
    xxe = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{listener.url}secret">]>'
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="http://e/s"><rdf:value>&x;</rdf:value>'
           "</rdf:Description></rdf:RDF>")
    r = _put(client, OTHER, xxe, "application/rdf+xml")
    assert r.status_code == 400 and "entities are not accepted" in r.data.decode()
    laughs = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
                        for p, c in zip("abcdefgh", "bcdefghi", strict=True))
              + ']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              '<rdf:Description rdf:about="http://e/s"><rdf:value>&i;</rdf:value>'
              "</rdf:Description></rdf:RDF>")
    assert _put(client, OTHER, laughs, "application/rdf+xml").status_code == 400
    deep = '{"@id": "http://e/s", "http://e/p": ' + '{"http://e/p": ' * 100_000 + '"x"' \
        + "}" * 100_000 + "}"
    r = _put(client, OTHER, deep, "application/ld+json")
    assert r.status_code == 400 and "could not be parsed" in r.data.decode()
    nested = "<http://e/s> <http://e/p> " + "( " * 200_000 + '"x"' + " )" * 200_000 + " ."
    assert _put(client, OTHER, nested).status_code in (201, 400)
    time.sleep(0.3)
    assert listener.received == []
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_oversized_uploads_are_413(writable):
    _, client = writable
    huge = '<http://e/s> <http://e/p> "' + "x" * 3_100_000 + '" .'
    assert _put(client, OTHER, huge).status_code == 413


def test_deeply_nested_sparql_is_refused(client):
    query = "SELECT * WHERE { " + "{ " * 300 + "?s ?p ?o" + " }" * 300 + " }"
    r = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert r.status_code == 400 and b"nested more than 256 levels" in r.data
