"""HTTP details: HEAD, the ontology and VoID IRIs, 406 with Vary, ASK in CSV/TSV, whole or
refused request bodies (Content-Length or chunked), one extraction per draft."""

from __future__ import annotations

import http.client
import io
import json
import socket
import urllib.parse
from pathlib import Path

import pytest
from conftest import FIRST, ROOT, make_app
from live import start
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF
from SPARQLWrapper import CSV, TSV, SPARQLWrapper

from kg.config import load_settings
from kg.extract.extract import Extractor
from kg.pipeline.curation import draft_text
from kg.sources.ontology import load_ontology
from kg.sources.reference import load_reference
from kg.web import drafts
from kg.web.export import DUMPS

BASE = "https://w3id.org/ekg/"
TOKEN = "protocol-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMIT = 1_000_000
MARK = "<http://example.org/chunked> <http://example.org/p> \"cut\""
ASK_MARK = f"ASK {{ GRAPH ?g {{ {MARK} }} }}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _cut_update(size: int) -> bytes:
    """An update larger than ``size`` whose first LIMIT bytes are a valid update on their own
    (an INSERT then a comment), so a body cut at the limit and used changes the store."""
    head = f"INSERT DATA {{ GRAPH <http://example.org/g> {{ {MARK} }} }} ;\n"
    padding = ("# " + "x" * 98 + "\n") * (size // 100 + 1)
    tail = f"DELETE DATA {{ GRAPH <http://example.org/g> {{ {MARK} }} }}\n"
    return (head + padding + tail).encode()


def _three_mb_turtle() -> bytes:
    line = '<http://example.org/s> <http://example.org/p> "{}" .\n'
    return "".join(line.format(i) for i in range(60_000)).encode()


@pytest.fixture(scope="module")
def writable(built_file: Path):
    app = make_app(built_file, UPDATE_TOKEN=TOKEN, MAX_BODY=LIMIT)
    yield app, app.test_client()
    app.extensions["kg"].close()


def _ask(client, query: str) -> bool:
    r = client.get("/sparql", query_string={"query": query})
    return json.loads(r.data)["boolean"]


def _count(client) -> int:
    r = client.get("/sparql", query_string={"query": COUNT})
    return int(json.loads(r.data)["results"]["bindings"][0]["n"]["value"])


# -- HEAD -------------------------------------------------------------------------------------

def test_head_sparql_query_answers_like_get_without_a_body(client):
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}
    got = client.get("/sparql", query_string=query, headers={"Accept": "text/csv"})
    head = client.head("/sparql", query_string=query, headers={"Accept": "text/csv"})
    assert got.status_code == head.status_code == 200
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert head.headers["Vary"] == got.headers["Vary"]
    assert head.data == b""
    assert "HEAD" in client.options("/sparql").headers["Allow"]


def test_every_get_route_answers_head(app, client):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            assert "HEAD" in rule.methods, rule.rule
    for url in ("/", "/sparql", f"/id/statement/{FIRST}", "/queries", "/ont", "/dataset",
                "/.well-known/void", "/downloads", "/downloads/kg.nq", "/ontology", "/shapes",
                f"/graph/statement/{FIRST}", "/queries/figures-for-event.json", "/nope"):
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code, url
        assert head.data == b"", url


# -- the ontology and VoID IRIs resolve ------------------------------------------------------

def test_the_ontology_iri_resolves(client):
    r = client.get("/ont", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == "text/html" and "Figure claim" in r.get_data(
        as_text=True)
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                        ("application/rdf+xml", "xml"), ("application/n-triples", "nt")):
        r = client.get("/ont", headers={"Accept": accept})
        assert r.status_code == 200 and r.mimetype == accept, accept
        assert r.headers["Vary"] == "Accept"
        graph = Graph().parse(data=r.data, format=fmt)
        assert (URIRef(BASE + "ont"), RDF.type, OWL.Ontology) in graph
        assert (URIRef(BASE + "ont#Claim"), RDF.type, OWL.Class) in graph  # /ont#Claim


def _local(iri: str) -> str:
    return "/" + iri[len(BASE):]


def test_every_iri_the_void_description_mints_resolves(client):
    void = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    minted = {str(t) for triple in void for t in triple
              if isinstance(t, URIRef) and str(t).startswith(BASE)}
    assert BASE + "dataset" in minted and BASE + "dataset/kg.nq" in minted
    for iri in sorted(minted):
        r = client.get(_local(iri), headers={"Accept": "text/turtle"})
        if r.status_code == 303:
            r = client.get(r.headers["Location"], headers={"Accept": "text/turtle"})
        assert r.status_code == 200, (iri, r.status_code)
    r = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and len(Graph().parse(data=r.data, format="turtle")) == len(void)
    assert client.get("/dataset", headers={"Accept": "text/html"}).status_code == 303
    r = client.get("/dataset/kg.trig")
    assert r.status_code == 303 and r.headers["Location"].endswith("/downloads/kg.trig")
    assert client.get("/dataset/kg.zip").status_code == 404


def test_void_features_list_every_served_dump_format(client):
    void = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    features = {str(o) for o in void.objects(None, URIRef("http://rdfs.org/ns/void#feature"))}
    assert features == {"http://www.w3.org/ns/formats/" + name
                        for name in ("N-Quads", "TriG", "Turtle", "JSON-LD")}
    for name in DUMPS:
        assert client.get(f"/downloads/{name}").status_code == 200


# -- 406 carries Vary: Accept ----------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/sparql?query=SELECT%20*%20%7B%7D", "/sparql", "/.well-known/void", "/dataset", "/ont",
    f"/id/statement/{FIRST}", f"/graph/statement/{FIRST}", "/queries/figures-for-event",
    "/shapes", f"/graph-store?graph={BASE}graph/reference",
])
def test_every_406_says_it_varies_by_accept(client, url):
    r = client.get(url, headers={"Accept": "image/png"})
    assert r.status_code == 406, url
    assert "Accept" in r.headers.get("Vary", ""), url


# -- ASK in CSV and TSV with a real client, on a real server --------------------------------

@pytest.fixture(scope="module")
def server(built_file: Path, tmp_path_factory):
    live = start(built_file, tmp_path_factory.mktemp("protocol"), KG_UPDATE_TOKEN=TOKEN,
                 KG_MAX_BODY=str(LIMIT))
    yield live.url
    live.stop()


@pytest.mark.parametrize(("fmt", "expected"), [
    (CSV, b"_askResult\r\ntrue\r\n"), (TSV, b"?_askResult\ntrue\n")])
def test_sparqlwrapper_ask_in_csv_and_tsv(server, fmt, expected):
    wrapper = SPARQLWrapper(f"{server}/sparql")
    wrapper.setQuery(f"ASK {{ <{BASE}id/statement/{FIRST}> ?p ?o }}")
    wrapper.setReturnFormat(fmt)
    assert wrapper.query().convert() == expected


def test_head_sparql_query_on_the_real_server(server):
    path = "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})
    status, body = _send(server, "HEAD", path, b"", {"Accept": "text/csv"})
    assert status == 200 and body == b""


# -- request bodies: whole or refused --------------------------------------------------------

def test_chunked_update_over_the_limit_is_refused_whole(writable):
    app, client = writable
    before = _count(client)
    body = _cut_update(2 * LIMIT)
    r = client.post("/sparql", input_stream=iter_stream(body), headers={
        **AUTH, "Content-Type": "application/sparql-update", "Transfer-Encoding": "chunked"},
        environ_overrides=CHUNKED)
    assert r.status_code == 413, r.data
    assert b"larger" in r.data
    assert not _ask(client, ASK_MARK) and _count(client) == before


def test_chunked_bodies_within_the_limit_are_read_whole(writable):
    _, client = writable
    query = ("SELECT * WHERE { ?s ?p ?o } LIMIT 1 " + "#" * 500_000).encode()
    r = client.post("/sparql", input_stream=iter_stream(query), headers={
        "Content-Type": "application/sparql-query", "Transfer-Encoding": "chunked"},
        environ_overrides=CHUNKED)
    assert r.status_code == 200 and len(json.loads(r.data)["results"]["bindings"]) == 1


def test_chunked_put_and_drafts_over_the_limit_are_refused(writable):
    _, client = writable
    before = _count(client)
    r = client.put("/graph-store", query_string={"graph": "http://example.org/big"},
                   input_stream=iter_stream(_three_mb_turtle()),
                   headers={**AUTH, "Content-Type": "text/turtle",
                            "Transfer-Encoding": "chunked"},
        environ_overrides=CHUNKED)
    assert r.status_code == 413
    text = json.dumps({"text": "x " * LIMIT}).encode()
    r = client.post("/drafts", input_stream=iter_stream(text), headers={
        **AUTH, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides=CHUNKED)
    assert r.status_code == 413
    assert _count(client) == before


def iter_stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


#: A body sent as gunicorn hands a chunked one on: decoded, no Content-Length, and the
#: stream marked as terminated by the server (the test client would set a Content-Length).
CHUNKED = {"CONTENT_LENGTH": "", "wsgi.input_terminated": True}


def _chunked(body: bytes, size: int = 65536):
    for start_at in range(0, len(body), size):
        yield body[start_at:start_at + size]


def _send_chunked(url: str, method: str, path: str, body: bytes,
                  headers: dict[str, str]) -> tuple[int, bytes]:
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
    try:
        conn.request(method, path, body=_chunked(body), headers=headers, encode_chunked=True)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _live_count(url: str) -> int:
    q = urllib.parse.urlencode({"query": COUNT})
    status, body = _send(url, "GET", f"/sparql?{q}", b"", {})
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def _send(url: str, method: str, path: str, body: bytes,
          headers: dict[str, str]) -> tuple[int, bytes]:
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_chunked_bodies_over_the_limit_are_refused_by_the_real_server(server):
    before = _live_count(server)
    status, body = _send_chunked(server, "POST", "/sparql", _cut_update(2 * LIMIT + 50_000), {
        **AUTH, "Content-Type": "application/sparql-update"})
    assert status == 413, body
    ask = urllib.parse.urlencode({"query": ASK_MARK})
    assert json.loads(_send(server, "GET", f"/sparql?{ask}", b"", {})[1])["boolean"] is False
    status, body = _send_chunked(
        server, "PUT", "/graph-store?graph=http%3A%2F%2Fexample.org%2Fbig", _three_mb_turtle(),
        {**AUTH, "Content-Type": "text/turtle"})
    assert status == 413, body
    assert _live_count(server) == before
    query = b"ASK {} " + b"#" * 200_000
    status, body = _send_chunked(server, "POST", "/sparql", query,
                                 {"Content-Type": "application/sparql-query"})
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("chunks", [
    b"zz\r\nASK {}\r\n0\r\n\r\n",  # a chunk size that is not hexadecimal
    b"6\r\nASK {}XX0\r\n\r\n",  # a chunk without its CRLF
])
def test_a_malformed_chunked_body_is_a_400_from_the_real_server(server, chunks):
    port = int(urllib.parse.urlsplit(server).port or 80)
    head = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + chunks)
        received = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            received += data
    status_line = received.split(b"\r\n", 1)[0]
    assert status_line.split()[1] == b"400", received[:500]


def test_a_body_with_content_length_over_the_limit_is_413(writable):
    _, client = writable
    r = client.post("/sparql", data=_cut_update(2 * LIMIT), headers={
        **AUTH, "Content-Type": "application/sparql-update"})
    assert r.status_code == 413 and not _ask(client, ASK_MARK)


# -- POST /drafts extracts once --------------------------------------------------------------

class CountingExtractor(Extractor):
    """The real extractor, counting its runs."""

    runs = 0

    def extract(self, text, date=None):
        CountingExtractor.runs += 1
        return super().extract(text, date)


def test_a_draft_is_extracted_once_and_is_what_kg_add_writes():
    settings = load_settings({"HOME": ROOT})
    text = (ROOT / "data" / "statements" / "unga-2020-general-debate-AZE.txt").read_text(
        encoding="utf-8")
    meta = {"date": "2020-09-24", "delegation": "AZE"}
    extractor = CountingExtractor(load_reference(settings.reference_dir, settings.iris),
                                  load_ontology(settings.ontology_dir))
    CountingExtractor.runs = 0
    yaml_text, json_draft = drafts.draft(settings, text, "posted", meta, extractor)
    assert CountingExtractor.runs == 1
    assert yaml_text == draft_text(settings, text, "posted", "posted.txt", meta)
    assert json_draft["figures"]
