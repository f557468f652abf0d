"""The endpoint over real HTTP: `kg serve` (gunicorn, two workers) on 127.0.0.1, real clients."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from live import start
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, POST, TURTLE, XML, SPARQLWrapper

TOKEN = "live-token"
FIGURES = """PREFIX ekg: <https://w3id.org/ekg/ont#>
PREFIX schema: <http://schema.org/>
SELECT ?text ?min WHERE {
  GRAPH <https://w3id.org/ekg/graph/statement/unsc-2021-05-25-poc-AZE> {
    ?f a ekg:Figure ; ekg:statedText ?text ; schema:minValue ?min } }"""
CONSTRUCT = """PREFIX ekg: <https://w3id.org/ekg/ont#>
CONSTRUCT { ?f ?p ?o } WHERE {
  GRAPH <https://w3id.org/ekg/graph/statement/unsc-2021-05-25-poc-AZE> {
    ?f a ekg:Figure ; ?p ?o } }"""


@pytest.fixture(scope="module")
def server(built_file: Path, tmp_path_factory):
    """`kg load` then `kg serve --no-build` with two workers, on a scratch store."""
    live = start(built_file, tmp_path_factory.mktemp("live"), KG_UPDATE_TOKEN=TOKEN,
                 KG_QUERY_TIMEOUT="2")
    yield live.url, live.log
    live.stop()


def _request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_every_request_form_over_http(server):
    url, _ = server
    q = urllib.parse.quote("ASK {}")
    for status, headers, body in (
        _request(f"{url}/sparql?query={q}"),
        _request(f"{url}/sparql", data=f"query={q}".encode(),
                 headers={"Content-Type": "application/x-www-form-urlencoded"}),
        _request(f"{url}/sparql", data=b"ASK {}",
                 headers={"Content-Type": "application/sparql-query"}),
    ):
        assert status == 200
        assert headers["Content-Type"].startswith("application/sparql-results+json")
        assert json.loads(body)["boolean"] is True


def test_error_statuses_over_http(server):
    url, _ = server
    q = urllib.parse.quote("ASK {")
    assert _request(f"{url}/sparql?query={q}")[0] == 400
    assert _request(f"{url}/sparql?query=ASK%7B%7D", method="PUT")[0] == 405
    assert _request(f"{url}/sparql?query=ASK%7B%7D", headers={"Accept": "image/png"})[0] == 406
    plain = {"Content-Type": "text/plain"}
    assert _request(f"{url}/sparql", data=b"ASK {}", headers=plain)[0] == 415
    # A client still sending a refused body reads the 413, not a reset connection.
    status, _, body = _request(f"{url}/sparql", data=b"x" * 20_000_000,
                               headers={"Content-Type": "application/sparql-query"})
    assert status == 413


def test_sparqlwrapper_select_in_json_xml_csv(server):
    url, _ = server
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(FIGURES)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert len(rows) == 15
    client.setReturnFormat(XML)
    assert len(client.query().convert().getElementsByTagName("result")) == 15
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().count("\r\n") == 16
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == 15


def test_sparqlwrapper_construct_in_turtle_and_json_ld(server):
    url, _ = server
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(TURTLE)
    turtle = Graph().parse(data=client.query().convert(), format="turtle")
    client.setReturnFormat(JSONLD)
    jsonld = client.query().convert()
    assert len(turtle) > 100 and len(jsonld) == len(turtle)


def test_rdflib_sparqlstore_as_a_client(server):
    url, _ = server
    graph = Graph(store=SPARQLStore(f"{url}/sparql"))
    rows = list(graph.query(FIGURES))
    assert len(rows) == 15
    assert {str(r.text) for r in rows} >= {"719 civilians", "about 4000 citizens of Azerbaijan"}
    constructed = graph.query(CONSTRUCT).graph
    assert len(constructed) > 100


def test_update_with_token_is_seen_by_every_worker(server):
    url, _ = server
    # updates write statement graphs only: a comment on the first statement, in its graph
    statement = "<https://w3id.org/ekg/id/statement/unsc-2021-05-25-poc-AZE>"
    comment = "<http://www.w3.org/2000/01/rdf-schema#comment>"
    insert = ("INSERT DATA { GRAPH <https://w3id.org/ekg/graph/statement/"
              f'unsc-2021-05-25-poc-AZE> {{ {statement} {comment} "live" }} }}')
    ask = urllib.parse.quote(f'ASK {{ {statement} {comment} "live" }}')
    denied = _request(f"{url}/sparql", data=urllib.parse.urlencode({"update": insert}).encode(),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert denied[0] == 401
    assert json.loads(_request(f"{url}/sparql?query={ask}")[2])["boolean"] is False
    status, _, _ = _request(f"{url}/sparql", data=insert.encode(),
                            headers={"Content-Type": "application/sparql-update",
                                     "Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    answers = {json.loads(_request(f"{url}/sparql?query={ask}")[2])["boolean"]
               for _ in range(12)}
    assert answers == {True}


def test_runaway_query_over_http(server):
    url, _ = server
    slow = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    started = time.monotonic()
    status, headers, body = _request(f"{url}/sparql?query={slow}")
    assert status == 503 and headers["Retry-After"] and time.monotonic() - started < 6
    for _ in range(4):
        assert _request(f"{url}/sparql?query=ASK%7B%7D")[0] == 200


def test_the_request_log_is_structured(server):
    url, log = server
    _request(f"{url}/sparql?query=ASK%7B%7D")
    time.sleep(0.3)
    log.seek(0)
    records = [json.loads(line) for line in log.read().splitlines() if line.startswith("{")]
    assert any(r["path"] == "/sparql" and r["status"] == 200 and r["method"] == "GET"
               and isinstance(r["duration_ms"], float) for r in records)
