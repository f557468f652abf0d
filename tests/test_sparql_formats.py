"""Content negotiation on /sparql: every result format, parsed back with a real parser."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

FIGURES = """PREFIX ekg: <https://w3id.org/ekg/ont#>
PREFIX schema: <http://schema.org/>
SELECT ?text ?min WHERE {
  GRAPH <https://w3id.org/ekg/graph/statement/unsc-2021-05-25-poc-AZE> {
    ?f a ekg:Figure ; ekg:statedText ?text ; schema:minValue ?min } }
ORDER BY ?min ?text"""
CONSTRUCT = """PREFIX ekg: <https://w3id.org/ekg/ont#>
CONSTRUCT { ?f ?p ?o } WHERE {
  GRAPH <https://w3id.org/ekg/graph/statement/unsc-2021-05-25-poc-AZE> {
    ?f a ekg:Figure ; ?p ?o } }"""
SRX = "{http://www.w3.org/2005/sparql-results#}"


def _get(client, query, **headers):
    return client.get("/sparql", query_string={"query": query}, headers=headers)


def test_select_json_is_the_default_and_keeps_datatypes(client):
    r = _get(client, FIGURES)
    assert r.status_code == 200 and r.mimetype == "application/sparql-results+json"
    assert r.headers["Vary"] == "Accept"
    data = json.loads(r.data)
    assert data["head"]["vars"] == ["text", "min"]
    rows = data["results"]["bindings"]
    assert len(rows) == 15
    first = rows[0]
    assert first["min"] == {"type": "literal", "value": "2",
                            "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert first["text"]["value"] == "numerous casualties among Azerbaijani civilians"


def test_select_xml(client):
    r = _get(client, FIGURES, Accept="application/sparql-results+xml")
    assert r.mimetype == "application/sparql-results+xml"
    root = ET.fromstring(r.data)
    assert [v.get("name") for v in root.iter(f"{SRX}variable")] == ["text", "min"]
    assert len(list(root.iter(f"{SRX}result"))) == 15


def test_select_csv(client):
    r = _get(client, FIGURES, Accept="text/csv")
    assert r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == ["text", "min"] and len(rows) == 16
    assert ["719 civilians", "719"] in rows


def test_select_tsv(client):
    r = _get(client, FIGURES, Accept="text/tab-separated-values")
    assert r.mimetype == "text/tab-separated-values"
    lines = r.get_data(as_text=True).rstrip("\n").split("\n")
    assert lines[0] == "?text\t?min" and len(lines) == 16
    assert '"719 civilians"\t"719"^^<http://www.w3.org/2001/XMLSchema#integer>' in lines


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/sparql-results+xml;q=0.2, text/csv", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    ("application/*", "application/sparql-results+json"),
    ("text/*", "text/csv"),
    ("application/json", "application/sparql-results+json"),
    ("text/turtle, */*;q=0.1", "application/sparql-results+json"),
])
def test_q_values_and_wildcards(client, accept, expected):
    assert _get(client, FIGURES, Accept=accept).mimetype == expected


def test_nothing_acceptable_is_406_with_the_offer(client):
    r = _get(client, FIGURES, Accept="image/png")
    assert r.status_code == 406
    assert b"application/sparql-results+json" in r.data


def test_ask_in_csv_and_tsv_as_jena_writes_it(client):
    r = _get(client, "ASK {}", Accept="text/csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data == b"_askResult\r\ntrue\r\n"
    r = _get(client, "ASK { <http://example.org/nothing> ?p ?o }",
             Accept="text/tab-separated-values")
    assert r.status_code == 200 and r.data == b"?_askResult\nfalse\n"
    r = client.get("/sparql", query_string={"query": "ASK {}", "format": "csv"})
    assert r.mimetype == "text/csv" and r.data.endswith(b"true\r\n")
    r = _get(client, "ASK {}", Accept="application/sparql-results+xml")
    assert ET.fromstring(r.data).find(f"{SRX}boolean").text == "true"


@pytest.mark.parametrize(("param", "value", "expected"), [
    ("format", "csv", "text/csv"),
    ("format", "json", "application/sparql-results+json"),
    ("output", "xml", "application/sparql-results+xml"),
    ("format", "text/tab-separated-values", "text/tab-separated-values"),
])
def test_format_parameters_that_clients_send(client, param, value, expected):
    r = client.get("/sparql", query_string={"query": FIGURES, param: value},
                   headers={"Accept": "application/sparql-results+xml"})
    assert r.mimetype == expected


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
    ("application/n-quads", "nquads"),
    ("application/trig", "trig"),
])
def test_construct_in_every_rdf_format_gives_the_same_graph(client, accept, rdflib_format):
    reference = Graph().parse(data=_get(client, CONSTRUCT).data, format="turtle")
    assert len(reference) > 15 * 8
    r = _get(client, CONSTRUCT, Accept=accept)
    assert r.status_code == 200 and r.mimetype == accept
    assert isomorphic(Graph().parse(data=r.data, format=rdflib_format), reference)


def test_construct_json_format_parameter_means_json_ld(client):
    r = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "json"})
    assert r.mimetype == "application/ld+json"


def test_browsers_get_an_html_table_with_escaped_values(client):
    query = 'SELECT ?x WHERE { BIND("<script>alert(1)</script>" AS ?x) }'
    r = _get(client, query, Accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Content-Security-Policy" in r.headers


def test_the_query_page_lists_saved_queries_and_uses_no_cdn(client):
    r = client.get("/sparql", headers={"Accept": "text/html"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<textarea" in html
    assert "https://cdn" not in html and "//unpkg" not in html and "jsdelivr" not in html
