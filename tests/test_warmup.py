"""A serving process computes the home page and parameterless saved queries before serving."""

from __future__ import annotations

from conftest import kill_idle_query_processes, make_app

from kg.web.warmup import warm_paths


def test_warm_paths_are_the_home_page_and_the_queries_without_parameters(app):
    paths = warm_paths(app)
    catalogue = app.extensions["kg"].catalogue
    assert paths[0] == "/"
    assert {p.removeprefix("/queries/").removesuffix(".json") for p in paths[1:]} == {
        name for name, query in catalogue.items() if not query.params}
    assert "/queries/parts-and-wholes.json" in paths
    assert "/queries/figures-for-event.json" not in paths  # it takes an event


def test_a_warmed_app_answers_them_without_running_a_query(built_file):
    app = make_app(built_file, WARM_UP=True)
    kg = app.extensions["kg"]
    try:
        kill_idle_query_processes(app)  # no query process can answer now
        client = app.test_client()
        assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
        r = client.get("/queries/parts-and-wholes.json")
        assert r.status_code == 200 and r.get_json()["rows"]
        # not warmed: it needs a query process, and finds the killed one
        assert client.get("/queries/figures-for-event.json").status_code == 503
    finally:
        kg.close()


def test_apps_are_not_warmed_unless_asked(built_file):
    app = make_app(built_file)
    try:
        assert not app.extensions["kg"].executor._idle  # no query has run
    finally:
        app.extensions["kg"].close()


def test_nothing_is_computed_first_for_a_remote_store():
    from conftest import ROOT

    from kg.web import create_app
    from kg.web.warmup import warm_up

    # nothing listens there: a request would fail, and none is made (answers of a remote
    # store are not kept, so there is nothing to compute in advance)
    app = create_app({"HOME": ROOT, "STORE": "sparql:http://127.0.0.1:9/sparql",
                      "TESTING": True})
    try:
        assert warm_up(app) == {}
    finally:
        app.extensions["kg"].close()
