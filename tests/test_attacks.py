"""Path traversal through every path parameter, and markup through every reflected value."""

from __future__ import annotations

import pytest

HTML = {"Accept": "text/html"}
PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.mark.parametrize("path", [
    "/queries/..%2F..%2Fsetup.cfg",
    "/queries/../setup.cfg",
    "/queries/%2e%2e%2fsetup.cfg.json",
    "/downloads/..%2Fsetup.cfg",
    "/downloads/../../etc/passwd",
    "/id/statement/..%2F..%2F..%2Fetc%2Fpasswd",
    "/id/statement/../../../etc/passwd.ttl",
    "/graph/statement/..%2F..%2Fetc%2Fpasswd.ttl",
    "/vocab/..%2F..%2Fsetup.cfg",
    "/static/..%2F..%2Fcli.py",
    "/static/../../setup.cfg",
])
def test_path_traversal_reaches_no_file(client, path):
    r = client.get(path, headers=HTML)
    assert r.status_code in (400, 404), path
    body = r.get_data(as_text=True)
    assert "[metadata]" not in body and "root:" not in body and "import click" not in body


def test_graph_store_names_are_iris_not_paths(client):
    for graph in ("../../etc/passwd", "file:///etc/passwd", "/etc/passwd"):
        r = client.get("/graph-store", query_string={"graph": graph})
        assert r.status_code in (400, 404)
        assert b"root:" not in r.data


@pytest.mark.parametrize(("path", "params"), [
    ("/search", {"q": PAYLOAD}),
    ("/sparql", {"query": PAYLOAD}),
    ("/sparql", {"query": f'SELECT ?x WHERE {{ BIND("{PAYLOAD}" AS ?x) }}'}),
    ("/queries/quote-search", {"text": PAYLOAD}),
    ("/queries/responsibility", {"event": PAYLOAD}),
    ("/queries/figures-for-event", {"bogus": PAYLOAD}),
    ("/resource", {"iri": f"http://e/{PAYLOAD}"}),
    ("/id/event/khojaly-1992-02", {"incoming": PAYLOAD}),
    ("/id/event/" + "%22%3E%3Cscript%3Ealert(1)%3C/script%3E", {}),
])
def test_reflected_values_are_escaped(client, path, params):
    r = client.get(path, query_string=params, headers=HTML)
    body = r.get_data(as_text=True)
    assert r.status_code < 500
    assert "<script>alert" not in body and "<img src=x" not in body
    if r.mimetype == "text/html":
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_cors_never_allows_credentials(client):
    for method in ("GET", "OPTIONS"):
        r = client.open("/sparql", method=method, query_string={"query": "ASK {}"},
                        headers={"Origin": "https://evil.example",
                                 "Access-Control-Request-Method": "POST",
                                 "Cookie": "session=x"})
        assert "Access-Control-Allow-Credentials" not in r.headers
