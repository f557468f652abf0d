"""The search page's kept index gives the rows its SPARQL queries give, and needs no query."""

from __future__ import annotations

import pytest
from conftest import kill_idle_query_processes, make_app

from kg.web.search import LIMIT, SearchIndex, names_query, quotes_query

HTML = {"Accept": "text/html"}
NEEDLES = ["khojaly", "KHOJALY", "Azerbaijan", "civilians", "a", "e", " ", "719", "2020",
           "war crimes", "é", "'", '"', "\\", "{", "aggression-2020", "zzzzqqq", "ı", "ß"]


def _sparql(res, needle: str):
    return res.select_all(names_query(res.iris, needle), quotes_query(needle))


def _name_order(rows):
    return [(len(str(r["label"])), str(r["label"])) for r in rows]


def _quote_order(rows):
    return [(str(r["statementLabel"]), str(r["sentence"])) for r in rows]


def _rows(rows):
    return sorted(sorted((k, str(v)) for k, v in row.items() if v is not None) for row in rows)


@pytest.mark.parametrize("needle", NEEDLES)
def test_the_index_gives_the_rows_sparql_gives(app, needle):
    kg = app.extensions["kg"]
    res = kg.resources()
    index = kg.search_index()
    names, quotes = index.search(needle)
    sparql_names, sparql_quotes = _sparql(res, needle)
    # The same rows in the same order; where rows tie on the order and the limit cuts among
    # them, SPARQL may keep others: whole answers must be the same rows.
    assert _name_order(names) == _name_order(sparql_names)
    assert _quote_order(quotes) == _quote_order(sparql_quotes)
    if len(sparql_names) < LIMIT:
        assert _rows(names) == _rows(sparql_names)
    if len(sparql_quotes) < LIMIT:
        assert _rows(quotes) == _rows(sparql_quotes)


def test_the_needles_reach_both_sides_of_the_limit(app):
    index = app.extensions["kg"].search_index()
    counts = {n: tuple(len(rows) for rows in index.search(n)) for n in NEEDLES}
    assert counts["a"] == (LIMIT, LIMIT)
    assert 0 < counts["khojaly"][0] < LIMIT and 0 < counts["khojaly"][1] < LIMIT
    assert counts["zzzzqqq"] == (0, 0)


def test_a_nul_is_left_to_sparql(app):
    assert app.extensions["kg"].search_index().search("a\0b") is None
    assert app.test_client().get("/search?q=a%00b", headers=HTML).status_code == 200


def test_the_search_page_needs_no_query_once_indexed_and_follows_writes(built_file):
    app = make_app(built_file)
    kg = app.extensions["kg"]
    client = app.test_client()
    try:
        assert kg.search_index(wait=False) is None  # not made yet: a build starts
        first = client.get("/search?q=khojaly", headers=HTML)  # meanwhile, by SPARQL
        assert first.status_code == 200 and "Khojaly" in first.get_data(as_text=True)
        assert isinstance(kg.search_index(), SearchIndex)  # waits for the build
        assert kg.search_index(wait=False) is kg.search_index()
        kill_idle_query_processes(app)  # no query process can answer now
        again = client.get("/search?q=khojaly", headers=HTML)
        assert again.status_code == 200
        assert again.get_data(as_text=True) == first.get_data(as_text=True)
        kg.store.update(
            'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> '
            'INSERT DATA { GRAPH <https://w3id.org/ekg/graph/reference> { '
            '<https://w3id.org/ekg/id/event/khojaly-1992-02> rdfs:label "Qwertzuiop" } }')
        assert kg.search_index(wait=False) is None  # a new version: made again
        assert "Qwertzuiop" in client.get("/search?q=qwertz", headers=HTML).get_data(
            as_text=True)
        assert [r["label"] for r in kg.search_index().search("qwertz")[0]] == ["Qwertzuiop"]
    finally:
        kg.close()


def test_the_index_is_made_at_warm_up(built_file):
    from kg.web.warmup import warm_up

    app = make_app(built_file)
    kg = app.extensions["kg"]
    try:
        warm_up(app)
        assert kg.search_index(wait=False) is not None
    finally:
        kg.close()
