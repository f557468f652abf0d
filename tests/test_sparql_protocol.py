"""The W3C SPARQL 1.1 Protocol test list (rdf-tests sparql11/protocol/manifest.ttl), test by test.

The manifest's data1/data2/data3 graphs are mapped to the shipped graph's own named graphs:
data1 -> the first statement's graph, data2 -> the reference graph, data3 -> the ontology graph.
Updates write statement graphs only (the one write path): the update tests write the statement
graphs data1 and data1b (a second statement's graph), and tests 13-16 check that the protocol's
using-graph-uri / using-named-graph-uri choose the dataset the update's WHERE reads.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from conftest import FIRST, make_app

from kg.model.namespaces import IRIs

IRI = IRIs()
G1 = str(IRI.statement_graph(FIRST))  # data1
G2 = str(IRI.reference_graph)  # data2
G3 = str(IRI.ontology_graph)  # data3
S1 = f"<{IRI.mint('stmt', FIRST)}>"  # a subject only in data1
S2 = f"<{IRI.mint('st', 'AZE')}>"  # a subject only in data2
S3 = "<https://w3id.org/ekg/ont#Claim>"  # a subject only in data3
SECOND = "unga-1993-general-debate-ARM"
G1B = str(IRI.statement_graph(SECOND))  # data1b: another statement graph
S1B = f"<{IRI.mint('stmt', SECOND)}>"
TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"


def _qs(**params) -> str:
    parts = []
    for key, values in params.items():
        for value in values if isinstance(values, list) else [values]:
            parts.append(f"{key.replace('_', '-')}={quote(value, safe='')}")
    return "&".join(parts)


def _boolean(response) -> bool:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/sparql-results+json"
    return json.loads(response.data)["boolean"]


@pytest.fixture
def writable(built_file):
    app = make_app(built_file, UPDATE_TOKEN=TOKEN)
    yield app.test_client()
    app.extensions["kg"].close()


# 1
def test_query_post_form(client):
    r = client.post(f"/sparql?{_qs(default_graph_uri=G1)}", data={"query": "ASK {}"})
    assert _boolean(r) is True


# 2
def test_query_dataset_default_graphs_get(client):
    ask = f"ASK {{ {S1} a ?type . {S2} a ?type2 }}"
    assert _boolean(client.get(f"/sparql?{_qs(query=ask, default_graph_uri=[G1, G2])}"))
    assert not _boolean(client.get(f"/sparql?{_qs(query=ask, default_graph_uri=[G1])}"))


# 3
def test_query_dataset_default_graphs_post(client):
    ask = f"ASK {{ {S1} a ?type . {S2} a ?type2 }}"
    r = client.post(f"/sparql?{_qs(default_graph_uri=[G1, G2])}", data=ask, content_type=QUERY)
    assert _boolean(r) is True


NAMED_ASK = f"ASK {{ GRAPH ?g1 {{ {S1} a ?type }} GRAPH ?g2 {{ {S2} a ?type2 }} }}"


# 4
def test_query_dataset_named_graphs_post(client):
    r = client.post(f"/sparql?{_qs(named_graph_uri=[G1, G2])}", data=NAMED_ASK,
                    content_type=QUERY)
    assert _boolean(r) is True
    r = client.post(f"/sparql?{_qs(named_graph_uri=[G1])}", data=NAMED_ASK, content_type=QUERY)
    assert _boolean(r) is False


# 5
def test_query_dataset_named_graphs_get(client):
    assert _boolean(client.get(f"/sparql?{_qs(query=NAMED_ASK, named_graph_uri=[G1, G2])}"))


# 6
def test_query_dataset_full(client):
    ask = (f"ASK {{ {S3} a ?class . GRAPH ?g1 {{ {S1} a ?type }} "
           f"GRAPH ?g2 {{ {S2} a ?type2 }} }}")
    r = client.post(f"/sparql?{_qs(default_graph_uri=G3, named_graph_uri=[G1, G2])}", data=ask,
                    content_type=QUERY)
    assert _boolean(r) is True


# 7
def test_query_multiple_dataset_protocol_wins_over_from(client):
    ask = (f"ASK FROM <{G3}> {{ GRAPH ?g1 {{ {S1} a ?type }} "
           f"GRAPH ?g2 {{ {S2} a ?type2 }} }}")
    r = client.post(f"/sparql?{_qs(named_graph_uri=[G1, G2])}", data=ask, content_type=QUERY)
    assert _boolean(r) is True
    # Without the protocol dataset, the query's own FROM applies: no named graphs at all.
    assert _boolean(client.post("/sparql", data=ask, content_type=QUERY)) is False


# 8
def test_query_get(client):
    assert _boolean(client.get(f"/sparql?{_qs(query='ASK {}', default_graph_uri=G1)}")) is True


# 9
def test_query_content_type_select(client):
    r = client.post("/sparql", data="SELECT (1 AS ?value) {}", content_type=QUERY)
    assert r.status_code == 200
    assert r.mimetype == "application/sparql-results+json"
    assert json.loads(r.data)["results"]["bindings"][0]["value"]["value"] == "1"


# 10
def test_query_content_type_ask(client):
    r = client.post("/sparql", data="ASK {}", content_type=QUERY)
    assert r.mimetype in ("application/sparql-results+json", "application/sparql-results+xml")


# 11
def test_query_content_type_describe(client):
    r = client.post("/sparql", data=f"DESCRIBE {S1}", content_type=QUERY)
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert b"ekg:Statement" in r.data


# 12
def test_query_content_type_construct_resolves_relative_iris(client):
    r = client.post("/sparql", data="CONSTRUCT { <s> <p> 1 } WHERE {}", content_type=QUERY)
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert b"<http://localhost/s>" in r.data  # resolved against the endpoint's URL


# 13-16: the protocol dataset of an update (using-graph-uri, using-named-graph-uri) is what its
# WHERE reads. The manifest inserts a triple about each document its WHERE finds; here: a
# comment on each statement found, in the statement's own graph.
PREFIXES = ("PREFIX ekg: <https://w3id.org/ekg/ont#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
SEE_ALSO = "<http://www.w3.org/2000/01/rdf-schema#seeAlso>"
OWN_GRAPH = 'BIND (IRI(REPLACE(STR(?s), "/id/statement/", "/graph/statement/")) AS ?g)'


def _commented(client, subject: str, graph: str, text: str) -> bool:
    ask = f'ASK {{ GRAPH <{graph}> {{ {subject} {COMMENT} "{text}" }} }}'
    return _boolean(client.get(f"/sparql?{_qs(query=ask)}"))


def _comments(client, text: str) -> int:
    select = f'SELECT (COUNT(*) AS ?n) {{ ?s {COMMENT} "{text}" }}'
    r = client.get(f"/sparql?{_qs(query=select)}",
                   headers={"Accept": "application/sparql-results+json"})
    return int(json.loads(r.data)["results"]["bindings"][0]["n"]["value"])


def _update_with(client, params, update: str):
    r = client.post(f"/sparql?{_qs(**params)}", data=PREFIXES + update, content_type=UPDATE,
                    headers=AUTH)
    assert r.status_code == 200, r.get_data(as_text=True)


# 13
def test_update_dataset_default_graph(writable):
    update = (f'INSERT {{ GRAPH ?g {{ ?s rdfs:comment "13" }} }} '
              f'WHERE {{ ?s a ekg:Statement {OWN_GRAPH} }}')
    _update_with(writable, {"using_graph_uri": G1}, update)
    assert _commented(writable, S1, G1, "13")
    assert _comments(writable, "13") == 1  # only what data1 holds


# 14
def test_update_dataset_default_graphs(writable):
    update = (f'INSERT {{ GRAPH ?g {{ ?s rdfs:comment "14" }} }} '
              f'WHERE {{ ?s a ekg:Statement {OWN_GRAPH} }}')
    _update_with(writable, {"using_graph_uri": [G1, G1B]}, update)
    assert _commented(writable, S1, G1, "14") and _commented(writable, S1B, G1B, "14")
    assert _comments(writable, "14") == 2  # the union of data1 and data1b, nothing else


# 15
def test_update_dataset_named_graphs(writable):
    update = ('INSERT { GRAPH ?g { ?s rdfs:comment "15" } } '
              'WHERE { GRAPH ?g { ?s a ekg:Statement } }')
    _update_with(writable, {"using_named_graph_uri": [G1, G1B]}, update)
    assert _commented(writable, S1, G1, "15") and _commented(writable, S1B, G1B, "15")
    assert _comments(writable, "15") == 2
    # no using-named-graph-uri: the update's WHERE reads every graph
    update = ('INSERT { GRAPH ?g { ?s rdfs:comment "15b" } } '
              'WHERE { GRAPH ?g { ?s a ekg:Statement } }')
    _update_with(writable, {}, update)
    assert _comments(writable, "15b") > 2


# 16
def test_update_dataset_full(writable):
    update = (f'INSERT {{ GRAPH ?g {{ ?s rdfs:comment "16-default" }} }} '
              f'WHERE {{ ?s a ekg:Statement {OWN_GRAPH} }} ;\n'
              'INSERT { GRAPH ?g { ?s rdfs:comment "16-named" } } '
              'WHERE { GRAPH ?g { ?s a ekg:Statement } }')
    _update_with(writable, {"using_graph_uri": G1, "using_named_graph_uri": G1B}, update)
    assert _commented(writable, S1, G1, "16-default")
    assert _commented(writable, S1B, G1B, "16-named")
    assert _comments(writable, "16-default") == 1 and _comments(writable, "16-named") == 1


ASK_G1 = f"ASK {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"


# 17 (the manifest's CLEAR ALL would clear the reference and ontology graphs, which only a
# build writes: it is refused, and a statement graph is cleared instead)
def test_update_post_form(writable):
    r = writable.post("/sparql", data={"update": "CLEAR ALL"}, headers=AUTH)
    assert r.status_code == 403
    assert _boolean(writable.get(f"/sparql?{_qs(query='ASK { ?s ?p ?o }')}"))
    r = writable.post("/sparql", data={"update": f"CLEAR GRAPH <{G1}>"}, headers=AUTH)
    assert r.status_code == 200
    assert not _boolean(writable.get(f"/sparql?{_qs(query=ASK_G1)}"))


# 18
def test_update_post_direct(writable):
    r = writable.post("/sparql", data="CLEAR ALL", content_type=UPDATE, headers=AUTH)
    assert r.status_code == 403
    r = writable.post("/sparql", data=f"CLEAR GRAPH <{G1}>", content_type=UPDATE, headers=AUTH)
    assert r.status_code == 200
    assert not _boolean(writable.get(f"/sparql?{_qs(query=ASK_G1)}"))


# 19
def test_update_base_uri(writable):
    insert = f"INSERT DATA {{ GRAPH <{G1}> {{ {S1} {SEE_ALSO} <test> }} }}"
    assert writable.post("/sparql", data=insert, content_type=UPDATE,
                         headers=AUTH).status_code == 200
    ask = (f"ASK {{ GRAPH <{G1}> {{ {S1} {SEE_ALSO} ?o "
           "FILTER (isIRI(?o) && STR(?o) = \"http://localhost/test\") } }")
    assert _boolean(writable.get(f"/sparql?{_qs(query=ask)}")) is True


# 20
def test_query_post_direct(client):
    assert _boolean(client.post("/sparql", data="ASK {}", content_type=QUERY)) is True


# 21
def test_bad_query_method(client):
    r = client.put(f"/sparql?{_qs(query='ASK {}')}",
                   content_type="application/x-www-form-urlencoded")
    assert r.status_code == 405 and "GET" in r.headers["Allow"] and "POST" in r.headers["Allow"]


# 22
def test_bad_multiple_queries(client):
    r = client.get(f"/sparql?{_qs(query=['ASK {}', 'SELECT * {}'])}")
    assert r.status_code == 400 and b"exactly one query" in r.data


# 23
def test_bad_query_wrong_media_type(client):
    r = client.post("/sparql", data="ASK {}", content_type="text/plain")
    assert r.status_code == 415 and b"unsupported Content-Type (text/plain)" in r.data


# 24
def test_bad_query_missing_form_type(client):
    r = client.post("/sparql", data=b"query=ASK%20%7B%7D")
    assert r.status_code == 415 and b"unsupported Content-Type (none)" in r.data


# 25
def test_bad_query_missing_direct_type(client):
    assert client.post("/sparql", data=b"ASK {}").status_code == 415


# 26
def test_bad_query_non_utf8(client):
    r = client.post("/sparql", data="ASK {}".encode("utf-16"),
                    content_type=f"{QUERY}; charset=UTF-16")
    assert r.status_code == 415 and b"UTF-8" in r.data


# 27
def test_bad_query_syntax(client):
    r = client.get(f"/sparql?{_qs(query='ASK {')}")
    assert r.status_code == 400 and b"syntax error: error at 1:6" in r.data


# 28
def test_bad_update_get(writable):
    r = writable.get(f"/sparql?{_qs(update='CLEAR ALL')}", headers=AUTH)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert _boolean(writable.get(f"/sparql?{_qs(query='ASK { ?s ?p ?o }')}"))


# 29
def test_bad_multiple_updates(writable):
    r = writable.post("/sparql", data=_qs(update=["CLEAR NAMED", "CLEAR DEFAULT"]),
                      content_type="application/x-www-form-urlencoded", headers=AUTH)
    assert r.status_code == 400 and b"exactly one update" in r.data


# 30
def test_bad_update_wrong_media_type(writable):
    r = writable.post("/sparql", data="CLEAR NAMED", content_type="text/plain", headers=AUTH)
    assert r.status_code == 415


# 31
def test_bad_update_missing_form_type(writable):
    assert writable.post("/sparql", data=b"update=CLEAR%20NAMED", headers=AUTH).status_code == 415


# 32
def test_bad_update_non_utf8(writable):
    r = writable.post("/sparql", data="CLEAR NAMED".encode("utf-16"),
                      content_type=f"{UPDATE}; charset=UTF-16", headers=AUTH)
    assert r.status_code == 415


# 33
def test_bad_update_syntax(writable):
    r = writable.post("/sparql", data={"update": "CLEAR XYZ"}, headers=AUTH)
    assert r.status_code == 400 and b"syntax error" in r.data


# 34
def test_bad_update_dataset_conflict(writable):
    update = ("WITH <http://example.org/g> DELETE { ?s ?p ?o } INSERT { ?s ?p ?o } "
              "WHERE { ?s ?p ?o }")
    r = writable.post(f"/sparql?{_qs(using_named_graph_uri=G1)}", data=update,
                      content_type=UPDATE, headers=AUTH)
    assert r.status_code == 400 and b"USING or WITH" in r.data
    for params in ({"using_graph_uri": G1}, {"using_named_graph_uri": G1}):
        using = f"INSERT {{ GRAPH <{G1}> {{ ?s ?p ?o }} }} USING <{G1}> WHERE {{ ?s ?p ?o }}"
        r = writable.post(f"/sparql?{_qs(**params)}", data=using, content_type=UPDATE,
                          headers=AUTH)
        assert r.status_code == 400 and b"USING or WITH" in r.data


# Service description (sparql11/service-description manifest)
def test_service_description_has_the_endpoint_triple_and_is_rdf(client):
    from rdflib import Graph, URIRef
    from rdflib.namespace import Namespace

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    r = client.get("/sparql")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    graph = Graph().parse(data=r.data, format="turtle")
    assert (None, sd.endpoint, URIRef("http://localhost/sparql")) in graph
    assert (None, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (None, sd.supportedLanguage, sd.SPARQL11Update) not in graph
    jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    assert len(Graph().parse(data=jsonld.data, format="json-ld")) == len(graph)
