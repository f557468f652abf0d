"""Safety of /sparql: no outbound requests, token-only updates, limits, CORS, clean errors."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from conftest import kill_idle_query_processes, make_app

from kg.store import EmbeddedStore

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.received: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                self.received.append(conn.recv(4096))
                conn.sendall(b"HTTP/1.1 500 No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture
def guarded(built_file):
    app = make_app(built_file, UPDATE_TOKEN="secret", QUERY_TIMEOUT=1.5)
    yield app.test_client()
    app.extensions["kg"].close()


def test_nothing_reaches_the_network(guarded, listener):
    url = listener.url
    queries = [
        f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}sparql> {{ ?s ?p ?o }} }}",
        f"PREFIX r: <{url}> SELECT * WHERE {{ service r:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}data.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ]
    statuses = [guarded.get("/sparql", query_string={"query": q}).status_code for q in queries]
    assert statuses[:4] == [403, 403, 403, 403]
    assert statuses[4:] == [200, 200]  # a graph not in the store is empty; never fetched
    r = guarded.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }",
                                             "default-graph-uri": f"{url}g"})
    assert r.status_code == 200 and b"false" in r.data
    load = guarded.post("/sparql", data={"update": f"LOAD <{url}data.ttl>"},
                        headers={"Authorization": "Bearer secret"})
    assert load.status_code == 403 and b"LOAD" in load.data
    time.sleep(0.5)
    assert listener.received == []


def test_words_inside_strings_and_comments_are_not_keywords(guarded):
    query = ('SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/>" AS ?x) } '
             "# SERVICE <http://127.0.0.1:9/>\n")
    assert guarded.get("/sparql", query_string={"query": query}).status_code == 200


def test_an_allow_listed_service_is_reached(built_file, listener):
    app = make_app(built_file, SERVICE_ALLOWLIST=listener.url)
    client = app.test_client()
    query = f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}sparql> {{ ?s ?p ?o }} }}"
    assert client.get("/sparql", query_string={"query": query}).status_code == 200
    app.extensions["kg"].close()
    deadline = time.time() + 5
    while not listener.received and time.time() < deadline:
        time.sleep(0.05)
    assert listener.received and listener.received[0].startswith(b"POST /sparql")


# updates write statement graphs only: a comment on the first statement, in its graph
_STATEMENT = "<https://w3id.org/ekg/id/statement/unsc-2021-05-25-poc-AZE>"
_COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
INSERT = ("INSERT DATA { GRAPH <https://w3id.org/ekg/graph/statement/unsc-2021-05-25-poc-AZE> { "
          f'{_STATEMENT} {_COMMENT} "new" }} }}')
SEE = f'ASK {{ {_STATEMENT} {_COMMENT} "new" }}'


def _seen(client) -> bool:
    return b"true" in client.get("/sparql", query_string={"query": SEE}).data


def test_updates_are_refused_when_no_token_is_configured(client):
    r = client.post("/sparql", data={"update": INSERT}, headers={"Authorization": "Bearer x"})
    assert r.status_code == 403 and b"read-only" in r.data
    assert not _seen(client)


def test_updates_need_the_right_bearer_token(guarded):
    missing = guarded.post("/sparql", data={"update": INSERT})
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = guarded.post("/sparql", data={"update": INSERT},
                         headers={"Authorization": "Bearer not-the-secret"})
    assert wrong.status_code == 403
    assert not _seen(guarded)
    ok = guarded.post("/sparql", data={"update": INSERT},
                      headers={"Authorization": "Bearer secret"})
    assert ok.status_code == 200
    assert _seen(guarded)  # visible to the very next query


def test_a_runaway_query_is_stopped_and_the_next_one_answered(guarded):
    started = time.monotonic()
    r = guarded.get("/sparql", query_string={"query": SLOW})
    elapsed = time.monotonic() - started
    assert r.status_code == 503 and b"time limit of 1.5 s" in r.data
    assert r.headers["Retry-After"]
    assert elapsed < 5
    started = time.monotonic()
    assert guarded.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    assert time.monotonic() - started < 1


def test_result_limit(built_file):
    app = make_app(built_file, RESULT_LIMIT=10)
    client = app.test_client()
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 422 and b"more than 10 rows" in r.data
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 10"})
    assert r.status_code == 200
    app.extensions["kg"].close()


def test_request_body_limit(built_file):
    app = make_app(built_file, MAX_BODY=1000)
    client = app.test_client()
    big = "ASK {} #" + "x" * 5000
    assert client.post("/sparql", data=big,
                       content_type="application/sparql-query").status_code == 413
    assert client.post("/sparql", data={"query": big}).status_code == 413
    assert client.post("/sparql", data={"query": "ASK {}"}).status_code == 200
    app.extensions["kg"].close()


def test_cors_preflight_and_simple_requests(client):
    pre = client.options("/sparql", headers={"Origin": "https://app.example",
                                             "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in pre.headers
    r = client.get("/sparql", query_string={"query": "ASK {}"},
                   headers={"Origin": "https://app.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_allow_list(built_file):
    app = make_app(built_file, CORS_ORIGINS="https://ok.example")
    client = app.test_client()
    good = client.get("/sparql", query_string={"query": "ASK {}"},
                      headers={"Origin": "https://ok.example"})
    assert good.headers["Access-Control-Allow-Origin"] == "https://ok.example"
    assert "Origin" in good.headers["Vary"]
    bad = client.get("/sparql", query_string={"query": "ASK {}"},
                     headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in bad.headers
    app.extensions["kg"].close()


class BrokenStore(EmbeddedStore):
    def query(self, *args, **kwargs):
        raise RuntimeError("secret internal detail")


def test_internal_failures_never_show_a_traceback(built_file):
    from conftest import ROOT

    from kg.web import create_app

    store = BrokenStore(None)
    app = create_app({"HOME": ROOT, "TESTING": True, "STORE_INSTANCE": store})
    client = app.test_client()
    for accept in ("text/html", "application/json", "*/*"):
        r = client.get("/", headers={"Accept": accept})
        body = r.get_data(as_text=True)
        assert r.status_code == 500
        assert "Traceback" not in body and "secret internal detail" not in body
    r = client.get("/sparql", query_string={"query": "ASK {}"})
    assert r.status_code == 500 and b"secret" not in r.data
    app.extensions["kg"].close()


def test_unknown_pages_and_methods_are_clean(client):
    r = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert r.status_code == 404 and b"Traceback" not in r.data
    r = client.delete("/sparql")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]


def test_query_processes_hold_none_of_the_servers_sockets(app, client):
    import os
    import socket

    listening = socket.socket()  # stands for the server's client connections
    listening.bind(("127.0.0.1", 0))
    try:
        executor = app.extensions["kg"].executor
        executor.close()  # new children are forked while the socket is open
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
        for child in executor._idle:
            fds = os.listdir(f"/proc/{child.pid}/fd")
            assert len(fds) <= 4, fds  # stdin, stdout, stderr and the answer pipe
    finally:
        listening.close()


def test_a_query_beyond_its_memory_limit_is_stopped_cleanly(built_file):
    app = make_app(built_file, QUERY_MEMORY=64, QUERY_TIMEOUT=60)
    client = app.test_client()
    greedy = ("SELECT ?a ?b ?c ?d ?e ?f WHERE { ?a ?b ?c . ?d ?e ?f } "
              "ORDER BY ?c ?f ?a ?d")  # sorts every pair of triples: far more than 64 MiB
    try:
        started = time.monotonic()
        r = client.get("/sparql", query_string={"query": greedy})
        assert r.status_code == 503, r.data
        assert b"more memory than its limit of 64 MiB" in r.data
        assert time.monotonic() - started < 30  # the memory limit, not the time limit
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    finally:
        app.extensions["kg"].close()


def test_a_query_process_killed_by_the_system_is_a_503_not_a_500(app, client):
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    assert kill_idle_query_processes(app)
    r = client.get("/sparql", query_string={"query": "ASK {}"})
    assert r.status_code == 503 and b"stopped by the system" in r.data
    assert r.headers["Retry-After"]
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_a_page_whose_query_process_dies_answers_503(app, client):
    html = {"Accept": "text/html"}  # each search is a page not seen before (pages are kept)
    answers = []
    # A process that is not idle at the kill (on a loaded machine, one still being handed
    # back) serves the next page whole: up to three tries for the kill to meet the request.
    for word in ("missing", "displaced", "occupied"):
        assert client.get(f"/search?q={word}s", headers=html).status_code == 200
        assert kill_idle_query_processes(app)
        r = client.get(f"/search?q={word}", headers=html)
        body = r.get_data(as_text=True)
        assert "Traceback" not in body and r.status_code in (200, 503)
        answers.append(r.status_code)
        if r.status_code == 503:
            assert "stopped by the system" in body
            assert client.get(f"/search?q={word}", headers=html).status_code == 200
            break
    assert 503 in answers, answers
