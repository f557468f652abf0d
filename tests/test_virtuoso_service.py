"""The service pointed at a real Virtuoso: the same answers as on the embedded store."""

from __future__ import annotations

import json

import pytest
from conftest import FIRST, ROOT, make_app
from servers import virtuoso  # noqa: F401 - a fixture
from test_saved_queries import CATALOGUE

from kg.store.remote import RemoteStore
from kg.web import create_app

QUERIES = {
    "figures": """PREFIX ekg: <https://w3id.org/ekg/ont#> PREFIX schema: <http://schema.org/>
        SELECT ?f ?text ?min ?max WHERE { ?f a ekg:Figure ; ekg:statedText ?text .
        OPTIONAL { ?f schema:minValue ?min } OPTIONAL { ?f schema:maxValue ?max } }""",
    "statements": """PREFIX ekg: <https://w3id.org/ekg/ont#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?s ?date ?d WHERE { ?s a ekg:Statement ; dcterms:date ?date ; ekg:delegation ?d }""",
    "graphs": """PREFIX ekg: <https://w3id.org/ekg/ont#>
        SELECT ?g (COUNT(?c) AS ?n) WHERE { GRAPH ?g { ?c a ekg:Claim } } GROUP BY ?g""",
    "khojaly": """PREFIX ekg: <https://w3id.org/ekg/ont#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?c ?label WHERE { ?c ekg:about ?e . ?e rdfs:label ?label
        FILTER (CONTAINS(?label, "Khojaly")) }""",
    "ordered": """PREFIX ekg: <https://w3id.org/ekg/ont#> PREFIX schema: <http://schema.org/>
        SELECT ?text ?min WHERE { ?f ekg:statedText ?text ; schema:minValue ?min }
        ORDER BY DESC(?min) ?text LIMIT 5""",
    "ask": "PREFIX ekg: <https://w3id.org/ekg/ont#> ASK { ?s a ekg:Statement }",
}


@pytest.fixture(scope="module")
def pair(virtuoso, built_file):  # noqa: F811 - the fixture imported above
    store = RemoteStore(virtuoso.query_url, update_url=virtuoso.update_url,
                        graph_store_url=virtuoso.graph_store_url)
    store.replace_all(built_file)
    remote = create_app({"HOME": ROOT, "TESTING": True, "STORE_INSTANCE": store})
    embedded = make_app(built_file)
    yield embedded.test_client(), remote.test_client()
    remote.extensions["kg"].close()
    embedded.extensions["kg"].close()


def _rows(response) -> object:
    assert response.status_code == 200, response.get_data(as_text=True)
    data = json.loads(response.data)
    if "boolean" in data:
        return data["boolean"]
    return sorted(json.dumps(row, sort_keys=True) for row in data["results"]["bindings"])


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_endpoint_gives_the_same_answers(pair, name):
    embedded, remote = pair
    args = {"query": QUERIES[name]}
    assert _rows(remote.get("/sparql", query_string=args)) == \
        _rows(embedded.get("/sparql", query_string=args))


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_saved_query_gives_the_same_rows(pair, name):
    embedded, remote = pair
    query = CATALOGUE[name]
    params = dict(query.examples[0]) if query.examples else {}
    ext = "ttl" if query.form in ("CONSTRUCT", "DESCRIBE") else "json"
    if name == "statement-claims":
        params["page_size"] = "1000"
    left = embedded.get(f"/queries/{name}.{ext}", query_string=params)
    right = remote.get(f"/queries/{name}.{ext}", query_string=params)
    assert left.status_code == right.status_code == 200, right.get_data(as_text=True)
    if ext == "json":
        def rows(r):
            return sorted(json.dumps(x, sort_keys=True) for x in json.loads(r.data)["rows"])
        assert rows(left) == rows(right)
    else:
        from rdflib import Graph
        from rdflib.compare import isomorphic

        assert isomorphic(Graph().parse(data=left.data, format="turtle"),
                          Graph().parse(data=right.data, format="turtle"))


def test_pages_render_on_virtuoso(pair):
    _, remote = pair
    for url in ("/", "/id/event/khojaly-1992-02", "/id/statement/unsc-2021-05-25-poc-AZE"):
        r = remote.get(url, headers={"Accept": "text/html"})
        assert r.status_code == 200, url


def test_kg_load_into_virtuoso_uses_the_remote_store_settings(virtuoso, built_file,  # noqa: F811
                                                               tmp_path):
    from click.testing import CliRunner

    from kg.cli import main

    env = {"KG_STORE": f"sparql:{virtuoso.query_url}",
           "KG_STORE_UPDATE_URL": virtuoso.update_url,
           "KG_STORE_GRAPH_STORE_URL": virtuoso.graph_store_url}
    dataset = tmp_path / "kg.nq"
    dataset.write_bytes(built_file.read_bytes())
    result = CliRunner().invoke(main, ["--home", str(ROOT), "load", "--force", str(dataset)],
                                env=env)
    assert result.exit_code == 0, result.output + result.stderr
    store = RemoteStore(virtuoso.query_url)
    assert f"https://w3id.org/ekg/graph/statement/{FIRST}" in store.graph_names()
